"""Learning activities a leader logs for their staff, and who took part."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..competence.models import Competence
from ..extensions import db
from ..org.models import User, utcnow

KINDS = ("course", "fagdag", "hospitering", "elearning", "mentoring", "kollegaveiledning", "studies")


class LearningActivity(db.Model):
    """A course, professional day, job shadowing... held on one date, for some of the leader's staff."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[date] = mapped_column(Date, index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    competence_id: Mapped[int | None] = mapped_column(ForeignKey("competence.id"))
    level_achieved: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    competence: Mapped[Competence | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class LearningParticipant(db.Model):
    """One employee's participation in a learning activity."""

    activity_id: Mapped[int] = mapped_column(
        ForeignKey("learning_activity.id", ondelete="CASCADE"), primary_key=True
    )
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), primary_key=True, index=True)
