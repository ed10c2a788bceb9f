"""Import the competence catalogue and held competences from CSV or XLSX.

The same promises as the personnel imports in ``org.imports``, whose file
reading and report these reuse: every problem names the spreadsheet row and
column; the whole file is checked before anything is written; writing is one
transaction (all or nothing); the database is read a fixed number of times
and written with bulk statements, so 50,000 rows take seconds, not minutes.

* ``import_catalogue``: ``code, name, area, kind, max_level[, validity_months,
  description]``, upserted by code. ``area`` is an area's code or name; a
  name not yet known becomes a new area.
* ``import_competences``: ``employee_number, competence_code, level, source,
  achieved_on[, valid_until]``, upserted by (employee, competence, source).
  An empty ``valid_until`` is derived from the competence's validity. Every
  created or changed record also gets a history row (the profile timeline),
  written in the same transaction.
"""
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, func, insert, select, update

from ..extensions import db
from ..org.imports import (
    ImportReport,
    Invalid,
    Progress,
    check_cell,
    date_cell,
    duplicate_message,
    finish_without_writing,
    load_records,
    text_cell,
    write_in_one_transaction,
)
from ..org.models import Employee, utcnow
from .catalogue import CODE_MAX, CODE_RE, DESCRIPTION_MAX, MAX_LEVEL, MAX_VALIDITY_MONTHS, NAME_MAX, derived_valid_until
from .models import KINDS, SOURCES, Competence, CompetenceArea, HeldCompetence, HeldCompetenceChange, Requirement

CATALOGUE_REQUIRED = ("code", "name", "area", "kind", "max_level")
CATALOGUE_OPTIONAL = ("validity_months", "description")
HELD_REQUIRED = ("employee_number", "competence_code", "level", "source", "achieved_on")
HELD_OPTIONAL = ("valid_until",)
HISTORY_NOTE = "import"
# Above this many competences in one file, loading every stored record is
# cheaper (and safer for SQLite's parameter limit) than an IN list.
MAX_IN_LIST = 500
WHOLE_RE = re.compile(r"^[0-9]{1,9}$")


# --------------------------------------------------------------------------
# Cell checks
# --------------------------------------------------------------------------

def _code(value):
    if not value:
        raise Invalid("a value is required")
    value = str(value)
    if not CODE_RE.match(value):
        raise Invalid(f"is not a code (1-{CODE_MAX} letters, digits, '-', '_' or '.')")
    return value


def _choice(value, allowed):
    if not value:
        raise Invalid("a value is required")
    value = str(value).strip().lower()
    if value not in allowed:
        raise Invalid(f"is not one of {', '.join(allowed)}")
    return value


def _whole(value, minimum, maximum, required=True):
    """A whole number in [minimum, maximum]; XLSX number cells arrive as text already."""
    if value is None or value == "":
        if required:
            raise Invalid("a value is required")
        return None
    if isinstance(value, date) or not WHOLE_RE.match(str(value)):
        raise Invalid("is not a whole number")
    number = int(value)
    if not minimum <= number <= maximum:
        raise Invalid(f"must be between {minimum} and {maximum}")
    return number


# --------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------

@dataclass
class CatalogueReport(ImportReport):
    """The import report, plus the areas the file brought in."""

    new_areas: list = field(default_factory=list)

    def lines(self):
        lines = super().lines()
        if self.new_areas and not self.errors:
            verb = "would be created" if self.dry_run else "created"
            named = ", ".join(f"{name} ({code})" for code, name in self.new_areas)
            lines.insert(len(lines) - 1, f"new areas {verb}: {named}")
        return lines


@dataclass
class _CatalogueRow:
    row: int
    code: str | None
    name: str | None
    area: str | None  # the code of an existing or a new area
    kind: str | None
    max_level: int | None
    validity_months: int | None
    description: str | None  # None: the file has no description column
    # False: the file has no validity_months column, so the stored validity stays
    # (an empty cell in the column means "never expires", which None already says).
    has_validity: bool = True


def import_catalogue(path, dry_run=False, progress=None):
    """Upsert competences by code; unknown area names become new areas."""
    report = CatalogueReport(dry_run=dry_run, kind="catalogue")
    records = load_records(path, CATALOGUE_REQUIRED, CATALOGUE_OPTIONAL, report)
    ticker = Progress(progress, len(records or ()))
    if records is None:
        return finish_without_writing(report, ticker)
    areas = _AreaResolver(db.session.execute(select(CompetenceArea.id, CompetenceArea.code, CompetenceArea.name)).all())
    rows = _validate_catalogue(records, areas, report, ticker)
    stored = {}
    if not report.errors:
        stored = {row.code: row for row in db.session.execute(select(
            Competence.id, Competence.code, Competence.name, Competence.area_id, Competence.kind,
            Competence.max_level, Competence.validity_months, Competence.description,
        ))}
        _check_scales(rows, stored, report)
    if report.errors:
        return finish_without_writing(report, ticker)
    new, changed = _plan_catalogue(rows, stored, areas, report)
    report.new_areas = [(code, name) for code, name in areas.new.values()]
    write_in_one_transaction(report, lambda: _write_catalogue(areas.new, new, changed))
    ticker.finish()
    return report


class _AreaResolver:
    """Finds an area by code (exactly, then ignoring case) or name; invents a code for a new name."""

    def __init__(self, stored):
        self.ids = {code: area_id for area_id, code, _name in stored}
        self.by_code = {code.casefold(): code for _id, code, _name in stored}
        self.by_name = {}
        for _id, code, name in sorted(stored):
            self.by_name.setdefault(name.strip().casefold(), code)
        self.new = {}  # folded name -> (code, name)

    def code_for(self, value):
        if value in self.ids:
            return value
        folded = value.casefold()
        found = self.by_code.get(folded) or self.by_name.get(folded)
        if found:
            return found
        if folded not in self.new:
            self.new[folded] = (self._invent_code(value), value)
        return self.new[folded][0]

    def _invent_code(self, name):
        """"Helse og omsorg" -> "HELSE-OG-OMSORG", unique among stored and new codes."""
        folded = name.upper().replace("Æ", "AE").replace("Ø", "O").replace("Å", "A")
        ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
        base = re.sub(r"[^A-Z0-9]+", "-", ascii_only).strip("-")[: CODE_MAX - 4] or "AREA"
        taken = set(self.by_code) | {code.casefold() for code, _name in self.new.values()}
        code, number = base, 2
        while code.casefold() in taken:
            code, number = f"{base}-{number}", number + 1
        return code


def _validate_catalogue(records, areas, report, ticker):
    rows, first_row = [], {}
    for done, (number, record) in enumerate(records, start=1):
        check = lambda column, parse, *args: check_cell(report, number, column, record[column], parse, *args)  # noqa: E731
        area_name = check("area", text_cell, NAME_MAX, True, False)
        row = _CatalogueRow(
            row=number,
            code=check("code", _code),
            name=check("name", text_cell, NAME_MAX, True, False),
            area=areas.code_for(area_name) if area_name else None,
            kind=check("kind", _choice, KINDS),
            max_level=check("max_level", _whole, 1, MAX_LEVEL),
            validity_months=check("validity_months", _whole, 1, MAX_VALIDITY_MONTHS, False)
            if "validity_months" in record else None,
            description=(check("description", text_cell, DESCRIPTION_MAX, False) or "")
            if "description" in record else None,
            has_validity="validity_months" in record,
        )
        if row.code is not None and row.code in first_row:
            report.error(number, "code", row.code, duplicate_message(first_row[row.code], number))
        elif row.code is not None:
            first_row[row.code] = number
            rows.append(row)
        ticker.tick(done)
    return rows


def _check_scales(rows, stored, report):
    """A scale may not shrink below a level someone holds or a unit requires (two grouped queries)."""
    used = dict(db.session.execute(
        select(HeldCompetence.competence_id, func.max(HeldCompetence.level)).group_by(HeldCompetence.competence_id)
    ).all())
    for competence_id, level in db.session.execute(
        select(Requirement.competence_id, func.max(Requirement.min_level)).group_by(Requirement.competence_id)
    ):
        used[competence_id] = max(used.get(competence_id, 0), level)
    for row in rows:
        old = stored.get(row.code)
        if old is None or row.max_level is None:
            continue
        if used.get(old.id, 0) > row.max_level:
            report.error(row.row, "max_level", str(row.max_level),
                         f"is below level {used[old.id]}, which is already held or required")


def _plan_catalogue(rows, stored, areas, report):
    new, changed = [], []
    area_codes = {area_id: code for code, area_id in areas.ids.items()}
    for row in rows:
        old = stored.get(row.code)
        if old is None:
            report.created += 1
            new.append(row)
            continue
        old_area = area_codes.get(old.area_id)
        description = old.description if row.description is None else row.description
        if not row.has_validity:
            row.validity_months = old.validity_months
        if (old.name, old_area, old.kind, old.max_level, old.validity_months, old.description) == (
            row.name, row.area, row.kind, row.max_level, row.validity_months, description
        ):
            report.unchanged += 1
            continue
        report.updated += 1
        row.description = description
        changed.append((old.id, row))
    return new, changed


def _write_catalogue(new_areas, new, changed):
    """New areas first (their ids are needed), then competences in bulk."""
    if new_areas:
        db.session.execute(insert(CompetenceArea), [{"code": code, "name": name} for code, name in new_areas.values()])
    ids = dict(db.session.execute(select(CompetenceArea.code, CompetenceArea.id)).all())
    if new:
        db.session.execute(insert(Competence).execution_options(render_nulls=True), [
            _competence_values(row, ids) for row in new
        ])
    if changed:
        db.session.execute(update(Competence), [
            {"id": competence_id, **_competence_values(row, ids)} for competence_id, row in changed
        ])


def _competence_values(row, area_ids):
    return {
        "code": row.code,
        "name": row.name,
        "area_id": area_ids[row.area],
        "kind": row.kind,
        "max_level": row.max_level,
        "validity_months": row.validity_months,
        "description": row.description or "",
    }


# --------------------------------------------------------------------------
# Held competences
# --------------------------------------------------------------------------

def import_competences(path, dry_run=False, progress=None, today=None):
    """Upsert held competences by (employee number, competence code, source)."""
    report = ImportReport(dry_run=dry_run, kind="competences")
    records = load_records(path, HELD_REQUIRED, HELD_OPTIONAL, report)
    ticker = Progress(progress, len(records or ()))
    if records is None:
        return finish_without_writing(report, ticker)
    employees = dict(db.session.execute(select(Employee.employee_number, Employee.id)).all())
    competences = {
        code: (competence_id, max_level, validity)
        for competence_id, code, max_level, validity in db.session.execute(
            select(Competence.id, Competence.code, Competence.max_level, Competence.validity_months)
        )
    }
    rows = _validate_held(records, employees, competences, today or date.today(), report, ticker)
    if report.errors:
        return finish_without_writing(report, ticker)
    inserts, updates, history = _plan_held(rows, report)
    write_in_one_transaction(report, lambda: _write_held(inserts, updates, history))
    ticker.finish()
    return report


def _validate_held(records, employees, competences, today, report, ticker):
    rows, first_row = [], {}
    for done, (number, record) in enumerate(records, start=1):
        check = lambda column, parse, *args: check_cell(report, number, column, record[column], parse, *args)  # noqa: E731
        errors_before = len(report.errors)
        employee_number = check("employee_number", text_cell, 32, True, False)
        employee_id = employees.get(employee_number)
        if employee_number is not None and employee_id is None:
            report.error(number, "employee_number", employee_number,
                         "is not a known employee (import the employees first)")
        code = check("competence_code", text_cell, CODE_MAX, True, False)
        competence = competences.get(code)
        if code is not None and competence is None:
            report.error(number, "competence_code", code, "is not in the catalogue (import the catalogue first)")
        top = competence[1] if competence else MAX_LEVEL
        level = check("level", _whole, 1, top)
        source = check("source", _choice, SOURCES)
        achieved_on = check("achieved_on", date_cell)
        valid_until = check("valid_until", date_cell, False) if "valid_until" in record else None
        if achieved_on and achieved_on > today:
            report.error(number, "achieved_on", achieved_on.isoformat(), "is in the future")
        if achieved_on and valid_until and valid_until < achieved_on:
            report.error(number, "valid_until", valid_until.isoformat(),
                         f"is before achieved_on {achieved_on.isoformat()}")
        key = (employee_number, code, source)
        if None not in key and key in first_row:
            report.error(number, "competence_code", code,
                         "for this employee and source " + duplicate_message(first_row[key], number))
        elif None not in key:
            first_row[key] = number
        if len(report.errors) == errors_before:
            if valid_until is None:
                valid_until = derived_valid_until(achieved_on, competence[2])
            rows.append((employee_id, competence[0], source, level, achieved_on, valid_until))
        ticker.tick(done)
    return rows


def _plan_held(rows, report):
    """Split rows into inserts and updates, with one history row for each (one read query)."""
    competence_ids = {row[1] for row in rows}
    stmt = select(
        HeldCompetence.employee_id, HeldCompetence.competence_id, HeldCompetence.source, HeldCompetence.id,
        HeldCompetence.level, HeldCompetence.achieved_on, HeldCompetence.valid_until,
    )
    if len(competence_ids) <= MAX_IN_LIST:
        stmt = stmt.where(HeldCompetence.competence_id.in_(competence_ids))
    existing = {tuple(r[:3]): tuple(r[3:]) for r in db.session.execute(stmt)}
    now = utcnow()
    inserts, updates, history = [], [], []
    for employee_id, competence_id, source, level, achieved_on, valid_until in rows:
        old = existing.get((employee_id, competence_id, source))
        if old is None:
            inserts.append({
                "employee_id": employee_id, "competence_id": competence_id, "source": source, "level": level,
                "achieved_on": achieved_on, "valid_until": valid_until, "evidence_note": "", "evidence_url": "",
                "recorded_by_id": None, "recorded_at": now,
            })
            old_level = old_valid_until = None
        else:
            held_id, old_level, old_achieved_on, old_valid_until = old
            if (old_level, old_achieved_on, old_valid_until) == (level, achieved_on, valid_until):
                report.unchanged += 1
                continue
            updates.append({"held_id": held_id, "level": level, "achieved_on": achieved_on,
                            "valid_until": valid_until, "recorded_at": now})
        history.append({
            "employee_id": employee_id, "competence_id": competence_id, "source": source,
            "action": "created" if old is None else "changed", "old_level": old_level, "new_level": level,
            "old_valid_until": old_valid_until, "new_valid_until": valid_until, "note": HISTORY_NOTE,
            "changed_by_id": None, "changed_at": now,
        })
    report.created, report.updated = len(inserts), len(updates)
    return inserts, updates, history


def _write_held(inserts, updates, history):
    """Three executemany statements on the tables themselves: the ORM's per-row work is not needed here."""
    held = HeldCompetence.__table__
    if inserts:
        db.session.execute(insert(held), inserts)
    if updates:
        db.session.execute(
            update(held)
            .where(held.c.id == bindparam("held_id"))
            .values(level=bindparam("level"), achieved_on=bindparam("achieved_on"),
                    valid_until=bindparam("valid_until"), recorded_at=bindparam("recorded_at"), recorded_by_id=None),
            updates,
        )
    if history:
        db.session.execute(insert(HeldCompetenceChange.__table__), history)
