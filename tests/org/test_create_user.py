"""The create-user command an installer runs to make the first accounts."""
from sqlalchemy import select

from portal.extensions import db
from portal.org.models import User


def test_creates_a_leader_linked_to_an_employee(app, runner, people, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "a-good-password")
    result = runner.invoke(
        args=["create-user", "kari2", "--role", "leader", "--role", "employee", "--unit", "SK-SKOLE", "--employee-number", "2002"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == "kari2")).one()
        assert user.roles == {"leader", "employee"} and user.employee_id == people["staff"]["2002"]
    assert app.test_client().post("/login", data={"username": "kari2", "password": "a-good-password"}).status_code == 302


def test_refuses_what_the_portal_could_not_use(runner, people, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "a-good-password")
    for args, word in [
        (["create-user", "x" * 65, "--role", "hr"], "64"),
        (["create-user", "ny", "--role", "leader"], "unit"),
        (["create-user", "ny", "--role", "hr", "--employee-number", "9999"], "9999"),
        (["create-user", "hr", "--role", "hr"], "taken"),
    ]:
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and word in result.output, (args, result.output)
