"""The shared report furniture: contents with page numbers, bookmarks, language, metadata, charts."""
import re

import pytest
from flask_babel import force_locale
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak

from portal.reports import charts, document
from tests.reports.pdfcheck import first_page_png, metadata, page_count, pdf_text

WIDTH = 170 * mm


def long_report():
    style = document.styles()
    story = [document.text("Kompetanseplan for Bø", style["cover"]), PageBreak(), document.contents(), PageBreak()]
    for part in range(1, 4):
        story.append(document.heading(f"Del {part}: Økonomi og årshjul", 1))
        story.append(document.heading(f"Tiltak i del {part}", 2))
        story.append(document.text("Tekst som fyller sida. " * 250, style["body"]))
    return story


@pytest.fixture
def request_ctx(app):
    with app.test_request_context():
        yield


def test_contents_lists_every_heading_with_the_page_it_is_on(request_ctx, tmp_path):
    with force_locale("nb"):
        body = document.build(long_report(), title="Plan", municipality="Bø kommune", subject="Kompetanseplan")
    contents = pdf_text(body, tmp_path, first=2, last=2)
    pages = page_count(body, tmp_path)
    assert pages >= 5
    for part in range(1, 4):
        line = next(line for line in contents.splitlines() if f"Del {part}: Økonomi og årshjul" in line)
        listed = int(line.split()[-1].strip("."))
        assert f"Del {part}: Økonomi og årshjul" in pdf_text(body, tmp_path, first=listed, last=listed)
    assert f"Side 1 av {pages}" in pdf_text(body, tmp_path, first=1, last=1)


def test_headings_become_bookmarks_and_the_language_is_declared(request_ctx, tmp_path):
    with force_locale("nn"):
        body = document.build(long_report(), title="Plan", municipality="Bø kommune")
    assert b"/Outlines" in body and b"/PageMode /UseOutlines" in body
    assert b"/Lang (nn-NO)" in body
    assert "Side 1 av" in pdf_text(body, tmp_path, first=1, last=1)


def test_metadata_and_english_footer(request_ctx, tmp_path):
    with force_locale("en"):
        body = document.build(long_report(), title="Plan for Å", municipality="Bø kommune", subject="Emne", marking="Confidential")
    info = metadata(body, tmp_path)
    assert (info["Title"], info["Author"], info["Subject"]) == ("Plan for Å", "Bø kommune", "Emne")
    first = pdf_text(body, tmp_path, first=1, last=1)
    assert "Page 1 of" in first and "Confidential" in first and "Bø kommune · Plan for Å" in first
    assert b"/Lang (en-GB)" in body


def test_a_short_report_has_no_contents_and_builds_in_one_pass(request_ctx, tmp_path):
    style = document.styles()
    body = document.build([document.heading("Kort", 1), document.text("Én side.", style["body"])], title="T", municipality="M")
    assert page_count(body, tmp_path) == 1 and "Én side." in pdf_text(body, tmp_path)


def test_charts_write_the_hidden_text_instead_of_a_bar(request_ctx, tmp_path):
    story = [
        charts.bars([("67 og over", 12), ("62–66", None)], width=WIDTH, title="Alder"),
        charts.columns([("2027", 4), ("2028", None)], width=WIDTH, title="År"),
        charts.grouped_bars(["Sårstell"], [("Før", [8]), ("Nå", [None])], width=WIDTH, title="Gap"),
    ]
    body = document.build(story, title="T", municipality="M")
    text = pdf_text(body, tmp_path, layout=False)
    assert len(re.findall(r"<\s?5", text)) == 3
    assert "67 og over" in text and "Sårstell" in text and "Før" in text
    first_page_png(body, tmp_path)


def test_heat_map_cells_keep_their_figures_as_text(request_ctx, tmp_path):
    from reportlab.lib import colors

    style = document.styles()
    rows = [("Eining", "Sårstell"), ("Heimetenesta", "3")]
    made = document.colour_cell_table(rows, [60 * mm, 40 * mm], style["body"], {(1, 1): colors.HexColor("#f4a582")})
    assert "Heimetenesta" in pdf_text(document.build([made], title="T", municipality="M"), tmp_path)
