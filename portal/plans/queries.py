"""Finding plans: the filtered list and the worklists on the start page.

Worklists are queries over the current state (as in Plone), never stored
lists: a plan waits for a capacity while it is in a state whose gate needs
that capacity and nobody has signed its current version in it yet.
"""
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, literal, or_, select

from ..extensions import db
from ..home.worklist import WorkItem
from ..org.models import Unit
from ..org.visibility import led_unit_paths
from ..workflow import engine
from ..workflow.definition import title_in
from ..workflow.models import SignOff
from .models import Plan


def plans_stmt(state=None, scope_unit_id=None, search=None):
    """Plans, newest first, optionally in one state, covering one unit, or matching a title search."""
    stmt = select(Plan).order_by(Plan.id.desc())
    if state:
        stmt = stmt.where(Plan.state == state)
    if scope_unit_id is not None:
        stmt = stmt.where(Plan.scope_unit_id == scope_unit_id)
    if search:
        stmt = stmt.where(func.lower(Plan.title).contains(search.lower(), autoescape=True))
    return stmt


def state_counts():
    """How many plans are in each state (for the filter)."""
    return dict(db.session.execute(select(Plan.state, func.count()).group_by(Plan.state)).all())


def _unsigned(capacity):
    return ~exists().where(
        SignOff.object_type == "plan",
        SignOff.object_id == Plan.id,
        SignOff.version == Plan.version,
        SignOff.capacity == capacity,
    )


def _in_led_scope(paths):
    """SQL: the plan covers the whole municipality, or its scope overlaps a unit in ``paths``."""
    scope = select(Unit.path).where(Unit.id == Plan.scope_unit_id).scalar_subquery()
    overlaps = [or_(scope.startswith(p, autoescape=True), literal(p).startswith(scope)) for p in paths]
    return or_(Plan.scope_unit_id.is_(None), *overlaps)


def waiting_for_signature(user, definition):
    """(plan, capacity) pairs where ``user`` can sign and nobody has signed the current version yet."""
    found = []
    for capacity in ("leader", "representative", "politician", "hr"):
        states = definition.states_needing(capacity)
        if not states or not user.has_role(capacity):
            continue
        stmt = select(Plan).where(Plan.state.in_(states), _unsigned(capacity)).order_by(Plan.id)
        if capacity == "leader":
            paths = led_unit_paths(user)
            if not paths:
                continue
            stmt = stmt.where(_in_led_scope(paths))
        found.extend((plan, capacity) for plan in db.session.scalars(stmt.limit(50)))
    return found


def ready_for_hr(definition):
    """Plans where every capacity a gate out of their state needs has approved the current version."""
    ready = []
    for state in definition.states:
        for transition in definition.transitions_from(state):
            if not transition.signoffs or "hr" not in transition.roles:
                continue
            approved = [
                exists().where(
                    SignOff.object_type == "plan",
                    SignOff.object_id == Plan.id,
                    SignOff.version == Plan.version,
                    SignOff.capacity == capacity,
                    SignOff.decision == "approve",
                )
                for capacity in transition.signoffs
            ]
            stmt = select(Plan).where(Plan.state == state, and_(*approved)).order_by(Plan.id).limit(50)
            ready.extend((plan, transition) for plan in db.session.scalars(stmt))
    return ready


def worklist(user):
    """The start page's plan items for ``user``."""
    definition = engine.definitions()["competence_plan"]
    locale = str(get_locale() or "nb")
    items = []
    for plan, capacity in waiting_for_signature(user, definition):
        items.append(
            WorkItem(
                title=str(_l("Sign the plan \"%(title)s\"", title=plan.title)),
                url=url_for("plans.plan", plan_id=plan.id, _anchor="signoffs"),
                detail=str(
                    _l(
                        "%(stage)s: your approval as %(capacity)s is needed",
                        stage=title_in(definition.states[plan.state].title, locale),
                        capacity=str(engine.CAPACITY_TITLES.get(capacity, capacity)).lower(),
                    )
                ),
            )
        )
    if user.has_role("hr"):
        for plan, transition in ready_for_hr(definition):
            items.append(
                WorkItem(
                    title=str(_l("The plan \"%(title)s\" is ready for the next step", title=plan.title)),
                    url=url_for("plans.plan", plan_id=plan.id, _anchor="steps"),
                    detail=str(_l("Everyone has approved. Next step: %(step)s", step=title_in(transition.title, locale))),
                )
            )
    return items
