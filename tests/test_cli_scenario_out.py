"""`handoff scenario run` without --out writes to ./NAME-output in the current folder (a safe folder
name, printed), never beside the scenario file; `compare` names its subfolders the same way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import cli.scenario
from cli import app
from scenarios import folder_name
from scenarios.result import ScenarioResult

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios" / "sweep" / "examples"
DOCS_EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("City of Pittsburgh", "city-of-pittsburgh"),
        ("Zones 1 and 2", "zones-1-and-2"),
        ("a/b: c?*", "a-b-c"),
        ("../up", "up"),
        ("  ", "scenario"),
        (2024, "2024"),
    ],
)
def test_folder_name_is_safe(name, folder):
    assert folder_name(name) == folder


@pytest.fixture
def recorded(monkeypatch):
    """Replace the scenario runner with one that records its out_dir and writes one file there."""
    seen: list[Path] = []

    def fake_run(spec, *, base_dir, out_dir, console=None):
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "result.csv").write_text("x\n1\n")
        seen.append(out_dir)
        return ScenarioResult(title=spec["name"], summary={"measure": 1.0}, files=[out_dir / "result.csv"])

    monkeypatch.setattr(cli.scenario, "run_scenario", fake_run)
    return seen


def test_run_without_out_writes_to_the_current_folder(tmp_path, monkeypatch, recorded):
    scenarios = tmp_path / "examples"
    scenarios.mkdir()
    shutil.copy(DOCS_EXAMPLES / "coverage-city.yaml", scenarios)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    result = CliRunner().invoke(app, ["scenario", "run", str(scenarios / "coverage-city.yaml")])
    assert result.exit_code == 0, result.output
    assert [p.resolve() for p in recorded] == [work / "city-of-pittsburgh-output"]
    assert f"writing to {work / 'city-of-pittsburgh-output'}" in result.output
    assert (work / "city-of-pittsburgh-output" / "result.csv").is_file()
    assert sorted(p.name for p in scenarios.iterdir()) == ["coverage-city.yaml"]


def test_run_with_out_uses_it(tmp_path, monkeypatch, recorded):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "chosen"
    result = CliRunner().invoke(app, ["scenario", "run", str(DOCS_EXAMPLES / "coverage-city.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert recorded == [out]
    assert f"writing to {out}" in result.output


def test_compare_names_subfolders_safely(tmp_path, monkeypatch, recorded):
    monkeypatch.chdir(tmp_path)
    files = [str(DOCS_EXAMPLES / "coverage-city.yaml"), str(DOCS_EXAMPLES / "coverage-zones-1-2.yaml")]
    result = CliRunner().invoke(app, ["scenario", "compare", *files])
    assert result.exit_code == 0, result.output
    out = tmp_path / "compare-output"
    assert [p.resolve() for p in recorded] == [out / "city-of-pittsburgh", out / "zones-1-and-2"]
    table = pd.read_csv(out / "compare.csv", index_col="measure")
    assert list(table.columns) == ["City of Pittsburgh", "Zones 1 and 2"]
    assert f"writing to {out}" in result.output


def test_compare_refuses_two_scenarios_of_one_name(tmp_path, monkeypatch, recorded):
    monkeypatch.chdir(tmp_path)
    twin = tmp_path / "twin.yaml"
    twin.write_text((DOCS_EXAMPLES / "coverage-city.yaml").read_text())
    result = CliRunner().invoke(app, ["scenario", "compare", str(DOCS_EXAMPLES / "coverage-city.yaml"), str(twin)])
    assert result.exit_code == 2, result.output
    assert "city-of-pittsburgh" in result.output and "name:" in result.output
    assert recorded == [] and not (tmp_path / "compare-output").exists()


def test_run_help_says_where_it_writes():
    result = CliRunner().invoke(app, ["scenario", "run", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "./NAME-output in the current folder" in flat
    assert "beside the file" not in flat
    assert "coverage-city.yaml --region pgh # writes ./city-of-pittsburgh-output" in flat


def test_a_real_run_without_out_writes_here(demo_region_dir, tmp_path, monkeypatch):
    scenarios = tmp_path / "examples"
    scenarios.mkdir()
    shutil.copy(EXAMPLES / "siting.yaml", scenarios)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["scenario", "run", str(scenarios / "siting.yaml"), "--region", str(demo_region_dir)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo-sites-output" / "siting.csv").is_file()
    assert sorted(p.name for p in scenarios.iterdir()) == ["siting.yaml"]
