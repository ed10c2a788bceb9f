"""portal/figure_cache.py: workforce aggregates are reused, but never once this worker has changed the data."""
from datetime import date

import pytest
from sqlalchemy import text, update

from portal.extensions import db
from portal.figure_cache import EXTENSION, FigureCache, cached
from portal.org.models import Employee, Unit


@pytest.fixture
def counter(app_ctx):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_a_figure_is_computed_once_and_reused(counter):
    calls, compute = counter
    assert cached(("test", 1), compute) == 1
    assert cached(("test", 1), compute) == 1
    assert cached(("test", 2), compute) == 2  # another key is its own figure
    assert len(calls) == 2


def test_every_write_through_the_engine_forgets_the_figures(counter):
    calls, compute = counter
    cached(("test", "w"), compute)
    db.session.execute(update(Unit).where(Unit.id == -1).values(name="x"))  # an UPDATE, even of no row
    db.session.commit()
    assert cached(("test", "w"), compute) == 2
    db.session.execute(text("DELETE FROM unit WHERE id = -1"))  # plain SQL too
    db.session.rollback()
    assert cached(("test", "w"), compute) == 3
    cached(("test", "w"), compute)
    assert len(calls) == 3  # reading does not forget


def test_nothing_computed_inside_a_transaction_that_wrote_is_kept(counter, people):
    """It might be rolled back: the next request must not see figures of data that never existed."""
    calls, compute = counter
    unit = db.session.scalars(db.select(Unit).order_by(Unit.id)).first()
    unit.name = unit.name + " (changed)"
    db.session.flush()
    cached(("test", "t"), compute)
    db.session.rollback()
    assert cached(("test", "t"), compute) == 2
    assert cached(("test", "t"), compute) == 2  # kept once the transaction is clean


def test_figures_expire(counter, app, monkeypatch):
    calls, compute = counter
    cache = app.extensions[EXTENSION]
    cached(("test", "e"), compute)
    clock = [cache.entries[("test", "e")][0] + 1]
    monkeypatch.setattr("portal.figure_cache.time.monotonic", lambda: clock[0])
    assert cached(("test", "e"), compute) == 2


def test_zero_seconds_switches_the_cache_off():
    cache, calls = FigureCache(0), []
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 1
    assert cache.get("k", lambda: calls.append(1) or len(calls)) == 2


def test_the_start_page_counts_a_new_employee_at_once(app, client, login, people):
    login("hr")
    with app.app_context():
        unit = db.session.scalars(db.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.path)).first()
        name, unit_id = unit.name, unit.id
    headcount = _count_on_page(client.get("/").get_data(as_text=True), name)
    assert _count_on_page(client.get("/").get_data(as_text=True), name) == headcount  # from the cache now
    with app.app_context():
        db.session.add(Employee(employee_number="CACHE-1", first_name="Ny", last_name="Tilsett",
                                birth_date=date(1990, 1, 1), unit_id=unit_id, profession="Sykepleier",
                                position_percent=100, hire_date=date(2020, 1, 1)))
        db.session.commit()
    assert _count_on_page(client.get("/").get_data(as_text=True), name) == headcount + 1


def _count_on_page(html, unit_name):
    import re

    row = re.search(r"<td>" + re.escape(unit_name) + r"</td>\s*<td class=\"num\">(\d+)</td>", html)
    assert row, f"no row for {unit_name}"
    return int(row.group(1))
