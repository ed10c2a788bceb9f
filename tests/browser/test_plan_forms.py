"""The remaining plan and learning forms in Chromium with axe, on the demo's own plans.

The demo has a plan in every stage; each stage's forms (edit the plan, edit
a goal, edit a measure, a progress note, evaluate a goal) and a learning
activity's page are opened the way a user would reach them: by following
the links on the pages.
"""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def plan_in(page, visit, state):
    """The address of the demo's first plan in ``state``."""
    visit(page, f"/plans?state={state}")
    link = page.locator('main table a[href^="/plans/"]').first
    expect(link).to_be_visible()
    return link.get_attribute("href")


def follow(page, visit, selector):
    """Open the first link matching ``selector`` on the current page, checked with axe."""
    link = page.locator(selector).first
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    visit(page, href)
    return href


def test_every_stage_form_passes_axe(page, login_as, visit):
    login_as(page, "hr")
    visit(page, plan_in(page, visit, "purpose") + "/edit")
    expect(page.locator("#title")).to_be_visible()

    visit(page, plan_in(page, visit, "goals"))
    follow(page, visit, 'main a[href*="/goals/"][href$="/edit"]')
    expect(page.locator("#title")).to_be_visible()

    visit(page, plan_in(page, visit, "measures"))
    follow(page, visit, 'main a[href*="/measures/"][href$="/edit"]')
    expect(page.locator("#title")).to_be_visible()

    visit(page, plan_in(page, visit, "evaluation"))
    follow(page, visit, 'main a[href$="/evaluate"]')
    expect(page.locator('input[name="verdict"]').first).to_be_visible()


def test_a_leader_opens_the_progress_note_form_and_an_activity(page, login_as, visit):
    login_as(page, "leader")
    plan = plan_in(page, visit, "measures")
    visit(page, plan)
    measure = page.locator('main [id^="measure-"]').first.get_attribute("id").split("-", 1)[1]
    visit(page, f"{plan}/measures/{measure}/notes")
    visit(page, "/learning-activities")
    follow(page, visit, 'main a[href^="/learning-activities/"]:not([href$="/new"])')
    expect(page.locator("h1")).to_be_visible()
