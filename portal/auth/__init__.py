"""Log-in, log-out, language choice and personal API tokens."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402,F401
