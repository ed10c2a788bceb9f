"""Learning activity pages: log one for many of your staff (form, review, save), the list, one activity.

The logging page is one form that works without JavaScript: "Show" reloads
the staff list for the chosen unit, profession and name (what is ticked and
typed comes along, since it is the same form), "Tick everyone shown" adds the
list to the chosen participants, "Review" shows the changes saving would make
(:func:`.logging.plan_activity`), and "Save" on the review page logs the
activity (:func:`.logging.log_activity`) and commits. A GET takes the same
filter and ``participant_ids`` in the query string, so a link can preselect.
"""
from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from .. import access
from ..competence.models import Competence, CompetenceArea
from ..extensions import db
from ..org.models import Employee, Unit
from ..org.visibility import led_unit_paths, under_paths
from ..pagination import paginate, requested_page
from ..plans.fields import PlanError
from . import bp, logging
from .logging import ACTION_LABELS, FIELD_LABELS, KIND_LABELS, MAX_PARTICIPANTS
from .models import KINDS

PER_PAGE = 25
MAX_SHOWN = 1000
SEARCH_MAX = 100
VALUE_FIELDS = ("title", "kind", "date", "hours", "description", "competence_id", "level_achieved")
FIELD_ORDER = VALUE_FIELDS + ("participant_ids",)


@dataclass
class ActivityForm:
    """The form as typed: values, the staff filter, who is ticked, and the problems by field."""

    values: dict = field(default_factory=dict)
    unit: str = ""
    profession: str = ""
    q: str = ""
    ticked: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_source(cls, source):
        """Read the posted form or the query string (same names)."""
        ticked = []
        for raw in source.getlist("participant_ids")[: MAX_PARTICIPANTS + 1]:
            raw = raw.strip()
            if raw.isdigit() and raw.isascii() and len(raw) <= 10 and int(raw) not in ticked and int(raw) > 0:
                ticked.append(int(raw))
        return cls(
            values={name: source.get(name, "").strip() for name in VALUE_FIELDS},
            unit=source.get("unit", "").strip(),
            profession=source.get("profession", "").strip()[:SEARCH_MAX],
            q=source.get("q", "").strip()[:SEARCH_MAX],
            ticked=ticked,
        )

    def data(self):
        """What :mod:`.logging` reads: the API's field names."""
        return {**self.values, "participant_ids": self.ticked}

    def error(self, name):
        return self.errors.get(name)

    @property
    def field_errors(self):
        """(input id, label, message) in form order, for the summary at the top."""
        return [(name, FIELD_LABELS[name], self.errors[name]) for name in FIELD_ORDER if name in self.errors]


# --- the staff picker -------------------------------------------------------------------


def _staff_units(user):
    """The units the leader leads, with their sub-units, in tree order."""
    return db.session.scalars(select(Unit).where(under_paths(led_unit_paths(user))).order_by(Unit.path)).all()


def _staff_stmt(user):
    return (
        select(Employee)
        .join(Employee.unit)
        .options(contains_eager(Employee.unit))
        .where(logging.staff_condition(user, _today()))
        .order_by(Employee.last_name, Employee.first_name, Employee.id)
    )


def _today():
    from datetime import date

    return date.today()


def _picker(form, user, units):
    """The staff shown for the filter, the ticked ones not shown, the professions; three queries."""
    stmt = _staff_stmt(user)
    unit = next((u for u in units if str(u.id) == form.unit), None)
    if form.unit and unit is None:
        form.errors.setdefault("unit", _("Choose a unit from the list."))
    if unit is not None:
        stmt = stmt.where(Unit.path.startswith(unit.path, autoescape=True))
    if form.profession:
        stmt = stmt.where(Employee.profession == form.profession)
    if form.q:
        pattern = "%" + form.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        name = Employee.first_name + " " + Employee.last_name
        stmt = stmt.where(
            or_(name.ilike(pattern, escape="\\"), Employee.employee_number.ilike(pattern, escape="\\"))
        )
    shown = db.session.scalars(stmt.limit(MAX_SHOWN + 1)).all()
    more = len(shown) > MAX_SHOWN
    shown = shown[:MAX_SHOWN]
    shown_ids = {e.id for e in shown}
    rest = [i for i in form.ticked if i not in shown_ids]
    others = db.session.scalars(_staff_stmt(user).where(Employee.id.in_(rest))).all() if rest else []
    professions = db.session.scalars(
        select(Employee.profession)
        .join(Employee.unit)
        .where(logging.staff_condition(user, _today()))
        .distinct()
        .order_by(Employee.profession)
    ).all()
    return {"shown": shown, "more": more, "others": others, "professions": professions}


def _competences():
    """The catalogue grouped by area, for the competence select."""
    rows = db.session.execute(
        select(Competence, CompetenceArea.name)
        .join(CompetenceArea, CompetenceArea.id == Competence.area_id)
        .order_by(CompetenceArea.name, Competence.name)
    ).all()
    groups = {}
    for competence, area in rows:
        groups.setdefault(area, []).append(competence)
    return list(groups.items())


def _render_form(form, status=200):
    units = _staff_units(current_user)
    picker = _picker(form, current_user, units)
    return (
        render_template(
            "learning/new.html",
            form=form,
            units=units,
            competences=_competences(),
            kinds=[(k, KIND_LABELS[k]) for k in KINDS],
            ticked=set(form.ticked),
            max_shown=MAX_SHOWN,
            **picker,
        ),
        status,
    )


@bp.route("/learning-activities/new", methods=["GET", "POST"])
@access.allow("leader")
def new_activity():
    """Log a learning activity for some of your staff: fill in, pick people, review the changes, save."""
    source = request.form if request.method == "POST" else request.args
    form = ActivityForm.from_source(source)
    if request.method == "GET":
        return _render_form(form)
    step = request.form.get("step", "review")
    if step == "select_all":
        for raw in request.form.getlist("shown_ids"):
            if raw.isdigit() and int(raw) not in form.ticked:
                form.ticked.append(int(raw))
        return _render_form(form)
    if step in ("filter", "change"):
        return _render_form(form)
    if request.form.get("confirm") != "1":
        try:
            preview = logging.plan_activity(form.data(), current_user)
        except PlanError as error:
            form.errors.update(error.problems)
            return _render_form(form, 422)
        return render_template(
            "learning/review.html", form=form, preview=preview, kind_labels=KIND_LABELS, action_labels=ACTION_LABELS
        )
    try:
        activity, preview = logging.log_activity(form.data(), current_user)
        db.session.commit()
    except PlanError as error:
        db.session.rollback()
        form.errors.update(error.problems)
        return _render_form(form, 422)
    except IntegrityError:
        db.session.rollback()
        form.errors["participant_ids"] = _("Someone else changed these competences at the same moment. Please try again.")
        return _render_form(form, 409)
    flash(
        _(
            "The activity \"%(title)s\" is logged for %(count)d participants.",
            title=activity.title,
            count=len(preview.changes),
        ),
        "info",
    )
    return redirect(url_for("learning.activity", activity_id=activity.id))


# --- the list and one activity ---------------------------------------------------------


@bp.get("/learning-activities")
@access.allow("leader", "hr")
def activities():
    """The activities a leader's staff took part in (all for hr), newest first."""
    kind = request.args.get("kind", "")
    status = 200
    error = None
    if kind and kind not in KINDS:
        error, kind, status = _("Choose a kind from the list."), "", 422
    page = paginate(logging.activities_stmt(current_user, kind or None), requested_page(), PER_PAGE)
    _visible, counts = logging.participant_ids_by_activity([a.id for a in page.items], current_user)
    return (
        render_template(
            "learning/activities.html",
            page=page,
            counts=counts,
            kind=kind,
            kind_error=error,
            kinds=[(k, KIND_LABELS[k]) for k in KINDS],
            kind_labels=KIND_LABELS,
        ),
        status,
    )


@bp.get("/learning-activities/<int:activity_id>")
@access.allow()
def activity(activity_id):
    """One activity; participants only as far as the reader may see them (hr, their leaders, themselves)."""
    found = logging.activity_for(activity_id, current_user)
    if found is None:
        abort(404)
    rows, total = logging.participants(found.id, current_user)
    entries = logging.completed_entries(found.id, current_user)
    names = {employee.id: employee.full_name for employee, _unit in rows}
    return render_template(
        "learning/activity.html",
        activity=found,
        rows=rows,
        total=total,
        entries=entries,
        names=names,
        kind_labels=KIND_LABELS,
        creator=found.created_by.username if found.created_by else None,
        may_log=current_user.has_role("leader"),
        hidden_count=total - len(rows),
    )
