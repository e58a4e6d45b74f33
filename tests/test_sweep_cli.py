"""`handoff scenario sweep` end to end on the demo region: LocalCluster, parquet table, summary plot,
failed scenarios kept as rows, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from scenarios.sweep import expand, load_sweep, run_in_process

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios" / "sweep" / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

runner = CliRunner(env={"COLUMNS": "250"})


@pytest.mark.slow
def test_example_sweep_runs_on_a_local_cluster_and_writes_table_and_plot(demo_region_dir, tmp_path):
    example = EXAMPLES / "sweep-siting.yaml"
    result = runner.invoke(
        app,
        ["scenario", "sweep", str(example), "--region", str(demo_region_dir), "--out", str(tmp_path), "--workers", "2"],
    )
    assert result.exit_code == 0, result.output
    assert "20 siting scenarios" in result.output and "LocalCluster of 2 worker processes" in result.output
    assert "20 of 20 scenarios" in result.output
    table = pd.read_parquet(tmp_path / "siting-1-to-5.parquet")
    tasks = expand(load_sweep(example, region=demo_region_dir))
    assert table["task_id"].tolist() == [t.task_id for t in tasks]
    assert table["seed"].tolist() == [t.seed for t in tasks]
    assert table["param.demand.population"].tolist() == [t.params["demand.population"] for t in tasks]
    assert (table["status"] == "ok").all()
    assert table["sites"].str.split("; ").map(len).tolist() == table["param.p"].tolist()
    assert ((table["served_share"] > 0.999) & (table["mean_weighted_min"] > 0)).all()
    assert (tmp_path / "siting-1-to-5.png").read_bytes()[:8] == PNG_MAGIC


@pytest.mark.slow
def test_scenarios_that_keep_failing_are_rows_with_their_error_and_exit_code_1(demo_region_dir, tmp_path):
    (tmp_path / "sweep.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "sweep",
                "name": "with-bad-p",
                "scenario": str(EXAMPLES / "siting.yaml"),
                "seed": 1,
                "retries": 1,
                "grid": {"p": [2, 0]},
            }
        )
    )
    result = runner.invoke(
        app,
        [
            "scenario",
            "sweep",
            str(tmp_path / "sweep.yaml"),
            "--region",
            str(demo_region_dir),
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "1 scenarios failed after 1 retries" in result.output
    table = pd.read_parquet(tmp_path / "out" / "with-bad-p.parquet").set_index("param.p")
    assert table.loc[2, "status"] == "ok" and table.loc[2, "error"] == ""
    assert table.loc[0, "status"] == "failed" and table.loc[0, "error"].startswith("ScenarioError: p: ")
    assert (tmp_path / "out" / "with-bad-p.png").read_bytes()[:8] == PNG_MAGIC


def test_dry_run_lists_every_scenario_with_its_seed(demo_region_dir):
    example = EXAMPLES / "sweep-siting.yaml"
    result = runner.invoke(app, ["scenario", "sweep", str(example), "--region", str(demo_region_dir), "--dry-run"])
    assert result.exit_code == 0, result.output
    for task in expand(load_sweep(example)):
        assert f"{task.task_id}  draw {task.draw}  seed {task.seed}" in result.output


@pytest.mark.parametrize(
    ("sweep", "key"),
    [
        ({"grid": {"p": "1..5"}}, "grid.p"),
        ({"draws": 3, "random": {"demand.population": {"lognormal": [0, 1]}}}, "random.demand.population"),
    ],
)
def test_bad_sweep_file_exits_2_and_names_the_key(tmp_path, sweep, key):
    (tmp_path / "sweep.yaml").write_text(
        yaml.safe_dump({"kind": "sweep", "scenario": str(EXAMPLES / "siting.yaml"), **sweep})
    )
    result = runner.invoke(app, ["scenario", "sweep", str(tmp_path / "sweep.yaml")])
    assert result.exit_code == 2
    assert f"key '{key}'" in result.output


def test_a_scenario_file_without_region_is_named_before_any_worker_starts(tmp_path):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump({"kind": "siting", "p": 1, "region": "nowhere"}))
    (tmp_path / "sweep.yaml").write_text(
        yaml.safe_dump({"kind": "sweep", "scenario": "base.yaml", "grid": {"p": [1, 2]}})
    )
    result = runner.invoke(app, ["scenario", "sweep", str(tmp_path / "sweep.yaml")])
    assert result.exit_code == 2
    assert "region" in result.output and "nowhere" in result.output


def test_example_files_expand_as_documented_and_coverage_budgets_hold(demo_region_dir):
    counts = {"sweep-siting.yaml": 20, "sweep-siting-200.yaml": 200, "sweep-coverage.yaml": 12}
    for name, count in counts.items():
        assert len(expand(load_sweep(EXAMPLES / name, region=demo_region_dir))) == count
    spec = load_sweep(EXAMPLES / "sweep-coverage.yaml", region=demo_region_dir)
    spec.grid = {"budget": [150000, 600000]}
    spec.draws = 1
    table = run_in_process(spec).set_index("param.budget")
    assert (table["status"] == "ok").all(), table["error"].tolist()
    # common random numbers: both budgets see the same demand growth, hence the same demand
    assert table["param.demand.growth_per_year"].nunique() == 1 and table["eligible_per_week"].nunique() == 1
    for budget in (150000, 600000):
        assert 0 < table.loc[budget, "program_cost_usd_per_year"] <= budget
    assert table.loc[600000, "captured_per_week"] > table.loc[150000, "captured_per_week"]
