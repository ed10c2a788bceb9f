"""Pages where the system administrator manages users and their roles."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice
from sqlalchemy import select

from .. import access
from ..extensions import db
from ..org.accounts import AccountError, create_user, find_employee, grant_role, revoke_role, set_email
from ..org.models import RoleAssignment, Unit, User
from ..org.views import unit_choices
from ..pagination import paginate, requested_page
from . import bp
from .forms import ROLE_LABELS, EmailForm, NewUserForm, PasswordForm, RoleForm

PER_PAGE = 50


@bp.route("")
@access.allow("admin")
def users():
    """All user accounts, searchable by user name."""
    query = request.args.get("q", "").strip()
    stmt = select(User).order_by(User.username)
    if query:
        stmt = stmt.where(User.username.ilike(f"%{query}%"))
    page = paginate(stmt, requested_page(), PER_PAGE)
    return render_template("admin/users.html", page=page, query=query, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@access.allow("admin")
def new_user():
    """Create an account, linked to an employee when a number is given."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            employee = find_employee(form.employee_number.data.strip()) if form.employee_number.data else None
            user = create_user(form.username.data, form.password.data, employee, email=form.email.data)
            if employee is not None:
                grant_role(user, "employee")
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            field = getattr(form, error.field, form.username)
            field.errors.append(_account_message(error))
        else:
            flash(_("The user %(name)s was created.", name=user.username), "info")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/new_user.html", form=form), 422 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET"])
@access.allow("admin")
def user(user_id):
    """One account: its roles, status, e-mail address and password."""
    return _user_page(_get_user(user_id))


def _user_page(account, email_form=None, status=200):
    role_form = RoleForm(formdata=None)
    role_form.unit_id.choices = [SelectChoice(0, "—")] + unit_choices()
    return render_template(
        "admin/user.html",
        account=account,
        role_form=role_form,
        email_form=email_form or EmailForm(formdata=None, email=account.email),
        password_form=PasswordForm(formdata=None),
        role_labels=ROLE_LABELS,
    ), status


@bp.route("/users/<int:user_id>/email", methods=["POST"])
@access.allow("admin")
def set_user_email(user_id):
    """Set, change or remove the address the account's notifications go to."""
    account = _get_user(user_id)
    form = EmailForm()
    if form.validate_on_submit():
        try:
            address = set_email(account, form.email.data)
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            form.email.errors.append(_account_message(error))
        else:
            flash(_("The e-mail address was saved.") if address else _("The e-mail address was removed."), "info")
            return redirect(url_for("admin.user", user_id=account.id))
    return _user_page(account, email_form=form, status=422)


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@access.allow("admin")
def add_role(user_id):
    """Give the account one more role."""
    account = _get_user(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            grant_role(account, form.role.data, unit)
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            flash(_account_message(error), "error")
        else:
            flash(_("The role was added."), "info")
    else:
        flash(_("Choose a role from the list."), "error")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/roles/<int:assignment_id>/remove", methods=["POST"])
@access.allow("admin")
def remove_role(user_id, assignment_id):
    """Take one role away from the account."""
    account = _get_user(user_id)
    assignment = db.session.get(RoleAssignment, assignment_id)
    if assignment is None or assignment.user_id != account.id:
        abort(404)
    if account.id == current_user.id and assignment.role == "admin":
        flash(_("You cannot remove your own administrator role."), "error")
    else:
        revoke_role(account, assignment)
        db.session.commit()
        flash(_("The role was removed."), "info")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@access.allow("admin")
def set_password(user_id):
    """Give the account a new password."""
    account = _get_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        account.set_password(form.password.data)
        db.session.commit()
        flash(_("The password was changed."), "info")
    else:
        flash(_("The password must have at least 8 characters."), "error")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@access.allow("admin")
def toggle_active(user_id):
    """Deactivate or reactivate the account; a deactivated user cannot log in."""
    account = _get_user(user_id)
    if account.id == current_user.id:
        flash(_("You cannot deactivate yourself."), "error")
    else:
        account.active = not account.active
        db.session.commit()
        flash(_("The account is active.") if account.active else _("The account is deactivated."), "info")
    return redirect(url_for("admin.user", user_id=account.id))


def _get_user(user_id):
    account = db.session.get(User, user_id)
    if account is None:
        abort(404)
    return account


def _account_message(error):
    """Translate an AccountError for the page."""
    messages = {
        "username": _("That user name is taken or empty."),
        "password": _("The password must have at least 8 characters."),
        "employee_number": _("No employee has that number, or the employee already has a user."),
        "unit": _("Choose the unit the leader leads."),
        "role": _("Unknown role."),
        "email": _("Write a whole e-mail address, such as kari.nordmann@kommune.no."),
    }
    return messages.get(error.field, str(error))
