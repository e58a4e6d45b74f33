"""Schemathesis stateful runs on SQLite and PostgreSQL: sequences that follow the OpenAPI links
(create a participant -> read, update, consent -> placement request -> read it, confirm its hold;
create a provider -> read, update, set capacity) with generated data. Every response must match
its documented schema, status code and content type, and none may be >= 500. Two checks are left
out: positive-data acceptance (rules across fields cannot be stated in OpenAPI, so schema-valid
bodies may rightly be 422) and negative-data rejection (every call carries the admin's token, so
a case "without the required Authorization header" is valid; unknown query parameters are
ignored, as HTTP allows). The hostile generator (test_fuzz_hostile.py) covers refused input.

The default suite runs a few short scenarios per store; the ``slow`` run goes on until at least
``FULL_REQUESTS`` calls were made per store (with the hostile generator's 5,000: docs/api.md)."""

from __future__ import annotations

import time

import pytest
import schemathesis
import hypothesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from tests.api.helpers import FULL_RUN, stored_state_ok

FAST_SCENARIOS = 6
FULL_REQUESTS = 1000


def run_stateful(api, scenarios: int, steps: int = 12, seed: int = 0) -> dict[str, int]:
    """Run ``scenarios`` schemathesis state-machine scenarios as admin; returns call counts.

    Only Hypothesis' generate phase runs: the database keeps what earlier scenarios wrote, so a
    replay (reuse or shrinking) would not see the same state; a failure is reported as found."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    assert schema.raw_schema["paths"]["/v1/participants"]["post"]["responses"]["201"]["links"]
    counts = {"calls": 0, "2xx": 0, "linked": 0, "stopped": 0}
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
            case.validate_response(
                response, excluded_checks=[positive_data_acceptance, negative_data_rejection], transport_kwargs=kwargs
            )

    seed_machine = hypothesis.seed(seed)(Scenario.TestCase.runTest)
    Scenario.TestCase.runTest = seed_machine
    Scenario.TestCase.settings = settings(
        max_examples=scenarios,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    try:
        Scenario.TestCase("runTest").runTest()
    except hypothesis.errors.FlakyStrategyDefinition:
        counts["stopped"] = 1  # Hypothesis saw the database's state change the rules on offer; next seed
    return counts


def check(api, scenarios: int, at_least: int) -> None:
    api.provider("H1", capacity=50)
    started = time.perf_counter()
    counts = {"calls": 0, "2xx": 0, "linked": 0, "stopped": 0}
    for seed in range(10_000):
        if counts["calls"] >= at_least:
            break
        for key, value in run_stateful(api, scenarios, seed=seed).items():
            counts[key] += value
    print(
        f"\nstateful fuzz: {counts['calls']} calls in {time.perf_counter() - started:.1f} s, "
        f"{counts['2xx']} 2xx, 0 >= 500, 0 schema violations ({counts['stopped']} runs stopped early by "
        "Hypothesis on changed state)"
    )
    assert counts["2xx"] > 0
    stored_state_ok(api)


def test_stateful_links_conform(api):
    check(api, FAST_SCENARIOS, at_least=1)


@pytest.mark.slow
@FULL_RUN
def test_stateful_links_full_run(api):
    check(api, 20, at_least=FULL_REQUESTS)
