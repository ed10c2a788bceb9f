"""The API's error shape: ``{"error": {"code", "message"}}``."""
from flask import jsonify, request

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}

MESSAGES = {
    400: "The request could not be understood.",
    401: "A valid bearer token is required.",
    403: "You may not do this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "The object was changed by someone else or is in another state.",
    500: "Internal error.",
}


class ApiError(Exception):
    """Raised by API views to answer with a status, a message and the fields at fault."""

    def __init__(self, status, message=None, fields=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields


def error_response(status, message=None, fields=None):
    """Build the JSON error answer for ``status``."""
    body = {"code": CODES.get(status, "error"), "message": message or MESSAGES.get(status, "Error.")}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if status == 405:
        # The app-wide handler builds this answer from the routing error's code
        # only; HTTP requires a 405 to say which methods the URL does take.
        methods = getattr(request.routing_exception, "valid_methods", None)
        if methods:
            response.headers["Allow"] = ", ".join(sorted(methods))
    return response
