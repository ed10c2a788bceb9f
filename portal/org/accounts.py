"""Creating users and granting roles: shared by the admin pages and the CLI."""
import re

from sqlalchemy import select

from ..access import ROLES
from ..audit import log as audit
from ..extensions import db
from .models import Employee, RoleAssignment, Unit, User


EMAIL_MAX = 254
# One address, nothing that could smuggle a second recipient or a header into a mail:
# no blanks, commas, semicolons, angle brackets or quotes; a domain with a dot.
EMAIL = re.compile(r"[^@\s,;<>\"'()\[\]\\]{1,64}@(?:[^@\s,;<>\"'()\[\]\\.]+\.)+[^@\s,;<>\"'()\[\]\\.]{2,}")


class AccountError(ValueError):
    """A user or role request that cannot be carried out; ``field`` names the culprit."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def find_employee(number):
    """The employee with ``number`` or an AccountError naming the field."""
    employee = db.session.scalars(select(Employee).where(Employee.employee_number == number)).first()
    if employee is None:
        raise AccountError("employee_number", f"no employee has number {number}")
    return employee


def find_unit(code):
    """The unit with ``code`` or an AccountError naming the field."""
    unit = db.session.scalars(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise AccountError("unit", f"no unit has code {code}")
    return unit


def clean_email(address):
    """The address as stored (trimmed, domain in lower case), ``None`` for a blank one, or an AccountError."""
    address = (address or "").strip()
    if not address:
        return None
    # ASCII only: an address with "ø" needs SMTPUTF8, which many mail servers refuse, so mail would never arrive.
    if len(address) > EMAIL_MAX or not (address.isascii() and address.isprintable()) or not EMAIL.fullmatch(address):
        raise AccountError("email", f"{address[:60]!r} is not an e-mail address")
    local, domain = address.rsplit("@", 1)
    if local.startswith(".") or local.endswith(".") or ".." in local or domain.startswith("-"):
        raise AccountError("email", f"{address[:60]!r} is not an e-mail address")
    return f"{local}@{domain.lower()}"


def set_email(user, address):
    """Give ``user`` the e-mail address notifications go to (blank removes it); the caller commits."""
    user.email = clean_email(address)
    return user.email


def create_user(username, password, employee=None, email=None):
    """Add a new active user, with the e-mail address notifications go to if given; the caller commits."""
    username = username.strip()
    if not username:
        raise AccountError("username", "a user name is required")
    if len(username) > 64:
        raise AccountError("username", "a user name has at most 64 characters")
    if db.session.scalars(select(User.id).where(User.username == username)).first():
        raise AccountError("username", f"the user name {username} is taken")
    if len(password) < 8:
        raise AccountError("password", "the password must have at least 8 characters")
    if employee is not None and db.session.scalars(select(User.id).where(User.employee_id == employee.id)).first():
        raise AccountError("employee_number", f"employee {employee.employee_number} already has a user")
    user = User(username=username, employee=employee, email=clean_email(email))
    user.set_password(password)
    db.session.add(user)
    return user


def grant_role(user, role, unit=None):
    """Give ``user`` a role; ``leader`` needs a unit, the other roles take none."""
    if role not in ROLES:
        raise AccountError("role", f"unknown role {role}")
    if role == "leader" and unit is None:
        raise AccountError("unit", "a leader must lead a unit")
    if role != "leader":
        unit = None
    for existing in user.role_assignments:
        if existing.role == role and existing.unit_id == (unit.id if unit else None):
            return existing
    assignment = RoleAssignment(role=role, unit=unit)
    user.role_assignments.append(assignment)
    _audit_role("role.grant", user, role, unit)
    return assignment


def revoke_role(user, assignment):
    """Take a role away from ``user`` (the caller commits)."""
    _audit_role("role.revoke", user, assignment.role, assignment.unit)
    db.session.delete(assignment)


def _audit_role(action, user, role, unit):
    """Role changes are in the audit log: who gave or took which role from whom."""
    if user.id is None:
        db.session.flush()  # a new account: its id is what the entry points at
    details = {"username": user.username, "role": role, "unit": unit.code if unit is not None else None}
    audit.record(action, "user", user.id, details)
