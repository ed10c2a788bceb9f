"""Faults: an import killed halfway changes nothing; a mail server that is down loses nothing.

The import runs as HR runs it, ``flask --app portal import-employees FILE``
in a process of its own on the suite's database, and is killed with SIGKILL
while it is writing. "While it is writing" is made certain, not guessed with
a sleep: the test holds something the import needs only after its rows are
written, watches the database until the import has written and waits, and
then kills it:

* on SQLite, a read transaction: the import may take the write lock and
  write its rows (the rollback journal appears) but cannot commit while a
  reader holds the file; the test kills it once the journal exists and the
  import holds the lock it takes to commit (a probe finds new readers
  turned away);
* on PostgreSQL, the audit log's append lock: the import inserts every row,
  then waits for that lock to write its audit entry; the test kills it once
  ``pg_stat_activity`` shows the import's backend with a transaction id (it
  has written) waiting on the advisory lock.

Afterwards every table of the portal must hold exactly what it held before,
and the same import run again must go through. On PostgreSQL this also
catches an import that commits part of its rows early (it is killed only
after every row is written); on SQLite any commit would wait for the reader,
so there it proves the rollback of an unfinished write transaction.

The second half takes workflow steps while the mail server is down (nothing
listening, refusing at the greeting, refusing each mail): the steps go
through and the mails wait, counted; once the server is back
``send-reminders`` delivers each of them exactly once, also when two
senders meet over the outbox.
"""
import csv
import os
import signal
import socketserver
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from portal.audit.log import LOCK_KEY as AUDIT_LOCK
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.notify.models import OutgoingMail
from portal.org.models import Employee
from tests.api.test_plans_api import GATE_PURPOSE, NEW_PLAN
from tests.conftest import PASSWORD, make_test_app
from tests.notify.smtp_sink import SmtpSink, free_port

from .snapshots import differences, snapshot

ROOT = Path(__file__).resolve().parents[2]
ROWS = 6000  # over the 5,000 at which the command shows progress: a "large file"
HEADER = [
    "employee_number", "first_name", "last_name", "birth_date", "unit_code",
    "profession", "position_percent", "hire_date", "end_date",
]
APP_NAME = "portal-import-under-test"
WAIT = 60  # seconds: generous for a slow CI machine; every wait ends as soon as its condition holds


def _employees_file(folder, rows=ROWS):
    """A personnel-system export of ``rows`` new employees across the fixture's units."""
    units = ["HO-HJEM", "HO-HJEM-NORD", "SK-SKOLE"]
    path = folder / "employees.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for index in range(rows):
            writer.writerow([
                f"5{index:05d}", "Ingrid", f"Importert {index}", f"19{60 + index % 40}-03-{1 + index % 28:02d}",
                units[index % 3], "Helsefagarbeider", str(50 + index % 51), "2020-01-01", "",
            ])
    return path


def _command(database_url, *args):
    """The real command line, in a process of its own, on the suite's database."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":  # so the test can tell the import's backend from its own
        url = url.update_query_dict({"application_name": APP_NAME})
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "PYTHONUNBUFFERED": "1",
    }
    return [sys.executable, "-m", "flask", "--app", "portal", *args], env


def _run(database_url, *args):
    argv, env = _command(database_url, *args)
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=WAIT * 2)


def _until(condition, what, process=None):
    """Poll ``condition`` (every few milliseconds) until it is true; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the import ended (exit {process.returncode}) before {what}:\n{out}\n{err}")
        time.sleep(0.002)
    pytest.fail(f"timed out waiting until {what}")


# --- holding the import halfway, per database ------------------------------------------------


READER = """
import sqlite3, sys
reader = sqlite3.connect(sys.argv[1], isolation_level=None)
print(reader.execute("PRAGMA journal_mode").fetchone()[0], flush=True)
reader.execute("BEGIN")
reader.execute("SELECT count(*) FROM employee").fetchone()
print("reading", flush=True)
sys.stdin.read()  # hold the read transaction until the test closes our stdin
"""


@contextmanager
def _sqlite_reader(path):
    """A read transaction on the SQLite file: writers may write, but nobody may commit.

    It runs in a process of its own: SQLite shares one process's locks
    between its connections, so a probe in the reader's process could not
    see the lock the import takes to commit.
    """
    reader = subprocess.Popen([sys.executable, "-c", READER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert reader.stdout.readline().strip() == "delete", "the test relies on SQLite's rollback journal"
        assert reader.stdout.readline().strip() == "reading"
        yield
    finally:
        reader.stdin.close()
        reader.wait(WAIT)


def _sqlite_committing(path):
    """True while a writer waits to commit: it holds SQLite's PENDING lock, so a new reader is turned away."""
    probe = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN")
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        assert "locked" in str(error), error
        return True
    finally:
        probe.close()


def _kill_sqlite_import_halfway(database_url, process):
    path = make_url(database_url).database
    journal = Path(path + "-journal")
    _until(lambda: journal.exists() and _sqlite_committing(path),
           "the import had written its rows and was waiting to commit", process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(WAIT)


def _pg_importer(conn):
    """The import's backend once it has written rows (it has a transaction id) and waits for the audit lock."""
    return conn.execute(text(
        "SELECT pid FROM pg_stat_activity WHERE application_name = :name AND backend_xid IS NOT NULL"
        " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
    ), {"name": APP_NAME}).scalar()


def _kill_postgres_import_halfway(holder, process):
    backend = _until(lambda: _pg_importer(holder), "the import had written and was waiting before it commits", process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(WAIT)
    return backend


@contextmanager
def _import_held_halfway(database_url):
    """Yield a function that starts the import, catches it halfway and kills it; returns the process."""
    url = make_url(database_url)
    is_postgres = url.get_backend_name() == "postgresql"
    engine = create_engine(url) if is_postgres else None
    # Autocommit: each poll of pg_stat_activity must see now, not the snapshot a transaction keeps.
    holder = engine.connect().execution_options(isolation_level="AUTOCOMMIT") if is_postgres else None
    hold = _sqlite_reader(url.database) if not is_postgres else _nothing()
    try:
        with hold:
            if is_postgres:
                holder.execute(select(func.pg_advisory_lock(AUDIT_LOCK)))  # held by the session, until unlocked

            def start_and_kill(path):
                argv, env = _command(database_url, "import-employees", str(path))
                process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True)
                try:
                    if is_postgres:
                        backend = _kill_postgres_import_halfway(holder, process)
                        holder.execute(select(func.pg_advisory_unlock(AUDIT_LOCK)))
                        # The server rolls the orphaned transaction back when it finds its client gone.
                        _until(lambda: holder.execute(text(
                            "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend}).scalar(),
                            "the killed import's backend had ended")
                    else:
                        _kill_sqlite_import_halfway(database_url, process)
                finally:
                    if process.poll() is None:
                        process.kill()
                    process.communicate()
                return process

            yield start_and_kill
    finally:
        if holder is not None:
            holder.close()
            engine.dispose()


@contextmanager
def _nothing():
    yield


def test_an_import_killed_while_writing_leaves_the_database_exactly_as_before(app, people, database_url, tmp_path):
    path = _employees_file(tmp_path)
    with app.app_context():
        db.session.remove()
        engine = db.engine
    before = snapshot(engine)

    with _import_held_halfway(database_url) as start_and_kill:
        killed = start_and_kill(path)

    assert killed.returncode == -signal.SIGKILL
    after = snapshot(engine)
    assert differences(before, after) == []
    assert after == before
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    again = _run(database_url, "import-employees", str(path))
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{ROWS} created, 0 updated, 0 unchanged" in again.stdout
    assert f"{ROWS}/{ROWS} rows" in again.stderr  # the progress a large file shows
    with app.app_context():
        assert db.session.scalar(select(func.count(Employee.id))) == len(before["employee"]) + ROWS
        imports = db.session.scalars(select(AuditEntry.details).where(AuditEntry.action == "import.employees")).all()
        assert len(imports) == 1 and f'"created":{ROWS}' in imports[0]
        db.session.remove()
    verified = _run(database_url, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


# --- a mail server that is down ---------------------------------------------------------------
#
# The steps are taken as users take them (API and the plan page) on a portal whose MAIL_SERVER
# points at a loopback port where the mail server is down in one of three ways; then a real
# (local) SMTP server comes up on that port and the daily reminders command, which also sends
# what waits in the outbox, delivers every notification exactly once.

MAIL_BASE = "https://kompetanse.eksempel-kommune.no"
MAILBOXES = {
    "leader": "leder@eksempel-kommune.no",
    "representative": "tillitsvalgt@eksempel-kommune.no",
    "politician": "folkevalgt@eksempel-kommune.no",
}


class _DownHandler(socketserver.StreamRequestHandler):
    """A mail server in trouble: refuses at the greeting, or greets but refuses every mail."""

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        if self.server.mode == "greeting":
            self.reply("421 4.3.2 Service not available, closing channel")
            return
        self.reply("220 localhost ESMTP")
        for raw in self.rfile:
            verb = raw.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb == "QUIT":
                self.reply("221 Bye")
                return
            if verb == "MAIL":
                self.reply("451 4.3.0 Mailbox temporarily unavailable, try again later")
            else:
                self.reply("250 OK")


class _DownServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def _mail_server_down(port, how):
    """Nothing listening on ``port`` ("refused"), or a server that refuses ("greeting", "each-mail")."""
    if how == "refused":
        yield
        return
    server = _DownServer(("127.0.0.1", port), _DownHandler)
    server.mode = how
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def mail_port():
    return free_port()


@pytest.fixture
def mailing_portal(database_url, app, people, mail_port):
    """The portal with MAIL_SERVER/MAIL_PORT set, and addresses for the people who sign."""
    from portal.org.models import User

    configured = make_test_app(database_url, WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=mail_port,
                               PORTAL_BASE_URL=MAIL_BASE)
    with configured.app_context():
        for username, address in MAILBOXES.items():
            db.session.scalars(select(User).where(User.username == username)).one().email = address
        db.session.commit()
    yield configured
    with configured.app_context():
        db.session.remove()
        db.engine.dispose()


def _outbox():
    return db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()


@pytest.mark.parametrize("how", ["refused", "greeting", "each-mail"])
def test_with_the_mail_server_down_steps_go_through_and_the_reminders_command_delivers_each_mail_once(
    mailing_portal, mail_port, how
):
    client = mailing_portal.test_client()

    def token(username):
        response = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
        assert response.status_code == 201
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    with _mail_server_down(mail_port, how):
        created = client.post("/api/v1/plans", headers=token("hr"), json=NEW_PLAN)
        assert created.status_code == 201, created.get_json()
        plan = created.get_json()
        for capacity in GATE_PURPOSE:
            signed = client.post(f"/api/v1/plans/{plan['id']}/signoffs", headers=token(capacity),
                                 json={"capacity": capacity, "decision": "approve", "version": plan["version"]})
            assert signed.status_code == 201, signed.get_json()
        # hr takes the step on the plan page, as a person does
        assert client.post("/login", data={"username": "hr", "password": PASSWORD}).status_code == 302
        step = client.post(f"/plans/{plan['id']}/transitions/agree_purpose",
                           data={"comment": "Enige om formålet.", "version": plan["version"]})
        assert step.status_code == 302, step.get_data(as_text=True)[:500]
        assert client.get(step.headers["Location"]).status_code == 200

    # the step is stored, whole: state, history and its audit entry
    after = client.get(f"/api/v1/plans/{plan['id']}", headers=token("hr")).get_json()
    assert after["state"] == "goals"
    assert [h["transition"] for h in after["history"]].count("agree_purpose") == 1
    with mailing_portal.app_context():
        steps = db.session.scalars(select(AuditEntry.details).where(
            AuditEntry.object_type == "plan", AuditEntry.object_id == plan["id"])).all()
        assert sum('"step":"agree_purpose"' in details for details in steps) == 1, steps
        # five notifications wait: the new plan to its three signers, the goals stage to two;
        # each was tried once, right after its step, and the failure is noted
        waiting = _outbox()
        assert sorted(m.to_address for m in waiting) == sorted(
            [MAILBOXES["leader"], MAILBOXES["representative"], MAILBOXES["politician"],
             MAILBOXES["leader"], MAILBOXES["representative"]]
        )
        expected_error = {"refused": "refused", "greeting": "421", "each-mail": "451"}[how]
        assert all(m.sent_at is None and m.attempts == 1 and expected_error in m.last_error for m in waiting), [
            (m.attempts, m.last_error) for m in waiting
        ]

    runner = mailing_portal.test_cli_runner()
    with SmtpSink(mail_port) as sink:  # the server is back
        first = runner.invoke(args=["send-reminders"])
        again = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0 and "sent 5, failed 0" in first.output, first.output
    assert again.exit_code == 0 and "sent 0, failed 0" in again.output, again.output
    delivered = sorted((m.to[0], m.body) for m in sink.messages)  # the body names the stage: all five differ
    assert len(delivered) == len(set(delivered)) == 5, delivered  # each once, none twice
    assert sorted(to for to, _body in delivered) == sorted(m.to_address for m in waiting)
    assert sum("«Definere mål»" in m.body for m in sink.messages) == 2  # the goals stage, to its two signers
    with mailing_portal.app_context():
        assert all(m.sent_at is not None and m.attempts == 1 for m in _outbox())


class _SlowSink(SmtpSink):
    """A mail server that takes a moment to accept each mail, so two senders overlap."""

    def deliver(self, received):
        time.sleep(0.05)
        super().deliver(received)


def test_two_senders_at_once_deliver_each_waiting_mail_once(mailing_portal, mail_port, app):
    """Cron's run and a request's sending after its commit may meet over the same outbox.

    On PostgreSQL each mail's row is locked while it is sent, and the other
    sender skips it. SQLite has no row locks, so there the two could still
    both send a mail they read at the same moment; the test runs on PostgreSQL.
    """
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks (SELECT ... FOR UPDATE SKIP LOCKED) are PostgreSQL's")
    from portal.notify import enqueue, send_pending

    with mailing_portal.app_context():
        for index in range(8):
            enqueue(MAILBOXES["leader"], f"Varsel {index}", f"Melding nummer {index}.")
        db.session.commit()
    start, results, errors = threading.Barrier(2, timeout=10), [None, None], []

    def sender(index):
        try:
            with mailing_portal.app_context():
                start.wait()
                results[index] = send_pending()
        except Exception as error:  # noqa: BLE001  reported by the main thread
            errors.append(error)

    with _SlowSink(mail_port) as sink:
        threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors, errors
    assert sum(sent for sent, _failed in results) == 8 and all(failed == 0 for _sent, failed in results), results
    assert sorted(m.subject for m in sink.messages) == [f"Varsel {index}" for index in range(8)]
    with mailing_portal.app_context():
        assert all(m.sent_at is not None and m.attempts == 0 for m in _outbox())
