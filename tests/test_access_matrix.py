"""The access matrix: every route x every role x own/other object answers as the rules say.

The table is data (tests/access_matrix.py), written from the contract and the
domain guide. Here one data set is built once for the module (the ``people``
municipality plus one object of every kind a route takes an id for), one
client is logged in per role (a session for pages, a bearer token for the
API), and each cell is one test, so a failure names the route, the variant
and the role. State-changing requests run for real, but nothing they do is
kept: ``commit`` only flushes for the duration of the matrix and every
request's session is rolled back when it ends, so each cell sees the same
data. Where the rules say 404 (or refuse a person named in the body), the
answer must also be exactly the one for an id nobody has, and no answer may
contain a marker (appraisal text, a name, competence evidence) the role may
not read, PDFs and workbooks included. A route in ``app.url_map`` without a
row fails ``test_every_route_is_in_the_matrix``.

Set ``MATRIX_REPORT=file`` to get the observed answer of every cell as TSV.
"""
import difflib
import io
import json
import os
import re
import subprocess
import zipfile
from datetime import date, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from portal import access
from portal.extensions import db

from . import access_matrix as M
from .conftest import PASSWORD, make_test_app, people

SAFE_METHODS = {"HEAD", "OPTIONS"}
GHOST_ID = 2_000_000_000


@pytest.fixture(autouse=True)
def clean_db():
    """The matrix shares one data set across its cells; ``matrix`` empties the tables at the end."""
    yield


def _empty_tables(app):
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def _build(app):
    """One object of every kind a route takes an id for, for ``employee`` (own), ``colleague`` (peer) and
    the teacher (other); returns the ids, an API token per user and the tokens' row ids."""
    from portal.appraisals import editing
    from portal.appraisals.models import DevelopmentEntry
    from portal.auth.models import ApiToken
    from portal.auth.tokens import issue_token
    from portal.competence.models import Competence, CompetenceArea, EvidenceFile, HeldCompetence, Requirement
    from portal.learning.models import LearningActivity, LearningParticipant
    from portal.org.accounts import grant_role
    from portal.org.models import Employee, RoleAssignment, User
    from portal.plans.models import Goal, Measure, MeasureNote, Plan
    from portal.workflow import engine

    fixture = getattr(people, "_get_wrapped_function", lambda: people.__wrapped__)()
    base = fixture(app)
    staff, units = base["staff"], base["units"]
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        teacher_person = db.session.get(Employee, staff["2002"])
        # Names that appear nowhere else, so a leak of them can be seen.
        teacher_person.last_name = M.NAMES["other"]
        db.session.get(Employee, staff["1003"]).last_name = M.NAMES["peer"]
        assert db.session.get(Employee, staff["1002"]).last_name == M.NAMES["own"]
        teacher = User(username="teacher", password_hash=users["employee"].password_hash, employee=teacher_person)
        db.session.add(teacher)
        grant_role(teacher, "employee")
        users["teacher"] = teacher

        area = CompetenceArea(code="OMR", name="Område")
        competence = Competence(code="KOMP", name="Sårstell", area=area, kind="skill", max_level=3)
        db.session.add_all([area, competence])
        db.session.flush()
        requirement = Requirement(unit_id=units["HO-HJEM"], competence_id=competence.id, min_level=2,
                                  required_count=2)
        db.session.add_all([requirement, Requirement(unit_id=units["SK-SKOLE"], competence_id=competence.id,
                                                     min_level=2, required_count=2)])
        requirement_units = {"own": units["HO-HJEM"], "peer": units["HO-HJEM"], "other": units["SK-SKOLE"]}

        plan = Plan(title="Kompetanseplan 2026", platform={}, working_group=[], purpose="Formål",
                    created_by=users["hr"])
        db.session.add(plan)
        engine.start(plan, users["hr"])
        plan.state = "goals"
        goal = Goal(plan=plan, title="Flere med sårstell", kind="competence", unit_id=units["HO-HJEM"],
                    competence_id=competence.id, min_level=2, target_count=3, target_date=date(2028, 1, 1))
        db.session.add(goal)
        db.session.flush()
        measure = Measure(plan=plan, goal_id=goal.id, kind="course", strategy="develop", title="Sårkurs",
                          status="in_progress")
        db.session.add(measure)
        db.session.flush()
        db.session.add(MeasureNote(measure_id=measure.id, text="I gang", username="hr"))

        when = (datetime.now() + timedelta(days=30)).strftime("%Y-%m-%dT10:00")
        variants = {}
        for variant, number, person_user, leader_user, unit_code in (
            ("own", "1002", users["employee"], users["leader"], "HO-HJEM-NORD"),
            ("peer", "1003", users["colleague"], users["leader"], "HO-HJEM-NORD"),
            ("other", "2002", teacher, users["other_leader"], "SK-SKOLE"),
        ):
            tag = variant.upper()
            employee = db.session.get(Employee, staff[number])
            held = editing.schedule(employee, when, leader_user, 60, "Møterom")
            db.session.flush()
            editing.save_preparation(held, {"went_well": f"PREPARED-{tag}-Q7X"}, person_user, held.version)
            engine.fire(held, person_user, "prepare", "", held.version)
            engine.fire(held, leader_user, "hold", "", held.version)
            editing.save_summary(held, f"SUMMARY-{tag}-Q7X", leader_user, held.version)
            scheduled = editing.schedule(employee, when, leader_user, 60, "Møterom")
            db.session.flush()
            # Outside any interview and open, so the held interview can follow it up.
            entry = DevelopmentEntry(employee_id=employee.id, title=f"ENTRY-{tag}-Q7X", status="planned")
            verified = HeldCompetence(employee_id=employee.id, competence_id=competence.id, level=2,
                                      source="leader_assessment", achieved_on=date(2020, 1, 1),
                                      evidence_note=f"EVIDENCE-{tag}-Q7X", objection=f"OBJECTION-{tag}-Q7X",
                                      objected_level=2)
            self_held = HeldCompetence(employee_id=employee.id, competence_id=competence.id, level=3,
                                       source="self_assessment", achieved_on=date(2024, 1, 1))
            activity = LearningActivity(title=f"Fagdag {variant}", kind="fagdag", date=date(2026, 2, 1), hours=6,
                                        created_by=leader_user)
            db.session.add_all([entry, verified, self_held, activity])
            db.session.flush()
            evidence = EvidenceFile(held_competence_id=verified.id, filename="bevis.png",
                                    content_type="image/png", size=8, data=b"\x89PNG\r\n\x1a\n")
            db.session.add_all([evidence, LearningParticipant(activity_id=activity.id, employee_id=employee.id)])
            db.session.flush()
            assignment = db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == person_user.id))
            variants[variant] = {
                "person": employee.id, "user": person_user.id, "assignment": assignment, "held": held.id,
                "held_version": held.version, "scheduled": scheduled.id, "scheduled_version": scheduled.version,
                "entry": entry.id, "evidence": evidence.id, "self_held": self_held.id, "verified": verified.id,
                "activity": activity.id,
                "unit": units[unit_code], "required_unit": requirement_units[variant],
            }
        tokens = {name: issue_token(user, "matrix") for name, user in users.items()}
        db.session.commit()
        token_ids = {
            name: db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
            for name, user in users.items()
        }
        common = {
            "plan": plan.id, "goal": goal.id, "measure": measure.id, "plan_version": plan.version,
            "area": area.id, "competence": competence.id, "requirement": requirement.id,
            "unit_own": units["HO-HJEM-NORD"], "person_own": staff["1002"], "PASSWORD": PASSWORD,
            "teacher_token": token_ids["teacher"],
        }
    return common, variants, tokens, token_ids


class Matrix:
    """The data set's ids, a logged-in page client and an API token per role."""

    def __init__(self, app):
        self.app = app
        self.common, self.variants, self.tokens, self.token_ids = _build(app)
        self.pages = {role: self.page_client(role) for role in M.ROLES}
        self.api = app.test_client(use_cookies=False)

    def page_client(self, role):
        client = self.app.test_client()
        if role != "anonymous":
            response = client.post("/login", data={"username": role, "password": PASSWORD})
            assert response.status_code == 302, f"log-in as {role} failed"
        return client

    def ids(self, row, role, ghost=False):
        ids = dict(self.common)
        ids.update(self.variants.get(row.variant or "own"))
        ids["my_token"] = self.token_ids.get(role, self.token_ids["employee"])
        if ghost:  # the same request about objects that do not exist
            ids.update({key: GHOST_ID for key in self.variants["own"] if not key.endswith("version")})
            ids.update(teacher_token=GHOST_ID, person_own=GHOST_ID)
        return ids

    def object_ids(self, row, role):
        """The ids of objects the request names, in its address, query or body."""
        ids = self.ids(row, role)
        named = [*row.args.values(), *row.query.values()]
        for value in (row.body or {}).values():
            named.extend(value if isinstance(value, list) else [value])
        return {ids[v] for v in named if isinstance(v, str) and v in ids and not v.endswith("version")
                and isinstance(ids[v], int)}

    def call(self, row, role, ghost=False):
        ids = self.ids(row, role, ghost)
        fill = lambda value: ids.get(value, value) if isinstance(value, str) else value  # noqa: E731
        args = {name: fill(value) for name, value in row.args.items()}
        query = {name: fill(value) for name, value in row.query.items()}
        with self.app.test_request_context():
            url = url_for(row.endpoint, **args, **query)
        body = None
        if row.body is not None:
            body = {name.format(**ids): [fill(v) for v in value] if isinstance(value, list) else fill(value)
                    for name, value in row.body.items()}
        if url.startswith("/api/"):
            token = self.tokens.get(role)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            return self.api.open(url, method=row.method, headers=headers, json=body)
        client = self.page_client(role) if row.own_session else self.pages[role]
        response = client.open(url, method=row.method, data=body)
        if 300 <= response.status_code < 400:
            with client.session_transaction() as session:
                session.pop("_flashes", None)  # a message for the next page is not the next cell's answer
        return response


@pytest.fixture(scope="module")
def matrix(app):
    from flask_sqlalchemy.session import Session

    _empty_tables(app)
    built = Matrix(app)
    patch = pytest.MonkeyPatch()
    # Nothing a cell does may change what the next cell sees: commits become flushes, and the
    # session of each request is rolled back when its app context ends.
    patch.setattr(Session, "commit", lambda self: self.flush())
    try:
        yield built
    finally:
        patch.undo()
        _empty_tables(app)


def _to_login(response):
    """The access layer's answer to an anonymous page request: off to /login, with the way back."""
    location = response.headers.get("Location", "")
    return response.status_code in (301, 302, 303) and "/login" in location and "next=" in location


def accepts(outcome, response, role):
    """Whether ``response`` is what ``outcome`` allows (a 5xx never is)."""
    status, to_login = response.status_code, _to_login(response)
    if status >= 500:
        return False
    if outcome == M.OK:
        return status < 400 and not to_login
    if outcome == M.ACT:
        return status not in (401, 403, 404) and not to_login
    if outcome == M.LOGIN:
        return status == 401 or to_login
    if outcome == M.NO:
        return status in (403, 404)
    if outcome == M.HIDE:
        return status == 404
    if outcome == M.DENY:
        return status == 403
    if outcome == M.PAIR:
        return status not in (401, 404) and not to_login
    if outcome == M.REFUSE:
        return status in (403, 404, 422)
    if outcome == M.MINE:
        return status == 200 or (status == 404 and role in M.NOT_EMPLOYEES)
    raise AssertionError(f"unknown outcome {outcome}")


def readable_text(response):
    """What a reader of the answer sees: text, JSON with its escapes undone, the strings of a workbook."""
    data = response.get_data()
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as book:
                return " ".join(book.read(n).decode("utf-8", "replace") for n in book.namelist()
                                if n.endswith(".xml"))
        except zipfile.BadZipFile:
            return ""
    if data.startswith(b"%PDF"):
        # What a reader can copy out of the PDF (poppler, as the report tests use).
        return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    text = data.decode("utf-8", "replace")
    if response.is_json:
        text += json.dumps(response.get_json(silent=True), ensure_ascii=False)
    return text


def leaked_secrets(row, role, response):
    text = readable_text(response)
    may_read = set()
    if role == "admin" and row.endpoint.startswith("admin."):
        may_read = set(M.ADMIN_MAY_READ)
    return sorted(
        marker for marker, readers in M.SECRETS.items()
        if role not in readers and marker not in may_read and marker in text
    )


def _params():
    for row, role in M.CELLS:
        marks = ()
        reason = M.KNOWN.get(row.id(role))
        if reason:
            marks = (pytest.mark.xfail(strict=True, reason=reason),)
        yield pytest.param(row, role, id=row.id(role), marks=marks)


@pytest.mark.parametrize("row,role", list(_params()))
def test_cell(matrix, row, role):
    response = matrix.call(row, role)
    outcome = row.expect[role]
    if os.environ.get("MATRIX_REPORT"):  # the observed answers, one line a cell, for reading the table by eye
        with open(os.environ["MATRIX_REPORT"], "a", encoding="utf-8") as report:
            print(row.id(role), outcome, response.status_code, sep="\t", file=report)
    assert accepts(outcome, response, role), (
        f"{row.method} {row.endpoint} ({row.variant or 'no object of a person'}) as {role}: "
        f"the rules say {outcome}, the portal answered {response.status_code} "
        f"{response.headers.get('Location', '')}".rstrip()
    )
    leaked = leaked_secrets(row, role, response)
    assert not leaked, f"{row.method} {row.endpoint} ({row.variant}) as {role} shows {leaked}"
    if outcome in (M.HIDE, M.REFUSE):
        # Never reveal that a confidential object exists: the answer is the one for an id nobody has.
        ghost = matrix.call(row, role, ghost=True)
        used = matrix.object_ids(row, role)
        seen, missing = comparable(response, used), comparable(ghost, {GHOST_ID})
        assert (response.status_code, seen) == (ghost.status_code, missing), (
            f"{row.id(role)} answers unlike a missing object: {_difference(seen, missing)}")


def _difference(seen, missing):
    if not isinstance(seen, str) or not isinstance(missing, str):
        return f"{seen!r} != {missing!r}"
    return " | ".join(difflib.unified_diff(seen.splitlines(), missing.splitlines(), lineterm="", n=0))[:600]


def comparable(response, object_ids):
    """The answer without what differs with every request (CSP nonce, signed CSRF token, the page's address)
    and with the ids the request named (an error may repeat them) made alike."""
    if response.is_json:
        text = json.dumps(response.get_json(silent=True), sort_keys=True)
        for number in object_ids:
            text = re.sub(rf"\b{number}\b", "ID", text)
        return text
    text = response.get_data(as_text=True).replace(response.request.path, "PATH")
    text = re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', "value=token", text)
    return re.sub(r'nonce(=|-)"?[A-Za-z0-9+/=_-]+', "nonce", text)


def routes_missing_from_the_matrix(app):
    """Every method of every rule in ``app.url_map`` that has no row, named by its rule."""
    covered = {row.key for row in M.ROWS}
    return [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - SAFE_METHODS)
        if (method, rule.endpoint) not in covered
    ]


def test_every_route_is_in_the_matrix(app):
    """Adding a route (or a method to one) without a row in the matrix fails here, naming the rule."""
    missing = routes_missing_from_the_matrix(app)
    assert missing == [], "routes missing from tests/access_matrix.py: " + "; ".join(missing)
    served = {(method, rule.endpoint) for rule in app.url_map.iter_rules() for method in rule.methods}
    stale = sorted(f"{method} {endpoint}" for method, endpoint in {row.key for row in M.ROWS} - served)
    assert stale == [], "rows for routes that no longer exist: " + "; ".join(stale)


def test_a_route_added_without_a_row_is_named(database_url):
    fresh = make_test_app(database_url)

    @fresh.route("/reports/new-thing.csv", methods=["GET", "POST"])
    @access.allow("hr")
    def new_thing():
        return ""

    assert routes_missing_from_the_matrix(fresh) == [
        "GET /reports/new-thing.csv (new_thing)", "POST /reports/new-thing.csv (new_thing)"]


def test_every_row_says_what_every_role_gets():
    for row in M.ROWS:
        assert set(row.expect) == set(M.ROLES), row.id("?")
    assert len({row.id("") for row in M.ROWS}) == len(M.ROWS), "two rows for the same route and variant"


def test_the_matrix_size(capsys):
    """The figure the README reports."""
    with capsys.disabled():
        print(f"\naccess matrix: {len(M.ROWS)} route rows x {len(M.ROLES)} roles = {len(M.CELLS)} cells")
    assert len(M.CELLS) == len(M.ROWS) * len(M.ROLES) >= 1500


# Cells where a role that may read a secret must find it: proof that the leak check looks where the data is.
SHOWN = [
    ("GET appraisals.appraisal-own employee", ["SUMMARY-OWN-Q7X", "PREPARED-OWN-Q7X"]),
    ("GET appraisals.appraisal-peer leader", ["SUMMARY-PEER-Q7X", "Ærligsen"]),
    ("GET api.appraisal-other other_leader", ["SUMMARY-OTHER-Q7X", "PREPARED-OTHER-Q7X"]),
    ("GET appraisals.report-own leader", ["SUMMARY-OWN-Q7X"]),
    ("GET api.development_entries-own employee", ["ENTRY-OWN-Q7X"]),
    ("GET org.employee-own hr", ["Øverby", "EVIDENCE-OWN-Q7X"]),
    ("GET api.employee-other other_leader", ["Lærdal"]),
    ("GET learning.activities_xlsx hr", ["Øverby", "Ærligsen", "Lærdal"]),
    ("GET admin.user-other admin", ["Lærdal"]),
]


@pytest.mark.parametrize("cell,markers", SHOWN, ids=[cell for cell, _ in SHOWN])
def test_the_leak_check_finds_what_is_there(matrix, cell, markers):
    row, role = next((row, role) for row, role in M.CELLS if row.id(role) == cell)
    response = matrix.call(row, role)
    assert response.status_code == 200
    text = readable_text(response)
    assert [m for m in markers if m not in text] == []
