"""Browser tests: the real portal in Debian's Chromium, checked with axe-core.

``live_server`` serves the portal on its own database (``LIVE_DATABASE_URL``,
else a temporary SQLite file) filled once by the demo generator, with CSRF
protection on, as in production. Tests never request ``app`` (that fixture
belongs to the unit tests' database).

``visit(page, path)`` opens a page, checks its HTTP status, runs axe and fails
on any serious or critical violation or any Content-Security-Policy report.
``login_as(page, username)`` logs in through the form, as a person would.
"""
import os
import re
import tempfile
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "demo-browser-password"
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Labels and buttons in any of the three languages, so the helpers work
# whatever language the page is in and while the catalogues are incomplete.
USERNAME_LABEL = re.compile(r"^\s*(Brukernavn|Brukarnamn|User name)\s*$", re.I)
PASSWORD_LABEL = re.compile(r"^\s*(Passord|Password)\s*$", re.I)
LOGIN_BUTTON = re.compile(r"^\s*(Logg inn|Log in)\s*$", re.I)
LOGOUT_BUTTON = re.compile(r"^\s*(Logg ut|Log out)\b", re.I)


def _chromium_missing():
    return not os.path.exists(CHROMIUM)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium; skip without it, but never in CI."""
    if _chromium_missing():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; CI must run the browser tests.", pytrace=False)
        pytest.skip(f"{CHROMIUM} is missing: browser tests skipped")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def live_server():
    """The portal on a demo-filled database, served on a free loopback port."""
    from werkzeug.serving import make_server

    from portal.extensions import db
    from tests.conftest import make_test_app, migrate_fresh

    url = os.environ.get("LIVE_DATABASE_URL")
    if not url:
        folder = tempfile.mkdtemp(prefix="portal-live-")
        url = f"sqlite:///{folder}/live.sqlite3"
    app = make_test_app(url)  # CSRF stays enabled, as in production
    migrate_fresh(app)
    from portal.org.demo import generate

    with app.app_context():
        generate(employees=150, seed=7, password=DEMO_PASSWORD)
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server):
    """Let ``page.goto("/path")`` reach the live server."""
    return live_server


# --- console and CSP watching -------------------------------------------------

CSP_PATTERN = re.compile(r"Content[ -]Security[ -]Policy", re.I)


class PageWatch:
    """Console messages and page errors of every page a test touched."""

    def __init__(self):
        self.messages = {}
        self.without_javascript = set()

    def watch(self, page):
        key = id(page)
        if key in self.messages:
            return self.messages[key]
        seen = self.messages[key] = []
        page.on("console", lambda msg: seen.append(f"console.{msg.type}: {msg.text}"))
        page.on("pageerror", lambda err: seen.append(f"pageerror: {err}"))
        return seen

    def csp_violations(self, page=None):
        pages = [self.messages.get(id(page), [])] if page is not None else self.messages.values()
        return [m for msgs in pages for m in msgs if CSP_PATTERN.search(m)]


@pytest.fixture
def page_watch(page):
    """Watch the test's page; at the end, fail on any CSP report seen anywhere."""
    watch = PageWatch()
    watch.watch(page)
    yield watch
    problems = watch.csp_violations()
    assert not problems, "Content-Security-Policy violations:\n" + "\n".join(problems)


def axe_problems(page):
    """Serious or critical axe violations of the current page, described for a person."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in ("serious", "critical"):
            continue
        targets = "; ".join(", ".join(map(str, node["target"])) for node in violation["nodes"])
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} -> {targets}")
    return lines


@pytest.fixture
def check(page_watch, browser):
    """Check the page as it is now: no CSP report, no serious or critical axe violation.

    axe needs timers, which do not run where JavaScript is off; such a page is
    checked by loading the same address with the same cookies in a second,
    scripted context.
    """

    def do_check(page, what=None):
        page_watch.watch(page)
        what = what or page.url
        problems = page_watch.csp_violations(page)
        assert not problems, f"{what}: Content-Security-Policy violations:\n" + "\n".join(problems)
        if id(page) in page_watch.without_javascript:
            twin_context = browser.new_context(storage_state=page.context.storage_state())
            try:
                twin = twin_context.new_page()
                twin.goto(page.url)
                violations = axe_problems(twin)
            finally:
                twin_context.close()
        else:
            violations = axe_problems(page)
        assert not violations, f"{what}: axe found:\n" + "\n".join(violations)

    return do_check


@pytest.fixture
def page_without_javascript(new_context, page_watch):
    """A page in a context with JavaScript switched off, watched like ``page``."""
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page_watch.watch(page)
    page_watch.without_javascript.add(id(page))
    return page


@pytest.fixture
def visit(check, page_watch, live_server):
    """Open ``path``, expect ``status`` (200 unless told), then ``check`` the page."""

    def do_visit(page, path, status=200):
        page_watch.watch(page)
        url = path if path.startswith("http") else live_server + path
        response = page.goto(url)
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"{path}: HTTP {response.status}, expected {status}"
        check(page, path)
        return response

    return do_visit


@pytest.fixture
def login_as(live_server, page_watch):
    """Log in through the form as one of the demo users; land on the start page."""

    def do_login(page, username, password=DEMO_PASSWORD):
        page_watch.watch(page)
        page.goto(live_server + "/login")
        page.get_by_label(USERNAME_LABEL).fill(username)
        page.get_by_label(PASSWORD_LABEL).fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name=LOGIN_BUTTON).click()
        assert page.url.rstrip("/") == live_server, f"log-in as {username} ended on {page.url}"
        return page

    return do_login


@pytest.fixture
def logout(live_server):
    def do_logout(page):
        with page.expect_navigation():
            page.get_by_role("button", name=LOGOUT_BUTTON).click()
        assert page.url.startswith(live_server + "/login")

    return do_logout


@pytest.fixture
def screenshot():
    """Save a screenshot under docs/screenshots/ when SCREENSHOTS=1."""

    def take(page, name):
        if os.environ.get("SCREENSHOTS") != "1":
            return None
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / name
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
