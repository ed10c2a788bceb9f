"""The accessibility statement, the privacy page and "my data" in Chromium, checked with axe-core.

The two information pages are public: reachable from the log-in page and the
footer of every page, and they pass axe both logged out and logged in.
"""
import json

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

INFO_PAGES = ("/tilgjengelighet", "/personvern")


@pytest.mark.parametrize("path", INFO_PAGES)
def test_info_pages_logged_out(page, visit, path, screenshot):
    visit(page, "/login")
    # From the log-in page, with the keyboard: the link is there before anyone logs in.
    link = page.locator(f'main a[href="{path}"]')
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(path)
    visit(page, path)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator('footer a[href="/me/data"]')).to_have_count(0)
    screenshot(page, f"info{path.replace('/', '-')}.png")


@pytest.mark.parametrize("path", INFO_PAGES)
def test_info_pages_logged_in(page, login_as, visit, path):
    login_as(page, "employee")
    with page.expect_navigation():
        page.locator(f'footer a[href="{path}"]').click()
    visit(page, path)
    expect(page.locator(f'footer a[href="{path}"]')).to_have_attribute("aria-current", "page")


def test_info_pages_in_nynorsk(page, visit):
    visit(page, "/tilgjengelighet")
    page.locator("form.language select").select_option("nn")
    with page.expect_navigation():
        page.locator("form.language button").click()
    visit(page, "/personvern")
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.locator("h1")).to_have_text("Personvern i kompetanseportalen")


def test_employee_downloads_my_data_as_pdf_and_json(page, login_as, visit):
    login_as(page, "employee")
    with page.expect_navigation():
        page.locator('footer a[href="/me/data"]').click()
    visit(page, "/me/data")
    with page.expect_download() as pdf:
        page.locator('main a[href="/me/data.pdf"]').click()
    with open(pdf.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert pdf.value.suggested_filename.startswith("mine-data-") and pdf.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as data:
        page.locator('main a[href="/me/data.json"]').click()
    with open(data.value.path(), encoding="utf-8") as fh:
        body = json.load(fh)
    assert body["user"]["username"] == "employee" and body["employee"] is not None
