"""The access policy: who may use which route.

Every view declares its policy with one of the decorators below, right where
the route is defined. :func:`init_app` collects them into one table and a
``before_request`` hook enforces it, so an undeclared route is refused rather
than left open. Object-level rules (which employees a leader sees) live with
the domain code that owns the objects; this module answers "may this kind of
user call this route at all".
"""
from dataclasses import dataclass

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

ROLES = ("employee", "leader", "hr", "representative", "politician", "admin")


@dataclass(frozen=True)
class Policy:
    """Who may call a route: anyone, any logged-in user, or holders of some roles."""

    anonymous: bool = False
    roles: frozenset = frozenset()

    def allows(self, user):
        """Return whether ``user`` (possibly anonymous) may call the route."""
        if self.anonymous:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        return not self.roles or bool(self.roles & user.roles)

    def describe(self):
        """Say the rule in words, for logs and the access test's messages."""
        if self.anonymous:
            return "anyone"
        if not self.roles:
            return "any logged-in user"
        return "roles " + ", ".join(sorted(self.roles))


PUBLIC = Policy(anonymous=True)
LOGGED_IN = Policy()


def _declare(policy):
    def decorate(view):
        view.access_policy = policy
        return view

    return decorate


def public(view):
    """Let anyone, logged in or not, use the route."""
    return _declare(PUBLIC)(view)


def allow(*roles):
    """Let logged-in users use the route; with ``roles``, only holders of one of them."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles in access policy: {sorted(unknown)}")
    return _declare(Policy(roles=frozenset(roles)) if roles else LOGGED_IN)


def policy_for(endpoint, app=None):
    """Return the declared policy of ``endpoint`` or ``None`` if it has none."""
    app = app or current_app
    if endpoint == "static":
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def current_principal():
    """Return who is calling: the bearer-token user on the API, else the session user."""
    if request.blueprint == "api":
        from .auth.tokens import api_user

        return api_user()
    return current_user


def check_access():
    """Refuse the request unless the route's policy lets the caller in."""
    if request.endpoint is None:
        return None
    policy = policy_for(request.endpoint)
    user = current_principal()
    if policy is None:
        current_app.logger.error("access denied: no policy declared for %s", request.endpoint)
        return _deny(user, 403)
    if policy.allows(user):
        return None
    if not getattr(user, "is_authenticated", False):
        return _deny(user, 401)
    current_app.logger.info(
        "access denied: %s needs %s; %s has %s",
        request.endpoint,
        policy.describe(),
        user.username,
        sorted(user.roles),
    )
    return _deny(user, 403)


def _deny(user, status):
    if request.blueprint == "api":
        from .api.errors import error_response

        return error_response(status)
    if status == 401:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(status)


def init_app(app):
    """Install the policy check in front of every request."""
    app.before_request(check_access)
