"""A plan's goals and measures as CSV and XLSX: what the plan page shows, hidden as the page hides it.

Every logged-in user reads plans, so everyone gets the files; a value about
fewer than five people is an empty cell with a note for those who see
aggregates only (politicians, representatives, employees), as "under 5" on
the page.
"""
import pytest

from portal.extensions import db
from portal.plans import editing
from portal.plans.models import Plan
from tests.competence.test_catalogue import in_english
from tests.plans.test_plan_content_pages import _fill, competence, fire, make_plan, unit_id_of, user
from tests.reports.exportcheck import csv_records, csv_rows, same_rows, workbook

NOTE = "Vises ikke: færre enn 5 personer"


@pytest.fixture
def plan_id(app, people):
    saar = competence(app, holders=["1002", "1003"])
    nord = unit_id_of(app, "HO-HJEM-NORD")
    plan_id = make_plan(
        app,
        "measures",
        goals=[
            {"kind": "competence", "title": "Sårbehandling i nord", "unit_id": nord, "competence_id": saar,
             "min_level": 2, "target_count": 6, "target_date": "2028-06-30"},
            {"kind": "manual", "title": "Færre vakante stillinger", "target_value": 10, "manual_value": 4},
        ],
        measures=[
            {"kind": "fagdag", "title": "Fagdag sårstell", "responsible": "Åse Ærlig", "target_group": "Sykepleiere",
             "participants": 10, "cost_per_participant": "1500", "external_grants": "5000", "cost_centre": "1234",
             "start": "2027-01-15", "end": "2027-03-01", "status": "in_progress"},
        ],
    )
    with app.app_context():
        hr = user("hr")
        plan = db.session.get(Plan, plan_id)
        goals = {g.title: g for g in plan.goals}
        editing.add_measure(plan, {"kind": "mentor", "title": "=Mentorordning", "cost_nok": "20000.50",
                                   "goal_id": goals["Færre vakante stillinger"].id}, hr, plan.version)
        db.session.commit()
        fire(plan, "start_evaluation")
        editing.evaluate_goal(plan, goals["Sårbehandling i nord"], {"verdict": "partly", "comment": "To av seks"},
                              hr, plan.version)
        db.session.commit()
    return plan_id


def test_hr_gets_every_goal_with_values_in_bokmal(client, login, plan_id):
    login("hr")
    response = client.get(f"/plans/{plan_id}/goals.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="kompetanseplan-{plan_id}-maal.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = csv_rows(response)
    assert rows[0][:2] == ["Mål-id", "Mål"]
    assert rows[1] == ["goal_id", "title", "kind", "kind_name", "unit_code", "unit_name", "competence_code",
                       "competence_name", "min_level", "figure", "direction", "target", "baseline_value",
                       "current_value", "target_date", "verdict", "verdict_name", "reached_value", "note"]
    goals = {r["title"]: r for r in csv_records(response)}
    wound = goals["Sårbehandling i nord"]
    assert (wound["unit_code"], wound["unit_name"], wound["competence_name"], wound["min_level"]) == (
        "HO-HJEM-NORD", "Hjemmetjenesten nord", "Sårbehandling", "2")
    assert (wound["target"], wound["current_value"], wound["target_date"]) == ("6", "2", "2028-06-30")
    assert (wound["verdict"], wound["verdict_name"], wound["reached_value"], wound["note"]) == (
        "partly", "Delvis nådd", "2", "")
    manual = goals["Færre vakante stillinger"]
    assert (manual["kind"], manual["unit_name"], manual["target"], manual["current_value"], manual["verdict"]) == (
        "manual", "Hjemmetjenesten", "10", "4", "")


@pytest.mark.parametrize("username", ["politician", "representative", "employee"])
def test_aggregate_only_readers_get_an_empty_cell_and_a_note_for_small_groups(client, login, plan_id, username):
    login(username)
    goals = {r["title"]: r for r in csv_records(client.get(f"/plans/{plan_id}/goals.csv"))}
    wound = goals["Sårbehandling i nord"]
    assert (wound["current_value"], wound["reached_value"], wound["baseline_value"], wound["note"]) == ("", "", "", NOTE)
    assert wound["target"] == "6" and wound["verdict"] == "partly"
    manual = goals["Færre vakante stillinger"]
    assert (manual["current_value"], manual["note"]) == ("4", "")  # not about people: shown


def test_measures_with_costs_dates_and_safe_text(client, login, plan_id):
    login("politician")
    response = client.get(f"/plans/{plan_id}/measures.csv")
    assert response.status_code == 200
    assert f'filename="kompetanseplan-{plan_id}-tiltak.csv"' in response.headers["Content-Disposition"]
    records = csv_records(response)
    assert [r["title"] for r in records] == ["Fagdag sårstell", "'=Mentorordning"]
    day = records[0]
    assert (day["goal_title"], day["kind"], day["strategy"], day["strategy_name"], day["responsible"]) == (
        "Sårbehandling i nord", "fagdag", "develop", "Utvikle", "Åse Ærlig")
    assert (day["start"], day["end"], day["participants"], day["cost_per_participant"], day["cost_nok"],
            day["external_grants"], day["cost_centre"], day["status"]) == (
        "2027-01-15", "2027-03-01", "10", "1500", "15000", "5000", "1234", "in_progress")
    assert records[1]["cost_nok"] == "20000.5" and records[1]["status_name"] == "Planlagt"


def test_the_workbook_has_both_sheets_with_the_csv_rows(client, login, plan_id):
    login("politician")
    in_english(client)
    response = client.get(f"/plans/{plan_id}/plan.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="kompetanseplan-{plan_id}.xlsx"'
    book = workbook(response)
    assert book.sheetnames == ["Goals", "Measures"]
    same_rows(client.get(f"/plans/{plan_id}/goals.csv"), book["Goals"])
    same_rows(client.get(f"/plans/{plan_id}/measures.csv"), book["Measures"])
    measures = book["Measures"]
    assert measures["K3"].is_date and measures["M3"].value == 10 and measures["A1"].value == "Measure id"
    goals = book["Goals"]
    wound = next(row for row in goals.iter_rows(min_row=3) if row[1].value == "Sårbehandling i nord")
    assert wound[13].value is None and wound[18].value == "Not shown: fewer than 5 people"


def test_unknown_plans_are_404_and_anonymous_users_log_in(client, login, plan_id):
    for path in ("goals.csv", "measures.csv", "plan.xlsx"):
        assert client.get(f"/plans/{plan_id}/{path}").status_code in (302, 401)
    login("employee")
    for path in ("goals.csv", "measures.csv", "plan.xlsx"):
        assert client.get(f"/plans/{plan_id + 1000}/{path}").status_code == 404
        assert client.get(f"/plans/{plan_id}/{path}").status_code == 200


def test_the_api_gives_the_same_files(client, login, api, plan_id):
    login("politician")
    response = api.get(f"/api/v1/plans/{plan_id}/plan.xlsx", "politician")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    same_rows(client.get(f"/plans/{plan_id}/goals.csv"), workbook(response)["Mål"])
    goals = api.get(f"/api/v1/plans/{plan_id}/goals.csv", "hr")
    assert {r["title"]: r["current_value"] for r in csv_records(goals)}["Sårbehandling i nord"] == "2"
    assert api.get(f"/api/v1/plans/{plan_id}/measures.csv", "employee").status_code == 200
    missing = api.get(f"/api/v1/plans/{plan_id + 1000}/plan.xlsx", "hr")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"]
    assert api.get(f"/api/v1/plans/{plan_id}/plan.xlsx").status_code == 401


@pytest.mark.parametrize("username", ["hr", "politician"])
def test_the_files_cost_as_many_queries_for_200_goals_as_for_10(app, people, login, count_queries, username):
    saar = competence(app, holders=["1002"])
    small, large = make_plan(app, "measures"), make_plan(app, "measures")
    _fill(app, small, 10, saar)
    _fill(app, large, 200, saar)
    client = login(username)
    for path in ("goals.csv", "measures.csv", "plan.xlsx"):
        counts = []
        for plan_id in (small, large):
            client.get(f"/plans/{plan_id}/{path}")  # warm up whatever is loaded once per process
            with count_queries() as seen:
                response = client.get(f"/plans/{plan_id}/{path}")
            assert response.status_code == 200
            counts.append(len(seen))
        assert counts[0] == counts[1], (path, counts)
    assert len(csv_records(client.get(f"/plans/{large}/goals.csv"))) == 201  # 200 + the plan's own goal
    assert len(csv_records(client.get(f"/plans/{large}/measures.csv"))) == 202
