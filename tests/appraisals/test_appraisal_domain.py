"""The appraisal rules the pages and the API share, called directly as the pages do."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.appraisals import editing, entries, stats
from portal.appraisals.ics import invite_ics
from portal.appraisals.models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent
from portal.competence.models import HeldCompetence
from portal.extensions import db
from portal.notify.models import OutgoingMail
from portal.org.models import Employee, Unit, User
from portal.plans.fields import PlanError
from portal.plans.models import Measure, Plan
from portal.workflow import engine
from tests.competence.test_catalogue import make_catalogue

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def ctx(app, people):
    with app.app_context():
        yield people


def user(name):
    return db.session.scalars(select(User).where(User.username == name)).one()


def staff(people, number):
    return db.session.get(Employee, people["staff"][number])


def utc(value):
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def test_a_naive_time_is_norwegian_local_time(ctx):
    made = editing.schedule(staff(ctx, "1002"), datetime(2030, 7, 1, 9, 0), user("leader"), location="Rom 1")
    db.session.commit()
    db.session.expire_all()
    stored = utc(db.session.get(Appraisal, made.id).scheduled_for)
    assert stored == datetime(2030, 7, 1, 7, 0, tzinfo=timezone.utc)  # 09:00 summer time is 07:00 UTC
    assert editing.local_time(stored).isoformat() == "2030-07-01T09:00:00+02:00"
    assert made.state == "scheduled" and made.version == 1


def test_only_a_leader_of_the_unit_schedules(ctx):
    for name, number in [("other_leader", "1002"), ("employee", "1002"), ("hr", "1002"), ("leader", "1001")]:
        with pytest.raises(engine.Forbidden):
            editing.schedule(staff(ctx, number), datetime(2030, 1, 1, 9), user(name))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Appraisal.id))) == 0


def test_the_invitation_mail_is_in_the_employees_language(ctx):
    employee = user("employee")
    employee.email, employee.locale = "ola@example.no", "nb"
    db.session.commit()
    editing.schedule(staff(ctx, "1002"), "2030-01-15T13:30", user("leader"), 45, "Møterom 2")
    mail = db.session.scalars(select(OutgoingMail)).one()
    assert mail.subject == "Invitasjon til medarbeidersamtale"
    assert "kl. 13:30" in mail.body and "45 minutter" in mail.body and "Møterom 2" in mail.body
    assert "Kari Nordmann" in mail.body


def test_a_round_is_all_or_nothing(ctx):
    leader = user("leader")
    good = [(staff(ctx, "1002"), "2030-02-01T09:00"), (staff(ctx, "1003"), "2030-02-01T10:00")]
    with pytest.raises(PlanError) as refused:
        editing.schedule_round([*good[:1], (staff(ctx, "1003"), "not a time")], leader)
    assert set(refused.value.problems) == {"entries.1.scheduled_for"}
    db.session.rollback()
    with pytest.raises(engine.Forbidden):
        editing.schedule_round([*good, (staff(ctx, "2002"), "2030-02-01T11:00")], leader)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Appraisal.id))) == 0
    made = editing.schedule_round(good, leader)
    db.session.commit()
    assert [a.employee_id for a in made] == [ctx["staff"]["1002"], ctx["staff"]["1003"]]


def test_already_this_year_counts_norwegian_years_and_skips_cancelled(ctx, count_queries):
    leader = user("leader")
    # 00:30 on New Year's Day in Oslo is still the old year in UTC.
    new_year = editing.schedule(staff(ctx, "1002"), datetime(2030, 1, 1, 0, 30), leader)
    cancelled = editing.schedule(staff(ctx, "1003"), datetime(2030, 5, 1, 9), leader)
    engine.fire(cancelled, leader, "cancel", "", cancelled.version)
    db.session.commit()
    ids = [ctx["staff"][n] for n in ("1001", "1002", "1003")]
    with count_queries() as seen:
        found = editing.already_this_year(ids, 2030)
    assert found == {new_year.employee_id}
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1
    assert editing.already_this_year(ids, 2029) == set()


def test_preparation_stores_self_assessments_in_the_profile(ctx):
    area_ids = _catalogue()
    made = editing.schedule(staff(ctx, "1002"), datetime(2030, 3, 1, 9), user("leader"))
    db.session.commit()
    employee = user("employee")
    changed = editing.save_preparation(
        made,
        {"went_well": "Godt samarbeid", "self_assessments": [{"competence_id": area_ids["SAAR"], "level": 3}]},
        employee,
        1,
    )
    assert changed == ["went_well", "self_assessments"]
    assert made.version == 2
    held = db.session.scalars(select(HeldCompetence)).one()
    assert (held.source, held.level, held.verified) == ("self_assessment", 3, False)
    # The same again changes nothing and needs no new version.
    assert editing.save_preparation(
        made, {"went_well": "Godt samarbeid", "self_assessments": [{"competence_id": area_ids["SAAR"], "level": 3}]},
        employee, 2,
    ) == []
    assert made.version == 2
    with pytest.raises(engine.Forbidden):
        editing.save_preparation(made, {"other": "Leder skriver"}, user("leader"), 2)


def _catalogue():
    from flask import current_app

    return make_catalogue(current_app)


def _held(people, **fields):
    leader = user("leader")
    made = editing.schedule(staff(people, "1002"), datetime(2030, 3, 1, 9), leader)
    engine.fire(made, leader, "hold", "", made.version)
    return made, leader


def test_add_entry_ties_it_to_a_competence_and_an_active_measure(ctx):
    ids = _catalogue()
    running = Plan(title="Plan", state="measures", version=1)
    closed = Plan(title="Gammel plan", state="closed", version=1)
    m_running = Measure(plan=running, kind="course", strategy="develop", title="Kurs")
    m_closed = Measure(plan=closed, kind="course", strategy="develop", title="Gammelt kurs")
    db.session.add_all([running, closed, m_running, m_closed])
    db.session.flush()
    made, leader = _held(ctx)
    version = made.version
    entry = editing.add_entry(
        made, {"title": "Sårstell", "competence_id": ids["SAAR"], "target_level": 5, "measure_id": m_running.id}, leader, version
    )
    assert (entry.status, entry.appraisal_id, entry.target_level, entry.measure_id) == ("planned", made.id, 5, m_running.id)
    assert made.version == version + 1
    for bad, field in [
        ({"title": "x", "competence_id": ids["SAAR"], "target_level": 6}, "target_level"),
        ({"title": "x", "measure_id": m_closed.id}, "measure_id"),
        ({"title": ""}, "title"),
    ]:
        with pytest.raises(PlanError) as refused:
            editing.add_entry(made, bad, leader, made.version)
        assert field in refused.value.problems
    with pytest.raises(engine.Forbidden):
        editing.add_entry(made, {"title": "x"}, user("employee"), made.version)
    with pytest.raises(engine.Conflict):
        editing.add_entry(made, {"title": "x"}, leader, version)


def test_previous_entries_are_open_ones_and_those_closed_since_the_last_signed(ctx):
    employee_id = ctx["staff"]["1002"]
    last = Appraisal(
        employee_id=employee_id, scheduled_for=datetime(2029, 3, 1, tzinfo=timezone.utc), state="signed",
        version=4, signed_at=datetime(2029, 3, 2, tzinfo=timezone.utc), preparation={},
    )
    db.session.add(last)
    db.session.flush()

    def entry(title, status, completed_at=None, appraisal_id=last.id):
        row = DevelopmentEntry(employee_id=employee_id, appraisal_id=appraisal_id, title=title, status=status,
                               completed_at=completed_at)
        db.session.add(row)
        return row

    entry("Åpen", "in_progress")
    entry("Fullført i fjor før samtalen", "completed", datetime(2029, 1, 1, tzinfo=timezone.utc))
    entry("Fullført etter samtalen", "completed", datetime(2029, 9, 1, tzinfo=timezone.utc))
    entry("Egen, planlagt", "planned", appraisal_id=None)
    dropped = entry("Droppet etter samtalen", "cancelled")
    db.session.flush()
    db.session.add(DevelopmentEntryEvent(entry_id=dropped.id, from_status="planned", to_status="cancelled",
                                         username="leader", at=datetime(2029, 10, 1, tzinfo=timezone.utc)))
    db.session.commit()
    made, leader = _held(ctx)
    mine = editing.add_entry(made, {"title": "Ny i år"}, leader, made.version)
    titles = [e.title for e in editing.previous_entries(made)]
    assert sorted(titles) == sorted(["Åpen", "Fullført etter samtalen", "Egen, planlagt", "Droppet etter samtalen"])
    assert mine.title not in titles


def test_follow_up_notes_the_status_in_the_entry_history(ctx):
    made, leader = _held(ctx)
    old = DevelopmentEntry(employee_id=made.employee_id, title="HLR", status="planned")
    other = DevelopmentEntry(employee_id=ctx["staff"]["1003"], title="Ikke din", status="planned")
    db.session.add_all([old, other])
    db.session.flush()
    with pytest.raises(PlanError) as refused:
        editing.follow_up_entry(made, old, "cancelled", "", leader, made.version)
    assert "note" in refused.value.problems
    with pytest.raises(PlanError):
        editing.follow_up_entry(made, other, "completed", "", leader, made.version)
    editing.follow_up_entry(made, old, "completed", "Tatt i mai", leader, made.version)
    assert old.completed_at is not None
    history = entries.entry_history([old.id])[old.id]
    assert [(e.from_status, e.to_status, e.note) for e in history] == [("planned", "completed", "Tatt i mai")]


def test_update_entry_outside_an_interview(ctx):
    employee = user("employee")
    entry = entries.create_entry({"employee_id": ctx["staff"]["1002"], "title": "Lese"}, employee)
    entries.update_entry(entry, {"status": "", "note": ""}, employee)  # an empty form keeps the status
    assert entry.status == "planned"
    entries.update_entry(entry, {"status": "completed"}, employee)
    assert entry.completed_at is not None
    with pytest.raises(engine.Forbidden):
        entries.update_entry(entry, {"status": "planned"}, user("colleague"))
    with pytest.raises(PlanError):
        entries.create_entry({"employee_id": ctx["staff"]["1003"], "title": "Lese"}, employee)
    made, leader = _held(ctx)
    agreed = editing.add_entry(made, {"title": "Avtalt"}, leader, made.version)
    with pytest.raises(engine.Conflict):
        entries.update_entry(agreed, {"status": "completed"}, employee)
    assert len(db.session.scalars(entries.entries_of(ctx["staff"]["1002"])).all()) == 2


def test_the_invitation_file(ctx, app):
    made = editing.schedule(staff(ctx, "1002"), datetime(2030, 1, 15, 9, 0), user("leader"), 30, "Rom 4")
    db.session.commit()
    text = invite_ics(made).decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Oslo" in text
    assert "DTSTART;TZID=Europe/Oslo:20300115T090000" in text
    assert "DTEND;TZID=Europe/Oslo:20300115T093000" in text
    assert f"UID:appraisal-{made.id}@" in text
    assert "SUMMARY:Medarbeidersamtale: Ola Øverby" in text  # the installation's default, nb
    user("employee").locale = "nn"
    db.session.commit()
    assert "SUMMARY:Medarbeidarsamtale: Ola Øverby" in invite_ics(made).decode()


def test_completion_is_counted_in_sql_whatever_the_number_of_units(ctx, count_queries):
    leader = user("leader")
    made = editing.schedule(staff(ctx, "1002"), datetime(2030, 3, 1, 9), leader)
    engine.fire(made, leader, "hold", "", made.version)
    editing.schedule(staff(ctx, "1003"), datetime(2030, 4, 1, 9), leader)
    editing.schedule(staff(ctx, "1003"), datetime(2031, 4, 1, 9), leader)
    db.session.commit()
    with count_queries() as few:
        units, figures = stats.completion_by_unit(2030, today=date(2030, 6, 1))
    by_code = {u.code: figures[u.id] for u in units}
    assert (by_code["HO-HJEM-NORD"].scheduled, by_code["HO-HJEM-NORD"].held) == (2, 1)
    assert (by_code["HO"].employees, by_code["HO"].scheduled) == (3, 2)
    assert by_code["SK"].scheduled == 0
    parent = db.session.scalar(select(Unit).where(Unit.code == "SK"))
    for n in range(30):
        db.session.add(Unit(code=f"SK-{n}", name=f"Skole {n}", parent=parent, path=f"/SK/SK-{n}/"))
    db.session.commit()
    with count_queries() as many:
        stats.completion_by_unit(2030, today=date(2030, 6, 1))
    assert len(few) == len(many)
