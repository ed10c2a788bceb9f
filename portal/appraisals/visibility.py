"""Who may see an appraisal: the employee and the leaders of their unit, nobody else.

hr, representatives, politicians and leaders of other units get 404, as if
the appraisal did not exist (the contract: never reveal that a confidential
object exists). Each rule is a SQL condition, so lists stay one query.
"""
from flask import abort
from sqlalchemy import false, or_, select

from ..extensions import db
from ..org.models import Employee, Unit
from ..org.visibility import led_unit_paths, under_paths
from .models import Appraisal, DevelopmentEntry


def employee_rows_condition(user, employee_column):
    """SQL condition on ``employee_column``: the row is about ``user`` or someone in a unit they lead."""
    if not getattr(user, "is_authenticated", False):
        return false()
    conditions = []
    if user.employee_id:
        conditions.append(employee_column == user.employee_id)
    paths = led_unit_paths(user) if user.has_role("leader") else []
    if paths:
        led = select(Employee.id).join(Unit, Unit.id == Employee.unit_id).where(under_paths(paths))
        conditions.append(employee_column.in_(led))
    return or_(*conditions) if conditions else false()


def visible_appraisals(user):
    """A select of the appraisals ``user`` may see."""
    return select(Appraisal).where(employee_rows_condition(user, Appraisal.employee_id))


def appraisal_or_404(appraisal_id, user):
    """Load one appraisal the user may see, or abort with 404."""
    appraisal = db.session.scalar(visible_appraisals(user).where(Appraisal.id == appraisal_id))
    if appraisal is None:
        abort(404)
    return appraisal


def visible_entries(user):
    """A select of the development entries ``user`` may see (their own, their staff's)."""
    return select(DevelopmentEntry).where(employee_rows_condition(user, DevelopmentEntry.employee_id))
