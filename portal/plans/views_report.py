"""The competence plan as PDF on the pages: readable by every logged-in user, like the plan page."""
from flask import Response, abort
from flask_login import current_user

from .. import access
from . import bp, pages, report


def pdf_response(plan, user):
    """The report as a download; ``private`` because it can name people (sign-offs, history)."""
    response = Response(report.render(plan, user), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{report.filename(plan)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/plans/<int:plan_id>/report.pdf", endpoint="report_pdf")
@access.allow()
def report_pdf(plan_id):
    """The whole plan for the council, in the reader's language, small groups hidden as on the page."""
    plan = pages.load_plan(plan_id)
    if plan is None:
        abort(404)
    return pdf_response(plan, current_user)
