"""Property-based tests of the catalogue and held-competence imports (hypothesis).

The same promises as the personnel imports (see tests/org/test_import_properties.py,
whose files, database reset and checks these reuse): random valid files go in
and read back exactly, a second import changes nothing, a dry run writes
nothing; random bad rows are named by row and column, never raise, and leave
every table as it was.
"""
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from portal.competence.catalogue import CODE_RE, MAX_LEVEL, MAX_VALIDITY_MONTHS, add_months
from portal.competence.imports import import_catalogue, import_competences
from portal.competence.models import KINDS, SOURCES, Competence, CompetenceArea, HeldCompetence, HeldCompetenceChange
from portal.extensions import db
from portal.org.models import Employee
from tests.org.test_import_properties import (
    SETTINGS,
    UNIT_CODES,
    assert_refused,
    bad_text,
    counts,
    ctx,  # noqa: F401 (a fixture)
    everything,
    examples,
    fresh_database,
    names,
    padded,
    persons,
    sheets,
    tables,
    csv_sheets,
    Sheet,
    without_audit,
    word,
    write_sheet,
)

TODAY = date(2026, 6, 1)
AREAS = (("HELSE", "Helse og omsorg"), ("DIGI", "Digital kompetanse"), ("OPPV.1", "Oppvekst og skole"))
competence_codes = st.from_regex(r"\A[A-ZÆØÅ0-9][A-Za-zÆØÅæøå0-9._\-]{0,31}\Z")


def store_catalogue(competences=(), areas=AREAS):
    """Store ``areas`` and ``competences`` (CatalogueRow, area by code); returns {code: id} of both."""
    ids = {}
    with db.engine.begin() as conn:
        for code, name in areas:
            ids[code] = conn.execute(insert(CompetenceArea).values(code=code, name=name)).inserted_primary_key[0]
        for row in competences:
            ids[row.code] = conn.execute(insert(Competence).values(
                code=row.code, name=row.name, area_id=ids[row.area], kind=row.kind, max_level=row.max_level,
                validity_months=row.validity, description=row.description or "",
            )).inserted_primary_key[0]
    return ids


# --------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogueRow:
    code: str
    name: str
    area: str  # what the file says: an area code or name, or a new name
    kind: str
    max_level: int
    validity: int | None
    description: str | None = None


descriptions = st.one_of(
    st.just(""),
    st.lists(names, min_size=1, max_size=4).map(". ".join),
    st.lists(names, min_size=2, max_size=3).map("\n".join),  # an Alt+Enter line break in an Excel cell
    st.lists(word, min_size=1, max_size=3).map(lambda words: (" ".join(words) + " ") * 2500).map(
        lambda text: text[:5000].strip().ljust(5000, "x")),  # exactly as long as allowed
)


def area_reference(draw):
    """An area as a user writes it: a stored code or name in any case, or a new name."""
    code, name = draw(st.sampled_from(AREAS))
    return draw(st.one_of(
        st.sampled_from([code, code.lower(), name, name.upper(), name.lower()]),
        st.lists(word, min_size=1, max_size=3).map(" ".join).map(lambda text: "Nytt " + text),
    ))


@st.composite
def catalogue_rows(draw, code=competence_codes):
    return CatalogueRow(
        draw(code), draw(names), area_reference(draw), draw(st.sampled_from(KINDS)),
        draw(st.integers(1, MAX_LEVEL)), draw(st.none() | st.integers(1, MAX_VALIDITY_MONTHS)),
        draw(descriptions),
    )


def catalogue_cells(draw, row, kind):
    level = row.max_level
    if kind == "xlsx":
        level = draw(st.sampled_from([level, float(level), str(level)]))
    return {
        "code": row.code,
        "name": padded(draw, row.name),
        "area": padded(draw, row.area),
        "kind": padded(draw, draw(st.sampled_from([row.kind, row.kind.upper(), row.kind.title()]))),
        "max_level": level,
        "validity_months": "" if row.validity is None else str(row.validity),
        "description": row.description,
    }


def resolve_area(reference, new_areas):
    """The area a reference means, by the documented rules: code, then code or name in any case, else new."""
    for code, name in AREAS:
        if reference == code:
            return code, name
    for code, name in AREAS:
        if reference.casefold() in (code.casefold(), name.casefold()):
            return code, name
    return None, new_areas.setdefault(reference.casefold(), reference)


@st.composite
def catalogue_imports(draw):
    rows = draw(st.lists(catalogue_rows(), min_size=1, max_size=12, unique_by=lambda row: row.code))
    split = draw(st.integers(0, min(4, len(rows))))
    stored = [CatalogueRow(r.code, r.name, draw(st.sampled_from(AREAS))[0], r.kind, r.max_level, r.validity,
                           r.description) for r in rows[:split]]
    in_file = list(rows[split:])
    with_description = draw(st.booleans())
    for old in stored:
        what = draw(st.sampled_from(["absent", "same", "changed"]))
        if what == "same":
            in_file.append(CatalogueRow(old.code, old.name, old.area, old.kind, old.max_level, old.validity,
                                        old.description))
        elif what == "changed":
            in_file.append(draw(catalogue_rows(code=st.just(old.code))))
    in_file = draw(st.permutations(in_file))
    columns = ["code", "name", "area", "kind", "max_level", "validity_months"] + (
        ["description"] if with_description else [])
    sheet, _numbers = draw(sheets(columns, in_file, catalogue_cells))
    return stored, sheet, in_file, with_description


def stored_catalogue():
    found = db.session.execute(
        select(Competence.code, Competence.name, CompetenceArea.code, CompetenceArea.name, Competence.kind,
               Competence.max_level, Competence.validity_months, Competence.description)
        .join(CompetenceArea, Competence.area_id == CompetenceArea.id)
    ).all()
    return {row[0]: tuple(row[1:]) for row in found}


@settings(max_examples=examples(30), **SETTINGS)
@given(case=catalogue_imports())
def test_valid_catalogue_files_round_trip(ctx, tmp_path, case):
    stored, sheet, in_file, with_description = case
    fresh_database(units=())
    store_catalogue(stored)
    path = write_sheet(sheet, tmp_path)
    before = everything()
    new_areas = {}
    expected = {}
    for row in stored:
        expected[row.code] = (row.name, row.area, dict(AREAS)[row.area], row.kind, row.max_level, row.validity,
                              row.description or "")
    old = dict(expected)
    for row in in_file:
        code, name = resolve_area(row.area, new_areas)
        description = (row.description or "") if with_description else (old[row.code][6] if row.code in old else "")
        expected[row.code] = (row.name, code, name, row.kind, row.max_level, row.validity, description)
    created = sum(row.code not in old for row in in_file)
    unchanged = sum(row.code in old and old[row.code] == expected[row.code] for row in in_file)
    expected_counts = (created, len(in_file) - created - unchanged, unchanged)

    dry = import_catalogue(path, dry_run=True)
    assert dry.errors == [], dry.lines()
    assert counts(dry) == expected_counts
    assert everything() == before

    report = import_catalogue(path)
    assert report.errors == [], report.lines()
    assert counts(report) == expected_counts
    known = {code for code, _name in AREAS}
    # A new area gets an invented code (checked below); everything else reads back exactly.
    found = {code: (v[0], v[1] if v[1] in known else None, *v[2:]) for code, v in stored_catalogue().items()}
    assert found == expected
    areas = db.session.execute(select(CompetenceArea.code, CompetenceArea.name)).all()
    assert sorted(name for code, name in areas if code not in known) == sorted(new_areas.values())
    assert all(CODE_RE.match(code) for code, _name in areas)
    assert len({code.casefold() for code, _name in areas}) == len(areas), "invented codes clash"

    once = everything()
    again = import_catalogue(path)
    assert counts(again) == (0, 0, len(in_file))
    assert without_audit(everything()) == without_audit(once)


@st.composite
def bad_catalogue_imports(draw):
    rows = draw(st.lists(catalogue_rows(), min_size=2, max_size=8, unique_by=lambda row: row.code))
    kind = draw(st.sampled_from(["csv", "csv", "xlsx"]))
    columns = ["code", "name", "area", "kind", "max_level", "validity_months", "description"]
    header, cells, numbers = draw(tables(columns, rows, kind, catalogue_cells))
    order = [name.strip().lower() for name in header]
    expected = set()
    for index in draw(st.lists(st.integers(1, len(rows) - 1), min_size=1, max_size=3, unique=True)):
        what = draw(st.sampled_from(["code", "name", "area", "kind", "max_level", "validity_months", "description",
                                     "duplicate"]))
        if what == "code":
            value = draw(st.sampled_from(["", "A B", "HLR/2", "X" * 33, "a;b"]))
        elif what in ("name", "area"):
            value = bad_text(draw, 200, kind)
        elif what == "description":
            value = "x" * draw(st.integers(5001, 5100)) if kind == "xlsx" else (
                draw(st.sampled_from(["Ha\x00lo", "\x1b[31mrød", "x\x7fy", "a\u202eb"])))
        elif what == "kind":
            value = draw(st.sampled_from(["", "formell", "skills", "prior learning", "5"]))
        elif what == "max_level":
            value = draw(st.sampled_from(["", "0", "11", "3.5", "tre", "-1", "1e1", "٣"]))
        elif what == "validity_months":
            value = draw(st.sampled_from(["0", "1201", "-12", "12 mnd", "1,5"]))
        else:
            what, value = "code", rows[0].code
        cells[numbers[index] - 2][order.index(what)] = value
        expected.add((numbers[index], what))
    sheet = draw(csv_sheets(header, cells)) if kind == "csv" else Sheet(header, cells, "xlsx")
    return sheet, expected


@settings(max_examples=examples(30), **SETTINGS)
@given(case=bad_catalogue_imports(), dry_run=st.booleans())
def test_bad_catalogue_rows_are_named_and_nothing_is_written(ctx, tmp_path, case, dry_run):
    sheet, expected = case
    fresh_database(units=())
    store_catalogue([CatalogueRow("HLR", "Hjerte-lunge-redning", "HELSE", "certification", 3, 24)])
    path = write_sheet(sheet, tmp_path)
    before = everything()

    report = import_catalogue(path, dry_run=dry_run)

    assert_refused(report, before, expected)
    assert {error.row for error in report.errors} <= {row for row, _column in expected}


# --------------------------------------------------------------------------
# Held competences
# --------------------------------------------------------------------------

CATALOGUE = (
    CatalogueRow("HLR", "Hjerte-lunge-redning", "HELSE", "certification", 3, 24),
    CatalogueRow("SÅR", "Sårstell", "HELSE", "skill", 5, None),
    CatalogueRow("BRANN", "Brannvern", "HELSE", "certification", 2, 1),  # a month: month ends matter
    CatalogueRow("EXCEL", "Regneark", "DIGI", "skill", 10, 1200),
    CatalogueRow("fag.brev", "Fagbrev", "OPPV.1", "formal", 1, None),
)
TOP = {row.code: row.max_level for row in CATALOGUE}
VALIDITY = {row.code: row.validity for row in CATALOGUE}
HELD_COLUMNS = ("employee_number", "competence_code", "level", "source", "achieved_on", "valid_until")


@dataclass(frozen=True)
class Held:
    number: str
    code: str
    source: str
    level: int
    achieved: date
    valid_until: date | None

    def stored_valid_until(self):
        """An empty valid_until is worked out from the competence's validity."""
        if self.valid_until is not None or VALIDITY[self.code] is None:
            return self.valid_until
        return add_months(self.achieved, VALIDITY[self.code])


@st.composite
def helds(draw, numbers):
    code = draw(st.sampled_from(sorted(TOP)))
    achieved = draw(st.dates(date(1960, 1, 1), TODAY))
    return Held(draw(st.sampled_from(numbers)), code, draw(st.sampled_from(SOURCES)),
                draw(st.integers(1, TOP[code])), achieved,
                draw(st.none() | st.dates(achieved, date(2060, 12, 31))))


def held_cells(draw, held, kind):
    achieved = held.achieved
    if kind == "xlsx":
        achieved = draw(st.sampled_from([achieved, achieved.isoformat()]))
    return {
        "employee_number": held.number,
        "competence_code": held.code,
        "level": draw(st.sampled_from([str(held.level), held.level] if kind == "xlsx" else [str(held.level)])),
        "source": padded(draw, draw(st.sampled_from([held.source, held.source.upper()]))),
        "achieved_on": achieved,
        "valid_until": held.valid_until or "",
    }


STAFF = st.lists(persons(UNIT_CODES), min_size=1, max_size=4, unique_by=lambda person: person.number)


def key(held):
    return (held.number, held.code, held.source)


@st.composite
def held_imports(draw):
    staff = draw(STAFF)
    numbers = [person.number for person in staff]
    rows = draw(st.lists(helds(numbers), min_size=1, max_size=12, unique_by=key))
    split = draw(st.integers(0, min(4, len(rows))))
    stored, in_file = rows[:split], list(rows[split:])
    for old in stored:
        what = draw(st.sampled_from(["absent", "same", "changed"]))
        if what == "same":
            in_file.append(old)
        elif what == "changed":
            other = draw(helds([old.number]))
            in_file.append(Held(old.number, old.code, old.source, min(other.level, TOP[old.code]), other.achieved,
                                other.valid_until))
    in_file = draw(st.permutations(in_file))
    sheet, _numbers = draw(sheets(HELD_COLUMNS, in_file, held_cells))
    return staff, stored, sheet, in_file


def setup_held(staff, stored):
    fresh_database(employees=staff)
    ids = store_catalogue(CATALOGUE)
    with db.engine.begin() as conn:
        employee_ids = dict(conn.execute(select(Employee.employee_number, Employee.id)).all())
        if stored:
            conn.execute(insert(HeldCompetence), [
                {"employee_id": employee_ids[h.number], "competence_id": ids[h.code], "source": h.source,
                 "level": h.level, "achieved_on": h.achieved, "valid_until": h.stored_valid_until()}
                for h in stored
            ])


def stored_held():
    found = db.session.execute(
        select(Employee.employee_number, Competence.code, HeldCompetence.source, HeldCompetence.level,
               HeldCompetence.achieved_on, HeldCompetence.valid_until)
        .join(Employee, HeldCompetence.employee_id == Employee.id)
        .join(Competence, HeldCompetence.competence_id == Competence.id)
    ).all()
    return {tuple(row[:3]): tuple(row[3:]) for row in found}


@settings(max_examples=examples(30), **SETTINGS)
@given(case=held_imports())
def test_valid_held_competence_files_round_trip(ctx, tmp_path, case):
    staff, stored, sheet, in_file = case
    setup_held(staff, stored)
    path = write_sheet(sheet, tmp_path)
    before = everything()
    old = {key(h): (h.level, h.achieved, h.stored_valid_until()) for h in stored}
    expected = dict(old)
    expected.update({key(h): (h.level, h.achieved, h.stored_valid_until()) for h in in_file})
    created = sum(key(h) not in old for h in in_file)
    unchanged = sum(old.get(key(h)) == expected[key(h)] for h in in_file)
    expected_counts = (created, len(in_file) - created - unchanged, unchanged)

    dry = import_competences(path, dry_run=True, today=TODAY)
    assert dry.errors == [], dry.lines()
    assert counts(dry) == expected_counts
    assert everything() == before

    report = import_competences(path, today=TODAY)
    assert report.errors == [], report.lines()
    assert counts(report) == expected_counts
    assert stored_held() == expected
    changes = db.session.scalars(select(HeldCompetenceChange.action)).all()
    assert sorted(changes) == sorted(["changed"] * expected_counts[1] + ["created"] * created), "one history row each"

    once = everything()
    again = import_competences(path, today=TODAY)
    assert counts(again) == (0, 0, len(in_file))
    assert without_audit(everything()) == without_audit(once)


@st.composite
def bad_held_imports(draw):
    staff = draw(STAFF)
    numbers = [person.number for person in staff]
    rows = draw(st.lists(helds(numbers), min_size=2, max_size=8, unique_by=key))
    kind = draw(st.sampled_from(["csv", "csv", "xlsx"]))
    header, cells, row_numbers = draw(tables(HELD_COLUMNS, rows, kind, held_cells))
    order = [name.strip().lower() for name in header]
    expected = set()
    for index in draw(st.lists(st.integers(1, len(rows) - 1), min_size=1, max_size=3, unique=True)):
        held = rows[index]
        what = draw(st.sampled_from(["employee_number", "competence_code", "level", "source", "achieved_on",
                                     "future", "valid_until", "duplicate"]))
        if what == "employee_number":
            value = draw(st.sampled_from(["", "NOPE-1", "9" * 33] + (["1\x00"] if kind == "csv" else [])))
        elif what == "competence_code":
            value = draw(st.sampled_from(["", "hlr", "UKJENT", "S\u0041\u030aR"]))  # SÅR, decomposed
        elif what == "level":
            value = draw(st.sampled_from(["", "0", str(TOP[held.code] + 1), "2.5", "høy", "-1"]))
        elif what == "source":
            value = draw(st.sampled_from(["", "hr", "personnel system", "self"]))
        elif what == "achieved_on":
            value = draw(st.sampled_from(["", "2024-02-30", "1.1.2020", "i fjor"]))
        elif what == "future":
            what, value = "achieved_on", (TODAY + timedelta(days=draw(st.integers(1, 5000)))).isoformat()
        elif what == "valid_until":
            value = draw(st.sampled_from(["2024-13-01", "snart"] + [
                (held.achieved - timedelta(days=draw(st.integers(1, 900)))).isoformat()]))
        else:
            first = rows[0]
            for column, cell in (("employee_number", first.number), ("competence_code", first.code),
                                 ("source", first.source), ("level", "1")):
                cells[row_numbers[index] - 2][order.index(column)] = cell
            expected.add((row_numbers[index], "competence_code"))
            continue
        cells[row_numbers[index] - 2][order.index(what)] = value
        expected.add((row_numbers[index], what))
    sheet = draw(csv_sheets(header, cells)) if kind == "csv" else Sheet(header, cells, "xlsx")
    return staff, sheet, expected


@settings(max_examples=examples(30), **SETTINGS)
@given(case=bad_held_imports(), dry_run=st.booleans())
def test_bad_held_competence_rows_are_named_and_nothing_is_written(ctx, tmp_path, case, dry_run):
    staff, sheet, expected = case
    setup_held(staff, [])
    path = write_sheet(sheet, tmp_path)
    before = everything()

    report = import_competences(path, dry_run=dry_run, today=TODAY)

    assert_refused(report, before, expected)
    assert {error.row for error in report.errors} <= {row for row, _column in expected}


def test_the_commands_exit_one_on_a_bad_catalogue_and_print_safely(app, runner, tmp_path):
    with app.app_context():
        fresh_database(units=())
        store_catalogue()
    sheet = Sheet(["code", "name", "area", "kind", "max_level"], [
        ["HLR", "Hjerte-lunge-redning", "Helse og omsorg", "certification", "3"],
        ["SÅR", "Sår\x1b]0;title\x07stell", "helse", "skill", "11"],
    ], delimiter=";")

    result = runner.invoke(args=["import-catalogue", str(write_sheet(sheet, tmp_path))])

    assert result.exit_code == 1
    assert "row 3, column max_level: '11' must be between 1 and 10" in result.output
    assert "row 3, column name: 'Sår\\x1b]0;title\\x07stell' contains a control character (U+001B)" in result.output
    assert not any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in result.output)
    with app.app_context():
        assert db.session.scalars(select(Competence)).all() == []


def test_a_file_without_the_validity_column_keeps_the_stored_validity(ctx, tmp_path):
    fresh_database(units=())
    store_catalogue([CatalogueRow("HLR", "Hjerte-lunge-redning", "HELSE", "certification", 3, 24)])
    sheet = Sheet(["code", "name", "area", "kind", "max_level"], [["HLR", "HLR", "HELSE", "certification", "3"]])

    report = import_catalogue(write_sheet(sheet, tmp_path))

    assert report.errors == []
    assert db.session.scalar(select(Competence.validity_months)) == 24
