"""Downloads of learning records: the activity list (``/learning-activities.csv|xlsx``) and
the employee's own record on ``/development`` (``/development/learning-record.csv|xlsx``).

The list export has the list's access (leaders and hr) and its ``kind``
filter, but all pages at once; an unknown kind shows the list with the
field marked (422), as the list does.
"""
from flask import abort, request
from flask_login import current_user

from .. import access
from . import bp, exports
from .models import KINDS
from .views import activities


def _list_download(extension):
    kind = request.args.get("kind", "")
    if kind and kind not in KINDS:
        return activities()  # the list with "Choose a kind from the list.", status 422
    return exports.render(exports.activities_table(current_user, kind or None), extension, "laeringsaktiviteter")


@bp.get("/learning-activities.csv")
@access.allow("leader", "hr")
def activities_csv():
    """The listed activities, one row per participant the user may see, as CSV."""
    return _list_download("csv")


@bp.get("/learning-activities.xlsx")
@access.allow("leader", "hr")
def activities_xlsx():
    """The listed activities, one row per participant the user may see, as an Excel workbook."""
    return _list_download("xlsx")


def _record_download(extension):
    employee_id = current_user.employee_id
    if not employee_id:
        abort(404)  # as /development: a user without an employee record has no learning record
    return exports.render(exports.record_table(employee_id), extension, "min-laeringshistorikk")


@bp.get("/development/learning-record.csv")
@access.allow()
def my_record_csv():
    """The user's own learning record as CSV."""
    return _record_download("csv")


@bp.get("/development/learning-record.xlsx")
@access.allow()
def my_record_xlsx():
    """The user's own learning record as an Excel workbook."""
    return _record_download("xlsx")
