"""Pages for the competence catalogue and unit requirements.

Everyone logged in reads both: they describe what the municipality maps and
needs, not people. Only hr changes them. The forms check what a person can
get wrong while typing (in the user's language); the rules that need the
database (codes in use, a level above the scale, a requirement that exists)
come from ``catalogue`` and are shown on the field they concern.
"""
import re
from itertools import groupby

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from .. import access
from ..extensions import db
from ..org.models import Unit
from ..org.views import unit_choices
from ..org.visibility import led_unit_paths
from ..pagination import paginate, requested_page
from . import bp
from .catalogue import (
    CODE_RE,
    DESCRIPTION_MAX,
    KIND_LABELS,
    MAX_LEVEL,
    MAX_REQUIRED,
    MAX_VALIDITY_MONTHS,
    NAME_MAX,
    PROFESSION_MAX,
    CatalogueError,
    all_areas,
    area_summaries,
    competences_stmt,
    delete_requirement as remove_requirement,
    professions,
    requirements_stmt,
    save_area,
    save_competence,
    save_requirement,
)
from .models import KINDS, Competence, CompetenceArea, Requirement

PER_PAGE = 100
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")
CHOOSE_FROM_LIST = _l("Choose one of the options in the list.")
REQUIRED = _l("Fill in this field.")


# --------------------------------------------------------------------------
# Forms
# --------------------------------------------------------------------------

class WholeNumberField(IntegerField):
    """An integer field whose parse error speaks the user's language (WTForms has no nynorsk)."""

    def process_formdata(self, valuelist):
        self.data = None
        raw = valuelist[0].strip() if valuelist else ""
        if raw == "":
            return
        if not WHOLE_NUMBER.fullmatch(raw):
            raise ValueError(_("Enter a whole number, for example 3."))
        self.data = int(raw)


class ChoiceField(SelectField):
    """A select whose "not in the list" errors are translated like the rest of the form."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(CHOOSE_FROM_LIST)) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(str(CHOOSE_FROM_LIST)) from None


def _code_field(label):
    return StringField(
        label,
        validators=[
            InputRequired(REQUIRED),
            Length(max=32, message=_l("Use at most %(max)d characters.")),
            Regexp(CODE_RE, message=_l("Use 1–32 letters, digits, hyphens, underscores or full stops, without spaces.")),
        ],
    )


class AreaForm(FlaskForm):
    """A heading in the catalogue."""

    code = _code_field(_l("Code"))
    name = StringField(
        _l("Name"), validators=[InputRequired(REQUIRED), Length(max=NAME_MAX, message=_l("Use at most %(max)d characters."))]
    )


class CompetenceForm(FlaskForm):
    """One competence: what it is, where it belongs, its scale and how long it lasts."""

    code = _code_field(_l("Code"))
    name = StringField(
        _l("Name"), validators=[InputRequired(REQUIRED), Length(max=NAME_MAX, message=_l("Use at most %(max)d characters."))]
    )
    area_id = ChoiceField(_l("Area"), coerce=int)
    kind = ChoiceField(_l("Kind"), choices=[SelectChoice(value, label) for value, label in KIND_LABELS.items()])
    max_level = WholeNumberField(
        _l("Highest level on the scale"),
        validators=[InputRequired(REQUIRED), NumberRange(1, MAX_LEVEL, message=_l("Enter a number from %(min)s to %(max)s."))],
    )
    validity_months = WholeNumberField(
        _l("Valid for (months, optional)"),
        validators=[Optional(), NumberRange(1, MAX_VALIDITY_MONTHS, message=_l("Enter a number from %(min)s to %(max)s."))],
    )
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[Optional(), Length(max=DESCRIPTION_MAX, message=_l("Use at most %(max)d characters."))],
    )


class RequirementForm(FlaskForm):
    """What a unit needs of one competence."""

    unit_id = ChoiceField(_l("Unit"), coerce=int)
    competence_id = ChoiceField(_l("Competence"), coerce=int)
    min_level = WholeNumberField(
        _l("Minimum level"),
        validators=[InputRequired(REQUIRED), NumberRange(1, MAX_LEVEL, message=_l("Enter a number from %(min)s to %(max)s."))],
    )
    required_count = WholeNumberField(
        _l("Number of people required"),
        validators=[InputRequired(REQUIRED), NumberRange(1, MAX_REQUIRED, message=_l("Enter a number from %(min)s to %(max)s."))],
    )
    profession = StringField(
        _l("Only people in this profession (optional)"),
        validators=[Optional(), Length(max=PROFESSION_MAX, message=_l("Use at most %(max)d characters."))],
    )


def _problem_text(field, problem):
    """A refusal from ``catalogue`` in the user's language."""
    params = problem.params
    if problem.reason == "taken":
        if params.get("what") == "area":
            if field == "name":
                return _("Another area already has this name.")
            return _("Another area already uses this code.")
        return _("Another competence already uses this code.")
    texts = {
        "required": lambda: _("Fill in this field."),
        "too_long": lambda: _("Use at most %(max)d characters.", max=params["max"]),
        "bad_code": lambda: _("Use 1–32 letters, digits, hyphens, underscores or full stops, without spaces."),
        "not_whole": lambda: _("Enter a whole number, for example 3."),
        "range": lambda: _("Enter a number from %(min)s to %(max)s.", min=params["min"], max=params["max"]),
        "below_used": lambda: _(
            "The scale cannot end below %(level)s: someone holds that level or a unit requires it.",
            level=params["level"],
        ),
        "above_scale": lambda: _("Choose a level from 1 to %(max)s, the scale of this competence.", max=params["max"]),
        "duplicate": lambda: _("This unit already has a requirement for this competence and profession."),
    }
    return texts.get(problem.reason, lambda: str(CHOOSE_FROM_LIST))()


def _show_refusal(form, error):
    """Put each refusal on its field, so the message sits next to what must change."""
    for name, problem in error.problems.items():
        field = getattr(form, name, None) or form.code
        field.errors = list(field.errors) + [_problem_text(name, problem)]


def _is_hr():
    return current_user.has_role("hr")


# --------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------

@bp.route("/catalogue")
@access.allow()
def catalogue():
    """Areas with their competences, filtered by area, kind or a search."""
    summaries = area_summaries()
    area_ids = {area.id for area, _count in summaries}
    area_id = request.args.get("area_id", type=int)
    area_id = area_id if area_id in area_ids else None
    kind = request.args.get("kind")
    kind = kind if kind in KINDS else None
    query = request.args.get("q", "").strip()[:200]
    page = paginate(competences_stmt(area_id, kind, query), requested_page(), PER_PAGE)
    groups = [(items[0].area, items) for items in (list(g) for _id, g in groupby(page.items, key=lambda c: c.area_id))]
    return render_template(
        "competence/catalogue.html",
        page=page,
        groups=groups,
        summaries=summaries,
        area_id=area_id,
        kind=kind,
        query=query,
        kind_labels=KIND_LABELS,
        is_hr=_is_hr(),
    )


@bp.route("/catalogue/areas/new", methods=["GET", "POST"])
@access.allow("hr")
def new_area():
    """Add a heading to the catalogue."""
    return _area_page(None)


@bp.route("/catalogue/areas/<int:area_id>/edit", methods=["GET", "POST"])
@access.allow("hr")
def edit_area(area_id):
    """Rename an area or change its code."""
    area = db.session.get(CompetenceArea, area_id) or abort(404)
    return _area_page(area)


def _area_page(area):
    form = AreaForm(obj=area)
    if form.validate_on_submit():
        try:
            area = save_area(form.code.data, form.name.data, area)
            db.session.commit()
        except CatalogueError as error:
            db.session.rollback()
            _show_refusal(form, error)
        else:
            flash(_("The area %(name)s was saved.", name=area.name), "info")
            return redirect(url_for("competence.catalogue", area_id=area.id))
    return _form_page("competence/catalogue_area.html", form=form, area=area)


@bp.route("/catalogue/competences/new", methods=["GET", "POST"])
@access.allow("hr")
def new_competence():
    """Add a competence; ``?area_id=`` preselects its area."""
    return _competence_page(None)


@bp.route("/catalogue/competences/<int:competence_id>/edit", methods=["GET", "POST"])
@access.allow("hr")
def edit_competence(competence_id):
    """Change a competence's name, area, kind, scale or validity."""
    competence = db.session.get(Competence, competence_id) or abort(404)
    return _competence_page(competence)


def _competence_page(competence):
    form = CompetenceForm(obj=competence)
    areas = all_areas()
    form.area_id.choices = [SelectChoice(area.id, f"{area.name} ({area.code})") for area in areas]
    if competence is None and request.method == "GET":
        form.area_id.data = request.args.get("area_id", type=int)
        form.max_level.data = form.max_level.data or 3
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in (
            "code", "name", "area_id", "kind", "max_level", "validity_months", "description")}
        try:
            competence = save_competence(values, competence)
            db.session.commit()
        except CatalogueError as error:
            db.session.rollback()
            _show_refusal(form, error)
        else:
            flash(_("The competence %(name)s was saved.", name=competence.name), "info")
            return redirect(url_for("competence.catalogue", area_id=competence.area_id) + f"#competence-{competence.id}")
    return _form_page("competence/catalogue_competence.html", form=form, competence=competence, areas=areas)


def _competence_choices():
    """Every competence as "name (code)", grouped by area in the select (one query)."""
    return [
        SelectChoice(c.id, f"{c.name} ({c.code})", optgroup=c.area.name) for c in db.session.scalars(competences_stmt())
    ]


def _form_page(template, form, **context):
    """Render a form; 422 when what was sent is refused, so clients and tests can tell."""
    status = 422 if form.errors else 200
    return render_template(template, form=form, **context), status


# --------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------

@bp.route("/requirements")
@access.allow()
def requirements():
    """Requirements per unit. A leader first sees those of the units they lead."""
    units = db.session.scalars(select(Unit).order_by(Unit.path)).all()
    led_paths = led_unit_paths(current_user) if current_user.has_role("leader") else []
    raw_unit = request.args.get("unit_id", "")
    chosen = next((u for u in units if str(u.id) == raw_unit), None)
    if chosen is not None:
        scope, paths = "unit", [chosen.path]
    elif led_paths and raw_unit != "all":
        scope, paths = "mine", led_paths
    else:
        scope, paths = "all", None
    page = paginate(requirements_stmt(paths), requested_page(), PER_PAGE)
    mine = {r.id for r in page.items if any(r.unit.path.startswith(p) for p in led_paths)}
    return render_template(
        "competence/requirements.html",
        page=page,
        units=units,
        chosen=chosen,
        scope=scope,
        is_leader=bool(led_paths),
        mine=mine,
        is_hr=_is_hr(),
    )


@bp.route("/requirements/new", methods=["GET", "POST"])
@access.allow("hr")
def new_requirement():
    """Say what a unit needs; ``?unit_id=`` preselects the unit."""
    form = RequirementForm()
    form.unit_id.choices = unit_choices()
    form.competence_id.choices = _competence_choices()
    form.profession.render_kw = {"list": "profession-options", "autocomplete": "off"}
    if request.method == "GET":
        form.unit_id.data = request.args.get("unit_id", type=int)
    if form.validate_on_submit():
        try:
            requirement = save_requirement(
                form.unit_id.data,
                form.competence_id.data,
                form.min_level.data,
                form.required_count.data,
                form.profession.data,
            )
            db.session.commit()
        except CatalogueError as error:
            db.session.rollback()
            _show_refusal(form, error)
        else:
            flash(_("The requirement was added."), "info")
            return redirect(url_for("competence.requirements", unit_id=requirement.unit_id))
    return _form_page("competence/requirements_new.html", form=form, professions=professions())


@bp.route("/requirements/<int:requirement_id>/delete", methods=["POST"])
@access.allow("hr")
def delete_requirement(requirement_id):
    """Remove a requirement; the unit's gap figures stop counting it."""
    requirement = db.session.get(Requirement, requirement_id) or abort(404)
    unit_id = requirement.unit_id
    remove_requirement(requirement)
    db.session.commit()
    flash(_("The requirement was removed."), "info")
    return redirect(url_for("competence.requirements", unit_id=unit_id))
