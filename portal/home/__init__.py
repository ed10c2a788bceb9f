"""The start page: what waits for the user, and the figures their roles call for."""
from flask import Blueprint

bp = Blueprint("home", __name__)

from . import views  # noqa: E402,F401
