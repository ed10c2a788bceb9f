"""Charts for the PDF reports, drawn with reportlab's own chart library.

Every function returns a ``Drawing`` to put in a story. A chart is never the
only place a figure is printed: the report follows each one with a table of
the same figures, which is also what a screen reader or a text copy gets.

A hidden figure (a group under five people, for a reader who only sees
aggregates) is passed as ``None``: reportlab then draws no bar and writes
``hidden_text`` where the bar would have been, so the gap is explained
rather than looking like a zero.
"""
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.textlabels import NA_Label
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from .document import FONT, FONT_BOLD, register_fonts

# Colour-blind safe (Okabe–Ito) and dark enough on white for the bars to stand out.
PALETTE = (colors.HexColor("#0072B2"), colors.HexColor("#E69F00"), colors.HexColor("#009E73"), colors.HexColor("#CC79A7"))
TITLE_HEIGHT = 18
LABEL_SPACE = 120
BAR_SPACE = 16


def _number(value):
    """Bar label: whole numbers without decimals, others with one (the table beside it has the exact figures)."""
    if value is None:
        return ""
    value = float(value)
    return f"{value:.0f}" if value.is_integer() else f"{value:.1f}"


def _fit(label, width, size=8):
    """``label`` shortened with an ellipsis to fit ``width`` points (the table has it in full)."""
    if stringWidth(label, FONT, size) <= width:
        return label
    while label and stringWidth(label + "…", FONT, size) > width:
        label = label[:-1]
    return label.rstrip() + "…"


def _title(drawing, title, height):
    if title:
        drawing.add(String(0, height - 12, title, fontName=FONT_BOLD, fontSize=10))


def _style(chart, series_count, hidden_text, reverse=False):
    for index in range(series_count):
        colour = series_count - 1 - index if reverse else index
        chart.bars[index].fillColor = PALETTE[colour % len(PALETTE)]
        chart.bars[index].strokeColor = None
    chart.barLabelFormat = _number
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7.5
    chart.naLabel = NA_Label()
    chart.naLabel.text = hidden_text
    chart.naLabel.fontName = FONT
    chart.naLabel.fontSize = 7.5
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")


def _value_max(values):
    shown = [float(v) for v in values if v is not None]
    top = max(shown) if shown else 0
    return top * 1.15 if top > 0 else 1


def _horizontal(labels, series, width, title, hidden_text, legend_names=()):
    """Horizontal bars, one group per label, first label at the top."""
    register_fonts()
    groups = max(len(labels), 1)
    per_group = BAR_SPACE * max(len(series), 1) + 4
    legend_height = 16 if legend_names else 0
    plot_height = groups * per_group
    height = plot_height + TITLE_HEIGHT + 24 + legend_height
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = LABEL_SPACE, 20
    chart.width, chart.height = width - LABEL_SPACE - 30, plot_height
    # reportlab draws the first category and series at the bottom; reverse both so the chart
    # reads top-down in the same order as the table under it.
    chart.data = [list(reversed(values)) for values in reversed(series)]
    chart.categoryAxis.categoryNames = list(reversed([_fit(str(label), LABEL_SPACE - 8) for label in labels]))
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    chart.groupSpacing = 4
    chart.barSpacing = 1
    _style(chart, len(series), hidden_text, reverse=True)
    chart.naLabel.boxAnchor = "w"
    chart.naLabel.dx = 3
    chart.valueAxis.valueMax = _value_max([v for values in series for v in values])
    drawing.add(chart)
    if legend_names:
        _legend(drawing, legend_names, plot_height + 26)
    _title(drawing, title, height)
    return drawing


def _legend(drawing, names, y):
    legend = Legend()
    legend.x, legend.y = LABEL_SPACE, y + 8
    legend.alignment = "right"
    legend.fontName = FONT
    legend.fontSize = 8
    legend.dxTextSpace = 4
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], str(name)) for i, name in enumerate(names)]
    legend.dx = legend.dy = 8
    # One row, the entries side by side.
    legend.columnMaximum = 1
    legend.deltax = 140
    drawing.add(legend)


def bars(rows, *, width, title="", hidden_text="< 5"):
    """Horizontal bars for ``rows`` = [(label, value or None)], in that order from the top."""
    labels = [label for label, _value in rows]
    return _horizontal(labels, [[value for _label, value in rows]], width, title, hidden_text)


def grouped_bars(labels, series, *, width, title="", hidden_text="< 5"):
    """Horizontal bars with one bar per series in each group, and a legend naming the series.

    ``series`` = [(name, [value or None for each label])].
    """
    names = [name for name, _values in series]
    return _horizontal(labels, [values for _name, values in series], width, title, hidden_text, names)


def columns(rows, *, width, height=170, title="", hidden_text="< 5"):
    """Vertical columns for ``rows`` = [(label, value or None)], left to right."""
    register_fonts()
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 24
    chart.width, chart.height = width - 40, height - TITLE_HEIGHT - 34
    chart.data = [[value for _label, value in rows]]
    slot = chart.width / max(len(rows), 1)
    chart.categoryAxis.categoryNames = [_fit(str(label), slot - 2, 7.5) for label, _value in rows]
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -4
    chart.barLabels.boxAnchor = "s"
    chart.barLabels.dy = 2
    _style(chart, 1, hidden_text)
    chart.naLabel.boxAnchor = "s"
    chart.naLabel.dy = 2
    chart.valueAxis.valueMax = _value_max(chart.data[0])
    drawing.add(chart)
    _title(drawing, title, height)
    return drawing
