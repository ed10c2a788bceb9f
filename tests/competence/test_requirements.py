"""The requirements pages: what each unit needs, set by hr, read by everyone.

What a user notices: everyone logged in sees the requirements and can pick
a unit (its sub-units come along); a leader first sees the units they lead;
hr adds requirements through a form that refuses a level above the
competence's scale and a requirement the unit already has, and removes one
with a button; nobody else can do either.
"""
import re

import pytest
from sqlalchemy import select

from portal.competence.models import Requirement
from portal.extensions import db
from tests.competence.test_catalogue import field_in_error, in_english, make_catalogue


@pytest.fixture
def setup(app, people):
    """The catalogue plus three requirements: on HO-HJEM, HO-HJEM-NORD (nurses only) and SK-SKOLE."""
    ids = make_catalogue(app)
    units = people["units"]
    with app.app_context():
        rows = {
            "hjem": Requirement(unit_id=units["HO-HJEM"], competence_id=ids["HLR"], min_level=2, required_count=4),
            "nord": Requirement(unit_id=units["HO-HJEM-NORD"], competence_id=ids["SAAR"], min_level=3,
                                required_count=2, profession="Sykepleier"),
            "skole": Requirement(unit_id=units["SK-SKOLE"], competence_id=ids["EXCEL"], min_level=1, required_count=7),
        }
        db.session.add_all(rows.values())
        db.session.commit()
        ids.update({name: row.id for name, row in rows.items()})
    ids["units"] = units
    return ids


def requirements(app):
    with app.app_context():
        return db.session.execute(
            select(Requirement.unit_id, Requirement.competence_id, Requirement.min_level,
                   Requirement.required_count, Requirement.profession).order_by(Requirement.id)
        ).all()


def table_rows(html):
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return re.findall(r"<tr.*?</tr>", body, re.S)


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["employee", "politician", "representative", "admin", "hr"])
def test_everyone_sees_all_requirements(client, login, setup, username):
    login(username)
    html = client.get("/requirements").get_data(as_text=True)
    rows = table_rows(html)
    assert len(rows) == 3
    assert any("Hjemmetjenesten nord" in r and "Sårstell" in r and "Sykepleier" in r for r in rows)
    assert any("Åsen skole" in r and "Regneark" in r and ">7<" in r for r in rows)
    assert ("/delete" in html) == (username == "hr")
    assert ('href="/requirements/new' in html) == (username == "hr")


def test_a_unit_filter_includes_its_sub_units(client, login, setup):
    login("politician")
    rows = table_rows(client.get(f"/requirements?unit_id={setup['units']['HO']}").get_data(as_text=True))
    assert len(rows) == 2
    assert not any("Åsen skole" in r for r in rows)
    rows = table_rows(client.get(f"/requirements?unit_id={setup['units']['HO-HJEM-NORD']}").get_data(as_text=True))
    assert len(rows) == 1 and "Sårstell" in rows[0]


def test_a_leader_first_sees_the_units_they_lead(client, login, setup):
    login("leader")  # leads HO-HJEM, so HO-HJEM-NORD too
    in_english(client)
    html = client.get("/requirements").get_data(as_text=True)
    rows = table_rows(html)
    assert len(rows) == 2 and not any("Åsen skole" in r for r in rows)
    assert "Showing the requirements of the units you lead" in html

    everything = client.get("/requirements?unit_id=all").get_data(as_text=True)
    rows = table_rows(everything)
    assert len(rows) == 3
    mine = [r for r in rows if "Your unit" in r]
    assert len(mine) == 2 and all('class="mine"' in r for r in mine)
    assert not any("Your unit" in r for r in rows if "Åsen skole" in r)


def test_the_other_leader_sees_their_own_school_first(client, login, setup):
    login("other_leader")
    rows = table_rows(client.get("/requirements").get_data(as_text=True))
    assert len(rows) == 1 and "Åsen skole" in rows[0]


# --------------------------------------------------------------------------
# hr adds and removes
# --------------------------------------------------------------------------

def test_hr_adds_a_requirement(app, client, login, setup):
    login("hr")
    form = client.get(f"/requirements/new?unit_id={setup['units']['SK-SKOLE']}").get_data(as_text=True)
    assert '<optgroup label="Helse og omsorg">' in form  # competences grouped by area
    assert '<option value="Sykepleier">' in form  # professions suggested
    assert re.search(r'<option selected value="%d">' % setup["units"]["SK-SKOLE"], form)

    response = client.post("/requirements/new", data={
        "unit_id": setup["units"]["SK-SKOLE"], "competence_id": setup["HLR"],
        "min_level": "3", "required_count": "2", "profession": "  ",
    })

    assert response.status_code == 302
    assert requirements(app)[-1] == (setup["units"]["SK-SKOLE"], setup["HLR"], 3, 2, None)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert any("Hjerte-lunge-redning" in r for r in table_rows(page))


def test_the_same_competence_for_another_profession_is_a_new_requirement(app, client, login, setup):
    login("hr")
    response = client.post("/requirements/new", data={
        "unit_id": setup["units"]["HO-HJEM-NORD"], "competence_id": setup["SAAR"],
        "min_level": "2", "required_count": "1", "profession": "Helsefagarbeider",
    })
    assert response.status_code == 302
    assert requirements(app)[-1][-1] == "Helsefagarbeider"


@pytest.mark.parametrize(
    "changes,field,message",
    [
        # HO-HJEM already requires HLR for any profession; HO-HJEM-NORD requires SAAR for nurses.
        ({}, "competence_id", "This unit already has a requirement for this competence and profession."),
        ({"unit": "HO-HJEM-NORD", "competence": "SAAR", "profession": "Sykepleier"}, "competence_id",
         "This unit already has a requirement"),
        ({"min_level": "4"}, "min_level", "Choose a level from 1 to 3, the scale of this competence."),
        ({"min_level": "0"}, "min_level", "Enter a number from 1 to 10."),
        ({"min_level": "x"}, "min_level", "Enter a whole number"),
        ({"required_count": "0"}, "required_count", "Enter a number from 1 to 100000."),
        ({"required_count": ""}, "required_count", "Fill in this field."),
        ({"unit_id": "999999"}, "unit_id", "Choose one of the options in the list."),
        ({"competence_id": "999999"}, "competence_id", "Choose one of the options in the list."),
        ({"profession": "x" * 101}, "profession", "Use at most 100 characters."),
    ],
)
def test_invalid_requirement_is_refused_naming_the_field(app, client, login, setup, changes, field, message):
    login("hr")
    in_english(client)
    before = requirements(app)
    changes = dict(changes)
    data = {
        "unit_id": setup["units"][changes.pop("unit", "HO-HJEM")],
        "competence_id": setup[changes.pop("competence", "HLR")],
        "min_level": "2", "required_count": "1", "profession": "",
        **changes,
    }

    response = client.post("/requirements/new", data=data)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_in_error(html, field)
    summary = html.split('class="error-summary"')[1].split("</div>")[0]
    assert f'href="#{field}"' in summary and message in summary
    assert requirements(app) == before


def test_hr_removes_a_requirement(app, client, login, setup):
    login("hr")
    response = client.post(f"/requirements/{setup['skole']}/delete")
    assert response.status_code == 302
    assert [row[0] for row in requirements(app)] == [setup["units"]["HO-HJEM"], setup["units"]["HO-HJEM-NORD"]]
    assert client.post(f"/requirements/{setup['skole']}/delete").status_code == 404
    assert client.get(f"/requirements/{setup['hjem']}/delete").status_code == 405  # only a POST removes


@pytest.mark.parametrize("username", ["employee", "leader", "politician", "representative", "admin"])
def test_only_hr_adds_or_removes(app, client, login, setup, username):
    login(username)
    before = requirements(app)
    assert client.get("/requirements/new").status_code == 403
    assert client.post("/requirements/new", data={
        "unit_id": setup["units"]["SK-SKOLE"], "competence_id": setup["SAAR"], "min_level": "1", "required_count": "1",
    }).status_code == 403
    assert client.post(f"/requirements/{setup['hjem']}/delete").status_code == 403
    assert requirements(app) == before


def test_anonymous_is_sent_to_log_in(client, setup):
    response = client.get("/requirements")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
