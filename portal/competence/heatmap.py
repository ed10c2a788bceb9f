"""The gap matrix one level of ``/gaps`` shows, and how its cells are coloured.

The heat map is an HTML table, not a picture: every cell carries its
figures as text and a CSS class for its colour band, so it is at once the
chart and its own text alternative, needs no inline style, and a screen
reader reads it with row and column headers. The page, the CSV/XLSX export
and the API's export all build the same :class:`GapLevel`, so what is
exported is exactly what is on screen.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..org.models import Unit
from .gaps import MAX_HORIZON, horizon_date, load_tree, unit_outline
from .models import Competence, CompetenceArea

COLOUR_BY = ("now", "horizon")

# (upper bound of the missing share, css class, legend text)
BANDS = (
    (0.0, "band-0", _l("No gap")),
    (0.25, "band-1", _l("Up to 25 % missing")),
    (0.5, "band-2", _l("26 to 50 % missing")),
    (0.75, "band-3", _l("51 to 75 % missing")),
    (1.0, "band-4", _l("More than 75 % missing")),
)
HIDDEN_BAND = ("band-hidden", _l("Not shown: fewer than 5 people"))


class LevelNotFound(Exception):
    """The unit asked for does not exist, or is not the viewer's to see."""


def band(row, colour_by):
    """The CSS class of a cell: its share of the requirement that is missing."""
    hidden = row.hidden_now if colour_by == "now" else row.hidden_horizon
    if hidden:
        return HIDDEN_BAND[0]
    gap = row.gap_now if colour_by == "now" else row.gap_at_horizon
    share = gap / row.required if row.required else 0.0
    for upper, css, _label in BANDS:
        if share <= upper:
            return css
    return BANDS[-1][1]


def legend(suppressed):
    """The legend's entries: (css class, text)."""
    entries = [(css, label) for _upper, css, label in BANDS]
    return entries + [HIDDEN_BAND] if suppressed else entries


@dataclass
class MatrixRow:
    """One row of the matrix: a unit's subtree, or the requirements set on the unit itself."""

    unit: Unit
    own: bool
    drill: bool
    cells: dict = field(default_factory=dict)  # competence id -> (GapRow, leaf?)


@dataclass
class GapLevel:
    """Everything one level of the gap page shows."""

    unit: Unit | None
    trail: list
    rows: list
    columns: list
    horizon_years: int
    horizon: date
    colour_by: str
    suppressed: bool
    viewer: object

    @property
    def horizon_text(self):
        """The horizon date written out with the year in full, in the user's language."""
        return format_date(self.horizon, "medium")

    def cell_band(self, row):
        return band(row, self.colour_by)

    def figures(self):
        """The matrix as (matrix row, competence, gap row, leaf?) in reading order, for exports."""
        return [
            (row, competence, *row.cells[competence.id])
            for row in self.rows
            for competence in self.columns
            if competence.id in row.cells
        ]


def build_level(viewer, unit_id=None, horizon_years=0, colour_by="now", area_id=None, today=None):
    """The matrix below ``unit_id`` (the top when None) as ``viewer`` may see it.

    Raises :class:`LevelNotFound` for a unit that does not exist or lies
    outside the viewer's units. Runs the same few queries whatever the
    number of requirements (units, the gap figures, the columns' competences).
    """
    if not 0 <= horizon_years <= MAX_HORIZON or colour_by not in COLOUR_BY:
        raise ValueError("horizon or colour out of range")
    today = today or date.today()
    outline = unit_outline()  # the tree's shape; Unit rows only for what is shown
    unit = None
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id) if unit_id in outline else None
        if unit is None or not viewer.sees_unit(unit):
            raise LevelNotFound(unit_id)
    competence_ids = None
    if area_id is not None:
        competence_ids = list(db.session.scalars(select(Competence.id).where(Competence.area_id == area_id)))
    tree = load_tree(viewer, outline, horizon_years, today, unit, competence_ids)
    level = tree.level(unit.id if unit else None)
    trail_ids = _trail(unit, outline, tree.root_ids)
    shown = {node.unit_id for nodes in level.values() for node in nodes} | set(trail_ids)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(shown)))} if shown else {}
    rows = _rows(tree, level, units)
    columns = _competences({cid for row in rows for cid in row.cells})
    return GapLevel(
        unit=unit,
        trail=[units[uid] for uid in trail_ids],
        rows=rows,
        columns=columns,
        horizon_years=horizon_years,
        horizon=horizon_date(today, horizon_years),
        colour_by=colour_by,
        suppressed=viewer.suppress,
        viewer=viewer,
    )


def _rows(tree, level, units):
    rows = {}
    for competence_id, nodes in level.items():
        for node in nodes:
            key = (node.unit_id, node.own)
            row = rows.get(key)
            if row is None:
                row = rows[key] = MatrixRow(unit=units[node.unit_id], own=node.own, drill=False)
            leaf = tree.is_leaf(node)
            row.cells[competence_id] = (node, leaf)
            row.drill = row.drill or not leaf
    return sorted(rows.values(), key=lambda r: (not r.own, r.unit.path))


def _competences(ids):
    if not ids:
        return []
    stmt = (
        select(Competence)
        .join(CompetenceArea)
        .options(joinedload(Competence.area))
        .where(Competence.id.in_(ids))
        .order_by(CompetenceArea.name, Competence.name, Competence.id)
    )
    return list(db.session.scalars(stmt))


def _trail(unit, outline, root_ids):
    """The ids of the units from the top of the viewer's tree down to ``unit``'s parent, for the breadcrumb."""
    trail = []
    current = outline[unit.id] if unit is not None else None
    while current is not None and current.id not in root_ids and current.parent_id is not None:
        current = outline[current.parent_id]
        trail.append(current.id)
    return list(reversed(trail))


def areas():
    """The catalogue's areas, for the filter."""
    return list(db.session.scalars(select(CompetenceArea).order_by(CompetenceArea.name)))
