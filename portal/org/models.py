"""Units, employees, user accounts and role assignments."""
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import Date, DateTime, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db


def utcnow():
    """Return an aware UTC timestamp; stored times always carry their offset."""
    return datetime.now(timezone.utc)


class Unit(db.Model):
    """An org unit. Top-level units are service areas (tjenesteområder).

    ``path`` holds the codes from the root down ("/HO/HO-SJH/") so that a
    leader's whole subtree is one indexed prefix match, not a recursive query.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id])

    @property
    def is_service_area(self):
        """Service areas are the roots of the tree."""
        return self.parent_id is None

    @property
    def depth(self):
        """How far below its service area the unit sits (0 for a service area)."""
        return self.path.count("/") - 2


class Employee(db.Model):
    """A person employed by the municipality, as the personnel system knows them."""

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_number: Mapped[str] = mapped_column(String(32), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    profession: Mapped[str] = mapped_column(String(100), index=True)
    position_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    hire_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()

    @property
    def full_name(self):
        """First and last name, the way colleagues write it."""
        return f"{self.first_name} {self.last_name}"

    def is_employed_on(self, day):
        """Whether the person works here on ``day`` (hired, and not yet left)."""
        return self.hire_date <= day and (self.end_date is None or self.end_date >= day)


class User(UserMixin, db.Model):
    """A log-in account, linked to an employee when the user works here."""

    __tablename__ = "portal_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    employee: Mapped[Employee | None] = relationship()
    role_assignments: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def set_password(self, password):
        """Store a scrypt hash of ``password`` (Werkzeug's default method)."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password):
        """Return whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self):
        """Deactivated accounts cannot log in or use tokens."""
        return self.active

    @property
    def roles(self):
        """The set of role names the user holds, whatever their scope."""
        return {a.role for a in self.role_assignments}

    def has_role(self, *names):
        """Whether the user holds any of ``names``."""
        return bool(self.roles & set(names))

    @property
    def led_unit_ids(self):
        """Ids of the units this user leads directly (sub-units come with them)."""
        return [a.unit_id for a in self.role_assignments if a.role == "leader" and a.unit_id]


class RoleAssignment(db.Model):
    """One role held by a user; ``leader`` is scoped to a unit and its sub-units."""

    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("portal_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)

    user: Mapped[User] = relationship(back_populates="role_assignments")
    unit: Mapped[Unit | None] = relationship(lazy="joined")
