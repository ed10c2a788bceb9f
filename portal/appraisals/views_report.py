"""The appraisal summary PDF on the pages: the employee and their leaders only, 404 for everyone else."""
from flask import Response
from flask_login import current_user

from .. import access
from . import bp, report, visibility


def pdf_response(appraisal):
    """The PDF as a download that no cache keeps (the content is confidential)."""
    response = Response(report.render(appraisal), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{report.filename(appraisal)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/appraisals/<int:appraisal_id>/report.pdf", endpoint="report")
@access.allow()
def report_pdf(appraisal_id):
    """The summary of one interview as PDF, in the reader's language."""
    return pdf_response(visibility.appraisal_or_404(appraisal_id, current_user))
