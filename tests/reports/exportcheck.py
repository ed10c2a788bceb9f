"""Reading export files back the way a person or a script would: CSV with the csv module, XLSX with openpyxl."""
import csv
import io
from datetime import date, datetime

from openpyxl import load_workbook


def csv_rows(response):
    """All rows of a CSV download as lists of text; checks the BOM and CRLF line ends."""
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff"), "no byte-order mark"
    assert "\n" not in text.replace("\r\n", ""), "a line end is not CRLF"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def csv_records(response):
    """The data rows as dicts by machine name (row 2), after checking rows 1 and 2 are there."""
    rows = csv_rows(response)
    return [dict(zip(rows[1], row)) for row in rows[2:]]


def as_text(value):
    """An XLSX cell value as the CSV writes it (dates ISO, whole numbers without decimals)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@")) else text


def workbook(response):
    return load_workbook(io.BytesIO(response.data))


def sheet_rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def same_rows(csv_response, sheet):
    """The CSV and the XLSX sheet hold the same rows, cell for cell."""
    expected = csv_rows(csv_response)
    found = [[as_text(v) for v in row] for row in sheet_rows(sheet)]
    assert found == expected
