"""The README's real-data figures are what the commands printed beside them print today.

Runs, on ../shared/data (skipped when absent), the README's own commands for the Regions,
Coverage hours, Siting (Pittsburgh) and Capacity-gap report sections, and checks that every
figure they print or write appears in the README as written. A change that moves a figure fails
here until the README says the new figure.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
EXAMPLES = REPO / "docs" / "examples"


def readme_command(start: str) -> list[str]:
    """The README's shell command starting with ``start`` (continuation lines joined), as arguments."""
    text = README.replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.strip().startswith(start))
    return shlex.split(line.split("#", 1)[0])[1:]


def run(args: list[str]) -> str:
    result = CliRunner().invoke(app, args, catch_exceptions=False, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def in_readme(*figures: str) -> None:
    flat = " ".join(README.split())
    for figure in figures:
        assert figure in flat, f"the README does not say {figure!r}"


@pytest.fixture(scope="module")
def region(shared_data, tmp_path_factory) -> Path:
    """The region built by the README's `handoff region build` command, with S=../shared/data."""
    out = tmp_path_factory.mktemp("readme") / "pgh"
    args = [a.replace("$S", str(shared_data)) for a in readme_command("handoff region build")]
    args[args.index("--out") + 1] = str(out)
    printed = " ".join(run(args).replace("│", " ").split())
    period = re.search(
        r"([\d,]+) arrests from (\S+) to (\S+) \(([\d.]+) weeks, the dense span of the records\); "
        r"([\d,]+) arrests outside it left out; ([\d,]+) without a location",
        printed,
    )
    assert period, printed
    count, start, end, weeks, left_out, unlocated = period.groups()
    in_readme(f"{count} arrests from {start} to {end} ({weeks} weeks", f"{left_out} stray", f"{unlocated} without")
    people = re.search(r"population\s+402\s+([\d,]+) people", printed)
    assert people and "1,223,348" == people.group(1)
    in_readme("130 municipalities", "402 tracts with 1,223,348 people")
    return out


def test_coverage_hours_figures(region, tmp_path):
    printed = " ".join(
        run(
            [
                "scenario",
                "run",
                str(EXAMPLES / "coverage-city.yaml"),
                "--region",
                str(region),
                "--out",
                str(tmp_path / "city"),
            ]
        ).split()
    )
    rate = re.search(r"([\d.]+) eligible hand-offs per week over ([\d.]+) weeks \((\S+) to (\S+)\)", printed)
    assert rate, printed
    in_readme(f"{rate.group(1)} eligible hand-offs per week over {rate.group(2)} weeks")
    compared = pd.read_csv(tmp_path / "city" / "compared.csv")
    fixed, optimised = compared.iloc[0], compared.iloc[-1]
    in_readme(
        f"8 am-midnight weekdays captures {fixed['captured_per_week']:.2f} a week for "
        f"${fixed['cost_usd_per_year']:,.0f}/year",
        f"captures {optimised['captured_per_week']:.2f} (proven optimal, {optimised['hours_covered']} hours "
        f"instead of {fixed['hours_covered']}) for ${optimised['cost_usd_per_year']:,.0f}/year",
    )
    zones = " ".join(
        run(
            [
                "scenario",
                "run",
                str(EXAMPLES / "coverage-zones-1-2.yaml"),
                "--region",
                str(region),
                "--out",
                str(tmp_path / "zones"),
            ]
        ).split()
    )
    pair = re.search(r"([\d.]+) eligible hand-offs per week over", zones)
    in_readme(f"police zones 1 and 2: {pair.group(1)} a week")


def test_siting_figures(region, tmp_path):
    run(
        [
            "scenario",
            "run",
            str(EXAMPLES / "siting-pittsburgh.yaml"),
            "--region",
            str(region),
            "--out",
            str(tmp_path / "siting"),
        ]
    )
    answers = pd.read_csv(tmp_path / "siting" / "siting.csv")
    assert (answers["status"] == "optimal").all()
    drive = [f"{v:.1f}" for v in answers["mean_police_drive_min"]]
    covered = [f"{v:.0%}" for v in answers["covered_share"]]
    in_readme(
        f"one site gives a mean police drive of {drive[0]} minutes, two {drive[1]} and three {drive[2]} "
        f"({covered[0]}, {covered[1]}, {covered[2]} of arrests within 15 minutes)"
    )


def test_capacity_gap_report_figures(region, tmp_path):
    args = readme_command("handoff report capacity-gap --region pgh")
    args[args.index("--region") + 1] = str(region)
    args[args.index("--out") + 1] = str(tmp_path / "report.html")
    printed = " ".join(run(args).split())
    withheld = re.search(
        r"([\d,]+) of ([\d,]+) counts are withheld: ([\d,]+) because they are under 11, ([\d,]+) "
        r"so that",
        printed,
    )
    assert withheld, printed
    in_readme(
        f"{withheld.group(1)} of {withheld.group(2)} counts are withheld ({withheld.group(3)} under 11, "
        f"{withheld.group(4)} to protect them)"
    )
