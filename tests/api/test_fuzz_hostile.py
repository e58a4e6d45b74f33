"""Hostile input over every route, on SQLite and PostgreSQL: Hypothesis generates path ids, query
strings and bodies from strings, numbers and datetimes that broke services before (NUL and other
control characters, lone surrogates, over-long text, ids beyond 64 bits, calendar edges with
extreme offsets, NaN and huge numbers, invalid UTF-8, deep nesting). Every answer must be < 500,
every error problem details naming a field, and the stored state must still pass the checker.

The default suite sends ``FAST_REQUESTS`` per store; the ``slow`` run at least ``FULL_REQUESTS``
(``HANDOFF_FUZZ_FULL=1 pytest -m slow tests/api/test_fuzz_hostile.py -s``; figures in docs/api.md)."""

from __future__ import annotations

import json
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import FULL_RUN, USERS, stored_state_ok

FAST_REQUESTS = 400
FULL_REQUESTS = 5000
BATCH = 20
HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "\x07\x1b[2J",
    "\x7f",
    "\u0085",
    "\ud800",
    "\udfff",
    "x" * 5000,
    "é" * 300,
    "\u202eevil",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "%2e%2e%2f",
    "NaN",
    "Infinity",
    "-0",
    "1e309",
    "9" * 40,
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:00-12:00",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01T25:61",
    "",
    " ",
    "null",
    "[]",
    "{}",
    "H1",
    "LEAD-N",
]
HOSTILE_NUMBERS = [
    0,
    -1,
    1,
    2**31 - 1,
    2**31,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**30,
    1e308,
    -1e308,
    0.1,
    -0.0,
    1e-320,
    86_401,
    100_001,
]

texts = st.sampled_from(HOSTILE_TEXT) | st.text(max_size=80)
numbers = st.sampled_from(HOSTILE_NUMBERS) | st.integers() | st.floats(allow_nan=False)
scalars = texts | numbers | st.booleans() | st.none()
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4), max_leaves=12
)
raw_bodies = st.sampled_from(
    [
        b'{"a": "\xff\xfe"}',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"capacity": 3,}',
        b'{"capacity": ' + b"9" * 5000 + b"}",
        b"\x00\x00",
        b"",
        b"null",
        b"[]",
        b'{"id": "\\u0000"}',
        b'{"scope": "\\ud800"}',
    ]
)


def operations(app) -> list[tuple[str, str, dict]]:
    """(method, path template, OpenAPI operation) of every route the app documents."""
    return [
        (method.upper(), path, operation)
        for path, ops in app.openapi()["paths"].items()
        for method, operation in ops.items()
    ]


def body_template(app, operation: dict) -> dict | None:
    """The request body's properties (names) from the OpenAPI document, or None without a body."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    schema = content["schema"]
    if "$ref" in schema:
        schema = app.openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})


@st.composite
def hostile_request(draw, app, ops):
    """One request: a route, a caller, hostile path/query values and a hostile or malformed body."""
    method, template, operation = draw(st.sampled_from(ops))
    path = re.sub(r"\{[^}]+\}", lambda _: _quote(str(draw(texts | numbers))), template)
    query = {
        p["name"]: draw(scalars) for p in operation.get("parameters", []) if p["in"] == "query" and draw(st.booleans())
    }
    who = draw(st.sampled_from(sorted(USERS)))
    properties = body_template(app, operation)
    kind = draw(st.sampled_from(["fields", "any", "raw"])) if properties is not None else "none"
    if kind == "fields":
        body = json.dumps({name: draw(values) for name in properties if draw(st.booleans())}).encode()
    elif kind == "any":
        body = json.dumps(draw(values)).encode()  # json escapes surrogates as \\udXXX
    else:
        body = draw(raw_bodies) if kind == "raw" else None
    return method, path, {k: v for k, v in query.items() if v is not None}, who, body


def _quote(text: str) -> str:
    """Percent-encoded UTF-8 (lone surrogates too, as a hostile client would send them)."""
    from urllib.parse import quote

    return quote(text.encode("utf-8", "surrogatepass"), safe="") or "%20"


def _query(values: dict) -> str:
    return "&".join(f"{_quote(k)}={_quote(v if isinstance(v, str) else json.dumps(v))}" for k, v in values.items())


def fuzz(api, requests: int) -> dict[str, int]:
    """Send ``requests`` hostile requests; returns counts by status class."""
    ops = operations(api.app)
    seen = {"requests": 0, "2xx": 0, "4xx": 0, "problems_without_field": 0}

    @settings(
        max_examples=requests // BATCH,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(hostile_request(api.app, ops), min_size=BATCH, max_size=BATCH))
    def run(batch):
        for method, path, query, who, body in batch:
            headers = api.as_(who) | ({"content-type": "application/json"} if body is not None else {})
            target = f"{path}?{_query(query)}" if query else path
            response = api.client.request(method, target, content=body, headers=headers)
            seen["requests"] += 1
            assert response.status_code < 500, (method, path, query, body and body[:200], response.text[:500])
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json"), response.text
                problem = response.json()
                assert problem["status"] == response.status_code and problem["detail"]
                if response.status_code in (400, 404, 422) and not problem["errors"]:
                    seen["problems_without_field"] += 1
                seen["4xx"] += 1
            else:
                seen["2xx"] += 1

    run()
    return seen


def world(api) -> None:
    """A provider, a participant with a hold and a wait-list entry, so ids can hit real records."""
    api.provider("H1", capacity=5)
    api.participant("LEAD-N")
    api.request("LEAD-N")
    api.call("POST", "/v1/wait-lists/H1/entries", who="provider_h1", json={"person_id": "W-1"})


def check_run(api, requests: int) -> None:
    world(api)
    started = time.perf_counter()
    seen = fuzz(api, requests)
    seconds = time.perf_counter() - started
    print(
        f"\nhostile fuzz: {seen['requests']} requests in {seconds:.1f} s, 0 >= 500, "
        f"{seen['2xx']} 2xx, {seen['4xx']} 4xx ({seen['problems_without_field']} without a field)"
    )
    assert seen["requests"] >= requests and seen["problems_without_field"] == 0
    stored_state_ok(api)


def test_hostile_requests_over_every_route(api):
    check_run(api, FAST_REQUESTS)


@pytest.mark.slow
@FULL_RUN
def test_hostile_requests_full_run(api):
    check_run(api, FULL_REQUESTS)
