"""The fictional municipality "Eksempel kommune", generated for demos and tests.

A demo only convinces when the figures look like a real Norwegian
municipality: health and care is the largest service area and mostly
part-time, schools are mostly full-time, nurses are older than assistants,
people leave. The shares and profiles below follow the public facts in the
domain guide (about 40 % of staff in health and care, 34 % in schools, 10 % in
kindergartens; average position 84 %; three in four are women).

Two more properties matter:

* Same seed, same municipality. Everything random comes from one
  ``random.Random(seed)`` and every date is counted from the fixed
  :data:`REFERENCE_DATE`, never from today, so a bug report can name a seed.
* Size. Load tests need a municipality the size of Oslo (50,000 employees),
  so the rows are planned in memory and written with a handful of bulk
  INSERT statements in one transaction: all of it or nothing.
"""
import random
import secrets
import string
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from ..extensions import db
from .accounts import grant_role
from .models import Employee, Unit, User

REFERENCE_DATE = date(2026, 11, 1)
DEMO_MAIL_DOMAIN = "eksempel-kommune.no"
FIRST_EMPLOYEE_NUMBER = 100001
CHUNK = 5000
PROGRESS_FROM = 5000
LEAVER_BASE = 0.16  # per-person rate before the factors in _end_date: about 8 % leave per year


class DemoError(Exception):
    """The demo cannot be generated, e.g. because the database already holds data."""


@dataclass
class DemoResult:
    """What was created, and the log-ins to print for the person who asked."""

    units: int
    employees: int
    users: list[tuple[str, str]]
    password: str
    competences: int = 0
    held_competences: int = 0
    requirements: int = 0
    plans: object = None  # portal.plans.demo.PlanCounts
    appraisals: object = None  # portal.appraisals.demo.AppraisalCounts


# --- The municipality's shape ----------------------------------------------

@dataclass(frozen=True)
class Kind:
    """A kind of unit (nursing home, school, ...), how big it is and who works there.

    ``name`` holds ``{place}`` for units named after where they are
    ("Bjørkelia skole"); otherwise one unit is just ``name`` and several get
    a district after it ("Hjemmetjenesten nord").
    """

    code: str
    name: str
    share: float
    size: int
    professions: tuple
    leader: str = "Enhetsleder"
    minimum: int = 0
    sub_units: tuple = ()
    sub_size: int = 0


@dataclass(frozen=True)
class Area:
    """A service area (tjenesteområde): the top of the tree."""

    code: str
    name: str
    share: float
    kinds: tuple
    merged: str
    percents: tuple
    turnover: float = 0.8
    head: str = "Kommunalsjef"


# Position percentages and how common they are. Health and care: only about
# a third full-time, the rest in the many part-time sizes rotas produce.
CARE_PERCENTS = ((100, 33), (90, 3), (80, 15), (75, 14), (60, 12), (50, 10), (40, 5), (30, 3), (20, 3))
SCHOOL_PERCENTS = ((100, 76), (90, 2), (80, 8), (60, 7), (50, 4), (40, 3))
KINDERGARTEN_PERCENTS = ((100, 70), (80, 10), (60, 10), (50, 10))
TECHNICAL_PERCENTS = ((100, 86), (80, 5), (60, 5), (50, 4))
CULTURE_PERCENTS = ((100, 45), (80, 10), (60, 15), (50, 15), (40, 10), (20, 5))
OFFICE_PERCENTS = ((100, 88), (80, 8), (60, 4))

AREAS = (
    Area("HO", "Helse og omsorg", 0.40, (
        Kind("SYK", "{place} sykehjem", 0.40, 84, (
            ("Helsefagarbeider", 40), ("Sykepleier", 28), ("Assistent", 22), ("Spesialsykepleier", 4),
            ("Fysioterapeut", 1), ("Ergoterapeut", 1), ("Lege", 1), ("Kokk", 3)),
            minimum=1, sub_units=("Langtidsavdeling", "Korttidsavdeling", "Skjermet avdeling",
                                  "Rehabiliteringsavdeling", "Lindrende avdeling", "Demensavdeling"), sub_size=28),
        Kind("HJT", "Hjemmetjenesten", 0.30, 72, (
            ("Helsefagarbeider", 45), ("Sykepleier", 30), ("Assistent", 14), ("Vernepleier", 5),
            ("Spesialsykepleier", 2), ("Ergoterapeut", 2), ("Fysioterapeut", 2)),
            minimum=1, sub_units=("dag", "kveld", "natt", "rehabiliteringsteam"), sub_size=26),
        Kind("BOF", "Bofellesskap {place}", 0.15, 32, (
            ("Assistent", 35), ("Helsefagarbeider", 28), ("Vernepleier", 25), ("Miljøterapeut", 12))),
        Kind("PHR", "Psykisk helse og rus", 0.06, 32, (
            ("Sykepleier", 22), ("Vernepleier", 20), ("Sosionom", 20), ("Miljøterapeut", 18),
            ("Helsefagarbeider", 12), ("Psykolog", 8))),
        Kind("HST", "Helsestasjon og skolehelsetjeneste", 0.04, 25, (
            ("Helsesykepleier", 62), ("Jordmor", 14), ("Lege", 8), ("Fysioterapeut", 6), ("Konsulent", 10))),
        Kind("LEG", "Legekontor {place}", 0.03, 16, (
            ("Lege", 50), ("Helsesekretær", 30), ("Sykepleier", 20))),
        Kind("FYS", "Fysio- og ergoterapitjenesten", 0.02, 20, (
            ("Fysioterapeut", 60), ("Ergoterapeut", 40))),
    ), merged="Helsetjenester", percents=CARE_PERCENTS, turnover=1.4),
    Area("SK", "Oppvekst – skole", 0.34, (
        Kind("SKO", "{place} skole", 0.93, 52, (
            ("Lærer", 52), ("Lektor", 16), ("Fagarbeider skole", 10), ("Assistent", 11),
            ("Spesialpedagog", 4), ("Inspektør", 3), ("Konsulent", 2), ("Miljøterapeut", 2)),
            leader="Rektor", minimum=1),
        Kind("VO", "Voksenopplæringen", 0.04, 28, (("Lærer", 70), ("Lektor", 20), ("Konsulent", 10))),
        Kind("PPT", "PP-tjenesten", 0.03, 20, (("Rådgiver", 70), ("Spesialpedagog", 20), ("Psykolog", 10))),
    ), merged="Oppvekstkontoret", percents=SCHOOL_PERCENTS),
    Area("BH", "Barnehage", 0.10, (
        Kind("BHG", "{place} barnehage", 1.0, 28, (
            ("Barnehagelærer", 42), ("Fagarbeider barnehage", 30), ("Assistent", 25), ("Spesialpedagog", 3)),
            leader="Styrer", minimum=1),
    ), merged="Barnehagekontoret", percents=KINDERGARTEN_PERCENTS),
    Area("TD", "Teknisk drift", 0.07, (
        Kind("REN", "Renhold", 0.25, 36, (("Renholder", 95), ("Fagarbeider", 5))),
        Kind("VEI", "Vei, park og idrett", 0.22, 30, (
            ("Fagarbeider", 45), ("Maskinfører", 25), ("Ingeniør", 15), ("Anleggsgartner", 15))),
        Kind("BRN", "Brann og redning", 0.22, 36, (
            ("Brannkonstabel", 80), ("Utrykningsleder", 12), ("Ingeniør", 8)),
            leader="Brannsjef", sub_units=("vaktlag 1", "vaktlag 2", "vaktlag 3", "vaktlag 4"), sub_size=14),
        Kind("VA", "Vann og avløp", 0.18, 25, (("Fagarbeider", 50), ("Ingeniør", 30), ("Driftsoperatør", 20))),
        Kind("EIE", "Eiendom", 0.13, 20, (("Driftsoperatør", 60), ("Ingeniør", 30), ("Rådgiver", 10))),
    ), merged="Drift og vedlikehold", percents=TECHNICAL_PERCENTS),
    Area("KU", "Kultur", 0.03, (
        Kind("KSK", "Kulturskolen", 0.40, 25, (("Kulturskolelærer", 85), ("Konsulent", 15))),
        Kind("BIB", "Biblioteket", 0.30, 16, (("Bibliotekar", 70), ("Konsulent", 30))),
        Kind("FRI", "Fritid og frivillighet", 0.30, 16, (("Miljøarbeider", 50), ("Konsulent", 30), ("Fagarbeider", 20))),
    ), merged="Kulturtjenesten", percents=CULTURE_PERCENTS, turnover=1.0),
    Area("ADM", "Administrasjon og økonomi", 0.06, (
        Kind("PO", "Personal og organisasjon", 0.20, 16, (("Rådgiver", 60), ("Konsulent", 40))),
        Kind("OKO", "Økonomi", 0.25, 22, (("Konsulent", 50), ("Rådgiver", 40), ("Spesialrådgiver", 10))),
        Kind("PLAN", "Plan, byggesak og geodata", 0.25, 20, (
            ("Ingeniør", 40), ("Arealplanlegger", 30), ("Rådgiver", 20), ("Konsulent", 10))),
        Kind("IKT", "IKT", 0.15, 16, (("IKT-konsulent", 60), ("Rådgiver", 20), ("Ingeniør", 20))),
        Kind("SERV", "Servicetorg og arkiv", 0.15, 16, (("Konsulent", 70), ("Arkivar", 30))),
    ), merged="Stab og støtte", percents=OFFICE_PERCENTS, head="Kommunedirektør"),
)

MERGED = "FEL"  # code of the shared unit for kinds too small to stand alone
MIN_EMPLOYEES = 20

DISTRICTS = ("nord", "sør", "øst", "vest", "sentrum")
PLACE_STARTS = (
    "Bjørke", "Furu", "Haug", "Berg", "Ås", "Vik", "Strand", "Eike", "Løv", "Rosen", "Sol", "Lind",
    "Hasle", "Tors", "Gran", "Kvern", "Fjell", "Myr", "Ny", "Holm", "Stein", "Skog", "Sand", "Bekke",
    "Rye", "Elve", "Lyng", "Heg", "Vang", "Fager", "Hov", "Kjelle", "Rød", "Tveit", "Øster", "Vester",
    "Nord", "Sør", "Høg", "Ask",
)
PLACE_ENDS = (
    "lia", "haugen", "dalen", "vika", "åsen", "berget", "bakken", "moen", "tunet", "lund", "heim",
    "stad", "vollen", "sletta", "jordet",
)

# --- People -------------------------------------------------------------------

WOMEN = (
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Hilde",
    "Anna", "Solveig", "Marianne", "Randi", "Ida", "Nina", "Maria", "Elisabeth", "Kristin", "Silje",
    "Tone", "Camilla", "Heidi", "Ragnhild", "Åse", "Sølvi", "Gøril", "Mari", "Ingvild", "Tonje",
    "Sigrid", "Nora", "Emma", "Thea", "Synnøve", "Guro", "Hege", "Siri", "Torunn", "Åshild", "Brita",
    "Linn", "Malin", "Julie", "Stine", "Kjersti", "Frøydis", "Dagny", "Fatima", "Amina", "Agnieszka",
    "Marta", "Leyla", "Rahel", "Mette", "Grete", "Vigdis", "Unni", "Turid",
)
MEN = (
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Hans", "Geir", "Tor",
    "Morten", "Terje", "Odd", "Erik", "Martin", "Andreas", "Jon", "Øyvind", "Håkon", "Kåre", "Ståle",
    "Ørjan", "Espen", "Trond", "Rune", "Magnus", "Sindre", "Jørgen", "Eirik", "Sondre", "Ahmed",
    "Mohammed", "Tomasz", "Daniel", "Thomas", "Kristian", "Pål", "Åsmund",
)
SURNAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
    "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen",
    "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen", "Jakobsen", "Moen",
    "Gundersen", "Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen",
    "Bakken", "Kristoffersen", "Mathisen", "Lie", "Amundsen", "Nguyen", "Rasmussen", "Ali", "Lunde",
    "Solheim", "Berge", "Moe", "Nygård", "Bakke", "Kristensen", "Fredriksen", "Holm", "Lien", "Hauge",
    "Christensen", "Andresen", "Nielsen", "Knudsen", "Evensen", "Sæther", "Aas", "Myhre", "Hanssen",
    "Ødegård", "Bråten", "Løken", "Sætre", "Næss", "Grønvold", "Løvlie", "Kjær", "Fjærli", "Dæhli",
    "Åsheim", "Strøm", "Tveit", "Hussain", "Ahmed", "Kowalski", "Nowak", "Tesfaye", "Santos",
)
WOMEN_SHARE = 0.75

# Ages 20-69 in five-year bands: most staff are 30-60, few are past 62.
AGE_BANDS = ((20, 5), (25, 10), (30, 12), (35, 12), (40, 12), (45, 12), (50, 12), (55, 11), (60, 9), (65, 5))
YOUNG_AGE_BANDS = ((20, 20), (25, 18), (30, 12), (35, 10), (40, 9), (45, 9), (50, 8), (55, 7), (60, 5), (65, 2))
YOUNG_PROFESSIONS = ("Assistent", "Miljøarbeider", "Fagarbeider skole")

# How old one must be to start in a profession (education first), and the
# special age limits (særaldersgrense) some professions have.
START_AGE = {
    "Assistent": 18, "Renholder": 18, "Kokk": 19, "Helsefagarbeider": 19, "Fagarbeider": 19,
    "Fagarbeider barnehage": 19, "Fagarbeider skole": 19, "Miljøarbeider": 19, "Maskinfører": 19,
    "Driftsoperatør": 19, "Anleggsgartner": 19, "Helsesekretær": 19, "Konsulent": 20, "Brannkonstabel": 20,
    "IKT-konsulent": 21, "Lektor": 24, "Rådgiver": 24, "Spesialrådgiver": 28, "Spesialpedagog": 24,
    "Arealplanlegger": 24, "Psykolog": 25, "Lege": 25, "Spesialsykepleier": 25, "Helsesykepleier": 25,
    "Jordmor": 25, "Utrykningsleder": 26, "Inspektør": 30, "Avdelingsleder": 28, "Styrer": 28,
    "Enhetsleder": 30, "Rektor": 32, "Brannsjef": 32, "Kommunalsjef": 38, "Kommunedirektør": 42,
}
DEFAULT_START_AGE = 22
MAX_AGE = {
    "Sykepleier": 65, "Spesialsykepleier": 65, "Helsesykepleier": 65, "Jordmor": 65,
    "Helsefagarbeider": 65, "Renholder": 65, "Brannkonstabel": 60, "Utrykningsleder": 60, "Brannsjef": 62,
}
DEFAULT_MAX_AGE = 69
MEAN_TENURE_YEARS = 10


def generate(employees=400, seed=2026, password=None, echo=None):
    """Fill the empty database with Eksempel kommune and its six demo users.

    Refuses (:class:`DemoError`) when units, employees or users exist: the
    demo must never mix with real data. Writes everything in one transaction.
    """
    _check_empty()
    if employees < MIN_EMPLOYEES:
        raise DemoError(f"A demo municipality needs at least {MIN_EMPLOYEES} employees.")
    password = password or _random_password()
    if len(password) < 8:
        raise DemoError("The password must have at least 8 characters.")
    rng = random.Random(seed)
    units = plan_units(rng, employees)
    people = plan_employees(rng, units, employees)
    team = next(u for u in units if u.kind and u.kind.code == "HJT" and u.depth == 1)
    picks = _pick_demo_people(people, units, team)
    from ..competence.demo import add_demo_competences  # imported here: they build on this module
    from ..appraisals.demo import add_demo_appraisals
    from ..plans.demo import add_demo_plans

    try:
        unit_ids = _insert_units(units)
        _insert_employees(people, unit_ids, echo)
        users = _create_users(picks, team, unit_ids, password)
        competence = add_demo_competences(seed, units, people, unit_ids, picks, echo)
        plans = add_demo_plans(seed, units, people, unit_ids, team)
        appraisals = add_demo_appraisals(seed, units, people, unit_ids, team, picks)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return DemoResult(units=len(units), employees=len(people), users=users, password=password,
                      competences=competence.competences,
                      held_competences=competence.held_competences + (appraisals.held_competences if appraisals else 0),
                      requirements=competence.requirements, plans=plans, appraisals=appraisals)


def _check_empty():
    """Refuse to touch a database that already has units, employees or users."""
    counts = {
        label: db.session.scalar(select(func.count()).select_from(model))
        for label, model in (("units", Unit), ("employees", Employee), ("users", User))
    }
    if any(counts.values()):
        found = ", ".join(f"{n} {label}" for label, n in counts.items() if n)
        raise DemoError(f"The database is not empty: {found}. The demo only fills an empty database.")


def _random_password():
    """A printable password without look-alike characters, easy to type from a terminal."""
    alphabet = "".join(c for c in string.ascii_letters + string.digits if c not in "lI1O0o")
    return "".join(secrets.choice(alphabet) for _ in range(14))


# --- Planning the unit tree ---------------------------------------------------

@dataclass
class PlannedUnit:
    """A unit before it is written: its place in the tree and who should work there."""

    code: str
    name: str
    parent: "PlannedUnit | None"
    area: Area
    leader: str
    kind: Kind | None = None
    professions: tuple = ()
    weight: float = 0.0
    children: list = field(default_factory=list)

    @property
    def path(self):
        """The codes from the root down, as :class:`Unit` stores them."""
        return (self.parent.path if self.parent else "/") + self.code + "/"

    @property
    def depth(self):
        """0 for a service area, 1 for its units, 2 for their sections."""
        return self.path.count("/") - 2


def plan_units(rng, employees):
    """The unit tree for a municipality of ``employees`` people, parents before children.

    Unit counts grow with size (a unit has a few dozen people), so a small
    municipality gets a handful of units and a large one over a thousand.
    """
    places = Places(rng)
    planned = []
    for area in AREAS:
        root = PlannedUnit(area.code, area.name, None, area, area.head)
        planned.append(root)
        for kind, count, staff in _kind_counts(area, employees * area.share):
            for number in range(1, count + 1):
                unit = _plan_unit(rng, root, kind, number, count, staff / count, places)
                root.children.append(unit)
        _scale_weights(root, employees * area.share)
    return sorted(_flatten(planned), key=lambda u: u.depth)


def _scale_weights(root, staff):
    """Make the area's units add up to its share again after the random spread,
    so health and care stays the largest area however the dice fall."""
    units = list(_flatten([root]))
    total = sum(u.weight for u in units)
    for unit in units:
        unit.weight *= staff / total


def _kind_counts(area, staff):
    """(kind, number of units, staff) per kind; kinds too small for a unit of
    their own are merged into one shared unit, so small places still have doctors."""
    counts = [(k, max(k.minimum, round(staff * k.share / k.size)), staff * k.share) for k in area.kinds]
    kept = [c for c in counts if c[1]]
    leftover = [c for c in counts if not c[1]]
    if leftover and (not kept or sum(s for _, _, s in leftover) >= 8):
        merged = Kind(MERGED, area.merged, 0, 0, _merge_professions(leftover))
        kept.append((merged, 1, sum(s for _, _, s in leftover)))
    return kept


def _merge_professions(counts):
    """The professions of several kinds, weighted by how many people each would have."""
    total = {}
    for kind, _, staff in counts:
        kind_sum = sum(w for _, w in kind.professions)
        for name, weight in kind.professions:
            total[name] = total.get(name, 0) + staff * weight / kind_sum
    return tuple(total.items())


def _plan_unit(rng, root, kind, number, count, size, places):
    """One unit of ``kind``, split into sections (avdelinger) when it is large."""
    code = f"{root.code}-{kind.code}{'' if kind.code == MERGED else number}"
    name = _unit_name(kind, count, places)
    unit = PlannedUnit(code, name, root, root.area, kind.leader, kind, kind.professions,
                       size * rng.uniform(0.7, 1.3))
    sections = min(len(kind.sub_units), round(unit.weight / kind.sub_size)) if kind.sub_size else 0
    if sections >= 2:
        for index, sub in enumerate(kind.sub_units[:sections]):
            unit.children.append(PlannedUnit(
                f"{code}-{string.ascii_uppercase[index]}", f"{name} – {sub}", unit, root.area,
                "Avdelingsleder", kind, kind.professions, unit.weight / sections * rng.uniform(0.8, 1.2)))
        unit.weight = 0.0
    return unit


def _unit_name(kind, count, places):
    """"Bjørkelia skole", or "Hjemmetjenesten" alone, or "Hjemmetjenesten nord" when there are several."""
    if "{place}" in kind.name:
        return kind.name.format(place=places.next(kind.code))
    if count == 1:
        return kind.name
    return f"{kind.name} {places.district(kind.code)}"


def _flatten(units):
    """Every unit of the trees below ``units``, depth first."""
    for unit in units:
        yield unit
        yield from _flatten(unit.children)


class Places:
    """Made-up Norwegian place names; each kind of unit walks its own shuffled list."""

    def __init__(self, rng):
        self.rng = rng
        self.names = [s + e for s in PLACE_STARTS for e in PLACE_ENDS if s.lower()[-3:] not in e]
        self.walks = {}

    def next(self, key):
        """The next unused place name for ``key`` ("Bjørkelia", later "Bjørkelia 2")."""
        if key not in self.walks:
            order = self.names[:]
            self.rng.shuffle(order)
            self.walks[key] = [order, 0]
        order, used = self.walks[key]
        self.walks[key][1] += 1
        lap = used // len(order)
        return order[used % len(order)] + (f" {lap + 1}" if lap else "")

    def district(self, key):
        """First the compass districts, then place names."""
        used = self.walks.setdefault(("district", key), [None, 0])
        used[1] += 1
        if used[1] <= len(DISTRICTS):
            return DISTRICTS[used[1] - 1]
        return self.next(key)


# --- Planning the people ------------------------------------------------------

def plan_employees(rng, units, employees):
    """``employees`` rows as dicts (with ``unit_code``): one leader per unit, the
    rest spread over the units by their planned size."""
    counts = _staff_counts(units, employees - len(units))
    people = []
    for unit in units:
        people.append(_person(rng, unit, unit.leader, leader=True))
        for _ in range(counts.get(unit.code, 0)):
            people.append(_person(rng, unit, _pick(rng, unit.professions)))
    people.sort(key=lambda p: p["hire_date"])  # numbers follow hiring, as in a personnel system
    for number, person in enumerate(people, start=FIRST_EMPLOYEE_NUMBER):
        person["employee_number"] = str(number)
    return people


def _staff_counts(units, staff):
    """Split ``staff`` over the units that take staff: one each first, the rest
    by weight with largest remainders, so the totals always add up."""
    takers = [u for u in units if u.weight > 0]
    if staff < 0:
        raise DemoError(f"Too few employees for {len(units)} units; ask for more.")
    base = 1 if staff >= len(takers) else 0
    rest = staff - base * len(takers)
    total = sum(u.weight for u in takers)
    shares = [(u, rest * u.weight / total) for u in takers]
    counts = {u.code: base + int(s) for u, s in shares}
    missing = staff - sum(counts.values())
    by_remainder = sorted(shares, key=lambda us: (-(us[1] - int(us[1])), us[0].code))
    for unit, _ in by_remainder[:missing]:
        counts[unit.code] += 1
    return counts


def _pick(rng, weighted):
    """One name from ``((name, weight), ...)``."""
    names = [n for n, _ in weighted]
    return rng.choices(names, cum_weights=list(accumulate(w for _, w in weighted)))[0]


def _person(rng, unit, profession, leader=False):
    """One employee: name, age fitting the profession, position, hire and maybe end date."""
    age = _age(rng, profession)
    birth = _add_years(REFERENCE_DATE, -age) - timedelta(days=rng.randrange(365))
    hire = _hire_date(rng, birth, profession)
    women = rng.random() < WOMEN_SHARE
    return {
        "first_name": rng.choice(WOMEN if women else MEN),
        "last_name": rng.choice(SURNAMES),
        "birth_date": birth,
        "unit_code": unit.code,
        "profession": profession,
        "position_percent": 100 if leader else _pick(rng, unit.area.percents),
        "hire_date": hire,
        "end_date": None if leader else _end_date(rng, unit.area, age, hire),
    }


def _age(rng, profession):
    """An age from the municipal age pyramid that the profession allows."""
    low = START_AGE.get(profession, DEFAULT_START_AGE) + 1
    high = MAX_AGE.get(profession, DEFAULT_MAX_AGE)
    bands = YOUNG_AGE_BANDS if profession in YOUNG_PROFESSIONS else AGE_BANDS
    for _ in range(50):
        age = _pick(rng, bands) + rng.randrange(5)
        if low <= age <= high:
            return age
    return rng.randint(low, high)


def _hire_date(rng, birth, profession):
    """Hired after finishing the education the profession needs, usually years ago."""
    earliest = _add_years(birth, START_AGE.get(profession, DEFAULT_START_AGE))
    longest = (REFERENCE_DATE - earliest).days
    tenure = int(rng.expovariate(1 / (MEAN_TENURE_YEARS * 365)))
    if tenure > longest:  # redraw rather than cap: nobody is hired on their birthday
        tenure = rng.randint(0, longest)
    return REFERENCE_DATE - timedelta(days=tenure)


def _end_date(rng, area, age, hire):
    """About a quarter left during the last three years (8 % a year); more of the young, the
    soon-retired and those in health and care."""
    factor = area.turnover * (2.0 if age < 30 else 1.3 if age < 40 else 1.8 if age >= 62 else 0.7)
    if rng.random() >= LEAVER_BASE * factor:
        return None
    window = min(3 * 365, (REFERENCE_DATE - hire).days - 30)
    if window <= 0:
        return None
    return REFERENCE_DATE - timedelta(days=rng.randrange(window))


def _add_years(day, years):
    """The same calendar day ``years`` later (1 March for 29 February in other years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


# --- Writing ------------------------------------------------------------------

def _insert_units(units):
    """Insert the tree level by level (parents need ids first); return code -> id."""
    ids = {}
    for depth in sorted({u.depth for u in units}):
        rows = [
            {"code": u.code, "name": u.name, "path": u.path,
             "parent_id": ids[u.parent.code] if u.parent else None}
            for u in units if u.depth == depth
        ]
        db.session.execute(insert(Unit), rows)
        ids.update(db.session.execute(select(Unit.code, Unit.id)).all())
    return ids


def _insert_employees(people, unit_ids, echo):
    """Bulk-insert the employees in chunks, showing progress on large runs.

    ``render_nulls`` keeps rows with and without an end date in one
    statement; otherwise the ORM starts a new batch at every change.
    """
    total = len(people)
    for start in range(0, total, CHUNK):
        rows = [_employee_row(p, unit_ids) for p in people[start:start + CHUNK]]
        db.session.execute(insert(Employee).execution_options(render_nulls=True), rows)
        if echo and total >= PROGRESS_FROM:
            echo(f"  {start + len(rows)}/{total} employees")


def _employee_row(person, unit_ids):
    """The planned person as a row of the employee table."""
    row = {k: v for k, v in person.items() if k != "unit_code"}
    row["unit_id"] = unit_ids[person["unit_code"]]
    return row


# --- Demo users ---------------------------------------------------------------

def _create_users(picks, team, unit_ids, password):
    """The six demo users; ``leader`` leads the home-care unit ``team`` that ``employee`` works in.

    The password is hashed once for all six: scrypt is slow on purpose. Each
    gets ``<username>@eksempel-kommune.no`` for notifications.
    """
    numbers = [p["employee_number"] for p in picks.values() if p]
    employee_ids = dict(db.session.execute(
        select(Employee.employee_number, Employee.id).where(Employee.employee_number.in_(numbers))
    ).all())
    team_unit = db.session.get(Unit, unit_ids[team.code])
    password_hash = generate_password_hash(password, method="scrypt")
    made = []
    for username, roles, label in (
        ("admin", ["admin"], "admin"),
        ("hr", ["hr"], "hr"),
        ("leader", ["leader", "employee"], f"leader of {team.name}"),
        ("employee", ["employee"], f"employee in {team.name}"),
        ("representative", ["representative"], "representative"),
        ("politician", ["politician"], "politician"),
    ):
        person = picks.get(username)
        user = User(username=username, password_hash=password_hash, email=f"{username}@{DEMO_MAIL_DOMAIN}",
                    employee_id=employee_ids[person["employee_number"]] if person else None)
        db.session.add(user)
        for role in roles:
            grant_role(user, role, team_unit if role == "leader" else None)
        made.append((username, label))
    return made


def _pick_demo_people(people, units, team):
    """Which planned employees the demo users are: the team's leader, a current
    member of the team and an hr adviser. The representative and the
    politician stay unlinked: they see aggregates only, never a person's page.

    Runs before the rows are written: in a tiny municipality it may have to
    keep the chosen team member employed (clear a drawn end date).
    """
    team_codes = [u.code for u in units if u.path.startswith(team.path)]
    current = [p for p in people if p["end_date"] is None]
    leader = next(p for p in current if p["unit_code"] == team.code and p["profession"] == team.leader)
    members = [p for p in people if p["unit_code"] in team_codes and p is not leader
               and p["profession"] not in ("Avdelingsleder", team.leader)]
    member = next((p for p in members if p["end_date"] is None), members[0])
    member["end_date"] = None  # tiny municipalities: keep the demo employee employed
    hr = next((p for p in current if p["unit_code"].startswith("ADM-") and p["profession"] == "Rådgiver"), None)
    return {"leader": leader, "employee": member, "hr": hr}
