"""A plan's goals and measures for download: ``goals.csv``, ``measures.csv`` and ``plan.xlsx`` (both sheets).

Readable by every logged-in user, as the plan page is; an unknown plan is a
404. The tables come from :mod:`.exports`, which hides small figures the way
the page does.
"""
from flask import abort
from flask_login import current_user

from .. import access
from . import bp, exports
from .pages import load_plan


def _plan_or_404(plan_id):
    plan = load_plan(plan_id)
    if plan is None:
        abort(404)
    return plan


@bp.get("/plans/<int:plan_id>/goals.csv")
@access.allow()
def goals_csv(plan_id):
    """The plan's goals as CSV: target, current value, verdict and reached value."""
    return exports.goals_csv(_plan_or_404(plan_id), current_user)


@bp.get("/plans/<int:plan_id>/measures.csv")
@access.allow()
def measures_csv(plan_id):
    """The plan's measures as CSV: responsible, period, participants, cost and status."""
    return exports.measures_csv(_plan_or_404(plan_id))


@bp.get("/plans/<int:plan_id>/plan.xlsx")
@access.allow()
def plan_xlsx(plan_id):
    """Goals and measures as an Excel workbook, a sheet each."""
    return exports.plan_xlsx(_plan_or_404(plan_id), current_user)
