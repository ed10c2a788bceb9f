"""API endpoints for learning activities: the list a caller may see, and logging one for many people.

Thin: :mod:`portal.learning.logging` checks the input and writes every change
in bulk; this module reads the JSON, commits, and answers. A refused request
(a bad field, a participant who is not on the caller's staff) is a 422 naming
the field and the ids, and nothing is written. ``?dry_run=1`` answers with
the changes saving would make, without saving.
"""
from flask import jsonify, request
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from .. import access
from ..access import current_principal
from ..extensions import db
from ..learning import logging
from ..learning.models import KINDS
from ..pagination import paginate
from ..plans.fields import PlanError
from . import bp
from .errors import ApiError
from .openapi import ERRORS, ID_SCHEMA, PAGE_PARAMS, _get, _json, _page_of, _ref
from .params import json_body, page_args
from .serialize import iso


def activity_json(activity, participant_ids, participant_count):
    """An activity; ``participant_ids`` only those the caller may see, ``participant_count`` all of them."""
    return {
        "id": activity.id,
        "title": activity.title,
        "kind": activity.kind,
        "description": activity.description or "",
        "date": iso(activity.date),
        "hours": float(activity.hours),
        "competence_id": activity.competence_id,
        "competence_code": activity.competence.code if activity.competence else None,
        "level_achieved": activity.level_achieved,
        "created_at": iso(activity.created_at),
        "participant_ids": participant_ids,
        "participant_count": participant_count,
    }


def change_json(change, competence):
    """What logging does (or did) for one participant."""
    return {
        "employee_id": change.employee.id,
        "name": change.employee.full_name,
        "unit_id": change.employee.unit_id,
        "competence_id": competence.id if competence else None,
        "action": change.action,
        "old_level": change.old_level,
        "new_level": change.new_level,
        "best_verified_level": change.best_verified,
        "valid_until": iso(change.new_valid_until),
        "completed_entry_ids": [entry.id for entry in change.entries],
    }


def _preview_json(preview):
    return {
        "title": preview.title,
        "kind": preview.kind,
        "description": preview.description,
        "date": iso(preview.date),
        "hours": float(preview.hours),
        "competence_id": preview.competence.id if preview.competence else None,
        "competence_code": preview.competence.code if preview.competence else None,
        "level_achieved": preview.level_achieved,
        "participants": [
            {"employee_id": e.id, "name": e.full_name, "unit_id": e.unit_id} for e in preview.participants
        ],
        "changes": [change_json(c, preview.competence) for c in preview.changes],
    }


def _refused(error):
    with force_locale("en"):
        fields = {name: str(message) for name, message in error.problems.items()}
    return ApiError(422, "Invalid fields: " + ", ".join(sorted(fields)), fields)


@bp.get("/learning-activities")
@access.allow()
def learning_activities():
    """Activities the caller may see, newest first: hr all; leaders their staff's; employees their own."""
    page, per_page = page_args()
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise ApiError(422, "kind must be one of " + ", ".join(KINDS), {"kind": "unknown kind"})
    user = current_principal()
    result = paginate(logging.activities_stmt(user, kind), page, per_page)
    visible, counts = logging.participant_ids_by_activity([a.id for a in result.items], user)
    return jsonify(
        {
            "items": [activity_json(a, visible.get(a.id, []), counts.get(a.id, 0)) for a in result.items],
            "total": result.total,
            "page": result.page,
            "per_page": result.per_page,
        }
    )


@bp.post("/learning-activities")
@access.allow("leader")
def log_learning_activity():
    """Log an activity for the caller's staff: competences raised, entries completed; all or nothing."""
    data = json_body()
    user = current_principal()
    dry_run = request.args.get("dry_run", "") in ("1", "true", "yes")
    try:
        if dry_run:
            preview = logging.plan_activity(data, user)
            db.session.rollback()
            return jsonify({"dry_run": True, **_preview_json(preview)})
        activity, preview = logging.log_activity(data, user)
        db.session.commit()
    except PlanError as error:
        db.session.rollback()
        raise _refused(error) from None
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "Someone else changed these competences at the same moment. Try again.") from None
    body = {
        **activity_json(activity, [c.employee.id for c in preview.changes], len(preview.changes)),
        **{k: v for k, v in _preview_json(preview).items() if k in ("participants", "changes")},
    }
    return jsonify(body), 201


# --------------------------------------------------------------------------
# OpenAPI
# --------------------------------------------------------------------------

_LEVEL = {"type": ["integer", "null"], "minimum": 1, "maximum": 10}
_PARTICIPANT = {
    "type": "object",
    "required": ["employee_id", "name", "unit_id"],
    "properties": {"employee_id": {"type": "integer"}, "name": {"type": "string"}, "unit_id": {"type": "integer"}},
}
_ACTIVITY_PROPERTIES = {
    "title": {"type": "string", "maxLength": logging.TITLE_MAX},
    "kind": {"type": "string", "enum": list(KINDS)},
    "description": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "hours": {"type": "number", "minimum": 0, "maximum": 10000},
    "competence_id": {"type": ["integer", "null"]},
    "competence_code": {"type": ["string", "null"]},
    "level_achieved": _LEVEL,
}
_RESULT_PROPERTIES = {
    "participants": {"type": "array", "items": _PARTICIPANT},
    "changes": {"type": "array", "items": _ref("LearningChange")},
}

OPENAPI_SCHEMAS = {
    "LearningActivity": {
        "type": "object",
        "required": ["id", "title", "kind", "date", "hours", "competence_id", "level_achieved",
                     "participant_ids", "participant_count"],
        "properties": {
            "id": {"type": "integer"},
            **_ACTIVITY_PROPERTIES,
            "created_at": {"type": "string", "format": "date-time"},
            "participant_ids": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "The participants the caller may see (hr: all; leaders: their staff; an employee: themselves)",
            },
            "participant_count": {"type": "integer", "minimum": 0},
        },
    },
    "LoggedLearningActivity": {
        "type": "object",
        "description": "The saved activity with its participants and the changes logging it made.",
        "required": ["id", "title", "kind", "date", "hours", "participant_ids", "participants", "changes"],
        "properties": {
            "id": {"type": "integer"},
            **_ACTIVITY_PROPERTIES,
            "created_at": {"type": "string", "format": "date-time"},
            "participant_ids": {"type": "array", "items": {"type": "integer"}},
            "participant_count": {"type": "integer", "minimum": 0},
            **_RESULT_PROPERTIES,
        },
    },
    "LearningActivityPreview": {
        "type": "object",
        "description": "What saving would do (?dry_run=1); nothing is written.",
        "required": ["dry_run", "title", "kind", "date", "hours", "participants", "changes"],
        "properties": {"dry_run": {"type": "boolean"}, **_ACTIVITY_PROPERTIES, **_RESULT_PROPERTIES},
    },
    "LearningChange": {
        "type": "object",
        "description": "One participant: their learning_activity level before and after (never lowered), "
        "their best verified level, and the development entries completed.",
        "required": ["employee_id", "action", "old_level", "new_level", "best_verified_level", "completed_entry_ids"],
        "properties": {
            "employee_id": {"type": "integer"},
            "name": {"type": "string"},
            "unit_id": {"type": "integer"},
            "competence_id": {"type": ["integer", "null"]},
            "action": {
                "type": "string",
                "enum": list(logging.ACTION_LABELS),
                "description": "created, raised, renewed (same level, later validity) or unchanged",
            },
            "old_level": {"type": ["integer", "null"]},
            "new_level": {"type": ["integer", "null"]},
            "best_verified_level": {"type": ["integer", "null"]},
            "valid_until": {"type": ["string", "null"], "format": "date"},
            "completed_entry_ids": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "NewLearningActivity": {
        "type": "object",
        "required": ["title", "kind", "date", "hours", "participant_ids"],
        "properties": {
            "title": {"type": "string", "maxLength": logging.TITLE_MAX},
            "kind": {"type": "string", "enum": list(KINDS)},
            "description": {"type": "string", "maxLength": logging.DESCRIPTION_MAX},
            "date": {"type": "string", "format": "date"},
            "hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 10000},
            "competence_id": {**ID_SCHEMA, "description": "Give it with level_achieved, or leave both out"},
            "level_achieved": {"type": "integer", "minimum": 1, "maximum": 10,
                               "description": "At most the competence's max_level"},
            "participant_ids": {
                "type": "array",
                "minItems": 1,
                "maxItems": logging.MAX_PARTICIPANTS,
                "items": ID_SCHEMA,
                "description": "Employees in units the caller leads (or below), employed on the date; "
                "any other id is a 422 naming it",
            },
        },
    },
}

OPENAPI_PATHS = {
    "/learning-activities": {
        "get": _get(
            "Learning activities the caller may see, newest first (hr all; leaders their staff's; "
            "employees the ones they took part in)",
            _json(_page_of("LearningActivity")),
            PAGE_PARAMS + [{"name": "kind", "in": "query", "schema": {"type": "string", "enum": list(KINDS)}}],
            ("401", "422"),
        ),
        "post": {
            "summary": "Log a learning activity for the caller's staff (leader): raises each participant's "
            "learning_activity competence (never lowers it) and completes matching open development "
            "entries, all or nothing. ?dry_run=1 answers with the changes without saving.",
            "parameters": [{"name": "dry_run", "in": "query", "schema": {"type": "string", "enum": ["0", "1"]}}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewLearningActivity")}},
            },
            "responses": {
                "200": _json(_ref("LearningActivityPreview"), "The changes saving would make (dry run)"),
                "201": _json(_ref("LoggedLearningActivity"), "Logged"),
                "401": ERRORS["401"],
                "403": ERRORS["403"],
                "409": _json(_ref("Error"), "Someone changed the same competences at the same moment"),
                "422": ERRORS["422"],
            },
        },
    },
}
