"""Importing units and employees from CSV/XLSX, as HR staff run it.

What a user notices: good files from Excel or the personnel system go in,
existing people are updated rather than duplicated, a bad file is refused
with row and column named and changes nothing at all, and a large file does
not take one query per row.
"""
import csv
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.org.imports import import_employees, import_units
from portal.org.models import Employee, Unit

HEADER = [
    "employee_number", "first_name", "last_name", "birth_date", "unit_code",
    "profession", "position_percent", "hire_date", "end_date",
]
# Exactly as the ``people`` fixture stores employee 1001: importing it changes nothing.
UNCHANGED_1001 = ["1001", "Kari", "Nordmann", "1975-05-17", "HO-HJEM", "Enhetsleder", "100", "2010-08-01", ""]


def employee_row(number, **changes):
    """A valid employee row (as a list in HEADER order) with ``changes`` applied."""
    defaults = [number, "Nina", "Nyansatt", "1990-02-03", "HO-HJEM-NORD", "Sykepleier", "80", "2024-01-15", ""]
    values = dict(zip(HEADER, defaults))
    values.update(changes)
    return [values[name] for name in HEADER]


def write_csv(folder, rows, header=HEADER, delimiter=",", bom=False, name="employees.csv"):
    """Write ``rows`` under ``header`` as a UTF-8 CSV file and return its path."""
    path = folder / name
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def employees_snapshot(app):
    """Every employee row, every column: equal snapshots mean nothing was written."""
    with app.app_context():
        table = Employee.__table__
        return db.session.execute(select(table).order_by(table.c.employee_number)).all()


def units_snapshot(app):
    with app.app_context():
        return db.session.execute(select(Unit.__table__).order_by(Unit.code)).all()


def employee(app, number):
    with app.app_context():
        return db.session.execute(select(Employee).filter_by(employee_number=number)).scalar_one_or_none()


def paths(app):
    with app.app_context():
        return dict(db.session.execute(select(Unit.code, Unit.path)).all())


# --------------------------------------------------------------------------
# Good employee files
# --------------------------------------------------------------------------

def test_comma_csv_upserts_by_employee_number(app, runner, people, tmp_path):
    path = write_csv(tmp_path, [
        UNCHANGED_1001,
        ["1002", "Ola", "Øverby", "1975-05-17", "HO-HJEM", "Spesialsykepleier", "100", "2010-08-01", "2026-06-30"],
        employee_row("3001"),
        [],  # an empty line in the middle is skipped
        employee_row("3002", first_name="Åsmund", unit_code="SK-SKOLE"),
    ])

    result = runner.invoke(args=["import-employees", str(path)])

    assert result.exit_code == 0, result.output
    assert "2 created, 1 updated, 1 unchanged" in result.output
    updated = employee(app, "1002")
    assert updated.id == people["staff"]["1002"]  # updated in place, not duplicated
    assert updated.profession == "Spesialsykepleier"
    assert updated.unit_id == people["units"]["HO-HJEM"]
    assert updated.position_percent == Decimal("100")
    assert updated.end_date == date(2026, 6, 30)
    created = employee(app, "3002")
    assert (created.first_name, created.unit_id) == ("Åsmund", people["units"]["SK-SKOLE"])
    assert created.birth_date == date(1990, 2, 3) and created.end_date is None
    assert len(employees_snapshot(app)) == 7


def test_semicolon_csv_with_bom_and_decimal_comma(app, people, tmp_path):
    header = [" Employee_Number", "FIRST_NAME "] + HEADER[2:]  # names match whatever the case
    path = write_csv(tmp_path, [employee_row("3001", position_percent="50,5")], header=header, delimiter=";", bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    with app.app_context():
        report = import_employees(path)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert employee(app, "3001").position_percent == Decimal("50.50")


def test_xlsx_with_real_date_and_number_cells(app, people, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER + ["comment"])
    sheet.append([3001, "Nina", "Nyansatt", date(1990, 2, 3), "HO-HJEM-NORD", "Sykepleier",
                  80.0, date(2024, 1, 15), None, "ny"])
    sheet.append([1002, "Ola", "Øverby", date(1975, 5, 17), "HO-HJEM-NORD", "Sykepleier",
                  62.5, date(2010, 8, 1), None])
    path = tmp_path / "employees.xlsx"
    workbook.save(path)

    with app.app_context():
        report = import_employees(path)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert any("comment" in warning for warning in report.warnings)
    created = employee(app, "3001")  # 3001 was a number cell: no "3001.0"
    assert created.birth_date == date(1990, 2, 3)
    assert created.hire_date == date(2024, 1, 15)
    assert created.position_percent == Decimal("80")
    assert employee(app, "1002").position_percent == Decimal("62.5")


def test_dry_run_reports_but_changes_nothing(app, runner, people, tmp_path):
    path = write_csv(tmp_path, [employee_row("3001"), employee_row("1002"), UNCHANGED_1001])
    before = employees_snapshot(app)

    result = runner.invoke(args=["import-employees", str(path), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "1 created, 1 updated, 1 unchanged" in result.output
    assert "Dry run" in result.output
    assert employees_snapshot(app) == before


def test_progress_is_reported_up_to_the_total(app, people, tmp_path):
    path = write_csv(tmp_path, [employee_row(str(5000 + i)) for i in range(2500)])
    seen = []

    with app.app_context():
        import_employees(path, progress=lambda done, total: seen.append((done, total)))

    assert seen[0] == (1000, 2500)
    assert seen[-1] == (2500, 2500)


# --------------------------------------------------------------------------
# Bad employee files: refused as a whole, row and column named
# --------------------------------------------------------------------------

BAD_FILES = {
    "missing column": (
        dict(header=[name for name in HEADER if name != "hire_date"], rows=[employee_row("3001")[:7] + [""]]),
        ["row 1", "missing required column", "hire_date"],
    ),
    "bad date": (
        dict(rows=[employee_row("3001"), employee_row("3002", birth_date="1990-13-01")]),
        ["row 3, column birth_date: '1990-13-01' is not a date (YYYY-MM-DD)"],
    ),
    "Norwegian date format": (
        dict(rows=[employee_row("3001"), employee_row("3002", hire_date="15.01.2024")]),
        ["row 3, column hire_date: '15.01.2024' is not a date"],
    ),
    "unknown unit": (
        dict(rows=[employee_row("3001"), employee_row("3002", unit_code="NOPE")]),
        ["row 3, column unit_code: 'NOPE'", "not a known unit"],
    ),
    "duplicate employee number": (
        dict(rows=[employee_row("3001"), employee_row("3001", first_name="Other")]),
        ["row 3, column employee_number: '3001'", "rows 2 and 3"],
    ),
    "percent over 100": (
        dict(rows=[employee_row("3001"), employee_row("3002", position_percent="120")]),
        ["row 3, column position_percent: '120'", "between 0 and 100"],
    ),
    "end before hire": (
        dict(rows=[employee_row("3001"), employee_row("3002", hire_date="2024-01-15", end_date="2023-12-31")]),
        ["row 3, column end_date: '2023-12-31' is before hire_date 2024-01-15"],
    ),
    "child at hire": (
        dict(rows=[employee_row("3001"), employee_row("3002", birth_date="2015-01-01")]),
        ["row 3, column birth_date: '2015-01-01' is not plausible"],
    ),
    "shifted cells": (
        dict(rows=[employee_row("3001"), employee_row("3002") + ["unquoted, comma"]]),
        ["row 3: has more cells than the header has columns"],
    ),
    "required value missing": (
        dict(rows=[employee_row("3001"), employee_row("3002", last_name="")]),
        ["row 3, column last_name: a value is required"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_whole_with_row_and_column(app, runner, people, tmp_path, case):
    spec, expected = BAD_FILES[case]
    # Every bad file also updates 1002: that valid row must not be written either.
    rows = spec["rows"] + [employee_row("1002")] if "header" not in spec else spec["rows"]
    path = write_csv(tmp_path, rows, header=spec.get("header", HEADER))
    before = employees_snapshot(app)

    result = runner.invoke(args=["import-employees", str(path)])

    assert result.exit_code == 1, result.output
    for fragment in expected:
        assert fragment in result.output, result.output
    assert "nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert employees_snapshot(app) == before


def test_errors_in_several_rows_are_all_reported(app, people, tmp_path):
    path = write_csv(tmp_path, [
        employee_row("3001", birth_date="nope", position_percent="abc"),
        employee_row("3002", unit_code=""),
    ])

    with app.app_context():
        report = import_employees(path)

    located = {(error.row, error.column) for error in report.errors}
    assert located == {(2, "birth_date"), (2, "position_percent"), (3, "unit_code")}


@pytest.mark.parametrize("name, content", [
    ("latin1.csv", "employee_number;first_name\n1;Bjørn\n".encode("latin-1")),
    ("broken.xlsx", b"PK\x03\x04 this is not really a workbook"),
    ("empty.csv", b""),
])
def test_unreadable_file_is_an_error_not_a_traceback(app, runner, people, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    before = employees_snapshot(app)

    result = runner.invoke(args=["import-employees", str(path)])

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert employees_snapshot(app) == before


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------

UNIT_HEADER = ["code", "name", "parent_code", "service_area"]


def test_units_import_builds_a_new_tree(app, runner, tmp_path):
    path = write_csv(tmp_path, [
        ["OK-IT", "IT", "OK", "Oppvekst og kultur"],  # child before its parent is fine
        ["OK", "Oppvekst og kultur", "", ""],
        ["OK-IT-DRIFT", "Drift", "OK-IT", "OK"],
        ["TEK", "Teknisk", "", "TEK"],
    ], header=UNIT_HEADER, name="units.csv")

    result = runner.invoke(args=["import-units", str(path)])

    assert result.exit_code == 0, result.output
    assert "4 created, 0 updated, 0 unchanged" in result.output
    assert paths(app) == {"OK": "/OK/", "OK-IT": "/OK/OK-IT/", "OK-IT-DRIFT": "/OK/OK-IT/OK-IT-DRIFT/", "TEK": "/TEK/"}
    with app.app_context():
        parent_of = {u.code: u.parent.code if u.parent else None for u in db.session.scalars(select(Unit))}
    assert parent_of == {"OK": None, "OK-IT": "OK", "OK-IT-DRIFT": "OK-IT", "TEK": None}


def test_moving_a_unit_moves_the_paths_of_its_sub_units(app, people, tmp_path):
    path = write_csv(tmp_path, [
        ["HO-HJEM", "Hjemmetjenester", "SK", "SK"],  # renamed and moved
        ["SK-NY", "Ny skole", "SK", ""],
        ["HO", "Helse og omsorg", "", ""],
    ], header=UNIT_HEADER, name="units.csv")

    with app.app_context():
        report = import_units(path)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert any("sub-unit" in warning for warning in report.warnings)
    found = paths(app)
    assert found["HO-HJEM"] == "/SK/HO-HJEM/"
    assert found["HO-HJEM-NORD"] == "/SK/HO-HJEM/HO-HJEM-NORD/"  # not in the file, moved along
    assert found["SK-NY"] == "/SK/SK-NY/"
    assert found["HO"] == "/HO/"
    with app.app_context():
        moved = db.session.get(Unit, people["units"]["HO-HJEM"])
        assert (moved.name, moved.parent_id) == ("Hjemmetjenester", people["units"]["SK"])


def test_units_dry_run_changes_nothing(app, people, tmp_path):
    path = write_csv(tmp_path, [["HO-HJEM", "Hjemmetjenesten", "SK", ""], ["NY", "Ny", "", ""]], header=UNIT_HEADER)
    before = units_snapshot(app)

    with app.app_context():
        report = import_units(path, dry_run=True)

    assert (report.created, report.updated) == (1, 1)
    assert units_snapshot(app) == before


@pytest.mark.parametrize("rows, expected", [
    # HO under its own grandchild: a cycle through units already in the database.
    ([["HO", "Helse og omsorg", "HO-HJEM-NORD", ""]],
     ["row 2, column parent_code: 'HO-HJEM-NORD'", "cycle", "HO -> HO-HJEM-NORD -> HO-HJEM -> HO"]),
    # A cycle inside the file.
    ([["A", "A", "B", ""], ["B", "B", "A", ""]], ["row 2, column parent_code: 'B'", "cycle"]),
    ([["X", "X", "X", ""]], ["row 2, column parent_code: 'X'", "cycle"]),
    ([["NY", "Ny", "NOPE", ""]], ["row 2, column parent_code: 'NOPE' is not a unit"]),
    ([["NY", "Ny", "HO-HJEM", "SK"]], ["row 2, column service_area: 'SK' does not match", "HO (Helse og omsorg)"]),
    ([["NY", "Ny", "", ""], ["NY", "Ny igjen", "", ""]], ["row 3, column code: 'NY'", "rows 2 and 3"]),
    ([["NY/2", "Ny", "", ""]], ["row 2, column code: 'NY/2' is not a unit code"]),
    ([["NY", "", "", ""]], ["row 2, column name: a value is required"]),
])
def test_bad_unit_files_are_refused(app, runner, people, tmp_path, rows, expected):
    path = write_csv(tmp_path, rows + [["SK-NY", "Ny skole", "SK", ""]], header=UNIT_HEADER, name="units.csv")
    before = units_snapshot(app)

    result = runner.invoke(args=["import-units", str(path)])

    assert result.exit_code == 1, result.output
    for fragment in expected:
        assert fragment in result.output, result.output
    assert units_snapshot(app) == before


def test_units_missing_column(app, people, tmp_path):
    path = write_csv(tmp_path, [["NY", "Ny"]], header=["Code", "Name"])

    with app.app_context():
        report = import_units(path)

    assert [str(error) for error in report.errors] == ["row 1: missing required column(s): parent_code"]


# --------------------------------------------------------------------------
# Bulk: the number of statements does not grow with the file
# --------------------------------------------------------------------------

def test_query_count_does_not_grow_with_rows(app, people, tmp_path, count_queries):
    def run(count, start):
        rows = [employee_row("1002", profession="Fagsykepleier" + str(start))]
        rows += [employee_row(str(start + i)) for i in range(count - 1)]
        path = write_csv(tmp_path, rows, name=f"n{count}.csv")
        with app.app_context(), count_queries() as seen:
            report = import_employees(path)
        assert (report.created, report.updated) == (count - 1, 1), report.lines()
        return len(seen)

    small = run(10, 10_000)
    large = run(1000, 20_000)

    assert small == large
    assert small <= 8
