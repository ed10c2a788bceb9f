"""Every route declares who may use it, and the declaration is enforced."""
import pytest

from portal.access import policy_for

from .conftest import PASSWORD, make_test_app


def test_every_route_declares_a_policy(app):
    undeclared = [
        rule.rule for rule in app.url_map.iter_rules() if policy_for(rule.endpoint, app) is None
    ]
    assert undeclared == [], f"routes without an access policy: {undeclared}"


def test_a_route_without_policy_is_refused(database_url, people):
    fresh = make_test_app(database_url, WTF_CSRF_ENABLED=False)

    @fresh.route("/__undeclared_probe")
    def undeclared_probe():
        return "should never be served"

    client = fresh.test_client()
    client.post("/login", data={"username": "hr", "password": PASSWORD})
    assert client.get("/__undeclared_probe").status_code == 403


@pytest.mark.parametrize("path", ["/", "/employees", "/units", "/admin", "/account/tokens"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "username,path,status",
    [
        ("employee", "/employees", 403),
        ("politician", "/employees", 403),
        ("representative", "/employees", 403),
        ("admin", "/employees", 403),
        ("hr", "/employees", 200),
        ("leader", "/employees", 200),
        ("hr", "/admin", 403),
        ("leader", "/admin", 403),
        ("admin", "/admin", 200),
        ("politician", "/units", 200),
        ("employee", "/", 200),
    ],
)
def test_role_policies(client, people, login, username, path, status):
    login(username)
    assert client.get(path).status_code == status
