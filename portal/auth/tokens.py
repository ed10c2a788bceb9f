"""Issuing, checking and revoking API bearer tokens."""
import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..org.models import User, utcnow
from .models import ApiToken


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, label=""):
    """Create a token for ``user`` and return its clear text, shown only once."""
    token = secrets.token_urlsafe(32)
    days = current_app.config["PORTAL_TOKEN_DAYS"]
    db.session.add(
        ApiToken(
            user=user,
            token_hash=_digest(token),
            label=label[:100],
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return token


def user_for_token(token):
    """Return the active user owning a valid ``token``, or ``None``."""
    row = db.session.scalars(
        select(ApiToken)
        .join(ApiToken.user)
        .options(contains_eager(ApiToken.user).joinedload(User.role_assignments))
        .where(ApiToken.token_hash == _digest(token))
    ).unique().first()  # the token, its user and the user's roles in one query: every API call starts here
    now = utcnow()
    if row is None or not row.is_valid(now) or not row.user.is_active:
        return None
    if request:
        request.environ["portal.api_token"] = row
    return row.user


def api_user():
    """The user behind this request's ``Authorization: Bearer`` header, once per request.

    The answer is cached on the request itself, not on ``g``: an app context
    can outlive a request (tests, commands), and a cached user must never
    carry over to the next request.
    """
    cache = request.environ
    if "portal.api_user" not in cache:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
        cache["portal.api_user"] = user or _Anonymous()
    return cache["portal.api_user"]


def current_token():
    """The token row this API request authenticated with."""
    return request.environ.get("portal.api_token")


def revoke(token_row):
    """Stop a token from working; the row stays so the owner sees when it was revoked."""
    token_row.revoked_at = utcnow()


def tokens_of(user):
    """The user's tokens, newest first, for the account page."""
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()


class _Anonymous:
    """Stands in for a caller without a valid token."""

    is_authenticated = False
    roles = frozenset()

    def has_role(self, *names):
        return False


def authenticate(username, password):
    """Return the active user with these credentials, or ``None``."""
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        # Hash anyway, so the answer takes as long as for a real user name.
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.is_active or not user.check_password(password):
        return None
    return user


@lru_cache(maxsize=1)
def _dummy_hash():
    return generate_password_hash(secrets.token_hex(16), method="scrypt")
