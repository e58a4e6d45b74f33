"""``handoff referrals``: the front door's records for planners (``handoff referrals export``)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from api.settings import Settings

referrals = typer.Typer(
    help="Referrals for planners: export them for a coverage scenario; turn a schedule into front-door hours.\n\n"
    "Example: `handoff referrals export --database-url sqlite:///handoff.db --out referrals.csv`.",
    no_args_is_help=True,
)


@referrals.command("export")
def export(
    out: Path = typer.Option(Path("referrals.csv"), "--out", help="CSV file to write."),
    database_url: str = typer.Option(
        None,
        "--database-url",
        envvar="HANDOFF_DATABASE_URL",
        help="SQLAlchemy URL; default a SQLite file handoff.db here.",
    ),
) -> None:
    """Write every referral (local time, route, offence, municipality, zone, race, outside covered
    hours, days to intake, status; no person id, no location) to a CSV that a coverage scenario
    reads with `referrals: FILE` and `demand_source: referrals|both`.

    Example: `handoff referrals export --database-url sqlite:///handoff-demo/handoff.db --out referrals.csv`."""
    from api.referral_records import export_referrals

    written = export_referrals(Settings.from_env(database_url=database_url).database, out)
    Console(stderr=True).print(f"wrote {written} referrals to {out}")


@referrals.command("hours")
def hours(
    schedule: Path = typer.Argument(..., help="schedule.csv of a coverage scenario run."),
    timezone: str = typer.Option("America/New_York", "--timezone", help="The cohort's IANA time zone."),
) -> None:
    """Print the `adopted` hours of a coverage scenario's schedule.csv as the JSON a front door takes
    (PUT /v1/cohorts/{cohort}/front-door), and the hours in words.

    Example: `handoff referrals hours demo-output/coverage/schedule.csv > hours.json`."""
    import json

    from scenarios.frontdoor.availability import adopted_hours

    try:
        covered = adopted_hours(schedule, timezone)
    except (OSError, ValueError) as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    Console(stderr=True).print(f"{schedule}: {covered.describe()}")
    print(
        json.dumps(
            {
                "timezone": timezone,
                "adopted": {
                    "source": str(schedule)[-60:],
                    "on_site": sorted(covered.on_site),
                    "on_call": sorted(covered.on_call),
                },
            }
        )
    )
