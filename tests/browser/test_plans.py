"""Competence plans in Chromium: hr starts a plan, the three signers approve it, hr moves it on.

Runs against the demo municipality (150 employees, seed 7) with CSRF on.
Locators use ids and form actions, so the tests pass in any language; the
stage titles come from the workflow definition (bokmål is the default).
Every page is checked with axe-core on the way.
"""
import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SIGNERS = ("leader", "representative", "politician")


def press_enter_on(page, selector, status=None):
    """Focus ``selector`` and press Enter, as a keyboard user would; return the response."""
    page.locator(selector).focus()
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    response = navigation.value
    if status is not None:
        assert response is not None and response.status == status, f"{selector}: HTTP {response and response.status}"
    return response


def fresh_login(new_context, login_as, username):
    """A page in its own browser context, logged in as ``username``.

    Each person gets a context of their own (as on their own computer), so
    nobody's log-in inherits the language kept in another's session.
    """
    page = new_context().new_page()
    login_as(page, username)
    return page


def test_a_plan_is_started_signed_and_moved_on(page, new_context, login_as, visit, check, screenshot):
    title = f"Kompetanseplan {uuid.uuid4().hex[:6]}"

    login_as(page, "hr")
    visit(page, "/plans")
    with page.expect_navigation():
        page.locator('main a[href="/plans/new"]').click()
    check(page, "/plans/new")

    # A form sent with errors names the fields and keeps the focusable summary.
    response = press_enter_on(page, "form.plan-form button[type=submit]", status=422)
    assert response.status == 422
    expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator(".error-summary a[href='#title']")).to_be_visible()
    check(page, "/plans/new with errors")

    # Filled in by keyboard: type, Tab to the next field.
    page.locator("#title").focus()
    page.keyboard.type(title)
    page.keyboard.press("Tab")
    expect(page.locator("#scope_unit_id")).to_be_focused()
    page.locator("#period_start").fill("2027-01-01")
    page.locator("#period_end").fill("2030-12-31")
    page.locator("#mandate").fill("Kommunedirektøren ber arbeidsgruppen om et forslag innen juni.")
    page.locator("#purpose").fill("Vi må beholde og utvikle fagfolk i helse og omsorg.")
    page.locator("#platform-outlook").fill("Mange sykepleiere går av med pensjon de neste fem årene.")
    page.locator("#working_group-0-name").fill("Kari Nordmann")
    page.locator("#working_group-0-role").select_option("leader")
    page.locator("#working_group-1-name").fill("Tor Tillit")
    page.locator("#working_group-1-role").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#working_group-1-role")).not_to_have_value("")
    press_enter_on(page, "form.plan-form button[type=submit]", status=200)
    match = re.search(r"/plans/(\d+)$", page.url)
    assert match, page.url
    plan_path = f"/plans/{match.group(1)}"
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator('.timeline [aria-current="step"]')).to_have_count(1)
    expect(page.locator("#step-agree_purpose .blockers li")).to_have_count(3)
    expect(page.locator('#steps form[action$="/transitions/agree_purpose"]')).to_have_count(0)
    check(page, plan_path)

    # The three capacities sign, each with the keyboard.
    for role in SIGNERS:
        signer = fresh_login(new_context, login_as, role)
        expect(signer.locator(f'main a[href="{plan_path}#signoffs"]')).to_be_visible()  # waiting on the start page
        visit(signer, plan_path)
        signer.locator(f"#sign-{role}-comment").fill(f"Godkjent av {role}.")
        press_enter_on(signer, f'#sign-{role} button[value="approve"]', status=200)
        expect(signer.locator(f"#sign-{role}")).to_have_count(0)
        expect(signer.locator(f"#signoff-{role} .badge-approved")).to_be_visible()
        check(signer, f"{plan_path} signed by {role}")

    # hr now has the button for the gate.
    visit(page, "/")
    expect(page.locator(f'main a[href="{plan_path}#steps"]')).to_be_visible()
    visit(page, plan_path)
    expect(page.locator("#plan-stage")).to_have_text("Enighet om hensikt")
    page.locator("#step-agree_purpose-comment").fill("Hensikten er avtalt i møtet.")
    press_enter_on(page, "#step-agree_purpose-button", status=200)
    expect(page.locator("#plan-stage")).to_have_text("Definere mål")
    expect(page.locator('.timeline [aria-current="step"]')).to_contain_text("Definere mål")
    expect(page.locator(".timeline .stage-done")).to_have_count(1)
    expect(page.locator("#history-table tbody tr")).to_have_count(5)
    # The goals are signed afresh: the purpose approvals do not carry over.
    expect(page.locator("#signoffs .badge-waiting")).to_have_count(2)
    expect(page.locator("#signoffs .badge-approved")).to_have_count(0)
    check(page, f"{plan_path} in the goals stage")
    screenshot(page, "plan-hr.png")

    # The list finds it under its new stage.
    visit(page, "/plans?state=goals&q=" + title.split()[-1])
    expect(page.locator(f'#plan-list a[href="{plan_path}"]')).to_be_visible()


def test_a_politician_reads_a_plan_without_small_groups(page, login_as, visit, live_server):
    login_as(page, "politician")
    visit(page, "/plans")
    expect(page.locator('main a[href="/plans/new"]')).to_have_count(0)
    link = page.locator('#plan-list tbody a[href^="/plans/"]').first
    assert link.count(), "the demo (or the test above) has at least one plan"
    href = link.get_attribute("href")
    visit(page, href)
    expect(page.locator("#purpose .notice")).to_be_visible()
    for text in page.locator("#purpose td.num").all_inner_texts():
        digits = text.replace("\u00a0", "").replace(" ", "")
        if digits.isdigit():
            assert int(digits) == 0 or int(digits) >= 5, text
    visit(page, href + "/edit", status=403)
