"""OR-Library readers and published optima (fast subset; bench/siting.py runs them all)."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from cli import app
from geodata.errors import DataError
from scenarios.siting.orlib import cap_problem, pmed_problem, read_cap, read_optima, read_pmed
from scenarios.siting.solve import solve


def test_pmed_reader_last_duplicate_edge_counts_and_paths(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(" 4 4 1\n 1 2 10\n 2 3 5\n 1 2 3\n 3 4 1\n")
    instance = read_pmed(path)
    assert instance.p == 1
    assert instance.cost[0, 1] == 3  # the later "1 2 3" replaces "1 2 10"
    assert instance.cost[0, 3] == 3 + 5 + 1
    assert np.allclose(instance.cost, instance.cost.T)


def test_pmed_reader_names_the_problem(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(" 3 2 1\n 1 2 4\n 2 9 1\n")
    with pytest.raises(DataError, match="outside 1..3"):
        read_pmed(path)


def test_cap_reader_and_open_capacity(tmp_path):
    path = tmp_path / "capz.txt"
    path.write_text("2 2\n capacity 10.\n capacity 20.\n 3 6.0 9.0\n 5 10.0 5.0\n")
    with pytest.raises(DataError, match="capacity"):
        read_cap(path)
    instance = read_cap(path, capacity=7)
    assert list(instance.capacity) == [7, 7]
    assert list(instance.fixed_cost) == [10, 20]
    assert list(instance.demand) == [3, 5]
    assert instance.allocation.tolist() == [[6, 9], [10, 5]]


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize("name", ["pmed1", "pmed2", "pmed3", "pmed5"])
def test_pmed_published_optimum(shared_data, name):
    folder = shared_data / "orlib_pmed"
    optimum = read_optima(folder / "pmedopt.txt")[name]
    solution = solve(pmed_problem(read_pmed(folder / f"{name}.txt")), "p-median", time_limit_s=120)
    assert solution.status == "optimal"
    assert solution.objective == optimum
    assert solution.bound == pytest.approx(optimum)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["cap41", "cap71", "cap101", "cap131"])
def test_cap_published_optimum(shared_data, name):
    folder = shared_data / "orlib_cap"
    optimum = read_optima(folder / "capopt.txt")[name]
    solution = solve(cap_problem(read_cap(folder / f"{name}.txt")), "fixed-charge", time_limit_s=120)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(optimum, abs=1e-2)


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.parametrize(("name", "capacity"), [("capb", 5000.0), ("capa", 8000.0), ("capc", 5000.0)])
def test_capabc_published_optimum_proven(shared_data, name, capacity):
    """capa/capb/capc (100 sites x 1000 customers): the Lagrangian search proves capopt.txt's optimum."""
    folder = shared_data / "orlib_cap"
    optimum = read_optima(folder / "capopt.txt")[name][capacity]
    problem = cap_problem(read_cap(folder / f"{name}.txt", capacity=capacity))
    solution = solve(problem, "fixed-charge", time_limit_s=300)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(optimum, abs=1e-2)
    assert solution.bound == pytest.approx(optimum, abs=1e-2) and solution.bound <= solution.objective
    assert solution.details["root_bound"] < solution.bound


@pytest.mark.shared_data
def test_cli_prints_objective_and_matches_published_optimum(shared_data):
    result = CliRunner().invoke(app, ["site", "--orlib", str(shared_data / "orlib_pmed" / "pmed1.txt")])
    assert result.exit_code == 0, result.output
    assert "5,819.000" in result.output and "matches" in result.output
    result = CliRunner().invoke(app, ["site", "--orlib-cap", str(shared_data / "orlib_cap" / "cap41.txt")])
    assert result.exit_code == 0, result.output
    assert "1,040,444.375" in result.output and "matches" in result.output


@pytest.mark.shared_data
def test_cli_explains_infeasible_p(shared_data):
    result = CliRunner().invoke(app, ["site", "--orlib", str(shared_data / "orlib_pmed" / "pmed1.txt"), "-p", "101"])
    assert result.exit_code == 1
    assert "only 100 candidate sites" in result.output
