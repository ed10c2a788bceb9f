"""Creating and changing plans, goals and measures: the rules pages and API share.

Every change goes through the workflow engine first (``engine.record_edit``):
it refuses an edit the current stage does not allow or a stale version, raises
the version (voiding approvals of the old one) and writes what changed into
the history. Nothing here commits; a refused change leaves the session for
the caller to roll back.
"""
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l

from ..competence.models import Competence
from ..extensions import db
from ..org.models import Unit
from ..workflow import engine
from .catalogue import MEASURE_KINDS
from .fields import PlanError, Reader
from .figures import FIGURES, LOWER_IS_BETTER, goal_values, suggested_verdict
from .models import (
    DIRECTIONS,
    GOAL_KINDS,
    MEASURE_STATUSES,
    PLATFORM_KEYS,
    STRATEGIES,
    VERDICTS,
    WORKING_GROUP_ROLES,
    Goal,
    Measure,
    MeasureNote,
    Plan,
)

TITLE_MAX = 200
LONG_TEXT = 20_000
MAX_GROUP = 40
PROGRESS_FIELDS = {"status"}


# --- the plan itself ---------------------------------------------------------------


def create_plan(data, user):
    """A new plan in the purpose stage, made by ``user`` from ``data`` (the API's field names)."""
    values = _plan_values(Reader(data), None)
    plan = Plan(created_by_id=user.id, **values)
    db.session.add(plan)
    engine.start(plan, user)
    return plan


def update_plan(plan, data, user, version):
    """Change the plan's own fields (purpose stage); returns the names of the fields that changed."""
    values = _plan_values(Reader(data, partial=True), plan)
    changed = sorted(name for name, value in values.items() if getattr(plan, name) != value)
    if not changed:
        engine.check_current(plan, version)
        return []
    engine.record_edit(plan, user, version, "plan", [{"what": "plan", "fields": changed}])
    for name in changed:
        setattr(plan, name, values[name])
    return changed


def _plan_values(reader, plan):
    values = {}
    if reader.wanted("title"):
        values["title"] = reader.text("title", TITLE_MAX, required=True)
    if reader.wanted("scope_unit_id"):
        values["scope_unit_id"] = _unit_id(reader, "scope_unit_id")
    for name in ("period_start", "period_end"):
        if reader.wanted(name):
            values[name] = reader.day(name)
    for name in ("mandate", "purpose"):
        if reader.wanted(name):
            values[name] = reader.text(name, LONG_TEXT)
    if reader.wanted("platform"):
        values["platform"] = _platform(reader)
    if reader.wanted("working_group"):
        values["working_group"] = _working_group(reader)
    start = values.get("period_start", plan.period_start if plan else None)
    end = values.get("period_end", plan.period_end if plan else None)
    if start and end and end < start:
        reader.problems["period_end"] = _l("The period cannot end before it starts.")
    reader.fail_if_any()
    return values


def _platform(reader):
    raw = reader.data.get("platform")
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - set(PLATFORM_KEYS):
        reader.problems["platform"] = _l("Answer with the keys: %(keys)s.", keys=", ".join(PLATFORM_KEYS))
        return {}
    inner = Reader(raw)
    answers = {key: inner.text(key, LONG_TEXT) for key in PLATFORM_KEYS if key in raw}
    for key, problem in inner.problems.items():
        reader.problems[f"platform.{key}"] = problem
    return {k: v for k, v in answers.items() if v}


def _working_group(reader):
    raw = reader.data.get("working_group")
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_GROUP:
        reader.problems["working_group"] = _l("Give a list of at most %(max)d members.", max=MAX_GROUP)
        return []
    members = []
    for index, item in enumerate(raw):
        inner = Reader(item if isinstance(item, dict) else {})
        name = inner.text("name", 200, required=True)
        role = inner.choice("role", WORKING_GROUP_ROLES, required=True)
        for key, problem in inner.problems.items():
            reader.problems[f"working_group.{index}.{key}"] = problem
        members.append({"name": name, "role": role})
    return members


def _unit_id(reader, name):
    value = reader.whole(name, minimum=1, maximum=2**31 - 1)
    if value is not None and db.session.get(Unit, value) is None:
        reader.problems[name] = _l("There is no such unit.")
        return None
    return value


# --- goals --------------------------------------------------------------------------


def add_goal(plan, data, user, version):
    """Add a goal (goals stage)."""
    goal = Goal(kind="manual", title="", direction="at_least")
    values = _goal_values(Reader(data), plan, goal)
    engine.record_edit(plan, user, version, "goals", [{"what": "goal", "action": "added", "title": values["title"]}])
    _assign(goal, values)
    goal.plan = plan
    db.session.add(goal)
    db.session.flush()
    measure_baseline(goal)
    return goal


def update_goal(plan, goal, data, user, version):
    """Change a goal (goals stage), or record its evaluation (evaluation stage, field ``evaluation``)."""
    data = dict(data)
    evaluation = data.pop("evaluation", None)
    data.pop("version", None)
    if evaluation is not None and not data:
        return evaluate_goal(plan, goal, evaluation, user, version)
    values = _goal_values(Reader(data, partial=True), plan, goal)
    changed = sorted(name for name, value in values.items() if getattr(goal, name) != value)
    if changed:
        engine.record_edit(
            plan, user, version, "goals", [{"what": "goal", "action": "changed", "title": goal.title, "fields": changed}]
        )
        _assign(goal, values)
        if set(changed) & MEASURED_BY:
            measure_baseline(goal)
    if evaluation is not None:
        return evaluate_goal(plan, goal, evaluation, user, plan.version if changed else version)
    if not changed:
        engine.check_current(plan, version)
    return goal


# Changing any of these changes what the goal counts, so its starting point is measured again.
MEASURED_BY = {"kind", "unit_id", "competence_id", "min_level", "figure", "manual_value"}


def measure_baseline(goal):
    """Record the goal's value today as its starting point ("gap before" in the plan report)."""
    goal.baseline_value = goal_values([goal]).get(goal.id)


def delete_goal(plan, goal, user, version):
    """Remove a goal (goals stage); its measures stay, without a goal."""
    engine.record_edit(plan, user, version, "goals", [{"what": "goal", "action": "removed", "title": goal.title}])
    db.session.delete(goal)


def _goal_values(reader, plan, goal):
    kind = reader.choice("kind", GOAL_KINDS) if reader.has("kind") else None
    if kind is None:
        kind = _infer_kind(reader.data, goal)
    values = {"kind": kind}
    if reader.wanted("title"):
        values["title"] = reader.text("title", 300, required=True)
    for name in ("description",):
        if reader.wanted(name):
            values[name] = reader.text(name, LONG_TEXT)
    if reader.wanted("target_date"):
        values["target_date"] = reader.day("target_date")
    if reader.wanted("unit_id"):
        values["unit_id"] = _unit_id(reader, "unit_id")
    unit_id = values.get("unit_id", goal.unit_id)
    if unit_id is None and plan.scope_unit_id and "unit_id" in values:
        values["unit_id"] = unit_id = plan.scope_unit_id
    _check_in_scope(reader, plan, unit_id)
    if kind == "competence":
        _competence_target(reader, goal, values)
    else:
        values.update(competence_id=None, min_level=None, target_count=None)
        if kind == "workforce":
            if reader.wanted("figure") or goal.figure is None:
                values["figure"] = reader.choice("figure", tuple(FIGURES), required=True)
        else:
            values["figure"] = None
            if reader.wanted("manual_value"):
                values["manual_value"] = reader.amount("manual_value")
        if reader.wanted("target_value") or goal.target_value is None:
            values["target_value"] = reader.amount("target_value", required=True)
    _check_unused(reader, values)
    if reader.wanted("direction") or goal.id is None:
        default = "at_most" if values.get("figure") in LOWER_IS_BETTER else "at_least"
        values["direction"] = reader.choice("direction", DIRECTIONS, default=default)
    reader.fail_if_any()
    return values


def _check_unused(reader, values):
    """Refuse a wrong value in a field this kind of goal does not use, rather than ignore it silently."""
    for name in ("target_value", "manual_value"):
        if reader.has(name) and values.get(name) is None:
            reader.amount(name)
    for name in ("competence_id", "min_level", "target_count"):
        if reader.has(name) and values.get(name) is None:
            reader.whole(name, maximum=2**31 - 1)
    if reader.has("figure") and values.get("figure") is None:
        reader.choice("figure", tuple(FIGURES))


def _infer_kind(data, goal):
    if data.get("competence_id") is not None:
        return "competence"
    if data.get("figure"):
        return "workforce"
    if goal.id is not None:
        return goal.kind
    return "manual"


def _competence_target(reader, goal, values):
    if reader.wanted("competence_id") or goal.competence_id is None:
        competence_id = reader.whole("competence_id", minimum=1, maximum=2**31 - 1, required=True)
        competence = db.session.get(Competence, competence_id) if competence_id else None
        if competence_id and competence is None:
            reader.problems["competence_id"] = _l("There is no such competence.")
        values["competence_id"] = competence_id
    else:
        competence = goal.competence
    if reader.wanted("min_level") or goal.min_level is None:
        maximum = competence.max_level if competence else 10
        values["min_level"] = reader.whole("min_level", minimum=1, maximum=maximum) or 1
    if reader.wanted("target_count") or goal.target_count is None:
        values["target_count"] = reader.whole("target_count", minimum=0, required=True)
    values.update(figure=None, target_value=None, manual_value=None)


def _check_in_scope(reader, plan, unit_id):
    if unit_id is None or plan.scope_unit_id is None or "unit_id" in reader.problems:
        return
    unit, scope = db.session.get(Unit, unit_id), plan.scope_unit
    if unit is not None and scope is not None and not unit.path.startswith(scope.path):
        reader.problems["unit_id"] = _l("The unit is outside the plan's scope.")


def evaluate_goal(plan, goal, data, user, version):
    """Record the verdict on a goal (evaluation stage); the reached value is measured now."""
    reader = Reader(data if isinstance(data, dict) else {})
    if not isinstance(data, dict):
        reader.problems["evaluation"] = _l("Give the evaluation as an object.")
    measured = goal_values([goal]).get(goal.id)
    if goal.kind == "manual" or measured is None:
        reached = reader.amount("reached_value", required=goal.kind == "manual")
    else:
        reached = measured
    verdict = reader.choice("verdict", VERDICTS, default=suggested_verdict(goal, reached))
    if verdict is None and "verdict" not in reader.problems:
        reader.problems["verdict"] = _l("Choose one.")
    comment = reader.text("comment", LONG_TEXT)
    reader.fail_if_any()
    engine.record_edit(
        plan, user, version, "evaluation", [{"what": "evaluation", "title": goal.title, "verdict": verdict}]
    )
    goal.verdict, goal.reached_value, goal.evaluation_comment = verdict, reached, comment
    goal.evaluated_at = datetime.now(timezone.utc)
    return goal


# --- measures -----------------------------------------------------------------------


def add_measure(plan, data, user, version):
    """Add a measure (measures stage)."""
    measure = Measure(status="planned", kind="custom", strategy="develop", title="")
    values = _measure_values(Reader(data), plan, measure)
    engine.record_edit(plan, user, version, "measures", [{"what": "measure", "action": "added", "title": values["title"]}])
    _assign(measure, values)
    measure.plan = plan
    db.session.add(measure)
    db.session.flush()
    return measure


def update_measure(plan, measure, data, user, version):
    """Change a measure; a change of status alone counts as progress (allowed while evaluating too)."""
    values = _measure_values(Reader(data, partial=True), plan, measure)
    changed = sorted(name for name, value in values.items() if getattr(measure, name) != value)
    if not changed:
        engine.check_current(plan, version)
        return measure
    part = "progress" if set(changed) <= PROGRESS_FIELDS else "measures"
    engine.record_edit(
        plan, user, version, part, [{"what": "measure", "action": "changed", "title": measure.title, "fields": changed}]
    )
    _assign(measure, values)
    return measure


def delete_measure(plan, measure, user, version):
    """Remove a measure (measures stage)."""
    engine.record_edit(plan, user, version, "measures", [{"what": "measure", "action": "removed", "title": measure.title}])
    db.session.delete(measure)


def add_note(plan, measure, text, user, version):
    """A progress note on a measure, while it is carried out or evaluated."""
    reader = Reader({"text": text})
    value = reader.text("text", LONG_TEXT, required=True)
    reader.fail_if_any()
    engine.record_edit(plan, user, version, "progress", [{"what": "note", "title": measure.title}])
    note = MeasureNote(text=value, user_id=user.id, username=user.username)
    note.measure = measure
    db.session.add(note)
    return note


def _measure_values(reader, plan, measure):
    values = {}
    if reader.wanted("kind"):
        values["kind"] = reader.choice("kind", tuple(MEASURE_KINDS), required=True)
    if reader.wanted("strategy") or measure.id is None:
        default = MEASURE_KINDS.get(values.get("kind") or measure.kind, (None, "develop"))[1]
        values["strategy"] = reader.choice("strategy", STRATEGIES, default=default)
    if reader.wanted("title"):
        values["title"] = reader.text("title", 300, required=True)
    if reader.wanted("goal_id"):
        values["goal_id"] = _goal_id(reader, plan)
    for name, length in (("description", LONG_TEXT), ("responsible", 200), ("target_group", 300),
                         ("cost_centre", 40), ("evaluation_method", LONG_TEXT)):
        if reader.wanted(name):
            values[name] = reader.text(name, length)
    if reader.wanted("binding_months"):
        values["binding_months"] = reader.whole("binding_months", maximum=120)
    if reader.wanted("participants"):
        values["participants"] = reader.whole("participants", maximum=1_000_000)
    for name in ("cost_per_participant", "cost_nok", "external_grants"):
        if reader.wanted(name):
            values[name] = reader.amount(name)
    for name in ("start", "end"):
        if reader.wanted(name):
            values[name] = reader.day(name)
    if reader.wanted("status") or measure.id is None:
        values["status"] = reader.choice("status", MEASURE_STATUSES, default=measure.status or "planned")
    start, end = values.get("start", measure.start), values.get("end", measure.end)
    if start and end and end < start:
        reader.problems["end"] = _l("The measure cannot end before it starts.")
    reader.fail_if_any()
    return values


def _goal_id(reader, plan):
    value = reader.whole("goal_id", minimum=1, maximum=2**31 - 1)
    if value is not None and not any(g.id == value for g in plan.goals):
        reader.problems["goal_id"] = _l("Choose one of this plan's goals.")
        return None
    return value


def _assign(row, values):
    for name, value in values.items():
        setattr(row, name, value)


def current_values(plan):
    """Each goal's live value (see :mod:`.figures`)."""
    return goal_values(plan.goals)


__all__ = ["PlanError"]
