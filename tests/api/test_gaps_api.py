"""GET /api/v1/gaps and the exports under /api/v1, as an integrating system uses them.

Same small municipality as the page tests (``gaps_world``): wound care
required in HO-HJEM-NORD (4, held by 2, one of them leaving within two
years), HLR in HO-HJEM (8, held by 6), wound care in SK-SKOLE (10, held by 7).
"""
import csv
import io

import pytest
from openpyxl import load_workbook

from tests.api.test_openapi import assert_fits, document  # noqa: F401  (fixture)
from tests.api.test_tokens import assert_error
from tests.competence.test_gaps_page import add_requirements, gaps_world  # noqa: F401  (fixture)

KEYS = {
    "requirement_id", "unit_id", "competence_id", "profession", "min_level", "required", "holders_now",
    "gap_now", "retiring_by_horizon", "holders_at_horizon", "gap_at_horizon",
}


def figures(item):
    return tuple(item[k] for k in ("required", "holders_now", "gap_now", "retiring_by_horizon",
                                   "holders_at_horizon", "gap_at_horizon"))


def by_unit(body, units):
    codes = {v: k for k, v in units.items()}
    return {codes[item["unit_id"]]: item for item in body["items"]}


def test_hr_gets_every_requirement_with_its_figures(api, gaps_world):
    response = api.get("/api/v1/gaps?horizon_years=2", "hr")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 50)
    assert all(set(item) == KEYS for item in body["items"])
    items = by_unit(body, gaps_world["units"])
    assert figures(items["HO-HJEM-NORD"]) == (4, 2, 2, 1, 1, 3)
    assert figures(items["HO-HJEM"]) == (8, 6, 2, 0, 6, 2)
    assert figures(items["SK-SKOLE"]) == (10, 7, 3, 0, 7, 3)
    assert items["HO-HJEM"]["competence_id"] == gaps_world["hlr"]
    assert items["HO-HJEM-NORD"]["min_level"] == 2 and items["HO-HJEM-NORD"]["profession"] is None


def test_the_horizon_defaults_to_today(api, gaps_world):
    items = by_unit(api.get("/api/v1/gaps", "hr").get_json(), gaps_world["units"])
    assert figures(items["HO-HJEM-NORD"]) == (4, 2, 2, 0, 2, 2)


def test_pages_split_the_same_list(api, gaps_world):
    token = api.token("hr")
    whole = api.get("/api/v1/gaps?horizon_years=2", token=token).get_json()["items"]
    pages = [api.get(f"/api/v1/gaps?horizon_years=2&per_page=2&page={n}", token=token).get_json() for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [3, 3, 3]
    assert pages[0]["items"] + pages[1]["items"] == whole and pages[2]["items"] == []


def test_a_unit_narrows_to_its_subtree(api, gaps_world):
    units = gaps_world["units"]
    body = api.get(f"/api/v1/gaps?unit_id={units['HO']}", "hr").get_json()
    assert sorted(by_unit(body, units)) == ["HO-HJEM", "HO-HJEM-NORD"]


@pytest.mark.parametrize(
    "query,field",
    [("horizon_years=11", "horizon_years"), ("horizon_years=-1", "horizon_years"),
     ("horizon_years=1.5", "horizon_years"), ("unit_id=999999", "unit_id"), ("unit_id=abc", "unit_id"),
     ("per_page=500", "per_page")],
)
def test_bad_parameters_are_422_naming_the_field(api, gaps_world, query, field):
    response = api.get(f"/api/v1/gaps?{query}", "hr")
    assert_error(response, 422, "invalid")
    assert field in response.get_json()["error"]["fields"]


def test_a_leader_sees_only_their_units_and_nothing_of_others(api, gaps_world):
    units = gaps_world["units"]
    token = api.token("leader")
    body = api.get("/api/v1/gaps?horizon_years=2", token=token).get_json()
    assert sorted(by_unit(body, units)) == ["HO-HJEM", "HO-HJEM-NORD"] and body["total"] == 2
    assert api.get(f"/api/v1/gaps?unit_id={units['HO-HJEM-NORD']}", token=token).get_json()["total"] == 1
    for outside in ("SK-SKOLE", "SK", "HO"):
        assert_error(api.get(f"/api/v1/gaps?unit_id={units[outside]}", token=token), 404, "not_found")
        assert_error(api.get(f"/api/v1/gaps.csv?unit_id={units[outside]}", token=token), 404, "not_found")


@pytest.mark.parametrize("username", ["politician", "representative"])
def test_aggregates_only_callers_get_null_for_small_groups(api, gaps_world, username):
    items = by_unit(api.get("/api/v1/gaps?horizon_years=2", username).get_json(), gaps_world["units"])
    assert figures(items["HO-HJEM-NORD"]) == (4, None, None, None, None, None)
    assert figures(items["SK-SKOLE"]) == (10, 7, 3, 0, 7, 3)
    assert figures(items["HO-HJEM"]) == (8, 6, 2, 0, 6, 2)


@pytest.mark.parametrize("username,status", [("employee", 403), ("admin", 403), (None, 401)])
def test_others_are_refused(api, gaps_world, username, status):
    for path in ("/api/v1/gaps", "/api/v1/gaps.csv", "/api/v1/gaps.xlsx"):
        assert_error(api.get(path, username), status)


def test_answers_fit_the_documented_schema(api, client, gaps_world, document):  # noqa: F811
    assert document["paths"]["/gaps"]["get"]["responses"]["200"]
    for username, query in [("hr", "?horizon_years=3"), ("politician", ""), ("leader", "?per_page=1")]:
        assert_fits(document, "/gaps", "get", api.get(f"/api/v1/gaps{query}", username))
    assert_fits(document, "/gaps", "get", api.get("/api/v1/gaps?horizon_years=99", "hr"))
    assert_fits(document, "/gaps", "get", api.get(f"/api/v1/gaps?unit_id={gaps_world['units']['SK']}", "leader"))


# --- the exports under /api/v1 ------------------------------------------------------------


def test_the_api_exports_match_the_page_exports(api, client, login, gaps_world):
    units = gaps_world["units"]
    query = f"?unit_id={units['HO-HJEM']}&horizon_years=2"
    from_api = api.get(f"/api/v1/gaps.csv{query}", "hr")
    assert from_api.status_code == 200 and from_api.mimetype == "text/csv"
    assert "attachment" in from_api.headers["Content-Disposition"]
    login("hr")
    from_page = client.get(f"/gaps.csv{query}")
    assert from_api.get_data(as_text=True) == from_page.get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(from_api.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(line[1], line[5]) for line in lines[2:]] == [("HO-HJEM", "HLR"), ("HO-HJEM-NORD", "SAAR")]

    workbook = api.get(f"/api/v1/gaps.xlsx{query}", "hr")
    assert workbook.status_code == 200
    rows = list(load_workbook(io.BytesIO(workbook.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == "unit_id" and len(rows) == 4


def test_api_exports_hide_small_groups_and_check_their_input(api, gaps_world):
    text = api.get("/api/v1/gaps.csv?horizon_years=2", "politician").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    named = [dict(zip(lines[1], line)) for line in lines[2:]]
    wound_ho = next(r for r in named if r["unit_code"] == "HO" and r["competence_code"] == "SAAR")
    assert wound_ho["holders_now"] == "" and wound_ho["required"] == "4"
    for query, field in [("horizon_years=12", "horizon_years"), ("colour_by=red", "colour_by"),
                         ("area_id=999999", "area_id")]:
        response = api.get(f"/api/v1/gaps.xlsx?{query}", "hr")
        assert_error(response, 422, "invalid")
        assert field in response.get_json()["error"]["fields"]


# --- a fixed number of queries ------------------------------------------------------------------


@pytest.mark.parametrize("username", ["hr", "leader", "politician"])
def test_the_endpoint_runs_the_same_queries_for_ten_or_a_thousand_requirements(
    app, api, gaps_world, count_queries, username
):
    token = api.token(username)
    paths = ["/api/v1/gaps?horizon_years=5&per_page=200", "/api/v1/gaps?horizon_years=5&per_page=2&page=2"]  # never empty

    def counts():
        out = []
        for path in paths:
            with count_queries() as seen:
                assert api.get(path, token=token).status_code == 200
            out.append(len(seen))
        return out

    add_requirements(app, 7, "S")
    small = counts()
    add_requirements(app, 1000, "L")
    assert counts() == small
    assert api.get(paths[1], token=token).get_json()["total"] > (10 if username == "leader" else 200)
