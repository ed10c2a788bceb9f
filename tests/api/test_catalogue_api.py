"""The catalogue and requirements API: status codes, fields and who may do what.

Every answer is also checked against the OpenAPI document, so the
description a client generates code from stays true.
"""
import pytest
from sqlalchemy import select

from portal.competence.models import Competence, Requirement
from portal.extensions import db
from tests.api.test_openapi import assert_fits
from tests.api.test_tokens import assert_error, bearer
from tests.competence.test_catalogue import make_catalogue

PREFIX = "/api/v1"


@pytest.fixture
def ids(app, people):
    ids = make_catalogue(app)
    with app.app_context():
        requirement = Requirement(unit_id=people["units"]["HO-HJEM-NORD"], competence_id=ids["HLR"],
                                  min_level=2, required_count=3)
        other = Requirement(unit_id=people["units"]["SK-SKOLE"], competence_id=ids["EXCEL"],
                            min_level=1, required_count=5, profession="Lærer")
        db.session.add_all([requirement, other])
        db.session.commit()
        ids.update(nord=requirement.id, skole=other.id)
    ids["units"] = people["units"]
    return ids


@pytest.fixture
def document(client):
    return client.get(f"{PREFIX}/openapi.json").get_json()


@pytest.fixture
def call(client, api):
    """``call(method, path, username, json=None)`` with a bearer token for ``username``."""
    tokens = {}

    def do(method, path, username=None, json=None):
        headers = {}
        if username:
            tokens.setdefault(username, api.token(username))
            headers = bearer(tokens[username])
        return getattr(client, method)(PREFIX + path, headers=headers, json=json)

    return do


def stored(app, model):
    with app.app_context():
        return db.session.execute(select(model.__table__).order_by(model.id)).all()


NEW = {"code": "DIGI-SIK", "name": "Informasjonssikkerhet", "area": "DIGI", "kind": "skill", "max_level": 3}


# --------------------------------------------------------------------------
# Competences
# --------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["employee", "leader", "hr", "politician", "representative", "admin"])
def test_any_logged_in_user_lists_the_catalogue(call, ids, document, username):
    response = call("get", "/competences", username)
    assert response.status_code == 200
    assert_fits(document, "/competences", "get", response)
    body = response.get_json()
    assert body["total"] == 3 and body["page"] == 1
    hlr = next(item for item in body["items"] if item["code"] == "HLR")
    assert hlr == {
        "id": ids["HLR"], "code": "HLR", "name": "Hjerte-lunge-redning", "area_id": ids["HELSE"],
        "area_code": "HELSE", "area_name": "Helse og omsorg", "kind": "certification",
        "max_level": 3, "validity_months": 24, "description": "",
    }


def test_catalogue_list_is_paginated_and_filtered(call, ids):
    page = call("get", "/competences?per_page=2&page=2", "employee").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (3, 2, 2, 1)
    assert [c["code"] for c in call("get", f"/competences?area_id={ids['DIGI']}", "employee").get_json()["items"]] == ["EXCEL"]
    assert [c["code"] for c in call("get", "/competences?kind=certification", "employee").get_json()["items"]] == ["HLR"]
    assert [c["code"] for c in call("get", "/competences?q=sår", "employee").get_json()["items"]] == ["SAAR"]


def test_catalogue_list_refuses_bad_parameters(call, ids):
    assert_error(call("get", "/competences"), 401)
    for query, name in (("kind=magic", "kind"), ("per_page=201", "per_page"), ("area_id=x", "area_id")):
        response = call("get", f"/competences?{query}", "employee")
        assert_error(response, 422, "invalid")
        assert name in response.get_json()["error"]["fields"]


def test_hr_creates_a_competence(app, call, ids, document):
    response = call("post", "/competences", "hr", {**NEW, "validity_months": 12, "description": "Grunnkurs"})

    assert response.status_code == 201
    assert_fits(document, "/competences", "post", response)
    item = response.get_json()
    assert item["code"] == "DIGI-SIK" and item["area_id"] == ids["DIGI"] and item["validity_months"] == 12
    with app.app_context():
        created = db.session.get(Competence, item["id"])
        assert (created.name, created.kind, created.max_level, created.description) == (
            "Informasjonssikkerhet", "skill", 3, "Grunnkurs")
    listed = call("get", "/competences?q=DIGI-SIK", "employee").get_json()["items"]
    assert [c["id"] for c in listed] == [item["id"]]


def test_the_area_may_be_given_by_id_or_by_name(call, ids):
    by_id = call("post", "/competences", "hr", {**NEW, "area": None, "area_id": ids["HELSE"]})
    assert by_id.status_code == 201 and by_id.get_json()["area_code"] == "HELSE"
    by_name = call("post", "/competences", "hr", {**NEW, "code": "X2", "area": "digital kompetanse"})
    assert by_name.status_code == 201 and by_name.get_json()["area_code"] == "DIGI"


@pytest.mark.parametrize(
    "body,fields",
    [
        ({}, {"area"}),
        ({"area": "DIGI"}, {"code", "name", "kind", "max_level"}),
        ({**NEW, "code": "with space"}, {"code"}),
        ({**NEW, "code": "X" * 33}, {"code"}),
        ({**NEW, "name": 42}, {"name"}),
        ({**NEW, "kind": "talent"}, {"kind"}),
        ({**NEW, "max_level": 11}, {"max_level"}),
        ({**NEW, "max_level": 0}, {"max_level"}),
        ({**NEW, "max_level": "3"}, {"max_level"}),
        ({**NEW, "max_level": True}, {"max_level"}),
        ({**NEW, "max_level": 2.5}, {"max_level"}),
        ({**NEW, "validity_months": 0}, {"validity_months"}),
        ({**NEW, "validity_months": -12}, {"validity_months"}),
        ({**NEW, "area": "NOWHERE"}, {"area"}),
        ({**NEW, "area": None, "area_id": 999999}, {"area_id"}),
        ({**NEW, "area_id": 999999}, {"area"}),  # area and area_id disagree
        ({**NEW, "area": 7}, {"area"}),
        ({**NEW, "area": "DI\x00GI"}, {"area"}),  # found by test_fuzz.py: 500 on PostgreSQL
        ({**NEW, "code": "SAAR", "max_level": 99}, {"code", "max_level"}),  # a clash among other faults: 422
    ],
)
def test_invalid_competence_is_422_naming_the_fields(app, call, ids, document, body, fields):
    before = stored(app, Competence)
    response = call("post", "/competences", "hr", body)
    assert_error(response, 422, "invalid")
    assert_fits(document, "/competences", "post", response)
    assert set(response.get_json()["error"]["fields"]) >= fields
    assert stored(app, Competence) == before


def test_not_json_is_422(call, ids, client, api):
    response = client.post(f"{PREFIX}/competences", headers=bearer(api.token("hr")), data="code=X")
    assert_error(response, 422, "invalid")


def test_duplicate_code_is_409(app, call, ids, document):
    before = stored(app, Competence)
    response = call("post", "/competences", "hr", {**NEW, "code": "HLR"})
    assert_error(response, 409, "conflict")
    assert_fits(document, "/competences", "post", response)
    assert "code" in response.get_json()["error"]["fields"]
    assert stored(app, Competence) == before


@pytest.mark.parametrize("username", ["employee", "leader", "politician", "representative", "admin"])
def test_only_hr_creates_competences(app, call, ids, username):
    before = stored(app, Competence)
    assert_error(call("post", "/competences", username, NEW), 403, "forbidden")
    assert stored(app, Competence) == before


def test_creating_needs_a_token(call, ids):
    assert_error(call("post", "/competences", None, NEW), 401)


# --------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["employee", "leader", "hr", "politician", "representative", "admin"])
def test_any_logged_in_user_lists_requirements(call, ids, document, username):
    response = call("get", "/requirements", username)
    assert response.status_code == 200
    assert_fits(document, "/requirements", "get", response)
    items = response.get_json()["items"]
    assert len(items) == 2
    skole = next(item for item in items if item["id"] == ids["skole"])
    assert skole == {
        "id": ids["skole"], "unit_id": ids["units"]["SK-SKOLE"], "unit_code": "SK-SKOLE",
        "competence_id": ids["EXCEL"], "competence_code": "EXCEL", "min_level": 1,
        "required_count": 5, "profession": "Lærer",
    }


def test_the_unit_filter_includes_sub_units(call, ids):
    def listed(unit):
        body = call("get", f"/requirements?unit_id={ids['units'][unit]}", "politician").get_json()
        return sorted(item["id"] for item in body["items"])

    assert listed("HO") == [ids["nord"]]
    assert listed("HO-HJEM") == [ids["nord"]]
    assert listed("HO-HJEM-NORD") == [ids["nord"]]
    assert listed("SK") == [ids["skole"]]
    response = call("get", "/requirements?unit_id=999999", "politician")
    assert_error(response, 422, "invalid")
    assert "unit_id" in response.get_json()["error"]["fields"]
    assert_error(call("get", "/requirements"), 401)


def test_hr_adds_a_requirement(app, call, ids, document):
    body = {"unit_id": ids["units"]["HO-HJEM"], "competence_id": ids["SAAR"], "min_level": 5,
            "required_count": 2, "profession": "Sykepleier"}
    response = call("post", "/requirements", "hr", body)
    assert response.status_code == 201
    assert_fits(document, "/requirements", "post", response)
    item = response.get_json()
    assert {k: item[k] for k in body} == body and item["unit_code"] == "HO-HJEM"
    listed = call("get", f"/requirements?unit_id={ids['units']['HO']}", "employee").get_json()["items"]
    assert item["id"] in [r["id"] for r in listed]


def test_profession_is_optional(call, ids):
    response = call("post", "/requirements", "hr", {
        "unit_id": ids["units"]["SK-SKOLE"], "competence_id": ids["EXCEL"], "min_level": 2, "required_count": 1,
    })
    assert response.status_code == 201 and response.get_json()["profession"] is None


@pytest.mark.parametrize(
    "changes,fields",
    [
        ({"min_level": 4}, {"min_level"}),  # HLR's scale ends at 3
        ({"min_level": 0}, {"min_level"}),
        ({"min_level": "2"}, {"min_level"}),
        ({"min_level": None}, {"min_level"}),
        ({"required_count": 0}, {"required_count"}),
        ({"required_count": None}, {"required_count"}),
        ({"unit_id": 999999}, {"unit_id"}),
        ({"unit_id": "HO"}, {"unit_id"}),
        ({"competence_id": 999999}, {"competence_id"}),
        ({"profession": 12}, {"profession"}),
        ({"profession": "x" * 101}, {"profession"}),
        ({"unit_id": None, "competence_id": None, "min_level": None, "required_count": None},
         {"unit_id", "competence_id", "min_level", "required_count"}),
    ],
)
def test_invalid_requirement_is_422_naming_the_fields(app, call, ids, document, changes, fields):
    body = {"unit_id": ids["units"]["SK-SKOLE"], "competence_id": ids["HLR"], "min_level": 2, "required_count": 1,
            **changes}
    before = stored(app, Requirement)
    response = call("post", "/requirements", "hr", body)
    assert_error(response, 422, "invalid")
    assert_fits(document, "/requirements", "post", response)
    assert set(response.get_json()["error"]["fields"]) == fields
    assert stored(app, Requirement) == before


def test_min_level_above_the_scale_says_which_scale(call, ids):
    body = {"unit_id": ids["units"]["SK-SKOLE"], "competence_id": ids["HLR"], "min_level": 4, "required_count": 1}
    message = call("post", "/requirements", "hr", body).get_json()["error"]["fields"]["min_level"]
    assert "1 and 3" in message


@pytest.mark.parametrize("profession", [None, "Lærer"])
def test_duplicate_requirement_is_409(app, call, ids, document, profession):
    # HO-HJEM-NORD requires HLR for any profession; SK-SKOLE requires EXCEL for teachers.
    unit, competence = ("HO-HJEM-NORD", "HLR") if profession is None else ("SK-SKOLE", "EXCEL")
    before = stored(app, Requirement)
    response = call("post", "/requirements", "hr", {
        "unit_id": ids["units"][unit], "competence_id": ids[competence], "min_level": 1, "required_count": 9,
        "profession": profession,
    })
    assert_error(response, 409, "conflict")
    assert_fits(document, "/requirements", "post", response)
    assert stored(app, Requirement) == before


@pytest.mark.parametrize("username", ["employee", "leader", "politician", "representative", "admin"])
def test_only_hr_adds_and_deletes_requirements(app, call, ids, username):
    before = stored(app, Requirement)
    body = {"unit_id": ids["units"]["SK-SKOLE"], "competence_id": ids["SAAR"], "min_level": 1, "required_count": 1}
    assert_error(call("post", "/requirements", username, body), 403, "forbidden")
    assert_error(call("delete", f"/requirements/{ids['nord']}", username), 403, "forbidden")
    assert stored(app, Requirement) == before


def test_hr_deletes_a_requirement(app, call, ids, document):
    response = call("delete", f"/requirements/{ids['nord']}", "hr")
    assert response.status_code == 204 and response.get_data() == b""
    assert [row.id for row in stored(app, Requirement)] == [ids["skole"]]
    again = call("delete", f"/requirements/{ids['nord']}", "hr")
    assert_error(again, 404, "not_found")
    assert_fits(document, "/requirements/{requirement_id}", "delete", again)
    assert_error(call("delete", "/requirements/99999999999", "hr"), 404)
    assert_error(call("delete", f"/requirements/{ids['skole']}"), 401)
