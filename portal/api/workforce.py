"""API endpoints: workforce figures (``GET /api/v1/workforce``).

The same figures as the /workforce page, from the same domain code. Every
bad parameter is named in one 422; a leader asking for a unit outside the
units they lead gets 404, as if it did not exist; politicians and
representatives get null wherever a figure would describe fewer than five
people.
"""
from flask import jsonify, request

from .. import access
from ..access import current_principal
from ..competence.retirement import PROFESSION_MAX_LENGTH, SOURCES
from ..competence.workforce import (
    AGE_BANDS,
    DEFAULT_HORIZON,
    MAX_HORIZON,
    MIN_HORIZON,
    NotVisible,
    scope_for,
    shown_figures,
    workforce,
)
from ..extensions import db
from ..org.models import Unit
from . import bp
from .errors import ApiError
from .openapi import ERRORS, ID_SCHEMA, _json, _ref
from .params import id_arg, int_arg


def _read_params():
    """unit_id, profession and horizon_years, or one 422 naming every bad one."""
    problems, values = {}, {}
    for name, read in (
        ("unit_id", lambda: id_arg("unit_id")),
        ("horizon_years", lambda: int_arg("horizon_years", DEFAULT_HORIZON, MIN_HORIZON, MAX_HORIZON)),
    ):
        try:
            values[name] = read()
        except ApiError as error:
            problems.update(error.fields or {name: "invalid"})
    profession = request.args.get("profession") or None
    if profession is not None and (len(profession) > PROFESSION_MAX_LENGTH or "\x00" in profession):
        problems["profession"] = f"at most {PROFESSION_MAX_LENGTH} characters, no NUL"
    unit = None
    if values.get("unit_id") is not None:
        unit = db.session.get(Unit, values["unit_id"])
        if unit is None:
            problems["unit_id"] = "unknown unit"
    if problems:
        raise ApiError(422, "Invalid parameters: " + ", ".join(sorted(problems)), problems)
    return unit, profession, values["horizon_years"]


@bp.get("/workforce")
@access.allow("hr", "leader", "politician", "representative")
def workforce_figures():
    """Age bands, retirements per year, position sizes and turnover for a unit (with sub-units) or profession."""
    unit, profession, horizon = _read_params()
    try:
        scope, detailed = scope_for(current_principal(), unit, profession)
    except NotVisible:
        raise ApiError(404) from None
    figures = shown_figures(workforce(scope, horizon), detailed)
    return jsonify(
        {
            "unit_id": unit.id if unit is not None else None,
            "profession": profession,
            "detailed": detailed,
            **figures,
        }
    )


# --- OpenAPI ------------------------------------------------------------------------

_COUNT = {"type": ["integer", "null"], "minimum": 0, "description": "null: fewer than 5 people, hidden from the caller"}
_SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}

OPENAPI_SCHEMAS = {
    "Workforce": {
        "type": "object",
        "required": [
            "unit_id",
            "profession",
            "horizon_years",
            "headcount",
            "age_bands",
            "retirements_per_year",
            "retirement_ages",
            "part_time_share",
            "average_position_percent",
            "turnover",
        ],
        "properties": {
            "unit_id": {"type": ["integer", "null"], "description": "null: the whole municipality (a leader: all units they lead)"},
            "profession": {"type": ["string", "null"]},
            "horizon_years": {"type": "integer", "minimum": MIN_HORIZON, "maximum": MAX_HORIZON},
            "as_of": {"type": "string", "format": "date"},
            "detailed": {"type": "boolean", "description": "false: small groups are hidden (null)"},
            "headcount": _COUNT,
            "age_bands": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["band", "count"],
                    "properties": {
                        "band": {"type": "string", "enum": [key for key, _low, _high in AGE_BANDS]},
                        "min_age": {"type": ["integer", "null"]},
                        "max_age": {"type": ["integer", "null"]},
                        "count": _COUNT,
                    },
                },
            },
            "retirements_per_year": {
                "type": "array",
                "description": "People employed today reaching their profession's assumed retirement "
                "age in each calendar year from this year to this year + horizon_years",
                "items": {
                    "type": "object",
                    "required": ["year", "count"],
                    "properties": {"year": {"type": "integer"}, "count": _COUNT},
                },
            },
            "retirements_total": _COUNT,
            "past_retirement_age": _COUNT,
            "retirement_ages": {
                "type": "array",
                "description": "The ages used for the professions in view",
                "items": {
                    "type": "object",
                    "required": ["profession", "age", "source"],
                    "properties": {
                        "profession": {"type": "string"},
                        "age": {"type": "integer"},
                        "source": {"type": "string", "enum": list(SOURCES)},
                    },
                },
            },
            "part_time": _COUNT,
            "part_time_share": {**_SHARE, "description": "Share with position percent under 100, 0 to 1"},
            "average_position_percent": {"type": ["number", "null"], "minimum": 0, "maximum": 100},
            "turnover": {
                "type": "array",
                "description": "Per profession and each of the last three calendar years: leavers "
                "(end date in the year), headcount on 1 January, rate = leavers / headcount",
                "items": _ref("TurnoverYear"),
            },
            "turnover_total": {"type": "array", "items": _ref("TurnoverYear")},
        },
    },
    "TurnoverYear": {
        "type": "object",
        "required": ["year", "leavers", "headcount", "rate"],
        "properties": {
            "profession": {"type": "string"},
            "year": {"type": "integer"},
            "leavers": _COUNT,
            "headcount": _COUNT,
            "rate": {"type": ["number", "null"], "minimum": 0},
        },
    },
}

OPENAPI_PATHS = {
    "/workforce": {
        "get": {
            "summary": "Workforce figures: age bands, retirements per year, part-time share, turnover per profession. "
            "Politicians and representatives get null for any figure about fewer than 5 people.",
            "parameters": [
                {"name": "unit_id", "in": "query", "schema": ID_SCHEMA, "description": "the unit and its sub-units"},
                {"name": "profession", "in": "query", "schema": {"type": "string", "maxLength": PROFESSION_MAX_LENGTH}},
                {
                    "name": "horizon_years",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": MIN_HORIZON, "maximum": MAX_HORIZON, "default": DEFAULT_HORIZON},
                },
            ],
            "responses": {
                "200": _json(_ref("Workforce")),
                **{code: ERRORS[code] for code in ("401", "403", "404", "422")},
            },
        }
    }
}
