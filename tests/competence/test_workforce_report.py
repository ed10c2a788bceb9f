"""The workforce and gap report as PDF: what a council member holds in their hand.

Rendered for the demo municipality (fixed seed) and read back with the poppler
tools: the essential texts with æøå, page count, contents, metadata, the
three languages, the small-group rule for politicians, the same 404 and 422
as /workforce, a picture of page 1, and a query count that does not grow
with the municipality.
"""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.org.demo import generate
from portal.org.models import Employee, Unit, User
from portal.org.stats import employed_on
from portal.competence.models import Competence
from tests.competence.test_gaps import World
from tests.conftest import PASSWORD
from tests.reports.pdfcheck import first_page_png, metadata, page_count, pdf_text

DEMO_PASSWORD = "demo-pass-123"
TODAY = date.today()
FILENAME = f'attachment; filename="arbeidsstyrke-og-kompetansegap-{TODAY.isoformat()}.pdf"'


def empty_tables():
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def demo(app):
    """A 300-person demo municipality (seed 7)."""
    with app.app_context():
        generate(employees=300, seed=7, password=DEMO_PASSWORD)
    return app


def fetch(app, username, path, password=DEMO_PASSWORD):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    return client.get(path)


def set_locale(app, username, locale):
    with app.app_context():
        db.session.scalars(select(User).where(User.username == username)).one().locale = locale
        db.session.commit()


def unit_with_nordic_letters(app):
    """A demo unit (with staff below it) whose name has æ, ø or å."""
    with app.app_context():
        units = db.session.scalars(select(Unit).where(Unit.parent_id.is_not(None)).order_by(Unit.path)).all()
        unit = next(u for u in units if re.search("[æøåÆØÅ]", u.name) and u.path.count("/") == 3)
        return unit.id, unit.name


def line(text, label):
    """The figure printed after ``label`` in the layout text (the rest of its line)."""
    found = re.search(rf"^\s*{re.escape(label)}\s+(.+?)\s*$", text, re.M)
    assert found, f"no line {label!r}"
    return hidden_as_printed(found.group(1))


def hidden_as_printed(text):
    """pdftotext's layout mode sometimes drops the space in "< 5" of a right-aligned cell."""
    return re.sub(r"<\s?5", "< 5", text)


# --- the demo municipality --------------------------------------------------------


def test_hr_gets_the_whole_municipality_in_bokmaal(demo, tmp_path):
    response = fetch(demo, "hr", "/workforce/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == FILENAME
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.data
    text = pdf_text(body, tmp_path)
    for expected in [
        "Arbeidsstyrke og kompetansegap",
        "Hele kommunen",
        "Innhold",
        "Nøkkeltall",
        "Ansatte i dag",
        "Alder",
        "Når pensjonsalder",
        "Stillingsstørrelse og pensjonsalder per yrke",
        "Turnover",
        "Kompetansegap",
        "Enhetene ett nivå ned",
        "Administrasjon og økonomi",  # a service area in the summary and the heat map
        "Oppvekst – skole",
        "Helsefagarbeider",
        "Side 1 av",
    ]:
        assert expected in text, expected
    with demo.app_context():
        headcount = db.session.scalar(select(func.count(Employee.id)).where(employed_on(TODAY)))
    assert line(text, "Ansatte i dag") == f"{headcount}"
    pages = page_count(body, tmp_path)
    assert 6 <= pages <= 20
    assert f"Side {pages} av {pages}" in text and f"Side {pages + 1} av" not in text
    # The contents list the sections with the pages they start on.
    contents = pdf_text(body, tmp_path, first=2, last=2)
    entries = dict(re.findall(r"^\s*(Nøkkeltall|Alder|Kompetansegap|Turnover)\s[ .]+(\d+)\s*$", contents, re.M))
    assert set(entries) == {"Nøkkeltall", "Alder", "Kompetansegap", "Turnover"}
    gap_page = int(entries["Kompetansegap"])
    assert "Kompetansegap" in pdf_text(body, tmp_path, first=gap_page, last=gap_page)
    info = metadata(body, tmp_path)
    assert info["Title"] == "Arbeidsstyrke og kompetansegap"
    assert info["Author"] == "Eksempel kommune" and info["Subject"] == "Hele kommunen"
    first_page_png(body, tmp_path, keep_as="workforce-report.png")


def test_a_unit_with_nordic_letters_and_its_sub_units(demo, tmp_path):
    unit_id, name = unit_with_nordic_letters(demo)
    response = fetch(demo, "hr", f"/workforce/report.pdf?unit_id={unit_id}&horizon_years=3")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    assert f"{name}, med underliggende enheter" in text
    assert f"3 år (til og med {TODAY.year + 3})" in text
    assert metadata(response.data, tmp_path)["Subject"] == f"{name}, med underliggende enheter"
    with demo.app_context():
        path = db.session.get(Unit, unit_id).path
        headcount = db.session.scalar(
            select(func.count(Employee.id)).join(Unit).where(Unit.path.startswith(path), employed_on(TODAY))
        )
    assert line(text, "Ansatte i dag") == f"{headcount}"


def test_a_profession_narrows_the_figures(demo, tmp_path):
    with demo.app_context():
        nurses = db.session.scalar(
            select(func.count(Employee.id)).where(Employee.profession == "Sykepleier", employed_on(TODAY))
        )
    text = pdf_text(fetch(demo, "hr", "/workforce/report.pdf?profession=Sykepleier").data, tmp_path)
    assert "Hele kommunen · Sykepleier" in text
    assert line(text, "Ansatte i dag") == f"{nurses}"
    assert "Helsefagarbeider" not in text.split("Kompetansegap")[0].split("Innhold")[-1]


@pytest.mark.parametrize(
    "locale, expected, absent",
    [
        ("nn", ["Arbeidsstyrke og kompetansegap", "Nøkkeltal", "Heile kommunen", "Side 1 av", "Einingane eitt nivå ned"], "Nøkkeltall"),
        ("en", ["Workforce and competence gaps", "Key figures", "Whole municipality", "Page 1 of", "Units one level down"], "Side 1 av"),
    ],
)
def test_the_report_speaks_the_readers_language(demo, tmp_path, locale, expected, absent):
    set_locale(demo, "politician", locale)
    body = fetch(demo, "politician", "/workforce/report.pdf").data
    text = pdf_text(body, tmp_path)
    for wanted in expected:
        assert wanted in text, wanted
    assert absent not in text
    assert metadata(body, tmp_path)["Title"] == expected[0]
    assert "Administrasjon og økonomi" in text  # names stay as they are


def test_a_leader_gets_their_units_and_404_for_another(demo, tmp_path):
    with demo.app_context():
        leader = db.session.scalars(select(User).where(User.username == "leader")).one()
        led = set(leader.led_unit_ids)
        other = db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.path)).all()
        own_id = next(iter(led))
        own_name = db.session.get(Unit, own_id).name
        foreign = next(u.id for u in other if u.id not in led and not any(
            db.session.get(Unit, i).path.startswith(u.path) for i in led))
    mine = fetch(demo, "leader", "/workforce/report.pdf")
    assert mine.status_code == 200
    text = pdf_text(mine.data, tmp_path)
    assert "Alle enhetene du leder" in text and own_name in text
    assert fetch(demo, "leader", f"/workforce/report.pdf?unit_id={own_id}").status_code == 200
    assert fetch(demo, "leader", f"/workforce/report.pdf?unit_id={foreign}").status_code == 404
    assert fetch(demo, "leader", "/workforce/report.pdf?unit_id=999999").status_code == 404


# --- who sees what (the small municipality of tests.conftest.people) ---------------------


@pytest.fixture
def small(app, people):
    """``people`` plus wound care (Sårstell) required 4 times in Hjemmetjenesten nord; Ola Øverby holds it.

    Helse og omsorg then has 3 employees (2 part-time) and a wound-care gap of 3:
    every figure about fewer than five people.
    """
    with app.app_context():
        world = World(people["units"])
        wound = Competence(code="SAAR", name="Sårstell", area_id=world.area_id, kind="skill", max_level=3)
        db.session.add(wound)
        db.session.flush()
        world.hold(people["staff"]["1002"], wound.id, level=3)
        world.require("HO-HJEM-NORD", wound.id, count=4)
        db.session.commit()
    return people


def test_politicians_see_every_small_figure_as_less_than_five(app, small, tmp_path):
    ho = small["units"]["HO"]
    hr = pdf_text(fetch(app, "hr", f"/workforce/report.pdf?unit_id={ho}", PASSWORD).data, tmp_path, "hr.pdf")
    body = fetch(app, "politician", f"/workforce/report.pdf?unit_id={ho}", PASSWORD).data
    politician = hidden_as_printed(pdf_text(body, tmp_path, "politician.pdf"))
    # hr: the real figures (HO has Kari, Ola and Åse).
    assert line(hr, "Ansatte i dag") == "3"
    assert line(hr, "Jobber deltid") == "2"
    assert re.search(r"^\s*Sykepleier\s+1\s", hr, re.M)
    assert "< 5" not in hr
    # The politician: every one of those as "< 5", shares from them not shown.
    assert line(politician, "Ansatte i dag") == "< 5"
    assert line(politician, "Jobber deltid") == "< 5"
    assert line(politician, "Andel deltid") == "ikke vist"
    assert re.search(r"^\s*Sykepleier\s+< 5\s", politician, re.M)
    assert "Du ser bare tall for grupper" in politician and "Du ser bare tall for grupper" not in hr
    # The heat map: the wound-care cell of Hjemmetjenesten (4 needed, 1 holder, gap 3) is hidden too.
    heat = politician.split("Kompetansegap")[-1]
    assert "Sårstell" in heat and "< 5" in heat and "Trenger 4" in heat
    assert re.search(r"\b3\s?→\s?3\b", hr.split("Kompetansegap")[-1])
    assert "→" not in heat.split("Trenger 4")[0].split("Sårstell")[-1]
    # No figure 1 to 4 anywhere in the politician's tables (years, ages and page numbers aside).
    for row in re.findall(r"^\s*(?:Ansatte i dag|Jobber deltid|Helsefagarbeider|Sykepleier|Enhetsleder)\s.*$", politician, re.M):
        assert not re.search(r"(?<![\d,.])[1-4](?![\d,.%])", row.split("  ", 1)[-1].replace("< 5", "")), row
    first_page_png(body, tmp_path, "politician")


def test_the_representative_gets_the_same_hidden_figures(app, small, tmp_path):
    ho = small["units"]["HO"]
    text = pdf_text(fetch(app, "representative", f"/workforce/report.pdf?unit_id={ho}", PASSWORD).data, tmp_path)
    assert line(text, "Ansatte i dag") == "< 5"


@pytest.mark.parametrize("username, status", [("employee", 403), ("admin", 403), ("colleague", 403)])
def test_people_without_a_viewing_role_are_refused(app, people, username, status):
    assert fetch(app, username, "/workforce/report.pdf", PASSWORD).status_code == status


def test_a_leader_asking_for_another_unit_gets_404(app, people):
    sk_skole, hjem = people["units"]["SK-SKOLE"], people["units"]["HO-HJEM"]
    assert fetch(app, "leader", f"/workforce/report.pdf?unit_id={sk_skole}", PASSWORD).status_code == 404
    assert fetch(app, "leader", f"/workforce/report.pdf?unit_id={hjem}", PASSWORD).status_code == 200


@pytest.mark.parametrize("horizon", ["0", "11", "abc", "2.5", "-1"])
def test_a_bad_horizon_gives_the_form_with_a_message(app, people, horizon):
    response = fetch(app, "hr", f"/workforce/report.pdf?horizon_years={horizon}", PASSWORD)
    assert response.status_code == 422 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "År fram i tid: skriv et helt tall fra 1 til 10." in page
    assert 'aria-invalid="true"' in page


def test_an_unknown_profession_gives_the_form_with_a_message(app, people):
    response = fetch(app, "hr", "/workforce/report.pdf?profession=Astronaut", PASSWORD)
    assert response.status_code == 422 and "Velg et yrke fra listen." in response.get_data(as_text=True)


# --- the links to it ------------------------------------------------------------------


def test_the_workforce_page_offers_the_downloads_with_its_filters(app, people):
    hjem = people["units"]["HO-HJEM"]
    page = fetch(app, "hr", f"/workforce?unit_id={hjem}&horizon_years=7&profession=Sykepleier", PASSWORD)
    html = page.get_data(as_text=True)
    for endpoint in ("/workforce/report.pdf", "/workforce.csv", "/workforce.xlsx"):
        link = re.search(rf'href="{re.escape(endpoint)}\?([^"]+)"', html)
        assert link, endpoint
        args = set(link.group(1).replace("&amp;", "&").split("&"))
        assert args == {f"unit_id={hjem}", "horizon_years=7", "profession=Sykepleier"}, endpoint


def test_the_gap_page_links_to_the_report_for_its_unit(app, people):
    hjem = people["units"]["HO-HJEM"]
    html = fetch(app, "leader", f"/gaps?unit_id={hjem}&horizon_years=3", PASSWORD).get_data(as_text=True)
    link = re.search(r'href="/workforce/report\.pdf\?([^"]+)"', html)
    assert link and set(link.group(1).replace("&amp;", "&").split("&")) == {f"unit_id={hjem}", "horizon_years=3"}
    top = fetch(app, "hr", "/gaps", PASSWORD).get_data(as_text=True)
    assert re.search(r'href="/workforce/report\.pdf(\?horizon_years=5)?"', top)


# --- speed -------------------------------------------------------------------------------


def test_the_queries_do_not_grow_with_the_municipality(app, count_queries):
    seen = []
    for employees in (60, 600):
        with app.app_context():
            result = generate(employees=employees, seed=7, password=DEMO_PASSWORD)
            units = db.session.scalar(select(func.count(Unit.id)))
        client = app.test_client()
        assert client.post("/login", data={"username": "politician", "password": DEMO_PASSWORD}).status_code == 302
        for username_path in ("/workforce/report.pdf", "/workforce/report.pdf?horizon_years=8"):
            with count_queries() as statements:
                assert client.get(username_path).status_code == 200
            seen.append((result.employees, units, len(statements)))
        with app.app_context():
            empty_tables()
    (small, small_units, n1), _s, (big, big_units, n2), _b = seen
    assert big > 5 * small and big_units > small_units
    assert n1 == n2, seen
