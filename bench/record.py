"""What every benchmark writes: the machine line and one JSON of figures per run in bench/results/.

Each script calls :func:`machine_line` before it measures (printed, so a reader of the output
knows the CPU, its cores, the threads used and the load) and :func:`write_result` at the end. The
JSON holds the machine, the git commit, the figures with their baselines measured in the same run,
and the rows of the README's "Latest benchmark figures" table (``bench/readme_table.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
LOAD_AT_IMPORT = [round(x, 2) for x in os.getloadavg()]  # a bench imports this module before it measures


@dataclass
class Row:
    """One line of the README's figures table: what was measured, its figure, the baseline, the target.

    ``met`` is True/False when the target is a number this run checked, None otherwise; ``run``
    names an earlier run the row was kept from (``bench/readme_table.py``'s label), "" for this one.
    """

    what: str
    figure: str
    baseline: str
    target: str = ""
    met: bool | None = None
    run: str = ""


@dataclass
class Result:
    """One benchmark run: name (the script), figures (numbers, units in the key), table rows."""

    bench: str
    threads: int
    figures: dict[str, float | int | str] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    command: str = ""
    load_at_start: list[float] = field(default_factory=lambda: list(LOAD_AT_IMPORT))


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (Linux), else the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine(threads: int) -> dict[str, object]:
    """CPU model, logical cores, threads the benchmark uses and the 1/5/15-minute load averages."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "threads": threads,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def machine_line(threads: int) -> str:
    """The machine as one printed line; call it before measuring."""
    m = machine(threads)
    load = " / ".join(f"{x:.1f}" for x in m["load_average"])
    return f"machine: {m['cpu']}, {m['cores']} cores, {threads} thread(s) used, load average {load} (1/5/15 min)"


def git_commit() -> str:
    """The checked-out commit (short hash, "+dirty" when files other than bench/results/ differ, so
    one bench's fresh JSON does not mark the next bench's run), or "unknown" outside git."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def write_result(result: Result, *, folder: Path = RESULTS) -> Path:
    """Write ``folder/<bench>.json`` (machine at the end of the run, commit, UTC time, figures, rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "bench": result.bench,
        "run": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": git_commit(),
        "command": result.command
        or " ".join(["nice -n 10 .venv/bin/python", f"bench/{result.bench}.py", *sys.argv[1:]]),
        "machine": machine(result.threads) | {"load_average_at_start": result.load_at_start},
        "figures": result.figures,
        "rows": [asdict(row) for row in result.rows],
    }
    path = folder / f"{result.bench}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"-> {path}")
    return path
