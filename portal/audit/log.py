"""Writing and checking the hash-chained audit log.

Every workflow step, sign-off, role change, import and download of personal
data calls :func:`record` inside the transaction that does the work, so the
entry is committed with the change or not at all. Each entry's hash covers
its own content and the hash of the entry before it; editing an entry breaks
its own hash, deleting one breaks the link of the next, and :func:`verify`
names the entry either way. Only the newest entry can vanish without a
trace in the chain itself, which is why ``audit verify`` prints the head
hash: note it (or send it elsewhere) and pass it back with ``--head``.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock,
on SQLite by its single writer (the id is the previous id + 1 and the
primary key refuses a second entry in the same place, so a race ends in an
error, never in a forked chain).
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import has_request_context
from sqlalchemy import event, func, insert, select
from sqlalchemy.orm import Session

from ..extensions import db
from .models import AuditEntry

GENESIS = "0" * 64
LOCK_KEY = 74001  # an arbitrary number naming the audit lock among PostgreSQL advisory locks


# Built once per process; each append passes its own values.
_COLUMNS = ("id", "at", "actor_id", "actor", "action", "object_type", "object_id", "details", "prev_hash", "hash")
_INSERT = insert(AuditEntry.__table__)
_HEAD = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)


class AppendOnly(Exception):
    """Raised when code tries to change or delete an audit entry."""


def canonical(value):
    """The one JSON text of ``value`` that is hashed and stored: sorted keys, no spaces, UTF-8."""
    return json.dumps(value or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def seal(entry, prev_hash):
    """The hash of ``entry`` following an entry whose hash is ``prev_hash``."""
    content = canonical(
        {
            "id": entry.id,
            "at": entry.at,
            "actor_id": entry.actor_id,
            "actor": entry.actor,
            "action": entry.action,
            "object_type": entry.object_type or "",
            "object_id": entry.object_id,
            "details": entry.details,
        }
    )
    return hashlib.sha256(f"{prev_hash}\n{content}".encode("utf-8")).hexdigest()


def _actor(actor):
    if actor is None and has_request_context():
        from ..access import current_principal

        actor = current_principal()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "system"
    return actor.id, actor.username


def _lock():
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))


def _head():
    """The id and hash of the newest entry, with the append lock held.

    Within one transaction the lock is taken and the head read once: after
    that, this session's own last entry is the head (no other writer can
    append while the lock is held), which keeps a step that writes several
    entries, or a demo that writes hundreds, from paying two statements each.
    The remembered head belongs to one transaction, and any rollback, a
    savepoint's too, forgets it (:func:`_forget_head`), so an entry that was
    undone is never built on.
    """
    transaction = db.session().get_transaction()
    remembered = db.session.info.get("audit_head")
    if remembered and remembered[0] is transaction:
        return remembered[1], remembered[2]
    _lock()
    last = db.session.execute(_HEAD).first()
    return last if last else (0, GENESIS)


def record(action, object_type="", object_id=None, details=None, actor=None):
    """Append an entry in the current transaction and return it, as written (the caller commits)."""
    last_id, prev_hash = _head()
    actor_id, actor_name = _actor(actor)
    entry = AuditEntry(
        id=last_id + 1,
        at=datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        actor_id=actor_id,
        actor=actor_name,
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        details=canonical(details),
        prev_hash=prev_hash,
    )
    entry.hash = seal(entry, prev_hash)
    # A plain INSERT, at once (a taken place in the chain fails here, not at commit), without the ORM's
    # bookkeeping: the entry is never changed afterwards, so the session need not track it.
    db.session.execute(_INSERT, {column: getattr(entry, column) for column in _COLUMNS})
    db.session.info["audit_head"] = (db.session().get_transaction(), entry.id, entry.hash)
    return entry


def _forget_head(session, _previous_transaction):
    """After any rollback, a savepoint's included, the remembered head may be an entry that was undone."""
    session.info.pop("audit_head", None)


@dataclass
class Problem:
    """Something wrong in the chain, at entry ``entry_id``."""

    entry_id: int
    message: str

    def __str__(self):
        return f"entry {self.entry_id}: {self.message}"


@dataclass
class Verdict:
    count: int
    head: str
    problems: list


def verify(batch=1000):
    """Walk the chain in order and name every entry that was changed, and every gap left by a deleted one."""
    problems = []
    expected_id, prev_hash, count = 1, GENESIS, 0
    rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=batch)).scalars()
    for entry in rows:
        count += 1
        if entry.id != expected_id:
            missing = f"{expected_id}" if entry.id == expected_id + 1 else f"{expected_id} to {entry.id - 1}"
            problems.append(Problem(entry.id, f"entry {missing} before it is missing (deleted)"))
        if entry.prev_hash != prev_hash:
            problems.append(Problem(entry.id, "does not follow the entry before it (that entry was deleted or changed)"))
        if seal(entry, entry.prev_hash) != entry.hash:
            problems.append(Problem(entry.id, "was changed: its content no longer matches its hash"))
        expected_id, prev_hash = entry.id + 1, entry.hash
    return Verdict(count, prev_hash, problems)


def _refuse_changes(session, _context, _instances):
    """The application never updates or deletes an audit entry; a bug that tries is stopped here."""
    for instance in list(session.dirty) + list(session.deleted):
        if isinstance(instance, AuditEntry) and (instance in session.deleted or session.is_modified(instance)):
            raise AppendOnly(f"audit entry {instance.id} cannot be changed or deleted")


def init_app(app):
    """Guard every session against changing audit entries (once per process)."""
    if not event.contains(Session, "before_flush", _refuse_changes):
        event.listen(Session, "before_flush", _refuse_changes)
    if not event.contains(Session, "after_soft_rollback", _forget_head):
        event.listen(Session, "after_soft_rollback", _forget_head)
