"""The competence catalogue, what people hold, what units require, and the history of changes."""
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..org.models import Employee, Unit, User, utcnow

KINDS = ("formal", "certification", "skill", "prior_learning")
SOURCES = ("personnel_system", "self_assessment", "leader_assessment", "learning_activity", "prior_learning")
# A self-assessment is the employee's own view; it never counts towards a gap.
UNVERIFIED_SOURCES = ("self_assessment",)


class CompetenceArea(db.Model):
    """A heading in the catalogue (e.g. "Helse", "Digital")."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Competence(db.Model):
    """One competence in the catalogue, with its level scale and how long it stays valid."""

    __table_args__ = (
        CheckConstraint("max_level >= 1 AND max_level <= 10", name="level_scale"),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("competence_area.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    max_level: Mapped[int] = mapped_column(Integer, default=3)
    validity_months: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")

    area: Mapped[CompetenceArea] = relationship()


class HeldCompetence(db.Model):
    """A competence an employee holds, as one source states it.

    One row per (employee, competence, source): the personnel system's record,
    the leader's assessment and the employee's self-assessment live side by
    side, so a self-assessment never overwrites a verified value.
    """

    __table_args__ = (
        UniqueConstraint("employee_id", "competence_id", "source"),
        CheckConstraint("level >= 0", name="level_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20))
    achieved_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The employee's objection to this value, stored beside it and shown wherever
    # it is shown; ``objected_level`` is the level it answered, which tells a
    # reader whether a later assessment has already taken it into account.
    objection: Mapped[str] = mapped_column(Text, default="", server_default="")
    objected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    objected_level: Mapped[int | None] = mapped_column(Integer)

    employee: Mapped[Employee] = relationship()
    competence: Mapped[Competence] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def verified(self):
        """Whether the value counts in gap figures (everything but self-assessment)."""
        return self.source not in UNVERIFIED_SOURCES

    @property
    def objection_is_current(self):
        """Whether the objection still answers the level shown (no new assessment since)."""
        return bool(self.objection) and self.objected_level == self.level

    def is_valid_on(self, day):
        """Valid through ``valid_until`` inclusive; no date means it never expires."""
        return self.valid_until is None or self.valid_until >= day


class HeldCompetenceChange(db.Model):
    """The earlier value of a held competence, written on every change (the timeline)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id"))
    source: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))  # created | changed | removed
    old_level: Mapped[int | None] = mapped_column(Integer)
    new_level: Mapped[int | None] = mapped_column(Integer)
    old_valid_until: Mapped[date | None] = mapped_column(Date)
    new_valid_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    competence: Mapped[Competence] = relationship()
    changed_by: Mapped[User | None] = relationship()


class EvidenceFile(db.Model):
    """An uploaded certificate or diploma (PDF or image) backing a held competence.

    Kept in the database, not on local disk, so app servers stay stateless.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    held_competence_id: Mapped[int] = mapped_column(
        ForeignKey("held_competence.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Requirement(db.Model):
    """What a unit needs: ``required_count`` people holding a competence at ``min_level``.

    Holders are counted in the unit and all its sub-units, optionally only
    among one profession.
    """

    __table_args__ = (
        UniqueConstraint("unit_id", "competence_id", "profession"),
        CheckConstraint("min_level >= 1", name="min_level"),
        CheckConstraint("required_count >= 1", name="required_count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    competence_id: Mapped[int] = mapped_column(ForeignKey("competence.id"), index=True)
    min_level: Mapped[int] = mapped_column(Integer)
    required_count: Mapped[int] = mapped_column(Integer)
    profession: Mapped[str | None] = mapped_column(String(100))

    unit: Mapped[Unit] = relationship()
    competence: Mapped[Competence] = relationship()


class RetirementAge(db.Model):
    """The age hr assumes people of a profession leave at (særaldersgrense where it applies)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    profession: Mapped[str] = mapped_column(String(100), unique=True)
    age: Mapped[int] = mapped_column(Integer)
