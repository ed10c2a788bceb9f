"""Plan pages: the list, the new/edit form, the plan page with its sign-offs, steps and history.

Thin views: :mod:`.editing` checks and stores the plan, the workflow engine
decides who may sign or fire what (its errors become the page's 403/409/422),
:mod:`.pages` supplies the goals, measures and budget the content partials
show. Every failed POST rolls back and answers with the page again, the
message next to the field, and a 4xx status; nothing is half-written.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, get_locale, to_user_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import access
from ..competence.gaps import requirement_gaps
from ..competence.workforce import Scope, shown_figures, workforce
from ..extensions import db
from ..figure_cache import cached
from ..notify import send_after_commit
from ..org.models import Unit
from ..org.visibility import led_unit_paths
from ..pagination import paginate, requested_page
from ..workflow import engine
from ..workflow.definition import title_in
from ..workflow.models import SignOff
from . import bp, editing, pages, queries
from .catalogue import FIELD_LABELS, PLATFORM_QUESTIONS, VERDICT_LABELS, WORKING_GROUP_LABELS
from .fields import PlanError
from .forms import PlanForm
from .models import Goal, Measure, Plan

PER_PAGE = 25
HORIZON = 5
SEARCH_MAX = 100
TURNOVER_SHOWN = 8
WHOLE = "whole"

# Labels for the fields of goals and measures named in "what changed" sentences;
# the plan's own fields come from catalogue.FIELD_LABELS.
CHANGE_FIELD_LABELS = {
    "kind": _l("Kind"),
    "unit_id": _l("Unit"),
    "competence_id": _l("Competence"),
    "min_level": _l("Minimum level"),
    "target_count": _l("Target number of holders"),
    "figure": _l("Workforce figure"),
    "target_value": _l("Target value"),
    "direction": _l("Direction"),
    "manual_value": _l("Current value"),
    "target_date": _l("Target date"),
    "description": _l("Description"),
    "strategy": _l("Strategy"),
    "goal_id": _l("Goal"),
    "responsible": _l("Responsible"),
    "target_group": _l("Target group"),
    "binding_months": _l("Binding period"),
    "participants": _l("Participants"),
    "cost_per_participant": _l("Cost per participant"),
    "cost_nok": _l("Total cost"),
    "external_grants": _l("External grants"),
    "cost_centre": _l("Cost centre"),
    "evaluation_method": _l("How it will be evaluated"),
    "start": _l("Start"),
    "end": _l("End"),
    "status": _l("Status"),
}


def _locale():
    return str(get_locale() or "nb")


def _definition():
    return engine.definitions()["competence_plan"]


def state_title(state, locale=None):
    """A state's title from the definition in the reader's language (the raw name if it is gone)."""
    states = _definition().states
    return title_in(states[state].title, locale or _locale()) if state in states else state


# --- the list ------------------------------------------------------------------------


@dataclass
class PlanRow:
    """One line of the plan list."""

    plan: Plan
    stage: str
    goals: int
    measures: int
    waiting: list  # capacity titles whose approval of the current version is missing


@bp.get("/plans")
@access.allow()
def plans():
    """Every plan, newest first, filtered by stage, scope and title; counts in a fixed number of queries."""
    definition = _definition()
    errors = {}
    state = request.args.get("state", "")
    if state and state not in definition.states:
        errors["state"] = _("Choose a stage from the list.")
    raw_scope = request.args.get("scope", "").strip()
    search = request.args.get("q", "").strip()
    if len(search) > SEARCH_MAX:
        errors["q"] = _("At most %(max)d characters.", max=SEARCH_MAX)
    units = db.session.scalars(select(Unit).order_by(Unit.path)).all()
    scope_unit_id = None
    if raw_scope and raw_scope != WHOLE:
        scope_unit_id = next((u.id for u in units if str(u.id) == raw_scope), None)
        if scope_unit_id is None:
            errors["scope"] = _("Choose a scope from the list.")
    context = {
        "units": units,
        "states": [(name, title_in(s.title, _locale())) for name, s in definition.states.items()],
        "counts": queries.state_counts(),
        "chosen": {"state": state, "scope": raw_scope, "q": search},
        "errors": errors,
        "whole": WHOLE,
    }
    if errors:
        return render_template("plans/plans.html", page=None, rows=[], **context), 422
    stmt = queries.plans_stmt(state or None, scope_unit_id, search or None)
    if raw_scope == WHOLE:
        stmt = stmt.where(Plan.scope_unit_id.is_(None))
    page = paginate(stmt.options(selectinload(Plan.scope_unit)), requested_page(), PER_PAGE)
    return render_template("plans/plans.html", page=page, rows=_rows(page.items, definition), **context)


def _rows(plans, definition):
    """The list's lines: goal and measure counts and missing approvals, three grouped queries for the page."""
    ids = [p.id for p in plans]
    if not ids:
        return []
    goals = _count_by_plan(Goal.plan_id, ids)
    measures = _count_by_plan(Measure.plan_id, ids)
    approved = {}
    for plan_id, capacity in db.session.execute(
        select(SignOff.object_id, SignOff.capacity)
        .join(Plan, Plan.id == SignOff.object_id)
        .where(
            SignOff.object_type == "plan",
            SignOff.object_id.in_(ids),
            SignOff.version == Plan.version,
            SignOff.decision == "approve",
        )
    ):
        approved.setdefault(plan_id, set()).add(capacity)
    rows = []
    for plan in plans:
        needed = definition.capacities_at(plan.state) if plan.state in definition.states else ()
        missing = [str(engine.CAPACITY_TITLES.get(c, c)) for c in needed if c not in approved.get(plan.id, set())]
        rows.append(PlanRow(plan, state_title(plan.state), goals.get(plan.id, 0), measures.get(plan.id, 0), missing))
    return rows


def _count_by_plan(column, ids):
    return dict(db.session.execute(select(column, func.count()).where(column.in_(ids)).group_by(column)).all())


# --- new and edit ------------------------------------------------------------------


def _units():
    return db.session.scalars(select(Unit).order_by(Unit.path)).all()


@bp.route("/plans/new", methods=["GET", "POST"])
@access.allow("hr")
def new_plan():
    """Start a plan in the purpose stage: title, scope, period, mandate, purpose, platform, working group."""
    if request.method == "GET":
        return render_template("plans/new.html", form=PlanForm.empty(), units=_units())
    form = PlanForm.from_request(request.form)
    try:
        plan = editing.create_plan(form.data(), current_user)
        db.session.commit()
    except PlanError as error:
        db.session.rollback()
        form.take_problems(error.problems)
        return render_template("plans/new.html", form=form, units=_units()), 422
    send_after_commit()
    flash(_("The plan \"%(title)s\" is created. The next step is to agree on its purpose.", title=plan.title), "info")
    return redirect(url_for("plans.plan", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>/edit", methods=["GET", "POST"])
@access.allow("hr")
def edit_plan(plan_id):
    """Change the plan's own fields while its purpose is being agreed (approvals given so far lapse)."""
    plan = _plan_or_404(plan_id)
    if not engine.definition_for(plan).editable(plan.state, "plan"):
        message = _("The plan's title, scope and purpose can only be changed while its purpose is being agreed.")
        return render_template("plans/edit.html", plan=plan, form=None, units=[], message=message), 409
    if request.method == "GET":
        return render_template("plans/edit.html", plan=plan, form=PlanForm.from_plan(plan), units=_units())
    form = PlanForm.from_request(request.form)
    try:
        changed = editing.update_plan(plan, form.data(), current_user, form.version)
        db.session.commit()
    except PlanError as error:
        db.session.rollback()
        form.take_problems(error.problems)
        return render_template("plans/edit.html", plan=_plan_or_404(plan_id), form=form, units=_units()), 422
    except engine.WorkflowError as error:
        db.session.rollback()
        plan = _plan_or_404(plan_id)
        page = render_template("plans/edit.html", plan=plan, form=form, units=_units(), message=error.message)
        return page, error.status
    send_after_commit()
    if changed:
        flash(_("The plan is saved. Approvals given for the earlier version no longer count."), "info")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("plans.plan", plan_id=plan.id))


# --- the plan page -------------------------------------------------------------------


def _plan_or_404(plan_id):
    plan = pages.load_plan(plan_id)
    if plan is None:
        abort(404)
    return plan


@bp.get("/plans/<int:plan_id>")
@access.allow()
def plan(plan_id):
    """The plan: stage timeline, purpose with live figures, content, sign-offs, steps and history."""
    return render_plan(_plan_or_404(plan_id))


def render_plan(plan, message=None, code=200, sign_error=None, step_error=None):
    """The plan page for the current user; after a refused POST, with ``message`` and the status ``code``.

    ``sign_error`` / ``step_error``: (capacity or transition name, message, field)
    of a refused form, shown next to that form with what the user typed.
    """
    user, locale = current_user, _locale()
    definition = engine.definition_for(plan)
    status = engine.status(plan, user)
    context = {
        "plan": plan,
        "status": status,
        "stage": state_title(plan.state, locale),
        "timeline": _timeline(definition, plan.state, locale),
        "purpose": purpose_figures(plan, user),
        "questions": PLATFORM_QUESTIONS,
        "group_roles": WORKING_GROUP_LABELS,
        "steps": _steps(status, locale),
        "history": history_rows(plan, definition, locale),
        "describe": describe_change,
        "when": when,
        "may_edit_plan": user.has_role("hr") and definition.editable(plan.state, "plan"),
        "message": message,
        "sign_error": sign_error,
        "step_error": step_error,
        "entered": request.form if request.method == "POST" else {},
        "version": plan.version,
        **pages.content(plan, user),
    }
    return render_template("plans/plan.html", **context), code


@dataclass
class Stage:
    """One stage in the timeline."""

    name: str
    title: str
    position: str  # done / current / upcoming


def _timeline(definition, current, locale):
    names = list(definition.states)
    at = names.index(current) if current in names else -1
    return [
        Stage(name, title_in(definition.states[name].title, locale),
              "done" if i < at else "current" if i == at else "upcoming")
        for i, name in enumerate(names)
    ]


@dataclass
class Step:
    """A transition out of the current stage, as the steps panel shows it."""

    name: str
    title: str
    to: str
    problems: list
    may_fire: bool
    comment_required: bool

    @property
    def ready(self):
        return self.may_fire and not self.problems


def _steps(status, locale):
    return [
        Step(t.name, title_in(t.title, locale), state_title(t.dest, locale), [str(p) for p in problems],
             allowed, t.comment_required)
        for t, problems, allowed in status.transitions
    ]


# --- the purpose section's live figures ----------------------------------------------


def sees_scope_in_detail(user, plan):
    """hr, and leaders of (a unit inside) the plan's scope, see small groups; everyone else aggregates.

    The same rule as the workforce page: a leader of another unit sees no
    more detail here than a politician does.
    """
    if user.has_role("hr"):
        return True
    if plan.scope_unit is None or not user.has_role("leader"):
        return False
    return any(plan.scope_unit.path.startswith(p) for p in led_unit_paths(user))


def purpose_figures(plan, user):
    """Workforce figures for the plan's scope now and five years ahead, as ``user`` may see them.

    The gap totals are shown only to detailed viewers: a sum of gaps next to
    the public requirements could give away how many hold a competence in a
    small group. Aggregate viewers get the gaps page, which hides those cells.
    """
    from ..competence.views_workforce import band_label

    path = plan.scope_unit.path if plan.scope_unit else None
    detailed = sees_scope_in_detail(user, plan)
    raw = cached(("plan_workforce", path, HORIZON, date.today()),
                 lambda: workforce(Scope(unit_paths=(path,)) if path else Scope(), horizon_years=HORIZON))
    figures = shown_figures(raw, detailed)
    last_year = raw.turnover_years[-1]
    turnover = [r for r in figures["turnover"] if r["year"] == last_year and r["headcount"] != 0]
    turnover.sort(key=lambda r: (r["rate"] is None, -(r["rate"] or 0), r["profession"]))
    gaps = None
    if detailed:
        gaps = cached(("plan_gaps", path, HORIZON, date.today()), lambda: _gap_totals(path))
    wide = user.has_role("hr", "politician", "representative") or (detailed and user.has_role("leader"))
    args = {"unit_id": plan.scope_unit_id} if plan.scope_unit_id else {}
    return {
        "detailed": detailed,
        "figures": figures,
        "gaps_link": url_for("competence.gaps", horizon_years=HORIZON, **args) if wide else None,
        "workforce_link": url_for("competence.workforce_page", horizon_years=HORIZON, **args) if wide else None,
        "bands": [(band_label(b), b["count"]) for b in figures["age_bands"]],
        "until": raw.years[-1],
        "turnover": turnover[:TURNOVER_SHOWN],
        "turnover_year": last_year,
        "gaps": gaps,
        "today": raw.today,
    }


def _gap_totals(path):
    """How many requirements under ``path`` (all when None), and their gaps added up, now and at the horizon."""
    rows = _gaps_under(path)
    return {
        "requirements": len(rows),
        "now": sum(r.gap_now for r in rows),
        "horizon": sum(r.gap_at_horizon for r in rows),
    }


def _gaps_under(path):
    """Gap rows for requirements on units under ``path`` (all when None).

    Computed for the whole municipality and then narrowed: on SQLite the
    aggregate restricted to one large subtree is planned badly (3 s instead of
    0.3 s at 50,000 employees; see issue 8), while the full one is quick on
    both databases.
    """
    rows = requirement_gaps(None, HORIZON)
    if path is None:
        return rows
    inside = set(db.session.scalars(select(Unit.id).where(Unit.path.startswith(path, autoescape=True))))
    return [r for r in rows if r.unit_id in inside]


# --- history and what changed ----------------------------------------------------------


def _labels(names):
    return ", ".join(str(FIELD_LABELS.get(n) or CHANGE_FIELD_LABELS.get(n) or n) for n in names or [])


def describe_change(change):
    """One sentence, in the reader's language, for a change the engine noted in the history."""
    what, action = change.get("what"), change.get("action")
    title, fields = change.get("title", ""), _labels(change.get("fields"))
    if what == "plan":
        return _("The plan itself changed: %(fields)s", fields=fields)
    if what == "goal":
        if action == "added":
            return _("Goal added: \"%(title)s\"", title=title)
        if action == "removed":
            return _("Goal removed: \"%(title)s\"", title=title)
        return _("Goal \"%(title)s\" changed: %(fields)s", title=title, fields=fields)
    if what == "measure":
        if action == "added":
            return _("Measure added: \"%(title)s\"", title=title)
        if action == "removed":
            return _("Measure removed: \"%(title)s\"", title=title)
        return _("Measure \"%(title)s\" changed: %(fields)s", title=title, fields=fields)
    if what == "evaluation":
        verdict = VERDICT_LABELS.get(change.get("verdict"), change.get("verdict") or "")
        return _("Goal \"%(title)s\" evaluated: %(verdict)s", title=title, verdict=verdict)
    if what == "note":
        return _("Progress note on the measure \"%(title)s\"", title=title)
    return _("Other change")


def when(moment):
    """A stored time as the reader writes it, in Norwegian local time."""
    return format_datetime(moment, "short") if moment else ""


def iso(moment):
    """A stored time in ISO 8601 with the Europe/Oslo offset (for <time datetime>)."""
    return to_user_timezone(moment).isoformat(timespec="seconds") if moment else ""


@dataclass
class HistoryRow:
    """One step in the plan's life as the history table shows it."""

    at: datetime
    iso: str
    when: str
    who: str
    what: str
    details: list = field(default_factory=list)
    stages: str = ""
    version: int = 0
    comment: str = ""


def history_rows(plan, definition, locale):
    """Every recorded step, oldest first, in words."""
    rows = []
    for entry in engine.history(plan):
        kind = entry.kind
        details = []
        if kind == "create":
            what = _("Plan created")
        elif kind == "transition":
            step = definition.transition(entry.transition, entry.from_state) if entry.from_state else None
            what = title_in(step.title, locale) if step else entry.transition
        elif kind == "signoff":
            decision, _sep, capacity = entry.transition.partition(":")
            who = str(engine.CAPACITY_TITLES.get(capacity, capacity)).lower()
            what = _("Approved on behalf of %(capacity)s", capacity=who) if decision == "approve" else _(
                "Rejected on behalf of %(capacity)s", capacity=who
            )
        else:
            what = _("Changed")
            details = [describe_change(c) for c in entry.changes or []]
        to = state_title(entry.to_state, locale)
        moved = entry.from_state and entry.from_state != entry.to_state
        stages = f"{state_title(entry.from_state, locale)} → {to}" if moved else to
        rows.append(
            HistoryRow(entry.at, iso(entry.at), when(entry.at), entry.username, what, details, stages,
                       entry.version, entry.comment or "")
        )
    return rows


# --- signing and taking steps ---------------------------------------------------------


def _posted_version():
    raw = request.form.get("version", "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


@bp.post("/plans/<int:plan_id>/signoffs")
@access.allow()
def sign(plan_id):
    """Approve or reject the plan's current version in a capacity; the engine checks who may."""
    plan = _plan_or_404(plan_id)
    capacity = request.form.get("capacity", "")
    decision = request.form.get("decision", "")
    try:
        engine.sign(plan, current_user, capacity, decision, request.form.get("comment", "").strip(), _posted_version())
        db.session.commit()
    except engine.WorkflowError as error:
        db.session.rollback()
        plan = _plan_or_404(plan_id)
        return render_plan(plan, error.message, error.status, sign_error=(capacity, error.message, error.field))
    send_after_commit()
    who, version = str(engine.CAPACITY_TITLES.get(capacity, capacity)).lower(), plan.version
    if decision == "approve":
        flash(_("You approved version %(version)d on behalf of %(capacity)s.", version=version, capacity=who), "info")
    else:
        flash(_("You rejected version %(version)d on behalf of %(capacity)s.", version=version, capacity=who), "info")
    return redirect(url_for("plans.plan", plan_id=plan.id, _anchor="signoffs"))


@bp.post("/plans/<int:plan_id>/transitions/<name>")
@access.allow()
def fire(plan_id, name):
    """Take a step (transition); ``new_cycle`` leads to the successor plan it starts."""
    plan = _plan_or_404(plan_id)
    try:
        made = engine.fire(plan, current_user, name, request.form.get("comment", "").strip(), _posted_version())
        db.session.commit()
    except engine.WorkflowError as error:
        db.session.rollback()
        plan = _plan_or_404(plan_id)
        return render_plan(plan, error.message, error.status, step_error=(name, error.message, error.field))
    send_after_commit()
    if isinstance(made, Plan):
        flash(_("A new cycle has started: this is the new plan. Goals not reached are carried over."), "info")
        return redirect(url_for("plans.plan", plan_id=made.id))
    flash(_("Done. The plan is now at the stage \"%(stage)s\".", stage=state_title(plan.state)), "info")
    return redirect(url_for("plans.plan", plan_id=plan.id))
