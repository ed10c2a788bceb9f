"""Learning activities logged by leaders, which update competences and close development entries."""
from flask import Blueprint

bp = Blueprint("learning", __name__)

from . import models, views  # noqa: E402,F401  (the tables must be known to migrations)
from . import views_exports  # noqa: E402,F401  (learning records as CSV and XLSX)
