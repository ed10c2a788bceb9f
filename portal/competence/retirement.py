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


def age_on(birth, day):
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def retirement_date(birth, profession, ages):
    """The day the person reaches their assumed leaving age."""
    return add_years(birth, ages.get(profession, DEFAULT_AGE))


