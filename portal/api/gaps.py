"""API endpoints for the gap figures: per requirement as JSON, and the page's exports.

Who sees what is :func:`competence.gaps.gap_viewer`, as on ``/gaps``: hr all
of it, a leader the requirements of their own units (another unit is a 404,
never revealing it), politicians and representatives all of it with every
figure about fewer than 5 people ``null``.

Paging: the order of the requirements in view and every requirement's
figures are kept a few seconds in the figure cache (``portal.figure_cache``,
see :func:`gaps.requirement_gaps`), so a client paging through costs about
one count of everything (bench/gaps.py); with the cache off each page counts
only its own competences. Aggregates-only callers need the tree of the
page's competences over the whole municipality to hide figures
consistently; it is built afresh for every request and the page cut out.
"""
from flask import jsonify, request

from .. import access
from ..access import current_principal
from ..competence.exports import csv_response, xlsx_response
from ..competence.gaps import (
    MAX_HORIZON,
    gap_viewer,
    load_tree,
    requirement_gaps,
    requirement_competences,
    requirements_in_view,
    unit_outline,
)
from ..competence.heatmap import COLOUR_BY, LevelNotFound, build_level
from ..competence.models import CompetenceArea
from ..extensions import db
from ..figure_cache import cached
from ..org.models import Unit
from ..pagination import MAX_PAGE
from . import bp
from .errors import ApiError
from .openapi import ERRORS, ID_SCHEMA, PAGE_PARAMS, _get, _json, _page_of
from .params import id_arg, int_arg, page_args

GAP_ROLES = ("hr", "leader", "politician", "representative")


def _scope():
    """The caller's viewer, the unit asked for (checked) and the horizon."""
    viewer = gap_viewer(current_principal())
    horizon_years = int_arg("horizon_years", 0, minimum=0, maximum=MAX_HORIZON)
    unit_id = id_arg("unit_id")
    unit = None
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            raise ApiError(422, "unit_id names no unit", {"unit_id": "unknown unit"})
        if not viewer.sees_unit(unit):
            raise ApiError(404)
    return viewer, unit, horizon_years


@bp.get("/gaps")
@access.allow(*GAP_ROLES)
def gaps():
    """Required versus held competence per requirement, now and ``horizon_years`` ahead."""
    viewer, unit, horizon_years = _scope()
    page, per_page = page_args()
    paths = [unit.path] if unit else viewer.unit_paths
    # The order of every requirement in view, kept a few seconds like the figures: a client paging
    # through gets each page by slicing, without counting and sorting all requirements again.
    ordered = cached(
        ("gap-requirement-order", tuple(paths) if paths is not None else None),
        lambda: list(db.session.scalars(requirements_in_view(paths))),
    )
    start = (min(page, MAX_PAGE) - 1) * per_page
    ids = ordered[start : start + per_page]
    items = _figures(viewer, ids, horizon_years) if ids else []
    return jsonify({"items": [row.as_dict() for row in items], "total": len(ordered), "page": page, "per_page": per_page})


def _figures(viewer, requirement_ids, horizon_years):
    """The GapRows of one page of requirements, in the page's order.

    Aggregates-only callers: a figure is hidden depending on the other units
    with the same competence, so every requirement on the page's
    competences is counted and the tree built before the page is cut out.
    """
    if viewer.suppress:
        units_by_id = unit_outline()
        of = requirement_competences()
        competence_ids = sorted({of[rid] for rid in requirement_ids if rid in of})
        rows = load_tree(viewer, units_by_id, horizon_years, competence_ids=competence_ids).requirement_rows()
    else:
        rows = requirement_gaps(None, horizon_years, requirement_ids=requirement_ids)
    wanted = {rid: i for i, rid in enumerate(requirement_ids)}
    return sorted((r for r in rows if r.requirement_id in wanted), key=lambda r: wanted[r.requirement_id])


def _level():
    viewer, unit, horizon_years = _scope()
    colour_by = request.args.get("colour_by") or "now"
    if colour_by not in COLOUR_BY:
        raise ApiError(422, "colour_by must be now or horizon", {"colour_by": "not now or horizon"})
    area_id = id_arg("area_id")
    if area_id is not None and db.session.get(CompetenceArea, area_id) is None:
        raise ApiError(422, "area_id names no competence area", {"area_id": "unknown area"})
    try:
        return build_level(viewer, unit.id if unit else None, horizon_years, colour_by, area_id)
    except LevelNotFound:
        raise ApiError(404) from None


@bp.get("/gaps.csv")
@access.allow(*GAP_ROLES)
def gaps_csv():
    """The gap matrix of one level, as ``/gaps.csv`` on the pages gives it."""
    return csv_response(_level())


@bp.get("/gaps.xlsx")
@access.allow(*GAP_ROLES)
def gaps_xlsx():
    """The gap matrix of one level as an Excel workbook."""
    return xlsx_response(_level())


# --- OpenAPI ------------------------------------------------------------------------

_NULLABLE_COUNT = {"type": ["integer", "null"], "minimum": 0}
_SCOPE_PARAMS = [
    {
        "name": "unit_id",
        "in": "query",
        "description": "Only requirements on this unit and the units below it. A unit outside "
        "a leader's own units answers 404.",
        "schema": ID_SCHEMA,
    },
    {
        "name": "horizon_years",
        "in": "query",
        "description": "How many years ahead the horizon figures look (0 = today).",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_HORIZON, "default": 0},
    },
]
_EXPORT_PARAMS = _SCOPE_PARAMS + [
    {"name": "area_id", "in": "query", "description": "Only competences of this area.", "schema": ID_SCHEMA},
    {"name": "colour_by", "in": "query", "schema": {"type": "string", "enum": list(COLOUR_BY)}},
]


def _file(media_type, description):
    return {
        "summary": description,
        "parameters": _EXPORT_PARAMS,
        "responses": {
            "200": {"description": "The file", "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}},
            **{code: ERRORS[code] for code in ("401", "403", "404", "422")},
        },
    }


OPENAPI_PATHS = {
    "/gaps": {
        "get": _get(
            "Gap figures per requirement (by competence, then down the unit tree), now and at the "
            "horizon. Politicians and representatives "
            "get null for every figure about fewer than 5 people (and figures it could be worked "
            "out from).",
            _json(_page_of("Gap")),
            PAGE_PARAMS + _SCOPE_PARAMS,
            ("401", "403", "404", "422"),
        )
    },
    "/gaps.csv": {
        "get": _file(
            "text/csv",
            "The gap matrix of one unit level as CSV (one line per unit and competence; row 1 in the "
            "caller's language, row 2 fixed column names)",
        )
    },
    "/gaps.xlsx": {
        "get": _file(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "The gap matrix of one unit level as an XLSX workbook, laid out as the CSV",
        )
    },
}

OPENAPI_SCHEMAS = {
    "Gap": {
        "type": "object",
        "required": [
            "requirement_id", "unit_id", "competence_id", "min_level", "required", "holders_now",
            "gap_now", "retiring_by_horizon", "holders_at_horizon", "gap_at_horizon",
        ],
        "properties": {
            "requirement_id": {"type": "integer"},
            "unit_id": {"type": "integer"},
            "competence_id": {"type": "integer"},
            "profession": {"type": ["string", "null"], "description": "Only people of this profession count"},
            "min_level": {"type": "integer", "minimum": 1},
            "required": {"type": "integer", "minimum": 1},
            "holders_now": _NULLABLE_COUNT,
            "gap_now": _NULLABLE_COUNT,
            "retiring_by_horizon": _NULLABLE_COUNT,
            "holders_at_horizon": _NULLABLE_COUNT,
            "gap_at_horizon": _NULLABLE_COUNT,
        },
    }
}
