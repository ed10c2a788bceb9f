"""Log-in, log-out, language switch and the user's own API tokens."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import access
from ..extensions import db, login_manager
from ..org.models import User
from . import bp, limits
from .forms import LanguageForm, LoginForm, TokenForm
from .models import ApiToken
from .tokens import authenticate, issue_token, revoke, tokens_of


@login_manager.user_loader
def load_user(user_id):
    """Reload the session's user; a deactivated account is logged out.

    The roles come in the same query: every page asks for them (the access
    policy, the menu), and a second round trip per request is measurable.
    """
    user = db.session.get(User, int(user_id), options=[joinedload(User.role_assignments)])
    return user if user is not None and user.is_active else None


def safe_next(target):
    """Only follow ``next`` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@access.public
@limits.login_limited
def login():
    """Show the log-in form and log the user in.

    A wrong user name or password answers 401, which is what the log-in
    limits count; too many of them answer 429 with the same form (limits.py).
    """
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            flash(_("The user name or password is wrong."), "error")
            return render_template("auth/login.html", form=form), 401
        chosen = session.get("locale")
        session.clear()  # a fresh session on log-in prevents session fixation
        login_user(user)
        if chosen and not user.locale:
            user.locale = chosen
            db.session.commit()
        return redirect(safe_next(form.next.data) or url_for("home.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@access.allow()
def logout():
    """Log out and forget the session."""
    locale = str(get_locale())
    logout_user()
    session.clear()
    session["locale"] = locale  # the log-in page should stay in the user's language
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@access.public
def language():
    """Remember the chosen language: on the account when logged in, else in the session."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
        db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("home.index"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@access.allow()
def tokens():
    """List the user's API tokens and create a new one."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = issue_token(current_user, form.label.data or "")
        db.session.commit()
        flash(_("Your new token is shown below. Copy it now: it will not be shown again."), "info")
    return render_template(
        "auth/tokens.html",
        form=form,
        new_token=new_token,
        tokens=tokens_of(current_user),
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@access.allow()
def revoke_token(token_id):
    """Revoke one of the user's own tokens."""
    row = db.session.scalars(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    ).first()
    if row is None:
        abort(404)
    if row.revoked_at is None:
        revoke(row)
        db.session.commit()
        flash(_("The token is revoked and can no longer be used."), "info")
    return redirect(url_for("auth.tokens"))
