"""bench/all.py (``make bench``): runs the scripts, then rewrites only its database's part of docs/benchmarks.md.

The scripts themselves have their own smoke tests; here the runner is
checked on a real script (the demo benchmark at 60 employees, figures
written to a copy of the document) and its writing rules on their own:
a SQLite run must keep the PostgreSQL figures and the hand-written text.
"""
import os
import sys
from pathlib import Path

import pytest

from tests.bench.conftest import bench_runner

ROOT = Path(__file__).resolve().parents[2]


def load_runner():
    return bench_runner()


def result(database="sqlite", met=True):
    return {"name": "imports", "title": "Employee import", "database": database, "version": "3.40.1",
            "setup": "50,000 employees", "baseline": "executemany",
            "rows": [{"what": "import | CSV", "value": 1.234, "unit": "s", "ratio": 1.8, "target": "≤ 2 x",
                      "met": met},
                     {"what": "baseline", "value": 0.5, "unit": "s", "ratio": 1.0, "target": "", "met": None}],
            "notes": ["read from a file"]}


def test_a_run_replaces_its_own_section_and_keeps_the_rest(tmp_path):
    runner = load_runner()
    document = tmp_path / "benchmarks.md"
    document.write_text("# Benchmarks\n\nWritten by hand.\n\n<!-- bench:sqlite -->\nold sqlite\n<!-- /bench:sqlite -->\n\n"
                        "<!-- bench:postgresql -->\nPG figures\n<!-- /bench:postgresql -->\n\nMore text.\n")
    section = runner.render([result(met=False)], {"imports": 12.0}, 300.0, "sqlite", "3.40.1")
    runner.write(document, "sqlite", section)
    text = document.read_text()
    assert "old sqlite" not in text
    assert "Written by hand." in text and "More text." in text and "PG figures" in text
    assert "| import \\| CSV | 1.234 s | 1.80 | ≤ 2 x | **no** |" in text  # a pipe in a label cannot break the table
    assert "SQLite 3.40.1" in text and "took 5.0 min" in text and "bench/imports.py: 12 s" in text


def test_a_new_document_gets_both_sections(tmp_path):
    runner = load_runner()
    document = tmp_path / "benchmarks.md"
    runner.write(document, "postgresql", runner.render([result("postgresql")], {}, 60.0, "postgresql", "16.4"))
    text = document.read_text()
    assert text.index("<!-- bench:sqlite -->") < text.index("<!-- bench:postgresql -->")
    assert "### PostgreSQL" in text and "PostgreSQL 16.4" in text and "| yes |" in text


def test_make_bench_runs_a_script_and_collects_its_figures(tmp_path, monkeypatch):
    """The real demo benchmark, tiny, through the runner: its table comes out of the JSON it wrote."""
    runner = load_runner()
    monkeypatch.setattr(runner, "RUNS", (("demo", "demo.py", ["--sizes", "60"], False),))
    monkeypatch.setattr(runner, "DOCUMENT", tmp_path / "benchmarks.md")
    monkeypatch.setattr(sys, "argv", ["all.py"])
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # its own temporary SQLite file
    monkeypatch.setattr(os, "environ", env)
    runner.main()
    text = (tmp_path / "benchmarks.md").read_text()
    assert "#### Demo generation" in text
    assert "| demo --employees 60:" in text
    assert "<!-- /bench:sqlite -->" in text


def test_a_failing_script_stops_the_run(tmp_path, monkeypatch, capsys):
    runner = load_runner()
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "broken.py").write_text("import sys\nprint('trying')\nsys.exit(3)\n")
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match=r"bench/broken.py failed \(exit 3\)"):
        runner.run("broken", "broken.py", [], str(tmp_path))
    assert "trying" in capsys.readouterr().out


def test_on_postgresql_each_script_gets_a_fresh_database_that_is_dropped_afterwards():
    """Scripts fill their databases differently (the query-count one needs an empty one)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL only (CI's second run)")
    from sqlalchemy import create_engine, text

    runner = load_runner()
    with runner.own_database(url, "probe") as fresh:
        assert fresh != url and "bench_probe_" in fresh
        engine = create_engine(fresh)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar() == 0
        engine.dispose()
        name = fresh.rsplit("/", 1)[1]
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar() == 0
    engine.dispose()


def test_without_postgresql_no_database_is_made():
    runner = load_runner()
    with runner.own_database(None, "probe") as url:
        assert url is None
    with runner.own_database("sqlite:////tmp/x.sqlite3", "probe") as url:
        assert url is None
