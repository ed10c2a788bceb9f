"""API endpoints for the competence catalogue and unit requirements.

Anyone logged in may read both (they describe the municipality's needs, not
people); only hr changes them. The rules live in ``competence.catalogue``,
shared with the pages; this module reads the JSON, calls them, and turns a
refusal into 422 (bad fields) or 409 (a code or requirement that exists).
"""
from flask import jsonify, request

from .. import access
from ..competence.catalogue import (
    MAX_LEVEL,
    MAX_REQUIRED,
    MAX_VALIDITY_MONTHS,
    CatalogueError,
    competences_stmt,
    delete_requirement,
    find_area,
    requirements_stmt,
    save_competence,
    save_requirement,
)
from ..competence.models import KINDS, Requirement
from ..extensions import db
from ..org.models import Unit
from ..pagination import paginate
from . import bp
from .errors import ApiError
from .openapi import ERRORS, ID_SCHEMA, PAGE_PARAMS, _get, _id_param, _json, _page_of, _ref
from .params import ID, id_arg, json_body, page_args
from .serialize import page_json


def competence_json(competence):
    """A competence in the catalogue, with its area."""
    return {
        "id": competence.id,
        "code": competence.code,
        "name": competence.name,
        "area_id": competence.area_id,
        "area_code": competence.area.code,
        "area_name": competence.area.name,
        "kind": competence.kind,
        "max_level": competence.max_level,
        "validity_months": competence.validity_months,
        "description": competence.description or "",
    }


def requirement_json(requirement):
    """A unit's requirement; ``profession`` null means people of any profession count."""
    return {
        "id": requirement.id,
        "unit_id": requirement.unit_id,
        "unit_code": requirement.unit.code,
        "competence_id": requirement.competence_id,
        "competence_code": requirement.competence.code,
        "min_level": requirement.min_level,
        "required_count": requirement.required_count,
        "profession": requirement.profession,
    }


def _refused(error):
    """A domain refusal as the API's error: 409 for a clash with stored rows, else 422."""
    if error.conflict:
        return ApiError(409, error.message, error.english())
    return ApiError(422, error.message, error.english())


@bp.get("/competences")
@access.allow()
def competences():
    """The catalogue, in area and name order; filter by ``area_id``, ``kind`` or ``q`` (code or name)."""
    page, per_page = page_args()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise ApiError(422, "kind must be one of " + ", ".join(KINDS), {"kind": "unknown kind"})
    search = (request.args.get("q") or "").strip()[:200] or None
    if search and "\x00" in search:
        raise ApiError(422, "q must not contain NUL characters", {"q": "must not contain NUL characters"})
    stmt = competences_stmt(area_id=id_arg("area_id"), kind=kind, search=search)
    return jsonify(page_json(paginate(stmt, page, per_page), competence_json))


@bp.post("/competences")
@access.allow("hr")
def create_competence():
    """Add a competence to the catalogue; the area is given by ``area`` (its code) or ``area_id``."""
    data = json_body()
    values = {name: data.get(name) for name in ("code", "name", "kind", "max_level", "validity_months", "description")}
    values["area_id"] = _area_id(data)
    try:
        competence = save_competence(values)
        db.session.commit()
    except CatalogueError as error:
        db.session.rollback()
        raise _refused(_as_api_fields(error)) from None
    return jsonify(competence_json(competence)), 201


def _area_id(data):
    """The area's id from ``area_id`` or ``area`` (a code, or a name); 422 when they disagree."""
    area_id, area = data.get("area_id"), data.get("area")
    if area is None or area == "":
        if area_id is None:
            raise ApiError(422, "Invalid fields: area", {"area": "required (an area code, or area_id)"})
        return area_id
    if not isinstance(area, str):
        raise ApiError(422, "Invalid fields: area", {"area": "must be a string (an area code)"})
    if "\x00" in area:  # PostgreSQL refuses NUL even in a lookup (found by tests/api/test_fuzz.py)
        raise ApiError(422, "Invalid fields: area", {"area": "must not contain NUL characters"})
    found = find_area(area)
    if found is None:
        raise ApiError(422, "Invalid fields: area", {"area": "names no area"})
    if area_id is not None and area_id != found.id:
        raise ApiError(422, "Invalid fields: area, area_id", {"area": "area and area_id name different areas"})
    return found.id


def _as_api_fields(error):
    """``area_id`` problems are reported under ``area`` too, since clients may have sent either."""
    if "area_id" in error.problems:
        error.problems.setdefault("area", error.problems["area_id"])
    return error


@bp.get("/requirements")
@access.allow()
def requirements():
    """Requirements in tree order; ``unit_id`` gives that unit's and its sub-units'."""
    page, per_page = page_args()
    unit_paths = None
    unit_id = id_arg("unit_id")
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            raise ApiError(422, "unit_id names no unit", {"unit_id": "unknown unit"})
        unit_paths = [unit.path]
    stmt = requirements_stmt(unit_paths=unit_paths, competence_id=id_arg("competence_id"))
    return jsonify(page_json(paginate(stmt, page, per_page), requirement_json))


@bp.post("/requirements")
@access.allow("hr")
def create_requirement():
    """Require ``required_count`` people at ``min_level`` of a competence in a unit (and below)."""
    data = json_body()
    try:
        requirement = save_requirement(
            data.get("unit_id"),
            data.get("competence_id"),
            data.get("min_level"),
            data.get("required_count"),
            data.get("profession"),
        )
        db.session.commit()
    except CatalogueError as error:
        db.session.rollback()
        raise _refused(error) from None
    row = db.session.scalars(requirements_stmt().where(Requirement.id == requirement.id)).one()
    return jsonify(requirement_json(row)), 201


@bp.delete(f"/requirements/<{ID}:requirement_id>")
@access.allow("hr")
def remove_requirement(requirement_id):
    """Drop a requirement; the unit's gap figures no longer count it."""
    requirement = db.session.get(Requirement, requirement_id)
    if requirement is None:
        raise ApiError(404)
    delete_requirement(requirement)
    db.session.commit()
    return "", 204


# --------------------------------------------------------------------------
# OpenAPI
# --------------------------------------------------------------------------

_CONFLICT = _json(_ref("Error"), "Clashes with a stored row (code in use, requirement exists)")
_NULLABLE_TEXT = {"type": ["string", "null"]}

OPENAPI_SCHEMAS = {
    "Competence": {
        "type": "object",
        "required": ["id", "code", "name", "area_id", "kind", "max_level", "validity_months"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string", "maxLength": 32},
            "name": {"type": "string", "maxLength": 200},
            "area_id": {"type": "integer"},
            "area_code": {"type": "string"},
            "area_name": {"type": "string"},
            "kind": {"type": "string", "enum": list(KINDS)},
            "max_level": {"type": "integer", "minimum": 1, "maximum": MAX_LEVEL},
            "validity_months": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_VALIDITY_MONTHS},
            "description": {"type": "string"},
        },
    },
    "NewCompetence": {
        "type": "object",
        "required": ["code", "name", "kind", "max_level"],
        "description": "Give the area as `area` (its code; a name is also accepted) or as `area_id`.",
        "properties": {
            "code": {"type": "string", "maxLength": 32, "description": "1-32 letters, digits, '-', '_' or '.'"},
            "name": {"type": "string", "maxLength": 200},
            "area": {"type": "string"},
            "area_id": ID_SCHEMA,
            "kind": {"type": "string", "enum": list(KINDS)},
            "max_level": {"type": "integer", "minimum": 1, "maximum": MAX_LEVEL},
            "validity_months": {
                "type": ["integer", "null"],
                "minimum": 1,
                "maximum": MAX_VALIDITY_MONTHS,
                "description": "How long the competence stays valid after it is achieved; null: it never expires",
            },
            "description": {"type": "string", "maxLength": 5000},
        },
    },
    "Requirement": {
        "type": "object",
        "required": ["id", "unit_id", "competence_id", "min_level", "required_count", "profession"],
        "properties": {
            "id": {"type": "integer"},
            "unit_id": {"type": "integer"},
            "unit_code": {"type": "string"},
            "competence_id": {"type": "integer"},
            "competence_code": {"type": "string"},
            "min_level": {"type": "integer", "minimum": 1, "maximum": MAX_LEVEL},
            "required_count": {"type": "integer", "minimum": 1},
            "profession": _NULLABLE_TEXT,
        },
    },
    "NewRequirement": {
        "type": "object",
        "required": ["unit_id", "competence_id", "min_level", "required_count"],
        "properties": {
            "unit_id": ID_SCHEMA,
            "competence_id": ID_SCHEMA,
            "min_level": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LEVEL,
                "description": "At most the competence's max_level",
            },
            "required_count": {"type": "integer", "minimum": 1, "maximum": MAX_REQUIRED},
            "profession": {
                "type": ["string", "null"],
                "maxLength": 100,
                "description": "Count only people of this profession; null or absent: any profession",
            },
        },
    },
}


def _post(summary, body, created):
    return {
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(body)}}},
        "responses": {
            "201": _json(_ref(created), "Created"),
            "401": ERRORS["401"],
            "403": ERRORS["403"],
            "409": _CONFLICT,
            "422": ERRORS["422"],
        },
    }


OPENAPI_PATHS = {
    "/competences": {
        "get": _get(
            "The competence catalogue in area and name order (any logged-in user)",
            _json(_page_of("Competence")),
            PAGE_PARAMS
            + [
                {"name": "area_id", "in": "query", "schema": ID_SCHEMA},
                {"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}},
                {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Part of code or name"},
            ],
            ("401", "422"),
        ),
        "post": _post("Add a competence to the catalogue (hr); 409 when the code is in use", "NewCompetence", "Competence"),
    },
    "/requirements": {
        "get": _get(
            "Unit requirements (any logged-in user); unit_id gives the unit's and its sub-units'",
            _json(_page_of("Requirement")),
            PAGE_PARAMS
            + [
                {"name": "unit_id", "in": "query", "schema": ID_SCHEMA},
                {"name": "competence_id", "in": "query", "schema": ID_SCHEMA},
            ],
            ("401", "422"),
        ),
        "post": _post(
            "Add a requirement to a unit (hr); 409 when the unit already has it for that profession",
            "NewRequirement",
            "Requirement",
        ),
    },
    "/requirements/{requirement_id}": {
        "delete": {
            "summary": "Remove a requirement (hr)",
            "parameters": [_id_param("requirement_id")],
            "responses": {
                "204": {"description": "Removed"},
                "401": ERRORS["401"],
                "403": ERRORS["403"],
                "404": ERRORS["404"],
            },
        }
    },
}
