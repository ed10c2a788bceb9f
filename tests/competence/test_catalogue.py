"""The competence catalogue pages, as hr and everyone else use them.

What a user notices: everyone logged in reads the catalogue and can filter
it; only hr sees edit links, and everyone else is refused (403) when trying
anyway, with nothing changed; a bad form comes back (422) with each problem
next to the field it concerns and listed at the top with the field's name.
"""
import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.competence.models import Competence, CompetenceArea, HeldCompetence, Requirement
from portal.extensions import db


def make_catalogue(app):
    """Two areas and three competences; returns {code: id} for areas and competences."""
    with app.app_context():
        health = CompetenceArea(code="HELSE", name="Helse og omsorg")
        digital = CompetenceArea(code="DIGI", name="Digital kompetanse")
        db.session.add_all([health, digital])
        db.session.flush()
        competences = [
            Competence(code="SAAR", name="Sårstell", area_id=health.id, kind="skill", max_level=5),
            Competence(code="HLR", name="Hjerte-lunge-redning", area_id=health.id, kind="certification",
                       max_level=3, validity_months=24),
            Competence(code="EXCEL", name="Regneark", area_id=digital.id, kind="skill", max_level=4),
        ]
        db.session.add_all(competences)
        db.session.commit()
        ids = {"HELSE": health.id, "DIGI": digital.id}
        ids.update({c.code: c.id for c in competences})
        return ids


@pytest.fixture
def catalogue(app, people):
    return make_catalogue(app)


def in_english(client):
    """Switch the logged-in user's language to English, so messages read plainly in asserts."""
    assert client.post("/language", data={"locale": "en", "next": "/"}).status_code == 302


def competence(app, code):
    with app.app_context():
        return db.session.scalars(select(Competence).where(Competence.code == code)).one_or_none()


def snapshot(app):
    with app.app_context():
        return (
            db.session.execute(select(CompetenceArea.__table__).order_by(CompetenceArea.id)).all(),
            db.session.execute(select(Competence.__table__).order_by(Competence.id)).all(),
        )


def field_in_error(html, field_id):
    """The input/select of ``field_id`` is marked invalid and points at its message."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', html)
    assert tag, f"no field {field_id}"
    return 'aria-invalid="true"' in tag.group(0) and f'aria-describedby="{field_id}-error"' in tag.group(0)


GOOD = {
    "code": "SPRAAK",
    "name": "Norsk for helsepersonell",
    "kind": "formal",
    "max_level": "3",
    "validity_months": "",
    "description": "",
}


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["employee", "leader", "politician", "representative", "admin", "hr"])
def test_every_logged_in_user_reads_the_catalogue(client, login, catalogue, username):
    login(username)
    html = client.get("/catalogue").get_data(as_text=True)
    assert "Sårstell" in html and "Hjerte-lunge-redning" in html and "Regneark" in html
    assert "Helse og omsorg" in html and "Digital kompetanse" in html
    # Scale and validity are shown: HLR runs 1-3 and is valid 24 months; Sårstell never expires.
    row = re.search(r'<tr id="competence-%d">.*?</tr>' % catalogue["HLR"], html, re.S).group(0)
    assert "24" in row and "1" in row and "3" in row
    edit_link = f'/catalogue/competences/{catalogue["SAAR"]}/edit'
    assert (edit_link in html) == (username == "hr")
    assert ('href="/catalogue/competences/new"' in html) == (username == "hr")


def test_anonymous_is_sent_to_log_in(client, catalogue):
    response = client.get("/catalogue")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_scale_and_validity_read_right_in_english(client, login, catalogue):
    login("employee")
    in_english(client)
    html = client.get("/catalogue").get_data(as_text=True)
    hlr = re.search(r'<tr id="competence-%d">.*?</tr>' % catalogue["HLR"], html, re.S).group(0)
    assert "1 to 3" in hlr and "24 months" in hlr and "Certification" in hlr
    saar = re.search(r'<tr id="competence-%d">.*?</tr>' % catalogue["SAAR"], html, re.S).group(0)
    assert "1 to 5" in saar and "Does not expire" in saar and "Skill" in saar


@pytest.mark.parametrize(
    "query,shown,hidden",
    [
        ("area_id={DIGI}", ["Regneark"], ["Sårstell", "Hjerte-lunge-redning"]),
        ("kind=certification", ["Hjerte-lunge-redning"], ["Sårstell", "Regneark"]),
        ("q=SÅR", ["Sårstell"], ["Hjerte-lunge-redning", "Regneark"]),  # any case, Norwegian letters
        ("q=hlr", ["Hjerte-lunge-redning"], ["Sårstell"]),  # codes match too
        ("q=%25", [], ["Sårstell", "Regneark"]),  # a literal %, not a wildcard
        ("area_id=999999&kind=nonsense", ["Sårstell", "Regneark"], []),  # unknown filters are ignored
    ],
)
def test_filters(client, login, catalogue, query, shown, hidden):
    login("employee")
    html = client.get("/catalogue?" + query.format(**catalogue)).get_data(as_text=True)
    for name in shown:
        assert name in html, query
    for name in hidden:
        assert f"<th scope=\"row\">{name}" not in html, query


def test_empty_catalogue_invites_hr_to_start(client, login, people):
    login("hr")
    in_english(client)
    html = client.get("/catalogue").get_data(as_text=True)
    assert "The catalogue is empty." in html and "Start by creating an area" in html


# --------------------------------------------------------------------------
# hr creates and edits
# --------------------------------------------------------------------------

def test_hr_creates_a_competence(app, client, login, catalogue):
    login("hr")
    form = client.get(f"/catalogue/competences/new?area_id={catalogue['HELSE']}").get_data(as_text=True)
    assert re.search(r'<option selected value="%d">' % catalogue["HELSE"], form) or \
        re.search(r'<option value="%d" selected>' % catalogue["HELSE"], form)

    response = client.post("/catalogue/competences/new", data={
        **GOOD, "area_id": catalogue["HELSE"], "kind": "certification", "validity_months": "36",
        "description": "Kurs og prøve",
    })

    assert response.status_code == 302
    created = competence(app, "SPRAAK")
    assert (created.name, created.area_id, created.kind, created.max_level, created.validity_months) == (
        "Norsk for helsepersonell", catalogue["HELSE"], "certification", 3, 36
    )
    assert created.description == "Kurs og prøve"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Norsk for helsepersonell" in page
    flash = re.search(r'<p class="flash flash-info"[^>]*>(.*?)</p>', page, re.S)
    assert "Norsk for helsepersonell" in flash.group(1)  # the saved message names it


def test_hr_edits_a_competence(app, client, login, catalogue):
    login("hr")
    form = client.get(f"/catalogue/competences/{catalogue['HLR']}/edit").get_data(as_text=True)
    assert 'value="Hjerte-lunge-redning"' in form and 'value="24"' in form

    response = client.post(f"/catalogue/competences/{catalogue['HLR']}/edit", data={
        "code": "HLR", "name": "HLR for voksne", "area_id": catalogue["HELSE"], "kind": "skill",
        "max_level": "4", "validity_months": "",
    })

    assert response.status_code == 302
    edited = competence(app, "HLR")
    assert edited.id == catalogue["HLR"]
    assert (edited.name, edited.kind, edited.max_level, edited.validity_months) == ("HLR for voksne", "skill", 4, None)


def test_hr_creates_and_renames_an_area(app, client, login, catalogue):
    login("hr")
    response = client.post("/catalogue/areas/new", data={"code": "OPPV", "name": "Oppvekst"})
    assert response.status_code == 302
    with app.app_context():
        area = db.session.scalars(select(CompetenceArea).where(CompetenceArea.code == "OPPV")).one()
    assert "Oppvekst" in client.get("/catalogue").get_data(as_text=True)

    response = client.post(f"/catalogue/areas/{area.id}/edit", data={"code": "OPPVEKST", "name": "Oppvekst og skole"})
    assert response.status_code == 302
    with app.app_context():
        renamed = db.session.get(CompetenceArea, area.id)
        assert (renamed.code, renamed.name) == ("OPPVEKST", "Oppvekst og skole")


@pytest.mark.parametrize("username", ["employee", "leader", "politician", "representative", "admin"])
def test_only_hr_may_change_the_catalogue(app, client, login, catalogue, username):
    login(username)
    before = snapshot(app)
    for path in ("/catalogue/competences/new", f"/catalogue/competences/{catalogue['SAAR']}/edit",
                 "/catalogue/areas/new", f"/catalogue/areas/{catalogue['HELSE']}/edit"):
        assert client.get(path).status_code == 403, path
        assert client.post(path, data={**GOOD, "area_id": catalogue["HELSE"], "code": "X1"}).status_code == 403
    assert snapshot(app) == before


def test_unknown_competence_or_area_is_404(client, login, catalogue):
    login("hr")
    assert client.get("/catalogue/competences/999999/edit").status_code == 404
    assert client.get("/catalogue/areas/999999/edit").status_code == 404


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"code": ""}, "code", "Fill in this field."),
        ({"code": "has space"}, "code", "without spaces"),
        ({"code": "X" * 33}, "code", "at most 32 characters"),
        ({"name": ""}, "name", "Fill in this field."),
        ({"kind": "magic"}, "kind", "Choose one of the options in the list."),
        ({"area_id": "999999"}, "area_id", "Choose one of the options in the list."),
        ({"area_id": "abc"}, "area_id", "Choose one of the options in the list."),
        ({"max_level": "11"}, "max_level", "Enter a number from 1 to 10."),
        ({"max_level": "0"}, "max_level", "Enter a number from 1 to 10."),
        ({"max_level": "2.5"}, "max_level", "Enter a whole number"),
        ({"max_level": ""}, "max_level", "Fill in this field."),
        ({"validity_months": "0"}, "validity_months", "Enter a number from 1 to 1200."),
        ({"validity_months": "-3"}, "validity_months", "Enter a number from 1 to 1200."),
        ({"validity_months": "tolv"}, "validity_months", "Enter a whole number"),
        ({"code": "SAAR"}, "code", "Another competence already uses this code."),
    ],
)
def test_invalid_competence_is_refused_naming_the_field(app, client, login, catalogue, changes, field, message):
    login("hr")
    in_english(client)
    before = snapshot(app)

    response = client.post("/catalogue/competences/new", data={**GOOD, "area_id": catalogue["HELSE"], **changes})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_in_error(html, field)
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert f'href="#{field}"' in summary and message in summary
    labels = {"code": "Code", "name": "Name", "kind": "Kind", "area_id": "Area",
              "max_level": "Highest level on the scale", "validity_months": "Valid for (months, optional)"}
    assert labels[field] + ":" in summary  # the summary names the field as the form labels it
    assert snapshot(app) == before


def test_several_problems_are_reported_together(client, login, catalogue):
    login("hr")
    response = client.post("/catalogue/competences/new", data={
        **GOOD, "area_id": catalogue["HELSE"], "code": "", "name": "", "max_level": "99",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert all(field_in_error(html, name) for name in ("code", "name", "max_level"))


def test_messages_follow_the_users_language(client, login, catalogue):
    data = {**GOOD, "area_id": catalogue["HELSE"], "code": "SAAR"}
    login("hr")  # a new user meets the installation's default, bokmål
    assert "En annen kompetanse bruker allerede denne koden." in client.post(
        "/catalogue/competences/new", data=data).get_data(as_text=True)
    client.post("/language", data={"locale": "nn", "next": "/"})
    assert "Ein annan kompetanse brukar allereie denne koden." in client.post(
        "/catalogue/competences/new", data=data).get_data(as_text=True)


def test_scale_cannot_shrink_below_what_is_held_or_required(app, client, login, catalogue, people):
    with app.app_context():
        db.session.add(HeldCompetence(employee_id=people["staff"]["1002"], competence_id=catalogue["SAAR"],
                                      level=4, source="leader_assessment", achieved_on=date(2024, 1, 1)))
        db.session.add(Requirement(unit_id=people["units"]["HO-HJEM"], competence_id=catalogue["HLR"],
                                   min_level=3, required_count=2))
        db.session.commit()
    login("hr")
    in_english(client)
    base = {"area_id": catalogue["HELSE"], "kind": "skill", "validity_months": ""}

    held = client.post(f"/catalogue/competences/{catalogue['SAAR']}/edit",
                       data={**base, "code": "SAAR", "name": "Sårstell", "max_level": "3"})
    required = client.post(f"/catalogue/competences/{catalogue['HLR']}/edit",
                           data={**base, "code": "HLR", "name": "HLR", "max_level": "2"})
    fine = client.post(f"/catalogue/competences/{catalogue['SAAR']}/edit",
                       data={**base, "code": "SAAR", "name": "Sårstell", "max_level": "4"})

    assert held.status_code == 422 and "cannot end below 4" in held.get_data(as_text=True)
    assert required.status_code == 422 and "cannot end below 3" in required.get_data(as_text=True)
    assert fine.status_code == 302
    assert competence(app, "HLR").max_level == 3


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"code": "HELSE", "name": "Noe nytt"}, "code", "Another area already uses this code."),
        ({"code": "NY", "name": "helse OG omsorg"}, "name", "Another area already has this name."),
        ({"code": "", "name": "Ny"}, "code", "Fill in this field."),
        ({"code": "NY", "name": ""}, "name", "Fill in this field."),
    ],
)
def test_invalid_area_is_refused(app, client, login, catalogue, data, field, message):
    login("hr")
    in_english(client)
    before = snapshot(app)
    response = client.post("/catalogue/areas/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_in_error(html, field) and message in html
    assert snapshot(app) == before


def test_forms_carry_a_csrf_token_when_protection_is_on(database_url, people):
    from tests.conftest import PASSWORD, make_test_app

    protected = make_test_app(database_url)
    client = protected.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    client.post("/login", data={"username": "hr", "password": PASSWORD, "csrf_token": token.group(1)})
    html = client.get("/catalogue/competences/new").get_data(as_text=True)
    assert 'name="csrf_token"' in html
    # Without the token the form is refused, and nothing is created.
    refused = client.post("/catalogue/areas/new", data={"code": "NY", "name": "Ny"})
    assert refused.status_code in (400, 422)
