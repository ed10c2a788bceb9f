"""The administrator manages users and roles in the browser."""
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import User

from ..conftest import PASSWORD


def _user(app, username):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).first()
        return user and (user.id, sorted(user.roles), user.active, user.employee_id)


def test_admin_creates_a_user_linked_to_an_employee(app, client, people, login):
    login("admin")
    response = client.post(
        "/admin/users/new", data={"username": "aase", "password": "a-good-password", "employee_number": "2002"}
    )
    assert response.status_code == 302
    user_id, roles, active, employee_id = _user(app, "aase")
    assert roles == ["employee"] and active and employee_id == people["staff"]["2002"]
    assert app.test_client().post("/login", data={"username": "aase", "password": "a-good-password"}).status_code == 302


def test_new_user_form_names_the_wrong_field(app, client, people, login):
    login("admin")
    response = client.post("/admin/users/new", data={"username": "hr", "password": "a-good-password"})
    assert response.status_code == 422
    assert "Brukernavnet er opptatt" in response.get_data(as_text=True)
    response = client.post(
        "/admin/users/new", data={"username": "ny", "password": "a-good-password", "employee_number": "9999"}
    )
    assert response.status_code == 422 and _user(app, "ny") is None
    response = client.post("/admin/users/new", data={"username": "ny", "password": "short"})
    assert response.status_code == 422 and 'aria-invalid="true"' in response.get_data(as_text=True)


def test_admin_grants_and_removes_a_leader_role(app, client, people, login):
    login("admin")
    user_id = _user(app, "colleague")[0]
    client.post(f"/admin/users/{user_id}/roles", data={"role": "leader", "unit_id": people["units"]["SK-SKOLE"]})
    assert _user(app, "colleague")[1] == ["employee", "leader"]
    staff_page = app.test_client()
    staff_page.post("/login", data={"username": "colleague", "password": PASSWORD})
    assert "Lærer" in staff_page.get("/employees").get_data(as_text=True)
    with app.app_context():
        assignment = [a for a in db.session.get(User, user_id).role_assignments if a.role == "leader"][0]
    client.post(f"/admin/users/{user_id}/roles/{assignment.id}/remove")
    assert _user(app, "colleague")[1] == ["employee"]
    assert staff_page.get("/employees").status_code == 403


def test_leader_role_needs_a_unit(app, client, people, login):
    login("admin")
    user_id = _user(app, "colleague")[0]
    response = client.post(f"/admin/users/{user_id}/roles", data={"role": "leader", "unit_id": 0}, follow_redirects=True)
    assert "Velg enheten" in response.get_data(as_text=True)
    assert _user(app, "colleague")[1] == ["employee"]


def test_deactivate_and_reset_password(app, client, people, login):
    login("admin")
    user_id = _user(app, "employee")[0]
    client.post(f"/admin/users/{user_id}/active")
    assert _user(app, "employee")[2] is False
    assert app.test_client().post("/login", data={"username": "employee", "password": PASSWORD}).status_code == 401
    client.post(f"/admin/users/{user_id}/active")
    client.post(f"/admin/users/{user_id}/password", data={"password": "brand-new-secret"})
    assert app.test_client().post("/login", data={"username": "employee", "password": "brand-new-secret"}).status_code == 302


def test_admin_cannot_lock_themselves_out(app, client, people, login):
    login("admin")
    user_id, roles, _, _ = _user(app, "admin")
    client.post(f"/admin/users/{user_id}/active")
    with app.app_context():
        assignment_id = db.session.get(User, user_id).role_assignments[0].id
    client.post(f"/admin/users/{user_id}/roles/{assignment_id}/remove")
    assert _user(app, "admin")[1:3] == (["admin"], True)


def test_user_list_is_paginated_with_constant_queries(app, client, people, login, count_queries):
    login("admin")
    counts = []
    for extra in (10, 120):
        with app.app_context():
            db.session.execute(
                User.__table__.insert(),
                [{"username": f"bulk{extra}-{i}", "password_hash": "x", "active": True} for i in range(extra)],
            )
            db.session.commit()
        with count_queries() as statements:
            page = client.get("/admin").get_data(as_text=True)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert "Side 1 av 3" in page
