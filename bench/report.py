"""Capacity-gap report on the real Pittsburgh region: this checkout against a baseline commit, same run.

    nice -n 10 .venv/bin/python bench/report.py [--region DIR] [--baseline REV] [--repeat 1]

Builds the Pittsburgh region from ../shared/data into a temporary folder (or reads ``--region``),
exports the baseline commit (``git archive``, default the last commit before issue 21's report
work) beside it, and runs the whole command a planner runs,
``handoff report capacity-gap --region DIR --no-pdf`` (imports, loading the region, every step,
the HTML and JSON), as a child process of each checkout in turn, with the same interpreter and one
travel-time cache folder (the baseline reads a copy of the region without the parts added after
it, such as the water the maps draw: no figure uses them). A first, untimed run of this checkout
fills that cache (transit minutes, the street network), so both timed runs read it warm. CPU seconds are the child's user
plus system time (all its threads); the machine is shared, so compare CPU seconds and the ratio.

Both reports must agree: the JSON of each is compared key by key (everything but the run date) and
the differing paths are printed and written. Target (issue 21): under 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
TARGET_S = 10.0
THREADS = 2  # the marginal re-solves run in two threads beside the rest
BASELINE = "601be81"  # main before issue 21's capacity-gap work (29-30 s CPU on the shared machine)
IGNORED = {"as_of"}  # the run date
NEWER_PARTS = ("water",)  # region parts added after the baseline (its manifest refuses them; no figure uses them)

from bench.record import Result, Row, machine_line, write_result  # noqa: E402


def export(revision: str, folder: Path) -> Path:
    """The files of ``revision`` (a commit of this repository) unpacked into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run_report(checkout: Path, region: Path, out: Path, cache: Path) -> tuple[dict, float, float]:
    """Run the report command of ``checkout``: (report JSON, wall s, CPU s of the child, all threads)."""
    env = os.environ | {"PYTHONPATH": str(checkout), "HANDOFF_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "cli", "report", "capacity-gap", "--region", str(region)]
    command += ["--out", str(out), "--no-pdf"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise RuntimeError(f"{checkout}: report failed\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return json.loads(out.with_suffix(".json").read_text(encoding="utf-8")), wall, cpu


def baseline_region(region: Path, work: Path) -> Path:
    """A copy of ``region`` without the parts the baseline does not know (:data:`NEWER_PARTS`).

    The report's JSON does not use them (the water only shades the HTML maps), so both reports
    stay comparable; this checkout reads the whole region and pays for drawing them."""
    folder = work / "region-for-baseline"
    shutil.copytree(region, folder)
    manifest = folder / "region.toml"
    lines = manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not any(line.startswith(f"{part} =") for part in NEWER_PARTS)]
    manifest.write_text("".join(kept), encoding="utf-8")
    return folder


def differences(a, b, path: str = "") -> list[str]:
    """JSON paths where two reports differ (keys in ``IGNORED`` at the top level are skipped)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = [k for k in dict.fromkeys([*a, *b]) if not (path == "" and k in IGNORED)]
        return [d for k in keys for d in differences(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}/{i}")]
    return [] if a == b else [path or "/"]


def pittsburgh_region(work: Path) -> Path | None:
    """The Pittsburgh region built from ../shared/data into ``work`` (None when the data is absent)."""
    from conftest import SHARED_DATA, pittsburgh_inputs

    from geodata.build import build_region

    if not SHARED_DATA.is_dir():
        return None
    folder = work / "pgh"
    build_region(pittsburgh_inputs(SHARED_DATA), folder)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", type=Path, help="a built Pittsburgh region (default: build one)")
    parser.add_argument("--baseline", default=BASELINE, help=f"baseline commit (default {BASELINE})")
    parser.add_argument("--repeat", type=int, default=1, help="pairs of baseline/this runs (best of)")
    args = parser.parse_args()
    print(machine_line(THREADS), flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    region = args.region or pittsburgh_region(work)
    if region is None:
        print("skipped: no real data in ../shared/data")
        return 0
    checkouts = {"baseline": export(args.baseline, work / "baseline"), "this": ROOT}
    cache = work / "cache"
    print("filling the travel-time cache (untimed run of this checkout) ...", flush=True)
    run_report(ROOT, region, work / "warm.html", cache)
    regions = {"baseline": baseline_region(region, work), "this": region}
    runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "this": []}
    reports = {}
    for _ in range(args.repeat):
        for label, checkout in checkouts.items():
            reports[label], wall, cpu = run_report(checkout, regions[label], work / f"{label}.html", cache)
            runs[label].append((cpu, wall))
            print(f"  {label}: {cpu:.1f} s CPU, {wall:.1f} s wall", flush=True)
    (base_cpu, base_wall), (cpu, wall) = min(runs["baseline"]), min(runs["this"])
    differ = differences(reports["baseline"], reports["this"])
    privacy = reports["this"]["privacy"]
    print(machine_line(THREADS))
    print(
        "capacity-gap report command, Pittsburgh region (real arrests, streets, Beaver County feed; generated providers):"
    )
    print(f"  baseline {args.baseline}: {base_cpu:.1f} s CPU, {base_wall:.1f} s wall")
    print(f"  this checkout: {cpu:.1f} s CPU, {wall:.1f} s wall; x{base_cpu / cpu:.2f} CPU")
    print(f"  target < {TARGET_S:g} s CPU: {'met' if cpu < TARGET_S else 'not met'} on this run")
    print(f"  reports identical: {not differ}" + (f"; differing: {', '.join(differ[:20])}" if differ else ""))
    figures: dict[str, float | int | str] = {
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "baseline_cpu_s": round(base_cpu, 2),
        "baseline_wall_s": round(base_wall, 2),
        "baseline_commit": args.baseline,
        "withheld": privacy["withheld"],
        "published_cells": privacy["published_cells"],
        "differing_paths": len(differ),
    }
    write_result(
        Result(
            "report",
            THREADS,
            figures,
            rows=[
                Row(
                    "capacity-gap report command, real Pittsburgh region (`bench/report.py`)",
                    f"{cpu:.1f} s CPU, {wall:.1f} s wall; {privacy['withheld']} of {privacy['published_cells']} "
                    "counts withheld",
                    f"commit {args.baseline} {base_cpu:.1f} s CPU, {base_wall:.1f} s wall, x{base_cpu / cpu:.1f}; "
                    + ("same report" if not differ else f"{len(differ)} figures differ"),
                    f"< {TARGET_S:g} s CPU",
                    cpu < TARGET_S,
                )
            ],
        )
    )
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
