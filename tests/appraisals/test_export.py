"""The employee's own export carries their interviews, development entries and learning record, and nobody else's."""
from datetime import date, datetime, timezone
from decimal import Decimal

from portal.appraisals.models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent
from portal.extensions import db
from portal.learning.models import LearningActivity, LearningParticipant
from tests.api.test_openapi import check


def _records_for(app, people, number, summary):
    with app.app_context():
        employee_id = people["staff"][number]
        appraisal = Appraisal(
            employee_id=employee_id, scheduled_for=datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
            preparation={"went_well": "Samarbeidet i teamet"}, summary=summary, state="signed", version=5,
        )
        entry = DevelopmentEntry(employee_id=employee_id, title=f"Kurs for {number}", status="completed")
        activity = LearningActivity(title="Fagdag sårstell", kind="fagdag", date=date(2026, 4, 1), hours=Decimal("6"))
        db.session.add_all([appraisal, entry, activity])
        db.session.flush()
        entry.appraisal_id = appraisal.id
        db.session.add(DevelopmentEntryEvent(entry_id=entry.id, from_status="planned", to_status="completed",
                                             username="leader"))
        db.session.add(LearningParticipant(activity_id=activity.id, employee_id=employee_id))
        db.session.commit()


def test_export_holds_own_appraisals_entries_and_learning(app, api, people, client):
    _records_for(app, people, "1002", "Ola vil ta videreutdanning.")
    _records_for(app, people, "1003", "Åse sitt referat.")
    response = api.get("/api/v1/me/export", "employee")
    assert response.status_code == 200
    body = response.get_json()
    assert [a["summary"] for a in body["appraisals"]] == ["Ola vil ta videreutdanning."]
    assert body["appraisals"][0]["preparation"] == {"went_well": "Samarbeidet i teamet"}
    assert [e["title"] for e in body["development_entries"]] == ["Kurs for 1002"]
    assert body["development_entries"][0]["history"][0]["to_status"] == "completed"
    assert [a["title"] for a in body["learning_activities"]] == ["Fagdag sårstell"]
    document = client.get("/api/v1/openapi.json").get_json()
    assert check(document, {"$ref": "#/components/schemas/Export"}, body) == []


def test_export_of_a_user_without_employee_record_is_empty(api, people):
    body = api.get("/api/v1/me/export", "admin").get_json()
    assert body["appraisals"] == [] and body["development_entries"] == [] and body["learning_activities"] == []
