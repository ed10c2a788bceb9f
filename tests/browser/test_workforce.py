"""The workforce page and hr's retirement ages, driven in Chromium and checked with axe-core.

Runs against the demo municipality (150 employees, seed 7). Locators use page
structure (ids, form actions, roles) so the tests pass in any language.
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def charts_have_text_alternatives(page):
    """Both charts are images named by their title and description, each with a table beside it."""
    charts = page.locator('svg.chart[role="img"]')
    expect(charts).to_have_count(2)
    for chart_id in ("age-chart", "retirement-chart"):
        chart = page.locator(f"#{chart_id}")
        expect(chart).to_have_attribute("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
        assert chart.locator("title").text_content().strip()
        assert chart.locator("desc").text_content().strip()
    # The accessible name is what a screen reader announces for the image.
    expect(page.get_by_role("img", name=re.compile(r"\S"))).to_have_count(2)
    expect(page.locator("#age-table tbody tr")).to_have_count(7)
    expect(page.locator("#retirement-table tbody tr").first).to_be_visible()


def test_hr_reads_the_workforce_figures(page, login_as, visit, check, screenshot):
    login_as(page, "hr")
    visit(page, "/workforce")
    charts_have_text_alternatives(page)
    expect(page.locator("#retirement-table tbody tr")).to_have_count(6)  # this year + 5
    expect(page.locator("#ages-table tbody tr").first).to_be_visible()
    expect(page.locator("#turnover-table tbody tr").first).to_be_visible()
    # hr sees every figure: no "fewer than 5" anywhere.
    expect(page.locator(".suppressed")).to_have_count(0)
    screenshot(page, "workforce-hr.png")

    # Narrow to a service area and a longer horizon, by keyboard.
    page.locator("#unit_id").select_option(index=1)
    page.locator("#horizon_years").fill("10")
    with page.expect_navigation():
        page.locator("#horizon_years").press("Enter")
    assert "horizon_years=10" in page.url and "unit_id=" in page.url
    expect(page.locator("#retirement-table tbody tr")).to_have_count(11)
    check(page, "/workforce for one unit, 10 years")

    # A bad horizon is named next to the field.
    response = page.goto(page.url.replace("horizon_years=10", "horizon_years=99"))
    assert response.status == 422
    expect(page.locator("#horizon_years")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#horizon_years-error")).to_be_visible()
    check(page, "/workforce with a bad horizon")


def test_politician_sees_figures_for_groups_only(page, login_as, visit):
    login_as(page, "politician")
    visit(page, "/workforce")
    charts_have_text_alternatives(page)
    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator('a[href="/workforce/retirement-ages"]')).to_have_count(0)
    expect(page.locator('a[href^="/employees/"]')).to_have_count(0)
    # Every number shown in the age table is 0 or at least 5.
    for text in page.locator("#age-table tbody td").all_inner_texts():
        digits = text.replace("\u00a0", "").replace(" ", "")
        if digits.isdigit():
            assert int(digits) == 0 or int(digits) >= 5, text
    visit(page, "/workforce/retirement-ages", status=403)


def test_leader_sees_own_units(page, login_as, visit):
    login_as(page, "leader")
    visit(page, "/workforce")
    charts_have_text_alternatives(page)
    options = page.locator("#unit_id option")
    assert 1 < options.count() < 40, "a leader picks among their own units only"


def test_hr_sets_and_resets_a_retirement_age(page, login_as, visit, check, live_server):
    login_as(page, "hr")
    visit(page, "/workforce/retirement-ages")
    rows = page.locator("#retirement-ages tbody tr")
    expect(rows.first).to_be_visible()
    row = rows.filter(has=page.locator('input[name="profession"][value="Sykepleier"]'))
    if row.count() == 0:
        row = rows.first
    profession = row.locator('input[name="profession"]').get_attribute("value")
    age = row.locator('input[name="age"]')
    field_id = age.get_attribute("id")
    # The field is labelled with the profession's name, for screen readers.
    expect(page.get_by_label(re.compile(re.escape(profession) + r"$"))).to_have_count(1)

    age.fill("63")
    with page.expect_navigation():
        age.press("Enter")
    expect(page.locator(".flash")).to_be_visible()
    row = page.locator("#retirement-ages tbody tr").filter(has=page.locator(f'input[name="profession"][value="{profession}"]'))
    expect(row.locator("td").nth(1)).to_have_text("63")
    expect(row.locator('button[value="reset"]')).to_be_visible()
    check(page, "retirement ages after saving")

    # The workforce page shows the age hr chose.
    page.goto(live_server + "/workforce")
    expect(page.locator("#ages-table tbody tr", has_text=profession).first.locator("td").first).to_have_text("63")

    # Out of range: the browser's own check is bypassed to reach the server's message.
    page.goto(live_server + "/workforce/retirement-ages")
    age = page.locator(f"#{field_id}")
    page.evaluate(f"() => document.getElementById('{field_id}').removeAttribute('max')")
    age.fill("99")
    with page.expect_navigation() as nav:
        age.press("Enter")
    assert nav.value.status == 422
    expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{field_id}-error")).to_be_visible()
    expect(page.locator('[role="alert"]')).to_be_visible()
    check(page, "retirement ages with an error")

    # Reset brings back the built-in value (and leaves the demo as it was).
    page.goto(live_server + "/workforce/retirement-ages")
    row = page.locator("#retirement-ages tbody tr").filter(has=page.locator(f'input[name="profession"][value="{profession}"]'))
    with page.expect_navigation():
        row.locator('button[value="reset"]').click()
    row = page.locator("#retirement-ages tbody tr").filter(has=page.locator(f'input[name="profession"][value="{profession}"]'))
    expect(row.locator('button[value="reset"]')).to_have_count(0)
    check(page, "retirement ages after reset")


def test_workforce_works_without_javascript(page_without_javascript, login_as, check, live_server):
    page = page_without_javascript
    login_as(page, "hr")
    page.goto(live_server + "/workforce")
    page.locator("#horizon_years").fill("3")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert "horizon_years=3" in page.url
    expect(page.locator("#retirement-table tbody tr")).to_have_count(4)
    check(page, "/workforce without JavaScript")


@pytest.mark.parametrize("user,path", [("hr", "/workforce"), ("hr", "/workforce/retirement-ages"), ("politician", "/workforce")])
def test_workforce_reflows_at_320_css_pixels(page, user, path, login_as, check, live_server):
    login_as(page, user)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(live_server + path)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{path} scrolls sideways at 320 px: {widths}"
    check(page, f"{path} at 320 px")
