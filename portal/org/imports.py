"""Import org units and employees from the personnel system's CSV or XLSX exports.

HR staff run these imports from the command line with files they exported
themselves, so the design follows what they need:

* every problem is reported with the spreadsheet row (header = row 1) and the
  column, so the file can be fixed in Excel without guessing;
* the whole file is validated before anything is written, and the writing is
  one transaction: a file is either imported completely or not at all, never
  half (a half-imported personnel list is worse than none);
* the database is read once and written with a few bulk statements, because a
  large municipality exports tens of thousands of rows and one query per row
  would take minutes, not seconds.

An import owns the session's transaction: it commits on success and rolls
back otherwise, so call it with no unsaved work of your own in the session.

Two imports at the same moment (cron and a person, two HR staff) behave as
if one ran after the other. On PostgreSQL an import takes a transaction-scoped
advisory lock before it reads the database, so the second waits for the
first to commit and then compares against its result (a file imported twice
is then "unchanged" the second time, never written or logged twice). SQLite
has one writer at a time: the second import is refused whole, with a message
saying to run it again.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..audit import log as audit
from ..extensions import db
from .models import Employee, Unit

PROGRESS_EVERY = 1000
MAX_ERROR_LINES = 200
MIN_AGE_AT_HIRE = 14
EARLIEST_BIRTH = date(1900, 1, 1)
MAX_PATH = 400
IMPORT_LOCK = 74002  # names the import lock among PostgreSQL advisory locks (the audit log's is 74001)
BUSY = ("locked", "deadlock", "could not serialize")

UNIT_REQUIRED = ("code", "name", "parent_code")
UNIT_OPTIONAL = ("service_area",)
EMPLOYEE_REQUIRED = (
    "employee_number", "first_name", "last_name", "birth_date", "unit_code",
    "profession", "position_percent", "hire_date", "end_date",
)
EMPLOYEE_FIELDS = (
    "first_name", "last_name", "birth_date", "unit_id", "profession",
    "position_percent", "hire_date", "end_date",
)

CODE_RE = re.compile(r"^[\w.\-]{1,32}$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# "80", "62,5", "62.5 %": a trailing percent sign is what Norwegian Excel writes
# for a cell formatted as a percentage.
NUMBER_RE = re.compile(r"^(-?\d+(?:[.,]\d+)?)(?:\s*%)?$")
CENT = Decimal("0.01")
LINE_END_RE = re.compile(r"\r\n|\r|\n")
SHOWN_MAX = 60  # a value quoted in the report is cut here: the user needs to find it, not read it all
# Right-to-left overrides and isolates: invisible, and they make "1001" display as something else.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# The same characters as one pattern, so a cell is checked in C rather than a
# character at a time in Python (a 50,000-row import has over a million
# characters): Unicode's control characters (category Cc: U+0000-001F and
# U+007F-009F), the line and paragraph separators (Zl, Zp) and the bidi controls.
HIDDEN_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")
# The hidden characters longer free text may hold after all: tab and line breaks.
HIDDEN_IN_FREE_TEXT_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                                    + "".join(sorted(BIDI_CONTROLS)) + "]")


# --------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------

@dataclass
class RowError:
    """One problem in the file, located the way the user sees the spreadsheet.

    ``row`` is the spreadsheet row (header = 1), or None when the file as a
    whole cannot be read; ``column`` is None for problems with a whole row.
    """

    row: int | None
    column: str | None
    value: object
    message: str

    def __str__(self):
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", column {printable(self.column)}"
        shown = "" if self.value in (None, "") else f"'{printable(self.value, SHOWN_MAX)}' "
        return f"{where}: {shown}{printable(self.message)}"


def _hidden(char):
    """Characters a terminal obeys or a reader cannot see: controls, line separators, bidi overrides."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in BIDI_CONTROLS


def printable(value, limit=None):
    """``value`` as text safe to print on a terminal: hidden characters escaped, cut at ``limit``.

    A report quotes what was in the file, and the file may come from anywhere:
    an escape sequence in a name would otherwise be run by the terminal, and a
    100,000-character cell would bury the report.
    """
    text = str(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"... ({len(text)} characters)"
    if not HIDDEN_RE.search(text):
        return text
    return "".join(char.encode("unicode_escape").decode("ascii") if _hidden(char) else char for char in text)


@dataclass
class ImportReport:
    """What an import found and did; ``lines()`` is what the command prints."""

    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    kind: str = ""  # what is imported, for the audit log: units, employees, catalogue, competences

    def error(self, row, column, value, message):
        """Record a problem; any error means nothing will be written."""
        self.errors.append(RowError(row, column, value, message))

    def lines(self):
        """Human-readable lines: errors by row, then warnings, then the summary.

        Errors are capped so a file with a wrong column does not print 50,000
        lines; the full list stays in ``errors``.
        """
        ordered = sorted(self.errors, key=lambda e: (e.row or 0, e.column or ""))
        lines = [str(e) for e in ordered[:MAX_ERROR_LINES]]
        if len(ordered) > MAX_ERROR_LINES:
            lines.append(f"... and {len(ordered) - MAX_ERROR_LINES} more errors")
        lines += [f"warning: {printable(w)}" for w in self.warnings]
        if not self.errors:
            summary = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
            lines.append(f"dry run, would be: {summary}" if self.dry_run else summary)
        return lines


class _Invalid(ValueError):
    """A cell value that does not pass; the message completes "'value' ..."."""


class _Progress:
    """Calls the caller's ``progress(done, total)`` every few rows and once at the end."""

    def __init__(self, callback, total):
        self.callback = callback
        self.total = total

    def tick(self, done):
        if self.callback and done % PROGRESS_EVERY == 0 and done < self.total:
            self.callback(done, self.total)

    def finish(self):
        if self.callback and self.total:
            self.callback(self.total, self.total)


# --------------------------------------------------------------------------
# Reading CSV and XLSX into (row number, {column: value})
# --------------------------------------------------------------------------

class _Unreadable(Exception):
    """The file cannot be read at all; the message says why, for the user, and ``row`` where, if known."""

    def __init__(self, message, row=None):
        super().__init__(message)
        self.row = row


def _read_rows(path):
    """All rows of the file, header first, as lists of str/date cell values.

    The file type goes by extension, since that is what the user chose when
    saving from Excel; everything that is not XLSX is read as CSV.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".xls":
        raise _Unreadable("old Excel format (.xls) is not supported; save it as .xlsx or CSV UTF-8")
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    return _read_csv(path)


def _read_csv(path):
    """Read UTF-8 CSV (BOM allowed), with ',' or ';' as chosen by the header line.

    Norwegian Excel saves CSV with ';', other systems with ',': the header line
    tells which, since column names contain neither. Lines may end in CRLF, LF
    or a lone CR (older Excel for Mac): the csv module sorts them out when the
    text is handed over untranslated (``newline=""``), as its documentation asks.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as error:
        raise _Unreadable(f"is not UTF-8 text (byte {error.start}); save it as 'CSV UTF-8'") from None
    except OSError as error:
        raise _Unreadable(f"cannot be opened: {error.strerror}") from None
    header_line = LINE_END_RE.split(text, maxsplit=1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append([cell.strip() for cell in row])
    except csv.Error as error:  # e.g. a cell over the csv module's 128 KiB limit: name the row it is in
        raise _Unreadable(f"is not valid CSV: {error}", len(rows) + 1) from None
    return rows


def _read_xlsx(path):
    """Read the first sheet of an XLSX workbook in read-only (streaming) mode.

    Dimensions are reset because some exporters write a wrong sheet size,
    which would otherwise cut rows off silently.
    """
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for damaged files
        raise _Unreadable(f"is not a readable XLSX workbook ({type(error).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        return [[_xlsx_cell(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows(min_row=1)]
    except Exception as error:
        raise _Unreadable(f"is not a readable XLSX workbook ({type(error).__name__})") from None
    finally:
        workbook.close()


def _xlsx_cell(value, number_format=None):
    """Turn a typed Excel cell into what a CSV cell would have said.

    Date cells become dates; whole numbers lose Excel's ".0" (employee number
    1001 is stored as the float 1001.0); a number formatted as a percentage
    becomes what Excel shows ("80%" for the stored 0.8, or a position of 80 %
    would be imported as 0.8 %); everything else becomes stripped text.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (number_format or ""):
        return f"{(Decimal(repr(value)) * 100).normalize():f}%"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _load(path, required, optional, report):
    """Read the file and map its columns; returns [(row number, {column: value})].

    Returns None (with an error in ``report``) when the file cannot be read or
    lacks required columns: checking rows of a misunderstood file would only
    bury the real problem under thousands of follow-on errors.
    """
    try:
        rows = _read_rows(path)
    except _Unreadable as error:
        report.error(error.row, None, None, str(error))
        return None
    if not rows or not any(rows[0]):
        report.error(1, None, None, "the file is empty: the first row must be the header")
        return None
    columns = _map_header(rows[0], required, optional, report)
    if columns is None:
        return None
    records = _records(rows, columns, report)
    if not records and not report.errors:
        report.warnings.append("the file has no data rows")
    if not report.dry_run:
        _one_import_at_a_time()
    return records


def _one_import_at_a_time():
    """On PostgreSQL, wait until no other import is writing; held until this one commits or rolls back.

    Taken after the file is read (a slow file keeps nobody waiting) and before
    the importer reads the database, so what it compares the file with is
    what the previous import left.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK)))


def _map_header(header, required, optional, report):
    """Column name -> cell index, matched case-insensitively; None on a bad header."""
    names = [str(cell).strip().lower() for cell in header]
    columns = {}
    for index, name in enumerate(names):
        if not name:
            continue
        if name in columns:
            report.error(1, name, None, "this column appears twice in the header")
        elif name in required or name in optional:
            columns[name] = index
        else:
            report.warnings.append(f"column '{name}' is not known and was ignored")
    missing = [name for name in required if name not in columns]
    if missing:
        report.error(1, None, None, f"missing required column(s): {', '.join(missing)}")
    return None if report.errors else columns


def _records(rows, columns, report):
    """Data rows as dicts, skipping empty lines but keeping spreadsheet row numbers."""
    header_width = len(rows[0])
    width = max(columns.values()) + 1
    names = tuple(columns)
    pick = itemgetter(*columns.values()) if len(columns) > 1 else (lambda cells: (cells[columns[names[0]]],))
    records = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cells):  # cells are text or dates: only "" is false
            continue
        if any(cells[header_width:]):
            # Usually an unquoted delimiter inside a value: every later cell is shifted.
            report.error(number, None, None, f"has more cells than the header has columns ({header_width})")
        padded = list(cells) + [""] * (width - len(cells))
        records.append((number, dict(zip(names, pick(padded)))))
    return records


# --------------------------------------------------------------------------
# Cell checks shared by the importers
# --------------------------------------------------------------------------

def _text(value, max_length, required=True, line_breaks=False):
    """Non-empty text that fits its database column, without hidden characters.

    Control characters (an escape sequence, a NUL that PostgreSQL refuses
    outright), line separators and right-to-left overrides never belong in a
    name or a code; line breaks and tabs only where ``line_breaks`` allows
    them (longer free text).
    """
    text = str(value) if isinstance(value, date) else value
    if not text:
        if required:
            raise _Invalid("a value is required")
        return None
    if len(text) > max_length:
        raise _Invalid(f"is longer than {max_length} characters")
    found = (HIDDEN_IN_FREE_TEXT_RE if line_breaks else HIDDEN_RE).search(text)
    if found:
        raise _Invalid(f"contains a control character (U+{ord(found.group()):04X})")
    return text


def _date(value, required=True):
    """An ISO date (YYYY-MM-DD) or a real date cell; other formats are refused.

    Refusing "01.02.2024" rather than guessing is deliberate: day and month
    swapped silently would be worse than a clear error.
    """
    if isinstance(value, date):
        return value
    if not value:
        if required:
            raise _Invalid("a value is required")
        return None
    if ISO_DATE_RE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Invalid("is not a date (YYYY-MM-DD)")


def _percent(value):
    """A position percentage 0-100; a decimal comma and a trailing "%" are accepted, stored to 0.01."""
    if not value:
        raise _Invalid("a value is required")
    found = NUMBER_RE.match(value) if isinstance(value, str) else None
    if not found:
        raise _Invalid("is not a number")
    number = Decimal(found.group(1).replace(",", "."))
    if not 0 <= number <= 100:
        raise _Invalid("must be between 0 and 100")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def _check(report, row, column, value, parse, *args):
    """Run one cell check; record its error and return None when it fails."""
    try:
        return parse(value, *args)
    except _Invalid as problem:
        report.error(row, column, value, str(problem))
        return None


def _twice(first, again):
    """The duplicate message names both rows, so the user can pick the right one."""
    return f"appears twice in the file: rows {first} and {again}"


def _finish(report, progress):
    """Close the import: release the read transaction and report final progress."""
    db.session.rollback()
    progress.finish()
    return report


def _write(report, writer):
    """Run ``writer`` and commit, all in one transaction; roll back on any failure.

    A database refusal (e.g. someone else inserted the same employee number
    meanwhile) becomes a report error instead of a traceback.
    """
    if report.dry_run:
        db.session.rollback()
        return
    try:
        writer()
        if report.kind:
            counts = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged}
            audit.record(f"import.{report.kind}", "", None, counts)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        detail = getattr(error, "orig", None) or error
        if isinstance(error, OperationalError) and any(word in str(detail).lower() for word in BUSY):
            report.error(None, None, None, "another import or change was being saved at the same time, "
                                           "so nothing was changed: run the import again")
        else:
            report.error(None, None, None, f"the database refused the import, nothing was changed: {detail}")
        report.created = report.updated = report.unchanged = 0
    except BaseException:
        db.session.rollback()
        raise


# --------------------------------------------------------------------------
# Employees
# --------------------------------------------------------------------------

def import_employees(path, dry_run=False, progress=None):
    """Upsert employees by employee number from a personnel-system export.

    Employees missing from the file are left alone: an export may cover only
    part of the municipality, and leaving is recorded with ``end_date``.
    """
    report = ImportReport(dry_run=dry_run, kind="employees")
    records = _load(path, EMPLOYEE_REQUIRED, (), report)
    ticker = _Progress(progress, len(records or ()))
    if records is None:
        return _finish(report, ticker)
    unit_ids = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    rows = _validate_employees(records, unit_ids, report, ticker)
    if report.errors:
        return _finish(report, ticker)
    inserts, updates = _plan_employees(rows, report)
    _write(report, lambda: _write_employees(inserts, updates))
    ticker.finish()
    return report


# Each cell of an employee row: column, check, the check's extra arguments (in the file's column order).
EMPLOYEE_CELLS = (
    ("employee_number", _text, (32,)),
    ("first_name", _text, (100,)),
    ("last_name", _text, (100,)),
    ("birth_date", _date, ()),
    ("profession", _text, (100,)),
    ("position_percent", _percent, ()),
    ("hire_date", _date, ()),
    ("end_date", _date, (False,)),
)


def _validate_employees(records, unit_ids, report, ticker):
    """Check every row; returns the parsed rows (meaningful only without errors)."""
    first_row = {}
    rows = []
    for done, (number, record) in enumerate(records, start=1):
        row = _validate_employee(number, record, unit_ids, report)
        key = row["employee_number"]
        if key is not None and key in first_row:
            report.error(number, "employee_number", key, _twice(first_row[key], number))
        elif key is not None:
            first_row[key] = number
        rows.append(row)
        ticker.tick(done)
    return rows


def _validate_employee(number, record, unit_ids, report):
    """Parse one employee row, recording each bad cell; cross-field checks last.

    A plain loop over ``EMPLOYEE_CELLS`` rather than a helper call per cell:
    a 50,000-row export has 400,000 cells, and the calls cost more than the
    checks themselves.
    """
    row = {}
    for column, parse, args in EMPLOYEE_CELLS:
        value = record[column]
        try:
            row[column] = parse(value, *args)
        except _Invalid as problem:
            report.error(number, column, value, str(problem))
            row[column] = None
    row["unit_id"] = _unit_id(number, record["unit_code"], unit_ids, report)
    _check_dates(number, row, report)
    return row


def _unit_id(number, code, unit_ids, report):
    """The id of the unit named by ``code``; units must be imported first."""
    if not code:
        report.error(number, "unit_code", code, "a value is required")
        return None
    code = str(code)
    if code not in unit_ids:
        report.error(number, "unit_code", code, "is not a known unit code (import the units first)")
        return None
    return unit_ids[code]


def _check_dates(number, row, report):
    """End not before hire; a birth date that makes the person at least 14 at hire."""
    birth, hire, end = row["birth_date"], row["hire_date"], row["end_date"]
    if hire and end and end < hire:
        report.error(number, "end_date", end.isoformat(), f"is before hire_date {hire.isoformat()}")
    if birth and birth < EARLIEST_BIRTH:
        report.error(number, "birth_date", birth.isoformat(), f"is not plausible (before {EARLIEST_BIRTH.year})")
    elif birth and hire and _age(birth, hire) < MIN_AGE_AT_HIRE:
        report.error(
            number, "birth_date", birth.isoformat(),
            f"is not plausible: the person would be {max(_age(birth, hire), 0)} at hire_date "
            f"{hire.isoformat()} (at least {MIN_AGE_AT_HIRE})",
        )


def _age(birth, day):
    """Whole years between ``birth`` and ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _plan_employees(rows, report):
    """Split valid rows into inserts and by-id updates, counting unchanged ones.

    All existing employees are loaded in one query: an IN list of 50,000
    numbers would exceed SQLite's parameter limit, and one query per row is
    what this module exists to avoid.
    """
    columns = [getattr(Employee, name) for name in EMPLOYEE_FIELDS]
    existing = {
        found.employee_number: found
        for found in db.session.execute(select(Employee.id, Employee.employee_number, *columns))
    }
    inserts, updates = [], []
    for row in rows:
        current = existing.get(row["employee_number"])
        if current is None:
            inserts.append(row)
        elif any(getattr(current, name) != row[name] for name in EMPLOYEE_FIELDS):
            updates.append({"id": current.id, **{name: row[name] for name in EMPLOYEE_FIELDS}})
        else:
            report.unchanged += 1
    report.created, report.updated = len(inserts), len(updates)
    return inserts, updates


def _write_employees(inserts, updates):
    """Bulk INSERT new employees and bulk UPDATE changed ones by primary key.

    The INSERT goes to the table, not the ORM class: the rows are plain
    dicts already, and the ORM's bulk path would spend more time sorting
    them into insert commands than SQLite takes to store them.
    """
    if inserts:
        db.session.execute(insert(Employee.__table__), inserts)
    if updates:
        db.session.execute(update(Employee), updates)


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------

@dataclass
class _UnitRow:
    """A unit as the file (or the database) describes it."""

    row: int | None
    code: str
    name: str
    parent_code: str | None
    service_area: str = ""
    id: int | None = None
    path: str | None = None


def import_units(path, dry_run=False, progress=None):
    """Upsert org units by code and keep every unit's materialized ``path`` right.

    Moving a unit changes the path of its whole subtree, including sub-units
    the file does not mention; those are updated too, or leaders would see the
    wrong staff.
    """
    report = ImportReport(dry_run=dry_run, kind="units")
    records = _load(path, UNIT_REQUIRED, UNIT_OPTIONAL, report)
    ticker = _Progress(progress, len(records or ()))
    if records is None:
        return _finish(report, ticker)
    stored = _stored_units()
    rows = _validate_units(records, stored, report, ticker)
    tree = {**stored, **{row.code: row for row in rows}}
    paths, cycles = _resolve_paths({code: unit.parent_code for code, unit in tree.items()})
    _report_cycles(cycles, tree, report)
    if not report.errors:
        _check_service_areas(rows, tree, paths, report)
    if report.errors:
        return _finish(report, ticker)
    new, changes = _plan_units(rows, stored, paths, report)
    _write(report, lambda: _write_units(new, changes, paths))
    ticker.finish()
    return report


def _stored_units():
    """Every unit in the database as code -> _UnitRow (with ``id`` and ``path``), one query."""
    found = db.session.execute(select(Unit.id, Unit.code, Unit.name, Unit.parent_id, Unit.path)).all()
    code_of = {unit.id: unit.code for unit in found}
    stored = {}
    for unit in found:
        parent_code = code_of.get(unit.parent_id)
        stored[unit.code] = _UnitRow(None, unit.code, unit.name, parent_code, id=unit.id, path=unit.path)
    return stored


def _validate_units(records, stored, report, ticker):
    """Check each row's cells and that parents exist in the file or the database."""
    rows, first_row = [], {}
    for done, (number, record) in enumerate(records, start=1):
        row = _validate_unit(number, record, report)
        if row.code and row.code in first_row:
            report.error(number, "code", row.code, _twice(first_row[row.code], number))
        elif row.code:
            first_row[row.code] = number
            rows.append(row)
        ticker.tick(done)
    known = set(first_row) | set(stored)
    for row in rows:
        if row.parent_code and row.parent_code not in known:
            report.error(row.row, "parent_code", row.parent_code, "is not a unit in the file or in the database")
            row.parent_code = None  # treated as a root so the cycle check still runs
    return rows


def _validate_unit(number, record, report):
    """Parse one unit row; an empty parent_code makes it a service area."""
    code = _check(report, number, "code", record["code"], _code)
    name = _check(report, number, "name", record["name"], _text, 200)
    parent = _check(report, number, "parent_code", record["parent_code"], _code, False)
    service_area = str(record.get("service_area") or "")
    return _UnitRow(number, code, name, parent, service_area)


def _code(value, required=True):
    """A unit code: 1-32 letters, digits, '-', '_' or '.'; no '/', as paths use it."""
    if not value:
        if required:
            raise _Invalid("a value is required")
        return None
    value = str(value)
    if not CODE_RE.match(value):
        raise _Invalid("is not a unit code (1-32 letters, digits, '-', '_' or '.')")
    return value


def _resolve_paths(parent_of):
    """Materialized paths for every code, plus the cycles that have none.

    Walks up from each unit until it meets a root or an already resolved
    unit, so the whole tree costs one pass whatever its depth.
    """
    paths, broken, cycles = {}, set(), []
    for start in parent_of:
        chain, position, node = [], {}, start
        while node is not None and node not in paths and node not in broken and node not in position:
            position[node] = len(chain)
            chain.append(node)
            node = parent_of.get(node)
        if node in position or node in broken:
            if node in position:
                cycles.append(chain[position[node]:])
            broken.update(chain)
            continue
        prefix = paths[node] if node is not None else "/"
        for code in reversed(chain):
            prefix = paths[code] = f"{prefix}{code}/"
    return paths, cycles


def _report_cycles(cycles, tree, report):
    """One error per cycle, on the first file row taking part in it."""
    for cycle in cycles:
        in_file = sorted((tree[code].row, code) for code in cycle if tree[code].row is not None)
        if not in_file:  # only possible if the database itself is already broken
            report.error(None, None, None, f"the stored units already form a cycle: {', '.join(cycle)}")
            continue
        row, code = in_file[0]
        start = cycle.index(code)
        loop = cycle[start:] + cycle[:start] + [code]
        report.error(row, "parent_code", tree[code].parent_code,
                     f"makes a cycle of parents: {' -> '.join(loop)}")


def _check_service_areas(rows, tree, paths, report):
    """The optional service_area must name the root actually reached; paths must fit."""
    for row in rows:
        path = paths[row.code]
        if len(path) > MAX_PATH:
            report.error(row.row, "parent_code", row.parent_code,
                         f"places the unit too deep (path over {MAX_PATH} characters)")
        if not row.service_area:
            continue
        root = tree[path.split("/")[1]]
        if row.service_area.casefold() not in (root.code.casefold(), root.name.casefold()):
            report.error(row.row, "service_area", row.service_area,
                         f"does not match the service area reached through parent_code: {root.code} ({root.name})")


def _plan_units(rows, stored, paths, report):
    """Count created/updated/unchanged and list the units whose row must change.

    Returns the new file rows and (code, name, parent_code) for every unit to
    update: changed file units, new units with a parent, and sub-units the
    file did not name whose path changes with a moved ancestor.
    """
    in_file = {row.code: row for row in rows}
    new, changes = [], []
    for code, row in in_file.items():
        old = stored.get(code)
        if old is None:
            report.created += 1
            new.append(row)
        elif (old.name, old.parent_code) != (row.name, row.parent_code):
            report.updated += 1
        else:
            report.unchanged += 1
        if _needs_update(old, row, paths[code]):
            changes.append((code, row.name, row.parent_code))
    moved = [old for code, old in stored.items() if code not in in_file and old.path != paths[code]]
    changes += [(old.code, old.name, old.parent_code) for old in moved]
    if moved:
        report.warnings.append(
            f"{len(moved)} sub-unit(s) not in the file moved along with their parent (paths updated)"
        )
    return new, changes


def _needs_update(old, row, path):
    """New units need their parent set after the insert; old ones when anything differs."""
    if old is None:
        return row.parent_code is not None
    return (old.name, old.parent_code, old.path) != (row.name, row.parent_code, path)


def _write_units(new, changes, paths):
    """Insert new units, then set parents and paths of every changed unit by id.

    New units go in without a parent first because their parents' ids are
    only known after the insert; one more query then maps codes to ids.
    """
    if new:
        db.session.execute(insert(Unit), [
            {"code": row.code, "name": row.name, "parent_id": None, "path": paths[row.code]} for row in new
        ])
    if changes:
        ids = dict(db.session.execute(select(Unit.code, Unit.id)).all())
        db.session.execute(update(Unit), [
            {"id": ids[code], "name": name, "parent_id": ids.get(parent), "path": paths[code]}
            for code, name, parent in changes
        ])


# --------------------------------------------------------------------------
# Public helpers: other areas' importers (e.g. the competence catalogue and
# held competences) read files and report problems exactly as these do, so
# HR staff meet one behaviour whatever they import.
# --------------------------------------------------------------------------

Invalid = _Invalid
Progress = _Progress


def load_records(path, required, optional, report):
    """Read a CSV/XLSX file into [(row number, {column: value})], or None if unusable (see ``_load``)."""
    return _load(path, required, optional, report)


def check_cell(report, row, column, value, parse, *args):
    """Run ``parse(value, *args)``; on :class:`Invalid` record the error and return None."""
    return _check(report, row, column, value, parse, *args)


def text_cell(value, max_length, required=True, line_breaks=True):
    """A cell parser: non-empty (unless not ``required``) text of at most ``max_length`` characters.

    Control characters are refused; line breaks and tabs are allowed unless
    ``line_breaks`` is False (pass False for names and codes).
    """
    return _text(value, max_length, required, line_breaks)


def date_cell(value, required=True):
    """A cell parser: an ISO date (YYYY-MM-DD) or a real date cell."""
    return _date(value, required)


def duplicate_message(first, again):
    """The message for a key that appears twice, naming both rows."""
    return _twice(first, again)


def finish_without_writing(report, progress):
    """End an import that found errors (or had nothing to do): roll back, report final progress."""
    return _finish(report, progress)


def write_in_one_transaction(report, writer):
    """Run ``writer`` and commit, or roll back everything and report why (dry runs only roll back)."""
    _write(report, writer)
