"""Pages: workforce figures (/workforce) and hr's retirement-age settings.

Thin: the filters are read and checked here, the figures come from
``workforce``, the charts from ``charts``. A leader asking for a unit they do
not lead gets the same 404 as for a unit that does not exist.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import access
from ..extensions import db
from . import bp
from .charts import bar_chart, column_chart
from .retirement import (
    DEFAULT_AGE,
    MAX_SETTING,
    MIN_SETTING,
    SOURCE_DEFAULT,
    SOURCE_SETTING,
    SOURCE_SPECIAL,
    RetirementAgeError,
    reset_age,
    set_age,
)
from .workforce import (
    DEFAULT_HORIZON,
    MAX_HORIZON,
    MIN_HORIZON,
    NotVisible,
    band_label,
    is_known_profession,
    profession_ages,
    professions_in_view,
    scope_for,
    selectable_units,
    shown_figures,
    workforce,
)

VIEWERS = ("hr", "leader", "politician", "representative")
CHART_HIDDEN = "< 5"

SOURCE_LABELS = {
    SOURCE_DEFAULT: _l("Default"),
    SOURCE_SPECIAL: _l("Special age limit"),
    SOURCE_SETTING: _l("Set by HR"),
}


def _read_filters(units, professions):
    """The chosen unit, profession and horizon, or errors naming the field.

    An unknown unit, or one the user may not pick, is a 404; a bad horizon or
    profession is a message next to that field.
    """
    errors = {}
    unit = None
    raw_unit = request.args.get("unit_id", "")
    if raw_unit:
        unit = next((u for u in units if str(u.id) == raw_unit), None)
        if unit is None:
            abort(404)
    profession = request.args.get("profession", "")
    if profession and profession not in professions:
        errors["profession"] = _("Choose a profession from the list.")
    raw_horizon = request.args.get("horizon_years", "").strip()
    horizon = DEFAULT_HORIZON
    if raw_horizon:
        if raw_horizon.isascii() and raw_horizon.isdigit() and MIN_HORIZON <= int(raw_horizon) <= MAX_HORIZON:
            horizon = int(raw_horizon)
        else:
            errors["horizon_years"] = _(
                "Years ahead: enter a whole number from %(low)d to %(high)d.", low=MIN_HORIZON, high=MAX_HORIZON
            )
    return unit, profession, horizon, raw_horizon or str(horizon), errors


@bp.route("/workforce")
@access.allow(*VIEWERS)
def workforce_page():
    """Age bands, retirements ahead, position sizes and turnover for a unit or profession."""
    units = selectable_units(current_user)
    professions = professions_in_view(current_user)
    unit, profession, horizon, horizon_text, errors = _read_filters(units, professions)
    context = {
        "units": units,
        "professions": professions,
        "chosen_unit": unit,
        "chosen_profession": profession,
        "horizon_text": horizon_text,
        "errors": errors,
        "min_horizon": MIN_HORIZON,
        "max_horizon": MAX_HORIZON,
        "wide": current_user.has_role("hr", "politician", "representative"),
        "source_labels": SOURCE_LABELS,
        "default_age": DEFAULT_AGE,
    }
    if errors:
        return render_template("competence/workforce.html", **context), 422
    try:
        scope, detailed = scope_for(current_user, unit, profession)
    except NotVisible:
        abort(404)
    raw = workforce(scope, horizon)
    figures = shown_figures(raw, detailed)
    context.update(figures=figures, detailed=detailed, horizon=horizon, today=raw.today, **_charts(figures))
    return render_template("competence/workforce.html", **context)


def _charts(figures):
    bands = [(band_label(b), b["count"]) for b in reversed(figures["age_bands"])]
    years = [(str(r["year"]), r["count"]) for r in figures["retirements_per_year"]]
    return {
        "age_chart": bar_chart(
            "age-chart",
            _("Employees by age"),
            _("Bar chart of how many people work in each age band, oldest at the top. The table below has the same figures."),
            bands,
            CHART_HIDDEN,
        ),
        "retirement_chart": column_chart(
            "retirement-chart",
            _("Reaching retirement age per year"),
            _("Column chart of how many people reach their assumed retirement age in each year. The table below has the same figures."),
            years,
            CHART_HIDDEN,
        ),
        "band_labels": {b["band"]: band_label(b) for b in figures["age_bands"]},
        "turnover_rows": _turnover_rows(figures),
    }


def _turnover_rows(figures):
    """One table row per profession with its three years side by side (rows arrive profession, then year)."""
    rows = []
    for item in figures["turnover"]:
        if not rows or rows[-1]["profession"] != item["profession"]:
            rows.append({"profession": item["profession"], "years": []})
        rows[-1]["years"].append(item)
    return rows


# --- hr's retirement ages --------------------------------------------------------


@bp.route("/workforce/retirement-ages", methods=["GET"])
@access.allow("hr")
def retirement_ages():
    """Every profession with the age projections assume, and where that age comes from."""
    return _render_ages()


@bp.route("/workforce/retirement-ages", methods=["POST"])
@access.allow("hr")
def save_retirement_age():
    """Set or reset the assumed leaving age of one profession."""
    profession = request.form.get("profession", "").strip()
    action = request.form.get("action", "save")
    if action not in ("save", "reset"):
        return _render_ages(summary=_("Choose whether to save or reset the age.")), 422
    try:
        if not profession or not is_known_profession(profession):
            raise RetirementAgeError("profession", "unknown")
        if action == "reset":
            reset_age(profession)
        else:
            set_age(profession, request.form.get("age", ""))
        db.session.commit()
    except RetirementAgeError as error:
        db.session.rollback()
        if error.field == "profession":
            return _render_ages(summary=_("Choose a profession from the list.")), 422
        message = _(
            "Retirement age for %(profession)s: enter a whole number from %(low)d to %(high)d.",
            profession=profession,
            low=MIN_SETTING,
            high=MAX_SETTING,
        )
        return _render_ages(error_profession=profession, error=message, entered=request.form.get("age", "")), 422
    if action == "reset":
        flash(_("The retirement age for %(profession)s is back to its standard value.", profession=profession), "info")
    else:
        flash(_("The retirement age for %(profession)s is saved.", profession=profession), "info")
    return redirect(url_for("competence.retirement_ages"))


def _render_ages(summary=None, error_profession=None, error=None, entered=""):
    rows = profession_ages()
    error_row = next((i for i, row in enumerate(rows, start=1) if row.profession == error_profession), None)
    return render_template(
        "competence/workforce_retirement_ages.html",
        rows=rows,
        error_row=error_row,
        source_labels=SOURCE_LABELS,
        default_age=DEFAULT_AGE,
        min_age=MIN_SETTING,
        max_age=MAX_SETTING,
        summary=summary,
        error_profession=error_profession,
        error=error,
        entered=entered,
        setting=SOURCE_SETTING,
    )
