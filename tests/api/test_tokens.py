"""Bearer tokens, as an API client meets them: getting one, using it, losing it."""
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from tests.conftest import PASSWORD, make_test_app

TOKENS = "/api/v1/tokens"


def assert_error(response, status, code=None):
    """The contract's error shape: ``{"error": {"code", "message"}}``, as JSON."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.content_type
    error = response.get_json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def set_user(app, username, **values):
    from portal.org.models import User

    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def set_tokens(app, **values):
    from portal.auth.models import ApiToken

    with app.app_context():
        for row in db.session.scalars(select(ApiToken)):
            for name, value in values.items():
                setattr(row, name, value)
        db.session.commit()


# --- getting a token -------------------------------------------------------


def test_good_credentials_give_a_working_token(client, people):
    response = client.post(TOKENS, json={"username": "employee", "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert isinstance(token, str) and len(token) >= 32
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["username"] == "employee"


def test_each_request_gets_a_new_token(client, api, people):
    assert api.token("hr") != api.token("hr")


def test_wrong_password_and_unknown_user_get_the_same_401(client, people):
    wrong = client.post(TOKENS, json={"username": "hr", "password": "not-the-password"})
    unknown = client.post(TOKENS, json={"username": "nobody-here", "password": PASSWORD})
    assert_error(wrong, 401, "unauthorized")
    assert_error(unknown, 401, "unauthorized")
    assert wrong.get_json() == unknown.get_json()
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_user_gets_no_token(app, client, people):
    set_user(app, "employee", active=False)
    response = client.post(TOKENS, json={"username": "employee", "password": PASSWORD})
    error = assert_error(response, 401)
    wrong = client.post(TOKENS, json={"username": "hr", "password": "not-the-password"})
    assert error == wrong.get_json()["error"], "a deactivated account must not be told apart"


def test_a_token_stops_working_when_its_user_is_deactivated(app, client, api, people):
    token = api.token("employee")
    set_user(app, "employee", active=False)
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)


@pytest.mark.parametrize(
    "body,fields",
    [
        ({}, {"username", "password"}),
        ({"username": "hr"}, {"password"}),
        ({"password": PASSWORD}, {"username"}),
        ({"username": "", "password": ""}, {"username", "password"}),
        ({"username": 42, "password": PASSWORD}, {"username"}),
        ({"username": "hr", "password": ["a"]}, {"password"}),
        ({"username": None, "password": {"x": 1}}, {"username", "password"}),
        ({"username": "hr", "password": PASSWORD, "label": 7}, {"label"}),
        ({"username": "h\x00r", "password": PASSWORD}, {"username"}),
        ({"username": "hr", "password": PASSWORD, "label": "x\x00"}, {"label"}),
        ({"username": "u" * 65, "password": PASSWORD}, {"username"}),
        ({"username": "hr", "password": PASSWORD, "label": "l" * 101}, {"label"}),
    ],
)
def test_bad_token_requests_get_422_naming_the_fields(client, people, body, fields):
    error = assert_error(client.post(TOKENS, json=body), 422, "invalid")
    assert set(error["fields"]) == fields
    for name in fields:
        assert name in error["message"]


@pytest.mark.parametrize(
    "data,content_type",
    [
        ("username=hr&password=x", "application/x-www-form-urlencoded"),
        ('{"username": "hr", "password": ', "application/json"),
        ('["hr", "x"]', "application/json"),
        ('"hr"', "application/json"),
        ("null", "application/json"),
        ("", "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
    ],
    ids=["form", "broken-json", "array", "string", "null", "empty", "deeply-nested"],
)
def test_a_body_that_is_not_a_json_object_gets_422(client, people, data, content_type):
    error = assert_error(client.post(TOKENS, data=data, content_type=content_type), 422)
    assert "body" in error["fields"]


def test_the_token_is_stored_only_as_a_hash(app, client, api, people):
    token = api.token("hr")
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM api_token")).all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_token_answers_set_no_cookie(client, people):
    response = client.post(TOKENS, json={"username": "hr", "password": PASSWORD})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_no_csrf_token_is_needed_with_csrf_protection_on(database_url, people):
    """The suite's app turns CSRF off; a production-like app must still accept API posts."""
    strict = make_test_app(database_url)
    assert strict.config.get("WTF_CSRF_ENABLED", True)
    try:
        client = strict.test_client(use_cookies=False)
        response = client.post(TOKENS, json={"username": "hr", "password": PASSWORD})
        assert response.status_code == 201, response.get_data(as_text=True)
        revoked = client.delete(f"{TOKENS}/current", headers=bearer(response.get_json()["token"]))
        assert revoked.status_code == 204
    finally:
        with strict.app_context():
            db.engine.dispose()


# --- using a token ---------------------------------------------------------


def test_a_cookie_free_client_works_with_the_bearer_header_alone(app, people):
    client = app.test_client(use_cookies=False)
    token = client.post(TOKENS, json={"username": "leader", "password": PASSWORD}).get_json()["token"]
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["username"] == "leader"


def test_the_scheme_name_is_case_insensitive(client, api, people):
    token = api.token("hr")
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Bearer not-a-token", "Basic aHI6eA==", "Token {token}", "{token}"],
)
def test_calls_without_a_valid_token_get_401(client, api, people, header):
    token = api.token("hr")
    headers = {"Authorization": header.format(token=token)} if header is not None else {}
    error = assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")
    assert "token" in error["message"].lower()


def test_a_session_cookie_alone_does_not_authenticate_the_api(client, people, login):
    login("hr")
    assert client.get("/").status_code == 200, "the cookie does log in to the pages"
    response = client.get("/api/v1/me")
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.delete(f"{TOKENS}/current"), 401)


def test_an_expired_token_gets_401(app, client, api, people):
    from portal.org.models import utcnow

    token = api.token("hr")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    set_tokens(app, expires_at=utcnow() - timedelta(minutes=1))
    assert_error(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_a_revoked_token_gets_401_and_others_keep_working(client, api, people):
    first, second = api.token("hr"), api.token("hr")
    assert client.delete(f"{TOKENS}/current", headers=bearer(first)).status_code == 204
    assert_error(client.get("/api/v1/me", headers=bearer(first)), 401)
    assert_error(client.delete(f"{TOKENS}/current", headers=bearer(first)), 401)
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_the_export_lists_tokens_without_secrets_and_with_offsets(client, api, people):
    token = api.token("employee")
    response = client.get("/api/v1/me/export", headers=bearer(token))
    assert response.status_code == 200
    data = response.get_json()
    assert data["user"]["username"] == "employee"
    assert data["employee"]["employee_number"] == "1002"
    [listed] = data["api_tokens"]
    assert token not in response.get_data(as_text=True)
    assert hashlib.sha256(token.encode()).hexdigest() not in response.get_data(as_text=True)
    for name in ("created_at", "expires_at"):
        assert listed[name].endswith("+00:00"), f"{name} carries no offset: {listed[name]}"
    assert listed["revoked_at"] is None


# --- who am I --------------------------------------------------------------


@pytest.mark.parametrize(
    "username,roles,number",
    [
        ("admin", ["admin"], None),
        ("hr", ["hr"], None),
        ("leader", ["employee", "leader"], "1001"),
        ("employee", ["employee"], "1002"),
        ("colleague", ["employee"], "1003"),
        ("other_leader", ["employee", "leader"], "2001"),
        ("representative", ["representative"], None),
        ("politician", ["politician"], None),
    ],
)
def test_me_names_the_caller_their_roles_and_employee(api, people, username, roles, number):
    response = api.get("/api/v1/me", username)
    assert response.status_code == 200
    me = response.get_json()
    assert me["username"] == username
    assert sorted(me["roles"]) == roles
    assert me["employee_id"] == (people["staff"][number] if number else None)


def test_me_lists_the_units_a_leader_leads(api, people):
    assert api.get("/api/v1/me", "leader").get_json()["led_unit_ids"] == [people["units"]["HO-HJEM"]]
    assert api.get("/api/v1/me", "employee").get_json()["led_unit_ids"] == []
