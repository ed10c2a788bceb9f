"""Export files in the API: the workforce figures and a plan's goals and measures as CSV / XLSX.

The same files as the pages give (same builders, same hidden figures), with
the API's way of reading parameters: every bad one named in one 422, a unit
outside a leader's own units a 404, as on ``GET /workforce``.
"""
from .. import access
from ..access import current_principal
from ..competence.views_exports import export as workforce_export
from ..competence.workforce import NotVisible
from ..plans import exports as plan_exports
from . import bp
from .errors import ApiError
from .openapi import ERRORS, _id_param, operation
from .params import ID
from .plans import _plan_or_404
from .workforce import OPENAPI_PATHS as WORKFORCE_PATHS
from .workforce import _read_params

WORKFORCE_ROLES = ("hr", "leader", "politician", "representative")


def _workforce(extension):
    unit, profession, horizon = _read_params()
    try:
        return workforce_export(current_principal(), unit, profession, horizon, extension)
    except NotVisible:
        raise ApiError(404) from None


@bp.get("/workforce.csv")
@access.allow(*WORKFORCE_ROLES)
def workforce_csv():
    """The workforce figures as CSV, laid out as the page's download."""
    return _workforce("csv")


@bp.get("/workforce.xlsx")
@access.allow(*WORKFORCE_ROLES)
def workforce_xlsx():
    """The workforce figures as an XLSX workbook."""
    return _workforce("xlsx")


@bp.get(f"/plans/<{ID}:plan_id>/goals.csv")
@access.allow()
def plan_goals_csv(plan_id):
    """A plan's goals as CSV."""
    return plan_exports.goals_csv(_plan_or_404(plan_id), current_principal())


@bp.get(f"/plans/<{ID}:plan_id>/measures.csv")
@access.allow()
def plan_measures_csv(plan_id):
    """A plan's measures as CSV."""
    return plan_exports.measures_csv(_plan_or_404(plan_id))


@bp.get(f"/plans/<{ID}:plan_id>/plan.xlsx")
@access.allow()
def plan_xlsx(plan_id):
    """A plan's goals and measures as an XLSX workbook with two sheets."""
    return plan_exports.plan_xlsx(_plan_or_404(plan_id), current_principal())


# --- OpenAPI ------------------------------------------------------------------------

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LAYOUT = "Row 1 holds the column headers in the caller's language, row 2 fixed column names for scripts."


def _file(media_type, description):
    return {"description": description, "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}


def _workforce_operation(media_type, what):
    return operation(
        f"The workforce figures of GET /workforce as {what}, one figure per row (section, figure, profession, "
        f"year, people, out of, share, value, note). {LAYOUT} Politicians and representatives get an empty "
        "cell and the note \"Not shown: fewer than 5 people\" for any figure about fewer than 5 people.",
        WORKFORCE_PATHS["/workforce"]["get"]["parameters"],
        {
            "200": _file(media_type, "The file (attachment arbeidsstyrke-[unit code-]YYYY-MM-DD, not cached)"),
            **{code: ERRORS[code] for code in ("401", "403", "404", "422")},
        },
    )


def _plan_operation(media_type, summary, name):
    return operation(
        f"{summary} {LAYOUT} Readable by every caller; values about fewer than 5 people are empty, with a note, "
        "for callers who see aggregates only.",
        [_id_param("plan_id")],
        {
            "200": _file(media_type, f"The file (attachment {name}, not cached)"),
            "401": ERRORS["401"],
            "404": ERRORS["404"],
        },
    )


OPENAPI_PATHS = {
    "/workforce.csv": {"get": _workforce_operation(CSV, "CSV")},
    "/workforce.xlsx": {"get": _workforce_operation(XLSX, "an XLSX workbook")},
    "/plans/{plan_id}/goals.csv": {
        "get": _plan_operation(
            CSV,
            "A plan's goals as CSV: target, value when set, current value, target date, verdict, reached value.",
            "kompetanseplan-<id>-maal.csv",
        )
    },
    "/plans/{plan_id}/measures.csv": {
        "get": _plan_operation(
            CSV,
            "A plan's measures as CSV: goal, kind, strategy, responsible, period, participants, cost, grants, status.",
            "kompetanseplan-<id>-tiltak.csv",
        )
    },
    "/plans/{plan_id}/plan.xlsx": {
        "get": _plan_operation(
            XLSX, "A plan's goals and measures as an XLSX workbook, a sheet each.", "kompetanseplan-<id>.xlsx"
        )
    },
}
OPENAPI_SCHEMAS = {}
