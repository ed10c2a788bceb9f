"""Competences for the demo municipality: catalogue, what people hold, what units require.

A gap analysis only convinces when the data behind it looks like a real
municipality: nurses hold a nursing degree from the personnel system,
leaders have assessed their staff's wound care, HLR courses run out after a
year and some people are overdue, assistants have had their prior learning
(realkompetanse) assessed, and the requirements leave the largest gaps where
the domain guide says they are: in health and care.

Same rules as the rest of the demo (:mod:`portal.org.demo`):

* Same seed, same data. Everything random comes from one ``random.Random``
  seeded from the demo seed (a separate stream, so the employees do not
  change when this module changes), dates count from
  :data:`~portal.org.demo.REFERENCE_DATE`, and even ``recorded_at`` is
  derived from the data, never from the clock.
* Size. At 50,000 employees this writes several hundred thousand rows, so
  everything is planned in memory from the planned units and people and
  written with a few bulk INSERTs; ids come back with one query per table.
"""
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from math import ceil

from sqlalchemy import insert, select

from ..extensions import db
from ..org.demo import DEFAULT_START_AGE, MERGED, REFERENCE_DATE, START_AGE
from ..org.models import Employee, User
from .catalogue import add_months
from .models import Competence, CompetenceArea, HeldCompetence, HeldCompetenceChange, Requirement

CHUNK = 10000
PROGRESS_FROM = 5000
EXPIRY_SPREAD = 1.25  # certificates were taken up to 1.25 validity periods ago: about one in five is overdue
SELF_ASSESSMENT_SHARE = 0.2
HISTORY_SHARE = 0.2
MAPPED_YEARS = 6  # skills were assessed since the municipality started mapping, not back when people were hired
DEMO_EXPIRES_IN_DAYS = 75  # the demo employee's HLR runs out soon after the reference date

# --- The catalogue -------------------------------------------------------------

AREAS = (
    ("HELSE", "Helse og omsorg"),
    ("SERT", "Sertifikater og lovpålagte kurs"),
    ("SKOLE", "Skole"),
    ("BARNEHAGE", "Barnehage"),
    ("TEKNISK", "Teknisk"),
    ("DIGITAL", "Digital kompetanse"),
    ("LEDELSE", "Ledelse og forvaltning"),
    ("UTDANNING", "Formell utdanning"),
    ("REAL", "Realkompetanse"),
)

SCALE_3 = "Nivå 1: kjenner til. Nivå 2: utfører selvstendig. Nivå 3: kan veilede og lære opp andre."
SCALE_5 = ("Nivå 1: grunnleggende. Nivå 3: bruker det trygt i eget arbeid. "
           "Nivå 5: ekspert som hjelper andre.")
STUDY_POINTS = "Nivå 1: 30 studiepoeng. Nivå 2: 60 studiepoeng eller mer."
PRIOR = "Vurdert realkompetanse. " + SCALE_3

# code, name, area, kind, max level, validity in months (None: never expires)
CATALOGUE = (
    ("SARBEHANDLING", "Sårbehandling", "HELSE", "skill", 3, None),
    ("LEGEMIDDEL", "Legemiddelhåndtering", "HELSE", "skill", 3, None),
    ("DEMENS", "Demensomsorg", "HELSE", "skill", 3, None),
    ("PALLIASJON", "Palliasjon og lindrende behandling", "HELSE", "skill", 3, None),
    ("VELFERDSTEK", "Velferdsteknologi", "HELSE", "skill", 3, None),
    ("PSYKISK-HELSE", "Psykisk helse og rus", "HELSE", "skill", 3, None),
    ("ERNAERING", "Ernæring", "HELSE", "skill", 3, None),
    ("FORFLYTNING", "Forflytning", "HELSE", "skill", 3, None),
    ("KLINISK-OBS", "Klinisk observasjon (NEWS2)", "HELSE", "skill", 3, None),
    ("SMITTEVERN", "Smittevern", "HELSE", "skill", 3, None),
    ("HVERDAGSREHAB", "Hverdagsrehabilitering", "HELSE", "skill", 3, None),
    ("TVANG-MAKT", "Tvang og makt (kapittel 9)", "HELSE", "skill", 3, None),
    ("MILJOTERAPI", "Miljøterapi", "HELSE", "skill", 3, None),
    ("HLR", "Hjerte-lunge-redning (HLR)", "SERT", "certification", 1, 12),
    ("LEGEMIDDELKURS", "Legemiddelkurs for delegering", "SERT", "certification", 1, 36),
    ("BRANNVERN", "Brannvern", "SERT", "certification", 1, 24),
    ("FORSTEHJELP", "Førstehjelp", "SERT", "certification", 1, 24),
    ("TRUCK", "Truckførerbevis", "SERT", "certification", 1, None),
    ("VARME-ARBEIDER", "Varme arbeider", "SERT", "certification", 1, 60),
    ("FSE", "Elsikkerhet (FSE)", "SERT", "certification", 1, 12),
    ("ARBEIDSVARSLING", "Arbeidsvarsling", "SERT", "certification", 1, 60),
    ("MASKINFORER", "Kompetansebevis for maskinfører", "SERT", "certification", 1, None),
    ("ROYKDYKKER", "Røykdykker (helsekrav og øvelse)", "SERT", "certification", 1, 12),
    ("LESE-SKRIVE", "Lese- og skriveopplæring", "SKOLE", "skill", 3, None),
    ("SPESPED", "Spesialpedagogikk", "SKOLE", "skill", 3, None),
    ("DIGITAL-UNDERV", "Digital undervisning", "SKOLE", "skill", 3, None),
    ("KLASSELEDELSE", "Klasseledelse", "SKOLE", "skill", 3, None),
    ("NORSK-ANDRESPRAK", "Norsk som andrespråk", "SKOLE", "skill", 3, None),
    ("FORD-MATEMATIKK", "Fordypning i matematikk", "SKOLE", "formal", 2, None),
    ("FORD-NORSK", "Fordypning i norsk", "SKOLE", "formal", 2, None),
    ("FORD-ENGELSK", "Fordypning i engelsk", "SKOLE", "formal", 2, None),
    ("SPRAKUTVIKLING", "Språkutvikling", "BARNEHAGE", "skill", 3, None),
    ("BARNS-PSYK", "Barns psykiske helse", "BARNEHAGE", "skill", 3, None),
    ("PED-LEDELSE", "Pedagogisk ledelse", "BARNEHAGE", "skill", 3, None),
    ("BYGGESAK", "Byggesaksbehandling", "TEKNISK", "skill", 3, None),
    ("VA-DRIFT", "Drift av vann- og avløpsanlegg", "TEKNISK", "skill", 3, None),
    ("RENHOLDSTEKNIKK", "Renholdsteknikk", "TEKNISK", "skill", 3, None),
    ("BRANNFOREBYGGING", "Forebyggende brannvern", "TEKNISK", "skill", 3, None),
    ("BYGGDRIFT", "Drift av bygg og tekniske anlegg", "TEKNISK", "skill", 3, None),
    ("INFOSIKKERHET", "Informasjonssikkerhet", "DIGITAL", "skill", 3, None),
    ("PERSONVERN", "Personvern og GDPR", "DIGITAL", "skill", 3, None),
    ("SAKSBEHANDLING", "Saksbehandlingssystemet", "DIGITAL", "skill", 3, None),
    ("M365", "Microsoft 365", "DIGITAL", "skill", 5, None),
    ("EPJ", "Elektronisk pasientjournal", "DIGITAL", "skill", 3, None),
    ("PERSONALLEDELSE", "Personalledelse", "LEDELSE", "skill", 3, None),
    ("FORVALTNINGSRETT", "Forvaltningsrett", "LEDELSE", "skill", 3, None),
    ("BSC-SYKEPLEIE", "Bachelor i sykepleie", "UTDANNING", "formal", 1, None),
    ("BSC-VERNEPLEIE", "Bachelor i vernepleie", "UTDANNING", "formal", 1, None),
    ("BSC-SOSIONOM", "Bachelor i sosialt arbeid", "UTDANNING", "formal", 1, None),
    ("BSC-FYSIOTERAPI", "Bachelor i fysioterapi", "UTDANNING", "formal", 1, None),
    ("BSC-ERGOTERAPI", "Bachelor i ergoterapi", "UTDANNING", "formal", 1, None),
    ("PROF-MEDISIN", "Profesjonsstudiet i medisin", "UTDANNING", "formal", 1, None),
    ("PROF-PSYKOLOGI", "Profesjonsstudiet i psykologi", "UTDANNING", "formal", 1, None),
    ("MA-HELSESYKEPLEIE", "Master i helsesykepleie", "UTDANNING", "formal", 1, None),
    ("MA-JORDMOR", "Master i jordmorfag", "UTDANNING", "formal", 1, None),
    ("MA-AKS", "Master i avansert klinisk allmennsykepleie", "UTDANNING", "formal", 1, None),
    ("VU-GERIATRI", "Videreutdanning i geriatri", "UTDANNING", "formal", 1, None),
    ("VU-PSYKISK-HELSE", "Videreutdanning i psykisk helsearbeid", "UTDANNING", "formal", 1, None),
    ("GLU", "Grunnskolelærerutdanning", "UTDANNING", "formal", 1, None),
    ("LEKTORUTD", "Lektorutdanning", "UTDANNING", "formal", 1, None),
    ("PPU", "Praktisk-pedagogisk utdanning (PPU)", "UTDANNING", "formal", 1, None),
    ("BHGL", "Barnehagelærerutdanning", "UTDANNING", "formal", 1, None),
    ("MA-SPESPED", "Master i spesialpedagogikk", "UTDANNING", "formal", 1, None),
    ("BSC-INGENIOR", "Bachelor i ingeniørfag", "UTDANNING", "formal", 1, None),
    ("BSC-OKONOMI", "Bachelor i økonomi og administrasjon", "UTDANNING", "formal", 1, None),
    ("BSC-IT", "Bachelor i informasjonsteknologi", "UTDANNING", "formal", 1, None),
    ("BSC-BIBLIOTEK", "Bachelor i bibliotek- og informasjonsvitenskap", "UTDANNING", "formal", 1, None),
    ("MA-PLAN", "Master i by- og regionplanlegging", "UTDANNING", "formal", 1, None),
    ("VU-LEDELSE", "Videreutdanning i ledelse", "UTDANNING", "formal", 1, None),
    ("FAGSKOLE-BRANN", "Fagskoleutdanning i brann og redning", "UTDANNING", "formal", 1, None),
    ("FB-HELSEARBEIDER", "Fagbrev som helsefagarbeider", "UTDANNING", "formal", 1, None),
    ("FB-BARNE-UNGDOM", "Fagbrev som barne- og ungdomsarbeider", "UTDANNING", "formal", 1, None),
    ("FB-HELSESEKRETAER", "Fagbrev som helsesekretær", "UTDANNING", "formal", 1, None),
    ("FB-KOKK", "Fagbrev som kokk", "UTDANNING", "formal", 1, None),
    ("FB-RENHOLD", "Fagbrev som renholdsoperatør", "UTDANNING", "formal", 1, None),
    ("FB-ANLEGGSRORLEGGER", "Fagbrev som anleggsrørlegger (VA)", "UTDANNING", "formal", 1, None),
    ("FB-ANLEGGSGARTNER", "Fagbrev som anleggsgartner", "UTDANNING", "formal", 1, None),
    ("FB-BYGGDRIFTER", "Fagbrev som byggdrifter", "UTDANNING", "formal", 1, None),
    ("REAL-PLEIE", "Praktisk pleie- og omsorgsarbeid", "REAL", "prior_learning", 3, None),
    ("REAL-BARN", "Praktisk arbeid med barn og unge", "REAL", "prior_learning", 3, None),
    ("REAL-SPRAK", "Flerspråklig kompetanse", "REAL", "prior_learning", 3, None),
    ("REAL-MILJO", "Miljøarbeid i praksis", "REAL", "prior_learning", 3, None),
)

# Formal education taken while working here (the rest was finished before hiring).
FURTHER_EDUCATION = ("MA-AKS", "VU-GERIATRI", "VU-PSYKISK-HELSE", "MA-SPESPED", "VU-LEDELSE",
                     "FAGSKOLE-BRANN", "FORD-MATEMATIKK", "FORD-NORSK", "FORD-ENGELSK")


def _description(kind, max_level, validity):
    """What the level scale means, shown next to the competence."""
    if kind == "certification":
        return f"Må fornyes hver {validity}. måned." if validity else "Gjelder uten tidsbegrensning."
    if kind == "prior_learning":
        return PRIOR
    if kind == "formal":
        return STUDY_POINTS if max_level == 2 else "Fullført utdanning eller fagbrev."
    return SCALE_5 if max_level == 5 else SCALE_3


# --- Who holds what ------------------------------------------------------------
# Per profession: competence code -> probability of holding it, or
# (probability, strength). Strength (0-1) is how far people of the profession
# usually get on the level scale; experience adds to it.

COMMON = {"M365": (0.5, 0.45), "PERSONVERN": (0.25, 0.35), "BRANNVERN": 0.2}

PROFILES = {
    "Sykepleier": {
        "BSC-SYKEPLEIE": 1, "VU-GERIATRI": 0.12, "SARBEHANDLING": (0.75, 0.55), "LEGEMIDDEL": (0.9, 0.6),
        "DEMENS": (0.5, 0.45), "PALLIASJON": (0.45, 0.45), "KLINISK-OBS": (0.7, 0.55), "FORFLYTNING": (0.5, 0.4),
        "SMITTEVERN": (0.45, 0.45), "ERNAERING": (0.3, 0.4), "EPJ": (0.85, 0.55), "HLR": 0.85,
    },
    "Spesialsykepleier": {
        "BSC-SYKEPLEIE": 1, "MA-AKS": 0.35, "VU-GERIATRI": 0.3, "VU-PSYKISK-HELSE": 0.15,
        "SARBEHANDLING": (0.85, 0.8), "LEGEMIDDEL": (0.95, 0.8), "PALLIASJON": (0.6, 0.7), "KLINISK-OBS": (0.9, 0.8),
        "DEMENS": (0.5, 0.6), "SMITTEVERN": (0.5, 0.6), "EPJ": (0.9, 0.6), "HLR": 0.9,
    },
    "Helsefagarbeider": {
        "FB-HELSEARBEIDER": 0.95, "REAL-PLEIE": 0.08, "SARBEHANDLING": (0.35, 0.3), "LEGEMIDDEL": (0.45, 0.3),
        "DEMENS": (0.45, 0.4), "FORFLYTNING": (0.7, 0.45), "ERNAERING": (0.4, 0.4), "PALLIASJON": (0.2, 0.3),
        "SMITTEVERN": (0.3, 0.35), "EPJ": (0.7, 0.4), "LEGEMIDDELKURS": 0.55, "HLR": 0.6,
    },
    ("HO", "Assistent"): {
        "REAL-PLEIE": 0.3, "REAL-SPRAK": 0.1, "FORFLYTNING": (0.5, 0.3), "DEMENS": (0.25, 0.25),
        "ERNAERING": (0.2, 0.25), "EPJ": (0.4, 0.25), "HLR": 0.4, "LEGEMIDDELKURS": 0.12,
    },
    "Vernepleier": {
        "BSC-VERNEPLEIE": 1, "TVANG-MAKT": (0.6, 0.55), "MILJOTERAPI": (0.7, 0.55), "LEGEMIDDEL": (0.75, 0.5),
        "PSYKISK-HELSE": (0.35, 0.45), "EPJ": (0.7, 0.5), "HLR": 0.6, "LEGEMIDDELKURS": 0.3,
    },
    "Miljøterapeut": {
        "BSC-VERNEPLEIE": 0.3, "BSC-SOSIONOM": 0.3, "MILJOTERAPI": (0.8, 0.55), "PSYKISK-HELSE": (0.4, 0.4),
        "TVANG-MAKT": (0.35, 0.4), "FORSTEHJELP": 0.3,
    },
    "Sosionom": {
        "BSC-SOSIONOM": 1, "VU-PSYKISK-HELSE": 0.15, "PSYKISK-HELSE": (0.6, 0.5), "SAKSBEHANDLING": (0.6, 0.5),
        "EPJ": (0.6, 0.4),
    },
    "Psykolog": {"PROF-PSYKOLOGI": 1, "PSYKISK-HELSE": (0.95, 0.85), "EPJ": (0.7, 0.5)},
    "Lege": {
        "PROF-MEDISIN": 1, "KLINISK-OBS": (0.9, 0.85), "LEGEMIDDEL": (0.9, 0.85), "SMITTEVERN": (0.6, 0.7),
        "PALLIASJON": (0.4, 0.6), "EPJ": (0.95, 0.6), "HLR": 0.8,
    },
    "Fysioterapeut": {
        "BSC-FYSIOTERAPI": 1, "HVERDAGSREHAB": (0.8, 0.6), "FORFLYTNING": (0.9, 0.75), "VELFERDSTEK": (0.35, 0.4),
        "EPJ": (0.7, 0.4),
    },
    "Ergoterapeut": {
        "BSC-ERGOTERAPI": 1, "HVERDAGSREHAB": (0.8, 0.6), "VELFERDSTEK": (0.7, 0.6), "FORFLYTNING": (0.6, 0.6),
        "EPJ": (0.7, 0.4),
    },
    "Helsesykepleier": {
        "BSC-SYKEPLEIE": 1, "MA-HELSESYKEPLEIE": 0.97, "SMITTEVERN": (0.7, 0.6), "PSYKISK-HELSE": (0.5, 0.5),
        "SPRAKUTVIKLING": (0.3, 0.4), "EPJ": (0.9, 0.6), "HLR": 0.7,
    },
    "Jordmor": {"BSC-SYKEPLEIE": 1, "MA-JORDMOR": 1, "SMITTEVERN": (0.6, 0.6), "EPJ": (0.9, 0.6), "HLR": 0.8},
    "Helsesekretær": {"FB-HELSESEKRETAER": 0.85, "SMITTEVERN": (0.4, 0.4), "EPJ": (0.9, 0.6), "FORSTEHJELP": 0.4},
    "Kokk": {"FB-KOKK": 0.85, "ERNAERING": (0.8, 0.6), "REAL-SPRAK": 0.1},
    "Lærer": {
        "GLU": 0.85, "PPU": 0.1, "FORD-MATEMATIKK": (0.35, 0.4), "FORD-NORSK": (0.4, 0.45),
        "FORD-ENGELSK": (0.3, 0.4), "KLASSELEDELSE": (0.7, 0.5), "LESE-SKRIVE": (0.35, 0.45),
        "DIGITAL-UNDERV": (0.5, 0.45), "SPESPED": (0.12, 0.4), "NORSK-ANDRESPRAK": (0.1, 0.4), "FORSTEHJELP": 0.15,
    },
    "Lektor": {
        "LEKTORUTD": 0.8, "PPU": 0.25, "FORD-MATEMATIKK": (0.45, 0.7), "FORD-NORSK": (0.45, 0.7),
        "FORD-ENGELSK": (0.4, 0.7), "KLASSELEDELSE": (0.6, 0.5), "DIGITAL-UNDERV": (0.55, 0.5),
        "SPESPED": (0.06, 0.4),
    },
    "Fagarbeider skole": {
        "FB-BARNE-UNGDOM": 0.9, "REAL-BARN": 0.15, "SPESPED": (0.15, 0.25), "LESE-SKRIVE": (0.1, 0.2),
        "FORSTEHJELP": 0.3,
    },
    ("SK", "Assistent"): {"REAL-BARN": 0.3, "REAL-SPRAK": 0.12, "FORSTEHJELP": 0.2, "SPESPED": (0.08, 0.2)},
    "Spesialpedagog": {
        "MA-SPESPED": 0.85, "GLU": 0.5, "SPESPED": (0.95, 0.8), "LESE-SKRIVE": (0.6, 0.65),
        "SPRAKUTVIKLING": (0.3, 0.6),
    },
    "Inspektør": {
        "GLU": 0.6, "LEKTORUTD": 0.35, "VU-LEDELSE": 0.5, "PERSONALLEDELSE": (0.8, 0.55),
        "KLASSELEDELSE": (0.8, 0.7), "SAKSBEHANDLING": (0.7, 0.5),
    },
    "Kulturskolelærer": {"PPU": 0.5, "DIGITAL-UNDERV": (0.3, 0.4)},
    "Barnehagelærer": {
        "BHGL": 0.92, "SPRAKUTVIKLING": (0.65, 0.5), "BARNS-PSYK": (0.4, 0.45), "PED-LEDELSE": (0.55, 0.45),
        "FORSTEHJELP": 0.45,
    },
    "Fagarbeider barnehage": {
        "FB-BARNE-UNGDOM": 0.95, "REAL-BARN": 0.1, "SPRAKUTVIKLING": (0.45, 0.35), "BARNS-PSYK": (0.25, 0.3),
        "FORSTEHJELP": 0.4,
    },
    ("BH", "Assistent"): {
        "REAL-BARN": 0.35, "REAL-SPRAK": 0.15, "SPRAKUTVIKLING": (0.25, 0.2), "FORSTEHJELP": 0.25,
    },
    "Renholder": {"FB-RENHOLD": 0.3, "RENHOLDSTEKNIKK": (0.8, 0.45), "SMITTEVERN": (0.2, 0.3), "REAL-SPRAK": 0.15},
    "Fagarbeider": {
        "FB-ANLEGGSGARTNER": 0.25, "FB-ANLEGGSRORLEGGER": 0.3, "VA-DRIFT": (0.35, 0.45), "ARBEIDSVARSLING": 0.5,
        "TRUCK": 0.3, "VARME-ARBEIDER": 0.15, "MASKINFORER": 0.3,
    },
    ("KU", "Fagarbeider"): {"FB-BYGGDRIFTER": 0.3, "BYGGDRIFT": (0.5, 0.4), "FORSTEHJELP": 0.4},
    "Maskinfører": {"MASKINFORER": 0.95, "ARBEIDSVARSLING": 0.7, "TRUCK": 0.4},
    "Anleggsgartner": {"FB-ANLEGGSGARTNER": 0.9, "ARBEIDSVARSLING": 0.5, "MASKINFORER": 0.3},
    "Ingeniør": {
        "BSC-INGENIOR": 0.95, "BYGGESAK": (0.3, 0.5), "VA-DRIFT": (0.25, 0.6), "BYGGDRIFT": (0.2, 0.5), "FSE": 0.2,
        "SAKSBEHANDLING": (0.5, 0.5),
    },
    "Brannkonstabel": {
        "FAGSKOLE-BRANN": 0.55, "ROYKDYKKER": 0.9, "FORSTEHJELP": 0.9, "HLR": 0.7, "BRANNFOREBYGGING": (0.4, 0.4),
    },
    "Utrykningsleder": {
        "FAGSKOLE-BRANN": 0.8, "ROYKDYKKER": 0.8, "FORSTEHJELP": 0.95, "BRANNFOREBYGGING": (0.7, 0.65),
        "PERSONALLEDELSE": (0.5, 0.4),
    },
    "Driftsoperatør": {
        "FB-BYGGDRIFTER": 0.55, "BYGGDRIFT": (0.8, 0.5), "FSE": 0.55, "VARME-ARBEIDER": 0.35,
        "BRANNFOREBYGGING": (0.3, 0.35), "TRUCK": 0.2,
    },
    "Konsulent": {
        "BSC-OKONOMI": 0.3, "SAKSBEHANDLING": (0.8, 0.55), "FORVALTNINGSRETT": (0.4, 0.4), "M365": (0.9, 0.6),
    },
    "Rådgiver": {
        "BSC-OKONOMI": 0.4, "VU-LEDELSE": 0.1, "SAKSBEHANDLING": (0.8, 0.6), "FORVALTNINGSRETT": (0.6, 0.55),
        "INFOSIKKERHET": (0.3, 0.4), "M365": (0.9, 0.65),
    },
    "Spesialrådgiver": {
        "BSC-OKONOMI": 0.8, "FORVALTNINGSRETT": (0.8, 0.7), "SAKSBEHANDLING": (0.8, 0.6), "M365": (0.95, 0.75),
    },
    "Arealplanlegger": {"MA-PLAN": 0.85, "BYGGESAK": (0.6, 0.55), "SAKSBEHANDLING": (0.8, 0.5)},
    "IKT-konsulent": {
        "BSC-IT": 0.7, "INFOSIKKERHET": (0.85, 0.65), "PERSONVERN": (0.7, 0.55), "M365": (0.95, 0.85),
    },
    "Arkivar": {"SAKSBEHANDLING": (0.95, 0.75), "PERSONVERN": (0.7, 0.6), "FORVALTNINGSRETT": (0.5, 0.5)},
    "Bibliotekar": {"BSC-BIBLIOTEK": 0.9, "M365": (0.9, 0.6), "DIGITAL-UNDERV": (0.2, 0.3)},
    "Miljøarbeider": {"REAL-MILJO": 0.35, "FB-BARNE-UNGDOM": 0.35, "FORSTEHJELP": 0.4, "MILJOTERAPI": (0.2, 0.3)},
}

# What working in a kind of unit adds, whatever the profession (the profession's own entry wins).
KIND_EXTRAS = {
    "HJT": {"VELFERDSTEK": (0.4, 0.4), "HVERDAGSREHAB": (0.25, 0.4)},
    "BOF": {"TVANG-MAKT": (0.5, 0.45), "MILJOTERAPI": (0.45, 0.45), "FORSTEHJELP": 0.35},
    "PHR": {"PSYKISK-HELSE": (0.65, 0.5), "MILJOTERAPI": (0.35, 0.45)},
    "VO": {"NORSK-ANDRESPRAK": (0.75, 0.55)},
    "PPT": {"SPESPED": (0.9, 0.75)},
    "VA": {"VA-DRIFT": (0.75, 0.55), "FSE": 0.3},
    "EIE": {"BYGGDRIFT": (0.6, 0.5)},
    "PLAN": {"BYGGESAK": (0.7, 0.55)},
    "IKT": {"INFOSIKKERHET": (0.8, 0.6)},
    "PO": {"PERSONVERN": (0.8, 0.55)},
}

LEADER_TITLES = ("Enhetsleder", "Rektor", "Styrer", "Brannsjef", "Avdelingsleder", "Kommunalsjef", "Kommunedirektør")
LEADERSHIP = {
    "VU-LEDELSE": 0.55, "PERSONALLEDELSE": (0.95, 0.6), "FORVALTNINGSRETT": (0.5, 0.5),
    "SAKSBEHANDLING": (0.8, 0.55), "M365": (0.95, 0.6), "PERSONVERN": (0.6, 0.5),
}
# The profession a leader came from, per service area (the brannsjef was a firefighter).
LEADER_BACKGROUND = {
    "HO": (("Sykepleier", 60), ("Vernepleier", 20), ("Fysioterapeut", 10), ("Helsefagarbeider", 10)),
    "SK": (("Lærer", 70), ("Lektor", 30)),
    "BH": (("Barnehagelærer", 1),),
    "TD": (("Ingeniør", 80), ("Driftsoperatør", 20)),
    "KU": (("Konsulent", 50), ("Bibliotekar", 50)),
    "ADM": (("Rådgiver", 70), ("Spesialrådgiver", 30)),
}
# Hands-on professions, whose skills are sometimes recorded as assessed prior learning.
HANDS_ON = ("Assistent", "Helsefagarbeider", "Fagarbeider skole", "Fagarbeider barnehage", "Miljøarbeider",
            "Renholder")

NOTES = {
    "prior_learning": (
        "Vurdert av leder etter samtale og observasjon i praksis.",
        "Dokumentert med attest fra tidligere arbeidsgiver.",
        "Vurdert i samarbeid med voksenopplæringen.",
    ),
    "learning_activity": ("Kursbevis registrert etter gjennomført kurs.", "Gjennomført med praktisk øvelse."),
    "leader_assessment": ("", "", "Vurdert i medarbeidersamtalen."),
    "self_assessment": (
        "Jeg bruker dette daglig og kan hjelpe kolleger.",
        "Har tatt nettkurs på egen hånd.",
        "Egen vurdering etter et år i jobben.",
    ),
    "personnel_system": ("",),
}
CARE_SKILLS = tuple(code for code, _, area, kind, _, _ in CATALOGUE if area == "HELSE" and kind == "skill")
RAISED_NOTE = "Nivå hevet etter vurdering i medarbeidersamtalen."
RENEWED_NOTE = "Fornyet etter nytt kurs."
FIRST_NOTE = "Registrert første gang."

# --- What units require ----------------------------------------------------------
# (competence, minimum level, share, profession): share of the unit's current
# staff (of that profession, if given) that must hold it, so counts scale with size.

UNIT_REQUIREMENTS = {
    "SYK": (
        ("SARBEHANDLING", 2, 0.4, None), ("LEGEMIDDEL", 2, 0.5, None), ("DEMENS", 2, 0.4, None),
        ("PALLIASJON", 2, 0.2, None), ("FORFLYTNING", 2, 0.5, None), ("HLR", 1, 1.0, "Sykepleier"),
        ("LEGEMIDDELKURS", 1, 0.7, "Helsefagarbeider"), ("VU-GERIATRI", 1, 0.3, "Sykepleier"),
        ("KLINISK-OBS", 2, 0.8, "Sykepleier"),
    ),
    "HJT": (
        ("SARBEHANDLING", 2, 0.45, None), ("LEGEMIDDEL", 2, 0.55, None), ("VELFERDSTEK", 2, 0.3, None),
        ("HVERDAGSREHAB", 2, 0.2, None), ("HLR", 1, 1.0, "Sykepleier"), ("LEGEMIDDELKURS", 1, 0.7, "Helsefagarbeider"),
        ("EPJ", 2, 0.6, None), ("DEMENS", 2, 0.25, None), ("KLINISK-OBS", 2, 0.8, "Sykepleier"),
    ),
    "BOF": (
        ("TVANG-MAKT", 2, 0.5, None), ("MILJOTERAPI", 2, 0.4, None), ("LEGEMIDDELKURS", 1, 0.4, None),
        ("BSC-VERNEPLEIE", 1, 0.35, None), ("FORSTEHJELP", 1, 0.5, None),
    ),
    "PHR": (
        ("PSYKISK-HELSE", 3, 0.3, None), ("VU-PSYKISK-HELSE", 1, 0.25, None), ("MILJOTERAPI", 2, 0.3, None),
        ("HLR", 1, 1.0, "Sykepleier"),
    ),
    "HST": (("SMITTEVERN", 2, 0.4, None), ("HLR", 1, 0.8, None), ("MA-HELSESYKEPLEIE", 1, 1.0, "Helsesykepleier")),
    "LEG": (("HLR", 1, 0.9, None), ("SMITTEVERN", 2, 0.3, None)),
    "FYS": (("HVERDAGSREHAB", 2, 0.5, None), ("FORFLYTNING", 3, 0.3, None)),
    "SKO": (
        ("SPESPED", 2, 0.1, None), ("LESE-SKRIVE", 2, 0.2, None), ("KLASSELEDELSE", 2, 0.35, None),
        ("DIGITAL-UNDERV", 2, 0.25, None), ("FORD-MATEMATIKK", 1, 0.25, "Lærer"), ("FORD-NORSK", 1, 0.25, "Lærer"),
        ("FORD-ENGELSK", 1, 0.2, "Lærer"), ("FORSTEHJELP", 1, 0.2, None),
    ),
    "VO": (("NORSK-ANDRESPRAK", 2, 0.6, None),),
    "PPT": (("SPESPED", 3, 0.5, None), ("MA-SPESPED", 1, 0.4, None)),
    "BHG": (
        ("SPRAKUTVIKLING", 2, 0.35, None), ("BARNS-PSYK", 2, 0.2, None), ("BHGL", 1, 0.4, None),
        ("FORSTEHJELP", 1, 0.5, None),
    ),
    "REN": (("RENHOLDSTEKNIKK", 2, 0.4, None), ("FB-RENHOLD", 1, 0.25, None)),
    "VEI": (("ARBEIDSVARSLING", 1, 0.5, None), ("MASKINFORER", 1, 1.0, "Maskinfører")),
    "BRN": (("ROYKDYKKER", 1, 1.0, "Brannkonstabel"), ("FAGSKOLE-BRANN", 1, 0.7, "Brannkonstabel"),
            ("FORSTEHJELP", 1, 0.9, None)),
    "VA": (("VA-DRIFT", 2, 0.5, None), ("FB-ANLEGGSRORLEGGER", 1, 0.3, None), ("FSE", 1, 0.3, None)),
    "EIE": (("FSE", 1, 0.5, None), ("BYGGDRIFT", 2, 0.5, None), ("VARME-ARBEIDER", 1, 0.3, None)),
    "FRI": (("FORSTEHJELP", 1, 0.5, None),),
    "PO": (("PERSONVERN", 2, 0.5, None),),
    "PLAN": (("BYGGESAK", 2, 0.4, None),),
    "IKT": (("INFOSIKKERHET", 3, 0.4, None),),
    "SERV": (("SAKSBEHANDLING", 2, 0.6, None),),
}
# Shared units (kinds too small to stand alone) get what their service area needs most.
MERGED_REQUIREMENTS = {
    "HO": (("HLR", 1, 1.0, "Sykepleier"), ("SMITTEVERN", 2, 0.25, None)),
    "SK": (("SPESPED", 2, 0.15, None),),
}
# Sections (avdelinger) with a special task, found by a word in their name.
SECTION_REQUIREMENTS = (
    ("Skjermet", (("DEMENS", 3, 0.2, None),)),
    ("Demens", (("DEMENS", 3, 0.2, None),)),
    ("Lindrende", (("PALLIASJON", 3, 0.2, None),)),
    ("rehabilitering", (("HVERDAGSREHAB", 2, 0.3, None),)),
    ("natt", (("KLINISK-OBS", 2, 0.5, None),)),
)
# Whole service areas, counting every sub-unit.
AREA_REQUIREMENTS = {
    "HO": (("VELFERDSTEK", 3, 0.03, None), ("MA-AKS", 1, 0.02, None), ("PERSONVERN", 2, 0.08, None)),
    "SK": (("SPESPED", 3, 0.03, None),),
    "BH": (("PED-LEDELSE", 2, 0.1, None),),
    "TD": (("BRANNVERN", 1, 0.1, None),),
    "ADM": (("INFOSIKKERHET", 2, 0.3, None),),
}


@dataclass
class CompetenceCounts:
    """How many rows the demo's competence part wrote."""

    competences: int
    held_competences: int
    history: int
    requirements: int


def add_demo_competences(seed, units, people, unit_ids, picks, echo=None):
    """Write the catalogue, held competences with history, and requirements.

    ``units`` and ``people`` are the plans :func:`portal.org.demo.generate`
    has just written (people carry ``employee_number``); ``picks`` names the
    planned demo people, so ``employee`` gets a profile worth showing. Runs
    inside the caller's transaction and does not commit.
    """
    rng = random.Random(f"competences-{seed}")
    competence_ids, catalogue = _insert_catalogue()
    employee_ids = dict(db.session.execute(select(Employee.employee_number, Employee.id)).all())
    user_ids = dict(db.session.execute(select(User.username, User.id)).all())
    unit_by_code = {u.code: u for u in units}
    planner = _Planner(rng, catalogue, competence_ids, user_ids, picks, unit_by_code)
    held, history = planner.plan(people, employee_ids)
    _insert_chunked(HeldCompetence, held, echo, "held competences")
    _insert_chunked(HeldCompetenceChange, history, echo, "history rows")
    requirements = _plan_requirements(units, people, unit_ids, competence_ids)
    _insert_chunked(Requirement, requirements, None, "requirements")
    return CompetenceCounts(len(competence_ids), len(held), len(history), len(requirements))


def _insert_catalogue():
    """Areas, then competences; returns code -> id and code -> (kind, max level, validity)."""
    db.session.execute(insert(CompetenceArea), [{"code": c, "name": n} for c, n in AREAS])
    area_ids = dict(db.session.execute(select(CompetenceArea.code, CompetenceArea.id)).all())
    rows = [
        {"code": code, "name": name, "area_id": area_ids[area], "kind": kind, "max_level": top,
         "validity_months": months, "description": _description(kind, top, months)}
        for code, name, area, kind, top, months in CATALOGUE
    ]
    db.session.execute(insert(Competence).execution_options(render_nulls=True), rows)
    ids = dict(db.session.execute(select(Competence.code, Competence.id)).all())
    catalogue = {code: (kind, top, months) for code, _, _, kind, top, months in CATALOGUE}
    return ids, catalogue


def _insert_chunked(model, rows, echo, label):
    """Bulk-insert ``rows`` a chunk at a time, one executemany per chunk.

    Core inserts on the table, not ORM bulk inserts: every row has the same
    keys, so nothing splits the batch, and skipping the ORM's per-row
    bookkeeping saves about a third of the time at 50,000 employees.
    """
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model.__table__), rows[start:start + CHUNK])
        if echo and len(rows) >= PROGRESS_FROM:
            echo(f"  {min(start + CHUNK, len(rows))}/{len(rows)} {label}")


# --- Planning held competences -------------------------------------------------

def _add_years(day, years):
    return add_months(day, 12 * years)


def _stamp(day):
    """A deterministic time of recording: mid-morning on ``day``."""
    return datetime.combine(day, time(9, 0), tzinfo=timezone.utc)


def _between(rng, first, last):
    """A day from ``first`` to ``last`` (``first`` when they are the wrong way round)."""
    span = (last - first).days
    return first + timedelta(days=rng.randint(0, span)) if span > 0 else first


class _Planner:
    """Turns each planned person into held-competence and history rows."""

    def __init__(self, rng, catalogue, competence_ids, user_ids, picks, unit_by_code):
        self.rng = rng
        self.catalogue = catalogue
        self.ids = competence_ids
        self.codes = {i: code for code, i in competence_ids.items()}
        self.unit_by_code = unit_by_code
        self.profiles = {}
        self.held = []
        self.history = []
        self.demo_employee = (picks.get("employee") or {}).get("employee_number")
        leader = picks.get("leader")
        self.team_code = leader["unit_code"] if leader else None
        self.leader_user = user_ids.get("leader")
        self.employee_user = user_ids.get("employee")

    def plan(self, people, employee_ids):
        for person in people:
            self._person(person, employee_ids[person["employee_number"]])
        return self.held, self.history

    # -- profiles --

    def _profile(self, unit, profession):
        """The merged profile for a profession in a unit kind; leaders draw their background."""
        area = unit.area.code
        kind = unit.kind.code if unit.kind else ""
        background = None
        if profession in LEADER_TITLES:
            options = (("Utrykningsleder", 1),) if kind == "BRN" else LEADER_BACKGROUND.get(area, ())
            if options:
                names = [n for n, _ in options]
                background = self.rng.choices(names, weights=[w for _, w in options])[0]
        key = (area, kind, profession, background)
        if key not in self.profiles:
            merged = dict(COMMON)
            merged.update(KIND_EXTRAS.get(kind, {}))
            for name in (background, profession):
                if name:
                    merged.update(PROFILES.get((area, name)) or PROFILES.get(name, {}))
            if profession in LEADER_TITLES:
                merged.update(LEADERSHIP)
            self.profiles[key] = [
                (code, *(spec if isinstance(spec, tuple) else (spec, 0.5))) for code, spec in merged.items()
            ]
        return self.profiles[key]

    # -- one person --

    def _person(self, person, employee_id):
        rng = self.rng
        unit = self.unit_by_code[person["unit_code"]]
        profession = person["profession"]
        hire = person["hire_date"]
        as_of = person["end_date"] or REFERENCE_DATE
        demo = person["employee_number"] == self.demo_employee
        in_team = self.team_code is not None and person["unit_code"].startswith(self.team_code)
        start = _add_years(person["birth_date"], START_AGE.get(profession, DEFAULT_START_AGE))
        years = (as_of - hire).days / 365.25
        assessor = self.leader_user if in_team else None
        skills = []
        for code, chance, strength in self._profile(unit, profession):
            if rng.random() >= (max(chance, 0.8) if demo and chance >= 0.25 else chance):
                continue
            kind, top, months = self.catalogue[code]
            if kind == "formal":
                row = self._formal(employee_id, code, top, strength, years, start, hire, as_of)
            elif kind == "certification":
                row = self._certificate(employee_id, code, months, hire, as_of)
            else:
                source = "prior_learning" if kind == "prior_learning" else self._skill_source(profession)
                level = self._level(top, strength, years)
                assessed = _between(rng, max(hire, _add_years(as_of, -MAPPED_YEARS)), as_of)
                row = self._row(employee_id, code, level, source, assessed)
                if source == "leader_assessment":
                    row["recorded_by_id"] = assessor
                skills.append((kind, row))
            self.held.append(row)
        self._skill_history([row for _, row in skills], hire, assessor)
        skills = [row for kind, row in skills if kind == "skill"]  # what people assess themselves on
        if demo:
            self._demo_extras(employee_id, skills, as_of)
        elif skills and rng.random() < SELF_ASSESSMENT_SHARE:
            self._self_assessment(employee_id, rng.choice(skills), as_of, None)

    def _skill_source(self, profession):
        """Mostly the leader's assessment; some from a course, some prior learning for hands-on staff."""
        draw = self.rng.random()
        if draw < 0.15:
            return "learning_activity"
        if draw < 0.25 and profession in HANDS_ON:
            return "prior_learning"
        return "leader_assessment"

    def _level(self, top, strength, years):
        """Where on the scale: the profession's strength, a little more with experience, some spread."""
        if top == 1:
            return 1
        x = 0.75 * strength + 0.25 * min(years, 20) / 20 + self.rng.gauss(0, 0.15)
        return max(1, min(top, 1 + int(x * top)))

    def _row(self, employee_id, code, level, source, achieved, valid_until=None):
        return {
            "employee_id": employee_id,
            "competence_id": self.ids[code],
            "level": level,
            "source": source,
            "achieved_on": achieved,
            "valid_until": valid_until,
            "evidence_note": self.rng.choice(NOTES[source]),
            "evidence_url": "",
            "recorded_by_id": None,
            "recorded_at": _stamp(achieved),
        }

    def _formal(self, employee_id, code, top, strength, years, start, hire, as_of):
        """Education from the personnel system: finished before hiring, or taken while working here."""
        if code in FURTHER_EDUCATION:
            achieved = _between(self.rng, min(_add_years(hire, 1), as_of), as_of)
        else:
            achieved = min(start - timedelta(days=self.rng.randint(10, 200)), hire)
        row = self._row(employee_id, code, self._level(top, strength, years), "personnel_system", achieved)
        row["recorded_at"] = _stamp(max(achieved, hire))
        return row

    def _certificate(self, employee_id, code, months, hire, as_of):
        """A course certificate: expiring ones were taken up to 1.25 validity periods ago."""
        rng = self.rng
        if months is None:
            return self._row(employee_id, code, 1, "learning_activity", _between(rng, hire, as_of))
        span = int(months * 30.44 * EXPIRY_SPREAD)
        achieved = max(hire, as_of - timedelta(days=rng.randint(0, span)))
        row = self._row(employee_id, code, 1, "learning_activity", achieved, add_months(achieved, months))
        previous = add_months(achieved, -months)
        if previous >= hire and rng.random() < 0.5:  # renewed here before: the timeline shows the old expiry
            self.history.append(self._change(row, "changed", 1, achieved + timedelta(days=rng.randint(0, 40)),
                                             RENEWED_NOTE, achieved))
        return row

    def _change(self, row, action, old_level, old_valid_until, note, day, changed_by=None):
        return {
            "employee_id": row["employee_id"],
            "competence_id": row["competence_id"],
            "source": row["source"],
            "action": action,
            "old_level": old_level,
            "new_level": row["level"],
            "old_valid_until": old_valid_until,
            "new_valid_until": row["valid_until"],
            "note": note,
            "changed_by_id": changed_by,
            "changed_at": _stamp(day),
        }

    def _skill_history(self, skills, hire, assessor):
        """Some skills were first recorded a level lower and raised later: two timeline rows."""
        rng = self.rng
        for row in skills:
            first = row["achieved_on"] - timedelta(days=rng.randint(180, 900))
            if row["level"] < 2 or first < hire or rng.random() >= HISTORY_SHARE:
                continue
            by = assessor if row["source"] == "leader_assessment" else None
            created = self._change(row, "created", None, None, FIRST_NOTE, first, by)
            created["new_level"] = row["level"] - 1
            self.history.append(created)
            self.history.append(self._change(row, "changed", row["level"] - 1, None, RAISED_NOTE,
                                             row["achieved_on"], by))

    def _self_assessment(self, employee_id, basis, as_of, recorded_by):
        """The employee's own view, usually a level above what the leader recorded."""
        code = self.codes[basis["competence_id"]]
        top = self.catalogue[code][1]
        level = min(top, basis["level"] + (1 if self.rng.random() < 0.6 else 0))
        achieved = _between(self.rng, basis["achieved_on"], as_of)
        row = self._row(employee_id, code, level, "self_assessment", achieved)
        row["recorded_by_id"] = recorded_by
        self.held.append(row)
        return row

    def _demo_extras(self, employee_id, skills, as_of):
        """The demo ``employee`` shows every feature: a self-assessment, a raised level
        with its timeline, and an HLR certificate that runs out soon."""
        hlr = self.ids["HLR"]
        self.held[:] = [r for r in self.held if not (r["employee_id"] == employee_id and r["competence_id"] == hlr)]
        self.history[:] = [r for r in self.history
                           if not (r["employee_id"] == employee_id and r["competence_id"] == hlr)]
        expires = REFERENCE_DATE + timedelta(days=DEMO_EXPIRES_IN_DAYS)
        achieved = add_months(expires, -12)
        row = self._row(employee_id, "HLR", 1, "learning_activity", achieved, expires)
        self.held.append(row)
        self.history.append(self._change(row, "changed", 1, achieved + timedelta(days=12), RENEWED_NOTE, achieved))
        if not skills:
            velferd = self._row(employee_id, "VELFERDSTEK", 1, "leader_assessment", as_of - timedelta(days=400))
            self.held.append(velferd)
            skills.append(velferd)
        def room_above(row):
            return row["level"] < self.catalogue[self.codes[row["competence_id"]]][1]

        care = [r for r in skills if self.codes[r["competence_id"]] in CARE_SKILLS]
        basis = next((r for r in care + skills if room_above(r)), (care or skills)[0])
        if not any(r["employee_id"] == employee_id and r["competence_id"] == basis["competence_id"]
                   for r in self.history):
            first = basis["achieved_on"] - timedelta(days=300)
            created = self._change(basis, "created", None, None, FIRST_NOTE, first, basis["recorded_by_id"])
            created["new_level"] = max(1, basis["level"] - 1)
            self.history.append(created)
            if basis["level"] > 1:
                self.history.append(self._change(basis, "changed", basis["level"] - 1, None, RAISED_NOTE,
                                                 basis["achieved_on"], basis["recorded_by_id"]))
        mine = self._self_assessment(employee_id, basis, as_of, self.employee_user)
        mine["achieved_on"] = max(basis["achieved_on"], REFERENCE_DATE - timedelta(days=30))
        mine["recorded_at"] = _stamp(mine["achieved_on"])
        mine["level"] = min(self.catalogue[self.codes[basis["competence_id"]]][1], basis["level"] + 1)


# --- Planning requirements ------------------------------------------------------

def _plan_requirements(units, people, unit_ids, competence_ids):
    """Requirement rows for every unit, scaled to who works there on the reference date."""
    staff, by_profession = _current_staff(units, people)
    rows = []
    for unit in units:
        for code, level, share, profession in _specs_for(unit):
            base = by_profession.get((unit.code, profession), 0) if profession else staff.get(unit.code, 0)
            if not base:
                continue
            rows.append({
                "unit_id": unit_ids[unit.code],
                "competence_id": competence_ids[code],
                "min_level": level,
                "required_count": max(1, ceil(share * base - 0.25)),
                "profession": profession,
            })
    return rows


def _specs_for(unit):
    """What a unit of this kind and place in the tree requires."""
    if unit.depth == 0:
        return AREA_REQUIREMENTS.get(unit.area.code, ())
    if unit.depth >= 2:
        section = unit.name.rsplit(" – ", 1)[-1].lower()
        found = {}
        for word, specs in SECTION_REQUIREMENTS:
            if word.lower() in section:
                found.update({(spec[0], spec[3]): spec for spec in specs})
        return tuple(found.values())
    if unit.kind and unit.kind.code == MERGED:
        return MERGED_REQUIREMENTS.get(unit.area.code, ())
    return UNIT_REQUIREMENTS.get(unit.kind.code if unit.kind else "", ())


def _current_staff(units, people):
    """Headcount per unit subtree, in all and per profession, of those employed on the reference date."""
    by_code = {u.code: u for u in units}
    staff, by_profession = {}, {}
    for person in people:
        if person["hire_date"] > REFERENCE_DATE or (person["end_date"] and person["end_date"] < REFERENCE_DATE):
            continue
        unit = by_code[person["unit_code"]]
        while unit is not None:
            staff[unit.code] = staff.get(unit.code, 0) + 1
            key = (unit.code, person["profession"])
            by_profession[key] = by_profession.get(key, 0) + 1
            unit = unit.parent
    return staff, by_profession
