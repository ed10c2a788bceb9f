"""API endpoint: the workforce and gap report as PDF (``GET /api/v1/reports/workforce.pdf``).

The same report as ``/workforce/report.pdf`` on the pages, with the same
parameters and rules as ``GET /api/v1/workforce`` (its ``_read_params``):
one 422 naming every bad parameter, 404 for a unit the caller may not see,
and every figure about fewer than five people printed as "< 5" for
politicians and representatives. In the caller's language.
"""
from .. import access
from ..access import current_principal
from ..competence import report
from ..competence.heatmap import LevelNotFound
from ..competence.retirement import PROFESSION_MAX_LENGTH
from ..competence.views_report import pdf_response
from ..competence.workforce import DEFAULT_HORIZON, MAX_HORIZON, MIN_HORIZON, NotVisible
from . import bp
from .errors import ApiError
from .openapi import ERRORS, ID_SCHEMA, operation
from .workforce import _read_params


@bp.get("/reports/workforce.pdf")
@access.allow("hr", "leader", "politician", "representative")
def workforce_report():
    """Workforce figures and the gap heat map for a unit (with sub-units) or the whole municipality, as PDF.

    In the language of the token's user (see ``select_locale``).
    """
    unit, profession, horizon = _read_params()
    try:
        content = report.collect(current_principal(), unit, profession, horizon)
    except (NotVisible, LevelNotFound):
        raise ApiError(404) from None
    return pdf_response(report.layout(content), content.today)


OPENAPI_PATHS = {
    "/reports/workforce.pdf": {
        "get": operation(
            "The workforce and competence gap report as PDF, in the caller's language: key figures, age "
            "pyramid, retirements per year, part-time share and turnover per profession, the gap heat map and "
            "a summary of the units one level down. Politicians and representatives see every figure about "
            "fewer than 5 people as \u201c< 5\u201d. A leader asking for a unit they do not lead gets 404.",
            [
                {"name": "unit_id", "in": "query", "schema": ID_SCHEMA, "description": "the unit and its sub-units"},
                {"name": "profession", "in": "query", "schema": {"type": "string", "maxLength": PROFESSION_MAX_LENGTH}},
                {
                    "name": "horizon_years",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": MIN_HORIZON, "maximum": MAX_HORIZON, "default": DEFAULT_HORIZON},
                },
            ],
            {
                "200": {
                    "description": "The PDF (attachment arbeidsstyrke-og-kompetansegap-<date>.pdf, not cached)",
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                },
                **{code: ERRORS[code] for code in ("401", "403", "404", "422")},
            },
        ),
    },
}
OPENAPI_SCHEMAS = {}
