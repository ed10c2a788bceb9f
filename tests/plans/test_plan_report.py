"""The competence plan as PDF: the copy the chief executive puts before the council.

Every logged-in reader gets it, as they get the plan page, in their own
language; a goal value about fewer than five people prints as "under 5" for
a reader who sees aggregates only; the report has a cover, contents that
point at the right pages, the sign-offs (older versions marked) and the
history; and it takes as many queries for 20 goals as for 2.
"""
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.org.demo import generate
from portal.org.models import User
from portal.plans import editing
from portal.plans.models import Plan
from portal.workflow import engine
from tests.conftest import PASSWORD
from tests.reports.pdfcheck import first_page_png, metadata, page_count, pdf_text

from .test_plan_content_pages import approve, competence, fire, unit_id, user

TITLE = "Kompetanseplan for Ørje og Åsen 2026–2028"


def fetch(app, username, path):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client.get(path)


def flat(text):
    """pdftotext's text with the locale's no-break spaces (12 000) made plain, for simple comparisons."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def set_locale(app, username, locale):
    with app.app_context():
        db.session.scalars(select(User).where(User.username == username)).one().locale = locale
        db.session.commit()


@pytest.fixture
def handmade(app, people):
    """A plan in the measures stage, scoped to Hjemmetjenesten, with æøå everywhere.

    Its competence goal "Sårstell nord" has two holders (Ola Øverby and Åse
    Ærlig): a figure a politician must not see. The leaders' first approval
    was voided by an edit, then given again.
    """
    wound = competence(app, holders=("1002", "1003"), level=3)
    with app.app_context():
        hr = user("hr")
        plan = editing.create_plan(
            {
                "title": TITLE,
                "scope_unit_id": unit_id("HO-HJEM"),
                "period_start": "2026-01-01",
                "period_end": "2028-12-31",
                "mandate": "Arbeidsgruppa legger fram planen for hovedutvalget før påske.",
                "purpose": "Færre vakter uten sykepleier på Ørje.",
                "platform": {"overview": "Bjørg på Åsen holder oversikten over sårstell."},
                "working_group": [
                    {"name": "Åse Ærlig", "role": "employee"},
                    {"name": "Øystein Bråten", "role": "safety_representative"},
                ],
            },
            hr,
        )
        db.session.commit()
        approve(plan, "leader")
        editing.update_plan(plan, {"purpose": "Færre vakter uten sykepleier på Ørje og Åsen."}, hr, plan.version)
        db.session.commit()
        approve(plan, "leader", "representative", "politician")
        fire(plan, "agree_purpose")
        goals = [
            {"kind": "competence", "title": "Sårstell nord", "unit_id": unit_id("HO-HJEM"),
             "competence_id": wound, "min_level": 2, "target_count": 4},
            {"kind": "manual", "title": "Færre ubesatte vakter", "target_value": 10, "manual_value": 14,
             "direction": "at_most"},
        ]
        for data in goals:
            editing.add_goal(plan, data, hr, plan.version)
            db.session.commit()
        approve(plan, "leader", "representative")
        fire(plan, "approve_goals")
        first, second = plan.goals
        for data in [
            {"goal_id": first.id, "kind": "hospitering", "title": "Hospitering på sårpoliklinikken",
             "responsible": "Åse Ærlig", "start": "2026-02-01", "end": "2026-06-30", "participants": 3,
             "cost_nok": 12000, "external_grants": 5000, "status": "in_progress"},
            {"goal_id": second.id, "kind": "full_time", "title": "Ønsketurnus på Ørje", "responsible": "Kari Nordmann",
             "start": "2027-01-01", "end": "2027-12-31", "cost_nok": 30000},
            {"goal_id": None, "kind": "mooc", "title": "Velferdsteknologiens ABC", "cost_nok": 1500},
        ]:
            editing.add_measure(plan, data, hr, plan.version)
            db.session.commit()
        return plan.id


def goal_line(text, title):
    """The first line of the goals table's row for ``title``: title, unit, target, baseline, now, verdict."""
    return next(line for line in text.splitlines() if line.strip().startswith(title))


# --- the hand-made plan -------------------------------------------------------------------


def test_hr_gets_the_whole_plan_in_bokmaal(app, handmade, tmp_path):
    response = fetch(app, "hr", f"/plans/{handmade}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="kompetanseplan-{handmade}.pdf"'
    assert "private" in response.headers["Cache-Control"]
    text = flat(pdf_text(response.data, tmp_path))
    for expected in [
        "Eksempel kommune",
        "Kompetanseplan for Ørje og",  # the cover title wraps; the running header has it whole
        f"Eksempel kommune · {TITLE}",
        "Hjemmetjenesten",
        "01.01.2026–31.12.2028",
        "Velge og gjennomføre tiltak",
        "Innhold",
        "Hensikt og plattform",
        "Færre vakter uten sykepleier på Ørje og Åsen.",
        "Bjørg på Åsen holder oversikten over sårstell.",
        "Ikke besvart ennå.",  # the other platform questions
        "Åse Ærlig",
        "Øystein Bråten",
        "Verneombud",
        "Sårstell nord",
        "Færre ubesatte vakter",
        "Hospitering på sårpoliklinikken",
        "Ønsketurnus på Ørje",
        "For målet «Sårstell nord»",
        "Tiltak uten mål",
        "Velferdsteknologiens ABC",
        "43 500 kr",  # total cost
        "5 000 kr",  # external grants
        "38 500 kr",  # net
        "Pågår",
        "Signaturer",
        "Kari Nordmann",  # the leader signed: her name from the employee record
        "representative",  # no employee record: the user name
        "for en eldre versjon",  # the first leaders' approval, voided by the edit
        "Vedlegg: planens historikk",
        "Planen ble opprettet",
        "Side 1 av",
    ]:
        assert expected in text, expected
    assert page_count(response.data, tmp_path) >= 3
    info = metadata(response.data, tmp_path)
    assert info["Title"] == TITLE and info["Subject"] == "Kompetanseplan" and info["Author"] == "Eksempel kommune"
    hr_row = goal_line(text, "Sårstell nord").split()
    assert hr_row.count("2") == 2, hr_row  # baseline and now: two holders
    assert "under 5" not in text


def test_only_the_voided_approval_is_marked_as_for_an_older_version(app, handmade, tmp_path):
    text = flat(pdf_text(fetch(app, "hr", f"/plans/{handmade}/report.pdf").data, tmp_path))
    assert text.count("for en eldre versjon") == 1
    [line] = [line for line in text.splitlines() if "for en eldre" in line]
    assert "Kari Nordmann" in line and "Godkjent" in line


def test_the_contents_name_each_section_with_the_page_it_is_on(app, handmade, tmp_path):
    body = fetch(app, "hr", f"/plans/{handmade}/report.pdf").data
    contents = pdf_text(body, tmp_path, first=2, last=2)
    assert "Innhold" in contents
    for heading in ["Hensikt og plattform", "Mål", "Tiltak", "Budsjett", "Signaturer", "Vedlegg: planens historikk"]:
        line = next(line for line in contents.splitlines() if line.strip().startswith(heading + " "))
        page = int(re.findall(r"\d+", line)[-1])
        assert heading in pdf_text(body, tmp_path, first=page, last=page), heading
    assert pdf_text(body, tmp_path, first=1, last=1).count("Innhold") == 0  # the cover stands alone


def test_a_politician_sees_under_5_where_hr_sees_the_number(app, handmade, tmp_path):
    body = fetch(app, "politician", f"/plans/{handmade}/report.pdf").data
    text = flat(pdf_text(body, tmp_path))
    row = goal_line(text, "Sårstell nord")
    assert row.count("under 5") == 2 and " 2 " not in row, row  # baseline and now hidden
    assert "Forslag" not in row  # the suggested verdict would give the value away
    # The goal's line in every table (goals, progress, gap) and in the charts: never the count of two.
    lines = [line for line in text.splitlines() if "Sårstell nord" in line]
    assert len(lines) >= 5 and not any(" 2 " in f"{line} " for line in lines), lines
    assert sum(line.count("under 5") for line in lines) >= 6, lines  # two per table
    # 6 in the tables, 3 where the charts draw no bar (progress; gap before and now).
    assert flat(pdf_text(body, tmp_path, layout=False)).count("under 5") == 9
    # The goal about more people is shown in full.
    assert "14" in goal_line(text, "Færre ubesatte vakter").split()


def test_nynorsk_and_english_readers_get_their_language(app, handmade, tmp_path):
    set_locale(app, "hr", "nn")
    body = fetch(app, "hr", f"/plans/{handmade}/report.pdf").data
    text = flat(pdf_text(body, tmp_path))
    for expected in ["Innhald", "Føremål og plattform", "Tiltak utan mål", "Vedlegg: historikken til planen",
                     "for ein eldre versjon", "Side 1 av", "Åse Ærlig"]:
        assert expected in text, expected
    assert metadata(body, tmp_path)["Subject"] == "Kompetanseplan"

    set_locale(app, "hr", "en")
    body = fetch(app, "hr", f"/plans/{handmade}/report.pdf").data
    text = flat(pdf_text(body, tmp_path))
    for expected in ["Contents", "Purpose and platform", "Measures without a goal", "Appendix: history of the plan",
                     "for an older version", "Page 1 of", "Åse Ærlig", "Sårstell nord"]:
        assert expected in text, expected
    assert "Side 1 av" not in text and "Innhold" not in text
    assert metadata(body, tmp_path)["Subject"] == "Competence plan"


def test_the_first_page_renders_to_an_image(app, handmade, tmp_path):
    png = first_page_png(fetch(app, "representative", f"/plans/{handmade}/report.pdf").data, tmp_path, "plan")
    assert png.stat().st_size > 1000


def test_an_unknown_plan_is_404_and_a_stranger_must_log_in(app, client, handmade):
    assert fetch(app, "employee", "/plans/999999/report.pdf").status_code == 404
    response = app.test_client().get(f"/plans/{handmade}/report.pdf")
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    assert response.mimetype != "application/pdf"


@pytest.mark.parametrize("username", ["employee", "leader", "representative", "politician", "admin"])
def test_every_logged_in_user_may_read_it(app, handmade, username):
    response = fetch(app, username, f"/plans/{handmade}/report.pdf")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"


def test_the_plan_page_offers_the_pdf_and_the_exports(app, handmade):
    page = fetch(app, "politician", f"/plans/{handmade}").get_data(as_text=True)
    section = page[page.index('id="downloads"'):]
    section = section[: section.index("</section>")]
    for path in ["report.pdf", "goals.csv", "measures.csv", "plan.xlsx"]:
        assert f'href="/plans/{handmade}/{path}"' in section, path
    assert "style=" not in section


# --- size and speed ----------------------------------------------------------------------------


def _plan_with(app, count):
    """A plan in the measures stage with ``count`` goals of every kind and ``count`` measures."""
    item = competence(app, code=f"K{count}", name=f"Kompetanse {count}", holders=("1002",))
    with app.app_context():
        hr = user("hr")
        plan = editing.create_plan({"title": f"Plan med {count} mål", "purpose": "Prøve.", "scope_unit_id": None}, hr)
        db.session.commit()
        approve(plan, "leader", "representative", "politician")
        fire(plan, "agree_purpose")
        for n in range(count):
            data = [
                {"kind": "competence", "title": f"Mål {n}", "unit_id": unit_id("HO"), "competence_id": item,
                 "target_count": 3},
                {"kind": "workforce", "title": f"Mål {n}", "unit_id": unit_id("SK"), "figure": "part_time_share",
                 "target_value": 10},
                {"kind": "manual", "title": f"Mål {n}", "target_value": 5, "manual_value": 2},
            ][n % 3]
            editing.add_goal(plan, data, hr, plan.version)
        db.session.commit()
        approve(plan, "leader", "representative")
        fire(plan, "approve_goals")
        for n, goal in enumerate(plan.goals):
            editing.add_measure(plan, {"goal_id": goal.id if n % 4 else None, "kind": "fagdag", "title": f"Tiltak {n}",
                                       "cost_nok": 1000 + n, "start": "2026-01-01", "end": "2027-06-30"}, hr, plan.version)
        db.session.commit()
        return plan.id


def test_twenty_goals_take_as_many_queries_as_two(app, people, count_queries, tmp_path):
    small, large = _plan_with(app, 2), _plan_with(app, 20)
    client = app.test_client()
    client.post("/login", data={"username": "politician", "password": PASSWORD})
    client.get(f"/plans/{small}/report.pdf")  # warm up: the workflow definitions and fonts are loaded once
    counts = {}
    for plan_id in (small, large):
        with count_queries() as seen:
            response = client.get(f"/plans/{plan_id}/report.pdf")
        assert response.status_code == 200
        counts[plan_id] = len(seen)
    assert counts[small] == counts[large], counts
    assert "Tiltak 19" in pdf_text(response.data, tmp_path)


# --- the demo municipality -----------------------------------------------------------------------


@pytest.fixture
def demo(app):
    with app.app_context():
        generate(employees=150, seed=5, password=PASSWORD)
        plans = db.session.scalars(select(Plan).order_by(Plan.id)).all()
        return [(p.id, p.title, p.state, engine.state_title(p, "nb")) for p in plans]


def test_every_demo_plan_renders_with_its_stage_on_the_cover(app, demo, tmp_path):
    assert {state for _id, _title, state, _stage in demo} == {"purpose", "goals", "measures", "evaluation", "closed"}
    for plan_id, title, state, stage in demo:
        response = fetch(app, "hr", f"/plans/{plan_id}/report.pdf")
        assert response.status_code == 200, title
        cover = flat(pdf_text(response.data, tmp_path, first=1, last=1))
        assert "Eksempel kommune" in cover and stage in cover, title
        text = flat(pdf_text(response.data, tmp_path))
        assert f"Eksempel kommune · {title}" in text
        for heading in ["Innhold", "Hensikt og plattform", "Signaturer", "Vedlegg: planens historikk"]:
            assert heading in text, (title, heading)
        assert page_count(response.data, tmp_path) >= 3
        assert metadata(response.data, tmp_path)["Title"] == title
        if state == "closed":
            assert "Nådd" in text and "Delvis nådd" in text  # the evaluation's verdicts
            first_page_png(response.data, tmp_path, "closed-plan", keep_as="plan-report.png")
