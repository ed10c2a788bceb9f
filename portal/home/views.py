"""The user's own start page."""
from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from .. import access
from ..extensions import db
from ..org.models import RoleAssignment, User
from ..org.stats import figures_by_unit, shown_count
from . import bp
from .worklist import waiting_for


@bp.route("/")
@access.allow()
def index():
    """Greet the user with what waits for them and the overview their roles call for."""
    context = {"waiting": waiting_for(current_user)}
    if current_user.has_role("leader", "hr", "politician", "representative"):
        units, figures = figures_by_unit()
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
        if current_user.has_role("leader"):
            led = set(current_user.led_unit_ids)
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
