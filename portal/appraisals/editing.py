"""Scheduling, preparing, holding and following up appraisal interviews: the rules pages and API share.

Every change of an appraisal goes through the workflow engine first
(``engine.record_edit``), which refuses a part the current stage does not
allow ("preparation" while scheduled or prepared, "summary", "entries" and
"employee_comment" once held, nothing once signed) or a stale version, raises
the version (voiding approvals of the old one) and writes what changed into
the history. Who may change which part is checked here: the employee writes
their preparation and closing comment, a leader of their unit schedules,
writes the summary and agrees development entries.

Nothing here commits; a refused change raises (``engine.Forbidden``,
``engine.Conflict``, ``fields.PlanError``) and leaves the session for the
caller to roll back.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from ..competence.models import Competence
from ..competence.profile import _upsert
from ..extensions import db
from ..notify import enqueue_for
from ..org.models import User, utcnow
from ..org.visibility import led_unit_paths
from ..plans.fields import PlanError, Reader
from ..plans.models import Measure, Plan
from ..workflow import engine
from .models import (
    ENTRY_STATUSES,
    OPEN_STATUSES,
    PREPARATION_KEYS,
    Appraisal,
    DevelopmentEntry,
    DevelopmentEntryEvent,
)
from .workflow import is_employee, is_leader

OSLO = ZoneInfo("Europe/Oslo")
PREPARATION_MAX = 5000
SUMMARY_MAX = 20_000
COMMENT_MAX = 10_000
NOTE_MAX = 5000
TITLE_MAX = 300
LOCATION_MAX = 200
DURATION_MIN, DURATION_MAX = 15, 480
MAX_SELF_ASSESSMENTS = 200
MAX_ROUND = 1000
FOLLOW_UP_STATUSES = ("in_progress", "completed", "cancelled")
MAX_ID = 2**31 - 1


# --- who is who --------------------------------------------------------------------


def leads_employee(user, employee):
    """Whether ``user`` leads ``employee``'s unit or one above it (never their own interview).

    The same rule as :func:`.workflow.is_leader`, for an employee who has no appraisal yet.
    """
    if not getattr(user, "is_authenticated", False) or not user.has_role("leader"):
        return False
    if user.employee_id and user.employee_id == employee.id:
        return False
    path = employee.unit.path
    return any(path.startswith(p) for p in led_unit_paths(user))


def _require_leader(appraisal, user):
    if not is_leader(user, appraisal):
        raise engine.Forbidden(_l("Only the employee's leader can do this."))


def _require_employee(appraisal, user):
    if not is_employee(user, appraisal):
        raise engine.Forbidden(_l("Only the employee the interview is with can do this."))


# --- times ---------------------------------------------------------------------------


def parse_when(value, field="scheduled_for"):
    """A date-time from a datetime or ISO 8601 text, as an aware UTC time; naive means Norwegian local time.

    Raises :class:`PlanError` naming ``field`` when it cannot be read.
    """
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) < 16 or len(text) > 40:
                raise ValueError
            value = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise PlanError({field: _l("Write the time as YYYY-MM-DDTHH:MM, for example 2026-03-14T10:00.")}) from None
    if not isinstance(value, datetime):
        raise PlanError({field: _l("Write the time as YYYY-MM-DDTHH:MM, for example 2026-03-14T10:00.")})
    if value.tzinfo is None:
        value = value.replace(tzinfo=OSLO)
    if not 2000 <= value.year <= 2100:
        raise PlanError({field: _l("Choose a time between the years 2000 and 2100.")})
    return value.astimezone(timezone.utc)


def local_time(value):
    """A stored time in Norwegian local time (SQLite hands stored times back naive; they are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(OSLO)


def year_bounds(year):
    """The first moment of ``year`` and of the next, Norwegian time, in UTC."""
    start = datetime.combine(date(year, 1, 1), time(0), tzinfo=OSLO).astimezone(timezone.utc)
    end = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=OSLO).astimezone(timezone.utc)
    return start, end


def _schedule_values(reader, appraisal=None):
    values = {}
    if reader.wanted("scheduled_for"):
        if reader.data.get("scheduled_for") in (None, ""):
            reader.problems["scheduled_for"] = _l("Fill in a date and time.")
        else:
            try:
                values["scheduled_for"] = parse_when(reader.data["scheduled_for"])
            except PlanError as error:
                reader.problems.update(error.problems)
    if reader.wanted("duration_minutes"):
        minutes = reader.whole("duration_minutes", minimum=DURATION_MIN, maximum=DURATION_MAX)
        if minutes is not None or appraisal is None:
            values["duration_minutes"] = minutes or 60
    if reader.wanted("location"):
        values["location"] = reader.text("location", LOCATION_MAX)
    reader.fail_if_any()
    return values


# --- scheduling ------------------------------------------------------------------------


def schedule(employee, when, user, duration_minutes=60, location=""):
    """A new appraisal with ``employee`` at ``when``, scheduled by a leader of their unit.

    The employee gets an invitation by e-mail (in their language, with the
    time and a link) when they have an address.
    """
    if not leads_employee(user, employee):
        raise engine.Forbidden(_l("Only the employee's leader can schedule an appraisal interview."))
    reader = Reader(
        {"scheduled_for": when, "duration_minutes": duration_minutes, "location": location}
    )
    values = _schedule_values(reader)
    appraisal = Appraisal(
        employee=employee,
        employee_id=employee.id,
        preparation={},
        summary="",
        employee_comment="",
        created_by_id=user.id,
        **values,
    )
    db.session.add(appraisal)
    engine.start(appraisal, user)
    _invite(appraisal, user, moved=False)
    return appraisal


def schedule_round(entries, user):
    """Schedule several interviews at once: ``entries`` is a list of (employee, when); all or nothing.

    Problems are named ``entries.<index>.scheduled_for``; one employee the
    user does not lead refuses the whole round.
    """
    if not entries:
        raise PlanError({"entries": _l("Choose at least one employee.")})
    if len(entries) > MAX_ROUND:
        raise PlanError({"entries": _l("At most %(max)d interviews at once.", max=MAX_ROUND)})
    seen, problems = set(), {}
    for index, (employee, when) in enumerate(entries):
        if employee.id in seen:
            problems[f"entries.{index}.employee_id"] = _l("This employee is in the list twice.")
        seen.add(employee.id)
        try:
            parse_when(when)
        except PlanError as error:
            problems.update({f"entries.{index}.{k}": v for k, v in error.problems.items()})
    if problems:
        raise PlanError(problems)
    made = []
    for employee, when in entries:
        made.append(schedule(employee, when, user))
    return made


def already_this_year(employee_ids, year):
    """The ids among ``employee_ids`` with an appraisal (not cancelled) scheduled in ``year``; one query."""
    ids = list(employee_ids)
    if not ids:
        return set()
    start, end = year_bounds(year)
    return set(
        db.session.scalars(
            select(Appraisal.employee_id)
            .where(
                Appraisal.employee_id.in_(ids),
                Appraisal.state != "cancelled",
                Appraisal.scheduled_for >= start,
                Appraisal.scheduled_for < end,
            )
            .distinct()
        )
    )


def reschedule(appraisal, data, user, version):
    """Move the interview or change its place (leader; before it is held). Returns the fields changed."""
    _require_leader(appraisal, user)
    values = _schedule_values(Reader(_only(data, ("scheduled_for", "duration_minutes", "location")), partial=True), appraisal)
    changed = sorted(name for name, value in values.items() if _differs(getattr(appraisal, name), value))
    if not changed:
        engine.check_current(appraisal, version)
        return []
    engine.record_edit(appraisal, user, version, "schedule", [{"what": "schedule", "fields": changed}])
    for name in changed:
        setattr(appraisal, name, values[name])
    if {"scheduled_for", "duration_minutes", "location"} & set(changed):
        _invite(appraisal, user, moved=True)
    return changed


def _differs(old, new):
    if isinstance(old, datetime) and isinstance(new, datetime):
        return local_time(old) != local_time(new)
    return old != new


def _only(data, names):
    """The fields of ``data`` among ``names``; anything else is refused by name."""
    if not isinstance(data, dict):
        raise PlanError({"body": _l("Give the fields as an object.")})
    unknown = sorted(set(data) - set(names) - {"version"})
    if unknown:
        raise PlanError({name: _l("This field cannot be changed here.") for name in unknown})
    return {k: v for k, v in data.items() if k in names}


def _link(appraisal):
    if has_request_context():
        try:
            return url_for("appraisals.appraisal", appraisal_id=appraisal.id, _external=True)
        except BuildError:
            pass
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + f"/appraisals/{appraisal.id}"


def _invite(appraisal, user, moved):
    """Queue the invitation (or the news that it moved) to the employee, in their language."""
    employee = appraisal.employee
    link = _link(appraisal)
    when = local_time(appraisal.scheduled_for)
    leader_name = user.employee.full_name if getattr(user, "employee", None) else user.username
    recipients = db.session.scalars(
        select(User).where(User.employee_id == employee.id, User.active.is_(True))
    ).all()

    def render(recipient):
        if moved:
            subject = _("Your appraisal interview has been moved")
        else:
            subject = _("Invitation to your appraisal interview")
        body = _(
            "%(leader)s has invited you to your appraisal interview on %(day)s at %(time)s (%(minutes)d minutes).\n"
            "Place: %(place)s\n\n"
            "Prepare in the portal and add the meeting to your calendar: %(link)s\n",
            leader=leader_name,
            day=format_date(when.date(), "full"),
            time=format_time(when, "HH:mm"),
            minutes=appraisal.duration_minutes,
            place=appraisal.location or "-",
            link=link,
        )
        return subject, body

    enqueue_for(recipients, render)


# --- the employee's preparation and comment -------------------------------------------


def save_preparation(appraisal, data, user, version):
    """The employee's preparation in their own words, and self-assessments of competences.

    ``data`` holds any of :data:`PREPARATION_KEYS` (text; an empty text clears
    it) and optionally ``self_assessments``: ``[{competence_id, level}]``,
    stored in the employee's profile as self-assessments (never counted as
    verified). Returns the names of what changed.
    """
    _require_employee(appraisal, user)
    if not isinstance(data, dict):
        raise PlanError({"preparation": _l("Give the preparation as an object.")})
    unknown = sorted(set(data) - set(PREPARATION_KEYS) - {"self_assessments", "version"})
    if unknown:
        raise PlanError(
            {f"preparation.{k}": _l("Answer with the keys: %(keys)s.", keys=", ".join(PREPARATION_KEYS)) for k in unknown}
        )
    reader = Reader(data)
    texts = {key: reader.text(key, PREPARATION_MAX) for key in PREPARATION_KEYS if key in data}
    problems = {f"preparation.{k}": v for k, v in reader.problems.items()}
    assessments = _self_assessments(data.get("self_assessments"), problems) if "self_assessments" in data else []
    if problems:
        raise PlanError(problems)
    current = dict(appraisal.preparation or {})
    merged = dict(current)
    for key, value in texts.items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    changed = sorted(k for k in PREPARATION_KEYS if current.get(k, "") != merged.get(k, ""))
    levels = _changed_levels(appraisal.employee_id, assessments)
    if not changed and not levels:
        engine.check_current(appraisal, version)
        return []
    what = [{"what": "preparation", "fields": changed}] if changed else []
    if levels:
        what.append({"what": "self_assessment", "competence_ids": sorted(c.id for c, _level in levels)})
    engine.record_edit(appraisal, user, version, "preparation", what)
    appraisal.preparation = merged
    today = date.today()
    for competence, level in levels:
        _upsert(appraisal.employee, competence, "self_assessment", level, today, None, "", "", user)
    return changed + (["self_assessments"] if levels else [])


def _self_assessments(raw, problems):
    """Check ``[{competence_id, level}]``; returns (competence, level) pairs."""
    if not isinstance(raw, list) or len(raw) > MAX_SELF_ASSESSMENTS:
        problems["self_assessments"] = _l("Give a list of at most %(max)d assessments.", max=MAX_SELF_ASSESSMENTS)
        return []
    readers, ids = [], []
    for item in raw:
        inner = Reader(item if isinstance(item, dict) else {})
        competence_id = inner.whole("competence_id", minimum=1, maximum=MAX_ID, required=True)
        readers.append((inner, competence_id))
        if competence_id:
            ids.append(competence_id)
    catalogue = {c.id: c for c in db.session.scalars(select(Competence).where(Competence.id.in_(ids)))} if ids else {}
    pairs, seen = [], set()
    for index, (inner, competence_id) in enumerate(readers):
        competence = catalogue.get(competence_id)
        if competence_id and competence is None:
            inner.problems["competence_id"] = _l("There is no such competence.")
        elif competence_id in seen:
            inner.problems["competence_id"] = _l("This competence is in the list twice.")
        seen.add(competence_id)
        level = inner.whole("level", minimum=1, maximum=competence.max_level if competence else 10, required=True)
        for key, problem in inner.problems.items():
            problems[f"self_assessments.{index}.{key}"] = problem
        if competence is not None and level is not None and not inner.problems:
            pairs.append((competence, level))
    return pairs


def _changed_levels(employee_id, pairs):
    """The pairs whose level differs from the employee's current self-assessment (one query)."""
    if not pairs:
        return []
    from ..competence.models import HeldCompetence

    held = dict(
        db.session.execute(
            select(HeldCompetence.competence_id, HeldCompetence.level).where(
                HeldCompetence.employee_id == employee_id,
                HeldCompetence.source == "self_assessment",
                HeldCompetence.competence_id.in_([c.id for c, _level in pairs]),
            )
        ).all()
    )
    return [(c, level) for c, level in pairs if held.get(c.id) != level]


def save_employee_comment(appraisal, text, user, version):
    """The employee's closing comment on the summary, disagreement included (once held)."""
    _require_employee(appraisal, user)
    reader = Reader({"employee_comment": text})
    value = reader.text("employee_comment", COMMENT_MAX)
    reader.fail_if_any()
    if value == (appraisal.employee_comment or ""):
        engine.check_current(appraisal, version)
        return False
    engine.record_edit(appraisal, user, version, "employee_comment", [{"what": "employee_comment"}])
    appraisal.employee_comment = value
    return True


# --- the leader's part ---------------------------------------------------------------


def save_summary(appraisal, summary, user, version):
    """The leader's summary of the interview (once held); both then sign it."""
    _require_leader(appraisal, user)
    reader = Reader({"summary": summary})
    value = reader.text("summary", SUMMARY_MAX)
    reader.fail_if_any()
    if value == (appraisal.summary or ""):
        engine.check_current(appraisal, version)
        return False
    engine.record_edit(appraisal, user, version, "summary", [{"what": "summary"}])
    appraisal.summary = value
    return True


def follow_up_entry(appraisal, entry, status, note, user, version):
    """In the interview the leader follows up an entry of this employee: completed, carried on or dropped.

    ``status`` is ``completed``, ``in_progress`` (carried on) or ``cancelled``
    (dropped: ``note`` must say why). The change is part of the interview
    (it voids approvals of the summary) and of the entry's own history.
    """
    _require_leader(appraisal, user)
    if entry.employee_id != appraisal.employee_id:
        raise PlanError({"entry_id": _l("This entry belongs to someone else.")})
    reader = Reader({"status": status, "note": note})
    value = reader.choice("status", FOLLOW_UP_STATUSES, required=True)
    text = reader.text("note", NOTE_MAX, required=value == "cancelled")
    if value == "cancelled" and "note" in reader.problems:
        reader.problems["note"] = _l("Say why the entry is dropped.")
    reader.fail_if_any()
    engine.record_edit(
        appraisal,
        user,
        version,
        "entries",
        [{"what": "entry", "action": "followed_up", "title": entry.title, "status": value}],
    )
    set_status(entry, value, text, user)
    return entry


def add_entry(appraisal, data, user, version):
    """A development entry agreed in the interview (leader, once held), status planned."""
    _require_leader(appraisal, user)
    if not isinstance(data, dict):
        raise PlanError({"body": _l("Give the fields as an object.")})
    values = entry_values(Reader(data), None)
    engine.record_edit(
        appraisal, user, version, "entries", [{"what": "entry", "action": "added", "title": values["title"]}]
    )
    entry = DevelopmentEntry(
        employee_id=appraisal.employee_id, appraisal_id=appraisal.id, status="planned", status_note="", **values
    )
    db.session.add(entry)
    db.session.flush()
    _event(entry, None, "planned", "", user)
    return entry


def entry_values(reader, entry):
    """The agreed terms of an entry: title, competence and target level, plan measure, due date."""
    values = {}
    if reader.wanted("title"):
        values["title"] = reader.text("title", TITLE_MAX, required=True)
    competence = entry.competence if entry is not None else None
    if reader.wanted("competence_id"):
        competence_id = reader.whole("competence_id", minimum=1, maximum=MAX_ID)
        competence = db.session.get(Competence, competence_id) if competence_id else None
        if competence_id and competence is None:
            reader.problems["competence_id"] = _l("There is no such competence.")
        values["competence_id"] = competence_id if competence is not None else None
    if reader.wanted("target_level") or "competence_id" in values:
        level = reader.whole("target_level", minimum=1, maximum=competence.max_level if competence else 10)
        if level is None and "target_level" not in reader.data and entry is not None and competence is not None:
            level = entry.target_level if entry.target_level and entry.target_level <= competence.max_level else None
        if level is not None and competence is None and "competence_id" not in reader.problems:
            reader.problems["target_level"] = _l("Choose the competence the level belongs to.")
        values["target_level"] = level if competence is not None else None
    if reader.wanted("measure_id"):
        values["measure_id"] = _measure_id(reader)
    if reader.wanted("due"):
        values["due"] = reader.day("due")
    reader.fail_if_any()
    return values


def _measure_id(reader):
    """A measure of a plan that is still running (not closed), or ``None``."""
    measure_id = reader.whole("measure_id", minimum=1, maximum=MAX_ID)
    if measure_id is None:
        return None
    state = db.session.scalar(select(Plan.state).join(Measure, Measure.plan_id == Plan.id).where(Measure.id == measure_id))
    if state is None:
        reader.problems["measure_id"] = _l("There is no such measure.")
        return None
    if state == "closed":
        reader.problems["measure_id"] = _l("Choose a measure of an active competence plan.")
        return None
    return measure_id


def set_status(entry, status, note, user):
    """Change an entry's status and note it in the entry's history (no check of who may)."""
    if status not in ENTRY_STATUSES:
        raise PlanError({"status": _l("Must be one of: %(choices)s.", choices=", ".join(ENTRY_STATUSES))})
    before = entry.status
    entry.status = status
    entry.status_note = note or ""
    if status == "completed":
        if before != "completed" or entry.completed_at is None:
            entry.completed_at = utcnow()
    else:
        entry.completed_at = None
        entry.completed_by_activity_id = None
    _event(entry, before, status, note, user)
    return entry


def _event(entry, before, status, note, user):
    db.session.add(
        DevelopmentEntryEvent(
            entry_id=entry.id,
            from_status=before,
            to_status=status,
            note=note or "",
            user_id=getattr(user, "id", None),
            username=getattr(user, "username", "system"),
            at=utcnow(),
        )
    )


# --- reading --------------------------------------------------------------------------


def agreed_entries(appraisal):
    """The development entries agreed in this interview, oldest first."""
    return db.session.scalars(
        select(DevelopmentEntry)
        .where(DevelopmentEntry.appraisal_id == appraisal.id)
        .options(joinedload(DevelopmentEntry.competence), joinedload(DevelopmentEntry.measure))
        .order_by(DevelopmentEntry.id)
    ).all()


def previous_entries(appraisal):
    """Last year's entries and their status: this employee's entries from outside this interview
    that are still open, plus those closed since their last signed appraisal before this one."""
    since = db.session.scalar(
        select(func.max(Appraisal.signed_at)).where(
            Appraisal.employee_id == appraisal.employee_id,
            Appraisal.id != appraisal.id,
            Appraisal.state == "signed",
        )
    )
    closed = DevelopmentEntry.status.not_in(OPEN_STATUSES)
    if since is not None:
        recent_event = exists().where(
            DevelopmentEntryEvent.entry_id == DevelopmentEntry.id, DevelopmentEntryEvent.at >= since
        )
        closed = and_(closed, or_(DevelopmentEntry.completed_at >= since, recent_event))
    return db.session.scalars(
        select(DevelopmentEntry)
        .where(
            DevelopmentEntry.employee_id == appraisal.employee_id,
            or_(DevelopmentEntry.appraisal_id.is_(None), DevelopmentEntry.appraisal_id != appraisal.id),
            or_(DevelopmentEntry.status.in_(OPEN_STATUSES), closed),
        )
        .options(joinedload(DevelopmentEntry.competence), joinedload(DevelopmentEntry.measure))
        .order_by(DevelopmentEntry.created_at, DevelopmentEntry.id)
    ).all()


def end_time(appraisal):
    """When the interview is planned to end."""
    return local_time(appraisal.scheduled_for) + timedelta(minutes=appraisal.duration_minutes or 60)


__all__ = [
    "PlanError",
    "schedule",
    "schedule_round",
    "already_this_year",
    "save_preparation",
    "reschedule",
    "save_summary",
    "save_employee_comment",
    "follow_up_entry",
    "add_entry",
    "previous_entries",
    "agreed_entries",
    "parse_when",
    "local_time",
    "leads_employee",
]
