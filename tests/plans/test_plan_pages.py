"""The plan pages: list, new/edit form, the plan page with sign-offs, steps and history.

What a person notices: hr starts a plan through a form and is told exactly
which field is wrong; leaders, union representatives and politicians sign on
the plan page; an edit after an approval shows that approval as void and says
what changed; hr's button for the next stage only appears once every required
approval is in; the history lists every step; the list filters and stays at
the same few queries however many plans there are.
"""
import re
from datetime import date
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from portal.competence.models import Competence, CompetenceArea, HeldCompetence
from portal.extensions import db
from portal.org.models import User
from portal.plans import editing
from portal.plans.models import Goal, Measure, Plan
from portal.workflow import engine
from portal.workflow.models import SignOff, WorkflowHistory
from tests.conftest import PASSWORD

SIGNERS = ("leader", "representative", "politician")


@pytest.fixture
def english(app, people):
    """Every test user reads the portal in English, so the tests can read its sentences."""
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.locale = "en"
        db.session.commit()
    return people


def client_for(app, username):
    """A separate browser session logged in as ``username``."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"log-in as {username} failed"
    return client


def form_data(**changes):
    data = {
        "title": "Kompetanseplan helse 2027–2030",
        "scope_unit_id": "",
        "period_start": "2027-01-01",
        "period_end": "2030-12-31",
        "mandate": "Arbeidsgruppen skal legge fram et forslag innen juni.",
        "purpose": "Vi mangler sykepleiere med sårkompetanse i hjemmetjenesten.",
        "platform.overview": "Ja, i portalen.",
        "platform.needs_ahead": "",
        "platform.outlook": "Mange går av med pensjon.",
        "platform.stability": "",
        "working_group.0.name": "Kari Nordmann",
        "working_group.0.role": "leader",
        "working_group.3.name": "Tor Tillit",
        "working_group.3.role": "representative",
    }
    data.update(changes)
    return data


def make_plan(app, title="Plan", scope=None, purpose="Why we plan", state=None):
    """A plan made by hr through the domain functions; optionally moved on to ``state``."""
    with app.app_context():
        hr = db.session.scalar(select(User).where(User.username == "hr"))
        plan = editing.create_plan({"title": title, "scope_unit_id": scope, "purpose": purpose}, hr)
        db.session.flush()
        if state in ("goals", "measures"):
            for capacity in SIGNERS:
                signer = db.session.scalar(select(User).where(User.username == capacity))
                engine.sign(plan, signer, capacity, "approve", "", plan.version)
            engine.fire(plan, hr, "agree_purpose", "", plan.version)
        db.session.commit()
        return plan.id


def load(app, plan_id):
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        db.session.expunge(plan)
        return plan


def count(app, model, **where):
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return db.session.scalar(stmt)


class Elements(HTMLParser):
    """Collects the attributes of every element, and the text inside elements with an id."""

    def __init__(self, html):
        super().__init__()
        self.by_id, self.all, self.text, self._open = {}, [], {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        attrs["_tag"] = tag
        self.all.append(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = attrs
        if tag not in ("input", "br", "meta", "link", "img", "hr"):
            self._open.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag not in ("input", "br", "meta", "link", "img", "hr") and self._open:
            self._open.pop()

    def handle_data(self, data):
        for key in self._open:
            if key:
                self.text[key] = self.text.get(key, "") + data


def section(html, element_id):
    """The text inside the element with ``element_id``, whitespace squeezed."""
    return " ".join(Elements(html).text.get(element_id, "").split())


# --- creating and editing ------------------------------------------------------------------


def test_hr_creates_a_plan_through_the_form(app, client, login, english):
    login("hr")
    page = client.get("/plans/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    found = Elements(html).by_id
    for field in ("title", "scope_unit_id", "period_start", "period_end", "mandate", "purpose",
                  "platform-overview", "platform-needs_ahead", "platform-outlook", "platform-stability",
                  "working_group-7-name", "working_group-7-role"):
        assert field in found, field
        assert f'for="{field}"' in html, f"{field} has no label"
    assert "Do we have an overview of the competence we have" in html
    assert f'value="{english["units"]["HO-HJEM"]}"' in html

    response = client.post("/plans/new", data=form_data(scope_unit_id=str(english["units"]["HO"])))
    assert response.status_code == 302
    plan_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    plan = load(app, plan_id)
    assert plan.title == "Kompetanseplan helse 2027–2030"
    assert plan.scope_unit_id == english["units"]["HO"]
    assert (plan.period_start, plan.period_end) == (date(2027, 1, 1), date(2030, 12, 31))
    assert plan.platform == {"overview": "Ja, i portalen.", "outlook": "Mange går av med pensjon."}
    assert plan.working_group == [
        {"name": "Kari Nordmann", "role": "leader"},
        {"name": "Tor Tillit", "role": "representative"},
    ]
    assert (plan.state, plan.version) == ("purpose", 1)

    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Kompetanseplan helse 2027–2030" in html
    assert section(html, "plan-scope") == "Helse og omsorg"
    assert "Tor Tillit" in section(html, "purpose")
    assert 'aria-current="step"' in html


def test_a_wrong_form_names_each_field_and_stores_nothing(app, client, login, english):
    login("hr")
    data = form_data(
        title="  ",
        period_start="2030-01-01",
        period_end="2029-01-01",
        scope_unit_id="999999",
        **{
            "working_group.0.name": "",
            "working_group.0.role": "leader",  # role without a name
            "working_group.3.name": "Tor Tillit",
            "working_group.3.role": "",  # name without a role
            "platform.stability": "x" * 20_001,
        },
    )
    response = client.post("/plans/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    found = Elements(html).by_id
    for field in ("title", "period_end", "scope_unit_id", "working_group-0-name", "working_group-3-role",
                  "platform-stability"):
        assert f"{field}-error" in found, f"no message next to {field}"
        assert found[field].get("aria-invalid") == "true", field
        assert f"{field}-error" in found[field].get("aria-describedby", ""), field
    assert "working_group-0-role-error" not in found and "working_group-3-name-error" not in found
    assert "The period cannot end before it starts." in html
    assert "There is no such unit." in html
    assert 'href="#working_group-3-role"' in html  # the summary links to the field
    assert found["working_group-3-name"]["value"] == "Tor Tillit"  # what was typed stays
    assert count(app, Plan) == 0
    assert count(app, WorkflowHistory) == 0


def test_silly_numbers_are_refused_not_a_crash(app, client, login, english):
    plan_id = make_plan(app)
    login("hr")
    assert client.post("/plans/new", data=form_data(scope_unit_id="9" * 5000)).status_code == 422
    assert client.post(f"/plans/{plan_id}/edit", data=form_data(version="9" * 5000)).status_code == 422
    assert sign(client_for(app, "leader"), plan_id, "leader", "9" * 5000).status_code == 422
    assert client.get("/plans?scope=" + "9" * 5000 + "&page=" + "9" * 5000).status_code == 422
    assert count(app, Plan) == 1 and count(app, SignOff) == 0


def test_only_hr_starts_or_changes_plans(app, client, login, english):
    plan_id = make_plan(app)
    login("representative")
    assert client.get("/plans/new").status_code == 403
    assert client.post("/plans/new", data=form_data()).status_code == 403
    assert client.get(f"/plans/{plan_id}/edit").status_code == 403
    assert count(app, Plan) == 1
    html = client.get("/plans").get_data(as_text=True)
    assert 'href="/plans/new"' not in html


def test_hr_edits_and_a_stale_version_changes_nothing(app, client, login, english):
    plan_id = make_plan(app, title="Gammel tittel")
    login("hr")
    page = client.get(f"/plans/{plan_id}/edit")
    assert page.status_code == 200
    found = Elements(page.get_data(as_text=True)).by_id
    assert found["title"]["value"] == "Gammel tittel"

    assert client.post(f"/plans/{plan_id}/edit", data=form_data(title="Ny tittel", version="1")).status_code == 302
    plan = load(app, plan_id)
    assert (plan.title, plan.version) == ("Ny tittel", 2)

    # Someone who loaded version 1 saves afterwards: refused, nothing changes.
    stale = client.post(f"/plans/{plan_id}/edit", data=form_data(title="Tapt endring", version="1"))
    assert stale.status_code == 409
    assert "Someone else changed this in the meantime" in stale.get_data(as_text=True)
    plan = load(app, plan_id)
    assert (plan.title, plan.version) == ("Ny tittel", 2)
    assert count(app, WorkflowHistory, object_id=plan_id, kind="edit") == 1


def test_the_plan_cannot_be_edited_after_the_purpose_stage(app, client, login, english):
    plan_id = make_plan(app, state="goals")
    login("hr")
    page = client.get(f"/plans/{plan_id}/edit")
    assert page.status_code == 409
    assert "only be changed while its purpose is being agreed" in page.get_data(as_text=True)
    response = client.post(f"/plans/{plan_id}/edit", data=form_data(title="Endret", version="4"))
    assert response.status_code == 409
    assert load(app, plan_id).title == "Plan"
    assert f'href="/plans/{plan_id}/edit"' not in client.get(f"/plans/{plan_id}").get_data(as_text=True)


def test_unknown_plans_are_not_found(client, login, english):
    login("politician")
    assert client.get("/plans/999999").status_code == 404
    assert client.post("/plans/999999/signoffs", data={"capacity": "politician", "decision": "approve",
                                                       "version": "1"}).status_code == 404
    assert client.post("/plans/999999/transitions/agree_purpose", data={"version": "1"}).status_code == 404


# --- signing and the gate ----------------------------------------------------------------


def sign(client, plan_id, capacity, version, decision="approve", comment=""):
    return client.post(
        f"/plans/{plan_id}/signoffs",
        data={"capacity": capacity, "decision": decision, "comment": comment, "version": str(version)},
    )


def test_three_signers_sign_and_hr_fires_the_gate_only_when_complete(app, client, login, english):
    plan_id = make_plan(app)
    hr = client_for(app, "hr")
    fire_url = f"/plans/{plan_id}/transitions/agree_purpose"

    html = hr.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f'action="{fire_url}"' not in html  # no button yet
    steps = section(html, "step-agree_purpose")
    assert "Purpose agreed" in steps
    for who in ("Leaders", "Union representatives", "Politicians"):
        assert f"Waiting for approval from {who}" in steps
    refused = hr.post(fire_url, data={"version": "1", "comment": ""})
    assert refused.status_code == 409
    assert "Waiting for approval from Politicians" in refused.get_data(as_text=True)
    assert load(app, plan_id).state == "purpose"

    for capacity in SIGNERS:
        signer = client_for(app, capacity)
        page = signer.get(f"/plans/{plan_id}").get_data(as_text=True)
        assert f'id="sign-{capacity}"' in page, f"{capacity} sees no form to sign"
        response = sign(signer, plan_id, capacity, 1, comment=f"OK fra {capacity}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/plans/{plan_id}#signoffs")
        page = signer.get(f"/plans/{plan_id}").get_data(as_text=True)
        assert f'id="sign-{capacity}"' not in page  # signed: no second form
        assert f"Version 1 approved by {capacity}" in section(page, f"signoff-{capacity}")
        if capacity != "politician":
            assert hr.post(fire_url, data={"version": "1"}).status_code == 409

    html = hr.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert f'action="{fire_url}"' in html
    response = hr.post(fire_url, data={"version": "1", "comment": "Enige"})
    assert response.status_code == 302
    plan = load(app, plan_id)
    assert plan.state == "goals"
    html = hr.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert section(html, "plan-stage") == "Define goals"
    current = re.search(r'<li class="stage stage-current" aria-current="step">(.*?)</li>', html, re.S)
    assert current and "Define goals" in current.group(1)


def test_representative_cannot_sign_as_politician(app, client, login, english):
    plan_id = make_plan(app)
    login("representative")
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert 'id="sign-politician"' not in html and 'id="sign-representative"' in html
    response = sign(client, plan_id, "politician", 1)
    assert response.status_code == 403
    assert "You cannot sign in that capacity." in response.get_data(as_text=True)
    assert count(app, SignOff) == 0
    assert count(app, WorkflowHistory, kind="signoff") == 0


def test_a_stale_signature_is_refused(app, client, login, english):
    plan_id = make_plan(app)
    hr = client_for(app, "hr")
    assert hr.post(f"/plans/{plan_id}/edit", data=form_data(title="Endret", version="1")).status_code == 302
    login("leader")
    response = sign(client, plan_id, "leader", 1)
    assert response.status_code == 409
    assert "Someone else changed this in the meantime" in response.get_data(as_text=True)
    assert count(app, SignOff) == 0


def test_an_edit_voids_approvals_and_the_page_says_what_changed(app, english):
    plan_id = make_plan(app)
    leader, hr = client_for(app, "leader"), client_for(app, "hr")
    assert sign(leader, plan_id, "leader", 1, comment="Bra").status_code == 302
    assert sign(client_for(app, "politician"), plan_id, "politician", 1, decision="reject",
                comment="Mangler mandat").status_code == 302
    data = form_data(title="Plan", purpose="Ny begrunnelse", mandate="Nytt mandat", version="1")
    data.update({"working_group.0.name": "", "working_group.0.role": "", "working_group.3.name": "",
                 "working_group.3.role": "", "platform.overview": "", "platform.outlook": "",
                 "period_start": "", "period_end": ""})
    assert hr.post(f"/plans/{plan_id}/edit", data=data).status_code == 302

    html = leader.get(f"/plans/{plan_id}").get_data(as_text=True)
    panel = section(html, "signoff-leader")
    assert "Void" in panel
    assert "leader approved version 1" in panel
    assert "The plan itself changed: Mandate, Purpose" in panel
    assert 'id="sign-leader"' in html  # asked to sign again
    assert "Rejected earlier" in section(html, "signoff-politician")
    assert "Not signed yet" in section(html, "signoff-representative")
    assert "The plan itself changed: Mandate, Purpose" in section(html, "history")

    # The gate counts only approvals of the current version.
    assert "Waiting for approval from Leaders" in section(html, "step-agree_purpose")


def test_hr_sends_back_only_with_a_comment(app, client, login, english):
    plan_id = make_plan(app, state="goals")
    login("hr")
    url = f"/plans/{plan_id}/transitions/send_back"
    version = load(app, plan_id).version
    response = client.post(url, data={"version": str(version), "comment": "  "})
    assert response.status_code == 422
    found = Elements(response.get_data(as_text=True)).by_id
    assert "step-send_back-error" in found
    assert found["step-send_back-comment"].get("aria-invalid") == "true"
    assert load(app, plan_id).state == "goals"
    assert client.post(url, data={"version": str(version), "comment": "Formålet må skrives om"}).status_code == 302
    assert load(app, plan_id).state == "purpose"


def test_a_politician_takes_no_step_and_sees_who_does(app, client, login, english):
    plan_id = make_plan(app, state="goals")
    login("politician")
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "/transitions/" not in html
    assert "Add at least one goal." in section(html, "step-approve_goals")
    response = client.post(f"/plans/{plan_id}/transitions/send_back", data={"version": "4", "comment": "Nei"})
    assert response.status_code == 403
    assert load(app, plan_id).state == "goals"


def test_history_lists_every_step(app, english):
    plan_id = make_plan(app)
    for capacity in SIGNERS:
        assert sign(client_for(app, capacity), plan_id, capacity, 1).status_code == 302
    hr = client_for(app, "hr")
    assert hr.post(f"/plans/{plan_id}/transitions/agree_purpose", data={"version": "1", "comment": "Vedtatt"}).status_code == 302
    html = hr.get(f"/plans/{plan_id}").get_data(as_text=True)
    table = re.search(r'<table id="history-table">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    assert len(rows) == count(app, WorkflowHistory, object_id=plan_id) == 5
    texts = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    assert "Plan created" in texts[0] and "hr" in texts[0]
    assert "Approved on behalf of leaders" in texts[1]
    assert "Approved on behalf of union representatives" in texts[2]
    assert "Approved on behalf of politicians" in texts[3]
    assert "Purpose agreed" in texts[4] and "Agree on purpose → Define goals" in texts[4] and "Vedtatt" in texts[4]
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00">', table), "times carry the Oslo offset"


# --- what is shown to whom ------------------------------------------------------------------


@pytest.fixture
def goal_world(app, english):
    """A plan in the goals stage with a goal on wound care in HO-HJEM-NORD, held by two people."""
    with app.app_context():
        area = CompetenceArea(code="HELSE", name="Helse")
        db.session.add(area)
        db.session.flush()
        wound = Competence(code="SAAR", name="Sårstell", area_id=area.id, kind="skill", max_level=3)
        db.session.add(wound)
        db.session.flush()
        for number in ("1002", "1003"):
            db.session.add(HeldCompetence(employee_id=english["staff"][number], competence_id=wound.id, level=3,
                                          source="personnel_system", achieved_on=date(2020, 1, 1)))
        db.session.commit()
        wound_id = wound.id
    plan_id = make_plan(app, title="Hjemmetjenesten", scope=english["units"]["HO-HJEM"], state="goals")
    with app.app_context():
        hr = db.session.scalar(select(User).where(User.username == "hr"))
        plan = db.session.get(Plan, plan_id)
        goal = editing.add_goal(plan, {"title": "Flere med sårstell", "competence_id": wound_id, "min_level": 2,
                                       "target_count": 6, "unit_id": english["units"]["HO-HJEM-NORD"]},
                                hr, plan.version)
        db.session.commit()
        return {"plan": plan_id, "goal": goal.id, **english}


def _now_cell(html, goal_id):
    """The text of the goal's "now" cell."""
    row = re.search(rf'<tr id="goal-{goal_id}">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(r'<td class="plan-goal-now">(.*?)</td>', row, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def test_politician_sees_no_goal_value_under_five(app, goal_world):
    plan_id, goal_id = goal_world["plan"], goal_world["goal"]
    hr_html = client_for(app, "hr").get(f"/plans/{plan_id}").get_data(as_text=True)
    assert re.match(r"2\b", _now_cell(hr_html, goal_id)), _now_cell(hr_html, goal_id)
    html = client_for(app, "politician").get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Flere med sårstell" in section(html, f"goal-{goal_id}")
    cell = _now_cell(html, goal_id)
    assert cell and not re.search(r"\b2\b", cell), cell
    # The workforce figures beside the purpose hide small groups too (3 people in the scope).
    purpose = section(html, "purpose")
    assert "fewer than 5" in purpose
    assert "Missing holders of required competence now" not in purpose
    hr_purpose = section(client_for(app, "hr").get(f"/plans/{plan_id}").get_data(as_text=True), "purpose")
    assert "fewer than 5" not in hr_purpose
    assert "Missing holders of required competence now" in hr_purpose


def test_an_edit_of_a_goal_shows_in_the_sign_off_panel(app, goal_world):
    plan_id, goal_id = goal_world["plan"], goal_world["goal"]
    leader = client_for(app, "leader")
    version = load(app, plan_id).version
    assert sign(leader, plan_id, "leader", version).status_code == 302
    with app.app_context():
        hr = db.session.scalar(select(User).where(User.username == "hr"))
        plan = db.session.get(Plan, plan_id)
        goal = db.session.get(Goal, goal_id)
        editing.update_goal(plan, goal, {"target_count": 8, "target_date": "2029-12-31"}, hr, plan.version)
        editing.add_goal(plan, {"title": "Lavere deltid", "figure": "part_time_share", "target_value": 30},
                         hr, plan.version)
        db.session.commit()
    panel = section(leader.get(f"/plans/{plan_id}").get_data(as_text=True), "signoff-leader")
    assert "Void" in panel
    assert 'Goal "Flere med sårstell" changed: Target number of holders, Target date' in panel
    assert 'Goal added: "Lavere deltid"' in panel


# --- the list ------------------------------------------------------------------------------


def test_the_list_filters_by_stage_scope_and_title(app, client, login, english):
    units = english["units"]
    first = make_plan(app, title="Skoleplan", scope=units["SK"])
    second = make_plan(app, title="Helseplan", scope=units["HO"], state="goals")
    third = make_plan(app, title="Hele kommunen")
    login("employee")

    def titles(query=""):
        response = client.get("/plans" + query)
        assert response.status_code == 200
        return re.findall(r'<a href="/plans/(\d+)">', response.get_data(as_text=True))

    assert titles() == [str(third), str(second), str(first)]
    assert titles("?state=goals") == [str(second)]
    assert titles(f"?scope={units['SK']}") == [str(first)]
    assert titles("?scope=whole") == [str(third)]
    assert titles("?q=HELSE") == [str(second)]
    html = client.get("/plans").get_data(as_text=True)
    assert "Define goals (1)" in html and "Agree on purpose (2)" in html
    assert "Waiting for signatures: Leaders, Union representatives, Politicians" in html
    assert "Whole municipality" in section(html, "plan-list")
    bad = client.get("/plans?state=nonsense&scope=abc")
    assert bad.status_code == 422
    found = Elements(bad.get_data(as_text=True)).by_id
    assert "state-error" in found and "scope-error" in found


def test_the_list_counts_goals_and_measures(app, client, login, goal_world):
    with app.app_context():
        plan = db.session.get(Plan, goal_world["plan"])
        db.session.add(Measure(plan=plan, goal_id=goal_world["goal"], kind="fagdag", strategy="develop",
                               title="Fagdag", status="planned"))
        db.session.commit()
    login("hr")
    html = client.get("/plans").get_data(as_text=True)
    row = re.search(rf'<a href="/plans/{goal_world["plan"]}">.*?</tr>', html, re.S).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["1", "1"]
    assert 'href="/plans/new"' in html


def _bulk_plans(app, n, units):
    with app.app_context():
        scopes = [None, *units.values()]
        plans = [Plan(title=f"Plan {i}", state=("purpose", "goals", "measures")[i % 3], version=1 + i % 2,
                      scope_unit_id=scopes[i % len(scopes)], platform={}, working_group=[]) for i in range(n)]
        db.session.add_all(plans)
        db.session.flush()
        for plan in plans[:40]:
            db.session.add(Goal(plan_id=plan.id, title="Mål", kind="manual", direction="at_least"))
            db.session.add(SignOff(object_type="plan", object_id=plan.id, capacity="leader", decision="approve",
                                   state=plan.state, version=plan.version, username="leader"))
        db.session.commit()


def test_the_list_runs_the_same_queries_for_ten_or_a_thousand_plans(app, client, login, count_queries, english):
    login("representative")
    counts = []
    for n in (10, 990):
        _bulk_plans(app, n, english["units"])
        with count_queries() as seen:
            response = client.get("/plans?page=1")
        assert response.status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert "Page 1 of 40" in response.get_data(as_text=True)


# --- the start page --------------------------------------------------------------------------


def test_the_start_page_shows_plans_waiting_for_me(app, english):
    plan_id = make_plan(app, title="Planen som venter")
    representative = client_for(app, "representative")
    html = representative.get("/").get_data(as_text=True)
    assert f'href="/plans/{plan_id}#signoffs"' in html
    assert 'Sign the plan "Planen som venter"' in unescape(html)
    assert sign(representative, plan_id, "representative", 1).status_code == 302
    assert f'href="/plans/{plan_id}#signoffs"' not in representative.get("/").get_data(as_text=True)

    for capacity in ("leader", "politician"):
        assert sign(client_for(app, capacity), plan_id, capacity, 1).status_code == 302
    html = client_for(app, "hr").get("/").get_data(as_text=True)
    assert f'href="/plans/{plan_id}#steps"' in html


def test_the_menu_leads_to_the_plans(client, login, english):
    login("employee")
    assert '<a href="/plans"' in client.get("/").get_data(as_text=True)


# --- the end of a cycle --------------------------------------------------------------------------


def _closed_plan(app):
    """A plan driven to "closed" through the domain functions: one goal reached, one not."""
    plan_id = make_plan(app, title="Runde 1", state="goals")
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        plan = db.session.get(Plan, plan_id)
        goals = [
            editing.add_goal(plan, {"title": title, "manual_value": value, "target_value": 10}, users["hr"], plan.version)
            for title, value in (("Nådd mål", 12), ("Ikke nådd", 3))
        ]
        for capacity in ("leader", "representative"):
            engine.sign(plan, users[capacity], capacity, "approve", "", plan.version)
        engine.fire(plan, users["hr"], "approve_goals", "", plan.version)
        for goal in goals:
            editing.add_measure(plan, {"title": f"Tiltak for {goal.title}", "kind": "fagdag", "goal_id": goal.id},
                                users["hr"], plan.version)
        engine.fire(plan, users["hr"], "start_evaluation", "", plan.version)
        for goal in goals:
            editing.evaluate_goal(plan, goal, {"reached_value": goal.manual_value, "comment": "Sjekket"},
                                  users["hr"], plan.version)
        for capacity in SIGNERS:
            engine.sign(plan, users[capacity], capacity, "approve", "", plan.version)
        engine.fire(plan, users["hr"], "close", "", plan.version)
        db.session.commit()
        assert plan.state == "closed"
        return plan_id, plan.version


def test_a_new_cycle_leads_to_the_new_plan(app, client, login, english):
    plan_id, version = _closed_plan(app)
    login("hr")
    html = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Nobody needs to sign at this stage." in section(html, "signoffs")
    assert f'action="/plans/{plan_id}/transitions/new_cycle"' in html
    assert section(html, "plan-stage") == "Closed"
    assert 'stage stage-done' in html and html.count('aria-current="step"') == 1

    response = client.post(f"/plans/{plan_id}/transitions/new_cycle", data={"version": str(version), "comment": "Ny runde"})
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != plan_id
    new = load(app, new_id)
    assert (new.predecessor_id, new.state) == (plan_id, "purpose")
    html = client.get(f"/plans/{new_id}").get_data(as_text=True)
    assert f'<a href="/plans/{plan_id}">' in html  # the link back to the previous cycle
    assert "Ikke nådd" in html and "Nådd mål" not in html  # only the goal not reached is carried over

    # A second new cycle from the same plan is refused, and says why.
    again = client.post(f"/plans/{plan_id}/transitions/new_cycle", data={"version": str(version + 1), "comment": ""})
    assert again.status_code == 409
    assert "A new cycle has already been started from this plan." in again.get_data(as_text=True)
    assert count(app, Plan) == 2


def test_the_plan_page_runs_the_same_queries_for_a_short_or_a_long_plan(app, count_queries, english):
    plan_id = make_plan(app, state="goals")
    hr = client_for(app, "hr")
    counts = []
    for goals in (2, 20):
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "hr"))
            plan = db.session.get(Plan, plan_id)
            while len(plan.goals) < goals:  # every goal adds a history row with a change too
                editing.add_goal(plan, {"title": f"Mål {len(plan.goals)}", "manual_value": 1, "target_value": 3},
                                 user, plan.version)
            db.session.commit()
        with count_queries() as seen:
            response = hr.get(f"/plans/{plan_id}")
        assert response.status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert section(response.get_data(as_text=True), "history").count('Goal added: "Mål') == 20
