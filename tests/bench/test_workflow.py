"""bench/workflow.py in miniature: a tiny demo, a few plans, a couple of rounds; not timed.

The real run (2,000 employees, one plan for 25 rounds, 1,000 plans) is part
of ``make bench``; this keeps the script working on SQLite and, in CI's
second run, on PostgreSQL, and checks that it prints its figures, checks
its own result (plans closed, history and audit chain intact) and hands the
figures to ``make bench`` as JSON.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "workflow.py"
TINY = ["--employees", "120", "--plans", "4", "--durable-plans", "2", "--rounds", "2"]


def test_a_tiny_run_checks_its_result_and_hands_over_its_figures(bench_database, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["DATABASE_URL"] = bench_database
    env["BENCH_RESULTS"] = str(tmp_path)
    done = subprocess.run([sys.executable, str(SCRIPT), *TINY], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "checked: plans closed, history and sign-offs complete, audit chain of" in out
    # 2 rounds of one plan: 8 sign-offs each; 3 steps forward and 3 back, then 4 forward to closed
    for mode in ("durable", "relaxed"):
        # steps, seconds, per second, x baseline, CPU x baseline, SQL statements per step
        assert re.search(rf"^sign-offs, one plan, 2 rounds, {mode}\s+16\s+[\d.]+\s+[\d,]+\s+[\d.]+x\s+[\d.]+x\s+[\d.]+$",
                         out, re.M), out
        assert re.search(rf"^transitions, one plan, 2 rounds, {mode}\s+10\s+", out, re.M), out
    assert re.search(r"^sign-offs, 4 plans, relaxed\s+32\s+", out, re.M), out
    assert re.search(r"^transitions, 2 plans, durable\s+8\s+", out, re.M), out
    assert re.search(r"spend their time \(relaxed, ms per step\): load the plan and the user [\d.]+ \(\d+%\), "
                     r"engine.sign / engine.fire [\d.]+", out), out

    database = "postgresql" if bench_database.startswith("postgresql") else "sqlite"
    result = json.loads((tmp_path / f"workflow-{database}.json").read_text())
    assert result["name"] == "workflow" and result["database"] == database
    rows = {row["what"]: row for row in result["rows"]}
    assert len(rows) == 8
    for row in rows.values():
        assert row["value"] > 0 and row["ratio"] > 0
        assert row["unit"] in ("sign-offs/s", "transitions/s")
