"""Learning records as tables for CSV and XLSX.

``activities_table``: one row per activity and participant, limited to what
``/learning-activities`` lists for the user (:func:`.logging.activities_stmt`)
and to the participants they may see there (:func:`.logging.participant_condition`:
hr everyone, a leader the staff of the units they lead, anyone themselves).
An activity with no participant the user may see still gets one row, with the
participant columns empty, so the file lists what the page lists.

``record_table``: an employee's own learning record, as on ``/development``.

Two queries for the whole file whatever its length: the activities (and their
competences, loaded with them), then every visible participant of those
activities with their unit in one joined select.
"""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..competence.workforce import nordic_key
from ..extensions import db
from ..org.models import Employee, Unit
from ..reports import files, tabular
from .logging import KIND_LABELS, activities_for, activities_stmt, participant_condition
from .models import LearningParticipant

ACTIVITY_COLUMNS = (
    ("activity_id", _l("Activity id"), "int"),
    ("title", _l("Title")),
    ("kind", _l("Kind code")),
    ("kind_name", _l("Kind")),
    ("date", _l("Date"), "date"),
    ("hours", _l("Hours"), "decimal"),
    ("competence_code", _l("Competence code")),
    ("competence_name", _l("Competence")),
    ("level_achieved", _l("Level achieved"), "int"),
)
PARTICIPANT_COLUMNS = (
    ("employee_number", _l("Employee number")),
    ("employee_name", _l("Name")),
    ("unit_code", _l("Unit code")),
    ("unit_name", _l("Unit")),
)


def _activity_values(activity):
    return {
        "activity_id": activity.id,
        "title": activity.title,
        "kind": activity.kind,
        "kind_name": str(KIND_LABELS.get(activity.kind, activity.kind)),
        "date": activity.date,
        "hours": activity.hours,
        "competence_code": activity.competence.code if activity.competence else None,
        "competence_name": activity.competence.name if activity.competence else None,
        "level_achieved": activity.level_achieved if activity.competence else None,
    }


def visible_participants(user, kind=None):
    """{activity id: [(employee, unit)]} for every activity ``user`` may list: one query."""
    listed = activities_stmt(user, kind).order_by(None).subquery()
    rows = db.session.execute(
        select(LearningParticipant.activity_id, Employee, Unit)
        .join(Employee, Employee.id == LearningParticipant.employee_id)
        .join(Unit, Unit.id == Employee.unit_id)
        .where(LearningParticipant.activity_id.in_(select(listed.c.id)), participant_condition(user))
        .order_by(LearningParticipant.activity_id, Employee.id)
    )
    found = {}
    for activity_id, employee, unit in rows:
        found.setdefault(activity_id, []).append((employee, unit))
    for people in found.values():  # Norwegian order (Æ, Ø, Å after Z) whatever the database's collation
        people.sort(key=lambda pair: (nordic_key(pair[0].last_name), nordic_key(pair[0].first_name), pair[0].id))
    return found


def activities_table(user, kind=None):
    """One row per activity (newest first) and participant ``user`` may see."""
    table = tabular.Table(_("Learning activities"), tabular.columns(*ACTIVITY_COLUMNS, *PARTICIPANT_COLUMNS))
    activities = db.session.scalars(activities_stmt(user, kind)).all()
    people = visible_participants(user, kind) if activities else {}
    for activity in activities:
        values = _activity_values(activity)
        for employee, unit in people.get(activity.id) or [(None, None)]:
            if employee is None:
                table.add(**values)
                continue
            table.add(
                **values,
                employee_number=employee.employee_number,
                employee_name=employee.full_name,
                unit_code=unit.code,
                unit_name=unit.name,
            )
    return table


def record_table(employee_id):
    """The employee's own learning record, newest first."""
    table = tabular.Table(_("My learning record"), tabular.columns(*ACTIVITY_COLUMNS))
    for activity in activities_for(employee_id):
        table.add(**_activity_values(activity))
    return table


def filename(stem, extension, today=None):
    return f"{stem}-{(today or date.today()).isoformat()}.{extension}"


def render(table, extension, stem):
    """The download of ``table``: personal data, so never kept by a cache."""
    body = tabular.to_csv(table) if extension == "csv" else tabular.to_xlsx(table)
    return files.download(body, extension, filename(stem, extension), private=True)
