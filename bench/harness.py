"""What every benchmark under bench/ does the same way.

Each script times the portal against a baseline measured in the same run, on
a database it fills itself: a temporary SQLite file, or the database in
``DATABASE_URL`` (migrated when empty, reused when it already holds the
demo). This module holds that common ground: the command-line options, the
database and app, the demo data and "best of N" timing.
"""
import argparse
import os
import shutil
import tempfile
import time
from contextlib import contextmanager

from sqlalchemy import func, inspect, select, text

from portal import create_app
from portal.extensions import db


def arguments(doc):
    """The options every benchmark takes: demo size, seed and how many runs to take the best of."""
    parser = common_options(doc)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per figure")
    return parser.parse_args()


def common_options(doc, employees=50_000):
    """A parser with the demo's size and seed, for a script to add its own options to."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--employees", type=int, default=employees, help=f"demo size (default {employees:,})")
    parser.add_argument("--seed", type=int, default=2026)
    return parser


@contextmanager
def database(prefix, url=None):
    """An app bound to ``url``, else ``DATABASE_URL``, else a temporary SQLite file, inside its app context."""
    url = url or os.environ.get("DATABASE_URL")
    folder = None
    if not url:
        folder = tempfile.mkdtemp(prefix=prefix)
        url = f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "INSTANCE_PATH": folder or tempfile.gettempdir()})
    try:
        with app.app_context():
            print(f"database: {db.engine.dialect.name}")
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


def demo(employees, seed):
    """Migrate an empty database and fill it with the demo municipality (an existing demo is reused)."""
    from flask_migrate import upgrade

    from portal.org.demo import generate
    from portal.org.models import Employee

    if "employee" not in inspect(db.engine).get_table_names():
        upgrade()
    if not db.session.scalar(select(func.count()).select_from(Employee)):
        started = time.perf_counter()
        generate(employees=employees, seed=seed, password="bench-password")
        print(f"demo with {employees:,} employees generated in {time.perf_counter() - started:.1f} s")


def analyse():
    """Refresh the planner's statistics, as autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would."""
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def best_of(repeat, work):
    """The shortest of ``repeat`` runs of ``work`` (and its last result), with nothing cached between."""
    times, result = [], None
    for _ in range(repeat):
        db.session.expire_all()
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def figures(name, title, baseline, rows, setup="", notes=()):
    """Hand this benchmark's figures to ``make bench`` (bench/all.py), which writes docs/benchmarks.md.

    ``rows`` is a list of dicts: ``what`` (a label), ``value`` and ``unit``
    ("s", "ms", "req/s", "rows/s", "queries", ...), ``ratio`` (to the
    baseline, or None), ``target`` (e.g. "≤ 2 x", or "") and ``met`` (True,
    False or None when there is no target). The file goes to the folder in
    ``BENCH_RESULTS`` as ``<name>-<database>.json``; without that variable
    nothing is written, so a script run by hand only prints.
    """
    folder = os.environ.get("BENCH_RESULTS")
    if not folder:
        return
    import json

    url = os.environ.get("DATABASE_URL", "")
    dialect = db.engine.dialect.name if _has_app() else ("postgresql" if url.startswith("postgres") else "sqlite")
    version = ".".join(map(str, db.engine.dialect.server_version_info or ())) if _has_app() else ""
    document = {"name": name, "title": title, "database": dialect, "version": version, "setup": setup,
                "baseline": baseline,
                "rows": [dict(row) for row in rows], "notes": list(notes)}
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"{name}-{dialect}.json"), "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2, ensure_ascii=False, default=str)


def _has_app():
    from flask import has_app_context

    return has_app_context()
