"""Forms for managing users and roles."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

ROLE_LABELS = {
    "employee": _l("Employee"),
    "leader": _l("Leader"),
    "hr": _l("HR / administration"),
    "representative": _l("Union representative"),
    "politician": _l("Politician"),
    "admin": _l("System administrator"),
}


class NewUserForm(FlaskForm):
    """A new account, optionally linked to an employee."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=8, message=_l("Use at least 8 characters."))],
    )
    employee_number = StringField(_l("Employee number (optional)"), validators=[Optional(), Length(max=32)])
    email = EmailField(
        _l("E-mail address (optional)"),
        validators=[Optional()],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class EmailForm(FlaskForm):
    """Where the user's notifications go; empty removes the address."""

    email = EmailField(
        _l("E-mail address"),
        validators=[Optional()],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class RoleForm(FlaskForm):
    """One role to add; leaders also need the unit they lead."""

    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()])
    unit_id = SelectField(_l("Unit (for leaders)"), coerce=int, validate_choice=False)


class PasswordForm(FlaskForm):
    """A new password set by the administrator."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=8, message=_l("Use at least 8 characters."))],
    )
