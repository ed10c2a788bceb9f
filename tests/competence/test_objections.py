"""The employee's objection to an assessment: stored beside it and shown wherever it is shown."""
import pytest

from portal.competence.models import HeldCompetence
from tests.competence.test_profile import (  # noqa: F401  (catalogue is a fixture)
    assess_url,
    assessment,
    catalogue,
    changes,
    held,
    staff,
    text,
)

OBJECTION = "Jeg har stelt sår daglig i to år og har kurset fra 2023."


def assessed(client, people, catalogue, login, level="2"):
    """The leader assesses Ola (1002) in wound care; returns the held competence id."""
    login("leader")
    client.post(assess_url(people, "1002"), data=assessment(catalogue, level=level))
    client.post("/logout")
    return held_id(client.application, people, "leader_assessment")


def held_id(app, people, source):
    [row] = held(app, staff(people, "1002"), source)
    return row.id


def objection_url(people, held_id):
    return f"/employees/{staff(people, '1002')}/competences/{held_id}/objection"


def profile(client, people):
    return text(client.get(f"/employees/{staff(people, '1002')}"))


def test_the_employee_objects_and_everyone_who_sees_the_assessment_sees_the_objection(
    app, client, people, catalogue, login
):
    target = assessed(client, people, catalogue, login)
    login("employee")
    page = profile(client, people)
    assert "Meld innsigelse" in page and objection_url(people, target) in page

    form = client.get(objection_url(people, target))
    assert form.status_code == 200 and "Sårstell" in text(form) and "2 av 3" in text(form)
    response = client.post(objection_url(people, target), data={"objection": OBJECTION})
    assert response.status_code == 302 and response.headers["Location"].endswith("#competences")

    [row] = held(app, staff(people, "1002"), "leader_assessment")
    assert (row.objection, row.objected_level, row.level) == (OBJECTION, 2, 2) and row.objected_at is not None
    assert [c.action for c in changes(app, staff(people, "1002"))] == ["created", "objected"]
    assert OBJECTION in profile(client, people)
    client.post("/logout")

    for reader in ("leader", "hr"):
        login(reader)
        page = profile(client, people)
        assert OBJECTION in page and "Innsigelse fra den ansatte" in page, reader
        assert objection_url(people, target) not in page  # only the person writes it
        client.post("/logout")


def test_an_objection_is_marked_where_leaders_work_with_the_level(app, client, people, catalogue, login):
    """The gap drill-down and the appraisal's competence table mark the objected value."""
    from portal.competence.models import Requirement
    from portal.extensions import db
    from portal.org.models import Unit
    from sqlalchemy import select

    target = assessed(client, people, catalogue, login)
    with app.app_context():
        unit = db.session.scalar(select(Unit.id).where(Unit.code == "HO-HJEM-NORD"))
        db.session.add(Requirement(unit_id=unit, competence_id=catalogue["SAR"], min_level=2, required_count=1))
        db.session.commit()
    login("leader")
    drill = f"/gaps/people?unit_id={unit}&competence_id={catalogue['SAR']}"
    assert "innsigelse" not in text(client.get(drill))
    client.post("/logout")
    login("employee")
    client.post(objection_url(people, target), data={"objection": OBJECTION})
    client.post("/logout")
    login("leader")
    page = text(client.get(drill))
    assert "innsigelse" in page


def test_a_new_assessment_keeps_the_objection_and_says_it_was_about_the_earlier_level(
    app, client, people, catalogue, login
):
    target = assessed(client, people, catalogue, login)
    login("employee")
    client.post(objection_url(people, target), data={"objection": OBJECTION})
    assert "nivået er endret siden" not in profile(client, people)
    client.post("/logout")
    login("leader")
    client.post(assess_url(people, "1002"), data=assessment(catalogue, level="3"))
    page = profile(client, people)
    assert OBJECTION in page and "Skrevet om nivå 2; nivået er endret siden." in page


@pytest.mark.parametrize("value,message", [("   ", "Skriv hva du er uenig i."), ("x" * 5001, "Høyst 5000 tegn.")])
def test_an_empty_or_overlong_objection_is_refused_and_nothing_is_stored(
    app, client, people, catalogue, login, value, message
):
    target = assessed(client, people, catalogue, login)
    login("employee")
    response = client.post(objection_url(people, target), data={"objection": value})
    assert response.status_code == 422 and message in text(response)
    assert 'aria-invalid="true"' in text(response)
    [row] = held(app, staff(people, "1002"), "leader_assessment")
    assert row.objection == "" and row.objected_at is None
    assert [c.action for c in changes(app, staff(people, "1002"))] == ["created"]


def test_withdrawing_removes_the_objection_and_the_history_keeps_it(app, client, people, catalogue, login):
    target = assessed(client, people, catalogue, login)
    login("employee")
    client.post(objection_url(people, target), data={"objection": OBJECTION})
    assert "Trekk tilbake innsigelsen" in text(client.get(objection_url(people, target)))
    response = client.post(objection_url(people, target) + "/withdraw")
    assert response.status_code == 303
    [row] = held(app, staff(people, "1002"), "leader_assessment")
    assert (row.objection, row.objected_at, row.objected_level) == ("", None, None)
    history = changes(app, staff(people, "1002"))
    assert [(c.action, c.note) for c in history] == [
        ("created", "Observert i praksis over tre måneder"), ("objected", OBJECTION), ("objection_withdrawn", "")]
    assert "Innsigelse trukket tilbake" in profile(client, people)
    again = client.post(objection_url(people, target) + "/withdraw", follow_redirects=True)
    assert "Det er ingen innsigelse å trekke tilbake." in text(again)


@pytest.mark.parametrize("username,status", [("leader", 403), ("hr", 403), ("other_leader", 404), ("colleague", 404)])
def test_nobody_but_the_person_writes_an_objection(app, client, people, catalogue, login, username, status):
    target = assessed(client, people, catalogue, login)
    login(username)
    assert client.get(objection_url(people, target)).status_code == status
    assert client.post(objection_url(people, target), data={"objection": "Nei"}).status_code == status
    [row] = held(app, staff(people, "1002"), "leader_assessment")
    assert row.objection == ""


def test_ones_own_self_assessment_cannot_be_objected_to(app, client, people, catalogue, login):
    login("employee")
    client.post(f"/employees/{staff(people, '1002')}/competences/self-assessment",
                data={"competence_id": catalogue["SAR"], "level": "2"})
    own = held_id(app, people, "self_assessment")
    assert client.get(objection_url(people, own)).status_code == 404
    assert objection_url(people, own) not in profile(client, people)


# --- the API --------------------------------------------------------------------------


def api_call(client, api, method, path, body=None):
    headers = {"Authorization": f"Bearer {api.token('employee')}"}
    return client.open(path, method=method, json=body, headers=headers)


def test_the_api_writes_shows_and_withdraws_the_callers_objection(app, client, api, people, catalogue, login):
    assessed(client, people, catalogue, login)
    path = f"/api/v1/me/competences/{catalogue['SAR']}/leader_assessment/objection"
    response = api_call(client, api, "PUT", path, {"objection": OBJECTION})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["objection"], body["objected_level"], body["level"]) == (OBJECTION, 2, 2)

    shown = api.get(f"/api/v1/employees/{staff(people, '1002')}", "leader").get_json()
    [item] = [c for c in shown["competences"] if c["source"] == "leader_assessment"]
    assert item["objection"] == OBJECTION and item["objected_at"]
    exported = api.get("/api/v1/me/export", "employee").get_json()
    assert [c["objection"] for c in exported["competences"]] == [OBJECTION]

    assert api_call(client, api, "DELETE", path).status_code == 204
    assert api_call(client, api, "DELETE", path).status_code == 404
    shown = api.get(f"/api/v1/employees/{staff(people, '1002')}", "leader").get_json()
    assert [c["objection"] for c in shown["competences"]] == [None]


@pytest.mark.parametrize(
    "body,field", [({}, "objection"), ({"objection": ""}, "objection"), ({"objection": 7}, "objection"),
                   ({"objection": "x" * 5001}, "objection")])
def test_bad_objections_through_the_api_get_422_naming_the_field(app, client, api, people, catalogue, login,
                                                                  body, field):
    assessed(client, people, catalogue, login)
    path = f"/api/v1/me/competences/{catalogue['SAR']}/leader_assessment/objection"
    response = api_call(client, api, "PUT", path, body)
    assert response.status_code == 422 and field in response.get_json()["error"]["fields"]
    with app.app_context():
        from portal.extensions import db
        assert db.session.get(HeldCompetence, held_id(app, people, "leader_assessment")).objection == ""


@pytest.mark.parametrize("source", ["self_assessment", "personnel_system", "nonsense"])
def test_the_api_answers_404_for_a_record_the_caller_has_not_or_cannot_object_to(
    client, api, people, catalogue, login, source
):
    assessed(client, people, catalogue, login)
    login("employee")
    client.post(f"/employees/{staff(people, '1002')}/competences/self-assessment",
                data={"competence_id": catalogue["SAR"], "level": "2"})
    client.post("/logout")
    path = f"/api/v1/me/competences/{catalogue['SAR']}/{source}/objection"
    assert api_call(client, api, "PUT", path, {"objection": OBJECTION}).status_code == 404


def test_my_data_holds_the_objection_in_json_and_pdf(app, client, people, catalogue, login, tmp_path):
    from tests.reports.pdfcheck import pdf_text

    target = assessed(client, people, catalogue, login)
    login("employee")
    client.post(objection_url(people, target), data={"objection": OBJECTION})
    exported = client.get("/me/data.json").get_json()
    assert [(c["objection"], c["objected_level"]) for c in exported["competences"]] == [(OBJECTION, 2)]
    printed = " ".join(pdf_text(client.get("/me/data.pdf").data, tmp_path, layout=False).split())
    assert "Innsigelsene dine" in printed and OBJECTION in printed
