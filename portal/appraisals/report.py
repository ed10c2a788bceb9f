"""The appraisal summary as PDF, for the employee and their leader only.

A signed appraisal is read-only; this is the copy both keep. It holds who and
when, the state, the employee's preparation, the summary, the development
entries agreed, the employee's closing comment and every signature the
workflow engine recorded (capacity, person, decision, version, date). All
texts are in the reader's language; every page footer says "Confidential".
Access is checked by the caller (``visibility.appraisal_or_404``).
"""
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..org.models import Employee, User
from ..reports import document
from ..workflow import engine
from . import editing
from .models import PREPARATION_KEYS
from .views import PREPARATION_LABELS, STATUS_LABELS

WIDTH = 170 * mm


def filename(appraisal):
    """The download name, the same in every language (the file is shared between the two)."""
    return f"medarbeidersamtale-{appraisal.id}.pdf"


def _when(value, with_time=True):
    if value is None:
        return ""
    local = editing.local_time(value) if hasattr(value, "hour") else value
    return local.strftime("%d.%m.%Y %H:%M" if with_time and hasattr(local, "hour") else "%d.%m.%Y")


def _people(user_ids):
    """The signatories by id, with their employee record, in one query."""
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    rows = db.session.scalars(select(User).where(User.id.in_(ids)).options(joinedload(User.employee))).all()
    return {row.id: row for row in rows}


def _person(user, username):
    if user is not None and user.employee is not None:
        return f"{user.employee.full_name} ({username})"
    return username


def render(appraisal):
    """The appraisal summary as PDF bytes, in the current reader's language."""
    style = document.styles()
    locale = str(get_locale() or "nb")
    employee = db.session.get(Employee, appraisal.employee_id)
    municipality = current_app.config["PORTAL_MUNICIPALITY"]
    title = _("Appraisal interview summary")
    name = employee.full_name if employee else ""
    story = [document.text(title, style["title"]), document.text(name, style["h2"])]

    facts = [
        (_("Employee"), name),
        (_("Unit"), employee.unit.name if employee and employee.unit else ""),
        (_("Leader"), _person(appraisal.created_by, appraisal.created_by.username) if appraisal.created_by else ""),
        (_("Date and time"), _when(appraisal.scheduled_for)),
        (_("Place"), appraisal.location or ""),
        (_("State"), engine.state_title(appraisal, locale)),
        (_("Signed"), _when(appraisal.signed_at)),
    ]
    story.append(document.table([(_("Field"), _("Value")), *facts], [50 * mm, WIDTH - 50 * mm], style["body"]))

    story.append(document.text(_("Preparation"), style["h2"]))
    answers = [(str(PREPARATION_LABELS[key]), (appraisal.preparation or {}).get(key)) for key in PREPARATION_KEYS]
    answers = [(label, value) for label, value in answers if isinstance(value, str) and value.strip()]
    if not answers:
        story.append(document.text(_("The employee did not write a preparation."), style["muted"]))
    for label, value in answers:
        story += [document.text(label, style["h3"]), document.text(value, style["body"])]

    story += [document.text(_("Summary"), style["h2"]), document.text(appraisal.summary or "–", style["body"])]

    story.append(document.text(_("Development entries"), style["h2"]))
    entries = editing.agreed_entries(appraisal)
    if entries:
        rows = [(_("Development goal"), _("Competence"), _("Target level"), _("Measure"), _("Due date"), _("Status"))]
        for entry in entries:
            rows.append(
                (
                    entry.title,
                    entry.competence.name if entry.competence else "",
                    entry.target_level if entry.target_level is not None else "",
                    entry.measure.title if entry.measure else "",
                    _when(entry.due, with_time=False),
                    str(STATUS_LABELS.get(entry.status, entry.status)),
                )
            )
        widths = [42 * mm, 30 * mm, 18 * mm, 32 * mm, 22 * mm, 26 * mm]
        story.append(document.table(rows, widths, style["small"]))
    else:
        story.append(document.text(_("No development entries were agreed."), style["muted"]))

    story += [
        document.text(_("The employee's closing comment"), style["h2"]),
        document.text(appraisal.employee_comment or "–", style["body"]),
    ]

    story.append(document.text(_("Signatures"), style["h2"]))
    signoffs = engine.all_signoffs(appraisal)
    if signoffs:
        people = _people(s.user_id for s in signoffs)
        decisions = {"approve": _("Approved"), "reject": _("Rejected")}
        capacities = {"employee": _("Employee"), "leader": _("Leader")}  # one person each in an interview
        rows = [(_("Signed as"), _("Name"), _("Decision"), _("Version"), _("Date"))]
        for signoff in signoffs:
            rows.append(
                (
                    capacities.get(signoff.capacity) or str(engine.CAPACITY_TITLES.get(signoff.capacity, signoff.capacity)),
                    _person(people.get(signoff.user_id), signoff.username),
                    decisions.get(signoff.decision, signoff.decision),
                    signoff.version,
                    _when(signoff.at),
                )
            )
        story.append(document.table(rows, [30 * mm, 60 * mm, 25 * mm, 18 * mm, 37 * mm], style["body"]))
    else:
        story.append(document.text(_("Not signed yet."), style["muted"]))
    story.append(Spacer(1, 4 * mm))

    return document.build(
        story,
        title=title,
        municipality=municipality,
        author=municipality,
        subject=_("Appraisal interview with %(name)s", name=name),
        marking=_("Confidential"),
    )
