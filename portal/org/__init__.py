"""Org units, employees, users and roles: the people of the municipality."""
from flask import Blueprint

bp = Blueprint("org", __name__)

from . import views  # noqa: E402,F401  (routes attach themselves to bp)
