"""Competence plans, their goals, measures and progress notes.

A plan is a workflow object (``state`` and ``version`` are the engine's): its
content may only change in the stage the workflow definition allows, and every
change raises the version so earlier approvals stop counting.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..competence.models import Competence
from ..extensions import db
from ..org.models import Unit, User, utcnow

# The platform questions of the purpose stage (domain guide, "Agree on purpose").
PLATFORM_KEYS = ("overview", "needs_ahead", "outlook", "stability")
WORKING_GROUP_ROLES = ("leader", "employee", "representative", "safety_representative", "politician", "other")
GOAL_KINDS = ("competence", "workforce", "manual")
DIRECTIONS = ("at_least", "at_most")
VERDICTS = ("reached", "partly", "not_reached")
STRATEGIES = ("mobilise", "develop", "recruit", "phase_out")
MEASURE_STATUSES = ("planned", "in_progress", "done", "cancelled")


class Plan(db.Model):
    """A competence plan for the whole municipality (no scope unit) or one part of it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    mandate: Mapped[str] = mapped_column(Text, default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    platform: Mapped[dict] = mapped_column(JSON, default=dict)
    working_group: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(30), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    scope_unit: Mapped[Unit | None] = relationship()
    predecessor: Mapped["Plan | None"] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship()
    goals: Mapped[list["Goal"]] = relationship(
        back_populates="plan", order_by="Goal.id", cascade="all, delete-orphan"
    )
    measures: Mapped[list["Measure"]] = relationship(
        back_populates="plan", order_by="Measure.id", cascade="all, delete-orphan"
    )


class Goal(db.Model):
    """A measurable goal: holders of a competence in a unit, a workforce figure, or a manual target."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(12))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    competence_id: Mapped[int | None] = mapped_column(ForeignKey("competence.id"))
    min_level: Mapped[int | None] = mapped_column(Integer)
    target_count: Mapped[int | None] = mapped_column(Integer)
    figure: Mapped[str | None] = mapped_column(String(30))
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    direction: Mapped[str] = mapped_column(String(10), default="at_least")
    manual_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # The goal's value when it was set (or last redefined): where the plan started from.
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    target_date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[str | None] = mapped_column(String(12))
    reached_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    evaluation_comment: Mapped[str] = mapped_column(Text, default="")
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id", ondelete="SET NULL"))

    plan: Mapped[Plan] = relationship(back_populates="goals")
    unit: Mapped[Unit | None] = relationship()
    competence: Mapped[Competence | None] = relationship()

    @property
    def target(self):
        """The number the goal aims at, whatever its kind."""
        return Decimal(self.target_count) if self.kind == "competence" and self.target_count is not None else self.target_value


class Measure(db.Model):
    """A measure (tiltak) toward a goal, with the facts KS's planning tool asks for."""

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goal.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    strategy: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    responsible: Mapped[str] = mapped_column(String(200), default="")
    target_group: Mapped[str] = mapped_column(String(300), default="")
    binding_months: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    participants: Mapped[int | None] = mapped_column(Integer)
    cost_per_participant: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cost_nok: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    external_grants: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cost_centre: Mapped[str] = mapped_column(String(40), default="")
    evaluation_method: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="planned")

    plan: Mapped[Plan] = relationship(back_populates="measures")
    goal: Mapped[Goal | None] = relationship()
    notes: Mapped[list["MeasureNote"]] = relationship(
        back_populates="measure", order_by="MeasureNote.id", cascade="all, delete-orphan"
    )


class MeasureNote(db.Model):
    """A dated progress note on a measure, by whoever follows it up."""

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("portal_user.id", ondelete="SET NULL"))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="notes")
