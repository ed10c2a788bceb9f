"""The appraisal summary PDF: what the employee and the leader keep, and nobody else may fetch."""
import subprocess

import pytest
from sqlalchemy import select

from portal.appraisals import editing
from portal.appraisals.models import Appraisal
from portal.extensions import db
from portal.org.models import Employee, User
from portal.workflow import engine
from tests.api.test_openapi import assert_fits
from tests.conftest import PASSWORD
from tests.reports.pdfcheck import first_page_png

OUTSIDERS = ["colleague", "other_leader", "hr", "representative", "politician", "admin"]


def user(name):
    return db.session.scalars(select(User).where(User.username == name)).one()


@pytest.fixture
def signed(app, people):
    """A signed appraisal of Ola Øverby (1002) with a preparation, a summary, an entry and a closing comment."""
    with app.app_context():
        employee = db.session.scalar(select(Employee).where(Employee.employee_number == "1002"))
        leader, person = user("leader"), user("employee")
        made = editing.schedule(employee, "2030-06-15T10:00", leader, 60, "Møterom 2")
        db.session.flush()
        editing.save_preparation(made, {"went_well": "Godt samarbeid på vakt"}, person, made.version)
        engine.fire(made, person, "prepare", "", made.version)
        engine.fire(made, leader, "hold", "", made.version)
        editing.add_entry(made, {"title": "Kurs i sårstell", "due": "2031-03-01"}, leader, made.version)
        editing.save_summary(made, "Vi ble enige om å prioritere sårbehandling.", leader, made.version)
        editing.save_employee_comment(made, "Takk for en god samtale – Øverby", person, made.version)
        engine.sign(made, person, "employee", "approve", "", made.version)
        engine.sign(made, leader, "leader", "approve", "", made.version)
        db.session.commit()
        assert db.session.get(Appraisal, made.id).state == "signed"
        return made.id


def fetch(app, username, path):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client.get(path)


def pdf_text(tmp_path, body, name="report.pdf"):
    path = tmp_path / name
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_employee_gets_the_summary_in_bokmaal(app, signed, tmp_path):
    response = fetch(app, "employee", f"/appraisals/{signed}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="medarbeidersamtale-{signed}.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(tmp_path, response.data)
    for expected in [
        "Ola Øverby",
        "Vi ble enige om å prioritere sårbehandling.",
        "Godt samarbeid på vakt",
        "Kurs i sårstell",
        "01.03.2031",
        "Takk for en god samtale – Øverby",
        "Kari Nordmann (leader)",
        "Leder",
        "Ola Øverby (employee)",
        "Møterom 2",
        "Side 1 av",
        "Fortrolig",
    ]:
        assert expected in text, expected
    assert text.count("Fortrolig") == text.count("Side ") >= 1  # the marking is on every page
    info = subprocess.run(["pdfinfo", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True).stdout
    assert "Sammendrag av medarbeidersamtale" in info and "Eksempel kommune" in info
    assert "DejaVuSans" in subprocess.run(
        ["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True
    ).stdout


def test_the_first_page_renders_to_an_image(app, signed, tmp_path):
    body = fetch(app, "leader", f"/appraisals/{signed}/report.pdf").data
    assert first_page_png(body, tmp_path, "appraisal", keep_as="appraisal-report.png").stat().st_size > 5000


def test_a_reader_with_english_gets_english(app, signed, tmp_path):
    with app.app_context():
        user("leader").locale = "en"
        db.session.commit()
    text = pdf_text(tmp_path, fetch(app, "leader", f"/appraisals/{signed}/report.pdf").data)
    assert "Page 1 of" in text and "Confidential" in text and "Signatures" in text
    assert "Ola Øverby" in text and "side 1 av" not in text


@pytest.mark.parametrize("username", ["employee", "leader"])
def test_the_two_people_get_it_from_the_api(app, client, api, signed, username, tmp_path):
    response = api.get(f"/api/v1/appraisals/{signed}/report.pdf", username)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="medarbeidersamtale-{signed}.pdf"'
    assert "no-store" in response.headers["Cache-Control"]
    assert "Ola Øverby" in pdf_text(tmp_path, response.data)


@pytest.mark.parametrize("username", OUTSIDERS)
def test_everyone_else_gets_404_on_the_page_and_in_the_api(app, client, api, signed, username):
    assert fetch(app, username, f"/appraisals/{signed}/report.pdf").status_code == 404
    response = api.get(f"/api/v1/appraisals/{signed}/report.pdf", username)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert response.get_json()["error"]


def test_the_api_describes_a_pdf_and_a_json_404(client, api, signed):
    document = client.get("/api/v1/openapi.json").get_json()
    path = "/appraisals/{appraisal_id}/report.pdf"
    answers = document["paths"][path]["get"]["responses"]
    assert answers["200"]["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
    assert_fits(document, path, "get", api.get(f"/api/v1/appraisals/{signed}/report.pdf", "hr"))


def test_the_appraisal_page_links_to_the_summary(app, signed):
    page = fetch(app, "employee", f"/appraisals/{signed}").get_data(as_text=True)
    assert f'href="/appraisals/{signed}/report.pdf"' in page
