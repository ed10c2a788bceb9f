"""The kinds of measures the portal offers, with the strategy each usually serves.

Seeded from the measures the KS material names; ``custom`` is for anything
else (the measure's own title then says what it is).
"""
from flask_babel import lazy_gettext as _l

MEASURE_KINDS = {
    "fagdag": (_l("Professional day (fagdag)"), "develop"),
    "hospitering": (_l("Job shadowing (hospitering)"), "develop"),
    "across_units": (_l("Working across units"), "mobilise"),
    "kollegaveiledning": (_l("Peer supervision (kollegaveiledning)"), "develop"),
    "mentor": (_l("Mentor scheme"), "develop"),
    "trainee": (_l("Trainee scheme"), "recruit"),
    "education_grant": (_l("Education grant"), "develop"),
    "mooc": (_l("Online course (MOOC)"), "develop"),
    "university_agreement": (_l("Agreement with a university or college"), "develop"),
    "y_veien": (_l("Y-veien (vocational to higher education)"), "develop"),
    "recruitment": (_l("Recruitment campaign"), "recruit"),
    "student_placement": (_l("Pupils and students in practice"), "recruit"),
    "apprentices": (_l("Apprentices (lærlinger)"), "recruit"),
    "full_time": (_l("More full-time positions"), "mobilise"),
    "shared_position": (_l("Sharing staff with a neighbour municipality"), "mobilise"),
    "phase_out": (_l("Phasing out competence no longer needed"), "phase_out"),
    "custom": (_l("Other measure"), "develop"),
}

STRATEGY_LABELS = {
    "mobilise": _l("Mobilise"),
    "develop": _l("Develop"),
    "recruit": _l("Recruit"),
    "phase_out": _l("Phase out"),
}

STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "cancelled": _l("Cancelled"),
}

VERDICT_LABELS = {
    "reached": _l("Reached"),
    "partly": _l("Partly reached"),
    "not_reached": _l("Not reached"),
}

GOAL_KIND_LABELS = {
    "competence": _l("Competence holders in a unit"),
    "workforce": _l("Workforce figure"),
    "manual": _l("Other goal with a manual target"),
}

DIRECTION_LABELS = {"at_least": _l("At least"), "at_most": _l("At most")}

PLATFORM_QUESTIONS = {
    "overview": _l("Do we have an overview of the competence we have, and who keeps it up to date?"),
    "needs_ahead": _l("What competence will we need ahead, everywhere or in vulnerable areas and professions?"),
    "outlook": _l("What will the workforce look like in five years (ages, key people near retirement)?"),
    "stability": _l("Which groups are stable, and where is turnover high?"),
}

WORKING_GROUP_LABELS = {
    "leader": _l("Leader"),
    "employee": _l("Employee"),
    "representative": _l("Union representative"),
    "safety_representative": _l("Safety representative"),
    "politician": _l("Politician"),
    "other": _l("Other"),
}

FIELD_LABELS = {
    "title": _l("Title"),
    "scope_unit_id": _l("Scope"),
    "period_start": _l("Period start"),
    "period_end": _l("Period end"),
    "mandate": _l("Mandate"),
    "purpose": _l("Purpose"),
    "platform": _l("Platform questions"),
    "working_group": _l("Working group"),
}
