"""Appraisal interviews (medarbeidersamtaler) and the development entries agreed in them.

An appraisal is a workflow object like a plan (``state`` and ``version`` are
the engine's). Its content is confidential between the employee and the
leaders of their unit: every lookup goes through ``access.appraisal_or_404``.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..competence.models import Competence
from ..extensions import db
from ..org.models import Employee, User, utcnow
from ..plans.models import Measure

# The employee's guided preparation, in their own words.
PREPARATION_KEYS = ("work_situation", "cooperation", "went_well", "wants_to_build", "other")
ENTRY_STATUSES = ("planned", "in_progress", "completed", "cancelled")
OPEN_STATUSES = ("planned", "in_progress")


class Appraisal(db.Model):
    """One yearly appraisal interview between an employee and their leader."""

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    location: Mapped[str] = mapped_column(String(200), default="")
    preparation: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    employee_comment: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(30), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    employee: Mapped[Employee] = relationship()
    created_by: Mapped[User | None] = relationship()


class DevelopmentEntry(db.Model):
    """A development goal for one employee (individual development plan), usually agreed in an appraisal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    appraisal_id: Mapped[int | None] = mapped_column(ForeignKey("appraisal.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    competence_id: Mapped[int | None] = mapped_column(ForeignKey("competence.id"), index=True)
    target_level: Mapped[int | None] = mapped_column(Integer)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measure.id", ondelete="SET NULL"), index=True)
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned", index=True)
    status_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by_activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_activity.id", ondelete="SET NULL")
    )

    employee: Mapped[Employee] = relationship()
    competence: Mapped[Competence | None] = relationship()
    measure: Mapped[Measure | None] = relationship()


class DevelopmentEntryEvent(db.Model):
    """A change of a development entry's status, for the employee's history of their plan."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("development_entry.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
