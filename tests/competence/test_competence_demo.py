"""The demo municipality's competences: what someone exploring the demo would notice.

A catalogue with every kind of competence, held competences from several
sources with expired and soon-expiring certificates, a timeline on profiles,
and requirements whose gaps are largest in health and care, all the same for
the same seed and written in a bounded number of statements.
"""
import hashlib
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.competence.gaps import requirement_gaps
from portal.competence.models import (
    KINDS,
    SOURCES,
    Competence,
    CompetenceArea,
    HeldCompetence,
    HeldCompetenceChange,
    Requirement,
)
from portal.extensions import db
from portal.org.demo import REFERENCE_DATE, generate
from portal.org.models import Employee, RoleAssignment, Unit, User

PASSWORD = "demo-pass-123"
CARE = "HO"  # the health and care service area in portal.org.demo.AREAS


@pytest.fixture
def demo(app):
    """A 600-person demo municipality; yields the result inside an app context."""
    with app.app_context():
        yield generate(employees=600, seed=11, password=PASSWORD)


def _empty_tables():
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def _digest():
    """A fingerprint of the competence data, independent of database ids."""
    parts = []
    parts += db.session.execute(
        select(Competence.code, Competence.name, CompetenceArea.code, Competence.kind, Competence.max_level,
               Competence.validity_months, Competence.description)
        .join(CompetenceArea, CompetenceArea.id == Competence.area_id).order_by(Competence.code)
    ).all()
    parts += db.session.execute(
        select(Employee.employee_number, Competence.code, HeldCompetence.level, HeldCompetence.source,
               HeldCompetence.achieved_on, HeldCompetence.valid_until, HeldCompetence.evidence_note,
               HeldCompetence.recorded_at)
        .join(Employee, Employee.id == HeldCompetence.employee_id)
        .join(Competence, Competence.id == HeldCompetence.competence_id)
        .order_by(Employee.employee_number, Competence.code, HeldCompetence.source)
    ).all()
    parts += db.session.execute(
        select(Employee.employee_number, Competence.code, HeldCompetenceChange.source, HeldCompetenceChange.action,
               HeldCompetenceChange.old_level, HeldCompetenceChange.new_level,
               HeldCompetenceChange.old_valid_until, HeldCompetenceChange.new_valid_until,
               HeldCompetenceChange.changed_at)
        .join(Employee, Employee.id == HeldCompetenceChange.employee_id)
        .join(Competence, Competence.id == HeldCompetenceChange.competence_id)
        .order_by(Employee.employee_number, Competence.code, HeldCompetenceChange.changed_at,
                  HeldCompetenceChange.action)
    ).all()
    parts += db.session.execute(
        select(Unit.code, Competence.code, Requirement.min_level, Requirement.required_count, Requirement.profession)
        .join(Unit, Unit.id == Requirement.unit_id)
        .join(Competence, Competence.id == Requirement.competence_id)
        .order_by(Unit.code, Competence.code, Requirement.profession)
    ).all()
    return hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest(), len(parts)


def test_same_seed_gives_the_same_competence_data(app):
    with app.app_context():
        generate(employees=250, seed=42, password=PASSWORD)
        first, rows = _digest()
        assert rows > 1000
        _empty_tables()
        generate(employees=250, seed=42, password=PASSWORD)
        assert _digest()[0] == first
        _empty_tables()
        generate(employees=250, seed=43, password=PASSWORD)
        assert _digest()[0] != first


def test_the_catalogue_has_every_kind_and_certificates_that_expire(demo):
    competences = db.session.scalars(select(Competence)).all()
    assert 60 <= len(competences) <= 90
    assert {c.kind for c in competences} == set(KINDS)
    for competence in competences:
        assert all(ch.isupper() or ch.isdigit() or ch == "-" for ch in competence.code), competence.code
        assert 1 <= competence.max_level <= 5
    certificates = {c.code: c.validity_months for c in competences if c.kind == "certification"}
    assert certificates["HLR"] == 12 and certificates["FSE"] == 12
    assert certificates["TRUCK"] is None, "some certificates never expire"
    assert all(c.validity_months is None for c in competences if c.kind != "certification")
    assert any(c.max_level == 5 for c in competences) and any(c.max_level == 3 for c in competences)
    areas = set(db.session.scalars(select(CompetenceArea.name)))
    assert {"Helse og omsorg", "Skole", "Barnehage", "Teknisk", "Digital kompetanse", "Formell utdanning"} <= areas
    assert demo.competences == len(competences)


def test_held_certificates_are_partly_expired_and_partly_running_out(demo):
    rows = db.session.execute(
        select(HeldCompetence.achieved_on, HeldCompetence.valid_until, Competence.validity_months)
        .join(Competence, Competence.id == HeldCompetence.competence_id)
        .where(Competence.validity_months.is_not(None))
    ).all()
    soon = REFERENCE_DATE + timedelta(days=90)
    expired = sum(1 for _, until, _ in rows if until < REFERENCE_DATE)
    running_out = sum(1 for _, until, _ in rows if REFERENCE_DATE <= until <= soon)
    valid = sum(1 for _, until, _ in rows if until >= REFERENCE_DATE)
    assert 0.05 * len(rows) < expired < 0.4 * len(rows)
    assert running_out > 0 and valid > expired
    for achieved, until, months in rows:
        assert achieved <= REFERENCE_DATE
        assert 28 * months <= (until - achieved).days <= 31 * months


def test_held_competences_come_from_every_source_and_fit_the_people(demo):
    counts = Counter(dict(db.session.execute(
        select(HeldCompetence.source, func.count()).group_by(HeldCompetence.source)
    ).all()))
    assert set(counts) == set(SOURCES)
    assert counts["leader_assessment"] > counts["self_assessment"]
    held = db.session.scalar(select(func.count()).select_from(HeldCompetence))
    assert demo.held_competences == held and held > 4 * 600
    nurses_degree = db.session.execute(
        select(Employee.profession, Competence.code)
        .join(HeldCompetence, HeldCompetence.employee_id == Employee.id)
        .join(Competence, Competence.id == HeldCompetence.competence_id)
        .where(HeldCompetence.source == "personnel_system", Employee.profession == "Sykepleier")
    ).all()
    assert nurses_degree and all(code != "GLU" for _, code in nurses_degree)
    assert Counter(code for _, code in nurses_degree)["BSC-SYKEPLEIE"] == db.session.scalar(
        select(func.count()).select_from(Employee).where(Employee.profession == "Sykepleier"))
    rows = db.session.execute(
        select(HeldCompetence.level, HeldCompetence.source, HeldCompetence.achieved_on, Competence.kind,
               Competence.max_level, Employee.hire_date, Employee.end_date)
        .join(Competence, Competence.id == HeldCompetence.competence_id)
        .join(Employee, Employee.id == HeldCompetence.employee_id)
    ).all()
    for level, source, achieved, kind, top, hire, end in rows:
        assert 1 <= level <= top
        assert achieved <= (end or REFERENCE_DATE)
        if kind != "formal":
            assert achieved >= hire, "courses and assessments happen while working here"


def test_profiles_have_a_timeline_of_raised_levels_and_renewals(demo):
    changes = db.session.execute(
        select(HeldCompetenceChange.action, HeldCompetenceChange.old_level, HeldCompetenceChange.new_level,
               HeldCompetenceChange.old_valid_until, HeldCompetenceChange.new_valid_until)
    ).all()
    raised = [c for c in changes if c.action == "changed" and c.old_level is not None and c.new_level > c.old_level]
    renewed = [c for c in changes if c.action == "changed" and c.old_valid_until and c.new_valid_until
               and c.new_valid_until > c.old_valid_until]
    assert len(raised) > 50 and len(renewed) > 20
    assert any(c.action == "created" for c in changes)


def _gaps_by_area(rows):
    paths = dict(db.session.execute(select(Unit.id, Unit.path)).all())
    now, later = Counter(), Counter()
    for row in rows:
        area = paths[row.unit_id].split("/")[1]
        now[area] += row.gap_now
        later[area] += row.gap_at_horizon
    return now, later


def test_requirements_leave_gaps_worst_in_health_and_care(demo):
    rows = requirement_gaps(horizon_years=5, today=REFERENCE_DATE)
    assert len(rows) == demo.requirements > 20
    now, later = _gaps_by_area(rows)
    assert sum(now.values()) > 0
    assert sum(later.values()) > sum(now.values()), "retirements and expiring certificates widen the gap"
    assert now.most_common(1)[0][0] == CARE and later.most_common(1)[0][0] == CARE
    assert any(row.holders_now > 0 for row in rows), "people do hold what is required"
    assert any(row.gap_now == 0 for row in rows), "not every requirement is a gap"
    professions = set(db.session.scalars(select(Requirement.profession).where(Requirement.profession.is_not(None))))
    assert "Sykepleier" in professions
    areas = db.session.scalars(
        select(Unit.code).join(Requirement, Requirement.unit_id == Unit.id).where(Unit.parent_id.is_(None))
    ).all()
    assert CARE in areas, "service areas have requirements of their own"


def test_demo_users_see_a_full_profile_and_gaps_in_their_unit(demo):
    users = {u.username: u for u in db.session.scalars(select(User))}
    employee = users["employee"].employee
    held = db.session.execute(
        select(HeldCompetence.source, HeldCompetence.valid_until, HeldCompetence.recorded_by_id)
        .where(HeldCompetence.employee_id == employee.id)
    ).all()
    assert len(held) >= 5
    assert any(s == "self_assessment" and by == users["employee"].id for s, _, by in held)
    assert any(until and REFERENCE_DATE <= until <= REFERENCE_DATE + timedelta(days=90) for _, until, _ in held)
    assert db.session.scalar(
        select(func.count()).select_from(HeldCompetenceChange).where(HeldCompetenceChange.employee_id == employee.id)
    ) >= 2
    led = db.session.scalars(select(RoleAssignment).where(
        RoleAssignment.user_id == users["leader"].id, RoleAssignment.role == "leader")).one().unit
    rows = requirement_gaps(unit_paths=[led.path], horizon_years=5, today=REFERENCE_DATE)
    assert rows and sum(r.gap_now for r in rows) > 0
    assert any(by == users["leader"].id for by in db.session.scalars(
        select(HeldCompetence.recorded_by_id).where(HeldCompetence.source == "leader_assessment")))


def test_five_thousand_employees_in_a_bounded_number_of_statements(app, count_queries, monkeypatch):
    # The demo plans cost a fixed number of statements whatever the size
    # (tests/plans/test_plans_demo.py checks that); here only the bulk part counts.
    monkeypatch.setattr("portal.plans.demo.add_demo_plans", lambda *args, **kwargs: None)
    # So do the demo's interviews and learning activities (tests/appraisals/test_appraisal_demo.py).
    monkeypatch.setattr("portal.appraisals.demo.add_demo_appraisals", lambda *args, **kwargs: None)
    with app.app_context():
        with count_queries() as statements:
            result = generate(employees=5000, seed=3, password=PASSWORD)
        assert result.held_competences == db.session.scalar(select(func.count()).select_from(HeldCompetence))
        assert result.held_competences > 25000
    inserts = Counter(s.split()[2].strip('"').lower() for s in statements if s.lstrip().upper().startswith("INSERT"))
    assert 0 < inserts["held_competence"] <= 10
    assert 0 < inserts["held_competence_change"] <= 5
    assert 0 < inserts["requirement"] <= 2
    assert inserts["competence"] == 1 and inserts["competence_area"] == 1
    assert len(statements) < 250
