"""The demo municipality's appraisal interviews, development entries and learning activities.

What someone trying the demo notices: interviews in every state, the demo
``employee``'s signed interview from last year (with the entries followed up
since) and this year's coming one, learning activities whose competences and
completed entries agree with each other, and the same data for the same seed.
"""
import hashlib
from datetime import datetime, time, timezone

import pytest
from sqlalchemy import event, func, select

from portal.appraisals.demo import STATES
from portal.appraisals.models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent
from portal.appraisals.visibility import visible_appraisals
from portal.competence.models import HeldCompetence, HeldCompetenceChange
from portal.extensions import db
from portal.learning.models import LearningActivity, LearningParticipant
from portal.notify.models import OutgoingMail
from portal.org.demo import REFERENCE_DATE, generate
from portal.org.models import Employee, User
from portal.plans.models import Measure, Plan
from portal.workflow import engine
from portal.workflow.models import SignOff, WorkflowHistory

PASSWORD = "demo-pass-123"
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


def _aware(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _history(appraisal):
    return db.session.scalars(
        select(WorkflowHistory)
        .where(WorkflowHistory.object_type == "appraisal", WorkflowHistory.object_id == appraisal.id)
        .order_by(WorkflowHistory.id)
    ).all()


def _check_the_record(appraisal):
    """From the tables alone: every move is an edge of the workflow, the signed one had both approvals."""
    definition = engine.definition_for(appraisal)
    history = _history(appraisal)
    decided = {
        (s.capacity, s.version): s
        for s in db.session.scalars(
            select(SignOff).where(SignOff.object_type == "appraisal", SignOff.object_id == appraisal.id)
        )
    }
    assert history[0].kind == "create" and history[0].version == 1 and history[0].to_state == "scheduled"
    state, version = "scheduled", 1
    for row in history[1:]:
        if row.kind == "signoff":
            assert row.version == version and row.to_state == state
            continue
        assert row.version == version + 1
        if row.kind == "transition":
            transition = definition.transition(row.transition, state)
            assert transition is not None and row.from_state == state
            for capacity in transition.signoffs:
                assert decided[(capacity, version)].decision == "approve"
            state = transition.dest
        else:
            assert row.kind == "edit" and definition.editable(state, row.changes and _part(row.changes[0]))
        version = row.version
    assert (state, version) == (appraisal.state, appraisal.version)
    return history


def _part(change):
    return {"entry": "entries", "preparation": "preparation", "summary": "summary"}.get(change["what"], change["what"])


def test_interviews_in_every_state_and_the_leader_sees_every_state_in_their_unit(demo):
    assert demo.appraisals is not None
    counts = dict(db.session.execute(select(Appraisal.state, func.count()).group_by(Appraisal.state)).all())
    assert set(counts) == set(STATES) and all(counts[s] > 0 for s in STATES)
    assert demo.appraisals.by_state == counts
    mine = db.session.scalars(visible_appraisals(_user("leader"))).all()
    assert {a.state for a in mine} == set(STATES)
    for appraisal in mine:  # everything the demo leader can open has a workflow record that fits the definition
        history = _check_the_record(appraisal)
        assert all(_aware(h.at) < CUTOFF for h in history)
        if appraisal.state == "signed":
            assert {s.capacity for s in engine.all_signoffs(appraisal)} == {"employee", "leader"}
    entries = db.session.scalars(select(DevelopmentEntry).where(
        DevelopmentEntry.appraisal_id.in_([a.id for a in mine]))).all()
    assert entries
    for entry in entries:  # each has its status history, from agreed to where it stands
        events = db.session.scalars(select(DevelopmentEntryEvent).where(DevelopmentEntryEvent.entry_id == entry.id)
                                    .order_by(DevelopmentEntryEvent.id)).all()
        assert events[0].from_status is None and events[-1].to_status == entry.status
        assert entry.status != "cancelled" or entry.status_note
    # hr's figures: most interviews before the reference date are held or signed
    assert counts["signed"] > counts["held"] and counts["signed"] > counts["cancelled"]


def test_the_demo_employee_has_last_years_signed_interview_and_this_years_coming_one(demo):
    employee, leader = _user("employee"), _user("leader")
    last, this = db.session.scalars(
        select(Appraisal).where(Appraisal.employee_id == employee.employee_id).order_by(Appraisal.scheduled_for)
    ).all()
    assert last.state == "signed" and _aware(last.scheduled_for).year == REFERENCE_DATE.year - 1
    assert len([v for v in last.preparation.values() if v.strip()]) >= 4
    assert last.summary and last.employee_comment and "ikke helt enig" in last.employee_comment
    assert _aware(last.signed_at) < CUTOFF
    signoffs = {(s.capacity, s.username) for s in engine.all_signoffs(last)}
    assert signoffs == {("employee", "employee"), ("leader", "leader")}
    steps = [h.transition for h in _check_the_record(last) if h.kind == "transition"]
    assert steps == ["prepare", "hold", "sign_off"]
    assert this.state == "scheduled"
    assert _aware(this.scheduled_for).date() > REFERENCE_DATE
    assert all(_aware(h.at) < CUTOFF for h in _history(last) + _history(this))
    entries = db.session.scalars(
        select(DevelopmentEntry).where(DevelopmentEntry.appraisal_id == last.id).order_by(DevelopmentEntry.id)
    ).all()
    statuses = [e.status for e in entries]
    assert statuses.count("completed") >= 2 and statuses.count("in_progress") == 1
    linked = [e for e in entries if e.measure_id]
    assert len(linked) == 1
    plan_state = db.session.scalar(select(Plan.state).join(Measure).where(Measure.id == linked[0].measure_id))
    assert plan_state not in (None, "closed")
    by_course = [e for e in entries if e.completed_by_activity_id]
    assert len(by_course) == 1
    entry = by_course[0]
    activity = db.session.get(LearningActivity, entry.completed_by_activity_id)
    assert activity.competence_id == entry.competence_id and activity.level_achieved >= entry.target_level
    assert db.session.get(LearningParticipant, (activity.id, employee.employee_id)) is not None
    held = db.session.scalars(select(HeldCompetence).where(
        HeldCompetence.employee_id == employee.employee_id, HeldCompetence.competence_id == activity.competence_id,
        HeldCompetence.source == "learning_activity")).one()
    assert held.level >= activity.level_achieved
    events = db.session.scalars(select(DevelopmentEntryEvent).where(DevelopmentEntryEvent.entry_id == entry.id)
                                .order_by(DevelopmentEntryEvent.id)).all()
    assert [(e.from_status, e.to_status) for e in events] == [(None, "planned"), ("planned", "completed")]
    assert activity.title in events[-1].note and _aware(events[-1].at) < CUTOFF
    assert leader.id == this.created_by_id == last.created_by_id
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


def test_learning_activities_raise_competences_and_close_matching_entries_consistently(demo):
    activities = db.session.scalars(select(LearningActivity)).all()
    kinds = {a.kind for a in activities}
    assert {"fagdag", "course", "elearning", "hospitering", "kollegaveiledning", "mentoring"} <= kinds
    assert len({a.title for a in activities}) == len(activities)
    with_competence = [a for a in activities if a.competence_id]
    assert len(with_competence) >= 3
    for activity in with_competence:
        people = set(db.session.scalars(
            select(LearningParticipant.employee_id).where(LearningParticipant.activity_id == activity.id)))
        assert people
        held = dict(db.session.execute(
            select(HeldCompetence.employee_id, HeldCompetence.level).where(
                HeldCompetence.competence_id == activity.competence_id, HeldCompetence.source == "learning_activity",
                HeldCompetence.employee_id.in_(people))).all())
        assert set(held) == people and all(level >= activity.level_achieved for level in held.values())
        logged = db.session.scalar(select(func.count()).select_from(HeldCompetenceChange).where(
            HeldCompetenceChange.competence_id == activity.competence_id,
            HeldCompetenceChange.note.startswith(activity.title)))
        assert logged > 0
        # no entry this activity should have completed is left open
        still_open = db.session.scalars(select(DevelopmentEntry).where(
            DevelopmentEntry.employee_id.in_(people), DevelopmentEntry.competence_id == activity.competence_id,
            DevelopmentEntry.status.in_(("planned", "in_progress")),
            DevelopmentEntry.target_level <= activity.level_achieved)).all()
        assert [e for e in still_open if _aware(e.created_at).date() < activity.date] == []
    by_activity = select(DevelopmentEntry).where(DevelopmentEntry.completed_by_activity_id.is_not(None))
    assert all(entry.status == "completed" for entry in db.session.scalars(by_activity))
    entries = db.session.scalar(select(func.count()).select_from(DevelopmentEntry))
    assert entries == demo.appraisals.entries and entries > 20
    assert {s for (s,) in db.session.execute(select(DevelopmentEntry.status).distinct())} >= {
        "planned", "in_progress", "completed"}


def _digest():
    lines = []
    for a in db.session.execute(
        select(Employee.employee_number, Appraisal.scheduled_for, Appraisal.state, Appraisal.version,
               Appraisal.summary, Appraisal.preparation, Appraisal.signed_at)
        .join(Employee, Employee.id == Appraisal.employee_id)
        .order_by(Employee.employee_number, Appraisal.scheduled_for)
    ):
        lines.append(repr((a[0], _aware(a[1]).isoformat(), a[2], a[3], a[4], sorted(a[5].items()),
                           _aware(a[6]).isoformat() if a[6] else None)))
    for e in db.session.execute(
        select(Employee.employee_number, DevelopmentEntry.title, DevelopmentEntry.status, DevelopmentEntry.due)
        .join(Employee, Employee.id == DevelopmentEntry.employee_id)
        .order_by(Employee.employee_number, DevelopmentEntry.title)
    ):
        lines.append(repr(tuple(e)))
    for a in db.session.execute(select(LearningActivity.title, LearningActivity.date, func.count())
                                .join(LearningParticipant).group_by(LearningActivity.title, LearningActivity.date)
                                .order_by(LearningActivity.title)):
        lines.append(repr(tuple(a)))
    lines += [repr(tuple(h)) for h in db.session.execute(
        select(WorkflowHistory.transition, WorkflowHistory.version, WorkflowHistory.username)
        .where(WorkflowHistory.object_type == "appraisal").order_by(WorkflowHistory.id))]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_same_seed_gives_the_same_interviews(app):
    with app.app_context():
        generate(employees=250, seed=42, password=PASSWORD)
        first = _digest()
        _empty_tables()
        generate(employees=250, seed=42, password=PASSWORD)
        assert _digest() == first
        _empty_tables()
        generate(employees=250, seed=43, password=PASSWORD)
        assert _digest() != first


def test_the_interviews_cost_the_same_number_of_statements_whatever_the_size(app, monkeypatch):
    import portal.appraisals.demo as appraisals_demo

    counted = []
    original = appraisals_demo.add_demo_appraisals

    def counting(*args, **kwargs):
        seen = []
        listener = lambda conn, cursor, statement, *rest: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            return original(*args, **kwargs)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
            counted.append(len(seen))

    monkeypatch.setattr(appraisals_demo, "add_demo_appraisals", counting)
    with app.app_context():
        generate(employees=250, seed=8, password=PASSWORD)
        assert db.session.scalar(select(func.count()).select_from(Appraisal)) > 150
        _empty_tables()
        generate(employees=2500, seed=8, password=PASSWORD)
        assert db.session.scalar(select(func.count()).select_from(Appraisal)) > 1500
    assert counted[0] == counted[1] < 1000


def test_the_command_prints_the_interviews(app, runner):
    result = runner.invoke(args=["demo", "--employees", "200", "--seed", "9", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("Appraisal interviews:"))
    assert all(state in line for state in STATES) and "development entries" in line and "learning activities" in line
