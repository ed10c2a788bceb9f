"""What every workflow object's API shares: reading the body and version, running a change, sign-offs and history.

Plans and appraisals answer the same way (the contract's workflow object):
the version the caller read comes from the body or ``If-Match``, a change
commits or rolls back as a whole and turns refusals into the contract's
errors, and sign-offs and history have one shape.
"""
import re
from contextlib import contextmanager

from flask import request
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..notify import send_after_commit
from ..plans.fields import PlanError
from ..workflow import engine
from .errors import ApiError
from .params import json_body
from .serialize import iso

STALE = "Someone else changed this in the meantime. Load it again and repeat your change."


def body(required=True):
    """The JSON object sent, ``{}`` for an empty body where one is optional; 422 otherwise."""
    if not required and not request.get_data(cache=True):
        return {}
    return json_body()


_DIGITS = re.compile(r"\s*([0-9]{1,18})\s*")
_IF_MATCH = re.compile(r'\s*(?:W/)?"?([0-9]{1,18})"?\s*')


def version_read(data, plan):
    """The version the caller read: ``version`` in the body or ``If-Match``; else the current one.

    A version in the wrong form is a 422; one that is not the current version
    is left to the engine, which answers 409 and changes nothing.
    """
    given = []
    if data.get("version") is not None:
        value = data["version"]
        digits = _DIGITS.fullmatch(value) if isinstance(value, str) else None
        if digits:
            value = int(digits.group(1))
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApiError(422, "Invalid fields: version", {"version": "Must be a whole number."})
        given.append(value)
    header = request.headers.get("If-Match")
    if header is not None and header.strip() not in ("", "*"):
        match = _IF_MATCH.fullmatch(header)
        if match is None:
            raise ApiError(
                422, 'If-Match must be the ETag of the object, like "3".', {"version": "Must be a whole number."}
            )
        given.append(int(match.group(1)))
    if len(set(given)) > 1:
        raise ApiError(422, "The body's version and If-Match disagree.", {"version": "Give one version."})
    return given[0] if given else plan.version


def english(message):
    with force_locale("en"):
        return str(message)


@contextmanager
def change():
    """Run a change and commit it; on any refusal roll back and answer with the contract's error.

    The domain code runs with English as the locale, so messages it builds
    eagerly (the engine joins what blocks a step) come out in English too.
    """
    try:
        with force_locale("en"):
            yield
            db.session.commit()
    except engine.WorkflowError as error:
        db.session.rollback()
        message = english(error.message)
        raise ApiError(error.status, message, {error.field: message} if error.field else None) from None
    except PlanError as error:
        db.session.rollback()
        fields = {name: english(problem) for name, problem in error.problems.items()}
        raise ApiError(422, "Invalid fields: " + ", ".join(sorted(fields)), fields) from None
    except IntegrityError:
        # Two requests raced past the version check; the database kept one.
        db.session.rollback()
        raise ApiError(409, STALE) from None
    except OperationalError as error:
        db.session.rollback()
        text = str(error).lower()
        if "locked" in text or "deadlock" in text or "could not serialize" in text:
            raise ApiError(409, STALE) from None
        raise
    except BaseException:
        db.session.rollback()
        raise
    send_after_commit()


def with_etag(response, version):
    response.headers["ETag"] = f'"{version}"'
    return response


def signoff_json(signoff):
    return {
        "capacity": signoff.capacity,
        "username": signoff.username,
        "decision": signoff.decision,
        "comment": signoff.comment or "",
        "at": iso(signoff.at),
        "version": signoff.version,
        "state": signoff.state,
    }


def history_json(entry):
    return {
        "kind": entry.kind,
        "transition": entry.transition,
        "capacity": (entry.transition.partition(":")[2] or None) if entry.kind == "signoff" else None,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "version": entry.version,
        "username": entry.username,
        "comment": entry.comment or "",
        "at": iso(entry.at),
        "changes": entry.changes,
    }
