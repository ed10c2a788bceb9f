"""/workforce.csv and /workforce.xlsx: the page's figures, for the page's readers, hidden as on the page.

The ``people`` municipality plus six full-time assistants in Hjemmetjenesten
nord and one nurse who left last year: eleven people today, two of them
part-time (the nurse and the health worker), every profession but the
assistants with a single person.
"""
from datetime import date

import pytest
from sqlalchemy import insert

from portal.extensions import db
from portal.org.models import Employee
from tests.competence.test_catalogue import in_english
from tests.reports.exportcheck import csv_records, csv_rows, same_rows, workbook

TODAY = date.today()
NOTE = "Vises ikke: færre enn 5 personer"


@pytest.fixture
def staff(app, people):
    with app.app_context():
        nord = people["units"]["HO-HJEM-NORD"]
        for i in range(6):
            db.session.add(Employee(employee_number=f"30{i}", first_name="Ås", last_name=f"Assistent {i}",
                                    birth_date=date(1990, 1, 1), unit_id=nord, profession="Assistent",
                                    position_percent=100, hire_date=date(2015, 1, 1)))
        db.session.add(Employee(employee_number="399", first_name="Gått", last_name="Videre",
                                birth_date=date(1980, 1, 1), unit_id=nord, profession="Sykepleier",
                                position_percent=100, hire_date=date(2015, 1, 1),
                                end_date=date(TODAY.year - 1, 6, 30)))
        db.session.commit()
    return people


def by_item(records, section, item, profession="", year=""):
    found = [r for r in records if r["section"] == section and r["item"] == item
             and r["profession"] == profession and r["year"] == str(year)]
    assert len(found) == 1, (section, item, profession, year, found)
    return found[0]


def test_hr_gets_every_figure_in_bokmal_with_both_header_rows(client, login, staff):
    login("hr")
    response = client.get("/workforce.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="arbeidsstyrke-{TODAY.isoformat()}.csv"'
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = csv_rows(response)
    assert rows[0][:4] == ["Seksjonskode", "Seksjon", "Tallkode", "Tall"]
    assert rows[1] == ["section", "section_name", "item", "label", "profession", "year", "people", "out_of",
                       "share", "value", "note"]
    records = csv_records(response)
    assert by_item(records, "scope", "unit")["label"] == "Hele kommunen"
    assert by_item(records, "key_figures", "headcount")["people"] == "11"
    part_time = by_item(records, "key_figures", "part_time")
    assert (part_time["people"], part_time["out_of"], part_time["share"]) == ("2", "11", "0.1818")
    nurse = by_item(records, "part_time", "part_time", "Sykepleier")
    assert (nurse["people"], nurse["out_of"], nurse["share"], nurse["value"], nurse["note"]) == ("1", "1", "1", "80", "")
    assert by_item(records, "age_bands", "35-44")["people"] == "6"
    assert by_item(records, "age_bands", "45-54")["people"] == "5"
    left = by_item(records, "turnover", "turnover", "Sykepleier", TODAY.year - 1)
    assert (left["people"], left["out_of"], left["share"]) == ("1", "2", "0.5")
    years = [r["year"] for r in records if r["section"] == "retirements"]
    assert years == [str(y) for y in range(TODAY.year, TODAY.year + 6)]
    assert not any(r["note"] for r in records)


def test_politicians_and_representatives_get_empty_cells_and_a_note_for_small_groups(client, login, staff):
    for username in ("politician", "representative"):
        login(username)
        records = csv_records(client.get("/workforce.csv"))
        assert by_item(records, "key_figures", "headcount")["people"] == "11"
        part_time = by_item(records, "key_figures", "part_time")
        assert (part_time["people"], part_time["share"], part_time["note"]) == ("", "", NOTE)
        for profession in ("Sykepleier", "Helsefagarbeider", "Rektor", "Lærer", "Enhetsleder"):
            row = by_item(records, "part_time", "part_time", profession)
            assert (row["people"], row["out_of"], row["share"], row["value"], row["note"]) == ("", "", "", "", NOTE)
        assistants = by_item(records, "part_time", "part_time", "Assistent")
        assert (assistants["people"], assistants["out_of"], assistants["note"]) == ("0", "6", "")
        left = by_item(records, "turnover", "turnover", "Sykepleier", TODAY.year - 1)
        assert (left["people"], left["out_of"], left["share"], left["note"]) == ("", "", "", NOTE)
        # No figure of 1 to 4 anywhere in the file.
        for record in records:
            if record["section"] != "scope" and record["section"] != "retirement_ages":
                for name in ("people", "out_of"):
                    assert record[name] == "" or int(record[name]) == 0 or int(record[name]) >= 5, record
        client.post("/logout")


def test_a_unit_with_aeoeaa_in_its_name_and_its_file_name(client, login, staff):
    login("hr")
    response = client.get(f"/workforce.csv?unit_id={staff['units']['SK-SKOLE']}&horizon_years=2")
    assert response.status_code == 200
    assert f'filename="arbeidsstyrke-SK-SKOLE-{TODAY.isoformat()}.csv"' in response.headers["Content-Disposition"]
    records = csv_records(response)
    assert by_item(records, "scope", "unit")["label"] == "Åsen skole, med underliggende enheter"
    assert by_item(records, "key_figures", "headcount")["people"] == "2"
    assert by_item(records, "part_time", "part_time", "Lærer")["out_of"] == "1"
    assert by_item(records, "scope", "horizon_years")["value"] == "2"
    assert len([r for r in records if r["section"] == "retirements"]) == 3


def test_the_excel_file_holds_the_same_rows(client, login, staff):
    login("politician")
    in_english(client)
    csv_response = client.get("/workforce.csv?profession=Assistent")
    response = client.get("/workforce.xlsx?profession=Assistent")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="arbeidsstyrke-{TODAY.isoformat()}.xlsx"'
    assert response.headers["Cache-Control"] == "private, no-store"
    sheet = workbook(response).active
    assert sheet.title == "Workforce"
    assert sheet["A1"].value == "Section code" and sheet["A2"].value == "section"
    same_rows(csv_response, sheet)
    values = [row for row in sheet.iter_rows(min_row=3, values_only=True)]
    headcount = next(row for row in values if row[2] == "headcount")
    assert headcount[6] == 6 and isinstance(headcount[6], int)


@pytest.mark.parametrize("username, status", [("employee", 403), ("admin", 403), ("colleague", 403)])
def test_only_the_pages_readers_get_the_files(client, login, staff, username, status):
    login(username)
    assert client.get("/workforce.csv").status_code == status
    assert client.get("/workforce.xlsx").status_code == status


def test_a_leader_gets_their_own_units_in_detail_and_404_for_others(client, login, staff):
    login("leader")
    assert client.get(f"/workforce.csv?unit_id={staff['units']['SK-SKOLE']}").status_code == 404
    assert client.get(f"/workforce.xlsx?unit_id={staff['units']['SK-SKOLE']}").status_code == 404
    records = csv_records(client.get("/workforce.csv"))
    assert by_item(records, "scope", "unit")["label"] == "Alle mine enheter"
    assert by_item(records, "key_figures", "headcount")["people"] == "9"
    assert by_item(records, "part_time", "part_time", "Sykepleier")["people"] == "1"  # detailed: nothing hidden


def test_bad_filters_show_the_page_with_the_fields_named(client, login, staff):
    login("hr")
    response = client.get("/workforce.csv?horizon_years=99&profession=Astronaut")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'id="horizon_years-error"' in page and 'id="profession-error"' in page
    assert client.get("/workforce.csv?unit_id=999999").status_code == 404


def test_the_api_gives_the_same_files(client, login, api, staff):
    login("representative")
    page = client.get("/workforce.csv?horizon_years=3").get_data()
    response = api.get("/api/v1/workforce.csv?horizon_years=3", "representative")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert csv_records(response) == csv_records(client.get("/workforce.csv?horizon_years=3"))
    assert NOTE.encode() in page
    xlsx = api.get("/api/v1/workforce.xlsx", "hr")
    assert xlsx.status_code == 200 and workbook(xlsx).active["A2"].value == "section"
    assert api.get(f"/api/v1/workforce.csv?unit_id={staff['units']['SK-SKOLE']}", "leader").status_code == 404
    bad = api.get("/api/v1/workforce.csv?horizon_years=0", "hr")
    assert bad.status_code == 422 and "horizon_years" in bad.get_json()["error"]["message"]
    assert api.get("/api/v1/workforce.xlsx", "employee").status_code == 403
    assert api.get("/api/v1/workforce.csv").status_code == 401


@pytest.mark.parametrize("username", ["hr", "politician"])
def test_the_files_cost_the_same_queries_for_10_or_1000_more_staff(client, login, app, staff, count_queries, username):
    login(username)
    client.get("/workforce.csv")  # warm up (user, roles, translations)

    def add(n, start):
        with app.app_context():
            db.session.execute(insert(Employee), [
                {"employee_number": f"X{start + i}", "first_name": "Test", "last_name": f"Person {i}",
                 "birth_date": date(1950 + i % 50, 1 + i % 12, 1 + i % 28), "unit_id": staff["units"]["HO-HJEM-NORD"],
                 "profession": ["Sykepleier", "Lærer", "Assistent", "Kokk"][i % 4], "position_percent": 50 + i % 51,
                 "hire_date": date(2000 + i % 25, 1, 1), "end_date": date(2020 + i % 6, 6, 30) if i % 5 == 0 else None}
                for i in range(n)
            ])
            db.session.commit()

    counts = []
    for n, start in ((10, 0), (990, 10)):
        add(n, start)
        for path in ("/workforce.csv", "/workforce.xlsx"):
            with count_queries() as seen:
                assert client.get(path).status_code == 200
            counts.append(len(seen))
    assert counts[:2] == counts[2:], counts
