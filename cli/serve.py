"""`handoff serve`: run the placement API (uvicorn); `handoff db upgrade`: apply migrations."""
from __future__ import annotations

import os
from pathlib import Path

import typer
import uvicorn
from rich.console import Console

from api.db.engine import default_database_url, make_engine, make_sessionmaker
from api.db.migrate import upgrade

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
DEMO_DIR = Path("handoff-demo")


def prepare_demo(folder: Path, console: Console) -> tuple[str, Path]:
    """Write the small demo region into ``folder`` (once), load it into ``folder/handoff.db``, and
    return (database URL, region folder)."""
    from geodata.demo import write_demo_region

    from api.services.seed import load_region_into_db

    region_dir = folder / "region"
    if not (region_dir / "region.toml").is_file():
        console.print(f"Writing the demo region to {region_dir} ...")
        write_demo_region(region_dir, scale="small", seed=7)
    url = f"sqlite:///{(folder / 'handoff.db').resolve()}"
    engine = make_engine(url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        counts = load_region_into_db(session, region_dir)
        session.commit()
    engine.dispose()
    if counts["providers"]:
        console.print(f"Loaded {counts['providers']} providers and {counts['wait_list_entries']} wait-list entries.")
    return url, region_dir


def serve(demo: bool = typer.Option(False, "--demo", help="Serve the generated demo region from ./handoff-demo "
                                                          "(SQLite), loading its providers and wait lists."),
          host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
          port: int = typer.Option(8000, "--port", help="TCP port."),
          database_url: str = typer.Option(None, "--database-url", envvar="HANDOFF_DATABASE_URL",
                                           help="SQLAlchemy URL; default a SQLite file handoff.db here."),
          region: Path = typer.Option(None, "--region", envvar="HANDOFF_REGION_DIR",
                                      help="Region folder: points outside its boundary are refused."),
          workers: int = typer.Option(1, "--workers", help="Server processes (PostgreSQL only for more than 1; "
                                                             "they share one placement desk process)."),
          results: Path = typer.Option(None, "--results", envvar="HANDOFF_RESULTS_DIR",
                                       help="Folder of scenario results (and report snapshots) the console shows "
                                            "planners and the PCG, e.g. demo-output.")) -> None:
    """Run the placement API and the web console. Make tokens with `handoff users add`; open /console
    to sign in with one, /docs for the interactive schema.

    With --workers N > 1 a placement desk process places the requests of all N workers together.

    Example: `handoff serve --database-url sqlite:///$PWD/demo-output/handoff.db --region demo-output/region
    --results demo-output` (what `make demo` prints at the end)."""
    console = Console(stderr=True)
    if demo:
        database_url, region = prepare_demo(DEMO_DIR, console)
        console.print(f"Demo: make a token with `handoff users add NAME --role admin --database-url {database_url}`")
    database_url = database_url or default_database_url()
    if workers > 1 and database_url.startswith("sqlite"):
        console.print("[red]error:[/red] --workers > 1 needs PostgreSQL (--database-url postgresql+psycopg://...)")
        raise typer.Exit(2)
    os.environ["HANDOFF_DATABASE_URL"] = database_url
    if region:
        os.environ["HANDOFF_REGION_DIR"] = str(region)
    if results:
        os.environ["HANDOFF_RESULTS_DIR"] = str(results.resolve())
    desk = None
    if workers > 1:
        from api.desk_server import SOCKET_ENV, DeskProcess

        desk = DeskProcess(database_url, os.environ.get("HANDOFF_REGION_DIR"))
        os.environ[SOCKET_ENV] = desk.socket_path
        console.print(f"Placement desk process {desk.process.pid} serves the {workers} workers' placement requests.")
    console.print(f"Serving on http://{host}:{port} (console at /console, docs at /docs), "
                  f"database {database_url.split('@')[-1]}")
    try:
        uvicorn.run("api.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", timeout_keep_alive=30)
    finally:
        if desk is not None:
            desk.stop()


@db_app.command("upgrade")
def db_upgrade(database_url: str = typer.Option(None, "--database-url", envvar="HANDOFF_DATABASE_URL",
                                                help="SQLAlchemy URL; default a SQLite file handoff.db here.")) -> None:
    """Apply every Alembic migration up to the newest (the server also does this when it starts)."""
    engine = make_engine(database_url or default_database_url())
    upgrade(engine)
    engine.dispose()
    Console(stderr=True).print("Database is at the newest migration.")
