"""API endpoints for competence plans: the plan, its goals and measures, sign-offs and steps.

Thin on purpose: every rule lives in ``plans.editing`` (what may be changed,
and how input is checked) and ``workflow.engine`` (who may sign or fire what,
on which version). This module reads the JSON, hands it over, commits, and
turns a refusal into the contract's error: a :class:`~portal.workflow.engine.WorkflowError`
keeps its own status (403/404/409/422), a :class:`~portal.plans.fields.PlanError`
is a 422 naming each field. Every refusal rolls the transaction back, so a
refused request leaves nothing behind. Messages are rendered in English.

``version`` (in the body, or an ``If-Match`` header) is the plan version the
caller read; when it is left out the current one is used, as the contract's
examples omit it. Plan answers carry ``ETag: "<version>"``.
"""
from flask import jsonify, request, url_for
from flask_babel import force_locale
from sqlalchemy import select

from .. import access
from ..access import current_principal
from ..extensions import db
from ..org.models import Unit
from ..pagination import paginate
from ..plans import editing
from ..plans.fields import Reader
from ..plans.figures import budget, goal_values, hidden_for, measure_total, progress, suggested_verdict
from ..plans.models import PLATFORM_KEYS, Plan
from ..plans.pages import live_values, load_plan
from ..plans.queries import plans_stmt
from ..workflow import engine
from ..workflow.definition import title_in
from ..workflow.models import DECISIONS
from . import bp
from .changes import history_json, signoff_json
from .changes import body as _body
from .changes import change as _change
from .changes import version_read as _version
from .changes import with_etag as _with_etag
from .errors import ApiError
from .params import ID, id_arg, page_args
from .serialize import iso

COMMENT_MAX = engine.COMMENT_MAX
SEARCH_MAX = 200


# --- reading the request ------------------------------------------------------------


def _plan_or_404(plan_id):
    plan = load_plan(plan_id)
    if plan is None:
        raise ApiError(404, "There is no such plan.")
    return plan


def _goal_or_404(plan, goal_id):
    goal = next((g for g in plan.goals if g.id == goal_id), None)
    if goal is None:
        raise ApiError(404, "The plan has no such goal.")
    return goal


def _measure_or_404(plan, measure_id):
    measure = next((m for m in plan.measures if m.id == measure_id), None)
    if measure is None:
        raise ApiError(404, "The plan has no such measure.")
    return measure


# --- shaping the answers ------------------------------------------------------------------


def _number(value):
    """Decimals as JSON numbers: whole ones as integers, others as floats."""
    if value is None or isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def plan_summary_json(plan):
    """A plan in a list: only its own columns, so a page of plans costs no query per row."""
    return {
        "id": plan.id,
        "title": plan.title,
        "state": plan.state,
        "version": plan.version,
        "scope_unit_id": plan.scope_unit_id,
        "period_start": iso(plan.period_start),
        "period_end": iso(plan.period_end),
        "predecessor_id": plan.predecessor_id,
    }


def goal_json(goal, value, user):
    """A goal with its live value; values about fewer than five people are withheld from aggregate-only readers."""
    hidden = hidden_for(user, goal, value)
    baseline_hidden = hidden_for(user, goal, goal.baseline_value)
    evaluation = None
    if goal.verdict:
        reached_hidden = hidden_for(user, goal, goal.reached_value)
        evaluation = {
            "verdict": goal.verdict,
            "reached_value": None if reached_hidden else _number(goal.reached_value),
            "reached_value_hidden": reached_hidden,
            "comment": goal.evaluation_comment or "",
            "at": iso(goal.evaluated_at),
        }
    return {
        "id": goal.id,
        "title": goal.title,
        "kind": goal.kind,
        "unit_id": goal.unit_id,
        "competence_id": goal.competence_id,
        "min_level": goal.min_level,
        "target_count": goal.target_count,
        "figure": goal.figure,
        "target_value": _number(goal.target_value),
        "direction": goal.direction,
        "manual_value": _number(goal.manual_value),
        "target_date": iso(goal.target_date),
        "description": goal.description or "",
        "baseline_value": None if baseline_hidden else _number(goal.baseline_value),
        "current_value": None if hidden else _number(value),
        "current_value_hidden": hidden,
        "progress": None if hidden else progress(goal, value),
        "suggested_verdict": None if hidden else suggested_verdict(goal, value),
        "evaluation": evaluation,
        "carried_from_id": goal.carried_from_id,
    }


def note_json(note):
    return {"id": note.id, "text": note.text, "username": note.username, "at": iso(note.at)}


def measure_json(measure):
    """A measure; ``cost_nok`` is its total (as entered, else per participant × participants)."""
    return {
        "id": measure.id,
        "goal_id": measure.goal_id,
        "kind": measure.kind,
        "strategy": measure.strategy,
        "title": measure.title,
        "description": measure.description or "",
        "responsible": measure.responsible or "",
        "target_group": measure.target_group or "",
        "binding_months": measure.binding_months,
        "start": iso(measure.start),
        "end": iso(measure.end),
        "participants": measure.participants,
        "cost_per_participant": _number(measure.cost_per_participant),
        "cost_nok": _number(measure_total(measure)),
        "external_grants": _number(measure.external_grants),
        "cost_centre": measure.cost_centre or "",
        "evaluation_method": measure.evaluation_method or "",
        "status": measure.status,
        "notes": [note_json(n) for n in measure.notes],
    }


def budget_json(plan):
    totals = budget(plan.measures)
    return {
        "total": _number(totals["total"]),
        "grants": _number(totals["grants"]),
        "net": _number(totals["net"]),
        "per_year": [{"year": year, "amount": _number(amount)} for year, amount in totals["per_year"].items()],
    }


def plan_json(plan, user):
    """The whole plan as ``user`` sees it, in a fixed number of queries (``plan`` from :func:`load_plan`)."""
    with force_locale("en"):
        status = engine.status(plan, user)
        values = live_values(plan.goals)
        steps = [
            {
                "name": t.name,
                "title": title_in(t.title, "en"),
                "to_state": t.dest,
                "may_fire": allowed,
                "blockers": [str(p) for p in problems],
            }
            for t, problems, allowed in status.transitions
        ]
        successor_id = db.session.scalar(select(Plan.id).where(Plan.predecessor_id == plan.id))
        return {
            "id": plan.id,
            "title": plan.title,
            "scope_unit_id": plan.scope_unit_id,
            "period_start": iso(plan.period_start),
            "period_end": iso(plan.period_end),
            "mandate": plan.mandate or "",
            "purpose": plan.purpose or "",
            "platform": {key: (plan.platform or {}).get(key, "") for key in PLATFORM_KEYS},
            "working_group": list(plan.working_group or []),
            "predecessor_id": plan.predecessor_id,
            "successor_id": successor_id,
            "created_at": iso(plan.created_at),
            "state": plan.state,
            "state_title": engine.state_title(plan, "en"),
            "version": plan.version,
            "allowed_transitions": status.allowed_transitions,
            "required_signoffs": status.required_signoffs,
            "may_sign": status.may_sign,
            "steps": steps,
            "signoffs": [signoff_json(s) for s in engine.all_signoffs(plan)],
            "history": [history_json(h) for h in engine.history(plan)],
            "goals": [goal_json(g, values.get(g.id), user) for g in plan.goals],
            "measures": [measure_json(m) for m in plan.measures],
            "budget": budget_json(plan),
        }


def _plan_response(plan_id, status=200, location=False):
    db.session.expire_all()
    plan = load_plan(plan_id)
    response = jsonify(plan_json(plan, current_principal()))
    response.status_code = status
    if location:
        response.headers["Location"] = url_for("api.plan", plan_id=plan.id)
    return _with_etag(response, plan.version)


# --- plans ----------------------------------------------------------------------------


@bp.get("/plans")
@access.allow()
def plans():
    """Plans, newest first: every logged-in user may read them (they are public planning documents)."""
    page, per_page = page_args()
    state = request.args.get("state") or None
    states = engine.definitions()["competence_plan"].states
    if state is not None and state not in states:
        raise ApiError(422, "state must be one of " + ", ".join(states), {"state": "unknown state"})
    scope_unit_id = id_arg("scope_unit_id")
    if scope_unit_id is not None and db.session.get(Unit, scope_unit_id) is None:
        raise ApiError(422, "scope_unit_id names no unit", {"scope_unit_id": "unknown unit"})
    search = (request.args.get("q") or "").strip()[:SEARCH_MAX] or None
    if search and "\x00" in search:
        raise ApiError(422, "q must not contain NUL characters", {"q": "must not contain NUL characters"})
    found = paginate(plans_stmt(state=state, scope_unit_id=scope_unit_id, search=search), page, per_page)
    return jsonify(
        {
            "items": [plan_summary_json(p) for p in found.items],
            "total": found.total,
            "page": found.page,
            "per_page": found.per_page,
        }
    )


@bp.post("/plans")
@access.allow("hr")
def create_plan():
    """Start a plan in the purpose stage (hr)."""
    data = _body()
    with _change():
        plan = editing.create_plan(data, current_principal())
    return _plan_response(plan.id, 201, location=True)


@bp.get(f"/plans/<{ID}:plan_id>")
@access.allow()
def plan(plan_id):
    """The whole plan with its workflow, goals (live values), measures and budget."""
    row = _plan_or_404(plan_id)
    response = jsonify(plan_json(row, current_principal()))
    return _with_etag(response, row.version)


@bp.patch(f"/plans/<{ID}:plan_id>")
@access.allow("hr")
def update_plan(plan_id):
    """Change the plan's own fields (purpose stage; hr)."""
    row = _plan_or_404(plan_id)
    data = _body()
    with _change():
        editing.update_plan(row, data, current_principal(), _version(data, row))
    return _plan_response(plan_id)


@bp.post(f"/plans/<{ID}:plan_id>/signoffs")
@access.allow()
def sign_plan(plan_id):
    """Approve or reject the current version in a capacity the caller holds (the engine decides who may)."""
    row = _plan_or_404(plan_id)
    data = _body()
    reader = Reader(data)
    capacity = reader.choice("capacity", tuple(engine.adapter_for(row).capacities), required=True)
    decision = reader.choice("decision", DECISIONS, required=True)
    comment = reader.text("comment", COMMENT_MAX)
    with _change():
        reader.fail_if_any()
        engine.sign(row, current_principal(), capacity, decision, comment, _version(data, row))
    return _plan_response(plan_id, 201)


@bp.post(f"/plans/<{ID}:plan_id>/transitions/<name>")
@access.allow()
def fire_transition(plan_id, name):
    """Take a workflow step; ``new_cycle`` answers 201 with the new plan it started."""
    row = _plan_or_404(plan_id)
    data = _body(required=False)
    reader = Reader(data)
    comment = reader.text("comment", COMMENT_MAX)
    with _change():
        reader.fail_if_any()
        made = engine.fire(row, current_principal(), name, comment, _version(data, row))
        made_id = made.id if isinstance(made, Plan) else None
    if made_id is not None:
        return _plan_response(made_id, 201, location=True)
    return _plan_response(plan_id)


# --- goals ----------------------------------------------------------------------------------


def _goal_response(plan_id, goal_id, status=200):
    db.session.expire_all()
    row = load_plan(plan_id)
    goal = _goal_or_404(row, goal_id)
    value = goal_values([goal]).get(goal.id)
    response = jsonify(goal_json(goal, value, current_principal()))
    response.status_code = status
    return _with_etag(response, row.version)


@bp.post(f"/plans/<{ID}:plan_id>/goals")
@access.allow("hr")
def add_goal(plan_id):
    """Add a goal (goals stage; hr)."""
    row = _plan_or_404(plan_id)
    data = _body()
    with _change():
        goal = editing.add_goal(row, data, current_principal(), _version(data, row))
        goal_id = goal.id
    return _goal_response(plan_id, goal_id, 201)


@bp.patch(f"/plans/<{ID}:plan_id>/goals/<{ID}:goal_id>")
@access.allow("hr")
def update_goal(plan_id, goal_id):
    """Change a goal (goals stage), or evaluate it with ``{"evaluation": {...}}`` (evaluation stage; hr)."""
    row = _plan_or_404(plan_id)
    goal = _goal_or_404(row, goal_id)
    data = _body()
    with _change():
        editing.update_goal(row, goal, data, current_principal(), _version(data, row))
    return _goal_response(plan_id, goal_id)


@bp.delete(f"/plans/<{ID}:plan_id>/goals/<{ID}:goal_id>")
@access.allow("hr")
def delete_goal(plan_id, goal_id):
    """Remove a goal (goals stage; hr); its measures stay, without a goal."""
    row = _plan_or_404(plan_id)
    goal = _goal_or_404(row, goal_id)
    data = _body(required=False)
    with _change():
        editing.delete_goal(row, goal, current_principal(), _version(data, row))
    return _no_content(plan_id)


def _no_content(plan_id):
    version = db.session.scalar(select(Plan.version).where(Plan.id == plan_id))
    return "", 204, {"ETag": f'"{version}"'}


# --- measures -------------------------------------------------------------------------------


def _measure_response(plan_id, measure_id, status=200):
    db.session.expire_all()
    row = load_plan(plan_id)
    response = jsonify(measure_json(_measure_or_404(row, measure_id)))
    response.status_code = status
    return _with_etag(response, row.version)


@bp.post(f"/plans/<{ID}:plan_id>/measures")
@access.allow("hr")
def add_measure(plan_id):
    """Add a measure (measures stage; hr)."""
    row = _plan_or_404(plan_id)
    data = _body()
    with _change():
        measure = editing.add_measure(row, data, current_principal(), _version(data, row))
        measure_id = measure.id
    return _measure_response(plan_id, measure_id, 201)


@bp.patch(f"/plans/<{ID}:plan_id>/measures/<{ID}:measure_id>")
@access.allow("hr")
def update_measure(plan_id, measure_id):
    """Change a measure (measures stage); a change of ``status`` alone is progress, allowed while evaluating too."""
    row = _plan_or_404(plan_id)
    measure = _measure_or_404(row, measure_id)
    data = _body()
    with _change():
        editing.update_measure(row, measure, data, current_principal(), _version(data, row))
    return _measure_response(plan_id, measure_id)


@bp.delete(f"/plans/<{ID}:plan_id>/measures/<{ID}:measure_id>")
@access.allow("hr")
def delete_measure(plan_id, measure_id):
    """Remove a measure (measures stage; hr)."""
    row = _plan_or_404(plan_id)
    measure = _measure_or_404(row, measure_id)
    data = _body(required=False)
    with _change():
        editing.delete_measure(row, measure, current_principal(), _version(data, row))
    return _no_content(plan_id)


@bp.post(f"/plans/<{ID}:plan_id>/measures/<{ID}:measure_id>/notes")
@access.allow("hr", "leader")
def add_note(plan_id, measure_id):
    """A progress note on a measure while it is carried out or evaluated (hr, leaders)."""
    row = _plan_or_404(plan_id)
    measure = _measure_or_404(row, measure_id)
    data = _body()
    with _change():
        note = editing.add_note(row, measure, data.get("text"), current_principal(), _version(data, row))
        db.session.flush()
        answer, version = note_json(note), row.version
    response = jsonify(answer)
    response.status_code = 201
    return _with_etag(response, version)
