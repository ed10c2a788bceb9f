"""The JSON API under /api/v1. Thin: it calls the same domain code as the pages."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import appraisals, catalogue, gaps, plans, views, workforce  # noqa: E402,F401
from . import learning  # noqa: E402,F401
from . import appraisal_report  # noqa: E402,F401  (the appraisal summary PDF)
from . import plan_report  # noqa: E402,F401  (the competence plan PDF)
from . import reports  # noqa: E402,F401  (the workforce and gap report PDF)
from . import exports  # noqa: E402,F401  (workforce and plan exports as CSV / XLSX)
from . import me_pdf  # noqa: E402,F401  (the caller's own data as PDF)
from . import objections  # noqa: E402,F401  (the caller's objection to an assessment)
