"""The competence catalogue and requirements in Chromium, checked with axe-core.

hr opens the catalogue, makes a mistake in the new-competence form, reads
the messages, corrects them and sees the competence in the catalogue; then
adds a requirement and removes it again. Each page, the error pages included,
must pass axe with no serious or critical violation. Locators use ids and
form structure so the test passes whatever language or demo data it meets.
"""
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def submit(page, form_selector="main form.stacked"):
    with page.expect_navigation() as nav:
        page.locator(form_selector).locator('button[type="submit"]').first.click()
    return nav.value


def ensure_an_area(page, visit):
    """The demo may not have a catalogue yet: create an area when the form offers none."""
    if page.locator("#area_id option").count():
        return
    code = "A" + uuid.uuid4().hex[:8].upper()
    visit(page, "/catalogue/areas/new")
    page.locator("#code").fill(code)
    page.locator("#name").fill(f"Testområde {code}")
    assert submit(page).status == 200
    visit(page, "/catalogue/competences/new")


def test_hr_adds_a_competence_and_a_requirement(page, login_as, visit, check, screenshot):
    login_as(page, "hr")

    visit(page, "/catalogue")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("form.filters #q")).to_be_visible()
    screenshot(page, "catalogue-hr.png")

    visit(page, "/catalogue/competences/new")
    ensure_an_area(page, visit)
    code = "T" + uuid.uuid4().hex[:8].upper()
    name = f"Testkompetanse {code}"

    # First with mistakes: a code with a space, a scale above 10, no name.
    page.locator("#code").fill("has space")
    page.locator("#max_level").fill("11")
    response = submit(page)
    assert response.status == 422
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    for field in ("code", "name", "max_level"):
        expect(summary.locator(f'a[href="#{field}"]')).to_be_visible()
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    check(page, "new competence with errors")

    # The summary's link takes the keyboard to the field.
    summary.locator('a[href="#name"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#name")).to_be_focused()

    page.locator("#code").fill(code)
    page.locator("#name").fill(name)
    page.locator("#max_level").fill("4")
    page.locator("#validity_months").fill("24")
    page.locator("#kind").select_option("certification")
    response = submit(page)
    assert response.status == 200 and "/catalogue" in page.url
    row = page.locator("main table tbody tr", has_text=code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("24")
    check(page, "catalogue after saving")

    # A requirement for the new competence, level above its scale first.
    visit(page, "/requirements")
    screenshot(page, "requirements-hr.png")
    visit(page, "/requirements/new")
    competence_value = page.locator("#competence_id option", has_text=code).get_attribute("value")
    page.locator("#competence_id").select_option(competence_value)
    page.locator("#min_level").fill("5")
    page.locator("#required_count").fill("3")
    assert submit(page).status == 422
    expect(page.locator("#min_level")).to_have_attribute("aria-invalid", "true")
    check(page, "new requirement with errors")

    page.locator("#min_level").fill("4")
    assert submit(page).status == 200 and "/requirements" in page.url
    row = page.locator("main table tbody tr", has_text=code)
    expect(row).to_have_count(1)
    check(page, "requirements after adding")

    with page.expect_navigation():
        row.locator('button[type="submit"]').click()
    expect(page.locator("main table tbody tr", has_text=code)).to_have_count(0)
    check(page, "requirements after removing")


@pytest.mark.parametrize("role", ["leader", "employee", "politician"])
def test_others_read_but_cannot_edit(page, login_as, visit, role):
    login_as(page, role)
    visit(page, "/catalogue")
    expect(page.locator('a[href="/catalogue/competences/new"]')).to_have_count(0)
    visit(page, "/requirements")
    expect(page.locator('main form[action$="/delete"]')).to_have_count(0)
    if role == "leader":
        # The leader starts with the units they lead, and can switch to all.
        expect(page.locator("#unit_id option").first).to_be_attached()
        expect(page.locator("main .notice a")).to_be_visible()
    visit(page, "/catalogue/competences/new", status=403)
    visit(page, "/requirements/new", status=403)


def test_catalogue_works_without_javascript(page_without_javascript, login_as, check, live_server):
    page = page_without_javascript
    login_as(page, "employee")
    page.goto(live_server + "/catalogue?kind=certification")
    expect(page.locator("#kind")).to_have_value("certification")
    check(page, "catalogue filtered without JavaScript")
