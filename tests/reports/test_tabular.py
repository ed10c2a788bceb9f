"""The shared export helpers: what a person and a script find in the CSV and XLSX files."""
import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from portal.reports import files, tabular


def sample():
    table = tabular.Table(
        "Ansatte på Åsen skole og i hjemmetjenesten",  # longer than Excel's 31 characters
        tabular.columns(
            ("name", "Navn"),
            ("count", "Antall", "int"),
            ("share", "Andel", "percent"),
            ("cost", "Kostnad", "money"),
            ("day", "Dato", "date"),
            ("note", "Merknad"),
        ),
    )
    table.add(name="Åse Ærlig", count=3, share=0.25, cost=Decimal("12500.50"), day=date(2026, 3, 12))
    table.add(name="=HYPERLINK(\"http://x\")", count=None, note="Ikke vist: færre enn 5 personer")
    table.add(name="Ola Øverby", count=0, share=1.0, cost=Decimal("1000.00"))
    return table


def read_csv(text):
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_has_a_bom_two_header_rows_and_crlf_line_ends():
    text = tabular.to_csv(sample())
    assert text.startswith("\ufeffNavn,Antall,Andel,Kostnad,Dato,Merknad\r\n")
    assert "\r\nname,count,share,cost,day,note\r\n" in text
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = read_csv(text)
    assert rows[2] == ["Åse Ærlig", "3", "0.25", "12500.5", "2026-03-12", ""]
    assert rows[3][0] == "'=HYPERLINK(\"http://x\")"  # never run as a formula
    assert rows[3][1] == "" and rows[3][5] == "Ikke vist: færre enn 5 personer"
    assert rows[4][:4] == ["Ola Øverby", "0", "1", "1000"]  # whole numbers without ".0" or ".00"
    # Bytes as served: UTF-8 with the BOM, so Excel reads æøå right.
    body = files.download(text, "csv", "x.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf") and "Ærlig".encode() in body


def test_xlsx_keeps_types_styles_and_headers_in_view():
    book = load_workbook(io.BytesIO(tabular.to_xlsx(sample(), tabular.Table("Andre", tabular.columns(("a", "A"))))))
    assert book.sheetnames == ["Ansatte på Åsen skole og i hjem", "Andre"]
    sheet = book.worksheets[0]
    assert len(sheet.title) == 31
    assert sheet.freeze_panes == "A3"
    assert sheet["A1"].font.b and not sheet["A2"].font.b and sheet["A2"].font.i
    assert [c.value for c in sheet[1]] == ["Navn", "Antall", "Andel", "Kostnad", "Dato", "Merknad"]
    assert [c.value for c in sheet[2]] == ["name", "count", "share", "cost", "day", "note"]
    row = [c.value for c in sheet[3]]
    assert row[0] == "Åse Ærlig" and row[1] == 3 and isinstance(row[1], int)
    assert row[2] == 0.25 and sheet["C3"].number_format == "0.0%"
    assert float(row[3]) == 12500.5 and sheet["D3"].number_format == "#,##0"
    assert row[4] == datetime(2026, 3, 12) and sheet["E3"].is_date
    formula = sheet["A4"]
    assert formula.value == "=HYPERLINK(\"http://x\")" and formula.data_type == "s"
    assert sheet["B4"].value is None


def test_sheet_titles_are_valid_and_unique():
    assert tabular.sheet_title("Mål: 2026/2027 [utkast]?") == "Mål  2026 2027  utkast"
    assert tabular.sheet_title("Mål", ["mål"]) == "Mål (2)"
    long = "x" * 40
    assert tabular.sheet_title(long, [long[:31]]) == "x" * 27 + " (2)"
    book = load_workbook(io.BytesIO(tabular.to_xlsx(tabular.Table("Mål", []), tabular.Table("Mål", []))))
    assert book.sheetnames == ["Mål", "Mål (2)"]


def test_control_characters_are_dropped_not_fatal():
    # Found by tests/api/test_fuzz.py: openpyxl raised on them in a cell, and
    # wrote them unescaped into a sheet title (a file Excel cannot open).
    table = tabular.Table("Plan\x02 2026", [tabular.Column("title", "Title")], [["Sår\x1bstell"]])
    book = load_workbook(io.BytesIO(tabular.to_xlsx(table)))
    assert book.sheetnames == ["Plan 2026"]
    assert book.active["A3"].value == "Sårstell"


def test_download_headers(app):
    with app.test_request_context():
        public = files.download(b"x", "xlsx", "kompetansegap-2026-11-01.xlsx")
        private = files.download("a,b\r\n", "csv", "arbeidsstyrke.csv", private=True)
    assert public.headers["Content-Disposition"] == 'attachment; filename="kompetansegap-2026-11-01.xlsx"'
    assert public.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "no-store" not in public.headers.get("Cache-Control", "")
    assert private.headers["Cache-Control"] == "private, no-store"
    assert private.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_unknown_columns_are_refused_and_names_are_made_safe():
    table = tabular.Table("t", tabular.columns(("a", "A")))
    try:
        table.add(b=1)
    except KeyError as error:
        assert "b" in str(error)
    else:
        raise AssertionError("an unknown column was accepted")
    assert tabular.safe_name("Åsen skole/ø") == "AAsen-skole-o"
