"""Every page a role can reach, driven in Chromium and checked with axe-core.

The demo municipality (150 employees, seed 7) is served by ``live_server``.
Locators prefer what a person sees (labels, roles, landmarks); where a text
would depend on the language, the page structure (ids, form actions) is used,
so the tests pass in bokmål, nynorsk and English alike.
"""
import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROLES = ("admin", "hr", "leader", "employee", "representative", "politician")


def employee_links(page):
    """Links to a person's page (``/employees/<id>``), not to the list."""
    return page.locator('a[href^="/employees/"]')


def submit(page, form_selector, expected_status=None):
    """Press the submit button of the form matched by ``form_selector``; return the response."""
    with page.expect_navigation() as nav:
        page.locator(form_selector).locator('button[type="submit"]').first.click()
    response = nav.value
    if expected_status is not None:
        assert response is not None and response.status == expected_status, (
            f"{form_selector}: HTTP {response and response.status}, expected {expected_status}"
        )
    return response


# --- start page, per role ------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_start_page_fits_the_role(page, role, login_as, check, visit, screenshot):
    login_as(page, role)
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#waiting-heading")).to_be_visible()
    check(page, f"start page of {role}")

    if role == "admin":
        expect(page.locator("#users-heading")).to_be_visible()
        expect(page.locator('main a[href="/admin"]')).to_be_visible()
    elif role == "hr":
        expect(page.locator("#areas-heading")).to_be_visible()
        expect(page.locator('nav a[href="/employees"]')).to_be_visible()
    elif role == "leader":
        section = page.locator("section", has=page.locator("#led-heading"))
        expect(section.locator("tbody tr").first).to_be_visible()
        expect(section.locator('tbody a[href^="/employees?unit_id="]').first).to_be_visible()
        expect(page.locator("#me-heading")).to_be_visible()
        screenshot(page, "start-leader.png")
    elif role == "employee":
        expect(page.locator("#me-heading")).to_be_visible()
        expect(page.locator("#led-heading")).to_have_count(0)
        expect(page.locator('nav a[href="/employees"]')).to_have_count(0)
    elif role in ("politician", "representative"):
        section = page.locator("section", has=page.locator("#areas-heading"))
        expect(section.locator("tbody tr").first).to_be_visible()
        expect(page.locator("#led-heading")).to_have_count(0)
        expect(employee_links(page)).to_have_count(0)
        expect(page.locator('nav a[href="/employees"]')).to_have_count(0)

    # Pages every logged-in user reaches.
    visit(page, "/units")
    expect(page.locator("table.tree tbody tr").first).to_be_visible()
    if role in ("politician", "representative"):
        expect(employee_links(page)).to_have_count(0)
    visit(page, "/account/tokens")
    visit(page, "/no-such-page", status=404)
    if role != "admin":
        visit(page, "/admin", status=403)
    if role in ("politician", "representative", "admin"):
        visit(page, "/employees", status=403)


def test_login_page_anonymous(page, visit):
    visit(page, "/login")
    expect(page.locator("#username")).to_be_visible()
    expect(page.locator('nav[aria-label]')).to_have_count(0)
    visit(page, "/no-such-page", status=404)


def test_anonymous_is_sent_to_login(page, visit, live_server):
    response = page.goto(live_server + "/employees")
    assert response.status == 200
    assert page.url.startswith(live_server + "/login?next=")


def test_wrong_password_is_announced(page, check, live_server):
    page.goto(live_server + "/login")
    page.locator("#username").fill("employee")
    page.locator("#password").fill("not-the-password")
    response = submit(page, "main form", expected_status=401)
    assert response.status == 401
    expect(page.locator('.flash[role="alert"]')).to_be_visible()
    check(page, "failed log-in")


# --- employees: hr and leader --------------------------------------------------


def test_hr_filters_employees_by_keyboard_and_pages(page, login_as, visit, check, live_server, screenshot):
    login_as(page, "hr")
    visit(page, "/employees")
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() == 50, "hr sees a full first page of the 150 demo employees"
    screenshot(page, "employees-hr.png")

    # The pager's next page link.
    pager = page.get_by_role("navigation").filter(has=page.locator('a[rel="next"]'))
    with page.expect_navigation():
        pager.locator('a[rel="next"]').click()
    assert "page=2" in page.url
    check(page, "/employees page 2")
    expect(page.locator('.pager a[rel="prev"]')).to_be_visible()

    # Unit filter, by keyboard only: Tab from the search field, arrows, Tab to the button, Enter.
    visit(page, "/employees")
    page.locator("#q").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#unit_id")).to_be_focused()
    page.keyboard.press("ArrowDown")
    chosen = page.locator("#unit_id").input_value()
    assert chosen, "ArrowDown chose a unit"
    page.keyboard.press("Tab")
    expect(page.locator("#former")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("form.filters button[type=submit]")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"unit_id={chosen}" in page.url
    expect(page.locator("#unit_id")).to_have_value(chosen)
    check(page, "/employees filtered by unit")

    # Search by a last name seen in the list; Enter in the search field submits.
    visit(page, "/employees")
    first = page.locator("main table tbody tr td a").first.inner_text()
    last_name = first.split(",")[0].strip()
    page.locator("#q").focus()
    page.keyboard.type(last_name)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=" in page.url
    expect(page.locator("#q")).to_have_value(last_name)
    names = page.locator("main table tbody tr td:first-child").all_inner_texts()
    assert names and all(last_name.lower() in n.lower() for n in names), names
    check(page, "/employees searched")

    # A person, opened from the list.
    link = page.locator("main table tbody a").first
    name = link.inner_text()
    with page.expect_navigation():
        link.click()
    assert re.search(r"/employees/\d+$", page.url)
    last, first_name = [part.strip() for part in name.split(",", 1)]
    expect(page.locator("h1")).to_contain_text(last)
    expect(page.locator("h1")).to_contain_text(first_name)
    check(page, "an employee's page")


def test_leader_sees_own_staff(page, login_as, visit, check, live_server):
    login_as(page, "leader")
    # From the start page's "My units" table to the unit's staff.
    section = page.locator("section", has=page.locator("#led-heading"))
    with page.expect_navigation():
        section.locator("tbody a").first.click()
    assert "/employees?unit_id=" in page.url
    check(page, "leader's unit staff")
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()

    visit(page, "/employees")
    options = page.locator("#unit_id option")
    assert options.count() >= 2, "the leader can filter by the units they lead"
    link = page.locator("main table tbody a").first
    with page.expect_navigation() as nav:
        link.click()
    assert nav.value.status == 200
    check(page, "an employee of the leader")

    # Someone the leader does not lead: hidden behind a 404.
    for candidate in range(1, 400):
        response = page.goto(live_server + f"/employees/{candidate}")
        if response.status == 404:
            check(page, "404 for someone else's employee")
            break
    else:
        pytest.fail("the leader could open every employee page")


def test_employee_sees_own_profile_only(page, login_as, visit, check):
    login_as(page, "employee")
    link = page.locator("main").locator('a[href^="/employees/"]')
    expect(link).to_have_count(1)
    with page.expect_navigation() as nav:
        link.click()
    assert nav.value.status == 200
    check(page, "employee's own profile")
    visit(page, "/employees", status=403)


# --- API tokens ----------------------------------------------------------------


def test_token_is_shown_once_and_can_be_revoked(page, login_as, visit, check):
    login_as(page, "employee")
    visit(page, "/account/tokens")
    label = f"browser {uuid.uuid4().hex[:6]}"
    page.locator("#label").fill(label)
    submit(page, 'main form.stacked', expected_status=200)
    token = page.locator("code.token")
    expect(token).to_be_visible()
    assert len(token.inner_text().strip()) >= 20
    check(page, "new token shown")

    visit(page, "/account/tokens")
    expect(page.locator("code.token")).to_have_count(0)
    row = page.locator("main table tbody tr", has_text=label)
    expect(row).to_have_count(1)
    with page.expect_navigation():
        row.locator('button[type="submit"]').click()
    check(page, "token revoked")
    row = page.locator("main table tbody tr", has_text=label)
    expect(row.locator("button")).to_have_count(0)


# --- administration ------------------------------------------------------------


def test_admin_creates_user_and_manages_roles(page, login_as, visit, check, live_server):
    login_as(page, "admin")
    visit(page, "/admin")
    expect(page.locator("main table tbody tr").first).to_be_visible()

    visit(page, "/admin/users/new")
    submit(page, "main form.stacked", expected_status=422)
    check(page, "new user with errors")
    for field_id in ("username", "password"):
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby")
        assert described, f"#{field_id} names its error"
        error = page.locator(f"#{described}")
        expect(error).to_be_visible()
        assert error.inner_text().strip()
    expect(page.locator(".field.has-error")).to_have_count(2)

    username = f"browser-{uuid.uuid4().hex[:8]}"
    page.locator("#username").fill(username)
    page.locator("#password").fill("long-enough-password")
    submit(page, "main form.stacked", expected_status=200)
    assert re.search(r"/admin/users/\d+$", page.url), page.url
    expect(page.locator("h1")).to_contain_text(username)
    check(page, "new user's page")
    expect(page.locator("ul.roles")).to_have_count(0)

    # A leader role needs a unit: the error is announced.
    page.locator("#role").select_option("leader")
    submit(page, 'form[action$="/roles"]')
    expect(page.locator('.flash[role="alert"]')).to_be_visible()
    expect(page.locator("ul.roles")).to_have_count(0)
    check(page, "leader role without a unit")

    # Add a leader role for a unit, then remove it again.
    page.locator("#role").select_option("leader")
    unit_option = page.locator("#unit_id option").nth(2)
    unit_name = unit_option.inner_text().strip()
    page.locator("#unit_id").select_option(unit_option.get_attribute("value"))
    submit(page, 'form[action$="/roles"]')
    check(page, "role added")
    roles = page.locator("ul.roles li")
    expect(roles).to_have_count(1)
    expect(roles.first).to_contain_text(re.sub(r"\s*\([^)]*\)$", "", unit_name))

    with page.expect_navigation():
        roles.first.locator('button[type="submit"]').click()
    check(page, "role removed")
    expect(page.locator("ul.roles")).to_have_count(0)


def test_admin_searches_users(page, login_as, check):
    login_as(page, "admin")
    page.goto("/admin")
    page.locator("#q").fill("lead")
    with page.expect_navigation():
        page.locator("#q").press("Enter")
    expect(page.locator("main table tbody tr", has_text="leader")).to_have_count(1)
    check(page, "/admin searched")


# --- language ------------------------------------------------------------------


def choose_language(page, code):
    page.locator("#locale").select_option(code)
    submit(page, "form.language")
    expect(page.locator("html")).to_have_attribute("lang", code)


def test_language_is_switched_and_remembered(page, login_as, logout, check, live_server):
    login_as(page, "representative")
    try:
        choose_language(page, "nn")
        check(page, "start page in nynorsk")
        logout(page)
        login_as(page, "representative")
        expect(page.locator("html")).to_have_attribute("lang", "nn")
        page.goto(live_server + "/units")
        expect(page.locator("html")).to_have_attribute("lang", "nn")
        choose_language(page, "en")
        assert page.url == live_server + "/units", "the switch returns to the same page"
        check(page, "units in English")
    finally:
        page.goto(live_server + "/")
        if page.locator("#locale").count():
            choose_language(page, "nb")


def test_anonymous_visitor_switches_language(page, check, live_server):
    page.goto(live_server + "/login")
    choose_language(page, "en")
    assert page.url.startswith(live_server + "/login")
    expect(page.locator("h1")).to_have_text("Log in")
    expect(page.get_by_label("User name")).to_be_visible()
    check(page, "log-in page in English")
    choose_language(page, "nn")
    check(page, "log-in page in nynorsk")


# --- keyboard and no JavaScript ------------------------------------------------


@pytest.mark.parametrize("path,user", [("/login", None), ("/", "leader")])
def test_skip_link_is_first_tab_stop(page, path, user, login_as, live_server):
    if user:
        login_as(page, user)
    page.goto(live_server + path)
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 10, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside main, not back in the header.
    page.keyboard.press("Tab")
    inside = page.evaluate("() => document.querySelector('main').contains(document.activeElement)")
    assert inside, "Tab after the skip link moves into main"


def test_works_without_javascript(page_without_javascript, login_as, check, live_server):
    page = page_without_javascript
    page.goto(live_server + "/login")
    choose_language(page, "nn")  # anonymous: kept in the session, saved on log-in
    login_as(page, "hr")
    try:
        expect(page.locator("html")).to_have_attribute("lang", "nn")
        with page.expect_navigation():
            page.locator('nav a[href="/units"]').click()
        expect(page.locator("table.tree")).to_be_visible()
        with page.expect_navigation():
            page.locator('nav a[href="/employees"]').click()
        page.locator("#q").fill("a")
        with page.expect_navigation():
            page.locator("#q").press("Enter")
        assert "q=a" in page.url
        check(page, "employees without JavaScript")
    finally:
        page.goto(live_server + "/")
        choose_language(page, "nb")


# --- narrow screens and the harness itself ---------------------------------------


@pytest.mark.parametrize(
    "user,paths",
    [
        (None, ["/login"]),
        ("leader", ["/", "/employees", "/units"]),
        ("hr", ["/employees"]),
        ("admin", ["/admin", "/account/tokens"]),
    ],
)
def test_pages_reflow_at_320_css_pixels(page, user, paths, login_as, check, live_server):
    """WCAG 1.4.10: at 320 px only a wide table may scroll sideways, never the page."""
    if user:
        login_as(page, user)
    page.set_viewport_size({"width": 320, "height": 640})
    for path in paths:
        page.goto(live_server + path)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{path} scrolls sideways at 320 px: {widths}"
        check(page, f"{path} at 320 px")


def test_csp_watch_catches_inline_script(page, page_watch, live_server):
    """The harness notices a Content-Security-Policy violation (and is then reset)."""
    page.goto(live_server + "/login")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page_watch.csp_violations(page), "an inline script must be reported as a CSP violation"
    page_watch.messages[id(page)].clear()
