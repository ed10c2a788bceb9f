"""The competence profile in a real browser, checked with axe: the leader assesses, the employee self-assesses.

The demo municipality (150 employees, seed 7) is served by ``live_server``;
the demo ``leader`` leads the unit the demo ``employee`` works in. Labels and
buttons are matched in bokmål, nynorsk or English, found by their accessible
names as a keyboard or screen-reader user would find them.
"""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def words(*texts):
    return re.compile(r"^\s*(" + "|".join(re.escape(t) for t in texts) + r")\s*$", re.I)


def starting(*texts):
    return re.compile(r"^\s*(" + "|".join(re.escape(t) for t in texts) + r")", re.I)


MY_PROFILE = words("Se profilen min", "Sjå profilen min", "See my profile")
RECORD = words("Registrer en vurdering", "Registrer ei vurdering", "Record an assessment")
PRIOR = words("Vurder realkompetanse", "Assess prior learning")
SELF = words("Legg til en egenvurdering", "Legg til ei eigenvurdering", "Add a self-assessment")
COMPETENCE = words("Kompetanse", "Competence")
LEVEL = words("Nivå", "Level")
EVIDENCE = words("Dokumentasjon", "Evidence")
BASED_ON = starting("Hva bygger du dette på", "Kva byggjer du dette på", "What is it based on")
FILE = starting("Kursbevis, sertifikat eller vitnemål", "Certificate or diploma")
SAVE = words("Lagre vurderingen", "Lagre vurderinga", "Save assessment")
SAVE_SELF = words("Lagre egenvurderingen", "Lagre eigenvurderinga", "Save self-assessment")
LEADER_SOURCE = re.compile(r"Lederens vurdering|Leiaren si vurdering|Leader's assessment")
PRIOR_SOURCE = re.compile(r"Realkompetanse|Prior learning")
SELF_SOURCE = re.compile(r"Egenvurdering|Eigenvurdering|Self-assessment")
NOT_VERIFIED = re.compile(r"Ikke verifisert|Ikkje verifisert|Not verified")
LEVEL_ERROR = re.compile(r"mellom 1 og|between 1 and")


def own_profile_url(page, login_as, logout):
    """The demo employee's profile address, found the way they find it: from the start page."""
    login_as(page, "employee")
    with page.expect_navigation():
        page.get_by_role("link", name=MY_PROFILE).click()
    url = page.url
    assert re.search(r"/employees/\d+$", url), url
    logout(page)
    return url


def choose_competence(page, skip=0):
    """Pick a real competence from the list; return its name and the top of its scale."""
    select = page.get_by_label(COMPETENCE)
    options = select.locator("option").all()
    real = [o for o in options if o.get_attribute("value")]
    assert len(real) > skip, "the demo catalogue has competences"
    option = real[skip]
    label = option.inner_text()
    select.select_option(value=option.get_attribute("value"))
    match = re.match(r"^.*?: (.*) \(\D+ 1 \D+ (\d+)\)$", label.strip())
    assert match, label
    return match.group(1), int(match.group(2))


def held_row(page, name, source):
    return page.locator("#competences table.held tbody tr").filter(
        has=page.locator("th", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
    ).filter(has_text=source)


def test_leader_records_an_assessment_and_prior_learning(page, login_as, logout, visit, check, screenshot):
    url = own_profile_url(page, login_as, logout)
    login_as(page, "leader")
    visit(page, url)
    expect(page.get_by_role("heading", level=2, name=re.compile("Kompetanseprofil|Competence profile"))).to_be_visible()
    screenshot(page, "profile-leader.png")

    # Record an assessment; first with a level above the scale, which the form refuses.
    with page.expect_navigation():
        page.get_by_role("link", name=RECORD).click()
    check(page, "the assessment form")
    name, top = choose_competence(page)
    page.get_by_label(LEVEL).fill(str(top + 1))
    page.get_by_label(EVIDENCE).fill("Observert i praksis på nattevakt")
    save = page.get_by_role("button", name=SAVE)
    save.focus()
    with page.expect_navigation() as refused:
        page.keyboard.press("Enter")
    assert refused.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text(LEVEL_ERROR)
    expect(page.get_by_label(LEVEL)).to_have_attribute("aria-invalid", "true")
    check(page, "the assessment form with an error")

    page.get_by_label(LEVEL).fill(str(top))
    with page.expect_navigation():
        page.get_by_role("button", name=SAVE).press("Enter")
    assert page.url.split("#")[0] == url
    row = held_row(page, name, LEADER_SOURCE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(re.compile(rf"\b{top} (av|of) {top}\b"))
    expect(row).to_contain_text("Observert i praksis på nattevakt")
    history = page.locator("#competences table.history tbody tr").first
    expect(history).to_contain_text(name)
    expect(history).to_contain_text("Observert i praksis på nattevakt")
    check(page, "the profile after an assessment")

    # Prior learning with a certificate, which can then be downloaded.
    with page.expect_navigation():
        page.get_by_role("link", name=PRIOR).click()
    form = page.locator("main form")
    expect(form).to_have_attribute("enctype", "multipart/form-data")
    check(page, "the prior learning form")
    prior_name, _ = choose_competence(page, skip=1)
    page.get_by_label(LEVEL).fill("1")
    page.get_by_label(FILE).set_input_files(
        files=[{"name": "kursbevis.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name=SAVE).click()
    row = held_row(page, prior_name, PRIOR_SOURCE)
    expect(row).to_have_count(1)
    with page.expect_download() as download:
        row.get_by_role("link", name="kursbevis.pdf").click()
    assert download.value.suggested_filename == "kursbevis.pdf"
    with open(download.value.path(), "rb") as fh:
        assert fh.read() == PDF
    check(page, "the profile with a certificate")


def test_employee_adds_a_self_assessment(page, login_as, visit, check, screenshot):
    login_as(page, "employee")
    with page.expect_navigation():
        page.get_by_role("link", name=MY_PROFILE).click()
    url = page.url
    check(page, "the employee's own profile")
    expect(page.get_by_role("link", name=RECORD)).to_have_count(0)

    with page.expect_navigation():
        page.get_by_role("link", name=SELF).click()
    check(page, "the self-assessment form")
    name, top = choose_competence(page, skip=2)
    page.get_by_label(LEVEL).fill(str(top))
    page.get_by_label(BASED_ON).fill("Har hatt ansvar for dette i tre år")
    with page.expect_navigation():
        page.get_by_role("button", name=SAVE_SELF).press("Enter")
    assert page.url.split("#")[0] == url
    row = held_row(page, name, SELF_SOURCE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(NOT_VERIFIED)
    expect(page.get_by_role("status")).to_be_visible()  # the "saved" message
    screenshot(page, "profile-employee.png")
    check(page, "the profile after a self-assessment")


OBJECT = starting("Meld innsigelse", "Meld innvending", "Object")
OBJECTION_FIELD = starting("Hva er du uenig i", "Kva er du usamd i", "What do you disagree with")
SAVE_OBJECTION = words("Lagre innsigelse", "Lagre innvending", "Save objection")
WITHDRAW = words("Trekk tilbake innsigelsen", "Trekk tilbake innvendinga", "Withdraw the objection")
CHANGE_OBJECTION = starting("Endre eller trekk tilbake", "Change or withdraw")


def test_employee_objects_to_an_assessment_and_withdraws_it(page, login_as, check):
    login_as(page, "employee")
    with page.expect_navigation():
        page.get_by_role("link", name=MY_PROFILE).click()
    url = page.url
    link = page.get_by_role("link", name=OBJECT).first
    expect(link).to_be_visible()  # the demo employee holds competences recorded by others
    with page.expect_navigation():
        link.click()
    check(page, "the objection form")

    save = page.get_by_role("button", name=SAVE_OBJECTION)
    save.focus()
    with page.expect_navigation() as refused:
        page.keyboard.press("Enter")
    assert refused.value.status == 422
    expect(page.get_by_label(OBJECTION_FIELD)).to_have_attribute("aria-invalid", "true")
    check(page, "the objection form with an error")

    page.get_by_label(OBJECTION_FIELD).fill("Jeg tok dette kurset i fjor, se kursbeviset.")
    with page.expect_navigation():
        page.get_by_role("button", name=SAVE_OBJECTION).press("Enter")
    assert page.url.split("#")[0] == url
    expect(page.locator("#competences p.objection")).to_have_text("Jeg tok dette kurset i fjor, se kursbeviset.")
    check(page, "the profile with an objection")

    with page.expect_navigation():
        page.get_by_role("link", name=CHANGE_OBJECTION).first.click()
    with page.expect_navigation():
        page.get_by_role("button", name=WITHDRAW).click()
    expect(page.locator("#competences p.objection")).to_have_count(0)
