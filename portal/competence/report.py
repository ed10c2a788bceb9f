"""The workforce and competence gap report as PDF: the figures a council reads on paper.

It prints what ``/workforce`` and ``/gaps`` show for the same unit (with its
sub-units) or the whole municipality, for the same reader, from the same
aggregate functions: :func:`workforce.workforce` + :func:`workforce.shown_figures`
for the staff figures, :func:`heatmap.build_level` for the gap matrix (which
already hides small groups), and :func:`_staff_by_unit` (one grouped query,
added up the unit tree) for the summary of the units one level down. So the report
runs the same handful of statements whatever the number of units or
employees, and never shows more than the pages would.

Politicians and representatives only see aggregates: every figure about fewer
than five people prints as "< 5" (:data:`HIDDEN`), shares computed from a
hidden figure as "not shown". Where the report adds figures the pages do not
have (per profession, per unit), they are hidden with
:func:`workforce.hide_small` against the total they add up to, so a hidden
cell cannot be worked out by subtraction either.

Layout: a cover, the table of contents, then one section per question. Every
chart is followed by a table of the same figures (the text alternative);
the heat map is a table with coloured cells whose figures are in the text,
split into tables of a few units each so it fits a portrait page.
"""
from dataclasses import dataclass
from datetime import date
from math import ceil

from flask import current_app
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, PageBreak, Spacer
from sqlalchemy import case, func, select

from ..extensions import db
from ..org.models import Employee, Unit
from ..org.stats import Figures, employed_on
from ..reports import charts, document
from .gaps import gap_viewer, unit_outline
from .heatmap import BANDS, HIDDEN_BAND, band, build_level
from .workforce import DEFAULT_HORIZON, band_label, hide_small, nordic_key, scope_for, shown_figures, workforce

WIDTH = 170 * mm
HIDDEN = "< 5"
UNITS_PER_TABLE = 5
COLOUR_BY = "horizon"  # the report looks ahead: cells are coloured by the gap at the horizon

# The same colours as the heat map on /gaps (portal.css, .band-*).
BAND_COLOURS = {
    "band-0": colors.HexColor("#dcefe0"),
    "band-1": colors.HexColor("#fff3bf"),
    "band-2": colors.HexColor("#ffd8a8"),
    "band-3": colors.HexColor("#f9b9a8"),
    "band-4": colors.HexColor("#ee9a9a"),
    HIDDEN_BAND[0]: colors.HexColor("#d9d9d9"),
}
RIGHT = ("ALIGN", (1, 0), (-1, -1), "RIGHT")


def filename(today=None):
    """The download name: Norwegian in every language, dated, so several downloads do not clash."""
    return f"arbeidsstyrke-og-kompetansegap-{(today or date.today()).isoformat()}.pdf"


def title():
    return _("Workforce and competence gaps")


# --- numbers as the reader's language writes them -----------------------------------


def count(value, actual=None):
    """A head count; when hidden from the reader "< 5", or "not shown" if it was hidden
    only so that another small figure cannot be worked out from it (``actual`` is 5 or more)."""
    if value is not None:
        return format_decimal(value, "#,##0")
    return _("not shown") if actual is not None and actual >= 5 else HIDDEN


def hidden_text(shown, actual):
    """What a chart writes where a bar is hidden (see :func:`count`)."""
    if any(s is None and a >= 5 for s, a in zip(shown, actual)):
        return _("not shown")
    return HIDDEN


def share(value, base=None):
    """A share 0..1 as "12,5 %"; "–" when there is nobody to share; "not shown" when hidden."""
    if value is not None:
        return format_decimal(value * 100, "#,##0.0") + "\u00a0%"
    return "–" if base == 0 else _("not shown")


def position(value, headcount):
    if value is not None:
        return format_decimal(value, "#,##0.0") + "\u00a0%"
    return "–" if headcount == 0 else _("not shown")


# --- what goes into the report -------------------------------------------------------


@dataclass
class Content:
    """Everything the report prints, computed before any layout (so it can be tested and timed alone)."""

    unit: object
    profession: str | None
    horizon_years: int
    today: date
    detailed: bool
    raw: object  # workforce.Workforce
    figures: dict  # workforce.shown_figures
    level: object  # heatmap.GapLevel
    units: list  # UnitSummary rows, one level down


@dataclass
class UnitSummary:
    """One line of the summary one level down: a sub-unit (with its sub-units) or the unit's own staff."""

    label: str
    headcount: int | None
    actual_headcount: int
    part_time_share: float | None
    average_position: float | None
    gap_now: int | None
    gap_at_horizon: int | None
    requirements: int
    empty: bool


def collect(user, unit=None, profession=None, horizon_years=DEFAULT_HORIZON, today=None):
    """The report's figures as ``user`` may see them.

    Raises :class:`workforce.NotVisible` or :class:`heatmap.LevelNotFound`
    when the unit is not the user's to see (both answered as "not found").
    """
    today = today or date.today()
    scope, detailed = scope_for(user, unit, profession)
    raw = workforce(scope, horizon_years, today)
    figures = shown_figures(raw, detailed)
    level = build_level(gap_viewer(user), unit.id if unit else None, horizon_years, COLOUR_BY, today=today)
    units = _unit_summaries(unit, scope, level, detailed, today, with_staff=not profession)
    return Content(unit, profession or None, horizon_years, today, detailed, raw, figures, level, units)


def _top_units(all_units, unit, scope):
    """The units one level below what the report covers."""
    if unit is not None:
        return [u for u in all_units if u.parent_id == unit.id]
    if scope.unit_paths is None:
        return [u for u in all_units if u.parent_id is None]
    paths = scope.unit_paths
    return [u for u in all_units if u.path in paths and not any(u.path != p and u.path.startswith(p) for p in paths)]


def _staff_by_unit(unit, scope, today):
    """``(children, {unit id: Figures})``: the Unit rows one level down and the staff of each
    (with its sub-units), and of ``unit`` itself.

    One grouped statement over today's staff per unit, added up the tree's
    outline (:func:`gaps.unit_outline`); only the units the summary names
    are loaded as Unit rows, not the whole tree.
    """
    outline = unit_outline()
    chosen = sorted(_top_units(outline.values(), unit, scope), key=lambda u: u.path)
    wanted = {u.path: u.id for u in chosen}
    if unit is not None:
        wanted[unit.path] = unit.id
    totals = {uid: Figures() for uid in wanted.values()}
    per_unit = db.session.execute(
        select(
            Employee.unit_id,
            func.count(Employee.id),
            func.sum(Employee.position_percent),
            func.sum(case((Employee.position_percent < 100, 1), else_=0)),
        )
        .where(employed_on(today))
        .group_by(Employee.unit_id)
    )
    for unit_id, headcount, percent_sum, part_time in per_unit:
        place = outline.get(unit_id)
        if place is None:
            continue
        figures = Figures(headcount, float(percent_sum or 0), int(part_time or 0))
        parts = place.path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            target = wanted.get("/" + "/".join(parts[:depth]) + "/")
            if target is not None:
                totals[target].add(figures)
    rows = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_([u.id for u in chosen])))} if chosen else {}
    return [rows[u.id] for u in chosen], totals


def _unit_summaries(unit, scope, level, detailed, today, with_staff):
    """Staff and gap totals per unit one level down: two grouped queries, none per unit."""
    children, by_unit = _staff_by_unit(unit, scope, today)
    gap_rows = {(row.unit.id, row.own): row for row in level.rows}
    rows = [(u, by_unit[u.id], gap_rows.get((u.id, False))) for u in children]
    if unit is not None:
        own = Figures()
        own.add(by_unit[unit.id])
        for child in children:
            own.headcount -= by_unit[child.id].headcount
            own.percent_sum -= by_unit[child.id].percent_sum
            own.part_time -= by_unit[child.id].part_time
        gap = gap_rows.get((unit.id, True))
        if own.headcount or gap is not None:
            rows.insert(0, (None, own, gap))
    heads = [f.headcount for _u, f, _g in rows]
    part = [f.part_time for _u, f, _g in rows]
    full = [f.headcount - f.part_time for _u, f, _g in rows]
    shown_heads = hide_small(heads, detailed, sum(heads))
    part = hide_small(part, detailed, sum(part))
    full = hide_small(full, detailed, sum(full))
    summaries = []
    for (child, figures, gap), head, pt, ft in zip(rows, shown_heads, part, full):
        label = child.name if child is not None else _("%(unit)s, own staff and requirements", unit=unit.name)
        cells = list(gap.cells.values()) if gap is not None else []
        summaries.append(
            UnitSummary(
                label=label,
                headcount=head,
                actual_headcount=figures.headcount,
                part_time_share=(pt / head if head and pt is not None and ft is not None else None),
                average_position=(figures.average_percent if head else None),
                gap_now=_gap_sum(cells, "now"),
                gap_at_horizon=_gap_sum(cells, "horizon"),
                requirements=len(cells),
                empty=figures.headcount == 0,
            )
        )
    return summaries


def _gap_sum(cells, when):
    """The gaps of one unit's row added up; hidden when any part is (it could be worked out otherwise)."""
    total = 0
    for gap_row, _leaf in cells:
        if gap_row.hidden_now or (when == "horizon" and gap_row.hidden_horizon):
            return None
        total += gap_row.gap_now if when == "now" else gap_row.gap_at_horizon
    return total


# --- the PDF ---------------------------------------------------------------------------


def render(user, unit=None, profession=None, horizon_years=DEFAULT_HORIZON, today=None):
    """The report as PDF bytes, in the current reader's language."""
    return layout(collect(user, unit, profession, horizon_years, today))


def scope_text(content):
    """What the figures cover: a unit with its sub-units, a leader's units or the whole municipality."""
    if content.unit is not None:
        text = _("%(unit)s, sub-units included", unit=content.unit.name)
    elif content.level.viewer.unit_paths is not None:
        text = _("All the units you lead")
    else:
        text = _("Whole municipality")
    if content.profession:
        text += " · " + content.profession
    return text


def layout(content):
    """The story of the report, built into a PDF."""
    style = document.styles()
    # A size smaller than "small" so five units and figures like "1 509 → 1 817" fit a portrait page.
    style["heat"] = ParagraphStyle("heat", parent=style["small"], fontSize=7.5, leading=9.5)
    municipality = current_app.config["PORTAL_MUNICIPALITY"]
    story = _cover(content, municipality)
    story += _key_figures(content, style)
    story += _age(content, style)
    story += _retirements(content, style)
    story += _professions(content, style)
    story += _turnover(content, style)
    story += _gaps(content, style)
    story += _units(content, style)
    return document.build(
        story,
        title=title(),
        municipality=municipality,
        author=municipality,
        subject=scope_text(content),
    )


def _cover(content, municipality):
    figures = content.figures
    last_year = figures["retirements_per_year"][-1]["year"]
    facts = [
        (_("Unit"), scope_text(content)),
        (_("Profession"), content.profession or _("All professions")),
        (_("Figures as of"), format_date(content.today, "long")),
        (_("Years ahead"), _("%(years)d years (to %(year)d)", years=content.horizon_years, year=last_year)),
        (_("Employees today"), count(figures["headcount"])),
        (_("Reaching retirement age by %(year)d", year=last_year), count(figures["retirements_total"])),
    ]
    note = "" if content.detailed else _(
        "You see figures for groups only. Where a figure would describe fewer than 5 people, "
        "it is printed as “< 5”, and shares computed from it are not shown."
    )
    return document.cover(municipality, _("Report"), title(), facts, WIDTH, note)


def _key_figures(content, style):
    f = content.figures
    last = f["turnover_total"][-1] if f["turnover_total"] else None
    rows = [
        (_("Figure"), _("Value")),
        (_("Employees today"), count(f["headcount"])),
        (_("Working part-time"), count(f["part_time"])),
        (_("Part-time share"), share(f["part_time_share"], f["headcount"])),
        (_("Average position"), position(f["average_position_percent"], f["headcount"])),
        (
            _("Reaching retirement age by %(year)d", year=f["retirements_per_year"][-1]["year"]),
            count(f["retirements_total"]),
        ),
        (_("Already past the assumed retirement age and still working:").rstrip(":"), count(f["past_retirement_age"])),
    ]
    if last is not None:
        rows.append((_("Turnover %(year)d", year=last["year"]), share(last["rate"], last["headcount"])))
    return [
        document.heading(_("Key figures")),
        document.table(rows, [110 * mm, WIDTH - 110 * mm], style["body"], extra=[RIGHT]),
    ]


def _age(content, style):
    bands = list(reversed(content.figures["age_bands"]))
    actual = list(reversed(content.raw.age_bands))
    oldest_first = [(band_label(b), b["count"]) for b in bands]
    hidden = hidden_text([b["count"] for b in bands], actual)
    return [
        CondPageBreak(120 * mm),
        document.heading(_("Age")),
        charts.bars(oldest_first, width=WIDTH, title=_("Employees by age"), hidden_text=hidden),
        Spacer(1, 3 * mm),
        document.table(
            [(_("Age"), _("Employees")), *[(label, count(n, a)) for (label, n), a in zip(oldest_first, actual)]],
            [80 * mm, 40 * mm],
            style["body"],
            extra=[RIGHT],
        ),
    ]


def _retirements(content, style):
    f = content.figures
    years = [(str(r["year"]), r["count"]) for r in f["retirements_per_year"]]
    actual = content.raw.retirements
    hidden = hidden_text([n for _y, n in years], actual)
    story = [
        CondPageBreak(120 * mm),
        document.heading(_("Reaching retirement age")),
        document.text(
            _(
                "People working here today who reach the assumed retirement age of their profession in each year "
                "from now until %(year)d.",
                year=f["retirements_per_year"][-1]["year"],
            ),
            style["body"],
        ),
        charts.columns(years, width=WIDTH, title=_("Reaching retirement age per year"), hidden_text=hidden),
        Spacer(1, 3 * mm),
        document.table(
            [
                (_("Year"), _("People")),
                *[(y, count(n, a)) for (y, n), a in zip(years, actual)],
                (_("Total"), count(f["retirements_total"])),
            ],
            [80 * mm, 40 * mm],
            style["body"],
            extra=[RIGHT, ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)],
        ),
    ]
    return story


def _professions(content, style):
    """Headcount, part-time share, average position and retirement age per profession."""
    raw, detailed = content.raw, content.detailed
    ages = {p: a for p, a, _source in raw.retirement_ages}
    profs = raw.professions
    heads = hide_small([p.headcount for p in profs], detailed, raw.headcount)
    part = hide_small([p.part_time for p in profs], detailed, raw.part_time)
    full = hide_small([p.headcount - p.part_time for p in profs], detailed, raw.headcount - raw.part_time)
    rows = [(_("Profession"), _("Employees"), _("Part-time share"), _("Average position"), _("Retirement age"))]
    for prof, head, pt, ft in zip(profs, heads, part, full):
        rows.append(
            (
                prof.profession,
                count(head, prof.headcount),
                share(pt / head if head and pt is not None and ft is not None else None, prof.headcount),
                position(prof.percent_sum / prof.headcount if head else None, prof.headcount),
                ages.get(prof.profession, ""),
            )
        )
    story = [
        CondPageBreak(60 * mm),
        document.heading(_("Position sizes and retirement age per profession")),
        document.text(
            _("Part-time means a position smaller than full time. The retirement age is the one the projections assume."),
            style["body"],
        ),
    ]
    if len(rows) == 1:
        return story + [document.text(_("Nobody works here today."), style["muted"])]
    widths = [55 * mm, 22 * mm, 28 * mm, 35 * mm, 30 * mm]
    return story + [document.table(rows, widths, style["small"], extra=[RIGHT])]


def _turnover(content, style):
    f = content.figures
    story = [
        CondPageBreak(60 * mm),
        document.heading(_("Turnover")),
        document.text(
            _(
                "People who left during the year (end date in the year), against the number employed on "
                "1 January of that year, per profession."
            ),
            style["body"],
        ),
    ]
    if not f["turnover"]:
        return story + [document.text(_("Nobody worked here in the last three years."), style["muted"])]
    years = [t["year"] for t in f["turnover_total"]]
    header = [_("Profession")]
    for year in years:
        header += [f"{year}\n" + _("Leavers / employed 1 January"), f"{year}\n" + _("Turnover")]
    rows = [header]
    by_profession = {}
    for item, row in zip(f["turnover"], content.raw.turnover):
        item = {**item, "actual": (row.leavers, row.headcount)}
        by_profession.setdefault(item["profession"], {})[item["year"]] = item
    for profession in sorted(by_profession, key=nordic_key):
        rows.append([profession, *_turnover_cells(by_profession[profession], years)])
    rows.append([_("All professions"), *_turnover_cells({t["year"]: t for t in f["turnover_total"]}, years)])
    widths = [35 * mm] + [24 * mm, 21 * mm] * len(years)
    return story + [
        document.table(
            rows, widths, style["small"], extra=[RIGHT, ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)]
        )
    ]


def _turnover_cells(by_year, years):
    cells = []
    for year in years:
        item = by_year.get(year)
        if item is None:
            cells += ["–", "–"]
            continue
        leavers, heads = item.get("actual", (None, None))
        cells += [
            f"{count(item['leavers'], leavers)} / {count(item['headcount'], heads)}",
            share(item["rate"], item["headcount"]),
        ]
    return cells


def _gaps(content, style):
    level = content.level
    horizon = level.horizon_text
    story = [PageBreak(), document.heading(_("Competence gaps"))]
    story.append(
        document.text(
            _(
                "For each competence and unit: the gap today → the gap on %(date)s, when people reach retirement "
                "age and certifications expire, and how many the unit needs. A requirement set on a unit counts "
                "the people in that unit and all units below it. Self-assessments and expired competences do "
                "not count.",
                date=horizon,
            ),
            style["body"],
        )
    )
    if not level.rows:
        return story + [
            document.text(_("No requirements have been set here yet, so there are no gaps to show."), style["muted"])
        ]
    story.append(document.text(_("The colour of a cell shows how much of the requirement will be missing on %(date)s.", date=horizon), style["body"]))
    entries = [(css, label) for _upper, css, label in BANDS]
    if level.suppressed:
        entries.append(HIDDEN_BAND)
    legend_rows = [(_("Colour"), _("Meaning"))] + [("", str(label)) for _css, label in entries]
    legend_colours = {(0, i): BAND_COLOURS[css] for i, (css, _label) in enumerate(entries, start=1)}
    story.append(document.colour_cell_table(legend_rows, [18 * mm, 90 * mm], style["small"], legend_colours))
    story.append(Spacer(1, 4 * mm))

    chunks = _chunks(level.rows, UNITS_PER_TABLE)
    for number, chunk in enumerate(chunks, start=1):
        if len(chunks) > 1:
            story.append(CondPageBreak(50 * mm))
            story.append(
                document.text(_("Units %(first)d to %(last)d of %(total)d", first=chunk[0][0], last=chunk[-1][0],
                                total=len(level.rows)), style["h3"])
            )
        story.append(_heat_table(level, [row for _i, row in chunk], style))
        story.append(Spacer(1, 4 * mm))
    return story


def _chunks(rows, size):
    """Rows split into tables of at most ``size`` units, as even as possible; numbered from 1."""
    numbered = list(enumerate(rows, start=1))
    if not numbered:
        return []
    parts = ceil(len(numbered) / size)
    per = ceil(len(numbered) / parts)
    return [numbered[i : i + per] for i in range(0, len(numbered), per)]


def _unit_head(row):
    if row.own:
        return _("%(unit)s, own requirements", unit=row.unit.name)
    return row.unit.name


def _heat_table(level, rows, style):
    """Competences down, units across; coloured by the share missing at the horizon.

    Only competences required somewhere in these units get a line.
    """
    first = 40 * mm
    widths = [first] + [min(30 * mm, (WIDTH - first) / len(rows))] * len(rows)
    table_rows = [[_("Competence"), *[_unit_head(row) for row in rows]]]
    colours = {}
    # A competence none of these units requires would only be a line of dashes.
    required = [c for c in level.columns if any(c.id in row.cells for row in rows)]
    for r, competence in enumerate(required, start=1):
        line = [f"{competence.name}\n{competence.area.name}"]
        for c, row in enumerate(rows, start=1):
            cell = row.cells.get(competence.id)
            if cell is None:
                line.append("–")
                continue
            gap_row, _leaf = cell
            line.append(_cell_text(gap_row))
            colours[(c, r)] = BAND_COLOURS[band(gap_row, COLOUR_BY)]
        table_rows.append(line)
    return document.colour_cell_table(table_rows, widths, style["heat"], colours)


def _cell_text(gap_row):
    need = _("Need %(count)s", count=format_decimal(gap_row.required, "#,##0"))
    if gap_row.hidden_now:
        return f"{HIDDEN}\n{need}"
    later = HIDDEN if gap_row.hidden_horizon else format_decimal(gap_row.gap_at_horizon, "#,##0")
    return f"{format_decimal(gap_row.gap_now, '#,##0')} → {later}\n{need}"


def _units(content, style):
    if not content.units:
        return []
    story = [
        CondPageBreak(60 * mm),
        document.heading(_("Units one level down")),
        document.text(
            _("Each unit with its sub-units: staff today and the gaps added up over its requirements."),
            style["body"],
        ),
    ]
    with_staff = not content.profession
    if not with_staff:
        story.append(document.text(_("Staff figures are left out here when one profession is chosen."), style["muted"]))
    header = [_("Unit")]
    if with_staff:
        header += [_("Employees"), _("Part-time share"), _("Average position")]
    header += [_("Gap now"), _("Gap on %(date)s", date=content.level.horizon_text)]
    rows = [header]
    for unit in content.units:
        line = [unit.label]
        if with_staff:
            base = 0 if unit.empty else None
            line += [count(unit.headcount, unit.actual_headcount), share(unit.part_time_share, base), position(unit.average_position, base)]
        if unit.requirements:
            line += [_gap_text(unit.gap_now), _gap_text(unit.gap_at_horizon)]
        else:
            line += ["–", "–"]
        rows.append(line)
    if with_staff:
        widths = [50 * mm, 22 * mm, 22 * mm, 28 * mm, 22 * mm, 26 * mm]
    else:
        widths = [90 * mm, 35 * mm, 45 * mm]
    return story + [document.table(rows, widths, style["small"], extra=[RIGHT])]


def _gap_text(value):
    return _("not shown") if value is None else format_decimal(value, "#,##0")
