"""``flask --app portal retention``: appraisal content of long-gone employees is deleted, the record stays.

The municipality's archive plan says what an appraisal interview's texts may
not outlive: three years (PORTAL_RETENTION_YEARS) after the employee left.
What stays is the record that the interview took place and who signed it.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from portal.appraisals.models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.maintenance.retention import cutoff_for
from portal.org.models import Employee
from portal.workflow.models import SignOff, WorkflowHistory

from .snapshots import differences, snapshot

TODAY = date.today()
CUTOFF = cutoff_for(3, TODAY)
YEAR_A, YEAR_B = TODAY.year - 6, TODAY.year - 5
SECRET = "hemmelig"  # every text that must go carries this word


def _employees(unit_id, count, end_date, prefix):
    people = [
        Employee(
            employee_number=f"{prefix}{i:04d}", first_name="Tidligere", last_name=f"Ansatt {prefix}{i}",
            birth_date=date(1970, 1, 1), unit_id=unit_id, profession="Sykepleier", position_percent=100,
            hire_date=date(2005, 1, 1), end_date=end_date,
        )
        for i in range(count)
    ]
    db.session.add_all(people)
    db.session.flush()
    return [p.id for p in people]


def _interviews(employee_ids, per_employee=1):
    """Signed interviews with every kind of text, as the real workflow leaves them (bulk, for speed)."""
    appraisals = [
        Appraisal(
            employee_id=employee_id,
            scheduled_for=datetime(2019, 3, 1 + n, 10, tzinfo=timezone.utc),
            location=f"Møterom {SECRET}",
            preparation={"work_situation": f"Travle vakter, {SECRET}", "went_well": f"Opplæring {SECRET}"},
            summary=f"Oppsummering {SECRET}",
            employee_comment=f"Jeg er uenig i vurderingen, {SECRET}",
            state="signed", version=4, signed_at=datetime(2019, 3, 20, tzinfo=timezone.utc),
        )
        for employee_id in employee_ids
        for n in range(per_employee)
    ]
    db.session.add_all(appraisals)
    db.session.flush()
    rows = []
    for a in appraisals:
        rows += [
            WorkflowHistory(object_type="appraisal", object_id=a.id, kind="create", transition="create",
                            from_state=None, to_state="scheduled", version=1, username="leader", comment="",
                            changes=None),
            WorkflowHistory(object_type="appraisal", object_id=a.id, kind="edit", transition="edit",
                            from_state="held", to_state="held", version=3, username="leader", comment="",
                            changes=[{"what": "entry", "action": "added", "title": f"Sårbehandling {SECRET}"}]),
            WorkflowHistory(object_type="appraisal", object_id=a.id, kind="transition", transition="sign_off",
                            from_state="held", to_state="signed", version=4, username="leader",
                            comment=f"Signert, {SECRET}"),
            SignOff(object_type="appraisal", object_id=a.id, capacity="employee", decision="approve",
                    comment=f"Med forbehold, {SECRET}", state="held", version=4, username="employee"),
            SignOff(object_type="appraisal", object_id=a.id, capacity="leader", decision="approve",
                    comment="", state="held", version=4, username="leader"),
        ]
    entries = [
        DevelopmentEntry(employee_id=a.employee_id, appraisal_id=a.id, title=f"Sårbehandling {SECRET}",
                         status="in_progress", status_note=f"Godt i gang, {SECRET}")
        for a in appraisals
    ] + [
        DevelopmentEntry(employee_id=employee_id, appraisal_id=None, title=f"Eget mål {SECRET}", status="planned")
        for employee_id in employee_ids
    ]
    db.session.add_all(rows + entries)
    db.session.flush()
    db.session.add_all(
        DevelopmentEntryEvent(entry_id=e.id, from_status=before, to_status=after, note=f"{SECRET}", username="leader")
        for e in entries
        for before, after in ((None, "planned"), ("planned", "in_progress"))
    )
    db.session.flush()
    return [a.id for a in appraisals]


@pytest.fixture
def archive(app, people):
    """Leavers in two years long ago, one who left just inside the limit, one recent, one still employed.

    Also a plan whose history row has the same object id as an appraisal: plans are archived for good.
    """
    unit = people["units"]["HO-HJEM-NORD"]
    with app.app_context():
        ids = {
            "a": _employees(unit, 1, date(YEAR_A, 6, 30), "A"),
            "b": _employees(unit, 1, date(YEAR_B, 3, 31), "B"),
            "edge_out": _employees(unit, 1, CUTOFF - timedelta(days=1), "E"),
            "edge_in": _employees(unit, 1, CUTOFF, "F"),
            "recent": _employees(unit, 1, TODAY - timedelta(days=2 * 365), "R"),
            "current": [people["staff"]["1002"]],
        }
        appraisals = {key: _interviews(ids[key], per_employee=2 if key == "a" else 1) for key in ids}
        db.session.add(WorkflowHistory(object_type="plan", object_id=appraisals["a"][0], kind="transition",
                                       transition="agree_purpose", from_state="purpose", to_state="goals",
                                       version=2, username="hr", comment=f"Vedtatt i kommunestyret, {SECRET}"))
        db.session.commit()
        return {"employees": ids, "appraisals": appraisals}


def _texts_of(appraisal_ids):
    """Every text still held for these appraisals (and their employees' entries), joined."""
    appraisals = db.session.scalars(select(Appraisal).where(Appraisal.id.in_(appraisal_ids))).all()
    employees = {a.employee_id for a in appraisals}
    entries = db.session.scalars(select(DevelopmentEntry).where(DevelopmentEntry.employee_id.in_(employees))).all()
    events = db.session.scalars(
        select(DevelopmentEntryEvent).where(DevelopmentEntryEvent.entry_id.in_([e.id for e in entries]))
    ).all()
    history = db.session.scalars(select(WorkflowHistory).where(
        WorkflowHistory.object_type == "appraisal", WorkflowHistory.object_id.in_(appraisal_ids))).all()
    signoffs = db.session.scalars(select(SignOff).where(
        SignOff.object_type == "appraisal", SignOff.object_id.in_(appraisal_ids))).all()
    return " ".join(
        [str(a.preparation) + a.summary + a.employee_comment + a.location for a in appraisals]
        + [e.title + e.status_note for e in entries] + [e.note for e in events]
        + [h.comment + str(h.changes) for h in history] + [s.comment for s in signoffs]
    )


def _expected_line(interviews, employees):
    return (
        f"{interviews} appraisals emptied, {interviews + employees} development entries deleted, "
        f"{2 * (interviews + employees)} entry history rows deleted, {2 * interviews} workflow history texts removed, "
        f"{interviews} sign-off comments removed"
    )


def test_dry_run_counts_per_year_of_leaving_and_changes_nothing(app, runner, archive):
    with app.app_context():
        before = snapshot(db.engine)
    result = runner.invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    edge_year = (CUTOFF - timedelta(days=1)).year
    expected = {YEAR_A: (2, 1), YEAR_B: (1, 1)}
    expected[edge_year] = tuple(x + y for x, y in zip(expected.get(edge_year, (0, 0)), (1, 1)))
    for year, (interviews, employees) in expected.items():
        assert f"  left in {year}: {_expected_line(interviews, employees)}" in result.output
    assert f"  total: {_expected_line(4, 3)}" in result.output
    assert f"employees who left before {CUTOFF.isoformat()} (more than 3 year(s) ago)" in result.output
    assert result.output.rstrip().endswith("Dry run: nothing was changed.")
    assert len([line for line in result.output.splitlines() if line.startswith("  left in")]) == len(expected)
    with app.app_context():
        assert differences(before, snapshot(db.engine)) == []


def test_run_deletes_the_texts_and_keeps_the_record_of_the_interviews(app, runner, archive):
    gone = archive["appraisals"]["a"] + archive["appraisals"]["b"] + archive["appraisals"]["edge_out"]
    kept = archive["appraisals"]["edge_in"] + archive["appraisals"]["recent"] + archive["appraisals"]["current"]
    with app.app_context():
        history_before = db.session.execute(
            select(WorkflowHistory.id, WorkflowHistory.transition, WorkflowHistory.username, WorkflowHistory.version)
            .where(WorkflowHistory.object_id.in_(gone), WorkflowHistory.object_type == "appraisal")
            .order_by(WorkflowHistory.id)).all()
        kept_texts = _texts_of(kept)
        plan_history = db.session.scalars(select(WorkflowHistory.comment).where(WorkflowHistory.object_type == "plan")).all()
    dry = runner.invoke(args=["retention", "--dry-run"]).output

    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    # The real run reports what the dry run announced.
    assert result.output.replace("Deleted, in one transaction.", "") == dry.replace("Dry run: nothing was changed.", "")

    with app.app_context():
        assert SECRET not in _texts_of(gone)
        appraisals = db.session.scalars(select(Appraisal).where(Appraisal.id.in_(gone))).all()
        assert len(appraisals) == len(gone), "the interviews themselves are kept"
        assert all(a.state == "signed" and a.signed_at is not None and a.version == 4 for a in appraisals)
        assert all(a.preparation == {} and a.summary == a.employee_comment == a.location == "" for a in appraisals)
        leavers = archive["employees"]["a"] + archive["employees"]["b"] + archive["employees"]["edge_out"]
        assert db.session.scalars(select(DevelopmentEntry).where(DevelopmentEntry.employee_id.in_(leavers))).all() == []
        # Who did which step on which version, and who signed in which capacity, stays.
        assert db.session.execute(
            select(WorkflowHistory.id, WorkflowHistory.transition, WorkflowHistory.username, WorkflowHistory.version)
            .where(WorkflowHistory.object_id.in_(gone), WorkflowHistory.object_type == "appraisal")
            .order_by(WorkflowHistory.id)).all() == history_before
        signoffs = db.session.execute(select(SignOff.capacity, SignOff.decision, SignOff.version).where(
            SignOff.object_type == "appraisal", SignOff.object_id.in_(gone))).all()
        assert sorted(signoffs) == sorted([("employee", "approve", 4), ("leader", "approve", 4)] * len(gone))
        # Everyone else is untouched, and so are plans.
        assert _texts_of(kept) == kept_texts and kept_texts.count(SECRET) > 10
        assert db.session.scalars(
            select(WorkflowHistory.comment).where(WorkflowHistory.object_type == "plan")).all() == plan_history
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "retention.delete")).one()
        assert '"appraisals":4' in entry.details and f'"cutoff":"{CUTOFF.isoformat()}"' in entry.details


def test_the_kept_interview_still_shows_to_the_leader(app, api, archive):
    appraisal_id = archive["appraisals"]["a"][0]
    before = api.get(f"/api/v1/appraisals/{appraisal_id}", "leader")
    app.test_cli_runner().invoke(args=["retention"])
    after = api.get(f"/api/v1/appraisals/{appraisal_id}", "leader")
    assert before.status_code == after.status_code == 200, after.get_json()
    assert SECRET in str(before.get_json())
    body = after.get_json()
    assert body["summary"] == "" and body["state"] == "signed"
    assert len(body["history"]) == len(before.get_json()["history"])
    assert SECRET not in str(body)


def test_a_second_run_finds_nothing_and_changes_nothing(app, runner, archive):
    assert runner.invoke(args=["retention"]).exit_code == 0
    with app.app_context():
        after_first = snapshot(db.engine)
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "nothing to delete." in result.output and "left in" not in result.output
    with app.app_context():
        assert differences(after_first, snapshot(db.engine)) == []


def test_a_failing_run_changes_nothing(app, runner, archive):
    """The last statement fails: the deletions before it are rolled back with it."""
    with app.app_context():
        before = snapshot(db.engine)
        engine = db.engine

    def fail_on_sign_off(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("UPDATE SIGN_OFF"):
            raise RuntimeError("disk full")

    event.listen(engine, "before_cursor_execute", fail_on_sign_off)
    try:
        result = runner.invoke(args=["retention"])
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_sign_off)
    assert result.exit_code != 0 and "disk full" in str(result.exception)
    with app.app_context():
        assert differences(before, snapshot(db.engine)) == []


def test_the_number_of_statements_does_not_grow_with_the_leavers(app, runner, people, count_queries):
    unit = people["units"]["HO-HJEM-NORD"]
    seen = {}
    for size, prefix in ((10, "S"), (200, "L")):
        with app.app_context():
            _interviews(_employees(unit, size, date(YEAR_A, 1, 31), prefix))
            db.session.commit()
        for args in (["retention", "--dry-run"], ["retention"]):
            with count_queries() as statements:
                result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
            assert f"{size} appraisals emptied" in result.output
            seen[(size, args[-1])] = len(statements)
    assert seen[(10, "--dry-run")] == seen[(200, "--dry-run")]
    assert seen[(10, "retention")] == seen[(200, "retention")] <= 15


def test_the_years_come_from_the_settings(app, runner, archive, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_RETENTION_YEARS", 1)
    result = runner.invoke(args=["retention", "--dry-run"])
    assert f"left in {(TODAY - timedelta(days=2 * 365)).year}:" in result.output
    assert "more than 1 year(s) ago" in result.output

    monkeypatch.setitem(app.config, "PORTAL_RETENTION_YEARS", 0)
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 1
    assert "PORTAL_RETENTION_YEARS must be a whole number of years, 1 or more" in result.output


def test_the_default_is_three_years(app):
    assert app.config["PORTAL_RETENTION_YEARS"] == 3
