"""The learning-activity API: logging for many people at once, all or nothing, answers as documented."""
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.appraisals.models import DevelopmentEntry
from portal.competence.models import HeldCompetence
from portal.extensions import db
from portal.learning.models import LearningActivity
from tests.api.test_openapi import assert_fits
from tests.api.test_tokens import assert_error, bearer
from tests.competence.test_catalogue import make_catalogue

URL = "/api/v1/learning-activities"
PATH = "/learning-activities"


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def catalogue(app, people):
    return make_catalogue(app)


@pytest.fixture
def call(client, api, document):
    tokens = {}

    def do(method, username, json=None, query=""):
        headers = {}
        if username:
            tokens.setdefault(username, api.token(username))
            headers = bearer(tokens[username])
        response = getattr(client, method)(URL + query, headers=headers, json=json)
        assert response.status_code != 500, response.get_data(as_text=True)
        if response.is_json:
            assert_fits(document, PATH, method, response)
        return response

    return do


def body(people, *numbers, **fields):
    return {
        "title": "Kurs i sårstell",
        "kind": "course",
        "date": "2026-03-12",
        "hours": 7.5,
        "participant_ids": [people["staff"][n] for n in numbers],
        **fields,
    }


def written(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(LearningActivity)),
            db.session.scalar(select(func.count()).select_from(HeldCompetence)),
        )


def test_a_leader_logs_an_activity_with_competences_and_entries(app, call, people, catalogue):
    staff, saar = people["staff"], catalogue["SAAR"]
    with app.app_context():
        db.session.add(DevelopmentEntry(employee_id=staff["1003"], title="Sårstell", competence_id=saar,
                                        target_level=2, status="planned"))
        db.session.commit()
        entry_id = db.session.scalar(select(DevelopmentEntry.id))
    response = call("post", "leader", body(people, "1002", "1003", competence_id=saar, level_achieved=2))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["kind"] == "course" and answer["hours"] == 7.5 and answer["date"] == "2026-03-12"
    assert answer["participant_count"] == 2
    assert {p["employee_id"] for p in answer["participants"]} == {staff["1002"], staff["1003"]}
    changes = {c["employee_id"]: c for c in answer["changes"]}
    assert changes[staff["1003"]]["new_level"] == 2 and changes[staff["1003"]]["action"] == "created"
    assert changes[staff["1003"]]["completed_entry_ids"] == [entry_id]
    assert changes[staff["1002"]]["completed_entry_ids"] == []
    with app.app_context():
        assert db.session.get(DevelopmentEntry, entry_id).status == "completed"
        assert db.session.scalar(select(HeldCompetence.level).where(HeldCompetence.employee_id == staff["1002"])) == 2

    listed = call("get", "leader").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == answer["id"]
    assert sorted(listed["items"][0]["participant_ids"]) == sorted([staff["1002"], staff["1003"]])


def test_a_dry_run_answers_the_changes_and_saves_nothing(app, call, people, catalogue):
    response = call(
        "post", "leader", body(people, "1002", competence_id=catalogue["SAAR"], level_achieved=3), "?dry_run=1"
    )
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["dry_run"] is True and answer["changes"][0]["new_level"] == 3
    assert written(app) == (0, 0)


def test_one_foreign_participant_refuses_all_naming_the_id(app, call, people, catalogue):
    staff = people["staff"]
    response = call("post", "leader", body(people, "1002", "2002", competence_id=catalogue["SAAR"], level_achieved=1))
    error = assert_error(response, 422, "invalid")
    assert str(staff["2002"]) in error["fields"]["participant_ids"]
    assert "not among your staff" in error["fields"]["participant_ids"].lower()
    assert written(app) == (0, 0)


def test_bad_fields_are_named(call, people, catalogue):
    response = call("post", "leader", {"title": "", "kind": "x", "date": "igår", "hours": -1, "participant_ids": []})
    error = assert_error(response, 422)
    assert set(error["fields"]) == {"title", "kind", "date", "hours", "participant_ids"}
    assert_error(call("post", "leader", ["not", "an", "object"]), 422)


@pytest.mark.parametrize("username, status", [("employee", 403), ("hr", 403), (None, 401)])
def test_only_leaders_log(call, people, username, status):
    assert_error(call("post", username, body(people, "1002")), status)


def test_the_list_follows_who_may_see_the_participants(call, people):
    assert call("post", "leader", body(people, "1002", "1003")).status_code == 201
    assert call("post", "other_leader", body(people, "2002")).status_code == 201
    assert call("get", "hr").get_json()["total"] == 2
    assert call("get", "other_leader").get_json()["total"] == 1
    mine = call("get", "employee").get_json()
    assert mine["total"] == 1 and mine["items"][0]["participant_ids"] == [people["staff"]["1002"]]
    assert mine["items"][0]["participant_count"] == 2
    assert call("get", "politician").get_json()["total"] == 0
    assert_error(call("get", "hr", query="?kind=party"), 422)
    assert call("get", "hr", query="?kind=course&per_page=1").get_json()["per_page"] == 1
