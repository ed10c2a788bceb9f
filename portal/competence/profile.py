"""An employee's competence profile: what they hold, the evidence, and how it changed.

Three kinds of people write to a profile, each through one function here:
the leader (or hr) assesses (source ``leader_assessment``) and assesses prior
learning (``prior_learning``, with evidence attached); the employee adds a
self-assessment (``self_assessment``), which the leader may confirm. Every
write is an upsert on (employee, competence, source) that keeps the earlier
value in a :class:`HeldCompetenceChange` row in the same transaction, so the
timeline can never disagree with the current value.

Reading a profile costs a fixed number of queries however much a person holds:
held rows with their catalogue entries, evidence file metadata (never the file
contents), and one page of the timeline.
"""
import re
from dataclasses import dataclass, field
from datetime import date, timezone
from urllib.parse import urlsplit

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, defer

from ..extensions import db
from ..org.models import Employee, User, utcnow
from ..org.visibility import get_visible_employee
from .catalogue import derived_valid_until
from .models import Competence, CompetenceArea, EvidenceFile, HeldCompetence, HeldCompetenceChange

SOURCE_LABELS = {
    "personnel_system": _l("Personnel system"),
    "self_assessment": _l("Self-assessment"),
    "leader_assessment": _l("Leader's assessment"),
    "learning_activity": _l("Learning activity"),
    "prior_learning": _l("Prior learning"),
}
ACTION_LABELS = {
    "created": _l("Recorded"),
    "changed": _l("Changed"),
    "removed": _l("Removed"),
    # Written when a leader confirms a self-assessment (a leader_assessment row).
    "confirmed": _l("Confirmed self-assessment"),
    "objected": _l("Objection from the employee"),
    "objection_withdrawn": _l("Objection withdrawn"),
}
ASSESSED_SOURCES = ("leader_assessment", "prior_learning")
HISTORY_PER_PAGE = 50

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_URL_LENGTH = 500
MAX_FILENAME_LENGTH = 200
# The real type is read from the first bytes; the name's extension must agree.
FILE_TYPES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)


class ProfileError(Exception):
    """Bad input for a profile change; ``field`` names the form field at fault."""

    def __init__(self, field, message):
        super().__init__(str(message))
        self.field = field
        self.message = message


# --- who may do what ------------------------------------------------------------


def leads(user, person):
    """Whether ``user`` leads ``person``'s unit or a unit above it.

    The led units come loaded with the user's role assignments, so this costs no query.
    """
    path = person.unit.path
    led = [a.unit.path for a in user.role_assignments if a.role == "leader" and a.unit is not None]
    return any(path.startswith(p) for p in led)


def may_assess(user, person):
    """hr and the person's leaders assess; nobody verifies their own competence."""
    if not getattr(user, "is_authenticated", False) or user.employee_id == person.id:
        return False
    return user.has_role("hr") or (user.has_role("leader") and leads(user, person))


def may_self_assess(user, person):
    """Only the person themselves adds a self-assessment."""
    return getattr(user, "is_authenticated", False) and user.employee_id == person.id


def may_object(user, person, held=None):
    """Only the person objects, and only to what others recorded about them (not their own self-assessment)."""
    own = getattr(user, "is_authenticated", False) and user.employee_id == person.id
    return own and (held is None or held.source != "self_assessment")


def assessable_employee(employee_id, user):
    """The person ``user`` may assess: 404 if they may not see them, 403 if they only see them."""
    person = get_visible_employee(employee_id, user)
    if not may_assess(user, person):
        abort(403)
    return person


def own_employee(employee_id, user):
    """The user's own employee record for a self-assessment: 404 unseen, 403 someone else."""
    person = get_visible_employee(employee_id, user)
    if not may_self_assess(user, person):
        abort(403)
    return person


# --- reading --------------------------------------------------------------------


@dataclass
class HeldEntry:
    """One held competence as the profile shows it."""

    held: HeldCompetence
    recorded_by: str | None
    files: list = field(default_factory=list)
    confirmed: bool = False

    @property
    def competence(self):
        return self.held.competence

    @property
    def source_label(self):
        return SOURCE_LABELS.get(self.held.source, self.held.source)

    def expired(self, today):
        return not self.held.is_valid_on(today)


@dataclass
class ChangeEntry:
    """One row of the timeline."""

    change: HeldCompetenceChange
    competence_name: str
    changed_by: str | None

    @property
    def source_label(self):
        return SOURCE_LABELS.get(self.change.source, self.change.source)

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.change.action, self.change.action)


@dataclass
class History:
    """One page of the timeline, newest first."""

    items: list
    total: int
    page: int
    per_page: int = HISTORY_PER_PAGE

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))


@dataclass
class Profile:
    """Everything the profile section of ``/employees/<id>`` shows."""

    person: Employee
    held: list
    history: History
    may_assess: bool
    may_self_assess: bool
    today: date
    may_object: bool = False

    @property
    def unconfirmed_self_assessments(self):
        return [e for e in self.held if e.held.source == "self_assessment" and not e.confirmed]


def _person_name(user_alias, person_alias):
    """SQL: the person's full name when the account is linked to one, else the user name."""
    return func.coalesce(person_alias.first_name + " " + person_alias.last_name, user_alias.username)


def held_rows(employee_id):
    """The person's held competences with catalogue entry and area, in one query."""
    stmt = (
        select(HeldCompetence)
        .join(HeldCompetence.competence)
        .join(Competence.area)
        .options(contains_eager(HeldCompetence.competence).contains_eager(Competence.area))
        .where(HeldCompetence.employee_id == employee_id)
        .order_by(CompetenceArea.name, Competence.name, HeldCompetence.source, HeldCompetence.id)
    )
    return list(db.session.scalars(stmt))


def load_profile(person, user, history_page=1, today=None):
    """Load the profile of ``person`` as ``user`` sees it, in a fixed number of queries."""
    today = today or date.today()
    by_user, by_person = aliased(User), aliased(Employee)
    rows = db.session.execute(
        select(HeldCompetence, _person_name(by_user, by_person))
        .join(HeldCompetence.competence)
        .join(Competence.area)
        .outerjoin(by_user, HeldCompetence.recorded_by_id == by_user.id)
        .outerjoin(by_person, by_user.employee_id == by_person.id)
        .options(contains_eager(HeldCompetence.competence).contains_eager(Competence.area))
        .where(HeldCompetence.employee_id == person.id)
        .order_by(CompetenceArea.name, Competence.name, HeldCompetence.source, HeldCompetence.id)
    ).all()
    entries = [HeldEntry(held, name) for held, name in rows]
    by_id = {e.held.id: e for e in entries}
    leader_levels = {
        e.held.competence_id: e.held.level for e in entries if e.held.source == "leader_assessment"
    }
    for entry in entries:
        if entry.held.source == "self_assessment":
            entry.confirmed = leader_levels.get(entry.held.competence_id) == entry.held.level
    if entries:
        files = db.session.execute(
            select(
                EvidenceFile.id,
                EvidenceFile.held_competence_id,
                EvidenceFile.filename,
                EvidenceFile.content_type,
                EvidenceFile.size,
                EvidenceFile.uploaded_at,
            )
            .join(HeldCompetence, EvidenceFile.held_competence_id == HeldCompetence.id)
            .where(HeldCompetence.employee_id == person.id)
            .order_by(EvidenceFile.uploaded_at, EvidenceFile.id)
        ).all()
        for row in files:
            by_id[row.held_competence_id].files.append(row)
    return Profile(
        person=person,
        held=entries,
        history=load_history(person.id, history_page),
        may_assess=may_assess(user, person),
        may_self_assess=may_self_assess(user, person),
        today=today,
        may_object=may_object(user, person),
    )


def load_history(employee_id, page=1, per_page=HISTORY_PER_PAGE):
    """One page of the person's timeline, newest first, in two queries."""
    total = db.session.scalar(
        select(func.count(HeldCompetenceChange.id)).where(HeldCompetenceChange.employee_id == employee_id)
    )
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    by_user, by_person = aliased(User), aliased(Employee)
    rows = db.session.execute(
        select(HeldCompetenceChange, Competence.name, _person_name(by_user, by_person))
        .join(Competence, HeldCompetenceChange.competence_id == Competence.id)
        .outerjoin(by_user, HeldCompetenceChange.changed_by_id == by_user.id)
        .outerjoin(by_person, by_user.employee_id == by_person.id)
        .where(HeldCompetenceChange.employee_id == employee_id)
        .order_by(HeldCompetenceChange.changed_at.desc(), HeldCompetenceChange.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return History([ChangeEntry(c, name, who) for c, name, who in rows], total, page, per_page)


def catalogue():
    """All competences with their area, in the order the forms list them."""
    stmt = (
        select(Competence)
        .join(Competence.area)
        .options(contains_eager(Competence.area))
        .order_by(CompetenceArea.name, Competence.name)
    )
    return list(db.session.scalars(stmt))


def evidence_file_for(employee_id, file_id, user):
    """An evidence file with its contents, or 404 unless ``user`` may see the person it belongs to."""
    get_visible_employee(employee_id, user)
    stored = db.session.scalars(
        select(EvidenceFile)
        .join(HeldCompetence, EvidenceFile.held_competence_id == HeldCompetence.id)
        .where(EvidenceFile.id == file_id, HeldCompetence.employee_id == employee_id)
    ).first()
    if stored is None:
        abort(404)
    return stored


# --- checking input -------------------------------------------------------------


def check_link(url, field_name="evidence_url"):
    """Return the link stripped, or raise: only absolute http(s) addresses are allowed.

    Other schemes (``javascript:``, ``data:``, ``file:``) would turn a link on
    the profile into a way to run code in a leader's browser.
    """
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL_LENGTH:
        raise ProfileError(field_name, _l("The link can be at most %(max)s characters.", max=MAX_URL_LENGTH))
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or re.search(r"[\s\x00-\x1f\x7f]", url)
    ):
        raise ProfileError(field_name, _l("The link must be a web address starting with http:// or https://."))
    return url


def _clean_filename(name):
    """The last path part of an uploaded file's name, without control characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_FILENAME_LENGTH - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else name[:MAX_FILENAME_LENGTH]
    return name


@dataclass
class Upload:
    """A checked upload, ready to store."""

    filename: str
    content_type: str
    data: bytes


def check_upload(storage, field_name="evidence_file"):
    """Check an uploaded certificate: PDF, PNG or JPEG by its bytes, at most 5 MB.

    Returns ``None`` when no file was chosen. The stored content type comes
    from the bytes, never from what the browser claimed.
    """
    if storage is None or not getattr(storage, "filename", ""):
        return None
    data = storage.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ProfileError(field_name, _l("The file is larger than 5 MB. Please choose a smaller file."))
    if not data:
        raise ProfileError(field_name, _l("The file is empty."))
    filename = _clean_filename(storage.filename)
    extension = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    for magic, content_type, extensions in FILE_TYPES:
        if data.startswith(magic):
            if extension not in extensions:
                break
            return Upload(filename, content_type, data)
    raise ProfileError(field_name, _l("The file must be a PDF, PNG or JPEG, and its name must end in .pdf, .png, .jpg or .jpeg."))


def _check_assessment(competence, level, achieved_on, valid_until, today):
    if competence is None:
        raise ProfileError("competence_id", _l("Choose a competence from the list."))
    if level is None or not 1 <= level <= competence.max_level:
        raise ProfileError(
            "level",
            _l("The level must be between 1 and %(max)s for %(name)s.", max=competence.max_level, name=competence.name),
        )
    if achieved_on is None:
        raise ProfileError("achieved_on", _l("Give the date of the assessment."))
    if achieved_on > today:
        raise ProfileError("achieved_on", _l("The date cannot be in the future."))
    if valid_until is not None and valid_until < achieved_on:
        raise ProfileError("valid_until", _l("Valid until cannot be before the date of the assessment."))


# --- writing --------------------------------------------------------------------


def _upsert(person, competence, source, level, achieved_on, valid_until, note, url, user, action=None, fill_only=False):
    """Insert or update the (person, competence, source) row and log the change; no commit.

    A new note or link replaces the stored one; with ``fill_only`` it is only
    written where none is stored yet (a confirmation keeps the leader's own evidence).
    """
    held = db.session.scalars(
        select(HeldCompetence).where(
            HeldCompetence.employee_id == person.id,
            HeldCompetence.competence_id == competence.id,
            HeldCompetence.source == source,
        )
    ).first()
    old_level = old_valid_until = None
    if held is None:
        held = HeldCompetence(
            employee_id=person.id,
            competence_id=competence.id,
            source=source,
            evidence_note="",
            evidence_url="",
        )
        db.session.add(held)
        default_action = "created"
    else:
        old_level, old_valid_until = held.level, held.valid_until
        default_action = "changed"
    held.level = level
    held.achieved_on = achieved_on
    held.valid_until = valid_until
    if note and not (fill_only and held.evidence_note):
        held.evidence_note = note
    if url and not (fill_only and held.evidence_url):
        held.evidence_url = url
    held.recorded_by_id = user.id
    held.recorded_at = utcnow()
    db.session.add(
        HeldCompetenceChange(
            employee_id=person.id,
            competence_id=competence.id,
            source=source,
            action=action or default_action,
            old_level=old_level,
            new_level=level,
            old_valid_until=old_valid_until,
            new_valid_until=valid_until,
            note=note or "",
            changed_by_id=user.id,
        )
    )
    db.session.flush()
    return held


def _store_file(held, upload, user):
    db.session.add(
        EvidenceFile(
            held_competence_id=held.id,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
            data=upload.data,
            uploaded_by_id=user.id,
        )
    )


def _commit():
    """Commit, turning a lost race on the unique key into a clear error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ProfileError("competence_id", _l("Someone else recorded this competence at the same moment. Please try again."))


def record_assessment(
    person,
    user,
    source,
    competence_id,
    level,
    achieved_on,
    valid_until=None,
    note="",
    url="",
    upload=None,
    today=None,
):
    """A leader's assessment or prior-learning assessment, with its evidence, committed.

    Raises :class:`ProfileError` naming the field on bad input; then nothing
    is written. ``valid_until`` left empty follows the competence's validity.
    """
    if source not in ASSESSED_SOURCES:
        raise ValueError(f"not an assessment source: {source}")
    if not may_assess(user, person):
        abort(403)
    today = today or date.today()
    competence = db.session.get(Competence, competence_id) if competence_id else None
    _check_assessment(competence, level, achieved_on, valid_until, today)
    url = check_link(url)
    note = (note or "").strip()
    if source == "leader_assessment" and not note:
        raise ProfileError("evidence_note", _l("Say briefly what the assessment is based on."))
    if source == "prior_learning" and not (note or url or upload):
        raise ProfileError(
            "evidence_note", _l("Prior learning needs evidence: describe it, give a link or upload a certificate.")
        )
    if valid_until is None:
        valid_until = derived_valid_until(achieved_on, competence.validity_months)
    held = _upsert(person, competence, source, level, achieved_on, valid_until, note, url, user)
    if upload is not None:
        _store_file(held, upload, user)
    _commit()
    return held


def record_self_assessment(person, user, competence_id, level, note="", url="", today=None):
    """The employee's own view of a competence, committed; never counted as verified."""
    if not may_self_assess(user, person):
        abort(403)
    today = today or date.today()
    competence = db.session.get(Competence, competence_id) if competence_id else None
    _check_assessment(competence, level, today, None, today)
    url = check_link(url)
    held = _upsert(person, competence, "self_assessment", level, today, None, (note or "").strip(), url, user)
    _commit()
    return held


def confirm_self_assessment(person, user, held_id, today=None):
    """The leader agrees with a self-assessment: a leader assessment at that level.

    The self-assessment stays as the employee wrote it; the confirmation is a
    ``leader_assessment`` row (created or updated) and a "confirmed" entry in
    the timeline.
    """
    if not may_assess(user, person):
        abort(403)
    today = today or date.today()
    own = db.session.scalars(
        select(HeldCompetence).where(
            and_(
                HeldCompetence.id == held_id,
                HeldCompetence.employee_id == person.id,
                HeldCompetence.source == "self_assessment",
            )
        )
    ).first()
    if own is None:
        abort(404)
    competence = own.competence
    if own.level > competence.max_level:
        raise ProfileError(
            "level",
            _l("The level must be between 1 and %(max)s for %(name)s.", max=competence.max_level, name=competence.name),
        )
    held = _upsert(
        person,
        competence,
        "leader_assessment",
        own.level,
        today,
        derived_valid_until(today, competence.validity_months),
        own.evidence_note,
        own.evidence_url,
        user,
        action="confirmed",
        fill_only=True,
    )
    _commit()
    return held


# --- the API's view -------------------------------------------------------------


def held_competence_json(held, today=None, detailed=False):
    """A held competence in the contract's shape; ``detailed`` adds the evidence (export)."""
    today = today or date.today()
    body = {
        "competence_id": held.competence_id,
        "code": held.competence.code,
        "name": held.competence.name,
        "area": held.competence.area.name,
        "level": held.level,
        "max_level": held.competence.max_level,
        "source": held.source,
        "achieved_on": held.achieved_on.isoformat() if held.achieved_on else None,
        "valid_until": held.valid_until.isoformat() if held.valid_until else None,
        "expired": not held.is_valid_on(today),
        "verified": held.verified,
        "objection": held.objection or None,
        "objected_at": _iso_time(held.objected_at) if held.objected_at else None,
        "objected_level": held.objected_level,
    }
    if detailed:
        body["evidence_note"] = held.evidence_note
        body["evidence_url"] = held.evidence_url
    return body


def held_competences_json(employee_id, detailed=False):
    """All of a person's held competences for the API, in one query."""
    today = date.today()
    return [held_competence_json(h, today, detailed) for h in held_rows(employee_id)]



def export_json(employee_id):
    """The competence part of ``/me/export``: held values, evidence and the full history.

    Three queries; file contents are left out (they can be downloaded from the profile).
    """
    if employee_id is None:
        return {"competences": [], "competence_history": [], "evidence_files": []}
    changes = db.session.execute(
        select(HeldCompetenceChange, Competence.code)
        .join(Competence, HeldCompetenceChange.competence_id == Competence.id)
        .where(HeldCompetenceChange.employee_id == employee_id)
        .order_by(HeldCompetenceChange.changed_at.desc(), HeldCompetenceChange.id.desc())
    ).all()
    files = db.session.execute(
        select(EvidenceFile, Competence.code, HeldCompetence.source)
        .join(HeldCompetence, EvidenceFile.held_competence_id == HeldCompetence.id)
        .join(Competence, HeldCompetence.competence_id == Competence.id)
        .where(HeldCompetence.employee_id == employee_id)
        .options(defer(EvidenceFile.data))
        .order_by(EvidenceFile.id)
    ).all()
    return {
        "competences": held_competences_json(employee_id, detailed=True),
        "competence_history": [
            {
                "competence_id": c.competence_id,
                "code": code,
                "source": c.source,
                "action": c.action,
                "old_level": c.old_level,
                "new_level": c.new_level,
                "old_valid_until": c.old_valid_until.isoformat() if c.old_valid_until else None,
                "new_valid_until": c.new_valid_until.isoformat() if c.new_valid_until else None,
                "note": c.note,
                "changed_at": _iso_time(c.changed_at),
            }
            for c, code in changes
        ],
        "evidence_files": [
            {
                "id": f.id,
                "code": code,
                "source": source,
                "filename": f.filename,
                "content_type": f.content_type,
                "size": f.size,
                "uploaded_at": _iso_time(f.uploaded_at),
            }
            for f, code, source in files
        ],
    }


def _iso_time(value):
    """A stored time with its offset (SQLite hands times back naive; they are UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()
