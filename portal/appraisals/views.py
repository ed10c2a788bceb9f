"""Appraisal pages: the list, the yearly round, the interview page with its small forms, the .ics, the
employee's development plan and hr's completion statistics.

Thin views: :mod:`.editing`, :mod:`.entries`, :mod:`.ics` and :mod:`.stats`
check and store, the workflow engine decides who may sign or fire what.
Confidentiality is the first line of every appraisal route:
``visibility.appraisal_or_404`` answers 404 to everyone but the employee and
the leaders of their unit. Every change posts to its own small route with the
CSRF token and the version the page was made from; a refusal rolls back and
shows the page again with the problem next to the field (422), above the form
(409), or as "not yours to do" (403).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from .. import access
from ..competence.catalogue import competences_stmt
from ..competence.models import Competence, HeldCompetence, Requirement
from ..extensions import db
from ..learning.models import KINDS as LEARNING_KINDS
from ..learning.models import LearningActivity, LearningParticipant
from ..notify import send_after_commit
from ..org.models import Employee, Unit
from ..org.visibility import led_unit_paths, under_paths
from ..pagination import paginate, requested_page
from ..plans.fields import PlanError
from ..plans.models import Measure, Plan
from ..workflow import engine
from ..workflow.definition import title_in
from . import bp, editing, entries, ics, stats, visibility
from .models import PREPARATION_KEYS, Appraisal, DevelopmentEntry
from .workflow import is_employee, is_leader

OSLO = ZoneInfo("Europe/Oslo")
PER_PAGE = 25
OWN_SHOWN = 50
ROUND_MAX = 1000  # employees in one scheduling form
MAX_INTERVAL_DAYS = 60

PREPARATION_LABELS = {
    "work_situation": _l("My work situation"),
    "cooperation": _l("Cooperation with colleagues and my leader"),
    "went_well": _l("What went well this year"),
    "wants_to_build": _l("Competence I want to build"),
    "other": _l("Anything else I want to talk about"),
}
PREPARATION_HINTS = {
    "work_situation": _l("How is your workload, your tasks and your working hours?"),
    "cooperation": _l("How do you work together with others, and what could be better?"),
    "went_well": _l("What are you proud of, and what are you good at?"),
    "wants_to_build": _l("What would you like to learn or get better at in the coming year?"),
    "other": _l("Anything else you want to bring up."),
}
STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Dropped"),
}
# The leader's follow-up of an earlier entry: completed, carried on into the new year, or dropped with a reason.
FOLLOW_UP_CHOICES = (
    ("completed", _l("Completed")),
    ("in_progress", _l("Carried on")),
    ("cancelled", _l("Dropped")),
)
ENTRY_LABELS = {
    "title": _l("Development goal"),
    "competence_id": _l("Competence"),
    "target_level": _l("Target level"),
    "measure_id": _l("Measure in a competence plan"),
    "due": _l("Due date"),
}
RESCHEDULE_LABELS = {
    "scheduled_for": _l("Date and time"),
    "duration_minutes": _l("Length (minutes)"),
    "location": _l("Place"),
}
ROUND_LABELS = {
    "unit_id": _l("Unit"),
    "period_start": _l("First date"),
    "period_interval": _l("Days between interviews"),
    "period_time": _l("Time of day"),
    "employees": _l("Employees"),
}
LEARNING_KIND_LABELS = {
    "course": _l("Course"),
    "fagdag": _l("Professional day"),
    "hospitering": _l("Job shadowing"),
    "elearning": _l("E-learning or MOOC"),
    "mentoring": _l("Mentoring"),
    "kollegaveiledning": _l("Peer guidance"),
    "studies": _l("Studies"),
}
assert set(LEARNING_KIND_LABELS) == set(LEARNING_KINDS)


# --- small helpers ----------------------------------------------------------------------


def _locale():
    return str(get_locale() or "nb")


def _definition():
    return engine.definitions()["appraisal"]


def state_title(state, locale=None):
    """A state's title from the definition in the reader's language (the raw name if it is gone)."""
    states = _definition().states
    return title_in(states[state].title, locale or _locale()) if state in states else state


def when(moment):
    """A stored time as the reader writes it, in Norwegian local time."""
    return format_datetime(moment, "short") if moment else ""


def iso(moment):
    """A stored time in ISO 8601 with the Europe/Oslo offset (for <time datetime>)."""
    return to_user_timezone(moment).isoformat(timespec="seconds") if moment else ""


def local_input(moment):
    """A stored time as a datetime-local field shows it (Oslo time, no offset)."""
    return to_user_timezone(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def parse_local(raw):
    """A datetime-local value (Norwegian local time) as an aware datetime, or None if it is not one."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 19 or not raw.isascii():
        return None
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "T"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return None
    return moment.replace(tzinfo=OSLO)


def _year_bounds(year):
    """Stored times are UTC (SQLite keeps only the digits), so the bounds are too."""
    return editing.year_bounds(year)


def _this_year():
    return datetime.now(OSLO).year


def _posted_version():
    raw = request.form.get("version", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _requested_year():
    """The ``year`` in the query string, or this year; anything odd gives None (the page says so)."""
    raw = request.args.get("year", "").strip()
    if not raw:
        return _this_year()
    if raw.isascii() and raw.isdigit() and len(raw) == 4 and 2000 <= int(raw) <= 2100:
        return int(raw)
    return None


@bp.app_template_global("appraisal_state_title")
def appraisal_state_title(state):
    return state_title(state)


@bp.app_template_filter("appraisal_when")
def appraisal_when(moment):
    return when(moment)


@bp.app_template_filter("appraisal_iso")
def appraisal_iso(moment):
    return iso(moment)


# --- the list ------------------------------------------------------------------------------


def _staff_appraisals(user, paths, year, state):
    """The appraisals of the leader's staff in ``year`` (never their own), soonest first, with employee and unit."""
    start, end = _year_bounds(year)
    stmt = (
        select(Appraisal)
        .join(Appraisal.employee)
        .join(Employee.unit)
        .options(contains_eager(Appraisal.employee).contains_eager(Employee.unit))
        .where(under_paths(paths), Appraisal.scheduled_for >= start, Appraisal.scheduled_for < end)
    )
    if user.employee_id:
        stmt = stmt.where(Appraisal.employee_id != user.employee_id)
    counts = _state_counts(stmt)
    if state:
        stmt = stmt.where(Appraisal.state == state)
    return stmt.order_by(Appraisal.scheduled_for, Appraisal.id), counts


def _state_counts(stmt):
    """How many of the appraisals in ``stmt`` are in each state (one grouped query)."""
    inner = stmt.with_only_columns(Appraisal.id.label("id"), Appraisal.state.label("state")).order_by(None).subquery()
    return dict(db.session.execute(select(inner.c.state, func.count()).group_by(inner.c.state)).all())


@bp.get("/appraisals")
@access.allow()
def appraisals():
    """Leaders: their staff's interviews this year by state; employees: their own; hr: the way to statistics."""
    user, definition = current_user, _definition()
    year = _requested_year()
    errors = {}
    if year is None:
        errors["year"] = _("Choose a year between 2000 and 2100.")
        year = _this_year()
    state = request.args.get("state", "")
    if state and state not in definition.states:
        errors["state"] = _("Choose a stage from the list.")
        state = ""
    paths = led_unit_paths(user) if user.has_role("leader") else []
    staff = counts = None
    if paths:
        stmt, counts = _staff_appraisals(user, paths, year, state)
        staff = paginate(stmt, requested_page(), PER_PAGE)
    own_upcoming, own_past = [], []
    if user.employee_id:
        own = db.session.scalars(
            select(Appraisal)
            .where(Appraisal.employee_id == user.employee_id)
            .order_by(Appraisal.scheduled_for.desc(), Appraisal.id.desc())
            .limit(OWN_SHOWN)
        ).all()
        for appraisal in own:
            (own_upcoming if appraisal.state in ("scheduled", "prepared", "held") else own_past).append(appraisal)
        own_upcoming.reverse()
    context = {
        "year": year,
        "state": state,
        "states": [(name, title_in(s.title, _locale())) for name, s in definition.states.items()],
        "counts": counts,
        "staff": staff,
        "own_upcoming": own_upcoming,
        "own_past": own_past,
        "errors": errors,
        "is_leader": bool(paths),
    }
    return render_template("appraisals/appraisals.html", **context), (422 if errors else 200)


# --- scheduling a round -----------------------------------------------------------------------


def _led_units(user):
    """The units the leader may schedule for: those they lead and everything below, in tree order."""
    return db.session.scalars(select(Unit).where(under_paths(led_unit_paths(user))).order_by(Unit.path)).all()


def _round_employees(user, unit):
    """Everyone employed today in ``unit`` and below it, except the leader themselves, in tree and name order."""
    today = datetime.now(OSLO).date()
    stmt = (
        select(Employee)
        .join(Employee.unit)
        .options(contains_eager(Employee.unit))
        .where(
            Unit.path.startswith(unit.path, autoescape=True),
            Employee.hire_date <= today,
            or_(Employee.end_date.is_(None), Employee.end_date >= today),
        )
        .order_by(Unit.path, Employee.last_name, Employee.first_name, Employee.id)
        .limit(ROUND_MAX)
    )
    if user.employee_id:
        stmt = stmt.where(Employee.id != user.employee_id)
    return db.session.scalars(stmt).all()


@dataclass
class RoundRow:
    """One employee in the scheduling form."""

    employee: Employee
    picked: bool
    when: str  # as typed / as filled in from the period
    done_this_year: bool
    error: str = ""

    @property
    def field_id(self):
        return f"when-{self.employee.id}"


@dataclass
class RoundForm:
    """The scheduling form: the unit, the period, and one row per employee."""

    unit: Unit | None
    rows: list
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # input id -> message

    def label_for(self, input_id):
        if input_id.startswith("when-"):
            row = next((r for r in self.rows if r.field_id == input_id), None)
            return row.employee.full_name if row else input_id
        return ROUND_LABELS.get(input_id, input_id)


def _period_slots(values, count, errors):
    """``count`` interview times from the period fields: first date, days between, time of day (weekdays only)."""
    start = values.get("period_start", "").strip()
    interval = values.get("period_interval", "").strip()
    at = values.get("period_time", "").strip()
    if not (start or at):
        return None
    try:
        first = date.fromisoformat(start) if len(start) == 10 else None
    except ValueError:
        first = None
    if first is None:
        errors["period_start"] = _("Write the date as YYYY-MM-DD.")
    step = 1
    if interval:
        if interval.isascii() and interval.isdigit() and 0 <= int(interval) <= MAX_INTERVAL_DAYS:
            step = int(interval)
        else:
            errors["period_interval"] = _("Must be a whole number between 0 and %(max)d.", max=MAX_INTERVAL_DAYS)
    try:
        clock = time.fromisoformat(at) if 4 <= len(at) <= 8 and at.isascii() else None
    except ValueError:
        clock = None
    if clock is None:
        errors["period_time"] = _("Write the time as HH:MM.")
    if first is None or clock is None or "period_interval" in errors:
        return None
    slots, day = [], first
    for _index in range(count):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        slots.append(datetime.combine(day, clock))
        day += timedelta(days=step)
    return slots


def _round_form(user, units, raw_unit, form=None, spread=False):
    """The form for ``raw_unit`` (one of ``units``), filled from ``form`` when posted."""
    unit = next((u for u in units if str(u.id) == str(raw_unit)), None) if raw_unit else (units[0] if units else None)
    errors = {}
    if raw_unit and unit is None:
        errors["unit_id"] = _("Choose one of the units you lead.")
    employees = _round_employees(user, unit) if unit else []
    done = editing.already_this_year([e.id for e in employees], _this_year()) if employees else set()
    values = {name: (form.get(name, "") if form else "") for name in ROUND_LABELS if name != "employees"}
    if not form:
        values["period_interval"] = "1"
    rows = []
    for employee in employees:
        if form is not None and form.get("unit_id") == str(unit.id):
            picked = form.get(f"pick-{employee.id}") == "1"
            typed = form.get(f"when-{employee.id}", "")
        else:
            picked, typed = employee.id not in done, ""
        rows.append(RoundRow(employee, picked, typed, employee.id in done))
    if spread and form is not None:
        waiting = [r for r in rows if r.picked and not r.when.strip()]
        slots = _period_slots(values, len(waiting), errors)
        if slots is None and "period_start" not in errors and "period_time" not in errors:
            errors["period_start"] = _("Fill in the first date and the time of day to spread the interviews.")
        for row, slot in zip(waiting, slots or []):
            row.when = slot.strftime("%Y-%m-%dT%H:%M")
    return RoundForm(unit, rows, values, errors)


def _round_page(form, units, status=200, message=None):
    return (
        render_template("appraisals/schedule.html", form=form, units=units, labels=ROUND_LABELS, message=message,
                        year=_this_year()),
        status,
    )


@bp.route("/appraisals/schedule", methods=["GET", "POST"])
@access.allow("leader")
def schedule():
    """The yearly round for a unit in one go: a time per employee, or a period that spreads them; all or nothing."""
    user = current_user
    units = _led_units(user)
    if not units:
        abort(403)
    if request.method == "GET":
        form = _round_form(user, units, request.args.get("unit_id", ""))
        return _round_page(form, units, 422 if form.errors else 200)
    posted = request.form
    spread = posted.get("action") == "spread"
    form = _round_form(user, units, posted.get("unit_id", ""), posted, spread=spread)
    if spread or form.errors:
        return _round_page(form, units, 422 if form.errors else 200)
    picked = [row for row in form.rows if row.picked]
    if not picked:
        form.errors["employees"] = _("Tick at least one employee.")
    missing = [row for row in picked if not row.when.strip()]
    slots = _period_slots(form.values, len(missing), form.errors) if missing else []
    for row in picked:
        if not row.when.strip():
            if slots:
                row.when = slots.pop(0).strftime("%Y-%m-%dT%H:%M")
            elif not any(k.startswith("period_") for k in form.errors):
                row.error = _("Fill in a date and time, or a period to spread the interviews over.")
                form.errors[row.field_id] = row.error
                continue
            else:
                continue
        moment = parse_local(row.when)
        if moment is None:
            row.error = _("Write the date and time as YYYY-MM-DD HH:MM.")
            form.errors[row.field_id] = row.error
    if form.errors:
        return _round_page(form, units, 422, _("Nothing was saved. Please correct the fields marked below."))
    plan = [(row.employee, parse_local(row.when)) for row in picked]
    try:
        made = editing.schedule_round(plan, user)
        db.session.commit()
    except PlanError as error:
        db.session.rollback()
        _round_problems(form, picked, error.problems)
        return _round_page(form, units, 422, _("Nothing was saved. Please correct the fields marked below."))
    except engine.WorkflowError as error:
        db.session.rollback()
        return _round_page(form, units, error.status, str(error.message))
    send_after_commit()
    flash(_("Appraisal interviews scheduled: %(count)d. Each employee can download the invitation for their calendar.",
            count=len(made)), "info")
    if len(made) == 1:
        return redirect(url_for("appraisals.appraisal", appraisal_id=made[0].id))
    return redirect(url_for("appraisals.appraisals"))


def _round_problems(form, picked, problems):
    """Put the domain's problems ("entries.3.scheduled_for") next to the row they are about."""
    for key, message in problems.items():
        parts = str(key).split(".")
        row = None
        if len(parts) >= 2 and parts[0] == "entries" and parts[1].isdigit() and int(parts[1]) < len(picked):
            row = picked[int(parts[1])]
        if row is not None:
            row.error = str(message)
            form.errors[row.field_id] = row.error
        else:
            form.errors[str(key) if str(key) in ROUND_LABELS else "employees"] = str(message)


# --- the appraisal page ----------------------------------------------------------------------


@dataclass
class Refusal:
    """Why a posted change was refused: status, message, the form it came from, problems by input id."""

    status: int
    message: str
    form: str = ""
    errors: dict = field(default_factory=dict)


@dataclass
class Stage:
    name: str
    title: str
    position: str  # done / current / upcoming


def _timeline(appraisal, locale):
    """The main path scheduled → prepared → held → signed; a cancelled interview shows where it stopped."""
    definition = _definition()
    names = [n for n in definition.states if n != "cancelled"]
    if appraisal.state == "cancelled":
        return [Stage("cancelled", title_in(definition.states["cancelled"].title, locale), "current")]
    at = names.index(appraisal.state) if appraisal.state in names else -1
    return [
        Stage(name, title_in(definition.states[name].title, locale),
              "done" if i < at else "current" if i == at else "upcoming")
        for i, name in enumerate(names)
    ]


@dataclass
class RequiredCompetence:
    competence: Competence
    min_level: int
    held: int | None  # verified level held now
    self_level: int | None  # the employee's own assessment
    objected: bool = False  # the employee has objected to a verified value (the text is on the profile)


def required_competences(appraisal):
    """The competences the employee's unit and the units above it require (one query), with what they hold (one more)."""
    path = appraisal.employee.unit.path
    rows = db.session.execute(
        select(Requirement.min_level, Competence)
        .join(Competence, Competence.id == Requirement.competence_id)
        .join(Unit, Unit.id == Requirement.unit_id)
        .where(literal(path).startswith(Unit.path))
        .order_by(Competence.name, Competence.id)
    ).all()
    wanted = {}
    for level, competence in rows:
        if competence.id not in wanted or level > wanted[competence.id][0]:
            wanted[competence.id] = (level, competence)
    if not wanted:
        return []
    held, own, objected = {}, {}, set()
    for row in db.session.scalars(
        select(HeldCompetence).where(
            HeldCompetence.employee_id == appraisal.employee_id, HeldCompetence.competence_id.in_(list(wanted))
        )
    ):
        if row.source == "self_assessment":
            own[row.competence_id] = row.level
        else:
            held[row.competence_id] = max(held.get(row.competence_id, 0), row.level)
            if row.objection:
                objected.add(row.competence_id)
    return [
        RequiredCompetence(c, level, held.get(cid), own.get(cid), cid in objected)
        for cid, (level, c) in sorted(wanted.items(), key=lambda kv: (kv[1][1].name, kv[0]))
    ]


def _measure_groups():
    """Measures of the competence plans still running, as (plan title, [(id, measure title)]) for a grouped select."""
    stmt = (
        select(Measure)
        .join(Measure.plan)
        .options(contains_eager(Measure.plan))
        .where(Plan.state.in_(("measures", "evaluation")), Measure.status.in_(("planned", "in_progress")))
        .order_by(Plan.title, Plan.id, Measure.title, Measure.id)
    )
    groups = []
    for measure in db.session.scalars(stmt):
        if not groups or groups[-1][0] != measure.plan.title:
            groups.append((measure.plan.title, []))
        groups[-1][1].append((str(measure.id), measure.title))
    return groups


def _competence_groups():
    groups = []
    for competence in db.session.scalars(competences_stmt()):
        if not groups or groups[-1][0] != competence.area.name:
            groups.append((competence.area.name, []))
        groups[-1][1].append((str(competence.id), f"{competence.name} ({competence.code})"))
    return groups


def _signatures(appraisal):
    """The approvals that signed the interview: those on the version that was signed off."""
    return [
        s for s in engine.all_signoffs(appraisal)
        if s.decision == "approve" and s.state == "held"
    ]


def _stored_values(appraisal):
    """What the forms show before anyone types: the stored texts and the current schedule."""
    values = {key: (appraisal.preparation or {}).get(key, "") or "" for key in PREPARATION_KEYS}
    values.update(
        summary=appraisal.summary or "",
        employee_comment=appraisal.employee_comment or "",
        scheduled_for=local_input(appraisal.scheduled_for),
        duration_minutes=str(appraisal.duration_minutes or 60),
        location=appraisal.location or "",
        title="", competence_id="", target_level="", measure_id="", due="",
    )
    return values


def render_appraisal(appraisal, refusal=None):
    """The appraisal page for the current user; after a refused POST with the problem at its form and its status."""
    user, locale = current_user, _locale()
    definition = engine.definition_for(appraisal)
    status = engine.status(appraisal, user)
    employee_view, leader_view = is_employee(user, appraisal), is_leader(user, appraisal)
    editable = {part: definition.editable(appraisal.state, part) for part in
                ("preparation", "schedule", "summary", "entries", "employee_comment")}
    values = _stored_values(appraisal)
    if refusal is not None:
        values.update(request.form.to_dict())
    steps = [
        (t.name, title_in(t.title, locale), [str(p) for p in problems])
        for t, problems, allowed in status.transitions
        if not t.automatic and allowed
    ]
    held_or_later = appraisal.state in ("held", "signed")
    context = {
        "appraisal": appraisal,
        "employee": appraisal.employee,
        "status": status,
        "stage": state_title(appraisal.state, locale),
        "timeline": _timeline(appraisal, locale),
        "employee_view": employee_view,
        "leader_view": leader_view,
        "editable": editable,
        "values": values,
        "refusal": refusal,
        "errors": refusal.errors if refusal else {},
        "failed": refusal.form if refusal else "",
        "preparation_keys": PREPARATION_KEYS,
        "preparation_labels": PREPARATION_LABELS,
        "preparation_hints": PREPARATION_HINTS,
        "required": required_competences(appraisal),
        "previous": editing.previous_entries(appraisal),
        "entries": editing.agreed_entries(appraisal) if held_or_later else [],
        "status_labels": STATUS_LABELS,
        "follow_up_choices": FOLLOW_UP_CHOICES,
        "entry_labels": ENTRY_LABELS,
        "reschedule_labels": RESCHEDULE_LABELS,
        "competences": _competence_groups() if leader_view and editable["entries"] else [],
        "measures": _measure_groups() if leader_view and editable["entries"] else [],
        "steps": steps,
        "signatures": _signatures(appraisal) if appraisal.state == "signed" else [],
        "when": when,
        "iso": iso,
        "capacity_titles": engine.CAPACITY_TITLES,
    }
    return render_template("appraisals/appraisal.html", **context), (refusal.status if refusal else 200)


def _appraisal(appraisal_id):
    return visibility.appraisal_or_404(appraisal_id, current_user)


@bp.get("/appraisals/<int:appraisal_id>")
@access.allow()
def appraisal(appraisal_id):
    """One interview, as the employee or their leader sees it (404 for everyone else)."""
    return render_appraisal(_appraisal(appraisal_id))


@bp.get("/appraisals/<int:appraisal_id>/invite.ics")
@access.allow()
def invite(appraisal_id):
    """The calendar invitation for the interview (404 for everyone but the two people in it)."""
    appraisal = _appraisal(appraisal_id)
    body = ics.invite_ics(appraisal)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="appraisal-{appraisal.id}.ics"'
    return response


def _change(appraisal_id, form_name, action, rename=None, success=None, anchor=None):
    """Run ``action(appraisal)``, commit, and come back to the page; a refusal shows the page again.

    Who may change what is the domain's and the engine's call (the wrong
    person gets their 403, shown on the page with the form they used).
    """
    appraisal = _appraisal(appraisal_id)
    try:
        action(appraisal)
        db.session.commit()
    except PlanError as error:
        db.session.rollback()
        rename = rename or (lambda key: str(key))
        problems = {rename(key): str(message) for key, message in error.problems.items()}
        return render_appraisal(
            _appraisal(appraisal_id),
            Refusal(422, _("Nothing was saved. Please correct the fields marked below."), form_name, problems),
        )
    except engine.WorkflowError as error:
        db.session.rollback()
        problems = {error.field: str(error.message)} if error.status == 422 and error.field else {}
        return render_appraisal(_appraisal(appraisal_id), Refusal(error.status, str(error.message), form_name, problems))
    send_after_commit()
    if success:
        flash(success, "info")
    return redirect(url_for("appraisals.appraisal", appraisal_id=appraisal_id, _anchor=anchor))


def _preparation_data(form, required):
    data = {key: form.get(key, "") for key in PREPARATION_KEYS}
    data["self_assessments"] = [
        {"competence_id": item.competence.id, "level": form.get(f"self-{item.competence.id}", "")}
        for item in required
        if form.get(f"self-{item.competence.id}", "") != ""
    ]
    return data


@bp.post("/appraisals/<int:appraisal_id>/preparation")
@access.allow()
def save_preparation(appraisal_id):
    """The employee's preparation in their own words, and their self-assessment."""
    order = []

    def act(appraisal):
        required = required_competences(appraisal)
        data = _preparation_data(request.form, required)
        order.extend(item["competence_id"] for item in data["self_assessments"])
        editing.save_preparation(appraisal, data, current_user, _posted_version())

    def rename(key):
        parts = str(key).split(".")
        if parts[0] == "preparation" and len(parts) == 2:
            return parts[1]
        if parts[0] == "self_assessments" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(order):
            return f"self-{order[int(parts[1])]}"
        return str(key)

    return _change(appraisal_id, "preparation", act, rename, _("Your preparation is saved."), "preparation")


@bp.post("/appraisals/<int:appraisal_id>/reschedule")
@access.allow()
def reschedule(appraisal_id):
    """Move the interview to another time or place (the leader, before it is held)."""
    data = {name: request.form.get(name, "") for name in RESCHEDULE_LABELS}

    def act(appraisal):
        editing.reschedule(appraisal, data, current_user, _posted_version())

    return _change(appraisal_id, "reschedule", act, None,
                   _("The interview is moved. Download the new invitation for your calendar."), "schedule")


@bp.post("/appraisals/<int:appraisal_id>/summary")
@access.allow()
def save_summary(appraisal_id):
    """The leader's summary of the interview (approvals given so far lapse)."""
    return _change(
        appraisal_id, "summary",
        lambda a: editing.save_summary(a, request.form.get("summary", ""), current_user, _posted_version()),
        None, _("The summary is saved."), "summary-section",
    )


@bp.post("/appraisals/<int:appraisal_id>/comment")
@access.allow()
def save_comment(appraisal_id):
    """The employee's closing comment, which may say they disagree."""
    return _change(
        appraisal_id, "comment",
        lambda a: editing.save_employee_comment(a, request.form.get("employee_comment", ""), current_user,
                                                _posted_version()),
        lambda key: "employee_comment" if str(key) in ("text", "comment") else str(key),
        _("Your comment is saved."), "comment-section",
    )


@bp.post("/appraisals/<int:appraisal_id>/entries")
@access.allow()
def add_entry(appraisal_id):
    """A new development entry agreed in the interview: competence, target level, plan measure, due date."""
    data = {name: request.form.get(name, "") for name in ENTRY_LABELS}
    return _change(
        appraisal_id, "entry",
        lambda a: editing.add_entry(a, {k: (v.strip() or None) for k, v in data.items()}, current_user,
                                    _posted_version()),
        None, _("The development entry is added."), "entries-section",
    )


@bp.post("/appraisals/<int:appraisal_id>/entries/<int:entry_id>/follow-up")
@access.allow()
def follow_up(appraisal_id, entry_id):
    """The leader's follow-up of an earlier entry: completed, carried on, or dropped with a reason."""

    def act(appraisal):
        entry = next((e for e in editing.previous_entries(appraisal) if e.id == entry_id), None)
        if entry is None:
            abort(404)
        editing.follow_up_entry(appraisal, entry, request.form.get(f"status-{entry_id}", ""),
                                request.form.get(f"note-{entry_id}", ""), current_user, _posted_version())

    def rename(key):
        return f"{key}-{entry_id}" if str(key) in ("status", "note") else str(key)

    return _change(appraisal_id, f"follow-up-{entry_id}", act, rename, _("The follow-up is saved."),
                   f"entry-{entry_id}")


@bp.post("/appraisals/<int:appraisal_id>/signoffs")
@access.allow()
def sign(appraisal_id):
    """Approve the summary's current version as the employee or the leader; the second approval signs it."""
    capacity = request.form.get("capacity", "")

    def act(appraisal):
        engine.sign(appraisal, current_user, capacity, "approve", request.form.get("comment", "").strip(),
                    _posted_version())

    return _change(appraisal_id, f"sign-{capacity}", act, None, _("You have signed the summary."), "signoffs")


@bp.post("/appraisals/<int:appraisal_id>/transitions/<name>")
@access.allow()
def fire(appraisal_id, name):
    """Take a step: "I am prepared", "the interview is held", or cancel it."""

    def act(appraisal):
        engine.fire(appraisal, current_user, name, request.form.get("comment", "").strip(), _posted_version())

    return _change(appraisal_id, f"step-{name}", act, None, _("Done."), "steps")


# --- the employee's development plan -----------------------------------------------------------


@dataclass
class EntryView:
    entry: DevelopmentEntry
    events: list


def _development_page(employee_id, refusal=None):
    found = db.session.scalars(entries.entries_of(employee_id)).all()
    history = entries.entry_history([e.id for e in found])
    views = [EntryView(e, list(history.get(e.id, []))) for e in found]
    learning = paginate(
        select(LearningActivity)
        .join(LearningParticipant, LearningParticipant.activity_id == LearningActivity.id)
        .where(LearningParticipant.employee_id == employee_id)
        .options(joinedload(LearningActivity.competence))
        .order_by(LearningActivity.date.desc(), LearningActivity.id.desc()),
        requested_page(),
        PER_PAGE,
    )
    page = render_template(
        "appraisals/development.html",
        entries=views,
        learning=learning,
        status_labels=STATUS_LABELS,
        kind_labels=LEARNING_KIND_LABELS,
        refusal=refusal,
    )
    return page, (refusal.status if refusal else 200)


def _my_employee_id():
    employee_id = current_user.employee_id
    if not employee_id:
        abort(404)
    return employee_id


@bp.get("/development")
@access.allow()
def my_development():
    """The employee's own development plan (entries, status, history) and learning record."""
    return _development_page(_my_employee_id())


@bp.post("/development/entries/<int:entry_id>")
@access.allow()
def update_my_entry(entry_id):
    """The employee moves one of their own entries on: in progress, completed, or dropped with a reason."""
    employee_id = _my_employee_id()
    entry = db.session.scalar(
        select(DevelopmentEntry).where(DevelopmentEntry.id == entry_id, DevelopmentEntry.employee_id == employee_id)
    )
    if entry is None:
        abort(404)
    form_name = f"entry-{entry_id}"
    data = {"status": request.form.get("status", ""), "note": request.form.get("note", "")}
    try:
        entries.update_entry(entry, data, current_user)
        db.session.commit()
    except PlanError as error:
        db.session.rollback()
        problems = {f"{key}-{entry_id}": str(message) for key, message in error.problems.items()}
        refusal = Refusal(422, _("Nothing was saved. Please correct the fields marked below."), form_name, problems)
        return _development_page(employee_id, refusal)
    except engine.WorkflowError as error:
        db.session.rollback()
        return _development_page(employee_id, Refusal(error.status, str(error.message), form_name))
    flash(_("The status of “%(title)s” is saved.", title=entry.title), "info")
    return redirect(url_for("appraisals.my_development", _anchor=form_name))


# --- statistics ---------------------------------------------------------------------------------


@bp.get("/appraisals/statistics")
@access.allow("hr", "leader")
def statistics():
    """Completion per unit: interviews held and entries completed, never what was said."""
    user = current_user
    year = _requested_year()
    errors = {}
    if year is None:
        errors["year"] = _("Choose a year between 2000 and 2100.")
        year = _this_year()
    units, figures = stats.completion_by_unit(year)
    if not user.has_role("hr"):
        paths = led_unit_paths(user)
        units = [u for u in units if any(u.path.startswith(p) for p in paths)]
    top = min((u.depth for u in units), default=0)
    rows = [(u, u.depth - top, figures[u.id]) for u in units]
    years = list(range(_this_year() + 1, _this_year() - 6, -1))
    return (
        render_template("appraisals/statistics.html", rows=rows, year=year, years=years, errors=errors),
        422 if errors else 200,
    )


# --- the start page -------------------------------------------------------------------------------


def worklist(user):
    """Start-page items: interviews to prepare or sign for the employee; to hold or sign for the leader."""
    from ..home.worklist import WorkItem
    from ..workflow.models import SignOff

    items = []

    def unsigned(capacity):
        return ~select(SignOff.id).where(
            SignOff.object_type == "appraisal",
            SignOff.object_id == Appraisal.id,
            SignOff.version == Appraisal.version,
            SignOff.capacity == capacity,
        ).exists()

    if user.employee_id:
        mine = db.session.scalars(
            select(Appraisal)
            .where(
                Appraisal.employee_id == user.employee_id,
                or_(Appraisal.state == "scheduled", (Appraisal.state == "held") & unsigned("employee")),
            )
            .order_by(Appraisal.scheduled_for)
            .limit(10)
        ).all()
        for appraisal in mine:
            if appraisal.state == "scheduled":
                items.append(WorkItem(
                    str(_l("Prepare your appraisal interview")),
                    url_for("appraisals.appraisal", appraisal_id=appraisal.id, _anchor="preparation"),
                    str(_l("Scheduled for %(when)s", when=when(appraisal.scheduled_for))),
                ))
            else:
                items.append(WorkItem(
                    str(_l("Read and sign the summary of your appraisal interview")),
                    url_for("appraisals.appraisal", appraisal_id=appraisal.id, _anchor="signoffs"),
                ))
    paths = led_unit_paths(user) if user.has_role("leader") else []
    if paths:
        now = datetime.now(timezone.utc)
        stmt = (
            select(Appraisal)
            .join(Appraisal.employee)
            .join(Employee.unit)
            .options(contains_eager(Appraisal.employee))
            .where(
                # The led units' ids first, so the database starts from their staff (a few
                # rows) rather than from every open appraisal in the municipality (issue 8).
                Employee.unit_id.in_(select(Unit.id).where(under_paths(paths))),
                or_(
                    Appraisal.state.in_(("scheduled", "prepared")) & (Appraisal.scheduled_for < now),
                    (Appraisal.state == "held") & unsigned("leader"),
                ),
            )
            .order_by(Appraisal.scheduled_for)
            .limit(50)
        )
        if user.employee_id:
            stmt = stmt.where(Appraisal.employee_id != user.employee_id)
        for appraisal in db.session.scalars(stmt):
            name = appraisal.employee.full_name
            if appraisal.state == "held":
                items.append(WorkItem(
                    str(_l("Sign the summary of the appraisal interview with %(name)s", name=name)),
                    url_for("appraisals.appraisal", appraisal_id=appraisal.id, _anchor="signoffs"),
                ))
            else:
                items.append(WorkItem(
                    str(_l("Record the appraisal interview with %(name)s", name=name)),
                    url_for("appraisals.appraisal", appraisal_id=appraisal.id, _anchor="steps"),
                    str(_l("Scheduled for %(when)s", when=when(appraisal.scheduled_for))),
                ))
    return items
