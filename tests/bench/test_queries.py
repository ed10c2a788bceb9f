"""bench/queries.py in miniature: a few routes, 30 rows instead of 1,000, its figures written for make bench.

The full table runs in tests/test_query_counts.py; this keeps the script
working on SQLite and, in CI's second run, on a throwaway PostgreSQL
database beside the suite's own (the script empties its database between
routes, so it never gets the suite's).
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "queries.py"


def run_script(bench_database, tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DATABASE_URL"] = bench_database
    env["BENCH_RESULTS"] = str(tmp_path)
    return subprocess.run([sys.executable, str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def test_a_small_run_prints_and_writes_the_counts(bench_database, tmp_path):
    done = run_script(bench_database, tmp_path, "--only", "org.units", "learning.activities_csv", "--large", "30")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line[:1].isalpha() and "/" in line}
    assert set(lines) == {"org.units", "learning.activities_csv"}, done.stdout
    for line in lines.values():
        rows, statements = re.search(r"(\d+/\d+)\s+(\d+/\d+)\s+1\.00x", line).groups()
        assert rows == "10/30"
        small, large = statements.split("/")
        assert small == large and int(small) > 0
    assert "2 of 2 routes run the same statements at both sizes" in done.stdout
    dialect = "postgresql" if bench_database.startswith("postgresql") else "sqlite"
    written = json.loads((tmp_path / f"queries-{dialect}.json").read_text())
    assert written["name"] == "queries" and written["database"] == dialect
    assert [row["met"] for row in written["rows"]] == [True, True]
    assert all(row["unit"] == "queries" and row["ratio"] == 1 and row["target"] == "= 1 x" for row in written["rows"])


def _load_module():
    """bench/queries.py as a module (bench/ is not a package), under a name of its own."""
    import importlib.util

    saved = list(sys.path)  # the script puts bench/ and the project on sys.path for itself
    try:
        spec = importlib.util.spec_from_file_location("bench_queries_under_test", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved


def test_a_count_that_grows_is_reported_as_missed(tmp_path, monkeypatch, capsys):
    queries = _load_module()
    from tests.query_count_routes import ROUTES, Measurement

    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)  # outside an app context the figures go by DATABASE_URL
    route = ROUTES[0]
    queries.report([(route, (Measurement(10, 6, 0.01, 200, 10), Measurement(1000, 56, 0.2, 200, 50)))], 1.0)
    out = capsys.readouterr().out
    assert "<-- grows" in out and "0 of 1 routes" in out
    row = json.loads((tmp_path / "queries-sqlite.json").read_text())["rows"][0]
    assert (row["value"], row["ratio"], row["met"]) == (56, 9.33, False)
