"""Learning records as CSV and XLSX: exactly the activities and participants the list shows the user.

``leader`` leads HO-HJEM (staff 1001, 1002 Ola Øverby and 1003 Åse Ærlig in
HO-HJEM-NORD); ``other_leader`` leads SK-SKOLE (2001, 2002 Lise Lærer).
"""
from datetime import date

import pytest

from portal.extensions import db
from portal.learning import logging
from portal.learning.models import LearningActivity, LearningParticipant
from tests.competence.test_catalogue import in_english, make_catalogue
from tests.learning.test_learning import activity_data, add_activities, user
from tests.reports.exportcheck import csv_records, csv_rows, same_rows, workbook

TODAY = date.today()


@pytest.fixture
def activities(app, people):
    """"Sårstell" (leader, 1002 + 1003, plus 2002 added afterwards), "Skole" (other_leader, 2002),
    and "Flyttet" (logged by leader, only 2002 took part)."""
    catalogue = make_catalogue(app)
    staff = people["staff"]
    with app.app_context():
        wound, _ = logging.log_activity(
            activity_data(staff, "1002", "1003", title="Sårstell", competence_id=catalogue["SAAR"], level_achieved=2),
            user("leader"),
        )
        school, _ = logging.log_activity(
            activity_data(staff, "2002", title="Skole", kind="course", date="2026-02-01", hours="3"),
            user("other_leader"),
        )
        db.session.commit()
        db.session.add(LearningParticipant(activity_id=wound.id, employee_id=staff["2002"]))
        moved = LearningActivity(title="Flyttet", kind="course", date=date(2026, 1, 5), hours=1,
                                 created_by_id=user("leader").id)
        db.session.add(moved)
        db.session.flush()
        db.session.add(LearningParticipant(activity_id=moved.id, employee_id=staff["2002"]))
        db.session.commit()
        return {"wound": wound.id, "school": school.id, "moved": moved.id}


def rows_of(response):
    assert response.status_code == 200, response.status_code
    return [(r["title"], r["employee_number"], r["employee_name"], r["unit_name"]) for r in csv_records(response)]


def test_hr_gets_every_activity_and_participant(client, login, activities):
    login("hr")
    response = client.get("/learning-activities.csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="laeringsaktiviteter-{TODAY.isoformat()}.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = csv_rows(response)
    assert rows[0][:4] == ["Aktivitets-id", "Tittel", "Typekode", "Type"]
    assert rows[1] == ["activity_id", "title", "kind", "kind_name", "date", "hours", "competence_code",
                       "competence_name", "level_achieved", "employee_number", "employee_name", "unit_code",
                       "unit_name"]
    assert rows_of(response) == [
        ("Sårstell", "2002", "Lise Lærer", "Åsen skole"),
        ("Sårstell", "1003", "Åse Ærlig", "Hjemmetjenesten nord"),  # Norwegian order: Æ before Ø
        ("Sårstell", "1002", "Ola Øverby", "Hjemmetjenesten nord"),
        ("Skole", "2002", "Lise Lærer", "Åsen skole"),
        ("Flyttet", "2002", "Lise Lærer", "Åsen skole"),
    ]
    first = csv_records(response)[0]
    assert (first["activity_id"], first["kind"], first["kind_name"], first["date"], first["hours"]) == (
        str(activities["wound"]), "fagdag", "Fagdag", "2026-03-12", "6.5")
    assert (first["competence_code"], first["competence_name"], first["level_achieved"]) == ("SAAR", "Sårstell", "2")


def test_a_leader_gets_their_staff_only(client, login, activities):
    login("leader")
    assert rows_of(client.get("/learning-activities.csv")) == [
        ("Sårstell", "1003", "Åse Ærlig", "Hjemmetjenesten nord"),  # Norwegian order: Æ before Ø
        ("Sårstell", "1002", "Ola Øverby", "Hjemmetjenesten nord"),
        ("Flyttet", "", "", ""),  # listed (they logged it), but nobody in it is theirs to see
    ]
    client.post("/logout")
    login("other_leader")
    assert rows_of(client.get("/learning-activities.csv")) == [
        ("Sårstell", "2002", "Lise Lærer", "Åsen skole"),
        ("Skole", "2002", "Lise Lærer", "Åsen skole"),
        ("Flyttet", "2002", "Lise Lærer", "Åsen skole"),
    ]


@pytest.mark.parametrize("username", ["employee", "politician", "representative", "admin"])
def test_the_list_export_is_for_leaders_and_hr(client, login, activities, username):
    login(username)
    assert client.get("/learning-activities.csv").status_code == 403
    assert client.get("/learning-activities.xlsx").status_code == 403


def test_the_kind_filter_applies_and_a_bad_kind_is_named(client, login, activities):
    login("hr")
    assert {r[0] for r in rows_of(client.get("/learning-activities.csv?kind=course"))} == {"Skole", "Flyttet"}
    response = client.get("/learning-activities.xlsx?kind=party")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert 'id="kind-error"' in response.get_data(as_text=True)


def test_the_excel_file_holds_the_same_rows(client, login, activities):
    login("leader")
    in_english(client)
    response = client.get("/learning-activities.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="laeringsaktiviteter-{TODAY.isoformat()}.xlsx"'
    sheet = workbook(response).active
    assert sheet.title == "Learning activities" and sheet["A1"].value == "Activity id"
    same_rows(client.get("/learning-activities.csv"), sheet)
    assert sheet["E3"].is_date and sheet["A3"].value == activities["wound"]


def test_the_list_links_to_both_files_with_its_filter(client, login, activities):
    login("leader")
    page = client.get("/learning-activities?kind=course").get_data(as_text=True)
    assert 'href="/learning-activities.csv?kind=course"' in page
    assert 'href="/learning-activities.xlsx?kind=course"' in page


@pytest.mark.parametrize("username", ["leader", "hr"])
def test_the_file_costs_the_same_queries_for_10_and_1000_activities(client, app, people, login, count_queries, username):
    login(username)
    add_activities(app, people, 10)
    for path in ("/learning-activities.csv", "/learning-activities.xlsx"):
        client.get(path)  # warm up
    counts = {}
    for total in (10, 1000):
        if total == 1000:
            add_activities(app, people, 990)
        for path in ("/learning-activities.csv", "/learning-activities.xlsx"):
            with count_queries() as seen:
                response = client.get(path)
            assert response.status_code == 200
            counts[(total, path)] = len(seen)
        assert len(csv_records(client.get("/learning-activities.csv"))) == total
    assert counts[(10, "/learning-activities.csv")] == counts[(1000, "/learning-activities.csv")], counts
    assert counts[(10, "/learning-activities.xlsx")] == counts[(1000, "/learning-activities.xlsx")], counts


# --- the employee's own learning record on /development ---------------------------------


def test_an_employee_downloads_their_own_record(client, login, activities):
    login("employee")
    page = client.get("/development").get_data(as_text=True)
    assert 'href="/development/learning-record.csv"' in page and 'href="/development/learning-record.xlsx"' in page
    response = client.get("/development/learning-record.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert f'filename="min-laeringshistorikk-{TODAY.isoformat()}.csv"' in response.headers["Content-Disposition"]
    records = csv_records(response)
    assert [(r["title"], r["competence_name"], r["level_achieved"]) for r in records] == [("Sårstell", "Sårstell", "2")]
    assert "employee_number" not in records[0]
    xlsx = client.get("/development/learning-record.xlsx")
    assert xlsx.status_code == 200
    same_rows(client.get("/development/learning-record.csv"), workbook(xlsx).active)
    client.post("/logout")
    login("other_leader")  # also an employee (2001), who took part in nothing
    assert csv_records(client.get("/development/learning-record.csv")) == []


@pytest.mark.parametrize("username", ["hr", "politician"])
def test_users_without_an_employee_record_have_no_record_to_download(client, login, activities, username):
    login(username)
    assert client.get("/development/learning-record.csv").status_code == 404
    assert client.get("/development/learning-record.xlsx").status_code == 404
