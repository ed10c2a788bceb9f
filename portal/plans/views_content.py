"""Pages for a plan's goals, measures, progress notes and evaluation.

The forms send the API's field names to :mod:`.editing`, which checks the
values, the stage and the version; these views only translate between the
HTML form and that dict and show every refusal where a person can act on it:
a field problem next to the field (422), a stale version or a stage that does
not allow the change as a message above the form (409). A refused change
leaves nothing behind: the transaction is rolled back before the page is
shown again.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import access
from ..competence.catalogue import competences_stmt
from ..extensions import db
from ..notify import send_after_commit
from ..org.models import Unit
from ..workflow import engine
from . import bp, editing
from .catalogue import DIRECTION_LABELS, GOAL_KIND_LABELS, MEASURE_KINDS, STATUS_LABELS, STRATEGY_LABELS, VERDICT_LABELS
from .fields import PlanError
from .figures import FIGURES, goal_values, hidden_for, measure_total, suggested_verdict
from .models import GOAL_KINDS
from .pages import load_plan

# Labels of the form fields, shared by the fields and the error summary that links to them.
GOAL_LABELS = {
    "kind": _l("Kind of goal"),
    "title": _l("Goal"),
    "description": _l("Description"),
    "unit_id": _l("Unit"),
    "target_date": _l("Target date"),
    "competence_id": _l("Competence"),
    "min_level": _l("Minimum level"),
    "target_count": _l("Target number of holders"),
    "figure": _l("Workforce figure"),
    "workforce_target_value": _l("Target value"),
    "workforce_direction": _l("The goal is reached at"),
    "manual_target_value": _l("Target value"),
    "manual_value": _l("Current value"),
    "manual_direction": _l("The goal is reached at"),
}
MEASURE_LABELS = {
    "kind": _l("Kind of measure"),
    "strategy": _l("Strategy"),
    "goal_id": _l("Goal"),
    "title": _l("Name of the measure"),
    "description": _l("Plan for carrying it out"),
    "responsible": _l("Responsible"),
    "target_group": _l("Target group"),
    "binding_months": _l("Binding period after paid education (months)"),
    "start": _l("Start"),
    "end": _l("End"),
    "participants": _l("Participants"),
    "cost_per_participant": _l("Cost per participant (NOK)"),
    "cost_nok": _l("Total cost (NOK)"),
    "external_grants": _l("External grants (NOK)"),
    "cost_centre": _l("Cost centre"),
    "evaluation_method": _l("How it will be evaluated"),
    "status": _l("Status"),
}
EVALUATION_LABELS = {
    "verdict": _l("Verdict"),
    "reached_value": _l("Reached value"),
    "comment": _l("Comment"),
}
NOTE_LABELS = {"text": _l("Progress note"), "status": _l("Status")}
MEASURE_FIELDS = tuple(MEASURE_LABELS)
# Goal fields whose form name depends on the kind (the workforce and manual fieldsets both ask for them).
PER_KIND = ("target_value", "direction")


@dataclass
class Refusal:
    """Why a change was not saved: the HTTP status, a message, and problems by form field."""

    status: int
    message: str = ""
    errors: dict = field(default_factory=dict)


# --- helpers for templates ---------------------------------------------------------


@bp.app_template_filter("plan_nok")
def plan_nok(value):
    """An amount in whole kroner with the locale's thousands separator (12 345 in Norwegian)."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0")


@bp.app_template_filter("plan_number")
def plan_number(value):
    """A goal value: thousands separated, at most one decimal, none when whole."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.#")


@bp.app_template_global("plan_measure_total")
def plan_measure_total(measure):
    """A measure's total cost as the budget counts it."""
    return measure_total(measure)


@bp.app_template_global("plan_hidden")
def plan_hidden(goal, value):
    """Whether the current user must see "under 5" instead of ``value`` for ``goal``."""
    return hidden_for(current_user, goal, value)


@bp.app_template_global("plan_content_labels")
def plan_content_labels():
    """The label dictionaries the partials need (kinds, strategies, statuses, verdicts, figures)."""
    return {
        "kinds": {key: label for key, (label, _strategy) in MEASURE_KINDS.items()},
        "strategies": STRATEGY_LABELS,
        "statuses": STATUS_LABELS,
        "verdicts": VERDICT_LABELS,
        "figures": FIGURES,
        "directions": DIRECTION_LABELS,
        "goal_kinds": GOAL_KIND_LABELS,
    }


# --- loading and saving ----------------------------------------------------------


def _plan(plan_id):
    return load_plan(plan_id) or abort(404)


def _goal_of(plan, goal_id):
    """The goal if it belongs to ``plan`` (another plan's goal is not found here)."""
    return next((g for g in plan.goals if g.id == goal_id), None) or abort(404)


def _measure_of(plan, measure_id):
    return next((m for m in plan.measures if m.id == measure_id), None) or abort(404)


def _editable(plan, part):
    return engine.definition_for(plan).editable(plan.state, part)


def _stage(plan):
    return engine.state_title(plan, str(get_locale() or "nb"))


def _sent_version():
    """The version the form was rendered with; ``None`` (refused by the engine) when missing or not a number."""
    raw = request.form.get("version", "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _save(change, names=None):
    """Run ``change`` and commit; on a refusal roll back and say why (``names`` maps domain fields to form fields)."""
    try:
        result = change()
        db.session.commit()
    except PlanError as error:
        db.session.rollback()
        rename = names or (lambda name: name)
        return None, Refusal(422, _("Nothing was saved. Please correct the fields marked below."),
                             {rename(k): str(v) for k, v in error.problems.items()})
    except engine.WorkflowError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        return None, Refusal(error.status, str(error.message))
    send_after_commit()
    return result, None


def _back(plan, anchor):
    return url_for("plans.plan", plan_id=plan.id, _anchor=anchor)


def _form_page(template, plan, part, refusal=None, **context):
    """Render a form page; 409 without the form when the stage does not allow the change."""
    closed = not _editable(plan, part)
    status = refusal.status if refusal else (409 if closed else 200)
    if closed and refusal is None:
        refusal = Refusal(409, _("This cannot be changed at the current stage."))
    return (
        render_template(
            template,
            plan=plan,
            closed=closed,
            refusal=refusal,
            errors=refusal.errors if refusal else {},
            stage=_stage(plan),
            **context,
        ),
        status,
    )


def _refused_page(plan, refusal, title, anchor):
    """The answer to a refused POST that has no form of its own (delete)."""
    return (
        render_template(
            "plans/refused.html", plan=plan, refusal=refusal, title=title, back=_back(plan, anchor), stage=_stage(plan)
        ),
        refusal.status,
    )


def _text(value):
    """A stored value as a form field shows it: dates in ISO, numbers in the locale without grouping."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value, format="0.##")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# --- goals ---------------------------------------------------------------------------


def _goal_form_values(goal):
    values = {name: _text(getattr(goal, name)) for name in (
        "kind", "title", "description", "unit_id", "target_date", "competence_id", "min_level", "target_count",
        "figure", "manual_value")}
    for name in PER_KIND:
        values[f"{goal.kind}_{name}"] = _text(getattr(goal, name))
    return values


def _goal_data(form):
    """The API-shaped goal from the form: the common fields and those of the chosen kind."""
    kind = form.get("kind", "")
    data = {name: form.get(name, "") for name in ("kind", "title", "description", "unit_id", "target_date")}
    if kind == "competence":
        data.update({name: form.get(name, "") for name in ("competence_id", "min_level", "target_count")})
        data["direction"] = "at_least"
    elif kind in ("workforce", "manual"):
        for name in PER_KIND:
            data[name] = form.get(f"{kind}_{name}", "")
        if kind == "workforce":
            data["figure"] = form.get("figure", "")
        else:
            data["manual_value"] = form.get("manual_value", "")
    return data


def _goal_field_name(kind):
    def rename(name):
        return f"{kind}_{name}" if name in PER_KIND and kind in ("workforce", "manual") else name

    return rename


def _unit_choices(plan):
    """Units inside the plan's scope (all of them for a whole-municipality plan), indented by depth."""
    stmt = select(Unit).order_by(Unit.path)
    top = 0
    if plan.scope_unit is not None:
        stmt = stmt.where(Unit.path.startswith(plan.scope_unit.path, autoescape=True))
        top = plan.scope_unit.depth
    return [(str(u.id), "\u2003" * max(0, u.depth - top) + f"{u.name} ({u.code})") for u in db.session.scalars(stmt)]


def _competence_groups():
    """The catalogue as (area, [(id, "name (code)")]) for a select grouped by area."""
    groups = []
    for competence in db.session.scalars(competences_stmt()):
        if not groups or groups[-1][0] != competence.area.name:
            groups.append((competence.area.name, []))
        groups[-1][1].append((str(competence.id), f"{competence.name} ({competence.code})"))
    return groups


def _goal_page(plan, goal, values, refusal=None):
    measured = None
    if goal is not None and goal.kind != "manual":
        measured = goal_values([goal]).get(goal.id)
    return _form_page(
        "plans/goal_form.html",
        plan,
        "goals",
        refusal,
        goal=goal,
        values=values,
        labels=GOAL_LABELS,
        units=_unit_choices(plan),
        competences=_competence_groups(),
        figures=list(FIGURES.items()),
        directions=list(DIRECTION_LABELS.items()),
        kinds=list(GOAL_KIND_LABELS.items()),
        measured=measured,
        measured_hidden=goal is not None and hidden_for(current_user, goal, measured),
    )


@bp.route("/plans/<int:plan_id>/goals/new", methods=["GET", "POST"])
@access.allow("hr")
def new_goal(plan_id):
    """Add a goal: holders of a competence in a unit, a workforce figure, or a manual target."""
    plan = _plan(plan_id)
    if request.method == "GET":
        return _goal_page(plan, None, {"kind": "competence", "min_level": "1", "workforce_direction": "",
                                       "manual_direction": "at_least"})
    values = request.form.to_dict()
    refusal = _kind_refusal(values)
    if refusal is None:
        kind = values["kind"]
        goal, refusal = _save(lambda: editing.add_goal(plan, _goal_data(values), current_user, _sent_version()),
                              _goal_field_name(kind))
    if refusal is None:
        flash(_("The goal “%(title)s” was added.", title=goal.title), "info")
        return redirect(_back(plan, f"goal-{goal.id}"))
    return _goal_page(plan, None, values, refusal)


@bp.route("/plans/<int:plan_id>/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@access.allow("hr")
def edit_goal(plan_id, goal_id):
    """Change a goal while the goals are being defined."""
    plan = _plan(plan_id)
    goal = _goal_of(plan, goal_id)
    if request.method == "GET":
        return _goal_page(plan, goal, _goal_form_values(goal))
    values = request.form.to_dict()
    refusal = _kind_refusal(values)
    if refusal is None:
        _saved, refusal = _save(
            lambda: editing.update_goal(plan, goal, _goal_data(values), current_user, _sent_version()),
            _goal_field_name(values["kind"]),
        )
    if refusal is None:
        flash(_("The goal “%(title)s” was saved.", title=goal.title), "info")
        return redirect(_back(plan, f"goal-{goal.id}"))
    return _goal_page(plan, goal, values, refusal)


def _kind_refusal(values):
    if values.get("kind") in GOAL_KINDS:
        return None
    return Refusal(422, _("Nothing was saved. Please correct the fields marked below."), {"kind": _("Choose one.")})


@bp.route("/plans/<int:plan_id>/goals/<int:goal_id>/delete", methods=["POST"])
@access.allow("hr")
def delete_goal(plan_id, goal_id):
    """Remove a goal; its measures stay in the plan without a goal."""
    plan = _plan(plan_id)
    goal = _goal_of(plan, goal_id)
    title = goal.title
    _done, refusal = _save(lambda: editing.delete_goal(plan, goal, current_user, _sent_version()))
    if refusal is not None:
        return _refused_page(plan, refusal, _("The goal “%(title)s” was not deleted", title=title), "goals")
    flash(_("The goal “%(title)s” was deleted.", title=title), "info")
    return redirect(_back(plan, "goals"))


@bp.route("/plans/<int:plan_id>/goals/<int:goal_id>/evaluate", methods=["GET", "POST"])
@access.allow("hr")
def evaluate_goal(plan_id, goal_id):
    """Judge a goal: the value measured now beside the target, a verdict and a comment."""
    plan = _plan(plan_id)
    goal = _goal_of(plan, goal_id)
    refusal = None
    if request.method == "POST":
        values = request.form.to_dict()
        data = {name: values.get(name, "") for name in ("verdict", "comment", "reached_value")}
        _saved, refusal = _save(lambda: editing.evaluate_goal(plan, goal, data, current_user, _sent_version()))
        if refusal is None:
            flash(_("The evaluation of “%(title)s” was saved.", title=goal.title), "info")
            return redirect(_back(plan, "evaluation"))
    measured = goal_values([goal]).get(goal.id)
    asks_value = goal.kind == "manual" or measured is None
    suggested = suggested_verdict(goal, goal.manual_value if goal.kind == "manual" else measured)
    if request.method == "GET":
        values = {
            "verdict": goal.verdict or suggested or "",
            "comment": goal.evaluation_comment or "",
            "reached_value": _text(goal.reached_value if goal.reached_value is not None else goal.manual_value)
            if asks_value else "",
        }
    return _form_page(
        "plans/evaluate.html",
        plan,
        "evaluation",
        refusal,
        goal=goal,
        values=values,
        labels=EVALUATION_LABELS,
        measured=measured,
        asks_value=asks_value,
        suggested=suggested,
        verdicts=list(VERDICT_LABELS.items()),
    )


# --- measures ----------------------------------------------------------------------


def _measure_form_values(measure):
    return {name: _text(getattr(measure, name)) for name in MEASURE_FIELDS}


def _measure_data(form):
    return {name: form.get(name, "") for name in MEASURE_FIELDS}


def _measure_page(plan, measure, values, refusal=None):
    kinds = [
        (key, _("%(kind)s (usually: %(strategy)s)", kind=label, strategy=str(STRATEGY_LABELS[strategy]).lower()))
        for key, (label, strategy) in MEASURE_KINDS.items()
    ]
    return _form_page(
        "plans/measure_form.html",
        plan,
        "measures",
        refusal,
        measure=measure,
        values=values,
        labels=MEASURE_LABELS,
        kinds=kinds,
        strategies=list(STRATEGY_LABELS.items()),
        statuses=list(STATUS_LABELS.items()),
        goals=[(str(g.id), g.title) for g in plan.goals],
        total=measure_total(measure) if measure is not None else None,
    )


@bp.route("/plans/<int:plan_id>/measures/new", methods=["GET", "POST"])
@access.allow("hr")
def new_measure(plan_id):
    """Add a measure toward a goal; ``?goal_id=`` preselects the goal."""
    plan = _plan(plan_id)
    if request.method == "GET":
        goal_id = request.args.get("goal_id", "")
        goal_id = goal_id if any(str(g.id) == goal_id for g in plan.goals) else ""
        return _measure_page(plan, None, {"status": "planned", "goal_id": goal_id, "kind": ""})
    values = request.form.to_dict()
    measure, refusal = _save(lambda: editing.add_measure(plan, _measure_data(values), current_user, _sent_version()))
    if refusal is None:
        flash(_("The measure “%(title)s” was added.", title=measure.title), "info")
        return redirect(_back(plan, f"measure-{measure.id}"))
    return _measure_page(plan, None, values, refusal)


@bp.route("/plans/<int:plan_id>/measures/<int:measure_id>/edit", methods=["GET", "POST"])
@access.allow("hr")
def edit_measure(plan_id, measure_id):
    """Change a measure while measures are being chosen and carried out."""
    plan = _plan(plan_id)
    measure = _measure_of(plan, measure_id)
    if request.method == "GET":
        return _measure_page(plan, measure, _measure_form_values(measure))
    values = request.form.to_dict()
    _saved, refusal = _save(
        lambda: editing.update_measure(plan, measure, _measure_data(values), current_user, _sent_version())
    )
    if refusal is None:
        flash(_("The measure “%(title)s” was saved.", title=measure.title), "info")
        return redirect(_back(plan, f"measure-{measure.id}"))
    return _measure_page(plan, measure, values, refusal)


@bp.route("/plans/<int:plan_id>/measures/<int:measure_id>/delete", methods=["POST"])
@access.allow("hr")
def delete_measure(plan_id, measure_id):
    """Remove a measure and its progress notes."""
    plan = _plan(plan_id)
    measure = _measure_of(plan, measure_id)
    title = measure.title
    _done, refusal = _save(lambda: editing.delete_measure(plan, measure, current_user, _sent_version()))
    if refusal is not None:
        return _refused_page(plan, refusal, _("The measure “%(title)s” was not deleted", title=title), "measures")
    flash(_("The measure “%(title)s” was deleted.", title=title), "info")
    return redirect(_back(plan, "measures"))


@bp.route("/plans/<int:plan_id>/measures/<int:measure_id>/notes", methods=["GET", "POST"])
@access.allow("hr", "leader")
def add_note(plan_id, measure_id):
    """Follow a measure up: a progress note, a new status, or both, while it is carried out or evaluated.

    The plan page holds the same form; this page shows it again with the
    problem when something was refused.
    """
    plan = _plan(plan_id)
    measure = _measure_of(plan, measure_id)
    refusal = None
    values = {"text": "", "status": measure.status}
    if request.method == "POST":
        values = request.form.to_dict()
        _saved, refusal = _save(lambda: _follow_up(plan, measure, values))
        if refusal is None:
            flash(_("The follow-up of “%(title)s” was saved.", title=measure.title), "info")
            return redirect(_back(plan, f"measure-{measure.id}"))
    return _form_page(
        "plans/note_form.html",
        plan,
        "progress",
        refusal,
        measure=measure,
        values=values,
        labels=NOTE_LABELS,
        statuses=list(STATUS_LABELS.items()),
    )


def _follow_up(plan, measure, values):
    """Change the status and/or add a note in one transaction (each raises the version)."""
    text = values.get("text", "").strip()
    status = values.get("status", "")
    version = _sent_version()
    changed = bool(status) and status != measure.status
    if not changed and not text:
        raise PlanError({"text": _l("Write a note or choose a new status.")})
    if changed:
        editing.update_measure(plan, measure, {"status": status}, current_user, version)
        version = plan.version
    if text:
        editing.add_note(plan, measure, text, current_user, version)
