"""Tables for download: CSV and XLSX built the same way for every export.

A :class:`Table` is a title, its columns (a fixed machine name plus a header
in the reader's language) and rows of plain Python values. Every export in
the portal writes the same two header rows: first the headers for people
opening the file, then the machine names for scripts (read from the second
row, e.g. ``pandas.read_csv(f, header=1)``), so a script keeps working
whatever language the person who downloaded the file reads.

Values keep their type: numbers stay numbers and dates stay dates in XLSX;
in CSV a date is written ISO 8601 and a Decimal without exponent. ``None``
is an empty cell (a hidden figure; each export says why in a note column).

Text that a spreadsheet would read as a formula (starting with ``=``, ``+``,
``-``, ``@``) is kept as text: in XLSX the cell is typed as a string, in CSV
a leading apostrophe is added (OWASP's advice against CSV injection), since
titles and names are typed by users.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

SHEET_TITLE_MAX = 31  # Excel refuses longer sheet names
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Formats per column kind in XLSX; CSV writes the plain value.
FORMATS = {"date": "yyyy-mm-dd", "percent": "0.0%", "money": "#,##0"}  # int, decimal: Excel's General


@dataclass(frozen=True)
class Column:
    """One column: the machine name scripts read, the header people read, how XLSX formats it."""

    name: str
    label: object  # a (lazy) translated string
    kind: str = "text"  # text, int, decimal, money, percent, date


@dataclass
class Table:
    """A sheet's worth of data: ``rows`` are lists in column order."""

    title: object
    columns: list
    rows: list = field(default_factory=list)

    @property
    def names(self):
        return [c.name for c in self.columns]

    @property
    def header(self):
        """The column headers in the reader's language."""
        return [str(c.label) for c in self.columns]

    def add(self, **values):
        """Append a row given by machine name; names not given are empty."""
        unknown = set(values) - set(self.names)
        if unknown:
            raise KeyError(f"unknown columns: {sorted(unknown)}")
        self.rows.append([values.get(name) for name in self.names])


def columns(*specs):
    """``Column`` objects from (name, label) or (name, label, kind) tuples."""
    return [Column(*spec) for spec in specs]


# --- CSV -----------------------------------------------------------------------------


def csv_value(value):
    """A value as CSV text: '' for None, ISO dates, Decimals without exponent, text safe from formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 100.0 reads as 100, as the spreadsheet shows it
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _decimal_text(value):
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def to_csv(table):
    """The table as UTF-8 text with a byte-order mark (so Excel reads æøå right), CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerow(table.names)
    for row in table.rows:
        writer.writerow([csv_value(v) for v in row])
    return "\ufeff" + buffer.getvalue()


# --- XLSX ----------------------------------------------------------------------------


def sheet_title(title, taken=()):
    """A title Excel accepts: no []:*?/\\, at most 31 characters, unique in the workbook."""
    base = _SHEET_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", str(title))).strip() or "Sheet"
    base = base[:SHEET_TITLE_MAX]
    candidate, n = base, 2
    lowered = {t.lower() for t in taken}
    while candidate.lower() in lowered:
        suffix = f" ({n})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)] + suffix
        n += 1
    return candidate


def _cell_value(value):
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; the value is already local
    if isinstance(value, str):
        # Control characters a worksheet cannot hold (a filter typed by a user,
        # text from an import) are dropped instead of failing the whole file.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def to_xlsx(*tables):
    """One sheet per table (bytes): bold headers, italic machine names, both kept in view."""
    book = Workbook()
    book.remove(book.active)
    titles = []
    for table in tables:
        sheet = book.create_sheet(sheet_title(table.title, titles))
        titles.append(sheet.title)
        sheet.append([_cell_value(v) for v in table.header])
        sheet.append([_cell_value(v) for v in table.names])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cell in sheet[2]:
            cell.font = Font(italic=True, color="4A4A4A")
        kinds = [c.kind for c in table.columns]
        # Cells are reached by (row, column): ``sheet[sheet.max_row]`` scans every cell
        # written so far, which made a file of 1,000 rows take seconds (bench/queries.py).
        for number, row in enumerate(table.rows, start=3):
            sheet.append([_cell_value(v) for v in row])
            for column, (kind, value) in enumerate(zip(kinds, row), start=1):
                if isinstance(value, str):
                    sheet.cell(number, column).data_type = "s"  # never a formula, whatever the text starts with
                elif kind in FORMATS and value is not None:
                    sheet.cell(number, column).number_format = FORMATS[kind]
        for index, column in enumerate(table.columns, start=1):
            width = max(len(str(column.label)), len(column.name), 8)
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)
        sheet.freeze_panes = "A3"
    if not tables:
        book.create_sheet("Sheet")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the response --------------------------------------------------------------------


def safe_name(text):
    """A piece of a file name: ASCII letters, digits and dashes only (æøå spelt out as ae, o, aa)."""
    spelt = (text or "").translate(str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "Æ": "AE", "Ø": "O", "Å": "AA"}))
    return re.sub(r"[^A-Za-z0-9]+", "-", spelt).strip("-")[:60]
