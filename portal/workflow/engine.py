"""The generic workflow engine: start, edit, sign and fire on any workflow object.

A workflow object is a row with ``id``, ``state`` and ``version`` columns whose
domain registers a :class:`Adapter` (plans now, appraisals next). The engine
never commits: the caller's database transaction is the unit of truth, so a
failing guard, action or notification leaves nothing half-done, and
``transitions`` (which does not undo a state change when a later callback
fails) only ever touches a row the transaction will roll back on error.

Versions make sign-offs and edits safe. Every edit and every transition
raises ``version`` by one with a compare-and-swap ``UPDATE ... WHERE version =
:seen``; when two people act on the same version, the database lets exactly
one of them through and the other gets :class:`Conflict` (409). A sign-off is
bound to the version it approved, so an edit afterwards voids it.
"""
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from ..audit import log as audit
from ..extensions import db
from .definition import title_in
from .demo_clock import stamp
from .models import DECISIONS, SignOff, WorkflowHistory

CAPACITY_TITLES = {
    "leader": _l("Leaders"),
    "representative": _l("Union representatives"),
    "politician": _l("Politicians"),
    "hr": _l("Administration"),
    "employee": _l("Employee"),
}
COMMENT_MAX = 5000


# The statements every sign-off and step runs, built once: SQLAlchemy then neither rebuilds them nor
# recomputes their cache keys per call; each call passes its own values.
_INSERT_SIGNOFF = insert(SignOff.__table__)
_INSERT_HISTORY = insert(WorkflowHistory.__table__)
_SIGNED_ALREADY = select(SignOff.id).where(
    SignOff.object_type == bindparam("object_type"),
    SignOff.object_id == bindparam("object_id"),
    SignOff.capacity == bindparam("capacity"),
    SignOff.version == bindparam("version"),
)
_DECISIONS_OF_VERSION = select(SignOff.capacity, SignOff.decision).where(
    SignOff.object_type == bindparam("object_type"),
    SignOff.object_id == bindparam("object_id"),
    SignOff.version == bindparam("version"),
)
_COMPARE_AND_SET = {}  # (model, with state) -> UPDATE statement


class WorkflowError(Exception):
    """A refused workflow step: ``status`` for the API, a message for people, the field at fault."""

    status = 409

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(WorkflowError):
    """Someone else changed the object first, or it is in a state where this step does not apply."""

    status = 409


class Forbidden(WorkflowError):
    """The caller may see the object but not take this step."""

    status = 403


class Invalid(WorkflowError):
    """The request itself is incomplete (a missing comment, an unknown decision)."""

    status = 422


class NotFound(WorkflowError):
    """No transition of that name exists in the workflow."""

    status = 404


class Adapter:
    """What a domain tells the engine about its workflow objects.

    Subclasses set the class attributes and may override the methods;
    ``guards`` and ``actions`` map the names used in the definition file to
    functions, so the file can only name checks and effects the code has.
    """

    object_type = ""
    workflow = ""
    model = None
    parts = ()
    capacities = ()
    guards = {}
    actions = {}

    def holds_capacity(self, user, obj, capacity):
        """Whether ``user`` may sign ``obj`` in ``capacity``; by default, holding the role of that name."""
        return user.has_role(capacity)

    def may_fire(self, user, obj, transition):
        """Whether ``user`` may fire ``transition`` on ``obj``; by default, by role."""
        return bool(user.roles & transition.roles)

    def notify(self, obj, capacities, reason):
        """Tell the people who can sign in ``capacities`` that ``obj`` waits for them (``reason``: entered/changed)."""


def definitions():
    """The checked definitions loaded at start-up, by workflow name."""
    return current_app.extensions["workflows"]["definitions"]


def adapter_for(obj):
    """The adapter registered for ``obj``'s class."""
    return current_app.extensions["workflows"]["adapters"][type(obj)]


def definition_for(obj):
    """The definition that governs ``obj``."""
    return definitions()[adapter_for(obj).workflow]


def state_title(obj, locale="nb", state=None):
    """The title of ``state`` (``obj``'s own by default) in ``locale``."""
    definition = definition_for(obj)
    return title_in(definition.states[state or obj.state].title, locale)


# --- changing an object ---------------------------------------------------------


def start(obj, user, comment=""):
    """Put a new object (already added to the session) in the initial state at version 1."""
    definition = definition_for(obj)
    obj.state = definition.initial
    obj.version = 1
    db.session.flush()
    _history(obj, user, "create", "create", None, comment)
    _notify(obj, definition.capacities_at(obj.state), "entered")


def record_edit(obj, user, version, part, changes):
    """Accept an edit of ``part`` on ``version``: raise the version and note ``changes`` in the history.

    Call before changing anything. Approvals of the old version stop counting,
    and the people who gave them are told that the object needs them again.
    """
    definition = definition_for(obj)
    if not definition.editable(obj.state, part):
        raise Conflict(_l("This cannot be changed at the current stage."))
    voided = _approved_capacities(obj, obj.version)
    _bump(obj, version)
    _history(obj, user, "edit", "edit", obj.state, "", changes=list(changes))
    if voided:
        _notify(obj, voided, "changed")


def sign(obj, user, capacity, decision, comment, version):
    """Record ``user``'s ``decision`` in ``capacity`` on ``version`` of ``obj``."""
    adapter, definition = adapter_for(obj), definition_for(obj)
    if decision not in DECISIONS:
        raise Invalid(_l("The decision must be approve or reject."), "decision")
    comment = _comment(comment)
    if not adapter.holds_capacity(user, obj, capacity):
        raise Forbidden(_l("You cannot sign in that capacity."), "capacity")
    if capacity not in definition.capacities_at(obj.state):
        raise Conflict(_l("Nobody signs in that capacity at the current stage."), "capacity")
    _check_version(obj, version)
    earlier = db.session.scalar(
        _SIGNED_ALREADY,
        {"object_type": adapter.object_type, "object_id": obj.id, "capacity": capacity, "version": version},
    )
    if earlier is not None:
        raise Conflict(_l("Someone has already signed this version in that capacity."), "capacity")
    _lock(obj, version)
    try:
        # A plain INSERT: nobody reads the new row back in this step, so the ORM's bookkeeping is not needed.
        db.session.execute(
            _INSERT_SIGNOFF,
            stamp(
                SignOff,
                {
                    "object_type": adapter.object_type,
                    "object_id": obj.id,
                    "capacity": capacity,
                    "decision": decision,
                    "comment": comment or "",
                    "state": obj.state,
                    "version": version,
                    "user_id": user.id,
                    "username": user.username,
                },
            ),
        )
    except IntegrityError:
        raise Conflict(_l("Someone has already signed this version in that capacity.")) from None
    _history(obj, user, "signoff", decision, obj.state, comment, capacity=capacity)
    if decision == "approve":
        _fire_automatic(obj, user)


def fire(obj, user, name, comment, version):
    """Fire transition ``name`` on ``obj``; returns what the transition's actions made (or ``None``)."""
    adapter, definition = adapter_for(obj), definition_for(obj)
    if name not in definition.transition_names:
        raise NotFound(_l("There is no such step."))
    transition = definition.transition(name, obj.state)
    if transition is None:
        named = [t for t in definition.transitions if t.name == name]
        if not any(adapter.may_fire(user, obj, t) for t in named):
            raise Forbidden(_l("You may not take this step."))
        raise Conflict(_l("This step cannot be taken from the current stage."))
    if not adapter.may_fire(user, obj, transition):
        raise Forbidden(_l("You may not take this step."))
    _check_version(obj, version)
    comment = _comment(comment)
    if transition.comment_required and not comment:
        raise Invalid(_l("Write a comment explaining why."), "comment")
    problems = blockers(obj, transition, _current_decisions(obj) if transition.signoffs else ())
    if problems:
        raise Conflict(_joined(problems))
    return _advance(obj, user, transition, comment, version)


def _advance(obj, user, transition, comment, version):
    """Move ``obj`` along a transition whose checks passed: version, state, history, actions, mail."""
    adapter, definition = adapter_for(obj), definition_for(obj)
    source = obj.state
    _check_version(obj, version)
    if not definition.machine.events[transition.name].trigger(obj, cleared=True):
        # Cannot happen while the checks above mirror the machine; if it does, refuse rather than
        # record a step that did not move (the caller rolls the transaction back).
        raise Conflict(_l("This step cannot be taken from the current stage."))
    # The new state goes into the compare-and-swap UPDATE that raises the version; marked as stored, it
    # is not written a second time by the flush at commit. (A refused UPDATE raises; the caller rolls back.)
    dest = obj.state
    set_committed_value(obj, "state", dest)
    _compare_and_set(obj, version, version + 1, state=dest)
    set_committed_value(obj, "version", version + 1)
    _history(obj, user, "transition", transition.name, source, comment)
    made = None
    for action in transition.actions:
        made = adapter.actions[action](obj, user, comment) or made
    if obj.state != source:
        _notify(obj, definition.capacities_at(obj.state), "entered")
    return made


def _fire_automatic(obj, user):
    """Fire the first automatic transition out of the current state whose approvals are now complete."""
    definition = definition_for(obj)
    for transition in definition.transitions_from(obj.state):
        if transition.automatic and not blockers(obj, transition, _current_decisions(obj)):
            _advance(obj, user, transition, "", obj.version)
            return transition.name
    return None


def check_current(obj, version):
    """Refuse ``version`` unless it is the one stored (a no-op change still proves the caller was current)."""
    _check_version(obj, version)


# --- reading the state of things ------------------------------------------------


@dataclass
class CapacityStatus:
    """Where one capacity stands at the current stage."""

    capacity: str
    title: str
    current: SignOff | None = None  # decision on the current version
    earlier: SignOff | None = None  # latest decision on an older version of this stage
    changes: list = field(default_factory=list)  # edits since ``earlier``

    @property
    def approved(self):
        return self.current is not None and self.current.decision == "approve"

    @property
    def voided(self):
        """An approval given for an older version, no longer counted."""
        return self.current is None and self.earlier is not None and self.earlier.decision == "approve"


@dataclass
class Status:
    """Everything a page or the API shows about an object's workflow for one user."""

    state: str
    version: int
    capacities: list
    transitions: list  # (transition, problems, may_fire)
    may_sign: list

    @property
    def required_signoffs(self):
        return [c.capacity for c in self.capacities if not c.approved]

    @property
    def allowed_transitions(self):
        return [t.name for t, problems, allowed in self.transitions if allowed and not problems]


def status(obj, user):
    """The stage's sign-offs, which steps ``user`` may take and what blocks the others."""
    adapter, definition = adapter_for(obj), definition_for(obj)
    current = _current_signoffs(obj)
    capacities = _capacity_panel(obj, definition.capacities_at(obj.state), current)
    steps = [
        (t, blockers(obj, t, current), adapter.may_fire(user, obj, t)) for t in definition.transitions_from(obj.state)
    ]
    may_sign = [
        c.capacity for c in capacities if c.current is None and adapter.holds_capacity(user, obj, c.capacity)
    ]
    return Status(obj.state, obj.version, capacities, steps, may_sign)


def blockers(obj, transition, current):
    """Why ``transition`` cannot fire now (empty when it can); ``current`` are the current version's sign-offs."""
    adapter = adapter_for(obj)
    decided = {s.capacity: s.decision for s in current}
    problems = []
    for capacity in transition.signoffs:
        if decided.get(capacity) == "reject":
            problems.append(_l("%(who)s rejected this version", who=CAPACITY_TITLES.get(capacity, capacity)))
        elif decided.get(capacity) != "approve":
            problems.append(_l("Waiting for approval from %(who)s", who=CAPACITY_TITLES.get(capacity, capacity)))
    for guard in transition.guards:
        problem = adapter.guards[guard](obj)
        if problem:
            problems.append(problem)
    return problems


def history(obj):
    """Every recorded step of ``obj``, oldest first."""
    adapter = adapter_for(obj)
    return db.session.scalars(
        select(WorkflowHistory)
        .where(WorkflowHistory.object_type == adapter.object_type, WorkflowHistory.object_id == obj.id)
        .order_by(WorkflowHistory.id)
    ).all()


def all_signoffs(obj):
    """Every sign-off ever given on ``obj``, oldest first."""
    return db.session.scalars(_signoffs_of(obj).order_by(SignOff.id)).all()


# --- internals ---------------------------------------------------------------------


def _signoffs_of(obj):
    adapter = adapter_for(obj)
    return select(SignOff).where(SignOff.object_type == adapter.object_type, SignOff.object_id == obj.id)


def _current_signoffs(obj):
    return db.session.scalars(_signoffs_of(obj).where(SignOff.version == obj.version)).all()


def _current_decisions(obj):
    """``(capacity, decision)`` rows of the current version: all that :func:`blockers` reads, without ORM objects."""
    return db.session.execute(
        _DECISIONS_OF_VERSION,
        {"object_type": adapter_for(obj).object_type, "object_id": obj.id, "version": obj.version},
    ).all()


def _approved_capacities(obj, version):
    rows = db.session.scalars(
        select(SignOff.capacity).where(
            SignOff.object_type == adapter_for(obj).object_type,
            SignOff.object_id == obj.id,
            SignOff.version == version,
            SignOff.decision == "approve",
        )
    ).all()
    return tuple(rows)


def _capacity_panel(obj, capacities, current):
    """Per capacity: the decision on this version, or the last one given earlier in this stage and what changed since."""
    if not capacities:
        return []
    entered = _stage_entered_version(obj)
    earlier_rows = db.session.scalars(
        _signoffs_of(obj)
        .where(SignOff.version >= entered, SignOff.version < obj.version, SignOff.state == obj.state)
        .order_by(SignOff.version.desc())
    ).all()
    edits = _edits_since(obj, min((s.version for s in earlier_rows), default=obj.version))
    by_capacity = {s.capacity: s for s in current}
    panel = []
    for capacity in capacities:
        earlier = next((s for s in earlier_rows if s.capacity == capacity), None)
        changes = [c for e in edits if earlier and e.version > earlier.version for c in (e.changes or [])]
        panel.append(
            CapacityStatus(capacity, str(CAPACITY_TITLES.get(capacity, capacity)), by_capacity.get(capacity), earlier, changes)
        )
    return panel


def _stage_entered_version(obj):
    adapter = adapter_for(obj)
    return (
        db.session.scalar(
            select(WorkflowHistory.version)
            .where(
                WorkflowHistory.object_type == adapter.object_type,
                WorkflowHistory.object_id == obj.id,
                WorkflowHistory.kind.in_(("create", "transition")),
            )
            .order_by(WorkflowHistory.id.desc())
            .limit(1)
        )
        or 1
    )


def _edits_since(obj, version):
    adapter = adapter_for(obj)
    return db.session.scalars(
        select(WorkflowHistory)
        .where(
            WorkflowHistory.object_type == adapter.object_type,
            WorkflowHistory.object_id == obj.id,
            WorkflowHistory.kind == "edit",
            WorkflowHistory.version > version,
        )
        .order_by(WorkflowHistory.id)
    ).all()


def _comment(comment):
    """A comment as stored: text without surrounding blanks; anything else is refused."""
    if comment is None:
        return ""
    if not isinstance(comment, str) or "\x00" in comment:
        raise Invalid(_l("The comment must be text."), "comment")
    if len(comment) > COMMENT_MAX:
        raise Invalid(_l("The comment can have at most %(max)d characters.", max=COMMENT_MAX), "comment")
    return comment.strip()


def _joined(problems):
    """The problems as one message, still in whatever language it is shown in later (the API's is English)."""
    return LazyString(lambda: "; ".join(str(p) for p in problems))


def _check_version(obj, version):
    if version is None or isinstance(version, bool) or not isinstance(version, int):
        raise Invalid(_l("The version you read is missing."), "version")
    if version != obj.version:
        raise Conflict(_l("Someone else changed this in the meantime. Load it again and repeat your change."), "version")


def _bump(obj, version):
    """Raise the version from ``version`` by one, or fail if someone else got there first."""
    _check_version(obj, version)
    _compare_and_set(obj, version, version + 1)
    set_committed_value(obj, "version", version + 1)


def _lock(obj, version):
    """Hold the row at ``version`` until commit, so an edit cannot slip in under a sign-off."""
    _compare_and_set(obj, version, version)


def _compare_and_set(obj, seen, new, state=None):
    """``UPDATE ... SET version = new [, state = state] WHERE id = obj.id AND version = seen``; 409 unless one row."""
    values = {"object_id": obj.id, "seen": seen, "new_version": new}
    if state is not None:
        values["new_state"] = state
    try:
        result = db.session.execute(_compare_and_set_statement(type(obj), state is not None), values)
    except OperationalError as error:
        # SQLite refuses the second of two writers outright ("database is locked").
        if "locked" in str(error).lower():
            raise Conflict(_l("Someone else changed this in the meantime. Load it again and repeat your change.")) from None
        raise
    if result.rowcount != 1:
        raise Conflict(_l("Someone else changed this in the meantime. Load it again and repeat your change."), "version")


def _compare_and_set_statement(model, with_state):
    """The compare-and-swap UPDATE for ``model``'s table, built once per process (plain Core, bound by name)."""
    key = (model, with_state)
    if key not in _COMPARE_AND_SET:
        table = model.__table__
        values = {"version": bindparam("new_version")}
        if with_state:
            values["state"] = bindparam("new_state")
        _COMPARE_AND_SET[key] = (
            update(table).where(table.c.id == bindparam("object_id"), table.c.version == bindparam("seen")).values(values)
        )
    return _COMPARE_AND_SET[key]


def _history(obj, user, kind, transition, source, comment, changes=None, capacity=None):
    """Write the step to the object's history and to the audit log (texts stay out of the log)."""
    adapter = adapter_for(obj)
    step = f"{transition}:{capacity}" if capacity else transition
    # A plain INSERT, like the sign-off's: the history is only read by later queries.
    db.session.execute(
        _INSERT_HISTORY,
        stamp(
            WorkflowHistory,
            {
                "object_type": adapter.object_type,
                "object_id": obj.id,
                "kind": kind,
                "transition": step,
                "from_state": source,
                "to_state": obj.state,
                "version": obj.version,
                "user_id": getattr(user, "id", None),
                "username": getattr(user, "username", "system"),
                "comment": comment or "",
                "changes": changes,
            },
        ),
    )
    details = {"step": step, "from": source, "to": obj.state, "version": obj.version}
    if changes:
        details["parts"] = sorted({str(change.get("what", "")) for change in changes if isinstance(change, dict)})
    audit.record(f"workflow.{kind}", adapter.object_type, obj.id, details, actor=user)


def _notify(obj, capacities, reason):
    if capacities:
        adapter_for(obj).notify(obj, tuple(capacities), reason)
