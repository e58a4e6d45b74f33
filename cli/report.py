"""`handoff report`: the PCG's capacity-gap report (aggregate only, small cells withheld)."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from geodata.errors import DataError

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

app = typer.Typer(
    help="Reports for the Policy Coordination Group: aggregate figures only, counts of 1 to 10 people withheld.\n\n"
    "Example: `handoff report capacity-gap --region pgh --out report/pittsburgh.html`.",
    no_args_is_help=True,
)


def _fail(console: Console, message: str) -> NoReturn:
    """Print ``message`` as one error line and end the command with exit code 2 (bad arguments)."""
    console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(2)


def check_as_of(console: Console, as_of: str | None) -> str | None:
    """``--as-of`` as given when it is an ISO date (YYYY-MM-DD); else exit 2 saying so."""
    if as_of is None:
        return None
    if ISO_DATE.fullmatch(as_of):
        try:
            dt.date.fromisoformat(as_of)
            return as_of
        except ValueError:
            pass
    _fail(
        console,
        f"--as-of {as_of!r} is not a date: give the snapshot date as YYYY-MM-DD "
        f"(e.g. --as-of {dt.date.today().isoformat()}), or leave it out for today",
    )


def read_previous(console: Console, path: Path) -> dict:
    """The earlier report ``--compare`` names: a capacity-gap report's JSON, else exit 2."""
    from scenarios.reports import REPORT_KIND

    what_to_do = "pass the .json written beside the HTML by an earlier `handoff report capacity-gap`"
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(console, f"--compare {path} is not a capacity-gap report (not JSON: {exc}): {what_to_do}")
    if not isinstance(previous, dict) or previous.get("kind") != REPORT_KIND:
        _fail(console, f'--compare {path} is not a capacity-gap report (no "kind": "{REPORT_KIND}"): {what_to_do}')
    return previous


def check_state(console: Console, url: str) -> None:
    """Exit 2 with what to do unless ``url`` (``--state``) is a Handoff database a report can read
    (:func:`api.check_state_database`)."""
    from api import StateUnusable, check_state_database

    try:
        check_state_database(url)
    except StateUnusable as exc:
        _fail(console, str(exc))


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
        help="An earlier report's JSON (the .json an earlier `handoff report capacity-gap` wrote, "
        "e.g. last quarter's) to compare against.",
    ),
    as_of: str = typer.Option(None, "--as-of", help="Snapshot date shown on the report, YYYY-MM-DD (default: today)."),
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
    snapshot = check_as_of(console, as_of)
    earlier = read_previous(console, previous) if previous else None
    if state:
        check_state(console, state)
    try:
        loaded = load_region(region)
        providers = wait_lists = refused = referrals = caseloads = None
        if state:
            from sqlalchemy.exc import SQLAlchemyError

            from api import read_capacity_state, read_declines, read_front_door

            try:
                providers, wait_lists = read_capacity_state(state)
                refused = read_declines(state)
                referrals, caseloads = read_front_door(state)
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                _fail(console, f"cannot read the database at --state ({reason}): check --state")
        options = ReportOptions(transit_minutes=transit_minutes, as_of=snapshot, marginal=marginal)
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
                previous=earlier,
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
