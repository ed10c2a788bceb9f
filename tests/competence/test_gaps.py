"""Gap figures against small, hand-computed municipalities.

Each test builds the people, competences and requirements it needs on top
of the ``people`` fixture's unit tree (HO > HO-HJEM > HO-HJEM-NORD, SK >
SK-SKOLE) and checks the figures a user would read on /gaps: who counts
now, who is gone by the horizon, and how units add up to service areas.
"""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.competence.gaps import GapTree, GapViewer, load_tree, requirement_gaps
from portal.competence.models import Competence, CompetenceArea, HeldCompetence, Requirement, RetirementAge
from portal.extensions import db
from portal.org.models import Employee, Unit

TODAY = date(2026, 3, 15)
HORIZON_5 = date(2031, 3, 15)  # TODAY + 5 years
YESTERDAY = TODAY - timedelta(days=1)


class World:
    """Builds fixtures in the database; returns ids so tests can leave the session."""

    def __init__(self, units):
        self.units = units
        self.numbers = iter(range(5000, 9000))
        area = CompetenceArea(code="HELSE", name="Helse og omsorg")
        db.session.add(area)
        db.session.flush()
        self.area_id = area.id

    def competence(self, code, kind="skill", max_level=3):
        row = Competence(code=code, name=code.title(), area_id=self.area_id, kind=kind, max_level=max_level)
        db.session.add(row)
        db.session.flush()
        return row.id

    def person(self, unit="HO-HJEM-NORD", profession="Sykepleier", born=date(1980, 1, 1),
               hired=date(2010, 1, 1), left=None):
        number = next(self.numbers)
        row = Employee(employee_number=str(number), first_name="P", last_name=f"Person {number}", birth_date=born,
                       unit_id=self.units[unit], profession=profession, position_percent=100, hire_date=hired,
                       end_date=left)
        db.session.add(row)
        db.session.flush()
        return row.id

    def hold(self, employee_id, competence_id, level=2, source="personnel_system", valid_until=None):
        db.session.add(HeldCompetence(employee_id=employee_id, competence_id=competence_id, level=level,
                                      source=source, achieved_on=date(2020, 1, 1), valid_until=valid_until))
        db.session.flush()

    def require(self, unit, competence_id, count=5, min_level=2, profession=None):
        row = Requirement(unit_id=self.units[unit], competence_id=competence_id, min_level=min_level,
                          required_count=count, profession=profession)
        db.session.add(row)
        db.session.flush()
        return row.id

    def holders(self, competence_id, count, unit="HO-HJEM-NORD", **kwargs):
        """``count`` people holding the competence at level 2."""
        ids = [self.person(unit=unit, **kwargs) for _ in range(count)]
        for employee_id in ids:
            self.hold(employee_id, competence_id)
        return ids


@pytest.fixture
def world(app_ctx, people):
    yield World(people["units"])
    db.session.rollback()


def gaps_by_requirement(horizon_years=0, today=TODAY, **kwargs):
    return {row.requirement_id: row for row in requirement_gaps(horizon_years=horizon_years, today=today, **kwargs)}


def figures(row):
    return (row.required, row.holders_now, row.gap_now, row.retiring_by_horizon,
            row.holders_at_horizon, row.gap_at_horizon)


# --- who counts today --------------------------------------------------------------


def test_only_verified_valid_records_at_the_minimum_level_of_current_staff_count(world):
    wound = world.competence("SAARSTELL")
    rid = world.require("HO-HJEM-NORD", wound, count=6, min_level=2)
    counted = []
    counted.append(world.person())
    world.hold(counted[-1], wound, level=3)  # above the minimum
    counted.append(world.person())
    world.hold(counted[-1], wound, level=2, valid_until=TODAY)  # valid through today
    counted.append(world.person())  # both a self-assessment and a verified record: counted once
    world.hold(counted[-1], wound, level=3, source="self_assessment")
    world.hold(counted[-1], wound, level=2, source="leader_assessment")
    below = world.person()
    world.hold(below, wound, level=1)
    self_only = world.person()
    world.hold(self_only, wound, level=3, source="self_assessment")
    expired = world.person()
    world.hold(expired, wound, level=3, valid_until=YESTERDAY)
    left = world.person(left=YESTERDAY)
    world.hold(left, wound, level=3)
    not_yet = world.person(hired=TODAY + timedelta(days=1))
    world.hold(not_yet, wound, level=3)
    other_competence = world.person()
    world.hold(other_competence, world.competence("HLR"), level=3)

    row = gaps_by_requirement()[rid]

    assert (row.required, row.holders_now, row.gap_now) == (6, 3, 3)


def test_a_requirement_counts_staff_of_sub_units_but_not_of_parent_or_other_units(world):
    wound = world.competence("SAARSTELL")
    on_parent = world.require("HO", wound, count=4)
    on_middle = world.require("HO-HJEM", wound, count=4)
    on_leaf = world.require("HO-HJEM-NORD", wound, count=4)
    world.holders(wound, 2, unit="HO-HJEM-NORD")
    world.holders(wound, 1, unit="HO-HJEM")
    world.holders(wound, 3, unit="SK-SKOLE")  # another service area

    rows = gaps_by_requirement()

    assert rows[on_parent].holders_now == 3
    assert rows[on_middle].holders_now == 3
    assert rows[on_leaf].holders_now == 2
    assert rows[on_leaf].gap_now == 2


def test_a_profession_restricted_requirement_counts_only_that_profession(world):
    wound = world.competence("SAARSTELL")
    nurses_only = world.require("HO-HJEM", wound, count=3, profession="Sykepleier")
    anyone = world.require("HO-HJEM-NORD", wound, count=3)
    world.holders(wound, 2, profession="Sykepleier")
    world.holders(wound, 2, profession="Helsefagarbeider")

    rows = gaps_by_requirement()

    assert (rows[nurses_only].holders_now, rows[nurses_only].gap_now) == (2, 1)
    assert (rows[anyone].holders_now, rows[anyone].gap_now) == (4, 0)
    assert rows[nurses_only].profession == "Sykepleier"


def test_a_unit_without_requirements_has_no_row_and_surplus_gives_no_negative_gap(world):
    wound = world.competence("SAARSTELL")
    rid = world.require("HO-HJEM-NORD", wound, count=1)
    world.holders(wound, 3)
    world.holders(wound, 4, unit="SK-SKOLE")

    rows = requirement_gaps(today=TODAY)

    assert [r.requirement_id for r in rows] == [rid]
    assert rows[0].gap_now == 0 and rows[0].holders_now == 3


def test_a_requirement_nobody_holds_shows_the_whole_requirement_as_gap(world):
    rid = world.require("SK-SKOLE", world.competence("ENGELSK"), count=4)
    assert figures(gaps_by_requirement(5)[rid]) == (4, 0, 4, 0, 0, 4)


# --- who is gone by the horizon ------------------------------------------------------


def test_turning_the_retirement_age_on_the_horizon_day_is_not_before_it(world):
    wound = world.competence("SAARSTELL")
    rid = world.require("HO-HJEM-NORD", wound, count=10)
    stays = [
        world.person(profession="Sykepleier", born=date(1966, 3, 15)),  # 65 (nurses' age) on the horizon day
        world.person(profession="Assistent", born=date(1964, 3, 15)),  # 67 (default) on the horizon day
        world.person(profession="Assistent", born=date(1964, 6, 1)),  # 66 at the horizon: default 67 applies
    ]
    leaves = [
        world.person(profession="Sykepleier", born=date(1966, 3, 14)),  # 65 the day before
        world.person(profession="Assistent", born=date(1964, 3, 14)),
        world.person(profession="Sykepleier", born=date(1964, 6, 1)),  # 66 at the horizon: nurses leave at 65
    ]
    for employee_id in stays + leaves:
        world.hold(employee_id, wound)

    row = gaps_by_requirement(5)[rid]

    assert figures(row) == (10, 6, 4, 3, 3, 7)


def test_hr_setting_overrides_the_built_in_and_default_retirement_ages(world):
    wound = world.competence("SAARSTELL")
    rid = world.require("HO-HJEM-NORD", wound, count=2)
    nurse = world.person(profession="Sykepleier", born=date(1964, 6, 1))  # 66 at the horizon
    assistant = world.person(profession="Assistent", born=date(1969, 3, 14))  # 62 the day before the horizon
    for employee_id in (nurse, assistant):
        world.hold(employee_id, wound)
    assert gaps_by_requirement(5)[rid].retiring_by_horizon == 1  # the nurse (65); the assistant works to 67

    db.session.add_all([RetirementAge(profession="Sykepleier", age=67), RetirementAge(profession="Assistent", age=62)])
    db.session.flush()

    row = gaps_by_requirement(5)[rid]
    assert (row.retiring_by_horizon, row.holders_at_horizon, row.gap_at_horizon) == (1, 1, 1)
    assert gaps_by_requirement(4)[rid].retiring_by_horizon == 0  # at 4 years the assistant is 61


def test_a_certification_expiring_before_the_horizon_counts_now_but_not_then(world):
    hlr = world.competence("HLR", kind="certification")
    rid = world.require("HO-HJEM-NORD", hlr, count=4)
    expires_before = world.person()
    world.hold(expires_before, hlr, valid_until=HORIZON_5 - timedelta(days=1))
    expires_on = world.person()
    world.hold(expires_on, hlr, valid_until=HORIZON_5)  # still valid on the horizon day
    renewed = world.person()  # an old record running out, and a later one without expiry
    world.hold(renewed, hlr, source="personnel_system", valid_until=TODAY + timedelta(days=30))
    world.hold(renewed, hlr, source="learning_activity", valid_until=None)
    expired = world.person()
    world.hold(expired, hlr, valid_until=YESTERDAY)

    assert figures(gaps_by_requirement(5)[rid]) == (4, 3, 1, 1, 2, 2)
    assert figures(gaps_by_requirement(0)[rid]) == (4, 3, 1, 0, 3, 1)


def test_someone_past_retirement_age_still_working_counts_now_and_is_gone_at_any_horizon(world):
    wound = world.competence("SAARSTELL")
    rid = world.require("HO-HJEM-NORD", wound, count=1)
    world.hold(world.person(profession="Assistent", born=date(1958, 1, 1)), wound)  # 68 today

    row = gaps_by_requirement(1)[rid]
    assert (row.holders_now, row.gap_now, row.holders_at_horizon, row.gap_at_horizon) == (1, 0, 0, 1)


# --- adding up the unit tree ----------------------------------------------------------


def units_by_id():
    return {u.id: u for u in db.session.scalars(select(Unit))}


def service_areas(units):
    return [u.id for u in units.values() if u.parent_id is None]


def test_service_area_adds_up_the_gaps_of_its_units_not_their_surplus(world):
    wound = world.competence("SAARSTELL")
    hlr = world.competence("HLR")
    world.require("HO-HJEM-NORD", wound, count=2)  # 5 hold it: no gap
    world.require("HO-HJEM", wound, count=8)  # counts the same 5 and 1 more: gap 2
    world.require("SK-SKOLE", wound, count=3)  # nobody: gap 3
    world.require("SK", hlr, count=2)
    world.holders(wound, 5, unit="HO-HJEM-NORD")
    world.holders(wound, 1, unit="HO-HJEM")

    units = units_by_id()
    tree = GapTree(requirement_gaps(today=TODAY), units, service_areas(units)).finish()
    top = {(units[n.unit_id].code, n.competence_id): n for nodes in tree.level().values() for n in nodes}

    ho = top[("HO", wound)]
    assert (ho.required, ho.holders_now, ho.gap_now, ho.min_level) == (10, 11, 2, 2)
    assert (top[("SK", wound)].gap_now, top[("SK", hlr)].gap_now) == (3, 2)
    assert set(top) == {("HO", wound), ("SK", wound), ("SK", hlr)}

    below_ho = tree.level(units[ho.unit_id].id)[wound]
    assert [(units[n.unit_id].code, n.own, n.gap_now) for n in below_ho] == [("HO-HJEM", False, 2)]
    below_hjem = tree.level(units[below_ho[0].unit_id].id)[wound]
    assert [(units[n.unit_id].code, n.own, n.gap_now) for n in below_hjem] == [
        ("HO-HJEM", True, 2),
        ("HO-HJEM-NORD", False, 0),
    ]
    assert tree.is_leaf(below_hjem[1]) and not tree.is_leaf(ho)


def test_a_leaders_tree_starts_at_the_units_they_lead(world, people):
    wound = world.competence("SAARSTELL")
    world.require("HO", wound, count=2)
    world.require("HO-HJEM-NORD", wound, count=2)
    world.require("SK-SKOLE", wound, count=2)
    units = units_by_id()
    viewer = GapViewer(unit_paths=["/HO/HO-HJEM/"], suppress=False, people_paths=["/HO/HO-HJEM/"])

    tree = load_tree(viewer, units, 0, TODAY)

    assert [units[n.unit_id].code for n in tree.level()[wound]] == ["HO-HJEM"]
    assert [r.unit_id for r in tree.requirement_rows()] == [people["units"]["HO-HJEM-NORD"]]


# --- hiding small groups from aggregates-only viewers -------------------------------------


def test_suppression_hides_groups_under_five_and_what_would_give_them_away(world):
    wound = world.competence("SAARSTELL")
    world.require("HO-HJEM-NORD", wound, count=10)
    world.require("HO-HJEM", wound, count=20)  # own row of HO-HJEM: counts NORD's too
    world.holders(wound, 3, unit="HO-HJEM-NORD")
    world.holders(wound, 6, unit="HO-HJEM")
    world.require("SK-SKOLE", wound, count=9)
    world.holders(wound, 7, unit="SK-SKOLE", profession="Lærer", born=date(1961, 1, 1))  # 5 years: all gone
    units = units_by_id()
    viewer = GapViewer(unit_paths=None, suppress=True, people_paths=[])

    tree = load_tree(viewer, units, 5, TODAY)
    by_code = {(units[n.unit_id].code, n.own): n for n in tree.nodes.values()}

    nord = by_code[("HO-HJEM-NORD", False)]
    own_hjem = by_code[("HO-HJEM", True)]
    assert nord.holders_now == 3 and nord.hidden_now and nord.hidden_horizon
    # HO-HJEM (12 = 9 own + 3 NORD) is shown, so its other part (own, 9) must be hidden too.
    assert by_code[("HO-HJEM", False)].holders_now == 12 and not by_code[("HO-HJEM", False)].hidden_now
    assert own_hjem.hidden_now
    assert own_hjem.shown("holders_now") is None and own_hjem.shown("gap_now") is None
    assert own_hjem.shown("required") == 20
    # Two service areas, both large enough: nothing hidden at the top.
    assert not by_code[("HO", False)].hidden_now and not by_code[("SK", False)].hidden_now
    # All 7 in the school leave by the horizon: 7 leaving, 0 left is fine to show.
    school = by_code[("SK-SKOLE", False)]
    assert (school.shown("retiring_by_horizon"), school.shown("holders_at_horizon")) == (7, 0)
    for leaf in tree.requirement_rows():
        if units[leaf.unit_id].code == "HO-HJEM-NORD":
            assert leaf.as_dict()["holders_now"] is None and leaf.as_dict()["gap_at_horizon"] is None


def test_suppression_of_horizon_figures_alone(world):
    wound = world.competence("SAARSTELL")
    rid = world.require("SK-SKOLE", wound, count=10)
    world.holders(wound, 6, unit="SK-SKOLE", profession="Lærer")
    world.holders(wound, 2, unit="SK-SKOLE", profession="Lærer", born=date(1961, 1, 1))
    units = units_by_id()
    tree = load_tree(GapViewer(None, True, []), units, 5, TODAY)

    row = next(r for r in tree.requirement_rows() if r.requirement_id == rid)
    assert row.as_dict() == {
        "requirement_id": rid, "unit_id": row.unit_id, "competence_id": wound, "profession": None,
        "min_level": 2, "required": 10, "holders_now": 8, "gap_now": 2,
        "retiring_by_horizon": None, "holders_at_horizon": None, "gap_at_horizon": None,
    }


def test_nothing_is_hidden_from_hr(world):
    wound = world.competence("SAARSTELL")
    world.require("HO-HJEM-NORD", wound, count=10)
    world.holders(wound, 1)
    units = units_by_id()
    tree = load_tree(GapViewer(None, False, None), units, 5, TODAY)
    assert [r.as_dict()["holders_now"] for r in tree.requirement_rows()] == [1]
