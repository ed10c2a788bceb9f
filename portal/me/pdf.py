"""The person's own data as PDF: the JSON export, laid out for a human reader.

Built from the very dictionary :func:`portal.me.data.gather` returns (the
JSON export), so the PDF holds exactly what the JSON holds, in the reader's
language, with a table of contents and bookmarks per section. The only extra
query fetches the names of competences that development entries and learning
activities point to, all at once. Every page is marked "Confidential".
"""
from datetime import date, datetime, timezone

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from reportlab.lib.units import mm
from sqlalchemy import select

from ..admin.forms import ROLE_LABELS
from ..appraisals.editing import local_time
from ..appraisals.views import PREPARATION_LABELS, STATUS_LABELS
from ..competence.models import Competence
from ..competence.profile import ACTION_LABELS, SOURCE_LABELS
from ..extensions import db
from ..learning.logging import KIND_LABELS
from ..reports import document
from ..workflow.definition import title_in
from ..workflow.engine import definitions

WIDTH = 170 * mm



def filename(data):
    """The download name; the employee number makes two people's files easy to tell apart."""
    employee = data.get("employee")
    suffix = employee["employee_number"] if employee else data["user"]["username"]
    return f"mine-data-{_safe(suffix)}.pdf"


def _safe(value):
    return "".join(c for c in str(value) if c.isalnum() or c in "-_") or "data"


def _day(value):
    """An ISO date or date-time from the export, the Norwegian way (local time for moments)."""
    if not value:
        return ""
    if len(value) == 10:
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return local_time(moment).strftime("%d.%m.%Y %H:%M")


def _competence_names(data):
    """Names of every competence the export mentions, by id: the held ones plus one query for the rest."""
    names = {c["competence_id"]: c["name"] for c in data["competences"]}
    wanted = {
        row["competence_id"]
        for row in (*data["development_entries"], *data["learning_activities"])
        if row.get("competence_id") and row["competence_id"] not in names
    }
    if wanted:
        names.update(db.session.execute(select(Competence.id, Competence.name).where(Competence.id.in_(wanted))).all())
    return names


def _appraisal_state(state, locale):
    definition = definitions().get("appraisal")
    if definition is None or state not in definition.states:
        return state
    return title_in(definition.states[state].title, locale)


def render(data, user):
    """``data`` (from :func:`portal.me.data.gather`) of ``user`` as PDF bytes."""
    style = document.styles()
    locale = str(get_locale() or "nb")
    municipality = current_app.config["PORTAL_MUNICIPALITY"]
    employee = data.get("employee")
    name = f"{employee['first_name']} {employee['last_name']}" if employee else data["user"]["username"]
    title = _("My data")
    names = _competence_names(data)

    story = document.cover(
        municipality,
        _("Everything the competence portal holds about you"),
        name,
        [
            (_("User name"), data["user"]["username"]),
            (_("Made"), date.today().strftime("%d.%m.%Y")),
        ],
        WIDTH,
        note=_(
            "This is your copy of the data the portal holds about you (your right of access under the GDPR). "
            "If something is wrong, tell your leader or HR and ask for it to be corrected. "
            "The same data can be downloaded as JSON from the page \"My data\"."
        ),
    )
    story += _personal(data, user, employee, style)
    story += _competences(data, style)
    story += _entries(data, names, style)
    story += _appraisals(data, locale, style)
    story += _learning(data, names, style)
    return document.build(
        story,
        title=title,
        municipality=municipality,
        subject=_("Everything the competence portal holds about %(name)s", name=name),
        marking=_("Confidential"),
    )


def _none(message, style):
    return [document.text(message, style["muted"])]


def _personal(data, user, employee, style):
    story = [document.heading(_("Personal details"))]
    account = data["user"]
    rows = [
        (_("User name"), account["username"]),
        (_("Roles"), ", ".join(str(ROLE_LABELS.get(r, r)) for r in account["roles"]) or "–"),
        (_("Language"), {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}.get(account.get("locale") or "", "–")),
    ]
    if employee:
        unit = user.employee.unit if user.employee is not None else None
        rows = [
            (_("Name"), f"{employee['first_name']} {employee['last_name']}"),
            (_("Employee number"), employee["employee_number"]),
            (_("Date of birth"), _day(employee["birth_date"])),
            (_("Unit"), f"{unit.name} ({employee['unit_code']})" if unit else employee["unit_code"]),
            (_("Profession"), employee["profession"] or "–"),
            (_("Position percentage"), f"{employee['position_percent']:g} %"),
            (_("Hired"), _day(employee["hire_date"])),
            (_("Left"), _day(employee["end_date"]) or "–"),
            *rows,
        ]
        source = _("From the personnel system, except user name, roles and language.")
    else:
        source = _("You have a user account, but no employee record in the portal.")
    story += [document.facts(rows, WIDTH, style["body"]), document.text(source, style["muted"])]

    story.append(document.heading(_("API tokens"), 2))
    if data["api_tokens"]:
        rows = [(_("What for"), _("Created"), _("Expires"), _("Revoked"))]
        rows += [
            (t["label"] or "–", _day(t["created_at"]), _day(t["expires_at"]), _day(t["revoked_at"]) or "–")
            for t in data["api_tokens"]
        ]
        story.append(document.table(rows, [62 * mm, 36 * mm, 36 * mm, 36 * mm], style["small"]))
    else:
        story += _none(_("You have no API tokens."), style)
    return story


def _competences(data, style):
    story = [document.heading(_("Competences"))]
    if data["competences"]:
        rows = [(_("Competence"), _("Area"), _("Level"), _("Source"), _("Achieved"), _("Valid until"))]
        for c in data["competences"]:
            valid = _day(c["valid_until"]) or _("No expiry")
            if c["expired"]:
                valid = _("%(date)s (expired)", date=valid)
            rows.append(
                (
                    c["name"],
                    c["area"],
                    f"{c['level']} / {c['max_level']}",
                    str(SOURCE_LABELS.get(c["source"], c["source"])),
                    _day(c["achieved_on"]),
                    valid,
                )
            )
        story.append(document.table(rows, [44 * mm, 26 * mm, 14 * mm, 34 * mm, 22 * mm, 30 * mm], style["small"]))
        notes = [(c["name"], c["evidence_note"] or c["evidence_url"]) for c in data["competences"]
                 if c.get("evidence_note") or c.get("evidence_url")]
        if notes:
            story.append(document.text(_("Documentation"), style["h3"]))
            story.append(document.facts(notes, WIDTH, style["small"]))
        objections = [
            (f"{c['name']} ({SOURCE_LABELS.get(c['source'], c['source'])}, {_day(c['objected_at'])})", c["objection"])
            for c in data["competences"]
            if c.get("objection")
        ]
        if objections:
            story.append(document.text(_("Your objections"), style["h3"]))
            story.append(document.facts(objections, WIDTH, style["small"]))
    else:
        story += _none(_("No competences are recorded for you."), style)

    story.append(document.heading(_("Changes to your competences"), 2))
    if data["competence_history"]:
        rows = [(_("When"), _("Competence"), _("What"), _("Source"), _("Level"), _("Note"))]
        for h in data["competence_history"]:
            level = f"{h['old_level'] if h['old_level'] is not None else '–'} → {h['new_level'] if h['new_level'] is not None else '–'}"
            rows.append(
                (
                    _day(h["changed_at"]),
                    h["code"],
                    str(ACTION_LABELS.get(h["action"], h["action"])),
                    str(SOURCE_LABELS.get(h["source"], h["source"])),
                    level,
                    h["note"] or "",
                )
            )
        story.append(document.table(rows, [26 * mm, 28 * mm, 26 * mm, 34 * mm, 14 * mm, 42 * mm], style["small"]))
    else:
        story += _none(_("No changes are recorded."), style)

    story.append(document.heading(_("Uploaded documentation"), 2))
    if data["evidence_files"]:
        rows = [(_("File"), _("Competence"), _("Uploaded"))]
        rows += [(f["filename"], f["code"], _day(f["uploaded_at"])) for f in data["evidence_files"]]
        story.append(document.table(rows, [90 * mm, 40 * mm, 40 * mm], style["small"]))
        story.append(document.text(_("The files themselves can be downloaded from your competence profile."), style["muted"]))
    else:
        story += _none(_("You have not uploaded any files."), style)
    return story


def _entries(data, names, style):
    story = [document.heading(_("Development entries"))]
    if not data["development_entries"]:
        return story + _none(_("You have no development entries."), style)
    rows = [(_("Development goal"), _("Competence"), _("Target level"), _("Due date"), _("Status"))]
    for e in data["development_entries"]:
        status = str(STATUS_LABELS.get(e["status"], e["status"]))
        if e.get("status_note"):
            status = f"{status}: {e['status_note']}"
        rows.append(
            (
                e["title"],
                names.get(e["competence_id"], "") if e["competence_id"] else "",
                e["target_level"] if e["target_level"] is not None else "",
                _day(e["due"]),
                status,
            )
        )
    story.append(document.table(rows, [52 * mm, 36 * mm, 20 * mm, 24 * mm, 38 * mm], style["small"]))
    changes = [(e["title"], h) for e in data["development_entries"] for h in e["history"]]
    if changes:
        story.append(document.text(_("Status changes"), style["h3"]))
        rows = [(_("When"), _("Development goal"), _("Status"), _("By"), _("Note"))]
        rows += [
            (
                _day(h["at"]),
                entry_title,
                str(STATUS_LABELS.get(h["to_status"], h["to_status"])),
                h["username"] or "",
                h["note"] or "",
            )
            for entry_title, h in changes
        ]
        story.append(document.table(rows, [28 * mm, 46 * mm, 26 * mm, 24 * mm, 46 * mm], style["small"]))
    return story


def _appraisals(data, locale, style):
    story = [document.heading(_("Appraisal interviews"))]
    if not data["appraisals"]:
        return story + _none(_("You have had no appraisal interviews in the portal."), style)
    for a in data["appraisals"]:
        story.append(document.heading(_("Appraisal interview %(date)s", date=_day(a["scheduled_for"])), 2))
        facts = [
            (_("State"), _appraisal_state(a["state"], locale)),
            (_("Place"), a["location"] or "–"),
            (_("Signed"), _day(a["signed_at"]) or "–"),
        ]
        story.append(document.facts(facts, WIDTH, style["body"]))
        answers = [(str(PREPARATION_LABELS.get(k, k)), v) for k, v in a["preparation"].items() if v and v.strip()]
        story.append(document.text(_("Preparation"), style["h3"]))
        if answers:
            for label, value in answers:
                story += [document.text(label, style["body"]), document.text(value, style["muted"])]
        else:
            story += _none(_("You did not write a preparation."), style)
        story += [
            document.text(_("Summary"), style["h3"]),
            document.text(a["summary"] or "–", style["body"]),
            document.text(_("Your closing comment"), style["h3"]),
            document.text(a["employee_comment"] or "–", style["body"]),
        ]
    return story


def _learning(data, names, style):
    story = [document.heading(_("Learning activities"))]
    if not data["learning_activities"]:
        return story + _none(_("No learning activities are recorded for you."), style)
    rows = [(_("Date"), _("Title"), _("Kind"), _("Hours"), _("Competence"), _("Level"))]
    for a in data["learning_activities"]:
        rows.append(
            (
                _day(a["date"]),
                a["title"],
                str(KIND_LABELS.get(a["kind"], a["kind"])),
                f"{a['hours']:g}",
                names.get(a["competence_id"], "") if a["competence_id"] else "",
                a["level_achieved"] if a["level_achieved"] is not None else "",
            )
        )
    story.append(document.table(rows, [22 * mm, 48 * mm, 30 * mm, 14 * mm, 40 * mm, 16 * mm], style["small"]))
    return story
