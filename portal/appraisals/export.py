"""The appraisal part of an employee's own data export (``GET /api/v1/me/export``).

The employee has the right of access to everything held about them: their
interviews with preparation, summary and comments, their development entries
with the status history, and the learning activities they took part in.
A fixed number of queries, however long the employee has worked here.
"""
from sqlalchemy import select

from ..api.serialize import iso
from ..extensions import db
from ..learning.models import LearningActivity, LearningParticipant
from .models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent


def export_json(employee_id):
    """Appraisals, development entries (with history) and learning activities of ``employee_id``."""
    if employee_id is None:
        return {"appraisals": [], "development_entries": [], "learning_activities": []}
    return {
        "appraisals": [_appraisal(a) for a in _appraisals(employee_id)],
        "development_entries": _entries(employee_id),
        "learning_activities": [_activity(a) for a in _activities(employee_id)],
    }


def _appraisals(employee_id):
    return db.session.scalars(
        select(Appraisal).where(Appraisal.employee_id == employee_id).order_by(Appraisal.scheduled_for)
    ).all()


def _appraisal(row):
    return {
        "id": row.id,
        "state": row.state,
        "scheduled_for": iso(row.scheduled_for),
        "location": row.location,
        "preparation": {k: v for k, v in (row.preparation or {}).items() if isinstance(v, str)},
        "summary": row.summary,
        "employee_comment": row.employee_comment,
        "signed_at": iso(row.signed_at),
    }


def _entries(employee_id):
    entries = db.session.scalars(
        select(DevelopmentEntry).where(DevelopmentEntry.employee_id == employee_id).order_by(DevelopmentEntry.id)
    ).all()
    events = db.session.scalars(
        select(DevelopmentEntryEvent)
        .where(DevelopmentEntryEvent.entry_id.in_([e.id for e in entries]))
        .order_by(DevelopmentEntryEvent.id)
    ).all() if entries else []
    by_entry = {}
    for event in events:
        by_entry.setdefault(event.entry_id, []).append(
            {"from_status": event.from_status, "to_status": event.to_status, "note": event.note,
             "username": event.username, "at": iso(event.at)}
        )
    return [
        {
            "id": e.id,
            "title": e.title,
            "appraisal_id": e.appraisal_id,
            "competence_id": e.competence_id,
            "target_level": e.target_level,
            "measure_id": e.measure_id,
            "due": iso(e.due),
            "status": e.status,
            "status_note": e.status_note,
            "history": by_entry.get(e.id, []),
        }
        for e in entries
    ]


def _activities(employee_id):
    return db.session.scalars(
        select(LearningActivity)
        .join(LearningParticipant, LearningParticipant.activity_id == LearningActivity.id)
        .where(LearningParticipant.employee_id == employee_id)
        .order_by(LearningActivity.date, LearningActivity.id)
    ).all()


def _activity(row):
    return {
        "id": row.id,
        "title": row.title,
        "kind": row.kind,
        "date": iso(row.date),
        "hours": float(row.hours),
        "competence_id": row.competence_id,
        "level_achieved": row.level_achieved,
    }
