"""Workforce figures: age bands, retirements ahead, position sizes and turnover.

The questions a competence plan starts from (domain guide, "what does the
workforce look like in five years"): how old are the staff, who reaches the
assumed leaving age in each of the coming years, how many work part-time, and
where do people leave.

All counting happens in the database, in three statements whatever the number
of employees: one grouped over today's staff (age bands, retirement years,
position sizes per profession), one grouped over the last three years
(leavers and 1 January headcount per profession), and one reading hr's
retirement-age settings. Ages are never computed in SQL: Python turns "aged
at least N today" into "born on or before today minus N years" and the
database compares plain dates, the same trick as ``retirement.retires_before``.
The retirement year is the birth year plus the profession's age, read with
``extract('year', ...)``, which SQLite and PostgreSQL both understand.

Who may see small groups is decided afterwards, in :func:`shown_figures`:
politicians and representatives never see a figure about fewer than five
people, nor a share computed from one.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, extract, func, literal, or_, select

from ..extensions import db
from ..org.models import Employee, Unit
from ..org.stats import MIN_GROUP, employed_on
from ..org.visibility import led_unit_paths, under_paths
from .models import RetirementAge
from .retirement import DEFAULT_AGE, add_years, age_and_source, ages_from, hr_settings

MIN_HORIZON = 1
MAX_HORIZON = 10
DEFAULT_HORIZON = 5
TURNOVER_YEARS = 3

# (key, lowest age, highest age); None means open-ended. 62 and 67 are where
# early and ordinary pension start in the municipal pension scheme.
AGE_BANDS = (
    ("0-24", None, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-61", 55, 61),
    ("62-66", 62, 66),
    ("67+", 67, None),
)


@dataclass(frozen=True)
class Scope:
    """Whose figures: everyone under ``unit_paths`` (None = the whole municipality), of ``profession`` if set."""

    unit_paths: tuple | None = None
    profession: str | None = None


@dataclass
class ProfessionFigures:
    """Today's staff of one profession in the scope."""

    profession: str
    headcount: int = 0
    part_time: int = 0
    percent_sum: float = 0.0
    bands: list = field(default_factory=list)
    past_retirement: int = 0
    retiring: list = field(default_factory=list)


@dataclass
class TurnoverRow:
    """Leavers in ``year`` against the headcount on 1 January of that year."""

    profession: str
    year: int
    leavers: int
    headcount: int

    @property
    def rate(self):
        return self.leavers / self.headcount if self.headcount else None


@dataclass
class Workforce:
    """The raw figures for a scope, before anything is hidden from anyone."""

    today: date
    horizon_years: int
    professions: list
    turnover: list
    retirement_ages: list  # (profession, age, source)

    @property
    def years(self):
        """The calendar years the retirement projection covers: this year to this year + horizon."""
        return list(range(self.today.year, self.today.year + self.horizon_years + 1))

    @property
    def turnover_years(self):
        return turnover_years(self.today)

    @property
    def headcount(self):
        return sum(p.headcount for p in self.professions)

    @property
    def part_time(self):
        return sum(p.part_time for p in self.professions)

    @property
    def average_position_percent(self):
        total = sum(p.percent_sum for p in self.professions)
        return total / self.headcount if self.headcount else None

    @property
    def age_bands(self):
        return [sum(p.bands[i] for p in self.professions) for i in range(len(AGE_BANDS))]

    @property
    def retirements(self):
        return [sum(p.retiring[i] for p in self.professions) for i in range(len(self.years))]

    @property
    def past_retirement(self):
        return sum(p.past_retirement for p in self.professions)


def band_label(band):
    """How an age band reads on pages and in reports: "Under 25", "25–34", "67 and over"."""
    if band["min_age"] is None:
        return _("Under %(age)d", age=band["max_age"] + 1)
    if band["max_age"] is None:
        return _("%(age)d and over", age=band["min_age"])
    return f"{band['min_age']}–{band['max_age']}"


def turnover_years(today):
    """The last three whole calendar years, oldest first."""
    return list(range(today.year - TURNOVER_YEARS, today.year))


def workforce(scope=Scope(), horizon_years=DEFAULT_HORIZON, today=None):
    """Compute every figure for ``scope`` in three queries."""
    if not MIN_HORIZON <= horizon_years <= MAX_HORIZON:
        raise ValueError(f"horizon_years must be from {MIN_HORIZON} to {MAX_HORIZON}")
    today = today or date.today()
    settings = hr_settings()
    ages = ages_from(settings)
    years = list(range(today.year, today.year + horizon_years + 1))
    professions = _current_staff(scope, today, years, ages)
    present = [p.profession for p in professions]
    if scope.profession and scope.profession not in present:
        present.append(scope.profession)
    return Workforce(
        today=today,
        horizon_years=horizon_years,
        professions=professions,
        turnover=_turnover(scope, turnover_years(today)),
        retirement_ages=[(p, *age_and_source(p, settings)) for p in sorted(present, key=nordic_key)],
    )


def _scoped(stmt, scope):
    if scope.unit_paths is not None:
        stmt = stmt.join(Unit, Unit.id == Employee.unit_id).where(under_paths(list(scope.unit_paths)))
    if scope.profession:
        stmt = stmt.where(Employee.profession == scope.profession)
    return stmt


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def _band_condition(low, high, today):
    """Aged ``low`` to ``high`` today, as a comparison of birth dates.

    Aged at least N today = born on or before today minus N years; so a
    person whose 25th birthday is today is 25, not 24.
    """
    conditions = []
    if low is not None:
        conditions.append(Employee.birth_date <= add_years(today, -low))
    if high is not None:
        conditions.append(Employee.birth_date > add_years(today, -(high + 1)))
    return and_(*conditions)


def _retirement_year(ages):
    """SQL: the calendar year the person reaches their profession's assumed leaving age."""
    age = case(ages, value=Employee.profession, else_=DEFAULT_AGE) if ages else literal(DEFAULT_AGE)
    return extract("year", Employee.birth_date) + age


def _current_staff(scope, today, years, ages):
    """One row of figures per profession among the people employed today."""
    retire_year = _retirement_year(ages)
    columns = [
        Employee.profession,
        func.count(Employee.id),
        _count(Employee.position_percent < 100),
        func.sum(Employee.position_percent),
        _count(retire_year < today.year),
        *(_count(_band_condition(low, high, today)) for _key, low, high in AGE_BANDS),
        *(_count(retire_year == year) for year in years),
    ]
    stmt = _scoped(select(*columns).where(employed_on(today)), scope).group_by(Employee.profession)
    bands = len(AGE_BANDS)
    rows = []
    for profession, headcount, part_time, percent_sum, past, *rest in db.session.execute(stmt):
        rows.append(
            ProfessionFigures(
                profession=profession,
                headcount=int(headcount),
                part_time=int(part_time or 0),
                percent_sum=float(percent_sum or 0),
                past_retirement=int(past or 0),
                bands=[int(n or 0) for n in rest[:bands]],
                retiring=[int(n or 0) for n in rest[bands:]],
            )
        )
    rows.sort(key=lambda p: nordic_key(p.profession))
    return rows


def _turnover(scope, years):
    """Per profession and year: who left (end date in the year) and who was employed on 1 January."""
    columns = [Employee.profession]
    for year in years:
        start, end = date(year, 1, 1), date(year, 12, 31)
        columns.append(_count(and_(Employee.end_date >= start, Employee.end_date <= end)))
        columns.append(_count(employed_on(start)))
    first, last = date(years[0], 1, 1), date(years[-1], 12, 31)
    stmt = (
        select(*columns)
        .where(Employee.hire_date <= last, or_(Employee.end_date.is_(None), Employee.end_date >= first))
        .group_by(Employee.profession)
    )
    rows = []
    for profession, *counts in db.session.execute(_scoped(stmt, scope)):
        counts = [int(n or 0) for n in counts]
        if not any(counts):
            continue
        for i, year in enumerate(years):
            rows.append(TurnoverRow(profession, year, counts[2 * i], counts[2 * i + 1]))
    rows.sort(key=lambda r: (nordic_key(r.profession), r.year))
    return rows


_NORDIC = str.maketrans({"æ": "z\u0001", "ø": "z\u0002", "å": "z\u0003", "ä": "z\u0001", "ö": "z\u0002"})


def nordic_key(text):
    """Sort key putting Æ, Ø, Å after Z, as Norwegian readers expect."""
    return (text or "").casefold().translate(_NORDIC)


# --- whose figures a user may see ------------------------------------------------


class NotVisible(Exception):
    """The user may not see figures for the unit asked for (answered as "not found")."""


WIDE_ROLES = ("hr", "politician", "representative")


def scope_for(user, unit=None, profession=None):
    """The scope ``user`` asked for and whether they see it in detail.

    hr sees everything in detail. A leader sees their own units and the units
    below in detail; with no unit chosen, that is all the units they lead.
    Politicians and representatives see any unit, or the whole municipality,
    but only in aggregate (small groups hidden). Anyone else, or a leader
    asking for another unit, gets :class:`NotVisible`.
    """
    led = led_unit_paths(user) if user.has_role("leader") else []
    wide = user.has_role(*WIDE_ROLES)
    if unit is None:
        if wide:
            return Scope(None, profession or None), user.has_role("hr")
        if led:
            return Scope(tuple(led), profession or None), True
        raise NotVisible()
    own = any(unit.path.startswith(path) for path in led)
    if user.has_role("hr") or own:
        return Scope((unit.path,), profession or None), True
    if wide:
        return Scope((unit.path,), profession or None), False
    raise NotVisible()


def selectable_units(user):
    """The units ``user`` may pick, in tree order (all of them for municipality-wide roles)."""
    stmt = select(Unit).order_by(Unit.path)
    if not user.has_role(*WIDE_ROLES):
        stmt = stmt.where(under_paths(led_unit_paths(user)))
    return db.session.scalars(stmt).all()


def professions_in_view(user, today=None):
    """The professions of people employed today that ``user`` may pick from."""
    today = today or date.today()
    stmt = select(Employee.profession).where(employed_on(today)).distinct()
    if not user.has_role(*WIDE_ROLES):
        stmt = stmt.join(Unit, Unit.id == Employee.unit_id).where(under_paths(led_unit_paths(user)))
    return sorted(db.session.scalars(stmt).all(), key=nordic_key)


# --- the retirement-age settings page -------------------------------------------


@dataclass
class ProfessionAge:
    """One line of the settings page: a profession, how many hold it today, the age used and why."""

    profession: str
    headcount: int
    age: int
    source: str


def profession_ages(today=None):
    """Every profession working here today, plus any hr has a setting for, with the age used.

    Two queries: headcount per profession, and hr's settings.
    """
    today = today or date.today()
    counts = dict(
        db.session.execute(
            select(Employee.profession, func.count(Employee.id)).where(employed_on(today)).group_by(Employee.profession)
        ).all()
    )
    settings = hr_settings()
    names = set(counts) | set(settings)
    return [
        ProfessionAge(name, int(counts.get(name, 0)), *age_and_source(name, settings))
        for name in sorted(names, key=nordic_key)
    ]


def is_known_profession(profession):
    """Whether anyone has ever had ``profession``, or hr has a setting for it."""
    employee = select(Employee.id).where(Employee.profession == profession).limit(1)
    setting = select(RetirementAge.id).where(RetirementAge.profession == profession).limit(1)
    return db.session.scalar(employee) is not None or db.session.scalar(setting) is not None


# --- what a viewer may see -----------------------------------------------------


def hide_small(counts, detailed, total=None):
    """``counts`` as a viewer may see them: None for a group of 1 to 4 people.

    ``detailed`` viewers (hr, leaders in their own units) see everything;
    politicians and representatives see aggregates only. When the cells add
    up to a ``total`` that is shown, one hidden cell could be worked out by
    subtraction, so the smallest other non-empty cell is hidden with it.
    """
    counts = list(counts)
    if detailed:
        return counts
    hidden = [0 < n < MIN_GROUP for n in counts]
    total_shown = total is not None and not 0 < total < MIN_GROUP
    if total_shown and sum(hidden) == 1:
        others = [i for i, n in enumerate(counts) if not hidden[i] and n > 0]
        if others:
            hidden[min(others, key=lambda i: counts[i])] = True
    return [None if h else n for h, n in zip(hidden, counts)]


def hide_total(count, detailed):
    """A single count as a viewer may see it."""
    return hide_small([count], detailed)[0]


def _share(part, whole):
    if part is None or whole is None or not whole:
        return None
    return round(part / whole, 4)


def shown_figures(wf, detailed):
    """The figures as a viewer may see them, in the API's shape (None = hidden).

    ``detailed`` comes from :func:`scope_for`; without it every figure about
    fewer than five people, and every share computed from one, is None.
    """
    headcount = hide_total(wf.headcount, detailed)
    bands = hide_small(wf.age_bands, detailed, wf.headcount)
    part_time, _full_time = hide_small([wf.part_time, wf.headcount - wf.part_time], detailed, wf.headcount)
    retirements = hide_small(wf.retirements, detailed, sum(wf.retirements))
    average = wf.average_position_percent if headcount is not None else None
    return {
        "as_of": wf.today.isoformat(),
        "horizon_years": wf.horizon_years,
        "headcount": headcount,
        "age_bands": [
            {"band": key, "min_age": low, "max_age": high, "count": count}
            for (key, low, high), count in zip(AGE_BANDS, bands)
        ],
        "retirements_per_year": [{"year": y, "count": n} for y, n in zip(wf.years, retirements)],
        "retirements_total": hide_total(sum(wf.retirements), detailed),
        "past_retirement_age": hide_total(wf.past_retirement, detailed),
        "retirement_ages": [{"profession": p, "age": a, "source": s} for p, a, s in wf.retirement_ages],
        "part_time": part_time,
        "part_time_share": _share(part_time, headcount),
        "average_position_percent": round(average, 1) if average is not None else None,
        "turnover": _shown_turnover(wf, detailed),
        "turnover_total": _shown_turnover_total(wf, detailed),
    }


def _shown_turnover(wf, detailed):
    """Turnover rows with small groups hidden; cells of one year add up to that year's total."""
    shown = {}
    for year in wf.turnover_years:
        rows = [r for r in wf.turnover if r.year == year]
        leavers = hide_small([r.leavers for r in rows], detailed, sum(r.leavers for r in rows))
        heads = hide_small([r.headcount for r in rows], detailed, sum(r.headcount for r in rows))
        for row, left, head in zip(rows, leavers, heads):
            shown[(row.profession, year)] = {
                "profession": row.profession,
                "year": year,
                "leavers": left,
                "headcount": head,
                "rate": _share(left, head),
            }
    return [shown[(r.profession, r.year)] for r in wf.turnover]


def _shown_turnover_total(wf, detailed):
    totals = []
    for year in wf.turnover_years:
        rows = [r for r in wf.turnover if r.year == year]
        leavers = hide_total(sum(r.leavers for r in rows), detailed)
        heads = hide_total(sum(r.headcount for r in rows), detailed)
        totals.append({"year": year, "leavers": leavers, "headcount": heads, "rate": _share(leavers, heads)})
    return totals
