"""The README's benchmark table is generated from the benches' JSON files, each row naming its run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import readme_table  # noqa: E402
from bench.record import Result, Row, machine, machine_line, write_result  # noqa: E402


@pytest.fixture()
def results(tmp_path):
    folder = tmp_path / "results"
    write_result(
        Result(
            "isochrone",
            threads=2,
            figures={"cpu_s": 2.5, "reference_cpu_s": 150.0},
            rows=[Row("drive isochrones 5/10/15 min", "2.5 s CPU", "single buffer 150 s CPU (60x)", "< 3 s", True)],
        ),
        folder=folder,
    )
    write_result(
        Result(
            "sweep", threads=1, rows=[Row("sweep, 1 worker vs in-process", "x0.85", "in-process", ">= x0.9", False)]
        ),
        folder=folder,
    )
    return folder


def test_each_result_holds_machine_commit_and_figures(results):
    data = json.loads((results / "isochrone.json").read_text())
    assert data["machine"]["threads"] == 2 and data["machine"]["cores"] >= 1
    assert len(data["machine"]["load_average"]) == 3 and data["machine"]["cpu"]
    assert data["commit"] and data["run"].endswith("Z") and data["figures"]["reference_cpu_s"] == 150.0
    assert "2 thread(s) used" in machine_line(2) and machine(1)["threads"] == 1


def test_table_names_the_run_of_every_figure_and_flags_missed_targets(results, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n{readme_table.START}\nstale\n{readme_table.END}\nafter\n")
    assert readme_table.main(["--results", str(results), "--readme", str(readme), "--check"]) == 1
    assert readme_table.main(["--results", str(results), "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert "stale" not in text and text.startswith("# Title\n\nbefore\n") and text.endswith("after\n")
    iso = next(line for line in text.splitlines() if line.startswith("| drive isochrones"))
    assert "2.5 s CPU" in iso and "< 3 s met" in iso and "`bench/isochrone.py`" in iso and "2 threads" in iso
    sweep = next(line for line in text.splitlines() if line.startswith("| sweep"))
    assert "**not met**" in sweep and sweep.endswith("1 thread |")
    assert readme_table.main(["--results", str(results), "--readme", str(readme), "--check"]) == 0


def test_a_readme_without_markers_is_refused_with_what_to_add(results, tmp_path):
    with pytest.raises(ValueError, match="bench-table:start"):
        readme_table.replace_table("# no table\n", "x")
