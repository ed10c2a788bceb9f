"""API endpoints for appraisal interviews, their calendar invitation and development entries.

Confidential: an appraisal and the development entries are seen only by the
employee and the leaders of their unit; for everyone else (hr, other leaders,
representatives, politicians, admin, colleagues) they do not exist — 404,
never 403. hr gets completion counts per unit, never content.

Thin like :mod:`.plans`, whose request helpers it shares: the rules live in
``appraisals.editing`` / ``appraisals.entries`` (who may change which part,
how input is checked) and ``workflow.engine`` (who may sign or fire what, on
which version). ``version`` (body or ``If-Match``) is the appraisal version
the caller read, the current one when left out; answers carry ``ETag``.
"""
from datetime import date

from flask import Response, jsonify, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from .. import access
from ..access import current_principal
from ..appraisals import editing, entries
from ..appraisals.ics import invite_ics
from ..appraisals.models import PREPARATION_KEYS, Appraisal, DevelopmentEntry
from ..appraisals.stats import completion_by_unit
from ..appraisals.visibility import employee_rows_condition, visible_appraisals, visible_entries
from ..extensions import db
from ..org.models import Employee
from ..pagination import paginate
from ..plans.fields import Reader
from ..workflow import engine
from ..workflow.definition import title_in
from ..workflow.models import DECISIONS
from . import bp
from .errors import ApiError
from .params import ID, MAX_ID, id_arg, int_arg, page_args
from .changes import body as _body
from .changes import change as _change
from .changes import history_json, signoff_json
from .changes import version_read as _version
from .changes import with_etag as _with_etag
from .serialize import iso

COMMENT_MAX = engine.COMMENT_MAX
WRITABLE = ("preparation", "summary", "employee_comment", "scheduled_for", "duration_minutes", "location")
# Fields of an appraisal answer a client may send back unchanged in a PATCH; they are ignored.
READ_ONLY = (
    "id", "employee_id", "employee_name", "state", "state_title", "allowed_transitions", "required_signoffs",
    "may_sign", "steps", "signoffs", "history", "signed_at", "created_at", "ends_at", "development_entries",
    "previous_entries",
)
SCHEDULE = ("scheduled_for", "duration_minutes", "location")


# --- loading --------------------------------------------------------------------------


def _appraisal_or_404(appraisal_id):
    """The appraisal if the caller is its employee or their leader; 404 for everyone else."""
    row = db.session.scalar(
        visible_appraisals(current_principal())
        .join(Appraisal.employee)
        .join(Employee.unit)
        .options(contains_eager(Appraisal.employee).contains_eager(Employee.unit))
        .where(Appraisal.id == appraisal_id)
    )
    if row is None:
        raise ApiError(404, "There is no such appraisal.")
    return row


def _entry_or_404(entry_id):
    row = db.session.scalar(visible_entries(current_principal()).where(DevelopmentEntry.id == entry_id))
    if row is None:
        raise ApiError(404, "There is no such development entry.")
    return row


def _en(message):
    with force_locale("en"):
        return str(message)


# --- shaping answers ----------------------------------------------------------------


def _local_iso(value):
    return iso(editing.local_time(value))


def entry_json(entry, events=None):
    """A development entry; with ``events``, its history of status changes."""
    body = {
        "id": entry.id,
        "employee_id": entry.employee_id,
        "appraisal_id": entry.appraisal_id,
        "title": entry.title,
        "competence_id": entry.competence_id,
        "competence_name": entry.competence.name if entry.competence else None,
        "target_level": entry.target_level,
        "measure_id": entry.measure_id,
        "measure_title": entry.measure.title if entry.measure else None,
        "due": iso(entry.due),
        "status": entry.status,
        "status_note": entry.status_note or "",
        "created_at": iso(entry.created_at),
        "completed_at": iso(entry.completed_at),
        "completed_by_activity_id": entry.completed_by_activity_id,
    }
    if events is not None:
        body["history"] = [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "note": e.note or "",
                "username": e.username,
                "at": iso(e.at),
            }
            for e in events
        ]
    return body


def appraisal_summary_json(row):
    """An appraisal in a list: when, with whom, where it stands; never its content."""
    return {
        "id": row.id,
        "employee_id": row.employee_id,
        "employee_name": row.employee.full_name,
        "state": row.state,
        "version": row.version,
        "scheduled_for": _local_iso(row.scheduled_for),
        "duration_minutes": row.duration_minutes,
        "location": row.location or "",
        "signed_at": iso(row.signed_at),
    }


def appraisal_json(row, user):
    """The whole appraisal as its employee or leader sees it, in a fixed number of queries."""
    with force_locale("en"):
        status = engine.status(row, user)
        steps = [
            {
                "name": t.name,
                "title": title_in(t.title, "en"),
                "to_state": t.dest,
                "may_fire": allowed,
                "blockers": [str(p) for p in problems],
            }
            for t, problems, allowed in status.transitions
        ]
        agreed = editing.agreed_entries(row)
        earlier = editing.previous_entries(row)
        history = entries.entry_history([e.id for e in (*agreed, *earlier)])
        return {
            "id": row.id,
            "employee_id": row.employee_id,
            "employee_name": row.employee.full_name,
            "scheduled_for": _local_iso(row.scheduled_for),
            "ends_at": iso(editing.end_time(row)),
            "duration_minutes": row.duration_minutes,
            "location": row.location or "",
            "preparation": {key: (row.preparation or {}).get(key, "") for key in PREPARATION_KEYS},
            "summary": row.summary or "",
            "employee_comment": row.employee_comment or "",
            "signed_at": iso(row.signed_at),
            "created_at": iso(row.created_at),
            "state": row.state,
            "state_title": engine.state_title(row, "en"),
            "version": row.version,
            "allowed_transitions": status.allowed_transitions,
            "required_signoffs": status.required_signoffs,
            "may_sign": status.may_sign,
            "steps": steps,
            "signoffs": [signoff_json(s) for s in engine.all_signoffs(row)],
            "history": [history_json(h) for h in engine.history(row)],
            "development_entries": [entry_json(e, history.get(e.id, [])) for e in agreed],
            "previous_entries": [entry_json(e, history.get(e.id, [])) for e in earlier],
        }


def _appraisal_response(appraisal_id, status=200, location=False):
    db.session.expire_all()
    row = _appraisal_or_404(appraisal_id)
    response = jsonify(appraisal_json(row, current_principal()))
    response.status_code = status
    if location:
        response.headers["Location"] = url_for("api.appraisal", appraisal_id=row.id)
    return _with_etag(response, row.version)


# --- appraisals ----------------------------------------------------------------------------


@bp.get("/appraisals")
@access.allow()
def appraisals():
    """The appraisals the caller may see (their own, their staff's), soonest last; others see an empty list."""
    page, per_page = page_args()
    user = current_principal()
    stmt = (
        visible_appraisals(user)
        .join(Appraisal.employee)
        .options(contains_eager(Appraisal.employee))
        .order_by(Appraisal.scheduled_for.desc(), Appraisal.id.desc())
    )
    employee_id = id_arg("employee_id")
    if employee_id is not None:
        stmt = stmt.where(Appraisal.employee_id == employee_id)
    state = request.args.get("state") or None
    states = engine.definitions()["appraisal"].states
    if state is not None:
        if state not in states:
            raise ApiError(422, "state must be one of " + ", ".join(states), {"state": "unknown state"})
        stmt = stmt.where(Appraisal.state == state)
    year = int_arg("year", minimum=2000, maximum=2100)
    if year is not None:
        start, end = editing.year_bounds(year)
        stmt = stmt.where(Appraisal.scheduled_for >= start, Appraisal.scheduled_for < end)
    found = paginate(stmt, page, per_page)
    return jsonify(
        {
            "items": [appraisal_summary_json(a) for a in found.items],
            "total": found.total,
            "page": found.page,
            "per_page": found.per_page,
        }
    )


@bp.post("/appraisals")
@access.allow("leader")
def schedule_appraisal():
    """Schedule an interview with one of the caller's staff; the employee gets an invitation."""
    data = _body()
    user = current_principal()
    reader = Reader(data)
    employee_id = reader.whole("employee_id", minimum=1, maximum=MAX_ID, required=True)
    employee = None
    if employee_id is not None:
        employee = db.session.scalar(
            select(Employee).where(Employee.id == employee_id, employee_rows_condition(user, Employee.id))
        )
        if employee is None:
            reader.problems["employee_id"] = _l("There is no such employee.")
    if data.get("scheduled_for") in (None, ""):
        reader.problems["scheduled_for"] = "Fill in a date and time."
    unknown = sorted(set(data) - {"employee_id", *SCHEDULE})
    for name in unknown:
        reader.problems[name] = "This field cannot be set here."
    with _change():
        reader.fail_if_any()
        made = editing.schedule(
            employee,
            data["scheduled_for"],
            user,
            duration_minutes=data.get("duration_minutes", 60),
            location=data.get("location") or "",
        )
        made_id = made.id
    return _appraisal_response(made_id, 201, location=True)


@bp.get("/appraisals/statistics")
@access.allow("hr")
def appraisal_statistics():
    """Per unit (with sub-units): employees, interviews scheduled, held, signed, entries completed; counts only."""
    year = int_arg("year", date.today().year, minimum=2000, maximum=2100)
    units, figures = completion_by_unit(year)
    return jsonify(
        {
            "year": year,
            "items": [
                {
                    "unit_id": u.id,
                    "unit_code": u.code,
                    "unit_name": u.name,
                    "parent_id": u.parent_id,
                    "employees": figures[u.id].employees,
                    "scheduled": figures[u.id].scheduled,
                    "held": figures[u.id].held,
                    "signed": figures[u.id].signed,
                    "entries_completed": figures[u.id].entries_completed,
                }
                for u in units
            ],
        }
    )


@bp.get(f"/appraisals/<{ID}:appraisal_id>")
@access.allow()
def appraisal(appraisal_id):
    """One appraisal with its workflow, preparation, summary, comment and development entries."""
    row = _appraisal_or_404(appraisal_id)
    return _with_etag(jsonify(appraisal_json(row, current_principal())), row.version)


@bp.patch(f"/appraisals/<{ID}:appraisal_id>")
@access.allow()
def update_appraisal(appraisal_id):
    """Change the parts the caller owns: the employee's preparation and comment, the leader's schedule and summary."""
    row = _appraisal_or_404(appraisal_id)
    data = _body()
    unknown = sorted(set(data) - set(WRITABLE) - set(READ_ONLY) - {"version"})
    if unknown:
        raise ApiError(
            422, "Invalid fields: " + ", ".join(unknown), {name: "This field cannot be changed." for name in unknown}
        )
    if not any(name in data for name in WRITABLE):
        raise ApiError(422, "Nothing to change.", {"body": "Send at least one of: " + ", ".join(WRITABLE)})
    user = current_principal()
    version = _version(data, row)
    with _change():
        _forbid_foreign_parts(row, data, user)
        steps = []
        if any(name in data for name in SCHEDULE):
            steps.append(lambda v: editing.reschedule(row, {k: data[k] for k in SCHEDULE if k in data}, user, v))
        if "preparation" in data:
            steps.append(lambda v: editing.save_preparation(row, data["preparation"], user, v))
        if "summary" in data:
            steps.append(lambda v: editing.save_summary(row, data["summary"], user, v))
        if "employee_comment" in data:
            steps.append(lambda v: editing.save_employee_comment(row, data["employee_comment"], user, v))
        for step in steps:
            step(version)
            version = row.version
    return _appraisal_response(appraisal_id)


def _forbid_foreign_parts(row, data, user):
    """Refuse the whole PATCH (403) when it touches a part that belongs to the other person."""
    from ..appraisals.workflow import is_employee, is_leader

    leader_parts = [n for n in (*SCHEDULE, "summary") if n in data]
    employee_parts = [n for n in ("preparation", "employee_comment") if n in data]
    if leader_parts and not is_leader(user, row):
        raise engine.Forbidden(_l("Only the employee's leader can do this."), leader_parts[0])
    if employee_parts and not is_employee(user, row):
        raise engine.Forbidden(_l("Only the employee the interview is with can do this."), employee_parts[0])


@bp.post(f"/appraisals/<{ID}:appraisal_id>/signoffs")
@access.allow()
def sign_appraisal(appraisal_id):
    """Approve or reject the current version as the employee or the leader; when both approved it is signed."""
    row = _appraisal_or_404(appraisal_id)
    data = _body()
    reader = Reader(data)
    capacity = reader.choice("capacity", tuple(engine.adapter_for(row).capacities), required=True)
    decision = reader.choice("decision", DECISIONS, required=True)
    comment = reader.text("comment", COMMENT_MAX)
    with _change():
        reader.fail_if_any()
        engine.sign(row, current_principal(), capacity, decision, comment, _version(data, row))
    return _appraisal_response(appraisal_id, 201)


@bp.post(f"/appraisals/<{ID}:appraisal_id>/transitions/<name>")
@access.allow()
def fire_appraisal_transition(appraisal_id, name):
    """Take a workflow step: prepare (employee), hold or cancel (leader)."""
    row = _appraisal_or_404(appraisal_id)
    data = _body(required=False)
    reader = Reader(data)
    comment = reader.text("comment", COMMENT_MAX)
    with _change():
        reader.fail_if_any()
        engine.fire(row, current_principal(), name, comment, _version(data, row))
    return _appraisal_response(appraisal_id)


@bp.get(f"/appraisals/<{ID}:appraisal_id>/invite.ics")
@access.allow()
def appraisal_invite(appraisal_id):
    """The calendar invitation: when and where, no content."""
    row = _appraisal_or_404(appraisal_id)
    response = Response(invite_ics(row), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="appraisal-{row.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- development entries ---------------------------------------------------------------------


@bp.get(f"/employees/<{ID}:employee_id>/development-entries")
@access.allow()
def development_entries(employee_id):
    """One person's development plan with each entry's history (the person and their leaders only)."""
    user = current_principal()
    visible = db.session.scalar(
        select(Employee.id).where(Employee.id == employee_id, employee_rows_condition(user, Employee.id))
    )
    if visible is None:
        raise ApiError(404, "There is no such employee.")
    page, per_page = page_args()
    status = request.args.get("status") or None
    stmt = entries.entries_of(employee_id)
    if status is not None:
        from ..appraisals.models import ENTRY_STATUSES

        if status not in ENTRY_STATUSES:
            raise ApiError(422, "status must be one of " + ", ".join(ENTRY_STATUSES), {"status": "unknown status"})
        stmt = stmt.where(DevelopmentEntry.status == status)
    found = paginate(stmt, page, per_page)
    history = entries.entry_history([e.id for e in found.items])
    return jsonify(
        {
            "items": [entry_json(e, history.get(e.id, [])) for e in found.items],
            "total": found.total,
            "page": found.page,
            "per_page": found.per_page,
        }
    )


def _entry_response(entry_id, status=200, version=None):
    db.session.expire_all()
    row = _entry_or_404(entry_id)
    response = jsonify(entry_json(row, entries.entry_history([row.id]).get(row.id, [])))
    response.status_code = status
    if version is not None:
        response = _with_etag(response, version)
    return response


@bp.post("/development-entries")
@access.allow()
def create_development_entry():
    """Add an entry: with ``appraisal_id`` agreed in that interview (its leader, once held), else to the plan."""
    data = _body()
    user = current_principal()
    appraisal_id = data.get("appraisal_id")
    if appraisal_id is not None:
        if isinstance(appraisal_id, bool) or not isinstance(appraisal_id, int) or not 1 <= appraisal_id <= MAX_ID:
            raise ApiError(422, "Invalid fields: appraisal_id", {"appraisal_id": "Must be a whole number."})
        row = _appraisal_or_404(appraisal_id)
        fields = {k: v for k, v in data.items() if k not in ("appraisal_id", "version", "employee_id")}
        if data.get("employee_id") not in (None, row.employee_id):
            raise ApiError(
                422, "Invalid fields: employee_id", {"employee_id": "The interview is with another employee."}
            )
        with _change():
            made = editing.add_entry(row, fields, user, _version(data, row))
            made_id, version = made.id, row.version
        return _entry_response(made_id, 201, version)
    with _change():
        made = entries.create_entry(data, user)
        made_id = made.id
    return _entry_response(made_id, 201)


@bp.patch(f"/development-entries/<{ID}:entry_id>")
@access.allow()
def update_development_entry(entry_id):
    """Change an entry's status (employee or leader); with ``appraisal_id`` or ``version`` it is a follow-up in
    that interview (its leader, while held)."""
    row = _entry_or_404(entry_id)
    data = _body()
    user = current_principal()
    appraisal = _follow_up_appraisal(row, data)
    if appraisal is None:
        with _change():
            entries.update_entry(row, data, user)
        return _entry_response(entry_id)
    unknown = sorted(set(data) - {"status", "note", "appraisal_id", "version", "id", "employee_id"})
    if unknown:
        raise ApiError(
            422, "Invalid fields: " + ", ".join(unknown), {n: "Only status and note change in a follow-up." for n in unknown}
        )
    with _change():
        editing.follow_up_entry(appraisal, row, data.get("status"), data.get("note"), user, _version(data, appraisal))
        version = appraisal.version
    return _entry_response(entry_id, 200, version)


def _follow_up_appraisal(entry, data):
    """The interview a PATCH follows the entry up in, or ``None`` for a plain status change.

    ``appraisal_id`` of another interview, or ``version``/``If-Match`` (the
    version of the interview being held), make it a follow-up; sending back
    the entry's own ``appraisal_id`` does so only while that interview is held.
    """
    appraisal_id = data.get("appraisal_id")
    if appraisal_id is not None:
        if isinstance(appraisal_id, bool) or not isinstance(appraisal_id, int) or not 1 <= appraisal_id <= MAX_ID:
            raise ApiError(422, "Invalid fields: appraisal_id", {"appraisal_id": "Must be a whole number."})
        if appraisal_id != entry.appraisal_id:
            row = _appraisal_or_404(appraisal_id)
            if row.employee_id != entry.employee_id:
                raise ApiError(
                    422, "Invalid fields: appraisal_id", {"appraisal_id": "The interview is with another employee."}
                )
            return row
    wanted = data.get("version") is not None or request.headers.get("If-Match") is not None
    if appraisal_id is None and not wanted:
        return None
    held = db.session.scalar(
        visible_appraisals(current_principal())
        .where(Appraisal.employee_id == entry.employee_id, Appraisal.state == "held")
        .order_by(Appraisal.scheduled_for.desc(), Appraisal.id.desc())
        .limit(1)
    )
    if appraisal_id is not None and not wanted:
        return held if held is not None and held.id == appraisal_id else None
    if held is None:
        raise ApiError(409, "No appraisal interview with this employee is being held; leave out version.")
    return held

