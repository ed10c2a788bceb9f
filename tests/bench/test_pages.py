"""bench/pages.py in miniature: a tiny demo, gunicorn, wrk for a second per URL.

The real run (10,000 employees, 12 s per URL) belongs to ``make bench``;
this keeps the script working: every URL answers 200 under load, each gets
a throughput and a fraction of the bare "hello" route, the figures reach
make bench's folder, and the hello route exists only in the benchmark's app.
"""
import json
import os
import subprocess
import sys

from tests.bench.test_load import ROOT, refuses, wrk_installed  # noqa: F401  (fixtures)

SCRIPT = ROOT / "bench" / "pages.py"
TINY = ["--employees", "100", "--connections", "2", "--workers", "2", "--duration", "1s"]


def test_a_short_run_measures_every_url_against_hello(bench_database, tmp_path):
    figures, results = tmp_path / "pages.json", tmp_path / "results"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *TINY, "--database-url", bench_database, "--json", str(figures)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, env={**os.environ, "BENCH_RESULTS": str(results)},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(figures.read_text())
    assert not result["failed"]
    rows = result["rows"]
    assert [row["kind"] for row in rows] == ["html", "html", "html", "html", "json", "reference", "reference"]
    paths = [row["what"].split("GET ", 1)[1] for row in rows]
    assert paths[0] == paths[1] == "/"
    assert paths[2].startswith("/plans/") and paths[3].startswith("/employees/")
    assert paths[4].startswith("/api/v1/plans/") and paths[4].split("/")[-1] == paths[2].split("/")[-1]
    assert paths[5] == "/tilgjengelighet" and paths[6] == "/api/v1/me"
    for row in rows:
        assert row["value"] > 0 and row["errors"] == 0
        assert 0 < row["ratio"] < 5  # a fraction of hello, not a raw figure
        if row["kind"] == "reference":
            assert row["target"] == "" and row["met"] is None
            continue
        assert row["target"] == ("≥ 50% of hello" if row["kind"] == "json" else "≥ 25% of hello")
        assert row["met"] is (row["ratio"] >= (0.5 if row["kind"] == "json" else 0.25))
    assert result["floor_requests_per_second"] > 0
    assert "of hello" in done.stdout and "/bench/hello" in done.stdout
    handed = json.loads(next(results.glob("pages-*.json")).read_text())
    assert handed["name"] == "pages" and len(handed["rows"]) == 7
    assert set(handed["rows"][0]) == {"what", "value", "unit", "ratio", "target", "met"}
    assert refuses(result["port"]), "gunicorn still listens after the script ended"


def test_the_hello_route_is_only_in_the_benchmarks_app(app):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import hello_app
    finally:
        sys.path.remove(str(ROOT / "bench"))
    assert hello_app.HELLO not in {rule.rule for rule in app.url_map.iter_rules()}
    bench_app = hello_app.create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                      "SECRET_KEY": "x", "TESTING": True})
    answer = bench_app.test_client().get(hello_app.HELLO)
    assert answer.status_code == 200 and answer.data == b"hello"
    assert answer.headers["Content-Security-Policy"]  # it passed through the portal's hooks

