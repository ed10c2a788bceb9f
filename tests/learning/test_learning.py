"""Learning activities: the bulk update of competences and development entries, all or nothing, and the pages.

Uses the ``people`` municipality: ``leader`` leads HO-HJEM (staff 1001, and
1002 and 1003 in HO-HJEM-NORD); ``other_leader`` leads SK-SKOLE (2001, 2002).
"""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, insert, select

from portal.appraisals.models import DevelopmentEntry, DevelopmentEntryEvent
from portal.competence.models import HeldCompetence, HeldCompetenceChange
from portal.extensions import db
from portal.learning import logging
from portal.learning.models import LearningActivity, LearningParticipant
from portal.org.models import Employee, User
from portal.plans.fields import PlanError
from tests.competence.test_catalogue import in_english, make_catalogue

DAY = date(2026, 3, 12)


@pytest.fixture
def catalogue(app, people):
    return make_catalogue(app)


def user(name):
    return db.session.scalars(select(User).where(User.username == name)).one()


def activity_data(staff, *numbers, **fields):
    data = {
        "title": "Fagdag sårstell",
        "kind": "fagdag",
        "date": DAY.isoformat(),
        "hours": "6.5",
        "participant_ids": [staff[n] for n in numbers],
    }
    data.update(fields)
    return data


def hold(employee_id, competence_id, level, source, valid_until=None):
    db.session.add(
        HeldCompetence(
            employee_id=employee_id, competence_id=competence_id, level=level, source=source,
            achieved_on=date(2024, 1, 1), valid_until=valid_until,
        )
    )


def entry(employee_id, competence_id, target_level, status="planned", title="Bli tryggere i sårstell"):
    row = DevelopmentEntry(
        employee_id=employee_id, title=title, competence_id=competence_id, target_level=target_level, status=status
    )
    db.session.add(row)
    db.session.flush()
    return row.id


def held(employee_id, competence_id, source="learning_activity"):
    return db.session.scalars(
        select(HeldCompetence).where(
            HeldCompetence.employee_id == employee_id,
            HeldCompetence.competence_id == competence_id,
            HeldCompetence.source == source,
        )
    ).one_or_none()


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (LearningActivity, LearningParticipant, HeldCompetence, HeldCompetenceChange, DevelopmentEntryEvent)
    )


# --- the domain ---------------------------------------------------------------------


def test_logging_raises_competences_and_completes_matching_entries(app, people, catalogue):
    staff, saar, hlr = people["staff"], catalogue["SAAR"], catalogue["HLR"]
    with app.app_context():
        hold(staff["1002"], saar, 2, "leader_assessment")
        hold(staff["1002"], saar, 1, "learning_activity")
        done_ola = entry(staff["1002"], saar, 3)
        too_high = entry(staff["1002"], saar, 5)
        other_competence = entry(staff["1002"], hlr, 1)
        done_aase = entry(staff["1003"], saar, 2, status="in_progress")
        cancelled = entry(staff["1003"], saar, 1, status="cancelled")
        db.session.commit()

        activity, preview = logging.log_activity(
            activity_data(staff, "1002", "1003", competence_id=saar, level_achieved=3), user("leader")
        )
        db.session.commit()

        ola = held(staff["1002"], saar)
        assert (ola.level, ola.achieved_on) == (3, DAY)
        assert "Fagdag sårstell" in ola.evidence_note
        aase = held(staff["1003"], saar)
        assert (aase.level, aase.achieved_on, aase.valid_until) == (3, DAY, None)
        assert held(staff["1002"], saar, "leader_assessment").level == 2  # other sources are left alone
        timeline = db.session.execute(
            select(HeldCompetenceChange.employee_id, HeldCompetenceChange.action,
                   HeldCompetenceChange.old_level, HeldCompetenceChange.new_level)
        ).all()
        assert sorted(timeline) == sorted([(staff["1002"], "changed", 1, 3), (staff["1003"], "created", None, 3)])

        statuses = dict(db.session.execute(select(DevelopmentEntry.id, DevelopmentEntry.status)).all())
        assert statuses == {
            done_ola: "completed", too_high: "planned", other_competence: "planned",
            done_aase: "completed", cancelled: "cancelled",
        }
        completed = db.session.get(DevelopmentEntry, done_ola)
        assert completed.completed_by_activity_id == activity.id and completed.completed_at is not None
        events = db.session.execute(
            select(DevelopmentEntryEvent.entry_id, DevelopmentEntryEvent.from_status,
                   DevelopmentEntryEvent.to_status, DevelopmentEntryEvent.username)
        ).all()
        assert sorted(events) == sorted(
            [(done_ola, "planned", "completed", "leader"), (done_aase, "in_progress", "completed", "leader")]
        )
        saved = db.session.get(LearningActivity, activity.id)
        assert (saved.kind, saved.hours, saved.level_achieved) == ("fagdag", Decimal("6.50"), 3)
        assert sorted(db.session.scalars(select(LearningParticipant.employee_id))) == sorted(
            [staff["1002"], staff["1003"]]
        )
        assert [c.action for c in preview.changes] == ["raised", "created"]


def test_the_preview_shows_the_changes_and_writes_nothing(app, people, catalogue):
    staff, saar = people["staff"], catalogue["SAAR"]
    with app.app_context():
        hold(staff["1002"], saar, 4, "personnel_system")
        hold(staff["1002"], saar, 5, "self_assessment")  # not verified: never the best verified level
        hold(staff["1002"], saar, 1, "learning_activity")
        entry_id = entry(staff["1002"], saar, 2)
        db.session.commit()
        before = counts()
        preview = logging.plan_activity(
            activity_data(staff, "1002", "1003", competence_id=saar, level_achieved=2), user("leader")
        )
        ola, aase = preview.changes
        assert (ola.old_level, ola.best_verified, ola.new_level, ola.action) == (1, 4, 2, "raised")
        assert [e.id for e in ola.entries] == [entry_id]
        assert (aase.old_level, aase.best_verified, aase.new_level, aase.entries) == (None, None, 2, [])
        db.session.rollback()
        assert counts() == before
        assert db.session.get(DevelopmentEntry, entry_id).status == "planned"


def test_a_level_is_never_lowered(app, people, catalogue):
    staff, saar = people["staff"], catalogue["SAAR"]
    with app.app_context():
        hold(staff["1002"], saar, 4, "learning_activity")
        db.session.commit()
        _activity, preview = logging.log_activity(
            activity_data(staff, "1002", competence_id=saar, level_achieved=2), user("leader")
        )
        db.session.commit()
        assert preview.changes[0].action == "unchanged"
        row = held(staff["1002"], saar)
        assert (row.level, row.achieved_on) == (4, date(2024, 1, 1))
        assert db.session.scalar(select(func.count()).select_from(HeldCompetenceChange)) == 0


def test_a_certification_is_renewed_with_its_validity(app, people, catalogue):
    staff, hlr = people["staff"], catalogue["HLR"]  # valid 24 months
    with app.app_context():
        hold(staff["1002"], hlr, 2, "learning_activity", valid_until=date(2026, 1, 1))
        db.session.commit()
        logging.log_activity(
            activity_data(staff, "1002", "1003", kind="course", competence_id=hlr, level_achieved=2), user("leader")
        )
        db.session.commit()
        assert held(staff["1002"], hlr).valid_until == date(2028, 3, 12)
        assert held(staff["1003"], hlr).valid_until == date(2028, 3, 12)


@pytest.mark.parametrize("stranger", ["2002", "unknown"])
def test_one_participant_outside_the_staff_refuses_everything(app, people, catalogue, stranger):
    staff, saar = people["staff"], catalogue["SAAR"]
    with app.app_context():
        entry(staff["1002"], saar, 1)
        db.session.commit()
        before = counts()
        stranger_id = staff.get(stranger, 987654)
        data = activity_data(staff, "1002", competence_id=saar, level_achieved=3)
        data["participant_ids"].append(stranger_id)
        with pytest.raises(PlanError) as refused:
            logging.log_activity(data, user("leader"))
        db.session.rollback()
        with force_locale("en"):
            message = str(refused.value.problems["participant_ids"])
        assert message == f"Not among your staff: {stranger_id}."  # never "no such person"
        assert str(staff["1002"]) not in message
        assert counts() == before
        assert db.session.scalars(select(DevelopmentEntry.status)).all() == ["planned"]


def test_someone_who_has_left_cannot_take_part(app, people, catalogue):
    staff = people["staff"]
    with app.app_context():
        db.session.get(Employee, staff["1003"]).end_date = DAY - timedelta(days=1)
        db.session.commit()
        with pytest.raises(PlanError) as refused:
            logging.plan_activity(activity_data(staff, "1002", "1003"), user("leader"))
        assert str(staff["1003"]) in str(refused.value.problems["participant_ids"])


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"title": " "}, "title"),
        ({"kind": "party"}, "kind"),
        ({"date": "12.03.2026"}, "date"),
        ({"hours": "0"}, "hours"),
        ({"hours": "10000.5"}, "hours"),
        ({"hours": "mange"}, "hours"),
        ({"level_achieved": 2}, "competence_id"),
        ({"competence_id": "SAAR", "level_achieved": 6}, "level_achieved"),
        ({"competence_id": "SAAR"}, "level_achieved"),
        ({"competence_id": 99999, "level_achieved": 1}, "competence_id"),
        ({"participant_ids": []}, "participant_ids"),
        ({"participant_ids": ["x"]}, "participant_ids"),
        ({"participant_ids": "1"}, "participant_ids"),
    ],
)
def test_bad_input_names_the_field(app, people, catalogue, fields, bad):
    staff = people["staff"]
    fields = {k: catalogue[v] if v == "SAAR" else v for k, v in fields.items()}
    with app.app_context():
        with pytest.raises(PlanError) as refused:
            logging.log_activity(activity_data(staff, "1002", **fields), user("leader"))
        db.session.rollback()
        assert bad in refused.value.problems
        assert counts()[0] == 0


def add_staff(unit_id, count, prefix):
    """``count`` employees in one unit, inserted in one statement; returns their ids."""
    db.session.execute(
        insert(Employee.__table__),
        [
            {"employee_number": f"{prefix}{i:05d}", "first_name": "Test", "last_name": f"Person {i:05d}",
             "birth_date": date(1980, 1, 1), "unit_id": unit_id, "profession": "Assistent",
             "position_percent": 100, "hire_date": date(2015, 1, 1)}
            for i in range(count)
        ],
    )
    return list(db.session.scalars(select(Employee.id).where(Employee.employee_number.startswith(prefix))))


def test_500_participants_cost_the_same_queries_as_5(app, people, catalogue, count_queries):
    unit = people["units"]["HO-HJEM-NORD"]
    with app.app_context():
        few = add_staff(unit, 5, "F")
        many = add_staff(unit, 500, "M")
        for ids, competence in ((few, catalogue["SAAR"]), (many, catalogue["EXCEL"])):
            db.session.execute(
                insert(DevelopmentEntry.__table__),
                [{"employee_id": i, "title": "Mål", "competence_id": competence, "target_level": 1,
                  "status": "planned", "status_note": ""} for i in ids],
            )
            db.session.execute(
                insert(HeldCompetence.__table__),
                [{"employee_id": i, "competence_id": competence, "level": 1, "source": "learning_activity",
                  "achieved_on": date(2024, 1, 1), "evidence_note": "", "evidence_url": ""} for i in ids[:2]],
            )
        db.session.commit()
        spent = {}
        for ids, competence in ((few, catalogue["SAAR"]), (many, catalogue["EXCEL"])):
            leader = user("leader")
            assert leader.led_unit_ids  # the account is loaded before counting, as it is on a request
            data = {"title": "Kurs", "kind": "course", "date": DAY.isoformat(), "hours": 3,
                    "competence_id": competence, "level_achieved": 2, "participant_ids": ids}
            with count_queries() as seen:
                logging.log_activity(data, leader)
                db.session.commit()
            spent[len(ids)] = len(seen)
        assert spent[5] == spent[500], spent
        assert spent[500] <= 15, spent
        assert db.session.scalar(
            select(func.count()).select_from(DevelopmentEntry).where(DevelopmentEntry.status == "completed")
        ) == 505
        assert db.session.scalar(
            select(func.count()).select_from(HeldCompetence).where(HeldCompetence.level == 2)
        ) == 505
        assert db.session.scalar(select(func.count()).select_from(DevelopmentEntryEvent)) == 505


def test_the_learning_record_and_the_leaders_list(app, people, catalogue):
    staff = people["staff"]
    with app.app_context():
        first, _ = logging.log_activity(activity_data(staff, "1002", title="Første"), user("leader"))
        second, _ = logging.log_activity(activity_data(staff, "1003", title="Andre"), user("leader"))
        school, _ = logging.log_activity(activity_data(staff, "2002", title="Skole"), user("other_leader"))
        db.session.commit()
        assert [a.title for a in logging.activities_for(staff["1002"])] == ["Første"]
        listed = lambda name: {a.title for a in db.session.scalars(logging.activities_stmt(user(name)))}  # noqa: E731
        assert listed("leader") == {"Første", "Andre"}
        assert listed("other_leader") == {"Skole"}
        assert listed("hr") == {"Første", "Andre", "Skole"}
        assert listed("employee") == {"Første"}
        assert listed("colleague") == {"Andre"}
        assert listed("politician") == set()


# --- the pages ------------------------------------------------------------------------


NEW = "/learning-activities/new"


def form_data(staff, *numbers, **fields):
    data = activity_data(staff, *numbers, **fields)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_lists_only_the_leaders_staff(client, people, catalogue, login):
    login("leader")
    response = client.get(NEW)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    staff = people["staff"]
    for number in ("1001", "1002", "1003"):
        assert f'id="p-{staff[number]}"' in page
    assert f'id="p-{staff["2002"]}"' not in page
    assert "Sårstell" in page and "<optgroup" in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize("username, status", [("employee", 403), ("hr", 403), ("other_leader", 200)])
def test_only_leaders_log_activities(client, people, login, username, status):
    login(username)
    assert client.get(NEW).status_code == status


def test_the_filter_keeps_what_is_ticked(client, people, catalogue, login):
    staff = people["staff"]
    login("leader")
    in_english(client)
    data = form_data(staff, "1002", step="filter", profession="Helsefagarbeider")
    response = client.post(NEW, data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Only Åse (Helsefagarbeider) is in the list; Ola stays chosen below it.
    assert f'name="shown_ids" value="{staff["1003"]}"' in page
    assert f'name="shown_ids" value="{staff["1002"]}"' not in page
    assert "Also chosen" in page
    assert f'value="{staff["1002"]}" checked' in page
    assert f'name="shown_ids" value="{staff["1001"]}"' not in page
    assert 'value="Fagdag sårstell"' in page


def test_tick_everyone_shown(client, people, catalogue, login):
    staff = people["staff"]
    login("leader")
    unit = people["units"]["HO-HJEM-NORD"]
    page = client.get(f"{NEW}?unit={unit}").get_data(as_text=True)
    assert f'name="shown_ids" value="{staff["1001"]}"' not in page
    data = {**form_data(staff), "participant_ids": [], "step": "select_all", "unit": str(unit),
            "shown_ids": [str(staff["1002"]), str(staff["1003"])]}
    page = client.post(NEW, data=data).get_data(as_text=True)
    assert f'value="{staff["1002"]}" checked' in page and f'value="{staff["1003"]}" checked' in page


def test_review_then_save(client, app, people, catalogue, login):
    staff, saar = people["staff"], catalogue["SAAR"]
    with app.app_context():
        entry(staff["1002"], saar, 2, title="Lære sårstell")
        db.session.commit()
    login("leader")
    data = form_data(staff, "1002", "1003", competence_id=str(saar), level_achieved="2")
    response = client.post(NEW, data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="changes"' in page and "Lære sårstell" in page
    assert 'name="confirm" value="1"' in page
    with app.app_context():
        assert counts()[0] == 0  # the review step writes nothing

    response = client.post(NEW, data={**data, "confirm": "1"})
    assert response.status_code == 302
    with app.app_context():
        activity = db.session.scalars(select(LearningActivity)).one()
        assert held(staff["1003"], saar).level == 2
        assert db.session.scalars(select(DevelopmentEntry.status)).all() == ["completed"]
    assert response.headers["Location"].endswith(f"/learning-activities/{activity.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fagdag sårstell" in page and "Lære sårstell" in page and 'class="flash' in page


def test_a_refused_form_is_422_and_names_the_problems(client, app, people, catalogue, login):
    staff = people["staff"]
    login("leader")
    in_english(client)
    response = client.post(NEW, data={**form_data(staff, "1002", "2002", hours="0"), "confirm": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "error-summary" in page and f"Not among your staff: {staff['2002']}" in page
    assert 'href="#hours"' in page
    with app.app_context():
        assert counts()[0] == 0


def test_the_activity_page_shows_participants_only_to_those_who_may_see_them(client, app, people, catalogue, login):
    staff = people["staff"]
    with app.app_context():
        activity, _ = logging.log_activity(activity_data(staff, "1002", "1003"), user("leader"))
        db.session.commit()
        path = f"/learning-activities/{activity.id}"
    login("hr")
    page = client.get(path).get_data(as_text=True)
    assert "Ola Øverby" in page and "Åse Ærlig" in page
    client.post("/logout")
    login("employee")
    page = client.get(path).get_data(as_text=True)
    assert "Ola Øverby" in page and "Åse Ærlig" not in page
    client.post("/logout")
    login("other_leader")
    assert client.get(path).status_code == 404
    client.post("/logout")
    login("politician")
    assert client.get(path).status_code == 404


def test_entries_completed_are_not_shown_to_hr(client, app, people, catalogue, login):
    staff, saar = people["staff"], catalogue["SAAR"]
    with app.app_context():
        entry(staff["1002"], saar, 1, title="Hemmelig mål")
        db.session.commit()
        activity, _ = logging.log_activity(
            activity_data(staff, "1002", competence_id=saar, level_achieved=1), user("leader")
        )
        db.session.commit()
        path = f"/learning-activities/{activity.id}"
    login("leader")
    assert "Hemmelig mål" in client.get(path).get_data(as_text=True)
    client.post("/logout")
    login("hr")
    page = client.get(path).get_data(as_text=True)
    assert "Ola Øverby" in page and "Hemmelig mål" not in page


def add_activities(app, people, count):
    with app.app_context():
        leader = user("leader")
        db.session.execute(
            insert(LearningActivity.__table__),
            [{"title": f"Kurs {i}", "kind": "course", "description": "", "date": DAY, "hours": 2,
              "created_by_id": leader.id} for i in range(count)],
        )
        ids = db.session.scalars(
            select(LearningActivity.id).where(~LearningActivity.id.in_(select(LearningParticipant.activity_id)))
        ).all()
        db.session.execute(
            insert(LearningParticipant.__table__),
            [{"activity_id": i, "employee_id": people["staff"]["1002"]} for i in ids],
        )
        db.session.commit()


@pytest.mark.parametrize("username", ["leader", "hr"])
def test_the_list_costs_the_same_queries_for_10_and_1000_activities(client, app, people, login, count_queries, username):
    login(username)
    add_activities(app, people, 10)
    with count_queries() as few:
        assert client.get("/learning-activities").status_code == 200
    add_activities(app, people, 990)
    with count_queries() as many:
        response = client.get("/learning-activities")
    assert response.status_code == 200
    assert len(few) == len(many)
    assert response.get_data(as_text=True).count("/learning-activities/") >= 25


def test_the_list_is_for_leaders_and_hr(client, people, login):
    login("employee")
    assert client.get("/learning-activities").status_code == 403
