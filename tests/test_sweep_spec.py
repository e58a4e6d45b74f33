"""Sweep files: expansion, seeds and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scenarios.sweep import SweepError, apply_params, expand, load_sweep, task_seed


def write(tmp_path: Path, sweep: dict, scenario: dict | None = None) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(scenario or {"kind": "siting", "p": 1, "demand": {"growth": 0}}))
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"kind": "sweep", "scenario": "base.yaml", **sweep}))
    return path


def test_grid_times_draws_gives_every_combination_once(tmp_path):
    spec = load_sweep(
        write(
            tmp_path,
            {
                "seed": 3,
                "grid": {"p": [1, 2, 3], "demand.growth": [0.0, 0.1]},
                "draws": 4,
                "random": {"noise": {"uniform": [0, 1]}},
            },
        )
    )
    tasks = expand(spec)
    assert len(tasks) == 3 * 2 * 4
    assert len({t.task_id for t in tasks}) == len(tasks)
    combos = {(t.params["p"], t.params["demand.growth"], t.draw) for t in tasks}
    assert len(combos) == len(tasks)
    assert all(0 <= t.params["noise"] <= 1 for t in tasks)


def test_seeds_derive_from_sweep_seed_and_parameters_only(tmp_path):
    first = expand(
        load_sweep(
            write(tmp_path, {"seed": 11, "grid": {"p": [1, 2]}, "draws": 2, "random": {"x": {"normal": [0, 1]}}})
        )
    )
    again = expand(
        load_sweep(
            write(tmp_path, {"seed": 11, "grid": {"p": [2, 1]}, "draws": 2, "random": {"x": {"normal": [0, 1]}}})
        )
    )
    by_id = {t.task_id: t for t in again}
    assert {t.task_id for t in first} == set(by_id)
    for task in first:
        assert by_id[task.task_id].seed == task.seed
        assert by_id[task.task_id].params == task.params
    other = expand(
        load_sweep(
            write(tmp_path, {"seed": 12, "grid": {"p": [1, 2]}, "draws": 2, "random": {"x": {"normal": [0, 1]}}})
        )
    )
    assert {t.seed for t in other}.isdisjoint({t.seed for t in first})
    assert task_seed(11, {"p": 1}, 0) == task_seed(11, {"p": 1}, 0) != task_seed(11, {"p": 1}, 1)


def test_dotted_parameters_reach_into_the_scenario_without_touching_the_base():
    base = {"kind": "coverage", "budget": {"weekly": 1000}, "name": "x"}
    spec = apply_params(base, {"budget.weekly": 2000, "growth.rate": 0.1})
    assert spec["budget"]["weekly"] == 2000 and spec["growth"]["rate"] == 0.1
    assert base["budget"]["weekly"] == 1000 and "growth" not in base


@pytest.mark.parametrize(
    ("sweep", "key"),
    [
        ({"grid": {"p": []}}, "grid.p"),
        ({"grid": {"p": [1]}, "colour": "red"}, "colour"),
        ({"random": {"x": {"gamma": [1, 2]}}, "draws": 2}, "random.x"),
        ({"random": {"x": {"normal": [1]}}, "draws": 2}, "random.x.normal"),
        ({"random": {"x": {"normal": [0, 1]}}}, "draws"),
        ({"draws": 0}, "draws"),
        ({"grid": {"x": [1]}, "random": {"x": {"uniform": [0, 1]}}, "draws": 2}, "random.x"),
    ],
)
def test_bad_sweep_files_name_the_key(tmp_path, sweep, key):
    with pytest.raises(SweepError) as err:
        load_sweep(write(tmp_path, sweep))
    assert err.value.key == key
    assert f"'{key}'" in str(err.value)


def test_missing_scenario_file_is_named(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"kind": "sweep", "scenario": "nope.yaml"}))
    with pytest.raises(SweepError, match="nope.yaml"):
        load_sweep(path)
