"""The caller's own data as PDF (``GET /api/v1/me/export.pdf``): the JSON export, laid out for reading."""
from .. import access
from ..access import current_principal
from ..me import data, pdf
from ..reports.files import download
from . import bp
from .openapi import ERRORS, operation


@bp.get("/me/export.pdf")
@access.allow()
def me_export_pdf():
    """Everything the portal holds about the caller, as PDF in the caller's language."""
    user = current_principal()
    gathered = data.gather(user)
    return download(pdf.render(gathered, user), "pdf", pdf.filename(gathered), private=True)


OPENAPI_PATHS = {
    "/me/export.pdf": {
        "get": operation(
            "Everything the portal holds about the caller (the same data as /me/export: personal details, "
            "competences with source and expiry, development entries, appraisal interviews, learning "
            "activities) as a PDF in the caller's language, marked confidential. Only ever the caller's own data.",
            [],
            {
                "200": {
                    "description": "The PDF (attachment mine-data-<employee number or user name>.pdf, not cached)",
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                },
                "401": ERRORS["401"],
            },
        ),
    },
}
OPENAPI_SCHEMAS = {}
