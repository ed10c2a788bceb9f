"""Bar charts drawn on the server as SVG.

Pages must work without JavaScript and under a strict Content-Security-Policy,
so charts are plain SVG markup with CSS classes (colours live in portal.css,
never in style attributes). Each chart is ``role="img"`` named by its
``<title>`` and ``<desc>``; the numbers themselves are always in a table next
to it, which is what screen readers and keyboard users read.

A value of ``None`` is a hidden figure (a group too small to show): no bar is
drawn and the caller's text for it ("fewer than 5") stands in its place.
"""
from flask_babel import format_decimal
from markupsafe import Markup

LABEL_WIDTH = 120
BAR_AREA = 380
VALUE_WIDTH = 130
ROW_HEIGHT = 30
BAR_HEIGHT = 20

COLUMN_WIDTH = 64
COLUMN_AREA = 180
TOP_MARGIN = 24
BOTTOM_MARGIN = 28


def _number(value):
    return format_decimal(value, format="#,##0")


def _frame(chart_id, title, description, width, height, body, css_class):
    return Markup(
        '<svg class="chart {cls}" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" preserveAspectRatio="xMinYMin meet" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>'
    ).format(cls=css_class, id=chart_id, w=width, h=height, title=title, desc=description, body=body)


def bar_chart(chart_id, title, description, bars, hidden_text):
    """Horizontal bars, one per ``(label, value)``, first bar at the top.

    Used for the age pyramid: one-sided, since there is no gender to split on.
    """
    peak = max((v for _label, v in bars if v), default=0)
    height = ROW_HEIGHT * max(len(bars), 1) + 10
    parts = []
    for i, (label, value) in enumerate(bars):
        top = 5 + i * ROW_HEIGHT
        middle = top + ROW_HEIGHT / 2
        parts.append(
            Markup('<text class="chart-label" x="{x}" y="{y}" text-anchor="end" dominant-baseline="middle">{t}</text>')
            .format(x=LABEL_WIDTH - 8, y=middle, t=label)
        )
        length = round(BAR_AREA * value / peak, 1) if value and peak else 0
        if length:
            parts.append(
                Markup('<rect class="chart-bar" x="{x}" y="{y}" width="{w}" height="{h}"></rect>').format(
                    x=LABEL_WIDTH, y=middle - BAR_HEIGHT / 2, w=length, h=BAR_HEIGHT
                )
            )
        text, cls = (hidden_text, "chart-value chart-hidden") if value is None else (_number(value), "chart-value")
        parts.append(
            Markup('<text class="{c}" x="{x}" y="{y}" dominant-baseline="middle">{t}</text>').format(
                c=cls, x=LABEL_WIDTH + length + 6, y=middle, t=text
            )
        )
    width = LABEL_WIDTH + BAR_AREA + VALUE_WIDTH
    return _frame(chart_id, title, description, width, height, Markup("").join(parts), "chart-bars")


def column_chart(chart_id, title, description, columns, hidden_text):
    """Vertical columns, one per ``(label, value)``, left to right (years in order)."""
    peak = max((v for _label, v in columns if v), default=0)
    width = COLUMN_WIDTH * max(len(columns), 1) + 10
    height = TOP_MARGIN + COLUMN_AREA + BOTTOM_MARGIN
    base = TOP_MARGIN + COLUMN_AREA
    parts = [Markup('<line class="chart-axis" x1="5" y1="{y}" x2="{x}" y2="{y}"></line>').format(y=base, x=width - 5)]
    for i, (label, value) in enumerate(columns):
        left = 5 + i * COLUMN_WIDTH
        centre = left + COLUMN_WIDTH / 2
        length = round(COLUMN_AREA * value / peak, 1) if value and peak else 0
        if length:
            parts.append(
                Markup('<rect class="chart-bar" x="{x}" y="{y}" width="{w}" height="{h}"></rect>').format(
                    x=left + 10, y=base - length, w=COLUMN_WIDTH - 20, h=length
                )
            )
        text, cls = (hidden_text, "chart-value chart-hidden") if value is None else (_number(value), "chart-value")
        parts.append(
            Markup('<text class="{c}" x="{x}" y="{y}" text-anchor="middle">{t}</text>').format(
                c=cls, x=centre, y=base - length - 6, t=text
            )
        )
        parts.append(
            Markup('<text class="chart-label" x="{x}" y="{y}" text-anchor="middle">{t}</text>').format(
                x=centre, y=base + 20, t=label
            )
        )
    return _frame(chart_id, title, description, width, height, Markup("").join(parts), "chart-columns")

