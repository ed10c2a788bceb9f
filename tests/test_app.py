"""Settings, security headers and error pages every user meets."""
import pytest

from portal import create_app

from portal.access import allow, public

from .conftest import PASSWORD, make_test_app


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    first = create_app(dict(config)).config["SECRET_KEY"]
    second = create_app(dict(config)).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0, "the key file is readable by others"
    other = create_app({"INSTANCE_PATH": str(tmp_path / "other"), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert other.config["SECRET_KEY"] != first


def test_unknown_default_locale_is_refused_at_start():
    with pytest.raises(ValueError, match="PORTAL_DEFAULT_LOCALE"):
        make_test_app("sqlite://", PORTAL_DEFAULT_LOCALE="sv")


@pytest.mark.parametrize("locale,word", [("nb", "Logg inn"), ("nn", "Logg inn"), ("en", "Log in")])
def test_new_visitor_sees_the_installation_language(app, locale, word):
    app.config["PORTAL_DEFAULT_LOCALE"] = locale
    try:
        page = app.test_client().get("/login").get_data(as_text=True)
    finally:
        app.config["PORTAL_DEFAULT_LOCALE"] = "nb"
    assert f'<html lang="{locale}">' in page
    assert word in page


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "locale,title",
    [("nb", "Fant ikke siden"), ("nn", "Fann ikkje sida"), ("en", "Page not found")],
)
def test_not_found_page_in_each_language(client, locale, title):
    client.post("/language", data={"locale": locale})
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_unexpected_error_shows_friendly_page(database_url, people):
    fresh = make_test_app(database_url, WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)

    @fresh.route("/__boom")
    @allow()
    def boom():
        raise RuntimeError("boom")

    client = fresh.test_client()
    client.post("/login", data={"username": "hr", "password": PASSWORD})
    response = client.get("/__boom")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/employees/99999999999999999999", "/employees?page=99999999999999999999", "/catalogue?page=99999999999999999999"],
)
def test_absurd_numbers_in_urls_are_not_server_errors(client, people, login, path):
    login("hr")
    assert client.get(path).status_code in (200, 404)


@pytest.mark.parametrize("proxies, seen", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_client_address_comes_from_a_trusted_proxy_only(database_url, proxies, seen):
    """Log-in limits count per address: a client must not pick its own with a header unless a proxy is trusted."""
    fresh = make_test_app(database_url, PORTAL_PROXIES=proxies)

    @fresh.route("/__addr")
    @public
    def addr():
        from flask import request

        return request.remote_addr

    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert fresh.test_client().get("/__addr", headers=headers).get_data(as_text=True) == seen
