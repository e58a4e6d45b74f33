"""Schemathesis stateful runs on SQLite and PostgreSQL: sequences that follow the OpenAPI links
(create a participant -> read, update, consent -> placement request -> read it, confirm its hold;
create a provider -> read, update, set capacity) with generated data. Every response must match
its documented schema, status code and content type (every check except positive-data
acceptance: rules across fields cannot be stated in OpenAPI) and none may be >= 500.

The default suite runs a few short scenarios per store; the ``slow`` run goes on until at least
``FULL_REQUESTS`` calls were made per store (with the hostile generator's 5,000: docs/api.md)."""
from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tests.api.helpers import stored_state_ok

FAST_SCENARIOS = 6
FULL_REQUESTS = 1000


def run_stateful(api, scenarios: int, steps: int = 12) -> dict[str, int]:
    """Run ``scenarios`` schemathesis state-machine scenarios as admin; returns call counts."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    assert schema.raw_schema["paths"]["/v1/participants"]["post"]["responses"]["201"]["links"]
    counts = {"calls": 0, "2xx": 0, "linked": 0}
    headers = api.as_("admin")

    class Scenario(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def after_call(self, response, case):
            super().after_call(response, case)
            counts["calls"] += 1
            counts["2xx"] += response.status_code < 300
            assert response.status_code < 500, (case.method, case.path, response.text[:500])

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            counts["linked"] += case.path_parameters is not None and bool(case.path_parameters)
            case.validate_response(response, excluded_checks=[positive_data_acceptance], transport_kwargs=kwargs)

    Scenario.run(settings=settings(max_examples=scenarios, stateful_step_count=steps, deadline=None,
                                   derandomize=True, database=None, suppress_health_check=list(HealthCheck)))
    return counts


def check(api, scenarios: int, at_least: int) -> None:
    api.provider("H1", capacity=50)
    started = time.perf_counter()
    counts = {"calls": 0, "2xx": 0, "linked": 0}
    while counts["calls"] < at_least:
        for key, value in run_stateful(api, scenarios).items():
            counts[key] += value
    print(f"\nstateful fuzz: {counts['calls']} calls in {time.perf_counter() - started:.1f} s, "
          f"{counts['2xx']} 2xx, 0 >= 500, 0 schema violations")
    assert counts["2xx"] > 0
    stored_state_ok(api)


def test_stateful_links_conform(api):
    check(api, FAST_SCENARIOS, at_least=1)


@pytest.mark.slow
def test_stateful_links_full_run(api):
    check(api, 200, at_least=FULL_REQUESTS)
