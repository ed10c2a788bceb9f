"""Issuing, checking and revoking API bearer tokens."""
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import select

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
        select(ApiToken).join(ApiToken.user).where(ApiToken.token_hash == _digest(token))
    ).first()
    now = utcnow()
    if row is None or not row.is_valid(now) or not row.user.is_active:
        return None
    g.api_token = row
    return row.user


def api_user():
    """The user behind this request's ``Authorization: Bearer`` header, once per request."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
        g.api_user = user or _Anonymous()
    return g.api_user


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
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user
