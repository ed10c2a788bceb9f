"""hr adds a goal and a measure to a plan in Chromium with the keyboard alone, checked with axe-core.

The plan is brought to the goals stage through the API (hr creates it, the
leader, the representative and the politician approve it, hr agrees the
purpose), so the test does not depend on which plans the demo holds. Then hr
works the forms with Tab, the arrow keys, typing and Enter: a first attempt
with a mistake shows the error summary, the corrected goal lands on the plan
page; after the goals are approved a measure is added the same way. Every page
must pass axe with no serious or critical violation.
"""
import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.browser


class Api:
    """The JSON API as the demo users, through the browser context's request client."""

    def __init__(self, page, base):
        self.request, self.base, self.tokens = page.request, base, {}

    def token(self, username):
        if username not in self.tokens:
            response = self.request.post(f"{self.base}/api/v1/tokens", data=json.dumps(
                {"username": username, "password": DEMO_PASSWORD}), headers={"Content-Type": "application/json"})
            assert response.status == 201, response.text()
            self.tokens[username] = response.json()["token"]
        return self.tokens[username]

    def post(self, username, path, body, expect_status=(200, 201)):
        response = self.request.post(f"{self.base}/api/v1{path}", data=json.dumps(body), headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token(username)}"})
        assert response.status in expect_status, f"{path}: {response.status} {response.text()}"
        return response.json()

    def version(self, plan_id):
        response = self.request.get(f"{self.base}/api/v1/plans/{plan_id}",
                                    headers={"Authorization": f"Bearer {self.token('hr')}"})
        assert response.status == 200
        return response.json()["version"]

    def approve(self, plan_id, *capacities):
        for capacity in capacities:
            self.post(capacity, f"/plans/{plan_id}/signoffs",
                      {"capacity": capacity, "decision": "approve", "comment": "", "version": self.version(plan_id)})

    def fire(self, plan_id, name):
        self.post("hr", f"/plans/{plan_id}/transitions/{name}", {"comment": "", "version": self.version(plan_id)})


def focused_id(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page, element_id, limit=12):
    """Press Tab until the field ``element_id`` has the focus; fail if the keyboard cannot get there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            return
    pytest.fail(f"Tab never reached #{element_id} (stuck at #{focused_id(page)})")


def follow(page, locator):
    """Move the focus to a link and follow it with Enter."""
    locator.focus()
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return navigation.value


def submit_with_enter(page):
    """Send the form from the focused text field with Enter, as a keyboard user does."""
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    return navigation.value


def test_hr_adds_a_goal_and_a_measure_with_the_keyboard(page, live_server, login_as, visit, check, screenshot):
    api = Api(page, live_server)
    title = f"Nettleserplan {uuid.uuid4().hex[:6]}"
    plan = api.post("hr", "/plans", {"title": title, "purpose": "Nok folk med riktig kompetanse i årene som kommer."})
    plan_id = plan["id"]
    api.approve(plan_id, "leader", "representative", "politician")
    api.fire(plan_id, "agree_purpose")

    login_as(page, "hr")
    visit(page, f"/plans/{plan_id}")
    add_goal = page.locator(f'#goals a[href="/plans/{plan_id}/goals/new"]')
    expect(add_goal).to_be_visible()
    assert follow(page, add_goal).status == 200
    check(page, "new goal form")
    screenshot(page, "plan-goal-form.png")

    # The kind: into the radio group with Tab, to "manual" with the arrow keys.
    page.locator("#kind").focus()
    expect(page.locator("#kind")).to_be_checked()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#kind-manual")).to_be_checked()
    # Fieldsets of the other kinds step aside; the manual one stays.
    expect(page.locator(".goal-kind-competence")).to_be_hidden()
    expect(page.locator(".goal-kind-manual")).to_be_visible()

    # First without a title and with a target that is not a number.
    tab_to(page, "manual_target_value")
    page.keyboard.type("mange")
    response = submit_with_enter(page)
    assert response.status == 422
    summary = page.locator(".error-summary")
    expect(summary.locator('a[href="#title"]')).to_be_visible()
    expect(summary.locator('a[href="#manual_target_value"]')).to_be_visible()
    expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#kind-manual")).to_be_checked()  # the choice survives the round trip
    check(page, "goal form with errors")

    summary.locator('a[href="#title"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#title")).to_be_focused()
    goal_title = "Ti ansatte har hospitert i en annen enhet"
    page.keyboard.type(goal_title)
    tab_to(page, "manual_target_value")
    page.keyboard.press("Control+A")
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    expect(page.locator("#manual_value")).to_be_focused()
    page.keyboard.type("3")
    response = submit_with_enter(page)
    assert response.status == 200 and page.url.split("#")[0].endswith(f"/plans/{plan_id}")
    row = page.locator("#goals tbody tr", has_text=goal_title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("30 %")  # 3 of 10
    check(page, "plan page with the new goal")

    # The goals are approved; now a measure toward the goal.
    api.approve(plan_id, "leader", "representative")
    api.fire(plan_id, "approve_goals")
    visit(page, f"/plans/{plan_id}")
    add_measure = page.locator(f'#measures a[href^="/plans/{plan_id}/measures/new?goal_id="]').first
    assert follow(page, add_measure).status == 200
    check(page, "new measure form")
    screenshot(page, "plan-measure-form.png")

    page.locator("#kind").focus()
    page.keyboard.press("ArrowDown")  # the first kind in the list
    expect(page.locator("#kind")).not_to_have_value("")
    tab_to(page, "title")
    measure_title = "Hospitering i hjemmetjenesten"
    page.keyboard.type(measure_title)
    tab_to(page, "responsible")
    page.keyboard.type("Enhetsleder hjemmetjenesten")
    tab_to(page, "participants")
    page.keyboard.type("10")
    page.keyboard.press("Tab")
    page.keyboard.type("2 500")
    response = submit_with_enter(page)
    assert response.status == 200 and page.url.split("#")[0].endswith(f"/plans/{plan_id}")
    measure = page.locator("#measures article", has_text=measure_title)
    expect(measure).to_have_count(1)
    expect(measure).to_contain_text(re.compile(r"25\s000"))  # 10 × 2 500 kr
    expect(measure.locator("xpath=ancestor::div[contains(@class,'plan-measure-group')]//h3")).to_contain_text(goal_title)
    budget = page.locator("#budget")
    expect(budget).to_contain_text(re.compile(r"25\s000"))
    check(page, "plan page with the new measure")
