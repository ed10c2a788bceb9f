"""GET /api/v1/workforce as a client meets it: figures, scope, hidden small groups, errors.

Uses the shared ``people`` municipality (five people born 1975-05-17, two of
them part-time) plus people added per test with dates relative to today.
"""
import io
from datetime import date

import pytest
from sqlalchemy import insert

from portal.competence.retirement import add_years
from portal.extensions import db
from portal.org.models import Employee
from tests.api.test_openapi import assert_fits, document  # noqa: F401  (fixture)
from tests.api.test_tokens import assert_error, bearer

URL = "/api/v1/workforce"


def add_people(app, rows):
    with app.app_context():
        db.session.execute(insert(Employee), rows)
        db.session.commit()


def person(number, unit_id, profession, born, percent=100, hired=date(2010, 1, 1), ended=None):
    return {
        "employee_number": str(number),
        "first_name": "Test",
        "last_name": f"Person {number}",
        "birth_date": born,
        "unit_id": unit_id,
        "profession": profession,
        "position_percent": percent,
        "hire_date": hired,
        "end_date": ended,
    }


def get(client, api, username, **params):
    return client.get(URL, query_string=params, headers=bearer(api.token(username)))


def test_hr_gets_the_whole_municipality(client, api, people, document):  # noqa: F811
    response = get(client, api, "hr")
    assert response.status_code == 200
    assert_fits(document, "/workforce", "get", response)
    body = response.get_json()
    this_year = date.today().year
    assert body["unit_id"] is None and body["profession"] is None
    assert body["horizon_years"] == 5
    assert body["headcount"] == 5
    assert {b["band"]: b["count"] for b in body["age_bands"]}["45-54"] == 5
    assert sum(b["count"] for b in body["age_bands"]) == 5
    assert [r["year"] for r in body["retirements_per_year"]] == list(range(this_year, this_year + 6))
    assert body["part_time_share"] == 0.4
    assert body["average_position_percent"] == 88.0
    assert {(a["profession"], a["age"], a["source"]) for a in body["retirement_ages"]} == {
        ("Enhetsleder", 67, "default"),
        ("Sykepleier", 65, "special"),
        ("Helsefagarbeider", 65, "special"),
        ("Rektor", 67, "default"),
        ("Lærer", 67, "default"),
    }
    years = [this_year - 3, this_year - 2, this_year - 1]
    assert {(t["profession"], t["year"]) for t in body["turnover"]} == {
        (p, y) for p in ("Enhetsleder", "Sykepleier", "Helsefagarbeider", "Rektor", "Lærer") for y in years
    }
    assert all(t["leavers"] == 0 and t["headcount"] == 1 and t["rate"] == 0 for t in body["turnover"])


def test_retirements_leavers_and_new_hires_relative_to_today(client, api, app, people):
    today = date.today()
    this_year = today.year
    nord = people["units"]["HO-HJEM-NORD"]
    add_people(
        app,
        [
            # 65th birthday today: a nurse retires this year (special age 65).
            person(9001, nord, "Sykepleier", add_years(today, -65)),
            # 67 in two years.
            person(9002, nord, "Lærer", date(this_year + 2 - 67, 1, 1)),
            # Left last year: a leaver then, not in today's headcount.
            person(9003, nord, "Sykepleier", date(1980, 1, 1), ended=date(this_year - 1, 6, 30)),
            # Hired this year: in today's headcount, in no 1 January headcount.
            person(9004, nord, "Sykepleier", date(1999, 1, 1), percent=50, hired=today),
        ],
    )
    body = get(client, api, "hr", horizon_years=3).get_json()
    assert body["headcount"] == 8
    assert [r["count"] for r in body["retirements_per_year"]] == [1, 0, 1, 0]
    nurses = {t["year"]: t for t in body["turnover"] if t["profession"] == "Sykepleier"}
    assert nurses[this_year - 1] == {
        "profession": "Sykepleier",
        "year": this_year - 1,
        "leavers": 1,
        "headcount": 3,  # 1002, 9001, 9003 on 1 January
        "rate": round(1 / 3, 4),
    }
    # A Sykepleier setting by hr changes the projection and says where it comes from.
    from portal.competence.models import RetirementAge

    with app.app_context():
        db.session.add(RetirementAge(profession="Sykepleier", age=67))
        db.session.commit()
    body = get(client, api, "hr", horizon_years=3, profession="Sykepleier").get_json()
    assert body["profession"] == "Sykepleier"
    assert [r["count"] for r in body["retirements_per_year"]] == [0, 0, 1, 0]
    assert body["retirement_ages"] == [{"profession": "Sykepleier", "age": 67, "source": "setting"}]


def test_politician_gets_null_for_small_groups(client, api, people, document):  # noqa: F811
    response = get(client, api, "politician")
    assert_fits(document, "/workforce", "get", response)
    body = response.get_json()
    assert body["detailed"] is False
    assert body["headcount"] == 5
    assert {b["band"]: b["count"] for b in body["age_bands"]}["45-54"] == 5
    # 2 part-time, 3 full-time: both fewer than five, so the share is hidden as well.
    assert body["part_time"] is None and body["part_time_share"] is None
    assert body["average_position_percent"] == 88.0
    assert all(t["headcount"] is None and t["rate"] is None for t in body["turnover"])

    small = get(client, api, "representative", unit_id=people["units"]["HO-HJEM-NORD"]).get_json()
    assert small["headcount"] is None
    assert small["average_position_percent"] is None
    assert {b["band"]: b["count"] for b in small["age_bands"]}["45-54"] is None
    assert {b["band"]: b["count"] for b in small["age_bands"]}["25-34"] == 0


def test_leader_sees_own_units_and_gets_404_elsewhere(client, api, people, document):  # noqa: F811
    body = get(client, api, "leader").get_json()
    assert body["headcount"] == 3 and body["detailed"] is True
    nord = get(client, api, "leader", unit_id=people["units"]["HO-HJEM-NORD"])
    assert nord.status_code == 200
    assert nord.get_json()["headcount"] == 2
    assert nord.get_json()["part_time_share"] == 1.0
    for unit in ("SK-SKOLE", "SK", "HO"):
        response = get(client, api, "leader", unit_id=people["units"][unit])
        assert_error(response, 404, "not_found")
        assert_fits(document, "/workforce", "get", response)


@pytest.mark.parametrize("username", ["employee", "admin"])
def test_employee_and_admin_are_refused(client, api, people, username):
    assert_error(get(client, api, username), 403, "forbidden")


def test_anonymous_needs_a_token(client, people):
    assert_error(client.get(URL), 401, "unauthorized")


@pytest.mark.parametrize(
    "params,fields",
    [
        ({"horizon_years": "0"}, {"horizon_years"}),
        ({"horizon_years": "11"}, {"horizon_years"}),
        ({"horizon_years": "five"}, {"horizon_years"}),
        ({"unit_id": "abc"}, {"unit_id"}),
        ({"unit_id": "0"}, {"unit_id"}),
        ({"unit_id": "999999"}, {"unit_id"}),
        ({"unit_id": str(2**40)}, {"unit_id"}),
        ({"profession": "x" * 101}, {"profession"}),
        ({"profession": "Syke\x00pleier"}, {"profession"}),
        ({"unit_id": "abc", "horizon_years": "99"}, {"unit_id", "horizon_years"}),
    ],
)
def test_bad_parameters_are_named(client, api, people, document, params, fields):  # noqa: F811
    response = get(client, api, "hr", **params)
    error = assert_error(response, 422, "invalid")
    assert set(error["fields"]) == fields
    assert_fits(document, "/workforce", "get", response)


def test_control_characters_in_the_profession_still_give_a_workbook(client, api, people):
    # Found by tests/api/test_fuzz.py: the filter is written into the sheet, and
    # openpyxl refuses control characters, so /workforce.xlsx answered 500.
    from openpyxl import load_workbook

    response = client.get(f"{URL}.xlsx?profession=Syke%02pleier%1B", headers=bearer(api.token("hr")))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    texts = [v for row in book.active.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "Sykepleier" in texts


def test_query_count_does_not_grow_with_staff(client, api, app, people, count_queries):
    token = api.token("hr")
    unit = people["units"]["SK-SKOLE"]

    def add(n, start):
        add_people(
            app,
            [
                person(
                    start + i,
                    unit,
                    ["Sykepleier", "Lærer", "Assistent"][i % 3],
                    date(1950 + i % 55, 1 + i % 12, 1 + i % 28),
                    percent=40 + i % 61,
                    hired=date(2005 + i % 20, 3, 1),
                    ended=date(2021 + i % 5, 8, 31) if i % 4 == 0 else None,
                )
                for i in range(n)
            ],
        )

    add(10, 10_000)
    with count_queries() as small:
        assert client.get(URL, headers=bearer(token)).status_code == 200
    add(990, 20_000)
    with count_queries() as large:
        response = client.get(URL, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["headcount"] > 500
    assert len(large) == len(small)
