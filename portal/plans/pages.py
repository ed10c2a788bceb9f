"""What the plan page shows besides the workflow: goal values, measures per goal, budget.

Shared by the plan page and its partials, so every section reads the same
figures: loaded in a fixed number of queries whatever the plan's size.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload, subqueryload

from ..extensions import db
from ..figure_cache import cached
from ..workflow import engine
from .figures import budget, goal_values, hidden_for, progress, suggested_verdict
from .models import Goal, Measure, Plan


@dataclass
class GoalView:
    """A goal with its live value as the viewer may see it."""

    goal: Goal
    value: object  # Decimal or None
    hidden: bool  # the value describes fewer than five people and the viewer sees aggregates only
    progress: int | None
    suggested: str | None
    measures: list = field(default_factory=list)
    baseline: object = None  # the value when the goal was set, None when unknown or hidden
    baseline_hidden: bool = False


def load_plan(plan_id):
    """The plan with goals, measures and notes loaded up front (or None)."""
    return db.session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(
            selectinload(Plan.goals).joinedload(Goal.competence),
            selectinload(Plan.goals).joinedload(Goal.unit),
            selectinload(Plan.measures).subqueryload(Measure.notes),
        )
    )


def live_values(goals):
    """Each goal's current value (:func:`.figures.goal_values`), as shown on the plan page and in the API.

    Reused for a few seconds (:mod:`portal.figure_cache`): each value is an
    aggregate over the workforce. Keyed on everything about a goal that
    goes into its value, so an edited goal is measured afresh.
    """
    today = date.today()
    key = ("goal_values", today, tuple(
        (g.id, g.kind, g.competence_id, g.min_level, g.unit_id, g.figure, g.manual_value) for g in goals))
    return dict(cached(key, lambda: goal_values(goals, today)))


def content(plan, user):
    """Goals (with values and their measures), measures without a goal, the budget, editable parts."""
    values = live_values(plan.goals)
    goals = []
    for goal in plan.goals:
        value = values.get(goal.id)
        hidden = hidden_for(user, goal, value)
        baseline_hidden = hidden_for(user, goal, goal.baseline_value)
        goals.append(
            GoalView(
                goal=goal,
                value=None if hidden else value,
                hidden=hidden,
                progress=None if hidden else progress(goal, value),
                suggested=suggested_verdict(goal, value),
                measures=[m for m in plan.measures if m.goal_id == goal.id],
                baseline=None if baseline_hidden else goal.baseline_value,
                baseline_hidden=baseline_hidden,
            )
        )
    definition = engine.definition_for(plan)
    return {
        "goals": goals,
        "loose_measures": [m for m in plan.measures if m.goal_id is None],
        "budget": budget(plan.measures),
        "editable": definition.states[plan.state].editable,
        "may_edit": user.has_role("hr"),
        "may_note": user.has_role("hr", "leader"),
    }
