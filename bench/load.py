"""How many requests a second does the portal serve under gunicorn, next to its most trivial page?

The load test of issue 7. It builds the demo municipality (fixed seed) in a
temporary SQLite file, or in ``--database-url`` / ``DATABASE_URL``, starts
gunicorn (``portal:create_app()``, sync workers, 2 per core) on a free
loopback port, logs in through the log-in form as employee, leader, hr and
politician (CSRF token and all) and issues each of them an API token. Then it
runs wrk twice with the same settings (60 s, 32 connections):

* the mix: the main pages and API reads of those four users, rotating over
  each role's home page, plans and a plan, gaps, workforce, catalogue, own
  profile, appraisals, development, employees, units, ... (``mix()`` below)
  and ``/api/v1`` lists and single objects; every one of them is first
  checked to answer 200, so a lost session cannot pass for speed;
* the baseline: ``GET /tilgjengelighet`` (public, no database) on the same
  gunicorn, so the mix's throughput is printed as a ratio to it.

It prints requests/s, p50 and p99 latency, the number of requests, socket
errors, answers that are not 2xx/3xx and 5xx, and exits non-zero if there
was any error at all (then with the end of gunicorn's log, which names the
failing path). Log-in limits stay on: they count failed log-ins only, and
every log-in here succeeds. Usage::

    .venv/bin/python bench/load.py                     # 10,000 employees, 60 s, 32 connections
    .venv/bin/python bench/load.py --duration 5s --connections 4 --employees 300
    bash .ci/with-postgres .venv/bin/python bench/load.py   # on PostgreSQL (DATABASE_URL)

An answer slower than ``--timeout`` (10 s; wrk's own default is 2 s, which
32 connections queueing for 4 workers can exceed at 50,000 employees)
counts as an error. Needs ``wrk`` (``apt-get install -y wrk``). Takes the
two wrk runs plus 15-30 s (2 min 15 s in all by default). Compare ratios
within one run, never absolute figures across machines.
"""
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select  # noqa: E402

import harness  # noqa: E402
from portal.extensions import db  # noqa: E402

LUA = Path(__file__).with_name("load.lua")
PASSWORD = "bench-password"  # what harness.demo gives the demo users
ROLES = ("employee", "leader", "hr", "politician")
BASELINE = "/tilgjengelighet"
TOKEN_LABEL = "bench-load"
# Flask-Login's "strong" session protection ties a session to the client's
# address and User-Agent, so the log-in and wrk must send the same one.
USER_AGENT = "portal-bench-load"


def options():
    cores = os.cpu_count() or 1
    parser = harness.common_options(__doc__, employees=10_000)
    parser.add_argument("--database-url", help="SQLAlchemy URL to fill and serve (default: DATABASE_URL, "
                        "else a temporary SQLite file); a database already holding the demo is reused")
    parser.add_argument("--duration", default="60s", help="of each wrk run, e.g. 60s, 2m (default 60s)")
    parser.add_argument("--connections", type=int, default=32, help="open connections (default 32)")
    parser.add_argument("--threads", type=int, help="wrk threads (default: cores, at most the connections)")
    parser.add_argument("--workers", type=int, default=2 * cores, help=f"gunicorn workers (default {2 * cores})")
    parser.add_argument("--timeout", default="10s", help="an answer slower than this counts as an error (default 10s)")
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
    # A `kill` of this script must stop gunicorn too: turn SIGTERM into SystemExit, so `finally` runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        with harness.database("bench-load-db-", args.database_url):
            harness.demo(args.employees, args.seed)
            harness.analyse()
            demo = Demo.find()
            print(f"demo: {demo.employees:,} employees, seed {args.seed}")
            tokens = issue_tokens()
            url = db.engine.url.render_as_string(hide_password=False)
            db.session.remove()
            db.engine.dispose()
            try:
                results = serve_and_measure(args, wrk, url, demo, tokens, folder)
            finally:
                revoke_tokens()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    results["seconds_end_to_end"] = round(time.perf_counter() - started, 1)
    print(f"\nend to end: {results['seconds_end_to_end']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 1 if results["failed"] else 0


def serve_and_measure(args, wrk, url, demo, tokens, folder):
    """Start gunicorn, log in, check the mix, run wrk on the mix and on the baseline; stop gunicorn."""
    server = Gunicorn(url, args.workers, folder / "gunicorn.log")
    try:
        server.start()
        print(f"gunicorn: {args.workers} sync workers (pid {server.process.pid}) on 127.0.0.1:{server.port}")
        try:
            sessions = {role: log_in(server.port, role) for role in ROLES}
            requests = mix(demo, sessions, tokens)
            slowest = check(server.port, requests)
        except SystemExit as problem:
            raise SystemExit(f"{problem}\n\nThe end of gunicorn's log:\n{server.log_tail()}") from None
        pages = sum(1 for r in requests if not r.path.startswith("/api/"))
        print(f"mix: {len(requests)} requests ({pages} pages, {len(requests) - pages} API reads) as "
              f"{', '.join(ROLES)}; each answered 200 before the run, the slowest alone:")
        for elapsed, r in slowest:
            print(f"  {elapsed * 1000:7.1f} ms  GET {r.path} as {r.role}")
        print(f"wrk: {args.threads} threads, {args.connections} connections, {args.duration} per run, "
              f"timeout {args.timeout}\n")
        main_run = run_wrk(wrk, args, server.port, requests, folder / "mix.tsv")
        baseline = run_wrk(wrk, args, server.port, [Request("anonymous", BASELINE, {})], folder / "baseline.tsv")
    finally:
        server.stop()
    report(main_run, baseline)
    failed = bool(main_run.failures or baseline.failures)
    if failed:
        print("\nFAILED: errors under load. The end of gunicorn's log:\n")
        print(server.log_tail())
    return {"database": url.split(":", 1)[0], "employees": demo.employees, "workers": args.workers,
            "port": server.port,
            "threads": args.threads, "connections": args.connections, "duration": args.duration,
            "mix_size": len(requests), "main": main_run.figures(), "baseline": baseline.figures(),
            "ratio": round(main_run.requests_per_second / baseline.requests_per_second, 4)
            if baseline.requests_per_second else None,
            "failed": failed}


# --- the demo's objects and the API tokens ------------------------------------------------------


@dataclass
class Demo:
    """The ids the mix needs: the demo users' own records and some objects they may read."""

    employees: int
    own_employee: int  # the employee user's own record
    team_member: int  # someone else in the leader's team
    team_unit: int
    service_area: int
    plans: list
    appraisal: int
    activity: int

    @classmethod
    def find(cls):
        from sqlalchemy import func

        from portal.appraisals.models import Appraisal
        from portal.learning.models import LearningActivity
        from portal.org.models import Employee, Unit, User
        from portal.plans.models import Plan

        users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(ROLES)))}
        own = users["employee"].employee_id
        team = db.session.get(Unit, users["leader"].led_unit_ids[0])
        member = db.session.scalar(
            select(Employee.id).join(Employee.unit)
            .where(Unit.path.startswith(team.path), Employee.end_date.is_(None),
                   Employee.id.not_in([own, users["leader"].employee_id]))
            .order_by(Employee.id))
        return cls(
            employees=db.session.scalar(select(func.count()).select_from(Employee)),
            own_employee=own, team_member=member, team_unit=team.id,
            service_area=db.session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.code)),
            plans=list(db.session.scalars(select(Plan.id).order_by(Plan.id))),
            appraisal=db.session.scalar(select(Appraisal.id).where(Appraisal.employee_id == own)
                                        .order_by(Appraisal.id.desc())),
            activity=db.session.scalar(select(LearningActivity.id).order_by(LearningActivity.id)),
        )


def issue_tokens():
    """An API token for each role's user (labelled, and revoked again at the end)."""
    from portal.auth.tokens import issue_token
    from portal.org.models import User

    users = db.session.scalars(select(User).where(User.username.in_(ROLES)))
    tokens = {u.username: issue_token(u, label=TOKEN_LABEL) for u in users}
    db.session.commit()
    return tokens


def revoke_tokens():
    from portal.auth.models import ApiToken
    from portal.auth.tokens import revoke

    for token in db.session.scalars(select(ApiToken).where(ApiToken.label == TOKEN_LABEL,
                                                           ApiToken.revoked_at.is_(None))):
        revoke(token)
    db.session.commit()


# --- the mix ------------------------------------------------------------------------------------


@dataclass
class Request:
    role: str
    path: str
    headers: dict


def mix(demo, sessions, tokens):
    """What each of the four users reads: pages with their session cookie, API calls with their token."""
    plan, other_plan = demo.plans[0], demo.plans[-1]
    pages = {
        "employee": ["/", "/plans", f"/plans/{plan}", f"/employees/{demo.own_employee}", "/appraisals",
                     f"/appraisals/{demo.appraisal}", "/development", "/catalogue",
                     f"/learning-activities/{demo.activity}", "/me/data"],
        "leader": ["/", "/plans", f"/plans/{other_plan}", "/employees", f"/employees/{demo.team_member}",
                   "/units", "/gaps", "/workforce", "/appraisals", "/requirements", "/learning-activities"],
        "hr": ["/", "/plans", f"/plans/{plan}", "/gaps", f"/gaps?unit_id={demo.service_area}", "/workforce",
               "/employees", "/catalogue", "/requirements", "/appraisals/statistics", "/learning-activities"],
        "politician": ["/", "/plans", f"/plans/{other_plan}", "/gaps", "/workforce"],
    }
    api = {
        "employee": ["/api/v1/me", "/api/v1/plans", f"/api/v1/plans/{plan}", "/api/v1/competences",
                     "/api/v1/appraisals", f"/api/v1/appraisals/{demo.appraisal}",
                     f"/api/v1/employees/{demo.own_employee}", "/api/v1/learning-activities"],
        "leader": ["/api/v1/employees", f"/api/v1/employees/{demo.team_member}", f"/api/v1/units/{demo.team_unit}",
                   "/api/v1/gaps", "/api/v1/workforce", "/api/v1/appraisals"],
        "hr": ["/api/v1/plans", "/api/v1/units", "/api/v1/requirements", "/api/v1/employees?page=2",
               "/api/v1/gaps", f"/api/v1/workforce?unit_id={demo.service_area}", "/api/v1/appraisals/statistics"],
        "politician": ["/api/v1/workforce", "/api/v1/gaps", "/api/v1/plans", "/api/v1/units"],
    }
    requests = []
    for role in ROLES:
        requests += [Request(role, path, {"Cookie": sessions[role]}) for path in pages[role]]
        requests += [Request(role, path, {"Authorization": f"Bearer {tokens[role]}"}) for path in api[role]]
    return requests


def check(port, requests):
    """Every request of the mix must answer 200 before the run (a 302 would be a lost session).

    Returns the slowest few, one at a time on an idle server, to tell where the time goes.
    """
    wrong, timed = [], []
    for r in requests:
        started = time.perf_counter()
        status, _, _ = fetch(port, r.path, r.headers)
        timed.append((time.perf_counter() - started, r))
        if status != 200:
            wrong.append(f"  {status} GET {r.path} as {r.role}")
    if wrong:
        raise SystemExit("These requests of the mix do not answer 200:\n" + "\n".join(wrong))
    # A worker's first requests also compile templates: time the slowest ones again.
    again = []
    for first, r in sorted(timed, key=lambda pair: -pair[0])[:10]:
        started = time.perf_counter()
        fetch(port, r.path, r.headers)
        again.append((min(first, time.perf_counter() - started), r))
    return sorted(again, key=lambda pair: -pair[0])[:5]


# --- gunicorn -----------------------------------------------------------------------------------


class Gunicorn:
    """gunicorn serving ``app`` (default ``portal:create_app()``) on ``url``, in its own process group.

    ``pythonpath`` is a folder gunicorn adds to the import path for ``app``
    (bench/pages.py serves ``hello_app:create_app()`` from bench/).
    """

    def __init__(self, url, workers, log_path, app="portal:create_app()", pythonpath=None):
        self.url, self.workers, self.log_path = url, workers, log_path
        self.app, self.pythonpath = app, pythonpath
        self.process = None
        self.port = None

    def start(self):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": self.url, "SECRET_KEY": secrets.token_hex(32)}
        command = [sys.executable, "-m", "gunicorn", "--no-control-socket", "--workers", str(self.workers),
                   "--bind", f"127.0.0.1:{self.port}", "--chdir", str(ROOT), "--graceful-timeout", "5"]
        if self.pythonpath:
            command += ["--pythonpath", str(self.pythonpath)]
        command.append(self.app)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start (exit {self.process.returncode}):\n{self.log_tail()}")
            try:
                if fetch(self.port, BASELINE)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within 60 s:\n{self.log_tail()}")

    def stop(self):
        """Graceful stop; whatever is left of its process group after 15 s is killed."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # workers left behind, if any
        except ProcessLookupError:
            pass
        self.process.wait()

    def log_tail(self, lines=60):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port, path, headers=None, method="GET", body=None):
    """One request; the status, the headers (as a list: Set-Cookie may repeat) and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def cookies(headers, jar=None):
    jar = dict(jar or {})
    for name, value in headers:
        if name.lower() == "set-cookie":
            for key, morsel in SimpleCookie(value).items():
                jar[key] = morsel.value
    return jar


def log_in(port, username):
    """Log in through the form, as a browser would; the Cookie header of the logged-in session."""
    status, headers, body = fetch(port, "/login")
    found = re.search(rb'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', body) or \
        re.search(rb'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"', body)
    if status != 200 or not found:
        raise SystemExit(f"GET /login answered {status} without a CSRF token")
    jar = cookies(headers)
    form = urlencode({"csrf_token": found.group(1).decode(), "username": username, "password": PASSWORD,
                      "next": ""})
    status, headers, _ = fetch(port, "/login", {"Cookie": header(jar),
                                                "Content-Type": "application/x-www-form-urlencoded"},
                               "POST", form)
    if status != 302:
        raise SystemExit(f"logging in as {username} answered {status}, not 302")
    return header(cookies(headers, jar))


def header(jar):
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- wrk ----------------------------------------------------------------------------------------


@dataclass
class Result:
    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: dict
    statuses: dict = field(default_factory=dict)

    @property
    def not_ok(self):
        """Answers that are not 2xx or 3xx (what wrk calls 'Non-2xx or 3xx responses')."""
        return sum(n for status, n in self.statuses.items() if not 200 <= int(status) < 400)

    @property
    def server_errors(self):
        return sum(n for status, n in self.statuses.items() if int(status) >= 500)

    @property
    def redirects(self):
        """Every request of the mix answered 200 before the run: a redirect now means a lost session."""
        return sum(n for status, n in self.statuses.items() if 300 <= int(status) < 400)

    @property
    def failures(self):
        return sum(self.socket_errors.values()) + self.not_ok + self.redirects

    def figures(self):
        return {**asdict(self), "not_2xx_3xx": self.not_ok, "5xx": self.server_errors, "redirects": self.redirects}


def run_wrk(wrk, args, port, requests, mix_file):
    """One wrk run over ``requests`` (rotating), the figures from load.lua's done()."""
    with open(mix_file, "w") as out:
        for r in requests:
            out.write("\t".join([r.path, f"User-Agent: {USER_AGENT}"] + [f"{k}: {v}" for k, v in r.headers.items()]))
            out.write("\n")
    command = [wrk, "--threads", str(args.threads), "--connections", str(args.connections),
               "--duration", args.duration, "--timeout", args.timeout, "--script", str(LUA),
               f"http://127.0.0.1:{port}"]
    done = subprocess.run(command, env={**os.environ, "LOAD_MIX": str(mix_file)}, capture_output=True,
                          text=True, timeout=seconds(args.duration) + 120)
    found = re.search(r"^load-result (.*)$", done.stdout, re.M)
    if done.returncode or not found:
        raise SystemExit(f"wrk failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    figures = {k: int(v) for k, v in (pair.split("=") for pair in found.group(1).split())}
    statuses = {s: int(n) for s, n in re.findall(r"^load-status (\d+) (\d+)$", done.stdout, re.M)}
    elapsed = figures["duration_us"] / 1e6
    return Result(
        requests=figures["requests"], seconds=round(elapsed, 2),
        requests_per_second=round(figures["requests"] / elapsed, 1),
        p50_ms=figures["p50_us"] / 1000, p90_ms=figures["p90_us"] / 1000, p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        socket_errors={k: figures[k] for k in ("connect", "read", "write", "timeout")},
        statuses=dict(sorted(statuses.items())),
    )


def seconds(duration):
    """wrk's duration ('60s', '2m', '1h', '30') in seconds."""
    number, unit = re.fullmatch(r"(\d+)([smh]?)", duration.strip()).groups()
    return int(number) * {"": 1, "s": 1, "m": 60, "h": 3600}[unit]


def report(main_run, baseline):
    rows = [("main pages and API reads", main_run), (f"baseline: GET {BASELINE}", baseline)]
    width = max(len(label) for label, _ in rows)
    print(f"{'':<{width}}  {'requests/s':>10}  {'p50 ms':>7}  {'p99 ms':>7}  {'requests':>9}  "
          f"{'socket errors':>13}  {'non-2xx/3xx':>11}  {'5xx':>4}")
    for label, r in rows:
        print(f"{label:<{width}}  {r.requests_per_second:>10,.1f}  {r.p50_ms:>7.1f}  {r.p99_ms:>7.1f}  "
              f"{r.requests:>9,}  {sum(r.socket_errors.values()):>13}  {r.not_ok:>11}  {r.server_errors:>4}")
    if baseline.requests_per_second:
        print(f"\nthroughput of the mix: {main_run.requests_per_second / baseline.requests_per_second:.2f} x baseline;"
              f" p99 latency: {main_run.p99_ms / max(baseline.p99_ms, 0.001):.1f} x baseline")
    for label, r in rows:
        odd = {s: n for s, n in r.statuses.items() if s != "200"}
        if odd or sum(r.socket_errors.values()):
            print(f"{label}: answers other than 200: {odd or 'none'}; socket errors: {r.socket_errors}")


if __name__ == "__main__":
    sys.exit(main())
