"""The OpenAPI description of the appraisal and development-entry endpoints (portal/api/appraisals.py).

Merged into ``/api/v1/openapi.json`` by ``openapi._area_parts`` like the other areas.
"""
from ..appraisals import editing
from ..appraisals.models import ENTRY_STATUSES, PREPARATION_KEYS
from ..workflow import engine
from ..workflow.models import DECISIONS
from .openapi import (
    answer as _answer,
    body_of as _body_of,
    error_answers,
    _id_param,
    ID_SCHEMA,
    _json,
    NULLABLE_DATE,
    NULLABLE_DATE_TIME,
    operation as _operation,
    _page_of,
    PAGE_PARAMS,
    _ref,
)
from .params import MAX_ID

COMMENT_MAX = engine.COMMENT_MAX
_STATES = ["scheduled", "prepared", "held", "signed", "cancelled"]
_CAPACITIES = ["employee", "leader"]
_TEXT = {"type": "string"}
_ID_OR_NULL = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
_INT_OR_NULL = {"type": ["integer", "null"]}
_DATE_TIME = {"type": "string", "format": "date-time"}
_WHEN_IN = {
    "type": "string",
    "description": "ISO 8601 date-time; without an offset it means Norwegian local time (Europe/Oslo)",
    "examples": ["2026-03-14T10:00", "2026-03-14T10:00:00+01:00"],
}
_VERSION_IN = {
    "type": "integer",
    "minimum": 1,
    "description": "The appraisal version you read (or send If-Match); when left out the current version is used. "
    "A stale version gets 409 and changes nothing.",
}
_ETAG = {"ETag": {"description": 'The appraisal\'s version, as "<version>"', "schema": {"type": "string"}}}
_LOCATION = {"Location": {"description": "Where the appraisal can be read", "schema": {"type": "string"}}}
_IF_MATCH_PARAM = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The appraisal version you read, as its ETag ("3"); the same as version in the body',
}
_CONFIDENTIAL = (
    " Only the employee and the leaders of their unit see an appraisal; everyone else gets 404."
)

OPENAPI_SCHEMAS = {
    "AppraisalSummary": {
        "type": "object",
        "required": ["id", "employee_id", "employee_name", "state", "version", "scheduled_for", "signed_at"],
        "properties": {
            "id": {"type": "integer"},
            "employee_id": {"type": "integer"},
            "employee_name": _TEXT,
            "state": {"type": "string", "enum": _STATES},
            "version": {"type": "integer", "minimum": 1},
            "scheduled_for": {**_DATE_TIME, "description": "Norwegian local time, with its offset"},
            "duration_minutes": {"type": "integer"},
            "location": _TEXT,
            "signed_at": NULLABLE_DATE_TIME,
        },
    },
    "Preparation": {
        "type": "object",
        "description": "The employee's preparation in their own words: work situation, cooperation, what went "
        "well, competence they want to build, anything else",
        "properties": {key: {"type": "string", "maxLength": editing.PREPARATION_MAX} for key in PREPARATION_KEYS},
    },
    "PreparationFields": {
        "type": "object",
        "description": "Keys sent replace the stored text (an empty text clears it); keys left out stay. "
        "self_assessments are stored in the employee's competence profile with source self_assessment.",
        "properties": {
            **{key: {"type": "string", "maxLength": editing.PREPARATION_MAX} for key in PREPARATION_KEYS},
            "self_assessments": {
                "type": "array",
                "maxItems": editing.MAX_SELF_ASSESSMENTS,
                "items": {
                    "type": "object",
                    "required": ["competence_id", "level"],
                    "properties": {
                        "competence_id": ID_SCHEMA,
                        "level": {"type": "integer", "minimum": 1, "maximum": 10, "description": "On the competence's scale"},
                    },
                },
            },
        },
    },
    "Appraisal": {
        "type": "object",
        "required": [
            "id", "employee_id", "scheduled_for", "preparation", "summary", "employee_comment", "signed_at",
            "state", "version", "allowed_transitions", "required_signoffs", "signoffs", "history",
            "development_entries",
        ],
        "properties": {
            "id": {"type": "integer"},
            "employee_id": {"type": "integer"},
            "employee_name": _TEXT,
            "scheduled_for": {**_DATE_TIME, "description": "Norwegian local time, with its offset"},
            "ends_at": _DATE_TIME,
            "duration_minutes": {"type": "integer"},
            "location": _TEXT,
            "preparation": _ref("Preparation"),
            "summary": _TEXT,
            "employee_comment": {**_TEXT, "description": "The employee's closing comment, disagreement included"},
            "signed_at": NULLABLE_DATE_TIME,
            "created_at": _DATE_TIME,
            "state": {"type": "string", "enum": _STATES},
            "state_title": _TEXT,
            "version": {"type": "integer", "minimum": 1},
            "allowed_transitions": {
                "type": "array",
                "items": _TEXT,
                "description": "Steps the caller may take now (nothing blocks them)",
            },
            "required_signoffs": {
                "type": "array",
                "items": {"type": "string", "enum": _CAPACITIES},
                "description": "Capacities whose approval of the current version the stage still needs",
            },
            "may_sign": {"type": "array", "items": {"type": "string", "enum": _CAPACITIES}},
            "steps": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "title", "to_state", "may_fire", "blockers"],
                    "properties": {
                        "name": _TEXT,
                        "title": _TEXT,
                        "to_state": {"type": "string", "enum": _STATES},
                        "may_fire": {"type": "boolean"},
                        "blockers": {"type": "array", "items": _TEXT},
                    },
                },
            },
            "signoffs": {"type": "array", "items": _ref("AppraisalSignOff")},
            "history": {"type": "array", "items": _ref("AppraisalHistoryEntry")},
            "development_entries": {
                "type": "array",
                "items": _ref("DevelopmentEntry"),
                "description": "The entries agreed in this interview",
            },
            "previous_entries": {
                "type": "array",
                "items": _ref("DevelopmentEntry"),
                "description": "The employee's other entries still open, and those closed since their last signed "
                "appraisal (last year's entries and their status)",
            },
        },
    },
    "AppraisalFields": {
        "type": "object",
        "description": "Each field only for whom it belongs to (403 otherwise): preparation and employee_comment "
        "for the employee, scheduled_for/duration_minutes/location and summary for the leader. preparation and "
        "the schedule while scheduled or prepared; summary and employee_comment once held; nothing once signed "
        "(409). Fields of an appraisal answer are ignored.",
        "properties": {
            "preparation": _ref("PreparationFields"),
            "summary": {"type": "string", "maxLength": editing.SUMMARY_MAX},
            "employee_comment": {"type": "string", "maxLength": editing.COMMENT_MAX},
            "scheduled_for": _WHEN_IN,
            "duration_minutes": {"type": "integer", "minimum": editing.DURATION_MIN, "maximum": editing.DURATION_MAX},
            "location": {"type": "string", "maxLength": editing.LOCATION_MAX},
            "version": _VERSION_IN,
        },
    },
    "AppraisalNew": {
        "type": "object",
        "required": ["employee_id", "scheduled_for"],
        "properties": {
            "employee_id": {**ID_SCHEMA, "description": "Someone in a unit the caller leads"},
            "scheduled_for": _WHEN_IN,
            "duration_minutes": {
                "type": "integer",
                "minimum": editing.DURATION_MIN,
                "maximum": editing.DURATION_MAX,
                "default": 60,
            },
            "location": {"type": "string", "maxLength": editing.LOCATION_MAX},
        },
    },
    "AppraisalSignOff": {
        "type": "object",
        "required": ["capacity", "username", "decision", "comment", "at", "version"],
        "properties": {
            "capacity": {"type": "string", "enum": _CAPACITIES},
            "username": _TEXT,
            "decision": {"type": "string", "enum": list(DECISIONS)},
            "comment": _TEXT,
            "at": _DATE_TIME,
            "version": {"type": "integer", "description": "The appraisal version the decision is bound to"},
            "state": {"type": "string", "enum": _STATES},
        },
    },
    "AppraisalSignOffRequest": {
        "type": "object",
        "required": ["capacity", "decision"],
        "properties": {
            "capacity": {"type": "string", "enum": _CAPACITIES},
            "decision": {"type": "string", "enum": list(DECISIONS)},
            "comment": {"type": "string", "maxLength": COMMENT_MAX},
            "version": _VERSION_IN,
        },
    },
    "AppraisalTransitionRequest": {
        "type": "object",
        "properties": {"comment": {"type": "string", "maxLength": COMMENT_MAX}, "version": _VERSION_IN},
    },
    "AppraisalHistoryEntry": {
        "type": "object",
        "required": ["transition", "from_state", "to_state", "username", "comment", "at", "version", "kind"],
        "properties": {
            "kind": {"type": "string", "enum": ["create", "transition", "signoff", "edit"]},
            "transition": _TEXT,
            "capacity": {"type": ["string", "null"]},
            "from_state": {"type": ["string", "null"]},
            "to_state": {"type": "string", "enum": _STATES},
            "version": {"type": "integer"},
            "username": _TEXT,
            "comment": _TEXT,
            "at": _DATE_TIME,
            "changes": {
                "type": ["array", "null"],
                "items": {"type": "object"},
                "description": "What an edit changed (names of parts, never their text)",
            },
        },
    },
    "DevelopmentEntry": {
        "type": "object",
        "required": [
            "id", "employee_id", "appraisal_id", "title", "competence_id", "target_level", "measure_id", "due",
            "status", "status_note", "completed_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "employee_id": {"type": "integer"},
            "appraisal_id": {**_INT_OR_NULL, "description": "The interview it was agreed in; null when made outside one"},
            "title": _TEXT,
            "competence_id": _INT_OR_NULL,
            "competence_name": {"type": ["string", "null"]},
            "target_level": _INT_OR_NULL,
            "measure_id": {**_INT_OR_NULL, "description": "A measure of a competence plan the entry counts towards"},
            "measure_title": {"type": ["string", "null"]},
            "due": NULLABLE_DATE,
            "status": {"type": "string", "enum": list(ENTRY_STATUSES)},
            "status_note": _TEXT,
            "created_at": _DATE_TIME,
            "completed_at": NULLABLE_DATE_TIME,
            "completed_by_activity_id": _INT_OR_NULL,
            "history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["from_status", "to_status", "note", "username", "at"],
                    "properties": {
                        "from_status": {"type": ["string", "null"]},
                        "to_status": {"type": "string", "enum": list(ENTRY_STATUSES)},
                        "note": _TEXT,
                        "username": _TEXT,
                        "at": _DATE_TIME,
                    },
                },
            },
        },
    },
    "DevelopmentEntryNew": {
        "type": "object",
        "required": ["title"],
        "description": "With appraisal_id: agreed in that interview (its leader, once held; version of the "
        "appraisal). Without: employee_id is required, and the caller is that employee or their leader.",
        "properties": {
            "employee_id": ID_SCHEMA,
            "appraisal_id": _ID_OR_NULL,
            "title": {"type": "string", "maxLength": editing.TITLE_MAX},
            "competence_id": _ID_OR_NULL,
            "target_level": {"type": ["integer", "null"], "minimum": 1, "maximum": 10, "description": "At most the competence's max_level"},
            "measure_id": {**_ID_OR_NULL, "description": "A measure of a plan that is not closed"},
            "due": NULLABLE_DATE,
            "status": {"type": "string", "enum": ["planned", "in_progress"], "description": "Outside an interview; default planned"},
            "version": _VERSION_IN,
        },
    },
    "DevelopmentEntryChange": {
        "type": "object",
        "description": "A status change by the employee or their leader (a note; a reason when cancelled). With "
        "appraisal_id of another interview, or version (of the interview being held), it is that interview's "
        "follow-up (leader; status completed, in_progress or cancelled). The terms (title, competence_id, "
        "target_level, measure_id, due) change only on entries made outside an interview.",
        "properties": {
            "status": {"type": "string", "enum": list(ENTRY_STATUSES)},
            "note": {"type": "string", "maxLength": editing.NOTE_MAX},
            "appraisal_id": _ID_OR_NULL,
            "version": _VERSION_IN,
            "title": {"type": "string", "maxLength": editing.TITLE_MAX},
            "competence_id": _ID_OR_NULL,
            "target_level": {"type": ["integer", "null"], "minimum": 1, "maximum": 10},
            "measure_id": _ID_OR_NULL,
            "due": NULLABLE_DATE,
        },
    },
    "AppraisalStatistics": {
        "type": "object",
        "required": ["year", "items"],
        "properties": {
            "year": {"type": "integer"},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "description": "Counts for the unit including its sub-units",
                    "required": ["unit_id", "employees", "scheduled", "held", "signed", "entries_completed"],
                    "properties": {
                        "unit_id": {"type": "integer"},
                        "unit_code": _TEXT,
                        "unit_name": _TEXT,
                        "parent_id": _INT_OR_NULL,
                        "employees": {"type": "integer", "minimum": 0},
                        "scheduled": {"type": "integer", "minimum": 0, "description": "Interviews this year, not cancelled"},
                        "held": {"type": "integer", "minimum": 0, "description": "Held or signed"},
                        "signed": {"type": "integer", "minimum": 0},
                        "entries_completed": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
    },
}

_CONFLICT = _json(_ref("Error"), "A stale version, or a change or step the current state does not allow")
_APPRAISAL = _ref("Appraisal")
_APPRAISAL_ID = _id_param("appraisal_id")
_CHANGE_PARAMS = [_APPRAISAL_ID, _IF_MATCH_PARAM]


def _errors(*codes):
    return error_answers(_CONFLICT, *codes)


OPENAPI_PATHS = {
    "/appraisals": {
        "get": _operation(
            "The appraisals the caller may see: their own and their staff's." + _CONFIDENTIAL,
            PAGE_PARAMS
            + [
                {"name": "employee_id", "in": "query", "schema": ID_SCHEMA},
                {"name": "state", "in": "query", "schema": {"type": "string", "enum": _STATES}},
                {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}},
            ],
            {"200": _json(_page_of("AppraisalSummary")), **_errors("401", "422")},
        ),
        "post": _operation(
            "Schedule an interview with someone in a unit the caller leads (leader); the employee gets an invitation",
            [],
            {"201": _answer(_APPRAISAL, "Scheduled", {**_ETAG, **_LOCATION}), **_errors("401", "403", "422")},
            _body_of("AppraisalNew"),
        ),
    },
    "/appraisals/statistics": {
        "get": _operation(
            "Completion per unit this year (hr): employees, interviews scheduled, held, signed, development entries "
            "completed. Counts only, never content.",
            [{"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}}],
            {"200": _json(_ref("AppraisalStatistics")), **_errors("401", "403", "422")},
        ),
    },
    "/appraisals/{appraisal_id}": {
        "get": _operation(
            "One appraisal with its workflow, preparation, summary, comment and development entries." + _CONFIDENTIAL,
            [_APPRAISAL_ID],
            {"200": _answer(_APPRAISAL, "OK", _ETAG), **_errors("401", "404")},
        ),
        "patch": _operation(
            "Change the caller's parts (see AppraisalFields). Voids approvals given for the old version.",
            _CHANGE_PARAMS,
            {"200": _answer(_APPRAISAL, "Changed", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("AppraisalFields"),
        ),
    },
    "/appraisals/{appraisal_id}/signoffs": {
        "post": _operation(
            "Approve or reject the current version as the employee or the leader; when both approved the held "
            "interview with a summary is signed automatically (sign_off)",
            _CHANGE_PARAMS,
            {"201": _answer(_APPRAISAL, "Signed; the whole appraisal", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("AppraisalSignOffRequest"),
        ),
    },
    "/appraisals/{appraisal_id}/transitions/{name}": {
        "post": _operation(
            "Take a step: prepare (the employee), hold or cancel (the leader); 404 for an unknown step",
            _CHANGE_PARAMS
            + [{"name": "name", "in": "path", "required": True, "schema": {"type": "string", "enum": ["prepare", "hold", "sign_off", "cancel"]}}],
            {"200": _answer(_APPRAISAL, "Done", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("AppraisalTransitionRequest", required=False),
        ),
    },
    "/appraisals/{appraisal_id}/invite.ics": {
        "get": _operation(
            "The calendar invitation (iCalendar, Europe/Oslo times, stable UID): when and where, no content."
            + _CONFIDENTIAL,
            [_APPRAISAL_ID],
            {
                "200": {"description": "The invitation", "content": {"text/calendar": {"schema": {"type": "string"}}}},
                **_errors("401", "404"),
            },
        ),
    },
    "/employees/{employee_id}/development-entries": {
        "get": _operation(
            "One person's development plan with each entry's history: the person and their leaders only "
            "(404 for everyone else, hr included)",
            [_id_param("employee_id"), *PAGE_PARAMS, {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(ENTRY_STATUSES)}}],
            {"200": _json(_page_of("DevelopmentEntry")), **_errors("401", "404", "422")},
        ),
    },
    "/development-entries": {
        "post": _operation(
            "Add a development entry: in an interview (appraisal_id; its leader, once held) or to someone's plan",
            [_IF_MATCH_PARAM],
            {"201": _json(_ref("DevelopmentEntry"), "Added"), **_errors("401", "403", "404", "409", "422")},
            _body_of("DevelopmentEntryNew"),
        ),
    },
    "/development-entries/{entry_id}": {
        "patch": _operation(
            "Change an entry's status, or follow it up in the interview being held (see DevelopmentEntryChange)",
            [_id_param("entry_id"), _IF_MATCH_PARAM],
            {"200": _json(_ref("DevelopmentEntry"), "Changed"), **_errors("401", "403", "404", "409", "422")},
            _body_of("DevelopmentEntryChange"),
        ),
    },
}
