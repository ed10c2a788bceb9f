"""The competence profile on /employees/<id>: who sees and assesses, evidence, self-assessment, history.

Pages render in bokmål (the test installation's default), so visible texts are
checked in bokmål, as the people using the portal read them.
"""
import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.competence.models import (
    Competence,
    CompetenceArea,
    EvidenceFile,
    HeldCompetence,
    HeldCompetenceChange,
    Requirement,
)
from portal.competence.catalogue import add_months
from portal.extensions import db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def catalogue(app, people):
    """Wound care (levels 1-3, never expires) and CPR (level 1-2, valid 12 months)."""
    with app.app_context():
        area = CompetenceArea(code="HELSE", name="Helse")
        db.session.add(area)
        wound = Competence(code="SAR", name="Sårstell", area=area, kind="skill", max_level=3)
        cpr = Competence(
            code="HLR", name="Hjerte-lunge-redning", area=area, kind="certification", max_level=2, validity_months=12
        )
        db.session.add_all([wound, cpr])
        db.session.commit()
        return {"SAR": wound.id, "HLR": cpr.id}


def staff(people, number):
    return people["staff"][number]


def assess_url(people, number, kind="assess"):
    return f"/employees/{staff(people, number)}/competences/{kind}"


def held(app, employee_id, source=None):
    with app.app_context():
        stmt = select(HeldCompetence).where(HeldCompetence.employee_id == employee_id)
        if source:
            stmt = stmt.where(HeldCompetence.source == source)
        rows = db.session.scalars(stmt.order_by(HeldCompetence.id)).all()
        db.session.expunge_all()
        return rows


def changes(app, employee_id):
    with app.app_context():
        rows = db.session.scalars(
            select(HeldCompetenceChange)
            .where(HeldCompetenceChange.employee_id == employee_id)
            .order_by(HeldCompetenceChange.id)
        ).all()
        db.session.expunge_all()
        return rows


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def assessment(catalogue, **overrides):
    data = {
        "competence_id": catalogue["SAR"],
        "level": "2",
        "achieved_on": "2025-03-31",
        "valid_until": "",
        "evidence_note": "Observert i praksis over tre måneder",
        "evidence_url": "",
    }
    data.update(overrides)
    return data


def text(response):
    return response.get_data(as_text=True)


# --- who may see and assess ----------------------------------------------------------


@pytest.mark.parametrize(
    "username,number,status",
    [
        ("leader", "1002", 200),
        ("hr", "2002", 200),
        ("other_leader", "1002", 404),  # leader of another unit: the person is not even shown
        ("leader", "2002", 404),
        ("employee", "1003", 403),  # an employee cannot assess a colleague
        ("employee", "1002", 403),  # ... nor themselves (that is a self-assessment)
        ("leader", "1001", 403),  # a leader does not verify their own competence
        ("politician", "1002", 403),
        ("representative", "1002", 403),
        ("admin", "1002", 403),
    ],
)
def test_who_may_open_the_assessment_forms(client, people, catalogue, login, username, number, status):
    login(username)
    assert client.get(assess_url(people, number)).status_code == status
    assert client.get(assess_url(people, number, "prior-learning")).status_code == status


@pytest.mark.parametrize("username,status", [("other_leader", 404), ("employee", 403), ("colleague", 403)])
def test_outsiders_cannot_record_an_assessment(app, client, people, catalogue, login, username, status):
    login(username)
    response = client.post(assess_url(people, "1002"), data=assessment(catalogue))
    assert response.status_code == status
    assert count(app, HeldCompetence) == 0 and count(app, HeldCompetenceChange) == 0


@pytest.mark.parametrize(
    "username,number,status",
    [("employee", "1002", 200), ("employee", "1003", 404), ("leader", "1002", 403), ("hr", "1002", 403)],
)
def test_only_the_person_adds_a_self_assessment(client, people, catalogue, login, username, number, status):
    login(username)
    url = assess_url(people, number, "self-assessment")
    assert client.get(url).status_code == status
    response = client.post(url, data={"competence_id": catalogue["SAR"], "level": "1"})
    assert response.status_code in ((302,) if status == 200 else (status,))


def test_profile_forms_are_offered_to_the_right_people(client, people, catalogue, login):
    login("leader")
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "Registrer en vurdering" in page and "Vurder realkompetanse" in page
    assert "Legg til en egenvurdering" not in page
    client.post("/logout")
    login("employee")
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "Legg til en egenvurdering" in page
    assert "Registrer en vurdering" not in page


# --- recording an assessment -----------------------------------------------------------


def test_leader_records_an_assessment_with_history(app, client, people, catalogue, login):
    login("leader")
    response = client.post(assess_url(people, "1002"), data=assessment(catalogue))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/employees/{staff(people, '1002')}#competences")

    [row] = held(app, staff(people, "1002"))
    assert (row.source, row.level, row.achieved_on, row.valid_until) == ("leader_assessment", 2, date(2025, 3, 31), None)
    assert row.evidence_note == "Observert i praksis over tre måneder"
    [change] = changes(app, staff(people, "1002"))
    assert (change.action, change.old_level, change.new_level, change.source) == ("created", None, 2, "leader_assessment")

    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "Sårstell" in page and "2 av 3" in page and "Lederens vurdering" in page
    assert "Observert i praksis over tre måneder" in page


def test_reassessment_updates_the_row_and_keeps_the_old_value(app, client, people, catalogue, login):
    login("leader")
    client.post(assess_url(people, "1002"), data=assessment(catalogue, competence_id=catalogue["HLR"], level="1", achieved_on="2024-08-31"))
    client.post(
        assess_url(people, "1002"),
        data=assessment(catalogue, competence_id=catalogue["HLR"], level="2", achieved_on="2025-02-01", evidence_note="Bestått ny prøve"),
    )
    [row] = held(app, staff(people, "1002"))
    assert (row.level, row.valid_until) == (2, date(2026, 2, 1))
    first, second = changes(app, staff(people, "1002"))
    assert (first.old_level, first.new_level, first.new_valid_until) == (None, 1, date(2025, 8, 31))
    assert (second.action, second.old_level, second.new_level) == ("changed", 1, 2)
    assert (second.old_valid_until, second.new_valid_until) == (date(2025, 8, 31), date(2026, 2, 1))
    assert second.note == "Bestått ny prøve"

    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    history = page[page.index('id="history"') :]
    # newest first: the change to level 2 comes before the first recording
    assert history.index("Bestått ny prøve") < history.index("Observert i praksis")
    assert re.search(r"1\s*→\s*2", history) and re.search(r"–\s*→\s*1", history)
    assert "Kari Nordmann" in history  # who made the change


def test_valid_until_follows_the_competence_and_can_be_given(app, client, people, catalogue, login):
    login("leader")
    client.post(assess_url(people, "1002"), data=assessment(catalogue, competence_id=catalogue["HLR"], level="1", achieved_on="2024-02-29"))
    assert held(app, staff(people, "1002"))[0].valid_until == date(2025, 2, 28)
    client.post(
        assess_url(people, "1003"),
        data=assessment(catalogue, competence_id=catalogue["HLR"], level="1", achieved_on="2025-01-10", valid_until="2025-06-30"),
    )
    assert held(app, staff(people, "1003"))[0].valid_until == date(2025, 6, 30)


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)
    assert add_months(date(2025, 12, 31), 12) == date(2026, 12, 31)


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"level": "4"}, "level", "mellom 1 og 3"),
        ({"level": "0"}, "level", "mellom 1 og 3"),
        ({"level": "to"}, "level", "helt tall"),
        ({"level": ""}, "level", "Oppgi et nivå"),
        ({"competence_id": ""}, "competence_id", "Velg en kompetanse"),
        ({"competence_id": "999999"}, "competence_id", "Velg en kompetanse"),
        ({"evidence_url": "javascript:alert(1)"}, "evidence_url", "http://"),
        ({"evidence_url": "ftp://example.org/bevis.pdf"}, "evidence_url", "http://"),
        ({"evidence_url": "https://"}, "evidence_url", "http://"),
        ({"evidence_url": "https://example.org/" + "a" * 500}, "evidence_url", "500"),
        ({"achieved_on": "31.03.2025"}, "achieved_on", "ÅÅÅÅ-MM-DD"),
        ({"achieved_on": (date.today() + timedelta(days=1)).isoformat()}, "achieved_on", "fram i tid"),
        ({"valid_until": "2025-01-01"}, "valid_until", "før"),
        ({"evidence_note": ""}, "evidence_note", "hva vurderingen bygger på"),
    ],
)
def test_bad_assessment_is_refused_naming_the_field(app, client, people, catalogue, login, overrides, field, message):
    login("leader")
    response = client.post(assess_url(people, "1002"), data=assessment(catalogue, **overrides))
    assert response.status_code == 422
    page = text(response)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error, f"no error shown at {field}"
    assert message in error.group(1).replace("&#39;", "'")
    assert f'href="#{field}"' in page  # the summary links to the field
    assert count(app, HeldCompetence) == 0 and count(app, HeldCompetenceChange) == 0


def test_a_good_link_is_kept_and_shown(app, client, people, catalogue, login):
    login("leader")
    url = "https://kurs.example.no/bevis?id=42&x=1"
    client.post(assess_url(people, "1002"), data=assessment(catalogue, evidence_url=url))
    assert held(app, staff(people, "1002"))[0].evidence_url == url
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert 'href="https://kurs.example.no/bevis?id=42&amp;x=1"' in page


# --- prior learning and evidence files ------------------------------------------------------


def upload(data, filename):
    return (BytesIO(data), filename)


def test_prior_learning_with_a_certificate(app, client, people, catalogue, login):
    login("leader")
    response = client.post(
        assess_url(people, "1002", "prior-learning"),
        data=assessment(catalogue, evidence_note="", evidence_file=upload(PDF, "Kursbevis sårstell.pdf")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [row] = held(app, staff(people, "1002"))
    assert row.source == "prior_learning"
    with app.app_context():
        stored = db.session.scalars(select(EvidenceFile)).one()
        assert (stored.filename, stored.content_type, stored.size, stored.data) == (
            "Kursbevis sårstell.pdf",
            "application/pdf",
            len(PDF),
            PDF,
        )
        file_id = stored.id
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "Realkompetanse" in page
    assert f'/employees/{staff(people, "1002")}/evidence/{file_id}' in page
    assert "Kursbevis sårstell.pdf" in page


@pytest.mark.parametrize(
    "data,filename,ok",
    [
        (PNG, "vitnemal.png", True),
        (JPEG, "vitnemal.JPG", True),
        (JPEG, "vitnemal.jpeg", True),
        (b"<html><script>alert(1)</script></html>", "falsk.pdf", False),  # HTML dressed up as a PDF
        (b"MZ\x90\x00" + b"\x00" * 100, "program.pdf", False),
        (PNG, "bilde.pdf", False),  # a real image, but named as something else
        (PDF, "bevis.exe", False),
        (b"", "tom.pdf", False),
    ],
)
def test_only_real_pdf_png_or_jpeg_files_are_taken(app, client, people, catalogue, login, data, filename, ok):
    login("leader")
    response = client.post(
        assess_url(people, "1002", "prior-learning"),
        data=assessment(catalogue, evidence_file=upload(data, filename)),
        content_type="multipart/form-data",
    )
    if ok:
        assert response.status_code == 302
        assert count(app, EvidenceFile) == 1
        return
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="evidence_file-error">([^<]*)</p>', text(response))
    assert error and ("PDF, PNG eller JPEG" in error.group(1) or "tom" in error.group(1))
    assert count(app, EvidenceFile) == 0 and count(app, HeldCompetence) == 0 and count(app, HeldCompetenceChange) == 0


def test_a_file_over_5_mb_is_refused(app, client, people, catalogue, login):
    login("leader")
    big = PDF + b"0" * (5 * 1024 * 1024)
    response = client.post(
        assess_url(people, "1002", "prior-learning"),
        data=assessment(catalogue, evidence_file=upload(big, "stor.pdf")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert re.search(r'id="evidence_file-error">[^<]*5 MB', text(response))
    assert count(app, EvidenceFile) == 0 and count(app, HeldCompetence) == 0


def test_prior_learning_needs_some_evidence(app, client, people, catalogue, login):
    login("leader")
    response = client.post(assess_url(people, "1002", "prior-learning"), data=assessment(catalogue, evidence_note=""))
    assert response.status_code == 422
    assert 'id="evidence_note-error"' in text(response)
    ok = client.post(
        assess_url(people, "1002", "prior-learning"),
        data=assessment(catalogue, evidence_note="", evidence_url="https://example.org/attest"),
    )
    assert ok.status_code == 302


def test_the_forms_upload_as_multipart_with_a_csrf_token(client, people, catalogue, login):
    login("leader")
    page = text(client.get(assess_url(people, "1002", "prior-learning")))
    assert 'enctype="multipart/form-data"' in page
    assert 'name="csrf_token"' in page
    assert 'type="file"' in page and 'accept=".pdf,.png,.jpg,.jpeg' in page
    for name in ("competence_id", "level", "achieved_on", "valid_until", "evidence_note", "evidence_url", "evidence_file"):
        assert f'<label for="{name}"' in page, name


@pytest.fixture
def certificate(app, client, people, catalogue, login):
    login("leader")
    client.post(
        assess_url(people, "1002", "prior-learning"),
        data=assessment(catalogue, evidence_file=upload(PDF, "attest.pdf")),
        content_type="multipart/form-data",
    )
    client.post("/logout")
    with app.app_context():
        return db.session.scalar(select(EvidenceFile.id))


@pytest.mark.parametrize(
    "username,status",
    [
        ("leader", 200),
        ("employee", 200),
        ("hr", 200),
        ("colleague", 404),
        ("other_leader", 404),
        ("politician", 403),
        ("representative", 403),
        ("admin", 403),
    ],
)
def test_certificate_download_only_for_those_who_see_the_person(client, people, certificate, login, username, status):
    login(username)
    response = client.get(f"/employees/{staff(people, '1002')}/evidence/{certificate}")
    assert response.status_code == status
    if status == 200:
        assert response.data == PDF
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "attest.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]


def test_certificate_is_not_reachable_through_another_person(client, people, certificate, login):
    login("leader")
    assert client.get(f"/employees/{staff(people, '1003')}/evidence/{certificate}").status_code == 404
    assert client.get(f"/employees/{staff(people, '1002')}/evidence/{certificate + 1}").status_code == 404


def test_anonymous_download_is_sent_to_login(client, people, certificate):
    response = client.get(f"/employees/{staff(people, '1002')}/evidence/{certificate}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- self-assessment and confirmation -----------------------------------------------------------


def self_assess(client, people, catalogue, level="2", number="1002"):
    return client.post(
        assess_url(people, number, "self-assessment"),
        data={"competence_id": catalogue["SAR"], "level": level, "evidence_note": "Har hatt ansvar for sårstell i to år"},
    )


def test_self_assessment_is_shown_as_such_and_not_verified(app, client, people, catalogue, login):
    login("employee")
    assert self_assess(client, people, catalogue).status_code == 302
    [row] = held(app, staff(people, "1002"))
    assert (row.source, row.level, row.achieved_on, row.verified) == ("self_assessment", 2, date.today(), False)
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "Egenvurdering" in page and "Ikke verifisert" in page
    assert "Bekreft nivå" not in page  # the employee cannot confirm their own


def test_self_assessment_refuses_a_level_above_the_scale(app, client, people, catalogue, login):
    login("employee")
    response = self_assess(client, people, catalogue, level="5")
    assert response.status_code == 422
    assert re.search(r'id="level-error">[^<]*mellom 1 og 3', text(response))
    assert count(app, HeldCompetence) == 0


def test_self_assessment_never_counts_in_gaps_until_confirmed(app, client, people, catalogue, login):
    from portal.competence.gaps import requirement_gaps

    with app.app_context():
        db.session.add(
            Requirement(unit_id=people["units"]["HO-HJEM"], competence_id=catalogue["SAR"], min_level=2, required_count=1)
        )
        db.session.commit()
    login("employee")
    self_assess(client, people, catalogue)
    with app.app_context():
        assert [r.holders_now for r in requirement_gaps()] == [0]
    client.post("/logout")
    login("leader")
    [own] = held(app, staff(people, "1002"))
    client.post(f"/employees/{staff(people, '1002')}/competences/{own.id}/confirm")
    with app.app_context():
        assert [r.holders_now for r in requirement_gaps()] == [1]


def test_leader_confirms_a_self_assessment(app, client, people, catalogue, login):
    login("employee")
    self_assess(client, people, catalogue, level="3")
    client.post("/logout")
    login("leader")
    [own] = held(app, staff(people, "1002"))
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "Bekreft nivå 3" in page

    response = client.post(f"/employees/{staff(people, '1002')}/competences/{own.id}/confirm")
    assert response.status_code == 302
    rows = {r.source: r for r in held(app, staff(people, "1002"))}
    assert set(rows) == {"self_assessment", "leader_assessment"}
    assert rows["leader_assessment"].level == 3 and rows["leader_assessment"].achieved_on == date.today()
    assert rows["leader_assessment"].evidence_note == "Har hatt ansvar for sårstell i to år"
    last = changes(app, staff(people, "1002"))[-1]
    assert (last.source, last.action, last.old_level, last.new_level) == ("leader_assessment", "confirmed", None, 3)

    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "Bekreftet av en leder" in page and "Bekreft nivå 3" not in page
    assert "Bekreftet egenvurdering" in page  # the confirmation is in the history


def test_confirmation_updates_an_earlier_leader_assessment(app, client, people, catalogue, login):
    login("leader")
    client.post(assess_url(people, "1002"), data=assessment(catalogue, level="1"))
    client.post("/logout")
    login("employee")
    self_assess(client, people, catalogue, level="2")
    client.post("/logout")
    login("leader")
    own = held(app, staff(people, "1002"), "self_assessment")[0]
    client.post(f"/employees/{staff(people, '1002')}/competences/{own.id}/confirm")
    leader_row = held(app, staff(people, "1002"), "leader_assessment")[0]
    assert leader_row.level == 2
    assert leader_row.evidence_note == "Observert i praksis over tre måneder"  # the leader's own evidence stays
    last = changes(app, staff(people, "1002"))[-1]
    assert (last.action, last.old_level, last.new_level) == ("confirmed", 1, 2)


@pytest.mark.parametrize("username,status", [("employee", 403), ("colleague", 403), ("other_leader", 404)])
def test_only_the_persons_leader_confirms(app, client, people, catalogue, login, username, status):
    login("employee")
    self_assess(client, people, catalogue)
    client.post("/logout")
    own = held(app, staff(people, "1002"))[0]
    login(username)
    assert client.post(f"/employees/{staff(people, '1002')}/competences/{own.id}/confirm").status_code == status
    assert held(app, staff(people, "1002"), "leader_assessment") == []


def test_only_self_assessments_can_be_confirmed(app, client, people, catalogue, login):
    login("leader")
    client.post(assess_url(people, "1002"), data=assessment(catalogue))
    row = held(app, staff(people, "1002"))[0]
    assert client.post(f"/employees/{staff(people, '1002')}/competences/{row.id}/confirm").status_code == 404
    # nor someone else's self-assessment through this person's address
    client.post("/logout")
    login("colleague")
    self_assess(client, people, catalogue, number="1003")
    client.post("/logout")
    login("leader")
    other = held(app, staff(people, "1003"))[0]
    assert client.post(f"/employees/{staff(people, '1002')}/competences/{other.id}/confirm").status_code == 404


# --- showing the profile ---------------------------------------------------------------------------


def test_expired_competence_is_marked(app, client, people, catalogue, login):
    with app.app_context():
        db.session.add_all(
            [
                HeldCompetence(
                    employee_id=staff(people, "1002"),
                    competence_id=catalogue["HLR"],
                    level=1,
                    source="personnel_system",
                    achieved_on=date(2020, 1, 1),
                    valid_until=date.today() - timedelta(days=1),
                ),
                HeldCompetence(
                    employee_id=staff(people, "1002"),
                    competence_id=catalogue["SAR"],
                    level=3,
                    source="personnel_system",
                    achieved_on=date(2020, 1, 1),
                    valid_until=date.today(),
                ),
            ]
        )
        db.session.commit()
    login("employee")
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    rows = re.findall(r"<tr class=\"([^\"]*)\">\s*<th scope=\"row\">([^<]*)</th>", page)
    assert ("expired", "Hjerte-lunge-redning") in [(c.strip(), n) for c, n in rows]
    assert ("", "Sårstell") in [(c.strip(), n) for c, n in rows]  # valid through today
    assert page.count("Utløpt") == 1
    assert "Personalsystemet" in page


def test_profile_is_empty_but_friendly(client, people, login):
    login("employee")
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "Ingen kompetanser er registrert" in page
    assert "Ingen endringer er registrert ennå" in page


def _fill_profile(app, people, n):
    """Give 1002 ``n`` held competences, each with a change row and an evidence file."""
    with app.app_context():
        area = db.session.scalars(select(CompetenceArea)).first() or CompetenceArea(code="X", name="X")
        db.session.add(area)
        for i in range(n):
            competence = Competence(code=f"C{n}-{i}", name=f"Kompetanse {n}-{i}", area=area, kind="skill", max_level=3)
            db.session.add(competence)
            row = HeldCompetence(
                employee_id=staff(people, "1002"),
                competence=competence,
                level=1 + i % 3,
                source=("leader_assessment", "self_assessment", "prior_learning")[i % 3],
                achieved_on=date(2024, 1, 1),
                valid_until=date(2023, 1, 1) if i % 4 == 0 else None,
                evidence_note="notat",
            )
            db.session.add(row)
            db.session.flush()
            db.session.add(
                HeldCompetenceChange(
                    employee_id=row.employee_id,
                    competence_id=competence.id,
                    source=row.source,
                    action="created",
                    new_level=row.level,
                    changed_by_id=None,
                )
            )
            db.session.add(
                EvidenceFile(held_competence_id=row.id, filename=f"f{i}.pdf", content_type="application/pdf", size=3, data=b"%PD")
            )
        db.session.commit()


def test_profile_query_count_does_not_grow_with_competences(app, client, people, catalogue, login, count_queries):
    login("leader")
    url = f"/employees/{staff(people, '1002')}"
    client.get(url)  # warm up whatever is loaded once per process
    _fill_profile(app, people, 3)
    with count_queries() as small:
        first = client.get(url)
    _fill_profile(app, people, 27)
    with count_queries() as large:
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert text(first).count("<th scope=\"row\">Kompetanse 3-") == 3 * 2  # profile row + history row
    assert text(second).count("<th scope=\"row\">Kompetanse 27-") == 27 * 2
    assert len(small) == len(large), "\n".join(large)
    assert len(large) <= 15, "\n".join(large)


def test_history_is_paged_newest_first(app, client, people, catalogue, login):
    with app.app_context():
        for i in range(60):
            db.session.add(
                HeldCompetenceChange(
                    employee_id=staff(people, "1002"),
                    competence_id=catalogue["SAR"],
                    source="leader_assessment",
                    action="changed",
                    old_level=1,
                    new_level=2,
                    note=f"endring nr {i:02d}",
                )
            )
        db.session.commit()
    login("employee")
    first = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "endring nr 59" in first and "endring nr 09" not in first
    assert first.index("endring nr 59") < first.index("endring nr 58")
    assert "Side 1 av 2" in first
    second = text(client.get(f"/employees/{staff(people, '1002')}?history_page=2"))
    assert "endring nr 09" in second and "endring nr 59" not in second


def test_a_stored_link_that_is_not_http_is_never_a_link(app, client, people, catalogue, login):
    with app.app_context():
        db.session.add(
            HeldCompetence(
                employee_id=staff(people, "1002"),
                competence_id=catalogue["SAR"],
                level=1,
                source="personnel_system",
                achieved_on=date(2020, 1, 1),
                evidence_url="javascript:alert(1)",
            )
        )
        db.session.commit()
    login("leader")
    page = text(client.get(f"/employees/{staff(people, '1002')}"))
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page
