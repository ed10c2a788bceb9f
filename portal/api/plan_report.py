"""The competence plan PDF in the API: every logged-in caller, as on the page (404 JSON for an unknown plan)."""
from .. import access
from ..access import current_principal
from ..plans.views_report import pdf_response
from . import bp
from .openapi import ERRORS, _id_param, operation
from .params import ID
from .plans import _plan_or_404


@bp.get(f"/plans/<{ID}:plan_id>/report.pdf")
@access.allow()
def plan_report(plan_id):
    """The whole plan as PDF, in the caller's language (the token's user, see ``select_locale``)."""
    return pdf_response(_plan_or_404(plan_id), current_principal())


OPENAPI_PATHS = {
    "/plans/{plan_id}/report.pdf": {
        "get": operation(
            "The competence plan as PDF for the council: cover, contents, purpose and platform answers, goals "
            "with baseline, target, current or reached value and verdict (with charts), measures per goal with "
            "the budget, a sign-off page and the workflow history. In the caller's language; a goal value about "
            "fewer than five people prints as \"under 5\" for callers who see aggregates only.",
            [_id_param("plan_id")],
            {
                "200": {
                    "description": "The PDF (attachment kompetanseplan-<id>.pdf, not cached)",
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                },
                "401": ERRORS["401"],
                "404": ERRORS["404"],
            },
        ),
    },
}
OPENAPI_SCHEMAS = {}
