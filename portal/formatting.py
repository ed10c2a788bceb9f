"""Jinja filters that show numbers and dates the Norwegian way."""
from flask_babel import format_date, format_decimal


def percent(value):
    """A position percentage without trailing zeros: 100, 75,5."""
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.#")


def isodate(value):
    """A date as the locale writes it in lists (e.g. 24.12.2026)."""
    if value is None:
        return ""
    return format_date(value, "short")


def init_app(app):
    """Register the filters."""
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["shortdate"] = isodate
