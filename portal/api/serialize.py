"""Turning rows into the JSON shapes the contract promises."""
from datetime import datetime, timezone

from ..competence.profile import held_competences_json


def iso(value):
    """Dates and times in ISO 8601, ``None`` kept.

    Stored times are UTC, but SQLite hands them back without an offset; the
    contract promises answers that carry one, so a naive time is marked UTC.
    """
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def token_json(token):
    """An API token as its owner may see it: never the secret, not even its hash."""
    return {
        "label": token.label,
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
    }


def user_json(user):
    """The caller as ``/me`` describes them."""
    return {
        "username": user.username,
        "roles": sorted(user.roles),
        "employee_id": user.employee_id,
        "led_unit_ids": sorted(user.led_unit_ids),
        "locale": user.locale,
    }


def unit_json(unit):
    """An org unit."""
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "parent_id": unit.parent_id,
        "is_service_area": unit.is_service_area,
        "path": unit.path,
    }


def employee_json(employee):
    """An employee's record from the personnel system."""
    return {
        "id": employee.id,
        "employee_number": employee.employee_number,
        "first_name": employee.first_name,
        "last_name": employee.last_name,
        "birth_date": iso(employee.birth_date),
        "unit_id": employee.unit_id,
        "unit_code": employee.unit.code,
        "profession": employee.profession,
        "position_percent": float(employee.position_percent),
        "hire_date": iso(employee.hire_date),
        "end_date": iso(employee.end_date),
    }


def employee_detail_json(employee):
    """One employee with their held competences (``GET /employees/{id}``), one extra query.

    The list endpoint keeps :func:`employee_json`, so its query count does not
    grow with the number of rows.
    """
    return {**employee_json(employee), "competences": held_competences_json(employee.id)}


def page_json(page, item_json):
    """A list answer: ``{"items", "total", "page", "per_page"}``."""
    return {
        "items": [item_json(row) for row in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    }
