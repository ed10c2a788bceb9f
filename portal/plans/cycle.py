"""Starting the next planning cycle from a closed plan."""
from datetime import timedelta

from ..extensions import db
from ..workflow import engine
from .models import Goal, Plan

CARRIED = (
    "title", "kind", "unit_id", "competence_id", "min_level", "target_count", "figure",
    "target_value", "direction", "manual_value", "description",
)


def successor(plan, user, comment):
    """A new plan in the purpose stage that carries over every goal not reached."""
    goals = list(plan.goals)  # read before the new plan joins the session: it has no state yet
    length = (plan.period_end - plan.period_start) if plan.period_start and plan.period_end else None
    start = plan.period_end + timedelta(days=1) if plan.period_end else None
    new = Plan(
        title=plan.title,
        scope_unit_id=plan.scope_unit_id,
        period_start=start,
        period_end=start + length if start and length else None,
        mandate=plan.mandate,
        purpose=plan.purpose,
        platform=dict(plan.platform or {}),
        working_group=list(plan.working_group or []),
        predecessor_id=plan.id,
        created_by_id=user.id,
    )
    db.session.add(new)
    for goal in goals:
        if goal.verdict != "reached":
            copy = Goal(plan=new, carried_from_id=goal.id, **{name: getattr(goal, name) for name in CARRIED})
            copy.baseline_value = goal.reached_value  # the new cycle starts where the last one ended
            db.session.add(copy)
    engine.start(new, user, comment)
    return new
