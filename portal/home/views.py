"""The user's own start page."""
from datetime import date

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, or_, select

from .. import access
from ..extensions import db
from ..figure_cache import cached
from ..org.models import RoleAssignment, Unit, User
from ..org.stats import figures_by_unit, shown_count
from . import bp
from .worklist import waiting_for


@bp.route("/")
@access.allow()
def index():
    """Greet the user with what waits for them and the overview their roles call for."""
    context = {"waiting": waiting_for(current_user)}
    if current_user.has_role("leader", "hr", "politician", "representative"):
        figures = unit_figures()
        led = set(current_user.led_unit_ids) if current_user.has_role("leader") else set()
        units = shown_units(led)
        context["service_areas"] = [
            {
                "unit": u,
                "headcount": shown_count(figures[u.id].headcount, current_user),
                "figures": figures[u.id],
            }
            for u in units
            if u.is_service_area
        ]
        context["total"] = sum(figures[u.id].headcount for u in units if u.is_service_area)
        if led:
            context["led_units"] = [(u, figures[u.id]) for u in units if u.id in led]
    if current_user.has_role("admin"):
        context["role_counts"] = dict(
            db.session.execute(
                select(RoleAssignment.role, func.count(func.distinct(RoleAssignment.user_id))).group_by(
                    RoleAssignment.role
                )
            ).all()
        )
        context["user_count"] = db.session.scalar(select(func.count(User.id)))
    return render_template("home/index.html", **context)


def unit_figures():
    """Today's :func:`~portal.org.stats.figures_by_unit` by unit id, reused for a few seconds.

    The figures read every employee; the page needs only a handful of
    units, loaded by :func:`shown_units`. See :mod:`portal.figure_cache`.
    """
    def compute():
        units, figures = figures_by_unit(today)
        return {u.id: figures[u.id] for u in units}

    today = date.today()
    return cached(("unit_figures", today), compute)


def shown_units(led):
    """The service areas and the units in ``led``, in the tree's order."""
    return db.session.scalars(
        select(Unit).where(or_(Unit.parent_id.is_(None), Unit.id.in_(led))).order_by(Unit.path)
    ).all()
