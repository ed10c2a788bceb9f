"""Pages for employees and the org structure."""
from datetime import date

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from .. import access
from ..extensions import db
from ..pagination import paginate, requested_page
from . import bp
from .models import Employee, Unit
from .stats import employed_on, figures_by_unit, shown_count
from .visibility import get_visible_employee, visible_employees, visible_units

PER_PAGE = 50


@bp.route("/employees")
@access.allow("hr", "leader")
def employees():
    """The staff the user may see, searchable and filtered by unit, one page at a time."""
    units = db.session.scalars(visible_units(current_user).order_by(Unit.path)).all()
    stmt = visible_employees(current_user)
    unit_id = request.args.get("unit_id", type=int)
    chosen = next((u for u in units if u.id == unit_id), None)
    if chosen is not None:
        stmt = stmt.where(Unit.path.startswith(chosen.path, autoescape=True))
    query = request.args.get("q", "").strip()
    if query:
        like = f"%{query}%"
        stmt = stmt.where(
            or_(
                Employee.first_name.ilike(like),
                Employee.last_name.ilike(like),
                Employee.employee_number == query,
            )
        )
    show_former = request.args.get("former") == "1"
    if not show_former:
        stmt = stmt.where(employed_on(date.today()))
    stmt = stmt.order_by(Employee.last_name, Employee.first_name, Employee.id)
    page = paginate(stmt, requested_page(), PER_PAGE)
    return render_template(
        "org/employees.html",
        page=page,
        units=units,
        chosen=chosen,
        query=query,
        show_former=show_former,
    )


@bp.route("/employees/<int:employee_id>")
@access.allow("employee", "hr", "leader")
def employee(employee_id):
    """One employee's profile, for themselves, their leaders and hr."""
    person = get_visible_employee(employee_id, current_user)
    return render_template("org/employee.html", person=person, today=date.today())


@bp.route("/units")
@access.allow()
def units():
    """The org tree with headcount and position size, small groups hidden where required."""
    all_units, figures = figures_by_unit()
    rows = [
        {
            "unit": unit,
            "headcount": shown_count(figures[unit.id].headcount, current_user),
            "average_percent": figures[unit.id].average_percent
            if shown_count(figures[unit.id].headcount, current_user) is not None
            else None,
        }
        for unit in all_units
    ]
    return render_template("org/units.html", rows=rows)


def unit_choices():
    """All units as (id, label) pairs, indented by depth, for select fields."""
    units = db.session.scalars(select(Unit).order_by(Unit.path)).all()
    return [SelectChoice(u.id, "\u2003" * u.depth + f"{u.name} ({u.code})") for u in units]
