"""Every list page and list endpoint, each with a builder that fills what it lists.

One table serves two masters: tests/test_query_counts.py runs each route at
10 and at 1,000 rows and expects the very same number of SQL statements, and
bench/queries.py prints those counts (and the time of one request) for
``make bench``. A route that runs a query per row (an N+1) shows up as a
count that grows with the rows.

So that an N+1 would show, a builder creates rows in the shape the route
shows them: each row with related objects of its own (its own unit, its own
competence, its own employee...), because a lazy load of an object that is
already in the session costs nothing and would hide the problem. Rows are
inserted in batches (``insert()`` with a list: executemany), never one ORM
object at a time, so the sweep stays quick.

Every GET route of the app is either here or in :data:`NOT_A_LIST` with the
reason; tests/test_query_counts.py fails on a route that is in neither, so a
new list route must be added here.
"""
import re
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from io import BytesIO

from sqlalchemy import event, insert, select
from werkzeug.security import generate_password_hash

from portal.appraisals.models import Appraisal, DevelopmentEntry
from portal.auth.models import ApiToken
from portal.competence.models import (
    Competence,
    CompetenceArea,
    HeldCompetence,
    Requirement,
    RetirementAge,
)
from portal.extensions import db
from portal.learning.models import LearningActivity, LearningParticipant
from portal.org.models import Employee, RoleAssignment, Unit, User
from portal.plans.models import Goal, Measure, MeasureNote, Plan
from portal.workflow.models import SignOff, WorkflowHistory

PASSWORD = "query-count-password"
SIZES = (10, 1000)
MARK = "Qrow"  # every listed row carries it (e.g. "Qrow 0007"), so the response can be checked for rows

# Routes that show one thing, a form without a list from the database, or no data at all.
NOT_A_LIST = {
    "static": "a file from portal/static",
    "auth.login": "the log-in form",
    "home.privacy": "a fixed text (privacy statement)",
    "home.accessibility": "a fixed text (accessibility statement)",
    "api.me": "the caller: one user and their roles",
    "api.openapi": "the OpenAPI document, built from code, no database rows",
    "api.unit": "one unit",
    "admin.new_user": "a form whose choices are fixed roles, no rows from the database",
    "competence.new_area": "a form with text fields only",
    "competence.edit_area": "one area, a form with text fields only",
    "competence.evidence_file": "one uploaded file",
    "competence.objection": "one held competence and its objection form",
    "appraisals.invite": "one calendar event",
    "plans.evaluate_goal": "one goal, its live value and the evaluation form",
    "home.my_data": "links to the downloads of one's own data (swept: home.my_data_json, home.my_data_pdf)",
    "api.appraisal_invite": "one calendar event",
}


@dataclass
class Route:
    """One GET route that lists rows, how to fill it and how to ask for it.

    ``build(world, start, count)`` inserts rows number ``start`` to
    ``start + count - 1`` (so 10 first, then 990 more make 1,000);
    ``setup(world)`` runs once before, for the object the rows hang on (a plan
    whose goals are listed). ``path`` is formatted with ``world.ids``.
    ``marker`` is text each shown row carries; the answer must hold it at
    least ``shown`` times at both sizes, so a test cannot pass on an empty page.
    ``sizes`` are 10 and 1,000 rows but for a document too long to render
    quickly (say why in ``note``).
    """

    endpoint: str
    path: str
    role: str
    build: object
    kind: str = "html"  # html, json, csv, xlsx, pdf
    marker: str = MARK
    shown: int = 10
    setup: object = None
    note: str = ""
    sizes: tuple = SIZES

    @property
    def api(self):
        return self.path.startswith("/api/")

    @property
    def id(self):
        return self.endpoint


class World:
    """The small municipality every route starts from, and the ids the builders made."""

    def __init__(self):
        self.ids = {}
        self.users = {}
        self.units = {}
        self.staff = {}

    def __getitem__(self, key):
        return self.ids[key]


# --- the world ------------------------------------------------------------------------------


def seed():
    """Units HO > HO-HJEM > HO-HJEM-NORD, SK > SK-SKOLE; staff; one user per role (a quick password hash)."""
    world = World()
    for code, parent in [("HO", None), ("HO-HJEM", "HO"), ("HO-HJEM-NORD", "HO-HJEM"), ("SK", None),
                         ("SK-SKOLE", "SK")]:
        path = (world.units[parent][1] if parent else "/") + code + "/"
        unit = Unit(code=code, name=f"Unit {code}", parent_id=world.units[parent][0] if parent else None, path=path)
        db.session.add(unit)
        db.session.flush()
        world.units[code] = (unit.id, path)
    for number, unit in [("1001", "HO-HJEM"), ("1002", "HO-HJEM-NORD"), ("1003", "HO-HJEM-NORD"), ("2001", "SK-SKOLE")]:
        person = Employee(employee_number=number, first_name="Seed", last_name=f"Person {number}",
                          birth_date=date(1975, 5, 17), unit_id=world.units[unit][0], profession="Sykepleier",
                          position_percent=100, hire_date=date(2010, 8, 1))
        db.session.add(person)
        db.session.flush()
        world.staff[number] = person.id
    quick = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")  # scrypt costs 0.1 s a log-in
    for username, roles, number, unit in [
        ("admin", ["admin"], None, None),
        ("hr", ["hr"], None, None),
        ("leader", ["leader", "employee"], "1001", "HO-HJEM"),
        ("employee", ["employee"], "1002", None),
        ("other_leader", ["leader", "employee"], "2001", "SK-SKOLE"),
        ("representative", ["representative"], None, None),
        ("politician", ["politician"], None, None),
    ]:
        user = User(username=username, password_hash=quick, employee_id=world.staff.get(number))
        db.session.add(user)
        db.session.flush()
        for role in roles:
            db.session.add(RoleAssignment(user_id=user.id, role=role,
                                          unit_id=world.units[unit][0] if role == "leader" else None))
        world.users[username] = user.id
    db.session.commit()
    return world


def api_token(world, username):
    """A bearer token for ``username``, issued directly (no password check)."""
    from portal.auth.tokens import issue_token

    token = issue_token(db.session.get(User, world.users[username]), "query counts")
    db.session.commit()
    return token


# --- batch inserts ---------------------------------------------------------------------------


def add(model, rows):
    """Insert ``rows`` (dicts) in one executemany; their ids in the same order."""
    if not rows:
        return []
    result = db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def tag(i):
    return f"{MARK} {i:04d}"


def new_units(world, start, count, parent="HO-HJEM-NORD"):
    """``count`` units under ``parent``, each named with the row mark."""
    parent_id, parent_path = world.units[parent]
    return add(Unit, [{"code": f"Q{i:04d}", "name": f"{tag(i)} unit", "parent_id": parent_id,
                       "path": f"{parent_path}Q{i:04d}/"} for i in range(start, start + count)])


def new_employees(unit_ids, start, profession=None, **extra):
    """One employee per unit in ``unit_ids`` (row ``start`` onwards), last name with the row mark."""
    return add(Employee, [
        {"employee_number": f"Q{start + k:05d}", "first_name": "Quinn", "last_name": f"{tag(start + k)} person",
         "birth_date": date(1960 + (start + k) % 40, 1 + (start + k) % 12, 1 + (start + k) % 28),
         "unit_id": unit_id, "profession": profession or f"{tag(start + k)} profession",
         "position_percent": 50 + (start + k) % 51, "hire_date": date(2005, 1, 1), **extra}
        for k, unit_id in enumerate(unit_ids)
    ])


def staff_in_own_units(world, start, count, parent="HO-HJEM-NORD", profession=None):
    """``count`` employees, each in a unit of their own under ``parent``."""
    return new_employees(new_units(world, start, count, parent), start, profession)


def new_competences(start, count, **extra):
    """``count`` competences, each in an area of its own."""
    areas = add(CompetenceArea, [{"code": f"QA{i:04d}", "name": f"{tag(i)} area"} for i in range(start, start + count)])
    return add(Competence, [
        {"code": f"QC{i:04d}", "name": f"{tag(i)} competence", "area_id": area, "kind": "skill", "max_level": 3,
         "validity_months": 24, **extra}
        for i, area in zip(range(start, start + count), areas)
    ])


def new_plans(world, start, count, state="purpose", scope_ids=None):
    return add(Plan, [
        {"title": f"{tag(i)} plan", "state": state, "version": 1, "platform": {}, "working_group": [],
         "scope_unit_id": scope_ids[k] if scope_ids else None, "created_by_id": world.users["hr"],
         "purpose": "Purpose", "period_start": date(2026, 1, 1), "period_end": date(2028, 12, 31)}
        for k, i in enumerate(range(start, start + count))
    ])


def _one(world, key, make):
    """An object the rows hang on, made once per world."""
    if key not in world.ids:
        world.ids[key] = make()
        db.session.commit()
    return world.ids[key]


def the_plan(world, state="goals"):
    return _one(world, "plan", lambda: new_plans(world, 9000, 1, state)[0])


def plan_goals(world, start, count, state="goals"):
    """Competence goals on one plan, each with its own unit and competence, and a measure per goal."""
    plan_id = the_plan(world, state)
    units = new_units(world, start, count)
    competences = new_competences(start, count)
    goals = add(Goal, [
        {"plan_id": plan_id, "title": f"{tag(i)} goal", "kind": "competence", "unit_id": unit, "competence_id": comp,
         "min_level": 1, "target_count": 2, "direction": "at_least", "target_date": date(2028, 1, 1),
         "baseline_value": 0}
        for i, unit, comp in zip(range(start, start + count), units, competences)
    ])
    measures = add(Measure, [
        {"plan_id": plan_id, "goal_id": goal, "kind": "fagdag", "strategy": "develop", "title": f"{tag(i)} measure",
         "responsible": "hr", "cost_nok": 1000, "participants": 2, "start": date(2026, 2, 1),
         "end": date(2026, 6, 1), "status": "planned"}
        for i, goal in zip(range(start, start + count), goals)
    ])
    add(MeasureNote, [{"measure_id": m, "text": f"{tag(i)} note", "username": "hr", "user_id": world.users["hr"]}
                      for i, m in zip(range(start, start + count), measures)])
    # someone holds each competence, so the goals' live values are not all zero
    holders = new_employees(units, start)
    add(HeldCompetence, [{"employee_id": e, "competence_id": c, "level": 2, "source": "personnel_system",
                          "achieved_on": date(2024, 1, 1)} for e, c in zip(holders, competences)])
    db.session.commit()


def plan_history(world, object_type, object_id, start, count):
    """Transitions and sign-offs, each by a user of its own."""
    users = new_users(world, start, count)
    add(WorkflowHistory, [
        {"object_type": object_type, "object_id": object_id, "kind": "edit", "transition": "edit",
         "from_state": "purpose", "to_state": "purpose", "version": 1, "user_id": user, "username": f"q{i:04d}",
         "comment": f"{tag(i)} change", "changes": []}
        for i, user in zip(range(start, start + count), users)
    ])


def new_users(world, start, count, with_units=False):
    """Accounts ``q0000``..., each a leader of a unit of its own when ``with_units``."""
    quick = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    units = new_units(world, start, count) if with_units else [None] * count
    staff = new_employees(units, start) if with_units else [None] * count
    users = add(User, [{"username": f"q{i:04d}", "password_hash": quick, "employee_id": e, "active": True,
                        "email": f"{MARK}{i:04d}@example.org"} for i, e in zip(range(start, start + count), staff)])
    if with_units:
        add(RoleAssignment, [{"user_id": u, "role": "leader", "unit_id": unit} for u, unit in zip(users, units)])
    return users


# --- builders, one per kind of row ------------------------------------------------------------


def build_units(world, start, count):
    staff_in_own_units(world, start, count)  # units with someone in each, so the headcounts are not all hidden


def build_employees(world, start, count):
    staff_in_own_units(world, start, count)


def build_users(world, start, count):
    new_users(world, start, count, with_units=True)


def build_tokens(world, start, count):
    now = datetime.now(timezone.utc)
    add(ApiToken, [{"user_id": world.users["employee"], "token_hash": f"{i:064d}", "label": tag(i),
                    "created_at": now - timedelta(minutes=i), "expires_at": now + timedelta(days=30)}
                   for i in range(start, start + count)])


def build_competences(world, start, count):
    new_competences(start, count)


def build_areas(world, start, count):
    add(CompetenceArea, [{"code": f"QA{i:04d}", "name": f"{tag(i)} area"} for i in range(start, start + count)])


def build_requirements(world, start, count):
    """Requirements, each of a unit and competence of its own, with holders and non-holders in the unit."""
    units = new_units(world, start, count, parent="HO-HJEM")
    competences = new_competences(start, count)
    add(Requirement, [{"unit_id": u, "competence_id": c, "min_level": 1, "required_count": 2}
                      for u, c in zip(units, competences)])
    holders = new_employees(units, start)
    add(HeldCompetence, [{"employee_id": e, "competence_id": c, "level": 2, "source": "personnel_system",
                          "achieved_on": date(2024, 1, 1)} for e, c in zip(holders, competences)])


def build_plans(world, start, count):
    """Plans, each with its own scope unit, a goal, a measure and a sign-off."""
    units = new_units(world, start, count)
    plans = new_plans(world, start, count, state="purpose", scope_ids=units)
    competences = new_competences(start, count)
    goals = add(Goal, [{"plan_id": p, "title": f"{tag(i)} goal", "kind": "competence", "unit_id": u,
                        "competence_id": c, "min_level": 1, "target_count": 1, "direction": "at_least"}
                       for i, p, u, c in zip(range(start, start + count), plans, units, competences)])
    add(Measure, [{"plan_id": p, "goal_id": g, "kind": "fagdag", "strategy": "develop", "title": f"{tag(i)} measure",
                   "status": "planned"} for i, p, g in zip(range(start, start + count), plans, goals)])
    add(SignOff, [{"object_type": "plan", "object_id": p, "capacity": "leader", "decision": "approve",
                   "state": "purpose", "version": 1, "username": "leader", "user_id": world.users["leader"]}
                  for p in plans])


def build_worklist(world, start, count):
    """Plans waiting for the representative's approval, and interviews waiting for the leader."""
    new_plans(world, start, count, state="purpose")
    build_staff_appraisals(world, start, count, state="prepared")


def build_staff_appraisals(world, start, count, state="scheduled"):
    """Interviews this year of the leader's staff, each employee in a unit of their own."""
    staff = staff_in_own_units(world, start, count)
    when = datetime(date.today().year, 6, 1, 8, tzinfo=timezone.utc)
    add(Appraisal, [{"employee_id": e, "scheduled_for": when + timedelta(hours=k % 50), "state": state, "version": 1,
                     "location": f"{tag(start + k)} room", "preparation": {}, "created_by_id": world.users["leader"]}
                    for k, e in enumerate(staff)])


def build_unit_statistics(world, start, count):
    """Units with an employee, an interview held and a development entry each."""
    staff = staff_in_own_units(world, start, count)
    when = datetime(date.today().year, 3, 1, 8, tzinfo=timezone.utc)
    appraisals = add(Appraisal, [{"employee_id": e, "scheduled_for": when, "state": "signed", "version": 1,
                                  "preparation": {}} for e in staff])
    add(DevelopmentEntry, [{"employee_id": e, "appraisal_id": a, "title": f"{tag(start + k)} entry",
                            "status": "completed"} for k, (e, a) in enumerate(zip(staff, appraisals))])


def _entries(world, employee_id, start, count, appraisal_id=None):
    """Development entries of one employee, each with a competence and a plan measure of its own."""
    plan_id = _one(world, "running_plan", lambda: new_plans(world, 9001, 1, state="measures")[0])
    competences = new_competences(start, count)
    measures = add(Measure, [{"plan_id": plan_id, "kind": "fagdag", "strategy": "develop",
                              "title": f"{tag(i)} measure", "status": "planned"} for i in range(start, start + count)])
    add(DevelopmentEntry, [{"employee_id": employee_id, "appraisal_id": appraisal_id, "title": f"{tag(i)} entry",
                            "competence_id": c, "target_level": 2, "measure_id": m, "due": date(2027, 1, 1),
                            "status": "planned"}
                           for i, c, m in zip(range(start, start + count), competences, measures)])


def build_my_entries(world, start, count):
    _entries(world, world.staff["1002"], start, count)
    _my_activities(world, start, count)


def the_appraisal(world, state="held"):
    when = datetime(date.today().year, 5, 1, 8, tzinfo=timezone.utc)
    return _one(world, "appraisal", lambda: add(Appraisal, [{
        "employee_id": world.staff["1002"], "scheduled_for": when, "state": state, "version": 1,
        "preparation": {}, "created_by_id": world.users["leader"]}])[0])


def build_appraisal_content(world, start, count):
    """One interview with entries agreed in it, earlier entries, history, and requirements of the unit."""
    appraisal_id = the_appraisal(world)
    _entries(world, world.staff["1002"], start, count, appraisal_id=appraisal_id)
    plan_history(world, "appraisal", appraisal_id, start, count)
    competences = new_competences(start + 5000, count)
    add(Requirement, [{"unit_id": world.units["HO-HJEM-NORD"][0], "competence_id": c, "min_level": 1,
                       "required_count": 1, "profession": f"p{k}"} for k, c in enumerate(competences)])


def _activities(world, start, count, participants):
    """Learning activities, each with a competence of its own and the given participants (ids per row)."""
    competences = new_competences(start, count)
    activities = add(LearningActivity, [
        {"title": f"{tag(i)} activity", "kind": "course", "date": date(2025, 1, 1) + timedelta(days=i % 300),
         "hours": 3, "competence_id": c, "level_achieved": 2, "created_by_id": world.users["leader"]}
        for i, c in zip(range(start, start + count), competences)
    ])
    taking_part = [{"activity_id": a, "employee_id": e} for a, people in zip(activities, participants) for e in people]
    if taking_part:
        db.session.execute(insert(LearningParticipant), taking_part)
    return activities


def build_activities(world, start, count):
    """Activities the leader's staff took part in: two participants each, in units of their own."""
    staff = staff_in_own_units(world, start, count)
    _activities(world, start, count, [[e, world.staff["1002"]] for e in staff])


def _my_activities(world, start, count):
    _activities(world, start + 5000, count, [[world.staff["1002"]]] * count)


def build_my_record(world, start, count):
    _my_activities(world, start, count)


def the_activity(world):
    return _one(world, "activity", lambda: _activities(world, 9000, 1, [[]])[0])


def build_participants(world, start, count):
    """Participants of one activity, each in a unit of their own."""
    activity_id = the_activity(world)
    staff = staff_in_own_units(world, start, count)
    db.session.execute(insert(LearningParticipant), [{"activity_id": activity_id, "employee_id": e} for e in staff])


def build_team(world, start, count):
    """The leader's staff, each in a unit of their own, and competences to log."""
    staff_in_own_units(world, start, count)
    new_competences(start, count)


def build_held(world, start, count):
    """Competences held by employee 1002, each its own competence, some from a self-assessment."""
    competences = new_competences(start, count)
    add(HeldCompetence, [{"employee_id": world.staff["1002"], "competence_id": c, "level": 2,
                          "source": "self_assessment" if i % 3 == 0 else "personnel_system",
                          "achieved_on": date(2024, 1, 1), "recorded_by_id": world.users["hr"],
                          "evidence_note": f"{tag(i)} evidence"}
                         for i, c in zip(range(start, start + count), competences)])


def build_required(world, start, count):
    """Competences 1002's unit requires and the catalogue to choose from, for the assessment forms."""
    competences = new_competences(start, count)
    add(Requirement, [{"unit_id": world.units["HO-HJEM-NORD"][0], "competence_id": c, "min_level": 1,
                       "required_count": 1} for c in competences])


def share(start, count, kind, kinds):
    """Rows ``start`` to ``start + count - 1`` dealt out to ``kinds`` kinds in turn: (first, how many) of ``kind``."""
    def before(n):
        return (n + kinds - 1 - kind) // kinds

    return before(start), before(start + count) - before(start)


def build_my_data(world, start, count):
    """Everything held about employee 1002, the rows dealt out in turn: competences, entries, learning, tokens."""
    for kind, build in enumerate((
        build_held,
        lambda w, first, n: _entries(w, w.staff["1002"], 2000 + first, n),
        _my_activities,
        build_tokens,
    )):
        first, n = share(start, count, kind, 4)
        if n:
            build(world, first, n)


def build_workforce(world, start, count):
    """Employees, each in a unit and a profession of their own, some of them gone, with retirement ages."""
    units = new_units(world, start, count, parent="HO-HJEM")
    staff = new_employees(units, start)
    add(RetirementAge, [{"profession": f"{tag(i)} profession", "age": 65 + i % 5} for i in range(start, start + count)])
    return staff


def build_units_and_competences(world, start, count):
    new_units(world, start, count)
    new_competences(start, count)


def build_notes(world, start, count):
    """Progress notes on one measure, each by a user of its own."""
    users = new_users(world, start, count)
    add(MeasureNote, [{"measure_id": world["measure"], "text": f"{tag(i)} note", "username": f"q{i:04d}",
                       "user_id": user} for i, user in zip(range(start, start + count), users)])


def build_retirement_ages(world, start, count):
    add(RetirementAge, [{"profession": f"{tag(i)} profession", "age": 62 + i % 8} for i in range(start, start + count)])


def the_gap(world):
    """One requirement of a unit (HO-HJEM), whose people the page lists."""
    def make():
        competence = new_competences(9000, 1)[0]
        world.ids["gap_competence"] = competence
        add(Requirement, [{"unit_id": world.units["HO-HJEM"][0], "competence_id": competence, "min_level": 2,
                           "required_count": 3}])
        return competence

    return _one(world, "gap", make)


def build_gap_people(world, start, count):
    """People of the unit, each in a sub-unit of their own; every other one holds the competence."""
    competence = the_gap(world)
    staff = staff_in_own_units(world, start, count, parent="HO-HJEM")
    add(HeldCompetence, [{"employee_id": e, "competence_id": competence, "level": 2 + k % 2, "source":
                          "personnel_system" if k % 3 else "leader_assessment", "achieved_on": date(2024, 1, 1)}
                         for k, e in enumerate(staff) if k % 2 == 0])


# --- the table ---------------------------------------------------------------------------------


def _routes():
    R = []

    def route(endpoint, path, role, build, **extra):
        R.append(Route(endpoint, path, role, build, **extra))

    plan_state = {
        "goals": lambda w: the_plan(w, "goals"),
        "measures": lambda w: the_plan(w, "measures"),
        "evaluation": lambda w: the_plan(w, "evaluation"),
    }

    # start page and account
    route("home.index", "/", "representative", build_worklist,
          note="the start page's worklist (page-throughput helper)")
    route("auth.tokens", "/account/tokens", "employee", build_tokens)
    # administration
    route("admin.users", "/admin", "admin", build_users, marker=f"{MARK} ")
    route("admin.user", "/admin/users/{user}", "admin", build_units,
          setup=lambda w: w.ids.setdefault("user", w.users["employee"]))
    # people and units
    route("org.units", "/units", "hr", build_units)
    route("org.employees", "/employees", "hr", build_employees)
    route("org.employee", "/employees/{person}", "hr", build_held,
          setup=lambda w: w.ids.setdefault("person", w.staff["1002"]), note="the profile (page-throughput helper)")
    route("api.units", "/api/v1/units?per_page=200", "hr", build_units, kind="json")
    route("api.employees", "/api/v1/employees?per_page=200", "hr", build_employees, kind="json")
    route("api.employee", "/api/v1/employees/{person}", "hr", build_held, kind="json",
          setup=lambda w: w.ids.setdefault("person", w.staff["1002"]))
    # competence catalogue and requirements
    route("competence.catalogue", "/catalogue", "employee", build_competences)
    route("competence.new_competence", "/catalogue/competences/new", "hr", build_areas)
    route("competence.edit_competence", "/catalogue/competences/{competence}/edit", "hr", build_areas,
          setup=lambda w: _one(w, "competence", lambda: new_competences(9000, 1)[0]))
    route("api.competences", "/api/v1/competences?per_page=200", "employee", build_competences, kind="json")
    route("competence.requirements", "/requirements?unit_id=all", "hr", build_requirements)
    route("competence.new_requirement", "/requirements/new", "hr", build_requirements)
    route("api.requirements", "/api/v1/requirements?per_page=200", "hr", build_requirements, kind="json",
          marker='"competence_id"')
    # the profile's forms list the competences to assess
    for endpoint, what in (("competence.assess", "assess"), ("competence.assess_prior_learning", "prior-learning")):
        route(endpoint, "/employees/{person}/competences/" + what, "leader", build_required,
              setup=lambda w: w.ids.setdefault("person", w.staff["1002"]))
    route("competence.self_assess", "/employees/{person}/competences/self-assessment", "employee", build_required,
          setup=lambda w: w.ids.setdefault("person", w.staff["1002"]))
    # gaps (the gaps helper's computation)
    for endpoint, path, kind, *marker in (("competence.gaps", "/gaps", "html"),
                                          ("competence.gaps_csv", "/gaps.csv", "csv"),
                                          ("competence.gaps_xlsx", "/gaps.xlsx", "xlsx"),
                                          ("api.gaps", "/api/v1/gaps?per_page=200", "json", '"gap_now"'),
                                          ("api.gaps_csv", "/api/v1/gaps.csv", "csv"),
                                          ("api.gaps_xlsx", "/api/v1/gaps.xlsx", "xlsx")):
        route(endpoint, path, "hr", build_requirements, kind=kind, marker=marker[0] if marker else MARK,
              note="gap computation (gaps helper)")
    route("competence.gap_people", "/gaps/people?unit_id={unit}&competence_id={gap}", "hr", build_gap_people,
          setup=lambda w: (the_gap(w), w.ids.setdefault("unit", w.units["HO-HJEM"][0])),
          note="gap computation (gaps helper)")
    # workforce
    for endpoint, path, kind in (("competence.workforce_page", "/workforce", "html"),
                                 ("competence.workforce_csv", "/workforce.csv", "csv"),
                                 ("competence.workforce_xlsx", "/workforce.xlsx", "xlsx"),
                                 ("competence.workforce_report_pdf", "/workforce/report.pdf", "pdf"),
                                 ("api.workforce_figures", "/api/v1/workforce", "json"),
                                 ("api.workforce_csv", "/api/v1/workforce.csv", "csv"),
                                 ("api.workforce_xlsx", "/api/v1/workforce.xlsx", "xlsx"),
                                 ("api.workforce_report", "/api/v1/reports/workforce.pdf", "pdf")):
        route(endpoint, path, "hr", build_workforce, kind=kind, marker="profession", shown=8)
    route("competence.retirement_ages", "/workforce/retirement-ages", "hr", build_retirement_ages)
    # plans
    route("plans.plans", "/plans", "representative", build_plans)
    route("api.plans", "/api/v1/plans?per_page=200", "representative", build_plans, kind="json")
    route("plans.new_plan", "/plans/new", "hr", build_units)
    route("plans.edit_plan", "/plans/{plan}/edit", "hr", build_units, setup=lambda w: the_plan(w, "purpose"))
    route("plans.plan", "/plans/{plan}", "hr", plan_goals, setup=plan_state["measures"],
          note="the plan page (page-throughput helper)")
    route("api.plan", "/api/v1/plans/{plan}", "hr", plan_goals, kind="json", setup=plan_state["measures"],
          note="the plan API (page-throughput helper)")
    for endpoint, path, kind in (("plans.goals_csv", "/plans/{plan}/goals.csv", "csv"),
                                 ("plans.measures_csv", "/plans/{plan}/measures.csv", "csv"),
                                 ("plans.plan_xlsx", "/plans/{plan}/plan.xlsx", "xlsx"),
                                 ("plans.report_pdf", "/plans/{plan}/report.pdf", "pdf"),
                                 ("api.plan_goals_csv", "/api/v1/plans/{plan}/goals.csv", "csv"),
                                 ("api.plan_measures_csv", "/api/v1/plans/{plan}/measures.csv", "csv"),
                                 ("api.plan_xlsx", "/api/v1/plans/{plan}/plan.xlsx", "xlsx"),
                                 ("api.plan_report", "/api/v1/plans/{plan}/report.pdf", "pdf")):
        pdf = kind == "pdf"
        route(endpoint, path, "hr", plan_goals, kind=kind, setup=plan_state["measures"],
              sizes=(10, 100) if pdf else SIZES,
              note="100 goals: with 1,000 the report is 300 pages and takes 13 s to draw" if pdf else "")
    route("plans.new_goal", "/plans/{plan}/goals/new", "hr", build_units_and_competences, setup=plan_state["goals"])
    route("plans.edit_goal", "/plans/{plan}/goals/{goal}/edit", "hr", build_units_and_competences,
          setup=lambda w: _one(w, "goal", lambda: add(Goal, [{"plan_id": the_plan(w, "goals"), "title": "Goal",
                                                              "kind": "manual", "direction": "at_least"}])[0]))
    route("plans.new_measure", "/plans/{plan}/measures/new", "hr", plan_goals, setup=plan_state["measures"])
    route("plans.edit_measure", "/plans/{plan}/measures/{measure}/edit", "hr", plan_goals,
          setup=lambda w: _one(w, "measure", lambda: _first_measure(w)))
    route("plans.add_note", "/plans/{plan}/measures/{measure}/notes", "hr", build_notes, shown=5,
          setup=lambda w: _one(w, "measure", lambda: _first_measure(w)))
    # appraisals and development
    route("appraisals.appraisals", "/appraisals", "leader", build_staff_appraisals, marker="person")
    route("api.appraisals", "/api/v1/appraisals?per_page=200", "leader", build_staff_appraisals, kind="json")
    route("appraisals.appraisal", "/appraisals/{appraisal}", "leader", build_appraisal_content,
          setup=lambda w: the_appraisal(w))
    route("api.appraisal", "/api/v1/appraisals/{appraisal}", "leader", build_appraisal_content, kind="json",
          setup=lambda w: the_appraisal(w))
    route("appraisals.report", "/appraisals/{appraisal}/report.pdf", "leader", build_appraisal_content, kind="pdf",
          setup=lambda w: the_appraisal(w, "signed"))
    route("api.appraisal_report", "/api/v1/appraisals/{appraisal}/report.pdf", "leader", build_appraisal_content,
          kind="pdf", setup=lambda w: the_appraisal(w, "signed"))
    route("appraisals.schedule", "/appraisals/schedule?unit_id={unit}", "leader", build_employees, marker="person",
          setup=lambda w: w.ids.setdefault("unit", w.units["HO-HJEM"][0]))
    route("appraisals.statistics", "/appraisals/statistics", "hr", build_unit_statistics)
    route("api.appraisal_statistics", "/api/v1/appraisals/statistics", "hr", build_unit_statistics, kind="json",
          marker="unit")
    route("appraisals.my_development", "/development", "employee", build_my_entries)
    route("api.development_entries", "/api/v1/employees/{person}/development-entries?per_page=200", "leader",
          build_my_entries, kind="json", setup=lambda w: w.ids.setdefault("person", w.staff["1002"]))
    # learning
    route("learning.activities", "/learning-activities", "leader", build_activities)
    route("learning.activities_csv", "/learning-activities.csv", "leader", build_activities, kind="csv")
    route("learning.activities_xlsx", "/learning-activities.xlsx", "leader", build_activities, kind="xlsx")
    route("api.learning_activities", "/api/v1/learning-activities?per_page=200", "leader", build_activities,
          kind="json")
    route("learning.activity", "/learning-activities/{activity}", "leader", build_participants,
          setup=the_activity)
    route("learning.new_activity", "/learning-activities/new", "leader", build_team)
    route("learning.my_record_csv", "/development/learning-record.csv", "employee", build_my_record, kind="csv")
    route("learning.my_record_xlsx", "/development/learning-record.xlsx", "employee", build_my_record, kind="xlsx")
    # everything about me
    route("home.my_data_json", "/me/data.json", "employee", build_my_data, kind="json")
    route("home.my_data_pdf", "/me/data.pdf", "employee", build_my_data, kind="pdf")
    route("api.me_export", "/api/v1/me/export", "employee", build_my_data, kind="json")
    route("api.me_export_pdf", "/api/v1/me/export.pdf", "employee", build_my_data, kind="pdf")
    return R


def _first_measure(world):
    the_plan(world, "measures")
    plan_goals(world, 9500, 1, "measures")
    return db.session.scalar(select(Measure.id).where(Measure.plan_id == world.ids["plan"]).order_by(Measure.id))


ROUTES = _routes()


# --- running one route -------------------------------------------------------------------------


def url_for_route(route, world):
    return route.path.format(**world.ids)


def rows_shown(route, response):
    """How often the route's marker occurs in the answer, read as a person or a program would read it."""
    data = response.get_data()
    if response.status_code != 200:
        return 0
    if route.kind == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(BytesIO(data), read_only=True)
        text = "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    elif route.kind == "pdf":
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    else:
        text = data.decode("utf-8", "replace")
    return len(re.findall(re.escape(route.marker), text))


@dataclass
class Measurement:
    """One request of a route at one size."""

    size: int
    queries: int
    seconds: float
    status: int
    shown: int
    statements: list = field(default_factory=list, repr=False)
    bytes: int = 0


@contextmanager
def counting(app):
    """The SQL statements run while the block runs (as tests/conftest.py's ``count_queries``)."""
    seen = []

    def on_execute(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def measure(app, route, sizes=None):
    """Fill an empty database for ``route`` to each of ``sizes`` rows in turn and count one request at each.

    The caller empties the database afterwards (the suite's ``clean_db``, or :func:`empty`).
    """
    with app.app_context():
        world = seed()
        if route.setup:
            route.setup(world)
            db.session.commit()
        token = api_token(world, route.role) if route.api else None
    client = app.test_client()
    if token is None:
        answer = client.post("/login", data={"username": route.role, "password": PASSWORD})
        assert answer.status_code == 302, f"log-in as {route.role} failed ({answer.status_code})"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    results, built = [], 0
    for size in sizes or route.sizes:
        with app.app_context():
            route.build(world, built, size - built)
            db.session.commit()
            url = url_for_route(route, world)
        built = size
        if not results:
            client.get(url, headers=headers)  # first request: whatever is cached per process is loaded here
        forget_figures(app)
        with counting(app) as seen:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            seconds = time.perf_counter() - started
        if results and route.kind in ("xlsx", "pdf") and response.status_code == 200:
            # Reading 1,000 rows back out of a workbook or a PDF costs more than the request: the rows were
            # read at the small size, here it is enough that the file grew with them.
            shown = results[0].shown if len(response.get_data()) > results[0].bytes * 2 else 0
        else:
            shown = rows_shown(route, response)
        results.append(Measurement(size, len(seen), seconds, response.status_code, shown, list(seen),
                                   len(response.get_data())))
    return results


def forget_figures(app):
    """Empty the app's short-lived cache of aggregates (portal/figure_cache.py), so both sizes are counted cold."""
    cache = app.extensions.get("portal.figure_cache")
    if cache is not None:
        cache.clear()


def empty(app):
    """Delete every row of every table (between two routes of the benchmark)."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
