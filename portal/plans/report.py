"""The competence plan as a PDF the chief executive can put before the council unedited.

Cover (municipality, title, scope, period, stage, version, date printed), a
table of contents, purpose and platform, the goals with their figures and two
charts, the measures per goal with the budget, a sign-off page and the
workflow history as an appendix. Everything in the reader's language.

The figures are those of the plan page (:func:`.pages.content`), for the same
reader: a goal value about fewer than five people prints as "under 5" for a
reader who sees aggregates only, and so does any figure computed from it (the
gap, the share of the target, the suggested verdict), since the target is
public and would give the value away. The report is built in a fixed number
of queries whatever the plan's size: the plan with its goals and measures,
the goal values, the sign-offs, the history and the people who signed.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from flask_babel import get_locale, to_user_timezone
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..formatting import isodate
from ..org.models import User
from ..reports import charts, document
from ..workflow import engine
from ..workflow.definition import title_in
from . import pages
from .catalogue import (
    DIRECTION_LABELS,
    MEASURE_KINDS,
    PLATFORM_QUESTIONS,
    STATUS_LABELS,
    STRATEGY_LABELS,
    VERDICT_LABELS,
    WORKING_GROUP_LABELS,
)
from .figures import FIGURES, hidden_for, measure_total, progress
from .views import describe_change, state_title, when
from .views_content import plan_nok, plan_number

WIDTH = 170 * mm
CHART_ROWS = 24  # bars per chart: 24 single or 12 paired bars fill about half a page


# Narrow cell padding: the tables have many columns on a portrait page.
TIGHT = (("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3))


def _table(rows, widths, style, extra=TIGHT):
    """A report table set flush left like the text around it."""
    made = document.table(rows, widths, style, extra=extra)
    made.hAlign = "LEFT"
    return made


def filename(plan):
    """The download name, the same in every language."""
    return f"kompetanseplan-{plan.id}.pdf"


def render(plan, user):
    """The plan as PDF bytes for ``user``, in the current reader's language.

    ``plan`` comes from :func:`.pages.load_plan` (goals and measures loaded).
    """
    style = document.styles()
    locale = str(get_locale() or "nb")
    municipality = current_app.config["PORTAL_MUNICIPALITY"]
    content = pages.content(plan, user)
    history = engine.history(plan)
    signoffs = engine.all_signoffs(plan)
    people = _people({row.user_id for row in history} | {row.user_id for row in signoffs})
    goals = [_goal_row(view, user) for view in content["goals"]]

    story = _cover(plan, municipality, locale, content)
    story += _purpose(plan, style)
    story += _goals(goals, style)
    story += _measures(content, goals, style)
    story += _signoffs(plan, signoffs, history, people, style, locale)
    story += _history(plan, history, people, style, locale)
    return document.build(
        story,
        title=plan.title,
        municipality=municipality,
        author=municipality,
        subject=_("Competence plan"),
    )


# --- names ----------------------------------------------------------------------------


def _people(user_ids):
    """Full names by user id, for the users with an employee record, in one query."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    users = db.session.scalars(select(User).where(User.id.in_(ids)).options(joinedload(User.employee)))
    return {u.id: u.employee.full_name for u in users if u.employee is not None}


def _name(people, row):
    """Who signed or acted: the full name, else the user name stored with the row (also for deleted users)."""
    return people.get(row.user_id) or row.username


# --- cover and contents ---------------------------------------------------------------------


def _period(plan):
    if plan.period_start or plan.period_end:
        return f"{isodate(plan.period_start)}–{isodate(plan.period_end)}"
    return _("Not set")


def _cover(plan, municipality, locale, content):
    money = content["budget"]
    measures = len(content["loose_measures"]) + sum(len(view.measures) for view in content["goals"])
    facts = [
        (_("Scope"), plan.scope_unit.name if plan.scope_unit else _("Whole municipality")),
        (_("Period"), _period(plan)),
        (_("Stage"), engine.state_title(plan, locale)),
        (_("Goals"), len(content["goals"])),
        (_("Measures"), measures),
        (_("Net cost for the municipality"), f"{plan_nok(money['net'])} {_('NOK')}"),
        (_("Version"), plan.version),
        (_("Printed"), isodate(to_user_timezone(datetime.now(timezone.utc)).date())),
    ]
    return document.cover(municipality, _("Competence plan"), plan.title, facts, WIDTH)


# --- purpose ------------------------------------------------------------------------------


def _purpose(plan, style):
    story = [
        document.heading(_("Purpose and platform")),
        document.text(_("Mandate"), style["h3"]),
        document.text(plan.mandate or _("Not written yet."), style["body"]),
        document.text(_("Purpose"), style["h3"]),
        document.text(plan.purpose or _("Not written yet."), style["body"]),
        document.heading(_("Platform questions"), 2),
    ]
    answers = plan.platform or {}
    for key, question in PLATFORM_QUESTIONS.items():
        story += [
            document.text(str(question), style["h3"]),
            document.text(answers.get(key) or _("Not answered yet."), style["body"]),
        ]
    story.append(document.heading(_("Working group"), 2))
    members = [m for m in plan.working_group or [] if isinstance(m, dict)]
    if members:
        rows = [(_("Name"), _("Role"))]
        for member in members:
            role = member.get("role") or ""
            rows.append((member.get("name", ""), str(WORKING_GROUP_LABELS.get(role, role))))
        story.append(_table(rows, [90 * mm, WIDTH - 90 * mm], style["body"], ()))
    else:
        story.append(document.text(_("No members are named yet."), style["muted"]))
    return story


# --- goals --------------------------------------------------------------------------------


@dataclass
class GoalRow:
    """A goal's figures as this reader may see them; ``None`` with ``*_hidden`` means "under 5"."""

    title: str
    unit: str
    target_text: str
    target: object
    baseline: object
    baseline_hidden: bool
    now: object  # the reached value once evaluated, else the live value
    now_hidden: bool
    progress: int | None
    verdict: str
    gap_before: object
    gap_now: object


def target_text(goal):
    """What the goal aims at, in words (as the plan page writes it)."""
    if goal.kind == "competence":
        return _(
            "%(count)s holding %(competence)s at level %(level)s or higher",
            count=goal.target_count,
            competence=goal.competence.name if goal.competence else "?",
            level=goal.min_level or 1,
        )
    direction = str(DIRECTION_LABELS.get(goal.direction, goal.direction))
    if goal.kind == "workforce":
        return _(
            "%(figure)s: %(direction)s %(value)s",
            figure=FIGURES.get(goal.figure, goal.figure),
            direction=direction.lower(),
            value=plan_number(goal.target_value),
        )
    return _("%(direction)s %(value)s", direction=direction, value=plan_number(goal.target_value))


def _gap(goal, value):
    """How far ``value`` is from the target, in the goal's own unit (0 once reached)."""
    target = goal.target
    if value is None or target is None:
        return None
    distance = value - target if goal.direction == "at_most" else target - value
    return max(distance, 0)


def _goal_row(view, user):
    goal = view.goal
    baseline, baseline_hidden = view.baseline, view.baseline_hidden  # measured when the goal was set
    if goal.verdict:
        now = goal.reached_value
        now_hidden = hidden_for(user, goal, now)
        verdict = str(VERDICT_LABELS.get(goal.verdict, goal.verdict))
    else:
        now, now_hidden = view.value, view.hidden
        if view.suggested and not view.hidden:
            verdict = _("Suggested: %(verdict)s", verdict=VERDICT_LABELS.get(view.suggested, view.suggested))
        else:
            verdict = _("Not evaluated yet")
    return GoalRow(
        title=goal.title,
        unit=goal.unit.name if goal.unit else _("The whole municipality"),
        target_text=target_text(goal),
        target=goal.target,
        baseline=baseline,
        baseline_hidden=baseline_hidden,
        now=None if now_hidden else now,
        now_hidden=now_hidden,
        progress=None if now_hidden else progress(goal, now),
        verdict=verdict,
        gap_before=_gap(goal, baseline),
        gap_now=None if now_hidden else _gap(goal, now),
    )


def _figure(value, hidden):
    """A figure for a table cell: "under 5" when hidden, "Not measured" when unknown."""
    if hidden:
        return _("under 5")
    if value is None:
        return _("Not measured")
    return plan_number(value)


def _float(value):
    """A figure as the chart library computes with it (it does not mix Decimal and float)."""
    return None if value is None else float(value)


def _missing(values):
    """What a chart writes where it draws no bar: ``values`` are (value, hidden) pairs.

    "under 5" when every missing bar is a hidden figure, "Not measured" when
    none is, and the neutral "not shown" when both occur (the table under the
    chart says which is which).
    """
    reasons = {hidden for value, hidden in values if value is None}
    if reasons == {True}:
        return _("under 5")
    if reasons == {False}:
        return _("Not measured")
    return _("not shown") if reasons else ""


def _goals(goals, style):
    story = [document.heading(_("Goals"))]
    if not goals:
        story.append(document.text(_("The plan has no goals yet."), style["muted"]))
        return story
    rows = [(_("Goal"), _("Unit"), _("Target"), _("Baseline"), _("Now or reached"), _("Verdict"))]
    for row in goals:
        rows.append((row.title, row.unit, row.target_text, _figure(row.baseline, row.baseline_hidden),
                     _figure(row.now, row.now_hidden), row.verdict))
    widths = [38 * mm, 30 * mm, 36 * mm, 22 * mm, 20 * mm, 24 * mm]
    story.append(_table(rows, widths, style["small"]))
    story.append(document.text(
        _("Baseline: the value when the goal was set. Once a goal is evaluated, the value reached at the evaluation "
          "is shown; before that, today's value."), style["muted"]))
    return story + _progress(goals, style) + _gaps(goals, style)


def _chunks(goals, size):
    """The goals in runs of ``size``: one chart per run, so a long plan's chart never outgrows a page."""
    return [goals[i : i + size] for i in range(0, len(goals), size)]


def _progress(goals, style):
    """Share of each target reached, as bars and then as a table."""
    story = [CondPageBreak(70 * mm), document.heading(_("Progress toward the goals"), 2)]
    missing = _missing([(row.progress, row.now_hidden) for row in goals])
    for n, part in enumerate(_chunks(goals, CHART_ROWS)):
        bars = [(row.title, row.progress) for row in part]
        title = _("Share of the target reached (%)") if n == 0 else ""
        story.append(charts.bars(bars, width=WIDTH, title=title, hidden_text=missing))
    rows = [(_("Goal"), _("Now or reached"), _("Target"), _("Share of the target"))]
    for row in goals:
        share = _("under 5") if row.now_hidden else ("–" if row.progress is None else f"{row.progress} %")
        rows.append((row.title, _figure(row.now, row.now_hidden), plan_number(row.target), share))
    story.append(_table(rows, [80 * mm, 30 * mm, 30 * mm, 30 * mm], style["small"]))
    return story


def _gaps(goals, style):
    """The distance to each target when the goal was set and now, as paired bars and then as a table."""
    story = [CondPageBreak(70 * mm), document.heading(_("Gap before and now"), 2)]
    before, now = _("Gap when the goal was set"), _("Gap now")
    missing = _missing([(r.gap_before, r.baseline_hidden) for r in goals] + [(r.gap_now, r.now_hidden) for r in goals])
    for n, part in enumerate(_chunks(goals, CHART_ROWS // 2)):
        story.append(charts.grouped_bars(
            [row.title for row in part],
            [(before, [_float(row.gap_before) for row in part]), (now, [_float(row.gap_now) for row in part])],
            width=WIDTH,
            title=_("Distance to the target, in the goal's own unit") if n == 0 else "",
            hidden_text=missing,
        ))
    rows = [(_("Goal"), _("Target"), before, now)]
    for row in goals:
        rows.append((row.title, plan_number(row.target), _figure(row.gap_before, row.baseline_hidden),
                     _figure(row.gap_now, row.now_hidden)))
    story.append(_table(rows, [80 * mm, 30 * mm, 30 * mm, 30 * mm], style["small"]))
    story.append(document.text(
        _("The gap is how far the value is from the target; 0 means the target is reached."), style["muted"]))
    return story


# --- measures and budget --------------------------------------------------------------------


def _measure_table(measures, style):
    kinds = {key: label for key, (label, _strategy) in MEASURE_KINDS.items()}
    rows = [(_("Measure"), _("Responsible"), _("Period"), _("Participants"), _("Cost (NOK)"), _("Status"))]
    for m in measures:
        period = f"{isodate(m.start)}–\n{isodate(m.end)}" if m.start or m.end else _("Not set")
        cost = plan_nok(measure_total(m))
        if m.external_grants:
            cost += "\n" + _("external grants %(amount)s NOK", amount=plan_nok(m.external_grants))
        rows.append((
            f"{m.title}\n{kinds.get(m.kind, m.kind)} · {STRATEGY_LABELS.get(m.strategy, m.strategy)}",
            m.responsible or "–",
            period,
            m.participants if m.participants is not None else "–",
            cost,
            str(STATUS_LABELS.get(m.status, m.status)),
        ))
    widths = [50 * mm, 30 * mm, 22 * mm, 23 * mm, 24 * mm, 21 * mm]
    return _table(rows, widths, style["small"])


def _measures(content, goals, style):
    story = [PageBreak(), document.heading(_("Measures"))]
    views, loose = content["goals"], content["loose_measures"]
    if not views and not loose:
        story.append(document.text(_("Measures are chosen once the goals are approved."), style["muted"]))
    for view in views:
        story.append(document.heading(_("Toward the goal “%(title)s”", title=view.goal.title), 2))
        if view.measures:
            story.append(_measure_table(view.measures, style))
        else:
            story.append(document.text(_("No measure for this goal yet."), style["muted"]))
    if loose:
        story += [document.heading(_("Measures without a goal"), 2), _measure_table(loose, style)]

    money = content["budget"]
    nok = _("NOK")
    part = [document.heading(_("Budget"), 2)]
    totals = [
        (_("Total cost"), f"{plan_nok(money['total'])} {nok}"),
        (_("External grants"), f"{plan_nok(money['grants'])} {nok}"),
        (_("Net cost for the municipality"), f"{plan_nok(money['net'])} {nok}"),
    ]
    part.append(_table([(_("What"), _("Amount")), *totals], [90 * mm, 50 * mm], style["body"], ()))
    if money["per_year"]:
        caption = document.text(_("Cost per year, for the budget plan (økonomiplan)"), style["h3"])
        part += [Spacer(1, 3 * mm), caption]
        rows = [(_("Year"), _("Cost (NOK)"))] + [(year, plan_nok(amount)) for year, amount in money["per_year"].items()]
        part.append(_table(rows, [40 * mm, 50 * mm], style["body"], ()))
    part.append(document.text(
        _("Cancelled measures are not counted. A measure running over several years is spread over them by days; "
          "measures without a start date are in the total only."), style["muted"]))
    story.append(KeepTogether(part))
    return story


# --- sign-offs ---------------------------------------------------------------------------------


def counted_versions(plan, history):
    """(state, version, capacity) of the decisions that still count or carried the plan through a gate.

    A decision is bound to a version: it counts while the plan is at that
    version, and it carried a gate when a transition that needs that capacity
    fired from it (the history row of a transition holds the version after
    it, one more than the one signed). Every other decision was for a
    version that later changed.
    """
    definition = engine.definition_for(plan)
    counted = set()
    for row in history:
        if row.kind != "transition" or not row.from_state:
            continue
        step = definition.transition(row.transition, row.from_state)
        for capacity in step.signoffs if step else ():
            counted.add((row.from_state, row.version - 1, capacity))
    for capacity in definition.capacities_at(plan.state):
        counted.add((plan.state, plan.version, capacity))
    return counted


def _signoffs(plan, signoffs, history, people, style, locale):
    story = [
        PageBreak(),
        document.heading(_("Sign-offs")),
        document.text(_(
            "A signature is given for one version of the plan. When the plan changes, it gets a new version, and "
            "approvals of the older version no longer count. The plan is now at version %(version)d.",
            version=plan.version,
        ), style["body"]),
    ]
    counted = counted_versions(plan, history)
    decisions = {"approve": _("Approved"), "reject": _("Rejected")}
    rows = [(_("Stage"), _("Signed as"), _("Name"), _("Decision"), _("Date"), _("Version"))]
    for signoff in signoffs:
        version = str(signoff.version)
        if (signoff.state, signoff.version, signoff.capacity) not in counted:
            version = _("%(version)s – for an older version", version=signoff.version)
        rows.append((
            state_title(signoff.state, locale),
            str(engine.CAPACITY_TITLES.get(signoff.capacity, signoff.capacity)),
            _name(people, signoff),
            decisions.get(signoff.decision, signoff.decision),
            when(signoff.at),
            version,
        ))
    signed_now = {s.capacity for s in signoffs if s.version == plan.version and s.state == plan.state}
    for capacity in engine.definition_for(plan).capacities_at(plan.state):
        if capacity not in signed_now:
            rows.append((state_title(plan.state, locale), str(engine.CAPACITY_TITLES.get(capacity, capacity)), "",
                         _("Not signed yet."), "", plan.version))
    if len(rows) > 1:
        widths = [24 * mm, 26 * mm, 36 * mm, 20 * mm, 24 * mm, 40 * mm]
        story.append(_table(rows, widths, style["small"]))
    else:
        story.append(document.text(_("Nobody has signed the plan yet."), style["muted"]))
    return story


# --- history ----------------------------------------------------------------------------------


def _step(entry, definition, locale):
    """What one history row did, in words (as on the plan page)."""
    if entry.kind == "create":
        return _("Plan created")
    if entry.kind == "transition":
        step = definition.transition(entry.transition, entry.from_state) if entry.from_state else None
        return title_in(step.title, locale) if step else entry.transition
    if entry.kind == "signoff":
        decision, _sep, capacity = entry.transition.partition(":")
        who = str(engine.CAPACITY_TITLES.get(capacity, capacity)).lower()
        if decision == "approve":
            return _("Approved on behalf of %(capacity)s", capacity=who)
        return _("Rejected on behalf of %(capacity)s", capacity=who)
    details = [describe_change(change) for change in entry.changes or []]
    return "\n".join([_("Changed"), *(f"– {line}" for line in details)])


def _history(plan, history, people, style, locale):
    definition = engine.definition_for(plan)
    story = [PageBreak(), document.heading(_("Appendix: history of the plan"))]
    rows = [(_("When"), _("Who"), _("What"), _("Stage"), _("Version"), _("Comment"))]
    for entry in history:
        to = state_title(entry.to_state, locale)
        moved = entry.from_state and entry.from_state != entry.to_state
        stages = f"{state_title(entry.from_state, locale)} → {to}" if moved else to
        rows.append((when(entry.at), _name(people, entry), _step(entry, definition, locale), stages,
                     entry.version, entry.comment or ""))
    widths = [24 * mm, 28 * mm, 44 * mm, 28 * mm, 15 * mm, 31 * mm]
    story.append(_table(rows, widths, style["small"]))
    return story
