"""Property-based tests of the unit and employee imports (hypothesis).

The example tests in test_imports.py show the cases we thought of; these
throw random files at the importers, the way a year of exports from
different personnel systems and hand-edited spreadsheets would:

* valid files (Norwegian names with æøå, ISO dates or real date cells,
  percentages with a decimal comma or point, ``;`` or ``,``, with or without
  a BOM, or the same rows as XLSX) are accepted, and the database then holds
  exactly the generated rows; a dry run reports the same counts and writes
  nothing; importing the same file again changes nothing;
* files with bad cells or rows (garbage, control characters, overlong text,
  impossible dates, duplicate keys, unknown units, cycles) and files that
  cannot be read at all never raise, are refused with the row and column of
  every bad cell named, print safely on a terminal, and leave the database
  exactly as it was, audit log included.

Imports commit, so each example starts from its own freshly emptied and
seeded database (``fresh_database``) instead of relying on the suite's
per-test clean-up.
"""
import csv
import os
import string
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.org.imports import import_employees, import_units
from portal.org.models import Employee, Unit

# Examples per test are multiplied by IMPORT_FUZZ_SCALE (default 1, about 30 s per database);
# IMPORT_FUZZ_SCALE=20 is a longer hunt for a nightly run or before changing the importers.
SCALE = max(1, int(os.environ.get("IMPORT_FUZZ_SCALE", "1")))


def examples(count):
    return count * SCALE


SETTINGS = dict(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.large_base_example],
)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


# --------------------------------------------------------------------------
# The database: a fresh start per example, and a snapshot of everything
# --------------------------------------------------------------------------

# Parents before children; codes with æøå and '.', as municipalities use them.
BASE_UNITS = (
    ("HO", "Helse og omsorg", None),
    ("HO-HJEM", "Hjemmetjenesten", "HO"),
    ("HO-HJEM-NORD", "Hjemmetjenesten nord", "HO-HJEM"),
    ("SK", "Skole", None),
    ("SK-ÅSEN", "Åsen skole", "SK"),
    ("BHG.BØ", "Bø barnehage", "SK"),
)


def fresh_database(units=BASE_UNITS, employees=()):
    """Empty every table, then store ``units`` (parents first) and ``employees``; returns {code: id}.

    Written through the engine, not the session, so no ORM hook (the audit
    log's append-only guard) sees the clean-up.
    """
    db.session.remove()
    ids, paths = {}, {}
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for code, name, parent in units:
            paths[code] = (paths[parent] if parent else "/") + code + "/"
            ids[code] = conn.execute(insert(Unit).values(
                code=code, name=name, parent_id=ids.get(parent), path=paths[code],
            )).inserted_primary_key[0]
        if employees:
            conn.execute(insert(Employee), [
                {**person.values(), "unit_id": ids[person.unit]} for person in employees
            ])
    return ids


def everything():
    """Every row of every table, by primary key: equal snapshots mean nothing was written."""
    db.session.remove()
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def without_audit(snapshot):
    return {name: rows for name, rows in snapshot.items() if name != AuditEntry.__tablename__}


def audit_actions():
    return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


# --------------------------------------------------------------------------
# Files: a sheet is a header and rows of cells, written as CSV or XLSX
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Percent:
    """An XLSX number cell formatted as a percentage: Excel shows 80 %, the cell holds 0.8."""

    fraction: float
    number_format: str = "0%"


@dataclass
class Sheet:
    """A spreadsheet as a user would see it: row 1 is the header, ``[]`` is an empty row."""

    header: list
    rows: list
    kind: str = "csv"  # or "xlsx"
    delimiter: str = ","
    bom: bool = False
    newline: str = "\r\n"
    quoting: int = csv.QUOTE_MINIMAL

    def row_number(self, index):
        """The spreadsheet row of ``rows[index]``: the header is row 1."""
        return index + 2


def write_sheet(sheet, folder, name="import"):
    """Write ``sheet`` into ``folder`` as CSV (UTF-8) or XLSX; returns the path."""
    path = folder / f"{name}.{sheet.kind}"
    if sheet.kind == "xlsx":
        _write_xlsx(sheet, path)
        return path
    with open(path, "w", encoding="utf-8-sig" if sheet.bom else "utf-8", newline="") as handle:
        for cells in [sheet.header, *sheet.rows]:
            handle.write(sheet.delimiter.join(_csv_field(str(cell), sheet) for cell in cells) + sheet.newline)
    return path


def _csv_field(text, sheet):
    """Quoted as Excel does: when the text holds the delimiter, a quote or a line break (CR or LF).

    Python's csv.writer leaves a CR unquoted when lines end in LF (and an LF
    when they end in CR), which would be a different file.
    """
    if sheet.quoting == csv.QUOTE_ALL or any(char in text for char in (sheet.delimiter, '"', "\r", "\n")):
        return '"' + text.replace('"', '""') + '"'
    return text


def _write_xlsx(sheet, path):
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = "Ansatte"
    for number, cells in enumerate([sheet.header, *sheet.rows], start=1):
        for column, value in enumerate(cells, start=1):
            if value is None or value == "":
                continue
            cell = worksheet.cell(row=number, column=column)
            if isinstance(value, Percent):
                cell.value = value.fraction
                cell.number_format = value.number_format
            else:
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula stays text, as Excel keeps it
    workbook.save(path)


def csv_sheets(header, rows):
    """The CSV variants the contract allows: ``,`` or ``;``, BOM or not, CRLF, LF or CR, quoted when needed or always."""
    return st.builds(
        Sheet, st.just(header), st.just(rows), st.just("csv"),
        st.sampled_from([",", ";"]), st.booleans(), st.sampled_from(["\r\n", "\n", "\r"]),
        st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    )


# --------------------------------------------------------------------------
# Values: random but valid
# --------------------------------------------------------------------------

LOWER = "abcdefghijklmnopqrstuvwxyzæøåéü"
# Mostly real names (one draw each, which keeps the examples fast), sometimes random letters.
NAMES = ("Kari", "Ola", "Åse", "Ærlig", "Øyvind", "Bjørn", "Søren", "Ødegård", "Håkon", "Ståle", "Ærø", "Brænne",
         "Løvås", "Åsmund", "Grønnå", "Hege", "Nordmann", "Østby", "Marit", "Frøydis", "Sæther", "Bø", "Renée",
         "Müller", "Jon")
word = st.one_of(st.sampled_from(NAMES), st.text(alphabet=LOWER, min_size=1, max_size=10).map(str.capitalize))
# "Kari", "Anne-Marit", "Ole Petter Ødegård", and names exactly as long as the column.
names = st.one_of(
    st.lists(word, min_size=1, max_size=3).map(" ".join),
    st.tuples(word, word).map("-".join),
    st.lists(word, min_size=1, max_size=4).map(lambda words: ("".join(words) * 100)[:100]),
)
PROFESSIONS = ("Sykepleier", "Helsefagarbeider", "Lærer", "Barnehagelærer", "Fagarbeider", "Vernepleier",
               "Enhetsleder", "Rådgiver", "Spesialsykepleier", "Assistent")
professions = st.one_of(st.sampled_from(PROFESSIONS), names)
employee_numbers = st.one_of(
    st.from_regex(r"\A[1-9][0-9]{0,9}\Z"),
    st.from_regex(r"\A0[0-9]{1,6}\Z"),  # leading zeros are part of the number
    st.from_regex(r"\A[A-Z]{1,3}-?[0-9]{1,8}\Z"),
    st.text(alphabet=string.digits, min_size=32, max_size=32),
)
padding = st.sampled_from(["", "", "", " ", "  ", "\t", "\u00a0"])  # stripped on import


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


@dataclass(frozen=True)
class Person:
    """One employee as the file describes them and as the database must store them."""

    number: str
    first: str
    last: str
    birth: date
    unit: str
    profession: str
    percent: Decimal
    hire: date
    end: date | None

    def values(self):
        return dict(
            employee_number=self.number, first_name=self.first, last_name=self.last, birth_date=self.birth,
            profession=self.profession, position_percent=self.percent, hire_date=self.hire, end_date=self.end,
        )

    def stored(self):
        return (self.first, self.last, self.birth, self.unit, self.profession, self.percent, self.hire, self.end)


@st.composite
def persons(draw, units, number=employee_numbers):
    birth = draw(st.dates(date(1900, 1, 1), date(2008, 12, 31)))
    hire = draw(st.dates(add_years(birth, 14), date(2030, 12, 31)))  # at least 14 at hire
    end = draw(st.none() | st.dates(hire, date(2035, 12, 31)))
    percent = draw(st.decimals(min_value=0, max_value=100, places=2))
    return Person(draw(number), draw(names), draw(names), birth, draw(st.sampled_from(units)),
                  draw(professions), percent, hire, end)


def percent_text(draw, percent):
    """80.50 as a personnel system or Norwegian Excel writes it: 80.5, 80,50, 80 %."""
    text = draw(st.sampled_from([f"{percent:f}", f"{percent.normalize():f}"]))
    if draw(st.booleans()):
        text = text.replace(".", ",")
    return text + draw(st.sampled_from(["", "", "%", " %", "\u00a0%"]))


def date_cell(draw, day, kind):
    if day is None:
        return ""
    if kind == "xlsx":
        return draw(st.sampled_from([day, datetime(day.year, day.month, day.day), day.isoformat()]))
    return day.isoformat()


def number_cell(draw, number, kind):
    """Excel stores 1001 as a number; leading zeros and long numbers only survive as text."""
    if kind == "xlsx" and number.isdigit() and not number.startswith("0") and len(number) <= 15 and draw(st.booleans()):
        return int(number)
    return number


def percent_cell(draw, percent, kind):
    if kind == "csv":
        return percent_text(draw, percent)
    choice = draw(st.sampled_from(["number", "text", "percent"]))
    if choice == "number":
        return int(percent) if percent == int(percent) else float(percent)
    if choice == "percent":
        return Percent(float(percent / 100), draw(st.sampled_from(["0%", "0.0%", "0.00%"])))
    return percent_text(draw, percent)


def padded(draw, text):
    return draw(padding) + text + draw(padding)


EMPLOYEE_COLUMNS = (
    "employee_number", "first_name", "last_name", "birth_date", "unit_code",
    "profession", "position_percent", "hire_date", "end_date",
)
UNKNOWN_COLUMNS = ("kommentar", "Stillingskode", "avdeling")


def employee_cells(draw, person, kind):
    return {
        "employee_number": number_cell(draw, person.number, kind),
        "first_name": padded(draw, person.first),
        "last_name": padded(draw, person.last),
        "birth_date": date_cell(draw, person.birth, kind),
        "unit_code": person.unit,
        "profession": padded(draw, person.profession),
        "position_percent": percent_cell(draw, person.percent, kind),
        "hire_date": date_cell(draw, person.hire, kind),
        "end_date": date_cell(draw, person.end, kind),
    }


def header_name(draw, name):
    """Column names match whatever the case and surrounding spaces."""
    shaped = draw(st.sampled_from([name, name.upper(), name.title()]))
    return draw(st.sampled_from(["", " "])) + shaped + draw(st.sampled_from(["", " "]))


@st.composite
def tables(draw, columns, records, kind, cells):
    """A Sheet of ``records`` (each turned into {column: cell} by ``cells``), in random column order,
    with unknown columns and empty rows mixed in; returns (sheet, row numbers of the records)."""
    order = draw(st.permutations(list(columns) + draw(st.lists(st.sampled_from(UNKNOWN_COLUMNS), unique=True))))
    header = [header_name(draw, name) if name in columns else name for name in order]
    rows, numbers = [], []
    for record in records:
        while draw(st.integers(0, 9)) == 0:
            rows.append([])
        values = cells(draw, record, kind)
        rows.append([values.get(name, "fritekst") for name in order])
        numbers.append(len(rows) + 1)
    return header, rows, numbers


@st.composite
def sheets(draw, columns, records, cells, kinds=("csv", "xlsx")):
    kind = draw(st.sampled_from(kinds))
    header, rows, numbers = draw(tables(columns, records, kind, cells))
    if kind == "csv":
        sheet = draw(csv_sheets(header, rows))
    else:
        sheet = Sheet(header, rows, "xlsx")
    return sheet, numbers


# --------------------------------------------------------------------------
# Employees: valid files
# --------------------------------------------------------------------------

UNIT_CODES = [code for code, _name, _parent in BASE_UNITS]


@st.composite
def employee_imports(draw):
    """Employees already stored, and a valid file that adds, changes or repeats some of them."""
    everyone = draw(st.lists(persons(UNIT_CODES), min_size=1, max_size=14, unique_by=lambda p: p.number))
    split = draw(st.integers(0, min(4, len(everyone))))
    stored, new = everyone[:split], everyone[split:]
    in_file, changed, unchanged = list(new), 0, 0
    for person in stored:
        what = draw(st.sampled_from(["absent", "same", "changed"]))
        if what == "same":
            in_file.append(person)
            unchanged += 1
        elif what == "changed":
            other = draw(persons(UNIT_CODES, number=st.just(person.number)))
            in_file.append(other)
            changed += other != person
            unchanged += other == person
    in_file = draw(st.permutations(in_file))
    sheet, _numbers = draw(sheets(EMPLOYEE_COLUMNS, in_file, employee_cells))
    expected = {p.number: p.stored() for p in stored}
    expected.update({p.number: p.stored() for p in in_file})
    return stored, sheet, expected, (len(new), changed, unchanged)


def stored_employees():
    found = db.session.execute(
        select(Employee.employee_number, Employee.first_name, Employee.last_name, Employee.birth_date, Unit.code,
               Employee.profession, Employee.position_percent, Employee.hire_date, Employee.end_date)
        .join(Unit, Employee.unit_id == Unit.id)
    ).all()
    return {row[0]: tuple(row[1:]) for row in found}


def counts(report):
    return report.created, report.updated, report.unchanged


@settings(max_examples=examples(40), **SETTINGS)
@given(case=employee_imports())
def test_valid_employee_files_round_trip(ctx, tmp_path, case):
    stored, sheet, expected, expected_counts = case
    fresh_database(employees=stored)
    path = write_sheet(sheet, tmp_path)
    before = everything()

    dry = import_employees(path, dry_run=True)
    assert dry.errors == [], dry.lines()
    assert counts(dry) == expected_counts
    assert everything() == before, "a dry run wrote something"

    report = import_employees(path)
    assert report.errors == [], report.lines()
    assert counts(report) == expected_counts
    assert stored_employees() == expected

    once = everything()
    again = import_employees(path)
    assert counts(again) == (0, 0, sum(expected_counts))
    assert without_audit(everything()) == without_audit(once), "the second import changed data"
    assert audit_actions() == ["import.employees", "import.employees"]


# --------------------------------------------------------------------------
# Employees: bad files
# --------------------------------------------------------------------------

CONTROL = ["\x00", "\x07", "\x1b[2J", "\x1b]0;pwned\x07", "\x7f", "\x85", "\u202e", "\u2028", "\x0b"]


def with_control(text, draw):
    """``text`` with a control character inside it (at an end it could be stripped as whitespace)."""
    return text + draw(st.sampled_from(CONTROL)) + draw(word)


def bad_text(draw, limit, kind, required=True):
    """A value a text column must refuse: empty, one character too long (or more), or with a control character."""
    choices = ["long"] + (["empty"] if required else []) + (["control"] if kind == "csv" else [])
    choice = draw(st.sampled_from(choices))
    if choice == "empty":
        return draw(st.sampled_from(["", " ", "\t "]))
    if choice == "long":  # built, not drawn character by character: long texts make hypothesis slow
        return (draw(word) * (limit + 1))[: draw(st.integers(limit + 1, limit + 300))]
    return with_control(draw(names), draw)


BAD_DATES = ["2023-02-29", "2024-13-01", "2024-04-31", "2024-00-10", "0000-01-01", "01.02.2024", "2024/01/02",
             "20240102", "2024-1-2", "i går", "31/12/99", "2024-01-01T00:00", "١٩٩٠-٠١-٠١"]
BAD_PERCENTS = ["abc", "101", "-1", "100.01", "1e2", "50,5,5", "NaN", "Infinity", "½", "50 %%", "%", "0x10",
                "5 0", "--5", "１０１"]


@st.composite
def bad_employee_cell(draw, person, first_number, kind):
    """One way to spoil a valid row: (column, {column: bad cell}), the column the report must name."""
    what = draw(st.sampled_from([
        "employee_number", "first_name", "last_name", "profession", "birth_date", "hire_date", "end_date",
        "position_percent", "unit_code", "end_before_hire", "too_young", "too_old", "duplicate", "extra_cell",
    ]))
    limits = {"employee_number": 32, "first_name": 100, "last_name": 100, "profession": 100}
    if what in limits:
        return what, {what: bad_text(draw, limits[what], kind)}
    if what in ("birth_date", "hire_date", "end_date"):
        value = draw(st.sampled_from(BAD_DATES + ([] if what == "end_date" else [""])))
        return what, {what: value}
    if what == "position_percent":
        return what, {what: draw(st.sampled_from(BAD_PERCENTS + [""]))}
    if what == "unit_code":
        return what, {what: draw(st.sampled_from(["", "NOPE", "ho", "HO/HJEM", "SK-ASEN", "HO-HJEM-NORD-X"]))}
    if what == "end_before_hire":
        return "end_date", {"end_date": (person.hire - timedelta(days=draw(st.integers(1, 4000)))).isoformat()}
    if what == "too_young":
        birth = person.hire - timedelta(days=draw(st.integers(-3000, 13 * 365)))
        return "birth_date", {"birth_date": birth.isoformat()}
    if what == "too_old":
        return "birth_date", {"birth_date": draw(st.dates(date(1000, 1, 1), date(1899, 12, 31))).isoformat()}
    if what == "duplicate":
        return "employee_number", {"employee_number": first_number}
    return None, {"__extra__": draw(st.sampled_from(["x", "unquoted, comma", "0"]))}


@st.composite
def bad_employee_imports(draw):
    """A valid file with 1-4 rows spoiled (one problem per row); returns (sheet, {(row, column)})."""
    people = draw(st.lists(persons(UNIT_CODES), min_size=2, max_size=10, unique_by=lambda p: p.number))
    kind = draw(st.sampled_from(["csv", "csv", "xlsx"]))
    spoiled = draw(st.lists(st.integers(1, len(people) - 1), min_size=1, max_size=4, unique=True))
    header, rows, numbers = draw(tables(EMPLOYEE_COLUMNS, people, kind, employee_cells))
    order = [name.strip().lower() for name in header]
    expected = set()
    for index in spoiled:
        column, cells = draw(bad_employee_cell(people[index], people[0].number, kind))
        row = rows[numbers[index] - 2]
        for name, value in cells.items():
            if name == "__extra__":
                row.extend(["", value])
            else:
                row[order.index(name)] = value
        expected.add((numbers[index], column))
    sheet = draw(csv_sheets(header, rows)) if kind == "csv" else Sheet(header, rows, "xlsx")
    return sheet, expected


def assert_prints_safely(report):
    """What the command prints: no control characters for the terminal to obey, no endless lines."""
    for line in report.lines():
        hidden = [ch for ch in line if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or "\u202a" <= ch <= "\u202e"
                  or "\u2066" <= ch <= "\u2069"]
        assert not hidden, f"report line with control characters: {line!r}"
        assert len(line) < 600, f"report line of {len(line)} characters"


def assert_refused(report, before, expected=()):
    assert report.errors, "a bad file was accepted"
    located = {(error.row, error.column) for error in report.errors}
    for row, column in expected:
        assert (row, column) in located, f"row {row}, column {column} not reported: {report.lines()}"
        where = f"row {row}, column {column}" if column else f"row {row}:"
        assert any(line.startswith(where) for line in report.lines()), report.lines()
    assert counts(report) == (0, 0, 0)
    assert_prints_safely(report)
    assert everything() == before, "a refused file changed the database"


@settings(max_examples=examples(50), **SETTINGS)
@given(case=bad_employee_imports(), dry_run=st.booleans())
def test_bad_employee_rows_are_named_and_nothing_is_written(ctx, tmp_path, case, dry_run):
    sheet, expected = case
    fresh_database(employees=[Person("1001", "Kari", "Nordmann", date(1975, 5, 17), "HO-HJEM", "Enhetsleder",
                                     Decimal(100), date(2010, 8, 1), None)])
    path = write_sheet(sheet, tmp_path)
    before = everything()

    report = import_employees(path, dry_run=dry_run)

    assert_refused(report, before, expected)
    spoiled_rows = {row for row, _column in expected}
    assert {error.row for error in report.errors} <= spoiled_rows, "an error reported on a good row"


@settings(max_examples=examples(20), **SETTINGS)
@given(people=st.lists(persons(UNIT_CODES), min_size=1, max_size=3, unique_by=lambda p: p.number),
       missing=st.sets(st.sampled_from(EMPLOYEE_COLUMNS), min_size=1, max_size=len(EMPLOYEE_COLUMNS) - 1), twice=st.booleans(), data=st.data())
def test_missing_or_doubled_columns_are_named_in_row_one(ctx, tmp_path, people, missing, twice, data):
    kept = [name for name in EMPLOYEE_COLUMNS if name not in missing]
    columns = kept + [kept[0]] if twice and kept else kept
    sheet, _numbers = data.draw(sheets(columns, people, employee_cells))
    fresh_database()
    path = write_sheet(sheet, tmp_path)
    before = everything()

    report = import_employees(path)

    assert_refused(report, before, [(1, None)])
    message = next(str(error) for error in report.errors if error.column is None)
    assert all(name in message for name in missing)
    if twice and kept:
        assert (1, kept[0]) in {(error.row, error.column) for error in report.errors}


def _valid_employee_csv_bytes():
    header = ",".join(EMPLOYEE_COLUMNS)
    return f"{header}\r\n1001,Bjørn,Ødegård,1975-05-17,HO-HJEM,Sykepleier,\"80,5\",2010-08-01,\r\n"


def _junk(draw):
    """Files that cannot be read, in every way we could think of."""
    text = _valid_employee_csv_bytes()
    choice = draw(st.sampled_from([
        "bytes.csv", "bytes.xlsx", "latin-1", "cp1252", "utf-16", "empty", "bom only", "blank lines", "csv as xlsx",
        "truncated xlsx", "xls", "header only junk", "huge cell", "nul bytes",
    ]))
    if choice == "bytes.csv":
        return "junk.csv", draw(st.binary(min_size=1, max_size=400))
    if choice == "bytes.xlsx":
        return "junk.xlsx", b"PK\x03\x04" + draw(st.binary(max_size=400))
    if choice in ("latin-1", "cp1252", "utf-16"):
        return f"{choice}.csv", text.encode(choice)
    if choice == "empty":
        return "empty.csv", b""
    if choice == "bom only":
        return "bom.csv", b"\xef\xbb\xbf"
    if choice == "blank lines":
        return "blank.csv", draw(st.sampled_from([b"\n\n\n", b"\r\n", b" ; ; \n", b",,,,\n1,2\n"]))
    if choice == "csv as xlsx":
        return "plain.xlsx", text.encode()
    if choice == "truncated xlsx":
        return "cut.xlsx", draw(st.sampled_from([b"", b"PK", b"PK\x05\x06" + b"\x00" * 18]))
    if choice == "xls":
        return "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + draw(st.binary(max_size=100))
    if choice == "header only junk":
        return "junk.csv", draw(st.text(min_size=1, max_size=200)).encode("utf-8", "surrogatepass")
    if choice == "huge cell":
        return "huge.csv", (text + "1002," + "x" * 140_000 + "\r\n").encode()
    return "nul.csv", b"\x00" * draw(st.integers(1, 50))


@settings(max_examples=examples(40), **SETTINGS)
@given(data=st.data())
def test_unreadable_files_are_refused_without_a_traceback(ctx, tmp_path, data):
    name, content = _junk(data.draw)
    fresh_database()
    path = tmp_path / name
    path.write_bytes(content)
    before = everything()

    report = import_employees(path)

    assert_refused(report, before)


def test_a_truncated_workbook_is_refused(ctx, tmp_path):
    sheet = Sheet(list(EMPLOYEE_COLUMNS), [["1001", "Bjørn", "Ødegård", date(1975, 5, 17), "HO-HJEM", "Sykepleier",
                                             80, date(2010, 8, 1), ""]], "xlsx")
    content = write_sheet(sheet, tmp_path, "whole").read_bytes()
    fresh_database()
    before = everything()
    for cut in (10, len(content) // 3, len(content) // 2, len(content) - 30):
        path = tmp_path / f"cut{cut}.xlsx"
        path.write_bytes(content[:cut])
        assert_refused(import_employees(path), before)


def test_a_cell_in_the_wrong_encoding_is_reported_as_such(ctx, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(_valid_employee_csv_bytes().encode("cp1252"))
    fresh_database()
    report = import_employees(path)
    first = next(i for i, byte in enumerate(path.read_bytes()) if byte > 127)
    assert [str(error) for error in report.errors] == [f"file: is not UTF-8 text (byte {first}); save it as 'CSV UTF-8'"]


# --------------------------------------------------------------------------
# Any text in a text cell: stored exactly as the parser promises, or refused where it is
# --------------------------------------------------------------------------

@settings(max_examples=examples(40), **SETTINGS)
@given(column=st.sampled_from(["employee_number", "first_name", "last_name", "profession"]),
       value=st.text(max_size=120), person=persons(UNIT_CODES), data=st.data())
def test_any_text_is_stored_stripped_or_refused_at_its_cell(ctx, tmp_path, column, value, person, data):
    header, rows, numbers = data.draw(tables(EMPLOYEE_COLUMNS, [person], "csv", employee_cells))
    rows[numbers[0] - 2][[name.strip().lower() for name in header].index(column)] = value
    sheet = data.draw(csv_sheets(header, rows))
    fresh_database()
    path = write_sheet(sheet, tmp_path)
    before = everything()

    report = import_employees(path)

    if report.errors:
        assert_refused(report, before, [(numbers[0], column)])
        return
    stored = db.session.execute(select(Employee)).scalar_one()
    field_name = {"first_name": "first_name", "last_name": "last_name", "profession": "profession",
                  "employee_number": "employee_number"}[column]
    assert getattr(stored, field_name) == value.strip()
    assert value.strip() and all(unicodedata.category(ch) != "Cc" for ch in value.strip())


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------

UNIT_COLUMNS = ("code", "name", "parent_code", "service_area")
unit_codes = st.from_regex(r"\A[A-ZÆØÅ0-9][A-Za-zÆØÅæøå0-9._\-]{0,11}\Z")
unit_names = st.one_of(st.lists(word, min_size=1, max_size=4).map(" ".join),
                       st.text(alphabet=LOWER, min_size=200, max_size=200))


@dataclass
class UnitRow:
    code: str
    name: str
    parent: str | None
    service_area: str = ""


@st.composite
def unit_imports(draw):
    """Units already stored and a valid file over the same and new codes.

    Every unit's parent, old or new, comes earlier in one random order of all
    codes, so neither the stored tree nor the imported one has a cycle.
    """
    codes = draw(st.lists(unit_codes, min_size=1, max_size=10, unique=True))
    stored_codes = set(draw(st.lists(st.sampled_from(codes), unique=True, max_size=len(codes) - 1)))
    stored, final, in_file = [], {}, []
    for index, code in enumerate(codes):
        earlier = codes[:index]
        if code in stored_codes:
            parent = draw(st.none() | st.sampled_from([c for c in earlier if c in stored_codes] or [None]))
            stored.append((code, draw(unit_names), parent))
            final[code] = (stored[-1][1], parent)
        if code not in stored_codes or draw(st.booleans()):
            same = code in stored_codes and draw(st.booleans())
            row = UnitRow(code, final[code][0], final[code][1]) if same else UnitRow(
                code, draw(unit_names), draw(st.none() | st.sampled_from(earlier or [None])))
            in_file.append(row)
            final[code] = (row.name, row.parent)
    paths = {}
    for code in codes:  # parents come first
        name, parent = final[code]
        paths[code] = (paths[parent] if parent else "/") + code + "/"
    for row in in_file:  # service_area: empty, or the root reached, by code or name in any case
        root = paths[row.code].split("/")[1]
        choice = draw(st.sampled_from(["", "code", "name"]))
        shown = {"": "", "code": root, "name": final[root][0]}[choice]
        row.service_area = draw(st.sampled_from([shown, shown.upper(), shown.lower()]))
    old = {code: (name, parent) for code, name, parent in stored}
    created = sum(row.code not in old for row in in_file)
    updated = sum(row.code in old and old[row.code] != (row.name, row.parent) for row in in_file)
    order = draw(st.permutations(in_file))
    sheet, numbers = draw(sheets(UNIT_COLUMNS, order, unit_cells))
    expected = {code: (name, parent, paths[code]) for code, (name, parent) in final.items()}
    return stored, sheet, expected, (created, updated, len(in_file) - created - updated), (order, numbers)


def unit_cells(draw, row, kind):
    return {"code": row.code, "name": padded(draw, row.name), "parent_code": row.parent or "",
            "service_area": row.service_area}


def stored_units():
    found = db.session.execute(select(Unit.id, Unit.code, Unit.name, Unit.parent_id, Unit.path)).all()
    code_of = {unit.id: unit.code for unit in found}
    return {unit.code: (unit.name, code_of.get(unit.parent_id), unit.path) for unit in found}


@settings(max_examples=examples(40), **SETTINGS)
@given(case=unit_imports())
def test_valid_unit_files_round_trip(ctx, tmp_path, case):
    stored, sheet, expected, expected_counts, _rows = case
    fresh_database(units=stored)
    path = write_sheet(sheet, tmp_path)
    before = everything()

    dry = import_units(path, dry_run=True)
    assert dry.errors == [], dry.lines()
    assert counts(dry) == expected_counts
    assert everything() == before

    report = import_units(path)
    assert report.errors == [], report.lines()
    assert counts(report) == expected_counts
    assert stored_units() == expected

    once = everything()
    again = import_units(path)
    assert counts(again) == (0, 0, sum(expected_counts))
    assert without_audit(everything()) == without_audit(once)


@st.composite
def bad_unit_imports(draw):
    """A valid unit file with 1-3 rows spoiled; returns (stored, sheet, {(row, column)})."""
    stored, _sheet, _expected, _counts, (order, numbers) = draw(unit_imports())
    kind = draw(st.sampled_from(["csv", "csv", "xlsx"]))
    header, rows, numbers = draw(tables(UNIT_COLUMNS, order, kind, unit_cells))
    columns = [name.strip().lower() for name in header]
    spoiled = draw(st.lists(st.integers(0, len(order) - 1), min_size=1, max_size=3, unique=True))
    expected = set()
    for index in spoiled:
        row = rows[numbers[index] - 2]
        what = draw(st.sampled_from(["code", "name", "parent_code", "self_parent", "duplicate", "extra_cell"]))
        if what == "code":
            value = draw(st.sampled_from(["", "HO/HJEM", "A" * 33, "Å B", "x;y", "a\x00b" if kind == "csv" else "a b"]))
        elif what == "name":
            value = bad_text(draw, 200, kind)
        elif what == "parent_code":
            value = draw(st.sampled_from(["NOPE-NOPE", "a/b", "B" * 40]))
        elif what == "self_parent":
            what, value = "parent_code", order[index].code
        elif what == "duplicate":
            if index == 0 or 0 in spoiled:
                continue
            what, value = "code", order[0].code
        else:
            row.extend(["", "x"])
            expected.add((numbers[index], None))
            continue
        row[columns.index(what)] = value
        expected.add((numbers[index], what))
    sheet = draw(csv_sheets(header, rows)) if kind == "csv" else Sheet(header, rows, "xlsx")
    return stored, sheet, expected


@settings(max_examples=examples(40), **SETTINGS)
@given(case=bad_unit_imports())
def test_bad_unit_rows_are_named_and_nothing_is_written(ctx, tmp_path, case):
    stored, sheet, expected = case
    assume(expected)  # a duplicate of the first row's code is skipped when that row is spoiled too
    fresh_database(units=stored)
    path = write_sheet(sheet, tmp_path)
    before = everything()

    report = import_units(path)

    assert_refused(report, before, expected)


def test_a_service_area_that_is_not_the_root_reached_is_named(ctx, tmp_path):
    fresh_database()
    sheet = Sheet(list(UNIT_COLUMNS), [["NY", "Ny", "HO-HJEM", "Skole"], ["NY2", "Ny 2", "SK", "sk"]])
    before = everything()
    report = import_units(write_sheet(sheet, tmp_path))
    assert_refused(report, before, [(2, "service_area")])


# --------------------------------------------------------------------------
# The commands: exit status and what they print
# --------------------------------------------------------------------------

def test_the_commands_exit_zero_on_a_good_file_and_one_on_a_bad_one(app, runner, tmp_path):
    with app.app_context():
        fresh_database()
    good = Sheet(list(EMPLOYEE_COLUMNS), [
        ["3001", "Åse", "Ødegård", "1980-02-29", "HO-HJEM-NORD", "Sykepleier", "62,5 %", "2004-03-01", ""],
    ], delimiter=";", bom=True)
    bad = Sheet(list(EMPLOYEE_COLUMNS), [
        ["3002", "Bjørn", "Æsøy", "1980-02-30", "HO-HJEM", "Lærer", "100", "2004-03-01", ""],
        ["3003", "Evil\x1b[2J", "Æsøy", "1980-01-30", "SK-ÅSEN", "Lærer", "100", "2004-03-01", ""],
    ])

    ok = runner.invoke(args=["import-employees", str(write_sheet(good, tmp_path, "good"))])
    refused = runner.invoke(args=["import-employees", str(write_sheet(bad, tmp_path, "bad"))])
    units = runner.invoke(args=["import-units", str(write_sheet(Sheet(list(UNIT_COLUMNS), [
        ["NY", "Ny", "NY", ""]]), tmp_path, "units"))])

    assert ok.exit_code == 0, ok.output
    assert "1 created, 0 updated, 0 unchanged" in ok.output
    assert refused.exit_code == 1
    assert "row 2, column birth_date: '1980-02-30' is not a date (YYYY-MM-DD)" in refused.output
    assert "row 3, column first_name: 'Evil\\x1b[2J' contains a control character (U+001B)" in refused.output
    assert "\x1b" not in refused.output
    assert "2 error(s): nothing was changed." in refused.output
    assert units.exit_code == 1 and "row 2, column parent_code: 'NY' makes a cycle of parents: NY -> NY" in units.output
    with app.app_context():
        assert [(e.employee_number, e.position_percent) for e in db.session.scalars(select(Employee))] == [
            ("3001", Decimal("62.50"))]


# --------------------------------------------------------------------------
# Regressions: what these properties found, each pinned by a plain example
# --------------------------------------------------------------------------

def one_employee(**cells):
    values = dict(zip(EMPLOYEE_COLUMNS, ["3001", "Åse", "Ødegård", "1980-02-29", "HO-HJEM-NORD", "Sykepleier",
                                         "80", "2004-03-01", ""]))
    values.update(cells)
    return [values[name] for name in EMPLOYEE_COLUMNS]


def test_a_percent_formatted_xlsx_cell_is_read_as_excel_shows_it(ctx, tmp_path):
    """Found: a cell showing "62,5 %" holds 0.625 and was imported as a position of 0.63 %."""
    fresh_database()
    sheet = Sheet(list(EMPLOYEE_COLUMNS), [one_employee(position_percent=Percent(0.625, "0.0%"))], "xlsx")

    report = import_employees(write_sheet(sheet, tmp_path))

    assert report.errors == []
    assert stored_employees()["3001"][5] == Decimal("62.50")


@pytest.mark.parametrize("shown", ["80 %", "80%", "80\u00a0%", "62,5 %"])
def test_a_percent_sign_as_norwegian_excel_writes_it_is_accepted(ctx, tmp_path, shown):
    """Found: Excel's CSV of a percentage column ("80 %") was refused as "not a number"."""
    fresh_database()
    report = import_employees(write_sheet(Sheet(list(EMPLOYEE_COLUMNS), [one_employee(position_percent=shown)]),
                                          tmp_path))
    assert report.errors == []
    assert stored_employees()["3001"][5] == Decimal(shown.rstrip("%\u00a0 ").replace(",", "."))


@pytest.mark.parametrize("value", ["Ka\x00ri", "Kari\x1b[2J", "Ka\u202eri", "Kari\nNordmann", "Ka\x85ri"])
def test_control_characters_in_a_name_are_refused_at_their_cell(ctx, tmp_path, value):
    """Found: a NUL was stored on SQLite and refused by PostgreSQL as "the database refused the import"
    with no row or column; escape sequences went into the database and back out to terminals."""
    fresh_database()
    before = everything()
    report = import_employees(write_sheet(Sheet(list(EMPLOYEE_COLUMNS), [one_employee(first_name=value)]), tmp_path))
    assert_refused(report, before, [(2, "first_name")])
    assert "contains a control character" in report.lines()[0]


def test_the_report_escapes_and_shortens_what_it_quotes(ctx, tmp_path):
    """Found: the report printed cell values and unknown column names raw (escape sequences reached the
    terminal) and whole (a 10,000-character cell made a 10,000-character line)."""
    fresh_database()
    header = list(EMPLOYEE_COLUMNS) + ["\x1b]0;owned\x07notes"]
    sheet = Sheet(header, [one_employee(last_name="x" * 10_000) + ["x"]])
    report = import_employees(write_sheet(sheet, tmp_path))
    lines = report.lines()
    assert lines[0] == f"row 2, column last_name: '{'x' * 60}... (10000 characters)' is longer than 100 characters"
    assert lines[1] == "warning: column '\\x1b]0;owned\\x07notes' is not known and was ignored"


def test_a_csv_with_lines_ending_in_a_lone_cr_is_read(ctx, tmp_path):
    """Found: a file saved with CR line endings (older Excel for Mac) was refused with
    "new-line character seen in unquoted field - do you need to open the file in universal-newline mode?"."""
    fresh_database()
    sheet = Sheet(list(EMPLOYEE_COLUMNS), [one_employee(), one_employee(employee_number="3002")],
                  delimiter=";", newline="\r")
    report = import_employees(write_sheet(sheet, tmp_path))
    assert report.errors == [] and report.created == 2


def test_a_cell_too_large_for_the_csv_reader_names_its_row(ctx, tmp_path):
    """Found: a cell over the csv module's 128 KiB limit was reported for the whole file, without its row."""
    fresh_database()
    before = everything()
    sheet = Sheet(list(EMPLOYEE_COLUMNS), [one_employee(), one_employee(employee_number="3002", profession="x" * 140_000)])
    report = import_employees(write_sheet(sheet, tmp_path))
    assert_refused(report, before, [(3, None)])
    assert "field larger than field limit" in report.lines()[0]
