"""Headcounts and position figures per unit, rolled up the tree.

Counting happens in SQL (one grouped query); only the per-unit results, a few
hundred rows even for a large municipality, are rolled up to parent units.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select

from ..extensions import db
from .models import Employee, Unit

MIN_GROUP = 5


@dataclass
class Figures:
    """How many work in a unit (with sub-units) and their position sizes."""

    headcount: int = 0
    percent_sum: float = 0.0
    part_time: int = 0

    @property
    def average_percent(self):
        return self.percent_sum / self.headcount if self.headcount else None

    @property
    def part_time_share(self):
        return self.part_time / self.headcount if self.headcount else None

    def add(self, other):
        self.headcount += other.headcount
        self.percent_sum += other.percent_sum
        self.part_time += other.part_time


def employed_on(day):
    """SQL condition: the employee works here on ``day``."""
    return (Employee.hire_date <= day) & or_(Employee.end_date.is_(None), Employee.end_date >= day)


def figures_by_unit(day=None):
    """Figures for every unit, each including all its sub-units."""
    day = day or date.today()
    rows = db.session.execute(
        select(
            Employee.unit_id,
            func.count(Employee.id),
            func.sum(Employee.position_percent),
            func.sum(case((Employee.position_percent < 100, 1), else_=0)),
        )
        .where(employed_on(day))
        .group_by(Employee.unit_id)
    ).all()
    own = {uid: Figures(n, float(total or 0), int(pt or 0)) for uid, n, total, pt in rows}
    units = db.session.scalars(select(Unit).order_by(Unit.path)).all()
    by_path = {u.path: Figures() for u in units}
    for unit in units:
        figures = own.get(unit.id)
        if figures is None:
            continue
        for ancestor in _ancestor_paths(unit.path):
            by_path[ancestor].add(figures)
    return units, {u.id: by_path[u.path] for u in units}


def _ancestor_paths(path):
    """"/A/B/C/" -> "/A/", "/A/B/", "/A/B/C/"."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def sees_personal_data(user):
    """Whether ``user`` may see figures about small groups (hr and leaders)."""
    return user.has_role("hr", "leader")


def shown_count(count, user):
    """The count, or ``None`` when it describes fewer than five people and
    ``user`` may only see aggregates (politicians, representatives)."""
    if count and count < MIN_GROUP and not sees_personal_data(user):
        return None
    return count
