"""Does any list page or list endpoint run a query per row? Statement counts at 10 and 1,000 rows.

For every route in the sweep's table (tests/query_count_routes.py: every
list page, list endpoint and export of the portal, each with a builder that
fills it with rows in the shape it shows them, every row with related
objects of its own), this fills an empty database to 10 rows, asks for the
route once as the role that sees the rows, fills it to 1,000 and asks again.
It prints the SQL statements of each request and the time it took. The
baseline of each route is the same route at 10 rows: the target is the same
number of statements at 1,000 (ratio 1 x); a query per row would show as
about 100 x. The times are of one request each (no best-of), to show how a
page's cost grows with its rows, not to compare with other machines.

tests/test_query_counts.py runs the same table in the suite and fails on
any difference. Usage::

    .venv/bin/python bench/queries.py                     # temporary SQLite database
    .venv/bin/python bench/queries.py --only plans gaps   # routes whose endpoint contains a word
    bash .ci/with-postgres .venv/bin/python bench/queries.py

The database must be empty (a temporary one is, and so is the one
``.ci/with-postgres`` makes): the script deletes every row between routes.
"""
import argparse
import contextvars
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("RATELIMIT_ENABLED", "0")  # some 80 log-ins in a row from one address

from sqlalchemy import func, inspect, select  # noqa: E402

import harness  # noqa: E402
from portal.extensions import db  # noqa: E402
from tests.query_count_routes import ROUTES, SIZES, empty, measure  # noqa: E402


def options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="routes whose endpoint contains one of these words")
    parser.add_argument("--large", type=int, default=SIZES[1],
                        help=f"rows of the second request (default {SIZES[1]:,}; a document route may use fewer)")
    return parser.parse_args()


def main():
    args = options()
    routes = [r for r in ROUTES if not args.only or any(word in r.endpoint for word in args.only)]
    if not routes:
        sys.exit(f"no route matches {args.only}")
    started = time.perf_counter()
    with harness.database("bench-queries-") as app:
        app.config["WTF_CSRF_ENABLED"] = False  # the script logs in through the form as each role
        prepare_empty_database()
        results = [(route, run(app, route, args.large)) for route in routes]
        report(results, time.perf_counter() - started)  # inside: the figures are filed under this database


def prepare_empty_database():
    """Migrate a fresh database; refuse one that holds data (every row is deleted between routes)."""
    from flask_migrate import upgrade

    if "employee" not in inspect(db.engine).get_table_names():
        upgrade()
    for table in db.metadata.sorted_tables:
        if db.session.scalar(select(func.count()).select_from(table)):
            sys.exit(f"the database holds rows ({table.name}); bench/queries.py needs an empty one")
    db.session.remove()


def run(app, route, large):
    """The route's two measurements; the database is emptied afterwards whatever happened.

    They run in a context of their own (``contextvars.Context()``), outside the app context the
    harness holds open, so each request has its own app context and session, as in a server.
    """
    small_size, large_size = route.sizes
    sizes = (small_size, min(large_size, large) if large_size < SIZES[1] else large)
    try:
        return contextvars.Context().run(measure, app, route, sizes)
    finally:
        contextvars.Context().run(empty, app)


def report(results, elapsed):
    print(f"{'route':<36} {'role':<14} {'rows':>11} {'statements':>11} {'ratio':>6} {'ms':>15}")
    rows, same = [], 0
    for route, (small, large) in results:
        ratio = large.queries / small.queries if small.queries else None
        ok = small.queries == large.queries and small.status == large.status == 200
        same += ok
        flag = "" if ok else "  <-- grows" if small.queries != large.queries else f"  <-- {small.status}/{large.status}"
        print(f"{route.endpoint:<36} {route.role:<14} {small.size:>5}/{large.size:<5} "
              f"{small.queries:>5}/{large.queries:<5} {ratio:>5.2f}x {small.seconds * 1000:>7.1f}/{large.seconds * 1000:<7.1f}"
              f"{flag}")
        rows.append({"what": f"{route.endpoint} ({route.path.split('?')[0]}), {large.size:,} rows",
                     "value": large.queries, "unit": "queries", "ratio": round(ratio, 2) if ratio else None,
                     "target": "= 1 x", "met": ok})
    print(f"{same} of {len(results)} routes run the same statements at both sizes; {elapsed:.0f} s in all")
    harness.figures(
        "queries", "Query counts of the list pages and list endpoints",
        "the same route with 10 rows", rows,
        setup=(f"{len(results)} routes (every GET route that lists rows, tests/query_count_routes.py), each on an "
               "emptied database filled to 10 and then 1,000 rows, every row with related objects of its own; "
               "one request at each size as the role that sees the rows"),
        notes=[f"{same} of {len(results)} routes run the same number of statements at 10 and at 1,000 rows.",
               "The plan report PDFs are measured at 10 and 100 goals: with 1,000 goals the report has some "
               "300 pages and takes 13 s to draw."],
    )


if __name__ == "__main__":
    main()
