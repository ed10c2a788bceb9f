"""The accessibility statement, the privacy page and "my data": public where the law says so, own data only."""
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.appraisals.models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent
from portal.competence.models import Competence, CompetenceArea, HeldCompetence, HeldCompetenceChange
from portal.extensions import db
from portal.learning.models import LearningActivity, LearningParticipant
from portal.org.models import User
from tests.conftest import make_test_app
from tests.reports.pdfcheck import first_page_png, metadata, page_count, pdf_text


# --- the public pages ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/tilgjengelighet", "/personvern"])
def test_info_pages_are_public_and_linked_from_the_login_page(client, path):
    page = client.get(path)
    assert page.status_code == 200
    login_page = client.get("/login").get_data(as_text=True)
    assert f'href="{path}"' in login_page
    assert login_page.count(f'href="{path}"') == 2  # beside the form and in the footer


def test_footer_links_on_every_page_and_my_data_only_when_logged_in(client, people, login):
    anonymous = client.get("/personvern").get_data(as_text=True)
    assert 'href="/tilgjengelighet"' in anonymous and 'href="/me/data"' not in anonymous
    login("employee")
    for path in ["/", "/plans", "/appraisals"]:
        body = client.get(path).get_data(as_text=True)
        assert 'href="/tilgjengelighet"' in body and 'href="/personvern"' in body and 'href="/me/data"' in body, path


def test_accessibility_statement_names_the_law_the_gaps_and_where_to_complain(client):
    body = client.get("/tilgjengelighet").get_data(as_text=True)
    for expected in [
        "Tilgjengelighetserklæring",
        "WCAG 2.1",
        "likestillings- og diskrimineringsloven",
        "PDF/UA",
        "axe-core",
        "tastatur",
        'href="mailto:postmottak@eksempel.kommune.no"',
        'href="https://www.uutilsynet.no/"',
        '<time datetime="2026-11-25">25. november 2026</time>',
        "Eksempel kommune",
    ]:
        assert expected in body, expected


def test_contact_addresses_and_retention_come_from_the_configuration(database_url):
    app = make_test_app(
        database_url,
        WTF_CSRF_ENABLED=False,
        PORTAL_CONTACT_EMAIL="uu@fjordvik.kommune.no",
        PORTAL_PRIVACY_EMAIL="pvo@fjordvik.kommune.no",
        PORTAL_RETENTION_YEARS=5,
        PORTAL_MUNICIPALITY="Fjordvik kommune",
    )
    client = app.test_client()
    statement = client.get("/tilgjengelighet").get_data(as_text=True)
    assert "mailto:uu@fjordvik.kommune.no" in statement and "postmottak@" not in statement
    privacy = client.get("/personvern").get_data(as_text=True)
    assert "mailto:pvo@fjordvik.kommune.no" in privacy
    assert "slettes 5 år etter at du har sluttet" in privacy
    assert "Fjordvik kommune er ansvarlig" in privacy


def test_privacy_page_says_what_who_why_how_long_and_the_rights(client):
    body = client.get("/personvern").get_data(as_text=True)
    for expected in [
        "arbeidsmiljøloven",
        "artikkel 6 nr. 1 bokstav c",
        "aldri hva som ble sagt",  # hr never sees appraisal content
        "færre enn 5",  # small groups hidden
        "slettes 3 år etter at du har sluttet",  # the default retention
        "personvernombud@eksempel.kommune.no",
        "Datatilsynet",
    ]:
        assert expected in body, expected


@pytest.mark.parametrize(
    "locale,expected",
    [("nn", ["Tilgjengelegheitserklæring", "Kva som ikkje fungerer godt enno"]),
     ("en", ["Accessibility statement", "What does not work well yet"])],
)
def test_the_statement_in_nynorsk_and_english(client, locale, expected):
    client.post("/language", data={"locale": locale, "next": "/"})
    body = client.get("/tilgjengelighet").get_data(as_text=True)
    for text in expected:
        assert text in body, text


def test_privacy_in_nynorsk(client):
    client.post("/language", data={"locale": "nn", "next": "/"})
    body = client.get("/personvern").get_data(as_text=True)
    assert "Personvern i kompetanseportalen" in body and "blir sletta 3 år etter" in body


# --- my data ------------------------------------------------------------------------


def _records_for(app, people, number, summary, course):
    """Competences, an appraisal, an entry with history and a learning activity for staff ``number``."""
    with app.app_context():
        employee_id = people["staff"][number]
        user = db.session.scalars(select(User).where(User.employee_id == employee_id)).first()
        area = db.session.scalar(select(CompetenceArea).where(CompetenceArea.code == "HELSE"))
        if area is None:
            area = CompetenceArea(code="HELSE", name="Helsefag")
            db.session.add(area)
            db.session.flush()
            db.session.add_all(
                [
                    Competence(code="SAAR", name="Sårbehandling", area_id=area.id, kind="skill", max_level=3),
                    Competence(code="HLR", name="Hjerte-lunge-redning", area_id=area.id, kind="certification",
                               max_level=1, validity_months=12),
                ]
            )
            db.session.flush()
        saar = db.session.scalar(select(Competence).where(Competence.code == "SAAR"))
        hlr = db.session.scalar(select(Competence).where(Competence.code == "HLR"))
        db.session.add_all(
            [
                HeldCompetence(employee_id=employee_id, competence_id=hlr.id, level=1, source="learning_activity",
                               achieved_on=date(2024, 1, 10), valid_until=date(2025, 1, 10),
                               recorded_by_id=user.id if user else None),
                HeldCompetenceChange(employee_id=employee_id, competence_id=hlr.id, source="learning_activity",
                                     action="created", new_level=1, new_valid_until=date(2025, 1, 10),
                                     note="Kursbevis levert"),
            ]
        )
        appraisal = Appraisal(
            employee_id=employee_id, scheduled_for=datetime(2026, 3, 2, 9, tzinfo=timezone.utc),
            location="Møterom Fjellet", preparation={"went_well": "Samarbeidet i teamet"}, summary=summary,
            employee_comment="Enig i referatet", state="signed", version=5,
        )
        entry = DevelopmentEntry(employee_id=employee_id, title=f"Videreutdanning {number}", status="completed",
                                 competence_id=saar.id, target_level=3, due=date(2027, 6, 1))
        activity = LearningActivity(title=course, kind="fagdag", date=date(2026, 4, 1), hours=Decimal("6"),
                                    competence_id=saar.id, level_achieved=2)
        db.session.add_all([appraisal, entry, activity])
        db.session.flush()
        entry.appraisal_id = appraisal.id
        db.session.add(DevelopmentEntryEvent(entry_id=entry.id, from_status="planned", to_status="completed",
                                             username="leader", note="Fullført med glans"))
        db.session.add(LearningParticipant(activity_id=activity.id, employee_id=employee_id))
        db.session.commit()


@pytest.fixture
def records(app, people):
    _records_for(app, people, "1002", "Ola vil ta videreutdanning i sårbehandling.", "Fagdag sårstell")
    _records_for(app, people, "1003", "Åse sitt eget referat.", "Fagdag for Åse")


def test_my_data_page_links_both_downloads(client, people, login):
    login("employee")
    body = client.get("/me/data").get_data(as_text=True)
    assert 'href="/me/data.pdf"' in body and 'href="/me/data.json"' in body


@pytest.mark.parametrize("path", ["/me/data", "/me/data.pdf", "/me/data.json"])
def test_my_data_needs_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_pdf_holds_everything_about_me_and_nothing_about_a_colleague(client, people, login, records, tmp_path):
    login("employee")
    response = client.get("/me/data.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="mine-data-1002.pdf"'
    text = " ".join(pdf_text(response.data, tmp_path, layout=False).split())  # wrapped cells join up
    for expected in [
        "Mine data",
        "Ola Øverby",
        "1002",
        "17.05.1975",  # date of birth
        "Hjemmetjenesten nord (HO-HJEM-NORD)",
        "Sykepleier",
        "Hjerte-lunge-redning",
        "Læringsaktivitet",  # the source, in bokmål
        "10.01.2025 (utløpt)",  # expiry, and that it has expired
        "Kursbevis levert",  # competence history
        "Videreutdanning 1002",
        "Sårbehandling",  # an entry's competence, not held: fetched by name
        "Fullført med glans",
        "Ola vil ta videreutdanning i sårbehandling.",
        "Samarbeidet i teamet",
        "Enig i referatet",
        "Møterom Fjellet",
        "Fagdag sårstell",
        "Fortrolig",
        "Side 1 av",
    ]:
        assert expected in text, expected
    for foreign in ["Åse", "Videreutdanning 1003", "Fagdag for Åse"]:
        assert foreign not in text, foreign
    assert page_count(response.data, tmp_path) >= 3
    info = metadata(response.data, tmp_path)
    assert info["Title"] == "Mine data" and "Eksempel kommune" in info["Author"]
    first_page_png(response.data, tmp_path, "my-data", keep_as="my-data.png")


def test_the_pdf_has_bookmarks_for_every_section_and_a_language(client, people, login, records):
    login("employee")
    raw = client.get("/me/data.pdf").data.decode("latin-1")
    assert "/Outlines" in raw and "/Lang (nb-NO)" in raw
    assert raw.count("/Title") >= 9  # the document title and one outline entry per section and interview


def test_the_pdf_in_nynorsk(client, people, login, records, tmp_path):
    login("employee")
    client.post("/language", data={"locale": "nn", "next": "/"})
    text = pdf_text(client.get("/me/data.pdf").data, tmp_path, layout=False)
    assert "Personopplysningar" in text and "Medarbeidarsamtalar" in text and "Fortruleg" in text


def test_a_user_without_employee_record_gets_a_short_pdf(client, people, login, tmp_path):
    login("politician")
    response = client.get("/me/data.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="mine-data-politician.pdf"'
    text = pdf_text(response.data, tmp_path, layout=False)
    assert "politician" in text and "Folkevalgt" in text
    assert "Du har en brukerkonto, men ingen ansattopplysninger i portalen." in " ".join(text.split())


def test_the_json_download_is_the_api_export(client, api, people, login, records):
    expected = api.get("/api/v1/me/export", "employee").get_json()
    login("employee")
    response = client.get("/me/data.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == 'attachment; filename="mine-data-1002.json"'
    body = json.loads(response.get_data(as_text=True))
    body["api_tokens"] = expected["api_tokens"] = []  # the API call itself made a token
    assert body == expected


def test_api_pdf_is_the_callers_own_and_documented(client, api, people, records, tmp_path):
    response = api.get("/api/v1/me/export.pdf", "colleague")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data, tmp_path, layout=False)
    assert "Åse Ærlig" in text and "Fagdag for Åse" in text and "Ola" not in text
    assert api.get("/api/v1/me/export.pdf").status_code == 401
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/me/export.pdf"]["get"]
    assert "application/pdf" in operation["responses"]["200"]["content"]


def test_the_pdf_takes_the_same_number_of_queries_for_few_and_many_rows(app, client, people, login, count_queries):
    login("employee")

    def add(count):
        with app.app_context():
            employee_id = people["staff"]["1002"]
            area = db.session.scalar(select(CompetenceArea)) or CompetenceArea(code="A", name="Område")
            db.session.add(area)
            db.session.flush()
            start = db.session.scalar(select(db.func.count(Competence.id)))
            for i in range(start, start + count):
                competence = Competence(code=f"C{i}", name=f"Kompetanse {i}", area_id=area.id, kind="skill")
                db.session.add(competence)
                db.session.flush()
                db.session.add(HeldCompetence(employee_id=employee_id, competence_id=competence.id, level=1,
                                              source="self_assessment", achieved_on=date(2025, 1, 1)))
                entry = DevelopmentEntry(employee_id=employee_id, title=f"Mål {i}", status="planned",
                                         competence_id=competence.id)
                activity = LearningActivity(title=f"Kurs {i}", kind="course", date=date(2025, 2, 1),
                                            hours=Decimal("2"), competence_id=competence.id)
                db.session.add_all([entry, activity])
                db.session.flush()
                db.session.add(LearningParticipant(activity_id=activity.id, employee_id=employee_id))
                db.session.add(Appraisal(employee_id=employee_id, scheduled_for=datetime(2025, 3, 1, 9, tzinfo=timezone.utc),
                                         state="scheduled", version=1, preparation={}))
            db.session.commit()

    add(2)
    with count_queries() as few:
        assert client.get("/me/data.pdf").status_code == 200
    add(40)
    with count_queries() as many:
        assert client.get("/me/data.pdf").status_code == 200
    assert len(few) == len(many)


def test_each_download_of_my_data_is_in_the_audit_log(app, client, people, login):
    from portal.audit.models import AuditEntry

    login("employee")
    assert client.get("/me/data.pdf").status_code == 200
    assert client.get("/me/data.json").status_code == 200
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        downloads = [(e.action, e.actor) for e in entries if e.action.startswith("export.")]
    assert downloads == [("export.download", "employee"), ("export.personal_data", "employee")]


def test_my_own_profile_links_to_my_data_and_a_colleagues_does_not(client, people, login):
    login("leader")  # Kari Nordmann, 1001, leads HO-HJEM and may open her staff's profiles
    own = client.get(f"/employees/{people['staff']['1001']}").get_data(as_text=True)
    other = client.get(f"/employees/{people['staff']['1002']}").get_data(as_text=True)
    assert 'href="/me/data"' in own
    assert 'href="/me/data"' not in other.split("<main")[1].split("</main>")[0]
