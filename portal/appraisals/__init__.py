"""Appraisal interviews and development entries, driven by the workflow engine."""
from flask import Blueprint

bp = Blueprint("appraisals", __name__)

from . import models, views  # noqa: E402,F401  (models: the tables must be known to migrations)
from . import views_report  # noqa: E402,F401  (the summary PDF)


def init_app(app):
    """Put interviews to prepare, hold or sign on the user's start page."""
    from ..home.worklist import register

    register(app, views.worklist)


def workflow_adapters():
    """The workflow adapters this area provides."""
    from .workflow import AppraisalWorkflow

    return [AppraisalWorkflow()]
