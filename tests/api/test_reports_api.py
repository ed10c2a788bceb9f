"""``GET /api/v1/reports/workforce.pdf``: the workforce and gap report for integrations.

Same rules as ``GET /api/v1/workforce``: one 422 naming every bad
parameter, 404 for a unit a leader does not lead, small groups as "< 5" for
politicians and representatives; a PDF in the caller's language.
"""
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import User
from tests.api.test_openapi import assert_fits
from tests.reports.pdfcheck import metadata, pdf_text

PATH = "/api/v1/reports/workforce.pdf"


def test_hr_gets_the_pdf_for_the_whole_municipality(api, people, tmp_path):
    response = api.get(PATH, "hr")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="arbeidsstyrke-og-kompetansegap-{date.today().isoformat()}.pdf"'
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data, tmp_path)
    assert "Arbeidsstyrke og kompetansegap" in text and "Hele kommunen" in text
    assert re.search(r"^\s*Ansatte i dag\s+5\s*$", text, re.M)
    assert "Skole" in text and "Helse og omsorg" in text  # the service areas
    assert metadata(response.data, tmp_path)["Title"] == "Arbeidsstyrke og kompetansegap"


def test_a_unit_profession_and_horizon(api, people, tmp_path):
    hjem = people["units"]["HO-HJEM"]
    response = api.get(f"{PATH}?unit_id={hjem}&profession=Sykepleier&horizon_years=2", "hr")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    assert "Hjemmetjenesten, med underliggende enheter · Sykepleier" in text
    assert re.search(r"^\s*Ansatte i dag\s+1\s*$", text, re.M)
    assert f"2 år (til og med {date.today().year + 2})" in text


def test_a_unit_lists_its_sub_units(api, people, tmp_path):
    text = pdf_text(api.get(f"{PATH}?unit_id={people['units']['SK']}", "hr").data, tmp_path)
    assert "Skole, med underliggende enheter" in text
    assert re.search(r"^\s*Åsen skole\s+2\s", text, re.M)


def test_politicians_see_small_groups_as_less_than_five(api, people, tmp_path):
    ho = people["units"]["HO"]
    text = pdf_text(api.get(f"{PATH}?unit_id={ho}", "politician").data, tmp_path)
    assert re.search(r"^\s*Ansatte i dag\s+<\s?5\s*$", text, re.M)
    assert not re.search(r"^\s*Ansatte i dag\s+3\s*$", text, re.M)


def test_the_callers_language(app, api, people, tmp_path):
    with app.app_context():
        db.session.scalars(select(User).where(User.username == "representative")).one().locale = "en"
        db.session.commit()
    text = pdf_text(api.get(f"{PATH}?unit_id={people['units']['HO-HJEM']}", "representative").data, tmp_path)
    assert "Workforce and competence gaps" in text and "Page 1 of" in text and "Key figures" in text
    assert re.search(r"Hjemmetjenesten, own staff\s+<\s?5\s.*\n\s*and requirements", text) and "Hjemmetjenesten nord" in text


def test_a_leader_gets_404_for_a_unit_they_do_not_lead(api, people):
    response = api.get(f"{PATH}?unit_id={people['units']['SK-SKOLE']}", "leader")
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"]["code"]
    assert api.get(f"{PATH}?unit_id={people['units']['HO-HJEM']}", "leader").status_code == 200


@pytest.mark.parametrize(
    "query, fields",
    [
        ("horizon_years=0", {"horizon_years"}),
        ("horizon_years=11", {"horizon_years"}),
        ("horizon_years=abc", {"horizon_years"}),
        ("unit_id=999999", {"unit_id"}),
        ("unit_id=x&horizon_years=99", {"unit_id", "horizon_years"}),
    ],
)
def test_bad_parameters_are_named_in_one_422(api, people, query, fields):
    response = api.get(f"{PATH}?{query}", "hr")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert set(error["fields"]) == fields
    for field in fields:
        assert field in error["message"]


@pytest.mark.parametrize("username, status", [("employee", 403), ("admin", 403)])
def test_callers_without_a_viewing_role_are_refused(api, people, username, status):
    assert api.get(PATH, username).status_code == status


def test_without_a_token_it_is_401(client, people):
    assert client.get(PATH).status_code == 401


def test_the_api_describes_a_pdf_and_its_errors(client, api, people):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/reports/workforce.pdf"]["get"]
    assert operation["responses"]["200"]["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert {p["name"] for p in operation["parameters"]} == {"unit_id", "profession", "horizon_years"}
    assert_fits(document, "/reports/workforce.pdf", "get", api.get(f"{PATH}?horizon_years=0", "hr"))
    assert_fits(
        document, "/reports/workforce.pdf", "get", api.get(f"{PATH}?unit_id={people['units']['SK-SKOLE']}", "leader")
    )
