"""Tests of the workflow engine and its definitions, driven through the competence plan.

The helpers below act as the people in the ``people`` fixture would: hr
creates and edits, the leader, the representative and the politician sign,
and each step is committed on its own, as a request would. They run inside an
app context.
"""
from sqlalchemy import func, select

from portal.extensions import db
from portal.org.models import Unit, User
from portal.plans import editing
from portal.workflow import engine
from portal.workflow.models import SignOff, WorkflowHistory

PURPOSE = "Hjemmetjenesten mangler folk med sårbehandling, og mange går av med pensjon de neste fem årene."


def user(username):
    """The account called ``username``."""
    return db.session.scalars(select(User).where(User.username == username)).one()


def unit_id(code):
    """The id of the unit with ``code``."""
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def new_plan(scope="HO-HJEM", **fields):
    """A plan in the purpose stage, created and committed by hr."""
    data = {
        "title": "Kompetanseplan for hjemmetjenesten 2026–2029",
        "purpose": PURPOSE,
        "scope_unit_id": unit_id(scope) if scope else None,
    }
    data.update(fields)
    plan = editing.create_plan(data, user("hr"))
    db.session.commit()
    return plan


def sign(plan, username, capacity=None, decision="approve", version=None, comment=""):
    """``username`` signs ``plan`` (in the capacity of the same name unless told) and commits."""
    engine.sign(plan, user(username), capacity or username, decision, comment, plan.version if version is None else version)
    db.session.commit()


def approve(plan, *capacities):
    """Each capacity approves the current version, signed by the demo user of that name."""
    for capacity in capacities:
        sign(plan, capacity)


def fire(plan, name, username="hr", comment="", version=None):
    """Fire ``name`` and commit; returns what the transition made."""
    made = engine.fire(plan, user(username), name, comment, plan.version if version is None else version)
    db.session.commit()
    return made


def add_goal(plan, title="Flere med sårbehandling", target=5):
    goal = editing.add_goal(plan, {"title": title, "kind": "manual", "target_value": target}, user("hr"), plan.version)
    db.session.commit()
    return goal


def drive_to(plan, state):
    """Move ``plan`` along the contract's main path until it is in ``state``."""
    order = ("purpose", "goals", "measures", "evaluation", "closed")
    while order.index(plan.state) < order.index(state):
        if plan.state == "purpose":
            approve(plan, "leader", "representative", "politician")
            fire(plan, "agree_purpose")
        elif plan.state == "goals":
            if not plan.goals:
                add_goal(plan)
            approve(plan, "leader", "representative")
            fire(plan, "approve_goals")
        elif plan.state == "measures":
            for goal in plan.goals:
                editing.add_measure(
                    plan, {"goal_id": goal.id, "kind": "fagdag", "title": f"Fagdag: {goal.title}"}, user("hr"), plan.version
                )
                db.session.commit()
            fire(plan, "start_evaluation")
        elif plan.state == "evaluation":
            for goal in plan.goals:
                editing.evaluate_goal(plan, goal, {"verdict": "partly", "reached_value": 3}, user("hr"), plan.version)
                db.session.commit()
            approve(plan, "leader", "representative", "politician")
            fire(plan, "close")
    return plan


def snapshot(plan):
    """What the database holds about ``plan``'s workflow: state, version, history and sign-off counts."""
    db.session.expire_all()
    row = db.session.execute(
        select(type(plan).state, type(plan).version).where(type(plan).id == plan.id)
    ).one()
    history = db.session.scalar(
        select(func.count()).where(WorkflowHistory.object_type == "plan", WorkflowHistory.object_id == plan.id)
    )
    signoffs = db.session.scalar(select(func.count()).where(SignOff.object_type == "plan", SignOff.object_id == plan.id))
    return tuple(row) + (history, signoffs)
