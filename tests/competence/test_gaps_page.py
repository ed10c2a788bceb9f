"""The gap page (/gaps), its drill-down, the people behind a cell and the exports.

What a user notices: hr opens the matrix at the service areas and drills
down by links to the units with requirements; a leader sees only their own
units; politicians and representatives see the same matrix with every small
group hidden and never a name; the CSV and Excel files hold what the page
shows; the page does the same few queries for ten requirements or a thousand.
"""
import csv
import io
import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from portal.competence.models import Competence, CompetenceArea, HeldCompetence, Requirement
from portal.extensions import db
from tests.competence.test_gaps import World

TODAY = date.today()


def years_ago(years, days=0):
    try:
        day = TODAY.replace(year=TODAY.year - years)
    except ValueError:
        day = TODAY.replace(year=TODAY.year - years, day=28)
    return day - timedelta(days=days)


@pytest.fixture
def gaps_world(app, people):
    """Wound care (Sårstell) required in HO-HJEM-NORD (4) and SK-SKOLE (10), HLR in HO-HJEM (8).

    Holders: Ola Øverby (1002) and one more nurse in HO-HJEM-NORD, the first
    close to retirement; six HLR holders in HO-HJEM; seven teachers with
    wound care in SK-SKOLE. Åse Ærlig (1003) only assessed herself.
    """
    with app.app_context():
        world = World(people["units"])
        wound = Competence(code="SAAR", name="Sårstell", area_id=world.area_id, kind="skill", max_level=3)
        hlr = Competence(code="HLR", name="Hjerte-lunge-redning", area_id=world.area_id, kind="certification",
                         max_level=3, validity_months=12)
        db.session.add_all([wound, hlr])
        db.session.flush()
        ola, ase = people["staff"]["1002"], people["staff"]["1003"]
        world.hold(ola, wound.id, level=3, valid_until=TODAY + timedelta(days=1500))
        world.hold(ase, wound.id, level=3, source="self_assessment")
        old_nurse = world.person(profession="Sykepleier", born=years_ago(64))
        world.hold(old_nurse, wound.id, level=2)
        world.holders(hlr.id, 6, unit="HO-HJEM")
        world.holders(wound.id, 7, unit="SK-SKOLE", profession="Lærer")
        world.require("HO-HJEM-NORD", wound.id, count=4)
        world.require("HO-HJEM", hlr.id, count=8)
        world.require("SK-SKOLE", wound.id, count=10)
        db.session.commit()
        return {"wound": wound.id, "hlr": hlr.id, "old_nurse": old_nurse, **people}


def in_english(client):
    assert client.post("/language", data={"locale": "en", "next": "/"}).status_code == 302


class _Matrix(HTMLParser):
    """The heat map table as {row header: {column header: cell text}}."""

    def __init__(self):
        super().__init__()
        self.in_table = False
        self.columns, self.rows = [], {}
        self.cell = None
        self.row = None
        self.links = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "heatmap" in (attrs.get("class") or ""):
            self.in_table = True
        if not self.in_table:
            return
        if tag == "tr":
            self.row = []
        elif tag in ("th", "td"):
            self.cell = []
        elif tag == "a" and self.cell is not None:
            self.cell.append("")
            self.current_href = attrs["href"]

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag):
        if not self.in_table:
            return
        if tag in ("th", "td") and self.cell is not None:
            text = " ".join(" ".join(self.cell).split())
            self.row.append((text, getattr(self, "current_href", None)))
            self.current_href = None
            self.cell = None
        elif tag == "tr":
            if not self.columns:
                self.columns = [t for t, _ in self.row]
            else:
                header, link = self.row[0]
                self.rows[header] = dict(zip(self.columns[1:], [t for t, _ in self.row[1:]]))
                self.links[header] = link
        elif tag == "table":
            self.in_table = False


def matrix(html):
    parser = _Matrix()
    parser.feed(html)
    return parser


def get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


# --- who may open it ---------------------------------------------------------------


@pytest.mark.parametrize(
    "username,status",
    [("hr", 200), ("leader", 200), ("politician", 200), ("representative", 200),
     ("employee", 403), ("admin", 403)],
)
def test_who_may_open_the_gap_page(client, login, gaps_world, username, status):
    login(username)
    get(client, "/gaps", status)
    get(client, "/gaps.csv", status)


def test_anonymous_visitors_are_sent_to_log_in(client, gaps_world):
    for path in ("/gaps", "/gaps.csv", "/gaps.xlsx", "/gaps/people"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- hr drills down ------------------------------------------------------------------


def test_hr_starts_at_the_service_areas_and_drills_down_to_the_people(client, login, gaps_world):
    login("hr")
    in_english(client)
    units = gaps_world["units"]

    top = matrix(get(client, "/gaps?horizon_years=0"))
    assert top.columns == ["Unit", "Hjerte-lunge-redning Helse og omsorg", "Sårstell Helse og omsorg"]
    assert list(top.rows) == ["Helse og omsorg", "Skole"]
    assert top.rows["Helse og omsorg"]["Sårstell Helse og omsorg"].startswith("Need 4, level 2+ Now: have 2, gap 2")
    assert top.rows["Helse og omsorg"]["Hjerte-lunge-redning Helse og omsorg"].startswith("Need 8, level 2+ Now: have 6, gap 2")
    assert top.rows["Skole"]["Sårstell Helse og omsorg"].startswith("Need 10, level 2+ Now: have 7, gap 3")
    assert top.rows["Skole"]["Hjerte-lunge-redning Helse og omsorg"].endswith("No requirement")
    assert f"unit_id={units['HO']}" in top.links["Helse og omsorg"]

    ho = matrix(get(client, top.links["Helse og omsorg"].replace("&amp;", "&")))
    assert list(ho.rows) == ["Hjemmetjenesten"]
    hjem = matrix(get(client, ho.links["Hjemmetjenesten"]))
    assert list(hjem.rows) == ["Hjemmetjenesten, own requirements", "Hjemmetjenesten nord"]
    assert hjem.links["Hjemmetjenesten nord"] is None  # nothing further below: the cells link to people
    assert "People" in hjem.rows["Hjemmetjenesten nord"]["Sårstell Helse og omsorg"]

    html = get(client, f"/gaps?unit_id={units['HO-HJEM']}")
    breadcrumb = html.split('class="breadcrumb"')[1].split("</nav>")[0]
    assert re.findall(r">([^<>]+)</a>", breadcrumb) == ["All service areas", "Helse og omsorg"]
    assert 'aria-current="page">Hjemmetjenesten<' in breadcrumb


def test_the_horizon_shows_who_is_left_and_can_colour_the_cells(client, login, gaps_world):
    login("hr")
    in_english(client)
    horizon = TODAY.replace(year=TODAY.year + 2) if not (TODAY.month == 2 and TODAY.day == 29) else TODAY.replace(
        year=TODAY.year + 2, day=28)

    now = get(client, "/gaps?horizon_years=2&colour_by=now")
    cell = matrix(now).rows["Helse og omsorg"]["Sårstell Helse og omsorg"]
    assert "Now: have 2, gap 2" in cell and ": have 1, gap 3" in cell  # the old nurse reaches 65 (nurses' age)
    assert 'class="gap-cell band-2"' in now  # 2 of 4 missing today
    by_horizon = get(client, "/gaps?horizon_years=2&colour_by=horizon")
    assert 'class="gap-cell band-3"' in by_horizon  # 3 of 4 missing at the horizon
    assert horizon.strftime("%Y") in by_horizon

    today_only = matrix(get(client, "/gaps?horizon_years=0")).rows["Helse og omsorg"]["Sårstell Helse og omsorg"]
    assert ": have" not in today_only.replace("Now: have", "")


@pytest.mark.parametrize(
    "query,field",
    [("horizon_years=11", "horizon"), ("horizon_years=-1", "horizon"), ("horizon_years=abc", "horizon"),
     ("colour_by=red", "colour"), ("area_id=999999", "competence area")],
)
def test_bad_filters_are_refused_with_a_message_naming_the_field(client, login, gaps_world, query, field):
    login("hr")
    in_english(client)
    html = get(client, f"/gaps?{query}", 400)
    assert 'class="error"' in html and field in html.lower()
    assert 'class="heatmap"' not in html
    get(client, f"/gaps.csv?{query}", 400)


def test_an_unknown_unit_is_not_found(client, login, gaps_world):
    login("hr")
    get(client, "/gaps?unit_id=999999", 404)
    get(client, "/gaps?unit_id=x", 404)


def test_a_competence_area_narrows_the_columns(client, login, gaps_world):
    with client.application.app_context():
        other = CompetenceArea(code="DIGI", name="Digital")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    login("hr")
    in_english(client)
    html = get(client, f"/gaps?area_id={other_id}")
    assert matrix(html).rows == {} and "No requirements have been set here yet" in html
    assert len(matrix(get(client, "/gaps")).columns) == 3


# --- leaders ---------------------------------------------------------------------------


def test_a_leader_sees_only_their_own_units(client, login, gaps_world):
    login("leader")  # leads HO-HJEM
    in_english(client)
    units = gaps_world["units"]
    html = get(client, "/gaps")
    top = matrix(html)
    assert list(top.rows) == ["Hjemmetjenesten"]
    assert "Skole" not in html and "All my units" in html
    get(client, f"/gaps?unit_id={units['SK-SKOLE']}", 404)
    get(client, f"/gaps?unit_id={units['HO']}", 404)  # above their units
    get(client, f"/gaps.csv?unit_id={units['SK']}", 404)
    get(client, f"/gaps/people?unit_id={units['SK-SKOLE']}&competence_id={gaps_world['wound']}", 404)


def test_the_people_behind_a_cell_for_the_units_leader(client, login, gaps_world):
    login("leader")
    in_english(client)
    units, staff = gaps_world["units"], gaps_world["staff"]
    html = get(client, f"/gaps/people?unit_id={units['HO-HJEM-NORD']}&competence_id={gaps_world['wound']}&horizon_years=2")
    holders = html.split('id="holders-heading"')[1].split('id="others-heading"')[0]
    others = html.split('id="others-heading"')[1]
    assert "Hold it now (2)" in html and "Do not hold it (1)" in html
    assert f'href="/employees/{staff["1002"]}"' in holders and "Øverby, Ola" in holders
    assert "Personnel system" in holders
    ola_row = re.search(r"<tr>\s*<td><a[^>]*>Øverby, Ola</a>.*?</tr>", holders, re.S).group(0)
    old_row = re.search(rf'<tr>\s*<td><a href="/employees/{gaps_world["old_nurse"]}".*?</tr>', holders, re.S).group(0)
    assert ">No<" in ola_row and "<strong>Yes</strong>" in old_row
    assert "Ærlig, Åse" in others and "Self-assessment" in others  # shown, but not counted


@pytest.mark.parametrize("username", ["politician", "representative", "employee"])
def test_aggregates_only_roles_never_see_names(client, login, gaps_world, username):
    login(username)
    units = gaps_world["units"]
    get(client, f"/gaps/people?unit_id={units['HO-HJEM-NORD']}&competence_id={gaps_world['wound']}", 403)


# --- politicians and representatives ------------------------------------------------------


def test_politicians_see_small_groups_hidden_everywhere(client, login, gaps_world):
    login("politician")
    in_english(client)
    units = gaps_world["units"]
    html = get(client, "/gaps?horizon_years=2")
    top = matrix(html)
    cell = top.rows["Helse og omsorg"]["Sårstell Helse og omsorg"]
    assert cell == "Need 4, level 2+ Not shown: fewer than 5"  # 2 holders: no count, no gap
    assert "have 6, gap 2" in top.rows["Helse og omsorg"]["Hjerte-lunge-redning Helse og omsorg"]
    assert "have 7, gap 3" in top.rows["Skole"]["Sårstell Helse og omsorg"]
    assert "band-hidden" in html and "/gaps/people" not in html
    assert "Øverby" not in html and "/employees/" not in html

    deeper = get(client, f"/gaps?unit_id={units['HO-HJEM']}")
    assert "Not shown: fewer than 5" in matrix(deeper).rows["Hjemmetjenesten nord"]["Sårstell Helse og omsorg"]

    exported = list(csv.reader(io.StringIO(get(client, "/gaps.csv?horizon_years=2").lstrip("\ufeff"))))
    wound_ho = next(r for r in exported[2:] if r[2] == "Helse og omsorg" and r[6] == "Sårstell")
    named = dict(zip(exported[1], wound_ho))
    assert named["required"] == "4"
    assert [named[k] for k in ("holders_now", "gap_now", "retiring_by_horizon", "holders_at_horizon",
                               "gap_at_horizon")] == ["", "", "", "", ""]
    assert named["note"] == "Not shown: fewer than 5 people"


# --- exports ----------------------------------------------------------------------------------


def test_the_csv_holds_what_the_page_shows(client, login, gaps_world):
    login("hr")
    units = gaps_world["units"]
    response = client.get(f"/gaps.csv?unit_id={units['HO-HJEM']}&horizon_years=2")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="kompetansegap-{TODAY.isoformat()}.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0][:3] == ["Enhets-id", "Enhetskode", "Enhet"]  # the user's language (bokmål by default)
    assert lines[1] == [
        "unit_id", "unit_code", "unit_name", "row_kind", "competence_id", "competence_code", "competence_name",
        "min_level", "required", "holders_now", "gap_now", "horizon_years", "horizon_date",
        "retiring_by_horizon", "holders_at_horizon", "gap_at_horizon", "note",
    ]
    rows = [dict(zip(lines[1], line)) for line in lines[2:]]
    assert [(r["unit_code"], r["row_kind"], r["competence_code"]) for r in rows] == [
        ("HO-HJEM", "own", "HLR"),
        ("HO-HJEM-NORD", "subtree", "SAAR"),
    ]
    nord = rows[1]
    assert (nord["required"], nord["holders_now"], nord["gap_now"], nord["retiring_by_horizon"],
            nord["holders_at_horizon"], nord["gap_at_horizon"], nord["horizon_years"]) == ("4", "2", "2", "1", "1", "3", "2")


def test_the_excel_file_has_the_same_rows(client, login, gaps_world):
    login("hr")
    in_english(client)
    response = client.get("/gaps.xlsx?horizon_years=2")
    assert response.status_code == 200
    assert f"kompetansegap-{TODAY.isoformat()}.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][2] == "Unit" and values[1][2] == "unit_name"
    csv_lines = list(csv.reader(io.StringIO(get(client, "/gaps.csv?horizon_years=2").lstrip("\ufeff"))))
    assert [[("" if v is None else str(v)) for v in row] for row in values] == csv_lines
    assert isinstance(values[2][8], int)  # numbers stay numbers


# --- no inline style, a fixed number of queries --------------------------------------------------


def test_the_page_has_no_inline_style_or_script(client, login, gaps_world):
    login("hr")
    for path in ("/gaps?horizon_years=3", f"/gaps/people?unit_id={gaps_world['units']['HO-HJEM-NORD']}&competence_id={gaps_world['wound']}"):
        html = get(client, path)
        assert " style=" not in html and "<script" not in html and "onclick" not in html


def add_requirements(app, count, prefix):
    """``count`` requirements spread over the five units, each with some holders."""
    with app.app_context():
        area = db.session.scalars(db.select(CompetenceArea)).first()
        from portal.org.models import Employee, Unit

        all_units = list(db.session.scalars(db.select(Unit.id)))
        staff = list(db.session.scalars(db.select(Employee.id)))
        per_unit = -(-count // len(all_units))
        competences = [Competence(code=f"{prefix}{i}", name=f"Ekstra {prefix}{i}", area_id=area.id, kind="skill", max_level=3)
                       for i in range(per_unit)]
        db.session.add_all(competences)
        db.session.flush()
        made = 0
        for unit_id in all_units:
            for competence in competences:
                if made == count:
                    break
                db.session.add(Requirement(unit_id=unit_id, competence_id=competence.id, min_level=1,
                                           required_count=3))
                made += 1
        for i, competence in enumerate(competences):
            db.session.add(HeldCompetence(employee_id=staff[i % len(staff)], competence_id=competence.id, level=2,
                                          source="personnel_system", achieved_on=date(2020, 1, 1)))
        db.session.commit()


def count_requests(client, count_queries, paths):
    counts = []
    for path in paths:
        with count_queries() as seen:
            assert client.get(path).status_code == 200
        counts.append(len(seen))
    return counts


@pytest.mark.parametrize("username", ["hr", "politician", "leader"])
def test_the_page_runs_the_same_queries_for_ten_or_a_thousand_requirements(
    app, client, login, gaps_world, count_queries, username
):
    login(username)
    units = gaps_world["units"]
    paths = ["/gaps?horizon_years=5", f"/gaps?unit_id={units['HO-HJEM']}&horizon_years=5", "/gaps.csv"]
    add_requirements(app, 7, "S")  # 10 with the three of the fixture
    small = count_requests(client, count_queries, paths)
    add_requirements(app, 1000, "L")
    large = count_requests(client, count_queries, paths)
    assert large == small
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Requirement)) == 1010


def test_the_people_page_refuses_a_bad_horizon_and_unknown_cells(client, login, gaps_world):
    login("hr")
    units = gaps_world["units"]
    base = f"/gaps/people?unit_id={units['HO-HJEM-NORD']}&competence_id={gaps_world['wound']}"
    get(client, base + "&horizon_years=11", 400)
    get(client, base + "&horizon_years=x", 400)
    get(client, base + "&horizon_years=10")
    get(client, f"/gaps/people?unit_id={units['SK-SKOLE']}&competence_id={gaps_world['hlr']}", 404)  # no such requirement
    get(client, f"/gaps/people?unit_id=abc&competence_id={gaps_world['wound']}", 404)
