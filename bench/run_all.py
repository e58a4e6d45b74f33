"""Run every benchmark one after another (what `make bench` does); one JSON per bench in bench/results/.

Each script prints its figures as ratios against a baseline measured in the same run; this runner
only sequences them (never in parallel: they would time each other), keeps each script's output in
``bench/results/NAME.txt`` and makes sure each leaves ``bench/results/NAME.json`` with the machine
line (CPU model, cores, threads, load average), the commit and its figures: a script that writes
its own (through ``bench/record.py``) keeps it; for one that does not, the runner writes the
machine (threads 0: as printed), the exit status and the printed output. Then the README's table is regenerated
(``bench/readme_table.py``). Pass script names to run a subset:

    .venv/bin/python bench/run_all.py                    # all
    .venv/bin/python bench/run_all.py isochrone siting   # bench/isochrone.py and bench/siting.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH] + [str(BENCH.parent)]

from bench import readme_table  # noqa: E402
from bench.record import RESULTS, Result, machine_line, write_result  # noqa: E402

SCRIPTS = (
    "demo_region",
    "traveltime_drive",
    "isochrone",
    "traveltime",
    "match",
    "siting",
    "coverage_hours",
    "sweep",
    "api",
    "referrals",
    "frontdoor_travel",
    "report",
)


def run_one(name: str) -> int:
    """Run ``bench/NAME.py``; keep its output and make sure its JSON exists. Returns its exit status."""
    print(f"=== bench/{name}.py; {machine_line(1)}", flush=True)
    json_path = RESULTS / f"{name}.json"
    before = json_path.stat().st_mtime if json_path.exists() else None
    started = time.perf_counter()
    run = subprocess.run([sys.executable, str(BENCH / f"{name}.py")], cwd=BENCH.parent, capture_output=True, text=True)
    output = run.stdout + run.stderr
    (RESULTS / f"{name}.txt").write_text(output, encoding="utf-8")
    print(output, flush=True)
    wrote = json_path.exists() and json_path.stat().st_mtime != before
    if not wrote or run.returncode:
        write_result(
            Result(
                name,
                threads=0,
                command=f"nice -n 10 .venv/bin/python bench/{name}.py",
                figures={
                    "exit_status": run.returncode,
                    "seconds": round(time.perf_counter() - started, 1),
                    "output": output[-4000:],
                },
            )
        )
    status = "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
    print(
        f"=== bench/{name}.py {status} in {time.perf_counter() - started:.0f} s; output in bench/results/{name}.txt, "
        f"figures in bench/results/{name}.json"
    )
    return run.returncode


def main(names: list[str]) -> int:
    """Run the named benchmarks (all by default), regenerate the README table; returns how many failed."""
    unknown = sorted(set(names) - set(SCRIPTS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(SCRIPTS)}")
        return 2
    RESULTS.mkdir(exist_ok=True)
    failed = sum(run_one(name) != 0 for name in names or SCRIPTS)
    readme_table.main([])
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
