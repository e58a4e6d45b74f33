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


def test_a_row_kept_from_an_earlier_run_names_that_run(results, tmp_path):
    earlier = "`bench/isochrone.py`, 2026-01-01 00:00 UTC, commit abc1234, load 0.5 on 2 cores, 1 thread"
    write_result(
        Result("kept", threads=2, rows=[Row("old", "1 s", "base", run=earlier), Row("new", "2 s", "base")]),
        folder=results,
    )
    lines = readme_table.table(readme_table.load_results(results)).splitlines()
    assert next(line for line in lines if line.startswith("| old")).endswith(f"{earlier} |")
    assert "2026-01-01" not in next(line for line in lines if line.startswith("| new"))


def test_a_placement_run_of_some_sizes_keeps_the_other_sizes_with_their_run(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    import match  # noqa: PLC0415 (bench scripts import their neighbours as top-level modules)

    runs = [{"size": "M", "seed": 1}, {"size": "L", "seed": 1}, {"size": "M", "seed": 2, "kept_from": "older run"}]
    write_result(Result("match", threads=2, figures={"runs": runs}), folder=tmp_path)
    earlier = json.loads((tmp_path / "match.json").read_text())
    kept = match.kept_runs(tmp_path / "match.json", ["L", "XL"])
    assert [(r["size"], r["seed"]) for r in kept] == [("M", 1), ("M", 2)]
    assert kept[0]["kept_from"] == readme_table.run_label(earlier) and kept[1]["kept_from"] == "older run"
    assert match.kept_runs(tmp_path / "missing.json", ["M"]) == []
    assert match.kept_label(kept[:1]) == kept[0]["kept_from"] and match.kept_label(kept) == ""
