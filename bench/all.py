"""Run every benchmark under bench/ and write their figures to docs/benchmarks.md (``make bench``).

Each script builds its own demo (a temporary SQLite file, or the database in
``DATABASE_URL``), measures the portal against a baseline in the same run
and hands its figures over as JSON (``harness.figures``, into a temporary
folder named by ``BENCH_RESULTS``). This script runs them one after the
other with the settings in ``RUNS`` (chosen so the whole run stays under ten
minutes on a 2-core machine), then rewrites the part of docs/benchmarks.md
that belongs to this database: the text between ``<!-- bench:sqlite -->``
and ``<!-- /bench:sqlite -->`` (or ``postgresql``). Everything else in that
file is written by hand (what was changed and why, before/after figures),
so a run on SQLite keeps the PostgreSQL figures and the other way round.

Usage::

    make bench                                   # SQLite
    bash .ci/with-postgres make bench            # PostgreSQL
    .venv/bin/python bench/all.py --only gaps imports --no-write

Exits non-zero when a script fails (its output is shown) or a script that
needs wrk cannot run.
"""
import argparse
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "benchmarks.md"
LIMIT_SECONDS = 600

# (name, script, arguments, needs wrk): the order is the issue's.
RUNS = (
    ("demo", "demo.py", [], False),
    ("gaps", "gaps.py", [], False),
    ("pages", "pages.py", ["--duration", "6s"], True),
    ("queries", "queries.py", [], False),
    ("imports", "imports.py", [], False),
    ("workforce_pdf", "workforce_pdf.py", [], False),
    ("workflow", "workflow.py", [], False),
    ("load", "load.py", ["--duration", "30s"], True),
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these ("
                        + ", ".join(name for name, *_ in RUNS) + ")")
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    runs = [run for run in RUNS if not args.only or run[0] in args.only]
    if shutil.which("wrk") is None and any(needs_wrk for *_, needs_wrk in runs):
        raise SystemExit("wrk is not installed, and the page and load benchmarks need it (apt-get install -y wrk)")
    started = time.perf_counter()
    results, timings = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-results-") as folder:
        for name, script, arguments, _ in runs:
            timings[name] = run(name, script, arguments, folder)
            results += collect(folder, name)
    total = time.perf_counter() - started
    database = results[0]["database"] if results else "sqlite"
    print(f"\nall benchmarks: {total:.0f} s on {os.cpu_count()} cores"
          + ("" if total <= LIMIT_SECONDS else f" (over the {LIMIT_SECONDS // 60}-minute budget)"))
    version = next((r["version"] for r in results if r.get("version")), "")
    section = render(results, timings, total, database, version)
    print("\n" + section)
    if not args.no_write:
        write(DOCUMENT, database, section)
        print(f"written: {DOCUMENT} ({database})")


def run(name, script, arguments, folder):
    """Run one script with its figures going to ``folder``; stop everything if it fails."""
    command = [sys.executable, str(ROOT / "bench" / script), *arguments]
    if name == "load":
        command += ["--json", str(Path(folder) / "load-raw.json")]
    print(f"== {name}: {' '.join([f'bench/{script}', *arguments])}", flush=True)
    started = time.perf_counter()
    with own_database(os.environ.get("DATABASE_URL"), name) as url:
        env = {**os.environ, "BENCH_RESULTS": folder, **({"DATABASE_URL": url} if url else {})}
        done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    seconds = time.perf_counter() - started
    print("\n".join(line for line in done.stdout.splitlines() if "alembic.runtime" not in line))
    if done.returncode:
        raise SystemExit(f"bench/{script} failed (exit {done.returncode}) after {seconds:.0f} s")
    print(f"-- {name}: {seconds:.0f} s\n", flush=True)
    return seconds


@contextmanager
def own_database(url, name):
    """A fresh database beside the one ``url`` names, for one script, dropped afterwards.

    Each script fills its database in its own way (the gap benchmark adds
    competences, the query-count one needs it empty, the demo benchmark
    empties it), so on PostgreSQL they must not share one. Without a URL each
    script makes its own temporary SQLite file anyway.
    """
    if not url or not url.startswith("postgres"):
        yield None
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(url)
    database = f"bench_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(database)  # DDL takes no bound parameters
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {quoted}"))
        try:
            yield server.set(database=database).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        admin.dispose()


def collect(folder, name):
    """The figures the script wrote (load.py writes its own JSON, turned into the same shape here)."""
    if name == "load":
        return [from_load(json.loads((Path(folder) / "load-raw.json").read_text()))]
    found = sorted(Path(folder).glob(f"{name}-*.json"))
    if not found:
        raise SystemExit(f"bench/{name}.py wrote no figures (harness.figures was not called)")
    return [json.loads(path.read_text(encoding="utf-8")) for path in found]


def from_load(raw):
    main, base = raw["main"], raw["baseline"]
    rows = [
        {"what": f"the mix ({raw['mix_size']} pages and API reads of four roles)", "value": main["requests_per_second"],
         "unit": "req/s", "ratio": raw["ratio"], "target": "no errors", "met": not raw["failed"]},
        {"what": "p99 latency of the mix", "value": main["p99_ms"], "unit": "ms", "ratio": None, "target": "",
         "met": None},
        {"what": "errors, non-2xx/3xx, 5xx", "value": main["not_2xx_3xx"] + sum(main["socket_errors"].values()),
         "unit": "", "ratio": None, "target": "0", "met": not raw["failed"]},
        {"what": "baseline: GET /tilgjengelighet", "value": base["requests_per_second"], "unit": "req/s",
         "ratio": 1.0, "target": "", "met": None},
    ]
    return {"name": "load", "title": f"Load: a mixed workload under gunicorn ({raw['employees']:,} employees)",
            "database": raw["database"].split("+")[0], "baseline": "GET /tilgjengelighet on the same gunicorn",
            "setup": f"{raw['workers']} sync workers, wrk {raw['threads']} threads, {raw['connections']} connections, "
                     f"{raw['duration']}", "rows": rows, "notes": []}


# --- the document -------------------------------------------------------------------------------


def render(results, timings, total, database, version):
    """The Markdown section for one database: the machine, then a table per benchmark."""
    lines = [f"### {'PostgreSQL' if database == 'postgresql' else 'SQLite'}", "",
             f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC at commit {commit()} on {machine(database, version)}. "
             f"`make bench` took {total / 60:.1f} min in all.", ""]
    for result in results:
        lines += [f"#### {result['title']}", ""]
        if result.get("setup"):
            lines += [f"{result['setup']}. Baseline: {result['baseline']}.", ""]
        else:
            lines += [f"Baseline: {result['baseline']}.", ""]
        lines += ["| What | Figure | × baseline | Target | Met |", "|---|---:|---:|---|---|"]
        for row in result["rows"]:
            lines.append(f"| {cell(row['what'])} | {figure(row['value'], row.get('unit', ''))} | "
                         f"{ratio(row.get('ratio'))} | {cell(row.get('target') or '')} | {met(row.get('met'))} |")
        for note in result.get("notes") or ():
            lines += ["", f"- {cell(note)}"]
        seconds = timings.get(result["name"])
        lines += ["", f"*(bench/{result['name']}.py: {seconds:.0f} s)*" if seconds else "", ""]
    return "\n".join(lines).rstrip() + "\n"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def figure(value, unit):
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        shown = f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    else:
        shown = f"{int(value):,}"
    return f"{shown} {unit}".strip()


def ratio(value):
    return "–" if value is None else f"{value:,.2f}"


def met(value):
    return {True: "yes", False: "**no**", None: ""}[value]


def commit():
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "(unknown)"


def machine(database, version):
    model = ""
    try:
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        model = found.group(1).strip() if found else ""
    except OSError:
        pass
    engine = f"SQLite {version or sqlite3.sqlite_version}" if database == "sqlite" else f"PostgreSQL {version}"
    return (f"{os.cpu_count()} cores{f' ({model})' if model else ''}, Python {platform.python_version()}, {engine}")


def write(path, database, section):
    """Replace this database's section of ``path`` (made with both markers if it is new)."""
    start, end = f"<!-- bench:{database} -->", f"<!-- /bench:{database} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else (
        "# Benchmarks\n\n<!-- bench:sqlite -->\n<!-- /bench:sqlite -->\n\n"
        "<!-- bench:postgresql -->\n<!-- /bench:postgresql -->\n")
    if start not in text:
        text = text.rstrip() + f"\n\n{start}\n{end}\n"
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{before}{start}\n{section}{end}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
