"""The gap page in Chromium, checked with axe-core: hr drilling down by keyboard,
a politician seeing only large groups, and a leader opening the people behind a cell.

Runs on the demo municipality (150 employees, seed 7). Texts are matched in
the default language (bokmål) only where the structure cannot say it.
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HEATMAP = "table.heatmap"
DRILL_LINKS = f'{HEATMAP} tbody th a[href*="unit_id="]'
PEOPLE_LINKS = f'{HEATMAP} a[href^="/gaps/people"]'


def figures_shown(page):
    """Every "har N" (holders) figure in the heat map's cells."""
    texts = page.locator(f"{HEATMAP} td.gap-cell").all_inner_texts()
    return [int(n) for text in texts for n in re.findall(r"\bhar (\d+)", text)]


def test_hr_drills_down_by_keyboard_and_changes_the_horizon(page, login_as, visit, check, screenshot):
    login_as(page, "hr")
    visit(page, "/gaps")
    table = page.locator(HEATMAP)
    expect(table).to_be_visible()
    expect(table.locator("caption")).to_be_visible()
    rows = table.locator("tbody tr")
    assert rows.count() >= 3, "the demo has several service areas with requirements"
    # Every coloured cell says its figures in text too.
    for text in table.locator("td.gap-cell").all_inner_texts()[:50]:
        assert re.search(r"\d", text), text
    expect(page.locator(".heat-legend li").first).to_be_visible()
    screenshot(page, "gaps-hr.png")

    link = page.locator(DRILL_LINKS).first
    name = link.inner_text()
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "unit_id=" in page.url
    check(page, "gaps, one level down")
    expect(page.locator("h1")).to_contain_text(name)
    breadcrumb = page.locator("nav.breadcrumb")
    expect(breadcrumb.locator('[aria-current="page"]')).to_have_text(name)
    expect(breadcrumb.locator("a").first).to_have_attribute("href", re.compile(r"^/gaps"))
    level_url = page.url

    select = page.locator("#horizon_years")
    select.focus()
    select.select_option("3")
    page.locator("#colour_by").select_option("horizon")
    page.locator('form.filters button[type="submit"]').focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "horizon_years=3" in page.url and "colour_by=horizon" in page.url
    assert re.search(r"unit_id=\d+", page.url).group(0) in level_url, "the level is kept"
    check(page, "gaps at a three-year horizon")
    expect(page.locator(f"{HEATMAP} caption")).to_contain_text(re.compile(r"\d{4}"))
    expect(page.locator(f"{HEATMAP} td.gap-cell").first).to_contain_text(re.compile(r"\d{4}: (har|vises)"))

    with page.expect_navigation():
        breadcrumb.locator("a").first.click()
    assert "unit_id" not in page.url
    check(page, "gaps, back at the top")


def test_the_gap_page_works_without_javascript(page_without_javascript, login_as, check):
    page = page_without_javascript
    login_as(page, "hr")
    page.goto(page.url.rstrip("/") + "/gaps")
    page.locator("#horizon_years").select_option("10")
    with page.expect_navigation():
        page.locator('form.filters button[type="submit"]').click()
    assert "horizon_years=10" in page.url
    expect(page.locator(HEATMAP)).to_be_visible()
    check(page, "gaps without JavaScript")


def test_a_politician_sees_no_small_groups_and_no_names(page, login_as, visit, check, live_server):
    login_as(page, "politician")
    visit(page, "/gaps?horizon_years=5")
    hidden_seen = 0
    pages_seen = 0
    to_visit = [page.url]
    while to_visit and pages_seen < 6:
        page.goto(to_visit.pop(0))
        pages_seen += 1
        check(page, page.url)
        assert all(n == 0 or n >= 5 for n in figures_shown(page)), page.url
        expect(page.locator(PEOPLE_LINKS)).to_have_count(0)
        expect(page.locator('main a[href^="/employees/"]')).to_have_count(0)
        hidden = page.locator(f"{HEATMAP} td.band-hidden")
        hidden_seen += hidden.count()
        if hidden.count():
            expect(hidden.first).to_contain_text("færre enn 5")
        to_visit += [live_server + href for href in page.locator(DRILL_LINKS).evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")][:2]
    assert hidden_seen, "a municipality of 150 has units where fewer than 5 hold a competence"
    response = page.goto(live_server + "/gaps/people?unit_id=1&competence_id=1")
    assert response.status == 403


def test_a_leader_opens_the_people_behind_a_cell(page, login_as, visit, check):
    login_as(page, "leader")
    visit(page, "/gaps")
    people = page.locator(PEOPLE_LINKS)
    if people.count() == 0:  # the leader's unit has units below it with requirements
        with page.expect_navigation():
            page.locator(DRILL_LINKS).first.click()
    link = people.first
    with page.expect_navigation():
        link.click()
    check(page, "the people behind a cell")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#holders-heading")).to_be_visible()
    expect(page.locator("#others-heading")).to_be_visible()
    names = page.locator('main table a[href^="/employees/"]')
    assert names.count() > 0, "the leader sees the names of their staff"
    with page.expect_navigation():
        names.first.click()
    assert re.search(r"/employees/\d+$", page.url)
