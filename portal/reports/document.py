"""The shared ground of every PDF report: fonts, styles and the page furniture.

reportlab's built-in Helvetica is not embedded and has no reliable æøå, so the
DejaVu TrueType fonts are registered (once per process) and embedded; the text
then copies out of the PDF correctly. Every page gets a running header
(municipality and document title), a footer with "Page X of Y" in the
reader's language and an optional marking such as "Confidential". The total
page count is only known at the end, so the canvas keeps each page's state and
draws the footers in a second pass (the usual "numbered canvas" pattern).

Long reports put :func:`contents` in their story and make their section
titles with :func:`heading`: each heading is then listed in the table of
contents with its page and becomes a bookmark in the PDF viewer's outline.
Page numbers in the contents are only known once the whole story is laid
out; rather than laying it out twice (reportlab's ``multiBuild``), the
contents take the room their known headings need and are drawn onto their
page when the document is saved, with the page numbers found by then
(:class:`Contents`); a contents longer than a page falls back to ``multiBuild``. The document language is set from the reader's locale, so
screen readers and text extraction know it is Norwegian or English.
"""
import io
import threading
from xml.sax.saxutils import escape

from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape as turned
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 20 * mm
LANGUAGES = {"nb": "nb-NO", "nn": "nn-NO", "en": "en-GB"}

_registered = False
_lock = threading.Lock()


def register_fonts():
    """Register and embed the DejaVu fonts once per process."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        pdfmetrics.registerFont(TTFont(FONT, f"{FONT_DIR}/DejaVuSans.ttf"))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, f"{FONT_DIR}/DejaVuSans-Bold.ttf"))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
        _registered = True


def styles():
    """The paragraph styles the reports share."""
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, spaceAfter=4)
    return {
        "cover": ParagraphStyle("cover", parent=body, fontName=FONT_BOLD, fontSize=26, leading=32, spaceBefore=60, spaceAfter=18),
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=10),
        "h1": ParagraphStyle("h1", parent=body, keepWithNext=1, fontName=FONT_BOLD, fontSize=16, leading=20, spaceBefore=12, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=body, keepWithNext=1, fontName=FONT_BOLD, fontSize=13, leading=17, spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", parent=body, keepWithNext=1, fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=6, spaceAfter=2),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11),
        "muted": ParagraphStyle("muted", parent=body, textColor=colors.HexColor("#555555")),
    }


def text(value, style):
    """A paragraph of plain user text: escaped, line breaks kept."""
    return Paragraph(escape(value or "").replace("\n", "<br/>"), style)


CELL_PADDING = 12  # reportlab's default left + right cell padding


def _cell(value, width, style, font):
    """A cell's content: the plain string when each of its lines fits the cell, else a wrapping paragraph.

    Plain strings (one or several lines) are drawn directly by the table,
    several times faster than a paragraph per cell, which matters in a
    report of thousands of cells; the table's FONT command gives them the
    paragraph's font and leading, so they look the same.
    """
    value = "" if value is None else str(value)
    room = (width or 0) - CELL_PADDING
    if width and all(pdfmetrics.stringWidth(line, font, style.fontSize) <= room for line in value.split("\n")):
        return value
    return text(value, ParagraphStyle("cell", parent=style, fontName=font))


def table(rows, widths, style, extra=()):
    """A table of plain texts with a bold header row that repeats on each page.

    ``extra`` are further reportlab table style commands (e.g. right-aligned
    number columns).
    """
    cells = [
        [_cell(value, width, style, FONT_BOLD if index == 0 else FONT) for value, width in zip(row, widths)]
        for index, row in enumerate(rows)
    ]
    made = Table(cells, colWidths=widths, repeatRows=1)
    made.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, style.fontSize, style.leading),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, style.fontSize, style.leading),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                *extra,
            ]
        )
    )
    return made


def colour_cell_table(rows, widths, style, colours):
    """:func:`table` with background colours per cell: ``colours`` maps (column, row) to a colour.

    Used for heat maps; the figures stay in the cells as text, so the colour
    is never the only carrier of the information.
    """
    fills = [("BACKGROUND", cell, cell, colour) for cell, colour in colours.items()]
    return table(rows, widths, style, extra=fills)


def facts(rows, width, style):
    """A two-column list of (label, value) without a header row, labels in bold."""
    cells = [[_cell(label, width * 0.35, style, FONT_BOLD), _cell(value, width * 0.65, style, FONT)] for label, value in rows]
    made = Table(cells, colWidths=[width * 0.35, width * 0.65], hAlign="LEFT")
    made.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), FONT_BOLD, style.fontSize, style.leading),
                ("FONT", (1, 0), (1, -1), FONT, style.fontSize, style.leading),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
            ]
        )
    )
    return made


def cover(municipality, kind, title, fact_rows, width, note=""):
    """The first page of a long report and the contents page after it.

    Who made it, what kind of document, its title, the facts that place it
    (scope, period, date) and an optional note, then the table of contents
    on a page of its own.
    """
    style = styles()
    story = [
        text(municipality, style["h2"]),
        text(kind, style["muted"]),
        text(title, style["cover"]),
        facts(fact_rows, width, style["body"]),
    ]
    if note:
        story += [Spacer(1, 6 * mm), text(note, style["muted"])]
    return story + [PageBreak(), text(_("Contents"), style["title"]), contents(), PageBreak()]


class Heading(Paragraph):
    """A section title that the table of contents and the PDF outline pick up."""

    def __init__(self, value, level, style):
        super().__init__(escape(value or ""), style)
        self.toc_level = level
        self.toc_text = value or ""


def heading(value, level=1):
    """A level 1 or 2 section heading, listed in the contents and as a bookmark."""
    return Heading(value, level, styles()["h1" if level == 1 else "h2"])


class Contents(TableOfContents):
    """A table of contents that one layout pass is enough for.

    :func:`build` gives it the document's headings before the layout (with
    page 0), so it takes the room it will need; where it would be drawn it
    hands its drawing to the canvas (``defer``), which runs it when the
    document is saved, by then with every heading's page. The entries are
    one line each and the page numbers are drawn beside them, so the real
    numbers cannot change the room taken.
    """

    def wrap(self, availWidth, availHeight):
        self._avail = (availWidth, availHeight)
        return super().wrap(availWidth, availHeight)

    def drawOn(self, canvas, x, y, _sW=0):
        defer = getattr(canvas, "defer", None)
        if defer is None:
            return super().drawOn(canvas, x, y, _sW)

        def draw():
            self._lastEntries = self._entries[:]
            self.canv = canvas
            super(Contents, self).wrap(*self._avail)
            self._table.drawOn(canvas, x, y, _sW)

        defer(draw)
        return None


MAX_SINGLE_PASS_ENTRIES = 30  # one line each: these fit one page below the "Contents" title


def contents():
    """The table of contents; ``build`` fills in the page numbers."""
    register_fonts()
    toc = Contents()
    toc.levelStyles = [
        ParagraphStyle("toc1", fontName=FONT_BOLD, fontSize=11, leading=15, leftIndent=0, firstLineIndent=0),
        ParagraphStyle("toc2", fontName=FONT, fontSize=10, leading=13, leftIndent=8 * mm, firstLineIndent=0),
    ]
    toc.dotsMinLevel = 0
    return toc


class _Document(SimpleDocTemplate):
    """Registers every :class:`Heading` in the contents and in the PDF outline."""

    def afterFlowable(self, flowable):
        if not isinstance(flowable, Heading):
            return
        key = _key(flowable)
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.toc_text, key, level=flowable.toc_level - 1, closed=False)
        self.canv.showOutline()
        self.notify("TOCEntry", (flowable.toc_level - 1, escape(flowable.toc_text), self.page, key))


def _numbered_canvas(header, marking):
    """A canvas class that draws the header and "Page X of Y" footer once all pages are known."""
    page_text = _("Page %(page)d of %(pages)d")

    class NumberedCanvas(pdfcanvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []
            self._deferred = {}

        def defer(self, draw):
            """Run ``draw`` on the current page when the document is saved (see :class:`Contents`)."""
            self._deferred.setdefault(len(self._pages), []).append(draw)

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            deferred = self._deferred
            for number, state in enumerate(self._pages):
                self.__dict__.update(state)
                for draw in deferred.get(number, ()):
                    draw()
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total):
            width, height = self._pagesize
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#444444"))
            self.drawString(MARGIN, height - 12 * mm, header)
            self.line(MARGIN, height - 13.5 * mm, width - MARGIN, height - 13.5 * mm)
            self.line(MARGIN, 13.5 * mm, width - MARGIN, 13.5 * mm)
            self.drawRightString(width - MARGIN, 10 * mm, page_text % {"page": self._pageNumber, "pages": total})
            if marking:
                self.setFont(FONT_BOLD, 8)
                self.drawString(MARGIN, 10 * mm, marking)
            self.restoreState()

    return NumberedCanvas


def build(story, *, title, municipality, author="", subject="", marking="", landscape=False):
    """Render ``story`` (flowables) to PDF bytes with header, numbered footer and metadata."""
    register_fonts()
    out = io.BytesIO()
    doc = _Document(
        out,
        pagesize=turned(A4) if landscape else A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN,
        title=title,
        author=author or municipality,
        subject=subject,
        creator=municipality,
        lang=LANGUAGES.get(str(get_locale() or "nb"), "nb-NO"),
    )
    header = f"{municipality} · {title}"
    story = list(story) or [Spacer(1, 1)]
    canvasmaker = _numbered_canvas(header, marking)
    tocs = [flowable for flowable in story if isinstance(flowable, TableOfContents)]
    headings = list(_headings(story))
    if tocs and (len(headings) > MAX_SINGLE_PASS_ENTRIES or not all(isinstance(t, Contents) for t in tocs)):
        doc.multiBuild(story, canvasmaker=canvasmaker)
        return out.getvalue()
    for toc in tocs:
        # The entries as they will be, but for the page numbers: the room they need.
        toc._entries = []
        toc._lastEntries = [(h.toc_level - 1, escape(h.toc_text), 0, _key(h)) for h in headings]
    doc._indexingFlowables = tocs
    doc.build(story, canvasmaker=canvasmaker)
    return out.getvalue()


def _headings(flowables):
    """The :class:`Heading` flowables in reading order, also inside containers such as KeepTogether."""
    for flowable in flowables:
        if isinstance(flowable, Heading):
            yield flowable
        inner = getattr(flowable, "_content", None)
        if isinstance(inner, (list, tuple)):
            yield from _headings(inner)


def _key(heading):
    """The bookmark a heading's contents entry links to."""
    return f"h{id(heading)}"
