"""Fixtures for the whole suite.

Graph: ``app`` (one per session, migrated once) -> ``clean_db`` (empties
every table after each test) -> ``people`` (a small municipality with one
user per role) -> ``client``/``login``/``api``. Browser tests use their own
``live_server`` on a separate database filled by the demo generator.

The database comes from ``DATABASE_URL`` (PostgreSQL in CI's second run),
else a temporary SQLite file.
"""
import os
import tempfile
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from portal import create_app
from portal.extensions import db

PASSWORD = "correct-horse-battery"
_hash_cache = {}


def password_hash(password=PASSWORD):
    """Hash the shared test password once: scrypt is slow on purpose."""
    from werkzeug.security import generate_password_hash

    if password not in _hash_cache:
        _hash_cache[password] = generate_password_hash(password, method="scrypt")
    return _hash_cache[password]


def _sqlite_url(name):
    folder = tempfile.mkdtemp(prefix="portal-test-")
    return f"sqlite:///{folder}/{name}.sqlite3"


def make_test_app(url, **overrides):
    """A portal app on ``url`` with test settings; CSRF stays on unless told otherwise."""
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PORTAL_DEFAULT_LOCALE": "nb",
        "RATELIMIT_ENABLED": False,  # the suite logs in a lot; tests/auth/test_login_hardening.py turns it on
    }
    config.update(overrides)
    return create_app(config)


def migrate_fresh(app):
    """Drop whatever is there and apply every migration, as `db upgrade` does."""
    from flask_migrate import upgrade

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()


@pytest.fixture(scope="session")
def database_url():
    return os.environ.get("DATABASE_URL") or _sqlite_url("unit")


@pytest.fixture(scope="session")
def app(database_url):
    app = make_test_app(database_url, WTF_CSRF_ENABLED=False)
    migrate_fresh(app)
    return app


@pytest.fixture(autouse=True)
def clean_db(request):
    """Empty every table after a test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def people(app):
    """A small municipality: two service areas, a unit tree, staff, one user per role.

    ``leader`` leads HO-HJEM (and so its sub-unit HO-HJEM-NORD); ``employee``
    works in HO-HJEM-NORD; ``other_leader`` leads SK-SKOLE, whose staff
    ``leader`` must not see.
    """
    from portal.org.accounts import grant_role
    from portal.org.models import Employee, Unit, User

    with app.app_context():
        units = {}
        for code, name, parent in [
            ("HO", "Helse og omsorg", None),
            ("HO-HJEM", "Hjemmetjenesten", "HO"),
            ("HO-HJEM-NORD", "Hjemmetjenesten nord", "HO-HJEM"),
            ("SK", "Skole", None),
            ("SK-SKOLE", "Åsen skole", "SK"),
        ]:
            path = (units[parent].path if parent else "/") + code + "/"
            units[code] = Unit(code=code, name=name, parent=units.get(parent), path=path)
            db.session.add(units[code])
        staff = {}
        for number, first, last, unit, profession, percent in [
            ("1001", "Kari", "Nordmann", "HO-HJEM", "Enhetsleder", 100),
            ("1002", "Ola", "Øverby", "HO-HJEM-NORD", "Sykepleier", 80),
            ("1003", "Åse", "Ærlig", "HO-HJEM-NORD", "Helsefagarbeider", 60),
            ("2001", "Per", "Skolmann", "SK-SKOLE", "Rektor", 100),
            ("2002", "Lise", "Lærer", "SK-SKOLE", "Lærer", 100),
        ]:
            staff[number] = Employee(
                employee_number=number,
                first_name=first,
                last_name=last,
                birth_date=date(1975, 5, 17),
                unit=units[unit],
                profession=profession,
                position_percent=percent,
                hire_date=date(2010, 8, 1),
            )
            db.session.add(staff[number])
        db.session.flush()
        for username, roles, number, unit in [
            ("admin", ["admin"], None, None),
            ("hr", ["hr"], None, None),
            ("leader", ["leader", "employee"], "1001", "HO-HJEM"),
            ("employee", ["employee"], "1002", None),
            ("colleague", ["employee"], "1003", None),
            ("other_leader", ["leader", "employee"], "2001", "SK-SKOLE"),
            ("representative", ["representative"], None, None),
            ("politician", ["politician"], None, None),
        ]:
            user = User(username=username, password_hash=password_hash(), employee=staff.get(number))
            db.session.add(user)
            for role in roles:
                grant_role(user, role, units[unit] if role == "leader" else None)
        db.session.commit()
        return {
            "units": {code: u.id for code, u in units.items()},
            "staff": {number: e.id for number, e in staff.items()},
        }


@pytest.fixture
def login(client):
    """Log the test client in as ``username`` through the real form."""

    def do_login(username, password=PASSWORD):
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, f"log-in as {username} failed"
        return client

    return do_login


@pytest.fixture
def api(client):
    """Call the API with a bearer token obtained for ``username``."""

    class Api:
        def token(self, username, password=PASSWORD):
            response = client.post("/api/v1/tokens", json={"username": username, "password": password})
            assert response.status_code == 201, response.get_json()
            return response.get_json()["token"]

        def get(self, path, username=None, token=None):
            token = token or (self.token(username) if username else None)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return client.get(path, headers=headers)

    return Api()


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a ``with count_queries() as n:`` block."""

    @contextmanager
    def counter():
        seen = []

        def on_execute(conn, cursor, statement, *args):
            seen.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            yield seen
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)

    return counter
