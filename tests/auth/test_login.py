"""Logging in and out, remembering the language, and personal API tokens."""
import pytest
from sqlalchemy import select

from portal.auth.models import ApiToken
from portal.extensions import db
from portal.org.models import User

from ..conftest import PASSWORD, make_test_app


def test_log_in_lands_on_start_page(client, people):
    response = client.post("/login", data={"username": "leader", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Kari" in page  # greeted by first name


@pytest.mark.parametrize("username,password", [("leader", "wrong"), ("nobody", PASSWORD)])
def test_wrong_credentials_get_one_generic_message(client, people, username, password):
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 401
    assert "Brukernavnet eller passordet er feil" in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in_and_is_logged_out(app, client, people, login):
    login("employee")
    with app.app_context():
        db.session.scalars(select(User).where(User.username == "employee")).one().active = False
        db.session.commit()
    assert client.get("/").status_code == 302
    response = client.post("/login", data={"username": "employee", "password": PASSWORD})
    assert response.status_code == 401


def test_next_only_goes_to_this_site(client, people):
    response = client.post(
        "/login", data={"username": "hr", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login", data={"username": "hr", "password": PASSWORD, "next": "/units"})
    assert response.headers["Location"] == "/units"


def test_log_out_needs_post_and_ends_the_session(client, people, login):
    login("hr")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, people):
    response = client.post("/login", data={"username": "hr", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_is_renewed_at_log_in(client, people):
    client.post("/language", data={"locale": "nn"})
    before = client.get_cookie("session").value
    client.post("/login", data={"username": "hr", "password": PASSWORD})
    assert client.get_cookie("session").value != before


def test_forms_without_csrf_token_are_refused(database_url, people):
    strict = make_test_app(database_url)  # CSRF on, as in production
    response = strict.test_client().post("/login", data={"username": "hr", "password": PASSWORD})
    assert response.status_code == 400


def test_language_choice_is_remembered_on_the_account(app, client, people, login):
    login("employee")
    client.post("/language", data={"locale": "nn", "next": "/"})
    assert '<html lang="nn">' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    fresh = app.test_client()
    fresh.post("/login", data={"username": "employee", "password": PASSWORD})
    assert '<html lang="nn">' in fresh.get("/").get_data(as_text=True)


def test_language_chosen_before_log_in_is_kept(client, people):
    client.post("/language", data={"locale": "en"})
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "hr", "password": PASSWORD})
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_refused(client):
    assert client.post("/language", data={"locale": "de"}).status_code == 400


def test_token_page_shows_new_token_once_and_revokes(app, client, people, login):
    login("hr")
    page = client.post("/account/tokens", data={"label": "Rapportverktøy"}).get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(ApiToken)).one()
    token = page.split('<code class="token">')[1].split("</code>")[0]
    assert row.token_hash != token and len(token) > 30
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert token not in client.get("/account/tokens").get_data(as_text=True)
    client.post(f"/account/tokens/{row.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(app, client, people, login, api):
    api.token("leader")
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    login("hr")
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
