"""The command line imports each command group only when it runs, so `handoff --help` is fast."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cli import COMMANDS, app

HEAVY = [
    "fastapi",
    "uvicorn",
    "sqlalchemy",
    "ortools",
    "geopandas",
    "pandas",
    "numba",
    "numpy",
    "matplotlib",
    "dask",
    "scipy",
    "networkx",
    "api",
    "scenarios",
    "matcher",
    "geodata",
]
PROBE = """
import json, sys
from typer.testing import CliRunner
from cli import app
args = json.loads(sys.argv[1])
result = CliRunner().invoke(app, args)
assert result.exit_code == 0, result.output
print(json.dumps({"loaded": sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules),
                  "cli": sorted(m for m in sys.modules if m.startswith("cli."))}))
"""


def _probe(args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


def test_top_level_help_imports_no_command_module_and_nothing_heavy():
    probe = _probe(["--help"])
    assert probe["loaded"] == []
    assert probe["cli"] == ["cli.lazy"]


def test_group_help_imports_only_that_group():
    probe = _probe(["report", "--help"])
    assert probe["cli"] == ["cli.lazy", "cli.report"]
    assert "fastapi" not in probe["loaded"]


def test_help_takes_under_half_a_cpu_second():
    """CPU seconds of a fresh `handoff --help` process (the machine is shared: wall time is not a
    fair measure under load; CPU time is what the import costs)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "cli", "--help"], capture_output=True, check=True, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu_s < 0.5, f"handoff --help took {cpu_s:.2f} CPU s"


def test_help_lists_every_command_of_the_table():
    output = CliRunner().invoke(app, ["--help"]).output
    for row in COMMANDS:
        assert row.name in output


@pytest.mark.parametrize("name", [row.name for row in COMMANDS])
def test_every_command_loads_and_has_help(name):
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and name in result.output


def test_unknown_command_is_refused_with_a_hint():
    result = CliRunner().invoke(app, ["reigon"])
    assert result.exit_code == 2
    assert "region" in result.output


def test_the_report_command_modules_leave_numba_and_the_pdf_backend_unimported():
    """The report reads its travel tables from the cache: the search kernels (numba) and
    matplotlib's PDF backend (the last-resort PDF) are imported only when they run."""
    code = (
        "import sys\n"
        "import geodata.travel, scenarios.reports.report, scenarios.reports.render, scenarios.reports.marginal\n"
        "print(sorted(m for m in ('numba', 'geodata.raptor', 'geodata.drive_kernels',"
        " 'matplotlib.backends.backend_pdf') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "[]"


def test_the_transit_engine_unreached_label_is_raptors():
    from geodata import raptor, transit

    assert transit.INF == int(raptor.INF)
