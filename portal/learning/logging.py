"""Logging a learning activity: who took part, which competences it raises, which entries it completes.

A leader logs a course, fagdag... for many of their staff at once, so both
steps cost a fixed number of queries whatever the number of participants:
:func:`plan_activity` reads everything it needs in a handful of ``IN``
queries and works out the changes (the review step the leader sees before
saving); :func:`log_activity` writes them with one bulk statement per table.
Competence levels are only ever raised: the participant's
``learning_activity`` row moves up to the level achieved (or is renewed at
the same level with a later validity), never down. Nothing is committed here;
a refusal (:class:`~portal.plans.fields.PlanError`, problems by field) is
raised before anything is written, so a bad participant leaves no trace.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, insert, or_, select, true, update
from sqlalchemy.orm import contains_eager, joinedload

from ..appraisals.models import OPEN_STATUSES, DevelopmentEntry, DevelopmentEntryEvent
from ..appraisals.visibility import employee_rows_condition
from ..competence.catalogue import derived_valid_until
from ..competence.models import UNVERIFIED_SOURCES, Competence, HeldCompetence, HeldCompetenceChange
from ..extensions import db
from ..org.models import Employee, Unit, utcnow
from ..org.visibility import led_unit_paths, under_paths
from ..plans.fields import PlanError, Reader
from .models import KINDS, LearningActivity, LearningParticipant

SOURCE = "learning_activity"
TITLE_MAX = 300
DESCRIPTION_MAX = 5000
MAX_HOURS = Decimal("10000")
MAX_PARTICIPANTS = 5000
MAX_ID = 2**31 - 1

KIND_LABELS = {
    "course": _l("Course"),
    "fagdag": _l("Professional day (fagdag)"),
    "hospitering": _l("Job shadowing (hospitering)"),
    "elearning": _l("E-learning or MOOC"),
    "mentoring": _l("Mentoring"),
    "kollegaveiledning": _l("Peer supervision (kollegaveiledning)"),
    "studies": _l("Studies"),
}
ACTION_LABELS = {
    "created": _l("Recorded"),
    "raised": _l("Raised"),
    "renewed": _l("Renewed"),
    "unchanged": _l("Unchanged"),
}
FIELD_LABELS = {
    "title": _l("Title"),
    "kind": _l("Kind"),
    "date": _l("Date"),
    "hours": _l("Hours"),
    "description": _l("Description"),
    "competence_id": _l("Competence"),
    "level_achieved": _l("Level achieved"),
    "participant_ids": _l("Participants"),
}


@dataclass
class Entry:
    """An open development entry the activity completes (only the columns needed)."""

    id: int
    employee_id: int
    title: str
    target_level: int | None
    status: str


@dataclass
class Change:
    """What logging the activity does for one participant.

    ``action``: created (no learning-activity level before), raised, renewed
    (same level, later validity) or unchanged (the stored level is higher,
    or there is no competence on the activity).
    """

    employee: Employee
    old_level: int | None = None
    old_valid_until: date | None = None
    best_verified: int | None = None
    new_level: int | None = None
    new_valid_until: date | None = None
    action: str = "unchanged"
    held_id: int | None = None
    entries: list = field(default_factory=list)

    @property
    def changes_level(self):
        return self.action != "unchanged"


@dataclass
class Preview:
    """The checked activity and the changes saving it would make, for the review step and the API."""

    title: str
    kind: str
    date: date
    hours: Decimal
    description: str
    competence: Competence | None
    level_achieved: int | None
    changes: list

    @property
    def participants(self):
        return [c.employee for c in self.changes]

    @property
    def raised_count(self):
        return sum(1 for c in self.changes if c.changes_level)

    @property
    def entry_count(self):
        return sum(len(c.entries) for c in self.changes)

    @property
    def valid_until(self):
        if self.competence is None:
            return None
        return derived_valid_until(self.date, self.competence.validity_months)


# --- reading and checking ------------------------------------------------------------


def read_participant_ids(value, problems):
    """The ids in ``value`` (a list of numbers or digit strings), in order, without repeats."""
    if value is None or value == "" or value == []:
        problems["participant_ids"] = _l("Choose at least one participant.")
        return []
    if not isinstance(value, (list, tuple)):
        problems["participant_ids"] = _l("Must be a list of employee ids.")
        return []
    ids, bad = [], []
    for item in value:
        if isinstance(item, str) and item.strip().isdigit() and item.strip().isascii() and len(item.strip()) <= 10:
            item = int(item.strip())
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_ID:
            bad.append(str(item)[:20])
            continue
        if item not in ids:
            ids.append(item)
    if bad:
        problems["participant_ids"] = _l("Not employee ids: %(ids)s.", ids=", ".join(bad[:10]))
    elif not ids:
        problems["participant_ids"] = _l("Choose at least one participant.")
    elif len(ids) > MAX_PARTICIPANTS:
        problems["participant_ids"] = _l("At most %(max)d participants in one activity.", max=MAX_PARTICIPANTS)
    return ids


def staff_condition(user, day):
    """SQL condition on Employee (joined with Unit): in a unit ``user`` leads (or below), employed on ``day``."""
    paths = led_unit_paths(user) if user.has_role("leader") else []
    return and_(
        under_paths(paths),
        Employee.hire_date <= day,
        or_(Employee.end_date.is_(None), Employee.end_date >= day),
    )


def plan_activity(data, user):
    """Check an activity as the API's field names give it and work out its changes; nothing is written.

    Participants must be employed, on the activity's date, in a unit ``user``
    leads or below; any other id (someone else's staff, a person who does not
    exist) is refused by number as "not among your staff", so nobody learns
    who exists elsewhere. Five queries whatever the number of participants.
    """
    reader = Reader(data)
    title = reader.text("title", TITLE_MAX, required=True)
    kind = reader.choice("kind", KINDS, required=True)
    day = reader.day("date", required=True)
    hours = reader.amount("hours", maximum=MAX_HOURS, required=True)
    if hours is not None and hours <= 0:
        reader.problems["hours"] = _l("Must be more than 0.")
    description = reader.text("description", DESCRIPTION_MAX)
    competence_id = reader.whole("competence_id", 1, MAX_ID)
    level = reader.whole("level_achieved", 1, 10)
    problems = reader.problems
    competence = None
    if competence_id is not None:
        competence = db.session.get(Competence, competence_id)
        if competence is None:
            problems["competence_id"] = _l("Choose a competence from the list.")
        elif level is not None and level > competence.max_level:
            problems["level_achieved"] = _l(
                "The level must be between 1 and %(max)s for %(name)s.", max=competence.max_level, name=competence.name
            )
    if competence_id is not None and level is None and "level_achieved" not in problems:
        problems["level_achieved"] = _l("Give the level achieved for the competence.")
    if level is not None and competence_id is None and "competence_id" not in problems:
        problems["competence_id"] = _l("Choose the competence the level is for, or leave the level empty.")
    ids = read_participant_ids(data.get("participant_ids"), problems)
    people = {}
    if ids and "participant_ids" not in problems:
        stmt = (
            select(Employee)
            .join(Employee.unit)
            .options(contains_eager(Employee.unit))
            .where(Employee.id.in_(ids), staff_condition(user, day or date.today()))
        )
        people = {e.id: e for e in db.session.scalars(stmt)}
        foreign = [str(i) for i in ids if i not in people]
        if foreign:
            problems["participant_ids"] = _l(
                "Not among your staff: %(ids)s.", ids=", ".join(foreign[:20]) + (" …" if len(foreign) > 20 else "")
            )
    if problems:
        raise PlanError(problems)
    changes = [Change(people[i]) for i in ids]
    if competence is not None:
        _work_out(changes, competence, level, day)
    return Preview(title, kind, day, hours, description, competence, level, changes)


def _work_out(changes, competence, level, day):
    """Fill in each change: stored levels, the new level (raised only), entries completed. Two queries."""
    by_person = {c.employee.id: c for c in changes}
    ids = list(by_person)
    rows = db.session.execute(
        select(
            HeldCompetence.id,
            HeldCompetence.employee_id,
            HeldCompetence.source,
            HeldCompetence.level,
            HeldCompetence.valid_until,
        ).where(HeldCompetence.employee_id.in_(ids), HeldCompetence.competence_id == competence.id)
    )
    for held_id, employee_id, source, held_level, valid_until in rows:
        change = by_person[employee_id]
        if source == SOURCE:
            change.held_id, change.old_level, change.old_valid_until = held_id, held_level, valid_until
        if source not in UNVERIFIED_SOURCES and (valid_until is None or valid_until >= day):
            change.best_verified = max(change.best_verified or 0, held_level)
    valid_until = derived_valid_until(day, competence.validity_months)
    for change in changes:
        if change.old_level is None:
            change.action = "created"
        elif level > change.old_level:
            change.action = "raised"
        elif level == change.old_level and _later(valid_until, change.old_valid_until):
            change.action = "renewed"
        if change.changes_level:
            change.new_level, change.new_valid_until = level, valid_until
    entries = db.session.execute(
        select(
            DevelopmentEntry.id,
            DevelopmentEntry.employee_id,
            DevelopmentEntry.title,
            DevelopmentEntry.target_level,
            DevelopmentEntry.status,
        )
        .where(
            DevelopmentEntry.employee_id.in_(ids),
            DevelopmentEntry.competence_id == competence.id,
            DevelopmentEntry.status.in_(OPEN_STATUSES),
            or_(DevelopmentEntry.target_level.is_(None), DevelopmentEntry.target_level <= level),
        )
        .order_by(DevelopmentEntry.id)
    )
    for row in entries:
        by_person[row.employee_id].entries.append(Entry(*row))


def _later(new, old):
    """Whether validity ``new`` runs longer than ``old`` (None: never expires)."""
    if old is None:
        return False
    return new is None or new > old


# --- writing -------------------------------------------------------------------------


def log_activity(data, user):
    """Check and save an activity with its participants and every change, in bulk; no commit.

    One statement per table whatever the number of participants: the
    activity, its participants, new and raised ``learning_activity``
    competences with their timeline rows, and the development entries it
    completes with an event each. Returns ``(activity, preview)``.
    """
    preview = plan_activity(data, user)
    activity = LearningActivity(
        title=preview.title,
        kind=preview.kind,
        description=preview.description,
        date=preview.date,
        hours=preview.hours,
        competence_id=preview.competence.id if preview.competence else None,
        level_achieved=preview.level_achieved,
        created_by_id=user.id,
    )
    db.session.add(activity)
    db.session.flush()
    db.session.execute(
        insert(LearningParticipant.__table__),
        [{"activity_id": activity.id, "employee_id": c.employee.id} for c in preview.changes],
    )
    if preview.competence is not None:
        _write_competences(activity, preview, user)
        _complete_entries(activity, preview, user)
    return activity, preview


def evidence_note(activity):
    """How a held competence and a timeline row name the activity that gave it (stored, language-neutral)."""
    return f"{activity.title} ({activity.date.isoformat()}, #{activity.id})"


def _write_competences(activity, preview, user):
    now = utcnow()
    note = evidence_note(activity)
    competence_id = preview.competence.id
    inserts, updates, history = [], [], []
    for change in preview.changes:
        if not change.changes_level:
            continue
        if change.held_id is None:
            inserts.append({
                "employee_id": change.employee.id, "competence_id": competence_id, "source": SOURCE,
                "level": change.new_level, "achieved_on": activity.date, "valid_until": change.new_valid_until,
                "evidence_note": note, "evidence_url": "", "recorded_by_id": user.id, "recorded_at": now,
            })
        else:
            updates.append({
                "held_id": change.held_id, "level": change.new_level, "achieved_on": activity.date,
                "valid_until": change.new_valid_until, "evidence_note": note, "recorded_at": now,
            })
        history.append({
            "employee_id": change.employee.id, "competence_id": competence_id, "source": SOURCE,
            "action": "created" if change.held_id is None else "changed",
            "old_level": change.old_level, "new_level": change.new_level,
            "old_valid_until": change.old_valid_until, "new_valid_until": change.new_valid_until,
            "note": note, "changed_by_id": user.id, "changed_at": now,
        })
    held = HeldCompetence.__table__
    if inserts:
        db.session.execute(insert(held), inserts)
    if updates:
        db.session.execute(
            update(held)
            .where(held.c.id == bindparam("held_id"))
            .values(
                level=bindparam("level"),
                achieved_on=bindparam("achieved_on"),
                valid_until=bindparam("valid_until"),
                evidence_note=bindparam("evidence_note"),
                recorded_at=bindparam("recorded_at"),
                recorded_by_id=user.id,
            ),
            updates,
        )
    if history:
        db.session.execute(insert(HeldCompetenceChange.__table__), history)


def _complete_entries(activity, preview, user):
    entries = [e for c in preview.changes for e in c.entries]
    if not entries:
        return
    now = utcnow()
    table = DevelopmentEntry.__table__
    db.session.execute(
        update(table)
        .where(table.c.id.in_([e.id for e in entries]), table.c.status.in_(OPEN_STATUSES))
        .values(status="completed", completed_at=now, completed_by_activity_id=activity.id)
    )
    note = evidence_note(activity)
    db.session.execute(
        insert(DevelopmentEntryEvent.__table__),
        [
            {"entry_id": e.id, "from_status": e.status, "to_status": "completed", "note": note,
             "user_id": user.id, "username": user.username, "at": now}
            for e in entries
        ],
    )


# --- reading what was logged ------------------------------------------------------------


def activities_stmt(user, kind=None):
    """The activities ``user`` may list, newest first: all for hr; else those with them or their staff in it.

    A leader sees activities where someone in a unit they lead took part (and
    the ones they logged); an employee, the ones they took part in.
    """
    stmt = select(LearningActivity).options(joinedload(LearningActivity.competence))
    if not user.has_role("hr"):
        taking_part = select(LearningParticipant.activity_id).where(
            employee_rows_condition(user, LearningParticipant.employee_id)
        )
        stmt = stmt.where(or_(LearningActivity.id.in_(taking_part), LearningActivity.created_by_id == user.id))
    if kind:
        stmt = stmt.where(LearningActivity.kind == kind)
    return stmt.order_by(LearningActivity.date.desc(), LearningActivity.id.desc())


def activity_for(activity_id, user):
    """One activity ``user`` may see, or None."""
    return db.session.scalar(activities_stmt(user).where(LearningActivity.id == activity_id))


def participant_condition(user):
    """SQL condition on LearningParticipant: the participants ``user`` may see (hr all; leaders their staff; self)."""
    if user.has_role("hr"):
        return true()
    return employee_rows_condition(user, LearningParticipant.employee_id)


def participants(activity_id, user):
    """The activity's participants ``user`` may see, by name, with their unit; and how many there are in all."""
    rows = db.session.execute(
        select(Employee, Unit)
        .join(LearningParticipant, LearningParticipant.employee_id == Employee.id)
        .join(Unit, Unit.id == Employee.unit_id)
        .where(LearningParticipant.activity_id == activity_id, participant_condition(user))
        .order_by(Employee.last_name, Employee.first_name, Employee.id)
    ).all()
    total = db.session.scalar(
        select(func.count()).select_from(LearningParticipant).where(LearningParticipant.activity_id == activity_id)
    )
    return rows, total


def participant_ids_by_activity(activity_ids, user):
    """{activity id: [visible participant ids]} and {activity id: count of all}, two queries for a page."""
    if not activity_ids:
        return {}, {}
    visible = {}
    for activity_id, employee_id in db.session.execute(
        select(LearningParticipant.activity_id, LearningParticipant.employee_id)
        .where(LearningParticipant.activity_id.in_(activity_ids), participant_condition(user))
        .order_by(LearningParticipant.activity_id, LearningParticipant.employee_id)
    ):
        visible.setdefault(activity_id, []).append(employee_id)
    counts = dict(
        db.session.execute(
            select(LearningParticipant.activity_id, func.count())
            .where(LearningParticipant.activity_id.in_(activity_ids))
            .group_by(LearningParticipant.activity_id)
        ).all()
    )
    return visible, counts


def activities_for(employee_id):
    """An employee's learning record: the activities they took part in, newest first."""
    return db.session.scalars(
        select(LearningActivity)
        .join(LearningParticipant, LearningParticipant.activity_id == LearningActivity.id)
        .where(LearningParticipant.employee_id == employee_id)
        .options(joinedload(LearningActivity.competence))
        .order_by(LearningActivity.date.desc(), LearningActivity.id.desc())
    ).all()


def completed_entries(activity_id, user):
    """Development entries this activity completed that ``user`` may see (never hr's: entries are confidential)."""
    from ..appraisals.visibility import visible_entries

    return db.session.scalars(
        visible_entries(user)
        .where(DevelopmentEntry.completed_by_activity_id == activity_id)
        .order_by(DevelopmentEntry.employee_id, DevelopmentEntry.id)
    ).all()
