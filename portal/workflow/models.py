"""What the engine stores for any workflow object: its history and its sign-offs.

Rows point at their object by ``(object_type, object_id)`` so plans and
appraisals share one history and one sign-off table, as in Plone's workflow
history. History rows are only ever added, never changed, except that the
archive plan's retention rule clears their texts (portal/maintenance/retention.py).
"""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..org.models import utcnow

KINDS = ("create", "transition", "signoff", "edit")
DECISIONS = ("approve", "reject")


class WorkflowHistory(db.Model):
    """One step in an object's life: created, moved, signed or edited, by whom and at which version."""

    __table_args__ = (Index("ix_workflow_history_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    transition: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[list | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SignOff(db.Model):
    """A decision by someone signing in a capacity, bound to the version they saw.

    One decision per capacity and version: a second person signing the same
    version in the same capacity is refused (409), and a capacity that
    rejected must wait for a newer version to approve.
    """

    __table_args__ = (
        UniqueConstraint("object_type", "object_id", "capacity", "version", name="uq_sign_off_once"),
        Index("ix_sign_off_object", "object_type", "object_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
