"""Schemathesis against the portal's own ``/api/v1/openapi.json``.

Every operation of the document is called with generated input as hr (who
may do nearly everything), as a leader and as a plain employee (so the
refusals on access-restricted paths are exercised too), once with input the
document allows and once with input it forbids. Every answer must be no 5xx,
a status code the document lists, the content type and headers it names and
a body that matches its schema; input the document forbids must get a 4xx.

The data is a small demo municipality (fixed seed): plans in every state,
appraisals, development entries, requirements. For allowed input, generated
ids are steered onto rows that exist half of the time (even numbers), so reads
and edits reach real objects and not only 404s; odd ids stay as generated.
State-changing calls do change the data, and later operations see it.

``FUZZ_EXAMPLES`` is the number of examples per operation, role and mode: the
default keeps the suite's run near a minute and above 2,000 calls; ``make
fuzz`` asks for many more. Runs are derandomized: the same code and data make
the same requests, so a failure in CI is reproduced by running this file.
"""
import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from portal.extensions import db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
MINIMUM_CALLS = 2000  # what the suite promises (README); FUZZ_EXAMPLES=8 makes about 2,400
DEMO_PASSWORD = "fuzz-demo-password"
ROLES = ("hr", "leader", "employee")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = CHECKS + [negative_data_rejection]
ID_PARAMETERS = (  # in this order: a goal or measure is steered onto one of the (steered) plan's
    "plan_id", "appraisal_id", "entry_id", "requirement_id", "competence_id", "area_id", "employee_id",
    "unit_id", "parent_id", "scope_unit_id", "goal_id", "measure_id",
)


@pytest.fixture
def tokens(app, client):
    """The demo municipality, and a bearer token per role from POST /api/v1/tokens as a client gets one."""
    from portal.org.demo import generate

    with app.app_context():
        generate(employees=60, seed=11, password=DEMO_PASSWORD)
    issued = {}
    for username in ROLES:
        response = client.post("/api/v1/tokens", json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 201, response.get_json()
        issued[username] = response.get_json()["token"]
    return issued


@pytest.fixture
def api_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The bearer token is ours to send (a real one per role), not generated.
    # Unknown query parameters are ignored, as HTTP APIs conventionally do, so
    # adding some is not invalid input the API must refuse.
    schema.config.generation.update(with_security_parameters=False, allow_extra_parameters=False)
    return schema


def test_every_operation_answers_as_documented(app, api_schema, tokens, record_property):
    steer = _Steering(app)
    api_schema.hook("map_path_parameters")(lambda context, values: steer(values))
    api_schema.hook("map_query")(lambda context, values: steer(values))
    api_schema.hook("map_body")(lambda context, body: steer(body) if isinstance(body, dict) else body)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    statuses, failures = Counter(), []
    started = time.monotonic()
    for operation in operations:
        for role in ROLES:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                # Steering would turn generated invalid ids into valid ones.
                steer.active = mode is GenerationMode.POSITIVE
                try:
                    _fuzz(app, operation, mode, tokens[role], statuses)
                except Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE  # no parameters and no body: nothing to break
                except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001  (all reported below)
                    failures.append(f"{operation.label} as {role} ({mode.value}):\n{error}")
    calls = sum(statuses.values())
    seconds = time.monotonic() - started
    record_property("fuzz_calls", calls)
    print(
        f"\nfuzz: {calls} calls ({EXAMPLES} examples per operation, role and mode) over {len(operations)} "
        f"operations x {len(ROLES)} roles in {seconds:.0f} s; answers: "
        + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    )
    assert not failures, f"{len(failures)} fuzzed operations failed:\n\n" + "\n\n".join(failures)
    assert calls >= MINIMUM_CALLS, f"only {calls} calls; raise FUZZ_EXAMPLES (now {EXAMPLES})"
    assert statuses["2xx"] > calls / 10, "hardly anything succeeded: the data or the tokens are wrong"


def _fuzz(app, operation, mode, token, statuses):
    """Call ``operation`` with up to ``EXAMPLES`` generated requests and check every answer."""
    checks = NEGATIVE_CHECKS if mode is GenerationMode.NEGATIVE else CHECKS

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,  # real requests against a database: timing varies, and is not what is tested
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        # Each example is a real request, slower than Hypothesis expects of a
        # pure function; negative bodies are large by design.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        headers = {"Authorization": f"Bearer {_token_for(app, operation, token)}"}
        response = case.call(headers=headers)
        statuses[f"{response.status_code // 100}xx"] += 1
        case.validate_response(response, checks=checks, headers=headers)

    run()


def _token_for(app, operation, token):
    """The role's token; a fresh one for DELETE /tokens/current, which revokes what it is sent."""
    if operation.method.upper() != "DELETE" or not operation.path.endswith("/tokens/current"):
        return token
    from portal.auth.tokens import issue_token, user_for_token

    with app.test_request_context():
        fresh = issue_token(user_for_token(token), "fuzz")
        db.session.commit()
    return fresh


class _Steering:
    """Sends every even generated id to a row that exists (odd ones stay as generated)."""

    def __init__(self, app):
        self.app = app
        self.active = True

    def __call__(self, values):
        if not values or not self.active:
            return values
        steered = dict(values)
        for name in ID_PARAMETERS:
            value = steered.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value % 2 == 0:
                existing = self.rows(name, steered)
                if existing:
                    steered[name] = existing[(value // 2) % len(existing)]
        return steered

    def rows(self, name, values):
        """The ids of ``name``'s table, read fresh: the fuzzing itself adds and removes rows."""
        from portal.appraisals.models import Appraisal, DevelopmentEntry
        from portal.competence.models import Competence, CompetenceArea, Requirement
        from portal.org.models import Employee, Unit
        from portal.plans.models import Goal, Measure, Plan

        if name in ("goal_id", "measure_id"):
            model = Goal if name == "goal_id" else Measure
            statement = select(model.id).where(model.plan_id == values.get("plan_id", 0))
        else:
            column = {
                "plan_id": Plan.id, "appraisal_id": Appraisal.id, "entry_id": DevelopmentEntry.id,
                "requirement_id": Requirement.id, "competence_id": Competence.id, "area_id": CompetenceArea.id,
                "employee_id": Employee.id, "unit_id": Unit.id, "parent_id": Unit.id, "scope_unit_id": Unit.id,
            }[name]
            statement = select(column)
        with self.app.app_context():
            found = db.session.scalars(statement.order_by(statement.selected_columns[0])).all()
            db.session.remove()
        return found
