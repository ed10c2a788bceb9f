"""Forms for logging in, choosing a language and managing tokens."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """User name and password."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    next = HiddenField()


class LanguageForm(FlaskForm):
    """The language switch shown in every page's header."""

    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("nb", "Bokmål", render_kw={"lang": "nb"}),
            SelectChoice("nn", "Nynorsk", render_kw={"lang": "nn"}),
            SelectChoice("en", "English", render_kw={"lang": "en"}),
        ],
    )
    next = HiddenField()


class TokenForm(FlaskForm):
    """A new API token; the label helps the owner tell tokens apart."""

    label = StringField(_l("What the token is for"), validators=[Length(max=100)])
