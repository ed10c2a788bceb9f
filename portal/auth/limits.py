"""Rate limits on logging in, per address and per account (Flask-Limiter).

Both the log-in page (``POST /login``) and the API's token endpoint
(``POST /api/v1/tokens``) share the same counters, so an attacker gains
nothing by switching between them.

Only *failed* attempts (answered 401) count. Per account this is the point:
a user who logs in correctly is never locked out by their own success, and
an attacker guessing one user's password is stopped after a few tries. Per
address it matters too: a town hall or a nursing home often reaches the
portal through one shared address, and 200 colleagues logging in at eight in
the morning must not lock each other out; password guessing from one address
is still stopped, because guesses fail.

A refused attempt is checked *before* the password, so it costs no password
hash and reveals nothing: the answer is the same 429 whether the account
exists or not, and whether the password would have been right.

Every app gets its own :class:`~flask_limiter.Limiter` (kept in
``app.extensions``) rather than one module-level instance: Flask-Limiter
keeps its switch and storage on the instance, and the test suite builds apps
with limits on and off side by side.

Settings (app config, or the environment of the same name):

- ``RATELIMIT_ENABLED`` (default on; ``0`` switches limits off, as the test suite does)
- ``RATELIMIT_STORAGE_URI`` (default ``memory://``: counters live in each
  worker process, so with N gunicorn workers an address gets up to N times
  the limit; use e.g. ``redis://host:6379`` to share them)
- ``PORTAL_LOGIN_LIMITS_PER_ADDRESS`` (default ``10 per minute; 50 per hour``)
- ``PORTAL_LOGIN_LIMITS_PER_ACCOUNT`` (default ``5 per 15 minutes``)
"""
import hashlib
import math
import os
import threading
import time
from functools import wraps

from flask import current_app, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many

EXTENSION = "portal.login_limits"
SCOPE_ADDRESS = "login-address"
SCOPE_ACCOUNT = "login-account"

DEFAULTS = {
    "PORTAL_LOGIN_LIMITS_PER_ADDRESS": "10 per minute; 50 per hour",
    "PORTAL_LOGIN_LIMITS_PER_ACCOUNT": "5 per 15 minutes",
    "RATELIMIT_STORAGE_URI": "memory://",
}
_OFF = {"0", "false", "no", "off"}


def init_app(app):
    """Read the settings and give ``app`` its own limiter."""
    for name, default in DEFAULTS.items():
        app.config.setdefault(name, os.environ.get(name) or default)
    if "RATELIMIT_ENABLED" not in app.config:
        app.config["RATELIMIT_ENABLED"] = os.environ.get("RATELIMIT_ENABLED", "1").strip().lower() not in _OFF
    for name in ("PORTAL_LOGIN_LIMITS_PER_ADDRESS", "PORTAL_LOGIN_LIMITS_PER_ACCOUNT"):
        _check_limits(name, app.config[name])
    # The limits speak for themselves in the 429 answer; X-RateLimit-* headers on
    # every log-in would only tell an attacker how many guesses are left.
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    limiter = Limiter(key_func=get_remote_address)
    limiter.init_app(app)
    app.extensions[EXTENSION] = _AppLimits(limiter)
    app.register_error_handler(RateLimitExceeded, _limited_answer)


def _check_limits(name, value):
    """Refuse to start with a limit Flask-Limiter cannot read, instead of a 500 at log-in."""
    try:
        if not parse_many(value):
            raise ValueError(value)
    except ValueError:
        raise ValueError(
            f"{name} must be limits like '10 per minute; 50 per hour', not {value!r}"
        ) from None


def login_limited(view):
    """Apply the log-in limits to ``view`` (only its POST requests are counted).

    The view must answer a failed log-in with status 401: that is what counts.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        limits = current_app.extensions.get(EXTENSION)
        if limits is None or not limits.limiter.enabled:
            return view(*args, **kwargs)
        return limits.wrapped(view)(*args, **kwargs)

    return wrapper


def limiter_for(app):
    """The app's :class:`~flask_limiter.Limiter` (e.g. to ``reset()`` it)."""
    return app.extensions[EXTENSION].limiter


class _AppLimits:
    """One app's limiter and its views wrapped in that limiter's limits."""

    def __init__(self, limiter):
        self.limiter = limiter
        self._views = {}
        self._lock = threading.Lock()

    def wrapped(self, view):
        """``view`` under this app's limits; wrapped once, on first use."""
        found = self._views.get(view)
        if found is None:
            with self._lock:
                found = self._views.get(view)
                if found is None:
                    found = self._wrap(view)
                    self._views[view] = found
        return found

    def _wrap(self, view):
        common = {"methods": ["POST"], "deduct_when": _failed, "on_breach": _breach_answer}
        per_account = self.limiter.shared_limit(
            _account_limits, scope=SCOPE_ACCOUNT, key_func=_account_key, **common
        )
        per_address = self.limiter.shared_limit(
            _address_limits, scope=SCOPE_ADDRESS, key_func=get_remote_address, **common
        )
        return per_address(per_account(view))


def _address_limits():
    return current_app.config["PORTAL_LOGIN_LIMITS_PER_ADDRESS"]


def _account_limits():
    return current_app.config["PORTAL_LOGIN_LIMITS_PER_ACCOUNT"]


def _failed(response):
    """Only a refused log-in (401) uses up an attempt."""
    return response.status_code == 401


def attempted_username():
    """The user name this log-in request tries, from the form or the JSON body."""
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # absurdly nested JSON: the API answers 422 anyway
            body = None
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return name.strip() if isinstance(name, str) else ""


def _account_key():
    """Bucket per user name, whether or not such a user exists.

    Case is folded so "Leader" and "leader" share their attempts; the name is
    hashed so any text a caller sends makes a short, safe storage key.
    """
    name = attempted_username().lower()
    return "account:" + hashlib.sha256(name.encode()).hexdigest()[:32]


def _retry_after(request_limit):
    """Whole seconds until the breached window ends (at least 1)."""
    return max(1, math.ceil(request_limit.reset_at - time.time()))


def _breach_answer(request_limit):
    """The 429 answer: JSON on the API, the log-in form again on the page.

    The wording never says which limit was hit, so it cannot tell anyone
    whether an account exists.
    """
    seconds = _retry_after(request_limit)
    if request.path.startswith("/api/"):
        with force_locale("en"):
            message = _too_many(seconds)
        response = jsonify({"error": {"code": "too_many_requests", "message": message}})
    else:
        from flask import flash

        from .forms import LoginForm

        flash(_too_many(seconds), "error")
        form = LoginForm(next=request.args.get("next", ""))
        response = current_app.make_response(render_template("auth/login.html", form=form))
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def _too_many(seconds):
    return _(
        "Too many failed log-in attempts. For your safety, logging in is paused for a while. "
        "Try again in %(minutes)s min.",
        minutes=max(1, math.ceil(seconds / 60)),
    )


def _limited_answer(error):
    """Answer a :class:`RateLimitExceeded` with the response built at the breach.

    Without this, the app-wide HTTP error page would replace the log-in form.
    """
    if error.response is not None:
        return error.response
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": "too_many_requests", "message": "Too many requests."}})
        response.status_code = 429
        return response
    from ..web import handle_http_error

    return handle_http_error(error)
