"""What every page shares: security headers, error pages, navigation, language switch."""
from functools import cached_property, lru_cache

from flask import Request, render_template, request
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import IntegerConverter

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_TEXTS = {
    400: (_l("The request could not be understood"), _l("Please go back, reload the page and try again.")),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (_l("You do not have access"), _l("Your roles do not give access to this page. Ask your administrator if you think you should have access.")),
    404: (_l("Page not found"), _l("We could not find the page you asked for. It may have been moved, or you may not have access to it.")),
    405: (_l("That did not work"), _l("This page cannot be used in that way.")),
    409: (_l("Someone else changed this first"), _l("Reload the page to see the latest version, then try again.")),
    413: (_l("The file is too large"), _l("Please choose a smaller file.")),
    500: (_l("Something went wrong"), _l("An error occurred on our side. It has been logged. Please try again later.")),
}

# (endpoint, label, roles allowed; empty = everyone logged in)
NAVIGATION = (
    ("home.index", _l("Start"), ()),
    ("org.employees", _l("Employees"), ("hr", "leader")),
    ("org.units", _l("Units"), ()),
    ("competence.catalogue", _l("Catalogue"), ()),
    ("competence.requirements", _l("Requirements"), ()),
    ("competence.gaps", _l("Gaps"), ("hr", "leader", "politician", "representative")),
    ("competence.workforce_page", _l("Workforce"), ("hr", "leader", "politician", "representative")),
    ("plans.plans", _l("Plans"), ()),
    ("appraisals.appraisals", _l("Appraisals"), ("leader", "employee", "hr")),
    ("learning.new_activity", _l("Log learning"), ("leader",)),
    ("admin.users", _l("Administration"), ("admin",)),
)


class DatabaseIntConverter(IntegerConverter):
    """``<int:id>`` in every route, limited to what an id column holds.

    A larger number in a URL is a page that cannot exist (404), not an
    overflow in the database driver (500).
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)
        if not self.fixed_digits and not self.signed and (self.min or 0) <= 1:
            # Out-of-range numbers must not match the URL at all: werkzeug checks
            # the method before the converter's range, so a number that only
            # fails the range answered 405 (naming a sibling rule's methods)
            # instead of 404. Found by tests/api/test_fuzz.py.
            self.regex = numbers_up_to(self.max, zero=not self.min)


def numbers_up_to(limit, zero=False):
    """A regular expression for the whole numbers 1..``limit`` (0.. with ``zero``), no leading zeros."""
    digits = str(limit)
    parts = ["0"] if zero else []
    if len(digits) > 1:
        parts.append(f"[1-9][0-9]{{0,{len(digits) - 2}}}")  # fewer digits than limit
    for index, digit in enumerate(map(int, digits)):
        lowest = 1 if index == 0 else 0
        if digit > lowest:  # same prefix, a smaller digit here, anything after
            rest = len(digits) - index - 1
            parts.append(f"{digits[:index]}[{lowest}-{digit - 1}][0-9]{{{rest}}}")
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


def navigation_for(user):
    """The menu entries ``user`` may use, in menu order."""
    if not user.is_authenticated:
        return []
    return [(ep, label) for ep, label, roles in NAVIGATION if not roles or user.has_role(*roles)]


def security_headers(response):
    """Add headers that keep pages out of frames and scripts to our own files."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.blueprint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def handle_http_error(error):
    """Render an error page in the user's language, or JSON for the API."""
    if request.path.startswith("/api/"):
        from .api.errors import error_response

        response = error_response(error.code, getattr(error, "description", None))
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response
    title, text = ERROR_TEXTS.get(error.code, (error.name, error.description))
    return render_template("errors/error.html", code=error.code, title=title, text=text), error.code


def handle_unexpected(error):
    """Log an unexpected exception and show the friendly 500 page."""
    from flask import current_app

    current_app.logger.exception("unhandled error on %s", request.path)
    return handle_http_error(InternalServerError())


def template_globals():
    """Values every template needs: menu, current language, municipality name."""
    from flask import current_app

    from .auth.forms import LanguageForm

    return {
        CATALOGUE: get_translations(),
        "navigation": navigation_for(current_user),
        "current_locale": str(get_locale()),
        "language_form": LanguageForm(locale=str(get_locale()), next=request.full_path.rstrip("?")),
        "municipality": current_app.config["PORTAL_MUNICIPALITY"],
    }


class PortalRequest(Request):
    """Flask's request, with WTForms' own messages (\"This field is required.\") loaded once per language.

    Flask-WTF reads them from ``request.wtforms_translations`` and, when that
    is missing, parses the catalogue from disk again on every request that
    shows a form (the language switch is on every page).
    """

    @cached_property
    def wtforms_translations(self):
        return _wtforms_catalogue(str(get_locale()))


@lru_cache(maxsize=16)
def _wtforms_catalogue(locale):
    from babel import support
    from wtforms.i18n import messages_path

    return support.Translations.load(messages_path(), [locale], domain="wtforms")


# The page's message catalogue, put into every template's context by template_globals().
CATALOGUE = "_portal_catalogue"


def install_template_gettext(app):
    """Let ``_()`` in templates use the catalogue the page was rendered with.

    Flask-Babel's own template functions look the catalogue up again for
    every string (domain, locale, cache key: most of a string's cost, and
    a page has 30 to 200 of them). The result is the same catalogue; macros
    imported without context fall back to Flask-Babel's lookup.
    """
    from jinja2 import pass_context

    def catalogue(context):
        found = context.get(CATALOGUE)
        return found if found is not None else get_translations()

    @pass_context
    def gettext(context, string):
        return catalogue(context).ugettext(string)

    @pass_context
    def ngettext(context, singular, plural, n):
        return catalogue(context).ungettext(singular, plural, n)

    @pass_context
    def pgettext(context, message_context, string):
        return catalogue(context).upgettext(message_context, string)

    @pass_context
    def npgettext(context, message_context, singular, plural, n):
        return catalogue(context).unpgettext(message_context, singular, plural, n)

    app.jinja_env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True,
                                            pgettext=pgettext, npgettext=npgettext)


def init_app(app):
    """Install headers, error handlers and template globals on ``app``."""
    from . import figure_cache

    app.request_class = PortalRequest
    figure_cache.init_app(app)
    install_template_gettext(app)
    app.after_request(security_headers)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
    app.context_processor(template_globals)
    from .formatting import init_app as formatting_init

    formatting_init(app)
