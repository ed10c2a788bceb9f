"""The gap matrix on screen as CSV or XLSX: same level, horizon and hidden figures.

The first row is a header in the user's language, for people opening the
file; the second holds fixed column names, for scripts (read from the
second row, e.g. ``pandas.read_csv(f, header=1)``). One line per cell of
the matrix. A hidden figure is an empty cell with a note saying why.
"""
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..reports import files, tabular

COLUMNS = (
    ("unit_id", _l("Unit id")),
    ("unit_code", _l("Unit code")),
    ("unit_name", _l("Unit")),
    ("row_kind", _l("Row")),
    ("competence_id", _l("Competence id")),
    ("competence_code", _l("Competence code")),
    ("competence_name", _l("Competence")),
    ("min_level", _l("Minimum level")),
    ("required", _l("Required")),
    ("holders_now", _l("Holders now")),
    ("gap_now", _l("Gap now")),
    ("horizon_years", _l("Horizon (years)")),
    ("horizon_date", _l("Horizon date")),
    ("retiring_by_horizon", _l("Leaving by the horizon")),
    ("holders_at_horizon", _l("Holders at the horizon")),
    ("gap_at_horizon", _l("Gap at the horizon")),
    ("note", _l("Note")),
)
MACHINE_NAMES = tuple(name for name, _label in COLUMNS)


def header():
    """The column titles in the user's language."""
    return [str(label) for _name, label in COLUMNS]


def rows(level):
    """One list of values per matrix cell, in MACHINE_NAMES order; hidden figures are ``None``."""
    out = []
    for row, competence, figures, _leaf in level.figures():
        hidden = figures.hidden_now or figures.hidden_horizon
        values = {
            "unit_id": row.unit.id,
            "unit_code": row.unit.code,
            "unit_name": row.unit.name,
            "row_kind": "own" if row.own else "subtree",
            "competence_id": competence.id,
            "competence_code": competence.code,
            "competence_name": competence.name,
            "min_level": figures.min_level,
            "required": figures.required,
            "horizon_years": level.horizon_years,
            "horizon_date": level.horizon.isoformat(),
            "note": _("Not shown: fewer than 5 people") if hidden else "",
        }
        for name in ("holders_now", "gap_now", "retiring_by_horizon", "holders_at_horizon", "gap_at_horizon"):
            values[name] = figures.shown(name)
        out.append([values[name] for name in MACHINE_NAMES])
    return out


def filename(extension, today=None):
    """``kompetansegap-2026-11-01.csv``: the date tells versions apart."""
    return f"kompetansegap-{(today or date.today()).isoformat()}.{extension}"


def table(level):
    """The matrix as a :class:`~portal.reports.tabular.Table` (one sheet, titled "Gaps")."""
    return tabular.Table(_("Gaps"), tabular.columns(*COLUMNS), rows(level))


def to_csv(level):
    """The matrix as UTF-8 CSV with a byte-order mark, so spreadsheet programs read æøå right."""
    return tabular.to_csv(table(level))


def to_xlsx(level):
    """The matrix as an XLSX workbook (bytes): numbers stay numbers, the headers stay in view."""
    return tabular.to_xlsx(table(level))


def csv_response(level):
    return files.download(to_csv(level), "csv", filename("csv"))


def xlsx_response(level):
    return files.download(to_xlsx(level), "xlsx", filename("xlsx"))
