"""What the plan page shows besides the workflow: goal values, measures per goal, budget.

Shared by the plan page and its partials, so every section reads the same
figures: loaded in a fixed number of queries whatever the plan's size.
"""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..workflow import engine
from .figures import budget, hidden_for, progress, suggested_verdict
from .models import Goal, Measure, Plan
from .editing import current_values


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
            selectinload(Plan.measures).selectinload(Measure.notes),
        )
    )


def content(plan, user):
    """Goals (with values and their measures), measures without a goal, the budget, editable parts."""
    values = current_values(plan)
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
