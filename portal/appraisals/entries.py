"""Development entries outside an interview: the employee's own development plan, followed up during the year.

In an interview the leader adds and follows up entries through
:mod:`.editing` (they are part of what both sign). Between interviews the
employee and their leaders keep the plan current here: an entry of their own
(the employee, or a leader for their staff), and status changes, each noted
as a :class:`DevelopmentEntryEvent` so the employee sees the history.
Nothing here commits.
"""
from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..org.models import Employee
from ..plans.fields import PlanError, Reader
from ..workflow import engine
from .editing import MAX_ID, NOTE_MAX, _event, entry_values, leads_employee, set_status
from .models import ENTRY_STATUSES, OPEN_STATUSES, Appraisal, DevelopmentEntry, DevelopmentEntryEvent
from .visibility import employee_rows_condition

TERMS = ("title", "competence_id", "target_level", "measure_id", "due")
# While an interview is under way its entries change only through it (they are part of what both sign).
OPEN_INTERVIEW = ("scheduled", "prepared", "held")


def may_change(user, employee):
    """The employee themself, or a leader of their unit."""
    return bool(user.employee_id) and user.employee_id == employee.id or leads_employee(user, employee)


def create_entry(data, user):
    """A development entry outside an interview, for ``employee_id`` (their own, or a leader's staff)."""
    if not isinstance(data, dict):
        raise PlanError({"body": _l("Give the fields as an object.")})
    reader = Reader(data)
    employee_id = reader.whole("employee_id", minimum=1, maximum=MAX_ID, required=True)
    employee = None
    if employee_id:
        employee = db.session.scalar(
            select(Employee).where(Employee.id == employee_id, employee_rows_condition(user, Employee.id))
        )
        if employee is None:
            reader.problems["employee_id"] = _l("There is no such employee.")
    status = reader.choice("status", OPEN_STATUSES, default="planned")
    if "appraisal_id" in data and data["appraisal_id"] is not None:
        reader.problems["appraisal_id"] = _l("Entries in an interview are added there.")
    values = entry_values(reader, None)
    if not may_change(user, employee):
        raise engine.Forbidden(_l("Only the employee or their leader can add entries to the development plan."))
    entry = DevelopmentEntry(employee_id=employee.id, appraisal_id=None, status=status, status_note="", **values)
    db.session.add(entry)
    db.session.flush()
    _event(entry, None, status, "", user)
    return entry


def update_entry(entry, data, user):
    """Change an entry's status (with a note; a reason when dropped), or the terms of one made outside an interview."""
    if not isinstance(data, dict):
        raise PlanError({"body": _l("Give the fields as an object.")})
    if not may_change(user, entry.employee):
        raise engine.Forbidden(_l("Only the employee or their leader can change this entry."))
    unknown = sorted(set(data) - {*TERMS, "status", "note", "employee_id", "appraisal_id", "id", "version"})
    if unknown:
        raise PlanError({name: _l("This field cannot be changed here.") for name in unknown})
    if entry.appraisal_id is not None:
        state = db.session.scalar(select(Appraisal.state).where(Appraisal.id == entry.appraisal_id))
        if state in OPEN_INTERVIEW:
            raise engine.Conflict(_l("This entry belongs to an interview that is not signed yet; change it there."))
    reader = Reader(data, partial=True)
    for name in ("employee_id", "appraisal_id"):
        if name in data and data[name] != getattr(entry, name):
            reader.problems[name] = _l("This field cannot be changed here.")
    terms = {name: data[name] for name in TERMS if name in data}
    if terms and entry.appraisal_id is not None:
        for name in terms:
            reader.problems[name] = _l("Agreed in the appraisal interview; only the status can change.")
    status = reader.choice("status", ENTRY_STATUSES, default=entry.status)
    note = reader.text("note", NOTE_MAX)
    if status == "cancelled" and status != entry.status and not note:
        reader.problems["note"] = _l("Say why the entry is dropped.")
    values = entry_values(Reader(terms, partial=True), entry) if terms and not reader.problems else {}
    reader.fail_if_any()
    for name, value in values.items():
        setattr(entry, name, value)
    if status != entry.status or (reader.has("note") and note != (entry.status_note or "")):
        set_status(entry, status, note, user)
    db.session.flush()
    return entry


def entries_of(employee_id):
    """A select of one person's entries: open ones first, then by due date."""
    open_first = case((DevelopmentEntry.status.in_(OPEN_STATUSES), 0), else_=1)
    return (
        select(DevelopmentEntry)
        .where(DevelopmentEntry.employee_id == employee_id)
        .options(joinedload(DevelopmentEntry.competence), joinedload(DevelopmentEntry.measure))
        .order_by(open_first, DevelopmentEntry.due.is_(None), DevelopmentEntry.due, DevelopmentEntry.id)
    )


def entry_history(entry_ids):
    """Each entry's status changes, oldest first, by entry id (one query)."""
    ids = list(entry_ids)
    history = defaultdict(list)
    if not ids:
        return history
    rows = db.session.scalars(
        select(DevelopmentEntryEvent)
        .where(DevelopmentEntryEvent.entry_id.in_(ids))
        .order_by(DevelopmentEntryEvent.at, DevelopmentEntryEvent.id)
    )
    for event in rows:
        history[event.entry_id].append(event)
    return history
