"""The employee's objection to an assessment, stored beside it.

An employee who disagrees with what a leader, the personnel system or a
learning record says they master can write why. The text sits on the held
competence itself, so every place that shows the value shows the objection
with it (profile, API, My data), together with the level it answered: when
a later assessment changes the level, readers see that the objection was
about the earlier one. Each objection and withdrawal is kept in the
profile's timeline. Only the person may object; nobody edits their words.
"""
from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..org.models import utcnow
from .models import HeldCompetence, HeldCompetenceChange
from .profile import ProfileError, may_object

OBJECTION_MAX = 5000


def objectable(person, user, held_id):
    """The held competence ``user`` may object to: 404 unless it is the person's and not their own view."""
    held = db.session.scalars(
        select(HeldCompetence).where(HeldCompetence.id == held_id, HeldCompetence.employee_id == person.id)
    ).first()
    if held is None or held.source == "self_assessment":
        abort(404)
    if not may_object(user, person, held):
        abort(403)
    return held


def _log_objection(held, user, action, note):
    db.session.add(
        HeldCompetenceChange(
            employee_id=held.employee_id,
            competence_id=held.competence_id,
            source=held.source,
            action=action,
            old_level=held.level,
            new_level=held.level,
            old_valid_until=held.valid_until,
            new_valid_until=held.valid_until,
            note=note,
            changed_by_id=user.id,
        )
    )


def record_objection(person, user, held_id, text):
    """Store the employee's objection beside the value, with the level it answers; committed.

    Writing again replaces the text (the timeline keeps each version), so the
    objection shown is always the employee's latest word.
    """
    held = objectable(person, user, held_id)
    text = (text or "").strip()
    if not text:
        raise ProfileError("objection", _l("Write what you disagree with."))
    if len(text) > OBJECTION_MAX:
        raise ProfileError("objection", _l("At most %(max)d characters.", max=OBJECTION_MAX))
    held.objection = text
    held.objected_at = utcnow()
    held.objected_level = held.level
    _log_objection(held, user, "objected", text)
    db.session.commit()
    return held


def withdraw_objection(person, user, held_id):
    """Take the objection back; the timeline still shows that it was made. Committed."""
    held = objectable(person, user, held_id)
    if not held.objection:
        raise ProfileError("objection", _l("There is no objection to withdraw."))
    held.objection = ""
    held.objected_at = None
    held.objected_level = None
    _log_objection(held, user, "objection_withdrawn", "")
    db.session.commit()
    return held
