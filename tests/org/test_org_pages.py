"""Employee lists, profiles and the unit tree, as leaders, hr and politicians see them."""
from datetime import date

import pytest
from sqlalchemy import insert

from portal.extensions import db
from portal.org.models import Employee


def test_leader_sees_only_own_units_staff(client, people, login):
    login("leader")
    page = client.get("/employees").get_data(as_text=True)
    assert "Øverby" in page and "Ærlig" in page and "Nordmann" in page
    assert "Skolmann" not in page and "Lærer, Lise" not in page


def test_hr_sees_everybody(client, people, login):
    login("hr")
    page = client.get("/employees").get_data(as_text=True)
    assert "Skolmann" in page and "Øverby" in page


def test_search_and_unit_filter(client, people, login):
    login("hr")
    page = client.get("/employees?q=øverby").get_data(as_text=True)
    assert "Øverby" in page and "Skolmann" not in page
    page = client.get(f"/employees?unit_id={people['units']['SK']}").get_data(as_text=True)
    assert "Skolmann" in page and "Øverby" not in page


def test_people_who_left_are_hidden_unless_asked_for(app, client, people, login):
    with app.app_context():
        db.session.get(Employee, people["staff"]["1003"]).end_date = date(2020, 1, 1)
        db.session.commit()
    login("leader")
    assert "Ærlig" not in client.get("/employees").get_data(as_text=True)
    assert "Ærlig" in client.get("/employees?former=1").get_data(as_text=True)


@pytest.mark.parametrize(
    "username,number,status",
    [
        ("employee", "1002", 200),
        ("employee", "1003", 404),
        ("leader", "1003", 200),
        ("leader", "2002", 404),
        ("other_leader", "1002", 404),
        ("hr", "2002", 200),
        ("politician", "1002", 403),
        ("admin", "1002", 403),
    ],
)
def test_profile_access(client, people, login, username, number, status):
    login(username)
    assert client.get(f"/employees/{people['staff'][number]}").status_code == status


def test_list_query_count_does_not_grow_with_rows(app, client, people, login, count_queries):
    login("hr")
    counts = []
    for extra in (10, 1000):
        with app.app_context():
            db.session.execute(
                insert(Employee),
                [
                    {
                        "employee_number": f"X{extra}-{i}",
                        "first_name": "Test",
                        "last_name": f"Person{i:04d}",
                        "birth_date": date(1980, 1, 1),
                        "unit_id": people["units"]["HO-HJEM-NORD"],
                        "profession": "Assistent",
                        "position_percent": 50,
                        "hire_date": date(2015, 1, 1),
                    }
                    for i in range(extra)
                ],
            )
            db.session.commit()
        with count_queries() as statements:
            response = client.get("/employees")
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    page = response.get_data(as_text=True)
    assert "1015" in page  # total found
    assert 'rel="next"' in page


def test_units_page_hides_small_groups_from_politicians(client, people, login):
    login("politician")
    page = client.get("/units").get_data(as_text=True)
    assert "Hjemmetjenesten nord" in page
    assert "Færre enn 5" in page
    client.post("/logout")
    login("hr")
    assert "Færre enn 5" not in client.get("/units").get_data(as_text=True)


def test_start_page_fits_the_role(client, people, login):
    login("leader")
    page = client.get("/").get_data(as_text=True)
    assert 'id="led-heading"' in page and "Hjemmetjenesten" in page
    client.post("/logout")
    login("politician")
    page = client.get("/").get_data(as_text=True)
    assert 'id="areas-heading"' in page and "/employees/" not in page
    client.post("/logout")
    login("admin")
    page = client.get("/").get_data(as_text=True)
    assert 'id="users-heading"' in page and 'id="areas-heading"' not in page
