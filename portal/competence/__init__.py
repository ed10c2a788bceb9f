"""Competence mapping and gap analysis: catalogue, held competences, requirements, gaps, workforce."""
from flask import Blueprint

bp = Blueprint("competence", __name__)

from . import models, views  # noqa: E402,F401  (models: the tables must be known to migrations)
