"""The OpenAPI 3 document, kept as data beside the views it describes.

A test compares it with ``app.url_map`` so an endpoint cannot be added
without being described.
"""
from ..competence.models import SOURCES
from .params import MAX_ID, MAX_PER_PAGE


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": _json(_ref("Error"), "No valid bearer token"),
    "403": _json(_ref("Error"), "Not allowed for the caller's roles"),
    "404": _json(_ref("Error"), "Not found, or not visible to the caller"),
    "422": _json(_ref("Error"), "Invalid input; the offending fields are named"),
}

PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}},
]


def _id_param(name):
    return {"name": name, "in": "path", "required": True, "schema": ID_SCHEMA}


def _page_of(name):
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": _ref(name)},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    }


def _get(summary, response, params=(), errors=("401", "403", "422")):
    return {
        "summary": summary,
        "parameters": list(params),
        "responses": {"200": response, **{c: ERRORS[c] for c in errors}},
    }


NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
    },
    "Me": {
        "type": "object",
        "required": ["username", "roles", "employee_id"],
        "properties": {
            "username": {"type": "string"},
            "roles": {"type": "array", "items": {"type": "string"}},
            "employee_id": {"type": ["integer", "null"]},
            "led_unit_ids": {"type": "array", "items": {"type": "integer"}},
            "locale": {"type": ["string", "null"]},
        },
    },
    "Unit": {
        "type": "object",
        "required": ["id", "code", "name", "parent_id"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "parent_id": {"type": ["integer", "null"]},
            "is_service_area": {"type": "boolean"},
            "path": {"type": "string"},
        },
    },
    "Employee": {
        "type": "object",
        "required": ["id", "employee_number", "first_name", "last_name", "unit_id"],
        "properties": {
            "id": {"type": "integer"},
            "employee_number": {"type": "string"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "birth_date": {"type": "string", "format": "date"},
            "unit_id": {"type": "integer"},
            "unit_code": {"type": "string"},
            "profession": {"type": "string"},
            "position_percent": {"type": "number", "minimum": 0, "maximum": 100},
            "hire_date": {"type": "string", "format": "date"},
            "end_date": NULLABLE_DATE,
            "competences": {
                "type": "array",
                "description": "Only in GET /employees/{employee_id}: every held competence, one item per source.",
                "items": _ref("HeldCompetence"),
            },
        },
    },
    "HeldCompetence": {
        "type": "object",
        "description": "A competence the employee holds, as one source states it. Self-assessments "
        "are not verified and never count in gap figures.",
        "required": ["competence_id", "code", "name", "level", "source", "achieved_on", "valid_until", "verified"],
        "properties": {
            "competence_id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "area": {"type": "string"},
            "level": {"type": "integer", "minimum": 0},
            "max_level": {"type": "integer", "minimum": 1, "maximum": 10},
            "source": {"type": "string", "enum": list(SOURCES)},
            "achieved_on": {"type": "string", "format": "date"},
            "valid_until": NULLABLE_DATE,
            "expired": {"type": "boolean"},
            "verified": {"type": "boolean"},
            "objection": {
                "type": ["string", "null"],
                "description": "The employee's objection to this value, in their own words (null when none)",
            },
            "objected_at": NULLABLE_DATE_TIME,
            "objected_level": {
                "type": ["integer", "null"],
                "description": "The level the objection answered; differs from level after a new assessment",
            },
            "evidence_note": {"type": "string", "description": "Only in /me/export"},
            "evidence_url": {"type": "string", "description": "Only in /me/export"},
        },
    },
    "HeldCompetenceChange": {
        "type": "object",
        "required": ["competence_id", "code", "source", "action", "old_level", "new_level", "changed_at"],
        "properties": {
            "competence_id": {"type": "integer"},
            "code": {"type": "string"},
            "source": {"type": "string", "enum": list(SOURCES)},
            "action": {
                "type": "string",
                "description": "created, changed, removed, or confirmed (a leader confirmed a self-assessment)",
            },
            "old_level": {"type": ["integer", "null"]},
            "new_level": {"type": ["integer", "null"]},
            "old_valid_until": NULLABLE_DATE,
            "new_valid_until": NULLABLE_DATE,
            "note": {"type": "string"},
            "changed_at": {"type": "string", "format": "date-time"},
        },
    },
    "EvidenceFileInfo": {
        "type": "object",
        "required": ["id", "code", "source", "filename", "content_type", "size", "uploaded_at"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "source": {"type": "string", "enum": list(SOURCES)},
            "filename": {"type": "string"},
            "content_type": {"type": "string", "enum": ["application/pdf", "image/png", "image/jpeg"]},
            "size": {"type": "integer", "minimum": 1},
            "uploaded_at": {"type": "string", "format": "date-time"},
        },
    },
    "ApiToken": {
        "type": "object",
        "required": ["label", "created_at", "expires_at", "revoked_at"],
        "properties": {
            "label": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
            "revoked_at": NULLABLE_DATE_TIME,
        },
    },
    "Export": {
        "type": "object",
        "required": ["user", "employee", "api_tokens", "competences", "competence_history", "evidence_files"],
        "properties": {
            "user": {"$ref": "#/components/schemas/Me"},
            "employee": {"oneOf": [{"$ref": "#/components/schemas/Employee"}, {"type": "null"}]},
            "api_tokens": {"type": "array", "items": {"$ref": "#/components/schemas/ApiToken"}},
            "competences": {"type": "array", "items": _ref("HeldCompetence")},
            "competence_history": {"type": "array", "items": _ref("HeldCompetenceChange")},
            "evidence_files": {"type": "array", "items": _ref("EvidenceFileInfo")},
            "appraisals": {"type": "array", "items": {"type": "object"}, "description": "The caller's own interviews, content included"},
            "development_entries": {"type": "array", "items": {"type": "object"}, "description": "With their status history"},
            "learning_activities": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def _paths():
    return {
        "/tokens": {
            "post": {
                "summary": "Exchange user name and password for a bearer token",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["username", "password"],
                                "properties": {
                                    "username": {"type": "string", "maxLength": 64},
                                    "password": {"type": "string", "maxLength": 1024},
                                    "label": {"type": "string", "maxLength": 100},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json(
                        {"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}},
                        "Token created",
                    ),
                    "401": ERRORS["401"],
                    "422": ERRORS["422"],
                    "429": _json(_ref("Error"), "Too many failed log-in attempts; wait Retry-After seconds"),
                },
            }
        },
        "/tokens/current": {
            "delete": {
                "summary": "Revoke the token used for this request",
                "responses": {"204": {"description": "Revoked"}, "401": ERRORS["401"]},
            }
        },
        "/me": {"get": _get("The caller", _json(_ref("Me")), errors=("401",))},
        "/me/export": {
            "get": _get("Everything the portal holds about the caller", _json(_ref("Export")), errors=("401",))
        },
        "/units": {
            "get": _get(
                "Org units in tree order (each unit right after its parent)",
                _json(_page_of("Unit")),
                PAGE_PARAMS + [{"name": "parent_id", "in": "query", "schema": ID_SCHEMA}],
                ("401", "422"),
            )
        },
        "/units/{unit_id}": {
            "get": _get("One org unit", _json(_ref("Unit")), [_id_param("unit_id")], ("401", "404"))
        },
        "/employees": {
            "get": _get(
                "Employees the caller may see: themselves, staff of the units they lead "
                "and below, everyone for hr. unit_id narrows to that unit's subtree.",
                _json(_page_of("Employee")),
                PAGE_PARAMS + [{"name": "unit_id", "in": "query", "schema": ID_SCHEMA}],
            )
        },
        "/employees/{employee_id}": {
            "get": _get(
                "One employee with their held competences; 404 also when the caller may not see them",
                _json(_ref("Employee")),
                [_id_param("employee_id")],
                ("401", "403", "404"),
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"})},
            }
        },
    }


def openapi_document(base_path):
    """Return the OpenAPI document with servers pointing at ``base_path``."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kompetanseportal API",
            "version": "1",
            "description": "Competence planning for a municipality. Log in with POST /tokens, "
            "then send Authorization: Bearer <token>.",
        },
        "servers": [{"url": base_path}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**SCHEMAS, **_area_parts("OPENAPI_SCHEMAS")},
        },
        "paths": _empty_means_absent({**_paths(), **_area_parts("OPENAPI_PATHS")}),
    }


def _empty_means_absent(paths):
    """Say of every optional query parameter that an empty value is the same as leaving it out.

    That is how the views read them (``params.int_arg``, ``?state=`` from an
    empty form field), so ``?state=`` lists everything rather than failing.
    """
    for operations in paths.values():
        for described in operations.values():
            for parameter in described.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    parameter.setdefault("allowEmptyValue", True)
    return paths


def _area_parts(name):
    """Collect the paths or schemas each area's API module describes beside its views."""
    from . import appraisals_openapi, catalogue, gaps, plans_openapi, workforce

    merged = {}
    for module in (appraisals_openapi, catalogue, gaps, plans_openapi, workforce):
        merged.update(getattr(module, name))
    from . import learning  # noqa: E402  (learning activities)
    merged.update(getattr(learning, name))
    from . import appraisal_report  # noqa: E402  (the appraisal summary PDF)
    merged.update(getattr(appraisal_report, name))
    from . import exports  # noqa: E402  (workforce and plan exports as CSV / XLSX)
    merged.update(getattr(exports, name))
    from . import plan_report  # noqa: E402  (the competence plan PDF)
    merged.update(getattr(plan_report, name))
    from . import reports  # noqa: E402  (the workforce and gap report PDF)
    merged.update(getattr(reports, name))
    from . import me_pdf  # noqa: E402  (the caller's own data as PDF)
    merged.update(getattr(me_pdf, name))
    from . import objections  # noqa: E402  (the caller's objection to an assessment)
    merged.update(getattr(objections, name))
    return merged


# --- building blocks for the areas' operation descriptions ---------------------------


def answer(schema, description, headers=None):
    """A JSON response description, with headers (ETag, Location) when given."""
    response = _json(schema, description)
    if headers:
        response["headers"] = headers
    return response


def body_of(name, required=True):
    """A JSON request body of schema ``name``."""
    return {"required": required, "content": {"application/json": {"schema": _ref(name)}}}


def error_answers(conflict, *codes):
    """The standard error answers for ``codes``, with the area's own wording of 409."""
    return {code: ERRORS[code] if code != "409" else conflict for code in codes}


def operation(summary, params, responses, body=None):
    """One operation: summary, parameters, responses and an optional body."""
    described = {"summary": summary, "parameters": params, "responses": responses}
    if body:
        described["requestBody"] = body
    return described
