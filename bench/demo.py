"""How fast does the demo generator fill a database, next to a bare executemany insert?

For each size (300, 5,000 and 50,000 employees; 500,000 too with
``BENCH_XL=1``, meant for PostgreSQL) it starts from an empty, migrated
database and times ``portal.org.demo.generate`` (units, people, users,
competences, plans, appraisals, learning: everything ``flask demo`` writes),
then counts the rows it wrote in every table. The baseline, in the same
database: the same number of rows inserted into one narrow table with one
``executemany`` and a commit, the floor for writing that many rows there.

Printed per size: seconds, rows written, rows per second and the ratio of
the generator's time to the baseline's. Usage::

    .venv/bin/python bench/demo.py                       # temporary SQLite databases
    bash .ci/with-postgres .venv/bin/python bench/demo.py
    BENCH_XL=1 bash .ci/with-postgres .venv/bin/python bench/demo.py --sizes 500000

With ``DATABASE_URL`` the database is emptied (migrations down to base and
up again) before each size: never point it at a database you want to keep.
"""
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, inspect, select  # noqa: E402

import harness  # noqa: E402
from portal.extensions import db  # noqa: E402

SIZES = (300, 5_000, 50_000)
XL = 500_000


def main():
    parser = harness.common_options(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", help="employee counts (default 300 5000 50000)")
    args = parser.parse_args()
    sizes = args.sizes or (SIZES + ((XL,) if os.environ.get("BENCH_XL") else ()))
    print(f"{'employees':>10} {'seconds':>8} {'rows':>11} {'rows/s':>9} {'baseline s':>10} {'ratio':>6}")
    figures = []
    for size in sizes:
        with harness.database("bench-demo-") as _app:
            fresh()
            seconds, rows = generated(size, args.seed)
            floor = baseline(rows)
            print(f"{size:>10,} {seconds:>8.1f} {rows:>11,} {rows / seconds:>9,.0f} {floor:>10.2f} "
                  f"{seconds / floor:>5.1f}x", flush=True)
            figures.append({"what": f"demo --employees {size:,}: {rows:,} rows, {rows / seconds:,.0f} rows/s",
                            "value": round(seconds, 2), "unit": "s", "ratio": round(seconds / floor, 2),
                            "target": "", "met": None})
            harness.figures("demo", "Demo generation", "the same number of rows into one narrow table with one "
                            "executemany, committed", figures, setup=f"seed {args.seed}; an empty, migrated "
                            "database for each size")


def fresh():
    """An empty database at the newest revision."""
    from flask_migrate import downgrade, upgrade

    if "alembic_version" in inspect(db.engine).get_table_names():
        downgrade(revision="base")
    upgrade()


def generated(size, seed):
    """Seconds the generator takes for ``size`` employees, and the rows it wrote in all tables."""
    from portal.org.demo import generate

    started = time.perf_counter()
    generate(employees=size, seed=seed, password="bench-password")
    seconds = time.perf_counter() - started
    rows = sum(
        db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    )
    return seconds, rows


def baseline(rows):
    """Seconds for ``rows`` rows into one narrow table with one executemany, committed."""
    scratch = Table("bench_scratch", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(50)))
    db.session.commit()  # end the counting's read transaction; everything below runs on the session's connection
    scratch.create(db.session.connection())
    db.session.commit()
    try:
        values = [{"id": n, "name": f"rad {n}"} for n in range(1, rows + 1)]
        started = time.perf_counter()
        db.session.execute(insert(scratch), values)
        db.session.commit()
        return time.perf_counter() - started
    finally:
        db.session.rollback()
        scratch.drop(db.session.connection())
        db.session.commit()


if __name__ == "__main__":
    main()
