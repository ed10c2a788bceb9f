"""The competence plan as PDF on the pages: readable by every logged-in user, like the plan page."""
from flask import abort
from flask_login import current_user

from .. import access
from ..reports.files import download
from . import bp, pages, report


def pdf_response(plan, user):
    """The report as a download; ``private`` because it can name people (sign-offs, history)."""
    return download(report.render(plan, user), "pdf", report.filename(plan), private=True)


@bp.get("/plans/<int:plan_id>/report.pdf", endpoint="report_pdf")
@access.allow()
def report_pdf(plan_id):
    """The whole plan for the council, in the reader's language, small groups hidden as on the page."""
    plan = pages.load_plan(plan_id)
    if plan is None:
        abort(404)
    return pdf_response(plan, current_user)
