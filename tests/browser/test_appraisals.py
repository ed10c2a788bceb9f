"""Appraisal interviews in Chromium: the leader schedules one for ``employee``, who prepares; held, summary, signed.

Runs against the demo municipality (150 employees, seed 7) with CSRF on,
creating what it needs through the pages (the demo may or may not have
interviews already). Locators use ids and form actions, so the test passes
in any language. Every page is checked with axe-core on the way.
"""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def press_enter_on(page, selector, status=None):
    """Focus ``selector`` and press Enter, as a keyboard user would; return the response."""
    page.locator(selector).focus()
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    response = navigation.value
    if status is not None:
        assert response is not None and response.status == status, f"{selector}: HTTP {response and response.status}"
    return response


def test_an_interview_from_scheduling_to_both_signatures(page, new_context, login_as, visit, check,
                                                                      live_server, screenshot):
    # Who `employee` is: their own profile link on the start page.
    employee_page = new_context().new_page()
    login_as(employee_page, "employee")
    href = employee_page.locator('main a[href^="/employees/"]').first.get_attribute("href")
    employee_id = int(href.rsplit("/", 1)[1])

    # The leader opens the round for their unit, ticks only `employee` and gives a time.
    login_as(page, "leader")
    visit(page, "/appraisals")
    visit(page, "/appraisals/schedule")
    expect(page.locator(f"#when-{employee_id}")).to_be_visible()
    for box in page.locator('#round-table input[type="checkbox"]:checked').all():
        box.uncheck()
    page.locator(f"#pick-{employee_id}").check()
    when = date(date.today().year + 1, 2, 3)  # a Wednesday or so; never clashes with the demo's own
    page.locator(f"#when-{employee_id}").fill(f"{when.isoformat()}T10:15")
    screenshot(page, "appraisal-round.png")
    response = press_enter_on(page, 'button[name="action"][value="save"]', status=200)
    match = re.search(r"/appraisals/(\d+)$", page.url)
    assert match, page.url
    path = f"/appraisals/{match.group(1)}"
    assert response.url.endswith(path)
    expect(page.locator(".flash-info")).to_be_visible()
    expect(page.locator('.timeline [aria-current="step"]')).to_have_count(1)
    expect(page.locator("#step-hold-button")).to_be_visible()
    expect(page.locator("#preparation form")).to_have_count(0)  # the preparation is the employee's
    check(page, path)

    # The calendar file is there for the two of them, and nobody else finds the interview.
    invite = page.request.get(live_server + path + "/invite.ics")
    assert invite.status == 200 and invite.headers["content-type"].startswith("text/calendar")
    hr = new_context().new_page()
    login_as(hr, "hr")
    visit(hr, path, status=404)
    assert hr.request.get(live_server + path + "/invite.ics").status == 404

    # The employee prepares in their own words, with the keyboard, and says they are prepared.
    visit(employee_page, "/")
    expect(employee_page.locator(f'main a[href="{path}#preparation"]')).to_be_visible()
    visit(employee_page, path)
    employee_page.locator("#work_situation").focus()
    employee_page.keyboard.type("Travle vakter, men et godt team.")
    employee_page.keyboard.press("Tab")
    expect(employee_page.locator("#cooperation")).to_be_focused()
    employee_page.locator("#went_well").fill("Jeg har lært opp to nye kolleger.")
    employee_page.locator("#wants_to_build").fill("Sårbehandling og veiledning.")
    selects = employee_page.locator('#self-assessment select')
    if selects.count():
        selects.first.select_option(index=1)
    press_enter_on(employee_page, '#preparation button[type="submit"]', status=200)
    expect(employee_page.locator("#work_situation")).to_have_value("Travle vakter, men et godt team.")
    check(employee_page, f"{path} prepared")
    press_enter_on(employee_page, "#step-prepare-button", status=200)
    expect(employee_page.locator('.timeline .stage-done')).to_have_count(1)
    expect(employee_page.locator("#step-prepare-button")).to_have_count(0)
    check(employee_page, f"{path} after 'I am prepared'")
    screenshot(employee_page, "appraisal-employee.png")
    visit(employee_page, "/development")

    # The leader now reads the preparation and holds the interview.
    visit(page, path)
    expect(page.locator("#preparation-answers")).to_contain_text("Jeg har lært opp to nye kolleger.")
    press_enter_on(page, "#step-hold-button", status=200)
    check(page, f"{path} held")

    # The summary and one new development entry, by keyboard.
    page.locator("#summary").focus()
    page.keyboard.type("Vi ble enige om kurs i sårbehandling i vår.")
    press_enter_on(page, '#summary-section button[type="submit"]', status=200)
    expect(page.locator("#summary")).to_have_value("Vi ble enige om kurs i sårbehandling i vår.")
    page.locator("#title").fill("Ta kurs i sårbehandling")
    press_enter_on(page, '#entries-section button[type="submit"]', status=200)
    expect(page.locator("#agreed-entries")).to_contain_text("Ta kurs i sårbehandling")
    check(page, f"{path} with summary and entry")

    # Both sign the current version; the second signature makes it signed and read-only.
    press_enter_on(page, "#sign-leader-button", status=200)
    visit(employee_page, path)
    expect(employee_page.locator("#summary-text")).to_contain_text("sårbehandling")
    press_enter_on(employee_page, "#sign-employee-button", status=200)
    expect(employee_page.locator("#signatures")).to_be_visible()
    expect(employee_page.locator("#sign-employee-button")).to_have_count(0)
    expect(employee_page.locator("#summary")).to_have_count(0)
    check(employee_page, f"{path} signed")
    visit(page, path)
    expect(page.locator("#summary")).to_have_count(0)
    expect(page.locator("#report-link")).to_be_visible()
    report = page.request.get(live_server + path + "/report.pdf")
    assert report.status == 200 and report.headers["content-type"] == "application/pdf"
    assert hr.request.get(live_server + path + "/report.pdf").status == 404

    # Completion figures for the leader's units, and for hr: counts only.
    visit(page, "/appraisals/statistics")
    expect(page.locator("#completion")).to_be_visible()
    visit(hr, "/appraisals/statistics")
    expect(hr.locator("#completion")).not_to_contain_text("Jeg har lært opp")


def test_held_and_signed_interviews_pass_axe_for_the_leader(page, login_as, visit):
    """The demo's own interviews in the later stages (when it has them): the forms of the held stage, the read-only
    signed page."""
    login_as(page, "leader")
    year = date.today().year
    for state in ("held", "signed"):
        for when in (year, year - 1):
            visit(page, f"/appraisals?state={state}&year={when}")
            link = page.locator("#staff-appraisals tbody a").first
            if link.count():
                visit(page, link.get_attribute("href"))
                expect(page.locator("#signoffs")).to_be_visible()
                break
