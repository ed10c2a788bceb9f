"""Turning rows into the JSON shapes the contract promises."""


def iso(value):
    """Dates and times in ISO 8601, ``None`` kept."""
    return value.isoformat() if value is not None else None


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


def page_json(page, item_json):
    """A list answer: ``{"items", "total", "page", "per_page"}``."""
    return {
        "items": [item_json(row) for row in page.items],
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    }
