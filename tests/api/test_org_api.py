"""Units and employees over the API: shapes, paging, and who sees whom."""
from datetime import date

import pytest
from sqlalchemy import insert

from portal.extensions import db
from tests.api.test_tokens import assert_error, bearer

ALL_STAFF = {"1001", "1002", "1003", "2001", "2002"}


def numbers(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["employee_number"] for item in response.get_json()["items"]}


# --- units -------------------------------------------------------------------


def test_units_are_a_page_of_the_whole_tree(api, people):
    body = api.get("/api/v1/units", "politician").get_json()
    assert set(body) >= {"items", "total", "page", "per_page"}
    assert (body["total"], body["page"], body["per_page"]) == (5, 1, 50)
    assert {u["code"] for u in body["items"]} == set(people["units"])
    by_code = {u["code"]: u for u in body["items"]}
    assert by_code["HO-HJEM-NORD"]["parent_id"] == people["units"]["HO-HJEM"]
    assert by_code["HO"]["parent_id"] is None and by_code["HO"]["is_service_area"] is True


def test_units_page_through_without_gaps_or_repeats(api, people):
    token = api.token("employee")
    seen = []
    for page in (1, 2, 3):
        body = api.get(f"/api/v1/units?per_page=2&page={page}", token=token).get_json()
        assert (body["total"], body["page"], body["per_page"]) == (5, page, 2)
        seen += [u["id"] for u in body["items"]]
    assert sorted(seen) == sorted(people["units"].values())
    beyond = api.get("/api/v1/units?per_page=2&page=4", token=token).get_json()
    assert beyond["items"] == [] and beyond["total"] == 5


def test_units_filter_by_parent(api, people):
    body = api.get(f"/api/v1/units?parent_id={people['units']['HO']}", "hr").get_json()
    assert [u["code"] for u in body["items"]] == ["HO-HJEM"]


@pytest.mark.parametrize(
    "query,field",
    [
        ("per_page=201", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=-5", "per_page"),
        ("per_page=ten", "per_page"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=1.5", "page"),
        ("page=1_0", "page"),
        ("page=99999999999999999999999", "page"),
        ("parent_id=x", "parent_id"),
        ("parent_id=99999999999999999999", "parent_id"),
    ],
)
def test_bad_paging_gets_422_naming_the_parameter(api, people, query, field):
    error = assert_error(api.get(f"/api/v1/units?{query}", "hr"), 422, "invalid")
    assert list(error["fields"]) == [field]


def test_per_page_200_is_allowed(api, people):
    assert api.get("/api/v1/units?per_page=200", "hr").get_json()["per_page"] == 200


def test_one_unit(api, people):
    unit_id = people["units"]["SK-SKOLE"]
    body = api.get(f"/api/v1/units/{unit_id}", "representative").get_json()
    assert body["code"] == "SK-SKOLE"
    assert body["name"] == "Åsen skole"
    assert body["parent_id"] == people["units"]["SK"]


@pytest.mark.parametrize("unit_id", ["999999", "0", "2147483648", "99999999999999999999", "abc", "-1"])
def test_unknown_unit_is_a_json_404(api, people, unit_id):
    assert_error(api.get(f"/api/v1/units/{unit_id}", "hr"), 404, "not_found")


def test_units_need_a_token(client, people):
    assert_error(client.get("/api/v1/units"), 401)
    assert_error(client.get(f"/api/v1/units/{people['units']['HO']}"), 401)


# --- employee lists ------------------------------------------------------------


@pytest.mark.parametrize(
    "username,expected",
    [
        ("hr", ALL_STAFF),
        ("leader", {"1001", "1002", "1003"}),
        ("other_leader", {"2001", "2002"}),
        ("employee", {"1002"}),
        ("colleague", {"1003"}),
    ],
)
def test_employee_list_shows_exactly_whom_the_caller_may_see(api, people, username, expected):
    response = api.get("/api/v1/employees", username)
    assert numbers(response) == expected
    assert response.get_json()["total"] == len(expected)


@pytest.mark.parametrize("username", ["politician", "representative", "admin"])
def test_roles_without_personal_data_get_403_on_employees(api, people, username):
    token = api.token(username)
    assert_error(api.get("/api/v1/employees", token=token), 403, "forbidden")
    existing = api.get(f"/api/v1/employees/{people['staff']['1002']}", token=token)
    missing = api.get("/api/v1/employees/999999", token=token)
    assert_error(existing, 403)
    assert existing.get_json() == missing.get_json(), "403 must not depend on whether the person exists"


def test_unit_filter_narrows_to_the_subtree(api, people):
    token = api.token("hr")
    units = people["units"]
    assert numbers(api.get(f"/api/v1/employees?unit_id={units['HO-HJEM-NORD']}", token=token)) == {"1002", "1003"}
    assert numbers(api.get(f"/api/v1/employees?unit_id={units['HO']}", token=token)) == {"1001", "1002", "1003"}
    assert numbers(api.get(f"/api/v1/employees?unit_id={units['SK']}", token=token)) == {"2001", "2002"}


def test_unit_filter_never_widens_a_leaders_view(api, people):
    token = api.token("leader")
    response = api.get(f"/api/v1/employees?unit_id={people['units']['SK-SKOLE']}", token=token)
    assert numbers(response) == set() and response.get_json()["total"] == 0
    assert numbers(api.get(f"/api/v1/employees?unit_id={people['units']['HO']}", token=token)) == {
        "1001",
        "1002",
        "1003",
    }


@pytest.mark.parametrize("unit_id", ["999999", "abc", "0", "99999999999999999999"])
def test_bad_unit_filter_gets_422(api, people, unit_id):
    error = assert_error(api.get(f"/api/v1/employees?unit_id={unit_id}", "hr"), 422, "invalid")
    assert list(error["fields"]) == ["unit_id"]


def test_employee_fields_have_json_types(api, people):
    items = api.get("/api/v1/employees", "hr").get_json()["items"]
    ola = next(e for e in items if e["employee_number"] == "1002")
    assert ola["id"] == people["staff"]["1002"]
    assert (ola["first_name"], ola["last_name"]) == ("Ola", "Øverby")
    assert ola["unit_id"] == people["units"]["HO-HJEM-NORD"] and ola["unit_code"] == "HO-HJEM-NORD"
    assert isinstance(ola["position_percent"], (int, float)) and not isinstance(ola["position_percent"], bool)
    assert ola["position_percent"] == 80
    assert ola["birth_date"] == "1975-05-17" and ola["hire_date"] == "2010-08-01"
    assert date.fromisoformat(ola["birth_date"]) == date(1975, 5, 17)
    assert ola["end_date"] is None


def test_employee_pages_cover_everyone_once(api, people):
    token = api.token("hr")
    seen = []
    for page in (1, 2, 3):
        body = api.get(f"/api/v1/employees?per_page=2&page={page}", token=token).get_json()
        assert (body["total"], body["page"], body["per_page"]) == (5, page, 2)
        seen += [e["employee_number"] for e in body["items"]]
    assert sorted(seen) == sorted(ALL_STAFF)


# --- one employee --------------------------------------------------------------


@pytest.mark.parametrize(
    "username,number",
    [("hr", "2002"), ("leader", "1001"), ("leader", "1003"), ("employee", "1002"), ("other_leader", "2002")],
)
def test_an_employee_in_scope_is_shown(api, people, username, number):
    response = api.get(f"/api/v1/employees/{people['staff'][number]}", username)
    assert response.status_code == 200
    assert response.get_json()["employee_number"] == number


@pytest.mark.parametrize(
    "username,number",
    [("leader", "2001"), ("leader", "2002"), ("employee", "1003"), ("employee", "1001"), ("other_leader", "1002")],
)
def test_an_employee_out_of_scope_is_the_same_404_as_nobody(api, people, username, number):
    token = api.token(username)
    hidden = api.get(f"/api/v1/employees/{people['staff'][number]}", token=token)
    missing = api.get("/api/v1/employees/999999", token=token)
    assert_error(hidden, 404, "not_found")
    assert_error(missing, 404, "not_found")
    assert hidden.get_json() == missing.get_json()
    assert hidden.headers.get("Content-Type") == missing.headers.get("Content-Type")


@pytest.mark.parametrize("employee_id", ["0", "2147483648", "99999999999999999999", "abc"])
def test_impossible_employee_ids_are_404(api, people, employee_id):
    assert_error(api.get(f"/api/v1/employees/{employee_id}", "hr"), 404)


# --- query counts ----------------------------------------------------------------


def _add_employees(app, people, count, start, new_units=0):
    """Bulk-add ``count`` employees spread over units, optionally in ``new_units`` new ones.

    New units go under HO-HJEM (so ``leader`` sees their staff too): a unit
    loaded per row would then cost more queries on the big list than the small.
    """
    from portal.org.models import Employee, Unit

    with app.app_context():
        unit_ids = list(people["units"].values())
        if new_units:
            parent = db.session.get(Unit, people["units"]["HO-HJEM"])
            codes = [f"HO-HJEM-{n:03d}" for n in range(new_units)]
            added = [Unit(code=c, name=f"Bofellesskap {c}", parent=parent, path=f"{parent.path}{c}/") for c in codes]
            db.session.add_all(added)
            db.session.flush()
            unit_ids = [u.id for u in added]
        rows = [
            {
                "employee_number": f"B{start + i:06d}",
                "first_name": f"Fornavn{i}",
                "last_name": f"Etternavn{(start + i) % 97}",
                "birth_date": date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                "unit_id": unit_ids[i % len(unit_ids)],
                "profession": ["Sykepleier", "Lærer", "Helsefagarbeider"][i % 3],
                "position_percent": [100, 80, 50.5][i % 3],
                "hire_date": date(2000 + i % 20, 1, 1),
                "end_date": None,
            }
            for i in range(count)
        ]
        db.session.execute(insert(Employee), rows)
        db.session.commit()


@pytest.mark.parametrize("username", ["hr", "leader"])
def test_employee_list_costs_the_same_queries_for_10_or_1000_rows(app, api, people, count_queries, username):
    token = api.token(username)
    url = "/api/v1/employees?per_page=200"

    _add_employees(app, people, 5, start=0)
    with count_queries() as small:
        first = api.get(url, token=token)
    assert first.status_code == 200

    _add_employees(app, people, 990, start=5, new_units=30)
    with count_queries() as large:
        second = api.get(url, token=token)
    assert second.status_code == 200

    if username == "hr":
        assert (first.get_json()["total"], second.get_json()["total"]) == (10, 1000)
        assert len(second.get_json()["items"]) == 200
    else:
        assert first.get_json()["total"] < second.get_json()["total"]
    assert len(small) == len(large), "\n".join(large)
    assert len(large) <= 10, "\n".join(large)
