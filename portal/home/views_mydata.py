""""My data": the logged-in person's own copy of everything held about them, as PDF or JSON.

The right of access (GDPR art. 15) belongs to the person, so these routes
only ever serve the caller's own data; there is no id in the address to
change. Downloads are never cached (``private, no-store``) and each one is
written to the audit log (the PDF through ``reports.files.download``).
"""
import json

from flask import Response, render_template
from flask_login import current_user

from .. import access
from ..audit import log as audit
from ..extensions import db
from . import bp


def _me():
    """``portal.me`` pulls in the API and appraisal modules, which import ``portal.home``: load it late."""
    from ..me import data, pdf

    return data, pdf


@bp.route("/me/data")
@access.allow()
def my_data():
    """What the downloads hold, with links to the PDF and the JSON file."""
    return render_template("info/my_data.html")


@bp.route("/me/data.pdf")
@access.allow()
def my_data_pdf():
    """Everything held about the caller as a PDF in their language."""
    from ..reports.files import download

    data, pdf = _me()
    gathered = data.gather(current_user)
    return download(pdf.render(gathered, current_user), "pdf", pdf.filename(gathered), private=True)


@bp.route("/me/data.json")
@access.allow()
def my_data_json():
    """The same data as ``GET /api/v1/me/export``, downloadable with the browser session."""
    data, pdf = _me()
    gathered = data.gather(current_user)
    audit.record("export.personal_data", "user", current_user.id, {"format": "json"}, actor=current_user)
    db.session.commit()
    body = json.dumps(gathered, ensure_ascii=False, indent=2)
    response = Response(body, content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf.filename(gathered)[:-4]}.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
