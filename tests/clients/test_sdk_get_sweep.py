"""Every GET operation that the published Python SDK shares with the document, against a fresh mock.

The SDK (iblai 4.89.4) was generated from the release before the document's (4.90.4), so its
operations are first matched to the document's by method and path; those whose path is gone are
counted and left out. Each shared operation is then called through its SDK method, with a value
for every path parameter and every required query parameter, and its answer deserialized with
that method's own response types. A 404 from an item path is retried once with a key taken from
the first record of the sibling collection, since a fresh mock need not hold the guessed key.

Asserted: no 5xx, no call that the SDK refuses to send, and no 2xx body that the SDK's models
reject for a reason the document shares. Two kinds of rejection are the SDK's own and are only
printed: a property that the document marks `writeOnly` and `required` (a backend never returns
it, yet the generated model requires it), and a constraint (an enum) that the SDK's older
document had and 4.90.4 no longer has. Everything else that is not 2xx is printed too.
"""

from __future__ import annotations

import collections
import datetime
import json
import pathlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pydantic
import pytest
import yaml
from iblai.exceptions import ApiException
from sdk_calls import SdkOperation, deserialize, make_api_client, sdk_operations

DOCUMENT = pathlib.Path(__file__).resolve().parents[2] / "openapi" / "ibl-data-manager.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
PROBLEMS_HEADER = "X-Mock-Response-Problems"
TIME_BUDGET = 60.0

COURSE_ID = "course-v1:Acme+CS101+2025_T1"
UUID = "6f1c2a3e-8d4b-4c2a-9e1f-2b3c4d5e6f70"
# Values by parameter name, for parameters whose schema says no more than `string`.
NAMED_VALUES: dict[str, str] = {
    "org": "main",
    "platform_key": "main",
    "user_id": "admin",
    "username": "admin",
    "user": "admin",
    "course_id": COURSE_ID,
    "mentor": UUID,
    "mentor_unique_id": UUID,
    "session_id": UUID,
    "task_id": UUID,
    "pathway_uuid": UUID,
    "start_date": "2025-01-01",
    "end_date": "2025-12-31",
    "url": "https://example.com/",
    "q": "python",
}
# Fields of a listed record that may hold an item path's key, after the parameter's own name.
KEY_FIELDS = ("unique_id", "id", "name", "slug", "key", "entity_id", "uuid")

# Outcome kinds. The first three fail the test.
SERVER_ERROR = "5xx"
REFUSED = "refused by the SDK before sending"
REJECTED = "2xx body rejected by the SDK"
SDK_WRITE_ONLY = "2xx body rejected: SDK model requires a writeOnly property"
SDK_DRIFT = "2xx body rejected: SDK enum not in the 4.90.4 document"
ACCEPTED = "2xx accepted"
ACCEPTED_WITH_LISTED_KEY = "2xx accepted with a key from the listing"
NOT_2XX = "not 2xx"
UNDECLARED = "2xx status the SDK does not declare"
FAILING = (SERVER_ERROR, REFUSED, REJECTED)


@dataclass(frozen=True)
class DocumentOperation:
    method: str
    path: str
    operation_id: str
    parameters: tuple[Mapping[str, Any], ...]


def load_document() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with DOCUMENT.open(encoding="utf-8") as stream:
        return dict(yaml.load(stream, Loader=loader))


def resolve(document: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def document_operations(document: Mapping[str, Any]) -> dict[tuple[str, str], DocumentOperation]:
    operations: dict[tuple[str, str], DocumentOperation] = {}
    for path, item in document["paths"].items():
        shared = [resolve(document, p) for p in item.get("parameters", [])]
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            own = [resolve(document, p) for p in operation.get("parameters", [])]
            names = {(p["in"], p["name"]) for p in own}
            parameters = own + [p for p in shared if (p["in"], p["name"]) not in names]
            operations[(method.upper(), path)] = DocumentOperation(
                method.upper(), path, str(operation["operationId"]), tuple(parameters)
            )
    return operations


def parameter_value(name: str, schema: Mapping[str, Any]) -> Any:
    """A valid value for a parameter, as the SDK method takes it."""
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if kind == "array":
        return [parameter_value(name, schema.get("items", {}))]
    form = schema.get("format")
    if form == "uuid":
        return UUID
    if form == "date-time":
        return datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    if form == "date":
        return datetime.date(2025, 1, 1)
    if form == "email":
        return "admin@example.com"
    if form == "uri":
        return "https://example.com/"
    default = "1" if name == "id" or name.endswith("_id") else name.replace("_", "-")
    value = NAMED_VALUES.get(name, default)
    pattern = schema.get("pattern")
    if pattern:
        for candidate in (value, COURSE_ID, name, "value"):
            if re.search(pattern, candidate):
                return candidate
        raise AssertionError(f"no test value for {name} matches {pattern!r}")
    return value


def sdk_arguments(sdk: SdkOperation, operation: DocumentOperation) -> dict[str, Any]:
    """Arguments for every path parameter and every required query parameter."""
    required = set(sdk.required_arguments())
    arguments: dict[str, Any] = {}
    for parameter in operation.parameters:
        name, where = str(parameter["name"]), parameter["in"]
        wire_to_argument = sdk.path_arguments if where == "path" else sdk.query_arguments
        argument = wire_to_argument.get(name)
        if argument is None:
            continue
        if where == "path" or parameter.get("required") or argument in required:
            arguments[argument] = parameter_value(name, parameter.get("schema", {}))
    missing = required - set(arguments)
    assert not missing, f"{sdk.method_name}: no value for required arguments {sorted(missing)}"
    return arguments


@dataclass
class Outcome:
    sdk: SdkOperation
    operation_id: str
    kind: str = NOT_2XX
    status: int | None = None
    detail: str = ""
    body: str = ""
    flagged_by_mock: str | None = None


def _short(text: str | bytes, limit: int = 300) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def _property_schema(
    document: Mapping[str, Any], model: str, field: str
) -> Mapping[str, Any] | None:
    schema = document["components"]["schemas"].get(model)
    if schema is None:
        return None
    found = resolve(document, schema).get("properties", {}).get(field)
    if found is None:
        return None
    found = resolve(document, found)
    for part in found.get("allOf", []):  # `allOf: [$ref]` with `readOnly` beside it
        found = {**resolve(document, part), **{k: v for k, v in found.items() if k != "allOf"}}
    return found


def rejection_kind(document: Mapping[str, Any], error: pydantic.ValidationError) -> str:
    """Whose the rejection is: the SDK's (write-only or drift) or the mock's to answer for."""
    kinds: set[str] = set()
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        schema = _property_schema(document, error.title, field)
        if schema is None:
            return REJECTED
        if schema.get("writeOnly") and problem.get("input") is None:
            kinds.add(SDK_WRITE_ONLY)
        elif problem["type"] in ("enum", "literal_error") and not schema.get("enum"):
            kinds.add(SDK_DRIFT)
        else:
            return REJECTED
    return SDK_WRITE_ONLY if kinds == {SDK_WRITE_ONLY} else SDK_DRIFT if kinds else REJECTED


def call_once(
    api_client: Any,
    document: Mapping[str, Any],
    sdk: SdkOperation,
    outcome: Outcome,
    **arguments: Any,
) -> Any:
    """Call the method; fill `outcome`; return the JSON body of a 2xx, accepted or not."""
    try:
        raw = getattr(sdk.api(api_client), sdk.method_name)(**arguments)
    except (pydantic.ValidationError, TypeError, ValueError) as error:
        outcome.kind, outcome.detail = REFUSED, _short(str(error))
        return None
    outcome.status = int(raw.status)
    outcome.flagged_by_mock = raw.headers.get(PROBLEMS_HEADER)
    body = _json(raw)
    try:
        answer = deserialize(api_client, raw, sdk.response_types)
    except ApiException as error:
        outcome.body = _short(error.body or raw.data or b"")
        if outcome.status >= 500:
            outcome.kind, outcome.detail = SERVER_ERROR, f"{outcome.status} {error.reason}"
        elif 200 <= outcome.status < 300:  # e.g. a content type that the SDK cannot read
            outcome.kind, outcome.detail = REJECTED, _short(str(error))
        else:
            outcome.kind = NOT_2XX
            outcome.detail = f"{outcome.status} (the SDK declares {sorted(sdk.response_types)})"
        return body
    except pydantic.ValidationError as error:
        outcome.kind, outcome.body = rejection_kind(document, error), _short(raw.data or b"")
        outcome.detail = f"{error.title}: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']} (got {_short(repr(e.get('input')), 60)})"
            for e in error.errors()
        )
        return body
    except (ValueError, TypeError, KeyError) as error:
        outcome.kind, outcome.body = REJECTED, _short(raw.data or b"")
        outcome.detail = f"{type(error).__name__}: {_short(str(error))}"
        return body
    if str(answer.status_code) not in sdk.response_types:
        outcome.kind = UNDECLARED
        outcome.detail = f"{answer.status_code} not among the SDK's {sorted(sdk.response_types)}"
        return body
    outcome.kind = ACCEPTED
    return body


def _json(raw: Any) -> Any:
    try:
        return json.loads(raw.data) if 200 <= raw.status < 300 and raw.data else None
    except ValueError:
        return None


def _first_record(body: Any) -> Mapping[str, Any] | None:
    records = body
    if isinstance(body, Mapping):
        records = next((body[k] for k in ("results", "data", "Resources") if k in body), None)
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        return records[0]
    return None


def _key_fields(parameter: str) -> list[str]:
    """`heygen_marketing_video_id` -> itself, `marketing_video_id`, `video_id`, `id`, camelCase."""
    words = parameter.split("_")
    suffixes = ["_".join(words[i:]) for i in range(len(words))]
    camel = [w[0] + "".join(p.title() for p in w[1:]) for w in (s.split("_") for s in suffixes)]
    return list(dict.fromkeys([*suffixes, *camel, *KEY_FIELDS]))


def listed_record(
    api_client: Any,
    document: Mapping[str, Any],
    operations: Mapping[tuple[str, str], DocumentOperation],
    by_key: Mapping[tuple[str, str], SdkOperation],
    item: SdkOperation,
) -> tuple[str, Any, Mapping[str, Any]] | None:
    """(parameter, value, record): the item path's last parameter, from the collection's first
    record (the collection being the GET on the item path less its last segment)."""
    match = re.fullmatch(r"(.*/)\{([^}]+)\}/?", item.path)
    if match is None:
        return None
    parent, parameter = match.group(1), match.group(2)
    for path in (parent, parent.rstrip("/")):
        collection = by_key.get(("GET", path))
        if collection is None or ("GET", path) not in operations:
            continue
        probe = Outcome(collection, operations[("GET", path)].operation_id)
        arguments = sdk_arguments(collection, operations[("GET", path)])
        record = _first_record(call_once(api_client, document, collection, probe, **arguments))
        if record is None:
            return None
        for field in _key_fields(parameter):
            if record.get(field) not in (None, ""):
                return parameter, record[field], record
        return None
    return None


def _differences(listed: Mapping[str, Any], retrieved: Any) -> list[str]:
    if not isinstance(retrieved, Mapping):
        return ["the item is not an object"]
    return sorted(k for k in listed.keys() & retrieved.keys() if listed[k] != retrieved[k])


def sweep_one(
    api_client: Any,
    document: Mapping[str, Any],
    operations: Mapping[tuple[str, str], DocumentOperation],
    by_key: Mapping[tuple[str, str], SdkOperation],
    sdk: SdkOperation,
) -> Outcome:
    operation = operations[sdk.key]
    outcome = Outcome(sdk, operation.operation_id)
    try:
        arguments = sdk_arguments(sdk, operation)
    except (AssertionError, KeyError) as error:
        outcome.kind, outcome.detail = REFUSED, _short(str(error))
        return outcome
    call_once(api_client, document, sdk, outcome, **arguments)
    if outcome.status != 404:
        return outcome
    found = listed_record(api_client, document, operations, by_key, sdk)
    if found is None:
        outcome.detail += "; no listed record to take a key from"
        return outcome
    parameter, value, record = found
    argument = sdk.path_arguments[parameter]
    schema = next(p.get("schema", {}) for p in operation.parameters if p["name"] == parameter)
    arguments[argument] = int(value) if schema.get("type") == "integer" else str(value)
    retry = Outcome(sdk, operation.operation_id)
    retrieved = call_once(api_client, document, sdk, retry, **arguments)
    if retry.kind == ACCEPTED:
        retry.kind = ACCEPTED_WITH_LISTED_KEY
        retry.detail = f"with the listed {parameter}={value!r}"
    elif retry.kind == NOT_2XX:
        retry.detail += f"; also with the listed {parameter}={value!r}"
    if retry.status is not None and 200 <= retry.status < 300:
        differing = _differences(record, retrieved)
        if differing:
            retry.detail += (
                f"; with the listed {parameter}={value!r}, the item differs from the listed "
                f"record in {differing}"
            )
    return retry


def _report(
    shared: list[SdkOperation],
    gone: list[SdkOperation],
    only_in_document: list[tuple[str, str]],
    outcomes: list[Outcome],
    seconds: float,
) -> str:
    kinds = collections.Counter(outcome.kind for outcome in outcomes)
    distinct = len({sdk.key for sdk in shared})
    lines = [
        f"SDK GET methods: {len(shared) + len(gone)}; shared with the document: {len(shared)} "
        f"({distinct} distinct operations); gone from the document: {len(gone)}; "
        f"document GETs the SDK lacks: {len(only_in_document)}; swept in {seconds:.1f} s",
        *(f"  {count:4d}  {kind}" for kind, count in kinds.most_common()),
    ]
    lines += [f"  gone: {sdk.method_name} GET {sdk.path}" for sdk in gone]
    lines += [f"  new in the document: {method} {path}" for method, path in only_in_document]
    for outcome in sorted(outcomes, key=lambda o: (o.kind, o.sdk.path)):
        accepted = outcome.kind in (ACCEPTED, ACCEPTED_WITH_LISTED_KEY)
        if accepted and not outcome.flagged_by_mock and not outcome.detail:
            continue
        lines.append(
            f"[{outcome.kind}] {outcome.operation_id} ({outcome.sdk.class_name}."
            f"{outcome.sdk.method_name}) GET {outcome.sdk.path} -> {outcome.status}: "
            f"{outcome.detail}"
        )
        if outcome.flagged_by_mock:
            lines.append(f"    the mock flags its own body: {_short(outcome.flagged_by_mock)}")
        if outcome.body:
            lines.append(f"    body: {outcome.body}")
    return "\n".join(lines)


def test_every_shared_get_answers_and_is_accepted_by_the_sdk(mock_server_url: str) -> None:
    document = load_document()
    operations = document_operations(document)
    sdk_gets = [sdk for sdk in sdk_operations() if sdk.http_method == "GET"]
    shared = [sdk for sdk in sdk_gets if sdk.key in operations]
    gone = [sdk for sdk in sdk_gets if sdk.key not in operations]
    by_key = {sdk.key: sdk for sdk in sdk_gets}
    sdk_keys = {sdk.key for sdk in sdk_operations()}
    only_in_document = sorted(k for k in operations if k[0] == "GET" and k not in sdk_keys)
    assert len(shared) > 500, f"only {len(shared)} SDK GET methods match the document"

    api_client = make_api_client(mock_server_url)
    started = time.monotonic()
    outcomes = [sweep_one(api_client, document, operations, by_key, sdk) for sdk in shared]
    seconds = time.monotonic() - started
    report = _report(shared, gone, only_in_document, outcomes, seconds)
    print(report)

    failures = [o for o in outcomes if o.kind in FAILING]
    assert not failures, f"{len(failures)} failing operations\n{report}"
    if seconds > TIME_BUDGET:
        pytest.fail(f"the sweep took {seconds:.1f} s, more than {TIME_BUDGET:.0f} s")
