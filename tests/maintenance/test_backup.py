"""``backup`` and ``restore`` on SQLite, and the documented pg_dump/pg_restore path on PostgreSQL.

The round trips run on a database of their own filled by the demo generator:
back up while another connection keeps writing (the backup must hold whole
transactions only, and the writer must not fail), change the data, restore,
and every table must hold exactly what the backup held. The SQLite test is
skipped on the PostgreSQL run and the PostgreSQL test on the SQLite run.
"""
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, delete, func, select, update
from sqlalchemy.engine import make_url

from portal.appraisals.models import Appraisal
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notify.models import OutgoingMail
from portal.org.demo import generate
from portal.org.models import Employee, Unit

from ..conftest import make_test_app
from .snapshots import differences, snapshot

ON_POSTGRES = (os.environ.get("DATABASE_URL") or "").startswith("postgresql")
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="the SQLite backup commands; the PostgreSQL run tests pg_dump")
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (run under .ci/with-postgres)")
WRITER_SUBJECT = "writer"


def demo_app(url):
    """A migrated app on ``url`` holding a small demo municipality."""
    app = make_test_app(url)
    with app.app_context():
        upgrade()
        generate(employees=20, seed=7, password="demo-password")
    return app


def _mails(engine):
    """The writer's rows, as transaction numbers: each transaction wrote two rows."""
    with engine.connect() as conn:
        subjects = conn.execute(
            select(OutgoingMail.subject).where(OutgoingMail.to_address == WRITER_SUBJECT)
        ).scalars().all()
    return sorted(int(s.split()[0]) for s in subjects)


@contextmanager
def writing_meanwhile(app, before=5, after=5):
    """Keep a second connection committing two-row transactions around the block.

    Waits until ``before`` transactions are in, runs the block, then waits for
    ``after`` more, so writes happened on both sides of (and so across) the block.
    """
    stop, started, errors, done = threading.Event(), threading.Event(), [], [0]

    def writer():
        with app.app_context():
            try:
                while not stop.is_set():
                    n = done[0]
                    db.session.add_all(
                        [OutgoingMail(to_address=WRITER_SUBJECT, subject=f"{n} {half}", body="") for half in "ab"]
                    )
                    db.session.commit()
                    done[0] = n + 1
                    if done[0] >= before:
                        started.set()
            except Exception as error:  # noqa: BLE001 - reported by the test
                errors.append(error)
                started.set()
            finally:
                db.session.remove()

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        assert started.wait(30), "the writer did not get going"
        yield done
        at_end = done[0]
        deadline = time.monotonic() + 30
        while done[0] < at_end + after and not errors and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(30)
    assert not errors, f"the writer failed while the backup ran: {errors[0]!r}"
    assert done[0] >= at_end + after, "the writer stopped writing during the backup"


def _change_everything(app):
    """Changes of several kinds after the backup, that the restore must undo."""
    with app.app_context():
        db.session.execute(update(Employee).values(last_name="Endret"))
        db.session.execute(delete(Appraisal).where(Appraisal.id == db.session.scalar(select(func.min(Appraisal.id)))))
        parent = db.session.scalars(select(Unit).order_by(Unit.id)).first()
        db.session.add(Unit(code="NY-ETTER", name="Ny etter backup", parent_id=parent.id, path=parent.path + "NY-ETTER/"))
        db.session.add(OutgoingMail(to_address="after@backup", subject="after", body=""))
        db.session.commit()


# --- SQLite -------------------------------------------------------------------------------------------


@sqlite_only
def test_backup_while_writing_then_restore_brings_back_the_backup_moment(tmp_path):
    app = demo_app(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    runner = app.test_cli_runner()
    target = tmp_path / "backup.sqlite3"
    with app.app_context():
        demo = snapshot(db.engine, skip={"outgoing_mail"})

    with writing_meanwhile(app) as written:
        result = runner.invoke(args=["backup", str(target)])
        during = written[0]
    assert result.exit_code == 0, result.output
    assert f"Backup written to {target}" in result.output

    backup_engine = create_engine(f"sqlite:///{target}")
    in_backup = _mails(backup_engine)
    with app.app_context():
        in_live = _mails(db.engine)
    # Whole transactions only (both rows of each), a prefix of what the writer did,
    # with writes before the backup and writes after it that it does not hold.
    transactions = sorted(set(in_backup))
    assert in_backup == sorted(2 * transactions)
    assert transactions == list(range(len(transactions)))
    assert 5 <= len(transactions) <= during + 1 < len(set(in_live))  # +1: committed, not yet counted
    assert differences(demo, snapshot(backup_engine, skip={"outgoing_mail"})) == []
    at_backup = snapshot(backup_engine)
    backup_engine.dispose()

    _change_everything(app)
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Restored {tmp_path / 'live.sqlite3'} from {target}" in result.output

    with app.app_context():
        restored = snapshot(db.engine)
        # The app's own sessions see the restored data.
        assert db.session.scalar(select(func.count()).where(Employee.last_name == "Endret")) == 0
        assert db.session.scalar(select(Unit.id).where(Unit.code == "NY-ETTER")) is None
        last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert differences(at_backup, restored) == ["audit_entry"]
    # The restored audit trail is the backup's, plus one entry saying a restore happened.
    assert restored["audit_entry"][:-1] == at_backup["audit_entry"]
    assert last.action == "maintenance.restore" and '"file":"backup.sqlite3"' in last.details
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


@pytest.fixture(scope="module")
def small_app(tmp_path_factory):
    """A migrated SQLite portal with one unit, for the refusals."""
    if ON_POSTGRES:
        pytest.skip("the SQLite backup commands")
    folder = tmp_path_factory.mktemp("backup-refusals")
    app = make_test_app(f"sqlite:///{folder / 'live.sqlite3'}")
    with app.app_context():
        upgrade()
        db.session.add(Unit(code="HO", name="Helse og omsorg", path="/HO/"))
        db.session.commit()
    return app


def _unit_names(app):
    with app.app_context():
        return db.session.scalars(select(Unit.name).order_by(Unit.code)).all()


def _rename_unit(app, name):
    with app.app_context():
        db.session.execute(update(Unit).where(Unit.code == "HO").values(name=name))
        db.session.commit()


@pytest.fixture
def backup_of(small_app, tmp_path):
    """A fresh backup of the small portal, as a path."""

    def make(name="backup.sqlite3"):
        target = tmp_path / name
        result = small_app.test_cli_runner().invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        return target

    return make


def _forged(tmp_path, name, tables, revision=None):
    path = tmp_path / name
    conn = sqlite3.connect(path)
    for table in tables:
        conn.execute(f"CREATE TABLE {table} (id INTEGER)")
    if revision is not None:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (revision,))
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.sqlite3", "does not exist"),
        (lambda d: (d / "notes.txt").write_text("not a database") and d / "notes.txt", "is not a SQLite database"),
        (lambda d: (d / "cut.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x07" * 3000) and d / "cut.sqlite3",
         "cannot be"),
        (lambda d: _forged(d, "other.sqlite3", ["invoice", "customer"]), "not one of this portal"),
        (lambda d: _forged(d, "future.sqlite3", ["employee", "portal_user", "unit"], "9999_future"),
         "schema revision 9999_future, which this version of the portal does not know"),
    ],
    ids=["missing", "text", "damaged", "other-sqlite", "unknown-revision"],
)
def test_restore_refuses_what_is_not_a_backup_of_this_portal(small_app, tmp_path, make, message):
    before = _unit_names(small_app)
    result = small_app.test_cli_runner().invoke(args=["restore", str(make(tmp_path)), "--yes"])
    assert result.exit_code == 1
    assert message in result.output
    assert _unit_names(small_app) == before


def test_restore_asks_first_and_changes_nothing_on_no(small_app, backup_of):
    target = backup_of()
    _rename_unit(small_app, "Endret etter backup")
    result = small_app.test_cli_runner().invoke(args=["restore", str(target)], input="n\n")
    assert result.exit_code == 1
    assert "Anything written since that backup is lost" in result.output and "Aborted" in result.output
    assert _unit_names(small_app) == ["Endret etter backup"]

    result = small_app.test_cli_runner().invoke(args=["restore", str(target)], input="y\n")
    assert result.exit_code == 0, result.output
    assert _unit_names(small_app) == ["Helse og omsorg"]


def test_backup_does_not_overwrite_unless_forced(small_app, backup_of):
    target = backup_of()
    first = target.read_bytes()
    _rename_unit(small_app, "Nytt navn")
    runner = small_app.test_cli_runner()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "exists already" in result.output
    assert target.read_bytes() == first
    result = runner.invoke(args=["backup", str(target), "--force"])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT name FROM unit").fetchall() == [("Nytt navn",)]
    assert not list(target.parent.glob(".*partial*")), "no half-written file is left behind"
    _rename_unit(small_app, "Helse og omsorg")


def test_backup_refuses_the_live_database_and_a_missing_folder(small_app, tmp_path):
    runner = small_app.test_cli_runner()
    with small_app.app_context():
        live = db.engine.url.database
    result = runner.invoke(args=["backup", live, "--force"])
    assert result.exit_code == 1 and "the live database itself" in result.output
    result = runner.invoke(args=["backup", str(tmp_path / "no" / "such" / "backup.sqlite3")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_restore_of_an_older_backup_says_to_upgrade(small_app, backup_of, tmp_path):
    current = backup_of()
    older = tmp_path / "older.sqlite3"
    shutil.copyfile(current, older)
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0005_goal_baseline'")
    runner = small_app.test_cli_runner()
    result = runner.invoke(args=["restore", str(older), "--yes"])
    assert result.exit_code == 0, result.output
    assert "backup is at schema revision 0005_goal_baseline; run `flask --app portal db upgrade`" in result.output
    assert runner.invoke(args=["restore", str(current), "--yes"]).exit_code == 0  # back to the newest revision


# --- PostgreSQL ---------------------------------------------------------------------------------------


def _pg_tool(name):
    """``pg_dump``/``pg_restore`` of the newest installed server (so not older than the server)."""
    folders = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(folders):
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found under /usr/lib/postgresql/*/bin or on PATH")
    return found


@postgres_only
def test_commands_refuse_on_postgres_and_name_the_pg_tools(app, runner):
    for args in (["backup", "/tmp/never-written.sqlite3"], ["restore", "/tmp/never-read.sqlite3", "--yes"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1
        assert "pg_dump --format=custom" in result.output
        assert "pg_restore --clean --if-exists --no-owner" in result.output
    assert not Path("/tmp/never-written.sqlite3").exists()


@pytest.fixture
def scratch_postgres():
    """A database of its own on the test server, dropped afterwards."""
    url = make_url(os.environ["DATABASE_URL"])
    name = f"portal_backup_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@postgres_only
def test_pg_dump_and_pg_restore_round_trip(scratch_postgres, tmp_path):
    app = demo_app(scratch_postgres.render_as_string(hide_password=False))
    with app.app_context():
        demo = snapshot(db.engine, skip={"outgoing_mail"})
    libpq = scratch_postgres.set(drivername="postgresql").render_as_string(hide_password=False)
    dump = tmp_path / "portal.dump"

    with writing_meanwhile(app):
        subprocess.run([_pg_tool("pg_dump"), "--format=custom", f"--file={dump}", libpq], check=True)
    with app.app_context():
        in_live = _mails(db.engine)
    _change_everything(app)
    with app.app_context():
        db.engine.dispose()  # the portal is stopped for the restore
    restore = subprocess.run(
        [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={libpq}", str(dump)],
        capture_output=True, text=True,
    )
    assert restore.returncode == 0, restore.stderr

    with app.app_context():
        restored = snapshot(db.engine)
        in_backup = _mails(db.engine)
        db.engine.dispose()
    transactions = sorted(set(in_backup))
    assert in_backup == sorted(2 * transactions) and transactions == list(range(len(transactions)))
    assert 5 <= len(transactions) < len(set(in_live))
    assert differences(demo, {k: v for k, v in restored.items() if k != "outgoing_mail"}) == []
    assert not any(row for row in restored["unit"] if "NY-ETTER" in row)
    assert all("Endret" not in row for row in restored["employee"])
    # The restore is exactly the dump: restoring it again into a fresh database gives the same rows.
    again = scratch_postgres.set(database=scratch_postgres.database + "_again")
    admin = create_engine(make_url(os.environ["DATABASE_URL"]), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{again.database}"')
    try:
        subprocess.run(
            [_pg_tool("pg_restore"), "--no-owner", "--single-transaction",
             f"--dbname={again.set(drivername='postgresql').render_as_string(hide_password=False)}", str(dump)],
            check=True, capture_output=True,
        )
        fresh = create_engine(again)
        assert differences(snapshot(fresh), restored) == []
        fresh.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{again.database}" WITH (FORCE)')
        admin.dispose()
