"""The OpenAPI document describes exactly the API that is served, and truthfully.

``jsonschema`` is not among the dependencies, so :func:`check` is a small
validator for the subset of JSON Schema the document uses ($ref, type, enum,
required, properties, items, oneOf, minimum/maximum, maxLength, date formats).
"""
import re
from datetime import date, datetime

import pytest

from portal.access import policy_for
from tests.api.test_tokens import assert_error, bearer

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def document(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.is_json
    return response.get_json()


def served_operations(app):
    """{(openapi path, method)} for every rule under the API prefix, with its endpoint."""
    served = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX) :])
        for method in rule.methods - IGNORED_METHODS:
            served[(path, method.lower())] = rule.endpoint
    return served


def described_operations(document):
    return {
        (path, method): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def resolve(document, schema):
    while "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        target = document
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
    return schema


TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def check(document, schema, value, where="$"):
    """Return a list of the places where ``value`` does not fit ``schema``."""
    schema = resolve(document, schema)
    if "oneOf" in schema:
        fits = [s for s in schema["oneOf"] if not check(document, s, value, where)]
        return [] if len(fits) == 1 else [f"{where}: fits {len(fits)} of oneOf"]
    problems = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(
            isinstance(value, TYPES[t]) and not (isinstance(value, bool) and t in ("integer", "number"))
            for t in types
        )
        if not ok:
            return [f"{where}: {value!r} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: longer than {schema['maxLength']}")
        if schema.get("format") == "date":
            try:
                date.fromisoformat(value)
                assert len(value) == 10
            except (ValueError, AssertionError):
                problems.append(f"{where}: {value!r} is not YYYY-MM-DD")
        if schema.get("format") == "date-time":
            try:
                assert datetime.fromisoformat(value).tzinfo is not None
            except (ValueError, AssertionError):
                problems.append(f"{where}: {value!r} is not a date-time with an offset")
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                problems.append(f"{where}: missing {name}")
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                problems += check(document, sub, value[name], f"{where}.{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for name in set(value) - set(schema.get("properties", {})):
                problems += check(document, extra, value[name], f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += check(document, schema["items"], item, f"{where}[{i}]")
    return problems


def response_schema(document, path, method, status):
    responses = document["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} does not document {status}"
    return responses[str(status)]["content"]["application/json"]["schema"]


def assert_fits(document, path, method, response):
    schema = response_schema(document, path, method, response.status_code)
    problems = check(document, schema, response.get_json())
    assert problems == [], f"{method.upper()} {path} {response.status_code}: {problems}"


# --- the document itself ----------------------------------------------------------


def test_document_looks_like_openapi_3(document):
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["paths"] and document["components"]["schemas"]
    assert document["servers"][0]["url"] == PREFIX
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_document_needs_no_token(app):
    assert app.test_client(use_cookies=False).get(f"{PREFIX}/openapi.json").status_code == 200


def test_every_served_endpoint_is_described(app, document):
    missing = sorted(set(served_operations(app)) - set(described_operations(document)))
    assert missing == [], f"served but not in openapi.json: {missing}"


def test_every_described_endpoint_is_served(app, document):
    ghosts = sorted(set(described_operations(document)) - set(served_operations(app)))
    assert ghosts == [], f"in openapi.json but not served: {ghosts}"


def test_every_operation_is_complete(document):
    for (path, method), operation in described_operations(document).items():
        assert operation.get("summary"), f"{method.upper()} {path} has no summary"
        assert operation.get("responses"), f"{method.upper()} {path} has no responses"
        for name in re.findall(r"{(\w+)}", path):
            params = [p for p in operation.get("parameters", []) if p["in"] == "path" and p["name"] == name]
            assert params and params[0]["required"], f"{method.upper()} {path} does not describe {name}"


def test_every_reference_resolves(document):
    refs = re.findall(r'"\$ref": "([^"]+)"', __import__("json").dumps(document))
    assert refs
    for ref in refs:
        resolve(document, {"$ref": ref})


def test_security_in_the_document_matches_the_access_policy(app, document):
    """An operation marked ``security: []`` must really be public, and only those."""
    served = served_operations(app)
    for key, operation in described_operations(document).items():
        public = operation.get("security", document["security"]) == []
        assert policy_for(served[key], app).anonymous == public, f"{key}: security does not match policy"
        if not public:
            assert "401" in operation["responses"], f"{key} does not document 401"


# --- real answers fit their schemas ------------------------------------------------


def test_real_answers_fit_their_schemas(client, api, people, document):
    hr, leader = api.token("hr"), api.token("leader")
    staff, units = people["staff"], people["units"]
    calls = [
        ("/me", "get", "/me", hr),
        ("/me", "get", "/me", leader),
        ("/me/export", "get", "/me/export", leader),
        ("/me/export", "get", "/me/export", hr),
        ("/units", "get", "/units?per_page=3", hr),
        ("/units/{unit_id}", "get", f"/units/{units['HO-HJEM']}", leader),
        ("/units/{unit_id}", "get", "/units/999999", leader),
        ("/employees", "get", "/employees", hr),
        ("/employees", "get", "/employees", leader),
        ("/employees", "get", "/employees?per_page=500", hr),
        ("/employees/{employee_id}", "get", f"/employees/{staff['1002']}", leader),
        ("/employees/{employee_id}", "get", f"/employees/{staff['2001']}", leader),
        ("/employees", "get", "/employees", None),
    ]
    for path, method, url, token in calls:
        response = client.get(PREFIX + url, headers=bearer(token) if token else {})
        assert_fits(document, path, method, response)

    politician = api.token("politician")
    assert_fits(document, "/employees", "get", client.get(f"{PREFIX}/employees", headers=bearer(politician)))


def test_token_answers_fit_their_schemas(client, people, document):
    from tests.conftest import PASSWORD

    for body in ({"username": "hr", "password": PASSWORD}, {"username": "hr", "password": "wrong"}, {}):
        assert_fits(document, "/tokens", "post", client.post(f"{PREFIX}/tokens", json=body))


# --- errors outside any endpoint ----------------------------------------------------


@pytest.mark.parametrize("path", ["/nothing-here", "/employees/1/nothing", "/", "/units/"])
def test_unknown_api_paths_are_json_404(client, people, path):
    assert_error(client.get(PREFIX + path), 404, "not_found")


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("put", "/me", {"GET"}),
        ("post", "/employees", {"GET"}),
        ("get", "/tokens", {"POST"}),
        ("delete", "/units/1", {"GET"}),
        ("post", "/openapi.json", {"GET"}),
    ],
)
def test_wrong_methods_are_json_405_naming_the_allowed_ones(client, api, people, method, path, allowed):
    response = getattr(client, method)(PREFIX + path, headers=bearer(api.token("hr")))
    assert_error(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} - IGNORED_METHODS == allowed


# --- found by tests/api/test_fuzz.py --------------------------------------------------


@pytest.mark.parametrize("method", ["patch", "delete", "put", "post"])
@pytest.mark.parametrize("plan_id", ["0", str(2**31), str(2**40)])
def test_an_id_no_row_can_have_is_404_for_every_method_not_405(client, api, people, method, plan_id):
    # werkzeug checks the method before the id's range: these answered 405
    # "use GET" (the sibling rule's method) for a number that fails the range.
    response = getattr(client, method)(f"{PREFIX}/plans/{plan_id}", headers=bearer(api.token("hr")), json={})
    assert_error(response, 404, "not_found")


def test_an_empty_optional_query_parameter_is_as_if_left_out(client, api, people, document):
    token = bearer(api.token("hr"))
    for path, empty in [("/plans", "state"), ("/units", "parent_id"), ("/employees", "per_page")]:
        plain = client.get(PREFIX + path, headers=token)
        given_empty = client.get(f"{PREFIX}{path}?{empty}=", headers=token)
        assert given_empty.status_code == 200 and given_empty.get_json() == plain.get_json()
        parameter = next(p for p in document["paths"][path]["get"]["parameters"] if p["name"] == empty)
        assert parameter["allowEmptyValue"] is True, "the document must say so, or clients are told it is an error"
