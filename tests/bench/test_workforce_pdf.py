"""bench/workforce_pdf.py in miniature: a tiny demo, one run of each figure, its figures handed to make bench.

Not timed: it checks that the script still runs end to end (SQLite, and in
CI's second run a throwaway PostgreSQL database), that the plain reportlab
baseline has the report's page count, and that every figure reaches the
JSON ``make bench`` turns into docs/benchmarks.md.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "workforce_pdf.py"


def test_a_tiny_run_prints_ratios_and_writes_its_figures(bench_database, tmp_path):
    results = tmp_path / "results"
    env = {**os.environ, "DATABASE_URL": bench_database, "BENCH_RESULTS": str(results)}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--employees", "300", "--repeat", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report_pages = set(re.findall(r"report\.pdf \(whole municipality\) as \w+ .*? (\d+) pages", done.stdout))
    plain_pages = re.search(r"plain reportlab: .*? (\d+) pages", done.stdout)
    assert len(report_pages) == 1 and plain_pages and plain_pages.group(1) in report_pages, done.stdout
    dialect = "postgresql" if bench_database.startswith("postgresql") else "sqlite"
    figures = json.loads((results / f"workforce_pdf-{dialect}.json").read_text())
    assert figures["name"] == "workforce_pdf" and figures["database"] == dialect
    assert "plain reportlab" in figures["baseline"]
    targeted = [row for row in figures["rows"] if row["target"]]
    assert {row["what"].split(" as ")[1].split(" ")[0] for row in targeted} == {"hr", "politician"}
    for row in figures["rows"]:
        assert row["value"] > 0 and row["unit"] == "s" and row["ratio"] > 0
    assert all(row["target"] == "≤ 3 x" and row["met"] == (row["ratio"] <= 3) for row in targeted)
