"""How fast are single pages next to a bare Flask route in the same app? (issue 8, benchmark 3)

It builds the demo municipality (10,000 employees, fixed seed) in a temporary
SQLite file, or in ``--database-url`` / ``DATABASE_URL``, and starts
gunicorn (sync workers, 2 per core, the same for every run) serving
``bench/hello_app.py``: the portal plus one bare "hello" route, so that
route pays the same request hooks as every page and only those. It logs in
through the log-in form as leader and hr, issues API tokens (bench/load.py's
machinery), checks that every URL answers 200, and then runs wrk on one URL
at a time with the same settings (8 s, 16 connections by default):

(a) the floor: ``GET /bench/hello`` (with the leader's session cookie);
(b) the start page ``/`` with its worklist, as leader and as hr: the issue
    names "the start page with its worklist"; hr's worklist holds the plans
    ready for the next step and hr's signatures, the leader's their
    signatures and interviews; both see the municipality at a glance;
(c) a plan page ``/plans/<id>`` as hr (who sees the edit forms), the demo's
    plan with the most goals and measures;
(d) an employee profile ``/employees/<id>``, the leader viewing a member of
    their team;
(e) ``GET /api/v1/plans/{id}`` (the same plan) with hr's API token;
and, without a target, what every page and API answer costs before its own
work, the ceiling for (b)-(e): the accessibility statement (the base
template, the logged-in leader, no data) and ``GET /api/v1/me`` (the token's
user, nothing else).

Each throughput is printed as a fraction of (a), run just before and just
after it (their mean), so a shared machine that slows down now and then
shifts both sides of a ratio. Targets: HTML pages ≥ 25 %, JSON ≥ 50 %.
Usage::

    .venv/bin/python bench/pages.py                      # 10,000 employees, 8 s per URL
    .venv/bin/python bench/pages.py --employees 50000
    bash .ci/with-postgres .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --employees 100 --duration 1s --connections 2   # a smoke run

Needs ``wrk``. Takes the demo (a few seconds at 10,000 on SQLite) plus fifteen
wrk runs plus about 10 s (2 min 15 s by default). Compare fractions within one run, never absolute
figures across machines.
"""
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402
import load  # noqa: E402
from hello_app import HELLO  # noqa: E402
from load import Request  # noqa: E402
from portal.extensions import db  # noqa: E402

HTML_TARGET = 0.25
JSON_TARGET = 0.50


def options():
    cores = os.cpu_count() or 1
    parser = harness.common_options(__doc__, employees=10_000)
    parser.add_argument("--database-url", help="SQLAlchemy URL to fill and serve (default: DATABASE_URL, "
                        "else a temporary SQLite file); a database already holding the demo is reused")
    parser.add_argument("--duration", default="8s", help="of each wrk run (default 8s)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--threads", type=int, help="wrk threads (default: cores, at most the connections)")
    parser.add_argument("--workers", type=int, default=2 * cores, help=f"gunicorn workers (default {2 * cores})")
    parser.add_argument("--timeout", default="10s", help="an answer slower than this counts as an error")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    args.threads = max(1, min(args.threads or cores, args.connections))
    return args


def main():
    started = time.perf_counter()
    args = options()
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        with harness.database("bench-pages-db-", args.database_url):
            harness.demo(args.employees, args.seed)
            harness.analyse()
            demo = load.Demo.find()
            plan = biggest_plan()
            print(f"demo: {demo.employees:,} employees, seed {args.seed}; plan {plan} "
                  f"({plan_size(plan)}), team member {demo.team_member}")
            tokens = load.issue_tokens()
            url = db.engine.url.render_as_string(hide_password=False)
            db.session.remove()
            db.engine.dispose()
            try:
                results = serve_and_measure(args, wrk, url, demo, plan, tokens, folder)
            finally:
                revoke_tokens_quietly()
            results["seconds_end_to_end"] = round(time.perf_counter() - started, 1)
            print(f"\nend to end: {results['seconds_end_to_end']:.0f} s")
            hand_over(args, results)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 1 if results["failed"] else 0


def biggest_plan():
    """The demo's plan with the most goals and measures (the heaviest plan page)."""
    from sqlalchemy import func, select

    from portal.plans.models import Goal, Measure, Plan

    goals = select(func.count()).where(Goal.plan_id == Plan.id).scalar_subquery()
    measures = select(func.count()).where(Measure.plan_id == Plan.id).scalar_subquery()
    return db.session.scalar(select(Plan.id).order_by((goals + measures).desc(), Plan.id).limit(1))


def plan_size(plan_id):
    from sqlalchemy import func, select

    from portal.plans.models import Goal, Measure

    goals = db.session.scalar(select(func.count()).where(Goal.plan_id == plan_id))
    measures = db.session.scalar(select(func.count()).where(Measure.plan_id == plan_id))
    return f"{goals} goals, {measures} measures"


def revoke_tokens_quietly():
    db.session.rollback()
    load.revoke_tokens()


def urls(demo, plan, sessions, tokens):
    """(label, kind, request) for each URL measured; kind is "floor", "html" or "json"."""
    def page(role, path):
        return Request(role, path, {"Cookie": sessions[role]})

    return [
        ("start page, leader", "html", page("leader", "/")),
        ("start page, hr", "html", page("hr", "/")),
        ("plan page, hr", "html", page("hr", f"/plans/{plan}")),
        ("employee profile, leader", "html", page("leader", f"/employees/{demo.team_member}")),
        ("plan API, hr token", "json",
         Request("hr", f"/api/v1/plans/{plan}", {"Authorization": f"Bearer {tokens['hr']}"})),
        # What every page and every API answer pays before its own work: the ceilings.
        ("base page only, leader", "reference", page("leader", "/tilgjengelighet")),
        ("API caller only, hr token", "reference",
         Request("hr", "/api/v1/me", {"Authorization": f"Bearer {tokens['hr']}"})),
    ]


def serve_and_measure(args, wrk, url, demo, plan, tokens, folder):
    server = load.Gunicorn(url, args.workers, folder / "gunicorn.log", app="hello_app:create_app()",
                           pythonpath=BENCH)
    try:
        server.start()
        print(f"gunicorn: {args.workers} sync workers (pid {server.process.pid}) on 127.0.0.1:{server.port}")
        try:
            sessions = {role: load.log_in(server.port, role) for role in ("leader", "hr")}
            hello = Request("leader", HELLO, {"Cookie": sessions["leader"]})
            measured = urls(demo, plan, sessions, tokens)
            slowest = load.check(server.port, [hello] + [r for _, _, r in measured])
        except SystemExit as problem:
            raise SystemExit(f"{problem}\n\nThe end of gunicorn's log:\n{server.log_tail()}") from None
        single = {r.path + r.role: elapsed for elapsed, r in slowest}
        print(f"every URL answered 200; wrk: {args.threads} threads, {args.connections} connections, "
              f"{args.duration} per run, timeout {args.timeout}\n")
        # hello before every URL and once more at the end: each URL is compared with the two
        # runs of hello beside it, so a machine that other work slows down now and then shifts both.
        runs = []
        for item in measured:
            runs += [("hello", "floor", hello), item]
        runs.append(("hello", "floor", hello))
        results = []
        for label, kind, request in runs:
            result = load.run_wrk(wrk, args, server.port, [request], folder / "mix.tsv")
            results.append((label, kind, request, result))
            drain(server, hello, args.workers)
            print(f"  {label:<26} {result.requests_per_second:>9,.1f} req/s  p50 {result.p50_ms:6.1f} ms  "
                  f"p99 {result.p99_ms:6.1f} ms", flush=True)
    finally:
        server.stop()
    return report(args, demo, url, results, single, server)


def drain(server, hello, workers):
    """Wait until the workers have answered what wrk left queued, so it does not slow the next run.

    wrk stops at the end of its time, but requests it sent stay in gunicorn's
    queue; a slow page would otherwise eat into the hello run after it.
    """
    for _ in range(workers):
        try:
            load.fetch(server.port, hello.path, hello.headers)
        except OSError:  # still busy after a minute: the next figures will show it
            pass


def report(args, demo, url, results, single, server):
    floors = [r.requests_per_second for _, kind, _, r in results if kind == "floor"]
    floor = sum(floors) / len(floors)
    rows, failed = [], False
    print(f"\n{'':<26}  {'GET':<24}  {'req/s':>9}  {'of hello':>8}  {'target':>6}  {'p50 ms':>7}  "
          f"{'p99 ms':>7}  errors")
    print(f"{'hello (mean of its runs)':<26}  {HELLO:<24}  {floor:>9,.1f}  {100:>7.1f}%")
    for index, (label, kind, request, r) in enumerate(results):
        if kind == "floor":
            continue
        beside = (results[index - 1][3].requests_per_second + results[index + 1][3].requests_per_second) / 2
        fraction = round(r.requests_per_second / beside, 3) if beside else None
        target = {"html": HTML_TARGET, "json": JSON_TARGET}.get(kind)
        met = None if target is None or fraction is None else fraction >= target
        errors = r.failures
        failed = failed or bool(errors) or not r.requests  # no answer at all within the run is a failure too
        print(f"{label:<26}  {request.path:<24}  {r.requests_per_second:>9,.1f}  "
              f"{(fraction or 0) * 100:>7.1f}%  {'' if target is None else f'≥{target:.0%}':>6}  "
              f"{r.p50_ms:>7.1f}  {r.p99_ms:>7.1f}  {errors or ('' if r.requests else 'no answer')}")
        rows.append({"what": f"{label}: GET {request.path}", "kind": kind, "value": r.requests_per_second,
                     "unit": "req/s", "ratio": fraction,
                     "target": "" if target is None else f"≥ {target:.0%} of hello", "met": met,
                     "p50_ms": r.p50_ms, "p99_ms": r.p99_ms, "errors": errors})
    spread = (max(floors) - min(floors)) / floor if floor else 0
    print(f"\nhello: {floor:,.1f} req/s on average, its runs differ by up to {spread:.0%} of that; "
          f"each URL is a fraction of the mean of the hello runs just before and after it")
    if failed:
        print("\nFAILED: errors under load. The end of gunicorn's log:\n")
        print(server.log_tail())
    return {"database": url.split(":", 1)[0], "employees": demo.employees, "workers": args.workers,
            "port": server.port, "threads": args.threads, "connections": args.connections,
            "duration": args.duration, "floor_requests_per_second": round(floor, 1), "floor_spread": round(spread, 3),
            "rows": rows, "single_request_ms": {k: round(v * 1000, 1) for k, v in single.items()},
            "failed": failed}


def hand_over(args, results):
    """The figures for make bench (docs/benchmarks.md): the five URLs as fractions of hello."""
    rows = [{k: row[k] for k in ("what", "value", "unit", "ratio", "target", "met")}
            for row in results["rows"]]
    notes = [f"Throughput of each URL as a fraction of a bare Flask route in the same app, measured just "
             f"before and after it (the hello runs differed by up to {results['floor_spread']:.0%}).",
             "Start page: as leader and as hr (hr's worklist has the plans ready for the next step); "
             "plan page: the demo's largest plan, as hr; profile: the leader viewing a team member.",
             "Without a target: the base template for a logged-in user (the accessibility statement) and "
             "GET /api/v1/me, what every page and API answer pays before its own work."]
    harness.figures(
        "pages", "Page throughput (gunicorn, wrk, logged-in sessions)",
        f"GET {HELLO}: {results['floor_requests_per_second']:,.0f} req/s",
        rows,
        setup=(f"{results['employees']:,} employees; gunicorn {args.workers} sync workers; wrk {args.threads} "
               f"threads, {args.connections} connections, {args.duration} per URL"),
        notes=notes,
    )


if __name__ == "__main__":
    sys.exit(main())
