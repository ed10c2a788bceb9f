"""The caller's objection to a competence assessment (``/me/competences/{competence_id}/{source}/objection``).

Only the person an assessment is about may object, so the API offers it on
``/me`` alone: there is no employee id to get wrong. The held competence is
named the way the API names it everywhere (competence and source); the
objection then shows in every ``HeldCompetence`` the API returns.
"""
from flask import abort
from flask_babel import force_locale
from sqlalchemy import select

from .. import access
from ..access import current_principal
from ..competence.models import SOURCES, HeldCompetence
from ..competence.objections import OBJECTION_MAX, record_objection, withdraw_objection
from ..competence.profile import ProfileError, held_competence_json
from ..extensions import db
from . import bp
from .errors import ApiError
from .openapi import ERRORS, ID_SCHEMA, _ref, answer, body_of, operation
from .params import json_body, text_fields


def _held(competence_id, source):
    """The caller and the record objected to; 404 for anything not theirs or not objectable."""
    user = current_principal()
    person = user.employee
    if person is None or source not in SOURCES:
        abort(404)
    held_id = db.session.scalar(
        select(HeldCompetence.id).where(
            HeldCompetence.employee_id == person.id,
            HeldCompetence.competence_id == competence_id,
            HeldCompetence.source == source,
        )
    )
    if held_id is None:
        abort(404)
    return user, person, held_id


def _refused(error, status):
    db.session.rollback()
    with force_locale("en"):
        raise ApiError(status, str(error.message), {error.field: str(error.message)})


@bp.put("/me/competences/<int:competence_id>/<source>/objection")
@access.allow()
def put_objection(competence_id, source):
    """Write or replace the caller's objection; it is stored with the level it answers."""
    text = text_fields(json_body(), required=("objection",), max_lengths={"objection": OBJECTION_MAX})["objection"]
    user, person, held_id = _held(competence_id, source)
    try:
        held = record_objection(person, user, held_id, text)
    except ProfileError as error:
        _refused(error, 422)
    return held_competence_json(held)


@bp.delete("/me/competences/<int:competence_id>/<source>/objection")
@access.allow()
def delete_objection(competence_id, source):
    """Withdraw the caller's objection; the competence history keeps that it was made."""
    user, person, held_id = _held(competence_id, source)
    try:
        withdraw_objection(person, user, held_id)
    except ProfileError as error:
        _refused(error, 404)
    return "", 204


_PARAMS = [
    {"name": "competence_id", "in": "path", "required": True, "schema": ID_SCHEMA},
    {
        "name": "source",
        "in": "path",
        "required": True,
        "description": "Which record of the competence: any source but self_assessment (the caller's own view)",
        "schema": {"type": "string", "enum": [s for s in SOURCES if s != "self_assessment"]},
    },
]
OPENAPI_PATHS = {
    "/me/competences/{competence_id}/{source}/objection": {
        "put": operation(
            "Object to what is recorded about the caller's competence (a leader's assessment, the personnel "
            "system, a learning record or prior learning). The text is stored beside the value with the level "
            "it answers, and shown wherever the value is shown; writing again replaces it. Only the person "
            "themselves can object.",
            _PARAMS,
            {
                "200": answer(_ref("HeldCompetence"), "The held competence with the objection"),
                "401": ERRORS["401"],
                "404": ERRORS["404"],
                "422": ERRORS["422"],
            },
            body_of("Objection"),
        ),
        "delete": operation(
            "Withdraw the caller's objection. The competence history keeps that it was made.",
            _PARAMS,
            {"204": {"description": "Withdrawn"}, "401": ERRORS["401"], "404": ERRORS["404"]},
        ),
    },
}
OPENAPI_SCHEMAS = {
    "Objection": {
        "type": "object",
        "required": ["objection"],
        "properties": {"objection": {"type": "string", "minLength": 1, "maxLength": OBJECTION_MAX}},
    },
}
