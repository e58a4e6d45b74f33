"""Run every benchmark one after another (what `make bench` does) and keep each one's output.

Each script prints its figures as ratios against a baseline measured in the same run; this runner
only sequences them (never in parallel: they would time each other) and writes each script's
output to ``bench/results/NAME.txt``. Pass script names to run a subset:

    .venv/bin/python bench/run_all.py                # all
    .venv/bin/python bench/run_all.py match siting   # bench/match.py and bench/siting.py
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ("demo_region", "traveltime_drive", "traveltime", "match", "siting", "coverage_hours", "sweep", "api")


def main(names: list[str]) -> int:
    """Run the named benchmarks (all by default); returns how many failed."""
    unknown = sorted(set(names) - set(SCRIPTS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(SCRIPTS)}")
        return 2
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    failed = 0
    for name in names or SCRIPTS:
        print(f"=== bench/{name}.py", flush=True)
        started = time.perf_counter()
        run = subprocess.run([sys.executable, str(BENCH / f"{name}.py")], cwd=BENCH.parent,
                             capture_output=True, text=True)
        output = run.stdout + run.stderr
        (results / f"{name}.txt").write_text(output, encoding="utf-8")
        print(output, flush=True)
        status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
        print(f"=== bench/{name}.py {status} in {time.perf_counter() - started:.0f} s; output in bench/results/{name}.txt")
        failed += run.returncode != 0
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
