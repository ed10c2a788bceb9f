"""The start page: what waits for the user, and the figures their roles call for."""
from flask import Blueprint

bp = Blueprint("home", __name__)

from . import views  # noqa: E402,F401
from . import views_info  # noqa: E402,F401  (/tilgjengelighet and /personvern, public)
from . import views_mydata  # noqa: E402,F401  (the person's own data as PDF and JSON)
