"""The service's commands, registered by the ``handoff`` command line (``cli.COMMANDS``):

- ``serve``: run the placement API (uvicorn);
- ``users``: make API users and their bearer tokens (``handoff users add|token|revoke``);
- ``db``: database maintenance (``handoff db upgrade``).

Each builds one :class:`api.settings.Settings` from its options over the ``HANDOFF_*``
environment and passes it down. ``handoff serve --workers N`` hands the settings to every
uvicorn worker inside uvicorn's configuration (:class:`ServeConfig`, which uvicorn pickles into
each spawned worker), so nothing is passed through ``os.environ``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.orm import Session
from uvicorn.supervisors import Multiprocess

from api.auth import DEFAULT_TOKEN_DAYS, ROLES, add_user, revoke_tokens, rotate_token
from api.db.engine import make_engine, make_sessionmaker
from api.db.migrate import upgrade
from api.services import audit
from api.settings import Settings, sqlite_file_url

DEMO_DIR = Path("handoff-demo")
DB_OPTION = typer.Option(
    None, "--database-url", envvar="HANDOFF_DATABASE_URL", help="SQLAlchemy URL; default a SQLite file handoff.db here."
)
DAYS_OPTION = typer.Option(DEFAULT_TOKEN_DAYS, "--days", help="Days the token is valid (1 to 3660).")
users = typer.Typer(
    help="Make API users and tokens. A token is printed once and stored only as a hash.\n\n"
    'Example: `handoff users add cora --role coordinator --cohort "North Boroughs" --days 90`.',
    no_args_is_help=True,
)
db = typer.Typer(
    help="Database maintenance.\n\nExample: `handoff db upgrade --database-url sqlite:///handoff.db`.",
    no_args_is_help=True,
)


@contextmanager
def database_session(database_url: str | None, *, migrate: bool = True) -> Iterator[Session]:
    """A session on ``database_url`` (else the settings' database), migrated first when ``migrate``;
    a ``ValueError`` inside (a bad name, role or period) ends the command with its message, exit 2."""
    engine = make_engine(Settings.from_env(database_url=database_url).database)
    try:
        if migrate:
            upgrade(engine)
        with make_sessionmaker(engine)() as session:
            yield session
    except ValueError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


def prepare_demo(folder: Path, console: Console) -> tuple[str, Path]:
    """Write the small demo region into ``folder`` (again when there is no database yet, so its
    clinic times lie in the coming two weeks), load it into ``folder/handoff.db``, and return
    (database URL, region folder)."""
    from geodata.demo import write_demo_region
    from geodata.demo.providers import local_today

    region_dir = folder / "region"
    database = folder / "handoff.db"
    if not (region_dir / "region.toml").is_file() or not database.is_file():
        console.print(f"Writing the demo region to {region_dir} (clinic times in the coming two weeks) ...")
        write_demo_region(region_dir, scale="small", seed=7, today=local_today())
    url = sqlite_file_url(database)
    seed_database(url, region_dir, console)
    return url, region_dir


def seed_database(database_url: str, region_dir: Path, console: Console) -> None:
    """Bring the database to the newest migration and, when it has no provider, load the region's
    providers and wait lists (validated as the API validates; exit 2 naming file, row and column)."""
    from api.services.region import load_region_context
    from api.services.seed import load_region_into_db
    from api.services.tables import ImportRejected

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with (
            console.status(f"loading the providers and wait lists of {region_dir} if the database has none"),
            make_sessionmaker(engine)() as session,
        ):
            counts = load_region_into_db(session, region_dir, load_region_context(region_dir))
            session.commit()
    except ImportRejected as exc:
        console.print(f"[red]error:[/red] the region's files cannot be loaded: {exc}", soft_wrap=True, markup=False)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    if counts["providers"]:
        console.print(f"Loaded {counts['providers']} providers and {counts['wait_list_entries']} wait-list entries.")


class ServeConfig(uvicorn.Config):
    """uvicorn's configuration carrying the service's :class:`Settings`: each worker builds its app
    with ``api.app.create_app(settings=...)`` from the copy uvicorn pickles into it."""

    def __init__(self, settings: Settings, **options: Any):
        self.settings = settings
        super().__init__("api.app:create_app", factory=True, **options)

    def load_app(self) -> Callable[[], Any]:
        """The app factory of this worker: ``create_app`` with the settings."""
        from api.app import served_app

        return functools.partial(served_app, self.settings)


def run_server(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve the API on ``host:port`` with ``workers`` processes (what ``uvicorn.run`` does, with
    :class:`ServeConfig` so the settings reach the workers without the environment)."""
    config = ServeConfig(settings, host=host, port=port, workers=workers, log_level="warning", timeout_keep_alive=30)
    server = uvicorn.Server(config)
    try:
        if workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass


def serve(
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Serve the generated demo region from ./handoff-demo (SQLite), loading its providers and wait lists.",
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    database_url: str = DB_OPTION,
    region: Path = typer.Option(
        None,
        "--region",
        envvar="HANDOFF_REGION_DIR",
        help="Region folder: points outside its boundary are refused; its providers "
        "and wait lists are loaded when the database has none.",
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Server processes (PostgreSQL only for more than 1; they share one placement desk process).",
    ),
    results: Path = typer.Option(
        None,
        "--results",
        envvar="HANDOFF_RESULTS_DIR",
        help="Folder of scenario results (and report snapshots) the web console "
        "shows planners and the PCG, e.g. demo-output.",
    ),
) -> None:
    """Run the placement API and the web console. Make tokens with `handoff users add`; open /console to
    sign in with one, /docs for the interactive schema.

    With --workers N > 1 a placement desk process places the requests of all N workers together.

    Example: `handoff serve --demo`, `handoff serve --database-url postgresql+psycopg://... --workers 4`, or
    `handoff serve --database-url sqlite:///$PWD/demo-output/handoff.db --region demo-output/region
    --results demo-output` (what `make demo` prints at the end)."""
    console = Console(stderr=True)
    if demo:
        database_url, region = prepare_demo(DEMO_DIR, console)
        console.print(f"Demo: make a token with `handoff users add NAME --role admin --database-url {database_url}`")
    settings = Settings.from_env(
        database_url=database_url, region_dir=region, results_dir=results.resolve() if results else None
    )
    if workers > 1 and settings.database.startswith("sqlite"):
        console.print("[red]error:[/red] --workers > 1 needs PostgreSQL (--database-url postgresql+psycopg://...)")
        raise typer.Exit(2)
    if settings.region_dir and not demo:
        seed_database(settings.database, Path(settings.region_dir), console)
    desk = None
    if workers > 1:
        from api.desk_server import DeskProcess

        desk = DeskProcess(settings)
        settings = settings.model_copy(update={"desk_socket": desk.socket_path})
        console.print(f"Placement desk process {desk.process.pid} serves the {workers} workers' placement requests.")
    console.print(
        f"Serving on http://{host}:{port} (console at /console, docs at /docs), "
        f"database {settings.database.split('@')[-1]}"
    )
    try:
        run_server(settings, host=host, port=port, workers=workers)
    finally:
        if desk is not None:
            desk.stop()


@db.command("upgrade")
def db_upgrade(database_url: str = DB_OPTION) -> None:
    """Apply every Alembic migration up to the newest (the server also does this when it starts).

    Example: `handoff db upgrade --database-url postgresql+psycopg://postgres@127.0.0.1:5432/handoff`."""
    engine = make_engine(Settings.from_env(database_url=database_url).database)
    upgrade(engine)
    engine.dispose()
    Console(stderr=True).print("Database is at the newest migration.")


@users.command("add")
def add_user_command(
    name: str = typer.Argument(..., help="User name, unique (e.g. a coordinator's work login)."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    cohort: str = typer.Option(None, "--cohort", help="Coordinators: the cohort whose participants they see."),
    provider: str = typer.Option(None, "--provider", help="Provider users: the provider id they manage."),
    department: str = typer.Option(
        None, "--department", help="Officers: their police department (they see its referrals' outcomes)."
    ),
    region: str = typer.Option(None, "--region", help="Region folder: the cohort must be one of its cohorts."),
    days: float = DAYS_OPTION,
    database_url: str = DB_OPTION,
) -> None:
    """Add a user with a role and print their bearer token (shown only this once; it expires after
    --days days, then make a new one with `handoff users token NAME`).

    Examples: `handoff users add cora --role coordinator --cohort "North Boroughs" --days 90 --region demo-output/region`;
    `handoff users add ofc-ruiz --role officer --department "Pittsburgh Bureau of Police"`."""
    if region and cohort:
        from api.errors import ApiError
        from api.services.participants import check_cohort
        from api.services.region import load_region_context

        try:
            check_cohort(load_region_context(region), cohort, "--cohort")
        except ApiError as exc:
            Console(stderr=True).print(f"[red]error:[/red] {exc.detail}")
            raise typer.Exit(2) from None
    with database_session(database_url) as session:
        user, token = add_user(
            session, name, role, cohort=cohort, provider_id=provider, department=department, days=days
        )
        audit.record(
            session,
            "cli",
            "user.add",
            "user",
            name,
            role=role,
            cohort=user.cohort,
            provider_id=user.provider_id,
            department=user.department,
            token_days=days,
        )
        session.commit()
    Console(stderr=True).print(
        f"User {name!r} ({role}) added. Token valid {days:g} days (store it now; it is not shown again):"
    )
    print(token)


@users.command("token")
def token_command(
    name: str = typer.Argument(..., help="User who gets a new token."),
    days: float = DAYS_OPTION,
    grace_hours: float = typer.Option(
        24.0, "--grace-hours", help="Hours the user's older tokens keep working (0: stop now)."
    ),
    database_url: str = DB_OPTION,
) -> None:
    """Rotate a user's token: print a new one valid --days days; the older ones stop after --grace-hours.

    Example: `handoff users token cora --days 90` (then give cora the new token; the old one works 24 h more)."""
    with database_session(database_url) as session:
        text, expires, shortened = rotate_token(session, name, days=days, grace_hours=grace_hours)
        audit.record(
            session, "cli", "user.token", "user", name, token_days=days, older_cut=shortened, grace_hours=grace_hours
        )
        session.commit()
    Console(stderr=True).print(
        f"New token for {name!r}, valid until {expires:%Y-%m-%d %H:%M} UTC; {shortened} older "
        f"token(s) stop within {grace_hours:g} h. Store it now; it is not shown again:"
    )
    print(text)


@users.command("revoke")
def revoke_command(
    name: str = typer.Argument(..., help="User whose tokens to revoke."), database_url: str = DB_OPTION
) -> None:
    """Revoke every token of a user (the user stays for the audit log).

    Example: `handoff users revoke cora`."""
    with database_session(database_url, migrate=False) as session:
        count = revoke_tokens(session, name)
        audit.record(session, "cli", "user.revoke", "user", name, tokens=count)
        session.commit()
    Console(stderr=True).print(f"Revoked {count} token(s) of {name!r}.")
