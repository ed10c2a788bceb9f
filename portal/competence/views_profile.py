"""Pages: an employee's competence profile, assessments, self-assessment and evidence.

The profile itself is a section of ``/employees/<id>`` (the org area's page):
the template calls ``competence_profile(person)``, provided here by a context
processor, so the org view stays unaware of competences. The forms live on
their own pages, so a failed submission can be shown again with its errors
and nothing half-written.
"""
from datetime import date
from io import BytesIO

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from .. import access
from ..extensions import db
from ..pagination import requested_page
from . import bp
from .objections import OBJECTION_MAX, objectable, record_objection, withdraw_objection
from .profile import (
    MAX_URL_LENGTH,
    ProfileError,
    assessable_employee,
    catalogue,
    check_upload,
    confirm_self_assessment,
    SOURCE_LABELS,
    evidence_file_for,
    load_profile,
    own_employee,
    record_assessment,
    record_self_assessment,
)

NOTE_MAX = 5000


def _int_or_none(value):
    """Coerce a select's value; an empty or foreign value becomes ``None`` (checked later)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SelfAssessmentForm(FlaskForm):
    """What the employee thinks they master."""

    competence_id = SelectField(_l("Competence"), coerce=_int_or_none, validate_choice=False)
    level = IntegerField(
        _l("Level"),
        validators=[InputRequired(message=_l("Give a level."))],
        invalid_value_message=_l("The level must be a whole number."),
    )
    evidence_note = TextAreaField(
        _l("What is it based on? (optional)"),
        validators=[Length(max=NOTE_MAX, message=_l("At most %(max)d characters.", max=NOTE_MAX))],
    )
    evidence_url = StringField(
        _l("Link (optional)"),
        validators=[Length(max=MAX_URL_LENGTH, message=_l("At most %(max)d characters.", max=MAX_URL_LENGTH))],
    )


class AssessmentForm(SelfAssessmentForm):
    """A leader's assessment or assessment of prior learning, with evidence."""

    achieved_on = DateField(
        _l("Date of the assessment"),
        validators=[InputRequired(message=_l("Give the date of the assessment."))],
        invalid_value_message=_l("Write the date as YYYY-MM-DD."),
    )
    valid_until = DateField(
        _l("Valid until (optional)"),
        validators=[Optional()],
        invalid_value_message=_l("Write the date as YYYY-MM-DD."),
    )
    evidence_note = TextAreaField(
        _l("Evidence"),
        validators=[Length(max=NOTE_MAX, message=_l("At most %(max)d characters.", max=NOTE_MAX))],
    )
    evidence_file = FileField(
        _l("Certificate or diploma (optional)"),
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )


class ObjectionForm(FlaskForm):
    """The employee's own words on why an assessment is wrong."""

    objection = TextAreaField(
        _l("What do you disagree with, and why?"),
        validators=[
            InputRequired(message=_l("Write what you disagree with.")),
            Length(max=OBJECTION_MAX, message=_l("At most %(max)d characters.", max=OBJECTION_MAX)),
        ],
    )


def _competence_choices(competences):
    """The catalogue as select options: area, name and the level scale."""
    choices = [SelectChoice("", _("Choose a competence"))]
    for c in competences:
        choices.append(
            SelectChoice(c.id, _("%(area)s: %(name)s (levels 1 to %(max)s)", area=c.area.name, name=c.name, max=c.max_level))
        )
    return choices


def _profile_url(person):
    return url_for("org.employee", employee_id=person.id) + "#competences"


def _has_errors(form):
    return any(f.errors for f in form)


def _apply_error(form, error):
    db.session.rollback()
    field = getattr(form, error.field, None) or form.competence_id
    field.errors = list(field.errors) + [error.message]


# --- the profile section on /employees/<id> ---------------------------------------


def _profile_for_page(person):
    """The profile of ``person`` for the current user (called from the template)."""
    return load_profile(person, current_user, history_page=requested_page("history_page"))


def _when(value):
    """A stored time in the reader's time zone (Europe/Oslo)."""
    return format_datetime(value, "short") if value is not None else ""


@bp.app_context_processor
def _profile_helpers():
    return {"competence_profile": _profile_for_page, "profile_when": _when}


# --- forms ----------------------------------------------------------------------


def _form_page(form, person, save, saved, template, **context):
    """Save a valid POST with ``save()`` and go back to the profile; otherwise show the form.

    A ``ProfileError`` from ``save`` marks its field, and a form with errors
    answers 422, so every profile form refuses bad input the same way.
    """
    if request.method == "POST" and form.validate_on_submit():
        try:
            save()
        except ProfileError as error:
            _apply_error(form, error)
        else:
            flash(saved, "info")
            return redirect(_profile_url(person))
    status = 422 if request.method == "POST" and _has_errors(form) else 200
    return render_template(template, form=form, person=person, **context), status


def _assessment_page(employee_id, source):
    person = assessable_employee(employee_id, current_user)
    competences = catalogue()
    form = AssessmentForm()
    form.competence_id.choices = _competence_choices(competences)
    if request.method == "GET":
        form.achieved_on.data = date.today()
        form.competence_id.data = request.args.get("competence_id", type=int)

    def save():
        record_assessment(
            person,
            current_user,
            source,
            form.competence_id.data,
            form.level.data,
            form.achieved_on.data,
            form.valid_until.data,
            form.evidence_note.data,
            form.evidence_url.data,
            check_upload(form.evidence_file.data),
        )

    return _form_page(
        form,
        person,
        save,
        _("The assessment of %(name)s was saved.", name=person.full_name),
        "competence/profile_assess.html",
        source=source,
        title=_("Assess prior learning") if source == "prior_learning" else _("Record an assessment"),
        has_catalogue=bool(competences),
    )


@bp.route("/employees/<int:employee_id>/competences/assess", methods=["GET", "POST"])
@access.allow("leader", "hr")
def assess(employee_id):
    """A leader (or hr) records an assessment of one competence."""
    return _assessment_page(employee_id, "leader_assessment")


@bp.route("/employees/<int:employee_id>/competences/prior-learning", methods=["GET", "POST"])
@access.allow("leader", "hr")
def assess_prior_learning(employee_id):
    """A leader (or hr) assesses prior learning (realkompetanse) with evidence attached."""
    return _assessment_page(employee_id, "prior_learning")


@bp.route("/employees/<int:employee_id>/competences/self-assessment", methods=["GET", "POST"])
@access.allow("employee", "leader", "hr")
def self_assess(employee_id):
    """The employee's own assessment of a competence; shown as such, never verified."""
    person = own_employee(employee_id, current_user)
    competences = catalogue()
    form = SelfAssessmentForm()
    form.competence_id.choices = _competence_choices(competences)
    if request.method == "GET":
        form.competence_id.data = request.args.get("competence_id", type=int)

    def save():
        record_self_assessment(
            person,
            current_user,
            form.competence_id.data,
            form.level.data,
            form.evidence_note.data,
            form.evidence_url.data,
        )

    return _form_page(
        form,
        person,
        save,
        _("Your self-assessment was saved. Your leader can confirm it."),
        "competence/profile_self.html",
        has_catalogue=bool(competences),
    )


@bp.route("/employees/<int:employee_id>/competences/<int:held_id>/confirm", methods=["POST"])
@access.allow("leader", "hr")
def confirm(employee_id, held_id):
    """The leader confirms a self-assessment: it becomes a leader assessment at that level."""
    person = assessable_employee(employee_id, current_user)
    try:
        held = confirm_self_assessment(person, current_user, held_id)
    except ProfileError as error:
        flash(error.message, "error")
        return redirect(_profile_url(person))
    flash(
        _("You confirmed %(competence)s at level %(level)s.", competence=held.competence.name, level=held.level),
        "info",
    )
    return redirect(_profile_url(person))


@bp.route("/employees/<int:employee_id>/competences/<int:held_id>/objection", methods=["GET", "POST"])
@access.allow("employee", "leader", "hr")
def objection(employee_id, held_id):
    """The employee writes (or rewrites) an objection to a value others recorded about them."""
    person = own_employee(employee_id, current_user)
    held = objectable(person, current_user, held_id)
    form = ObjectionForm()
    if request.method == "GET":
        form.objection.data = held.objection
    return _form_page(
        form,
        person,
        lambda: record_objection(person, current_user, held_id, form.objection.data),
        _("Your objection was saved. It is shown beside the assessment."),
        "competence/profile_objection.html",
        held=held,
        source_label=SOURCE_LABELS.get(held.source, held.source),
        max_length=OBJECTION_MAX,
    )


@bp.route("/employees/<int:employee_id>/competences/<int:held_id>/objection/withdraw", methods=["POST"])
@access.allow("employee", "leader", "hr")
def withdraw(employee_id, held_id):
    """The employee takes an objection back; the timeline keeps that it was made."""
    person = own_employee(employee_id, current_user)
    try:
        withdraw_objection(person, current_user, held_id)
    except ProfileError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("competence.objection", employee_id=person.id, held_id=held_id)), 303
    flash(_("Your objection was withdrawn."), "info")
    return redirect(_profile_url(person)), 303


@bp.route("/employees/<int:employee_id>/evidence/<int:file_id>")
@access.allow("employee", "leader", "hr")
def evidence_file(employee_id, file_id):
    """Download an uploaded certificate; only for those who may see the person (404 otherwise)."""
    stored = evidence_file_for(employee_id, file_id, current_user)
    response = send_file(
        BytesIO(stored.data),
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.filename or "evidence",
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
