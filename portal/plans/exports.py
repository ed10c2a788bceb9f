"""A plan's goals and measures as tables for CSV and XLSX.

Built from :func:`.pages.content`, the same function the plan page uses, so
the live values are computed in the same fixed number of queries and hidden
exactly as the page hides them: a value about fewer than five people is an
empty cell with a note for readers who only see aggregates
(:func:`.figures.hidden_for`), and so is such a reached value.

Enumerations come twice: the code (``kind``, ``verdict``...) for scripts and
the name in the reader's language beside it, for people.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..reports import files, tabular
from .catalogue import GOAL_KIND_LABELS, MEASURE_KINDS, STATUS_LABELS, STRATEGY_LABELS, VERDICT_LABELS
from .figures import FIGURES, hidden_for, measure_total
from .pages import content

GOAL_COLUMNS = tabular.columns(
    ("goal_id", _l("Goal id"), "int"),
    ("title", _l("Goal")),
    ("kind", _l("Kind code")),
    ("kind_name", _l("Kind of goal")),
    ("unit_code", _l("Unit code")),
    ("unit_name", _l("Unit")),
    ("competence_code", _l("Competence code")),
    ("competence_name", _l("Competence")),
    ("min_level", _l("Minimum level"), "int"),
    ("figure", _l("Workforce figure")),
    ("direction", _l("Direction")),
    ("target", _l("Target"), "decimal"),
    ("baseline_value", _l("Value when the goal was set"), "decimal"),
    ("current_value", _l("Current value"), "decimal"),
    ("target_date", _l("Target date"), "date"),
    ("verdict", _l("Verdict code")),
    ("verdict_name", _l("Verdict")),
    ("reached_value", _l("Reached value"), "decimal"),
    ("note", _l("Note")),
)
MEASURE_COLUMNS = tabular.columns(
    ("measure_id", _l("Measure id"), "int"),
    ("goal_id", _l("Goal id"), "int"),
    ("goal_title", _l("Goal")),
    ("kind", _l("Kind code")),
    ("kind_name", _l("Kind of measure")),
    ("strategy", _l("Strategy code")),
    ("strategy_name", _l("Strategy")),
    ("title", _l("Name of the measure")),
    ("responsible", _l("Responsible")),
    ("target_group", _l("Target group")),
    ("start", _l("Start"), "date"),
    ("end", _l("End"), "date"),
    ("participants", _l("Participants"), "int"),
    ("cost_per_participant", _l("Cost per participant (NOK)"), "money"),
    ("cost_nok", _l("Total cost (NOK)"), "money"),
    ("external_grants", _l("External grants (NOK)"), "money"),
    ("cost_centre", _l("Cost centre")),
    ("status", _l("Status code")),
    ("status_name", _l("Status")),
)


def _label(labels, key):
    label = labels.get(key) if key else None
    return str(label) if label is not None else key


def goals_table(plan, user, shown=None):
    """One row per goal, values as ``user`` may see them (``shown``: :func:`.pages.content` if already made)."""
    shown = shown or content(plan, user)
    table = tabular.Table(_("Goals"), GOAL_COLUMNS)
    for view in shown["goals"]:
        goal = view.goal
        reached_hidden = bool(goal.verdict) and hidden_for(user, goal, goal.reached_value)
        baseline = getattr(goal, "baseline_value", None)
        baseline_hidden = hidden_for(user, goal, baseline)
        table.add(
            goal_id=goal.id,
            title=goal.title,
            kind=goal.kind,
            kind_name=_label(GOAL_KIND_LABELS, goal.kind),
            unit_code=goal.unit.code if goal.unit else None,
            unit_name=goal.unit.name if goal.unit else _("The whole municipality"),
            competence_code=goal.competence.code if goal.competence else None,
            competence_name=goal.competence.name if goal.competence else None,
            min_level=(goal.min_level or 1) if goal.kind == "competence" else None,
            figure=_label(FIGURES, goal.figure) if goal.kind == "workforce" else None,
            direction=goal.direction,
            target=goal.target,
            baseline_value=None if baseline_hidden else baseline,
            current_value=view.value,
            target_date=goal.target_date,
            verdict=goal.verdict,
            verdict_name=_label(VERDICT_LABELS, goal.verdict),
            reached_value=None if reached_hidden else (goal.reached_value if goal.verdict else None),
            note=_("Not shown: fewer than 5 people") if view.hidden or reached_hidden or baseline_hidden else None,
        )
    return table


def measures_table(plan):
    """One row per measure, those toward a goal first in goal order, then those without one."""
    titles = {g.id: g.title for g in plan.goals}
    order = {g.id: i for i, g in enumerate(plan.goals)}
    measures = sorted(plan.measures, key=lambda m: (m.goal_id not in order, order.get(m.goal_id, 0), m.id))
    table = tabular.Table(_("Measures"), MEASURE_COLUMNS)
    for m in measures:
        kind = MEASURE_KINDS.get(m.kind)
        table.add(
            measure_id=m.id,
            goal_id=m.goal_id,
            goal_title=titles.get(m.goal_id),
            kind=m.kind,
            kind_name=str(kind[0]) if kind else m.kind,
            strategy=m.strategy,
            strategy_name=_label(STRATEGY_LABELS, m.strategy),
            title=m.title,
            responsible=m.responsible or None,
            target_group=m.target_group or None,
            start=m.start,
            end=m.end,
            participants=m.participants,
            cost_per_participant=m.cost_per_participant,
            cost_nok=measure_total(m),
            external_grants=m.external_grants,
            cost_centre=m.cost_centre or None,
            status=m.status,
            status_name=_label(STATUS_LABELS, m.status),
        )
    return table


def filename(plan, what, extension):
    """``kompetanseplan-12-maal.csv``: the plan's id tells files of different plans apart."""
    return f"kompetanseplan-{plan.id}{'-' + what if what else ''}.{extension}"


def goals_csv(plan, user):
    return files.download(tabular.to_csv(goals_table(plan, user)), "csv", filename(plan, "maal", "csv"), private=True)


def measures_csv(plan):
    return files.download(tabular.to_csv(measures_table(plan)), "csv", filename(plan, "tiltak", "csv"), private=True)


def plan_xlsx(plan, user):
    """Both tables in one workbook, a sheet each."""
    body = tabular.to_xlsx(goals_table(plan, user), measures_table(plan))
    return files.download(body, "xlsx", filename(plan, "", "xlsx"), private=True)
