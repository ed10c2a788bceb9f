"""Log-in hardening: one generic refusal, no session fixation, cookie flags, rate limits.

The suite runs with rate limits off (tests/conftest.py); the tests here build
their own app with limits on and small numbers, and a fake clock for the
limiter's storage so windows can pass without sleeping.
"""
import re
import time

import limits.storage.memory
import pytest
from sqlalchemy import select

from portal import create_app
from portal.auth import limits as login_limits
from portal.extensions import db
from portal.org.models import User

from ..conftest import PASSWORD, make_test_app

NB_LIMITED = "For mange mislykkede innlogginger"
GENERIC_NB = "Brukernavnet eller passordet er feil"


def message_of(page):
    """The flashed messages of a page, as text."""
    return re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)


def post_login(client, username, password, address="127.0.0.1", **extra):
    """Log in from ``address``; later requests come from 127.0.0.1, where a session
    logged in elsewhere is dropped (Flask-Login's strong session protection)."""
    data = {"username": username, "password": password, **extra}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


def post_token(client, username, password, address="127.0.0.1"):
    return client.post(
        "/api/v1/tokens",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


class Clock:
    """Stands in for the ``time`` module in the limiter's in-memory storage."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    monkeypatch.setattr(login_limits, "time", fake)
    return fake


@pytest.fixture
def limited(database_url, people, clock):
    """An app with limits on: 4 a minute and 6 an hour per address, 3 per 15 minutes per account."""
    app = make_test_app(
        database_url,
        WTF_CSRF_ENABLED=False,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        PORTAL_LOGIN_LIMITS_PER_ADDRESS="4 per minute; 6 per hour",
        PORTAL_LOGIN_LIMITS_PER_ACCOUNT="3 per 15 minutes",
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- one generic refusal -------------------------------------------------


def test_unknown_user_wrong_password_and_deactivated_account_look_the_same(app, client, people):
    with app.app_context():
        db.session.scalars(select(User).where(User.username == "colleague")).one().active = False
        db.session.commit()
    answers = []
    for username, password in [("leader", "wrong"), ("nobody", PASSWORD), ("colleague", PASSWORD)]:
        response = post_login(client, username, password)
        page = response.get_data(as_text=True).replace(f'value="{username}"', 'value="?"')
        answers.append((response.status_code, message_of(page), page))
    assert answers[0][0] == 401
    assert any(GENERIC_NB in m for m in answers[0][1])
    assert answers[0] == answers[1] == answers[2]


def test_api_refuses_unknown_user_and_wrong_password_alike(client, people):
    wrong = post_token(client, "leader", "wrong")
    unknown = post_token(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["code"] == "unauthorized"


# --- session fixation ----------------------------------------------------


def test_a_session_cookie_planted_before_log_in_grants_nothing_afterwards(app, people):
    attacker = app.test_client()
    attacker.post("/language", data={"locale": "nn"})  # gets a valid, anonymous session cookie
    planted = attacker.get_cookie("session").value

    victim = app.test_client()
    victim.set_cookie("session", planted)
    assert post_login(victim, "leader", PASSWORD).status_code == 302
    assert victim.get_cookie("session").value != planted
    assert victim.get("/").status_code == 200

    # The attacker still holds the cookie the victim had before logging in.
    assert attacker.get("/").status_code == 302
    stranger = app.test_client()
    stranger.set_cookie("session", planted)
    response = stranger.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_log_in_keeps_nothing_from_the_anonymous_session_but_the_language(app, client, people):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["locale"] = "nn"
    post_login(client, "employee", PASSWORD)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]
    assert '<html lang="nn">' in client.get("/").get_data(as_text=True)


# --- cookie flags --------------------------------------------------------


def _session_cookie(response):
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_session_cookie_is_httponly_lax_and_not_secure_over_plain_http(client, people):
    cookie = _session_cookie(post_login(client, "hr", PASSWORD))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_served_over_https(database_url, people, monkeypatch):
    monkeypatch.setenv("PORTAL_SECURE_COOKIES", "1")
    app = make_test_app(database_url, WTF_CSRF_ENABLED=False)
    try:
        cookie = _session_cookie(post_login(app.test_client(), "hr", PASSWORD))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        with app.app_context():
            db.engine.dispose()


# --- rate limits ---------------------------------------------------------


def test_limits_are_off_in_the_suite_unless_turned_on(client, people):
    for _ in range(7):  # more than any default limit per account
        assert post_login(client, "leader", "wrong").status_code == 401
    assert post_login(client, "leader", PASSWORD).status_code == 302


def test_too_many_failures_from_one_address_pause_it_for_everyone_there(limited):
    client = limited.test_client()
    for name in ("a", "b", "c", "d"):  # different names: the per-account limit plays no part
        assert post_login(client, name, "wrong").status_code == 401
    refused = post_login(client, "hr", PASSWORD)  # even the right password waits
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert post_login(limited.test_client(), "hr", PASSWORD, address="10.0.0.2").status_code == 302
    assert post_token(client, "hr", PASSWORD).status_code == 429  # the API too


def test_too_many_failures_for_one_account_pause_it_from_every_address(limited):
    client = limited.test_client()
    for address in ("10.0.1.1", "10.0.1.2", "10.0.1.3"):
        assert post_login(client, "leader", "wrong", address=address).status_code == 401
    refused = post_login(client, "Leader ", PASSWORD, address="10.0.1.4")  # case and blanks don't help
    assert refused.status_code == 429
    assert 840 <= int(refused.headers["Retry-After"]) <= 901
    # Other accounts from the same address are not affected.
    assert post_login(client, "hr", PASSWORD, address="10.0.1.4").status_code == 302


def test_an_unknown_account_is_paused_with_exactly_the_same_answer(limited):
    answers = []
    for username in ("leader", "nobody"):
        client = limited.test_client()
        for number in range(3):
            post_login(client, username, "wrong", address=f"10.0.2.{number}")
        response = post_login(client, username, "wrong", address="10.0.2.9")
        page = response.get_data(as_text=True).replace(f'value="{username}"', 'value="?"')
        answers.append((response.status_code, message_of(page), page))
    assert answers[0][0] == 429
    assert answers[0] == answers[1]


def test_logging_in_correctly_never_counts_against_the_account(limited):
    client = limited.test_client()
    for number in range(5):  # more than the 3 failures allowed
        assert post_login(client, "leader", PASSWORD, address=f"10.0.3.{number}").status_code == 302
        client.post("/logout")
    for number in range(3):
        assert post_login(client, "leader", "wrong", address=f"10.0.4.{number}").status_code == 401
    assert post_login(client, "leader", PASSWORD, address="10.0.4.9").status_code == 429


def test_the_pause_ends_when_the_window_has_passed(limited, clock):
    client = limited.test_client()
    for number in range(3):
        post_login(client, "leader", "wrong", address=f"10.0.5.{number}")
    assert post_login(client, "leader", PASSWORD, address="10.0.5.9").status_code == 429
    clock.advance(14 * 60)
    assert post_login(client, "leader", PASSWORD, address="10.0.5.9").status_code == 429
    clock.advance(61)
    assert post_login(client, "leader", PASSWORD, address="10.0.5.9").status_code == 302


def test_per_address_limits_have_a_minute_and_an_hour_window(limited, clock):
    client = limited.test_client()
    for name in ("a", "b", "c", "d"):
        assert post_login(client, name, "wrong").status_code == 401
    assert post_login(client, "e", "wrong").status_code == 429
    clock.advance(61)  # the minute is over, the hour is not: 6 an hour
    assert post_login(client, "f", "wrong").status_code == 401
    assert post_login(client, "g", "wrong").status_code == 401
    assert post_login(client, "h", "wrong").status_code == 429
    clock.advance(61)
    refused = post_login(client, "i", "wrong")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 60 * 55
    clock.advance(3600)
    assert post_login(client, "hr", PASSWORD).status_code == 302


def test_the_paused_page_shows_the_form_again_with_a_friendly_message(limited):
    client = limited.test_client()
    for number in range(3):
        post_login(client, "leader", "wrong", address=f"10.0.6.{number}")
    response = post_login(client, "leader", "secret-guess", address="10.0.6.9", next="/units")
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Content-Type"].startswith("text/html")
    assert any(NB_LIMITED in m for m in message_of(page))
    assert 'role="alert"' in page
    assert '<form method="post"' in page and 'name="password"' in page
    assert 'value="leader"' in page  # the user name stays filled in
    assert "secret-guess" not in page  # the password never comes back
    assert 'value="/units"' in page  # ... and so does where they were going
    assert "Traceback" not in page and "Too Many Requests" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_paused_page_speaks_the_visitors_language(limited):
    client = limited.test_client()
    client.post("/language", data={"locale": "en"})
    for number in range(3):
        post_login(client, "leader", "wrong", address=f"10.0.7.{number}")
    page = post_login(client, "leader", "wrong", address="10.0.7.9").get_data(as_text=True)
    assert any("Too many failed log-in attempts" in m for m in message_of(page))


def test_the_api_answers_a_paused_log_in_with_a_json_error(limited):
    client = limited.test_client()
    for number in range(3):
        assert post_token(client, "leader", "wrong", address=f"10.0.8.{number}").status_code == 401
    response = post_token(client, "leader", PASSWORD, address="10.0.8.9")
    assert response.status_code == 429
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert "Too many failed log-in attempts" in error["message"]
    assert 840 <= int(response.headers["Retry-After"]) <= 901


def test_page_and_api_share_their_counts(limited):
    client = limited.test_client()
    post_login(client, "leader", "wrong", address="10.0.9.1")
    post_token(client, "leader", "wrong", address="10.0.9.2")
    post_login(client, "leader", "wrong", address="10.0.9.3")
    assert post_token(client, "leader", PASSWORD, address="10.0.9.4").status_code == 429
    assert post_login(client, "leader", PASSWORD, address="10.0.9.4").status_code == 429


def test_bad_api_input_and_showing_the_form_do_not_count(limited):
    client = limited.test_client()
    for _ in range(10):
        assert client.get("/login").status_code == 200
        response = client.post("/api/v1/tokens", data="not json", environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 422
    assert post_login(client, "hr", PASSWORD).status_code == 302


def test_limits_and_switch_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_LOGIN_LIMITS_PER_ACCOUNT", "2 per 10 minutes")
    monkeypatch.setenv("PORTAL_LOGIN_LIMITS_PER_ADDRESS", "30 per hour")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    base = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}
    app = create_app(dict(base))
    assert app.config["PORTAL_LOGIN_LIMITS_PER_ACCOUNT"] == "2 per 10 minutes"
    assert app.config["PORTAL_LOGIN_LIMITS_PER_ADDRESS"] == "30 per hour"
    assert app.config["RATELIMIT_ENABLED"] is True
    assert login_limits.limiter_for(app).enabled
    monkeypatch.setenv("RATELIMIT_ENABLED", "0")
    off = create_app(dict(base))
    assert off.config["RATELIMIT_ENABLED"] is False
    assert not login_limits.limiter_for(off).enabled


def test_each_app_keeps_its_own_counts(limited, database_url):
    """Limits on in one app never leak into another (the suite builds many)."""
    client = limited.test_client()
    for number in range(3):
        post_login(client, "leader", "wrong", address=f"10.0.10.{number}")
    assert post_login(client, "leader", PASSWORD, address="10.0.10.9").status_code == 429
    other = make_test_app(database_url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True)
    try:
        assert post_login(other.test_client(), "leader", PASSWORD, address="10.0.10.9").status_code == 302
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_limit_that_cannot_be_read_stops_the_start(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}
    with pytest.raises(ValueError, match="PORTAL_LOGIN_LIMITS_PER_ACCOUNT"):
        create_app({**config, "PORTAL_LOGIN_LIMITS_PER_ACCOUNT": "five a quarter"})
