"""The pages for a plan's goals, measures, progress notes and evaluation.

hr adds, changes and deletes goals and measures in the stage that allows it;
the forms refuse the wrong stage and a stale version with 409 and save
nothing, name the field at fault with 422, and a goal or measure of another
plan is not found. Leaders follow measures up with notes and status; the
evaluation stores the verdict with the value measured when it is saved. The
plan page shows the budget per year, "under 5" to politicians for small
groups, and runs as many queries for 200 goals as for 10.
"""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.competence.models import Competence, CompetenceArea, HeldCompetence
from portal.extensions import db
from portal.org.models import Unit, User
from portal.plans import editing
from portal.plans.models import Goal, Measure, MeasureNote, Plan
from portal.workflow import engine
from portal.workflow.models import WorkflowHistory

# --- driving a plan, as the people fixture's users would --------------------------


def user(username):
    return db.session.scalars(select(User).where(User.username == username)).one()


def unit_id(code):
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def approve(plan, *capacities):
    for capacity in capacities:
        engine.sign(plan, user(capacity), capacity, "approve", "", plan.version)
        db.session.commit()


def fire(plan, name):
    engine.fire(plan, user("hr"), name, "", plan.version)
    db.session.commit()


def make_plan(app, state="goals", scope="HO-HJEM", goals=(), measures=()):
    """A plan driven to ``state``; ``goals``/``measures`` (API dicts) are added at their stage. Returns its id."""
    with app.app_context():
        hr = user("hr")
        plan = editing.create_plan(
            {"title": "Kompetanseplan hjemmetjenesten", "purpose": "Flere med riktig kompetanse.",
             "scope_unit_id": unit_id(scope) if scope else None},
            hr,
        )
        db.session.commit()
        if state == "purpose":
            return plan.id
        approve(plan, "leader", "representative", "politician")
        fire(plan, "agree_purpose")
        for data in goals or ([{"kind": "manual", "title": "Færre vakante stillinger", "target_value": 10}]
                              if state != "goals" else []):
            editing.add_goal(plan, data, hr, plan.version)
            db.session.commit()
        if state == "goals":
            return plan.id
        approve(plan, "leader", "representative")
        fire(plan, "approve_goals")
        goal_ids = [g.id for g in plan.goals]
        for data in measures or [{"kind": "fagdag", "title": "Fagdag", "goal_id": gid} for gid in goal_ids]:
            data = {"goal_id": goal_ids[0], **data}
            editing.add_measure(plan, data, hr, plan.version)
            db.session.commit()
        if state == "measures":
            return plan.id
        fire(plan, "start_evaluation")
        return plan.id


def current(app, plan_id):
    """The plan as stored now (a fresh session)."""
    with app.app_context():
        db.session.remove()
        plan = db.session.get(Plan, plan_id)
        return {
            "version": plan.version,
            "state": plan.state,
            "goals": [(g.title, g.kind, g.target_count, g.target_value) for g in plan.goals],
            "measures": [(m.title, m.status, m.cost_nok) for m in plan.measures],
        }


def competence(app, code="SAAR", name="Sårbehandling", holders=(), level=3):
    """A competence held at ``level`` by the staff numbers in ``holders``; returns its id."""
    from portal.org.models import Employee

    with app.app_context():
        area = db.session.scalar(select(CompetenceArea).where(CompetenceArea.code == "HELSE"))
        if area is None:
            area = CompetenceArea(code="HELSE", name="Helse")
            db.session.add(area)
        item = Competence(code=code, name=name, area=area, kind="skill", max_level=4)
        db.session.add(item)
        db.session.flush()
        for number in holders:
            employee = db.session.scalar(select(Employee).where(Employee.employee_number == number))
            db.session.add(HeldCompetence(employee_id=employee.id, competence_id=item.id, level=level,
                                          source="personnel_system", achieved_on=date(2020, 1, 1)))
        db.session.commit()
        return item.id


def hold(app, competence_id, number, level=3):
    from portal.org.models import Employee

    with app.app_context():
        employee = db.session.scalar(select(Employee).where(Employee.employee_number == number))
        db.session.add(HeldCompetence(employee_id=employee.id, competence_id=competence_id, level=level,
                                      source="personnel_system", achieved_on=date(2021, 1, 1)))
        db.session.commit()


def text(response):
    """The page as text, with the non-breaking spaces of Norwegian number formatting as plain spaces."""
    return response.get_data(as_text=True).replace("\xa0", " ").replace("\u202f", " ")


def field_error(page, name):
    """The message shown next to field ``name`` (None when it has none) and whether the field is marked invalid."""
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    marked = re.search(rf'id="{name}"[^>]*aria-invalid="true"', page) is not None
    return (match.group(1).strip() if match else None), marked


def goal_form(version, **fields):
    data = {"version": str(version), "kind": "competence", "title": "", "description": "", "unit_id": "",
            "target_date": "", "competence_id": "", "min_level": "", "target_count": "", "figure": "",
            "workforce_target_value": "", "workforce_direction": "", "manual_target_value": "",
            "manual_value": "", "manual_direction": "at_least"}
    data.update({k: str(v) for k, v in fields.items()})
    return data


def measure_form(version, **fields):
    data = {"version": str(version), "kind": "fagdag", "strategy": "", "goal_id": "", "title": "Fagdag sår",
            "description": "", "responsible": "", "target_group": "", "binding_months": "", "start": "", "end": "",
            "participants": "", "cost_per_participant": "", "cost_nok": "", "external_grants": "", "cost_centre": "",
            "evaluation_method": "", "status": "planned"}
    data.update({k: str(v) for k, v in fields.items()})
    return data


# --- goals -------------------------------------------------------------------------


def test_hr_adds_changes_and_deletes_a_goal_while_goals_are_defined(app, people, login):
    plan_id = make_plan(app, "goals")
    saar = competence(app, holders=["1002"])
    client = login("hr")
    version = current(app, plan_id)["version"]

    page = client.get(f"/plans/{plan_id}/goals/new")
    assert page.status_code == 200
    body = text(page)
    assert 'name="version" value="%d"' % version in body
    assert "Sårbehandling (SAAR)" in body and '<optgroup label="Helse">' in body
    assert "Hjemmetjenesten nord" in body and "Åsen skole" not in body  # only units inside the scope

    response = client.post(f"/plans/{plan_id}/goals/new", data=goal_form(
        version, title="12 med sårbehandling", unit_id=people["units"]["HO-HJEM-NORD"], competence_id=saar,
        min_level=2, target_count=12, target_date="2028-12-31"))
    assert response.status_code == 302
    assert re.search(rf"/plans/{plan_id}#goal-\d+$", response.headers["Location"])
    stored = current(app, plan_id)
    assert stored["goals"] == [("12 med sårbehandling", "competence", 12, None)]
    assert stored["version"] == version + 1

    with app.app_context():
        goal = db.session.scalars(select(Goal).where(Goal.plan_id == plan_id)).one()
        goal_id = goal.id
        assert (goal.unit_id, goal.competence_id, goal.min_level, goal.target_date) == (
            people["units"]["HO-HJEM-NORD"], saar, 2, date(2028, 12, 31))

    plan_page = text(client.get(f"/plans/{plan_id}"))
    assert "12 med sårbehandling" in plan_page
    assert f"/plans/{plan_id}/goals/{goal_id}/edit" in plan_page
    assert "8 % av målet" in plan_page  # 1 holder of 12

    edit = client.get(f"/plans/{plan_id}/goals/{goal_id}/edit")
    assert edit.status_code == 200 and 'value="12"' in text(edit)
    response = client.post(f"/plans/{plan_id}/goals/{goal_id}/edit", data=goal_form(
        version + 1, kind="workforce", title="Lavere deltid", figure="part_time_share",
        workforce_target_value="30,5", workforce_direction="at_most"))
    assert response.status_code == 302
    with app.app_context():
        goal = db.session.get(Goal, goal_id)
        assert (goal.kind, goal.figure, goal.target_value, goal.direction, goal.competence_id) == (
            "workforce", "part_time_share", Decimal("30.50"), "at_most", None)

    response = client.post(f"/plans/{plan_id}/goals/{goal_id}/delete", data={"version": str(version + 2)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{plan_id}#goals")
    assert current(app, plan_id)["goals"] == []
    with app.app_context():
        kinds = db.session.scalars(select(WorkflowHistory.changes).where(
            WorkflowHistory.object_id == plan_id, WorkflowHistory.kind == "edit").order_by(WorkflowHistory.id)).all()
        assert [c[0]["action"] for c in kinds] == ["added", "changed", "removed"]


def test_goal_pages_refuse_the_wrong_stage(app, people, login):
    in_purpose = make_plan(app, "purpose")
    in_measures = make_plan(app, "measures")
    client = login("hr")

    page = client.get(f"/plans/{in_purpose}/goals/new")
    assert page.status_code == 409
    assert 'method="post" class="stacked goal-form"' not in text(page)
    response = client.post(f"/plans/{in_purpose}/goals/new", data=goal_form(
        current(app, in_purpose)["version"], kind="manual", title="Mål", manual_target_value="3"))
    assert response.status_code == 409
    assert current(app, in_purpose)["goals"] == []

    before = current(app, in_measures)
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id).where(Goal.plan_id == in_measures))
    response = client.post(f"/plans/{in_measures}/goals/{goal_id}/edit", data=goal_form(
        before["version"], kind="manual", title="Endret", manual_target_value="3"))
    assert response.status_code == 409
    response = client.post(f"/plans/{in_measures}/goals/{goal_id}/delete", data={"version": before["version"]})
    assert response.status_code == 409
    assert "Endret" not in text(response)
    assert current(app, in_measures) == before


def test_a_stale_version_is_refused_and_nothing_is_saved(app, people, login):
    plan_id = make_plan(app, "goals", goals=[{"kind": "manual", "title": "Første mål", "target_value": 5}])
    client = login("hr")
    before = current(app, plan_id)
    stale = before["version"] - 1

    response = client.post(f"/plans/{plan_id}/goals/new", data=goal_form(
        stale, kind="manual", title="Andre mål", manual_target_value="3"))
    assert response.status_code == 409
    body = text(response)
    assert "Andre mål" in body  # what the user wrote is kept
    assert 'name="version" value="%d"' % before["version"] in body  # and may be sent again against the latest
    assert 'role="alert"' in body
    assert current(app, plan_id) == before

    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id).where(Goal.plan_id == plan_id))
    response = client.post(f"/plans/{plan_id}/goals/{goal_id}/delete", data={"version": str(stale)})
    assert response.status_code == 409
    assert current(app, plan_id) == before

    measures_plan = make_plan(app, "measures")
    before = current(app, measures_plan)
    with app.app_context():
        measure_id = db.session.scalar(select(Measure.id).where(Measure.plan_id == measures_plan))
    response = client.post(f"/plans/{measures_plan}/measures/{measure_id}/edit",
                           data=measure_form(before["version"] - 1, title="Endret tittel"))
    assert response.status_code == 409
    response = client.post(f"/plans/{measures_plan}/measures/{measure_id}/notes",
                           data={"version": before["version"] - 1, "text": "Gikk bra", "status": "done"})
    assert response.status_code == 409
    assert current(app, measures_plan) == before
    with app.app_context():
        assert db.session.scalar(select(func.count(MeasureNote.id))) == 0


def test_field_errors_are_shown_next_to_the_field_with_422(app, people, login):
    plan_id = make_plan(app, "goals")
    client = login("hr")
    version = current(app, plan_id)["version"]

    response = client.post(f"/plans/{plan_id}/goals/new", data=goal_form(version, title="", target_count="mange"))
    assert response.status_code == 422
    body = text(response)
    for name in ("title", "competence_id", "target_count"):
        message, marked = field_error(body, name)
        assert message and marked, name
        assert f'href="#{name}"' in body  # the summary links to the field
    assert field_error(body, "min_level") == (None, False)

    response = client.post(f"/plans/{plan_id}/goals/new", data=goal_form(
        version, kind="workforce", title="Deltid", figure="", workforce_target_value="-3"))
    assert response.status_code == 422
    body = text(response)
    assert field_error(body, "figure")[0] and field_error(body, "workforce_target_value")[0]
    assert field_error(body, "manual_target_value") == (None, False)

    response = client.post(f"/plans/{plan_id}/goals/new", data=goal_form(version, kind="", title="Uten type"))
    assert response.status_code == 422 and field_error(text(response), "kind")[0]

    response = client.post(f"/plans/{plan_id}/goals/new", data=goal_form(
        version, kind="manual", title="Utenfor", unit_id=people["units"]["SK-SKOLE"], manual_target_value="1"))
    assert response.status_code == 422 and field_error(text(response), "unit_id")[0]
    assert current(app, plan_id)["goals"] == []

    measures_plan = make_plan(app, "measures")
    version = current(app, measures_plan)["version"]
    response = client.post(f"/plans/{measures_plan}/measures/new", data=measure_form(
        version, kind="", title="", start="2026-05-01", end="2026-01-01", participants="x", cost_nok="12 000,50"))
    assert response.status_code == 422
    body = text(response)
    for name in ("kind", "title", "end", "participants"):
        assert field_error(body, name)[0], name
    assert field_error(body, "cost_nok") == (None, False)
    assert 'value="12 000,50"' in body
    assert current(app, measures_plan)["version"] == version


def test_a_goal_or_measure_of_another_plan_is_not_found(app, people, login):
    first = make_plan(app, "measures")
    second = make_plan(app, "measures")
    client = login("hr")
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id).where(Goal.plan_id == second))
        measure_id = db.session.scalar(select(Measure.id).where(Measure.plan_id == second))
    version = current(app, first)["version"]
    assert client.get(f"/plans/{first}/goals/{goal_id}/edit").status_code == 404
    assert client.post(f"/plans/{first}/goals/{goal_id}/delete", data={"version": version}).status_code == 404
    assert client.get(f"/plans/{first}/goals/{goal_id}/evaluate").status_code == 404
    assert client.get(f"/plans/{first}/measures/{measure_id}/edit").status_code == 404
    assert client.post(f"/plans/{first}/measures/{measure_id}/delete", data={"version": version}).status_code == 404
    assert client.post(f"/plans/{first}/measures/{measure_id}/notes",
                       data={"version": version, "text": "x"}).status_code == 404
    assert client.get("/plans/999999/goals/new").status_code == 404
    assert current(app, second)["measures"] == [("Fagdag", "planned", None)]


def test_only_hr_changes_goals_and_measures(app, people, login):
    plan_id = make_plan(app, "measures")
    with app.app_context():
        measure_id = db.session.scalar(select(Measure.id).where(Measure.plan_id == plan_id))
    client = login("leader")
    assert client.get(f"/plans/{plan_id}/goals/new").status_code == 403
    assert client.get(f"/plans/{plan_id}/measures/new").status_code == 403
    assert client.post(f"/plans/{plan_id}/measures/{measure_id}/delete", data={"version": 1}).status_code == 403
    client.post("/logout")
    client = login("politician")
    response = client.post(f"/plans/{plan_id}/measures/{measure_id}/notes", data={"version": 1, "text": "Hei"})
    assert response.status_code == 403


# --- measures -----------------------------------------------------------------------


def test_hr_adds_changes_and_deletes_a_measure_while_measures_are_chosen(app, people, login):
    plan_id = make_plan(app, "measures")
    client = login("hr")
    before = current(app, plan_id)
    with app.app_context():
        goal_id = db.session.scalar(select(Goal.id).where(Goal.plan_id == plan_id))

    page = client.get(f"/plans/{plan_id}/measures/new?goal_id={goal_id}")
    assert page.status_code == 200
    assert re.search(rf'<option value="{goal_id}" selected>', text(page))

    response = client.post(f"/plans/{plan_id}/measures/new", data=measure_form(
        before["version"], kind="education_grant", title="Videreutdanning i sår", goal_id=goal_id,
        description="To sykepleiere per år", responsible="Kari Nordmann", target_group="Sykepleiere",
        binding_months="24", start="2026-08-15", end="2027-06-15", participants="2",
        cost_per_participant="45 000", external_grants="20000", cost_centre="1234",
        evaluation_method="Antall fullført"))
    assert response.status_code == 302
    with app.app_context():
        measure = db.session.scalars(
            select(Measure).where(Measure.plan_id == plan_id, Measure.title == "Videreutdanning i sår")).one()
        measure_id = measure.id
        assert (measure.kind, measure.strategy, measure.goal_id, measure.binding_months, measure.participants,
                measure.cost_per_participant, measure.cost_nok, measure.external_grants, measure.status) == (
            "education_grant", "develop", goal_id, 24, 2, Decimal("45000.00"), None, Decimal("20000.00"), "planned")

    plan_page = text(client.get(f"/plans/{plan_id}"))
    assert "Videreutdanning i sår" in plan_page and "90 000" in plan_page  # 2 × 45 000
    assert f'id="measure-{measure_id}"' in plan_page

    version = current(app, plan_id)["version"]
    form = measure_form(version, kind="education_grant", title="Videreutdanning i sårbehandling", goal_id=goal_id,
                        strategy="recruit", cost_nok="100000", status="in_progress")
    response = client.post(f"/plans/{plan_id}/measures/{measure_id}/edit", data=form)
    assert response.status_code == 302
    with app.app_context():
        measure = db.session.get(Measure, measure_id)
        assert (measure.title, measure.strategy, measure.cost_nok, measure.status, measure.participants) == (
            "Videreutdanning i sårbehandling", "recruit", Decimal("100000.00"), "in_progress", None)

    response = client.post(f"/plans/{plan_id}/measures/{measure_id}/delete",
                           data={"version": current(app, plan_id)["version"]})
    assert response.status_code == 302
    assert current(app, plan_id)["measures"] == before["measures"]

    # Back in the goals stage measures cannot be added.
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        engine.fire(plan, user("hr"), "send_back", "Mål må justeres", plan.version)
        db.session.commit()
    assert client.get(f"/plans/{plan_id}/measures/new").status_code == 409
    after = current(app, plan_id)
    response = client.post(f"/plans/{plan_id}/measures/new", data=measure_form(after["version"], title="For sent"))
    assert response.status_code == 409
    assert current(app, plan_id) == after


def test_the_budget_splits_a_measure_over_two_years_by_days(app, people, login):
    plan_id = make_plan(app, "measures", measures=[
        # 184 days in 2025 and 181 in 2026.
        {"kind": "mentor", "title": "Mentorordning", "start": "2025-07-01", "end": "2026-06-30",
         "cost_nok": 365000, "external_grants": 65000},
        {"kind": "fagdag", "title": "Fagdag", "start": "2026-03-01", "participants": 10, "cost_per_participant": 1500},
        {"kind": "mooc", "title": "Avlyst kurs", "start": "2026-01-01", "cost_nok": 99999, "status": "cancelled"},
    ])
    client = login("representative")
    page = text(client.get(f"/plans/{plan_id}"))
    budget = page[page.index('id="budget"'):]
    budget = budget[:budget.index("</section>")]
    rows = dict(re.findall(r'<th scope="row">(\d{4})</th><td class="num">([^<]+)</td>', budget))
    assert rows == {"2025": "184 000", "2026": "196 000"}  # 181 000 + 10 × 1 500
    assert "380 000" in budget  # total
    assert "65 000" in budget and "315 000" in budget  # grants and net
    assert "99 999" not in budget


# --- progress notes -----------------------------------------------------------------


def test_a_leader_adds_a_progress_note_and_changes_the_status(app, people, login):
    plan_id = make_plan(app, "measures", measures=[{"kind": "fagdag", "title": "Fagdag sår"}])
    with app.app_context():
        measure_id = db.session.scalar(select(Measure.id).where(Measure.plan_id == plan_id))
    client = login("leader")
    plan_page = text(client.get(f"/plans/{plan_id}"))
    assert f'action="/plans/{plan_id}/measures/{measure_id}/notes"' in plan_page
    assert f"/plans/{plan_id}/measures/{measure_id}/edit" not in plan_page  # leaders do not change measures

    version = current(app, plan_id)["version"]
    response = client.post(f"/plans/{plan_id}/measures/{measure_id}/notes",
                           data={"version": version, "text": "Første fagdag holdt, 14 deltok.", "status": "in_progress"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#measure-{measure_id}")
    with app.app_context():
        note = db.session.scalars(select(MeasureNote)).one()
        assert (note.text, note.username, note.measure_id) == ("Første fagdag holdt, 14 deltok.", "leader", measure_id)
        assert db.session.get(Measure, measure_id).status == "in_progress"
        parts = db.session.scalars(select(WorkflowHistory.changes).where(
            WorkflowHistory.object_id == plan_id, WorkflowHistory.kind == "edit",
            WorkflowHistory.username == "leader")).all()
        assert [c[0]["what"] for c in parts] == ["measure", "note"]
    assert current(app, plan_id)["version"] == version + 2
    assert "Første fagdag holdt, 14 deltok." in text(client.get(f"/plans/{plan_id}"))

    # Nothing to save: the field is named.
    response = client.post(f"/plans/{plan_id}/measures/{measure_id}/notes",
                           data={"version": version + 2, "text": " ", "status": "in_progress"})
    assert response.status_code == 422 and field_error(text(response), "text")[0]

    # A status alone is progress too, also while evaluating.
    with app.app_context():
        fire(db.session.get(Plan, plan_id), "start_evaluation")
    version = current(app, plan_id)["version"]
    response = client.post(f"/plans/{plan_id}/measures/{measure_id}/notes", data={"version": version, "status": "done"})
    assert response.status_code == 302
    assert current(app, plan_id)["measures"] == [("Fagdag sår", "done", None)]


# --- evaluation ---------------------------------------------------------------------


def test_the_evaluation_stores_the_verdict_and_the_value_measured_when_saved(app, people, login):
    saar = competence(app, holders=["1002"])
    plan_id = make_plan(app, "evaluation", goals=[
        {"kind": "competence", "title": "Tre med sårbehandling", "unit_id": unit_id_of(app, "HO-HJEM"),
         "competence_id": saar, "min_level": 2, "target_count": 3},
        {"kind": "manual", "title": "Ti hospiteringer", "target_value": 10, "manual_value": 4},
    ])
    with app.app_context():
        competence_goal, manual_goal = db.session.scalars(
            select(Goal.id).where(Goal.plan_id == plan_id).order_by(Goal.id)).all()
    client = login("hr")

    page = client.get(f"/plans/{plan_id}/goals/{competence_goal}/evaluate")
    assert page.status_code == 200
    body = text(page)
    assert re.search(r'value="not_reached" checked', body)  # 1 of 3: suggested "not reached"
    assert 'name="reached_value"' not in body  # measured, not asked

    hold(app, saar, "1003")  # a second holder arrives before hr saves: 2 of 3
    version = current(app, plan_id)["version"]
    response = client.post(f"/plans/{plan_id}/goals/{competence_goal}/evaluate",
                           data={"version": version, "verdict": "partly", "comment": "To av tre", "reached_value": "99"})
    assert response.status_code == 302
    with app.app_context():
        goal = db.session.get(Goal, competence_goal)
        assert (goal.verdict, goal.reached_value, goal.evaluation_comment) == ("partly", Decimal("2"), "To av tre")

    page = text(client.get(f"/plans/{plan_id}/goals/{manual_goal}/evaluate"))
    assert 'name="reached_value"' in page and 'value="4"' in page
    response = client.post(f"/plans/{plan_id}/goals/{manual_goal}/evaluate",
                           data={"version": version + 1, "verdict": "", "reached_value": "", "comment": ""})
    assert response.status_code == 422 and field_error(text(response), "reached_value")[0]
    response = client.post(f"/plans/{plan_id}/goals/{manual_goal}/evaluate",
                           data={"version": version + 1, "verdict": "reached", "reached_value": "11", "comment": ""})
    assert response.status_code == 302

    plan_page = text(client.get(f"/plans/{plan_id}"))
    evaluation = plan_page[plan_page.index('id="evaluation"'):]
    assert "To av tre" in evaluation and "11" in evaluation

    # Closed: the summary, no more evaluating.
    with app.app_context():
        plan = db.session.get(Plan, plan_id)
        approve(plan, "leader", "representative", "politician")
        fire(plan, "close")
    plan_page = text(client.get(f"/plans/{plan_id}"))
    assert "plan-evaluation-summary" in plan_page
    assert f"/goals/{manual_goal}/evaluate" not in plan_page
    assert client.get(f"/plans/{plan_id}/goals/{manual_goal}/evaluate").status_code == 409


def unit_id_of(app, code):
    with app.app_context():
        return unit_id(code)


# --- what the plan page shows ---------------------------------------------------------


def test_a_politician_sees_under_5_for_a_small_competence_goal(app, people, login):
    saar = competence(app, holders=["1002", "1003"])
    plan_id = make_plan(app, "goals", goals=[
        {"kind": "competence", "title": "Sårbehandling i nord", "unit_id": unit_id_of(app, "HO-HJEM-NORD"),
         "competence_id": saar, "min_level": 2, "target_count": 6},
    ])
    client = login("politician")
    page = text(client.get(f"/plans/{plan_id}"))
    goals = page[page.index('id="goals"'):]
    goals = goals[:goals.index("</section>")]
    assert goals.count("under 5") == 2  # the starting point and the value now: both two people
    assert "<progress" not in goals and "33 %" not in goals  # 2 of 6 would say 33 %
    assert "/goals/new" not in goals  # politicians do not add goals
    client.post("/logout")

    client = login("hr")
    goals = text(client.get(f"/plans/{plan_id}"))
    goals = goals[goals.index('id="goals"'):]
    assert "under 5" not in goals[:goals.index("</section>")]
    assert "33 %" in goals and f"/plans/{plan_id}/goals/new" in goals
    with app.app_context():  # one of the two has lost the competence since the goal was set
        held = db.session.scalars(select(HeldCompetence).where(HeldCompetence.competence_id == saar)).first()
        db.session.delete(held)
        db.session.commit()
    goals = text(client.get(f"/plans/{plan_id}"))
    row = goals[goals.index("Sårbehandling i nord"):]
    row = row[:row.index("</tr>")]
    cells = [re.sub(r"<[^>]+>", " ", cell).split() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert (cells[2], cells[3][0]) == (["2"], "1")  # unit, target, starting point, now (with its progress)


@pytest.mark.parametrize("locale, label, stage", [
    ("nb", "Navn på tiltaket", "I fasen «Velge og gjennomføre tiltak» kan ikke"),
    ("nn", "Namn på tiltaket", "I fasen «Velje og gjennomføre tiltak» kan ikkje"),
    ("en", "Name of the measure", "At the stage “Choose and carry out measures” this part"),
])
def test_the_forms_speak_the_users_language(app, people, login, locale, label, stage):
    plan_id = make_plan(app, "measures")
    client = login("hr")
    client.post("/language", data={"locale": locale, "next": "/"})
    response = client.get(f"/plans/{plan_id}/measures/new")
    assert response.status_code == 200
    assert f'<html lang="{locale}">' in text(response) and f'<label for="title">{label}' in text(response)
    response = client.get(f"/plans/{plan_id}/goals/new")
    assert response.status_code == 409 and stage in text(response)


def _fill(app, plan_id, count, competence_id):
    """``count`` goals of all three kinds, each with a measure and a note, written straight to the tables."""
    with app.app_context():
        ho = unit_id("HO-HJEM")
        for index in range(count):
            kind = ("competence", "workforce", "manual")[index % 3]
            goal = Goal(plan_id=plan_id, title=f"Mål {index}", kind=kind, direction="at_least",
                        unit_id=ho if index % 2 else None,
                        competence_id=competence_id if kind == "competence" else None,
                        min_level=1 if kind == "competence" else None,
                        target_count=5 if kind == "competence" else None,
                        figure="part_time_share" if kind == "workforce" else None,
                        target_value=Decimal(40) if kind != "competence" else None,
                        manual_value=Decimal(3) if kind == "manual" else None,
                        verdict="partly" if index % 2 else None, reached_value=Decimal(2) if index % 2 else None)
            db.session.add(goal)
            db.session.flush()
            measure = Measure(plan_id=plan_id, goal_id=goal.id, kind="fagdag", strategy="develop",
                              title=f"Tiltak {index}", status="in_progress", start=date(2026, 1, 1),
                              end=date(2027, 6, 30), cost_nok=Decimal(10000))
            db.session.add(measure)
            db.session.flush()
            db.session.add(MeasureNote(measure_id=measure.id, text="Godt i gang", username="leader"))
        db.session.add(Measure(plan_id=plan_id, kind="custom", strategy="mobilise", title="Uten mål",
                               status="planned"))
        db.session.commit()


@pytest.mark.parametrize("username", ["hr", "politician"])
def test_the_plan_page_runs_as_many_queries_for_200_goals_as_for_10(app, people, login, count_queries, username):
    saar = competence(app, holders=["1002"])
    small, large = make_plan(app, "measures"), make_plan(app, "measures")
    _fill(app, small, 10, saar)
    _fill(app, large, 200, saar)
    client = login(username)
    counts = {}
    for plan_id in (small, large):
        client.get(f"/plans/{plan_id}")  # warm up whatever is loaded once per process
        with count_queries() as seen:
            response = client.get(f"/plans/{plan_id}")
        assert response.status_code == 200
        counts[plan_id] = len(seen)
    assert "Tiltak 199" in text(response) and "Godt i gang" in text(response) and 'id="evaluation"' in text(response)
    assert counts[small] == counts[large], counts
