"""Which employees a user may see: the object-level half of the access policy.

The rules, from the domain guide: a person sees themselves; a leader sees the
staff of the units they lead and all units below; hr sees everyone's
competence data. Administration, politicians and representatives see no
personal data. Each rule is a SQL condition, so lists stay one query.
"""
from flask import abort
from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import contains_eager

from ..extensions import db
from .models import Employee, Unit


def led_unit_paths(user):
    """Return the tree paths of the units ``user`` leads."""
    ids = user.led_unit_ids
    if not ids:
        return []
    return list(db.session.scalars(select(Unit.path).where(Unit.id.in_(ids))))


def under_paths(paths):
    """SQL condition: the unit lies in one of the subtrees rooted at ``paths``."""
    if not paths:
        return false()
    return or_(*(Unit.path.startswith(p, autoescape=True) for p in paths))


def employee_condition(user):
    """SQL condition on Employee (joined with Unit) for the rows ``user`` may see."""
    if not getattr(user, "is_authenticated", False):
        return false()
    if user.has_role("hr"):
        return true()
    conditions = []
    if user.employee_id:
        conditions.append(Employee.id == user.employee_id)
    paths = led_unit_paths(user)
    if paths:
        conditions.append(under_paths(paths))
    return or_(*conditions) if conditions else false()


def visible_employees(user):
    """A select of the employees ``user`` may see, joined with their unit."""
    return (
        select(Employee)
        .join(Employee.unit)
        .options(contains_eager(Employee.unit))
        .where(employee_condition(user))
    )


def get_visible_employee(employee_id, user):
    """Load one employee or abort with 404, never revealing who exists."""
    stmt = visible_employees(user).where(Employee.id == employee_id)
    employee = db.session.scalars(stmt).first()
    if employee is None:
        abort(404)
    return employee


def visible_units(user):
    """A select of the units whose staff ``user`` may list (all for hr)."""
    stmt = select(Unit)
    if user.has_role("hr"):
        return stmt
    return stmt.where(under_paths(led_unit_paths(user)))
