"""How many workflow steps (sign-offs and transitions) a second, next to the bare writes they make?

Builds a demo municipality (2,000 employees by default), then takes
competence plans through their state machine with the portal's own domain
code, one step per committed transaction, as a request to the API does
(``load_plan``, ``engine.sign`` / ``engine.fire``, ``commit``,
``send_after_commit``; the JSON answer is left out, the page benchmark times
that):

* **one plan**, round after round: the leader, the union representative and
  the politician approve the purpose, hr agrees it; leader and
  representative approve the goals, hr approves them; hr starts the
  evaluation; the three approve the evaluation; hr sends the plan back three
  times to the purpose stage and the round starts again. The last round
  closes the plan. Its history grows with every step, so a lookup whose cost
  grows with the history shows up here;
* **1,000 plans** (``--plans``), each taken once from purpose to closed, the
  steps interleaved across the plans (every plan's first sign-off, then every
  plan's second, ...), so the history, sign-off and audit tables grow to tens
  of thousands of rows while each step looks up its own plan.

Adding a goal, a measure and the evaluation are edits (``plans.editing``);
they are run between the steps as a user would, but not timed.

The baseline, measured in the same run on plans of its own, is the floor
for the same writes made by hand with SQLAlchemy Core, committed one step at
a time: per sign-off an ``UPDATE`` of the plan's version (the lock the
engine takes), an ``INSERT`` of the sign-off, of the history row and of a
hash-chained audit entry; per transition an ``UPDATE`` of state and version
and the two ``INSERT`` s of history and audit. Each figure is printed as
steps per second and as how many times the baseline's time a step takes.
Baseline and portal take turns in slices (``--blocks``), so a load that
comes and goes on a shared machine weighs on both alike.

Both run twice (``--modes``): *durable*, each commit waiting for the disk
(the databases' default; 100 plans, ``--durable-plans``, as the disk then
sets the pace), and *relaxed*, commits not waiting for it (SQLite
``synchronous=OFF``, PostgreSQL ``synchronous_commit=off``), which shows
what the code itself costs. The script also prints where the portal's time
goes: loading the plan and the user, the engine, the commit.

At the end the result is checked: every plan closed, the expected number
of history rows and sign-offs written, and the audit chain verifies.
Usage::

    .venv/bin/python bench/workflow.py                      # temporary SQLite database
    bash .ci/with-postgres .venv/bin/python bench/workflow.py
    .venv/bin/python bench/workflow.py --plans 100 --profile /tmp/wf.prof
"""
import cProfile
import sys
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_babel import force_locale  # noqa: E402
from sqlalchemy import func, insert, select, update  # noqa: E402

import harness  # noqa: E402
from portal.extensions import db  # noqa: E402

PURPOSE = "Hjemmetjenesten mangler folk med sårbehandling, og mange går av med pensjon de neste fem årene."
SIGNERS = {"purpose": ("leader", "representative", "politician"), "goals": ("leader", "representative"),
           "measures": (), "evaluation": ("leader", "representative", "politician")}
FORWARD = {"purpose": ("agree_purpose", "goals"), "goals": ("approve_goals", "measures"),
           "measures": ("start_evaluation", "evaluation"), "evaluation": ("close", "closed")}
BACK = (("evaluation", "measures"), ("measures", "goals"), ("goals", "purpose"))


def main():
    parser = harness.common_options(__doc__, employees=2000)
    parser.add_argument("--plans", type=int, default=1000, help="plans taken through the workflow together")
    parser.add_argument("--rounds", type=int, default=25, help="rounds of the single plan through its stages")
    parser.add_argument("--durable-plans", type=int, default=100,
                        help="plans in the durable mode (each commit waits for the disk, so fewer)")
    parser.add_argument("--blocks", type=int, default=20,
                        help="baseline and portal take turns in this many slices of each run (a shared machine's load "
                             "then weighs on both alike)")
    parser.add_argument("--modes", default="durable,relaxed",
                        help="durable (commit waits for the disk), relaxed (it does not), or both (default)")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the portal's steps to FILE")
    args = parser.parse_args()
    args.modes = [m for m in args.modes.split(",") if m]
    if not args.modes or set(args.modes) - set(MODES):
        parser.error(f"--modes: choose from {', '.join(MODES)}")
    with harness.database("bench-workflow-") as app:
        harness.demo(args.employees, args.seed)
        harness.analyse()
        with app.test_request_context("/api/v1/plans"):
            run(args)


# --- the schedules: which steps, in which order --------------------------------------------------


def plan_steps(rounds):
    """The steps of one plan: ``(kind, who, what, state before, state after)`` for ``rounds`` rounds.

    ``kind`` is ``sign``, ``fire`` or ``edit`` (edits are not timed); the
    last round ends with ``close``, every earlier one with three ``send_back``.
    """
    steps = []
    for number in range(rounds):
        first, last = number == 0, number == rounds - 1
        for state in ("purpose", "goals", "measures", "evaluation"):
            edit = {"goals": "add_goal", "measures": "add_measure", "evaluation": "evaluate"}.get(state)
            if first and edit:
                steps.append(("edit", "hr", edit, state, state))
            steps.extend(("sign", capacity, capacity, state, state) for capacity in SIGNERS[state])
            if state != "evaluation" or last:
                name, dest = FORWARD[state]
                steps.append(("fire", "hr", name, state, dest))
        if not last:
            steps.extend(("fire", "hr", "send_back", source, dest) for source, dest in BACK)
    return steps


def interleaved(plan_ids, steps):
    """Every plan's first step, then every plan's second, ...: ``(plan_id, step)``."""
    return [(plan_id, step) for step in steps for plan_id in plan_ids]


# --- the portal -----------------------------------------------------------------------------------


class Actors:
    """The demo users who act: hr fires and edits, the others sign in the capacity of their name."""

    NAMES = ("hr", "leader", "representative", "politician")

    def __init__(self):
        from portal.org.models import User

        self.ids = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(self.NAMES))).all())
        self.model = User

    def get(self, username):
        """The user as a request would have it: loaded by id (from the session's identity map if still fresh)."""
        return db.session.get(self.model, self.ids[username])


def create_plans(count, actors, scope_unit_id):
    """``count`` plans in the purpose stage, created by hr through ``plans.editing`` (not timed)."""
    from portal.plans import editing

    ids = []
    for number in range(count):
        plan = editing.create_plan(
            {"title": f"Benchmark plan {number + 1}", "purpose": PURPOSE, "scope_unit_id": scope_unit_id},
            actors.get("hr"),
        )
        ids.append(plan.id)
        if number % 100 == 99:
            db.session.commit()
    db.session.commit()
    return ids


STATEMENTS = [0]  # SQL statements sent so far (BEGIN and COMMIT included)


def count_statements():
    """Count every statement sent to the database, and every COMMIT, from now on."""
    from sqlalchemy import event

    def counted(*_args):
        STATEMENTS[0] += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    event.listen(db.engine, "commit", counted)


PHASES = {"durable": Counter(), "relaxed": Counter()}  # where the portal's steps spend their time, per mode


def portal_step(plan_id, step, actors, competence_id):
    """One step as the API runs it: load the plan, call the domain code, commit, send what was queued."""
    from portal.notify import send_after_commit
    from portal.plans import editing
    from portal.plans.pages import load_plan
    from portal.workflow import engine

    kind, who, what, before, after = step
    started = time.perf_counter()
    with force_locale("en"):
        plan = load_plan(plan_id)
        assert plan.state == before, (plan_id, step, plan.state)
        user = actors.get(who)
        user.roles  # noqa: B018  loaded as the request's log-in check would
        loaded = time.perf_counter()
        if kind == "sign":
            engine.sign(plan, user, what, "approve", "", plan.version)
        elif kind == "fire":
            comment = "Needs another look." if what == "send_back" else ""
            engine.fire(plan, user, what, comment, plan.version)
        elif what == "add_goal":
            editing.add_goal(plan, {"title": "Flere med sårbehandling", "kind": "competence",
                                    "competence_id": competence_id, "min_level": 1, "target_count": 5},
                             user, plan.version)
        elif what == "add_measure":
            editing.add_measure(plan, {"goal_id": plan.goals[0].id, "kind": "fagdag", "title": "Fagdag sårbehandling"},
                                user, plan.version)
        else:
            editing.evaluate_goal(plan, plan.goals[0], {"verdict": "partly", "comment": "Halvveis."},
                                  user, plan.version)
        stepped = time.perf_counter()
        db.session.commit()
    send_after_commit()
    if kind != "edit":
        mode = "relaxed" if _mode["relaxed"] else "durable"
        PHASES[mode]["load the plan and the user"] += loaded - started
        PHASES[mode]["engine.sign / engine.fire"] += stepped - loaded
        PHASES[mode]["commit and send_after_commit"] += time.perf_counter() - stepped


def run_portal(schedule, actors, competence_id, spent, done, profiler=None):
    """Run the steps, adding the seconds spent in sign-offs and in transitions, and how many, to ``spent``/``done``."""
    db.session.expire_all()
    for plan_id, step in schedule:
        kind = step[0]
        if profiler and kind != "edit":
            profiler.enable()
        started, cpu, statements = time.perf_counter(), time.process_time(), STATEMENTS[0]
        portal_step(plan_id, step, actors, competence_id)
        spent[kind] += time.perf_counter() - started
        spent[kind, "cpu"] += time.process_time() - cpu
        done[kind, "sql"] += STATEMENTS[0] - statements
        if profiler and kind != "edit":
            profiler.disable()
        done[kind] += 1


def run_both(floor_schedule, portal_schedule, actors, competence_id, blocks, profiler=None):
    """The baseline's and the portal's steps, taken in turns block by block.

    The machine may be shared: taking the two in alternating slices, rather
    than one after the other, lets both meet the same load, so their ratio
    holds even when the absolute times drift.
    """
    floor_spent, floor_done, spent, done = Counter(), Counter(), Counter(), Counter()
    size = max(1, -(-len(portal_schedule) // blocks))
    with db.engine.connect() as connection:
        floor = Floor(connection, actors)
        floor.load(sorted({plan_id for plan_id, _ in floor_schedule}))
        for number, start in enumerate(range(0, len(portal_schedule), size)):
            turns = [lambda: run_floor(floor, floor_schedule[start:start + size], floor_spent, floor_done),
                     lambda: run_portal(portal_schedule[start:start + size], actors, competence_id, spent, done,
                                        profiler)]
            for turn in turns if number % 2 == 0 else reversed(turns):
                turn()
    return (floor_spent, floor_done), (spent, done)


# --- the baseline ----------------------------------------------------------------------------------


class Floor:
    """The same writes by hand with SQLAlchemy Core on one connection, one commit per step.

    Keeps the plan's state and version and the audit chain's head in memory
    (it is the only writer while it runs) and seals each audit entry the way
    ``portal.audit.log`` does, so the chain still verifies afterwards.
    """

    def __init__(self, connection, actors):
        from portal.audit.models import AuditEntry
        from portal.audit.log import GENESIS
        from portal.plans.models import Plan
        from portal.workflow.models import SignOff, WorkflowHistory

        self.conn, self.plan, self.history, self.signoff = connection, Plan, WorkflowHistory, SignOff
        self.audit, self.genesis, self.head = AuditEntry, GENESIS, None
        self.users = {name: actors.ids[name] for name in actors.NAMES}
        self.plans = {}

    def refresh(self):
        """Read the audit chain's head again (the portal appends between the baseline's turns)."""
        audit = self.audit
        head = self.conn.execute(select(audit.id, audit.hash).order_by(audit.id.desc()).limit(1)).first()
        self.conn.commit()
        self.head = tuple(head) if head else (0, self.genesis)

    def load(self, plan_ids):
        rows = self.conn.execute(select(self.plan.id, self.plan.state, self.plan.version).where(self.plan.id.in_(plan_ids)))
        self.plans.update({row.id: [row.state, row.version] for row in rows})
        self.conn.commit()

    def step(self, plan_id, step):
        from datetime import datetime, timezone

        from portal.audit.log import canonical, seal

        kind, who, what, before, after = step
        state, version = self.plans[plan_id]
        plan = self.plan
        new_version = version if kind == "sign" else version + 1
        done = self.conn.execute(
            update(plan).where(plan.id == plan_id, plan.version == version).values(state=after, version=new_version)
        )
        assert done.rowcount == 1
        user_id, at = self.users[who], datetime.now(timezone.utc)
        if kind == "sign":
            self.conn.execute(insert(self.signoff).values(
                object_type="plan", object_id=plan_id, capacity=what, decision="approve", comment="", state=state,
                version=version, user_id=user_id, username=who, at=at))
            transition, history_kind = f"approve:{what}", "signoff"
        else:
            transition, history_kind = what, "transition"
        self.conn.execute(insert(self.history).values(
            object_type="plan", object_id=plan_id, kind=history_kind, transition=transition, from_state=state,
            to_state=after, version=new_version, user_id=user_id, username=who, comment="", changes=None, at=at))
        entry = SimpleNamespace(
            id=self.head[0] + 1, at=at.isoformat(timespec="microseconds"), actor_id=user_id, actor=who,
            action=f"workflow.{history_kind}", object_type="plan", object_id=plan_id,
            details=canonical({"step": transition, "from": state, "to": after, "version": new_version}),
        )
        entry.prev_hash, entry.hash = self.head[1], seal(entry, self.head[1])
        self.conn.execute(insert(self.audit).values(**vars(entry)))
        self.conn.commit()
        self.head = (entry.id, entry.hash)
        self.plans[plan_id] = [after, new_version]


def run_floor(floor, schedule, spent, done):
    """The baseline's steps (edits are skipped: they are not timed in the portal either)."""
    floor.refresh()
    for plan_id, step in schedule:
        kind = step[0]
        if kind == "edit":
            floor.plans[plan_id][0] = step[4]
            continue
        started, cpu, statements = time.perf_counter(), time.process_time(), STATEMENTS[0]
        floor.step(plan_id, step)
        spent[kind] += time.perf_counter() - started
        spent[kind, "cpu"] += time.process_time() - cpu
        done[kind, "sql"] += STATEMENTS[0] - statements
        done[kind] += 1


# --- the run --------------------------------------------------------------------------------------


def setting(actors):
    """The unit the plans cover (the one the demo's leader leads) and a competence for the goals."""
    from portal.competence.models import Competence
    from portal.org.models import RoleAssignment

    unit_id = db.session.scalar(
        select(RoleAssignment.unit_id).where(RoleAssignment.user_id == actors.ids["leader"], RoleAssignment.role == "leader")
    )
    competence_id = db.session.scalar(select(Competence.id).order_by(Competence.id).limit(1))
    return unit_id, competence_id


MODES = {
    "durable": "each commit waits for the disk (the database's default)",
    "relaxed": "commits do not wait for the disk (SQLite synchronous=OFF, PostgreSQL synchronous_commit=off)",
}
_mode = {"relaxed": False}


def durability(relaxed):
    """Make new connections wait for the disk at commit (the default) or not; drops the pooled ones.

    With a flush to disk per commit, the disk's latency can hide what the
    code costs; without it the figures show the work of the code and the
    database itself. The same setting holds for the baseline and the portal.
    """
    from sqlalchemy import event, text

    if not event.contains(db.engine, "connect", _on_connect):
        event.listen(db.engine, "connect", _on_connect)
    db.session.remove()
    db.engine.dispose()
    _mode["relaxed"] = relaxed
    with db.engine.connect() as connection:
        setting = "PRAGMA synchronous" if connection.dialect.name == "sqlite" else "SHOW synchronous_commit"
        print(f"{'relaxed' if relaxed else 'durable'}: {setting} = {connection.execute(text(setting)).scalar()}")


def _on_connect(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    if "sqlite" in type(dbapi_connection).__module__:
        cursor.execute("PRAGMA synchronous=" + ("OFF" if _mode["relaxed"] else "FULL"))
    else:
        cursor.execute("SET synchronous_commit TO " + ("off" if _mode["relaxed"] else "on"))
        dbapi_connection.commit()
    cursor.close()


def run(args):
    count_statements()
    actors = Actors()
    unit_id, competence_id = setting(actors)
    one_round = plan_steps(1)
    single = plan_steps(args.rounds)
    before = table_sizes()
    profiler = cProfile.Profile() if args.profile else None
    results, made = {}, []
    for mode in args.modes:
        durability(mode == "relaxed")
        started = time.perf_counter()
        portal_one, floor_one = create_plans(1, actors, unit_id), create_plans(1, actors, unit_id)
        count = args.plans if mode == "relaxed" else min(args.plans, args.durable_plans)
        portal_many = create_plans(count, actors, unit_id)
        floor_many = create_plans(count, actors, unit_id)
        results[mode, "plans"] = count
        print(f"{2 * (count + 1):,} plans created in {time.perf_counter() - started:.1f} s (not timed)")
        results[mode, "floor one"], results[mode, "portal one"] = run_both(
            interleaved(floor_one, single), interleaved(portal_one, single), actors, competence_id, args.blocks, profiler)
        results[mode, "floor many"], results[mode, "portal many"] = run_both(
            interleaved(floor_many, one_round), interleaved(portal_many, one_round), actors, competence_id, args.blocks,
            profiler)
        made.append((portal_one, portal_many))
    if profiler:
        profiler.dump_stats(args.profile)
        print(f"profile of the portal's sign-offs and transitions written to {args.profile}")
    durability(False)
    check([i for one, _ in made for i in one], single, [i for _, many in made for i in many], one_round)
    after = table_sizes()
    grown = {name: after[name] - before[name] for name in after}
    print(f"rows written: {grown['history']:,} history, {grown['signoffs']:,} sign-offs, {grown['audit']:,} audit entries;"
          f" now {after['history']:,} / {after['signoffs']:,} / {after['audit']:,}")
    report(args, results)


def table_sizes():
    from portal.audit.models import AuditEntry
    from portal.workflow.models import SignOff, WorkflowHistory

    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("history", WorkflowHistory), ("signoffs", SignOff), ("audit", AuditEntry))}


def check(portal_one, single, portal_many, one_round):
    """The portal's steps really happened: states, history rows, sign-offs, and an intact audit chain."""
    from portal.audit.log import verify
    from portal.plans.models import Plan
    from portal.workflow.models import SignOff, WorkflowHistory

    db.session.expire_all()
    for ids, steps in ((portal_one, single), (portal_many, one_round)):
        kinds = Counter(step[0] for step in steps)
        states = Counter(db.session.scalars(select(Plan.state).where(Plan.id.in_(ids))))
        assert states == {"closed": len(ids)}, states
        history = Counter(dict(db.session.execute(
            select(WorkflowHistory.kind, func.count()).where(
                WorkflowHistory.object_type == "plan", WorkflowHistory.object_id.in_(ids))
            .group_by(WorkflowHistory.kind)).all()))
        expected = {"create": len(ids), "signoff": kinds["sign"] * len(ids), "transition": kinds["fire"] * len(ids),
                    "edit": kinds["edit"] * len(ids)}
        assert history == expected, (history, expected)
        signoffs = db.session.scalar(select(func.count()).where(SignOff.object_type == "plan", SignOff.object_id.in_(ids)))
        assert signoffs == kinds["sign"] * len(ids), signoffs
        versions = set(db.session.scalars(select(Plan.version).where(Plan.id.in_(ids))))
        assert versions == {1 + kinds["fire"] + kinds["edit"]}, versions
    verdict = verify()
    assert not verdict.problems, [str(p) for p in verdict.problems[:5]]
    print(f"checked: plans closed, history and sign-offs complete, audit chain of {verdict.count:,} entries intact")


def report(args, results):
    rows, floors = [], {}
    print(f"\n{'':<56} {'steps':>7} {'seconds':>8} {'per s':>9} {'x baseline':>11} {'CPU x':>7} {'SQL/step':>9}")
    for mode in args.modes:
        for scope, label in (("one", f"one plan, {args.rounds} rounds"), ("many", f"{results[mode, 'plans']:,} plans")):
            floor_spent, floor_done = results[mode, f"floor {scope}"]
            spent, done = results[mode, f"portal {scope}"]
            for kind, noun in (("sign", "sign-offs"), ("fire", "transitions")):
                floor_rate = floor_done[kind] / floor_spent[kind]
                rate = done[kind] / spent[kind]
                ratio = floor_rate / rate
                what = f"{noun}, {label}, {mode}"
                cpu = (spent[kind, "cpu"] / done[kind]) / (floor_spent[kind, "cpu"] / floor_done[kind])
                print(f"{'baseline: ' + what:<56} {floor_done[kind]:>7,} {floor_spent[kind]:>8.2f} {floor_rate:>9,.0f}"
                      f" {'':>11} {'':>7} {floor_done[kind, 'sql'] / floor_done[kind]:>9.1f}")
                print(f"{what:<56} {done[kind]:>7,} {spent[kind]:>8.2f} {rate:>9,.0f} {ratio:>10.1f}x {cpu:>6.1f}x"
                      f" {done[kind, 'sql'] / done[kind]:>9.1f}")
                floors[what] = round(floor_rate)
                rows.append({"what": what, "value": round(rate, 1), "unit": f"{noun}/s",
                             "ratio": round(ratio, 2), "target": "", "met": None})
    print()
    for mode in args.modes:
        total = sum(PHASES[mode].values())
        steps = sum(results[mode, f"portal {scope}"][1][kind] for scope in ("one", "many") for kind in ("sign", "fire"))
        print(f"where the portal's sign-offs and transitions spend their time ({mode}, ms per step): "
              + ", ".join(f"{name} {1000 * seconds / steps:.2f} ({seconds / total:.0%})"
                          for name, seconds in PHASES[mode].items()))
    harness.figures(
        "workflow",
        "Workflow: sign-offs and transitions per second",
        "the same writes by hand with SQLAlchemy Core, one commit per step; steps/s: "
        + "; ".join(f"{what} {rate:,}" for what, rate in floors.items()),
        rows,
        setup=f"demo with {args.employees:,} employees; one plan for {args.rounds} rounds through its stages; "
              + " and ".join(f"{results[mode, 'plans']:,} plans ({mode})" for mode in args.modes)
              + " from purpose to closed, steps interleaved; each step committed on its own",
        notes=["Each step is what a request does: load the plan, engine.sign/fire, commit, send_after_commit "
               "(history, audit entry and notification outbox included; the JSON answer is not).",
               "Ratio: how many times the baseline's time a step takes (lower is better).",
               *(f"{mode}: {MODES[mode]}." for mode in args.modes)],
    )


if __name__ == "__main__":
    main()
