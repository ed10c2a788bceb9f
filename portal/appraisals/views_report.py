"""The appraisal summary PDF on the pages: the employee and their leaders only, 404 for everyone else."""
from flask_login import current_user

from .. import access
from ..reports.files import download
from . import bp, report, visibility


def pdf_response(appraisal):
    """The PDF as a download that no cache keeps (the content is confidential)."""
    return download(report.render(appraisal), "pdf", report.filename(appraisal), private=True)


@bp.get("/appraisals/<int:appraisal_id>/report.pdf", endpoint="report")
@access.allow()
def report_pdf(appraisal_id):
    """The summary of one interview as PDF, in the reader's language."""
    return pdf_response(visibility.appraisal_or_404(appraisal_id, current_user))
