"""The appraisal summary PDF in the API: same rules as the page (404 JSON for everyone but the two people)."""
from .. import access
from ..appraisals.views_report import pdf_response
from . import bp
from .appraisals import _appraisal_or_404
from .openapi import ERRORS, _id_param, operation
from .params import ID


@bp.get(f"/appraisals/<{ID}:appraisal_id>/report.pdf")
@access.allow()
def appraisal_report(appraisal_id):
    """The summary of one interview as PDF, in the caller's language."""
    return pdf_response(_appraisal_or_404(appraisal_id))


OPENAPI_PATHS = {
    "/appraisals/{appraisal_id}/report.pdf": {
        "get": operation(
            "The appraisal summary as PDF (preparation, summary, development entries, signatures), in the "
            "caller's language and marked confidential. Only the employee and the leaders of their unit "
            "see it; 404 for everyone else, as if it did not exist.",
            [_id_param("appraisal_id")],
            {
                "200": {
                    "description": "The PDF (attachment medarbeidersamtale-<id>.pdf, not cached)",
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                },
                "401": ERRORS["401"],
                "404": ERRORS["404"],
            },
        ),
    },
}
OPENAPI_SCHEMAS = {}
