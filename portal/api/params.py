"""Reading query parameters and JSON bodies with errors that name the field.

Everything a client sends is checked here before it reaches the database, so
bad input gets a 422 naming the field and never a 500 from the driver (an
integer too large for the column, a NUL byte PostgreSQL refuses, JSON nested
deeper than the parser's recursion limit).
"""
import re

from flask import request

from .errors import ApiError

MAX_PER_PAGE = 200
# Primary keys are 32-bit integers on PostgreSQL; larger numbers name no row
# and would make the driver raise instead of finding nothing.
MAX_ID = 2**31 - 1
# Routes take ids through this converter, so an impossible id is a plain 404.
ID = f"int(min=1, max={MAX_ID})"

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")


def int_arg(name, default=None, minimum=None, maximum=None):
    """Read an integer query parameter or raise 422 naming it.

    Only ASCII digits count: ``int()`` alone would also take ``1_000`` and
    digits from other scripts, which no client means to send.
    """
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ApiError(422, f"{name} must be a whole number", {name: "not a whole number"})
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ApiError(422, f"{name} must be between {minimum} and {maximum}", {name: "out of range"})
    return value


def id_arg(name):
    """Read an optional id query parameter (``unit_id``...) that fits the id column."""
    return int_arg(name, minimum=1, maximum=MAX_ID)


def page_args():
    """The ``page`` and ``per_page`` parameters every list takes."""
    page = int_arg("page", 1, minimum=1, maximum=10**6)
    per_page = int_arg("per_page", 50, minimum=1, maximum=MAX_PER_PAGE)
    return page, per_page


def json_body():
    """The request's JSON object or a 422 explaining what is wrong."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # silent only covers ValueError; deep nesting is bad input too
        data = None
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "The body must be a JSON object sent as Content-Type: application/json.",
            {"body": "not a JSON object"},
        )
    return data


def text_fields(data, required=(), optional=(), max_lengths=None):
    """Check string fields of a JSON body; raise one 422 naming every bad field.

    Returns the values of ``required`` and ``optional`` (``None`` when absent).
    NUL characters are refused because PostgreSQL cannot store or compare them.
    """
    max_lengths = max_lengths or {}
    problems, values = {}, {}
    for name in (*required, *optional):
        value = data.get(name)
        if value is None or (value == "" and name in required):
            if name in required:
                problems[name] = "required"
            values[name] = None
        elif not isinstance(value, str):
            problems[name] = "must be a string"
        elif "\x00" in value:
            problems[name] = "must not contain NUL characters"
        elif len(value) > max_lengths.get(name, 10_000):
            problems[name] = f"at most {max_lengths.get(name, 10_000)} characters"
        else:
            values[name] = value
    if problems:
        raise ApiError(422, "Invalid fields: " + ", ".join(sorted(problems)), problems)
    return values
