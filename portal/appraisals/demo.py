"""Appraisal interviews, development entries and learning activities for the demo municipality.

What a person trying the demo should find:

* the demo ``employee`` has last year's interview, signed by both, with the
  preparation, the summary, a closing comment and four development entries
  followed up during the year (two completed, one of them by a learning
  activity; one in progress; one tied to a measure of the running
  municipality-wide competence plan), and this year's interview, scheduled
  after :data:`~portal.org.demo.REFERENCE_DATE`;
* the demo ``leader``'s unit has interviews in every state (one overdue, one
  waiting for the employee's signature, one cancelled ...) and learning
  activities (fagdag, HLR course, e-learning, hospitering ...) whose
  competences were written as ``learning_activity`` and closed matching
  entries, as :mod:`portal.learning.logging` does;
* the rest of the municipality has this year's round in every state, with
  development entries, so hr's completion figures look like a real year.

The demo employee's interviews and one interview in each state in the
demo leader's unit go through :mod:`portal.workflow.engine` (start,
record_edit, sign, fire), so versions, sign-offs and history are the real
thing; a session listener back-dates what the engine stamps, as in
:mod:`portal.plans.demo`. Team members other than the demo ``employee`` have
no log-in: their own steps are recorded under their name. The rest of the
leader's staff get the same records written in bulk (:func:`_steps` walks the
engine's path; the tests check every record the leader can open against the
workflow definition), entries with their status history included. Everyone
else's interviews are plain bulk INSERTs (one per table and chunk) without a
workflow history: no demo user can open them, they feed hr's statistics.
Same seed, same data; the number of statements does not depend on the size
of the municipality.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import joinedload

from ..competence.catalogue import derived_valid_until
from ..competence.models import Competence, HeldCompetence, HeldCompetenceChange
from ..extensions import db
from ..learning.models import LearningActivity, LearningParticipant
from ..notify.models import OutgoingMail
from ..org.demo import REFERENCE_DATE
from ..org.models import Employee, User
from ..plans.models import Measure, Plan
from ..workflow import engine
from ..workflow.demo_clock import DemoClock
from ..workflow.models import SignOff, WorkflowHistory
from .models import Appraisal, DevelopmentEntry, DevelopmentEntryEvent

OSLO = ZoneInfo("Europe/Oslo")
CHUNK = 10000
YEAR = REFERENCE_DATE.year
SPRING = (date(YEAR, 3, 2), date(YEAR, 5, 29))
AUTUMN = (date(YEAR, 9, 14), date(YEAR, 12, 4))
LAST_ROUND = date(YEAR - 1, 10, 14)
STATES = ("scheduled", "prepared", "held", "signed", "cancelled")
ENTRY_SHARE = 0.45
SOURCE = "learning_activity"
MEASURE_TITLE = "Nettkurs i informasjonssikkerhet og personvern"


@dataclass
class AppraisalCounts:
    """What the demo's appraisal part wrote, for the demo command's summary."""

    by_state: dict = field(default_factory=dict)
    entries: int = 0
    activities: int = 0
    participants: int = 0
    held_competences: int = 0  # learning-activity rows the activities added to the profiles

    @property
    def total(self):
        return sum(self.by_state.values())

    def describe(self):
        """Like ``412 (80 scheduled, 20 prepared, ...)``."""
        parts = ", ".join(f"{self.by_state[s]} {s}" for s in STATES if self.by_state.get(s))
        return f"{self.total} ({parts})"


# --- texts ------------------------------------------------------------------------------

PREPARATIONS = {
    "work_situation": (
        "Jeg trives i jobben, men det har vært travle vakter i perioder.",
        "Arbeidsmengden er grei. Jeg ønsker mer forutsigbar turnus.",
        "Det har vært et godt år. Noen uker med mye sykefravær i teamet.",
    ),
    "cooperation": (
        "Godt samarbeid i teamet, vi hjelper hverandre.",
        "Samarbeidet er godt, men overlappen mellom vaktene kunne vært bedre.",
        "Jeg får god støtte fra kollegaene mine.",
    ),
    "went_well": (
        "Opplæringen av nye kollegaer gikk bra.",
        "Jeg har fått mer ansvar og mestrer det.",
        "Vi fikk på plass nye rutiner som fungerer.",
    ),
    "wants_to_build": (
        "Jeg vil lære mer om sårbehandling.",
        "Jeg ønsker å bli tryggere på digitale verktøy.",
        "Jeg vil gjerne ta videreutdanning etter hvert.",
    ),
}
SUMMARIES = (
    "Vi snakket om arbeidssituasjonen og samarbeidet i teamet. Medarbeideren trives og ønsker å utvikle seg "
    "faglig. Vi ble enige om utviklingstiltak for neste år.",
    "God samtale. Arbeidsmengden er grei, men turnusen bør bli mer forutsigbar. Vi avtalte kurs og oppfølging "
    "i neste samtale.",
    "Medarbeideren har hatt et godt år og tatt mer ansvar. Vi ble enige om å satse på kompetanse som enheten "
    "trenger.",
)
COMMENTS = ("Takk for en god samtale.", "Enig i referatet.", "")
DROPPED = "Ikke aktuelt lenger etter at arbeidsoppgavene ble endret."
CANCEL_REASONS = ("Flyttet til neste år etter ønske fra medarbeideren.", "Medarbeideren er i permisjon.")

# Development entries by service area: (title, competence code, target level).
ENTRY_POOLS = {
    "HO": (
        ("Sårbehandling på nivå 2", "SARBEHANDLING", 2), ("Demensomsorgens ABC", "DEMENS", 2),
        ("Legemiddelkurs for delegering", "LEGEMIDDELKURS", 1), ("Klinisk observasjon med NEWS2", "KLINISK-OBS", 2),
        ("Forflytningsveileder i enheten", "FORFLYTNING", 3), ("Hospitering på en annen avdeling", None, None),
    ),
    "SK": (
        ("Videreutdanning i matematikk", "FORD-MATEMATIKK", 1),
        ("Klasseledelse med kollegaveiledning", "KLASSELEDELSE", 2),
        ("Digital undervisning", "DIGITAL-UNDERV", 2), ("Lese- og skriveopplæring", "LESE-SKRIVE", 2),
        ("Mentor for en nyutdannet lærer", None, None),
    ),
    "BH": (
        ("Språkutvikling hos de minste", "SPRAKUTVIKLING", 2), ("Barns psykiske helse", "BARNS-PSYK", 2),
        ("Pedagogisk ledelse", "PED-LEDELSE", 2),
    ),
    "TD": (
        ("Fornye brannvernkurset", "BRANNVERN", 1), ("Kurs i arbeidsvarsling", "ARBEIDSVARSLING", 1),
        ("Drift av bygg og tekniske anlegg", "BYGGDRIFT", 2),
    ),
    "KU": (("Microsoft 365 i hverdagen", "M365", 3), ("Personvern og GDPR", "PERSONVERN", 2)),
    "ADM": (
        ("Microsoft 365 i hverdagen", "M365", 3), ("Personvern og GDPR", "PERSONVERN", 2),
        ("Forvaltningsrett for saksbehandlere", "FORVALTNINGSRETT", 2),
    ),
}

# One activity per unit outside the demo team, by service area: (title, kind, hours).
UNIT_ACTIVITIES = {
    "HO": ("Fagdag om demensomsorg", "fagdag", 6),
    "SK": ("Planleggingsdag: vurdering for læring", "fagdag", 6),
    "BH": ("Fagdag om språkutvikling", "fagdag", 6),
    "TD": ("Sikkerhetsdag med øvelse", "course", 4),
    "KU": ("Fagdag for kulturtjenesten", "fagdag", 5),
    "ADM": ("Nettkurs i informasjonssikkerhet", "elearning", 3),
}


# --- the clock ----------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _moment(day, hour=10, minute=0):
    """``day`` at ``hour`` Norwegian time, as an aware UTC time (how the database stores it); cached:
    the bulk part asks for the same few hundred moments tens of thousands of times."""
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(timezone.utc)


def _workday(day):
    """``day`` or the Monday after, when it falls on a weekend."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


# --- the entry point ------------------------------------------------------------------------


def add_demo_appraisals(seed, units, people, unit_ids, team, picks):
    """Write interviews, entries and learning activities inside the caller's transaction; returns counts.

    ``units``/``people``/``team``/``picks`` are what :func:`portal.org.demo.generate`
    planned; the demo users, competences and (when made) plans must be in the session.
    """
    rng = random.Random(f"appraisals-{seed}")
    world = _World(rng, units, people, team, picks)
    clock = DemoClock([((WorkflowHistory, SignOff, DevelopmentEntryEvent), "at"),
                       ((Appraisal, DevelopmentEntry), "created_at")])
    activities = _activities(world)
    added = _write_activities(world, activities)
    with clock.running():
        _demo_interviews(world, clock, activities)
        db.session.flush()
    _bulk_interviews(world)
    # The steps are back-dated: there is nothing new to announce by e-mail.
    db.session.execute(delete(OutgoingMail))
    counts = dict(db.session.execute(select(Appraisal.state, func.count()).group_by(Appraisal.state)).all())
    return AppraisalCounts(
        counts,
        db.session.scalar(select(func.count()).select_from(DevelopmentEntry)),
        len(activities),
        sum(len(a["participants"]) for a in activities),
        added,
    )


class _World:
    """The planned municipality as the interviews see it: ids, current staff, the demo users."""

    def __init__(self, rng, units, people, team, picks):
        self.rng = rng
        self.team = team
        self.by_code = {u.code: u for u in units}
        self.ids = dict(db.session.execute(select(Employee.employee_number, Employee.id)).all())
        demo_users = select(User).where(User.username.in_(("leader", "employee")))
        self.users = {u.username: u for u in db.session.scalars(demo_users)}
        self.competences = dict(db.session.execute(select(Competence.code, Competence.id)).all())
        self.validity = dict(db.session.execute(select(Competence.id, Competence.validity_months)).all())
        self.current = [p for p in people if p["end_date"] is None and p["hire_date"] <= REFERENCE_DATE]
        self.leader_person = picks.get("leader")
        self.employee_person = picks.get("employee")
        team_codes = {u.code for u in units if u.path.startswith(team.path)}
        self.team_staff = [
            p for p in self.current
            if p["unit_code"] in team_codes and p is not self.leader_person
            and p["profession"] not in ("Avdelingsleder", team.leader)
        ]
        self._tops = {}
        self.engine_people = set()  # employee ids whose interviews the engine made
        self.measure_id = db.session.scalar(
            select(Measure.id).join(Plan, Plan.id == Measure.plan_id)
            .where(Plan.state != "closed", Measure.title == MEASURE_TITLE).order_by(Measure.id).limit(1)
        )

    def id_of(self, person):
        return self.ids[person["employee_number"]]

    def area(self, person):
        return person["unit_code"].split("-", 1)[0]

    def top_unit(self, person):
        """The unit below the service area that ``person`` works in (or the area itself)."""
        code = person["unit_code"]
        if code not in self._tops:
            unit = self.by_code[code]
            while unit.parent is not None and unit.parent.parent is not None:
                unit = unit.parent
            self._tops[code] = unit
        return self._tops[code]


def _stand_in(person, world):
    """Someone without a log-in acting in their own interview, as the engine needs them."""
    return SimpleNamespace(
        id=None, username=f"{person['first_name']} {person['last_name']}", employee_id=world.id_of(person),
        has_role=lambda *names: False, led_unit_ids=[], roles=set(), employee=None,
    )


# --- learning activities, planned first (interviews link to them) ------------------------------


def _activities(world):
    """The activities as dicts with participants (employee ids); titles are unique."""
    rng, team = world.rng, world.team
    staff = sorted(world.team_staff, key=lambda p: p["employee_number"])
    demo_id = world.id_of(world.employee_person) if world.employee_person else None
    ids = [world.id_of(p) for p in staff]
    care = [world.id_of(p) for p in staff if p["profession"] in ("Sykepleier", "Helsefagarbeider", "Spesialsykepleier")]
    leader = world.users.get("leader")
    by = leader.id if leader else None

    def some(pool, share, must=(), never=()):
        chosen = [i for i in pool if i not in never and rng.random() < share]
        return sorted(set(chosen) | {m for m in must if m})

    name = team.name
    activities = [
        dict(title=f"Fagdag i lindrende behandling – {name}", kind="fagdag", date=date(YEAR, 3, 12), hours=6,
             code="PALLIASJON", level=2, participants=some(ids, 0.55, must=[demo_id]), created_by_id=by,
             description="Smertelindring, symptomlindring og samtaler ved livets slutt, med kreftkoordinatoren."),
        dict(title=f"HLR-kurs med praktisk øvelse – {name}", kind="course", date=date(YEAR, 1, 15), hours=3,
             code="HLR", level=1, participants=some(care or ids, 0.6, never=[demo_id]), created_by_id=by,
             description="Årlig oppfriskning av hjerte-lunge-redning."),
        dict(title=f"Hverdagsrehabilitering – nettkurs – {name}", kind="elearning", date=date(YEAR, 4, 20), hours=8,
             code="HVERDAGSREHAB", level=1, participants=some(ids, 0.4, must=[demo_id]), created_by_id=by,
             description="Nettkurs tatt i grupper på arbeidstid, med oppgaver fra egne brukere."),
        dict(title=f"Hospitering ved sårpoliklinikken – {name}", kind="hospitering", date=date(YEAR - 1, 11, 20),
             hours=15, code=None, level=None, participants=some(ids, 0.1, must=ids[:1]), created_by_id=by,
             description="To dager ved sårpoliklinikken på sykehuset."),
        dict(title=f"Kollegaveiledning i legemiddelhåndtering – {name}", kind="kollegaveiledning",
             date=date(YEAR, 9, 8), hours=2, code=None, level=None, participants=some(ids, 0.3, must=ids[:1]),
             created_by_id=by, description="Erfarne kollegaer veileder i dobbeltkontroll av legemidler."),
        dict(title=f"Mentorordning for nyansatte – {name}", kind="mentoring", date=date(YEAR, 2, 2), hours=20,
             code=None, level=None, created_by_id=by, description="Fast mentor de første tre månedene.",
             participants=sorted(world.id_of(p) for p in sorted(staff, key=lambda p: p["hire_date"])[-3:])),
    ]
    # One activity in each other unit below a service area, for part of its staff.
    staff_by_top = {}
    team_ids = set(ids)
    for person in world.current:
        top = world.top_unit(person)
        if top.parent is not None and not top.path.startswith(team.path):
            staff_by_top.setdefault(top.code, []).append(world.id_of(person))
    for code in sorted(staff_by_top):
        unit = world.by_code[code]
        title, kind, hours = UNIT_ACTIVITIES[unit.area.code]
        day = _workday(date(YEAR, rng.randint(1, 10), rng.randint(1, 28)))
        chosen = sorted(i for i in staff_by_top[code] if i not in team_ids and rng.random() < 0.5)
        if chosen:
            activities.append(dict(title=f"{title} – {unit.name}", kind=kind, date=day, hours=hours, code=None,
                                   level=None, participants=chosen, created_by_id=None, description=""))
    hired = {world.id_of(p): p["hire_date"] for p in world.current}
    for activity in activities:
        activity["competence_id"] = world.competences.get(activity["code"]) if activity["code"] else None
        activity["participants"] = [e for e in activity["participants"] if hired[e] <= activity["date"]]
    return [a for a in activities if a["participants"]]


def _write_activities(world, activities):
    """Activities, participants, raised competences with their timeline, and the entries they completed."""
    table = LearningActivity.__table__
    rows = [
        {"title": a["title"], "kind": a["kind"], "description": a["description"], "date": a["date"],
         "hours": a["hours"], "competence_id": a["competence_id"], "level_achieved": a["level"],
         "created_by_id": a["created_by_id"], "created_at": _moment(a["date"], 16)}
        for a in activities
    ]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])
    titles = {a["title"] for a in activities}
    ids = {t: i for t, i in db.session.execute(select(LearningActivity.title, LearningActivity.id)) if t in titles}
    for activity in activities:
        activity["id"] = ids[activity["title"]]
    participants = [{"activity_id": a["id"], "employee_id": e} for a in activities for e in a["participants"]]
    for start in range(0, len(participants), CHUNK):
        db.session.execute(insert(LearningParticipant.__table__), participants[start:start + CHUNK])
    return _write_competences(world, [a for a in activities if a["competence_id"]])


def _write_competences(world, activities):
    """As :mod:`portal.learning.logging` does: raise (never lower) each participant's learning-activity row.

    Returns how many rows were added. The competences are ones the demo plans' goals do not count
    (those goals were set from the figures before the activities were logged).
    """
    if not activities:
        return 0
    held = HeldCompetence.__table__
    everyone = sorted({e for a in activities for e in a["participants"]})
    existing = {
        (employee_id, competence_id): (level, valid_until, achieved_on)
        for employee_id, competence_id, level, valid_until, achieved_on in db.session.execute(
            select(held.c.employee_id, held.c.competence_id, held.c.level, held.c.valid_until, held.c.achieved_on)
            .where(held.c.source == SOURCE, held.c.competence_id.in_([a["competence_id"] for a in activities]),
                   held.c.employee_id.in_(everyone))
        )
    }
    inserts, history = [], []
    for activity in sorted(activities, key=lambda a: a["date"]):
        competence_id, level, day = activity["competence_id"], activity["level"], activity["date"]
        valid_until = derived_valid_until(day, world.validity.get(competence_id))
        note = _evidence(activity)
        stamp = _moment(day, 16)
        raised = []
        for employee_id in activity["participants"]:
            old = existing.get((employee_id, competence_id))
            if old is None:
                action = "created"
            elif level > old[0] or (
                level == old[0] and old[1] is not None and (valid_until is None or valid_until > old[1])
            ):
                action = "changed"
            else:
                continue
            history.append({
                "employee_id": employee_id, "competence_id": competence_id, "source": SOURCE, "action": action,
                "old_level": old[0] if old else None, "new_level": level,
                "old_valid_until": old[1] if old else None, "new_valid_until": valid_until,
                "note": note, "changed_by_id": activity["created_by_id"], "changed_at": stamp,
            })
            if old is None:
                inserts.append({
                    "employee_id": employee_id, "competence_id": competence_id, "source": SOURCE, "level": level,
                    "achieved_on": day, "valid_until": valid_until, "evidence_note": note, "evidence_url": "",
                    "recorded_by_id": activity["created_by_id"], "recorded_at": stamp,
                })
            else:
                raised.append(employee_id)
            existing[(employee_id, competence_id)] = (level, valid_until, day)
        # One UPDATE per activity (however many were raised): every raised row gets the same values.
        db.session.execute(
            update(held)
            .where(held.c.source == SOURCE, held.c.competence_id == competence_id, held.c.employee_id.in_(raised))
            .values(level=level, achieved_on=day, valid_until=valid_until, evidence_note=note,
                    recorded_by_id=activity["created_by_id"], recorded_at=stamp)
        )
    if inserts:
        db.session.execute(insert(held), inserts)
    if history:
        db.session.execute(insert(HeldCompetenceChange.__table__), history)
    return len(inserts)


def _evidence(activity):
    """How the demo names an activity in a profile and an entry's history: like
    :func:`portal.learning.logging.evidence_note` without the id, so the same seed gives the same text."""
    return f"{activity['title']} ({activity['date'].isoformat()})"


def _completing(activities, employee_id, competence_id, target_level, created):
    """The first activity after ``created`` that completes an entry on ``competence_id`` at ``target_level``."""
    for activity in sorted(activities, key=lambda a: a["date"]):
        if (
            activity["competence_id"] == competence_id and competence_id is not None
            and activity["date"] > created and employee_id in activity["participants"]
            and (target_level is None or target_level <= activity["level"])
        ):
            return activity
    return None


# --- the demo users' interviews, through the engine ----------------------------------------------


def _demo_interviews(world, clock, activities):
    leader = world.users.get("leader")
    employee_user = world.users.get("employee")
    if leader is None or employee_user is None or world.employee_person is None:
        return
    me = world.employee_person
    others = [p for p in sorted(world.team_staff, key=lambda p: p["employee_number"]) if p is not me]
    stories = (_overdue, _waiting_for_employee, _prepared, _cancelled, _signed_this_year)
    # One query for the people and their units, whichever sections they work in.
    chosen = [world.id_of(p) for p in [me, *others[:len(stories)]]]
    # Held in ``world``: the session's identity map only keeps objects something refers to.
    world.preloaded = db.session.scalars(
        select(Employee).options(joinedload(Employee.unit)).where(Employee.id.in_(chosen))
    ).all()
    world.engine_people.add(world.id_of(me))
    _last_year(world, clock, leader, employee_user, me, activities)
    _this_year_mine(world, clock, leader, me)
    for person, story in zip(others, stories):
        world.engine_people.add(world.id_of(person))
        story(world, clock, leader, person)


def _new(world, clock, leader, person, when, created):
    clock.at(_moment(created, 9, 30))
    employee = db.session.get(Employee, world.id_of(person))
    appraisal = Appraisal(employee=employee, employee_id=employee.id, scheduled_for=when, duration_minutes=60,
                          location="Møterommet i 2. etasje", preparation={}, summary="", employee_comment="",
                          created_by_id=leader.id)
    db.session.add(appraisal)
    engine.start(appraisal, leader)
    return appraisal


def _prepare(clock, appraisal, actor, day, texts):
    clock.at(_moment(day, 19, 5))
    engine.record_edit(appraisal, actor, appraisal.version, "preparation",
                       [{"what": "preparation", "fields": sorted(texts)}])
    appraisal.preparation = dict(texts)
    engine.fire(appraisal, actor, "prepare", "", appraisal.version)


def _hold(clock, appraisal, leader, day, summary):
    clock.at(_moment(day, 11, 10))
    engine.fire(appraisal, leader, "hold", "", appraisal.version)
    clock.at(_moment(day, 14, 40))
    engine.record_edit(appraisal, leader, appraisal.version, "summary", [{"what": "summary"}])
    appraisal.summary = summary


def _entry(clock, appraisal, leader, day, title, competence_id=None, target_level=None, measure_id=None, due=None):
    clock.at(_moment(day, 15, 0))
    engine.record_edit(appraisal, leader, appraisal.version, "entries",
                       [{"what": "entry", "action": "added", "title": title}])
    entry = DevelopmentEntry(employee_id=appraisal.employee_id, appraisal_id=appraisal.id, title=title,
                             competence_id=competence_id, target_level=target_level, measure_id=measure_id,
                             due=due, status="planned", status_note="")
    db.session.add(entry)
    db.session.flush()
    db.session.add(DevelopmentEntryEvent(entry_id=entry.id, from_status=None, to_status="planned", note="",
                                         user_id=leader.id, username=leader.username))
    return entry


def _status(clock, entry, status, moment, user, note="", activity=None):
    clock.at(moment)
    db.session.add(DevelopmentEntryEvent(entry_id=entry.id, from_status=entry.status, to_status=status, note=note,
                                         user_id=getattr(user, "id", None),
                                         username=getattr(user, "username", "system")))
    entry.status, entry.status_note = status, note
    if status == "completed":
        entry.completed_at = moment
        entry.completed_by_activity_id = activity["id"] if activity else None


def _sign(clock, appraisal, actor, capacity, moment):
    clock.at(moment)
    engine.sign(appraisal, actor, capacity, "approve", "", appraisal.version)
    if appraisal.state == "signed":
        appraisal.signed_at = moment  # the action stamps now; the demo's moment is earlier


def _last_year(world, clock, leader, employee_user, me, activities):
    """The demo employee's interview last year: prepared, held, commented, signed by both, entries followed up."""
    day = LAST_ROUND
    appraisal = _new(world, clock, leader, me, _moment(day, 10), day - timedelta(days=28))
    _prepare(clock, appraisal, employee_user, day - timedelta(days=3), {
        "work_situation": "Jeg trives godt på dagvakt, men kveldene med få på jobb er krevende.",
        "cooperation": "Godt samarbeid i teamet. Jeg savner mer tid til overlapp mellom vaktene.",
        "went_well": "Jeg har lært opp to nye kollegaer i dokumentasjon i journalen.",
        "wants_to_build": "Lindrende behandling og velferdsteknologi. Jeg vil gjerne bli superbruker.",
    })
    _hold(clock, appraisal, leader, day,
          "Vi gikk gjennom arbeidssituasjonen og samarbeidet på kveldsvaktene. Medarbeideren ønsker å bli tryggere "
          "på lindrende behandling og å bli superbruker på velferdsteknologi. "
          "Vi ble enige om fire utviklingstiltak for "
          "det neste året, og tar opp turnusen på neste personalmøte.")
    code = world.competences
    wound = _entry(clock, appraisal, leader, day + timedelta(days=1), "Lindrende behandling på nivå 2",
                   code.get("PALLIASJON"), 2, due=date(YEAR, 6, 30))
    welfare = _entry(clock, appraisal, leader, day + timedelta(days=1), "Bli superbruker på velferdsteknologi",
                     code.get("VELFERDSTEK"), 2, due=date(YEAR, 12, 31))
    course = _entry(clock, appraisal, leader, day + timedelta(days=1), MEASURE_TITLE, code.get("INFOSIKKERHET"), 1,
                    measure_id=world.measure_id, due=date(YEAR, 12, 31))
    shadow = _entry(clock, appraisal, leader, day + timedelta(days=1), "Hospitere en dag hos kreftkoordinatoren",
                    due=date(YEAR, 4, 30))
    clock.at(_moment(day + timedelta(days=3), 20, 15))
    engine.record_edit(appraisal, employee_user, appraisal.version, "employee_comment", [{"what": "employee_comment"}])
    appraisal.employee_comment = (
        "Takk for en god samtale. Jeg er ikke helt enig i at turnusen fungerer godt på kveld, "
        "og ønsker at vi følger det opp."
    )
    _sign(clock, appraisal, employee_user, "employee", _moment(day + timedelta(days=3), 20, 20))
    _sign(clock, appraisal, leader, "leader", _moment(day + timedelta(days=4), 8, 45))  # sign_off fires itself
    fagdag = _completing(activities, appraisal.employee_id, wound.competence_id, 2, day)
    _status(clock, welfare, "in_progress", _moment(date(YEAR, 1, 12), 9), leader, "Meldt på nettkurset i april.")
    _status(clock, shadow, "completed", _moment(date(YEAR, 3, 3), 14), leader, "Gjennomført 2. mars.")
    if fagdag is not None:
        _status(clock, wound, "completed", _moment(fagdag["date"], 16), leader,
                activity=fagdag,
                note=_evidence(fagdag))
    else:
        _status(clock, wound, "completed", _moment(date(YEAR, 3, 12), 16), leader, "Fagdag i lindrende behandling.")
    del course


def _this_year_mine(world, clock, leader, me):
    """This year's interview, scheduled after the reference date."""
    when = _moment(REFERENCE_DATE + timedelta(days=16), 10)
    _new(world, clock, leader, me, when, REFERENCE_DATE - timedelta(days=20))


def _overdue(world, clock, leader, person):
    _new(world, clock, leader, person, _moment(REFERENCE_DATE - timedelta(days=6), 13), date(YEAR, 9, 1))


def _waiting_for_employee(world, clock, leader, person):
    day = REFERENCE_DATE - timedelta(days=9)
    appraisal = _new(world, clock, leader, person, _moment(day, 9), date(YEAR, 9, 1))
    actor = _stand_in(person, world)
    _prepare(clock, appraisal, actor, day - timedelta(days=2), {k: v[0] for k, v in PREPARATIONS.items()})
    _hold(clock, appraisal, leader, day, SUMMARIES[0])
    title, code, level = ENTRY_POOLS["HO"][1]
    _entry(clock, appraisal, leader, day, title, world.competences.get(code), level, due=date(YEAR + 1, 6, 30))
    _sign(clock, appraisal, leader, "leader", _moment(day + timedelta(days=1), 8, 30))


def _prepared(world, clock, leader, person):
    day = REFERENCE_DATE + timedelta(days=4)
    appraisal = _new(world, clock, leader, person, _moment(day, 12), date(YEAR, 9, 1))
    _prepare(clock, appraisal, _stand_in(person, world), REFERENCE_DATE - timedelta(days=2),
             {k: v[1] for k, v in PREPARATIONS.items()})


def _cancelled(world, clock, leader, person):
    appraisal = _new(world, clock, leader, person, _moment(REFERENCE_DATE + timedelta(days=2), 14), date(YEAR, 9, 1))
    clock.at(_moment(REFERENCE_DATE - timedelta(days=5), 10))
    engine.fire(appraisal, leader, "cancel", CANCEL_REASONS[1], appraisal.version)


def _signed_this_year(world, clock, leader, person):
    day = date(YEAR, 9, 22)
    appraisal = _new(world, clock, leader, person, _moment(day, 10), date(YEAR, 9, 1))
    actor = _stand_in(person, world)
    _prepare(clock, appraisal, actor, day - timedelta(days=1), {k: v[2] for k, v in PREPARATIONS.items()})
    _hold(clock, appraisal, leader, day, SUMMARIES[2])
    title, code, level = ENTRY_POOLS["HO"][3]
    _entry(clock, appraisal, leader, day, title, world.competences.get(code), level, due=date(YEAR + 1, 3, 31))
    _sign(clock, appraisal, leader, "leader", _moment(day + timedelta(days=1), 9))
    _sign(clock, appraisal, actor, "employee", _moment(day + timedelta(days=2), 18))


# --- everyone else: this year's round with plain bulk inserts ---------------------------------------


def _bulk_interviews(world):
    """This year's round for everyone else, one row each (new hires wait for next year); entries for some.

    The demo leader's own staff also get their workflow history and sign-offs (the leader can open
    them), written as the engine writes them: :func:`_steps` follows the same path as the engine
    stories above, and the tests check every record against the workflow definition.
    """
    rng = world.rng
    leader = world.users.get("leader")
    rounds = {}
    rows, planned = [], []
    preparations = [{k: v[i] for k, v in PREPARATIONS.items()} for i in range(3)]
    for person in sorted(world.current, key=lambda p: p["employee_number"]):
        employee_id = world.id_of(person)
        if employee_id in world.engine_people or person is world.leader_person:
            continue
        top = world.top_unit(person)
        if top.code not in rounds:
            in_team = top.path.startswith(world.team.path)
            window = AUTUMN if in_team or rng.random() < 0.45 else SPRING
            rounds[top.code] = (*window, leader if in_team else None)
        first, last, by = rounds[top.code]
        if person["hire_date"] > first:
            continue  # hired after the round started: their first interview comes next year
        day = _workday(first + timedelta(days=int(rng.random() * ((last - first).days + 1))))
        draw = rng.random()
        when = _moment(day, 8 + int(draw * 7), 30 if draw * 14 % 2 >= 1 else 0)
        state, signed_on = _state_for(rng, day)
        talked = state in ("held", "signed")
        comment = COMMENTS[int(draw * 3)] if talked else ""
        specs = []
        if talked and rng.random() < ENTRY_SHARE:
            pool = ENTRY_POOLS.get(world.area(person), ENTRY_POOLS["ADM"])
            specs = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2))))
        created = _moment(first - timedelta(days=14), 9)
        steps = _steps(state, when, created, signed_on, len(specs), bool(comment))
        rows.append({
            "employee_id": employee_id, "scheduled_for": when, "duration_minutes": 60, "location": "",
            "preparation": preparations[int(draw * 9) % 3] if state in ("prepared", "held", "signed") else {},
            "summary": SUMMARIES[int(draw * 27) % 3] if talked else "", "employee_comment": comment, "state": state,
            "version": steps[-1][3], "created_by_id": by.id if by else None, "created_at": created,
            "signed_at": _moment(signed_on, 15) if signed_on else None,
        })
        planned.append((employee_id, day, specs, steps if by else None, by, person))
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Appraisal.__table__), rows[start:start + CHUNK])
    if not rows:
        return
    ids = dict(db.session.execute(
        select(Appraisal.employee_id, Appraisal.id).where(Appraisal.employee_id.not_in(sorted(world.engine_people)))
    ).all())
    entries, history, signoffs = [], [], []
    for employee_id, day, specs, steps, by, person in planned:
        for title, code, level in specs:
            status, done = _entry_status(rng, day)
            entries.append({
                "employee_id": employee_id, "appraisal_id": ids[employee_id], "title": title,
                "competence_id": world.competences.get(code) if code else None,
                "target_level": level if code else None, "measure_id": None,
                "due": day + timedelta(days=rng.choice((180, 270, 365))), "status": status,
                "status_note": DROPPED if status == "cancelled" else "", "created_at": _moment(day, 15), "completed_at": _moment(done, 12) if done else None,
                "completed_by_activity_id": None,
            })
        if steps:
            _record(ids[employee_id], steps, specs, by, f"{person['first_name']} {person['last_name']}",
                    history, signoffs)
    for table, data in ((DevelopmentEntry, entries), (WorkflowHistory, history), (SignOff, signoffs)):
        for start in range(0, len(data), CHUNK):
            db.session.execute(insert(table.__table__), data[start:start + CHUNK])
    _entry_events(world, entries, {employee_id for employee_id, _, _, steps, _, _ in planned if steps})


def _entry_events(world, entries, team):
    """The status history of the team's entries (the leader and the employee see it): agreed, then moved on."""
    leader = world.users.get("leader")
    mine = [e for e in entries if e["employee_id"] in team]
    if leader is None or not mine:
        return
    ids = {
        (employee_id, title): entry_id
        for entry_id, employee_id, title in db.session.execute(
            select(DevelopmentEntry.id, DevelopmentEntry.employee_id, DevelopmentEntry.title)
            .where(DevelopmentEntry.employee_id.in_(sorted(team)))
        )
    }
    events = []
    for entry in mine:
        entry_id = ids[(entry["employee_id"], entry["title"])]
        base = {"entry_id": entry_id, "note": entry["status_note"], "user_id": leader.id, "username": leader.username}
        events.append({**base, "note": "", "from_status": None, "to_status": "planned", "at": entry["created_at"]})
        if entry["status"] != "planned":
            at = entry["completed_at"] or min(entry["created_at"] + timedelta(days=14), _moment(REFERENCE_DATE, 8))
            events.append({**base, "from_status": "planned", "to_status": entry["status"], "at": at})
    db.session.execute(insert(DevelopmentEntryEvent.__table__), events)


def _steps(state, when, created, signed_on, entries, commented):
    """The engine's path to ``state``: (kind, transition, to_state, version, who, moment[, capacity]).

    ``who`` is "leader" or "employee"; versions rise by one per edit and transition, as in the engine.
    """
    day = when.astimezone(OSLO).date()
    steps = [("create", "create", "scheduled", 1, "leader", created)]

    def add(kind, name, to, who, moment, capacity=None, bump=True):
        steps.append((kind, name, to, steps[-1][3] + (1 if bump else 0), who, moment, capacity))

    if state == "cancelled":
        add("transition", "cancel", "cancelled", "leader", min(when, _moment(REFERENCE_DATE, 9)) - timedelta(days=3))
        return steps
    if state == "scheduled":
        return steps
    ready = min(day, REFERENCE_DATE) - timedelta(days=2)  # prepared before the reference date
    add("edit", "edit", "scheduled", "employee", _moment(ready, 19), "preparation")
    add("transition", "prepare", "prepared", "employee", _moment(ready, 19, 5))
    if state == "prepared":
        return steps
    add("transition", "hold", "held", "leader", when + timedelta(minutes=60))
    add("edit", "edit", "held", "leader", when + timedelta(hours=3), "summary")
    for _ in range(entries):
        add("edit", "edit", "held", "leader", when + timedelta(hours=3, minutes=10), "entries")
    if commented:
        add("edit", "edit", "held", "employee", when + timedelta(hours=5), "employee_comment")
    if state == "held":
        return steps
    moment = _moment(signed_on, 15)
    add("signoff", "approve:employee", "held", "employee", moment - timedelta(hours=2), "employee", bump=False)
    add("signoff", "approve:leader", "held", "leader", moment, "leader", bump=False)
    add("transition", "sign_off", "signed", "leader", moment)
    return steps


CHANGES = {
    "preparation": [{"what": "preparation", "fields": sorted(PREPARATIONS)}],
    "summary": [{"what": "summary"}],
    "employee_comment": [{"what": "employee_comment"}],
}


def _record(appraisal_id, steps, specs, leader, name, history, signoffs):
    """History rows and sign-offs for ``steps`` of one appraisal, as the engine would have written them."""
    titles = iter(title for title, _, _ in specs)
    state = None
    for kind, transition, to, version, who, moment, *rest in steps:
        capacity = rest[0] if rest else None
        user_id, username = (leader.id, leader.username) if who == "leader" else (None, name)
        changes = None
        if kind == "edit":
            changes = CHANGES.get(capacity) or [{"what": "entry", "action": "added", "title": next(titles)}]
        history.append({
            "object_type": "appraisal", "object_id": appraisal_id, "kind": kind, "transition": transition,
            "from_state": state, "to_state": to, "version": version, "user_id": user_id, "username": username,
            "comment": CANCEL_REASONS[0] if transition == "cancel" else "", "changes": changes, "at": moment,
        })
        if kind == "signoff":
            signoffs.append({
                "object_type": "appraisal", "object_id": appraisal_id, "capacity": capacity, "decision": "approve",
                "comment": "", "state": "held", "version": version, "user_id": user_id, "username": username,
                "at": moment,
            })
        state = to


def _state_for(rng, day):
    """Where an interview on ``day`` stands on the reference date (and when it was signed)."""
    draw = rng.random()
    if day >= REFERENCE_DATE:
        if draw < 0.04:
            return "cancelled", None
        if day <= REFERENCE_DATE + timedelta(days=21) and draw < 0.4:
            return "prepared", None
        return "scheduled", None
    signed_on = day + timedelta(days=1 + int(draw * 97) % 10)
    if draw < 0.04:
        return "cancelled", None
    if draw < 0.08:
        return ("prepared" if draw < 0.06 else "scheduled"), None  # not held: the leader is reminded
    if draw < 0.16 or signed_on >= REFERENCE_DATE:
        return "held", None
    return "signed", signed_on


def _entry_status(rng, day):
    """How far an entry agreed on ``day`` has come by the reference date."""
    months = (REFERENCE_DATE - day).days / 30
    draw = rng.random()
    if months > 4:
        if draw < 0.35:
            return "completed", day + timedelta(days=rng.randint(30, int(months * 30) - 1))
        if draw < 0.7:
            return "in_progress", None
        return ("cancelled" if draw < 0.75 else "planned"), None
    return ("in_progress" if draw < 0.25 else "planned"), None


__all__ = ["add_demo_appraisals", "AppraisalCounts"]
