"""Pages: the gap matrix (``/gaps``), its exports, and the people behind a cell.

Thin views: the form reads the query string, :func:`heatmap.build_level`
computes the level, the template draws it. Exports go through the same
function, so a download holds exactly what the page shows.
"""
from datetime import date

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField
from wtforms.validators import ValidationError

from .. import access
from ..extensions import db
from ..org.models import Unit
from . import bp
from .exports import csv_response, xlsx_response
from .gaps import MAX_HORIZON, gap_viewer, held_records, holders_page, horizon_date, non_holders_page
from .heatmap import COLOUR_BY, LevelNotFound, areas, build_level, legend
from .models import Competence, Requirement
from .profile import SOURCE_LABELS

GAP_ROLES = ("hr", "leader", "politician", "representative")
PEOPLE_PER_PAGE = 100
DEFAULT_HORIZON = 5


def horizon_choices():
    """0 (now) to 10 years, as the horizon select offers them."""
    return [(0, _l("Now")), (1, _l("In 1 year"))] + [
        (years, _l("In %(years)s years", years=years)) for years in range(2, MAX_HORIZON + 1)
    ]


def _whole_number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # left as it came, so the choice check names the field


class GapFilterForm(FlaskForm):
    """What the matrix shows: which level, how far ahead, what colours it."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    unit_id = HiddenField()
    horizon_years = SelectField(
        _l("Horizon"),
        coerce=_whole_number,
        default=DEFAULT_HORIZON,
        validate_choice=True,
    )
    colour_by = SelectField(_l("Colour the cells by"), default="now")
    area_id = SelectField(_l("Competence area"), coerce=_whole_number, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.horizon_years.choices = horizon_choices()
        self.horizon_years.pre_validate = self._check_horizon
        self.colour_by.choices = [("now", _l("Gap now")), ("horizon", _l("Gap at the horizon"))]
        self.colour_by.pre_validate = self._check_colour
        self.area_id.choices = [("", _l("All areas"))] + [(a.id, a.name) for a in areas()]
        self.area_id.pre_validate = self._check_area

    # WTForms' own message ("Not a valid choice") would not say what to do.
    def _check_horizon(self, form):
        if self.horizon_years.data not in range(MAX_HORIZON + 1):
            raise ValidationError(_("Choose a horizon from now to %(max)s years.", max=MAX_HORIZON))

    def _check_colour(self, form):
        if self.colour_by.data not in COLOUR_BY:
            raise ValidationError(_("Choose whether the gap now or at the horizon colours the cells."))

    def _check_area(self, form):
        if self.area_id.data not in [value for value, _label in self.area_id.choices]:
            raise ValidationError(_("Choose a competence area from the list."))

    def chosen_unit_id(self):
        """The unit asked for, ``None`` for the top, or ``False`` for garbage."""
        raw = (self.unit_id.data or "").strip()
        if not raw:
            return None
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else False


def _read_filters():
    """The filter form from the query string; aborts 400 with the page when it is wrong."""
    form = GapFilterForm(formdata=request.args if request.args else None)
    if request.args and not form.validate():
        return form, None
    unit_id = form.chosen_unit_id()
    if unit_id is False:
        abort(404)
    area_id = form.area_id.data if isinstance(form.area_id.data, int) else None
    colour_by = form.colour_by.data if form.colour_by.data in COLOUR_BY else "now"
    try:
        level = build_level(gap_viewer(current_user), unit_id, form.horizon_years.data, colour_by, area_id)
    except LevelNotFound:
        abort(404)
    return form, level


def _query_args(level, form, **changes):
    """The current filters as query arguments, for links that keep them."""
    args = {
        "horizon_years": form.horizon_years.data,
        "colour_by": form.colour_by.data,
        "area_id": form.area_id.data if isinstance(form.area_id.data, int) else None,
    }
    if level is not None and level.unit is not None:
        args["unit_id"] = level.unit.id
    args.update(changes)
    return {k: v for k, v in args.items() if v not in (None, "")}


@bp.route("/gaps")
@access.allow(*GAP_ROLES)
def gaps():
    """The unit x competence matrix of required versus held competence, now and at a horizon."""
    form, level = _read_filters()
    status = 400 if level is None else 200
    return (
        render_template(
            "competence/gaps.html",
            form=form,
            level=level,
            legend=legend(level.suppressed) if level else [],
            args=lambda **changes: _query_args(level, form, **changes),
            top_label=_("All my units") if _leader_only() else _("All service areas"),
        ),
        status,
    )


def _leader_only():
    return not current_user.has_role("hr", "politician", "representative")


@bp.route("/gaps.csv")
@access.allow(*GAP_ROLES)
def gaps_csv():
    """The figures on screen as CSV."""
    form, level = _read_filters()
    if level is None:
        abort(400)
    return csv_response(level)


@bp.route("/gaps.xlsx")
@access.allow(*GAP_ROLES)
def gaps_xlsx():
    """The figures on screen as an Excel workbook."""
    form, level = _read_filters()
    if level is None:
        abort(400)
    return xlsx_response(level)


class PeopleForm(GapFilterForm):
    """The filters of the people page: the cell's unit and competence, plus the horizon."""

    competence_id = HiddenField()


@bp.route("/gaps/people")
@access.allow("hr", "leader")
def gap_people():
    """Who holds a required competence in a unit, and who does not: hr and the unit's leaders only."""
    viewer = gap_viewer(current_user)
    unit = _number_arg("unit_id", lambda i: db.session.get(Unit, i))
    competence = _number_arg("competence_id", lambda i: db.session.get(Competence, i))
    if unit is None or competence is None or not viewer.sees_people_of(unit):
        abort(404)
    raw_horizon = request.args.get("horizon_years", str(DEFAULT_HORIZON))
    if not (raw_horizon.isascii() and raw_horizon.isdigit() and int(raw_horizon) <= MAX_HORIZON):
        abort(400)
    horizon_years = int(raw_horizon)
    requirements = list(
        db.session.scalars(
            select(Requirement)
            .where(Requirement.unit_id == unit.id, Requirement.competence_id == competence.id)
            .order_by(Requirement.profession.is_not(None), Requirement.profession, Requirement.id)
        )
    )
    if not requirements:
        abort(404)
    chosen = _chosen_requirement(requirements)
    today = date.today()
    holders = holders_page(chosen, _page_arg("page"), PEOPLE_PER_PAGE, horizon_years, today)
    others = non_holders_page(chosen, _page_arg("others_page"), PEOPLE_PER_PAGE, today)
    records = held_records([e.id for e in others.items], competence.id)
    sources = held_records([row[0].id for row in holders.items], competence.id)
    return render_template(
        "competence/gaps_people.html",
        unit=unit,
        competence=competence,
        requirements=requirements,
        chosen=chosen,
        holders=holders,
        others=others,
        records=records,
        sources=sources,
        source_labels=SOURCE_LABELS,
        horizon_years=horizon_years,
        horizon=horizon_date(today, horizon_years),
        today=today,
    )


def _number_arg(name, load):
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) < 10):
        return None
    return load(int(raw))


def _page_arg(name):
    value = request.args.get(name, 1, type=int)
    return value if value and 0 < value < 10**6 else 1


def _chosen_requirement(requirements):
    wanted = request.args.get("requirement_id", type=int)
    return next((r for r in requirements if r.id == wanted), requirements[0])
