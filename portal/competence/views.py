"""The competence area's pages, one module per kind of page."""
from . import views_catalogue, views_gaps, views_profile, views_workforce  # noqa: F401
from . import views_exports  # noqa: E402,F401  (workforce figures as CSV and XLSX)
from . import views_report  # noqa: E402,F401  (the workforce and gap report as PDF)
