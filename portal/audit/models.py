"""The audit log table: append-only, each row sealed with a hash over its content and its predecessor's hash."""
from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class AuditEntry(db.Model):
    """One thing that happened: who, when, what, to which object, with details as canonical JSON.

    The id is the entry's place in the chain and is set by :func:`..log.record`
    (last id + 1), never by a sequence: two transactions appending at once
    cannot both take the same place, so the chain cannot fork. ``at`` and
    ``details`` are stored as the exact text that was hashed, so reading them
    back never changes what :func:`..log.verify` recomputes.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: deleting a user never touches the log
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (Index("ix_audit_entry_object", "object_type", "object_id"),)
