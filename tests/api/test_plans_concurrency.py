"""Two people acting on the same plan version at the same moment: one wins, the other gets 409.

Each request runs in its own thread with its own test client and app
context (so its own database session and connection). A barrier starts them
together; with ``forced`` a hook also holds each request just before it
writes the plan's version until the other has got as far, so both have read
and checked the same version and the database alone must choose the winner.
Runs on SQLite and, under ``.ci/with-postgres``, on PostgreSQL.
"""
import re
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.extensions import db
from tests.api.test_plans_api import GATE_PURPOSE, NEW_PLAN
from tests.api.test_tokens import bearer

PREFIX = "/api/v1"
VERSION_WRITE = re.compile(r"^\s*UPDATE plan SET version", re.IGNORECASE)


@pytest.fixture
def tokens(api, people):
    return {name: api.token(name) for name in ("hr", "leader", "other_leader", "representative", "politician")}


def _post(client, path, token, body):
    return client.post(PREFIX + path, headers=bearer(token), json=body)


@pytest.fixture
def new_plan(client, tokens):
    def make(approvals=()):
        response = _post(client, "/plans", tokens["hr"], NEW_PLAN)
        assert response.status_code == 201, response.get_json()
        plan_id = response.get_json()["id"]
        for capacity in approvals:
            signed = _post(client, f"/plans/{plan_id}/signoffs", tokens[capacity],
                           {"capacity": capacity, "decision": "approve"})
            assert signed.status_code == 201, signed.get_json()
        return client.get(f"{PREFIX}/plans/{plan_id}", headers=bearer(tokens["hr"])).get_json()

    return make


@contextmanager
def held_before_writing(app, parties=2):
    """Make every request wait just before it writes the plan's version until ``parties`` have arrived."""
    meeting = threading.Barrier(parties, timeout=10)

    def before(conn, cursor, statement, *args):
        if VERSION_WRITE.match(statement):
            try:
                meeting.wait()
            except threading.BrokenBarrierError:
                pass  # the other request was refused before writing; go on alone

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield meeting
    finally:
        event.remove(engine, "before_cursor_execute", before)


def race(app, requests, forced):
    """Send ``requests`` [(path, token, body)] at once from separate threads; return the answers in order."""
    start = threading.Barrier(len(requests), timeout=10)
    answers = [None] * len(requests)
    errors = []

    def run(index, path, token, body):
        try:
            with app.app_context():
                client = app.test_client()
                start.wait()
                response = _post(client, path, token, body)
                answers[index] = (response.status_code, response.get_json())
        except Exception as error:  # noqa: BLE001  reported by the main thread
            errors.append(error)

    hold = held_before_writing(app, len(requests)) if forced else _nothing()
    with hold as meeting:
        threads = [threading.Thread(target=run, args=(i, *r)) for i, r in enumerate(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        if forced:
            meeting.abort()
    assert not errors, errors
    assert all(a is not None for a in answers), "a request did not finish"
    return answers


@contextmanager
def _nothing():
    yield None


def statuses(answers):
    return sorted(status for status, _body in answers)


@pytest.mark.parametrize("forced", [True, False], ids=["held-before-writing", "barrier-only"])
def test_two_firing_the_same_step_on_one_version_give_one_success_and_one_409(app, client, tokens, new_plan, forced):
    plan = new_plan(approvals=GATE_PURPOSE)
    path, body = f"/plans/{plan['id']}/transitions/agree_purpose", {"comment": "Enige", "version": plan["version"]}

    answers = race(app, [(path, tokens["hr"], body), (path, tokens["hr"], body)], forced)

    assert statuses(answers) == [200, 409], answers
    loser = next(body for status, body in answers if status == 409)
    assert loser["error"]["code"] == "conflict" and loser["error"]["message"]
    after = client.get(f"{PREFIX}/plans/{plan['id']}", headers=bearer(tokens["hr"])).get_json()
    assert after["state"] == "goals" and after["version"] == plan["version"] + 1
    assert [h["transition"] for h in after["history"]].count("agree_purpose") == 1


@pytest.mark.parametrize("forced", [True, False], ids=["held-before-writing", "barrier-only"])
def test_two_signing_in_one_capacity_on_one_version_give_one_success_and_one_409(
    app, client, tokens, new_plan, forced
):
    plan = new_plan()
    path = f"/plans/{plan['id']}/signoffs"
    body = {"capacity": "leader", "decision": "approve", "version": plan["version"]}

    answers = race(app, [(path, tokens["leader"], body), (path, tokens["other_leader"], body)], forced)

    assert statuses(answers) == [201, 409], answers
    after = client.get(f"{PREFIX}/plans/{plan['id']}", headers=bearer(tokens["hr"])).get_json()
    assert [s["capacity"] for s in after["signoffs"]] == ["leader"]
    assert [h["transition"] for h in after["history"]].count("approve:leader") == 1
    assert after["version"] == plan["version"]
    assert after["required_signoffs"] == ["representative", "politician"]


def test_an_edit_racing_a_signature_never_leaves_an_approval_on_changed_content(app, client, tokens, new_plan):
    """The signature and the edit are serialised: the approval counts only if nothing changed after it."""
    plan = new_plan()
    pid, version = plan["id"], plan["version"]
    sign_body = {"capacity": "leader", "decision": "approve", "version": version}
    edit_body = {"purpose": "Endret mens lederen signerte.", "version": version}

    def patch_request(index, results, start):
        with app.app_context():
            c = app.test_client()
            start.wait()
            r = c.patch(f"{PREFIX}/plans/{pid}", headers=bearer(tokens["hr"]), json=edit_body)
            results[index] = (r.status_code, r.get_json())

    def sign_request(index, results, start):
        with app.app_context():
            c = app.test_client()
            start.wait()
            r = _post(c, f"/plans/{pid}/signoffs", tokens["leader"], sign_body)
            results[index] = (r.status_code, r.get_json())

    start, results = threading.Barrier(2, timeout=10), [None, None]
    with held_before_writing(app) as meeting:
        threads = [threading.Thread(target=patch_request, args=(0, results, start)),
                   threading.Thread(target=sign_request, args=(1, results, start))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        meeting.abort()

    (edit_status, _), (sign_status, _) = results
    assert edit_status in (200, 409) and sign_status in (201, 409), results
    assert (edit_status, sign_status) != (409, 409), "one of them must get through"
    after = client.get(f"{PREFIX}/plans/{pid}", headers=bearer(tokens["hr"])).get_json()
    leader = [s for s in after["signoffs"] if s["capacity"] == "leader"]
    if edit_status == 200:
        # The edit got through: whatever approval there is was given for the old version and no longer counts.
        assert after["version"] == version + 1 and after["purpose"] == edit_body["purpose"]
        assert "leader" in after["required_signoffs"]
        assert [s["version"] for s in leader] == ([version] if sign_status == 201 else [])
        if sign_status == 201:  # both got through only because the signature came first
            order = [h["transition"] for h in after["history"]]
            assert order.index("approve:leader") < order.index("edit")
    else:
        # The signature won: the content it approved is what is stored.
        assert after["version"] == version and after["purpose"] == NEW_PLAN["purpose"]
        assert [s["version"] for s in leader] == [version] and "leader" not in after["required_signoffs"]
