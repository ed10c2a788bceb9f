"""The public information pages: the accessibility statement and the privacy notice.

Both are open to everyone, logged in or not: the law requires the
accessibility statement to be public (forskrift om universell utforming av
IKT-løsninger), and a person should be able to read how their data is used
before they log in. The texts live in the templates; the figures that differ
per installation (contact addresses, retention period, municipality) come
from the configuration, so a municipality adjusts them without code.
"""
from datetime import date

from flask import current_app, render_template
from flask_babel import format_date

from .. import access
from . import bp

# The day the statement was last checked against the portal. Change it when
# the statement is reviewed (at least yearly, and after larger changes).
STATEMENT_DATE = date(2026, 11, 25)
DEFAULT_RETENTION_YEARS = 3


def retention_years():
    """Years after an employee leaves until their appraisal content is deleted (``PORTAL_RETENTION_YEARS``)."""
    return int(current_app.config.get("PORTAL_RETENTION_YEARS", DEFAULT_RETENTION_YEARS))


def _contacts():
    config = current_app.config
    return {"contact_email": config["PORTAL_CONTACT_EMAIL"], "privacy_email": config["PORTAL_PRIVACY_EMAIL"]}


@bp.route("/tilgjengelighet")
@access.public
def accessibility():
    """The accessibility statement a Norwegian public body must publish for its web solutions."""
    return render_template(
        "info/accessibility.html",
        statement_date=format_date(STATEMENT_DATE, "long"),
        statement_iso=STATEMENT_DATE.isoformat(),
        **_contacts(),
    )


@bp.route("/personvern")
@access.public
def privacy():
    """What the portal stores about people, why, who sees it, for how long, and the person's rights."""
    return render_template("info/privacy.html", retention_years=retention_years(), **_contacts())
