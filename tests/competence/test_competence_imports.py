"""Importing the competence catalogue and held competences, as HR staff run it.

What a user notices: good CSV and XLSX files go in and existing rows are
updated rather than duplicated; new area names become areas; an empty
valid_until is worked out from the competence's validity; every created or
changed held competence shows up in the person's history; a bad file is
refused whole with row and column named and changes nothing; a large file
does not take one query per row.
"""
import csv
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from portal.competence.imports import import_catalogue, import_competences
from portal.competence.models import (
    Competence,
    CompetenceArea,
    HeldCompetence,
    HeldCompetenceChange,
    Requirement,
)
from portal.extensions import db
from portal.org.models import Employee
from tests.competence.test_catalogue import make_catalogue

CATALOGUE_HEADER = ["code", "name", "area", "kind", "max_level", "validity_months"]
HELD_HEADER = ["employee_number", "competence_code", "level", "source", "achieved_on", "valid_until"]


@pytest.fixture
def ids(app, people):
    ids = make_catalogue(app)
    with app.app_context():
        # Valid for one month: shows how month ends are handled.
        monthly = Competence(code="BRANN", name="Brannvern", area_id=ids["HELSE"], kind="certification",
                             max_level=2, validity_months=1)
        db.session.add(monthly)
        db.session.commit()
        ids["BRANN"] = monthly.id
    ids.update(people["staff"])
    return ids


def write_csv(folder, rows, header, delimiter=",", bom=False, name="file.csv"):
    path = folder / name
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(folder, rows, header, name="file.xlsx"):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = folder / name
    workbook.save(path)
    return path


def snapshot(app, *models):
    with app.app_context():
        return [db.session.execute(select(m.__table__).order_by(m.id)).all() for m in models]


CATALOGUE_TABLES = (CompetenceArea, Competence)
HELD_TABLES = (HeldCompetence, HeldCompetenceChange)


def competence(app, code):
    with app.app_context():
        found = db.session.scalars(select(Competence).where(Competence.code == code)).one_or_none()
        if found is not None:
            found.area_code = found.area.code
        return found


def held(app, employee_id, competence_id, source):
    with app.app_context():
        return db.session.scalars(select(HeldCompetence).filter_by(
            employee_id=employee_id, competence_id=competence_id, source=source)).one_or_none()


def history(app):
    with app.app_context():
        return db.session.scalars(select(HeldCompetenceChange).order_by(HeldCompetenceChange.id)).all()


# --------------------------------------------------------------------------
# The catalogue: good files
# --------------------------------------------------------------------------

def test_catalogue_csv_upserts_by_code_and_creates_new_areas(app, runner, ids, tmp_path):
    path = write_csv(tmp_path, [
        ["EXCEL", "Regneark", "DIGI", "skill", "4", ""],  # exactly as stored
        ["SAAR", "Sårstell og sårbehandling", "helse", "skill", "6", ""],  # area code in any case
        ["TEAMS", "Nettmøter", "Digital kompetanse", "skill", "3", ""],  # area by its name
        ["LESE", "Leseopplæring", "Oppvekst og skole", "formal", "1", ""],  # a new area
        ["SPILL", "Lek og læring", "oppvekst og SKOLE", "prior_learning", "3", "36"],  # the same new area
    ], CATALOGUE_HEADER)

    result = runner.invoke(args=["import-catalogue", str(path)])

    assert result.exit_code == 0, result.output
    assert "3 created, 1 updated, 1 unchanged" in result.output
    assert "new areas created: Oppvekst og skole (OPPVEKST-OG-SKOLE)" in result.output
    saar = competence(app, "SAAR")
    assert saar.id == ids["SAAR"]  # updated in place
    assert (saar.name, saar.max_level, saar.area_code) == ("Sårstell og sårbehandling", 6, "HELSE")
    assert competence(app, "TEAMS").area_code == "DIGI"
    assert competence(app, "LESE").area_code == competence(app, "SPILL").area_code == "OPPVEKST-OG-SKOLE"
    spill = competence(app, "SPILL")
    assert (spill.kind, spill.validity_months) == ("prior_learning", 36)
    with app.app_context():
        assert db.session.scalar(select(CompetenceArea.name).where(CompetenceArea.code == "OPPVEKST-OG-SKOLE")) == \
            "Oppvekst og skole"


def test_catalogue_semicolon_csv_with_bom_and_xlsx(app, ids, tmp_path):
    header = ["Code", "NAME", "area", "kind", "max_level", "validity_months", "description"]
    path = write_csv(tmp_path, [["HMS", "HMS-kurs", "HELSE", "Certification", "2", "12", "For verneombud"]],
                     header, delimiter=";", bom=True)
    with app.app_context():
        report = import_catalogue(path)
    assert report.errors == [] and report.created == 1
    hms = competence(app, "HMS")
    assert (hms.kind, hms.validity_months, hms.description) == ("certification", 12, "For verneombud")

    xlsx = write_xlsx(tmp_path, [[101, "Førstehjelp", "HELSE", "certification", 3.0, 24.0],
                                 ["HLR", "Hjerte-lunge-redning", "HELSE", "certification", 3, None]],
                      CATALOGUE_HEADER)
    with app.app_context():
        report = import_catalogue(xlsx)
    assert report.errors == [], report.lines()
    assert (report.created, report.updated) == (1, 1)  # HLR loses its validity
    assert competence(app, "101").validity_months == 24
    assert competence(app, "HLR").validity_months is None
    assert competence(app, "HMS").description == "For verneombud"  # no description column: kept


def test_catalogue_dry_run_changes_nothing(app, runner, ids, tmp_path):
    path = write_csv(tmp_path, [["NY", "Ny", "Helt nytt område", "skill", "3", ""],
                                ["SAAR", "Nytt navn", "HELSE", "skill", "5", ""]], CATALOGUE_HEADER)
    before = snapshot(app, *CATALOGUE_TABLES)

    result = runner.invoke(args=["import-catalogue", str(path), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "dry run, would be: 1 created, 1 updated, 0 unchanged" in result.output
    assert "new areas would be created: Helt nytt område" in result.output
    assert snapshot(app, *CATALOGUE_TABLES) == before


# --------------------------------------------------------------------------
# The catalogue: bad files
# --------------------------------------------------------------------------

GOOD_ROW = ["NY1", "Ny kompetanse", "HELSE", "skill", "3", ""]

BAD_CATALOGUES = {
    "unknown kind": ([["NY2", "X", "HELSE", "talent", "3", ""]],
                     ["row 3, column kind: 'talent' is not one of formal, certification, skill, prior_learning"]),
    "scale above 10": ([["NY2", "X", "HELSE", "skill", "11", ""]], ["row 3, column max_level: '11' must be between 1 and 10"]),
    "scale not a number": ([["NY2", "X", "HELSE", "skill", "high", ""]], ["row 3, column max_level: 'high' is not a whole number"]),
    "validity zero": ([["NY2", "X", "HELSE", "skill", "3", "0"]], ["row 3, column validity_months: '0' must be between 1 and 1200"]),
    "code with space": ([["NY 2", "X", "HELSE", "skill", "3", ""]], ["row 3, column code: 'NY 2' is not a code"]),
    "no name": ([["NY2", "", "HELSE", "skill", "3", ""]], ["row 3, column name: a value is required"]),
    "no area": ([["NY2", "X", "", "skill", "3", ""]], ["row 3, column area: a value is required"]),
    "code twice": ([["NY1", "Igjen", "HELSE", "skill", "3", ""]], ["row 3, column code: 'NY1' appears twice in the file: rows 2 and 3"]),
    "scale below a held level": ([["SAAR", "Sårstell", "HELSE", "skill", "2", ""]],
                                 ["row 3, column max_level: '2' is below level 4, which is already held or required"]),
    "scale below a required level": ([["HLR", "HLR", "HELSE", "certification", "1", "24"]],
                                      ["row 3, column max_level: '1' is below level 2"]),
}


@pytest.mark.parametrize("case", list(BAD_CATALOGUES))
def test_bad_catalogue_is_refused_whole(app, runner, ids, tmp_path, case):
    with app.app_context():
        db.session.add(HeldCompetence(employee_id=ids["1002"], competence_id=ids["SAAR"], level=4,
                                      source="leader_assessment", achieved_on=date(2024, 1, 1)))
        db.session.add(Requirement(unit_id=db.session.scalar(select(Employee.unit_id).where(Employee.id == ids["1002"])),
                                   competence_id=ids["HLR"], min_level=2, required_count=1))
        db.session.commit()
    rows, expected = BAD_CATALOGUES[case]
    # The good first row (with a new area in another row) must not be written either.
    path = write_csv(tmp_path, [GOOD_ROW] + rows + [["NY9", "Ny", "Nytt område", "skill", "2", ""]], CATALOGUE_HEADER)
    before = snapshot(app, *CATALOGUE_TABLES)

    result = runner.invoke(args=["import-catalogue", str(path)])

    assert result.exit_code == 1, result.output
    for fragment in expected:
        assert fragment in result.output, result.output
    assert "nothing was changed" in result.output and "Traceback" not in result.output
    assert snapshot(app, *CATALOGUE_TABLES) == before


def test_catalogue_missing_column(app, ids, tmp_path):
    path = write_csv(tmp_path, [["NY", "Ny", "HELSE", "3"]], ["code", "name", "area", "max_level"])
    with app.app_context():
        report = import_catalogue(path)
    assert [str(e) for e in report.errors] == ["row 1: missing required column(s): kind"]


# --------------------------------------------------------------------------
# Held competences: good files
# --------------------------------------------------------------------------

def test_held_competences_csv_upserts_and_writes_history(app, runner, ids, tmp_path):
    with app.app_context():
        db.session.add_all([
            HeldCompetence(employee_id=ids["1002"], competence_id=ids["SAAR"], level=2, source="personnel_system",
                           achieved_on=date(2020, 3, 1)),
            HeldCompetence(employee_id=ids["1003"], competence_id=ids["EXCEL"], level=3, source="personnel_system",
                           achieved_on=date(2021, 6, 1)),
            # A self-assessment of the same competence lives beside the personnel system's record.
            HeldCompetence(employee_id=ids["1002"], competence_id=ids["SAAR"], level=5, source="self_assessment",
                           achieved_on=date(2023, 1, 1)),
        ])
        db.session.commit()
    path = write_csv(tmp_path, [
        ["1002", "SAAR", "4", "personnel_system", "2024-05-02", ""],  # changed: 2 -> 4
        ["1003", "EXCEL", "3", "personnel_system", "2021-06-01", ""],  # unchanged
        ["1002", "HLR", "2", "leader_assessment", "2024-01-31", "2025-06-30"],  # new, explicit validity
        ["1001", "HLR", "3", "Personnel_System", "2024-01-31", ""],  # new, validity derived (24 months)
    ], HELD_HEADER)

    result = runner.invoke(args=["import-competences", str(path)])

    assert result.exit_code == 0, result.output
    assert "2 created, 1 updated, 1 unchanged" in result.output
    saar = held(app, ids["1002"], ids["SAAR"], "personnel_system")
    assert (saar.level, saar.achieved_on, saar.valid_until) == (4, date(2024, 5, 2), None)
    assert held(app, ids["1002"], ids["SAAR"], "self_assessment").level == 5  # other source untouched
    assert held(app, ids["1002"], ids["HLR"], "leader_assessment").valid_until == date(2025, 6, 30)
    assert held(app, ids["1001"], ids["HLR"], "personnel_system").valid_until == date(2026, 1, 31)

    changes = {(c.employee_id, c.competence_id, c.source): c for c in history(app)}
    assert len(changes) == 3  # nothing for the unchanged row
    changed = changes[(ids["1002"], ids["SAAR"], "personnel_system")]
    assert (changed.action, changed.old_level, changed.new_level, changed.note) == ("changed", 2, 4, "import")
    created = changes[(ids["1001"], ids["HLR"], "personnel_system")]
    assert (created.action, created.old_level, created.new_level) == ("created", None, 3)
    assert (created.old_valid_until, created.new_valid_until) == (None, date(2026, 1, 31))
    assert created.changed_at is not None and created.changed_by_id is None


def test_valid_until_is_derived_from_the_validity(app, ids, tmp_path):
    path = write_csv(tmp_path, [
        ["1001", "BRANN", "1", "personnel_system", "2024-01-31", ""],  # 1 month: end of a leap February
        ["1002", "BRANN", "1", "personnel_system", "2023-01-31", ""],  # ... and of an ordinary one
        ["1003", "BRANN", "2", "personnel_system", "2023-12-15", ""],  # across the new year
        ["2001", "SAAR", "2", "personnel_system", "2024-01-31", ""],  # never expires
        ["2002", "BRANN", "2", "personnel_system", "2024-01-31", "2024-01-31"],  # given: kept as is
    ], HELD_HEADER)
    with app.app_context():
        report = import_competences(path)
    assert report.errors == [], report.lines()
    assert held(app, ids["1001"], ids["BRANN"], "personnel_system").valid_until == date(2024, 2, 29)
    assert held(app, ids["1002"], ids["BRANN"], "personnel_system").valid_until == date(2023, 2, 28)
    assert held(app, ids["1003"], ids["BRANN"], "personnel_system").valid_until == date(2024, 1, 15)
    assert held(app, ids["2001"], ids["SAAR"], "personnel_system").valid_until is None
    assert held(app, ids["2002"], ids["BRANN"], "personnel_system").valid_until == date(2024, 1, 31)


def test_a_changed_validity_alone_is_a_change(app, ids, tmp_path):
    path = write_csv(tmp_path, [["1002", "HLR", "2", "personnel_system", "2024-01-10", ""]], HELD_HEADER)
    with app.app_context():
        import_competences(path)
    again = write_csv(tmp_path, [["1002", "HLR", "2", "personnel_system", "2024-01-10", "2024-12-31"]],
                      HELD_HEADER, name="again.csv")
    with app.app_context():
        report = import_competences(again)
    assert report.updated == 1
    last = history(app)[-1]
    assert (last.action, last.old_level, last.new_level) == ("changed", 2, 2)
    assert (last.old_valid_until, last.new_valid_until) == (date(2026, 1, 10), date(2024, 12, 31))


def test_held_competences_from_xlsx(app, ids, tmp_path):
    path = write_xlsx(tmp_path, [
        [1002, "SAAR", 3.0, "personnel_system", date(2022, 2, 2), None],
        [1003, "HLR", 1, "learning_activity", date(2024, 3, 1), date(2025, 3, 1)],
    ], HELD_HEADER)
    with app.app_context():
        report = import_competences(path)
    assert report.errors == [], report.lines()
    assert held(app, ids["1002"], ids["SAAR"], "personnel_system").level == 3
    assert held(app, ids["1003"], ids["HLR"], "learning_activity").valid_until == date(2025, 3, 1)
    assert len(history(app)) == 2


def test_valid_until_column_may_be_left_out(app, ids, tmp_path):
    path = write_csv(tmp_path, [["1002", "HLR", "1", "prior_learning", "2024-02-01"]], HELD_HEADER[:-1])
    with app.app_context():
        report = import_competences(path)
    assert report.errors == [] and report.created == 1
    assert held(app, ids["1002"], ids["HLR"], "prior_learning").valid_until == date(2026, 2, 1)


def test_held_dry_run_changes_nothing(app, runner, ids, tmp_path):
    path = write_csv(tmp_path, [["1002", "SAAR", "4", "personnel_system", "2024-05-02", ""]], HELD_HEADER)
    before = snapshot(app, *HELD_TABLES)
    result = runner.invoke(args=["import-competences", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run, would be: 1 created, 0 updated, 0 unchanged" in result.output
    assert "Dry run: nothing was changed." in result.output
    assert snapshot(app, *HELD_TABLES) == before


# --------------------------------------------------------------------------
# Held competences: bad files
# --------------------------------------------------------------------------

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
BAD_HELD = {
    "unknown employee": (["9999", "SAAR", "2", "personnel_system", "2024-01-01", ""],
                         ["row 3, column employee_number: '9999' is not a known employee"]),
    "unknown competence": (["1002", "NOPE", "2", "personnel_system", "2024-01-01", ""],
                           ["row 3, column competence_code: 'NOPE' is not in the catalogue"]),
    "level above the scale": (["1002", "HLR", "4", "personnel_system", "2024-01-01", ""],
                              ["row 3, column level: '4' must be between 1 and 3"]),
    "level zero": (["1002", "SAAR", "0", "personnel_system", "2024-01-01", ""], ["row 3, column level: '0' must be between 1 and 5"]),
    "level not whole": (["1002", "SAAR", "2.5", "personnel_system", "2024-01-01", ""], ["row 3, column level: '2.5' is not a whole number"]),
    "unknown source": (["1002", "SAAR", "2", "rumour", "2024-01-01", ""],
                       ["row 3, column source: 'rumour' is not one of personnel_system, self_assessment"]),
    "bad date": (["1002", "SAAR", "2", "personnel_system", "01.02.2024", ""],
                 ["row 3, column achieved_on: '01.02.2024' is not a date (YYYY-MM-DD)"]),
    "achieved in the future": (["1002", "SAAR", "2", "personnel_system", TOMORROW, ""],
                               [f"row 3, column achieved_on: '{TOMORROW}' is in the future"]),
    "expires before achieved": (["1002", "SAAR", "2", "personnel_system", "2024-01-01", "2023-12-31"],
                                ["row 3, column valid_until: '2023-12-31' is before achieved_on 2024-01-01"]),
    "same record twice": (["1001", "SAAR", "3", "personnel_system", "2024-01-01", ""],
                          ["row 3, column competence_code: 'SAAR' for this employee and source appears twice in the file: rows 2 and 3"]),
    "no level": (["1002", "SAAR", "", "personnel_system", "2024-01-01", ""], ["row 3, column level: a value is required"]),
}


@pytest.mark.parametrize("case", list(BAD_HELD))
def test_bad_held_file_is_refused_whole(app, runner, ids, tmp_path, case):
    row, expected = BAD_HELD[case]
    path = write_csv(tmp_path, [["1001", "SAAR", "2", "personnel_system", "2024-01-01", ""], row,
                                ["1003", "HLR", "1", "personnel_system", "2024-01-01", ""]], HELD_HEADER)
    before = snapshot(app, *HELD_TABLES)

    result = runner.invoke(args=["import-competences", str(path)])

    assert result.exit_code == 1, result.output
    for fragment in expected:
        assert fragment in result.output, result.output
    assert "nothing was changed" in result.output and "Traceback" not in result.output
    assert snapshot(app, *HELD_TABLES) == before


@pytest.mark.parametrize("name, content", [
    ("latin1.csv", "employee_number;competence_code\n1;Bjørn\n".encode("latin-1")),
    ("broken.xlsx", b"PK\x03\x04 not a workbook"),
    ("empty.csv", b""),
])
@pytest.mark.parametrize("command", ["import-competences", "import-catalogue"])
def test_unreadable_file_is_an_error_not_a_traceback(app, runner, ids, tmp_path, name, content, command):
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(app, *CATALOGUE_TABLES, *HELD_TABLES)
    result = runner.invoke(args=[command, str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert snapshot(app, *CATALOGUE_TABLES, *HELD_TABLES) == before


# --------------------------------------------------------------------------
# Bulk: the number of statements does not grow with the file
# --------------------------------------------------------------------------

def add_employees(app, count, start):
    with app.app_context():
        unit_id = db.session.scalar(select(Employee.unit_id).limit(1))
        db.session.execute(insert(Employee), [
            {"employee_number": str(start + i), "first_name": "Test", "last_name": f"Person {i}",
             "birth_date": date(1980, 1, 1), "unit_id": unit_id, "profession": "Assistent",
             "position_percent": 100, "hire_date": date(2015, 1, 1), "end_date": None}
            for i in range(count)
        ])
        db.session.commit()


def test_held_query_count_does_not_grow_with_rows(app, ids, tmp_path, count_queries):
    add_employees(app, 1000, 50_000)
    with app.app_context():
        db.session.add(HeldCompetence(employee_id=ids["1002"], competence_id=ids["HLR"], level=1,
                                      source="personnel_system", achieved_on=date(2020, 1, 1)))
        db.session.commit()

    def run(count, source, level):
        # One update of a stored record, the rest new records, each with a history row.
        rows = [["1002", "HLR", level, "personnel_system", "2024-01-01", ""]]
        rows += [[str(50_000 + i), "HLR", "2", source, "2024-01-01", ""] for i in range(count - 1)]
        path = write_csv(tmp_path, rows, HELD_HEADER, name=f"n{count}.csv")
        with app.app_context(), count_queries() as seen:
            report = import_competences(path)
        assert (report.created, report.updated) == (count - 1, 1), report.lines()
        return len(seen)

    small = run(10, "self_assessment", "2")
    large = run(1000, "leader_assessment", "3")

    assert small == large <= 10
    assert len(history(app)) == 1010


def test_catalogue_query_count_does_not_grow_with_rows(app, ids, tmp_path, count_queries):
    def run(count, prefix):
        rows = [["SAAR", "Sårstell " + prefix, "HELSE", "skill", "5", ""], [f"{prefix}-X", "X", f"Område {prefix}", "skill", "2", ""]]
        rows += [[f"{prefix}{i}", f"Kompetanse {i}", "HELSE", "skill", "3", ""] for i in range(count - 2)]
        path = write_csv(tmp_path, rows, CATALOGUE_HEADER, name=f"c{count}.csv")
        with app.app_context(), count_queries() as seen:
            report = import_catalogue(path)
        assert (report.created, report.updated) == (count - 1, 1), report.lines()
        return len(seen)

    assert run(10, "A") == run(1000, "B") <= 12


def test_progress_is_reported_up_to_the_total(app, ids, tmp_path):
    add_employees(app, 2500, 60_000)
    path = write_csv(tmp_path, [[str(60_000 + i), "SAAR", "1", "personnel_system", "2024-01-01", ""]
                                for i in range(2500)], HELD_HEADER)
    seen = []
    with app.app_context():
        import_competences(path, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (1000, 2500) and seen[-1] == (2500, 2500)
