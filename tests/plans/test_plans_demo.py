"""The demo municipality's competence plans: every stage, a real history, work waiting for each demo user."""
import hashlib
from datetime import datetime, time, timezone

import pytest
from sqlalchemy import event, func, select

from portal.competence.models import Requirement
from portal.extensions import db
from portal.notify.models import OutgoingMail
from portal.org.demo import REFERENCE_DATE, generate
from portal.org.models import Unit, User
from portal.plans import queries
from portal.plans.figures import goal_values
from portal.plans.models import Goal, Measure, MeasureNote, Plan
from portal.workflow import engine
from portal.workflow.models import SignOff, WorkflowHistory

from ..workflow.test_engine import _check_the_record

PASSWORD = "demo-pass-123"
STATES = ("purpose", "goals", "measures", "evaluation", "closed")
CUTOFF = datetime.combine(REFERENCE_DATE, time(0), tzinfo=timezone.utc)


def _empty_tables():
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def demo(app):
    with app.app_context():
        yield generate(employees=300, seed=5, password=PASSWORD)


def _user(username):
    return db.session.scalars(select(User).where(User.username == username)).one()


def _plan(title_start):
    return db.session.scalars(select(Plan).where(Plan.title.startswith(title_start)).order_by(Plan.id)).one()


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _digest():
    """Everything about the plans a person could see, independent of database ids."""
    lines = []
    for plan in db.session.scalars(select(Plan).order_by(Plan.id)):
        lines.append(repr((plan.title, plan.state, plan.version, plan.scope_unit and plan.scope_unit.code, plan.purpose,
                           plan.platform, plan.working_group, plan.period_start, plan.period_end,
                           _aware(plan.created_at).isoformat())))
        for goal in plan.goals:
            lines.append(repr((goal.title, goal.kind, goal.competence_id and goal.competence.code, goal.min_level,
                               str(goal.target), goal.direction, goal.verdict, str(goal.reached_value))))
        for measure in plan.measures:
            lines.append(repr((measure.title, measure.kind, measure.strategy, measure.status, str(measure.cost_nok),
                               str(measure.cost_per_participant), [n.text for n in measure.notes])))
        for row in engine.history(plan):
            lines.append(repr((row.kind, row.transition, row.version, row.username, row.comment, row.changes,
                               _aware(row.at).isoformat())))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_every_stage_has_a_plan_and_the_closed_one_has_a_successor(demo):
    assert demo.plans.by_state == {state: 1 for state in STATES}
    closed = _plan("Kompetanseplan for helse og omsorg 2022")
    successor = db.session.scalars(select(Plan).where(Plan.predecessor_id == closed.id)).one()
    assert closed.state == "closed" and successor.title == "Kompetanseplan for helse og omsorg 2026–2029"
    assert successor.scope_unit.code == "HO" and successor.state == "goals"
    carried = [g for g in successor.goals if g.carried_from_id]
    assert carried, "goals not reached are carried over"
    verdicts = {g.id: g.verdict for g in closed.goals}
    assert all(verdicts[g.carried_from_id] != "reached" for g in carried)
    assert {g.verdict for g in closed.goals} >= {"reached", "partly"}
    transitions = [h.transition for h in engine.history(closed) if h.kind == "transition"]
    assert transitions == ["agree_purpose", "approve_goals", "start_evaluation", "close", "new_cycle"]


def test_plans_cover_the_whole_municipality_health_and_care_and_the_schools(demo):
    scopes = {p.title: p.scope_unit.code if p.scope_unit else None for p in db.session.scalars(select(Plan))}
    assert scopes["Kompetanseplan for Eksempel kommune 2025–2028"] is None
    assert scopes["Kompetanseplan for grunnskolen 2027–2030"] == "SK"
    assert list(scopes.values()).count("HO") == 2
    for plan in db.session.scalars(select(Plan)):
        roles = {m["role"] for m in plan.working_group}
        assert {"leader", "representative", "safety_representative"} <= roles, plan.title
        assert plan.purpose and plan.mandate and len(plan.platform) >= 3


def test_goals_are_bound_to_real_gaps_and_aim_above_today(demo):
    goals = db.session.scalars(select(Goal).join(Plan).where(Plan.state.in_(("goals", "measures")))).all()
    values = goal_values(goals)
    competence = [g for g in goals if g.kind == "competence"]
    assert len(competence) >= 3
    for goal in competence:
        requirement = db.session.scalar(
            select(Requirement.id).where(
                Requirement.unit_id == goal.unit_id,
                Requirement.competence_id == goal.competence_id,
                Requirement.min_level == goal.min_level,
            )
        )
        assert requirement is not None, f"{goal.title} is bound to no requirement"
        assert goal.target_count > values[goal.id], f"{goal.title}: the target is not above today's holders"
    codes = {g.competence.code for g in competence}
    assert "SARBEHANDLING" in codes
    part_time = [g for g in goals if g.kind == "workforce" and g.figure == "part_time_share"]
    assert part_time and all(g.direction == "at_most" and g.target < values[g.id] for g in part_time)


def test_measures_have_kinds_strategies_people_costs_and_progress(demo):
    measures = db.session.scalars(select(Measure)).all()
    assert len({m.kind for m in measures}) >= 8
    assert {m.strategy for m in measures} == {"mobilise", "develop", "recruit", "phase_out"}
    assert {m.status for m in measures} >= {"in_progress", "done"}
    assert all(m.responsible and m.start and m.evaluation_method for m in measures)
    assert any(m.external_grants for m in measures) and any(m.binding_months for m in measures)
    assert db.session.scalar(select(func.count()).select_from(MeasureNote)) >= 8


def test_signoffs_tell_of_a_reject_and_a_voided_approval(demo):
    municipality = _plan("Kompetanseplan for Eksempel kommune")
    decisions = [(s.capacity, s.decision, s.version) for s in engine.all_signoffs(municipality)]
    reject = next(d for d in decisions if d[1] == "reject")
    assert ("representative", "approve", reject[2] + 1) in decisions, "a reject, then approval of a newer version"
    goals_plan = _plan("Kompetanseplan for helse og omsorg 2026")
    status = engine.status(goals_plan, _user("hr"))
    leader = next(c for c in status.capacities if c.capacity == "leader")
    assert goals_plan.state == "goals" and leader.voided and leader.changes
    assert status.required_signoffs == ["leader"]


def test_each_demo_user_has_work_waiting(app, demo):
    with app.test_request_context():
        work = {name: queries.worklist(_user(name)) for name in ("leader", "representative", "politician", "hr")}
    assert all(work.values()), {k: len(v) for k, v in work.items()}
    assert any("helse og omsorg 2026–2029" in item.title for item in work["leader"])
    assert any("grunnskolen" in item.title for item in work["politician"])
    assert any("hjemmetjenesten" in item.title.lower() for item in work["hr"])
    leader = _user("leader")
    adapter = app.extensions["workflows"]["adapters"][Plan]
    health = select(Plan).join(Unit, Plan.scope_unit_id == Unit.id).where(Unit.path.startswith("/HO/"))
    for plan in db.session.scalars(health):
        assert adapter.holds_capacity(leader, plan, "leader"), plan.title


def test_the_history_is_real_and_back_dated(demo):
    definition = engine.definitions()["competence_plan"]
    for plan in db.session.scalars(select(Plan)):
        _check_the_record(definition, plan.id)
        moments = [_aware(h.at) for h in engine.history(plan)]
        assert moments == sorted(moments) and moments[-1] < CUTOFF, plan.title
        assert _aware(plan.created_at) == moments[0]
    for model in (WorkflowHistory, SignOff, MeasureNote):
        latest = db.session.scalar(select(func.max(model.at)))
        assert _aware(latest) < CUTOFF, model.__name__
    evaluated = db.session.scalars(select(Goal.evaluated_at).where(Goal.evaluated_at.is_not(None))).all()
    assert evaluated and all(_aware(at) < CUTOFF for at in evaluated)


def test_demo_users_get_addresses_and_nothing_waits_in_the_outbox(demo):
    addresses = dict(db.session.execute(select(User.username, User.email)).all())
    assert addresses == {name: f"{name}@eksempel-kommune.no" for name in addresses}
    assert len(addresses) == 6
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_same_seed_same_plans(app):
    with app.app_context():
        generate(employees=250, seed=42, password=PASSWORD)
        first = _digest()
        _empty_tables()
        generate(employees=250, seed=42, password=PASSWORD)
        assert _digest() == first
        _empty_tables()
        generate(employees=250, seed=43, password=PASSWORD)
        assert _digest() != first


def test_the_plans_cost_the_same_number_of_statements_whatever_the_size(app, monkeypatch):
    import portal.plans.demo as plans_demo

    counted = []
    original = plans_demo.add_demo_plans

    def counting(*args, **kwargs):
        seen = []
        listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            return original(*args, **kwargs)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
            counted.append(len(seen))

    monkeypatch.setattr(plans_demo, "add_demo_plans", counting)
    with app.app_context():
        generate(employees=250, seed=8, password=PASSWORD)
        _empty_tables()
        generate(employees=2500, seed=8, password=PASSWORD)
    assert counted[0] == counted[1] < 1000


def test_the_command_prints_the_plans(app, runner):
    result = runner.invoke(args=["demo", "--employees", "200", "--seed", "9", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Competence plans: 5 (1 purpose, 1 goals, 1 measures, 1 evaluation, 1 closed)." in result.output
