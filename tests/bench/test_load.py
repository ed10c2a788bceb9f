"""bench/load.py in miniature: gunicorn, logged-in sessions, wrk, a tiny demo, a few seconds.

The real load test (60 s, 32 connections, 10,000 employees) runs with
``make bench``; these keep the script working and show that the mix of
pages and API reads answers without errors under concurrent gunicorn
workers, on SQLite and, in CI's second run, on a throwaway PostgreSQL
database beside the suite's own. They also check that gunicorn is gone
afterwards, after a normal run and after Ctrl-C.
"""
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "load.py"
TINY = ["--employees", "100", "--connections", "4", "--workers", "2"]


@pytest.fixture(scope="module", autouse=True)
def wrk_installed():
    """Skip without wrk, but never in CI (.ci/run installs it)."""
    if shutil.which("wrk") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("wrk is missing; CI must run the load test (apt-get install -y wrk).", pytrace=False)
        pytest.skip("wrk is not installed (apt-get install -y wrk): the load test is skipped")


def refuses(port):
    """Whether nothing listens on the port any more (no gunicorn master, no orphaned worker)."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_a_short_run_has_no_errors_and_a_throughput(bench_database, tmp_path):
    figures = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *TINY, "--duration", "3s", "--database-url", bench_database,
         "--json", str(figures)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(figures.read_text())
    assert result["database"].startswith("postgresql" if "postgresql" in bench_database else "sqlite")
    assert result["mix_size"] >= 40  # pages and API reads of four roles
    for run in ("main", "baseline"):
        figures_of = result[run]
        assert figures_of["requests"] > 0 and figures_of["requests_per_second"] > 0
        assert figures_of["5xx"] == 0 and figures_of["not_2xx_3xx"] == 0 and figures_of["redirects"] == 0
        assert sum(figures_of["socket_errors"].values()) == 0
        assert set(figures_of["statuses"]) == {"200"}
    assert 0 < result["ratio"]
    assert re.search(r"main pages and API reads\s+[\d,.]+\s+[\d.]+\s+[\d.]+", done.stdout), done.stdout
    assert "x baseline" in done.stdout
    assert refuses(result["port"]), "gunicorn still listens after the script ended"


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="stopping gunicorn does not depend on the database: checked in the SQLite run")
def test_ctrl_c_during_the_run_stops_gunicorn(bench_database):
    script = subprocess.Popen(
        [sys.executable, "-u", str(SCRIPT), *TINY, "--duration", "60s", "--database-url", bench_database],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    try:
        port = None
        for line in script.stdout:
            found = re.search(r"^gunicorn: .* on 127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        assert port, "the script never said where gunicorn listens"
        assert not refuses(port)
        os.killpg(script.pid, signal.SIGINT)  # Ctrl-C: the script and wrk (gunicorn has its own group)
        script.wait(timeout=30)
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()
    assert script.returncode != 0
    assert refuses(port), "gunicorn still listens after Ctrl-C"


def _load_module():
    """bench/load.py as a module (bench/ is not a package), under a name of its own."""
    saved = list(sys.path)  # the script puts bench/ and the project on sys.path for itself
    try:
        spec = importlib.util.spec_from_file_location("bench_load_under_test", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved


class _Answers(BaseHTTPRequestHandler):
    """200 for most paths, 500 for /boom, 302 for /away (a lost session looks like this)."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.send_response({"/boom": 500, "/away": 302}.get(self.path, 200))
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_the_tally_counts_5xx_and_redirects_as_failures(tmp_path):
    """The script must notice a 500 or a redirect in the mix, or its '0 errors' would mean nothing."""
    load = _load_module()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        args = type("Args", (), {"threads": 1, "connections": 2, "duration": "1s", "timeout": "5s"})
        mix = [load.Request("x", path, {}) for path in ("/fine", "/boom", "/away")]
        result = load.run_wrk(shutil.which("wrk"), args, server.server_address[1], mix, tmp_path / "mix.tsv")
    finally:
        server.shutdown()
        server.server_close()
    assert set(result.statuses) == {"200", "302", "500"}
    assert result.server_errors == result.statuses["500"] > 0
    assert result.not_ok == result.statuses["500"]
    assert result.redirects == result.statuses["302"] > 0
    assert result.failures == result.server_errors + result.redirects
