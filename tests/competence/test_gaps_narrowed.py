"""The gap figures for a few competences or one page of requirements equal the whole count's.

requirement_gaps() has two ways to count: every requirement in one grouped
statement (kept a few seconds in the figure cache, and pages cut from it),
or, with the cache off or inside a transaction that has written, only the
records of the competences asked about, reduced to each person's best
level first. Both must give the same figures to the last person, for every
page of the API and every competence, today and at a horizon.
"""
from datetime import date

import pytest
from sqlalchemy import select

from portal.competence.gaps import requirement_gaps, requirements_in_view
from portal.competence.models import Competence
from portal.extensions import db
from portal.figure_cache import EXTENSION
from portal.org.demo import generate
from portal.pagination import paginate
from tests.conftest import PASSWORD

TODAY = date(2026, 3, 2)


@pytest.fixture
def demo(app):
    with app.app_context():
        generate(employees=300, seed=5, password=PASSWORD)
        db.session.commit()
        yield


def _figures(rows):
    return [(r.requirement_id, r.holders_now, r.retiring_by_horizon) for r in rows]


def _cache_off(app, monkeypatch):
    """Off for this test only: the app is shared by the whole session."""
    monkeypatch.setattr(app.extensions[EXTENSION], "seconds", 0)


@pytest.mark.parametrize("horizon", [0, 5, 10])
def test_every_page_counted_alone_equals_the_whole_count(app, demo, horizon, monkeypatch):
    whole = {row[0]: row for row in _figures(requirement_gaps(None, horizon, today=TODAY))}
    assert sum(1 for _rid, now, _r in whole.values() if now) > 20  # the demo has holders to count
    _cache_off(app, monkeypatch)
    seen = 0
    for page in range(1, 100):
        ids = paginate(requirements_in_view(None), page, 50).items
        if not ids:
            break
        alone = _figures(requirement_gaps(None, horizon, today=TODAY, requirement_ids=ids))
        assert alone == [whole[rid] for rid, *_ in alone]
        assert {rid for rid, *_ in alone} == set(ids)
        seen += len(alone)
    assert seen == len(whole)


def test_a_few_competences_under_one_unit_counted_alone_equal_the_whole_count(app, demo, monkeypatch):
    from portal.org.models import Unit

    area = db.session.scalars(select(Unit).where(Unit.code == "HO")).one()  # health and care: most requirements
    rows = requirement_gaps([area.path], 5, today=TODAY)
    required = sorted({r.competence_id for r in rows})
    unrequired = db.session.scalar(select(Competence.id).where(Competence.id.not_in(required)).limit(1))
    competences = required[::3] + [unrequired]
    whole = _figures(r for r in rows if r.competence_id in competences)
    assert len(whole) > 5 and any(now for _rid, now, _r in whole)
    _cache_off(app, monkeypatch)
    assert _figures(requirement_gaps([area.path], 5, competences, today=TODAY)) == whole
    assert _figures(requirement_gaps([area.path], 5, [], today=TODAY)) == []
