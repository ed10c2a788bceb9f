"""The competence plan PDF in the API: a PDF for every caller with a token, JSON errors otherwise, documented."""
import pytest

from tests.api.test_openapi import assert_fits
from tests.plans.test_plan_report import TITLE, flat, handmade  # noqa: F401  (the fixture)
from tests.reports.pdfcheck import metadata, pdf_text


@pytest.mark.parametrize("username", ["hr", "politician", "employee"])
def test_a_caller_with_a_token_gets_the_pdf(api, handmade, username, tmp_path):  # noqa: F811
    response = api.get(f"/api/v1/plans/{handmade}/report.pdf", username)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="kompetanseplan-{handmade}.pdf"'
    assert "private" in response.headers["Cache-Control"]
    text = flat(pdf_text(response.data, tmp_path))
    assert "Sårstell nord" in text and "Åse Ærlig" in text
    assert ("under 5" in text) == (username != "hr")  # the same suppression as on the page
    assert metadata(response.data, tmp_path)["Title"] == TITLE


def test_the_caller_language_is_used(app, api, handmade, tmp_path):  # noqa: F811
    from tests.plans.test_plan_report import set_locale

    set_locale(app, "politician", "en")
    text = pdf_text(api.get(f"/api/v1/plans/{handmade}/report.pdf", "politician").data, tmp_path)
    assert "Page 1 of" in text and "Appendix: history of the plan" in text


def test_no_token_is_401_and_an_unknown_plan_is_404_as_json(client, api, handmade):  # noqa: F811
    response = client.get(f"/api/v1/plans/{handmade}/report.pdf")
    assert response.status_code == 401 and response.mimetype == "application/json"
    response = api.get("/api/v1/plans/999999/report.pdf", "hr")
    assert response.status_code == 404 and response.get_json()["error"]["code"]


def test_the_report_is_in_openapi_json(client, api, handmade):  # noqa: F811
    document = client.get("/api/v1/openapi.json").get_json()
    path = "/plans/{plan_id}/report.pdf"
    answers = document["paths"][path]["get"]["responses"]
    assert answers["200"]["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert set(answers) >= {"200", "401", "404"}
    assert_fits(document, path, "get", api.get("/api/v1/plans/999999/report.pdf", "hr"))
