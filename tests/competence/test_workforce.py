"""Workforce figures against a small, hand-counted municipality, and the pages that show them.

The domain tests fix "today" at 15 June 2025, so every figure below can be
checked by hand against the table in :func:`staff`. The page tests use the
shared ``people`` fixture and real dates.
"""
import re
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from portal.competence.models import RetirementAge
from portal.competence.workforce import (
    Scope,
    hide_small,
    scope_for,
    shown_figures,
    workforce,
)
from portal.extensions import db
from portal.org.models import Employee, Unit, User

TODAY = date(2025, 6, 15)
BANDS = ["0-24", "25-34", "35-44", "45-54", "55-61", "62-66", "67+"]


def add_unit(code, parent=None):
    unit = Unit(code=code, name=f"Enhet {code}", parent=parent, path=(parent.path if parent else "/") + code + "/")
    db.session.add(unit)
    db.session.flush()
    return unit


def add_person(number, unit, profession, born, percent=100, hired=date(2010, 1, 1), ended=None):
    person = Employee(
        employee_number=str(number),
        first_name="Test",
        last_name=f"Person {number}",
        birth_date=born,
        unit=unit,
        profession=profession,
        position_percent=percent,
        hire_date=hired,
        end_date=ended,
    )
    db.session.add(person)
    return person


@pytest.fixture
def staff(app_ctx):
    """Units A > A-1 and B, and twelve people; figures as of TODAY (2025-06-15).

    | # | unit | profession       | born       | age | % | hired      | ended      | note |
    |---|------|------------------|------------|-----|---|------------|------------|------|
    | 1 | A-1  | Sykepleier       | 1960-06-15 | 65  | 80| 2010       |            | 65th birthday today: retires 2025 (special 65) |
    | 2 | A-1  | Sykepleier       | 1990-06-16 | 34  |100| 2010       |            | turns 35 tomorrow |
    | 3 | A    | Sykepleier       | 1990-06-15 | 35  | 50| 2010       |            | turns 35 today |
    | 4 | B    | Lærer            | 1958-03-01 | 67  |100| 2010       | 2025-09-30 | retires 2025; leaves later this year |
    | 5 | B    | Lærer            | 1957-01-01 | 68  | 60| 2010       |            | past 67 already (2024) |
    | 6 | A-1  | Helsefagarbeider | 1962-12-31 | 62  | 75| 2010       |            | special 65: retires 2027 |
    | 8 | A    | Sykepleier       | 1980-01-01 | -   |100| 2015       | 2024-03-31 | left last year |
    | 9 | B    | Lærer            | 2001-01-20 | 24  | 40| 2025-02-01 |            | hired this year |
    |10 | B    | Lærer            | 1995-05-05 | -   |100| 2025-08-01 |            | not started yet |
    |11 | B    | Lærer            | 1970-01-01 | -   |100| 2010       | 2022-12-31 | left on the last day of 2022 |
    |12 | B    | Lærer            | 1970-01-01 | -   |100| 2010       | 2023-01-01 | left on the first day of 2023 |
    """
    a = add_unit("A")
    a1 = add_unit("A-1", a)
    b = add_unit("B")
    add_person(1, a1, "Sykepleier", date(1960, 6, 15), 80)
    add_person(2, a1, "Sykepleier", date(1990, 6, 16), 100)
    add_person(3, a, "Sykepleier", date(1990, 6, 15), 50)
    add_person(4, b, "Lærer", date(1958, 3, 1), 100, ended=date(2025, 9, 30))
    add_person(5, b, "Lærer", date(1957, 1, 1), 60)
    add_person(6, a1, "Helsefagarbeider", date(1962, 12, 31), 75)
    add_person(8, a, "Sykepleier", date(1980, 1, 1), 100, hired=date(2015, 1, 1), ended=date(2024, 3, 31))
    add_person(9, b, "Lærer", date(2001, 1, 20), 40, hired=date(2025, 2, 1))
    add_person(10, b, "Lærer", date(1995, 5, 5), 100, hired=date(2025, 8, 1))
    add_person(11, b, "Lærer", date(1970, 1, 1), 100, ended=date(2022, 12, 31))
    add_person(12, b, "Lærer", date(1970, 1, 1), 100, ended=date(2023, 1, 1))
    db.session.commit()
    return {"A": a.path, "A-1": a1.path, "B": b.path}


def turnover_of(wf):
    return {(r.profession, r.year): (r.leavers, r.headcount) for r in wf.turnover}


# --- the figures, by hand ---------------------------------------------------------


def test_whole_municipality_by_hand(staff):
    wf = workforce(Scope(), horizon_years=5, today=TODAY)
    assert wf.headcount == 7  # 1-6 and 9; not 8 (left), 10 (starts in August), 11, 12
    assert dict(zip(BANDS, wf.age_bands)) == {
        "0-24": 1,  # 9
        "25-34": 1,  # 2: 35 tomorrow
        "35-44": 1,  # 3: 35 today
        "45-54": 0,
        "55-61": 0,
        "62-66": 2,  # 1 (65 today) and 6
        "67+": 2,  # 4 and 5
    }
    assert wf.years == [2025, 2026, 2027, 2028, 2029, 2030]
    assert wf.retirements == [2, 0, 1, 0, 0, 0]  # 2025: 1 and 4; 2027: 6
    assert wf.past_retirement == 1  # 5 reached 67 in 2024
    assert wf.part_time == 5  # 1, 3, 5, 6, 9
    assert wf.average_position_percent == pytest.approx(505 / 7)
    assert wf.retirement_ages == [
        ("Helsefagarbeider", 65, "special"),
        ("Lærer", 67, "default"),
        ("Sykepleier", 65, "special"),
    ]


def test_turnover_by_hand(staff):
    wf = workforce(Scope(), horizon_years=5, today=TODAY)
    assert wf.turnover_years == [2022, 2023, 2024]
    assert turnover_of(wf) == {
        # 8 left in March 2024: a leaver that year, in every 1 January headcount before it.
        ("Sykepleier", 2022): (0, 4),
        ("Sykepleier", 2023): (0, 4),
        ("Sykepleier", 2024): (1, 4),
        # 11 left 31 December 2022; 12 worked on 1 January 2023 and left that day.
        # 9 and 10 were hired this year and count nowhere.
        ("Lærer", 2022): (1, 4),
        ("Lærer", 2023): (1, 3),
        ("Lærer", 2024): (0, 2),
        ("Helsefagarbeider", 2022): (0, 1),
        ("Helsefagarbeider", 2023): (0, 1),
        ("Helsefagarbeider", 2024): (0, 1),
    }
    rates = {(r.profession, r.year): r.rate for r in wf.turnover}
    assert rates[("Sykepleier", 2024)] == 0.25
    assert rates[("Lærer", 2023)] == pytest.approx(1 / 3)


def test_a_unit_includes_its_sub_units(staff):
    wf = workforce(Scope(unit_paths=(staff["A"],)), horizon_years=5, today=TODAY)
    assert wf.headcount == 4  # 1, 2, 6 in A-1 and 3 in A
    assert dict(zip(BANDS, wf.age_bands))["62-66"] == 2
    assert wf.retirements == [1, 0, 1, 0, 0, 0]
    assert {p for p, _a, _s in wf.retirement_ages} == {"Helsefagarbeider", "Sykepleier"}
    assert turnover_of(wf)[("Sykepleier", 2024)] == (1, 4)
    assert ("Lærer", 2022) not in turnover_of(wf)

    sub = workforce(Scope(unit_paths=(staff["A-1"],)), horizon_years=5, today=TODAY)
    assert sub.headcount == 3


def test_a_profession_alone(staff):
    wf = workforce(Scope(profession="Sykepleier"), horizon_years=1, today=TODAY)
    assert wf.headcount == 3
    assert wf.years == [2025, 2026]
    assert wf.retirements == [1, 0]
    assert wf.retirement_ages == [("Sykepleier", 65, "special")]
    assert {r.profession for r in wf.turnover} == {"Sykepleier"}


def test_a_profession_nobody_has_still_shows_its_age(staff):
    wf = workforce(Scope(profession="Brannkonstabel"), horizon_years=5, today=TODAY)
    assert wf.headcount == 0
    assert wf.average_position_percent is None
    assert wf.retirement_ages == [("Brannkonstabel", 60, "special")]


def test_hr_settings_override_the_built_in_ages(staff):
    db.session.add_all([RetirementAge(profession="Helsefagarbeider", age=63), RetirementAge(profession="Sykepleier", age=67)])
    db.session.commit()
    wf = workforce(Scope(), horizon_years=5, today=TODAY)
    # 6 now retires 1962 + 63 = 2025; 1 now 1960 + 67 = 2027.
    assert wf.retirements == [2, 0, 1, 0, 0, 0]
    assert ("Helsefagarbeider", 63, "setting") in wf.retirement_ages
    assert ("Sykepleier", 67, "setting") in wf.retirement_ages
    by_profession = {p.profession: p.retiring for p in wf.professions}
    assert by_profession["Helsefagarbeider"] == [1, 0, 0, 0, 0, 0]
    assert by_profession["Sykepleier"] == [0, 0, 1, 0, 0, 0]


def test_horizon_must_be_one_to_ten(staff):
    for bad in (0, 11):
        with pytest.raises(ValueError):
            workforce(Scope(), horizon_years=bad, today=TODAY)
    assert len(workforce(Scope(), horizon_years=10, today=TODAY).years) == 11


def test_leap_day_birthday_turns_a_year_older_on_1_march(app_ctx):
    unit = add_unit("X")
    add_person(1, unit, "Lærer", date(2000, 2, 29))
    db.session.commit()
    before = workforce(Scope(), horizon_years=1, today=date(2025, 2, 28))
    after = workforce(Scope(), horizon_years=1, today=date(2025, 3, 1))
    assert before.age_bands[0] == 1 and before.age_bands[1] == 0
    assert after.age_bands[0] == 0 and after.age_bands[1] == 1


# --- hiding small groups ----------------------------------------------------------


def test_hide_small_hides_groups_of_one_to_four_and_one_more_when_a_total_would_give_it_away():
    assert hide_small([3, 10, 0, 7], detailed=True, total=20) == [3, 10, 0, 7]
    # 3 alone hidden could be worked out as 20 - 10 - 0 - 7, so 7 goes too.
    assert hide_small([3, 10, 0, 7], detailed=False, total=20) == [None, 10, 0, None]
    assert hide_small([3, 2, 10], detailed=False, total=15) == [None, None, 10]
    assert hide_small([2, 0], detailed=False, total=2) == [None, 0]
    assert hide_small([5, 0, 4], detailed=False) == [5, 0, None]


def test_politicians_see_no_figure_about_fewer_than_five(staff):
    wf = workforce(Scope(), horizon_years=5, today=TODAY)
    shown = shown_figures(wf, detailed=False)
    assert shown["headcount"] == 7
    assert [b["count"] for b in shown["age_bands"]] == [None, None, None, 0, 0, None, None]
    # 5 part-time, 2 full-time: the 2 is hidden, so the 5 (and the share) must go too.
    assert shown["part_time"] is None
    assert shown["part_time_share"] is None
    assert shown["average_position_percent"] == 72.1
    assert [r["count"] for r in shown["retirements_per_year"]] == [None, 0, None, 0, 0, 0]
    assert shown["retirements_total"] is None
    assert shown["past_retirement_age"] is None
    nurses_2024 = next(t for t in shown["turnover"] if t["profession"] == "Sykepleier" and t["year"] == 2024)
    assert nurses_2024 == {"profession": "Sykepleier", "year": 2024, "leavers": None, "headcount": None, "rate": None}
    # Ages are rules, not people: always shown.
    assert len(shown["retirement_ages"]) == 3

    detailed = shown_figures(wf, detailed=True)
    assert detailed["part_time"] == 5
    assert detailed["part_time_share"] == round(5 / 7, 4)
    assert [r["count"] for r in detailed["retirements_per_year"]] == [2, 0, 1, 0, 0, 0]
    nurses_2024 = next(t for t in detailed["turnover"] if t["profession"] == "Sykepleier" and t["year"] == 2024)
    assert nurses_2024["rate"] == 0.25


def test_who_sees_what_in_detail(people, app_ctx):
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert scope_for(users["hr"]) == (Scope(), True)
    assert scope_for(users["politician"]) == (Scope(), False)
    assert scope_for(users["representative"], units["SK-SKOLE"]) == (Scope(("/SK/SK-SKOLE/",)), False)
    assert scope_for(users["leader"]) == (Scope(("/HO/HO-HJEM/",)), True)
    assert scope_for(users["leader"], units["HO-HJEM-NORD"], "Sykepleier") == (
        Scope(("/HO/HO-HJEM/HO-HJEM-NORD/",), "Sykepleier"),
        True,
    )
    from portal.competence.workforce import NotVisible

    with pytest.raises(NotVisible):
        scope_for(users["leader"], units["SK-SKOLE"])
    with pytest.raises(NotVisible):
        scope_for(users["leader"], units["HO"])  # the parent of what they lead


# --- the page ---------------------------------------------------------------------


def test_workforce_page_for_hr_shows_charts_tables_and_ages(client, people, login):
    login("hr")
    response = client.get("/workforce")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Two charts, each an image with a title and a description, plus the tables.
    assert len(re.findall(r'<svg class="chart[^"]*" id="[^"]+" role="img" aria-labelledby="([^"]+)-title \1-desc"', html)) == 2
    assert '<title id="age-chart-title">' in html and '<desc id="retirement-chart-desc">' in html
    for table in ("age-table", "retirement-table", "ages-table", "turnover-table"):
        assert f'id="{table}"' in html
    # All five people are 45-54 (born 1975-05-17); two work part-time (80 and 60).
    age_table = html.split('id="age-table"')[1].split("</table>")[0]
    assert re.search(r"45–54</th><td class=\"num\">5</td>", age_table)
    assert re.search(r"<dd>2</dd>\s*<dt>[^<]+</dt><dd>40&nbsp;%</dd>", html)
    ages = html.split('id="ages-table"')[1].split("</table>")[0]
    assert re.search(r"Sykepleier</th><td class=\"num\">65</td><td>Særaldersgrense</td>", ages)
    assert re.search(r"Lærer</th><td class=\"num\">67</td><td>Standard</td>", ages)
    assert 'href="/workforce/retirement-ages"' in html


def test_politician_page_hides_small_groups(client, people, login):
    login("politician")
    html = client.get("/workforce").get_data(as_text=True)
    assert "færre enn 5" in html
    # Headcount 5 shows; 2 part-time and 3 full-time do not, nor the share.
    assert re.search(r"<dd>5</dd>", html)
    assert "40&nbsp;%" not in html and "40 %" not in html
    assert 'href="/workforce/retirement-ages"' not in html
    age_table = html.split('id="age-table"')[1].split("</table>")[0]
    assert re.search(r"45–54</th><td class=\"num\">5</td>", age_table)
    ho = client.get("/workforce", query_string={"unit_id": people["units"]["HO-HJEM-NORD"]}).get_data(as_text=True)
    assert "45–54</th><td class=\"num\"><span class=\"suppressed\">" in ho


def test_leader_sees_own_units_only(client, people, login):
    login("leader")
    html = client.get("/workforce").get_data(as_text=True)
    assert "Alle mine enheter" in html
    assert re.search(r"45–54</th><td class=\"num\">3</td>", html)  # 1001, 1002, 1003
    options = re.findall(r'<option value="(\d+)"', html.split('id="unit_id"')[1].split("</select>")[0])
    assert {int(o) for o in options} == {people["units"]["HO-HJEM"], people["units"]["HO-HJEM-NORD"]}
    nord = client.get("/workforce", query_string={"unit_id": people["units"]["HO-HJEM-NORD"]})
    assert nord.status_code == 200
    assert re.search(r"45–54</th><td class=\"num\">2</td>", nord.get_data(as_text=True))
    assert client.get("/workforce", query_string={"unit_id": people["units"]["SK-SKOLE"]}).status_code == 404
    assert client.get("/workforce", query_string={"unit_id": "999999"}).status_code == 404
    assert client.get("/workforce", query_string={"unit_id": "x"}).status_code == 404


@pytest.mark.parametrize("username", ["employee", "admin"])
def test_workforce_page_is_closed_to_employees_and_admin(client, people, login, username):
    login(username)
    assert client.get("/workforce").status_code == 403
    assert client.get("/workforce/retirement-ages").status_code == 403


def test_bad_filters_are_named(client, people, login):
    login("hr")
    for value in ("0", "11", "abc", "٣"):
        response = client.get("/workforce", query_string={"horizon_years": value})
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert 'id="horizon_years-error"' in html and 'aria-invalid="true"' in html
        assert "År fram i tid: skriv et helt tall fra 1 til 10." in html
        assert "<svg" not in html
    response = client.get("/workforce", query_string={"profession": "Astronaut"})
    assert response.status_code == 422
    assert 'id="profession-error"' in response.get_data(as_text=True)


def test_horizon_sets_the_years_shown(client, people, login):
    login("hr")
    html = client.get("/workforce", query_string={"horizon_years": "2", "profession": "Sykepleier"}).get_data(as_text=True)
    table = html.split('id="retirement-table"')[1].split("</table>")[0]
    this_year = date.today().year
    assert re.findall(r'<th scope="row">(\d{4})</th>', table) == [str(y) for y in range(this_year, this_year + 3)]
    assert "Bare Sykepleier." in html


def test_page_query_count_does_not_grow_with_staff(client, people, login, count_queries, app):
    login("hr")
    client.get("/workforce")  # warm up (user, roles, translations)

    def add(n, start):
        with app.app_context():
            unit_id = people["units"]["HO-HJEM-NORD"]
            db.session.execute(
                insert(Employee),
                [
                    {
                        "employee_number": f"X{start + i}",
                        "first_name": "Test",
                        "last_name": f"Person {i}",
                        "birth_date": date(1950 + i % 50, 1 + i % 12, 1 + i % 28),
                        "unit_id": unit_id,
                        "profession": ["Sykepleier", "Lærer", "Assistent", "Kokk"][i % 4],
                        "position_percent": 50 + i % 51,
                        "hire_date": date(2000 + i % 25, 1, 1),
                        "end_date": date(2020 + i % 6, 6, 30) if i % 5 == 0 else None,
                    }
                    for i in range(n)
                ],
            )
            db.session.commit()

    add(10, 0)
    with count_queries() as small:
        assert client.get("/workforce").status_code == 200
    add(990, 10)
    with count_queries() as large:
        response = client.get("/workforce")
        assert response.status_code == 200
    assert len(large) == len(small), large
    assert len(small) <= 12
    with app.app_context():
        assert db.session.scalar(select(func.count(Employee.id))) == 1005


# --- hr's retirement ages page ----------------------------------------------------


def test_retirement_ages_page_lists_professions_with_source(client, people, login):
    login("hr")
    html = client.get("/workforce/retirement-ages").get_data(as_text=True)
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">\d+</td>\s*<td class="num">(\d+)</td>', html))
    assert rows == {"Enhetsleder": "67", "Helsefagarbeider": "65", "Lærer": "67", "Rektor": "67", "Sykepleier": "65"}
    assert 'for="age-1"' in html and "Pensjonsalder for Enhetsleder" in html
    assert 'value="reset"' not in html  # nothing set by hr yet


def test_hr_sets_and_resets_a_retirement_age(client, people, login, app):
    login("hr")
    response = client.post("/workforce/retirement-ages", data={"profession": "Sykepleier", "age": "62", "action": "save"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pensjonsalderen for Sykepleier er lagret." in html
    assert re.search(r"Sykepleier</th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">62</td>\s*<td>Satt av HR</td>", html)
    with app.app_context():
        assert db.session.scalar(select(RetirementAge.age).where(RetirementAge.profession == "Sykepleier")) == 62
    # The workforce page now uses 62 and says so.
    ages = client.get("/workforce").get_data(as_text=True).split('id="ages-table"')[1]
    assert re.search(r"Sykepleier</th><td class=\"num\">62</td><td>Satt av HR</td>", ages)

    response = client.post("/workforce/retirement-ages", data={"profession": "Sykepleier", "action": "reset"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(RetirementAge.id))) == 0
    html = client.get("/workforce/retirement-ages").get_data(as_text=True)
    assert re.search(r"Sykepleier</th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">65</td>\s*<td>Særaldersgrense</td>", html)


@pytest.mark.parametrize("age", ["49", "76", "", "sixty", "6 5", "65.5", "-65"])
def test_bad_retirement_ages_are_refused_naming_the_field(client, people, login, app, age):
    login("hr")
    response = client.post("/workforce/retirement-ages", data={"profession": "Lærer", "age": age, "action": "save"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Pensjonsalder for Lærer: skriv et helt tall fra 50 til 75." in html
    field = re.search(r'<input type="number" id="(age-\d+)"[^>]*aria-invalid="true"[^>]*>', html)
    assert field is not None
    assert f'href="#{field.group(1)}"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(RetirementAge.id))) == 0


def test_unknown_profession_or_action_is_refused(client, people, login, app):
    login("hr")
    for data in (
        {"profession": "Astronaut", "age": "65", "action": "save"},
        {"profession": "", "age": "65", "action": "save"},
        {"profession": "Lærer", "age": "65", "action": "delete-everything"},
    ):
        response = client.post("/workforce/retirement-ages", data=data)
        assert response.status_code == 422
        assert 'role="alert"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(RetirementAge.id))) == 0


@pytest.mark.parametrize("username", ["leader", "politician", "representative"])
def test_only_hr_changes_retirement_ages(client, people, login, username):
    login(username)
    assert client.get("/workforce/retirement-ages").status_code == 403
    response = client.post("/workforce/retirement-ages", data={"profession": "Lærer", "age": "60", "action": "save"})
    assert response.status_code == 403
