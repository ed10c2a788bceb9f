"""Every list page and list endpoint costs the same SQL statements at 10 and at 1,000 rows.

The routes, and how each is filled, are in tests/query_count_routes.py (the
same table drives bench/queries.py). Each route is asked for once at 10 rows
and once at 1,000, as the role that sees the rows, and must answer 200 with
the rows visible and the very same number of statements: a query per row
(an N+1) would make the second count larger.
"""
import re

import pytest

from tests.query_count_routes import NOT_A_LIST, ROUTES, SIZES, measure


def _get_endpoints(app):
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def _statements_added(before, after):
    """The statements of the bigger request that the smaller one did not run, shortened for the message."""
    remaining = list(before)
    extra = []
    for statement in after:
        if statement in remaining:
            remaining.remove(statement)
        else:
            extra.append(re.sub(r"\s+", " ", re.sub(r"((\?|%\(\w+\)s|\$\d+), ){3,}", "..., ", statement))[:300])
    return extra


@pytest.mark.parametrize("route", ROUTES, ids=[route.id for route in ROUTES])
def test_the_same_statements_at_10_and_1000_rows(app, route):
    small, large = measure(app, route)
    assert (small.size, large.size) == route.sizes
    for found in (small, large):
        assert found.status == 200, f"{route.path} answered {found.status} at {found.size} rows"
        assert found.shown >= route.shown, (
            f"{route.path} shows {found.shown} rows marked {route.marker!r} at {found.size} rows, "
            f"expected at least {route.shown}: the sweep would prove nothing on an empty answer"
        )
    extra = _statements_added(small.statements, large.statements)
    assert small.queries == large.queries, (
        f"{route.path} ran {small.queries} statements at {small.size} rows and {large.queries} at {large.size}; "
        f"first of the extra ones: {extra[:3]}"
    )


def test_every_get_route_is_swept_or_said_not_to_list(app):
    """A new list page must be added to the sweep (or to NOT_A_LIST, with the reason)."""
    endpoints = _get_endpoints(app)
    swept = {route.endpoint for route in ROUTES}
    missing = endpoints - swept - set(NOT_A_LIST)
    assert not missing, f"GET routes neither in tests/query_count_routes.py ROUTES nor NOT_A_LIST: {sorted(missing)}"
    assert not swept & set(NOT_A_LIST), sorted(swept & set(NOT_A_LIST))
    assert not (swept | set(NOT_A_LIST)) - endpoints, f"no such routes: {sorted((swept | set(NOT_A_LIST)) - endpoints)}"
    assert all(reason.strip() for reason in NOT_A_LIST.values())


def test_each_path_reaches_its_route(app):
    """The path in the table is the route it claims to be (placeholders filled with 1)."""
    adapter = app.url_map.bind("localhost")
    for route in ROUTES:
        path = re.sub(r"\{\w+\}", "1", route.path).split("?")[0]
        endpoint, _args = adapter.match(path, method="GET")
        assert endpoint == route.endpoint, (route.path, endpoint)
    assert SIZES == (10, 1000)
    for route in ROUTES:  # a smaller size only for a document too long to draw quickly, and said why
        assert route.sizes == SIZES or (route.kind == "pdf" and route.sizes[1] >= 100 and route.note), route.id


def test_the_sweep_notices_a_query_per_row(app, monkeypatch):
    """Without the eager load of each employee's unit, the API's list loads units one by one: caught."""
    from sqlalchemy import select

    from portal.api import views
    from portal.org.models import Employee
    from portal.org.visibility import employee_condition

    def lazy(user):
        return select(Employee).join(Employee.unit).where(employee_condition(user))

    monkeypatch.setattr(views, "visible_employees", lazy)
    route = next(route for route in ROUTES if route.endpoint == "api.employees")
    small, large = measure(app, route)
    assert (small.status, large.status) == (200, 200)
    assert large.queries - small.queries >= 150, (small.queries, large.queries)  # 200 units a page, not 10
