"""The audit trail: what is logged, and that `audit verify` catches an edited or deleted entry and names it."""
import threading

import pytest
from sqlalchemy import delete, select, update

from portal.audit import log as audit
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.org.models import RoleAssignment, User
from tests.conftest import PASSWORD
from tests.org.test_imports import employee_row, write_csv


def entries(app):
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(e.id, e.actor, e.action, e.object_type, e.object_id, e.details) for e in rows]


def actions(app):
    return [row[2] for row in entries(app)]


def verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


def token(client, username):
    response = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def plan_path(app, client, people):
    """A plan created, approved by three capacities and moved to goals, through the API."""
    hr = token(client, "hr")
    plan = client.post("/api/v1/plans", headers=hr, json={"title": "Plan for Bø", "purpose": "Nok folk."}).get_json()
    for capacity in ("leader", "representative", "politician"):
        answer = client.post(f"/api/v1/plans/{plan['id']}/signoffs", headers=token(client, capacity),
                             json={"capacity": capacity, "decision": "approve"})
        assert answer.status_code == 201
    assert client.post(f"/api/v1/plans/{plan['id']}/transitions/agree_purpose", headers=hr, json={}).status_code == 200
    return plan["id"]


def steps(app):
    """The plan's entries (the people fixture's role grants come first)."""
    return [row for row in entries(app) if row[2].startswith("workflow.")]


def test_workflow_steps_and_sign_offs_are_logged_with_who_did_them(app, plan_path):
    logged = [(actor, action, kind, oid) for _id, actor, action, kind, oid, _details in steps(app)]
    assert logged == [
        ("hr", "workflow.create", "plan", plan_path),
        ("leader", "workflow.signoff", "plan", plan_path),
        ("representative", "workflow.signoff", "plan", plan_path),
        ("politician", "workflow.signoff", "plan", plan_path),
        ("hr", "workflow.transition", "plan", plan_path),
    ]
    last = steps(app)[-1][5]
    assert '"from":"purpose"' in last and '"to":"goals"' in last and '"step":"agree_purpose"' in last


def test_verify_passes_an_untouched_chain_and_prints_its_head(app, runner, plan_path):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert f"{len(entries(app))} entries checked, the chain is intact" in result.output
    with app.app_context():
        head = db.session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    assert f"head: {head}" in result.output


def test_an_edited_entry_is_named(app, runner, plan_path):
    signed = steps(app)[2][0]  # the representative's approval
    with app.app_context():  # someone with database access rewrites who signed
        db.session.execute(update(AuditEntry).where(AuditEntry.id == signed).values(actor="hr"))
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {signed}: was changed: its content no longer matches its hash" in result.output
    assert f"entry {signed + 1}" not in result.output  # the entries after it still link to the stored hash


def test_a_deleted_entry_is_named(app, runner, plan_path):
    signed = steps(app)[1][0]  # the leader's approval
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == signed))
        db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert f"entry {signed + 1}: entry {signed} before it is missing (deleted)" in result.output


def test_a_removed_newest_entry_is_caught_with_the_noted_head(app, runner, plan_path):
    head = verify(runner).output.split("head: ")[1].strip()
    with app.app_context():
        db.session.execute(delete(AuditEntry).where(AuditEntry.id == steps(app)[-1][0]))
        db.session.commit()
    assert verify(runner).exit_code == 0  # the chain alone cannot tell
    result = verify(runner, "--head", head)
    assert result.exit_code == 1 and "is not in the chain" in result.output


def test_a_later_head_still_verifies_against_an_earlier_noted_one(app, runner, plan_path):
    head = verify(runner).output.split("head: ")[1].strip()
    with app.app_context():
        audit.record("test.more", details={"n": 1})
        db.session.commit()
    assert verify(runner, "--head", head).exit_code == 0


def test_the_application_cannot_change_or_delete_an_entry(app, plan_path):
    with app.app_context():
        entry = db.session.get(AuditEntry, 1)
        entry.actor = "someone else"
        with pytest.raises(audit.AppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, 1))
        with pytest.raises(audit.AppendOnly):
            db.session.flush()
        db.session.rollback()
    assert entries(app)[0][1] == "system"  # the people fixture's first role grant, unchanged


def test_a_refused_step_leaves_no_entry(app, client, people):
    hr = token(client, "hr")
    plan = client.post("/api/v1/plans", headers=hr, json={"title": "Plan", "purpose": "Nok folk."}).get_json()
    before = actions(app)
    answer = client.post(f"/api/v1/plans/{plan['id']}/transitions/agree_purpose", headers=hr, json={})
    assert answer.status_code == 409  # nobody has approved yet
    assert actions(app) == before


def test_role_changes_are_logged(app, client, people, login):
    login("admin")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "colleague"))
    client.post(f"/admin/users/{user_id}/roles", data={"role": "leader", "unit_id": people["units"]["SK-SKOLE"]})
    with app.app_context():
        assignment = db.session.scalar(
            select(RoleAssignment.id).where(RoleAssignment.user_id == user_id, RoleAssignment.role == "leader")
        )
    client.post(f"/admin/users/{user_id}/roles/{assignment}/remove")
    logged = [(actor, action, oid, details) for _id, actor, action, _t, oid, details in entries(app)][-2:]
    assert logged == [
        ("admin", "role.grant", user_id, '{"role":"leader","unit":"SK-SKOLE","username":"colleague"}'),
        ("admin", "role.revoke", user_id, '{"role":"leader","unit":"SK-SKOLE","username":"colleague"}'),
    ]


def test_an_import_is_logged_with_its_counts_and_a_dry_run_is_not(app, runner, people, tmp_path):
    path = write_csv(tmp_path, [employee_row("4001", first_name="Åsta", last_name="Ødegård")])
    assert runner.invoke(args=["import-employees", str(path), "--dry-run"]).exit_code == 0
    assert "import.employees" not in actions(app)
    assert runner.invoke(args=["import-employees", str(path)]).exit_code == 0
    [row] = [r for r in entries(app) if r[2] == "import.employees"]
    assert row[1] == "system" and row[5] == '{"created":1,"unchanged":0,"updated":0}'


def test_downloads_of_personal_data_are_logged(app, client, people):
    assert client.get("/api/v1/me/export", headers=token(client, "employee")).status_code == 200
    hr = app.test_client()
    assert hr.post("/login", data={"username": "hr", "password": PASSWORD}).status_code == 302
    assert hr.get("/workforce.csv").status_code == 200
    logged = [(actor, action, details) for _id, actor, action, _t, _oid, details in entries(app)]
    assert ("employee", "export.personal_data", '{"format":"json"}') in logged
    assert ("hr", "export.download", next(d for a, x, d in logged if a == "hr" and x == "export.download")) in logged
    assert any('"path":"/workforce.csv"' in d for _a, x, d in logged if x == "export.download")


def test_appends_from_many_threads_keep_one_unbroken_chain(app, runner):
    """Racing writers may be refused (and retry) but never fork the chain or leave a gap."""
    errors = []

    def writer(n):
        with app.app_context():
            for attempt in range(50):
                try:
                    audit.record("test.race", details={"writer": n})
                    db.session.commit()
                    return
                except Exception:  # a refused concurrent append: try again, as a request would be retried
                    db.session.rollback()
            errors.append(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert [row[0] for row in entries(app)] == list(range(1, 9))
    assert sorted(row[5] for row in entries(app)) == sorted(f'{{"writer":{n}}}' for n in range(8))
    assert verify(runner).exit_code == 0


def test_entries_of_one_transaction_chain_on_and_a_rolled_back_savepoint_leaves_no_gap(app, runner):
    """Several entries in one transaction follow each other; one undone with its savepoint is not built on."""
    with app.app_context():
        audit.record("test.first")
        with db.session.begin_nested() as savepoint:
            audit.record("test.undone")
            savepoint.rollback()
        audit.record("test.second")
        audit.record("test.third")
        db.session.commit()
    assert [(row[0], row[2]) for row in entries(app)] == [(1, "test.first"), (2, "test.second"), (3, "test.third")]
    assert verify(runner).exit_code == 0
