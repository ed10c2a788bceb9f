"""bench/gaps.py in miniature: a tiny demo, one run of each figure, its figures handed to make bench.

Not timed: it checks that the script still runs end to end on SQLite and
(in CI's second run) on a throwaway PostgreSQL database beside the suite's
own, that the portal's figures still equal the hand-written aggregate (the
script exits non-zero otherwise), and that every figure reaches the JSON
``make bench`` turns into docs/benchmarks.md.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "gaps.py"


def test_a_tiny_run_prints_ratios_and_writes_its_figures(bench_database, tmp_path):
    results = tmp_path / "results"
    env = {**os.environ, "DATABASE_URL": bench_database, "BENCH_RESULTS": str(results)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--employees", "300", "--repeat", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "figures equal to the baseline" in done.stdout
    assert "2,000 requirements" in done.stdout  # says how its requirements differ from the issue's
    dialect = "postgresql" if bench_database.startswith("postgresql") else "sqlite"
    figures = json.loads((results / f"gaps-{dialect}.json").read_text())
    assert figures["name"] == "gaps" and figures["database"] == dialect
    whats = [row["what"] for row in figures["rows"]]
    assert any(w.startswith("GET /api/v1/gaps") and "as hr" in w for w in whats)
    assert any(w.startswith("GET /api/v1/gaps") and "as politician" in w for w in whats)
    assert any(w.startswith("GET /gaps (top)") for w in whats)
    for row in figures["rows"]:
        assert row["value"] > 0 and row["unit"] == "ms" and row["ratio"] > 0
        assert f"{row['ratio']:.2f} x baseline" in done.stdout
    targeted = [row for row in figures["rows"] if row["target"]]
    assert len(targeted) == 2 and all(row["target"] == "≤ 2 x" for row in targeted)
    assert all(row["met"] == (row["ratio"] <= 2) for row in targeted)
