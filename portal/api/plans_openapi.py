"""The OpenAPI description of the plan endpoints (portal/api/plans.py).

Kept apart from the views so each file stays readable; merged into
``/api/v1/openapi.json`` by ``openapi._area_parts`` like the other areas.
"""
from ..plans import editing
from ..plans.catalogue import MEASURE_KINDS
from ..plans.figures import FIGURES
from ..plans.models import (
    DIRECTIONS,
    GOAL_KINDS,
    MEASURE_STATUSES,
    PLATFORM_KEYS,
    STRATEGIES,
    VERDICTS,
    WORKING_GROUP_ROLES,
)
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


_STATES = ["purpose", "goals", "measures", "evaluation", "closed"]
_CAPACITIES = ["leader", "representative", "politician", "hr"]
_TEXT = {"type": "string"}
_LONG_TEXT = {"type": "string", "maxLength": editing.LONG_TEXT}
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_INT_OR_NULL = {"type": ["integer", "null"]}
_ID_OR_NULL = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}
_MONEY_IN = {
    "type": ["number", "string", "null"],
    "minimum": 0,
    "description": "NOK; a number, or text like \"12 500,50\"",
}
_VERSION_IN = {
    "type": "integer",
    "minimum": 1,
    "description": "The plan version you read (or send If-Match); when left out the current version is used. "
    "A stale version gets 409 and changes nothing.",
}
_ETAG = {"ETag": {"description": 'The plan\'s version, as "<version>"', "schema": {"type": "string"}}}
_LOCATION = {"Location": {"description": "Where the plan can be read", "schema": {"type": "string"}}}
_IF_MATCH_PARAM = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The plan version you read, as its ETag ("3"); the same as version in the body',
}

OPENAPI_SCHEMAS = {
    "PlanSummary": {
        "type": "object",
        "required": ["id", "title", "state", "version", "scope_unit_id", "period_start", "period_end"],
        "properties": {
            "id": {"type": "integer"},
            "title": _TEXT,
            "state": {"type": "string", "enum": _STATES},
            "version": {"type": "integer", "minimum": 1},
            "scope_unit_id": {"type": ["integer", "null"], "description": "null: the whole municipality"},
            "period_start": NULLABLE_DATE,
            "period_end": NULLABLE_DATE,
            "predecessor_id": {"type": ["integer", "null"]},
        },
    },
    "WorkingGroupMember": {
        "type": "object",
        "required": ["name", "role"],
        "properties": {
            "name": {"type": "string", "maxLength": 200},
            "role": {"type": "string", "enum": list(WORKING_GROUP_ROLES)},
        },
    },
    "Platform": {
        "type": "object",
        "description": "Answers to the platform questions of the purpose stage: overview of the competence "
        "held, needs ahead, the five-year outlook, stable and high-turnover groups",
        "properties": {key: _LONG_TEXT for key in PLATFORM_KEYS},
    },
    "Plan": {
        "type": "object",
        "required": [
            "id", "title", "scope_unit_id", "period_start", "period_end", "purpose", "platform", "working_group",
            "mandate", "predecessor_id", "successor_id", "state", "version", "allowed_transitions",
            "required_signoffs", "signoffs", "history", "goals", "measures", "budget",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": _TEXT,
            "scope_unit_id": {"type": ["integer", "null"], "description": "null: the whole municipality"},
            "period_start": NULLABLE_DATE,
            "period_end": NULLABLE_DATE,
            "mandate": _TEXT,
            "purpose": _TEXT,
            "platform": _ref("Platform"),
            "working_group": {"type": "array", "items": _ref("WorkingGroupMember")},
            "predecessor_id": {"type": ["integer", "null"], "description": "The plan of the cycle before"},
            "successor_id": {"type": ["integer", "null"], "description": "The plan new_cycle started from this one"},
            "created_at": {"type": "string", "format": "date-time"},
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
            "may_sign": {
                "type": "array",
                "items": {"type": "string", "enum": _CAPACITIES},
                "description": "Capacities the caller may sign the current version in",
            },
            "steps": {
                "type": "array",
                "description": "Every step out of the current state, whether the caller may take it and what blocks it",
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
            "signoffs": {
                "type": "array",
                "items": _ref("SignOff"),
                "description": "Every sign-off ever given, oldest first",
            },
            "history": {"type": "array", "items": _ref("PlanHistoryEntry"), "description": "Every step, oldest first"},
            "goals": {"type": "array", "items": _ref("Goal")},
            "measures": {"type": "array", "items": _ref("Measure")},
            "budget": _ref("PlanBudget"),
        },
    },
    "PlanFields": {
        "type": "object",
        "description": "POST needs title; PATCH changes only the fields sent (purpose stage). "
        "Other fields of a plan answer are ignored.",
        "properties": {
            "title": {"type": "string", "maxLength": editing.TITLE_MAX},
            "scope_unit_id": {**_ID_OR_NULL, "description": "null: the whole municipality"},
            "period_start": NULLABLE_DATE,
            "period_end": NULLABLE_DATE,
            "purpose": _LONG_TEXT,
            "mandate": _LONG_TEXT,
            "platform": _ref("Platform"),
            "working_group": {"type": "array", "maxItems": editing.MAX_GROUP, "items": _ref("WorkingGroupMember")},
            "version": _VERSION_IN,
        },
    },
    "SignOff": {
        "type": "object",
        "required": ["capacity", "username", "decision", "comment", "at", "version"],
        "properties": {
            "capacity": {"type": "string", "enum": _CAPACITIES},
            "username": _TEXT,
            "decision": {"type": "string", "enum": list(DECISIONS)},
            "comment": _TEXT,
            "at": {"type": "string", "format": "date-time"},
            "version": {"type": "integer", "description": "The plan version the decision is bound to"},
            "state": {"type": "string", "enum": _STATES},
        },
    },
    "SignOffRequest": {
        "type": "object",
        "required": ["capacity", "decision"],
        "properties": {
            "capacity": {"type": "string", "enum": _CAPACITIES},
            "decision": {"type": "string", "enum": list(DECISIONS)},
            "comment": {"type": "string", "maxLength": COMMENT_MAX},
            "version": _VERSION_IN,
        },
    },
    "TransitionRequest": {
        "type": "object",
        "properties": {
            "comment": {"type": "string", "maxLength": COMMENT_MAX, "description": "Required for send_back"},
            "version": _VERSION_IN,
        },
    },
    "PlanHistoryEntry": {
        "type": "object",
        "required": ["transition", "from_state", "to_state", "username", "comment", "at", "version", "kind"],
        "properties": {
            "kind": {"type": "string", "enum": ["create", "transition", "signoff", "edit"]},
            "transition": {
                "type": "string",
                "description": "The step's name; for a sign-off decision:capacity (approve:leader); create; edit",
            },
            "capacity": {"type": ["string", "null"], "description": "For sign-offs"},
            "from_state": {"type": ["string", "null"]},
            "to_state": {"type": "string", "enum": _STATES},
            "version": {"type": "integer", "description": "The plan version after the step"},
            "username": _TEXT,
            "comment": _TEXT,
            "at": {"type": "string", "format": "date-time"},
            "changes": {"type": ["array", "null"], "items": {"type": "object"}, "description": "What an edit changed"},
        },
    },
    "Goal": {
        "type": "object",
        "required": [
            "id", "title", "kind", "unit_id", "competence_id", "min_level", "target_count", "target_date",
            "current_value", "current_value_hidden", "evaluation",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": _TEXT,
            "kind": {"type": "string", "enum": list(GOAL_KINDS)},
            "unit_id": _INT_OR_NULL,
            "competence_id": _INT_OR_NULL,
            "min_level": _INT_OR_NULL,
            "target_count": _INT_OR_NULL,
            "figure": {"type": ["string", "null"], "enum": [*FIGURES, None]},
            "target_value": _NUMBER_OR_NULL,
            "direction": {"type": "string", "enum": list(DIRECTIONS)},
            "manual_value": _NUMBER_OR_NULL,
            "target_date": NULLABLE_DATE,
            "description": _TEXT,
            "baseline_value": {
                "type": ["number", "null"],
                "description": "Read-only: the value when the goal was set (or redefined; for a carried goal, "
                "the value reached in the plan before); null when unknown or withheld from an aggregate-only caller",
            },
            "current_value": {
                "type": ["number", "null"],
                "description": "Live: holders now, the workforce figure now, or the manual value; null when it "
                "cannot be measured or is withheld (current_value_hidden)",
            },
            "current_value_hidden": {
                "type": "boolean",
                "description": "The value describes fewer than five people and the caller sees aggregates only",
            },
            "progress": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
            "suggested_verdict": {"type": ["string", "null"], "enum": [*VERDICTS, None]},
            "evaluation": {
                "type": ["object", "null"],
                "required": ["verdict", "reached_value", "comment"],
                "properties": {
                    "verdict": {"type": "string", "enum": list(VERDICTS)},
                    "reached_value": _NUMBER_OR_NULL,
                    "reached_value_hidden": {"type": "boolean"},
                    "comment": _TEXT,
                    "at": NULLABLE_DATE_TIME,
                },
            },
            "carried_from_id": {"type": ["integer", "null"], "description": "The goal of the previous cycle"},
        },
    },
    "GoalFields": {
        "type": "object",
        "description": "kind competence: competence_id, min_level, target_count (holders in unit_id, or in the "
        "whole municipality); kind workforce: figure and target_value; kind manual: target_value and "
        "manual_value. PATCH changes only the fields sent. In the evaluation stage send only "
        "{\"evaluation\": {...}}; reached_value is measured for competence and workforce goals.",
        "properties": {
            "title": {"type": "string", "maxLength": 300},
            "kind": {"type": "string", "enum": list(GOAL_KINDS)},
            "unit_id": _ID_OR_NULL,
            "competence_id": _ID_OR_NULL,
            "min_level": {"type": ["integer", "null"], "minimum": 1},
            "target_count": {"type": "integer", "minimum": 0},
            "figure": {"type": "string", "enum": list(FIGURES)},
            "target_value": _MONEY_IN,
            "direction": {"type": "string", "enum": list(DIRECTIONS)},
            "manual_value": _MONEY_IN,
            "target_date": NULLABLE_DATE,
            "description": _LONG_TEXT,
            "evaluation": {
                "type": "object",
                "properties": {
                    "verdict": {"type": "string", "enum": list(VERDICTS)},
                    "reached_value": _MONEY_IN,
                    "comment": _LONG_TEXT,
                },
            },
            "version": _VERSION_IN,
        },
    },
    "Measure": {
        "type": "object",
        "required": [
            "id", "goal_id", "kind", "strategy", "title", "responsible", "target_group", "start", "end",
            "cost_nok", "evaluation_method", "status", "notes",
        ],
        "properties": {
            "id": {"type": "integer"},
            "goal_id": _INT_OR_NULL,
            "kind": {"type": "string", "enum": list(MEASURE_KINDS)},
            "strategy": {"type": "string", "enum": list(STRATEGIES)},
            "title": _TEXT,
            "description": _TEXT,
            "responsible": _TEXT,
            "target_group": _TEXT,
            "binding_months": _INT_OR_NULL,
            "start": NULLABLE_DATE,
            "end": NULLABLE_DATE,
            "participants": _INT_OR_NULL,
            "cost_per_participant": _NUMBER_OR_NULL,
            "cost_nok": {
                "type": "number",
                "description": "Total in NOK: as entered, else per participant × participants",
            },
            "external_grants": _NUMBER_OR_NULL,
            "cost_centre": _TEXT,
            "evaluation_method": _TEXT,
            "status": {"type": "string", "enum": list(MEASURE_STATUSES)},
            "notes": {"type": "array", "items": _ref("MeasureNote")},
        },
    },
    "MeasureFields": {
        "type": "object",
        "description": "POST needs title and kind; PATCH changes only the fields sent. A change of status alone "
        "is progress and is allowed in the evaluation stage too.",
        "properties": {
            "goal_id": _ID_OR_NULL,
            "kind": {"type": "string", "enum": list(MEASURE_KINDS)},
            "strategy": {"type": "string", "enum": list(STRATEGIES)},
            "title": {"type": "string", "maxLength": 300},
            "description": _LONG_TEXT,
            "responsible": {"type": "string", "maxLength": 200},
            "target_group": {"type": "string", "maxLength": 300},
            "binding_months": {"type": ["integer", "null"], "minimum": 0, "maximum": 120},
            "start": NULLABLE_DATE,
            "end": NULLABLE_DATE,
            "participants": {"type": ["integer", "null"], "minimum": 0},
            "cost_per_participant": _MONEY_IN,
            "cost_nok": _MONEY_IN,
            "external_grants": _MONEY_IN,
            "cost_centre": {"type": "string", "maxLength": 40},
            "evaluation_method": _LONG_TEXT,
            "status": {"type": "string", "enum": list(MEASURE_STATUSES)},
            "version": _VERSION_IN,
        },
    },
    "MeasureNote": {
        "type": "object",
        "required": ["text", "username", "at"],
        "properties": {
            "id": {"type": "integer"},
            "text": _TEXT,
            "username": _TEXT,
            "at": {"type": "string", "format": "date-time"},
        },
    },
    "NoteFields": {
        "type": "object",
        "required": ["text"],
        "properties": {"text": _LONG_TEXT, "version": _VERSION_IN},
    },
    "PlanBudget": {
        "type": "object",
        "description": "Cancelled measures left out; a measure over several years is spread over them by days",
        "required": ["total", "grants", "net", "per_year"],
        "properties": {
            "total": {"type": "number"},
            "grants": {"type": "number"},
            "net": {"type": "number"},
            "per_year": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["year", "amount"],
                    "properties": {"year": {"type": "integer"}, "amount": {"type": "number"}},
                },
            },
        },
    },
}

_CONFLICT = _json(_ref("Error"), "A stale version, or a step the current state or sign-offs do not allow")
_PLAN = _ref("Plan")
_PLAN_ID = _id_param("plan_id")


def _errors(*codes):
    return error_answers(_CONFLICT, *codes)


_CHANGE_PARAMS = [_PLAN_ID, _IF_MATCH_PARAM]

OPENAPI_PATHS = {
    "/plans": {
        "get": _operation(
            "Competence plans, newest first (any logged-in user)",
            PAGE_PARAMS
            + [
                {"name": "state", "in": "query", "schema": {"type": "string", "enum": _STATES}},
                {"name": "scope_unit_id", "in": "query", "schema": ID_SCHEMA},
                {"name": "q", "in": "query", "schema": {"type": "string"}, "description": "Part of the title"},
            ],
            {"200": _json(_page_of("PlanSummary")), **_errors("401", "422")},
        ),
        "post": _operation(
            "Start a plan in the purpose stage (hr)",
            [],
            {"201": _answer(_PLAN, "Created", {**_ETAG, **_LOCATION}), **_errors("401", "403", "422")},
            _body_of("PlanFields"),
        ),
    },
    "/plans/{plan_id}": {
        "get": _operation(
            "One plan with its workflow (for the caller), goals with live values, measures and budget",
            [_PLAN_ID],
            {"200": _answer(_PLAN, "OK", _ETAG), **_errors("401", "404")},
        ),
        "patch": _operation(
            "Change the plan's fields (purpose stage; hr). Voids the approvals given for the old version.",
            _CHANGE_PARAMS,
            {"200": _answer(_PLAN, "Changed", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("PlanFields"),
        ),
    },
    "/plans/{plan_id}/signoffs": {
        "post": _operation(
            "Approve or reject the current version in a capacity the caller holds; 403 for a capacity "
            "the caller does not hold, 409 when already signed in it or it is not asked for at this stage",
            _CHANGE_PARAMS,
            {"201": _answer(_PLAN, "Signed; the whole plan", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("SignOffRequest"),
        ),
    },
    "/plans/{plan_id}/transitions/{name}": {
        "post": _operation(
            "Take a step: agree_purpose, approve_goals, start_evaluation, close, send_back (needs a comment), "
            "new_cycle (201 with the new plan, in purpose, carrying over goals not reached). 409 names what "
            "blocks the step.",
            _CHANGE_PARAMS + [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            {
                "200": _answer(_PLAN, "Done; the plan in its new state", _ETAG),
                "201": _answer(_PLAN, "new_cycle: the new plan", {**_ETAG, **_LOCATION}),
                **_errors("401", "403", "404", "409", "422"),
            },
            _body_of("TransitionRequest", required=False),
        ),
    },
    "/plans/{plan_id}/goals": {
        "post": _operation(
            "Add a goal (goals stage; hr)",
            _CHANGE_PARAMS,
            {"201": _answer(_ref("Goal"), "Created", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("GoalFields"),
        ),
    },
    "/plans/{plan_id}/goals/{goal_id}": {
        "patch": _operation(
            "Change a goal (goals stage), or evaluate it (evaluation stage) (hr)",
            _CHANGE_PARAMS + [_id_param("goal_id")],
            {"200": _answer(_ref("Goal"), "Changed", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("GoalFields"),
        ),
        "delete": _operation(
            "Remove a goal (goals stage; hr); its measures stay, without a goal",
            _CHANGE_PARAMS + [_id_param("goal_id")],
            {"204": {"description": "Removed", "headers": _ETAG}, **_errors("401", "403", "404", "409", "422")},
        ),
    },
    "/plans/{plan_id}/measures": {
        "post": _operation(
            "Add a measure (measures stage; hr)",
            _CHANGE_PARAMS,
            {"201": _answer(_ref("Measure"), "Created", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("MeasureFields"),
        ),
    },
    "/plans/{plan_id}/measures/{measure_id}": {
        "patch": _operation(
            "Change a measure (measures stage; its status also while evaluating) (hr)",
            _CHANGE_PARAMS + [_id_param("measure_id")],
            {"200": _answer(_ref("Measure"), "Changed", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("MeasureFields"),
        ),
        "delete": _operation(
            "Remove a measure (measures stage; hr)",
            _CHANGE_PARAMS + [_id_param("measure_id")],
            {"204": {"description": "Removed", "headers": _ETAG}, **_errors("401", "403", "404", "409", "422")},
        ),
    },
    "/plans/{plan_id}/measures/{measure_id}/notes": {
        "post": _operation(
            "A progress note on a measure (measures and evaluation stages; hr, leaders)",
            _CHANGE_PARAMS + [_id_param("measure_id")],
            {"201": _answer(_ref("MeasureNote"), "Created", _ETAG), **_errors("401", "403", "404", "409", "422")},
            _body_of("NoteFields"),
        ),
    },
}
