"""The workforce figures of ``/workforce`` as CSV and XLSX (``/workforce.csv``, ``/workforce.xlsx``).

Same query arguments, same access and same hidden figures as the page: the
filters are read by the page's own ``_read_filters``, the scope by
:func:`.workforce.scope_for` and the figures by :func:`.workforce.shown_figures`,
so a download never holds more than the page shows. A politician or
representative gets an empty cell, and the note "Not shown: fewer than 5
people", wherever the page says "fewer than 5".

One table in long form (one figure per row), so a script can filter it by
``section`` and a person can read it top to bottom: the scope, the key
figures, the age bands, retirements per year, part-time per profession,
turnover per profession and year, and the retirement ages used.
"""
from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import access
from ..org.stats import MIN_GROUP
from ..reports import files, tabular
from . import bp
from .views_workforce import SOURCE_LABELS, VIEWERS, _read_filters, workforce_page
from .workforce import NotVisible, band_label, professions_in_view, scope_for, selectable_units, shown_figures, workforce

COLUMNS = tabular.columns(
    ("section", _l("Section code")),
    ("section_name", _l("Section")),
    ("item", _l("Figure code")),
    ("label", _l("Figure")),
    ("profession", _l("Profession")),
    ("year", _l("Year"), "int"),
    ("people", _l("People"), "int"),
    ("out_of", _l("Out of"), "int"),
    ("share", _l("Share"), "percent"),
    ("value", _l("Value"), "decimal"),
    ("note", _l("Note")),
)
SECTIONS = {
    "scope": _l("Selection"),
    "key_figures": _l("Key figures"),
    "age_bands": _l("Employees by age"),
    "retirements": _l("Reaching retirement age per year"),
    "part_time": _l("Position sizes per profession"),
    "turnover": _l("Turnover per profession"),
    "retirement_ages": _l("Retirement ages used"),
}


def hidden_note():
    return _("Not shown: fewer than 5 people")


def workforce_table(raw, figures, detailed, scope_label, profession):
    """The figures as one :class:`~portal.reports.tabular.Table`; ``figures`` from :func:`shown_figures`."""
    table = tabular.Table(_("Workforce"), COLUMNS)

    def add(section, item, label, hidden=False, **values):
        table.add(
            section=section,
            section_name=str(SECTIONS[section]),
            item=item,
            label=label,
            note=hidden_note() if hidden else None,
            **values,
        )

    add("scope", "unit", scope_label)
    add("scope", "profession", profession or _("All professions"))
    add("scope", "as_of", _("Figures on %(date)s", date=raw.today.isoformat()))
    add("scope", "horizon_years", _("Years ahead"), value=figures["horizon_years"])

    headcount = figures["headcount"]
    add("key_figures", "headcount", _("Employees today"), headcount is None, people=headcount)
    part_time = figures["part_time"]
    add(
        "key_figures",
        "part_time",
        _("Working part-time"),
        part_time is None,
        people=part_time,
        out_of=headcount,
        share=figures["part_time_share"],
    )
    average = figures["average_position_percent"]
    add(
        "key_figures",
        "average_position_percent",
        _("Average position (%)"),
        average is None and raw.headcount > 0,
        value=average,
    )
    for key, label in (
        ("retirements_total", _("Reaching retirement age until %(year)d", year=raw.years[-1])),
        ("past_retirement_age", _("Already past the assumed retirement age and still working")),
    ):
        add("key_figures", key, label, figures[key] is None, people=figures[key])

    for band in figures["age_bands"]:
        add("age_bands", band["band"], band_label(band), band["count"] is None, people=band["count"])

    for row in figures["retirements_per_year"]:
        add("retirements", "retirements", str(row["year"]), row["count"] is None, year=row["year"], people=row["count"])

    for row in part_time_rows(raw, detailed):
        add("part_time", "part_time", _("Working part-time"), row["hidden"], profession=row["profession"],
            people=row["part_time"], out_of=row["headcount"], share=row["share"], value=row["average"])

    for row in figures["turnover"]:
        hidden = row["leavers"] is None or row["headcount"] is None
        add("turnover", "turnover", _("Leavers against employed 1 January"), hidden, profession=row["profession"],
            year=row["year"], people=row["leavers"], out_of=row["headcount"], share=row["rate"])
    for row in figures["turnover_total"]:
        hidden = row["leavers"] is None or row["headcount"] is None
        add("turnover", "turnover_total", _("All professions"), hidden, year=row["year"], people=row["leavers"],
            out_of=row["headcount"], share=row["rate"])

    for row in figures["retirement_ages"]:
        add("retirement_ages", row["source"], str(SOURCE_LABELS[row["source"]]), profession=row["profession"],
            value=row["age"])
    return table


def part_time_rows(raw, detailed):
    """Headcount, part-timers, share and average position per profession, as a viewer may see them.

    The page shows part-time for the whole selection only; per profession a
    group gets small quickly, so for aggregate-only viewers a profession's row
    is left empty when its headcount, its part-timers or its full-timers are 1
    to 4 people. If only one row were empty, it could be worked out from the
    totals, so the smallest other row is emptied with it.
    """
    rows = []
    for p in raw.professions:
        full_time = p.headcount - p.part_time
        small = any(0 < n < MIN_GROUP for n in (p.headcount, p.part_time, full_time))
        rows.append({"figures": p, "hidden": not detailed and small})
    if not detailed and sum(r["hidden"] for r in rows) == 1 and not 0 < raw.headcount < MIN_GROUP:
        others = [r for r in rows if not r["hidden"] and r["figures"].headcount > 0]
        if others:
            min(others, key=lambda r: r["figures"].headcount)["hidden"] = True
    out = []
    for row in rows:
        p, hidden = row["figures"], row["hidden"]
        out.append(
            {
                "profession": p.profession,
                "hidden": hidden,
                "headcount": None if hidden else p.headcount,
                "part_time": None if hidden else p.part_time,
                "share": None if hidden or not p.headcount else round(p.part_time / p.headcount, 4),
                "average": None if hidden or not p.headcount else round(p.percent_sum / p.headcount, 1),
            }
        )
    return out


def scope_label(user, unit):
    """What the figures cover, in words: the unit, or the whole municipality / all the leader's units."""
    if unit is not None:
        return _("%(unit)s, sub-units included", unit=unit.name)
    if user.has_role("hr", "politician", "representative"):
        return _("Whole municipality")
    return _("All my units")


def filename(unit, today, extension):
    """``arbeidsstyrke-HO-HJEM-2026-11-25.csv``; without a unit ``arbeidsstyrke-2026-11-25.csv``."""
    code = tabular.safe_name(unit.code) if unit is not None else ""
    return f"arbeidsstyrke-{code + '-' if code else ''}{today.isoformat()}.{extension}"


def export(user, unit, profession, horizon, extension):
    """The download for ``user``; raises NotVisible as :func:`scope_for` does."""
    scope, detailed = scope_for(user, unit, profession)
    raw = workforce(scope, horizon)
    figures = shown_figures(raw, detailed)
    table = workforce_table(raw, figures, detailed, scope_label(user, unit), profession)
    body = tabular.to_csv(table) if extension == "csv" else tabular.to_xlsx(table)
    return files.download(body, extension, filename(unit, raw.today, extension), private=True)


def _download(extension):
    units = selectable_units(current_user)
    professions = professions_in_view(current_user)
    unit, profession, horizon, _text, errors = _read_filters(units, professions)
    if errors:
        return workforce_page()  # the page with the fields marked, status 422
    try:
        return export(current_user, unit, profession, horizon, extension)
    except NotVisible:
        abort(404)


@bp.route("/workforce.csv")
@access.allow(*VIEWERS)
def workforce_csv():
    """The figures of /workforce as CSV, with the same filters and hidden figures."""
    return _download("csv")


@bp.route("/workforce.xlsx")
@access.allow(*VIEWERS)
def workforce_xlsx():
    """The figures of /workforce as an Excel workbook."""
    return _download("xlsx")
