"""Automatic transitions: the appraisal's ``sign_off`` fires itself once both have approved."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.appraisals.models import Appraisal
from portal.extensions import db
from portal.org.models import Employee, User
from portal.workflow import engine


@pytest.fixture
def appraisal(app, people):
    with app.test_request_context():
        employee = db.session.scalar(select(Employee).where(Employee.employee_number == "1002"))
        leader = user("leader")
        row = Appraisal(employee=employee, scheduled_for=datetime(2026, 12, 1, 9, tzinfo=timezone.utc), preparation={})
        db.session.add(row)
        engine.start(row, leader)
        db.session.commit()
        yield row


def user(name):
    return db.session.scalar(select(User).where(User.username == name))


def test_sign_off_fires_when_the_second_approval_arrives(app, appraisal):
    with app.test_request_context():
        row = db.session.get(Appraisal, appraisal.id)
        engine.fire(row, user("leader"), "hold", "", row.version)
        engine.record_edit(row, user("leader"), row.version, "summary", [{"what": "summary"}])
        row.summary = "Vi snakket om sårbehandling."
        engine.sign(row, user("employee"), "employee", "approve", "", row.version)
        assert row.state == "held", "one approval is not enough"
        engine.sign(row, user("leader"), "leader", "approve", "", row.version)
        db.session.commit()
        assert row.state == "signed"
        assert row.signed_at is not None
        steps = [(h.kind, h.transition, h.username) for h in engine.history(row)]
        assert steps[-1] == ("transition", "sign_off", "leader")


def test_a_reject_does_not_sign(app, appraisal):
    with app.test_request_context():
        row = db.session.get(Appraisal, appraisal.id)
        engine.fire(row, user("leader"), "hold", "", row.version)
        engine.record_edit(row, user("leader"), row.version, "summary", [{"what": "summary"}])
        row.summary = "Referat."
        engine.sign(row, user("leader"), "leader", "approve", "", row.version)
        engine.sign(row, user("employee"), "employee", "reject", "Jeg er uenig i punkt 2.", row.version)
        db.session.commit()
        assert row.state == "held"


def test_only_the_employee_and_their_leader_hold_the_capacities(app, appraisal):
    with app.test_request_context():
        row = db.session.get(Appraisal, appraisal.id)
        engine.fire(row, user("leader"), "hold", "", row.version)
        for name, capacity in [("colleague", "employee"), ("other_leader", "leader"), ("hr", "leader")]:
            with pytest.raises(engine.Forbidden):
                engine.sign(row, user(name), capacity, "approve", "", row.version)
        with pytest.raises(engine.Forbidden):
            engine.fire(row, user("other_leader"), "cancel", "", row.version)
