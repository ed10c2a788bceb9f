"""Reading query parameters and JSON bodies with errors that name the field."""
from flask import request

from .errors import ApiError

MAX_PER_PAGE = 200


def int_arg(name, default=None, minimum=None, maximum=None):
    """Read an integer query parameter or raise 422 naming it."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(422, f"{name} must be a whole number", {name: "not a whole number"}) from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ApiError(422, f"{name} must be between {minimum} and {maximum}", {name: "out of range"})
    return value


def page_args():
    """The ``page`` and ``per_page`` parameters every list takes."""
    page = int_arg("page", 1, minimum=1, maximum=10**6)
    per_page = int_arg("per_page", 50, minimum=1, maximum=MAX_PER_PAGE)
    return page, per_page


def json_body():
    """The request's JSON object or a 422 explaining what is wrong."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(422, "The body must be a JSON object.", {"body": "not a JSON object"})
    return data
