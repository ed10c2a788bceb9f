"""How far each unit has come with this year's appraisal interviews: counts only, for hr.

hr sees appraisal status, never content. Counting happens in SQL, one
grouped query per figure (not per unit); the per-unit results are rolled up
the unit tree like :func:`portal.org.stats.figures_by_unit`.
"""
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import case, func, select

from ..extensions import db
from ..org.models import Employee, Unit
from ..org.stats import _ancestor_paths, employed_on
from .editing import year_bounds
from .models import Appraisal, DevelopmentEntry

HELD = ("held", "signed")


@dataclass
class Completion:
    """A unit's (with sub-units) interviews and development entries in one year."""

    employees: int = 0
    scheduled: int = 0
    held: int = 0
    signed: int = 0
    entries_completed: int = 0

    @property
    def held_share(self):
        """Share of employees whose interview was held (or signed) this year."""
        return self.held / self.employees if self.employees else None

    def add(self, other):
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def completion_by_unit(year, today=None):
    """``(units, {unit_id: Completion})`` for ``year``: employees (at the end of the year, or today),
    interviews scheduled (not cancelled), held or signed, signed, and entries completed."""
    today = today or date.today()
    day = min(today, date(year, 12, 31)) if year >= today.year else date(year, 12, 31)
    start, end = year_bounds(year)
    own = {}

    def bucket(unit_id):
        return own.setdefault(unit_id, Completion())

    for unit_id, count in db.session.execute(
        select(Employee.unit_id, func.count(Employee.id)).where(employed_on(day)).group_by(Employee.unit_id)
    ):
        bucket(unit_id).employees = count
    appraisal_rows = db.session.execute(
        select(
            Employee.unit_id,
            func.count(Appraisal.id),
            func.sum(case((Appraisal.state.in_(HELD), 1), else_=0)),
            func.sum(case((Appraisal.state == "signed", 1), else_=0)),
        )
        .join(Employee, Employee.id == Appraisal.employee_id)
        .where(Appraisal.state != "cancelled", Appraisal.scheduled_for >= start, Appraisal.scheduled_for < end)
        .group_by(Employee.unit_id)
    )
    for unit_id, scheduled, held, signed in appraisal_rows:
        figures = bucket(unit_id)
        figures.scheduled, figures.held, figures.signed = scheduled, int(held or 0), int(signed or 0)
    entry_rows = db.session.execute(
        select(Employee.unit_id, func.count(DevelopmentEntry.id))
        .join(Employee, Employee.id == DevelopmentEntry.employee_id)
        .where(
            DevelopmentEntry.status == "completed",
            DevelopmentEntry.completed_at >= start,
            DevelopmentEntry.completed_at < end,
        )
        .group_by(Employee.unit_id)
    )
    for unit_id, count in entry_rows:
        bucket(unit_id).entries_completed = count
    units = db.session.scalars(select(Unit).order_by(Unit.path)).all()
    by_path = {u.path: Completion() for u in units}
    for unit in units:
        figures = own.get(unit.id)
        if figures is None:
            continue
        for ancestor in _ancestor_paths(unit.path):
            if ancestor in by_path:
                by_path[ancestor].add(figures)
    return units, {u.id: by_path[u.path] for u in units}
