"""Live figures for a plan: each goal's current value, and the budget.

Goals are measured from the same data as the gap analysis, in a fixed number
of queries per plan however many goals it has: one for the competence goals
bound to a unit, one for those covering the whole municipality, and the unit
figures (grouped queries over all units) for workforce goals.
"""
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..competence.gaps import unit_ancestors
from ..competence.models import UNVERIFIED_SOURCES, HeldCompetence
from ..extensions import db
from ..org.models import Employee, Unit
from ..org.stats import MIN_GROUP, employed_on, figures_by_unit, sees_personal_data
from .models import Goal

# Workforce figures a goal can aim at; shares are percentages.
FIGURES = {
    "part_time_share": _l("Part-time share (%)"),
    "full_time_share": _l("Full-time share (%)"),
    "average_position_percent": _l("Average position size (%)"),
    "headcount": _l("Number of employees"),
    "turnover_rate": _l("Turnover last 12 months (%)"),
}
# Figures where a lower value is the better one (the default direction for new goals).
LOWER_IS_BETTER = {"part_time_share", "turnover_rate"}


def goal_values(goals, today=None):
    """Map goal id -> current value (a Decimal, or None when it cannot be measured)."""
    today = today or date.today()
    values = {}
    competence_goals = [g for g in goals if g.kind == "competence" and g.competence_id]
    values.update(_holder_counts(competence_goals, today))
    workforce_goals = [g for g in goals if g.kind == "workforce" and g.figure]
    if workforce_goals:
        values.update(_workforce_values(workforce_goals, today))
    for goal in goals:
        if goal.kind == "manual":
            values[goal.id] = goal.manual_value
        values.setdefault(goal.id, None)
    return values


def _holder_counts(goals, today):
    """Employees holding each goal's competence at its level today (verified, unexpired)."""
    if not goals:
        return {}
    ids = [g.id for g in goals]
    base = (
        select(Goal.id, func.count(func.distinct(Employee.id)))
        .select_from(Goal)
        .join(HeldCompetence, HeldCompetence.competence_id == Goal.competence_id)
        .join(Employee, Employee.id == HeldCompetence.employee_id)
        .where(
            Goal.id.in_(ids),
            HeldCompetence.level >= func.coalesce(Goal.min_level, 1),
            HeldCompetence.source.not_in(UNVERIFIED_SOURCES),
            or_(HeldCompetence.valid_until.is_(None), HeldCompetence.valid_until >= today),
            employed_on(today),
        )
        .group_by(Goal.id)
    )
    ancestors = unit_ancestors()
    in_unit = base.join(
        ancestors, (ancestors.c.unit_id == Employee.unit_id) & (ancestors.c.ancestor_id == Goal.unit_id)
    )
    everywhere = base.where(Goal.unit_id.is_(None))
    counts = {gid: Decimal(0) for gid in ids}
    for stmt in (in_unit, everywhere):
        counts.update({gid: Decimal(n) for gid, n in db.session.execute(stmt)})
    return counts


def _workforce_values(goals, today):
    units, by_unit = figures_by_unit(today)
    leavers = _leavers_by_unit(units, today) if any(g.figure == "turnover_rate" for g in goals) else {}
    whole = _whole_municipality(units, by_unit)
    values = {}
    for goal in goals:
        figures = by_unit.get(goal.unit_id) if goal.unit_id else whole
        left = leavers.get(goal.unit_id, 0) if goal.unit_id else sum(leavers.get(u.id, 0) for u in units if u.parent_id is None)
        values[goal.id] = figure_value(goal.figure, figures, left)
    return values


def figure_value(figure, figures, leavers=0):
    """One workforce figure from a unit's :class:`~portal.org.stats.Figures`."""
    if figures is None or not figures.headcount:
        return None
    n = figures.headcount
    value = {
        "part_time_share": 100 * figures.part_time / n,
        "full_time_share": 100 * (n - figures.part_time) / n,
        "average_position_percent": figures.percent_sum / n,
        "headcount": n,
        "turnover_rate": 100 * leavers / n,
    }[figure]
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _whole_municipality(units, by_unit):
    from ..org.stats import Figures

    total = Figures()
    for unit in units:
        if unit.parent_id is None:
            total.add(by_unit[unit.id])
    return total


def _leavers_by_unit(units, today):
    """People who left in the last twelve months, per unit including sub-units."""
    year_ago = date(today.year - 1, today.month, min(today.day, 28))
    rows = db.session.execute(
        select(Employee.unit_id, func.count())
        .where(Employee.end_date.is_not(None), Employee.end_date >= year_ago, Employee.end_date < today)
        .group_by(Employee.unit_id)
    ).all()
    own = dict(rows)
    paths = {u.id: u.path for u in units}
    totals = defaultdict(int)
    for unit in units:
        count = own.get(unit.id, 0)
        if count:
            for other in units:
                if unit.path.startswith(other.path):
                    totals[other.id] += count
    return {uid: totals.get(uid, 0) for uid in paths}


def hidden_for(user, goal, value):
    """Whether ``value`` describes fewer than five people and ``user`` only sees aggregates."""
    if sees_personal_data(user) or value is None:
        return False
    if goal.kind == "competence" or goal.figure == "headcount":
        return 0 < value < MIN_GROUP
    return False


def progress(goal, value):
    """How far the goal has come, 0..100, for the progress bar (None when it cannot say)."""
    target = goal.target
    if value is None or target is None:
        return None
    if goal.direction == "at_most":
        if value <= target:
            return 100
        return max(0, min(100, int(100 * target / value))) if value else 0
    if not target:
        return 100
    return max(0, min(100, int(100 * value / target)))


def suggested_verdict(goal, value):
    """reached / partly / not_reached from the value against the target; None when unknown."""
    target = goal.target
    if value is None or target is None:
        return None
    reached = value <= target if goal.direction == "at_most" else value >= target
    if reached:
        return "reached"
    share = progress(goal, value)
    return "partly" if share and share >= 50 else "not_reached"


# --- budget -----------------------------------------------------------------------


def measure_total(measure):
    """The measure's total cost: as entered, else per participant × participants."""
    if measure.cost_nok is not None:
        return measure.cost_nok
    if measure.cost_per_participant is not None and measure.participants:
        return measure.cost_per_participant * measure.participants
    return Decimal(0)


def budget(measures):
    """Totals for the plan and per calendar year, cancelled measures left out.

    A measure running over several years is spread over them by days, which
    is how the municipality's four-year budget (økonomiplan) wants it.
    """
    total, grants, per_year = Decimal(0), Decimal(0), defaultdict(Decimal)
    for measure in measures:
        if measure.status == "cancelled":
            continue
        cost = measure_total(measure)
        total += cost
        grants += measure.external_grants or 0
        for year, share in _year_shares(measure.start, measure.end):
            per_year[year] += (cost * share).quantize(Decimal("1"), ROUND_HALF_UP)
    return {"total": total, "grants": grants, "net": total - grants, "per_year": dict(sorted(per_year.items()))}


def _year_shares(start, end):
    """(year, share of the days) for the span start..end; undated measures count in the start year or not at all."""
    if start is None:
        return []
    end = end if end and end >= start else start
    days = (end - start).days + 1
    shares = []
    for year in range(start.year, end.year + 1):
        first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        shares.append((year, Decimal((last - first).days + 1) / Decimal(days)))
    return shares
