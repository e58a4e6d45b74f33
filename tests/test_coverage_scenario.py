"""The coverage scenario on the demo region: files written, numbers consistent, bad files named."""

from __future__ import annotations

import pandas as pd
import pytest
from rich.console import Console

from scenarios.coverage.scenario import demo_spec, run
from scenarios.errors import ScenarioError


def quick(spec: dict, **changes) -> dict:
    spec = {
        **spec,
        "shifts": {"every_hours": 4, "lengths": [8]},
        "time_limit_s": 3,
        "budgets": [100_000, 300_000],
        **changes,
    }
    return {k: v for k, v in spec.items() if v is not None}


@pytest.mark.slow
def test_demo_scenario_writes_its_files(demo_region_dir, tmp_path):
    spec = demo_spec(demo_region_dir)
    result = run(spec, base_dir=tmp_path, out_dir=tmp_path / "out", console=Console(quiet=True))
    names = {path.name for path in result.files}
    assert {"frontier.png", "frontier.svg", "split.csv", "demand_by_hour.csv", "week.png", "compared.csv"} <= names
    assert all(path.stat().st_size > 0 for path in result.files)
    split = pd.read_csv(tmp_path / "out" / "split.csv")
    assert set(split["member"]) == set(spec_members(demo_region_dir, spec["cohort"]))
    assert split["shapley"].sum() == pytest.approx(split["proportional"].sum())
    assert split["nucleolus"].sum() == pytest.approx(split["proportional"].sum())
    compared = pd.read_csv(tmp_path / "out" / "compared.csv")
    weekdays, optimised = compared.iloc[0], compared.iloc[-1]
    assert optimised["cost_usd_per_year"] <= weekdays["cost_usd_per_year"] + 1e-6
    assert optimised["captured_per_week"] >= weekdays["captured_per_week"] - 1e-9
    frontier = pd.read_csv(tmp_path / "out" / "frontier.csv")
    assert (frontier["cost_usd_per_year"] <= frontier["budget_usd_per_year"] + 1e-6).all()
    assert frontier["captured_per_week"].is_monotonic_increasing
    assert 0 < result.summary["captured_per_week"] <= result.summary["eligible_per_week"]
    assert result.summary["cost_per_diversion_usd"] > 0


def spec_members(region_dir, cohort):
    from geodata.region import load_region

    return load_region(region_dir).cohorts[cohort]


@pytest.mark.parametrize(
    "changes,key",
    [
        ({"cohort": None, "members": ["Three Rivers", "Atlantis"]}, "members[1]"),
        ({"cohort": "Nowhere"}, "cohort"),
        ({"wages": {"case_manager_hourly": -5}}, "wages.case_manager_hourly"),
        ({"wages": {"caseload": 30}}, "wages.caseload"),
        (
            {
                "shifts": [
                    {"name": "day", "start": 8, "length": 8, "days": "Mo-Fr"},
                    {"name": "late", "start": 14, "length": 8, "days": "Fr-Su"},
                ]
            },
            "shifts[1]",
        ),
        ({"shifts": [{"name": "day", "start": 8, "length": 8, "days": "Mo-Xx"}]}, "shifts[0].days"),
        ({"budget": 1_000}, "budget"),
        ({"target": 1.5}, "target"),
        ({"staffing": {"model": "erlang_z"}}, "staffing.model"),
        (
            {"sharing": {"tiers": [{"name": "nights", "start": 0, "length": 8, "buyers": ["Atlantis"]}]}},
            "sharing.tiers[0].buyers[0]",
        ),
        ({"area": "county"}, "area"),
        ({"sharing": {"method": "banzhaf"}}, "sharing.method"),
        ({"compare": []}, "budget"),
        ({"budjet": 100_000}, "budjet"),
    ],
)
def test_bad_scenario_files_name_the_key(demo_region_dir, tmp_path, changes, key):
    spec = quick(demo_spec(demo_region_dir), **changes)
    with pytest.raises(ScenarioError) as error:
        run(spec, base_dir=tmp_path, out_dir=tmp_path / "out", console=Console(quiet=True))
    assert error.value.key == key
    assert key in str(error.value)


def test_target_gives_least_cost_plan(demo_region_dir, tmp_path):
    spec = quick(demo_spec(demo_region_dir), target=0.3, sharing={"methods": ["proportional"]})
    result = run(spec, base_dir=tmp_path, out_dir=tmp_path / "out", console=Console(quiet=True))
    assert result.summary["share_of_demand"] >= 0.3 - 1e-9
    assert "least cost" in result.tables["Schedules compared"].iloc[-1]["schedule"]


def test_prepare_once_evaluate_for_sweeps(demo_region_dir, tmp_path):
    import pickle

    from scenarios.coverage.scenario import evaluate, prepare

    spec = quick(demo_spec(demo_region_dir), budget=400_000, compare=["weekdays_8_to_midnight"])
    context = pickle.loads(pickle.dumps(prepare(spec, base_dir=tmp_path)))
    first = evaluate(spec, base_dir=tmp_path, seed=1, context=context)
    richer = evaluate({**spec, "budget": 600_000}, base_dir=tmp_path, seed=1, context=context)
    assert first == evaluate(spec, base_dir=tmp_path, seed=1, context=context)
    assert all(isinstance(v, float) for v in first.values())
    assert first["program_cost_usd_per_year"] <= 400_000 + 1e-6
    assert richer["captured_per_week"] >= first["captured_per_week"]
