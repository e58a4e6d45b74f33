"""`handoff providers import` and `handoff wait-lists import`: a program's files (CSV or .xlsx) into
the service's database, validated as the API validates (docs/api.md, "Imports"), all or nothing."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

DB_OPTION = typer.Option(
    None, "--database-url", envvar="HANDOFF_DATABASE_URL", help="SQLAlchemy URL; default a SQLite file handoff.db here."
)
REGION_OPTION = typer.Option(
    None,
    "--region",
    envvar="HANDOFF_REGION_DIR",
    help="Region folder: provider points outside its boundary are refused.",
)
DRY_RUN = typer.Option(False, "--dry-run", help="Check every row and show what would change; change nothing.")
FILE = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx file (first sheet), header in row 1.")

providers_app = typer.Typer(
    help="The provider directory.\n\nExample: `handoff providers import directory.xlsx --dry-run`.",
    no_args_is_help=True,
)
wait_lists_app = typer.Typer(
    help="Providers' wait lists.\n\nExample: `handoff wait-lists import waiting.csv --dry-run`.", no_args_is_help=True
)


def _run(kind: str, path: Path, database_url: str | None, region_dir: Path | None, dry_run: bool) -> None:
    from api.db.engine import make_engine, make_sessionmaker
    from api.db.migrate import upgrade
    from api.services.imports import import_providers, import_wait_lists
    from api.services.region import load_region_context
    from api.services.tables import ImportRejected, read_table
    from api.settings import Settings

    console = Console(stderr=True)
    engine = make_engine(Settings.from_env(database_url=database_url).database)
    try:
        upgrade(engine)
        region = load_region_context(region_dir)
        run = import_providers if kind == "providers" else import_wait_lists
        with console.status(f"checking and importing {path.name}"), make_sessionmaker(engine)() as session:
            table = read_table(path.name, path.read_bytes())
            summary = run(session, "cli:import", table, region, dry_run=dry_run)
            if not dry_run:
                session.commit()
    except ImportRejected as exc:
        console.print(f"[red]error:[/red] {len(exc.errors)} bad cell(s) in {path.name}; nothing was imported.")
        for error in exc.errors[:50]:
            console.print(f"  {error}", soft_wrap=True, markup=False)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    shown = Table(title=f"{path.name}: {'would change (dry run, nothing written)' if dry_run else 'imported'}")
    shown.add_column("what")
    shown.add_column("count", justify="right")
    for key, value in summary.as_dict().items():
        if isinstance(value, int) and not isinstance(value, bool):
            shown.add_row(key.replace("_", " "), str(value))
    Console().print(shown)


@providers_app.command("import")
def import_providers_file(
    path: Path = FILE, dry_run: bool = DRY_RUN, region: Path = REGION_OPTION, database_url: str = DB_OPTION
) -> None:
    """Create or update providers from a directory file, one provider per row.

    Columns: id (or provider_id), name, service, capacity, lon, lat; optional subtype, occupied,
    lead_slots, lead_occupied, monthly_turnover, intake_days, eligibility (JSON, e.g.
    {"min_age": 18}), open_hours, appointment_times (ISO local times separated by ;),
    by_appointment, municipality, list_id.

    Example: `handoff providers import directory.xlsx --dry-run`, then without --dry-run."""
    _run("providers", path, database_url, region, dry_run)


@wait_lists_app.command("import")
def import_wait_lists_file(
    path: Path = FILE, dry_run: bool = DRY_RUN, region: Path = REGION_OPTION, database_url: str = DB_OPTION
) -> None:
    """Replace who waits on every list the file names, one person per row, ahead first.

    Columns: list_id (or provider_id), person_id; optional priority (lower is ahead; else the
    file's order), lead, lead_priority, added (date), gender, age, insurance, moud, pets, language
    (or attributes as JSON). People no longer listed are marked removed.

    Example: `handoff wait-lists import waiting.csv --dry-run`."""
    _run("wait_lists", path, database_url, region, dry_run)
