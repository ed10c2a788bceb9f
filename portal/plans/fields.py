"""Reading plan fields from a form or a JSON body, collecting every problem by field.

Pages and the API send the same names; values arrive as text from a form and
as JSON types from the API, so each reader accepts both. Problems are lazy
translated messages: a page shows them in the reader's language, the API in
English.
"""
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

MAX_MONEY = Decimal("100000000000")  # a hundred billion kroner: beyond any municipal budget
MAX_COUNT = 1_000_000


class PlanError(Exception):
    """Refused input: ``problems`` maps each field name to why."""

    status = 422

    def __init__(self, problems):
        self.problems = dict(problems)
        super().__init__("Invalid fields: " + ", ".join(sorted(self.problems)))


class Reader:
    """Reads named fields out of ``data``, noting problems instead of stopping at the first."""

    def __init__(self, data, partial=False):
        self.data = data
        self.partial = partial  # PATCH: absent fields are left alone
        self.problems = {}

    def has(self, name):
        return name in self.data

    def wanted(self, name):
        """Whether to read ``name`` at all (in a PATCH only when sent)."""
        return not self.partial or name in self.data

    def text(self, name, max_length, required=False):
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems[name] = _l("Fill in this field.")
            return ""
        if not isinstance(value, str) or "\x00" in value:
            self.problems[name] = _l("Must be text.")
            return ""
        value = value.strip()
        if len(value) > max_length:
            self.problems[name] = _l("At most %(max)d characters.", max=max_length)
            return ""
        return value

    def choice(self, name, choices, required=False, default=None):
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.problems[name] = _l("Choose one.")
            return default
        if value not in choices:
            self.problems[name] = _l("Must be one of: %(choices)s.", choices=", ".join(choices))
            return default
        return value

    def day(self, name, required=False):
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.problems[name] = _l("Fill in a date.")
            return None
        if isinstance(value, date):
            return value
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            self.problems[name] = _l("Write the date as YYYY-MM-DD.")
            return None

    def whole(self, name, minimum=0, maximum=MAX_COUNT, required=False):
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.problems[name] = _l("Fill in a number.")
            return None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit() and value.strip().isascii():
            # Longer than any allowed value; int() would also refuse past 4,300 digits.
            value = int(value.strip()) if len(value.strip()) <= 18 else maximum + 1
        if isinstance(value, bool) or not isinstance(value, int):
            self.problems[name] = _l("Must be a whole number.")
            return None
        if not minimum <= value <= maximum:
            self.problems[name] = _l("Must be between %(min)d and %(max)d.", min=minimum, max=maximum)
            return None
        return value

    def amount(self, name, maximum=MAX_MONEY, required=False):
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.problems[name] = _l("Fill in a number.")
            return None
        if isinstance(value, bool):
            value = "x"
        try:
            number = Decimal(value.replace(" ", "").replace(",", ".") if isinstance(value, str) else str(value))
        except (InvalidOperation, ValueError):
            number = None
        if number is None or not number.is_finite():
            self.problems[name] = _l("Must be a number.")
            return None
        if not 0 <= number <= maximum:
            self.problems[name] = _l("Must be between 0 and %(max)s.", max=f"{maximum:,.0f}".replace(",", " "))
            return None
        return number.quantize(Decimal("0.01"))

    def fail_if_any(self):
        if self.problems:
            raise PlanError(self.problems)
