"""Held competences in the API: ``GET /employees/{id}`` and the caller's own ``/me/export``."""
from datetime import date, timedelta

import pytest

from portal.competence.models import Competence, CompetenceArea, EvidenceFile, HeldCompetence, HeldCompetenceChange
from portal.extensions import db
from tests.api.test_openapi import check

FIELDS = {"competence_id", "code", "name", "level", "source", "achieved_on", "valid_until", "verified"}


@pytest.fixture
def holdings(app, people):
    """1002 holds wound care (leader, level 2), an expired CPR certificate and a self-assessment."""
    with app.app_context():
        area = CompetenceArea(code="HELSE", name="Helse")
        wound = Competence(code="SAR", name="Sårstell", area=area, kind="skill", max_level=3)
        cpr = Competence(code="HLR", name="Hjerte-lunge-redning", area=area, kind="certification", max_level=1, validity_months=12)
        db.session.add_all([area, wound, cpr])
        db.session.flush()
        employee = people["staff"]["1002"]
        rows = [
            HeldCompetence(employee_id=employee, competence_id=wound.id, level=2, source="leader_assessment",
                           achieved_on=date(2024, 5, 1), evidence_note="Observert i praksis"),
            HeldCompetence(employee_id=employee, competence_id=wound.id, level=3, source="self_assessment",
                           achieved_on=date(2025, 1, 2)),
            HeldCompetence(employee_id=employee, competence_id=cpr.id, level=1, source="personnel_system",
                           achieved_on=date(2022, 1, 1), valid_until=date.today() - timedelta(days=1)),
        ]
        db.session.add_all(rows)
        db.session.flush()
        db.session.add(HeldCompetenceChange(employee_id=employee, competence_id=wound.id, source="leader_assessment",
                                            action="changed", old_level=1, new_level=2, note="Ny vurdering"))
        db.session.add(EvidenceFile(held_competence_id=rows[0].id, filename="attest.pdf",
                                    content_type="application/pdf", size=5, data=b"%PDF-"))
        db.session.commit()
        return {"SAR": wound.id, "HLR": cpr.id}


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def by_source(items):
    return {(i["code"], i["source"]): i for i in items}


@pytest.mark.parametrize("username", ["leader", "hr", "employee"])
def test_employee_answers_with_competences(api, people, holdings, document, username):
    response = api.get(f"/api/v1/employees/{people['staff']['1002']}", username)
    assert response.status_code == 200
    body = response.get_json()
    assert check(document, {"$ref": "#/components/schemas/Employee"}, body) == []
    items = by_source(body["competences"])
    assert set(items) == {("SAR", "leader_assessment"), ("SAR", "self_assessment"), ("HLR", "personnel_system")}
    for item in items.values():
        assert FIELDS <= set(item)
    wound = items[("SAR", "leader_assessment")]
    assert (wound["competence_id"], wound["name"], wound["level"], wound["achieved_on"], wound["valid_until"]) == (
        holdings["SAR"], "Sårstell", 2, "2024-05-01", None)
    assert wound["verified"] is True
    assert items[("SAR", "self_assessment")]["verified"] is False
    cpr = items[("HLR", "personnel_system")]
    assert cpr["expired"] is True and cpr["valid_until"] == (date.today() - timedelta(days=1)).isoformat()
    assert "evidence_note" not in wound  # evidence is for the profile page and the person's own export


def test_employee_without_competences_has_an_empty_list(api, people, holdings):
    body = api.get(f"/api/v1/employees/{people['staff']['1003']}", "leader").get_json()
    assert body["competences"] == []


@pytest.mark.parametrize("username,status", [("other_leader", 404), ("colleague", 404), ("politician", 403), ("admin", 403)])
def test_competences_are_not_shown_to_others(api, people, holdings, username, status):
    response = api.get(f"/api/v1/employees/{people['staff']['1002']}", username)
    assert response.status_code == status
    assert "competences" not in response.get_json()


def test_the_list_stays_without_competences(api, people, holdings):
    items = api.get("/api/v1/employees", "hr").get_json()["items"]
    assert items and all("competences" not in item for item in items)


def test_one_employee_costs_the_same_queries_for_3_or_30_competences(app, api, people, count_queries):
    token = api.token("leader")
    url = f"/api/v1/employees/{people['staff']['1002']}"
    counts = []
    with app.app_context():
        area = CompetenceArea(code="X", name="X")
        db.session.add(area)
        db.session.commit()
        area_id = area.id
    for n, start in ((3, 0), (27, 3)):
        with app.app_context():
            for i in range(start, start + n):
                competence = Competence(code=f"K{i}", name=f"K {i}", area_id=area_id, kind="skill", max_level=3)
                db.session.add(competence)
                db.session.flush()
                db.session.add(HeldCompetence(employee_id=people["staff"]["1002"], competence_id=competence.id,
                                              level=1, source="leader_assessment", achieved_on=date(2024, 1, 1)))
            db.session.commit()
        with count_queries() as seen:
            response = api.get(url, token=token)
        assert response.status_code == 200
        counts.append((len(response.get_json()["competences"]), len(seen)))
    assert [n for n, _ in counts] == [3, 30]
    assert counts[0][1] == counts[1][1]


def test_export_holds_the_callers_competences_evidence_and_history(api, people, holdings, document):
    body = api.get("/api/v1/me/export", "employee").get_json()
    assert check(document, {"$ref": "#/components/schemas/Export"}, body) == []
    items = by_source(body["competences"])
    assert len(items) == 3
    assert items[("SAR", "leader_assessment")]["evidence_note"] == "Observert i praksis"
    [change] = body["competence_history"]
    assert (change["code"], change["old_level"], change["new_level"], change["note"]) == ("SAR", 1, 2, "Ny vurdering")
    [stored] = body["evidence_files"]
    assert (stored["filename"], stored["content_type"], stored["size"]) == ("attest.pdf", "application/pdf", 5)
    assert "data" not in stored


def test_export_of_someone_else_has_none_of_it(api, people, holdings):
    for username in ("colleague", "hr"):
        body = api.get("/api/v1/me/export", username).get_json()
        assert body["competences"] == [] and body["competence_history"] == [] and body["evidence_files"] == []
