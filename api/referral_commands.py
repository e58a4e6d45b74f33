"""``handoff referrals``: the front door's records for planners (``handoff referrals export``)."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from api.settings import Settings

referrals = typer.Typer(help="Recorded referrals for planners: export them for a coverage scenario.",
                        no_args_is_help=True)


@referrals.command("export")
def export(out: Path = typer.Option(Path("referrals.csv"), "--out", help="CSV file to write."),
           database_url: str = typer.Option(None, "--database-url", envvar="HANDOFF_DATABASE_URL",
                                            help="SQLAlchemy URL; default a SQLite file handoff.db here.")) -> None:
    """Write every referral (local time, route, offence, municipality, zone, race, outside covered
    hours, days to intake, status; no person id, no location) to a CSV that a coverage scenario
    reads with `referrals: FILE` and `demand_source: referrals|both`.

    Example: `handoff referrals export --database-url sqlite:///handoff-demo/handoff.db --out referrals.csv`."""
    from api.referral_records import export_referrals

    written = export_referrals(Settings.from_env(database_url=database_url).database, out)
    Console(stderr=True).print(f"wrote {written} referrals to {out}")
