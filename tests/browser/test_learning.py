"""Learning activities in Chromium: a leader logs a fagdag for two of their staff with the keyboard.

Runs against the demo municipality (150 employees, seed 7) with CSRF on; every
page on the way is checked with axe-core. Locators use ids, so the test passes
in any language.
"""
import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def press_enter_on(page, selector):
    page.locator(selector).focus()
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return navigation.value


def test_a_leader_logs_a_fagdag_reviews_and_saves(page, login_as, visit, check):
    title = f"Fagdag {uuid.uuid4().hex[:6]}"
    login_as(page, "leader")
    visit(page, "/learning-activities/new")

    # Reviewing with nothing filled in names the problems and changes nothing.
    response = press_enter_on(page, "#review")
    assert response.status == 422
    expect(page.locator(".error-summary a[href='#title']")).to_be_visible()
    expect(page.locator("#participant_ids-error")).to_be_visible()
    check(page, "/learning-activities/new with errors")

    page.locator("#title").focus()
    page.keyboard.type(title)
    page.keyboard.press("Tab")
    expect(page.locator("#kind")).to_be_focused()
    page.locator("#kind").select_option("fagdag")
    page.locator("#date").fill(date.today().isoformat())
    page.locator("#hours").focus()
    page.keyboard.type("6,5")

    # Tick the first two people shown, with the space bar.
    boxes = page.locator("#staff-list input[type=checkbox]")
    assert boxes.count() >= 2
    names = []
    for index in range(2):
        box = boxes.nth(index)
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
        names.append(page.locator(f"label[for='{box.get_attribute('id')}']").inner_text().strip())

    response = press_enter_on(page, "#review")
    assert response.status == 200
    expect(page.locator("#changes tbody tr")).to_have_count(2)
    for name in names:
        expect(page.locator("#changes")).to_contain_text(name)
    check(page, "review step")

    response = press_enter_on(page, "#save")
    assert response.status == 200
    assert re.search(r"/learning-activities/\d+$", page.url), page.url
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator("#participants tbody tr")).to_have_count(2)
    check(page, "the logged activity")

    visit(page, "/learning-activities")
    expect(page.locator("#activity-list")).to_contain_text(title)


def test_the_form_works_without_javascript(page_without_javascript, login_as, check):
    page = page_without_javascript
    login_as(page, "leader")
    page.goto(page.url.rstrip("/") + "/learning-activities/new")
    shown = page.locator("#staff-list tbody tr").count()
    assert shown >= 2
    with page.expect_navigation():
        page.locator("#select-all").click()
    expect(page.locator("#staff-list input[type=checkbox]:checked")).to_have_count(shown)
    check(page, "/learning-activities/new, everyone ticked")
