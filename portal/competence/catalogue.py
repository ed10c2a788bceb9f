"""The competence catalogue and unit requirements: the rules pages, API and imports share.

hr keeps the catalogue (areas -> competences, each with a kind, a level
scale 1..max_level and an optional validity in months) and says what every
unit requires. The checks live here, once, so a competence created in the
browser, through the API or by an import obeys the same rules. A refusal is
a :class:`CatalogueError` naming each field with a reason; the caller turns
it into a form message in the user's language, a 422/409, or a report line.

Functions here flush but never commit: the caller owns the transaction.
"""
import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..org.models import Employee, Unit
from ..org.visibility import under_paths
from .models import KINDS, Competence, CompetenceArea, HeldCompetence, Requirement

CODE_RE = re.compile(r"^[\w.\-]{1,32}$")
CODE_MAX = 32
NAME_MAX = 200
DESCRIPTION_MAX = 5000
PROFESSION_MAX = 100
MAX_LEVEL = 10
# A hundred years: longer than any certificate lives, short enough to catch typing slips.
MAX_VALIDITY_MONTHS = 1200
MAX_REQUIRED = 100_000

KIND_LABELS = {
    "formal": _l("Formal education"),
    "certification": _l("Certification"),
    "skill": _l("Skill"),
    "prior_learning": _l("Prior learning"),
}

# Reasons in English, for the API and the command line; pages translate by reason.
ENGLISH = {
    "required": "required",
    "too_long": "at most %(max)d characters",
    "bad_code": "use 1-32 letters, digits, '-', '_' or '.'",
    "bad_kind": "must be one of " + ", ".join(KINDS),
    "not_text": "must be a string",
    "not_whole": "must be a whole number",
    "range": "must be between %(min)d and %(max)d",
    "unknown": "names no %(what)s",
    "taken": "is already used by another %(what)s",
    "below_used": "cannot be below %(level)d: that level is already held or required",
    "above_scale": "must be between 1 and %(max)d (the competence's scale)",
    "duplicate": "the unit already has this requirement (same competence and profession)",
    "area_mismatch": "area and area_id name different areas",
}


@dataclass(frozen=True)
class Problem:
    """Why one field was refused: a reason key and the numbers or words it needs."""

    reason: str
    params: dict = field(default_factory=dict, hash=False, compare=False)

    def english(self):
        return ENGLISH[self.reason] % self.params


class CatalogueError(Exception):
    """Refused input: ``problems`` maps each field to its :class:`Problem`.

    ``conflict`` is set when the only trouble is a clash with rows already
    stored (a code in use, a requirement that exists): the API answers 409.
    """

    def __init__(self, problems):
        self.problems = dict(problems)
        self.conflict = all(p.reason in ("taken", "duplicate") for p in self.problems.values())
        super().__init__(self.message)

    @property
    def message(self):
        if self.conflict:
            return "; ".join(f"{name}: {p.english()}" for name, p in sorted(self.problems.items()))
        return "Invalid fields: " + ", ".join(sorted(self.problems))

    def english(self):
        """Field -> English reason, the shape of the API's ``fields``."""
        return {name: problem.english() for name, problem in self.problems.items()}


# --------------------------------------------------------------------------
# Small checks
# --------------------------------------------------------------------------

def _text(problems, name, value, max_length, required=True):
    """Stripped text or None; records a problem for missing, non-text or too long values."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems[name] = Problem("required")
        return None
    if not isinstance(value, str) or "\x00" in value:
        problems[name] = Problem("not_text")
        return None
    value = value.strip()
    if len(value) > max_length:
        problems[name] = Problem("too_long", {"max": max_length})
        return None
    return value


def _whole(problems, name, value, minimum, maximum, required=True):
    """An int within [minimum, maximum] or None; bools and strings are not numbers."""
    if value is None:
        if required:
            problems[name] = Problem("required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems[name] = Problem("not_whole")
        return None
    if not minimum <= value <= maximum:
        problems[name] = Problem("range", {"min": minimum, "max": maximum})
        return None
    return value


def _code(problems, name, value):
    code = _text(problems, name, value, CODE_MAX)
    if code is not None and not CODE_RE.match(code):
        problems[name] = Problem("bad_code")
        return None
    return code


def _raise(problems):
    if problems:
        raise CatalogueError(problems)


def _flush(problems_on_clash):
    """Flush; a unique index refusing the row (a parallel insert) is the same clash as ours."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise CatalogueError(problems_on_clash) from None


# --------------------------------------------------------------------------
# Areas
# --------------------------------------------------------------------------

def save_area(code, name, area=None):
    """Create an area, or change ``area``; codes and names are unique (imports match either)."""
    problems = {}
    code = _code(problems, "code", code)
    name = _text(problems, "name", name, NAME_MAX)
    if code is not None and _area_clash(CompetenceArea.code == code, area):
        problems["code"] = Problem("taken", {"what": "area"})
    if name is not None and _area_clash(func.lower(CompetenceArea.name) == name.lower(), area):
        problems["name"] = Problem("taken", {"what": "area"})
    _raise(problems)
    if area is None:
        area = CompetenceArea(code=code, name=name)
        db.session.add(area)
    else:
        area.code, area.name = code, name
    _flush({"code": Problem("taken", {"what": "area"})})
    return area


def _area_clash(condition, area):
    stmt = select(CompetenceArea.id).where(condition)
    if area is not None:
        stmt = stmt.where(CompetenceArea.id != area.id)
    return db.session.scalar(stmt.limit(1)) is not None


def find_area(value):
    """The area whose code (exactly, then ignoring case) or name (ignoring case) is ``value``."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    for condition in (
        CompetenceArea.code == value,
        func.lower(CompetenceArea.code) == value.lower(),
        func.lower(CompetenceArea.name) == value.lower(),
    ):
        found = db.session.scalars(select(CompetenceArea).where(condition).order_by(CompetenceArea.id)).first()
        if found is not None:
            return found
    return None


def area_summaries():
    """Every area with how many competences it holds, in name order (one query)."""
    return db.session.execute(
        select(CompetenceArea, func.count(Competence.id))
        .outerjoin(Competence, Competence.area_id == CompetenceArea.id)
        .group_by(CompetenceArea.id)
        .order_by(CompetenceArea.name, CompetenceArea.id)
    ).all()


def all_areas():
    return db.session.scalars(select(CompetenceArea).order_by(CompetenceArea.name, CompetenceArea.id)).all()


# --------------------------------------------------------------------------
# Competences
# --------------------------------------------------------------------------

def save_competence(values, competence=None):
    """Create a competence from ``values``, or change ``competence``.

    ``values``: code, name, area_id, kind, max_level, validity_months (None:
    never expires), description (optional). Lowering the scale below a level
    someone holds or a unit requires is refused: those figures would stop
    making sense.
    """
    problems = {}
    code = _code(problems, "code", values.get("code"))
    name = _text(problems, "name", values.get("name"), NAME_MAX)
    description = _text(problems, "description", values.get("description"), DESCRIPTION_MAX, required=False)
    area_id = _whole(problems, "area_id", values.get("area_id"), 1, 2**31 - 1)
    if area_id is not None and db.session.get(CompetenceArea, area_id) is None:
        problems["area_id"] = Problem("unknown", {"what": "area"})
    kind = values.get("kind")
    if kind not in KINDS:
        problems["kind"] = Problem("required" if not kind else "bad_kind")
    max_level = _whole(problems, "max_level", values.get("max_level"), 1, MAX_LEVEL)
    validity = _whole(problems, "validity_months", values.get("validity_months"), 1, MAX_VALIDITY_MONTHS, False)
    if competence is not None and max_level is not None:
        used = level_in_use(competence.id)
        if used > max_level:
            problems["max_level"] = Problem("below_used", {"level": used})
    if code is not None and _competence_clash(code, competence):
        problems["code"] = Problem("taken", {"what": "competence"})
    _raise(problems)
    if competence is None:
        competence = Competence(code=code)
        db.session.add(competence)
    competence.code = code
    competence.name = name
    competence.area_id = area_id
    competence.kind = kind
    competence.max_level = max_level
    competence.validity_months = validity
    competence.description = description or ""
    _flush({"code": Problem("taken", {"what": "competence"})})
    return competence


def _competence_clash(code, competence):
    stmt = select(Competence.id).where(Competence.code == code)
    if competence is not None:
        stmt = stmt.where(Competence.id != competence.id)
    return db.session.scalar(stmt.limit(1)) is not None


def level_in_use(competence_id):
    """The highest level anyone holds or any unit requires of the competence (0 if none)."""
    held = select(func.max(HeldCompetence.level)).where(HeldCompetence.competence_id == competence_id)
    required = select(func.max(Requirement.min_level)).where(Requirement.competence_id == competence_id)
    row = db.session.execute(select(held.scalar_subquery(), required.scalar_subquery())).one()
    return max(row[0] or 0, row[1] or 0)


def competences_stmt(area_id=None, kind=None, search=None):
    """A select of competences (with their area loaded) in catalogue order, filtered."""
    stmt = (
        select(Competence)
        .join(Competence.area)
        .options(contains_eager(Competence.area))
        .order_by(CompetenceArea.name, CompetenceArea.id, Competence.name, Competence.id)
    )
    if area_id is not None:
        stmt = stmt.where(Competence.area_id == area_id)
    if kind is not None:
        stmt = stmt.where(Competence.kind == kind)
    if search:
        stmt = stmt.where(
            or_(
                Competence.code.icontains(search, autoescape=True),
                Competence.name.icontains(search, autoescape=True),
            )
        )
    return stmt


# --------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------

def save_requirement(unit_id, competence_id, min_level, required_count, profession=None):
    """Add a requirement: ``required_count`` people in the unit (and below) at ``min_level`` or above.

    ``profession`` (optional) counts only people of that profession. A unit
    has at most one requirement per competence and profession, "any
    profession" included: the database's unique index lets two NULLs
    through, so that case is checked here.
    """
    problems = {}
    unit_id = _whole(problems, "unit_id", unit_id, 1, 2**31 - 1)
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        problems["unit_id"] = Problem("unknown", {"what": "unit"})
    competence_id = _whole(problems, "competence_id", competence_id, 1, 2**31 - 1)
    competence = db.session.get(Competence, competence_id) if competence_id is not None else None
    if competence_id is not None and competence is None:
        problems["competence_id"] = Problem("unknown", {"what": "competence"})
    if competence is not None and isinstance(min_level, int) and not isinstance(min_level, bool):
        if not 1 <= min_level <= competence.max_level:
            problems["min_level"] = Problem("above_scale", {"max": competence.max_level})
    if "min_level" not in problems:
        min_level = _whole(problems, "min_level", min_level, 1, MAX_LEVEL)
    required_count = _whole(problems, "required_count", required_count, 1, MAX_REQUIRED)
    profession = _text(problems, "profession", profession, PROFESSION_MAX, required=False)
    if not problems and requirement_exists(unit_id, competence_id, profession):
        problems["competence_id"] = Problem("duplicate")
    _raise(problems)
    requirement = Requirement(
        unit_id=unit_id,
        competence_id=competence_id,
        min_level=min_level,
        required_count=required_count,
        profession=profession,
    )
    db.session.add(requirement)
    _flush({"competence_id": Problem("duplicate")})
    return requirement


def requirement_exists(unit_id, competence_id, profession):
    """Whether the unit already requires the competence for ``profession`` (None: any profession)."""
    same_profession = (
        Requirement.profession.is_(None) if profession is None else Requirement.profession == profession
    )
    stmt = select(Requirement.id).where(
        Requirement.unit_id == unit_id, Requirement.competence_id == competence_id, same_profession
    )
    return db.session.scalar(stmt.limit(1)) is not None


def delete_requirement(requirement):
    db.session.delete(requirement)
    db.session.flush()


def requirements_stmt(unit_paths=None, competence_id=None):
    """A select of requirements with unit and competence loaded, in tree order.

    ``unit_paths`` limits them to those subtrees (a unit and its sub-units).
    """
    stmt = (
        select(Requirement)
        .join(Requirement.unit)
        .join(Requirement.competence)
        .options(contains_eager(Requirement.unit), contains_eager(Requirement.competence))
        .order_by(Unit.path, Competence.name, func.coalesce(Requirement.profession, ""), Requirement.id)
    )
    if unit_paths is not None:
        stmt = stmt.where(under_paths(unit_paths))
    if competence_id is not None:
        stmt = stmt.where(Requirement.competence_id == competence_id)
    return stmt


def professions():
    """The professions employees have, for suggesting a requirement's profession (one query)."""
    return db.session.scalars(select(Employee.profession).distinct().order_by(Employee.profession)).all()


# --------------------------------------------------------------------------
# Validity
# --------------------------------------------------------------------------

def add_months(day, months):
    """The same day ``months`` later, or the month's last day if it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def derived_valid_until(achieved_on, validity_months):
    """When a competence achieved on ``achieved_on`` runs out; None if it never does."""
    if achieved_on is None or not validity_months:
        return None
    return add_months(achieved_on, validity_months)
