"""An appraisal is confidential between the employee and the leaders of their unit.

Everyone else — a colleague, a leader of another unit, hr, a union
representative, a politician, the system administrator — gets 404 on the
appraisal, its calendar invitation and the development entries, exactly as
for an id that does not exist, and every attempt to change them changes nothing.
"""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.appraisals.models import Appraisal, DevelopmentEntry
from portal.extensions import db
from tests.api.test_tokens import assert_error, bearer

PREFIX = "/api/v1"
OUTSIDERS = ("colleague", "other_leader", "hr", "representative", "politician", "admin")


@pytest.fixture
def held(app, client, api, people):
    """A held appraisal of ``employee`` with a summary and an agreed entry; returns ids."""
    token = api.token("leader")
    when = (date.today() + timedelta(days=7)).isoformat() + "T10:00"
    created = client.post(
        f"{PREFIX}/appraisals", headers=bearer(token),
        json={"employee_id": people["staff"]["1002"], "scheduled_for": when, "location": "Rom 3"},
    ).get_json()
    appraisal_id = created["id"]
    held = client.post(f"{PREFIX}/appraisals/{appraisal_id}/transitions/hold", headers=bearer(token)).get_json()
    assert held["state"] == "held", held
    client.patch(f"{PREFIX}/appraisals/{appraisal_id}", headers=bearer(token), json={"summary": "Fortrolig referat"})
    entry = client.post(
        f"{PREFIX}/development-entries", headers=bearer(token), json={"appraisal_id": appraisal_id, "title": "Kurs"}
    ).get_json()
    return {"appraisal": appraisal_id, "entry": entry["id"], "employee": people["staff"]["1002"]}


def requests(ids):
    a, e, p = ids["appraisal"], ids["entry"], ids["employee"]
    return [
        ("get", f"/appraisals/{a}", None),
        ("get", f"/appraisals/{a}/invite.ics", None),
        ("get", f"/employees/{p}/development-entries", None),
        ("patch", f"/appraisals/{a}", {"summary": "Endret av en uvedkommende"}),
        ("patch", f"/appraisals/{a}", {"employee_comment": "Endret av en uvedkommende"}),
        ("post", f"/appraisals/{a}/signoffs", {"capacity": "leader", "decision": "approve"}),
        ("post", f"/appraisals/{a}/transitions/cancel", {}),
        ("post", "/development-entries", {"appraisal_id": a, "title": "Snikinnlagt"}),
        ("patch", f"/development-entries/{e}", {"status": "cancelled", "note": "Uvedkommende"}),
    ]


@pytest.mark.parametrize("username", OUTSIDERS)
@pytest.mark.parametrize("index", range(9))
def test_outsiders_get_404_and_change_nothing(app, client, api, held, username, index):
    method, path, body = requests(held)[index]
    headers = bearer(api.token(username))
    response = getattr(client, method)(PREFIX + path, headers=headers, json=body)
    assert_error(response, 404)
    text = response.get_data(as_text=True)
    assert "Fortrolig" not in text and "Kurs" not in text
    # Exactly what an id that does not exist gets.
    # (Built from the ids, not by replacing digits: the ids may share digits.)
    missing = requests({"appraisal": 999999, "entry": 999998, "employee": 999997})[index][1]
    if missing != path:
        assert getattr(client, method)(PREFIX + missing, headers=headers, json=body).get_json() == response.get_json()
    with app.app_context():
        row = db.session.get(Appraisal, held["appraisal"])
        assert (row.state, row.summary, row.employee_comment) == ("held", "Fortrolig referat", "")
        assert db.session.scalar(select(func.count(DevelopmentEntry.id))) == 1
        assert db.session.get(DevelopmentEntry, held["entry"]).status == "planned"


@pytest.mark.parametrize("username", ("employee", "leader"))
def test_the_employee_and_their_leader_see_it(client, api, held, username):
    headers = bearer(api.token(username))
    for method, path, _body in requests(held)[:3]:
        response = client.get(PREFIX + path, headers=headers)
        assert response.status_code == 200, (path, response.get_data(as_text=True))


def test_a_leader_above_sees_it_too(app, client, api, held):
    """Leadership is inherited down the tree: a leader of HO leads HO-HJEM-NORD."""
    from portal.org.accounts import grant_role
    from portal.org.models import Unit, User

    with app.app_context():
        boss = User(username="boss", password_hash=db.session.scalar(select(User.password_hash).limit(1)))
        db.session.add(boss)
        grant_role(boss, "leader", db.session.scalar(select(Unit).where(Unit.code == "HO")))
        db.session.commit()
    response = client.get(f"{PREFIX}/appraisals/{held['appraisal']}", headers=bearer(api.token("boss")))
    assert response.status_code == 200
