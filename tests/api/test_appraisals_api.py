"""The appraisal API, driven the way an employee and their leader use it through a year.

Every JSON answer is checked against the OpenAPI document (``call`` does it).
"""
from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from portal.appraisals.models import Appraisal, DevelopmentEntry
from portal.competence.models import HeldCompetence, HeldCompetenceChange
from portal.extensions import db
from portal.notify.models import OutgoingMail
from portal.org.models import User
from portal.plans.models import Measure, Plan
from tests.api.test_plans_api import _template
from tests.api.test_openapi import assert_fits
from tests.api.test_tokens import assert_error, bearer
from tests.competence.test_catalogue import make_catalogue

PREFIX = "/api/v1"
THIS_YEAR = date.today().year


@pytest.fixture
def document(client):
    return client.get(f"{PREFIX}/openapi.json").get_json()


@pytest.fixture
def call(client, api, document):
    """``call(method, path, username, json=None, headers=None)``; checks JSON answers against the document."""
    tokens = {}

    def do(method, path, username=None, json=None, headers=None):
        sent = dict(headers or {})
        if username:
            tokens.setdefault(username, api.token(username))
            sent.update(bearer(tokens[username]))
        response = getattr(client, method)(PREFIX + path, headers=sent, json=json)
        assert response.status_code != 500, response.get_data(as_text=True)
        if response.status_code != 204 and response.is_json:
            assert_fits(document, _template(document, path), method, response)
        return response

    return do


@pytest.fixture
def catalogue(app, people):
    return make_catalogue(app)


def set_email(app, username, email, locale=None):
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        user.email, user.locale = email, locale
        db.session.commit()


def active_measure(app, state="measures"):
    """A measure of a plan in ``state``; returns its id."""
    with app.app_context():
        plan = Plan(title=f"Plan {state}", state=state, version=1)
        measure = Measure(plan=plan, kind="course", strategy="develop", title="Sårstellkurs", status="in_progress")
        db.session.add_all([plan, measure])
        db.session.commit()
        return measure.id


def when(days=14, hour=10):
    day = date.today() + timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:00"


def schedule(call, people, **extra):
    body = {"employee_id": people["staff"]["1002"], "scheduled_for": when(), "location": "Møterom 2", **extra}
    response = call("post", "/appraisals", "leader", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def patch(call, appraisal, username, **fields):
    return call("patch", f"/appraisals/{appraisal['id']}", username, {"version": appraisal["version"], **fields})


def ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def fire(call, appraisal, name, username):
    return call("post", f"/appraisals/{appraisal['id']}/transitions/{name}", username, {"version": appraisal["version"]})


def sign(call, appraisal, capacity, username, decision="approve"):
    body = {"capacity": capacity, "decision": decision, "comment": "", "version": appraisal["version"]}
    return call("post", f"/appraisals/{appraisal['id']}/signoffs", username, body)


def earlier_entry(app, people, competence_id, status="in_progress"):
    """An entry from last year's signed appraisal, still open."""
    with app.app_context():
        last = Appraisal(
            employee_id=people["staff"]["1002"],
            scheduled_for=datetime(THIS_YEAR - 1, 3, 1, 9, tzinfo=timezone.utc),
            state="signed",
            version=5,
            signed_at=datetime(THIS_YEAR - 1, 3, 2, tzinfo=timezone.utc),
            preparation={},
        )
        db.session.add(last)
        db.session.flush()
        entry = DevelopmentEntry(
            employee_id=last.employee_id,
            appraisal_id=last.id,
            title="Ta HLR-kurs",
            competence_id=competence_id,
            target_level=2,
            status=status,
        )
        done = DevelopmentEntry(
            employee_id=last.employee_id,
            appraisal_id=last.id,
            title="Lese fagbok fra 2019",
            status="completed",
            completed_at=datetime(THIS_YEAR - 2, 5, 1, tzinfo=timezone.utc),
        )
        db.session.add_all([entry, done])
        db.session.commit()
        return entry.id, done.id


# --- the whole way, scheduled to signed ---------------------------------------------------


def test_an_appraisal_goes_from_scheduled_to_signed(app, call, people, catalogue):
    set_email(app, "employee", "ola@example.no", "nn")
    measure_id = active_measure(app)
    old_id, old_done_id = earlier_entry(app, people, catalogue["HLR"])

    # The leader schedules; the employee is invited in their own language.
    appraisal = schedule(call, people, duration_minutes=45)
    assert appraisal["state"] == "scheduled"
    assert appraisal["scheduled_for"].endswith(("+01:00", "+02:00"))
    assert appraisal["scheduled_for"].startswith(when())
    assert appraisal["allowed_transitions"] == ["hold", "cancel"]
    with app.app_context():
        mail = db.session.scalars(select(OutgoingMail)).one()
    assert mail.to_address == "ola@example.no"
    assert "medarbeidarsamtale" in (mail.subject + mail.body).lower()
    assert f"/appraisals/{appraisal['id']}" in mail.body

    # The employee sees last year's open entry (not the one closed long ago) and prepares.
    seen = ok(call("get", f"/appraisals/{appraisal['id']}", "employee"))
    assert [e["id"] for e in seen["previous_entries"]] == [old_id]
    assert old_done_id not in [e["id"] for e in seen["previous_entries"]]
    assert seen["allowed_transitions"] == []  # nothing written yet: prepare is blocked
    prepared = ok(
        patch(
            call,
            seen,
            "employee",
            preparation={
                "work_situation": "Travle kvelder, men godt team.",
                "wants_to_build": "Sårstell",
                "self_assessments": [{"competence_id": catalogue["SAAR"], "level": 2}],
            },
        )
    )
    assert prepared["preparation"]["work_situation"] == "Travle kvelder, men godt team."
    assert prepared["preparation"]["cooperation"] == ""
    assert prepared["version"] == seen["version"] + 1
    with app.app_context():
        held = db.session.scalars(select(HeldCompetence).where(HeldCompetence.source == "self_assessment")).one()
        assert (held.employee_id, held.competence_id, held.level) == (people["staff"]["1002"], catalogue["SAAR"], 2)
        assert db.session.scalar(select(func.count(HeldCompetenceChange.id))) == 1
    prepared = ok(fire(call, prepared, "prepare", "employee"))
    assert prepared["state"] == "prepared"

    # The leader holds the interview, writes the summary, follows up and agrees a new entry.
    held = ok(fire(call, prepared, "hold", "leader"))
    assert held["state"] == "held"
    assert held["required_signoffs"] == ["employee", "leader"]
    held = ok(patch(call, held, "leader", summary="Vi snakket om sårstell og arbeidsmengde."))
    followed = call(
        "patch",
        f"/development-entries/{old_id}",
        "leader",
        {"status": "completed", "note": "Kurset er tatt.", "version": held["version"]},
    )
    followed_entry = ok(followed)
    assert followed_entry["status"] == "completed" and followed_entry["completed_at"]
    assert followed_entry["history"][-1]["from_status"] == "in_progress"
    assert followed.headers["ETag"] == f'"{held["version"] + 1}"'
    held = ok(call("get", f"/appraisals/{held['id']}", "leader"))
    added = ok(
        call(
            "post",
            "/development-entries",
            "leader",
            {
                "appraisal_id": held["id"],
                "version": held["version"],
                "title": "Sårstell nivå 3",
                "competence_id": catalogue["SAAR"],
                "target_level": 3,
                "measure_id": measure_id,
                "due": f"{THIS_YEAR + 1}-06-30",
            },
        ),
        201,
    )
    assert (added["appraisal_id"], added["status"], added["measure_id"]) == (held["id"], "planned", measure_id)
    held = ok(call("get", f"/appraisals/{held['id']}", "employee"))
    assert [e["title"] for e in held["development_entries"]] == ["Sårstell nivå 3"]
    assert held["development_entries"][0]["competence_id"] == catalogue["SAAR"]
    assert [e["status"] for e in held["previous_entries"]] == ["completed"]  # closed since last signed

    # The employee comments (disagreeing a little), then both sign; the last approval signs it.
    held = ok(patch(call, held, "employee", employee_comment="Jeg er uenig i at arbeidsmengden er grei."))
    after_one = ok(sign(call, held, "employee", "employee"), 201)
    assert after_one["state"] == "held" and after_one["required_signoffs"] == ["leader"]
    signed = ok(sign(call, after_one, "leader", "leader"), 201)
    assert signed["state"] == "signed"
    assert signed["signed_at"] is not None
    assert signed["employee_comment"].startswith("Jeg er uenig")
    assert [h["transition"] for h in signed["history"]][-1] == "sign_off"

    # Read-only now, for both.
    assert_error(patch(call, signed, "leader", summary="Endret i etterkant"), 409)
    assert_error(patch(call, signed, "employee", employee_comment="Endret"), 409)
    assert_error(
        call("post", "/development-entries", "leader", {"appraisal_id": signed["id"], "title": "Mer"}), 409
    )
    with app.app_context():
        assert db.session.get(Appraisal, signed["id"]).summary == "Vi snakket om sårstell og arbeidsmengde."

    # The entry counts toward the plan measure, and the employee's plan lists both entries with history.
    plan = ok(call("get", f"/employees/{people['staff']['1002']}/development-entries", "employee"))
    by_title = {e["title"]: e for e in plan["items"]}
    assert by_title["Sårstell nivå 3"]["measure_id"] == measure_id
    assert [h["to_status"] for h in by_title["Ta HLR-kurs"]["history"]] == ["completed"]


def test_an_edit_after_one_approval_voids_it(app, call, people):
    appraisal = schedule(call, people)
    held = ok(fire(call, appraisal, "hold", "leader"))
    held = ok(patch(call, held, "leader", summary="Første utkast."))
    approved = ok(sign(call, held, "employee", "employee"), 201)
    assert approved["required_signoffs"] == ["leader"]
    changed = ok(patch(call, approved, "leader", summary="Andre utkast, med mer om kurs."))
    assert changed["required_signoffs"] == ["employee", "leader"]
    # The leader's approval alone does not sign the changed version.
    alone = ok(sign(call, changed, "leader", "leader"), 201)
    assert alone["state"] == "held"
    assert alone["required_signoffs"] == ["employee"]
    # An approval of the old version is refused as stale.
    assert_error(sign(call, approved, "employee", "employee"), 409)


def test_without_a_summary_both_approvals_do_not_sign(app, call, people):
    held = ok(fire(call, schedule(call, people), "hold", "leader"))
    held = ok(sign(call, held, "employee", "employee"), 201)
    held = ok(sign(call, held, "leader", "leader"), 201)
    assert held["state"] == "held"
    assert any("summary" in b for s in held["steps"] for b in s["blockers"])


# --- each part belongs to one person -----------------------------------------------------


def test_parts_belong_to_the_employee_or_the_leader(app, call, people):
    appraisal = schedule(call, people)
    assert_error(patch(call, appraisal, "leader", preparation={"other": "Leder skriver"}), 403)
    assert_error(patch(call, appraisal, "employee", scheduled_for=when(20)), 403)
    assert_error(patch(call, appraisal, "employee", location="Hjemme"), 403)
    held = ok(fire(call, appraisal, "hold", "leader"))
    assert_error(patch(call, held, "employee", summary="Min versjon"), 403)
    assert_error(patch(call, held, "leader", employee_comment="Leders kommentar"), 403)
    assert_error(fire(call, appraisal, "prepare", "leader"), 403)
    # Nothing was written by the refused requests.
    with app.app_context():
        row = db.session.get(Appraisal, appraisal["id"])
        assert (row.preparation, row.summary, row.employee_comment, row.location) == ({}, "", "", "Møterom 2")


def test_the_employee_cannot_schedule_or_hold_their_own(app, call, people):
    # The leader is also an employee: nobody holds their own appraisal interview.
    response = call(
        "post", "/appraisals", "leader", {"employee_id": people["staff"]["1001"], "scheduled_for": when()}
    )
    assert_error(response, 403)
    assert_error(call("post", "/appraisals", "employee", {"employee_id": people["staff"]["1002"], "scheduled_for": when()}), 403)


def test_a_leader_of_another_unit_cannot_schedule(call, people):
    response = call(
        "post", "/appraisals", "other_leader", {"employee_id": people["staff"]["1002"], "scheduled_for": when()}
    )
    error = response.get_json()["error"]
    assert_error(response, 422)
    assert "employee_id" in error["fields"]


def test_rescheduling_moves_the_time_and_tells_the_employee(app, call, people):
    set_email(app, "employee", "ola@example.no", "en")
    appraisal = schedule(call, people)
    moved = ok(patch(call, appraisal, "leader", scheduled_for="2030-01-15T09:30", location="Rom 1"))
    assert moved["scheduled_for"] == "2030-01-15T09:30:00+01:00"
    assert moved["location"] == "Rom 1"
    with app.app_context():
        subjects = db.session.scalars(select(OutgoingMail.subject).order_by(OutgoingMail.id)).all()
    assert subjects == ["Invitation to your appraisal interview", "Your appraisal interview has been moved"]
    # Summer time carries another offset; an explicit offset is kept as that instant.
    moved = ok(patch(call, moved, "leader", scheduled_for="2030-06-15T08:00:00Z"))
    assert moved["scheduled_for"] == "2030-06-15T10:00:00+02:00"


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"scheduled_for": "tomorrow"}, "scheduled_for"),
        ({"scheduled_for": "2026-13-01T10:00"}, "scheduled_for"),
        ({"scheduled_for": 12}, "scheduled_for"),
        ({"scheduled_for": None}, "scheduled_for"),
        ({"duration_minutes": 5000}, "duration_minutes"),
        ({"location": "x" * 201}, "location"),
        ({"location": "a\x00b"}, "location"),
        ({"employee_id": "abc"}, "employee_id"),
        ({"employee_id": 2**40}, "employee_id"),
        ({"employee_id": 999999}, "employee_id"),
        ({"summary": "not here"}, "summary"),
    ],
)
def test_bad_schedule_input_names_the_field(app, call, people, fields, named):
    body = {"employee_id": people["staff"]["1002"], "scheduled_for": when(), **fields}
    response = call("post", "/appraisals", "leader", body)
    assert_error(response, 422)
    assert named in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Appraisal.id))) == 0


@pytest.mark.parametrize(
    "preparation, named",
    [
        ({"work_situation": "x" * 5001}, "preparation.work_situation"),
        ({"mood": "glad"}, "preparation.mood"),
        ({"self_assessments": [{"competence_id": 999999, "level": 1}]}, "self_assessments.0.competence_id"),
        ({"self_assessments": "SAAR"}, "self_assessments"),
        ({"other": 5}, "preparation.other"),
    ],
)
def test_bad_preparation_names_the_field(app, call, people, catalogue, preparation, named):
    appraisal = schedule(call, people)
    response = patch(call, appraisal, "employee", preparation=preparation)
    assert_error(response, 422)
    assert named in response.get_json()["error"]["fields"]


def test_a_self_assessed_level_above_the_scale_is_refused(app, call, people, catalogue):
    appraisal = schedule(call, people)
    response = patch(
        call, appraisal, "employee",
        preparation={"other": "Hei", "self_assessments": [{"competence_id": catalogue["HLR"], "level": 4}]},
    )
    assert_error(response, 422)
    assert "self_assessments.0.level" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert db.session.get(Appraisal, appraisal["id"]).preparation == {}
        assert db.session.scalar(select(func.count(HeldCompetence.id))) == 0


def test_a_stale_version_is_refused(call, people):
    appraisal = schedule(call, people)
    ok(patch(call, appraisal, "employee", preparation={"other": "Første"}))
    assert_error(patch(call, appraisal, "employee", preparation={"other": "Andre"}), 409)
    response = call(
        "patch", f"/appraisals/{appraisal['id']}", "employee",
        {"preparation": {"other": "Tredje"}}, headers={"If-Match": '"1"'},
    )
    assert_error(response, 409)
    # Without a version the current one is used.
    current = ok(call("patch", f"/appraisals/{appraisal['id']}", "employee", {"preparation": {"other": "Fjerde"}}))
    assert current["preparation"]["other"] == "Fjerde"


def test_a_cancelled_appraisal_cannot_be_prepared(call, people):
    appraisal = schedule(call, people)
    cancelled = ok(fire(call, appraisal, "cancel", "leader"))
    assert cancelled["state"] == "cancelled"
    assert_error(patch(call, cancelled, "employee", preparation={"other": "Likevel"}), 409)
    assert_error(fire(call, cancelled, "nonsense", "leader"), 404)


# --- development entries ---------------------------------------------------------------


def test_entries_in_the_interview_are_checked(app, call, people, catalogue):
    closed_measure = active_measure(app, state="closed")
    held = ok(fire(call, schedule(call, people), "hold", "leader"))
    base = {"appraisal_id": held["id"], "title": "Kurs"}
    for extra, named in [
        ({"competence_id": catalogue["HLR"], "target_level": 4}, "target_level"),
        ({"target_level": 2}, "target_level"),
        ({"measure_id": closed_measure}, "measure_id"),
        ({"measure_id": 999999}, "measure_id"),
        ({"competence_id": 999999}, "competence_id"),
        ({"title": ""}, "title"),
        ({"due": "30.06.2027"}, "due"),
    ]:
        response = call("post", "/development-entries", "leader", {**base, **extra})
        assert_error(response, 422)
        assert named in response.get_json()["error"]["fields"], extra
    assert_error(call("post", "/development-entries", "employee", base), 403)
    # Before the interview is held no entries are agreed.
    scheduled = schedule(call, people, scheduled_for=when(30))
    assert_error(call("post", "/development-entries", "leader", {**base, "appraisal_id": scheduled["id"]}), 409)
    with app.app_context():
        assert db.session.scalar(select(func.count(DevelopmentEntry.id))) == 0


def test_dropping_an_entry_in_the_interview_needs_a_reason(app, call, people, catalogue):
    old_id, _ = earlier_entry(app, people, catalogue["HLR"])
    held = ok(fire(call, schedule(call, people), "hold", "leader"))
    response = call("patch", f"/development-entries/{old_id}", "leader", {"status": "cancelled", "version": held["version"]})
    assert_error(response, 422)
    assert "note" in response.get_json()["error"]["fields"]
    dropped = ok(
        call("patch", f"/development-entries/{old_id}", "leader",
             {"status": "cancelled", "note": "Ikke lenger aktuelt i ny stilling.", "version": held["version"]})
    )
    assert dropped["status"] == "cancelled" and dropped["status_note"].startswith("Ikke lenger")
    # The employee cannot follow up in the interview; the leader's follow-up bumped the version.
    assert_error(
        call("patch", f"/development-entries/{old_id}", "employee", {"status": "in_progress", "version": held["version"] + 1}),
        403,
    )
    assert_error(
        call("patch", f"/development-entries/{old_id}", "leader", {"status": "in_progress", "version": held["version"]}),
        409,
    )


def test_entries_outside_an_interview(app, call, people, catalogue):
    own = ok(
        call("post", "/development-entries", "employee",
             {"employee_id": people["staff"]["1002"], "title": "Lese om velferdsteknologi",
              "competence_id": catalogue["EXCEL"], "target_level": 2}),
        201,
    )
    assert own["status"] == "planned" and own["appraisal_id"] is None
    by_leader = ok(
        call("post", "/development-entries", "leader", {"employee_id": people["staff"]["1002"], "title": "Hospitering"}),
        201,
    )
    started = ok(call("patch", f"/development-entries/{own['id']}", "employee", {"status": "in_progress"}))
    assert started["status"] == "in_progress"
    done = ok(call("patch", f"/development-entries/{own['id']}", "leader", {"status": "completed", "note": "Fint"}))
    assert done["completed_at"] is not None
    assert [h["to_status"] for h in done["history"]] == ["planned", "in_progress", "completed"]
    reopened = ok(call("patch", f"/development-entries/{own['id']}", "employee", {"status": "in_progress"}))
    assert reopened["completed_at"] is None
    renamed = ok(call("patch", f"/development-entries/{by_leader['id']}", "employee", {"title": "Hospitering på legevakten"}))
    assert renamed["title"] == "Hospitering på legevakten"
    assert_error(call("patch", f"/development-entries/{own['id']}", "employee", {"status": "cancelled"}), 422)
    assert_error(call("patch", f"/development-entries/{own['id']}", "employee", {"status": "gone"}), 422)
    assert_error(call("patch", f"/development-entries/{own['id']}", "employee", {"employee_id": people["staff"]["1003"]}), 422)
    # Nobody adds entries to a colleague's plan, or to someone they do not lead.
    for username, employee in [("employee", "1003"), ("other_leader", "1002"), ("leader", "2002")]:
        response = call("post", "/development-entries", username, {"employee_id": people["staff"][employee], "title": "X"})
        assert_error(response, 422)
        assert "employee_id" in response.get_json()["error"]["fields"]
    assert_error(call("post", "/development-entries", "employee", {"title": "Uten person"}), 422)


def test_terms_agreed_in_an_interview_only_change_status_outside_it(app, call, people, catalogue):
    old_id, _ = earlier_entry(app, people, catalogue["HLR"])
    response = call("patch", f"/development-entries/{old_id}", "employee", {"title": "Noe annet"})
    assert_error(response, 422)
    assert "title" in response.get_json()["error"]["fields"]
    assert ok(call("patch", f"/development-entries/{old_id}", "employee", {"status": "completed"}))["status"] == "completed"


# --- the invitation -------------------------------------------------------------------------


def test_the_invitation_is_a_calendar_event_without_content(app, call, api, people):
    set_email(app, "employee", None, "en")
    appraisal = schedule(call, people, scheduled_for="2030-03-14T10:00", duration_minutes=90)
    ok(patch(call, appraisal, "employee", preparation={"work_situation": "HEMMELIG FORBEREDELSE"}))
    response = api.get(f"{PREFIX}/appraisals/{appraisal['id']}/invite.ics", "employee")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert b"HEMMELIG" not in response.data
    calendar = Calendar.from_ical(response.data)
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["uid"]).startswith(f"appraisal-{appraisal['id']}@")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start.isoformat() == "2030-03-14T10:00:00+01:00"
    assert end - start == timedelta(minutes=90)
    assert str(event["location"]) == "Møterom 2"
    assert str(event["summary"]) == "Appraisal interview: Ola Øverby"
    assert calendar.walk("VTIMEZONE")
    # The leader gets the same event (same UID): one calendar entry, however many downloads.
    again = Calendar.from_ical(api.get(f"{PREFIX}/appraisals/{appraisal['id']}/invite.ics", "leader").data)
    assert str(next(iter(again.walk("VEVENT")))["uid"]) == str(event["uid"])


# --- lists and statistics ---------------------------------------------------------------------


def test_lists_show_only_what_the_caller_may_see(app, call, people):
    mine = schedule(call, people)
    with app.app_context():
        other = Appraisal(employee_id=people["staff"]["2002"], scheduled_for=datetime(THIS_YEAR, 5, 1, 8, tzinfo=timezone.utc),
                          state="scheduled", version=1, preparation={})
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    assert [a["id"] for a in ok(call("get", "/appraisals", "leader"))["items"]] == [mine["id"]]
    assert [a["id"] for a in ok(call("get", "/appraisals", "employee"))["items"]] == [mine["id"]]
    assert [a["id"] for a in ok(call("get", "/appraisals", "other_leader"))["items"]] == [other_id]
    assert ok(call("get", f"/appraisals?employee_id={people['staff']['1002']}", "other_leader"))["total"] == 0
    for username in ("hr", "colleague", "representative", "politician", "admin"):
        assert ok(call("get", "/appraisals", username))["items"] == []
    assert ok(call("get", "/appraisals?state=held", "leader"))["total"] == 0
    assert ok(call("get", f"/appraisals?year={THIS_YEAR + 5}", "leader"))["total"] == 0
    assert_error(call("get", "/appraisals?state=bogus", "leader"), 422)
    assert_error(call("get", "/appraisals?year=abc", "leader"), 422)


def test_hr_statistics_are_counts_only(app, call, people, catalogue):
    old_id, _ = earlier_entry(app, people, catalogue["HLR"])
    held = ok(fire(call, schedule(call, people, scheduled_for=f"{THIS_YEAR}-06-01T10:00"), "hold", "leader"))
    ok(patch(call, held, "leader", summary="TAUSHETSBELAGT REFERAT"))
    ok(call("patch", f"/development-entries/{old_id}", "leader", {"status": "completed", "version": held["version"] + 1}))
    response = call("get", f"/appraisals/statistics?year={THIS_YEAR}", "hr")
    body = ok(response)
    assert "TAUSHETSBELAGT" not in response.get_data(as_text=True)
    assert "Ola" not in response.get_data(as_text=True)
    by_code = {u["unit_code"]: u for u in body["items"]}
    north = by_code["HO-HJEM-NORD"]
    assert (north["employees"], north["scheduled"], north["held"], north["signed"], north["entries_completed"]) == (
        2, 1, 1, 0, 1
    )
    assert set(north) == {
        "unit_id", "unit_code", "unit_name", "parent_id", "employees", "scheduled", "held", "signed", "entries_completed"
    }
    assert (by_code["HO"]["employees"], by_code["HO"]["held"]) == (3, 1)  # rolled up the tree
    assert by_code["SK"]["scheduled"] == 0
    for username in ("leader", "employee", "representative", "politician"):
        assert_error(call("get", "/appraisals/statistics", username), 403)


def _many_appraisals(app, people, count):
    with app.app_context():
        employee_id = people["staff"]["1002"]
        db.session.execute(
            Appraisal.__table__.insert(),
            [
                {
                    "employee_id": employee_id,
                    "scheduled_for": datetime(2000 + i % 90, 1, 1, tzinfo=timezone.utc) + timedelta(hours=i),
                    "duration_minutes": 60,
                    "location": "",
                    "preparation": {},
                    "summary": "",
                    "employee_comment": "",
                    "state": "scheduled",
                    "version": 1,
                }
                for i in range(count)
            ],
        )
        db.session.execute(
            DevelopmentEntry.__table__.insert(),
            [{"employee_id": employee_id, "title": f"Mål {i}", "status": "planned", "status_note": ""} for i in range(count)],
        )
        db.session.commit()


@pytest.mark.parametrize("path", ["/appraisals?per_page=200", "/employees/{employee}/development-entries?per_page=200"])
def test_lists_cost_the_same_queries_at_10_and_1000_rows(app, client, api, people, count_queries, path):
    token = api.token("leader")
    url = PREFIX + path.format(employee=people["staff"]["1002"])
    counts = []
    for size in (10, 990):
        _many_appraisals(app, people, size)
        with count_queries() as seen:
            response = client.get(url, headers=bearer(token))
        assert response.status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_the_document_describes_every_appraisal_endpoint(document):
    for path in (
        "/appraisals", "/appraisals/{appraisal_id}", "/appraisals/{appraisal_id}/signoffs",
        "/appraisals/{appraisal_id}/transitions/{name}", "/appraisals/{appraisal_id}/invite.ics",
        "/appraisals/statistics", "/employees/{employee_id}/development-entries", "/development-entries",
        "/development-entries/{entry_id}",
    ):
        assert path in document["paths"], path
