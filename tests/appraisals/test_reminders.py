"""``flask --app portal send-reminders`` against a real (local) SMTP server.

Leaders hear about interviews whose time has passed without being held,
employees about interviews to prepare in the next two weeks, and both about
certifications that run out within 90 days. Each reminder reaches the right
people once, in their language; a server that is down keeps them waiting.
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.appraisals.models import Appraisal
from portal.appraisals.reminders import queue_reminders
from portal.competence.models import Competence, CompetenceArea, HeldCompetence
from portal.extensions import db
from portal.notify.models import OutgoingMail
from portal.org.models import Employee, User

from ..conftest import make_test_app
from ..notify.smtp_sink import SmtpSink, free_port

BASE = "https://kompetanse.eksempel-kommune.no"
ADDRESSES = {  # username: (address, language)
    "leader": ("leder@eksempel-kommune.no", "nn"),
    "other_leader": ("rektor@eksempel-kommune.no", None),
    "employee": ("ansatt@eksempel-kommune.no", "en"),
    "colleague": ("kollega@eksempel-kommune.no", "nb"),
    "hr": ("personal@eksempel-kommune.no", "nb"),
}


def mailbox(username):
    return ADDRESSES[username][0]


def _user(username):
    return db.session.scalars(select(User).where(User.username == username)).one()


def _employee(number):
    return db.session.scalars(select(Employee).where(Employee.employee_number == number)).one()


def _appraisal(number, state, days_from_now, **fields):
    appraisal = Appraisal(
        employee_id=_employee(number).id,
        scheduled_for=datetime.now(timezone.utc) + timedelta(days=days_from_now),
        state=state, version=1, preparation={}, summary="", employee_comment="", **fields,
    )
    db.session.add(appraisal)
    db.session.flush()
    return appraisal.id


def _competence(code, name, kind, validity=None):
    area = db.session.scalar(select(CompetenceArea).where(CompetenceArea.code == "SERT"))
    if area is None:
        area = CompetenceArea(code="SERT", name="Sertifikater")
        db.session.add(area)
        db.session.flush()
    competence = Competence(code=code, name=name, area_id=area.id, kind=kind, max_level=1, validity_months=validity)
    db.session.add(competence)
    db.session.flush()
    return competence.id


def _held(number, competence_id, source, days_left):
    today = date.today()
    held = HeldCompetence(
        employee_id=_employee(number).id, competence_id=competence_id, level=1, source=source,
        achieved_on=today - timedelta(days=300),
        valid_until=today + timedelta(days=days_left) if days_left is not None else None,
    )
    db.session.add(held)
    db.session.flush()
    return held.id


def _situation():
    """Interviews and certifications of every kind, due and not due; returns the ids worth naming."""
    ids = {
        # leader: the employee's and the colleague's interviews that should have been held
        "overdue": _appraisal("1002", "scheduled", -3),
        "overdue_prepared": _appraisal("1003", "prepared", -1),
        # the colleague prepares for next week
        "upcoming": _appraisal("1003", "scheduled", 5),
    }
    _appraisal("1002", "prepared", 3)  # already prepared: no reminder
    _appraisal("1002", "scheduled", 30)  # too far ahead
    _appraisal("2002", "held", -10)  # held, waiting for signatures: nothing to remind
    _appraisal("2002", "signed", -40)
    _appraisal("2002", "cancelled", -2)
    hlr = _competence("HLR", "Hjerte-lunge-redning (HLR)", "certification", 12)
    first_aid = _competence("FORSTEHJELP", "Førstehjelp", "certification", 24)
    wound = _competence("SAR", "Sårbehandling", "skill")
    ids["hlr"] = _held("1002", hlr, "learning_activity", 30)  # employee and leader hear about it
    ids["first_aid"] = _held("2002", first_aid, "personnel_system", 60)  # no account: only her leader
    _held("1003", hlr, "self_assessment", 10)  # unverified: no reminder
    _held("1003", first_aid, "learning_activity", 20)  # renewed in another record below: no reminder
    _held("1003", first_aid, "personnel_system", 400)
    _held("1002", first_aid, "learning_activity", 200)  # far off
    _held("1002", wound, "leader_assessment", 10)  # not a certification
    _held("2001", hlr, "learning_activity", -5)  # already expired
    db.session.commit()
    return ids


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def portal(database_url, app, people, port):
    configured = make_test_app(
        database_url, WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PORTAL_BASE_URL=BASE
    )
    with configured.app_context():
        for username, (address, locale) in ADDRESSES.items():
            account = _user(username)
            account.email, account.locale = address, locale
        db.session.commit()
    yield configured
    with configured.app_context():
        db.session.remove()
        db.engine.dispose()


def _run(portal):
    result = portal.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    return result.output


def test_each_reminder_reaches_the_right_people_in_their_language(portal, port):
    with portal.app_context():
        ids = _situation()
    with SmtpSink(port) as sink:
        output = _run(portal)
    assert "queued 6" in output and "sent 6, failed 0" in output, output
    # the leader (nynorsk): two interviews not held, and the employee's HLR
    leader = sorted(m.subject for m in sink.to(mailbox("leader")))
    assert leader == sorted([
        "Medarbeidarsamtale ikkje gjennomført: Ola Øverby",
        "Medarbeidarsamtale ikkje gjennomført: Åse Ærlig",
        next(s for s in leader if s.startswith("Hjerte-lunge-redning (HLR) for Ola Øverby går ut")),
    ])
    overdue = next(m for m in sink.to(mailbox("leader")) if "Ola Øverby" in m.subject and "ikkje" in m.subject)
    assert f"{BASE}/appraisals/{ids['overdue']}" in overdue.body and "ikkje markert som gjennomført" in overdue.body
    # the employee (English): their own HLR only: the interview waiting is already prepared
    (own,) = sink.to(mailbox("employee"))
    assert own.subject.startswith("Your Hjerte-lunge-redning (HLR) expires on")
    assert "Talk to your leader" in own.body
    # the colleague (bokmål): prepare for next week's interview
    (prepare,) = sink.to(mailbox("colleague"))
    assert prepare.subject.startswith("Forbered deg til medarbeidersamtalen")
    assert f"{BASE}/appraisals/{ids['upcoming']}" in prepare.body
    # the school's leader: the teacher's first-aid certificate (she has no account of her own)
    (school,) = sink.to(mailbox("other_leader"))
    assert school.subject.startswith("Førstehjelp for Lise Lærer går ut")
    # hr hears about nothing (appraisals are not theirs)
    assert sink.to(mailbox("hr")) == []


def test_running_the_command_twice_sends_nothing_new(portal, port):
    with portal.app_context():
        _situation()
    with SmtpSink(port) as sink:
        _run(portal)
        first = len(sink.messages)
        output = _run(portal)
    assert first == 6
    assert "queued 0" in output and "sent 0, failed 0" in output
    assert len(sink.messages) == first
    with portal.app_context():
        keys = db.session.scalars(select(OutgoingMail.key)).all()
    assert len(keys) == len(set(keys)) == 6


def test_a_new_interview_becomes_due_and_only_it_is_sent_on_the_next_run(portal, port):
    with portal.app_context():
        _situation()
    with SmtpSink(port) as sink:
        _run(portal)
        sink.clear()
        with portal.app_context():
            _appraisal("1003", "scheduled", -1)
            db.session.commit()
        output = _run(portal)
    assert "queued 1" in output
    assert [m.to for m in sink.messages] == [[mailbox("leader")]]


def test_a_server_that_is_down_keeps_the_reminders_for_the_next_run(portal, port):
    with portal.app_context():
        _situation()
    output = _run(portal)  # nothing listens on the port
    assert "queued 6" in output and "sent 0, failed 6" in output
    with portal.app_context():
        waiting = db.session.scalars(select(OutgoingMail)).all()
        assert len(waiting) == 6 and all(m.sent_at is None and m.attempts == 1 for m in waiting)
    with SmtpSink(port) as sink:
        output = _run(portal)
    assert "queued 0" in output and "sent 6, failed 0" in output
    assert len(sink.messages) == 6


def test_without_a_mail_server_the_reminders_wait_in_the_outbox(app, people, runner):
    with app.app_context():
        for username, (address, locale) in ADDRESSES.items():
            _user(username).email = address
        db.session.commit()
        _situation()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "queued 6" in result.output and "MAIL_SERVER is not set" in result.output
    with app.app_context():
        assert db.session.scalars(select(OutgoingMail.sent_at)).all() == [None] * 6


def _many(count):
    """``count`` overdue interviews and as many expiring certificates in the leader's unit."""
    hlr = db.session.scalar(select(Competence.id).where(Competence.code == "HLR")) or _competence(
        "HLR", "HLR", "certification", 12)
    unit_id = _employee("1002").unit_id
    for index in range(count):
        person = Employee(employee_number=f"9{len(str(count))}{index:04d}", first_name="Test",
                          last_name=f"Person {index}",
                          birth_date=date(1980, 1, 1), unit_id=unit_id, profession="Helsefagarbeider",
                          position_percent=100, hire_date=date(2015, 1, 1))
        db.session.add(person)
        db.session.flush()
        db.session.add(Appraisal(employee_id=person.id, state="scheduled", version=1, preparation={}, summary="",
                                 employee_comment="", scheduled_for=datetime.now(timezone.utc) - timedelta(days=2)))
        db.session.add(HeldCompetence(employee_id=person.id, competence_id=hlr, level=1, source="personnel_system",
                                      achieved_on=date.today(), valid_until=date.today() + timedelta(days=20)))
    db.session.commit()


def test_the_queries_do_not_grow_with_the_number_of_reminders(app, people, count_queries):
    with app.app_context():
        _user("leader").email = mailbox("leader")
        db.session.commit()
        _many(10)
        with count_queries() as few:
            assert queue_reminders().queued["appraisal-not-held"] == 10
        _many(200)
        with count_queries() as many:
            report = queue_reminders()
        assert report.queued["appraisal-not-held"] == 200 and report.queued["expiry"] == 200
    assert len(few) == len(many) <= 8
