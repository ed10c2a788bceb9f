"""Several people saving the same measure from the same version at once: one edit counts, the rest get 409.

Follows tests/api/test_plans_concurrency.py: each request runs in its own
thread with its own client, app context and database connection; a barrier
starts them together, and with ``forced`` every request is also held just
before it writes the plan's version until all have got that far, so all have
read and checked the same version and the database alone picks the winner.
Runs on SQLite and, under ``.ci/with-postgres``, on PostgreSQL.
"""
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.plans.models import Measure
from tests.api.test_plans_api import GATE_GOALS, GATE_PURPOSE, NEW_PLAN
from tests.api.test_plans_concurrency import held_before_writing, statuses
from tests.api.test_tokens import bearer

PREFIX = "/api/v1"
RACERS = 4


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


@pytest.fixture
def measure(client, api, people):
    """A plan in the measures stage with one goal and one measure; returns (plan, measure) as hr reads them."""
    tokens = {name: api.token(name) for name in ("hr", *GATE_PURPOSE)}

    def post(path, body, who="hr", status=201):
        return _ok(client.post(PREFIX + path, headers=bearer(tokens[who]), json=body), status)

    plan = post("/plans", NEW_PLAN)
    pid = plan["id"]
    for capacity in GATE_PURPOSE:
        post(f"/plans/{pid}/signoffs", {"capacity": capacity, "decision": "approve"}, who=capacity)
    post(f"/plans/{pid}/transitions/agree_purpose", {"comment": "Enige"}, status=200)
    goal = post(f"/plans/{pid}/goals", {"title": "Færre deltidsstillinger", "kind": "manual", "target_value": 10,
                                        "manual_value": 4})
    for capacity in GATE_GOALS:
        post(f"/plans/{pid}/signoffs", {"capacity": capacity, "decision": "approve"}, who=capacity)
    post(f"/plans/{pid}/transitions/approve_goals", {"comment": "Godkjent"}, status=200)
    made = post(f"/plans/{pid}/measures", {"kind": "mentor", "title": "Mentorordning", "goal_id": goal["id"],
                                           "responsible": "Enhetsleder", "cost_nok": 10000})
    plan = _ok(client.get(f"{PREFIX}/plans/{pid}", headers=bearer(tokens["hr"])))
    assert plan["state"] == "measures"
    return plan, made, tokens["hr"]


def _race_patches(app, path, token, bodies, forced):
    """PATCH ``path`` with each body from its own thread, all at once; the answers in order."""
    start = threading.Barrier(len(bodies), timeout=10)
    answers, errors = [None] * len(bodies), []

    def run(index, body):
        try:
            with app.app_context():
                client = app.test_client()
                start.wait()
                response = client.patch(PREFIX + path, headers=bearer(token), json=body)
                answers[index] = (response.status_code, response.get_json())
        except Exception as error:  # noqa: BLE001  reported by the main thread
            errors.append(error)

    hold = held_before_writing(app, len(bodies)) if forced else _nothing()
    with hold as meeting:
        threads = [threading.Thread(target=run, args=(i, body)) for i, body in enumerate(bodies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        if meeting is not None:
            meeting.abort()
    assert not errors, errors
    assert all(answer is not None for answer in answers), "a request did not finish"
    return answers


@contextmanager
def _nothing():
    yield None


@pytest.mark.parametrize("forced", [True, False], ids=["held-before-writing", "barrier-only"])
def test_racing_edits_of_one_measure_keep_exactly_one_and_refuse_the_rest(app, client, measure, forced):
    plan, made, token = measure
    version = plan["version"]
    edits_before = [h["transition"] for h in plan["history"]].count("edit")
    with app.app_context():
        audited_before = db.session.scalar(select(func.count(AuditEntry.id)))
    bodies = [
        {"title": f"Mentorordning, runde {i}", "responsible": f"Rådgiver {i}", "cost_nok": 20000 + i,
         "version": version}
        for i in range(RACERS)
    ]

    answers = _race_patches(app, f"/plans/{plan['id']}/measures/{made['id']}", token, bodies, forced)

    assert statuses(answers) == [200] + [409] * (RACERS - 1), answers
    winner = next(i for i, (status, _body) in enumerate(answers) if status == 200)
    for status, body in answers:
        if status == 409:
            assert body["error"]["code"] == "conflict" and body["error"]["message"], body
    # the stored measure is the winner's, whole: no field from a loser slipped in
    assert answers[winner][1]["title"] == bodies[winner]["title"]
    after = client.get(f"{PREFIX}/plans/{plan['id']}", headers=bearer(token)).get_json()
    (stored,) = after["measures"]
    assert (stored["title"], stored["responsible"], stored["cost_nok"]) == (
        bodies[winner]["title"], bodies[winner]["responsible"], bodies[winner]["cost_nok"]
    )
    assert after["version"] == version + 1
    # one edit in the history, naming the fields the winner changed, and one in the audit trail
    edits = [h for h in after["history"] if h["transition"] == "edit"]
    assert len(edits) == edits_before + 1
    assert edits[-1]["version"] == version + 1
    assert edits[-1]["changes"] == [{
        "what": "measure", "action": "changed", "title": "Mentorordning", "fields": ["cost_nok", "responsible", "title"],
    }]
    with app.app_context():
        assert db.session.scalar(select(func.count(Measure.id))) == 1
        assert db.session.scalar(select(func.count(AuditEntry.id))) == audited_before + 1
