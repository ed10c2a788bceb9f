"""Gap figures: required versus held competence per requirement, now and at a horizon.

The rules (issue 3):
- ``holders_now``: employees working today in the requirement's unit or a
  sub-unit (of the required profession, if one is set) who hold the
  competence at or above the minimum level, verified (not a self-assessment)
  and valid today.
- ``retiring_by_horizon``: of those, the ones who reach their profession's
  retirement age before the horizon date, or whose every qualifying record
  expires before it.
- ``holders_at_horizon = holders_now - retiring_by_horizon``; a gap is
  ``max(0, required - holders)``.

Everything is counted by the database in one grouped query; Python only
adds up the per-requirement rows when rolling units up to service areas.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..org.models import Employee, Unit
from ..org.stats import employed_on
from .models import UNVERIFIED_SOURCES, HeldCompetence, Requirement
from .retirement import add_years, retirement_ages, retires_before

MAX_HORIZON = 10


@dataclass
class GapRow:
    """The figures of one requirement (or of several, rolled up)."""

    unit_id: int
    competence_id: int
    min_level: int | None
    required: int
    holders_now: int
    retiring_by_horizon: int
    requirement_id: int | None = None
    profession: str | None = None
    requirement_ids: list = field(default_factory=list)

    @property
    def holders_at_horizon(self):
        return self.holders_now - self.retiring_by_horizon

    @property
    def gap_now(self):
        return max(0, self.required - self.holders_now)

    @property
    def gap_at_horizon(self):
        return max(0, self.required - self.holders_at_horizon)

    def as_dict(self):
        """The API's item shape."""
        return {
            "requirement_id": self.requirement_id,
            "unit_id": self.unit_id,
            "competence_id": self.competence_id,
            "profession": self.profession,
            "min_level": self.min_level,
            "required": self.required,
            "holders_now": self.holders_now,
            "gap_now": self.gap_now,
            "retiring_by_horizon": self.retiring_by_horizon,
            "holders_at_horizon": self.holders_at_horizon,
            "gap_at_horizon": self.gap_at_horizon,
        }


def horizon_date(today, horizon_years):
    """The day the projection looks at."""
    return add_years(today, horizon_years)


def requirement_gaps(unit_paths=None, horizon_years=0, competence_ids=None, today=None):
    """One GapRow per requirement, for requirements on units under ``unit_paths`` (all if None)."""
    today = today or date.today()
    horizon = horizon_date(today, horizon_years)
    holders = _holders_per_requirement(today, horizon, unit_paths, competence_ids).subquery()
    stmt = (
        select(
            Requirement.id,
            Requirement.unit_id,
            Requirement.competence_id,
            Requirement.min_level,
            Requirement.required_count,
            Requirement.profession,
            func.coalesce(holders.c.holders_now, 0),
            func.coalesce(holders.c.retiring, 0),
        )
        .join(Unit, Unit.id == Requirement.unit_id)
        .outerjoin(holders, holders.c.requirement_id == Requirement.id)
        .order_by(Unit.path, Requirement.competence_id, Requirement.id)
    )
    stmt = _restrict(stmt, Unit, unit_paths, competence_ids)
    return [
        GapRow(
            requirement_id=rid,
            unit_id=unit_id,
            competence_id=competence_id,
            min_level=min_level,
            required=required,
            profession=profession,
            holders_now=int(now),
            retiring_by_horizon=int(retiring),
            requirement_ids=[rid],
        )
        for rid, unit_id, competence_id, min_level, required, profession, now, retiring in db.session.execute(stmt)
    ]


def _restrict(stmt, unit, unit_paths, competence_ids):
    if unit_paths is not None:
        stmt = stmt.where(or_(*(unit.path.startswith(p, autoescape=True) for p in unit_paths)) if unit_paths else false())
    if competence_ids:
        stmt = stmt.where(Requirement.competence_id.in_(competence_ids))
    return stmt


def _holders_per_requirement(today, horizon, unit_paths, competence_ids):
    """Per requirement: how many hold it now, and how many of them are gone by the horizon."""
    per_person = _qualified_people(today, horizon, unit_paths, competence_ids).subquery()
    leaving = or_(per_person.c.retires == 1, per_person.c.valid_at_horizon == 0)
    return select(
        per_person.c.requirement_id,
        func.count().label("holders_now"),
        func.sum(case((leaving, 1), else_=0)).label("retiring"),
    ).group_by(per_person.c.requirement_id)


def _qualified_people(today, horizon, unit_paths, competence_ids):
    """One row per (requirement, qualified employee) with what the horizon does to them."""
    req_unit = aliased(Unit)
    staff_unit = aliased(Unit)
    ages = retirement_ages()
    valid_at_horizon = case(
        (or_(HeldCompetence.valid_until.is_(None), HeldCompetence.valid_until >= horizon), 1), else_=0
    )
    retires = case((retires_before(Employee.profession, Employee.birth_date, horizon, ages), 1), else_=0)
    stmt = (
        select(
            Requirement.id.label("requirement_id"),
            Employee.id.label("employee_id"),
            func.max(retires).label("retires"),
            func.max(valid_at_horizon).label("valid_at_horizon"),
        )
        .join(req_unit, req_unit.id == Requirement.unit_id)
        .join(
            staff_unit,
            func.substr(staff_unit.path, 1, func.length(req_unit.path)) == req_unit.path,
        )
        .join(Employee, Employee.unit_id == staff_unit.id)
        .join(
            HeldCompetence,
            and_(
                HeldCompetence.employee_id == Employee.id,
                HeldCompetence.competence_id == Requirement.competence_id,
                HeldCompetence.level >= Requirement.min_level,
                HeldCompetence.source.not_in(UNVERIFIED_SOURCES),
                or_(HeldCompetence.valid_until.is_(None), HeldCompetence.valid_until >= today),
            ),
        )
        .where(employed_on(today))
        .where(or_(Requirement.profession.is_(None), Requirement.profession == Employee.profession))
        .group_by(Requirement.id, Employee.id)
    )
    return _restrict(stmt, req_unit, unit_paths, competence_ids)


def roll_up(rows, units_by_id, level_paths):
    """Add requirement rows up to the units in ``level_paths`` (e.g. the service areas).

    Each row lands on the listed unit whose subtree holds the requirement's unit.
    """
    totals = {}
    ordered = sorted(level_paths, key=len, reverse=True)
    for row in rows:
        path = units_by_id[row.unit_id].path
        target = next((p for p in ordered if path.startswith(p)), None)
        if target is None:
            continue
        key = (target, row.competence_id)
        total = totals.get(key)
        if total is None:
            total = totals[key] = GapRow(
                unit_id=level_paths[target],
                competence_id=row.competence_id,
                min_level=row.min_level,
                required=0,
                holders_now=0,
                retiring_by_horizon=0,
            )
        elif total.min_level != row.min_level:
            total.min_level = None  # several levels rolled together
        total.required += row.required
        total.holders_now += row.holders_now
        total.retiring_by_horizon += row.retiring_by_horizon
        total.requirement_ids.extend(row.requirement_ids)
    return list(totals.values())
