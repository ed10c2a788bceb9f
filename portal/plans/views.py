"""Plan pages (written by the web helper)."""
from flask import abort

from .. import access
from . import bp


@bp.get("/plans/<int:plan_id>")
@access.allow()
def plan(plan_id):
    """Placeholder until the plan pages land (same commit)."""
    abort(404)
