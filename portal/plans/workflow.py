"""How the competence plan workflow applies to plans: guards, actions, who signs, who hears.

The definition file names these guards and actions; the engine refuses to
start if it names one that is not here.
"""
from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, or_, select
from sqlalchemy.orm import lazyload

from ..extensions import db
from ..notify import enqueue_for
from ..org.models import RoleAssignment, Unit, User
from ..org.visibility import led_unit_paths
from ..workflow import engine
from .models import Goal, Measure, Plan


def has_purpose(plan):
    if not (plan.purpose or "").strip():
        return _l("Write the purpose of the plan first.")
    return None


def has_goals(plan):
    if not plan.goals:
        return _l("Add at least one goal.")
    return None


def measure_per_goal(plan):
    covered = {m.goal_id for m in plan.measures if m.status != "cancelled"}
    missing = [g.title for g in plan.goals if g.id not in covered]
    if missing:
        return _l("These goals have no measure yet: %(goals)s", goals=", ".join(missing))
    return None


def goals_evaluated(plan):
    missing = [g.title for g in plan.goals if not g.verdict]
    if missing:
        return _l("These goals are not evaluated yet: %(goals)s", goals=", ".join(missing))
    return None


def has_no_successor(plan):
    if db.session.scalar(select(Plan.id).where(Plan.predecessor_id == plan.id)):
        return _l("A new cycle has already been started from this plan.")
    return None


def start_successor(plan, user, comment):
    """The next cycle: same scope and purpose, a period of the same length, unreached goals carried over."""
    from .cycle import successor

    return successor(plan, user, comment)


class PlanWorkflow(engine.Adapter):
    """The competence plan, as the workflow engine sees it."""

    object_type = "plan"
    workflow = "competence_plan"
    model = Plan
    parts = ("plan", "goals", "measures", "evaluation", "progress")
    capacities = ("leader", "representative", "politician", "hr")
    guards = {
        "has_purpose": has_purpose,
        "has_goals": has_goals,
        "measure_per_goal": measure_per_goal,
        "goals_evaluated": goals_evaluated,
        "has_no_successor": has_no_successor,
    }
    actions = {"start_successor": start_successor}

    def holds_capacity(self, user, plan, capacity):
        """Leaders sign plans that cover a unit they lead (or lie inside one); others by role."""
        if not user.has_role(capacity):
            return False
        if capacity != "leader" or plan.scope_unit is None:
            return True
        scope = plan.scope_unit.path
        return any(scope.startswith(p) or p.startswith(scope) for p in _led_paths(user))

    def notify(self, plan, capacities, reason):
        """E-mail everyone who can sign in ``capacities`` that the plan waits for them."""
        link = _plan_link(plan)

        def render(user):
            stage = engine.state_title(plan, user.locale or current_app.config["PORTAL_DEFAULT_LOCALE"])
            if reason == "changed":
                subject = _("The plan \"%(title)s\" was changed and needs your approval again", title=plan.title)
            else:
                subject = _("The plan \"%(title)s\" waits for your approval", title=plan.title)
            body = _(
                "The competence plan \"%(title)s\" is at the stage \"%(stage)s\" (version %(version)d) "
                "and needs your approval.\n\nRead it and sign here: %(link)s\n",
                title=plan.title,
                stage=stage,
                version=plan.version,
                link=link,
            )
            return subject, body

        enqueue_for(signers(plan, capacities), render)


def _led_paths(user):
    """The paths of the units ``user`` leads, from the role assignments loaded with the user (their unit
    comes along in the same query), so a leader's sign-off does not ask the database again."""
    assignments = getattr(user, "role_assignments", None)
    if assignments is None:
        return led_unit_paths(user)
    return [a.unit.path for a in assignments if a.role == "leader" and a.unit_id and a.unit is not None]


def signers(plan, capacities):
    """Active users who may sign ``plan`` in any of ``capacities`` (one query)."""
    conditions = []
    for capacity in capacities:
        if capacity == "leader" and plan.scope_unit is not None:
            scope = plan.scope_unit.path
            led = Unit.path.startswith(scope, autoescape=True) | literal(scope).startswith(Unit.path)
            conditions.append((RoleAssignment.role == "leader") & RoleAssignment.unit_id.in_(select(Unit.id).where(led)))
        else:
            conditions.append(RoleAssignment.role == capacity)
    if not conditions:
        return []
    return db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.id.in_(select(RoleAssignment.user_id).where(or_(*conditions))))
        .order_by(User.id)
        .options(lazyload(User.role_assignments))  # a mail needs the address and language, not the roles
    ).all()


def _plan_link(plan):
    if has_request_context():
        return url_for("plans.plan", plan_id=plan.id, _external=True)
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + f"/plans/{plan.id}"


__all__ = ["PlanWorkflow", "Goal", "Measure"]
