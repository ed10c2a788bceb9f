"""Reminders sent by ``flask --app portal send-reminders`` (run daily from cron).

Three kinds, each found with one query whatever the number of interviews,
recipients included (leaders are matched to the employee's unit in SQL):

* ``appraisal-not-held``: the leaders of the unit, when an interview's time
  has passed and it is still scheduled or prepared;
* ``prepare``: the employee, when their interview is at most
  :data:`PREPARE_DAYS` days ahead and not prepared yet;
* ``expiry``: the employee and their leaders, when a certification
  (a verified held competence of kind ``certification``) runs out within
  :data:`EXPIRY_DAYS` days and has not been renewed in another record.

A reminder is never sent twice: each mail has a key (kind, object, date
where it matters, recipient) in the outbox, whose unique index refuses a
second one, and the queries leave out keys already there. Texts are
written in each recipient's language. Sending goes through the outbox
(:func:`portal.notify.send_pending`), so mails that failed before are
retried and a server that is down leaves them waiting for the next run.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import String, and_, cast, exists, func, insert, literal, or_, select
from sqlalchemy.orm import aliased

from ..competence.models import UNVERIFIED_SOURCES, Competence, HeldCompetence
from ..extensions import db
from ..notify.models import OutgoingMail
from ..org.models import Employee, RoleAssignment, Unit, User, utcnow
from .models import Appraisal

PREPARE_DAYS = 14
EXPIRY_DAYS = 90
KINDS = ("appraisal-not-held", "prepare", "expiry")


@dataclass
class Report:
    """How many reminders of each kind were queued in this run."""

    queued: dict = field(default_factory=lambda: {kind: 0 for kind in KINDS})

    @property
    def total(self):
        return sum(self.queued.values())


def queue_reminders(now=None):
    """Queue every reminder that is due and not sent before; commits. Returns a :class:`Report`.

    A constant number of queries: one per kind and recipient group, one
    bulk insert into the outbox.
    """
    now = now or datetime.now(timezone.utc)
    today = now.astimezone(_oslo()).date()
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    default = current_app.config["PORTAL_DEFAULT_LOCALE"]
    report = Report()
    mails, keys = [], set()
    for kind, rows, render in (
        ("appraisal-not-held", _not_held(now), _render_not_held),
        ("prepare", _to_prepare(now), _render_prepare),
        ("expiry", _expiring(today, leaders=False), _render_expiry_employee),
        ("expiry", _expiring(today, leaders=True), _render_expiry_leader),
    ):
        for row in rows:
            if row.key in keys:  # a leader of both a unit and the unit above it
                continue
            keys.add(row.key)
            with force_locale(row.locale or default):
                subject, body = render(row, base)
                mails.append({"to_address": row.email, "subject": str(subject)[:300], "body": str(body),
                              "key": row.key, "created_at": utcnow(), "attempts": 0, "last_error": "",
                              "sent_at": None})
            report.queued[kind] += 1
    if mails:
        db.session.execute(insert(OutgoingMail.__table__), mails)
    db.session.commit()
    return report


# --- who gets what (one query each) ------------------------------------------------------


def _key(*parts):
    """A reminder key built in SQL, e.g. ``prepare:12:7`` (kind, object, ..., recipient user id)."""
    expression = literal(parts[0], String)
    for part in parts[1:]:
        expression = expression + literal(":", String) + (part if isinstance(part, str) else cast(part, String))
    return expression


def _not_sent(key):
    return ~exists().where(OutgoingMail.key == key)


def _join_leaders(stmt, employee_unit):
    """``stmt`` joined with the users who lead ``employee_unit`` (the unit they lead is it or above it)."""
    led = aliased(Unit)
    return (
        stmt.join(led, func.substr(employee_unit.path, 1, func.length(led.path)) == led.path)
        .join(RoleAssignment, and_(RoleAssignment.unit_id == led.id, RoleAssignment.role == "leader"))
        .join(User, User.id == RoleAssignment.user_id)
    )


def _recipient_columns(key):
    return (User.email.label("email"), User.locale.label("locale"), key.label("key"))


def _not_held(now):
    """(appraisal, leader) pairs for interviews whose time has passed without being held."""
    unit = aliased(Unit)
    key = _key("appraisal-not-held", Appraisal.id, User.id)
    stmt = (
        select(
            Appraisal.id.label("appraisal_id"), Appraisal.scheduled_for.label("when"),
            Employee.first_name, Employee.last_name, *_recipient_columns(key),
        )
        .join(Employee, Employee.id == Appraisal.employee_id)
        .join(unit, unit.id == Employee.unit_id)
    )
    stmt = (
        _join_leaders(stmt, unit)
        .where(
            Appraisal.state.in_(("scheduled", "prepared")),
            Appraisal.scheduled_for < now,
            _active_address(),
            or_(User.employee_id.is_(None), User.employee_id != Appraisal.employee_id),
            _not_sent(key),
        )
        .order_by(Appraisal.id, User.id)
    )
    return db.session.execute(stmt).all()


def _to_prepare(now):
    """Employees whose interview is within the next days and still waits for their preparation."""
    key = _key("prepare", Appraisal.id, User.id)
    stmt = (
        select(Appraisal.id.label("appraisal_id"), Appraisal.scheduled_for.label("when"), *_recipient_columns(key))
        .join(User, User.employee_id == Appraisal.employee_id)
        .where(
            Appraisal.state == "scheduled",
            Appraisal.scheduled_for >= now,
            Appraisal.scheduled_for <= now + timedelta(days=PREPARE_DAYS),
            _active_address(),
            _not_sent(key),
        )
        .order_by(Appraisal.id)
    )
    return db.session.execute(stmt).all()


def _expiring(today, leaders):
    """Certifications that run out within :data:`EXPIRY_DAYS`, with the employee (or their leaders) as recipient."""
    renewed = aliased(HeldCompetence)
    later = exists().where(
        renewed.employee_id == HeldCompetence.employee_id,
        renewed.competence_id == HeldCompetence.competence_id,
        renewed.source.not_in(UNVERIFIED_SOURCES),
        renewed.id != HeldCompetence.id,
        or_(renewed.valid_until.is_(None), renewed.valid_until > HeldCompetence.valid_until),
    )
    key = _key("expiry", HeldCompetence.id, cast(HeldCompetence.valid_until, String), User.id)
    stmt = (
        select(
            HeldCompetence.id.label("held_id"), HeldCompetence.valid_until.label("until"),
            HeldCompetence.employee_id, Competence.name.label("competence"),
            Employee.first_name, Employee.last_name, *_recipient_columns(key),
        )
        .join(Competence, Competence.id == HeldCompetence.competence_id)
        .join(Employee, Employee.id == HeldCompetence.employee_id)
    )
    if leaders:
        unit = aliased(Unit)
        stmt = (
            _join_leaders(stmt.join(unit, unit.id == Employee.unit_id), unit)
            .where(or_(User.employee_id.is_(None), User.employee_id != HeldCompetence.employee_id))
        )
    else:
        stmt = stmt.join(User, User.employee_id == HeldCompetence.employee_id)
    stmt = stmt.where(
        Competence.kind == "certification",
        HeldCompetence.source.not_in(UNVERIFIED_SOURCES),
        HeldCompetence.valid_until >= today,
        HeldCompetence.valid_until <= today + timedelta(days=EXPIRY_DAYS),
        or_(Employee.end_date.is_(None), Employee.end_date >= today),
        ~later,
        _active_address(),
        _not_sent(key),
    ).order_by(HeldCompetence.id, User.id)
    return db.session.execute(stmt).all()


def _active_address():
    return and_(User.active.is_(True), User.email.is_not(None), User.email != "")


# --- the texts, in the recipient's language ---------------------------------------------


def _oslo():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Oslo")


def _when(value):
    """A stored time as the recipient's language writes date and time (Norwegian local time)."""
    if value.tzinfo is None:  # SQLite hands stored times back naive; they are UTC
        value = value.replace(tzinfo=timezone.utc)
    return format_datetime(value, "long")


def _day(value):
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, "long")


def _render_not_held(row, base):
    name = f"{row.first_name} {row.last_name}"
    subject = _("Appraisal interview not held: %(name)s", name=name)
    body = _(
        "The appraisal interview with %(name)s was planned for %(when)s, but it has not been marked as held.\n"
        "Mark it as held, move it or cancel it here: %(link)s\n",
        name=name, when=_when(row.when), link=f"{base}/appraisals/{row.appraisal_id}",
    )
    return subject, body


def _render_prepare(row, base):
    subject = _("Prepare for your appraisal interview on %(day)s", day=_day(_local(row.when)))
    body = _(
        "Your appraisal interview is on %(when)s.\n"
        "Take a few minutes to prepare in your own words before you meet: %(link)s\n",
        when=_when(row.when), link=f"{base}/appraisals/{row.appraisal_id}",
    )
    return subject, body


def _render_expiry_employee(row, base):
    subject = _("Your %(competence)s expires on %(day)s", competence=row.competence, day=_day(row.until))
    body = _(
        "Your certification %(competence)s is valid until %(day)s. Talk to your leader about renewing it in time.\n"
        "Your competences: %(link)s\n",
        competence=row.competence, day=_day(row.until), link=f"{base}/employees/{row.employee_id}",
    )
    return subject, body


def _render_expiry_leader(row, base):
    name = f"{row.first_name} {row.last_name}"
    subject = _("%(competence)s for %(name)s expires on %(day)s", competence=row.competence, name=name,
                day=_day(row.until))
    body = _(
        "The certification %(competence)s held by %(name)s is valid until %(day)s. Plan the renewal in time.\n"
        "See the competences: %(link)s\n",
        competence=row.competence, name=name, day=_day(row.until), link=f"{base}/employees/{row.employee_id}",
    )
    return subject, body


def _local(value):
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(_oslo())
