"""The appraisal pages: list, yearly round, the interview page from scheduled to signed, .ics, development plan,
statistics.

What a person notices: only the employee and their leader ever see an
interview (everyone else gets "not found", even for the calendar file); the
employee prepares in their own words and rates themself; the leader holds
the interview, writes the summary, follows up last year's entries and agrees
new ones tied to a competence and a plan measure; both sign and the page
turns read-only; a round of interviews is saved all or nothing with the
problem next to the right person; hr sees counts, never what was said.
"""
from datetime import date, datetime, timezone
from html import unescape

import pytest
from sqlalchemy import func, select, update

from portal.appraisals import editing
from portal.appraisals.models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent
from portal.competence.models import Competence, CompetenceArea, HeldCompetence, Requirement
from portal.extensions import db
from portal.learning.models import LearningActivity, LearningParticipant
from portal.org.models import Employee, User
from portal.plans.models import Measure, Plan
from portal.workflow import engine
from tests.conftest import PASSWORD
from tests.plans.test_plan_pages import Elements, section

YEAR = datetime.now(timezone.utc).year
OUTSIDERS = ("colleague", "other_leader", "hr", "representative", "politician", "admin")


@pytest.fixture
def english(app, people):
    """Every test user reads the portal in English, so the tests can read its sentences."""
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.locale = "en"
        db.session.commit()
    return people


def client_for(app, username):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"log-in as {username} failed"
    return client


def user(username):
    return db.session.scalar(select(User).where(User.username == username))


def make_appraisal(app, number="1002", when=None, state="scheduled", summary="Vi snakket om arbeidsdagen."):
    """An interview with employee ``number`` scheduled by ``leader``, moved on to ``state`` through the domain."""
    with app.app_context():
        employee = db.session.scalar(select(Employee).where(Employee.employee_number == number))
        leader, person = user("leader"), db.session.scalar(select(User).where(User.employee_id == employee.id))
        appraisal = editing.schedule(employee, when or f"{YEAR}-06-15T10:00", leader, 60, "Møterom 2")
        db.session.flush()
        if state in ("prepared", "held", "signed"):
            editing.save_preparation(appraisal, {"went_well": "Mye bra."}, person, appraisal.version)
            engine.fire(appraisal, person, "prepare", "", appraisal.version)
        if state in ("held", "signed"):
            engine.fire(appraisal, leader, "hold", "", appraisal.version)
            editing.save_summary(appraisal, summary, leader, appraisal.version)
        if state == "signed":
            engine.sign(appraisal, person, "employee", "approve", "", appraisal.version)
            engine.sign(appraisal, leader, "leader", "approve", "", appraisal.version)
        db.session.commit()
        return appraisal.id


def load(app, appraisal_id):
    with app.app_context():
        appraisal = db.session.get(Appraisal, appraisal_id)
        db.session.expunge(appraisal)
        return appraisal


def version_of(app, appraisal_id):
    return load(app, appraisal_id).version


def competence_and_plan(app, people):
    """A competence HO requires (so HO-HJEM-NORD inherits it) and a measure of a plan in its measures stage."""
    with app.app_context():
        area = CompetenceArea(code="HELSE", name="Helse")
        competence = Competence(code="SAAR", name="Sårbehandling", area=area, kind="skill", max_level=3)
        db.session.add_all([area, competence])
        db.session.flush()
        db.session.add(Requirement(unit_id=people["units"]["HO"], competence_id=competence.id, min_level=2,
                                   required_count=3))
        plan = Plan(title="Kompetanseplan helse", state="measures", version=3, platform={}, working_group=[])
        db.session.add(plan)
        db.session.flush()
        measure = Measure(plan_id=plan.id, kind="course", strategy="develop", title="Sårkurs for hjemmetjenesten")
        db.session.add(measure)
        db.session.commit()
        return competence.id, measure.id


# --- who sees what ----------------------------------------------------------------------------


def test_only_the_employee_and_their_leader_see_the_interview_and_its_calendar_file(app, english):
    appraisal_id = make_appraisal(app)
    for username in ("employee", "leader"):
        client = client_for(app, username)
        page = client.get(f"/appraisals/{appraisal_id}")
        assert page.status_code == 200, username
        assert "Ola Øverby" in page.get_data(as_text=True)
        invite = client.get(f"/appraisals/{appraisal_id}/invite.ics")
        assert invite.status_code == 200
        assert invite.mimetype == "text/calendar"
        assert f'filename="appraisal-{appraisal_id}.ics"' in invite.headers["Content-Disposition"]
        assert b"BEGIN:VEVENT" in invite.data
    for username in OUTSIDERS:
        client = client_for(app, username)
        assert client.get(f"/appraisals/{appraisal_id}").status_code == 404, username
        assert client.get(f"/appraisals/{appraisal_id}/invite.ics").status_code == 404, username
        posted = client.post(f"/appraisals/{appraisal_id}/preparation", data={"went_well": "x", "version": "1"})
        assert posted.status_code == 404, username
        assert client.post(f"/appraisals/{appraisal_id}/transitions/cancel", data={"version": "1"}).status_code == 404
    assert load(app, appraisal_id).state == "scheduled"
    assert not load(app, appraisal_id).preparation


def test_the_list_shows_each_role_what_is_theirs(app, english):
    appraisal_id = make_appraisal(app)
    make_appraisal(app, number="1003", state="held")

    html = client_for(app, "leader").get("/appraisals").get_data(as_text=True)
    table = section(html, "staff-appraisals")
    assert "Ola Øverby" in table and "Åse Ærlig" in table
    assert "Scheduled" in table and "Held" in table
    assert 'href="/appraisals/schedule"' in html

    html = client_for(app, "employee").get("/appraisals").get_data(as_text=True)
    assert f'href="/appraisals/{appraisal_id}"' in html
    assert "Scheduled" in section(html, "own-upcoming")
    assert "Åse Ærlig" not in html
    assert "staff-appraisals" not in html

    html = client_for(app, "hr").get("/appraisals").get_data(as_text=True)
    assert 'href="/appraisals/statistics"' in html
    assert "Ola Øverby" not in html and "Åse Ærlig" not in html

    html = client_for(app, "other_leader").get("/appraisals").get_data(as_text=True)
    assert "Ola Øverby" not in html
    html = client_for(app, "representative").get("/appraisals").get_data(as_text=True)
    assert "Ola Øverby" not in html
    assert "only visible to the employee and their leader" in html


def test_a_filter_on_stage_and_a_bad_year_are_answered_clearly(app, english):
    make_appraisal(app)
    make_appraisal(app, number="1003", state="held")
    leader = client_for(app, "leader")
    html = leader.get("/appraisals?state=held").get_data(as_text=True)
    assert "Åse Ærlig" in section(html, "staff-appraisals") and "Ola Øverby" not in section(html, "staff-appraisals")
    response = leader.get("/appraisals?state=nonsense&year=1776")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "year-error" in html and "state-error" in html


def _bulk_appraisals(app, employee_id, n):
    with app.app_context():
        start = datetime(YEAR, 3, 1, 8, tzinfo=timezone.utc)
        db.session.add_all(
            Appraisal(employee_id=employee_id, scheduled_for=start, duration_minutes=60, location="", preparation={},
                      summary="", employee_comment="", state="scheduled", version=1)
            for _ in range(n)
        )
        db.session.commit()


def test_the_list_runs_the_same_queries_for_ten_or_a_thousand_interviews(app, count_queries, english):
    leader, employee = client_for(app, "leader"), client_for(app, "employee")
    counts = []
    for n in (10, 990):
        _bulk_appraisals(app, english["staff"]["1002"], n)
        with count_queries() as seen:
            response = leader.get("/appraisals")
        assert response.status_code == 200
        with count_queries() as seen_by_employee:
            assert employee.get("/appraisals").status_code == 200
        counts.append((len(seen), len(seen_by_employee)))
    assert counts[0] == counts[1], counts
    assert "Page 1 of 40" in response.get_data(as_text=True)


# --- the whole path through the pages ------------------------------------------------------------


def test_an_interview_goes_from_scheduled_to_signed_through_the_pages(app, english):
    competence_id, measure_id = competence_and_plan(app, english)
    with app.app_context():  # last year's entry, to be followed up
        earlier = DevelopmentEntry(employee_id=english["staff"]["1002"], title="Lære journalføring", status="planned",
                                   status_note="")
        db.session.add(earlier)
        db.session.commit()
        earlier_id = earlier.id
    appraisal_id = make_appraisal(app)
    employee, leader = client_for(app, "employee"), client_for(app, "leader")

    # The employee prepares: the guided questions, the unit's competences, last year's entry.
    html = employee.get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
    found = Elements(html).by_id
    for key in ("work_situation", "cooperation", "went_well", "wants_to_build", "other", f"self-{competence_id}"):
        assert key in found, key
    assert "Sårbehandling" in section(html, "self-assessment")
    assert "Lære journalføring" in section(html, "previous-entries")
    assert "summary" not in found  # no summary form before the interview
    response = employee.post(f"/appraisals/{appraisal_id}/preparation", data={
        "version": "1", "work_situation": "Travelt, men godt.", "went_well": "Samarbeidet i teamet.",
        "wants_to_build": "Sårbehandling", f"self-{competence_id}": "2",
    })
    assert response.status_code == 302
    with app.app_context():
        own = db.session.scalar(select(HeldCompetence).where(HeldCompetence.source == "self_assessment"))
        assert (own.competence_id, own.level) == (competence_id, 2)
    version = version_of(app, appraisal_id)
    assert employee.post(f"/appraisals/{appraisal_id}/transitions/prepare", data={"version": version}).status_code == 302
    assert load(app, appraisal_id).state == "prepared"

    # The leader reads the preparation and holds the interview.
    html = leader.get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
    assert "Samarbeidet i teamet." in section(html, "preparation-answers")
    assert "step-hold-button" in Elements(html).by_id and "step-cancel-button" in Elements(html).by_id
    assert "step-prepare-button" not in Elements(html).by_id
    version = version_of(app, appraisal_id)
    assert leader.post(f"/appraisals/{appraisal_id}/transitions/hold", data={"version": version}).status_code == 302
    assert load(app, appraisal_id).state == "held"

    # Summary, follow-up of last year's entry, a new entry tied to a competence and a plan measure.
    html = leader.get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
    assert "Sårkurs for hjemmetjenesten" in html  # the measure select, grouped by plan
    assert '<optgroup label="Kompetanseplan helse">' in html
    version = version_of(app, appraisal_id)
    assert leader.post(f"/appraisals/{appraisal_id}/summary",
                       data={"version": version, "summary": "Vi ble enige om sårkurs."}).status_code == 302
    version = version_of(app, appraisal_id)
    response = leader.post(f"/appraisals/{appraisal_id}/entries/{earlier_id}/follow-up",
                           data={"version": version, f"status-{earlier_id}": "completed", f"note-{earlier_id}": ""})
    assert response.status_code == 302
    version = version_of(app, appraisal_id)
    response = leader.post(f"/appraisals/{appraisal_id}/entries", data={
        "version": version, "title": "Ta sårkurset", "competence_id": str(competence_id), "target_level": "3",
        "measure_id": str(measure_id), "due": f"{YEAR + 1}-05-01",
    })
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(DevelopmentEntry).where(DevelopmentEntry.title == "Ta sårkurset"))
        assert (entry.appraisal_id, entry.competence_id, entry.target_level, entry.measure_id) == (
            appraisal_id, competence_id, 3, measure_id)
        assert db.session.get(DevelopmentEntry, earlier_id).status == "completed"

    # The employee comments (disagreeing a little) and signs; the leader signs; the interview is signed.
    version = version_of(app, appraisal_id)
    assert employee.post(f"/appraisals/{appraisal_id}/comment",
                         data={"version": version, "employee_comment": "Jeg ønsker også veiledning."}).status_code == 302
    version = version_of(app, appraisal_id)
    assert employee.post(f"/appraisals/{appraisal_id}/signoffs",
                         data={"version": version, "capacity": "employee"}).status_code == 302
    html = leader.get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
    assert "Signed" in section(html, "signoff-employee")
    assert "sign-leader-button" in Elements(html).by_id
    assert leader.post(f"/appraisals/{appraisal_id}/signoffs",
                       data={"version": version, "capacity": "leader"}).status_code == 302
    assert load(app, appraisal_id).state == "signed"

    # Signed: everything read-only, with both signatures and their dates.
    for client in (employee, leader):
        html = client.get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
        found = Elements(html).by_id
        assert "Vi ble enige om sårkurs." in section(html, "summary-text")
        assert "Jeg ønsker også veiledning." in section(html, "comment-text")
        assert "Ta sårkurset" in section(html, "agreed-entries")
        signatures = section(html, "signatures")
        assert "signed by employee" in signatures and "signed by leader" in signatures
        assert not any(f in found for f in ("summary", "employee_comment", "title", "went_well", "scheduled_for"))
        assert "<form method=\"post\" action=\"/appraisals/" not in html
    version = version_of(app, appraisal_id)
    response = leader.post(f"/appraisals/{appraisal_id}/summary", data={"version": version, "summary": "Endret."})
    assert response.status_code == 409
    assert load(app, appraisal_id).summary == "Vi ble enige om sårkurs."


def test_a_change_after_a_signature_voids_it_on_the_page(app, english):
    appraisal_id = make_appraisal(app, state="held")
    employee, leader = client_for(app, "employee"), client_for(app, "leader")
    version = version_of(app, appraisal_id)
    assert employee.post(f"/appraisals/{appraisal_id}/signoffs",
                         data={"version": version, "capacity": "employee"}).status_code == 302
    assert leader.post(f"/appraisals/{appraisal_id}/summary",
                       data={"version": version, "summary": "Ny tekst."}).status_code == 302
    html = employee.get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
    assert "Void" in section(html, "signoff-employee")
    assert "sign-employee-button" in Elements(html).by_id
    assert load(app, appraisal_id).state == "held"


class Ids(Elements):
    """Every id on the page, in order (duplicates kept)."""

    def __init__(self, html):
        self.ids = []
        super().__init__(html)

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        if dict(attrs).get("id"):
            self.ids.append(dict(attrs)["id"])


@pytest.mark.parametrize("state", ["scheduled", "prepared", "held", "signed"])
def test_every_id_on_the_page_is_unique_and_every_field_labelled(app, english, state):
    competence_and_plan(app, english)
    appraisal_id = make_appraisal(app, state=state)
    for username in ("employee", "leader"):
        html = client_for(app, username).get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
        ids = Ids(html).ids
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        for element in Elements(html).all:
            if element["_tag"] in ("textarea", "select") or (
                    element["_tag"] == "input" and element.get("type") not in ("hidden", "submit")):
                labelled = f'for="{element.get("id")}"' in html or element.get("aria-labelledby")
                assert labelled, element


# --- refusals -----------------------------------------------------------------------------------


def test_the_wrong_person_gets_403_and_nothing_changes(app, english):
    appraisal_id = make_appraisal(app, state="held")
    version = version_of(app, appraisal_id)
    employee, leader = client_for(app, "employee"), client_for(app, "leader")
    response = employee.post(f"/appraisals/{appraisal_id}/summary", data={"version": version, "summary": "Min egen."})
    assert response.status_code == 403
    assert "leader" in section(response.get_data(as_text=True), "appraisal-message")
    response = leader.post(f"/appraisals/{appraisal_id}/comment", data={"version": version, "employee_comment": "x"})
    assert response.status_code == 403
    response = employee.post(f"/appraisals/{appraisal_id}/signoffs", data={"version": version, "capacity": "leader"})
    assert response.status_code == 403
    appraisal = load(app, appraisal_id)
    assert (appraisal.summary, appraisal.employee_comment, appraisal.version) == (
        "Vi snakket om arbeidsdagen.", "", version)


def test_a_stale_version_gets_409_with_a_message(app, english):
    appraisal_id = make_appraisal(app)
    employee = client_for(app, "employee")
    assert employee.post(f"/appraisals/{appraisal_id}/preparation",
                         data={"version": "1", "went_well": "Første."}).status_code == 302
    response = employee.post(f"/appraisals/{appraisal_id}/preparation", data={"version": "1", "went_well": "Andre."})
    assert response.status_code == 409
    assert "Someone else changed this" in section(response.get_data(as_text=True), "appraisal-message")
    assert load(app, appraisal_id).preparation == {"went_well": "Første."}


def test_bad_input_gets_422_with_the_field_named(app, english):
    appraisal_id = make_appraisal(app, state="held")
    with app.app_context():
        earlier = DevelopmentEntry(employee_id=english["staff"]["1002"], title="Gammelt mål", status="planned",
                                   status_note="")
        db.session.add(earlier)
        db.session.commit()
        earlier_id = earlier.id
    leader = client_for(app, "leader")
    version = version_of(app, appraisal_id)
    response = leader.post(f"/appraisals/{appraisal_id}/entries",
                           data={"version": version, "title": " ", "target_level": "7", "due": "snart"})
    assert response.status_code == 422
    found = Elements(response.get_data(as_text=True)).by_id
    for name in ("title", "due"):
        assert f"{name}-error" in found, name
        assert found[name].get("aria-invalid") == "true"
    response = leader.post(f"/appraisals/{appraisal_id}/entries/{earlier_id}/follow-up",
                           data={"version": version, f"status-{earlier_id}": "cancelled", f"note-{earlier_id}": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Say why the entry is dropped." in section(html, f"note-{earlier_id}-error")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DevelopmentEntry)) == 1
        assert db.session.get(DevelopmentEntry, earlier_id).status == "planned"
    assert version_of(app, appraisal_id) == version


def test_the_leader_reschedules_and_cancels(app, english):
    appraisal_id = make_appraisal(app)
    leader = client_for(app, "leader")
    response = leader.post(f"/appraisals/{appraisal_id}/reschedule", data={
        "version": "1", "scheduled_for": f"{YEAR}-09-01T13:30", "duration_minutes": "45", "location": "Kontoret"})
    assert response.status_code == 302
    appraisal = load(app, appraisal_id)
    assert (appraisal.duration_minutes, appraisal.location) == (45, "Kontoret")
    response = leader.post(f"/appraisals/{appraisal_id}/reschedule",
                           data={"version": str(appraisal.version), "scheduled_for": "neste uke"})
    assert response.status_code == 422
    assert "scheduled_for-error" in Elements(response.get_data(as_text=True)).by_id
    assert leader.post(f"/appraisals/{appraisal_id}/transitions/cancel",
                       data={"version": str(appraisal.version)}).status_code == 302
    assert load(app, appraisal_id).state == "cancelled"


# --- the yearly round -------------------------------------------------------------------------------


def test_the_round_lists_the_units_staff_and_marks_who_already_had_one(app, english):
    make_appraisal(app, number="1003")
    leader = client_for(app, "leader")
    html = leader.get(f"/appraisals/schedule?unit_id={english['units']['HO-HJEM']}").get_data(as_text=True)
    found = Elements(html).by_id
    ola, aase, kari = (english["staff"][n] for n in ("1002", "1003", "1001"))
    assert f"when-{ola}" in found and f"when-{aase}" in found
    assert f"pick-{kari}" not in found  # the leader does not schedule their own interview
    assert "checked" in found[f"pick-{ola}"]
    assert "checked" not in found[f"pick-{aase}"]
    assert f"done-{aase}" in found and f"done-{ola}" not in found
    assert client_for(app, "employee").get("/appraisals/schedule").status_code == 403
    response = leader.get(f"/appraisals/schedule?unit_id={english['units']['SK-SKOLE']}")
    assert response.status_code == 422  # another leader's unit


def test_the_round_is_saved_all_or_nothing(app, english):
    leader = client_for(app, "leader")
    unit = english["units"]["HO-HJEM"]
    ola, aase = english["staff"]["1002"], english["staff"]["1003"]
    data = {"unit_id": str(unit), "action": "save", f"pick-{ola}": "1", f"when-{ola}": f"{YEAR}-10-01T09:00",
            f"pick-{aase}": "1", f"when-{aase}": "1. oktober"}
    response = leader.post("/appraisals/schedule", data=data)
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    found = Elements(html).by_id
    assert f"when-{aase}-error" in found and f"when-{ola}-error" not in found
    assert "Åse Ærlig: Write the date and time" in html  # the summary names the person
    assert found[f"when-{ola}"]["value"] == f"{YEAR}-10-01T09:00"  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appraisal)) == 0

    data[f"when-{aase}"] = f"{YEAR}-10-01T10:00"
    response = leader.post("/appraisals/schedule", data=data)
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(Appraisal).order_by(Appraisal.employee_id)).all()
        assert sorted(a.employee_id for a in rows) == sorted([ola, aase])
        assert all(a.state == "scheduled" for a in rows)


def test_a_period_spreads_the_ticked_employees_over_weekdays(app, english):
    leader = client_for(app, "leader")
    ola, aase = english["staff"]["1002"], english["staff"]["1003"]
    friday = date(YEAR, 10, 1)
    while friday.weekday() != 4:
        friday = friday.replace(day=friday.day + 1)
    data = {"unit_id": str(english["units"]["HO-HJEM"]), f"pick-{ola}": "1", f"pick-{aase}": "1",
            "period_start": friday.isoformat(), "period_interval": "1", "period_time": "09:30"}
    preview = leader.post("/appraisals/schedule", data=dict(data, action="spread"))
    assert preview.status_code == 200
    found = Elements(preview.get_data(as_text=True)).by_id
    monday = friday.replace(day=friday.day + 3)
    assert {found[f"when-{ola}"]["value"], found[f"when-{aase}"]["value"]} == {
        f"{friday.isoformat()}T09:30", f"{monday.isoformat()}T09:30"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Appraisal)) == 0
    assert leader.post("/appraisals/schedule", data=dict(data, action="save")).status_code == 302
    with app.app_context():
        days = sorted(editing.local_time(a.scheduled_for).date() for a in db.session.scalars(select(Appraisal)))
    assert days == [friday, monday]


def test_nothing_ticked_is_refused(app, english):
    leader = client_for(app, "leader")
    response = leader.post("/appraisals/schedule", data={"unit_id": str(english["units"]["HO-HJEM"]), "action": "save"})
    assert response.status_code == 422
    assert "Tick at least one employee." in response.get_data(as_text=True)


# --- the development plan, statistics, start page -----------------------------------------------------


def test_the_employee_sees_their_development_plan_and_learning_record(app, english):
    ola = english["staff"]["1002"]
    with app.app_context():
        entry = DevelopmentEntry(employee_id=ola, title="Lære veiledning", status="planned", status_note="")
        other = DevelopmentEntry(employee_id=english["staff"]["1003"], title="Åses mål", status="planned",
                                 status_note="")
        db.session.add_all([entry, other])
        db.session.flush()
        db.session.add(DevelopmentEntryEvent(entry_id=entry.id, from_status=None, to_status="planned", note="",
                                             username="leader"))
        for day, title in ((date(YEAR, 2, 1), "Fagdag demens"), (date(YEAR, 5, 1), "Kurs i sårstell")):
            activity = LearningActivity(title=title, kind="course", date=day, hours=6)
            db.session.add(activity)
            db.session.flush()
            db.session.add(LearningParticipant(activity_id=activity.id, employee_id=ola))
        db.session.commit()
        entry_id, other_id = entry.id, other.id
    employee = client_for(app, "employee")
    html = employee.get("/development").get_data(as_text=True)
    assert "Lære veiledning" in section(html, "my-entries") and "Åses mål" not in html
    record = section(html, "learning-record")
    assert record.index("Kurs i sårstell") < record.index("Fagdag demens")  # newest first
    response = employee.post(f"/development/entries/{entry_id}", data={"status": "cancelled", "note": ""})
    assert response.status_code == 422
    assert "Say why the entry is dropped." in response.get_data(as_text=True)
    response = employee.post(f"/development/entries/{entry_id}", data={"status": "completed", "note": "Ferdig"})
    assert response.status_code == 302
    html = employee.get("/development").get_data(as_text=True)
    assert "Planned → Completed by employee" in unescape(section(html, "my-entries"))
    assert employee.post(f"/development/entries/{other_id}", data={"status": "completed"}).status_code == 404
    assert client_for(app, "hr").get("/development").status_code == 404  # no employee record


def test_statistics_show_counts_never_content(app, english):
    make_appraisal(app, state="signed", summary="Hemmelig innhold om helsen min.")
    make_appraisal(app, number="1003")
    html = client_for(app, "hr").get("/appraisals/statistics").get_data(as_text=True)
    assert "Hemmelig" not in html and "Ola Øverby" not in html
    table = section(html, "completion")
    assert "Hjemmetjenesten nord 2 2 1 1" in table  # employees, scheduled, held, signed
    assert "Åsen skole" in table
    leader_html = client_for(app, "leader").get("/appraisals/statistics").get_data(as_text=True)
    assert "Hjemmetjenesten nord" in section(leader_html, "completion")
    assert "Åsen skole" not in leader_html
    assert client_for(app, "employee").get("/appraisals/statistics").status_code == 403
    assert client_for(app, "representative").get("/appraisals/statistics").status_code == 403
    assert client_for(app, "hr").get("/appraisals/statistics?year=abc").status_code == 422


def test_the_start_page_lists_interviews_to_prepare_and_to_sign(app, english):
    scheduled = make_appraisal(app)
    held = make_appraisal(app, number="1003", state="held")
    html = client_for(app, "employee").get("/").get_data(as_text=True)
    assert f'href="/appraisals/{scheduled}#preparation"' in html
    html = client_for(app, "leader").get("/").get_data(as_text=True)
    assert f'href="/appraisals/{held}#signoffs"' in html
    assert "Åse Ærlig" in html


def test_an_objected_verified_level_is_marked_in_the_interview(app, english):
    """Where the employee has objected to a leader's assessment, both see that in the interview's table."""
    competence_id, _measure = competence_and_plan(app, english)
    appraisal_id = make_appraisal(app, state="scheduled")
    with app.app_context():
        employee = db.session.scalar(select(Employee).where(Employee.employee_number == "1002"))
        held = HeldCompetence(employee_id=employee.id, competence_id=competence_id, level=1,
                              source="leader_assessment", achieved_on=date(2025, 1, 1))
        db.session.add(held)
        db.session.commit()
    for username in ("employee", "leader"):
        assert "objected" not in client_for(app, username).get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
    with app.app_context():
        db.session.execute(update(HeldCompetence).values(objection="Jeg har kurset.", objected_level=1))
        db.session.commit()
    for username in ("employee", "leader"):
        page = client_for(app, username).get(f"/appraisals/{appraisal_id}").get_data(as_text=True)
        assert 'badge-objection">objected</span>' in page, username
