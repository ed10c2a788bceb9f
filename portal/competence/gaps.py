"""Gap figures: required versus held competence per requirement, now and at a horizon.

The rules (issue 3):
- ``holders_now``: employees working today in the requirement's unit or a
  sub-unit (of the required profession, if one is set) who hold the
  competence at or above the minimum level, verified (not a self-assessment)
  and valid today.
- ``retiring_by_horizon``: of those, the ones who reach their profession's
  retirement age before the horizon date (turning it on that day is not
  before it), or whose every qualifying record expires before it.
- ``holders_at_horizon = holders_now - retiring_by_horizon``; a gap is
  ``max(0, required - holders)``.

Everything is counted by the database in one grouped query; Python only adds
the per-requirement rows up the unit tree (:class:`GapTree`) and hides small
groups from people who may only see aggregates (:meth:`GapTree.suppress`).

A rolled-up gap is the sum of the gaps below it, never ``required - holders``
of the sums: ten spare nurses in one unit do not fill a gap in another.
"""
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import and_, case, false, func, or_, select, text, union_all
from sqlalchemy.orm import aliased, contains_eager

from .. import figure_cache
from ..extensions import db
from ..figure_cache import cached
from ..org.models import Employee, Unit
from ..org.stats import MIN_GROUP, employed_on
from ..org.visibility import led_unit_paths
from ..pagination import Page
from .models import UNVERIFIED_SOURCES, HeldCompetence, Requirement
from .retirement import add_years, retirement_ages, retires_before

MAX_HORIZON = 10


@dataclass(eq=False, slots=True)  # slots: a tree holds tens of thousands of these
class GapRow:
    """The figures of one requirement, or of several added together (``parts``).

    ``hidden_now`` / ``hidden_horizon`` are set by :meth:`GapTree.suppress`:
    the figures they cover must not be shown to the viewer.
    """

    unit_id: int
    competence_id: int
    min_level: int | None
    required: int
    holders_now: int
    retiring_by_horizon: int
    requirement_id: int | None = None
    profession: str | None = None
    parts: list = field(default_factory=list)
    own: bool = False
    hidden_now: bool = False
    hidden_horizon: bool = False
    _gaps: tuple | None = field(default=None, repr=False)

    @property
    def holders_at_horizon(self):
        return self.holders_now - self.retiring_by_horizon

    @property
    def gap_now(self):
        if self.parts:
            return self._rolled_gaps()[0]
        return max(0, self.required - self.holders_now)

    @property
    def gap_at_horizon(self):
        if self.parts:
            return self._rolled_gaps()[1]
        return max(0, self.required - self.holders_at_horizon)

    @property
    def requirement_ids(self):
        """The requirements behind these figures."""
        if not self.parts:
            return [self.requirement_id] if self.requirement_id is not None else []
        return [rid for part in self.parts for rid in part.requirement_ids]

    def _rolled_gaps(self):
        if self._gaps is None:
            self._gaps = (sum(p.gap_now for p in self.parts), sum(p.gap_at_horizon for p in self.parts))
        return self._gaps

    def add(self, part):
        """Count ``part`` in this roll-up."""
        if not self.parts:
            self.min_level = part.min_level
        elif self.min_level != part.min_level:
            self.min_level = None  # several levels rolled together
        self.parts.append(part)
        self.required += part.required
        self.holders_now += part.holders_now
        self.retiring_by_horizon += part.retiring_by_horizon
        self._gaps = None

    def shown(self, name):
        """The figure ``name`` as the viewer may see it: ``None`` when hidden."""
        if name in ("holders_now", "gap_now") and self.hidden_now:
            return None
        if name in ("retiring_by_horizon", "holders_at_horizon", "gap_at_horizon") and self.hidden_horizon:
            return None
        return getattr(self, name)

    def as_dict(self):
        """The API's item shape, with hidden figures as ``None``."""
        return {
            "requirement_id": self.requirement_id,
            "unit_id": self.unit_id,
            "competence_id": self.competence_id,
            "profession": self.profession,
            "min_level": self.min_level,
            "required": self.required,
            **{name: self.shown(name) for name in FIGURES},
        }


FIGURES = ("holders_now", "gap_now", "retiring_by_horizon", "holders_at_horizon", "gap_at_horizon")


def horizon_date(today, horizon_years):
    """The day the projection looks at."""
    return add_years(today, horizon_years)


# --- who sees which gaps -------------------------------------------------------


@dataclass
class GapViewer:
    """What a user may see of the gaps.

    ``unit_paths``: the subtrees whose requirements they see (``None``: all).
    ``suppress``: small groups are hidden (aggregates only).
    ``people_paths``: where they may see the people behind a figure
    (``None``: everywhere; empty: nowhere).
    """

    unit_paths: list | None
    suppress: bool
    people_paths: list | None

    def sees_unit(self, unit):
        """Whether ``unit``'s requirements are in view."""
        return self.unit_paths is None or any(unit.path.startswith(p) for p in self.unit_paths)

    def sees_people_of(self, unit):
        """Whether the viewer may see names behind the figures of ``unit``."""
        if self.people_paths is None:
            return True
        return any(unit.path.startswith(p) for p in self.people_paths)


def gap_viewer(user):
    """hr sees everything with names; politicians and representatives see
    everything as aggregates; a leader sees their own units' subtrees."""
    if user.has_role("hr"):
        return GapViewer(unit_paths=None, suppress=False, people_paths=None)
    led = led_unit_paths(user) if user.has_role("leader") else []
    if user.has_role("politician", "representative"):
        return GapViewer(unit_paths=None, suppress=True, people_paths=led)
    return GapViewer(unit_paths=led, suppress=False, people_paths=led)


# --- the figures per requirement ---------------------------------------------


def requirement_gaps(unit_paths=None, horizon_years=0, competence_ids=None, today=None, requirement_ids=None):
    """One GapRow per requirement, for requirements on units under ``unit_paths`` (all if None).

    ``requirement_ids`` narrows to those requirements (one page of the API),
    ``competence_ids`` to those competences. With the figure cache on
    (:mod:`portal.figure_cache`) every requirement under ``unit_paths`` is
    counted once in one statement and kept for a few seconds, and each call
    picks its rows from that: a client paging through the API, or the
    report after the page, then costs about one count of everything. With
    the cache off, a narrowed call counts just its own competences.
    """
    today = today or date.today()
    if figure_cache.keeps_now() or (competence_ids is None and requirement_ids is None):
        figures = cached(
            ("gap-figures", tuple(unit_paths) if unit_paths is not None else None, horizon_years, today),
            lambda: _requirement_figures(unit_paths, horizon_years, None, today, None),
        )
        if competence_ids is not None:
            competences = set(competence_ids)
            figures = [f for f in figures if f[2] in competences]
        if requirement_ids is not None:
            wanted = set(requirement_ids)
            figures = [f for f in figures if f[0] in wanted]
    else:
        figures = _requirement_figures(unit_paths, horizon_years, competence_ids, today, requirement_ids)
    return [
        GapRow(
            requirement_id=rid,
            unit_id=unit_id,
            competence_id=competence_id,
            min_level=min_level,
            required=required,
            profession=profession,
            holders_now=now,
            retiring_by_horizon=retiring,
        )
        for rid, unit_id, competence_id, min_level, required, profession, now, retiring in figures
    ]


def _requirement_figures(unit_paths, horizon_years, competence_ids, today, requirement_ids):
    """The figures of :func:`requirement_gaps` as plain tuples, in tree order (one statement)."""
    horizon = horizon_date(today, horizon_years)
    holders = _holders_per_requirement(today, horizon, unit_paths, competence_ids, requirement_ids).subquery()
    stmt = (
        select(
            Requirement.id,
            Requirement.unit_id,
            Requirement.competence_id,
            Requirement.min_level,
            Requirement.required_count,
            Requirement.profession,
            func.coalesce(holders.c.holders_now, 0),
            func.coalesce(holders.c.retiring, 0),
        )
        .join(Unit, Unit.id == Requirement.unit_id)
        .outerjoin(holders, holders.c.requirement_id == Requirement.id)
        .order_by(Unit.path, Requirement.competence_id, Requirement.id)
    )
    stmt = _restrict(stmt, Unit, unit_paths, competence_ids, requirement_ids)
    plan_for_these_dates()
    some = bool(competence_ids or requirement_ids)
    return [
        (rid, unit_id, competence_id, min_level, required, profession, int(now), int(retiring))
        for rid, unit_id, competence_id, min_level, required, profession, now, retiring in (
            in_written_order(stmt) if some else db.session.execute(stmt)
        )
    ]


def plan_for_these_dates():
    """On PostgreSQL, plan the rest of this transaction's statements for their actual values.

    psycopg prepares a statement it has run five times, and PostgreSQL may
    then reuse a generic plan that ignores the dates and retirement cut-offs;
    for the gap aggregate that plan was 30 to 40 times slower (bench/gaps.py).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def in_written_order(statement):
    """Run ``statement`` with PostgreSQL taking its explicit joins in the order written.

    ``join_collapse_limit = 1`` for this one statement (set and reset within
    the transaction); SQLite already follows the written order here. No
    parallel workers either: for a statement of a few tens of milliseconds
    each worker would build the same hash tables again (twice as slow on
    two cores).
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return db.session.execute(statement).all()
    db.session.execute(text("SET LOCAL join_collapse_limit = 1"))
    db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    try:
        return db.session.execute(statement).all()
    finally:
        db.session.execute(text("SET LOCAL join_collapse_limit TO DEFAULT"))
        db.session.execute(text("SET LOCAL max_parallel_workers_per_gather TO DEFAULT"))


def requirements_in_view(unit_paths=None, competence_ids=None):
    """A select of Requirement ids, competence by competence, then down the unit tree (for paging).

    Competence first, so one page of requirements covers few competences and
    its figures can be counted from those competences' records alone.
    """
    stmt = (
        select(Requirement.id)
        .join(Unit, Unit.id == Requirement.unit_id)
        .order_by(Requirement.competence_id, Unit.path, Requirement.id)
    )
    return _restrict(stmt, Unit, unit_paths, competence_ids, None)


def _restrict(stmt, unit, unit_paths, competence_ids, requirement_ids):
    if unit_paths is not None:
        stmt = stmt.where(or_(*(unit.path.startswith(p, autoescape=True) for p in unit_paths)) if unit_paths else false())
    if competence_ids is not None:
        stmt = stmt.where(Requirement.competence_id.in_(competence_ids)) if competence_ids else stmt.where(false())
    if requirement_ids is not None:
        stmt = stmt.where(Requirement.id.in_(requirement_ids)) if requirement_ids else stmt.where(false())
    return stmt


def _holders_per_requirement(today, horizon, unit_paths, competence_ids, requirement_ids):
    """Per requirement: how many hold it now, and how many of them are gone by the horizon.

    For a few competences (a page of the API, a competence area) the records
    of those competences are read through the competence index and reduced
    to one best level per person before they meet the requirements
    (:func:`_holders_of_some`). For all of them the grouped pass of
    :func:`_qualified_people` is the better plan: reducing every record per
    person first made PostgreSQL spill a 300,000-group aggregate to disk in
    each parallel worker (bench/gaps.py, twice as slow).
    """
    if competence_ids or requirement_ids:
        return _holders_of_some(today, horizon, unit_paths, competence_ids, requirement_ids)
    per_person = _qualified_people(today, horizon, unit_paths, competence_ids, requirement_ids).subquery()
    leaving = or_(per_person.c.retires == 1, per_person.c.valid_at_horizon == 0)
    return select(
        per_person.c.requirement_id,
        func.count().label("holders_now"),
        func.sum(case((leaving, 1), else_=0)).label("retiring"),
    ).group_by(per_person.c.requirement_id)


def _holders_of_some(today, horizon, unit_paths, competence_ids, requirement_ids):
    """:func:`_holders_per_requirement` for some competences.

    First each person's best verified level of each competence, today and
    among the records still valid at the horizon (one row per person and
    competence, so nobody is counted twice); then those rows meet the
    requirements of the person's unit and the units above it, and each
    requirement counts the rows that reach its level. The joins are written
    in the order the database should take them (records, person, units
    above, requirement); on PostgreSQL :func:`in_written_order` holds it to
    that, since it otherwise pairs every requirement with every record of
    its competence before it looks at the units (25 times slower on one page).
    """
    best = _best_levels(today, horizon, competence_ids, requirement_ids).subquery("best")
    ancestors = unit_ancestors()
    req_unit = aliased(Unit)
    retires = retires_before(Employee.profession, Employee.birth_date, horizon, retirement_ages())
    leaving = or_(retires, best.c.level_horizon < Requirement.min_level)
    stmt = (
        select(
            Requirement.id.label("requirement_id"),
            func.count().label("holders_now"),
            func.sum(case((leaving, 1), else_=0)).label("retiring"),
        )
        .select_from(best)
        .join(Employee, Employee.id == best.c.employee_id)
        .join(ancestors, ancestors.c.unit_id == Employee.unit_id)
        .join(
            Requirement,
            and_(
                Requirement.unit_id == ancestors.c.ancestor_id,
                Requirement.competence_id == best.c.competence_id,
                best.c.level_now >= Requirement.min_level,
            ),
        )
        .where(
            employed_on(today),
            or_(Requirement.profession.is_(None), Requirement.profession == Employee.profession),
        )
        .group_by(Requirement.id)
    )
    if unit_paths is not None:
        stmt = stmt.join(req_unit, req_unit.id == Requirement.unit_id)
    return _restrict(stmt, req_unit, unit_paths, competence_ids, requirement_ids)


def _best_levels(today, horizon, competence_ids, requirement_ids):
    """One row per (employee, competence): the best level of the verified records valid today
    (``level_now``) and of those still valid at the horizon (``level_horizon``, 0 for none).

    Only the records of the competences asked for (or of the requirements'
    competences), read through the competence index.
    """
    at_horizon = or_(HeldCompetence.valid_until.is_(None), HeldCompetence.valid_until >= horizon)
    stmt = (
        select(
            HeldCompetence.employee_id.label("employee_id"),
            HeldCompetence.competence_id.label("competence_id"),
            func.max(HeldCompetence.level).label("level_now"),
            func.max(case((at_horizon, HeldCompetence.level), else_=0)).label("level_horizon"),
        )
        .where(
            HeldCompetence.source.not_in(UNVERIFIED_SOURCES),
            or_(HeldCompetence.valid_until.is_(None), HeldCompetence.valid_until >= today),
        )
        .group_by(HeldCompetence.employee_id, HeldCompetence.competence_id)
    )
    if requirement_ids:
        # As a list, not a subquery: SQLite then reads these competences'
        # records by the competence index instead of scanning them all.
        asked = db.session.scalars(
            select(Requirement.competence_id).where(Requirement.id.in_(requirement_ids)).distinct()
        )
        competence_ids = sorted(set(asked) & set(competence_ids) if competence_ids else set(asked))
        stmt = stmt.where(HeldCompetence.competence_id.in_(competence_ids) if competence_ids else false())
    elif competence_ids:
        stmt = stmt.where(HeldCompetence.competence_id.in_(competence_ids))
    return stmt


def _qualified_people(today, horizon, unit_paths, competence_ids, requirement_ids, details=False):
    """One row per (requirement, qualified employee) with what the horizon does to them.

    With ``details``, also the best level and the latest validity of the
    person's qualifying records (for the list of holders).
    """
    req_unit = aliased(Unit)
    ages = retirement_ages()
    valid_at_horizon = case(
        (or_(HeldCompetence.valid_until.is_(None), HeldCompetence.valid_until >= horizon), 1), else_=0
    )
    retires = case((retires_before(Employee.profession, Employee.birth_date, horizon, ages), 1), else_=0)
    columns = [
        Requirement.id.label("requirement_id"),
        Employee.id.label("employee_id"),
        func.max(retires).label("retires"),
        func.max(valid_at_horizon).label("valid_at_horizon"),
    ]
    if details:
        columns += [
            func.max(HeldCompetence.level).label("level"),
            func.max(HeldCompetence.valid_until).label("valid_until"),
            func.max(case((HeldCompetence.valid_until.is_(None), 1), else_=0)).label("never_expires"),
        ]
    ancestors = unit_ancestors()
    # Each unit meets the requirements on itself and the units above it by
    # equality joins, so the database never compares every requirement with
    # every unit. "+ 0" keeps SQLite, which has no statistics unless someone
    # runs ANALYZE, from driving the join through the competence index: that
    # plan pairs every requirement with every holder of its competence
    # anywhere (minutes at 50,000 employees instead of half a second).
    stmt = (
        select(*columns)
        .select_from(HeldCompetence)
        .join(Employee, Employee.id == HeldCompetence.employee_id)
        .join(ancestors, ancestors.c.unit_id == Employee.unit_id)
        .join(
            Requirement,
            and_(
                Requirement.unit_id == ancestors.c.ancestor_id,
                Requirement.competence_id == HeldCompetence.competence_id + 0,
                HeldCompetence.level >= Requirement.min_level,
            ),
        )
        .where(
            HeldCompetence.source.not_in(UNVERIFIED_SOURCES),
            or_(HeldCompetence.valid_until.is_(None), HeldCompetence.valid_until >= today),
            employed_on(today),
            or_(Requirement.profession.is_(None), Requirement.profession == Employee.profession),
        )
        .group_by(Requirement.id, Employee.id)
    )
    if unit_paths is not None:
        stmt = stmt.join(req_unit, req_unit.id == Requirement.unit_id)
    # Narrowing the records themselves (not only the requirements) lets the
    # database read just the holders of the competences asked about.
    if competence_ids:
        stmt = stmt.where(HeldCompetence.competence_id.in_(competence_ids))
    if requirement_ids:
        asked = aliased(Requirement)
        stmt = stmt.where(
            HeldCompetence.competence_id.in_(select(asked.competence_id).where(asked.id.in_(requirement_ids))),
            ancestors.c.ancestor_id.in_(select(asked.unit_id).where(asked.id.in_(requirement_ids))),
        )
    if unit_paths:
        # Everyone a requirement below these units counts works below them too.
        staff_unit = aliased(Unit)
        stmt = stmt.where(
            Employee.unit_id.in_(
                select(staff_unit.id).where(or_(*(staff_unit.path.startswith(p, autoescape=True) for p in unit_paths)))
            )
        )
    return _restrict(stmt, req_unit, unit_paths, competence_ids, requirement_ids)


def unit_ancestors():
    """Subquery of (unit_id, ancestor_id): every unit with itself and each unit above it.

    A few rows per unit (the tree is shallow); it turns "in this unit's
    subtree" into equality joins the database can hash or index. Written as
    one branch per level rather than a recursive query, so PostgreSQL can
    estimate its size from the unit table's statistics and plan the joins
    around it well.
    """
    depth = db.session.scalar(select(func.max(func.length(Unit.path) - func.length(func.replace(Unit.path, "/", "")))))
    levels = [select(Unit.id.label("unit_id"), Unit.id.label("ancestor_id"))]
    for up in range(1, max(1, (depth or 2) - 1)):
        chain = [aliased(Unit) for _ in range(up)]
        stmt = select(chain[0].id, chain[-1].parent_id)
        for lower, upper in zip(chain, chain[1:]):
            stmt = stmt.join(upper, upper.id == lower.parent_id)
        levels.append(stmt.where(chain[-1].parent_id.is_not(None)))
    return union_all(*levels).subquery("unit_ancestor")


# --- rolling up the unit tree ------------------------------------------------------


def _empty(unit_id, competence_id, own=False):
    return GapRow(unit_id=unit_id, competence_id=competence_id, min_level=None, required=0,
                  holders_now=0, retiring_by_horizon=0, own=own)


class GapTree:
    """Requirement rows added up the unit tree, per competence: what ``/gaps`` drills through.

    For every unit with requirements in its subtree and every competence
    there is a *subtree* node; its parts are the unit's *own* node (the
    requirements set on the unit itself, whose parts are the requirement
    rows) and the subtree nodes of its sub-units. The top nodes are those of
    ``root_ids`` (the service areas, or the units a leader leads).
    """

    def __init__(self, rows, units_by_id, root_ids):
        self.units = units_by_id
        self.root_ids = set(root_ids)
        self.nodes = {}
        self.tops = {}
        for row in rows:
            if self._root_of(row.unit_id) is not None:
                self._node("own", row.unit_id, row.competence_id).parts.append(row)

    def _root_of(self, unit_id):
        seen = 0
        while unit_id is not None and unit_id not in self.root_ids and seen < 100:
            unit_id = self.units[unit_id].parent_id
            seen += 1
        return unit_id

    def _order(self, node):
        return (not node.own, self.units[node.unit_id].path)

    def _node(self, kind, unit_id, competence_id):
        """The node, created with its chain of parents on first use."""
        key = (kind, unit_id, competence_id)
        node = self.nodes.get(key)
        if node is not None:
            return node
        node = self.nodes[key] = _empty(unit_id, competence_id, own=kind == "own")
        if kind == "own":
            self._node("unit", unit_id, competence_id).parts.append(node)
        elif unit_id in self.root_ids:
            self.tops.setdefault(competence_id, []).append(node)
        else:
            self._node("unit", self.units[unit_id].parent_id, competence_id).parts.append(node)
        return node

    def finish(self):
        """Order the parts (own requirements first, then sub-units by path) and
        add the figures up from the requirement rows; call once after building."""
        for tops in self.tops.values():
            tops.sort(key=self._order)
            for node in tops:
                _total(node, self._order)
        return self

    def subtree(self, unit_id, competence_id):
        """The subtree node of ``unit_id`` for ``competence_id``, or ``None``."""
        return self.nodes.get(("unit", unit_id, competence_id))

    def level(self, unit_id=None):
        """The rows one level shows: ``{competence_id: [nodes]}`` below ``unit_id`` (the top if None)."""
        if unit_id is None:
            return {cid: list(tops) for cid, tops in self.tops.items()}
        return {
            cid: list(node.parts)
            for (kind, uid, cid), node in self.nodes.items()
            if kind == "unit" and uid == unit_id
        }

    def is_leaf(self, node):
        """Whether ``node`` stands for requirements on one unit only (the people can be listed)."""
        return node.own or all(part.own for part in node.parts)

    def requirement_rows(self):
        """Every requirement row in the tree, in tree order."""
        return [row for tops in self.tops.values() for top in tops for row in _leaves(top)]

    def suppress(self, minimum=MIN_GROUP):
        """Hide figures describing fewer than ``minimum`` people, and enough others that
        no hidden figure can be worked out by subtraction.

        Within each set of siblings, a hidden figure never stands alone when
        the parent is shown (the parent minus the others would give it away),
        and a hidden parent always has a hidden part (else its parts add up
        to it). The municipality's total is shown nowhere, so the top level
        needs neither. Figures about the horizon are hidden too wherever the
        figures about today are, since they add up to them.
        """
        for tops in self.tops.values():
            _suppress_group(tops, None, "now", minimum)
            _suppress_group(tops, None, "horizon", minimum)
        return self


def _total(node, order):
    if node.parts and node.requirement_id is None:
        parts = list(node.parts)
        if not node.own:
            parts.sort(key=order)
        node.parts, node.required, node.holders_now, node.retiring_by_horizon = [], 0, 0, 0
        for part in parts:
            _total(part, order)
            node.add(part)


def _leaves(node):
    if node.requirement_id is not None:
        return [node]
    return [leaf for part in node.parts for leaf in _leaves(part)]


def _is_small(node, which, minimum):
    if which == "now":
        return 0 < node.holders_now < minimum
    return node.hidden_now or any(0 < n < minimum for n in (node.retiring_by_horizon, node.holders_at_horizon))


def _hidden(node, which):
    return node.hidden_now if which == "now" else node.hidden_horizon


def _hide(node, which):
    if which == "now":
        node.hidden_now = True
    else:
        node.hidden_horizon = True


def _suppress_group(siblings, parent_hidden, which, minimum):
    """``parent_hidden``: True, False, or None for a parent shown nowhere (the top)."""
    for node in siblings:
        if _is_small(node, which, minimum):
            _hide(node, which)
    hidden = [n for n in siblings if _hidden(n, which)]
    spare = sorted(
        (n for n in siblings if not _hidden(n, which) and n.holders_now > 0),
        key=lambda n: (n.holders_now, n.requirement_id or 0, n.unit_id, n.own),
    )
    if spare and ((len(hidden) == 1 and parent_hidden is False) or (not hidden and parent_hidden)):
        _hide(spare[0], which)
    for node in siblings:
        if node.parts and node.requirement_id is None:
            _suppress_group(node.parts, _hidden(node, which), which, minimum)


def load_tree(viewer, units_by_id, horizon_years, today=None, unit=None, competence_ids=None):
    """The viewer's GapTree, from one grouped query.

    Small-group suppression needs the whole municipality (a hidden figure
    must stay hidden whichever level it is seen from), so aggregates-only
    viewers always get every requirement; others only ``unit``'s subtree.
    """
    paths = viewer.unit_paths
    if unit is not None and not viewer.suppress:
        paths = [unit.path]
    rows = requirement_gaps(paths, horizon_years, competence_ids, today)
    tree = GapTree(rows, units_by_id, root_ids(viewer, units_by_id)).finish()
    return tree.suppress() if viewer.suppress else tree


class UnitOutline(NamedTuple):
    """What :class:`GapTree` needs of a unit: where it sits in the tree."""

    id: int
    parent_id: int | None
    path: str


def unit_outline():
    """Every unit as a :class:`UnitOutline` by id: one light query, reused for a few seconds
    (for callers that only need the tree's shape, not the units' names)."""
    return cached(
        ("unit-outline",),
        lambda: {row.id: UnitOutline(*row) for row in db.session.execute(select(Unit.id, Unit.parent_id, Unit.path))},
    )


def requirement_competences():
    """Requirement id -> competence id, for every requirement: one light query, reused for a few seconds."""
    return cached(
        ("requirement-competences",),
        lambda: dict(db.session.execute(select(Requirement.id, Requirement.competence_id)).all()),
    )


def root_ids(viewer, units_by_id):
    """The top of the viewer's tree: service areas, or the highest units a leader leads."""
    if viewer.unit_paths is None:
        return [u.id for u in units_by_id.values() if u.parent_id is None]
    tops = [p for p in viewer.unit_paths if not any(p != q and p.startswith(q) for q in viewer.unit_paths)]
    return [u.id for u in units_by_id.values() if u.path in tops]


# --- the people behind a figure ---------------------------------------------------


def holders_page(requirement, page, per_page, horizon_years=0, today=None):
    """The holders of ``requirement`` now, one row per person, by name.

    Each item: ``(employee, level, valid_until, never_expires, leaving)`` where
    ``leaving`` says the person retires or their competence expires before
    the horizon.
    """
    today = today or date.today()
    horizon = horizon_date(today, horizon_years)
    people = _qualified_people(today, horizon, None, None, [requirement.id], details=True).subquery()
    stmt = (
        select(Employee, people.c.level, people.c.valid_until, people.c.never_expires,
               or_(people.c.retires == 1, people.c.valid_at_horizon == 0))
        .join(people, people.c.employee_id == Employee.id)
        .join(Employee.unit)
        .options(contains_eager(Employee.unit))
        .order_by(Employee.last_name, Employee.first_name, Employee.id)
    )
    return _page_of_rows(stmt, page, per_page)


def non_holders_page(requirement, page, per_page, today=None):
    """Staff the requirement counts (its subtree, its profession) who do not hold it now."""
    today = today or date.today()
    holders = _qualified_people(today, today, None, None, [requirement.id]).subquery()
    unit = db.session.get(Unit, requirement.unit_id)
    stmt = (
        select(Employee)
        .join(Employee.unit)
        .options(contains_eager(Employee.unit))
        .where(Unit.path.startswith(unit.path, autoescape=True))
        .where(employed_on(today))
        .where(Employee.id.not_in(select(holders.c.employee_id)))
        .order_by(Employee.last_name, Employee.first_name, Employee.id)
    )
    if requirement.profession is not None:
        stmt = stmt.where(Employee.profession == requirement.profession)
    return _page_of_rows(stmt, page, per_page)


def held_records(employee_ids, competence_id):
    """Every record of ``competence_id`` the employees have, any source: ``{employee_id: [records]}``."""
    records = {}
    if not employee_ids:
        return records
    stmt = (
        select(HeldCompetence)
        .where(HeldCompetence.employee_id.in_(employee_ids), HeldCompetence.competence_id == competence_id)
        .order_by(HeldCompetence.level.desc(), HeldCompetence.source)
    )
    for record in db.session.scalars(stmt):
        records.setdefault(record.employee_id, []).append(record)
    return records


def _page_of_rows(stmt, page, per_page):
    plan_for_these_dates()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=[tuple(r) if len(r) > 1 else r[0] for r in rows], total=total, page=page, per_page=per_page)
