"""API endpoints for tokens, the caller, units and employees.

Views stay thin: they read and check input (``params``), call the same domain
code as the pages, and shape the answer (``serialize``). Access by role is
declared on each route; which rows a caller may see comes from
``org.visibility`` so the API and the pages cannot disagree.
"""
from flask import jsonify, url_for
from sqlalchemy import select

from .. import access
from ..access import current_principal
from ..auth.limits import login_limited
from ..auth.tokens import authenticate, current_token, issue_token, revoke
from ..audit import log as audit
from ..extensions import csrf, db
from ..me.data import gather
from ..org.models import Employee, Unit
from ..org.visibility import visible_employees
from ..pagination import paginate
from . import bp
from .errors import ApiError, error_response
from .openapi import openapi_document
from .params import ID, id_arg, json_body, page_args, text_fields
from .serialize import employee_detail_json, employee_json, page_json, unit_json, user_json

# Callers authenticate with a bearer header, never a cookie, so a forged
# cross-site request carries no credentials and CSRF tokens have nothing to guard.
csrf.exempt(bp)


@bp.errorhandler(ApiError)
def _api_error(error):
    return error_response(error.status, error.message, error.fields)


@bp.post("/tokens")
@access.public
@login_limited
def create_token():
    """Exchange a user name and password for a bearer token.

    Unknown user, wrong password and deactivated account get the same 401, so
    the endpoint cannot be used to find out which user names exist. Failed
    attempts count towards the same log-in limits as the page's (429 with
    Retry-After when used up, see auth/limits.py).
    """
    fields = text_fields(
        json_body(),
        required=("username", "password"),
        optional=("label",),
        max_lengths={"username": 64, "password": 1024, "label": 100},
    )
    user = authenticate(fields["username"], fields["password"])
    if user is None:
        raise ApiError(401, "The user name or password is wrong.")
    token = issue_token(user, label=fields["label"] or "API")
    db.session.commit()
    return jsonify({"token": token}), 201


@bp.delete("/tokens/current")
@access.allow()
def revoke_current_token():
    """Revoke the token this request was made with, e.g. when a script is retired."""
    revoke(current_token())
    db.session.commit()
    return "", 204


@bp.get("/me")
@access.allow()
def me():
    """Who the caller is and which roles they hold, so clients can adapt to them."""
    return jsonify(user_json(current_principal()))


@bp.get("/me/export")
@access.allow()
def me_export():
    """Everything the portal holds about the caller (GDPR right of access); the download is in the audit log."""
    user = current_principal()
    audit.record("export.personal_data", "user", user.id, {"format": "json"}, actor=user)
    db.session.commit()
    return jsonify(gather(user))


@bp.get("/units")
@access.allow()
def units():
    """All org units in tree order; the structure is not personal data."""
    page, per_page = page_args()
    stmt = select(Unit).order_by(Unit.path, Unit.id)
    parent_id = id_arg("parent_id")
    if parent_id is not None:
        stmt = stmt.where(Unit.parent_id == parent_id)
    return jsonify(page_json(paginate(stmt, page, per_page), unit_json))


@bp.get(f"/units/<{ID}:unit_id>")
@access.allow()
def unit(unit_id):
    """One org unit."""
    row = db.session.get(Unit, unit_id)
    if row is None:
        raise ApiError(404)
    return jsonify(unit_json(row))


@bp.get("/employees")
@access.allow("employee", "leader", "hr")
def employees():
    """Employees the caller may see: themselves, their units' staff, or all for hr.

    ``unit_id`` narrows to that unit's subtree; it never widens what the caller
    sees, so a leader asking for another unit gets an empty list, not its staff.
    """
    page, per_page = page_args()
    stmt = visible_employees(current_principal()).order_by(Employee.last_name, Employee.first_name, Employee.id)
    unit_id = id_arg("unit_id")
    if unit_id is not None:
        target = db.session.get(Unit, unit_id)
        if target is None:
            raise ApiError(422, "unit_id names no unit", {"unit_id": "unknown unit"})
        stmt = stmt.where(Unit.path.startswith(target.path, autoescape=True))
    return jsonify(page_json(paginate(stmt, page, per_page), employee_json))


@bp.get(f"/employees/<{ID}:employee_id>")
@access.allow("employee", "leader", "hr")
def employee(employee_id):
    """One employee, if the caller may see them.

    Someone outside the caller's scope gets the very same 404 as an id that
    does not exist, so the answer never confirms that a person works here.
    """
    stmt = visible_employees(current_principal()).where(Employee.id == employee_id)
    row = db.session.scalars(stmt).first()
    if row is None:
        raise ApiError(404)
    return jsonify(employee_detail_json(row))


@bp.get("/openapi.json")
@access.public
def openapi():
    """The OpenAPI 3 description of every endpoint; public so clients can be generated."""
    return jsonify(openapi_document(url_for("api.openapi").rsplit("/", 1)[0]))
