"""Plans that need a signature are announced by e-mail, against a real (local) SMTP server.

The portal under test is a second app on the suite's database with
``MAIL_SERVER``/``MAIL_PORT`` pointing at :class:`SmtpSink` (or at a port
where nothing listens, for the server-down case). Steps are taken with the
domain functions and committed as a request would, then
``send_after_commit`` runs as the views call it.
"""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.notify import send_after_commit
from portal.notify.models import OutgoingMail
from portal.org.models import User
from portal.plans import editing

from ..conftest import make_test_app
from ..workflow import PURPOSE, approve, fire, new_plan, sign, user
from .smtp_sink import SmtpSink, free_port

BASE = "https://kompetanse.eksempel-kommune.no"
ADDRESSES = {
    "leader": ("leder@eksempel-kommune.no", "nn"),
    "other_leader": ("rektor@eksempel-kommune.no", None),
    "representative": ("tillitsvalgt@eksempel-kommune.no", None),
    "politician": ("folkevalgt@eksempel-kommune.no", "en"),
    "hr": ("personal@eksempel-kommune.no", "nb"),
    "employee": ("ansatt@eksempel-kommune.no", "nb"),
}


def mailbox(username):
    return ADDRESSES[username][0]


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def portal(database_url, app, people, port):
    """The portal with a mail server configured, and e-mail addresses and languages for the people."""
    configured = make_test_app(
        database_url, WTF_CSRF_ENABLED=False, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PORTAL_BASE_URL=BASE
    )
    with configured.app_context():
        for username, (address, locale) in ADDRESSES.items():
            account = user(username)
            account.email, account.locale = address, locale
        db.session.commit()
    yield configured
    with configured.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sink(port):
    with SmtpSink(port) as running:
        yield running


def _outbox():
    return db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()


def test_a_new_plan_mails_everyone_who_signs_its_purpose_in_their_own_language(portal, sink):
    with portal.app_context():
        plan = new_plan()
        send_after_commit()
        link = f"{BASE}/plans/{plan.id}"
    assert sorted(a for m in sink.messages for a in m.to) == sorted(
        [mailbox("leader"), mailbox("representative"), mailbox("politician")]
    )
    (nynorsk,) = sink.to(mailbox("leader"))
    assert nynorsk.subject == "Planen «Kompetanseplan for hjemmetjenesten 2026–2029» ventar på godkjenninga di"
    assert "Semje om føremål" in nynorsk.body and "treng godkjenninga di" in nynorsk.body and link in nynorsk.body
    (bokmal,) = sink.to(mailbox("representative"))  # no language chosen: the installation's default
    assert "venter på godkjenningen din" in bokmal.subject and "Enighet om hensikt" in bokmal.body and link in bokmal.body
    (english,) = sink.to(mailbox("politician"))
    assert "waits for your approval" in english.subject and "Agree on purpose" in english.body and link in english.body
    # nobody else: not hr, not an employee, not the leader of a school the plan does not cover
    for username in ("hr", "employee", "other_leader"):
        assert sink.to(mailbox(username)) == []


def test_entering_the_goals_stage_mails_only_the_capacities_its_gate_needs(portal, sink):
    with portal.app_context():
        plan = new_plan()
        approve(plan, "leader", "representative", "politician")
        send_after_commit()
        sink.clear()
        fire(plan, "agree_purpose")
        send_after_commit()
    assert sorted(a for m in sink.messages for a in m.to) == [mailbox("leader"), mailbox("representative")]
    assert "«Definere mål»" in sink.to(mailbox("representative"))[0].body


def test_a_whole_municipality_plan_reaches_every_leader_but_not_the_inactive_or_addressless(portal, sink):
    with portal.app_context():
        user("politician").active = False
        user("representative").email = None
        db.session.commit()
        new_plan(scope=None, title="Kompetanseplan for Eksempel kommune 2027–2030")
        send_after_commit()
    assert sorted(a for m in sink.messages for a in m.to) == sorted([mailbox("leader"), mailbox("other_leader")])


def test_with_the_mail_server_down_the_step_succeeds_and_the_mail_is_sent_once_later(portal, port):
    with portal.app_context():
        plan = new_plan()
        send_after_commit()  # connection refused: logged, never raised
        plan_id = plan.id
        db.session.expire_all()
        waiting = _outbox()
        assert len(waiting) == 3 and all(m.sent_at is None and m.attempts == 1 and m.last_error for m in waiting)
        assert db.session.get(type(plan), plan_id).state == "purpose"
    runner = portal.test_cli_runner()
    with SmtpSink(port) as sink:
        first = runner.invoke(args=["send-notifications"])
        assert first.exit_code == 0 and "sent 3, failed 0" in first.output, first.output
        again = runner.invoke(args=["send-notifications"])
        assert "sent 0, failed 0" in again.output
        with portal.app_context():
            send_after_commit()
    assert len(sink.messages) == 3
    assert sorted(a for m in sink.messages for a in m.to) == sorted(
        [mailbox("leader"), mailbox("representative"), mailbox("politician")]
    )
    with portal.app_context():
        assert all(m.sent_at is not None for m in _outbox())


def test_an_edit_that_voids_approvals_mails_the_people_who_approved(portal, sink):
    with portal.app_context():
        plan = new_plan()
        sign(plan, "leader")
        sign(plan, "representative", decision="reject", comment="Heltid mangler.")
        send_after_commit()
        sink.clear()
        editing.update_plan(plan, {"purpose": PURPOSE + " Heltid er et eget mål."}, user("hr"), plan.version)
        db.session.commit()
        send_after_commit()
    (mail,) = sink.messages
    assert mail.to == [mailbox("leader")]
    assert mail.subject == (
        "Planen «Kompetanseplan for hjemmetjenesten 2026–2029» er endra og må godkjennast av deg på nytt"
    )
    assert "versjon 2" in mail.body


def test_without_a_mail_server_mails_wait_in_the_outbox(app, people):
    with app.app_context():
        account = user("leader")
        account.email = mailbox("leader")
        db.session.commit()
        new_plan()
        send_after_commit()
        (waiting,) = _outbox()
        assert waiting.to_address == mailbox("leader") and waiting.sent_at is None and waiting.attempts == 0


# --- where the addresses come from ---------------------------------------------------


def test_create_user_takes_a_checked_email_address(app, runner, people, monkeypatch):
    monkeypatch.setenv("PORTAL_PASSWORD", "a-good-password")
    result = runner.invoke(
        args=["create-user", "folkevalgt2", "--role", "politician", "--email", " Ingrid.Moe@Eksempel-Kommune.NO "]
    )
    assert result.exit_code == 0, result.output
    assert "Ingrid.Moe@eksempel-kommune.no" in result.output
    with app.app_context():
        assert user("folkevalgt2").email == "Ingrid.Moe@eksempel-kommune.no"
    for bad in ("ingrid", "ingrid@", "ingrid moe@kommune.no", "a@b.no, c@d.no", "a@b.no\nBcc: x@y.no", "å@kommune.no"):
        result = runner.invoke(args=["create-user", "folkevalgt3", "--role", "politician", "--email", bad])
        assert result.exit_code != 0 and "email" in result.output, (bad, result.output)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "folkevalgt3")) is None


def test_the_administrator_sets_changes_and_removes_an_email_address(app, client, people, login):
    login("admin")
    with app.app_context():
        account_id = user("politician").id
    page = client.get(f"/admin/users/{account_id}").get_data(as_text=True)
    assert 'for="email"' in page and 'type="email"' in page
    response = client.post(f"/admin/users/{account_id}/email", data={"email": "ikke en adresse"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in body and "kari.nordmann@kommune.no" in body
    with app.app_context():
        assert user("politician").email is None
    saved = client.post(f"/admin/users/{account_id}/email", data={"email": "folkevalgt@eksempel-kommune.no"})
    assert saved.status_code == 302
    with app.app_context():
        assert user("politician").email == "folkevalgt@eksempel-kommune.no"
    assert "folkevalgt@eksempel-kommune.no" in client.get(f"/admin/users/{account_id}").get_data(as_text=True)
    client.post(f"/admin/users/{account_id}/email", data={"email": "  "})
    with app.app_context():
        assert user("politician").email is None


def test_a_new_user_can_be_given_an_address_and_a_bad_one_names_the_field(app, client, people, login):
    login("admin")
    response = client.post("/admin/users/new", data={"username": "ny", "password": "a-good-password", "email": "ny@"})
    assert response.status_code == 422 and 'id="email-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "ny")) is None
    response = client.post(
        "/admin/users/new", data={"username": "ny", "password": "a-good-password", "email": "ny@eksempel-kommune.no"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert user("ny").email == "ny@eksempel-kommune.no"


def test_once_the_server_is_back_the_next_step_takes_the_waiting_mails_along(portal, port):
    with portal.app_context():
        new_plan()
        send_after_commit()  # server down
        with SmtpSink(port) as sink:
            new_plan(title="Kompetanseplan for sykehjemmene 2027–2030")
            send_after_commit()
        assert all(m.sent_at is not None for m in _outbox())
    assert len(sink.messages) == 6
    assert len({(m.to[0], m.subject) for m in sink.messages}) == 6
