"""The access matrix as data: every route x every role x own/other object, with the answer the rules demand.

Run ``python -m tests.access_matrix`` for the cell count; tests/test_access_matrix.py runs the cells.

The expectations are written from the rules, not recorded from the portal:
the contract (/api/v1 errors: 401 without a token, 403 when the caller may
see the object but not do the act, 404 when they may not see it), the domain
guide's table of who sees what (personal data only to the person, their
leaders and hr for competence; appraisal content only to the employee and the
leaders of their unit, never hr; representatives and politicians plans and
aggregates only; admin user accounts only) and each route's declared purpose.
Where a rule is silent on a route, the role policy the route declares
(``portal.access``) is taken as its rule.

"own" is an object belonging to ``employee`` (1002, HO-HJEM-NORD, led by
``leader``); "peer" one belonging to ``colleague`` (1003, the same unit: a
colleague is not a leader); "other" one belonging to the teacher 2002 in
SK-SKOLE (led by ``other_leader``). A row without a variant is about no
one's personal data (plans, the catalogue, units, aggregates).

Outcomes (what a cell accepts):
  OK     2xx or a redirect that is not to the log-in page
  ACT    not refused: anything but 401, 403, 404, a redirect to log-in or a 5xx
         (409/422 are fine: the act was allowed, the state or the input was not)
  LOGIN  anonymous refused: 401 on the API, a redirect to /login on a page
  NO     refused: 403 or 404
  HIDE   404: the caller may not know the object exists
  DENY   403: the caller sees the object but may not do this
  PAIR   one of the two people in the interview, where the rules do not say
         which of them does this: anything but 401, 404 or a 5xx
  MINE   a page of the caller's own records: 200, or 404 for a user who is
         no employee and so has none
  REFUSE a request naming, in its body, a person the caller may not act for:
         403, 404, or 422 naming the field (nothing is done either way)
Every answer, whatever its status, must also not contain a secret the role
may not read (see SECRETS).
"""
from dataclasses import dataclass, field

ROLES = ("anonymous", "employee", "leader", "other_leader", "hr", "representative", "politician", "admin")
USERS = ROLES[1:]

OK, ACT, LOGIN, NO, HIDE, DENY, PAIR, MINE, REFUSE = (
    "OK", "ACT", "LOGIN", "NO", "HIDE", "DENY", "PAIR", "MINE", "REFUSE")

# Markers written into confidential fields of the data set, and the roles the rules let read them.
# "own" person: employee (1002); "peer": colleague (1003); "other": the teacher (2002).
APPRAISAL_READERS = {"own": ("employee", "leader"), "peer": ("leader",), "other": ("other_leader",)}
PERSON_READERS = {"own": ("employee", "leader", "hr"), "peer": ("leader", "hr"), "other": ("other_leader", "hr")}
# The last names are set by the data set (tests/test_access_matrix.py) so they occur nowhere else.
NAMES = {"own": "Øverby", "peer": "Ærligsen", "other": "Lærdal"}
SECRETS = {}
for _variant, _tag in (("own", "OWN"), ("peer", "PEER"), ("other", "OTHER")):
    # Appraisal content and the development plan: the employee and the leaders of their unit, never hr.
    for _part in ("SUMMARY", "PREPARED", "ENTRY"):
        SECRETS[f"{_part}-{_tag}-Q7X"] = APPRAISAL_READERS[_variant]
    # Personal data and competence data: the person, their leaders, hr.
    SECRETS[NAMES[_variant]] = PERSON_READERS[_variant]
    SECRETS[f"EVIDENCE-{_tag}-Q7X"] = PERSON_READERS[_variant]
    # The employee's objection to an assessment is shown wherever the assessment is.
    SECRETS[f"OBJECTION-{_tag}-Q7X"] = PERSON_READERS[_variant]
# Names on account pages are account data, which the admin keeps.
ADMIN_MAY_READ = tuple(NAMES.values())


@dataclass
class Row:
    """One route and method, with the object it is called on and what each role must get."""

    method: str
    endpoint: str
    args: dict
    expect: dict
    variant: str = ""
    body: dict | None = None
    # Log the caller in on a client of its own (the request ends the session).
    own_session: bool = False
    query: dict = field(default_factory=dict)

    @property
    def key(self):
        return (self.method, self.endpoint)

    def id(self, role):
        suffix = f"-{self.variant}" if self.variant else ""
        return f"{self.method} {self.endpoint}{suffix} {role}"


def expect(default, anonymous=LOGIN, **roles):
    """Every role's outcome: ``default`` for logged-in users, overrides by role name."""
    table = {role: default for role in USERS}
    table["anonymous"] = anonymous
    table.update(roles)
    unknown = set(table) - set(ROLES)
    assert not unknown, unknown
    return table


def anyone(outcome=OK):
    return expect(outcome, anonymous=outcome)


def logged_in(outcome=OK):
    return expect(outcome)


def only(roles, yes=OK, no=DENY):
    """Holders of ``roles`` get ``yes``, other users ``no``, anonymous LOGIN.

    A route refused by role names no object the caller may not know of, so the contract's answer is 403.
    """
    return expect(no, **{role: yes for role in roles})


LEADERS = ("leader", "other_leader")
AGGREGATES = ("hr", "leader", "other_leader", "representative", "politician")
NOT_EMPLOYEES = ("hr", "representative", "politician", "admin")


def person(variant, yes=OK):
    """A person's competence/profile data: the person, their leaders, hr.

    A user whose role may see people but not this one gets 404 (never reveal
    who exists); roles that see no personal data at all are refused.
    """
    table = expect(NO, hr=yes)
    for role in ("employee", "leader", "other_leader"):
        table[role] = HIDE
    for role in PERSON_READERS[variant]:
        table[role] = yes
    return table


def appraisal(variant, employee=OK, leader=OK):
    """Appraisal content: the employee and their leaders; 404 to everyone else, hr included."""
    table = expect(HIDE)
    if variant == "own":
        table.update(employee=employee, leader=leader)
    elif variant == "peer":  # the colleague is not a matrix role; employee is only a colleague here
        table.update(leader=leader)
    else:  # nor is the teacher
        table.update(other_leader=leader)
    return table


OWN_OTHER = ("own", "other")
VARIANTS = ("own", "peer", "other")


def rows():
    """All rows. Values in args, bodies and queries that name a key of the data set are filled in at request time."""
    R = []

    def add(method, endpoint, expectation, args=None, body=None, variant="", **extra):
        R.append(Row(method, endpoint, args or {}, expectation, variant, body, **extra))

    def both(method, endpoint, make, args, body=None, variants=VARIANTS, **extra):
        for variant in variants:
            add(method, endpoint, make(variant), args, body, variant, **extra)

    # --- public, account, home ------------------------------------------------------------
    add("GET", "static", anyone(), {"filename": "portal.css"})
    add("GET", "auth.login", anyone())
    add("POST", "auth.login", anyone(ACT), body={})
    add("POST", "auth.language", anyone(ACT), body={"locale": "nn", "next": "/"})
    add("POST", "auth.logout", logged_in(ACT), own_session=True)
    add("GET", "home.index", logged_in())
    # The accessibility statement and the privacy page are for everyone (a legal duty).
    add("GET", "home.accessibility", anyone())
    add("GET", "home.privacy", anyone())
    # Everything held about the caller (GDPR right of access).
    for endpoint in ("home.my_data", "home.my_data_json", "home.my_data_pdf"):
        add("GET", endpoint, logged_in())
    add("GET", "auth.tokens", logged_in())
    add("POST", "auth.tokens", logged_in(ACT), body={"label": "matrise"})
    # own: the caller's own token; other: someone else's, which nobody may touch.
    add("POST", "auth.revoke_token", logged_in(ACT), {"token_id": "my_token"}, variant="own")
    add("POST", "auth.revoke_token", logged_in(HIDE), {"token_id": "teacher_token"}, variant="other")

    # --- administration: user accounts, the admin only -----------------------------------------
    admin = only(("admin",))
    admin_act = only(("admin",), ACT)
    add("GET", "admin.users", admin)
    add("GET", "admin.new_user", admin)
    add("POST", "admin.new_user", admin_act, body={"username": "ny", "role": "employee"})
    for variant in VARIANTS:
        add("GET", "admin.user", admin, {"user_id": "user"}, variant=variant)
        add("POST", "admin.toggle_active", admin_act, {"user_id": "user"}, variant=variant)
        add("POST", "admin.set_user_email", admin_act, {"user_id": "user"}, {"email": "x@example.org"}, variant)
        add("POST", "admin.set_password", admin_act, {"user_id": "user"},
            {"password": "another-long-password-7", "confirm": "another-long-password-7"}, variant)
        add("POST", "admin.add_role", admin_act, {"user_id": "user"}, {"role": "representative"}, variant)
        add("POST", "admin.remove_role", admin_act, {"user_id": "user", "assignment_id": "assignment"}, variant=variant)

    # --- org: people and units -----------------------------------------------------------------
    add("GET", "org.units", logged_in())
    add("GET", "org.employees", only(("hr",) + LEADERS))
    both("GET", "org.employee", person, {"employee_id": "person"})

    # --- the competence catalogue and requirements (no personal data) -----------------------------
    hr_page, hr_act = only(("hr",)), only(("hr",), ACT)
    add("GET", "competence.catalogue", logged_in())
    add("GET", "competence.new_area", hr_page)
    add("POST", "competence.new_area", hr_act, body={"code": "NY", "name": "Nytt område"})
    add("GET", "competence.edit_area", hr_page, {"area_id": "area"})
    add("POST", "competence.edit_area", hr_act, {"area_id": "area"}, body={"code": "OMR", "name": "Område"})
    add("GET", "competence.new_competence", hr_page)
    add("POST", "competence.new_competence", hr_act, body={"code": "NYK", "name": "Ny", "kind": "skill"})
    add("GET", "competence.edit_competence", hr_page, {"competence_id": "competence"})
    add("POST", "competence.edit_competence", hr_act, {"competence_id": "competence"},
        body={"code": "KOMP", "name": "Kompetanse", "kind": "skill", "max_level": "3"})
    add("GET", "competence.requirements", logged_in())
    add("GET", "competence.new_requirement", hr_page)
    add("POST", "competence.new_requirement", hr_act, body={"unit_id": "0", "competence_id": "0"})
    add("POST", "competence.delete_requirement", hr_act, {"requirement_id": "requirement"})

    # --- a person's competence profile ----------------------------------------------------------
    def assessor(variant, yes):
        """hr and the person's leaders assess; employees assess no one here (role refused, own or not)."""
        table = person(variant, yes)
        table["employee"] = NO
        return table

    for method, yes in (("GET", OK), ("POST", ACT)):
        both(method, "competence.assess", lambda v, yes=yes: assessor(v, yes), {"employee_id": "person"},
             {} if method == "POST" else None)
        both(method, "competence.assess_prior_learning", lambda v, yes=yes: assessor(v, yes),
             {"employee_id": "person"}, {} if method == "POST" else None)

    def self_assessment(variant, yes):
        """Only the person assesses themselves; others who see the person may not (403 or 404)."""
        table = person(variant, yes)
        for role in ("leader", "other_leader", "hr"):
            if table[role] == yes:
                table[role] = NO
        return table

    both("GET", "competence.self_assess", lambda v: self_assessment(v, OK), {"employee_id": "person"})
    both("POST", "competence.self_assess", lambda v: self_assessment(v, ACT), {"employee_id": "person"},
         {"competence_id": "0", "level": "2"})
    both("POST", "competence.confirm", lambda v: assessor(v, ACT), {"employee_id": "person", "held_id": "self_held"})
    both("GET", "competence.evidence_file", person, {"employee_id": "person", "file_id": "evidence"})
    # Only the person objects to what others recorded about them; those who see the person may not (403/404).
    objected = {"employee_id": "person", "held_id": "verified"}
    both("GET", "competence.objection", lambda v: self_assessment(v, OK), objected)
    both("POST", "competence.objection", lambda v: self_assessment(v, ACT), objected, {"objection": "Uenig"})
    both("POST", "competence.withdraw", lambda v: self_assessment(v, ACT), objected)

    # --- gaps and workforce: aggregates ----------------------------------------------------------
    aggregates = only(AGGREGATES)
    for endpoint in ("competence.gaps", "competence.gaps_csv", "competence.gaps_xlsx", "competence.workforce_page",
                     "competence.workforce_csv", "competence.workforce_xlsx", "competence.workforce_report_pdf"):
        add("GET", endpoint, aggregates)

    def unit_people(variant):
        """Who in a unit holds a competence: hr and the unit's leaders only."""
        table = only(("hr",) + LEADERS)
        table["leader" if variant == "other" else "other_leader"] = NO
        return table

    both("GET", "competence.gap_people", unit_people, {},
         query={"unit_id": "required_unit", "competence_id": "competence"}, variants=OWN_OTHER)
    add("GET", "competence.retirement_ages", hr_page)
    add("POST", "competence.save_retirement_age", hr_act, body={"profession": "Sykepleier", "age": "65"})

    # --- learning activities ------------------------------------------------------------------
    add("GET", "learning.activities", only(("hr",) + LEADERS))
    add("GET", "learning.activities_csv", only(("hr",) + LEADERS))
    add("GET", "learning.activities_xlsx", only(("hr",) + LEADERS))
    # An activity is a record of who learnt what (the API's rule: hr all, leaders their staff's,
    # employees their own), so it is the participants' personal data.
    both("GET", "learning.activity", person, {"activity_id": "activity"})
    add("GET", "learning.new_activity", only(LEADERS))
    add("POST", "learning.new_activity", only(LEADERS, ACT), body={"title": "Fagdag"})
    add("GET", "learning.my_record_csv", logged_in(MINE))
    add("GET", "learning.my_record_xlsx", logged_in(MINE))

    # --- appraisal pages ------------------------------------------------------------------------
    add("GET", "appraisals.appraisals", logged_in())
    add("GET", "appraisals.schedule", only(LEADERS))
    add("POST", "appraisals.schedule", only(LEADERS, ACT), body={})
    add("GET", "appraisals.statistics", only(("hr",) + LEADERS))
    for endpoint in ("appraisals.appraisal", "appraisals.invite", "appraisals.report"):
        both("GET", endpoint, appraisal, {"appraisal_id": "held"})
    # Contract: prepare is the employee's, hold and cancel the leader's; the summary is the leader's,
    # the closing comment the employee's.
    both("POST", "appraisals.save_preparation", lambda v: appraisal(v, ACT, DENY), {"appraisal_id": "scheduled"},
         {"went_well": "Endret", "version": "scheduled_version"})
    both("POST", "appraisals.reschedule", lambda v: appraisal(v, DENY, ACT), {"appraisal_id": "scheduled"},
         {"scheduled_for": "2031-01-07T10:00", "duration_minutes": "60", "location": "Rom 1",
          "version": "scheduled_version"})
    both("POST", "appraisals.fire", lambda v: appraisal(v, DENY, ACT), {"appraisal_id": "scheduled", "name": "cancel"},
         {"version": "scheduled_version"})
    both("POST", "appraisals.save_summary", lambda v: appraisal(v, DENY, ACT), {"appraisal_id": "held"},
         {"summary": "Endret", "version": "held_version"})
    both("POST", "appraisals.save_comment", lambda v: appraisal(v, ACT, DENY), {"appraisal_id": "held"},
         {"employee_comment": "Uenig", "version": "held_version"})
    both("POST", "appraisals.sign", lambda v: appraisal(v, DENY, ACT), {"appraisal_id": "held"},
         {"capacity": "leader", "version": "held_version"})
    both("POST", "appraisals.add_entry", lambda v: appraisal(v, PAIR, ACT), {"appraisal_id": "held"},
         {"title": "Nytt mål", "version": "held_version"})
    both("POST", "appraisals.follow_up", lambda v: appraisal(v, PAIR, ACT),
         {"appraisal_id": "held", "entry_id": "entry"}, {"status-{entry}": "in_progress", "note-{entry}": "Videre", "version": "held_version"})
    add("GET", "appraisals.my_development", logged_in(MINE))

    def my_entry(variant):
        """The employee's own entries, moved on by the employee; anyone else's is not theirs to see here."""
        table = expect(HIDE)
        if variant == "own":
            table["employee"] = ACT
        return table

    both("POST", "appraisals.update_my_entry", my_entry, {"entry_id": "entry"}, {"status": "in_progress"})

    # --- plans (public planning documents: every logged-in user reads them) ------------------------
    plan = {"plan_id": "plan"}
    goal = {"plan_id": "plan", "goal_id": "goal"}
    measure = {"plan_id": "plan", "measure_id": "measure"}
    for endpoint in ("plans.plans", "plans.plan", "plans.goals_csv", "plans.measures_csv", "plans.plan_xlsx",
                     "plans.report_pdf"):
        add("GET", endpoint, logged_in(), {} if endpoint == "plans.plans" else plan)
    hr_form = only(("hr",), ACT)  # hr's forms may answer 409 outside their stage
    for endpoint, args in (("plans.new_plan", {}), ("plans.edit_plan", plan), ("plans.new_goal", plan),
                           ("plans.edit_goal", goal), ("plans.evaluate_goal", goal), ("plans.new_measure", plan),
                           ("plans.edit_measure", measure)):
        add("GET", endpoint, hr_form, args)
        add("POST", endpoint, hr_form, args, body={"title": "Endret", "version": "plan_version"})
    add("POST", "plans.delete_goal", hr_form, goal, body={"version": "plan_version"})
    add("POST", "plans.delete_measure", hr_form, measure, body={"version": "plan_version"})
    add("GET", "plans.add_note", only(("hr",) + LEADERS, ACT), measure)
    add("POST", "plans.add_note", only(("hr",) + LEADERS, ACT), measure, body={"text": "Notat", "version": "plan_version"})
    # Who may sign in which capacity comes from the roles: only a representative signs as one.
    add("POST", "plans.sign", expect(DENY, representative=ACT), plan,
        body={"capacity": "representative", "decision": "approve", "version": "plan_version"})
    # Contract: hr fires every plan transition.
    add("POST", "plans.fire", expect(DENY, hr=ACT), {"plan_id": "plan", "name": "approve_goals"},
        body={"version": "plan_version"})

    # --- the API ------------------------------------------------------------------------------
    api = api_rows()
    R.extend(api)
    return R


def api_rows():
    R = []

    def add(method, endpoint, expectation, args=None, body=None, variant="", **extra):
        R.append(Row(method, endpoint, args or {}, expectation, variant, body, **extra))

    def both(method, endpoint, make, args, body=None, variants=VARIANTS, **extra):
        for variant in variants:
            add(method, endpoint, make(variant), args, body, variant, **extra)

    add("GET", "api.openapi", anyone())
    add("POST", "api.create_token", anyone(ACT), body={"username": "employee", "password": "PASSWORD"})
    add("DELETE", "api.revoke_current_token", logged_in(ACT))
    add("GET", "api.me", logged_in())
    add("GET", "api.me_export", logged_in())
    add("GET", "api.me_export_pdf", logged_in())
    # The caller's own record only: the employee holds the competence from a leader's assessment; the
    # others hold no such record (or are no employee), which is a 404.
    for method, body in (("PUT", {"objection": "Uenig"}), ("DELETE", None)):
        add(method, "api.put_objection" if method == "PUT" else "api.delete_objection", expect(HIDE, employee=ACT),
            {"competence_id": "competence", "source": "leader_assessment"}, body)
    add("GET", "api.units", logged_in())
    add("GET", "api.unit", logged_in(), {"unit_id": "unit_own"})
    # Lists are filtered to what the caller may see (SECRETS checks that); roles without personal data are refused.
    add("GET", "api.employees", only(("employee", "hr") + LEADERS))
    both("GET", "api.employee", person, {"employee_id": "person"})

    # Catalogue and requirements.
    add("GET", "api.competences", logged_in())
    add("POST", "api.create_competence", only(("hr",), ACT),
        body={"code": "API", "name": "Fra API", "area_id": "area", "kind": "skill", "max_level": 3})
    add("GET", "api.requirements", logged_in())
    add("POST", "api.create_requirement", only(("hr",), ACT),
        body={"unit_id": "unit_own", "competence_id": "competence", "min_level": 1, "required_count": 1})
    add("DELETE", "api.remove_requirement", only(("hr",), ACT), {"requirement_id": "requirement"})

    # Aggregates and their exports.
    for endpoint in ("api.gaps", "api.gaps_csv", "api.gaps_xlsx", "api.workforce_figures", "api.workforce_csv",
                     "api.workforce_xlsx", "api.workforce_report"):
        add("GET", endpoint, only(AGGREGATES))

    # Learning.
    add("GET", "api.learning_activities", logged_in())
    # A leader logs activities for their own staff: the other unit's leader may not log one for ``employee``.
    add("POST", "api.log_learning_activity", only(LEADERS, ACT) | {"other_leader": REFUSE},
        body={"title": "Kurs", "kind": "course", "date": "2026-03-01", "hours": 3, "participant_ids": ["person_own"]})

    # Appraisals.
    add("GET", "api.appraisals", logged_in())
    add("GET", "api.appraisal_statistics", only(("hr",)))

    def schedule(variant):
        """A leader schedules interviews with their own staff only."""
        table = only(LEADERS, ACT)
        table["leader" if variant == "other" else "other_leader"] = REFUSE
        return table

    both("POST", "api.schedule_appraisal", schedule, {},
         {"employee_id": "person", "scheduled_for": "2031-01-07T10:00", "location": "Rom 2"})
    for endpoint in ("api.appraisal", "api.appraisal_invite", "api.appraisal_report"):
        both("GET", endpoint, appraisal, {"appraisal_id": "held"})
    both("PATCH", "api.update_appraisal", lambda v: appraisal(v, DENY, ACT), {"appraisal_id": "held"},
         {"summary": "Endret", "version": "held_version"})
    both("POST", "api.sign_appraisal", lambda v: appraisal(v, DENY, ACT), {"appraisal_id": "held"},
         {"capacity": "leader", "decision": "approve", "version": "held_version"})
    both("POST", "api.fire_appraisal_transition", lambda v: appraisal(v, DENY, ACT),
         {"appraisal_id": "scheduled", "name": "cancel"}, {"version": "scheduled_version"})
    both("GET", "api.development_entries", appraisal, {"employee_id": "person"})
    both("POST", "api.create_development_entry", lambda v: appraisal(v, PAIR, ACT), {},
         {"appraisal_id": "held", "title": "Nytt mål"})
    both("PATCH", "api.update_development_entry", lambda v: appraisal(v, ACT, ACT), {"entry_id": "entry"},
         {"status": "in_progress"})

    # Plans.
    plan = {"plan_id": "plan"}
    goal = {"plan_id": "plan", "goal_id": "goal"}
    measure = {"plan_id": "plan", "measure_id": "measure"}
    for endpoint, args in (("api.plans", {}), ("api.plan", plan), ("api.plan_goals_csv", plan),
                           ("api.plan_measures_csv", plan), ("api.plan_xlsx", plan), ("api.plan_report", plan)):
        add("GET", endpoint, logged_in(), args)
    hr_act = only(("hr",), ACT)
    add("POST", "api.create_plan", hr_act, body={"title": "Ny plan"})
    add("PATCH", "api.update_plan", hr_act, plan, {"title": "Endret", "version": "plan_version"})
    add("POST", "api.add_goal", hr_act, plan, {"title": "Mål", "version": "plan_version"})
    add("PATCH", "api.update_goal", hr_act, goal, {"title": "Mål", "version": "plan_version"})
    add("DELETE", "api.delete_goal", hr_act, goal, query={"version": "plan_version"})
    add("POST", "api.add_measure", hr_act, plan, {"title": "Tiltak", "version": "plan_version"})
    add("PATCH", "api.update_measure", hr_act, measure, {"title": "Tiltak", "version": "plan_version"})
    add("DELETE", "api.delete_measure", hr_act, measure, query={"version": "plan_version"})
    add("POST", "api.add_note", only(("hr",) + LEADERS, ACT), measure, {"text": "Notat", "version": "plan_version"})
    add("POST", "api.sign_plan", expect(DENY, representative=ACT), plan,
        {"capacity": "representative", "decision": "approve", "version": "plan_version"})
    add("POST", "api.fire_transition", expect(DENY, hr=ACT), {"plan_id": "plan", "name": "approve_goals"},
        {"version": "plan_version"})
    return R


# Cells where the portal disagrees with the rules, reported to the lead: each is marked
# xfail(strict=True) with its reason, so the suite stays green while it is wrong and fails
# (XPASS) the moment it is fixed, when its entry is removed here. Key: Row.id(role), e.g.
# "GET api.appraisal-own hr". Empty: at the time of writing every cell answers as the rules say.
KNOWN = {}

ROWS = rows()
CELLS = [(row, role) for row in ROWS for role in ROLES]

if __name__ == "__main__":
    print(f"{len(ROWS)} rows x {len(ROLES)} roles = {len(CELLS)} cells")
