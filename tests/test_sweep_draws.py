"""Monte Carlo draws of a sweep: common random numbers across the grid, independent streams per
parameter, and the documented distributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from scenarios.sweep import expand, load_sweep


def write(tmp_path: Path, sweep: dict) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump({"kind": "siting", "p": 1}))
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"kind": "sweep", "scenario": "base.yaml", **sweep}))
    return path


def test_every_grid_point_sees_the_same_values_in_the_same_draw(tmp_path):
    tasks = expand(
        load_sweep(
            write(
                tmp_path,
                {"seed": 4, "grid": {"p": [1, 2, 3]}, "draws": 6, "random": {"demand.population": {"uniform": [0, 1]}}},
            )
        )
    )
    by_draw: dict[int, set] = {}
    for task in tasks:
        by_draw.setdefault(task.draw, set()).add(task.params["demand.population"])
    assert all(len(values) == 1 for values in by_draw.values())
    assert len({next(iter(v)) for v in by_draw.values()}) == 6  # but the draws differ
    assert len({task.seed for task in tasks}) == len(tasks)  # and each task has its own seed


def test_adding_a_random_parameter_keeps_the_values_of_the_others(tmp_path):
    one = expand(load_sweep(write(tmp_path, {"seed": 9, "draws": 5, "random": {"a": {"normal": [0, 1]}}})))
    two = expand(
        load_sweep(write(tmp_path, {"seed": 9, "draws": 5, "random": {"a": {"normal": [0, 1]}, "b": {"poisson": [3]}}}))
    )
    assert [t.params["a"] for t in one] == [t.params["a"] for t in two]
    assert len({t.params["a"] for t in two}) == 5


def test_distributions_have_their_documented_shape(tmp_path):
    tasks = expand(
        load_sweep(
            write(
                tmp_path,
                {
                    "seed": 1,
                    "draws": 4000,
                    "random": {
                        "n": {"normal": [10, 2]},
                        "u": {"uniform": [-1, 3]},
                        "c": {"choice": [0, 5, "x"]},
                        "k": {"poisson": [4]},
                    },
                },
            )
        )
    )
    n = np.array([t.params["n"] for t in tasks])
    u = np.array([t.params["u"] for t in tasks])
    k = np.array([t.params["k"] for t in tasks])
    choices = [t.params["c"] for t in tasks]
    # 4000 draws: sample means within 4 standard errors of the truth
    assert abs(n.mean() - 10) < 4 * 2 / np.sqrt(4000) and abs(n.std() - 2) < 0.1
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 4 * (4 / np.sqrt(12)) / np.sqrt(4000)
    assert k.dtype.kind == "i" and k.min() >= 0 and abs(k.mean() - 4) < 4 * 2 / np.sqrt(4000)
    assert set(choices) == {0, 5, "x"} and all(abs(choices.count(v) / 4000 - 1 / 3) < 0.03 for v in (0, 5, "x"))
