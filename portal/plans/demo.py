"""Competence plans for the demo municipality: one in every stage, with a history that looks lived.

Five plans, each telling a piece of the planning cycle:

* health and care 2022–2025, closed after its evaluation, and its successor
  for 2026–2029 (made by ``new_cycle``), now defining goals: the leader's
  approval was voided when hr raised a target, so it waits for the leader;
* the whole municipality 2025–2028, carrying out measures; the union
  representative rejected the first purpose text and approved the next;
* the home-care unit of the demo ``leader`` 2024–2026, evaluated and approved
  by everyone: ready for hr to close;
* the schools 2027–2030, just written: it waits for the representative and
  the politician (and for the schools' own leaders).

Everything goes through :mod:`portal.plans.editing` and
:mod:`portal.workflow.engine`, so the versions, sign-offs and history are
the real thing. Only the clock is moved: while the demo runs, every history
row, sign-off, note and plan the engine adds is stamped with the moment the
step "happened", counted back from :data:`~portal.org.demo.REFERENCE_DATE`.

Like the rest of the demo, the same seed gives the same plans (one
``random.Random`` keyed by the seed; goal targets and reached values are
measured on fixed dates, never today), and the work does not grow with the
municipality: a fixed number of steps, goals bound to a handful of
requirement rows, and workforce figures from one grouped query per date.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from math import ceil
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select

from ..competence.gaps import requirement_gaps
from ..competence.models import Competence, Requirement
from ..extensions import db
from ..notify.models import OutgoingMail
from ..org.demo import MEN, REFERENCE_DATE, SURNAMES, WOMEN
from ..org.models import Employee, Unit, User
from ..org.stats import Figures, employed_on
from ..workflow import engine
from ..workflow.demo_clock import DemoClock
from ..workflow.models import SignOff, WorkflowHistory
from . import editing
from .figures import figure_value, goal_values, suggested_verdict
from .models import MeasureNote, Plan

OSLO = ZoneInfo("Europe/Oslo")
DEMO_USERS = ("hr", "leader", "representative", "politician")
GAP_COMPETENCES = ("SARBEHANDLING", "LEGEMIDDEL", "VELFERDSTEK", "DEMENS", "INFOSIKKERHET")
# When the closed plan was evaluated and the home-care plan's goals were measured.
HEALTH_EVALUATED = date(2025, 10, 20)
HOME_CARE_EVALUATED = date(2026, 9, 28)


@dataclass
class PlanCounts:
    """How many demo plans ended up in each state."""

    by_state: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum(self.by_state.values())

    def describe(self, order=("purpose", "goals", "measures", "evaluation", "closed")):
        """Like ``5 (1 purpose, 1 goals, ...)``, for the demo command's summary."""
        parts = ", ".join(f"{self.by_state[s]} {s}" for s in order if self.by_state.get(s))
        return f"{self.total} ({parts})"


def add_demo_plans(seed, units, people, unit_ids, team):
    """Write the demo plans inside the caller's transaction; returns their counts by state.

    ``units`` and ``people`` are what :func:`portal.org.demo.generate` planned
    (``team`` is the home-care unit the demo ``leader`` leads); the demo
    users and the competence requirements must already be in the session.
    """
    world = _World(random.Random(f"plans-{seed}"), units, people, unit_ids, team)
    clock = _Clock(world.rng)
    with clock.running():
        health = _health_and_care_2022(world, clock)
        _health_and_care_2026(world, clock, health)
        _whole_municipality(world, clock)
        _home_care(world, clock)
        _schools(world, clock)
    # The history is back-dated: there is nothing new to announce by e-mail.
    db.session.execute(delete(OutgoingMail))
    counts = dict(db.session.execute(select(Plan.state, func.count()).group_by(Plan.state)).all())
    return PlanCounts(counts)


# --- the clock ------------------------------------------------------------------------


class _Clock(DemoClock):
    """The plans' clock: a day and an hour, the minute drawn from the demo's random stream."""

    def __init__(self, rng):
        super().__init__([((WorkflowHistory, SignOff, MeasureNote), "at"), ((Plan,), "created_at")])
        self.rng = rng

    def at(self, day, hour=10):
        """The next steps happen on ``day`` around ``hour`` o'clock, Norwegian time."""
        local = datetime.combine(day, time(hour, self.rng.randrange(60)), tzinfo=OSLO)
        return super().at(local.astimezone(timezone.utc))


# --- the municipality as the plans see it ---------------------------------------------


class _World:
    """The demo users, units, names and figures the plans are written from."""

    def __init__(self, rng, units, people, unit_ids, team):
        self.rng = rng
        self.unit_ids = unit_ids
        self.by_code = {u.code: u for u in units}
        self.team = team
        self.by_profession = {}
        for person in people:
            if person["end_date"] is None:
                self.by_profession.setdefault(person["profession"], []).append(person)
        self.users = {
            u.username: u for u in db.session.scalars(select(User).where(User.username.in_(DEMO_USERS)))
        }
        self.competences = dict(
            db.session.execute(select(Competence.code, Competence.id).where(Competence.code.in_(GAP_COMPETENCES))).all()
        )
        self._figures = {}
        self._gaps = {}

    def user(self, username):
        return self.users[username]

    def unit_id(self, code):
        return self.unit_ids[code]

    def unit_name(self, code):
        return self.by_code[code].name

    # -- names for working groups --

    def staff_name(self, role_text, unit_prefix, professions, used):
        """``"Kari Hansen (role_text)"``: someone employed under ``unit_prefix`` in one of ``professions``,
        not already in ``used`` (a set of employee numbers the caller keeps per working group)."""
        for profession in professions:
            for person in self.by_profession.get(profession, ()):
                if person["unit_code"].startswith(unit_prefix) and person["employee_number"] not in used:
                    used.add(person["employee_number"])
                    return f"{person['first_name']} {person['last_name']} ({role_text})"
        return self.invented_name(role_text)

    def invented_name(self, role_text):
        """A name for someone outside the personnel system (a politician)."""
        first = self.rng.choice(WOMEN if self.rng.random() < 0.5 else MEN)
        return f"{first} {self.rng.choice(SURNAMES)} ({role_text})"

    # -- figures on fixed dates --

    def figure(self, figure, unit_code, day=REFERENCE_DATE):
        """A workforce figure for a unit and its sub-units (``None``: the whole municipality) on ``day``.

        One aggregate over the unit's subtree, counted as :func:`portal.org.stats.figures_by_unit`
        counts, so the goal's live value later matches; the whole tree is never grouped here.
        """
        key = (unit_code, day)
        if key not in self._figures:
            stmt = select(
                func.count(Employee.id),
                func.sum(Employee.position_percent),
                func.sum(case((Employee.position_percent < 100, 1), else_=0)),
            ).where(employed_on(day))
            if unit_code:
                stmt = stmt.join(Unit, Unit.id == Employee.unit_id).where(
                    Unit.path.startswith(self.by_code[unit_code].path, autoescape=True)
                )
            headcount, percent_sum, part_time = db.session.execute(stmt).one()
            self._figures[key] = Figures(headcount or 0, float(percent_sum or 0), int(part_time or 0))
        return figure_value(figure, self._figures[key]) or Decimal(0)

    def gap(self, unit_code, competence_code, day=REFERENCE_DATE):
        """The requirement row (a gap cell) for a competence on a unit, or ``None`` when there is none."""
        unit_id, competence_id = self.unit_ids[unit_code], self.competences.get(competence_code)
        key = (unit_code, day)
        if key not in self._gaps:
            ids = db.session.scalars(
                select(Requirement.id).where(
                    Requirement.unit_id == unit_id,
                    Requirement.competence_id.in_(list(self.competences.values())),
                    Requirement.profession.is_(None),
                )
            ).all()
            self._gaps[key] = requirement_gaps(
                unit_paths=[self.by_code[unit_code].path], today=day, requirement_ids=ids
            ) if ids else []
        return next((r for r in self._gaps[key] if r.competence_id == competence_id), None)


# --- small helpers for writing steps -------------------------------------------------------


def _sign(world, plan, username, decision="approve", comment=""):
    engine.sign(plan, world.user(username), username, decision, comment, plan.version)


def _fire(world, plan, name, comment=""):
    return engine.fire(plan, world.user("hr"), name, comment, plan.version)


def _competence_goal(world, unit_code, code, title, target_date, extra, description, day=REFERENCE_DATE, fallback=5):
    """A goal bound to the requirement (gap cell) for ``code`` on the unit, aiming at the holders on ``day``
    plus ``extra`` (at least the required number when ``extra`` is positive; a function of the row also works).

    In a municipality too small to have that requirement, the goal is the
    same in words with a manual target.
    """
    row = world.gap(unit_code, code, day)
    if row is None:
        return {"title": title, "kind": "manual", "target_value": fallback, "manual_value": max(0, fallback - 2),
                "target_date": target_date, "description": description}
    if callable(extra):
        target = extra(row)
    elif extra > 0:
        target = max(row.required, row.holders_now + extra)
    else:
        target = max(1, row.holders_now + extra)
    return {
        "title": title,
        "kind": "competence",
        "unit_id": world.unit_id(unit_code),
        "competence_id": row.competence_id,
        "min_level": row.min_level,
        "target_count": target,
        "target_date": target_date,
        "description": description,
    }


def _workforce_goal(world, unit_code, figure, title, target_date, change, description, day=REFERENCE_DATE,
                    direction=None):
    """A workforce goal ``change`` percentage points from the figure on ``day`` (rounded to a whole number);
    aiming down (at most) when ``change`` is negative unless ``direction`` says otherwise."""
    now = world.figure(figure, unit_code, day)
    target = max(Decimal(1), (now + change).quantize(Decimal("1")))
    return {
        "title": title,
        "kind": "workforce",
        "unit_id": world.unit_id(unit_code) if unit_code else None,
        "figure": figure,
        "target_value": target,
        "direction": direction or ("at_most" if change < 0 else "at_least"),
        "target_date": target_date,
        "description": description,
    }


def _goals(world, clock, plan, specs):
    """Add the goals, each starting from its value on the clock's day (not today's, as the live code would)."""
    hr = world.user("hr")
    goals = [editing.add_goal(plan, spec, hr, plan.version) for spec in specs]
    values = _values_on(world, goals, clock.now.astimezone(OSLO).date())
    for goal in goals:
        goal.baseline_value = values.get(goal.id)
    return goals


def _measures(world, plan, specs):
    hr = world.user("hr")
    return [editing.add_measure(plan, spec, hr, plan.version) for spec in specs]


def _note(world, plan, measure, text, username="hr"):
    editing.add_note(plan, measure, text, world.user(username), plan.version)


def _status(world, plan, measure, status):
    editing.update_measure(plan, measure, {"status": status}, world.user("hr"), plan.version)


def _values_on(world, goals, day):
    """Each goal's value as it was on ``day`` (the demo's figures are dated, so the past can be measured)."""
    values = goal_values([g for g in goals if g.kind != "workforce"], today=day)
    codes = {uid: code for code, uid in world.unit_ids.items()}
    for goal in goals:
        if goal.kind == "workforce":
            values[goal.id] = world.figure(goal.figure, codes.get(goal.unit_id), day)
    return values


def _evaluate(world, clock, plan, day, comments):
    """Evaluate every goal on ``day``: the reached value measured on that day, the verdict it suggests."""
    values = _values_on(world, plan.goals, day)
    hr = world.user("hr")
    for goal, comment in zip(plan.goals, comments):
        value = values.get(goal.id)
        verdict = suggested_verdict(goal, value) or "partly"
        data = {"verdict": verdict, "comment": comment, "reached_value": value if value is not None else 0}
        editing.evaluate_goal(plan, goal, data, hr, plan.version)
        goal.reached_value = value if value is not None else goal.reached_value
        goal.evaluated_at = clock.now


# --- health and care 2022–2025, closed, and its successor -------------------------------------

HEALTH_MANDATE = (
    "Arbeidsgruppa skal kartlegge kompetansebehovet i helse og omsorg, foreslå mål og tiltak for perioden "
    "og legge planen fram for hovedutvalg for helse og omsorg. Gruppa møtes en gang i måneden og rapporterer "
    "til kommunalsjefen. Planen skal henge sammen med økonomiplanen."
)
HEALTH_PURPOSE = (
    "Helse og omsorg skal ha nok ansatte med riktig kompetanse til å gi trygge tjenester hjemme og på "
    "institusjon. Flere eldre, flere brukere med sammensatte behov og færre nyutdannede gjør at vi må utvikle "
    "de ansatte vi har, ikke bare rekruttere nye. Planen skal vise hva vi prioriterer, hvem som har ansvaret "
    "og hvordan vi følger opp."
)
HEALTH_PLATFORM = {
    "overview": (
        "Formell utdanning ligger i personalsystemet. Ferdigheter som sårbehandling og legemiddelhåndtering er "
        "bare delvis kartlagt, og enhetslederne har hatt oversikten i egne regneark. Fra nå registreres "
        "kartleggingen i kompetanseportalen, og enhetslederne holder den oppdatert etter medarbeidersamtalene."
    ),
    "needs_ahead": (
        "Hjemmetjenesten får flere brukere med sår, diabetes og mange legemidler. Vi trenger flere sykepleiere "
        "og helsefagarbeidere med sårbehandling og legemiddelhåndtering på nivå 2, og flere med videreutdanning "
        "i geriatri på sykehjemmene."
    ),
    "outlook": (
        "Om fem år har om lag hver femte sykepleier nådd særaldersgrensen på 65 år. Aldersgruppen over 60 er "
        "størst på sykehjemmene og på natt i hjemmetjenesten. Vi må regne med at flere går av enn vi klarer å "
        "rekruttere."
    ),
    "stability": (
        "Legekontor og helsestasjon har stabil bemanning. Turnover er høyest blant unge assistenter og "
        "helsefagarbeidere i turnus, og blant nyutdannede sykepleiere i hjemmetjenesten det første året."
    ),
}


def _health_group(world):
    used = set()
    team = world.team
    return [
        {"name": world.staff_name("kommunalsjef helse og omsorg", "HO", ("Kommunalsjef",), used), "role": "leader"},
        {"name": world.staff_name(f"enhetsleder, {team.name}", team.code, ("Enhetsleder",), used), "role": "leader"},
        {"name": world.staff_name("sykepleier", team.code, ("Sykepleier",), used), "role": "employee"},
        {"name": world.staff_name("helsefagarbeider", "HO-SYK", ("Helsefagarbeider",), used), "role": "employee"},
        {"name": world.staff_name("hovedtillitsvalgt, Fagforbundet", "HO", ("Helsefagarbeider",), used),
         "role": "representative"},
        {"name": world.staff_name("hovedtillitsvalgt, Norsk Sykepleierforbund", "HO", ("Sykepleier",), used),
         "role": "representative"},
        {"name": world.staff_name("verneombud", "HO", ("Vernepleier", "Helsefagarbeider"), used),
         "role": "safety_representative"},
        {"name": world.invented_name("leder av hovedutvalg for helse og omsorg"), "role": "politician"},
        {"name": world.staff_name("rådgiver, personal og organisasjon", "ADM", ("Rådgiver",), used), "role": "other"},
    ]


def _health_and_care_2022(world, clock):
    hr, team = world.user("hr"), world.team
    clock.at(date(2021, 8, 23), 9)
    plan = editing.create_plan(
        {
            "title": "Kompetanseplan for helse og omsorg 2022–2025",
            "scope_unit_id": world.unit_id("HO"),
            "period_start": date(2022, 1, 1),
            "period_end": date(2025, 12, 31),
            "mandate": HEALTH_MANDATE,
            "purpose": HEALTH_PURPOSE,
            "platform": {k: v for k, v in HEALTH_PLATFORM.items() if k != "stability"},
            "working_group": _health_group(world),
        },
        hr,
    )
    clock.at(date(2021, 9, 15), 14)
    editing.update_plan(plan, {"platform": HEALTH_PLATFORM}, hr, plan.version)
    clock.at(date(2021, 10, 4), 11)
    _sign(world, plan, "leader", comment="Enig i formålet. Hjemmetjenesten trenger dette.")
    clock.at(date(2021, 10, 6), 13)
    _sign(world, plan, "representative", comment="Godkjent etter drøfting i arbeidsgruppa.")
    clock.at(date(2021, 10, 20), 18)
    _sign(world, plan, "politician", comment="Vedtatt i hovedutvalg for helse og omsorg, sak 41/21.")
    clock.at(date(2021, 10, 21), 9)
    _fire(world, plan, "agree_purpose")

    clock.at(date(2021, 11, 8), 10)
    wound, medicine, part_time = _goals(world, clock, plan, [
        _competence_goal(
            world, team.code, "SARBEHANDLING", f"Flere med sårbehandling på nivå 2 i {team.name.lower()}",
            date(2025, 6, 30), lambda row: max(row.required, ceil(row.holders_now * 1.3) + 2),
            "Sårbehandling er den kompetansen brukerne oftest savner hjemme.", day=HEALTH_EVALUATED,
        ),
        _competence_goal(
            world, team.code, "LEGEMIDDEL", f"Trygg legemiddelhåndtering i {team.name.lower()}",
            date(2024, 12, 31), -1, "Alle som deler ut legemidler skal ha legemiddelhåndtering på nivå 2.",
            day=HEALTH_EVALUATED,
        ),
        _workforce_goal(
            world, "HO", "part_time_share", "Lavere deltidsandel i helse og omsorg", date(2025, 12, 31), -8,
            "Flere hele stillinger gjør det lettere å rekruttere og beholde fagfolk.", day=HEALTH_EVALUATED,
        ),
    ])
    clock.at(date(2021, 11, 30), 10)
    _sign(world, plan, "leader")
    clock.at(date(2021, 12, 1), 12)
    _sign(world, plan, "representative", comment="Heltidsmålet er viktig for oss.")
    clock.at(date(2021, 12, 2), 9)
    _fire(world, plan, "approve_goals")

    clock.at(date(2022, 1, 10), 10)
    fagdag, mooc, grant, heltid, practice = _measures(world, plan, [
        {
            "goal_id": wound.id, "kind": "fagdag", "title": "Fagdager i sårbehandling",
            "description": "Fire fagdager i året med sårsykepleier fra sykehuset, med praktiske øvelser.",
            "responsible": "Fagsykepleier i hjemmetjenesten", "target_group": "Sykepleiere og helsefagarbeidere",
            "start": date(2022, 3, 1), "end": date(2025, 6, 30), "participants": 40, "cost_per_participant": 1500,
            "cost_centre": "3510", "evaluation_method": "Kartlegging av sårbehandling før og etter, i portalen.",
        },
        {
            "goal_id": medicine.id, "kind": "mooc", "title": "E-læring i legemiddelhåndtering",
            "description": "Nettkurs fra KS Læring med praktisk prøve hos sykepleier etterpå.",
            "responsible": "Enhetsleder i hjemmetjenesten", "target_group": "Alle som deler ut legemidler",
            "start": date(2022, 2, 1), "end": date(2023, 12, 31), "participants": 60, "cost_per_participant": 300,
            "cost_centre": "3510", "evaluation_method": "Andel med bestått kurs og godkjent praktisk prøve.",
        },
        {
            "goal_id": wound.id, "kind": "education_grant", "title": "Stipend til videreutdanning i geriatri",
            "description": "Kommunen dekker studieavgift og reise, og gir permisjon med lønn på samlingene.",
            "responsible": "Kommunalsjef helse og omsorg", "target_group": "Sykepleiere med minst to års ansiennitet",
            "binding_months": 24, "start": date(2022, 8, 15), "end": date(2024, 6, 30), "participants": 6,
            "cost_per_participant": 45000, "external_grants": 120000, "cost_centre": "3000",
            "evaluation_method": "Hvor mange fullfører, og hvor mange er i jobb hos oss to år etter.",
        },
        {
            "goal_id": part_time.id, "kind": "full_time", "title": "Heltidsprosjekt: ønsketurnus og langvakter",
            "description": "Pilot med ønsketurnus og langvakter i helg på to sykehjem, deretter i hjemmetjenesten.",
            "responsible": "Prosjektleder heltid, personal og organisasjon", "target_group": "Ansatte i turnus",
            "start": date(2022, 4, 1), "end": date(2025, 12, 31), "cost_nok": 450000, "external_grants": 200000,
            "cost_centre": "3000", "evaluation_method": "Deltidsandel og uønsket deltid, målt hvert halvår.",
        },
        {
            "goal_id": part_time.id, "kind": "student_placement", "title": "Praksisplasser for sykepleierstudenter",
            "description": "Faste praksisplasser og veiledere, slik at studentene vil søke jobb hos oss.",
            "responsible": "Praksiskoordinator", "target_group": "Sykepleierstudenter i 2. og 3. studieår",
            "start": date(2022, 8, 1), "end": date(2025, 6, 30), "participants": 24, "cost_per_participant": 2000,
            "cost_centre": "3000", "evaluation_method": "Hvor mange studenter som søker jobb etter praksis.",
        },
    ])
    clock.at(date(2022, 3, 14), 15)
    for measure in (fagdag, mooc, grant, heltid, practice):
        _status(world, plan, measure, "in_progress")
    clock.at(date(2022, 11, 2), 14)
    _note(world, plan, fagdag, "Fire fagdager holdt i 2022, 38 deltakere. Sårsykepleier fra sykehuset var populær.")
    clock.at(date(2023, 6, 20), 13)
    _note(world, plan, heltid, "Piloten er utvidet til to sykehjem. Deltidsandelen i pilotene er gått ned med 6 poeng.")
    clock.at(date(2024, 1, 15), 10)
    _status(world, plan, mooc, "done")
    _note(world, plan, mooc, "52 av 60 har fullført kurset og bestått den praktiske prøven.")
    clock.at(date(2024, 6, 28), 11)
    _status(world, plan, grant, "done")
    _note(world, plan, grant, "Fem av seks fullførte videreutdanningen. Alle fem jobber fortsatt hos oss.")
    clock.at(date(2025, 6, 30), 12)
    for measure in (fagdag, practice):
        _status(world, plan, measure, "done")

    clock.at(date(2025, 9, 1), 9)
    _fire(world, plan, "start_evaluation")
    clock.at(HEALTH_EVALUATED, 10)
    _note(world, plan, heltid, "Heltidsarbeidet fortsetter i neste plan: målet er ikke nådd i hjemmetjenesten.")
    _status(world, plan, heltid, "done")
    _evaluate(world, clock, plan, HEALTH_EVALUATED, [
        "Flere har fått sårbehandling på nivå 2, men ikke så mange som vi satte som mål. Føres videre.",
        "Målet er nådd. E-læringen og den praktiske prøven fungerte godt.",
        "Deltidsandelen er gått ned, men mindre enn planlagt. Heltidsarbeidet føres videre.",
    ])
    clock.at(date(2025, 11, 12), 10)
    _sign(world, plan, "leader", comment="Evalueringen stemmer med det vi ser i tjenesten.")
    clock.at(date(2025, 11, 14), 14)
    _sign(world, plan, "representative")
    clock.at(date(2025, 12, 3), 18)
    _sign(world, plan, "politician", comment="Tatt til orientering i hovedutvalget, sak 58/25.")
    clock.at(date(2025, 12, 10), 9)
    _fire(world, plan, "close", "Planperioden er over, og evalueringen er godkjent.")
    return plan


def _health_and_care_2026(world, clock, closed):
    hr = world.user("hr")
    clock.at(date(2026, 1, 12), 9)
    plan = _fire(world, closed, "new_cycle", "Ny planperiode 2026–2029.")
    clock.at(date(2026, 1, 19), 13)
    editing.update_plan(plan, {
        "title": "Kompetanseplan for helse og omsorg 2026–2029",
        "period_start": date(2026, 1, 1),
        "period_end": date(2029, 12, 31),
        "purpose": HEALTH_PURPOSE + (
            " Planen bygger på planen for 2022–2025. Målene om sårbehandling og heltid ble ikke nådd og er ført "
            "videre. Nytt i denne perioden er velferdsteknologi og å beholde nyutdannede."
        ),
    }, hr, plan.version)
    clock.at(date(2026, 2, 9), 14)
    editing.update_plan(plan, {"platform": HEALTH_PLATFORM | {
        "outlook": (
            "Fram mot 2031 når mange sykepleiere og helsefagarbeidere særaldersgrensen. Framskrivingen i portalen "
            "viser at gapet i sårbehandling og klinisk observasjon blir større uten tiltak, særlig på natt."
        ),
    }}, hr, plan.version)
    clock.at(date(2026, 3, 2), 10)
    _sign(world, plan, "leader")
    clock.at(date(2026, 3, 4), 12)
    _sign(world, plan, "representative")
    clock.at(date(2026, 3, 18), 18)
    _sign(world, plan, "politician", comment="Vedtatt i hovedutvalg for helse og omsorg, sak 12/26.")
    clock.at(date(2026, 3, 19), 9)
    _fire(world, plan, "agree_purpose")

    clock.at(date(2026, 9, 14), 10)
    goals = _goals(world, clock, plan, [
        _competence_goal(
            world, "HO", "VELFERDSTEK", "Superbrukere i velferdsteknologi i helse og omsorg", date(2028, 12, 31), 4,
            "Hver enhet skal ha minst én superbruker som kan lære opp kollegaer.", fallback=4,
        ),
        _workforce_goal(
            world, "HO", "average_position_percent", "Større stillinger i helse og omsorg", date(2029, 12, 31), 4,
            "Gjennomsnittlig stillingsstørrelse skal opp: flere skal kunne leve av stillingen sin.",
        ),
    ])
    clock.at(date(2026, 10, 5), 11)
    _sign(world, plan, "leader", comment="Godkjent. Velferdsteknologi er riktig satsing.")
    clock.at(date(2026, 10, 12), 14)
    part_time = next((g for g in plan.goals if g.kind == "workforce" and g.figure == "part_time_share"), None)
    if part_time is not None:
        lower = max(Decimal(1), part_time.target_value - 5)
        editing.update_goal(plan, part_time, {"target_value": lower}, hr, plan.version)
    else:  # a municipality too small for the carried-over goal: sharpen the new one instead
        sharper = goals[0].description + " Tillitsvalgte ba om et tydeligere mål."
        editing.update_goal(plan, goals[0], {"description": sharper}, hr, plan.version)
    clock.at(date(2026, 10, 20), 13)
    _sign(world, plan, "representative", comment="Bra at heltidsmålet er skjerpet.")
    return plan


# --- the whole municipality 2025–2028, carrying out measures ------------------------------------

MUNICIPALITY_PURPOSE = (
    "Eksempel kommune skal ha den kompetansen innbyggerne trenger, nå og om ti år. Planen samler det alle "
    "tjenesteområdene trenger: lederutvikling, digital kompetanse og informasjonssikkerhet, og rekruttering "
    "til yrker der det er mangel på fagfolk."
)


def _whole_municipality(world, clock):
    hr = world.user("hr")
    used = set()
    clock.at(date(2024, 9, 2), 10)
    plan = editing.create_plan(
        {
            "title": "Kompetanseplan for Eksempel kommune 2025–2028",
            "scope_unit_id": None,
            "period_start": date(2025, 1, 1),
            "period_end": date(2028, 12, 31),
            "mandate": (
                "Partssammensatt arbeidsgruppe oppnevnt av kommunedirektøren. Gruppa lager en felles plan for hele "
                "kommunen som bygger på tjenesteområdenes egne planer, og som kobles til økonomiplanen 2025–2028."
            ),
            "purpose": MUNICIPALITY_PURPOSE,
            "platform": {
                "overview": (
                    "Formell kompetanse er kartlagt i alle tjenesteområder. Ferdigheter og realkompetanse er godt "
                    "kartlagt i helse og omsorg, men bare delvis i teknisk drift og kultur."
                ),
                "needs_ahead": (
                    "Alle tjenesteområder trenger bedre digital kompetanse og informasjonssikkerhet. Vi mangler "
                    "sykepleiere, vernepleiere, ingeniører og barnehagelærere, og konkurrerer med nabokommunene."
                ),
                "outlook": (
                    "Om fem år er det flere over 67 og færre i arbeidsfør alder. Vi kan ikke rekruttere oss ut av "
                    "dette: vi må beholde og utvikle dem vi har."
                ),
                "stability": (
                    "Skole og administrasjon er stabile. Helse og omsorg og barnehage har høyest turnover, mest "
                    "blant unge i deltidsstillinger."
                ),
            },
            "working_group": [
                {"name": world.staff_name("kommunedirektør", "ADM", ("Kommunedirektør",), used), "role": "leader"},
                {"name": world.staff_name("kommunalsjef oppvekst", "SK", ("Kommunalsjef",), used), "role": "leader"},
                {"name": world.staff_name("hovedtillitsvalgt, Fagforbundet", "HO", ("Helsefagarbeider",), used),
                 "role": "representative"},
                {"name": world.staff_name("hovedtillitsvalgt, Utdanningsforbundet", "SK", ("Lærer",), used),
                 "role": "representative"},
                {"name": world.staff_name("hovedverneombud", "TD", ("Fagarbeider", "Ingeniør"), used),
                 "role": "safety_representative"},
                {"name": world.staff_name("konsulent, servicetorget", "ADM", ("Konsulent",), used), "role": "employee"},
                {"name": world.invented_name("ordfører"), "role": "politician"},
            ],
        },
        hr,
    )
    clock.at(date(2024, 9, 30), 11)
    _sign(world, plan, "leader")
    clock.at(date(2024, 10, 1), 15)
    _sign(world, plan, "representative", "reject",
          "Planen sier ingenting om heltid eller lærlinger. Vi kan ikke signere en plan som ikke tar tak i "
          "deltid i turnus.")
    clock.at(date(2024, 10, 8), 10)
    editing.update_plan(plan, {"purpose": MUNICIPALITY_PURPOSE + (
        " Heltid og lærlinger er egne satsinger: flere skal få hele stillinger, og kommunen skal ta inn flere "
        "lærlinger og beholde dem etter fagbrevet."
    )}, hr, plan.version)
    clock.at(date(2024, 10, 10), 9)
    _sign(world, plan, "leader")
    clock.at(date(2024, 10, 11), 14)
    _sign(world, plan, "representative", comment="Nå er heltid og lærlinger med. Godkjent.")
    clock.at(date(2024, 11, 13), 18)
    _sign(world, plan, "politician", comment="Vedtatt i kommunestyret, sak 87/24.")
    clock.at(date(2024, 11, 14), 9)
    _fire(world, plan, "agree_purpose")

    clock.at(date(2024, 12, 2), 10)
    part_time, security, apprentices = _goals(world, clock, plan, [
        _workforce_goal(
            world, None, "part_time_share", "Deltidsandelen i kommunen skal ned", date(2028, 12, 31), -6,
            "Målt på alle fast ansatte. Uønsket deltid følges opp i medarbeidersamtalene.",
        ),
        _competence_goal(
            world, "ADM", "INFOSIKKERHET", "Informasjonssikkerhet på nivå 2 i administrasjonen", date(2026, 12, 31), 5,
            "Alle som behandler personopplysninger i fagsystemene skal ha grunnopplæring.", fallback=8,
        ),
        {
            "title": "Minst 15 nye lærekontrakter i året", "kind": "manual", "target_value": 15, "manual_value": 11,
            "target_date": date(2028, 8, 31),
            "description": "Helsearbeider-, barne- og ungdomsarbeider- og byggdrifterfaget. Tallet oppdateres hver høst.",
        },
    ])
    clock.at(date(2025, 1, 14), 11)
    _sign(world, plan, "leader")
    clock.at(date(2025, 1, 16), 13)
    _sign(world, plan, "representative")
    clock.at(date(2025, 1, 20), 9)
    _fire(world, plan, "approve_goals")

    clock.at(date(2025, 2, 3), 10)
    heltid, kurs, laerling, rekruttering, psykolog, arkiv = _measures(world, plan, [
        {
            "goal_id": part_time.id, "kind": "full_time", "title": "Heltidskultur: hele stillinger ved nyansettelser",
            "description": "Ledige stillinger lyses ut som hele stillinger, med unntak som må begrunnes.",
            "responsible": "Kommunedirektørens ledergruppe", "target_group": "Alle tjenesteområder",
            "start": date(2025, 3, 1), "end": date(2028, 12, 31), "cost_nok": 300000, "cost_centre": "1200",
            "evaluation_method": "Deltidsandel og andel utlysninger med hel stilling, rapportert i årsmeldingen.",
        },
        {
            "goal_id": security.id, "kind": "mooc", "title": "Nettkurs i informasjonssikkerhet og personvern",
            "description": "Obligatorisk nettkurs for alle med tilgang til fagsystemer, fornyes hvert annet år.",
            "responsible": "Informasjonssikkerhetsleder", "target_group": "Alle ansatte med tilgang til fagsystemer",
            "start": date(2025, 3, 1), "end": date(2026, 12, 31), "participants": 250, "cost_per_participant": 200,
            "cost_centre": "1400", "evaluation_method": "Andel som har fullført, hentet fra kursportalen.",
        },
        {
            "goal_id": apprentices.id, "kind": "apprentices", "title": "Flere lærlinger, og fast jobb etter fagbrev",
            "description": "Lærlingkoordinator i personalavdelingen, og tilbud om fast stilling etter bestått fagprøve.",
            "responsible": "Lærlingkoordinator", "target_group": "Ungdom og voksne i Y-veien og praksisbrevløp",
            "start": date(2025, 8, 15), "end": date(2028, 8, 31), "participants": 15, "cost_per_participant": 60000,
            "external_grants": 450000, "cost_centre": "1200",
            "evaluation_method": "Antall lærekontrakter, beståtte fagprøver og hvor mange som blir.",
        },
        {
            "goal_id": part_time.id, "kind": "recruitment", "title": "Rekrutteringskampanje på utdanningsmesser",
            "description": "Felles stand for helse, oppvekst og teknisk på messer og i videregående skoler.",
            "responsible": "Kommunikasjonsrådgiver", "target_group": "Elever og studenter",
            "start": date(2025, 9, 1), "end": date(2026, 5, 31), "cost_nok": 80000, "cost_centre": "1200",
            "evaluation_method": "Antall søkere til utlyste stillinger, sammenlignet med året før.",
        },
        {
            "goal_id": None, "kind": "shared_position", "title": "Delt kommunepsykolog med nabokommunen",
            "description": "Én stilling delt 50/50 med nabokommunen, med felles fagmiljø og veiledning.",
            "responsible": "Kommunalsjef helse og omsorg", "target_group": "Psykisk helse og rus, helsestasjon",
            "start": date(2025, 6, 1), "end": date(2028, 12, 31), "cost_nok": 450000, "external_grants": 250000,
            "cost_centre": "3400", "evaluation_method": "Ventetid og antall konsultasjoner, rapportert hvert år.",
        },
        {
            "goal_id": None, "kind": "phase_out", "title": "Papirarkiv avvikles: overgang til digital arkivering",
            "description": "Opplæring i digital arkivering; kompetansen på papirarkiv trengs ikke lenger.",
            "responsible": "Arkivleder", "target_group": "Ansatte på servicetorget og i arkivet",
            "start": date(2025, 4, 1), "end": date(2026, 6, 30), "participants": 12, "cost_per_participant": 2500,
            "cost_centre": "1400", "evaluation_method": "Andel saker arkivert digitalt.",
        },
    ])
    clock.at(date(2025, 3, 3), 9)
    for measure in (heltid, kurs, arkiv):
        _status(world, plan, measure, "in_progress")
    clock.at(date(2025, 6, 2), 10)
    _status(world, plan, psykolog, "in_progress")
    _note(world, plan, psykolog, "Avtale med nabokommunen er signert. Psykologen startet 1. juni.")
    clock.at(date(2025, 8, 18), 10)
    _status(world, plan, laerling, "in_progress")
    _note(world, plan, laerling, "13 nye lærekontrakter fra august, to færre enn målet. Tre innen byggdrift.")
    clock.at(date(2025, 12, 15), 14)
    _note(world, plan, kurs, "62 % har fullført nettkurset. Påminnelse sendt til enhetslederne.")
    clock.at(date(2026, 5, 29), 12)
    _status(world, plan, rekruttering, "done")
    _note(world, plan, rekruttering, "Stand på tre messer. 20 % flere søkere til sykepleierstillinger enn i fjor.")
    clock.at(date(2026, 6, 30), 11)
    _status(world, plan, arkiv, "done")
    clock.at(date(2026, 9, 21), 13)
    _note(world, plan, heltid, "Åtte av ti stillinger ble lyst ut som hele stillinger i første halvår.")
    return plan


# --- the demo leader's home-care unit 2024–2026, evaluated and approved ----------------------------


def _home_care(world, clock):
    hr, team = world.user("hr"), world.team
    unit = team.name.lower()
    used = set()
    clock.at(date(2023, 10, 2), 10)
    plan = editing.create_plan(
        {
            "title": f"Kompetanseplan for {unit} 2024–2026",
            "scope_unit_id": world.unit_id(team.code),
            "period_start": date(2024, 1, 1),
            "period_end": date(2026, 12, 31),
            "mandate": (
                f"Enhetslederen i {unit} leder arbeidet sammen med tillitsvalgte og verneombud. Planen skal "
                "følge opp helse og omsorgs plan for 2022–2025 i enheten."
            ),
            "purpose": (
                "Brukerne i hjemmetjenesten er sykere enn før, og mange har sår og mange legemidler. Vi vil at "
                "alle vakter skal ha noen med sårbehandling, og at flere bruker velferdsteknologi trygt."
            ),
            "platform": {
                "overview": "Sårbehandling og velferdsteknologi er kartlagt for alle ansatte i medarbeidersamtalene 2023.",
                "needs_ahead": "Flere brukere med digitale trygghetsalarmer og medisindispensere krever superbrukere.",
                "outlook": "Fire sykepleiere når særaldersgrensen i løpet av perioden.",
                "stability": "Dagtid er stabil; kveld og helg har flest vikarer og høyest turnover.",
            },
            "working_group": [
                {"name": world.staff_name("enhetsleder", team.code, ("Enhetsleder",), used), "role": "leader"},
                {"name": world.staff_name("sykepleier", team.code, ("Sykepleier",), used), "role": "employee"},
                {"name": world.staff_name("helsefagarbeider", team.code, ("Helsefagarbeider",), used), "role": "employee"},
                {"name": world.staff_name("plasstillitsvalgt, Fagforbundet", team.code, ("Helsefagarbeider",), used),
                 "role": "representative"},
                {"name": world.staff_name("verneombud", team.code, ("Assistent", "Helsefagarbeider", "Sykepleier"), used),
                 "role": "safety_representative"},
            ],
        },
        hr,
    )
    clock.at(date(2023, 11, 6), 10)
    _sign(world, plan, "leader")
    clock.at(date(2023, 11, 7), 13)
    _sign(world, plan, "representative")
    clock.at(date(2023, 11, 22), 18)
    _sign(world, plan, "politician")
    clock.at(date(2023, 11, 23), 9)
    _fire(world, plan, "agree_purpose")

    clock.at(date(2023, 12, 4), 10)
    wound, welfare, mentor = _goals(world, clock, plan, [
        _competence_goal(
            world, team.code, "SARBEHANDLING", "Sårbehandling på nivå 2 på alle vakter", date(2026, 6, 30), -1,
            "Målt som antall ansatte med sårbehandling på nivå 2 eller høyere.", day=HOME_CARE_EVALUATED,
        ),
        _competence_goal(
            world, team.code, "VELFERDSTEK", "Velferdsteknologi på nivå 2", date(2026, 6, 30), 3,
            "Superbrukerne lærer opp kollegaer på egen vakt.", day=HOME_CARE_EVALUATED,
        ),
        {
            "title": "Alle nyansatte får en fadder de første tre månedene", "kind": "manual",
            "target_value": 90, "manual_value": 95, "target_date": date(2026, 6, 30),
            "description": "Andel nyansatte med fadder, i prosent. Telles av enhetslederen hvert halvår.",
        },
    ])
    clock.at(date(2024, 1, 8), 10)
    _sign(world, plan, "leader")
    clock.at(date(2024, 1, 9), 14)
    _sign(world, plan, "representative")
    clock.at(date(2024, 1, 10), 9)
    _fire(world, plan, "approve_goals")

    clock.at(date(2024, 1, 22), 10)
    hospitering, veiledning, kurs, trainee, turnus = _measures(world, plan, [
        {
            "goal_id": wound.id, "kind": "hospitering", "title": "Hospitering ved sårpoliklinikken",
            "description": "To dager ved sårpoliklinikken på sykehuset for hver deltaker.",
            "responsible": "Fagsykepleier", "target_group": "Helsefagarbeidere og sykepleiere på kveld og helg",
            "start": date(2024, 2, 1), "end": date(2025, 12, 31), "participants": 12, "cost_per_participant": 4000,
            "cost_centre": "3510", "evaluation_method": "Kartlegging av sårbehandling i medarbeidersamtalen.",
        },
        {
            "goal_id": wound.id, "kind": "kollegaveiledning", "title": "Kollegaveiledning i sårstell",
            "description": "Erfarne kollegaer går sammen med nyansatte i sårstell de første månedene.",
            "responsible": "Assisterende enhetsleder", "target_group": "Nyansatte",
            "start": date(2024, 2, 1), "end": date(2026, 6, 30), "cost_nok": 0, "cost_centre": "3510",
            "evaluation_method": "Nyansattes egen vurdering etter tre måneder.",
        },
        {
            "goal_id": welfare.id, "kind": "mooc", "title": "Velferdsteknologiens ABC",
            "description": "Kurs fra KS i sju samlinger, tatt i grupper på arbeidstid.",
            "responsible": "Superbruker velferdsteknologi", "target_group": "Alle ansatte",
            "start": date(2024, 3, 1), "end": date(2025, 6, 30), "participants": 30, "cost_per_participant": 500,
            "external_grants": 10000, "cost_centre": "3510", "evaluation_method": "Antall som har fullført.",
        },
        {
            "goal_id": mentor.id, "kind": "trainee", "title": "Traineeordning for nyutdannede sykepleiere",
            "description": "Ett år med rotasjon mellom dag, kveld og sykehjem, med mentor og fast 100 % stilling.",
            "responsible": "Enhetsleder", "target_group": "Nyutdannede sykepleiere", "binding_months": 12,
            "start": date(2024, 8, 15), "end": date(2026, 8, 14), "participants": 4, "cost_per_participant": 25000,
            "cost_centre": "3510", "evaluation_method": "Hvor mange som blir etter traineeåret.",
        },
        {
            "goal_id": wound.id, "kind": "full_time", "title": "Ønsketurnus og langvakter i helg",
            "description": "Ansatte setter opp egen turnus innenfor bemanningsplanen, så flere med sårkompetanse "
                           "jobber helg.",
            "responsible": "Enhetsleder", "target_group": "Alle i turnus",
            "start": date(2024, 4, 1), "end": date(2026, 12, 31), "cost_nok": 60000, "cost_centre": "3510",
            "evaluation_method": "Andel helgevakter med sårbehandling på nivå 2, og deltidsandel.",
        },
    ])
    clock.at(date(2024, 2, 5), 9)
    for measure in (hospitering, veiledning, turnus):
        _status(world, plan, measure, "in_progress")
    clock.at(date(2024, 3, 4), 9)
    _status(world, plan, kurs, "in_progress")
    clock.at(date(2024, 6, 17), 14)
    _note(world, plan, hospitering,
          "Seks har hospitert. Gode tilbakemeldinger, men vanskelig å frigjøre folk om sommeren.", "leader")
    clock.at(date(2024, 8, 15), 10)
    _status(world, plan, trainee, "in_progress")
    clock.at(date(2025, 6, 27), 13)
    _status(world, plan, kurs, "done")
    _note(world, plan, kurs, "27 av 30 har fullført. Tre superbrukere lærer opp nye.", "leader")
    clock.at(date(2025, 12, 19), 11)
    _status(world, plan, hospitering, "done")
    clock.at(date(2026, 8, 14), 10)
    _status(world, plan, trainee, "done")
    _note(world, plan, trainee, "Tre av fire sykepleiere i traineeordningen er blitt i enheten.", "leader")

    clock.at(date(2026, 9, 1), 9)
    _fire(world, plan, "start_evaluation")
    clock.at(HOME_CARE_EVALUATED, 10)
    _evaluate(world, clock, plan, HOME_CARE_EVALUATED, [
        "Nå har vi sårbehandling på nivå 2 på alle vakter, også i helgene.",
        "Flere bruker velferdsteknologien trygt, men vi trenger flere superbrukere på kveld.",
        "Fadderordningen er godt innarbeidet. Nyansatte sier de føler seg tryggere.",
    ])
    clock.at(date(2026, 10, 19), 10)
    _sign(world, plan, "leader", comment="Evalueringen er gjennomgått i personalmøtet.")
    clock.at(date(2026, 10, 21), 14)
    _sign(world, plan, "representative")
    clock.at(date(2026, 10, 28), 18)
    _sign(world, plan, "politician", comment="Tatt til orientering i hovedutvalget.")
    return plan


# --- the schools 2027–2030, just written -----------------------------------------------------------


def _schools(world, clock):
    hr = world.user("hr")
    used = set()
    clock.at(date(2026, 10, 12), 10)
    plan = editing.create_plan(
        {
            "title": "Kompetanseplan for grunnskolen 2027–2030",
            "scope_unit_id": world.unit_id("SK"),
            "period_start": date(2027, 1, 1),
            "period_end": date(2030, 12, 31),
            "mandate": (
                "Kommunalsjef for oppvekst leder arbeidet med rektorene, tillitsvalgte for Utdanningsforbundet og "
                "Fagforbundet og hovedverneombudet. Planen skal være klar til hovedutvalg for oppvekst i desember."
            ),
            "purpose": (
                "Alle elever skal møte lærere som har kompetansen fagene krever. Fra 2025 gjelder kompetansekravene "
                "for å undervise i norsk, matematikk og engelsk for alle lærere. Vi trenger også mer "
                "spesialpedagogisk kompetanse i klasserommet, så færre elever tas ut av klassen."
            ),
            "platform": {
                "overview": "Fordypning i fag ligger i personalsystemet. Spesialpedagogikk er kartlagt på to av skolene.",
                "needs_ahead": (
                    "Flere lærere må ta videreutdanning i norsk, matematikk og engelsk. Skolene trenger mer "
                    "kompetanse i spesialpedagogikk og norsk som andrespråk."
                ),
                "outlook": (
                    "Om lag hver sjette lærer er over 60 år. Det blir færre søkere til grunnskolelærerutdanningen."
                ),
            },
            "working_group": [
                {"name": world.staff_name("kommunalsjef oppvekst", "SK", ("Kommunalsjef",), used), "role": "leader"},
                {"name": world.staff_name("rektor", "SK-SKO", ("Rektor",), used), "role": "leader"},
                {"name": world.staff_name("lærer", "SK-SKO", ("Lærer",), used), "role": "employee"},
                {"name": world.staff_name("hovedtillitsvalgt, Utdanningsforbundet", "SK", ("Lærer", "Lektor"), used),
                 "role": "representative"},
                {"name": world.staff_name("tillitsvalgt, Fagforbundet", "SK", ("Fagarbeider skole", "Assistent"), used),
                 "role": "representative"},
                {"name": world.staff_name("verneombud", "SK", ("Lærer", "Lektor"), used), "role": "safety_representative"},
                {"name": world.invented_name("leder av hovedutvalg for oppvekst"), "role": "politician"},
            ],
        },
        hr,
    )
    clock.at(date(2026, 10, 19), 15)
    editing.update_plan(plan, {"platform": dict(plan.platform) | {
        "stability": "Skolene har lav turnover, men vikarbruken er høy på småtrinnet og i SFO.",
    }}, hr, plan.version)
    return plan
