"""The workflow engine through the plan adapter: sign-offs bound to versions, refusals that write nothing.

The last test throws random sequences of edits, sign-offs and transitions at
plans and then checks, from the history and sign-off tables alone, that no
plan ever took a step the definition does not have or passed a gate without
every approval it needs on the version current when it fired.
"""
import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.org.accounts import grant_role
from portal.org.models import User
from portal.plans import editing
from portal.plans.fields import PlanError
from portal.plans.models import Plan
from portal.plans.pages import load_plan
from portal.workflow import engine
from portal.workflow.engine import Conflict, Forbidden, Invalid, NotFound, WorkflowError
from portal.workflow.models import SignOff, WorkflowHistory

from . import PURPOSE, add_goal, approve, drive_to, fire, new_plan, sign, snapshot, user


@pytest.fixture
def ctx(app, people):
    with app.app_context():
        yield


def refused(error, step, *args, **kwargs):
    """Run a step that must be refused with ``error``; roll back as a view would; return the error."""
    with pytest.raises(error) as caught:
        step(*args, **kwargs)
    db.session.rollback()
    return caught.value


def english(error):
    """The refusal as the API shows it: in English, whatever language the step ran in."""
    with force_locale("en"):
        return str(error.message)


def _status(plan, username="hr"):
    return engine.status(plan, user(username))


def test_signoffs_are_bound_to_the_version_they_approved(ctx):
    plan = new_plan()
    approve(plan, "leader", "representative", "politician")
    assert _status(plan).required_signoffs == []
    assert "agree_purpose" in _status(plan).allowed_transitions
    rows = engine.all_signoffs(plan)
    assert [(s.capacity, s.decision, s.version, s.state) for s in rows] == [
        ("leader", "approve", 1, "purpose"),
        ("representative", "approve", 1, "purpose"),
        ("politician", "approve", 1, "purpose"),
    ]
    assert plan.version == 1, "a sign-off does not change the plan"


def test_an_edit_voids_the_approvals_of_the_stage(ctx):
    plan = new_plan()
    approve(plan, "leader", "representative")
    changed = editing.update_plan(plan, {"purpose": PURPOSE + " Vi trenger også flere i heltid."}, user("hr"), 1)
    db.session.commit()
    assert changed == ["purpose"] and plan.version == 2
    status = _status(plan)
    assert status.required_signoffs == ["leader", "representative", "politician"]
    panel = {c.capacity: c for c in status.capacities}
    assert panel["leader"].voided and panel["representative"].voided and not panel["politician"].voided
    assert panel["leader"].changes == [{"what": "plan", "fields": ["purpose"]}]
    approve(plan, "politician")
    error = refused(Conflict, engine.fire, plan, user("hr"), "agree_purpose", "", plan.version)
    assert "Waiting for approval" in english(error)
    assert plan.state == "purpose"
    # the old approvals are still on record, bound to version 1
    assert {(s.capacity, s.version) for s in engine.all_signoffs(plan)} == {
        ("leader", 1), ("representative", 1), ("politician", 2),
    }
    edits = [h for h in engine.history(plan) if h.kind == "edit"]
    assert [(h.version, h.username, h.changes) for h in edits] == [(2, "hr", [{"what": "plan", "fields": ["purpose"]}])]


def test_an_edit_in_a_stage_that_does_not_allow_it_is_refused(ctx):
    plan = new_plan()
    before = snapshot(plan)
    refused(Conflict, editing.add_goal, plan, {"title": "For tidlig", "kind": "manual", "target_value": 3}, user("hr"), 1)
    assert snapshot(plan) == before
    drive_to(plan, "goals")
    before = snapshot(plan)
    refused(Conflict, editing.update_plan, plan, {"purpose": "Noe annet"}, user("hr"), plan.version)
    assert snapshot(plan) == before


def test_a_reject_blocks_the_gate_until_a_newer_version_is_approved(ctx):
    plan = new_plan()
    sign(plan, "representative", decision="reject", comment="Heltid mangler i formålet.")
    approve(plan, "leader", "politician")
    error = refused(Conflict, engine.fire, plan, user("hr"), "agree_purpose", "", 1)
    assert "rejected" in english(error)
    assert _status(plan).required_signoffs == ["representative"]
    # the same capacity cannot turn its reject into an approval of the same version
    refused(Conflict, engine.sign, plan, user("representative"), "representative", "approve", "", 1)
    editing.update_plan(plan, {"purpose": PURPOSE + " Heltid er et eget mål."}, user("hr"), 1)
    db.session.commit()
    # the newer version needs everybody again, the representative included
    assert _status(plan).required_signoffs == ["leader", "representative", "politician"]
    approve(plan, "leader", "politician")
    refused(Conflict, engine.fire, plan, user("hr"), "agree_purpose", "", 2)
    approve(plan, "representative")
    fire(plan, "agree_purpose")
    assert plan.state == "goals"


def test_a_rejected_capacity_cannot_be_approved_by_someone_else_on_the_same_version(ctx):
    second = User(username="representative2", password_hash="x")
    db.session.add(second)
    grant_role(second, "representative")
    db.session.commit()
    plan = new_plan()
    sign(plan, "representative", decision="reject")
    before = snapshot(plan)
    error = refused(Conflict, engine.sign, plan, user("representative2"), "representative", "approve", "", 1)
    assert error.field == "capacity"
    assert snapshot(plan) == before


def test_signing_in_a_capacity_one_does_not_hold_is_forbidden(ctx):
    plan = new_plan()
    before = snapshot(plan)
    for username, capacity in [
        ("representative", "politician"),  # a representative cannot sign as politician
        ("politician", "representative"),
        ("employee", "leader"),
        ("other_leader", "leader"),  # leads a school: the plan covers home care
        ("hr", "leader"),
    ]:
        error = refused(Forbidden, engine.sign, plan, user(username), capacity, "approve", "", 1)
        assert error.status == 403, (username, capacity)
    assert snapshot(plan) == before
    # a leader whose unit lies inside the plan's scope may sign it
    wide = new_plan(scope="HO")
    sign(wide, "leader")
    assert [s.username for s in engine.all_signoffs(wide)] == ["leader"]


def test_a_capacity_the_stage_does_not_ask_for_is_a_conflict(ctx):
    plan = drive_to(new_plan(), "goals")
    before = snapshot(plan)
    error = refused(Conflict, engine.sign, plan, user("politician"), "politician", "approve", "", plan.version)
    assert error.status == 409 and error.field == "capacity"
    assert snapshot(plan) == before
    drive_to(plan, "measures")
    before = snapshot(plan)
    refused(Conflict, engine.sign, plan, user("leader"), "leader", "approve", "", plan.version)
    assert snapshot(plan) == before


def test_a_stale_version_or_a_bad_request_is_refused(ctx):
    plan = new_plan()
    editing.update_plan(plan, {"mandate": "Arbeidsgruppa leverer innen mars."}, user("hr"), 1)
    db.session.commit()
    before = snapshot(plan)
    assert refused(Conflict, engine.sign, plan, user("leader"), "leader", "approve", "", 1).field == "version"
    assert refused(Invalid, engine.sign, plan, user("leader"), "leader", "maybe", "", 2).field == "decision"
    assert refused(Invalid, engine.sign, plan, user("leader"), "leader", "approve", "", None).field == "version"
    assert refused(Invalid, engine.sign, plan, user("leader"), "leader", "approve", "", "2").field == "version"
    assert refused(Invalid, engine.sign, plan, user("leader"), "leader", "approve", {"x": 1}, 2).field == "comment"
    assert refused(Invalid, engine.fire, plan, user("hr"), "agree_purpose", ["x"], 2).field == "comment"
    assert refused(NotFound, engine.fire, plan, user("hr"), "publish", "", 2).status == 404
    assert refused(Forbidden, engine.fire, plan, user("leader"), "agree_purpose", "", 2).status == 403
    assert refused(Conflict, engine.fire, plan, user("hr"), "close", "", 2).status == 409
    assert refused(Conflict, editing.update_plan, plan, {"purpose": "x"}, user("hr"), 1).field == "version"
    assert snapshot(plan) == before


def test_a_failing_guard_writes_nothing(ctx):
    plan = new_plan(purpose="")
    approve(plan, "leader", "representative", "politician")
    before = snapshot(plan)
    error = refused(Conflict, engine.fire, plan, user("hr"), "agree_purpose", "", plan.version)
    assert "purpose" in english(error)
    assert snapshot(plan) == before == ("purpose", 1, 4, 3)
    editing.update_plan(plan, {"purpose": PURPOSE}, user("hr"), 1)
    db.session.commit()
    approve(plan, "leader", "representative", "politician")
    fire(plan, "agree_purpose")
    approve(plan, "leader", "representative")
    before = snapshot(plan)
    assert "goal" in english(refused(Conflict, engine.fire, plan, user("hr"), "approve_goals", "", plan.version))
    # send_back needs a comment: refused as invalid input, nothing written
    assert refused(Invalid, engine.fire, plan, user("hr"), "send_back", "  ", plan.version).field == "comment"
    assert snapshot(plan) == before


def test_an_action_that_fails_rolls_the_whole_step_back(ctx, app, monkeypatch):
    definition = engine.definitions()["competence_plan"]
    changed = [
        dataclasses.replace(t, actions=("start_successor",)) if t.name == "agree_purpose" else t
        for t in definition.transitions
    ]
    monkeypatch.setattr(definition, "transitions", changed)
    adapter = app.extensions["workflows"]["adapters"][Plan]

    def broken(plan, user, comment):
        raise RuntimeError("the archive is down")

    monkeypatch.setitem(adapter.actions, "start_successor", broken)
    plan = new_plan()
    approve(plan, "leader", "representative", "politician")
    before = snapshot(plan)
    with pytest.raises(RuntimeError):
        engine.fire(plan, user("hr"), "agree_purpose", "", plan.version)
    assert plan.state == "goals", "transitions changed the row in memory before the action failed"
    db.session.rollback()
    assert snapshot(plan) == before
    assert plan.state == "purpose"
    assert [h.kind for h in engine.history(plan)] == ["create", "signoff", "signoff", "signoff"]


def test_new_cycle_carries_over_goals_not_reached_once(ctx):
    plan = new_plan()
    drive_to(plan, "goals")
    add_goal(plan, "Flere med sårbehandling")
    add_goal(plan, "Lavere deltidsandel")
    drive_to(plan, "evaluation")
    first, second = plan.goals
    editing.evaluate_goal(plan, first, {"verdict": "reached", "reached_value": 6}, user("hr"), plan.version)
    editing.evaluate_goal(plan, second, {"verdict": "not_reached", "reached_value": 1}, user("hr"), plan.version)
    db.session.commit()
    approve(plan, "leader", "representative", "politician")
    fire(plan, "close")
    plan = load_plan(plan.id)  # as the views load it: goals and measures up front
    successor = fire(plan, "new_cycle")
    assert successor.state == "purpose" and successor.version == 1 and successor.predecessor_id == plan.id
    assert [g.title for g in successor.goals] == ["Lavere deltidsandel"]
    before = snapshot(plan)
    assert "already" in english(refused(Conflict, engine.fire, plan, user("hr"), "new_cycle", "", plan.version))
    assert snapshot(plan) == before
    assert db.session.scalar(select(Plan.id).where(Plan.predecessor_id == plan.id)) == successor.id


def test_history_holds_every_step_in_order(ctx):
    plan = drive_to(new_plan(), "closed")
    steps = [(h.kind, h.transition, h.from_state, h.to_state, h.version) for h in engine.history(plan)]
    transitions = [s for s in steps if s[0] in ("create", "transition")]
    assert transitions == [
        ("create", "create", None, "purpose", 1),
        ("transition", "agree_purpose", "purpose", "goals", 2),
        ("transition", "approve_goals", "goals", "measures", 4),
        ("transition", "start_evaluation", "measures", "evaluation", 6),
        ("transition", "close", "evaluation", "closed", 8),
    ]
    assert [s[1] for s in steps if s[0] == "signoff"] == [
        "approve:leader", "approve:representative", "approve:politician",
        "approve:leader", "approve:representative",
        "approve:leader", "approve:representative", "approve:politician",
    ]


# --- random sequences ------------------------------------------------------------

# Weighted towards steps that can succeed, so that sequences do reach the later stages;
# the rest are the mistakes people make: the wrong capacity, a stale version, a stage skipped.
SIGNINGS = (
    ("leader", "leader"), ("leader", "leader"), ("representative", "representative"),
    ("representative", "representative"), ("politician", "politician"), ("politician", "politician"),
    ("representative", "politician"), ("other_leader", "leader"), ("employee", "leader"), ("hr", "hr"),
    ("politician", "representative"), ("leader", "employee"),
)
TRANSITIONS = ("next",) * 12 + ("send_back",) * 3 + (
    "agree_purpose", "approve_goals", "start_evaluation", "close", "new_cycle", "publish",
)
OFFSETS = (0,) * 8 + (-1, 1)

consent = st.tuples(st.just("consent"))  # everybody the stage asks approves the current version
edits = st.tuples(st.just("edit"), st.sampled_from(("fitting",) * 6 + ("purpose", "goals", "measures", "evaluation")),
              st.sampled_from(OFFSETS), st.booleans())
signs = st.tuples(st.just("sign"), st.sampled_from(SIGNINGS), st.sampled_from(("approve",) * 4 + ("reject",)),
              st.sampled_from(OFFSETS))
fires = st.tuples(st.just("fire"), st.sampled_from(TRANSITIONS), st.sampled_from(("hr",) * 5 + ("leader",)),
              st.sampled_from(("", "Må skrives om.")), st.sampled_from(OFFSETS))
advance = st.tuples(st.just("advance"))  # do what the stage needs, get the approvals, fire the step forward
steps = st.one_of(consent, advance, edits, edits, signs, fires, fires)


def _edit(plan, part, offset, blank):
    """One edit of ``part`` (``fitting``: whatever the current stage allows) on version + ``offset``."""
    hr, version = user("hr"), plan.version + offset
    if part == "fitting":
        part = plan.state
    if part == "purpose":
        editing.update_plan(plan, {"purpose": "" if blank else f"Formål, runde {plan.version}"}, hr, version)
    elif part == "goals":
        editing.add_goal(plan, {"title": f"Mål {plan.version}", "kind": "manual", "target_value": 4}, hr, version)
    elif part == "measures":
        goal = next((g for g in plan.goals if not any(m.goal_id == g.id for m in plan.measures)), None)
        data = {"kind": "mentor", "title": f"Tiltak {plan.version}", "goal_id": goal.id if goal else None}
        editing.add_measure(plan, data, hr, version)
    elif part == "evaluation":
        goal = next((g for g in plan.goals if not g.verdict), plan.goals[0] if plan.goals else None)
        if goal is None:
            raise Conflict("nothing to evaluate")
        editing.evaluate_goal(plan, goal, {"verdict": "reached" if blank else "partly", "reached_value": 2}, hr, version)
    else:
        raise Conflict("nothing to change")


def _advance(plan):
    """Fill in what the stage's guards ask for, gather the approvals and fire the step forward."""
    hr = user("hr")
    if plan.state == "purpose" and not plan.purpose:
        editing.update_plan(plan, {"purpose": PURPOSE}, hr, plan.version)
    elif plan.state == "goals" and not plan.goals:
        _edit(plan, "goals", 0, False)
    elif plan.state == "measures":
        while any(not any(m.goal_id == g.id and m.status != "cancelled" for m in plan.measures) for g in plan.goals):
            _edit(plan, "measures", 0, False)
            db.session.flush()
    elif plan.state == "evaluation":
        while any(not g.verdict for g in plan.goals):
            _edit(plan, "evaluation", 0, False)
    _run(plan, ("consent",))
    forward = engine.definition_for(plan).transitions_from(plan.state)[0]
    engine.fire(plan, hr, forward.name, "", plan.version)


def _run(plan, step):
    kind = step[0]
    if kind == "advance":
        _advance(plan)
    elif kind == "consent":
        signed = {s.capacity for s in engine.all_signoffs(plan) if s.version == plan.version}
        for capacity in engine.definition_for(plan).capacities_at(plan.state):
            if capacity not in signed:
                engine.sign(plan, user(capacity), capacity, "approve", "", plan.version)
    elif kind == "edit":
        _edit(plan, *step[1:])
    elif kind == "sign":
        _, (username, capacity), decision, offset = step
        engine.sign(plan, user(username), capacity, decision, "", plan.version + offset)
    else:
        _, name, username, comment, offset = step
        if name == "next":  # the step forward from here, whatever the stage
            name = engine.definition_for(plan).transitions_from(plan.state)[0].name
        engine.fire(plan, user(username), name, comment, plan.version + offset)


def _check_the_record(definition, plan_id):
    """From the tables alone: every move is an edge of the definition, every gate had its approvals."""
    history = db.session.scalars(
        select(WorkflowHistory)
        .where(WorkflowHistory.object_type == "plan", WorkflowHistory.object_id == plan_id)
        .order_by(WorkflowHistory.id)
    ).all()
    signoffs = db.session.scalars(
        select(SignOff).where(SignOff.object_type == "plan", SignOff.object_id == plan_id)
    ).all()
    decided = {(s.capacity, s.version): s for s in signoffs}
    assert history[0].kind == "create" and history[0].to_state == definition.initial and history[0].version == 1
    state, version, state_at = definition.initial, 1, {1: definition.initial}
    for row in history[1:]:
        if row.kind == "signoff":
            assert row.version == version and row.to_state == state
            continue
        assert row.version == version + 1, "every edit and transition raises the version by one"
        if row.kind == "transition":
            transition = definition.transition(row.transition, state)
            assert transition is not None and row.from_state == state, f"no step {row.transition} from {state}"
            assert row.to_state == transition.dest
            for capacity in transition.signoffs:
                signoff = decided.get((capacity, version))
                assert signoff is not None and signoff.decision == "approve" and signoff.state == state, (
                    f"{row.transition} fired at version {version} without an approval from {capacity}"
                )
            state = transition.dest
        else:
            assert row.kind == "edit" and row.from_state == state == row.to_state
            assert definition.states[state].editable, f"an edit in {state}, which allows none"
        version = row.version
        state_at[version] = state
    for signoff in signoffs:
        assert signoff.state == state_at[signoff.version], "a sign-off for a version in another stage"
        assert signoff.capacity in definition.capacities_at(signoff.state)
    plan = db.session.get(Plan, plan_id)
    assert (plan.state, plan.version) == (state, version)


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=20, max_size=80))
def test_random_steps_never_leave_the_definition_or_skip_a_gate(ctx, sequence):
    definition = engine.definitions()["competence_plan"]
    plan = new_plan(purpose="" if len(sequence) % 3 == 0 else PURPOSE)
    plan_id = plan.id
    for step in sequence:
        plan = load_plan(plan_id)
        try:
            _run(plan, step)
        except (WorkflowError, PlanError):
            db.session.rollback()
        else:
            db.session.commit()
    db.session.expire_all()
    touched = db.session.scalars(select(Plan.id).where((Plan.id == plan_id) | (Plan.predecessor_id == plan_id))).all()
    for each in touched:
        _check_the_record(definition, each)
