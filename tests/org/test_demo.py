"""The demo municipality: the command, reproducibility, realism and bulk speed.

The realism checks are the things a person looking at the demo would notice
first: which service area is largest, who works part-time, how old people are.
"""
import hashlib
from collections import Counter, defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.org.demo import REFERENCE_DATE, DemoError, generate
from portal.org.models import Employee, RoleAssignment, Unit, User

PASSWORD = "demo-pass-123"
DEMO_USERS = ("admin", "hr", "leader", "employee", "representative", "politician")


def _empty_tables():
    """Empty every table, as the suite's clean_db fixture does after each test."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def _digest():
    """A fingerprint of every employee row, independent of database ids."""
    rows = db.session.execute(
        select(
            Employee.employee_number, Employee.first_name, Employee.last_name, Employee.birth_date,
            Unit.code, Unit.path, Employee.profession, Employee.position_percent,
            Employee.hire_date, Employee.end_date,
        ).join(Unit, Employee.unit_id == Unit.id).order_by(Employee.employee_number)
    ).all()
    text = "\n".join("|".join(str(v) for v in row[:7]) + f"|{float(row[7]):.2f}|{row[8]}|{row[9]}" for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Unit, Employee, User))


@pytest.fixture
def demo(app):
    """A 600-person demo municipality; yields the result inside an app context."""
    with app.app_context():
        yield generate(employees=600, seed=11, password=PASSWORD)


def _area_of(path):
    return path.split("/")[1]


def _staff(day=REFERENCE_DATE):
    """(area code, position percent) of everybody employed on ``day``."""
    rows = db.session.execute(
        select(Unit.path, Employee.position_percent, Employee.hire_date, Employee.end_date)
        .join(Unit, Employee.unit_id == Unit.id)
    ).all()
    return [(_area_of(path), float(pct)) for path, pct, hire, end in rows if hire <= day and (end is None or end >= day)]


def test_command_fills_an_empty_database_and_prints_the_log_ins(app, runner):
    result = runner.invoke(args=["demo", "--employees", "300", "--seed", "5", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    for username in DEMO_USERS:
        assert username in result.output
    assert PASSWORD in result.output
    with app.app_context():
        units, employees, users = _counts()
    assert employees == 300 and users == 6 and units >= 10


def test_command_refuses_a_database_that_is_not_empty(app, runner):
    first = runner.invoke(args=["demo", "--employees", "300", "--seed", "5", "--password", PASSWORD])
    assert first.exit_code == 0, first.output
    with app.app_context():
        before = _counts()
    second = runner.invoke(args=["demo", "--employees", "300", "--seed", "6", "--password", PASSWORD])
    assert second.exit_code != 0
    assert "not empty" in second.output
    with app.app_context():
        assert _counts() == before


def test_random_password_is_printed_when_none_is_given(app, runner):
    result = runner.invoke(args=["demo", "--employees", "50"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.strip().startswith("leader"))
    password = line.split()[1]
    assert len(password) >= 12
    with app.app_context():
        assert db.session.scalars(select(User).where(User.username == "leader")).one().check_password(password)


def test_too_short_password_or_too_few_employees_are_refused(app):
    with app.app_context():
        with pytest.raises(DemoError):
            generate(employees=50, password="short")
        with pytest.raises(DemoError):
            generate(employees=10, password=PASSWORD)
        assert _counts() == (0, 0, 0)


def test_same_seed_gives_the_same_municipality(app):
    with app.app_context():
        generate(employees=250, seed=42, password=PASSWORD)
        first = _digest()
        _empty_tables()
        generate(employees=250, seed=42, password=PASSWORD)
        assert _digest() == first
        _empty_tables()
        generate(employees=250, seed=43, password=PASSWORD)
        assert _digest() != first


def test_health_and_care_is_the_largest_area_and_mostly_part_time(demo):
    staff = _staff()
    headcount = Counter(area for area, _ in staff)
    assert headcount.most_common(1)[0][0] == "HO"
    assert headcount["HO"] > headcount["SK"] > headcount["BH"]
    part_time = defaultdict(list)
    for area, pct in staff:
        part_time[area].append(pct < 100)
    share = {area: sum(flags) / len(flags) for area, flags in part_time.items()}
    assert share["HO"] > 0.45
    assert share["HO"] > share["SK"] + 0.2
    average = sum(pct for _, pct in staff) / len(staff)
    assert 75 <= average <= 92


def test_ages_and_hire_dates_are_possible(demo):
    rows = db.session.execute(select(Employee.birth_date, Employee.hire_date, Employee.end_date)).all()
    for birth, hire, end in rows:
        age = REFERENCE_DATE.year - birth.year - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (birth.month, birth.day))
        assert 18 <= age <= 72
        assert hire >= _eighteenth_birthday(birth)
        assert hire <= REFERENCE_DATE
        assert end is None or hire < end <= REFERENCE_DATE
    leavers = sum(1 for *_, end in rows if end is not None)
    yearly_turnover = leavers / 3 / (len(rows) - leavers)
    assert 0.05 < yearly_turnover < 0.15, "the domain guide says 5-15 % leave per year"


def _eighteenth_birthday(birth):
    try:
        return birth.replace(year=birth.year + 18)
    except ValueError:
        return date(birth.year + 18, 3, 1)


def test_names_and_professions_look_norwegian(demo):
    names = db.session.execute(select(Employee.first_name, Employee.last_name)).all()
    assert any(ch in first + last for first, last in names for ch in "æøåÆØÅ")
    professions = set(db.session.scalars(select(Employee.profession)))
    assert {"Sykepleier", "Helsefagarbeider", "Lærer", "Barnehagelærer", "Enhetsleder", "Assistent"} <= professions


def test_unit_codes_and_paths_follow_the_tree(demo):
    units = db.session.scalars(select(Unit)).all()
    by_id = {u.id: u for u in units}
    for unit in units:
        assert all(ch.isupper() or ch.isdigit() or ch == "-" for ch in unit.code)
        parent = by_id.get(unit.parent_id)
        assert unit.path == (parent.path if parent else "/") + unit.code + "/"
    assert any(u.depth == 2 for u in units), "some units have sections (avdelinger)"


def test_leader_leads_the_unit_the_employee_works_in(demo):
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert set(users) == set(DEMO_USERS)
    leader, employee = users["leader"], users["employee"]
    assert leader.roles == {"leader", "employee"} and employee.roles == {"employee"}
    led = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == leader.id,
                                                          RoleAssignment.role == "leader")).one().unit
    assert led.path.startswith("/HO/")
    assert leader.employee.unit_id == led.id and leader.employee.profession == "Enhetsleder"
    assert employee.employee.unit.path.startswith(led.path)
    assert employee.employee.end_date is None and employee.employee.profession != "Enhetsleder"
    for name in ("admin", "representative", "politician"):
        assert users[name].employee is None
    for name in ("hr", "representative", "politician", "admin"):
        assert users[name].roles == {name}


def test_demo_leader_can_log_in(app, demo):
    response = app.test_client().post("/login", data={"username": "leader", "password": PASSWORD})
    assert response.status_code == 302


def test_five_thousand_employees_in_a_few_statements(app, count_queries, monkeypatch):
    # The demo plans cost a fixed number of statements whatever the size
    # (tests/plans/test_plans_demo.py checks that); here only the bulk part counts.
    monkeypatch.setattr("portal.plans.demo.add_demo_plans", lambda *args, **kwargs: None)
    # So do the demo's interviews and learning activities (tests/appraisals/test_appraisal_demo.py).
    monkeypatch.setattr("portal.appraisals.demo.add_demo_appraisals", lambda *args, **kwargs: None)
    with app.app_context():
        with count_queries() as statements:
            result = generate(employees=5000, seed=3, password=PASSWORD)
        assert result.employees == 5000
        assert db.session.scalar(select(func.count()).select_from(Employee)) == 5000
    employee_inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO EMPLOYEE")]
    assert 0 < len(employee_inserts) < 60
    assert len(statements) < 200
