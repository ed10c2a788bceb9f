"""The age people are assumed to leave at, per profession.

hr sets it per profession (særaldersgrense: 65 for nurses and health workers,
60 for fire and ambulance staff); professions without a setting use the
general default. Every projection shows the ages it used.
"""
from sqlalchemy import case, select

from ..extensions import db
from .models import RetirementAge

DEFAULT_AGE = 67
# Sensible starting points from the pension rules; hr can change each of them.
SPECIAL_AGES = {
    "Sykepleier": 65,
    "Spesialsykepleier": 65,
    "Helsefagarbeider": 65,
    "Hjelpepleier": 65,
    "Renholder": 65,
    "Brannkonstabel": 60,
    "Ambulansearbeider": 60,
}


def retirement_ages():
    """Profession -> assumed leaving age: the built-in special ages overridden by hr's settings."""
    ages = dict(SPECIAL_AGES)
    ages.update(dict(db.session.execute(select(RetirementAge.profession, RetirementAge.age)).all()))
    return ages


def add_years(day, years):
    """The same calendar day ``years`` later (28 February for 29 February in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retires_before(profession_col, birth_col, moment, ages=None):
    """SQL condition: the person reaches their retirement age before ``moment``.

    Turning 67 on ``moment`` itself is not before it. Rewritten as "born
    before ``moment`` minus the age", one cut-off date per profession, so
    the database compares plain dates and no SQL date arithmetic is needed.
    """
    ages = retirement_ages() if ages is None else ages
    default_cutoff = add_years(moment, -DEFAULT_AGE)
    if not ages:
        return birth_col < default_cutoff
    cutoff = case(
        {profession: add_years(moment, -age) for profession, age in ages.items()},
        value=profession_col,
        else_=default_cutoff,
    )
    return birth_col < cutoff


# --- where an age comes from, and hr's settings ------------------------------

SOURCE_DEFAULT = "default"
SOURCE_SPECIAL = "special"
SOURCE_SETTING = "setting"
SOURCES = (SOURCE_DEFAULT, SOURCE_SPECIAL, SOURCE_SETTING)
# The pension rules put the limits between 60 (fire, ambulance) and 72 (the
# general law); a little room on both sides, but nothing a typo could reach.
MIN_SETTING = 50
MAX_SETTING = 75
PROFESSION_MAX_LENGTH = 100


class RetirementAgeError(ValueError):
    """A setting that cannot be stored; ``field`` names the input at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def hr_settings():
    """Profession -> age as hr has set it (one query)."""
    return dict(db.session.execute(select(RetirementAge.profession, RetirementAge.age)).all())


def age_and_source(profession, settings):
    """The age used for ``profession`` and why: hr's setting, a built-in special age, or the default."""
    if profession in settings:
        return settings[profession], SOURCE_SETTING
    if profession in SPECIAL_AGES:
        return SPECIAL_AGES[profession], SOURCE_SPECIAL
    return DEFAULT_AGE, SOURCE_DEFAULT


def ages_from(settings):
    """The profession -> age map projections use, built from already loaded ``settings``."""
    return {**SPECIAL_AGES, **settings}


def set_age(profession, age):
    """Store hr's assumed leaving age for ``profession``; the caller commits.

    ``age`` may come straight from a form, so it is checked here: a whole
    number from MIN_SETTING to MAX_SETTING.
    """
    profession = _checked_profession(profession)
    if isinstance(age, str):
        age = age.strip()
        if not age.isascii() or not age.isdigit():
            raise RetirementAgeError("age", "not a whole number")
        age = int(age)
    if isinstance(age, bool) or not isinstance(age, int):
        raise RetirementAgeError("age", "not a whole number")
    if not MIN_SETTING <= age <= MAX_SETTING:
        raise RetirementAgeError("age", "out of range")
    row = db.session.scalars(select(RetirementAge).where(RetirementAge.profession == profession)).first()
    if row is None:
        row = RetirementAge(profession=profession, age=age)
        db.session.add(row)
    else:
        row.age = age
    return row


def reset_age(profession):
    """Drop hr's setting so the built-in special age or the default applies again."""
    profession = _checked_profession(profession)
    row = db.session.scalars(select(RetirementAge).where(RetirementAge.profession == profession)).first()
    if row is not None:
        db.session.delete(row)
    return row is not None


def _checked_profession(profession):
    if not isinstance(profession, str) or not profession.strip():
        raise RetirementAgeError("profession", "required")
    profession = profession.strip()
    if len(profession) > PROFESSION_MAX_LENGTH or "\x00" in profession:
        raise RetirementAgeError("profession", "not a profession")
    return profession

