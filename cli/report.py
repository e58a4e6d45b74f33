"""`handoff report`: the PCG's capacity-gap report (aggregate only, small cells withheld)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console

from geodata.errors import DataError

app = typer.Typer(
    help="Reports for the Policy Coordination Group: aggregate figures only, counts under 11 withheld.\n\n"
    "Example: `handoff report capacity-gap --region pgh --out report/pittsburgh.html`.",
    no_args_is_help=True,
)


@app.command("capacity-gap")
def capacity_gap(
    region: Path = typer.Option(..., "--region", exists=True, file_okay=False, help="Region folder (region.toml)."),
    out: Path = typer.Option(Path("capacity-gap.html"), "--out", help="The self-contained HTML report to write."),
    state: str = typer.Option(
        None,
        "--state",
        help="Database URL of the placement service (e.g. sqlite:///handoff.db): "
        "use its live providers and wait lists instead of the region's files.",
    ),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write the report as PDF beside the HTML."),
    previous: Path = typer.Option(
        None,
        "--compare",
        exists=True,
        dir_okay=False,
        help="An earlier report's JSON (e.g. last quarter's) to compare against.",
    ),
    as_of: str = typer.Option(None, "--as-of", help="Snapshot date shown on the report (default: today)."),
    transit_minutes: float = typer.Option(45.0, "--transit-minutes", min=1, help="'Within reach' threshold (minutes)."),
    marginal: bool = typer.Option(
        True, "--marginal/--no-marginal", help="Rank where one more slot helps most (re-solves placements)."
    ),
) -> None:
    """Build the capacity-gap report: demand vs capacity, waits, reach, equity, and where one more slot helps most.

    Writes OUT (HTML), OUT with .json (the same figures as data) and, with --pdf, OUT with .pdf.

    Examples:

      handoff report capacity-gap --region pgh --out report/pittsburgh.html

      handoff report capacity-gap --region pgh --state sqlite:///handoff.db --compare last.json --out now.html
    """
    # Imported here so that `handoff --help` stays fast (matplotlib, scipy, the matcher).
    from geodata.region import load_region
    from scenarios.reports.marginal import marginal_values
    from scenarios.reports.render import render_html, write_pdf
    from scenarios.reports.report import ReportOptions, build_report, to_json

    console = Console()
    try:
        loaded = load_region(region)
        providers = wait_lists = refused = referrals = caseloads = None
        if state:
            from api import read_capacity_state, read_declines, read_front_door

            providers, wait_lists = read_capacity_state(state)
            refused = read_declines(state)
            referrals, caseloads = read_front_door(state)
        options = ReportOptions(transit_minutes=transit_minutes, as_of=as_of, marginal=marginal)
        with console.status("loading the region") as status:
            started = time.perf_counter()

            def step(message: str) -> None:
                console.print(f"  {time.perf_counter() - started:5.1f} s  {message}")
                status.update(message)

            report = build_report(
                loaded,
                options=options,
                providers=providers,
                wait_lists=wait_lists,
                previous=json.loads(previous.read_text()) if previous else None,
                marginal_fn=marginal_values,
                declines=refused,
                referrals=referrals,
                caseloads=caseloads,
                progress=step,
            )
            step("writing HTML, JSON and PDF")
    except (DataError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    streets = loaded.streets if loaded.manifest.spec("streets") is not None else None
    html = render_html(report, out, municipalities=loaded.municipalities, streets=streets, water=loaded.water)
    data = out.with_suffix(".json")
    data.write_text(to_json(report), encoding="utf-8")
    console.print(f"wrote {html}\nwrote {data}")
    if pdf:
        path, engine = write_pdf(html, out.with_suffix(".pdf"), report, municipalities=loaded.municipalities)
        console.print(f"wrote {path} ({engine})")
    for sentence in report["summary"] + [report["privacy"]["sentence"]]:
        console.print(f"- {sentence}")
