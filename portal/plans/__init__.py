"""Competence plans: purpose, goals, measures and evaluation, driven by the workflow engine."""
from flask import Blueprint

bp = Blueprint("plans", __name__)

from . import models, views, views_content  # noqa: E402,F401  (models: the tables must be known to migrations)
from . import views_report  # noqa: E402,F401  (the plan as PDF)
from . import views_exports  # noqa: E402,F401  (goals and measures as CSV and XLSX)


def init_app(app):
    """Put plans waiting for the user on their start page."""
    from ..home.worklist import register
    from .queries import worklist

    register(app, worklist)


def workflow_adapters():
    """The workflow adapters this area provides."""
    from .workflow import PlanWorkflow

    return [PlanWorkflow()]
