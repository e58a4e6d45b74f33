"""Sweep files: a base scenario, a grid and Monte Carlo draws, expanded into tasks.

A sweep file (YAML)::

    kind: sweep
    scenario: siting-demo.yaml     # any scenario file (kind: siting | coverage), relative to this file
    seed: 2026                     # sweep seed; each task's seed derives from it and the task's parameters
    grid:                          # every combination of these values (dotted keys reach into the scenario)
      p: [1, 2, 3, 4, 5]
      demand.growth: [0.0, 0.1]
    draws: 20                      # Monte Carlo draws per grid point (default 1)
    random:                        # drawn anew for every draw (the same values at every grid point)
      demand.growth: {normal: [0.05, 0.02]}
      capacity.extra_slots: {choice: [0, 1, 2]}
    retries: 2                     # how often a failed task is retried before it is reported as failed
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

DISTRIBUTIONS = {"normal": 2, "uniform": 2, "choice": None, "poisson": 1}
KNOWN_KEYS = {"kind", "scenario", "seed", "grid", "draws", "random", "retries", "name"}


class SweepError(ValueError):
    """A sweep file is malformed; the message names the key."""

    def __init__(self, file: str | Path, key: str, message: str):
        super().__init__(f"{file}: key '{key}': {message}")
        self.key = key


@dataclass(frozen=True)
class Task:
    """One scenario of a sweep: its id, parameter overrides, draw number and seed."""

    task_id: str
    params: dict[str, Any]
    draw: int
    seed: int


@dataclass
class SweepSpec:
    """A parsed sweep file."""

    path: Path
    scenario_path: Path
    scenario: dict[str, Any]
    seed: int
    grid: dict[str, list[Any]] = field(default_factory=dict)
    draws: int = 1
    random: dict[str, dict[str, Any]] = field(default_factory=dict)
    retries: int = 2
    name: str = "sweep"

    @property
    def kind(self) -> str:
        """The scenario kind every task runs (siting, coverage, ...)."""
        return self.scenario["kind"]


def canonical(value: Any) -> str:
    """JSON text with sorted keys: the same parameters always give the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def task_seed(sweep_seed: int, params: dict[str, Any], draw: int) -> int:
    """A task's seed from the sweep seed, its grid parameters and its draw number (63-bit)."""
    digest = hashlib.sha256(f"{sweep_seed}|{canonical(params)}|{draw}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _check_distribution(file: Path, key: str, dist: Any) -> None:
    if not isinstance(dist, dict) or len(dist) != 1:
        raise SweepError(file, f"random.{key}", "give one distribution, e.g. {normal: [mean, sd]}")
    ((name, args),) = dist.items()
    if name not in DISTRIBUTIONS:
        raise SweepError(file, f"random.{key}", f"unknown distribution '{name}'; use one of {sorted(DISTRIBUTIONS)}")
    arity = DISTRIBUTIONS[name]
    if not isinstance(args, list) or not args or (arity is not None and len(args) != arity):
        raise SweepError(file, f"random.{key}.{name}", f"expected a list of {arity or 'one or more'} values")


def load_sweep(path: str | Path, *, region: str | Path | None = None) -> SweepSpec:
    """Read and check a sweep file and the scenario file it names.

    ``region`` (a folder) replaces the scenario's ``region`` key, e.g. to run the example sweeps
    on a demo region written elsewhere.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SweepError(path, "-", f"cannot read the file: {exc}") from exc
    if not isinstance(raw, dict):
        raise SweepError(path, "-", "a sweep file is a mapping of keys")
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise SweepError(path, unknown[0], f"unknown key; expected some of {sorted(KNOWN_KEYS)}")
    if raw.get("kind", "sweep") != "sweep":
        raise SweepError(path, "kind", "a sweep file has kind: sweep")
    if not isinstance(raw.get("scenario"), str):
        raise SweepError(path, "scenario", "name the scenario file the sweep varies")
    scenario_path = (path.parent / raw["scenario"]).resolve()
    try:
        scenario = yaml.safe_load(scenario_path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SweepError(path, "scenario", f"cannot read {scenario_path}: {exc}") from exc
    if not isinstance(scenario, dict) or "kind" not in scenario:
        raise SweepError(path, "scenario", f"{scenario_path} has no 'kind'")
    if region is not None:
        scenario["region"] = str(Path(region).resolve())
    grid = raw.get("grid") or {}
    if not isinstance(grid, dict):
        raise SweepError(path, "grid", "a mapping of parameter -> list of values")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise SweepError(path, f"grid.{key}", "a grid parameter is a non-empty list of values")
    random = raw.get("random") or {}
    if not isinstance(random, dict):
        raise SweepError(path, "random", "a mapping of parameter -> {distribution: [arguments]}")
    for key, dist in random.items():
        _check_distribution(path, key, dist)
        if key in grid:
            raise SweepError(path, f"random.{key}", "a parameter is either on the grid or drawn, not both")
    for key in ("seed", "draws", "retries"):
        if key in raw and (not isinstance(raw[key], int) or raw[key] < (1 if key == "draws" else 0)):
            raise SweepError(path, key, "expected a whole number" + (" >= 1" if key == "draws" else " >= 0"))
    if random and "draws" not in raw:
        raise SweepError(path, "draws", "random parameters need a number of draws")
    return SweepSpec(
        path=path,
        scenario_path=scenario_path,
        scenario=scenario,
        seed=raw.get("seed", 0),
        grid=grid,
        draws=raw.get("draws", 1),
        random=random,
        retries=raw.get("retries", 2),
        name=str(raw.get("name", path.stem)),
    )


def _draw(rng: np.random.Generator, dist: dict[str, Any]) -> Any:
    ((name, args),) = dist.items()
    if name == "normal":
        return float(rng.normal(args[0], args[1]))
    if name == "uniform":
        return float(rng.uniform(args[0], args[1]))
    if name == "poisson":
        return int(rng.poisson(args[0]))
    return args[int(rng.integers(len(args)))]


def draw_values(spec: SweepSpec, draw: int) -> dict[str, Any]:
    """The random parameters of Monte Carlo draw ``draw``: each from its own stream, seeded by the sweep
    seed, the parameter's name and the draw number.

    Every grid point sees the same values in the same draw (common random numbers), so differences
    between grid points are not blurred by different draws; adding a random parameter leaves the
    values of the others unchanged.
    """
    return {
        key: _draw(np.random.default_rng(task_seed(spec.seed, {"random": key}, draw)), spec.random[key])
        for key in sorted(spec.random)
    }


def expand(spec: SweepSpec) -> list[Task]:
    """Every task of the sweep: the grid's combinations times the draws, each with its drawn values
    and its own seed (from the sweep seed, its grid parameters and its draw number)."""
    keys = sorted(spec.grid)
    draws = [draw_values(spec, draw) for draw in range(spec.draws)]
    tasks = []
    for values in itertools.product(*(spec.grid[k] for k in keys)):
        grid_params = dict(zip(keys, values))
        for draw in range(spec.draws):
            seed = task_seed(spec.seed, grid_params, draw)
            params = {**grid_params, **draws[draw]}
            task_id = hashlib.sha256(canonical([grid_params, draw]).encode()).hexdigest()[:12]
            tasks.append(Task(task_id=task_id, params=params, draw=draw, seed=seed))
    return tasks


def apply_params(scenario: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A copy of the scenario with each dotted-key parameter set (``demand.growth`` -> scenario['demand']['growth'])."""
    spec = copy.deepcopy(scenario)
    for dotted, value in params.items():
        node = spec
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"parameter '{dotted}': '{part}' is not a mapping in the scenario")
        node[leaf] = value
    return spec
