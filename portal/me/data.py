"""Everything the portal holds about one user, as the JSON export describes it.

The API's ``GET /api/v1/me/export``, the page download ``/me/data.json`` and
the PDF all start from :func:`gather`, so the three can never disagree on
what is held. A fixed number of queries, however long the person has worked here.
"""
from ..api.serialize import employee_json, token_json, user_json
from ..appraisals.export import export_json as appraisal_export_json
from ..auth.tokens import tokens_of
from ..competence.profile import export_json as competence_export_json


def gather(user):
    """The user's account, personnel record, competences, appraisals, entries and learning."""
    return {
        "user": user_json(user),
        "employee": employee_json(user.employee) if user.employee is not None else None,
        "api_tokens": [token_json(t) for t in tokens_of(user)],
        **competence_export_json(user.employee_id),
        **appraisal_export_json(user.employee_id),
    }
