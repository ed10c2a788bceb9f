"""The same import started twice at once (cron and a person, two HR staff): nothing is lost or doubled.

Imports upsert by key, so running a file twice one after the other is
harmless: the second run finds everything unchanged. Run at the same moment
they must behave as if one came after the other:

* on PostgreSQL imports take a transaction-scoped advisory lock before they
  read the database, so the second waits for the first to commit and then
  finds every row unchanged; both succeed and each is in the audit trail
  with what it did;
* on SQLite (one writer at a time) the second is refused with a message
  saying why and that nothing was changed; the first goes through.

Either way the data equals one import: every employee once, every held
competence changed once, its history holding one change, not two. Each
import runs in its own thread with its own app context and connection;
both are held just before their first write until the other has got as far
(or, when the other is waiting for the import lock, a short while), so both
have read the same database state unless the lock keeps the second out.
"""
import re
import threading
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event, func, insert, select

from portal.audit.log import verify
from portal.audit.models import AuditEntry
from portal.competence.imports import import_competences
from portal.competence.models import HeldCompetence, HeldCompetenceChange
from portal.extensions import db
from portal.org.imports import import_employees
from portal.org.models import Employee
from tests.competence.test_catalogue import make_catalogue

from .test_imports import HEADER, employee_row, write_csv

HELD_HEADER = ["employee_number", "competence_code", "level", "source", "achieved_on", "valid_until"]
NEW_EMPLOYEES = 300
WAIT_FOR_THE_OTHER = 2  # seconds; only spent when the lock keeps the other import out, as it should


@contextmanager
def held_before_first_write(app, statement):
    """Hold each import just before it runs ``statement`` until the other one is there too."""
    pattern = re.compile(statement, re.IGNORECASE)
    meeting = threading.Barrier(2, timeout=WAIT_FOR_THE_OTHER)

    def before(conn, cursor, sql, *args):
        if pattern.match(sql):
            try:
                meeting.wait()
            except threading.BrokenBarrierError:
                pass  # the other one waits for the import lock (or was refused): go on alone

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        meeting.abort()
        event.remove(engine, "before_cursor_execute", before)


def import_twice_at_once(app, importer, path, first_write):
    """Run ``importer(path)`` from two threads at the same moment; returns both reports."""
    start = threading.Barrier(2, timeout=10)
    reports, errors = [None, None], []

    def run(index):
        try:
            with app.app_context():
                start.wait()
                reports[index] = importer(path)
        except Exception as error:  # noqa: BLE001  reported by the main thread
            errors.append(error)

    with held_before_first_write(app, first_write):
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors, errors
    assert None not in reports, "an import did not finish"
    return reports


def outcome(app, reports, kind):
    """Check the two reports against the database's kind of concurrency; returns the successful ones."""
    with app.app_context():
        dialect = db.engine.dialect.name
    done = [r for r in reports if not r.errors]
    refused = [r for r in reports if r.errors]
    if dialect == "postgresql":
        assert refused == [], [r.lines() for r in refused]  # serialised by the import lock: both go through
    else:
        assert len(done) == len(refused) == 1, [r.lines() for r in reports]
        (message,) = refused[0].lines()
        assert "another import or change was being saved at the same time" in message, message
        assert "nothing was changed" in message and "run the import again" in message, message
        assert (refused[0].created, refused[0].updated, refused[0].unchanged) == (0, 0, 0)
    with app.app_context():
        logged = db.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == f"import.{kind}").order_by(AuditEntry.id)
        ).all()
        assert len(logged) == len(done), logged  # one audit entry per import that went through
        verdict = verify()
        assert verdict.problems == [], verdict.problems  # the chain did not fork
    return done


def test_the_same_employee_file_imported_twice_at_once_adds_everyone_once(app, people, tmp_path):
    rows = [employee_row(f"7{index:04d}", last_name=f"Samtidig {index}") for index in range(NEW_EMPLOYEES)]
    path = write_csv(tmp_path, rows, HEADER)
    with app.app_context():
        before = db.session.scalar(select(func.count(Employee.id)))

    reports = import_twice_at_once(app, import_employees, path, r"^\s*INSERT INTO employee\b")

    done = outcome(app, reports, "employees")
    # exactly one import created the employees; a second that went through found them unchanged
    assert sorted((r.created, r.updated, r.unchanged) for r in done) in (
        [(NEW_EMPLOYEES, 0, 0)],  # SQLite: the other was refused
        [(0, 0, NEW_EMPLOYEES), (NEW_EMPLOYEES, 0, 0)],  # PostgreSQL: the second found them all there
    ), [r.lines() for r in done]
    with app.app_context():
        numbers = db.session.scalars(select(Employee.employee_number).where(Employee.employee_number.like("7%"))).all()
        assert sorted(numbers) == sorted(row[0] for row in rows)
        assert db.session.scalar(select(func.count(Employee.id))) == before + NEW_EMPLOYEES


def test_the_same_competence_file_imported_twice_at_once_changes_each_record_once(app, people, tmp_path):
    ids = make_catalogue(app)
    staff = people["staff"]
    with app.app_context():
        db.session.execute(insert(HeldCompetence), [
            {"employee_id": employee_id, "competence_id": ids[code], "level": 1, "source": "personnel_system",
             "achieved_on": date(2020, 1, 1), "valid_until": None, "evidence_note": "", "evidence_url": ""}
            for employee_id in staff.values() for code in ("SAAR", "EXCEL")
        ])
        db.session.commit()
    records = len(staff) * 2
    path = write_csv(tmp_path, [
        [number, code, "2", "personnel_system", "2024-06-01", ""] for number in staff for code in ("SAAR", "EXCEL")
    ], HELD_HEADER, name="competences.csv")

    reports = import_twice_at_once(app, import_competences, path, r"^\s*UPDATE held_competence\b")

    done = outcome(app, reports, "competences")
    assert sorted((r.created, r.updated, r.unchanged) for r in done) in (
        [(0, records, 0)],  # SQLite: the other was refused
        [(0, 0, records), (0, records, 0)],  # PostgreSQL: the second found the first's work done
    ), [r.lines() for r in done]
    with app.app_context():
        held = db.session.execute(select(HeldCompetence.level, HeldCompetence.achieved_on)).all()
        assert held == [(2, date(2024, 6, 1))] * records
        history = db.session.execute(
            select(HeldCompetenceChange.employee_id, HeldCompetenceChange.competence_id,
                   HeldCompetenceChange.old_level, HeldCompetenceChange.new_level)
        ).all()
        # the person's timeline shows the change once, not once per import that raced
        assert sorted(history) == sorted(
            (employee_id, ids[code], 1, 2) for employee_id in staff.values() for code in ("SAAR", "EXCEL")
        )
