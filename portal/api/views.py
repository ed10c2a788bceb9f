"""API endpoints for tokens, the caller, units and employees."""
from flask import jsonify, url_for
from sqlalchemy import select

from .. import access
from ..access import current_principal
from ..auth.tokens import authenticate, issue_token, revoke, tokens_of
from ..extensions import csrf, db
from ..org.models import Employee, Unit
from ..org.visibility import get_visible_employee, visible_employees
from ..pagination import paginate
from . import bp
from .errors import ApiError, error_response
from .openapi import openapi_document
from .params import int_arg, json_body, page_args
from .serialize import employee_json, page_json, unit_json, user_json

csrf.exempt(bp)


@bp.errorhandler(ApiError)
def _api_error(error):
    return error_response(error.status, error.message, error.fields)


@bp.post("/tokens")
@access.public
def create_token():
    """Exchange a user name and password for a bearer token."""
    data = json_body()
    username, password = data.get("username"), data.get("password")
    missing = {f: "required" for f in ("username", "password") if not isinstance(data.get(f), str) or not data.get(f)}
    if missing:
        raise ApiError(422, "username and password are required", missing)
    user = authenticate(username, password)
    if user is None:
        raise ApiError(401, "The user name or password is wrong.")
    token = issue_token(user, label=str(data.get("label") or "API")[:100])
    db.session.commit()
    return jsonify({"token": token}), 201


@bp.delete("/tokens/current")
@access.allow()
def revoke_current_token():
    """Revoke the token this request was made with."""
    from flask import g

    revoke(g.api_token)
    db.session.commit()
    return "", 204


@bp.get("/me")
@access.allow()
def me():
    """Who the caller is and which roles they hold."""
    return jsonify(user_json(current_principal()))


@bp.get("/me/export")
@access.allow()
def me_export():
    """Everything the portal holds about the caller (GDPR right of access)."""
    user = current_principal()
    data = {"user": user_json(user), "employee": None, "api_tokens": []}
    if user.employee is not None:
        data["employee"] = employee_json(user.employee)
    data["api_tokens"] = [
        {
            "label": t.label,
            "created_at": t.created_at.isoformat(),
            "expires_at": t.expires_at.isoformat(),
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in tokens_of(user)
    ]
    return jsonify(data)


@bp.get("/units")
@access.allow()
def units():
    """All org units; the structure is not personal data."""
    page, per_page = page_args()
    stmt = select(Unit).order_by(Unit.path)
    parent_id = int_arg("parent_id")
    if parent_id is not None:
        stmt = stmt.where(Unit.parent_id == parent_id)
    return jsonify(page_json(paginate(stmt, page, per_page), unit_json))


@bp.get("/units/<int:unit_id>")
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
    """Employees the caller may see: themselves, their units' staff, or all for hr."""
    page, per_page = page_args()
    stmt = visible_employees(current_principal()).order_by(Employee.last_name, Employee.first_name, Employee.id)
    unit_id = int_arg("unit_id")
    if unit_id is not None:
        target = db.session.get(Unit, unit_id)
        if target is None:
            raise ApiError(422, "unit_id names no unit", {"unit_id": "unknown unit"})
        stmt = stmt.where(Unit.path.startswith(target.path, autoescape=True))
    return jsonify(page_json(paginate(stmt, page, per_page), employee_json))


@bp.get("/employees/<int:employee_id>")
@access.allow("employee", "leader", "hr")
def employee(employee_id):
    """One employee, if the caller may see them; 404 otherwise."""
    from werkzeug.exceptions import NotFound

    try:
        row = get_visible_employee(employee_id, current_principal())
    except NotFound:
        raise ApiError(404) from None
    return jsonify(employee_json(row))


@bp.get("/openapi.json")
@access.public
def openapi():
    """The OpenAPI 3 description of every endpoint."""
    return jsonify(openapi_document(url_for("api.openapi", _external=False).rsplit("/", 1)[0]))
