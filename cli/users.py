"""`handoff users`: make API users and their bearer tokens."""
from __future__ import annotations

import typer
from rich.console import Console

from api.auth import DEFAULT_TOKEN_DAYS, ROLES, add_user, revoke_tokens, rotate_token
from api.db.engine import default_database_url, make_engine, make_sessionmaker
from api.db.migrate import upgrade
from api.services import audit

app = typer.Typer(help="Make API users and tokens. A token is printed once and stored only as a hash.",
                  no_args_is_help=True)
DAYS_OPTION = typer.Option(DEFAULT_TOKEN_DAYS, "--days", help="Days the token is valid (1 to 3660).")
DB_OPTION = typer.Option(None, "--database-url", envvar="HANDOFF_DATABASE_URL",
                         help="SQLAlchemy URL; default a SQLite file handoff.db here.")


@app.command("add")
def add(name: str = typer.Argument(..., help="User name, unique (e.g. a coordinator's work login)."),
        role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
        cohort: str = typer.Option(None, "--cohort", help="Coordinators: the cohort whose participants they see."),
        provider: str = typer.Option(None, "--provider", help="Provider users: the provider id they manage."),
        department: str = typer.Option(None, "--department",
                                       help="Officers: their police department (they see its referrals' outcomes)."),
        region: str = typer.Option(None, "--region", help="Region folder: the cohort must be one of its cohorts."),
        days: float = DAYS_OPTION, database_url: str = DB_OPTION) -> None:
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
    engine = make_engine(database_url or default_database_url())
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            user, token = add_user(session, name, role, cohort=cohort, provider_id=provider,
                                   department=department, days=days)
            audit.record(session, "cli", "user.add", "user", name, role=role, cohort=user.cohort,
                         provider_id=user.provider_id, department=user.department, token_days=days)
            session.commit()
    except ValueError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    Console(stderr=True).print(f"User {name!r} ({role}) added. Token valid {days:g} days (store it now; it is not "
                               "shown again):")
    print(token)


@app.command("revoke")
def revoke(name: str = typer.Argument(..., help="User whose tokens to revoke."),
           database_url: str = DB_OPTION) -> None:
    """Revoke every token of a user (the user stays for the audit log)."""
    engine = make_engine(database_url or default_database_url())
    with make_sessionmaker(engine)() as session:
        count = revoke_tokens(session, name)
        audit.record(session, "cli", "user.revoke", "user", name, tokens=count)
        session.commit()
    engine.dispose()
    Console(stderr=True).print(f"Revoked {count} token(s) of {name!r}.")



@app.command("token")
def token(name: str = typer.Argument(..., help="User who gets a new token."), days: float = DAYS_OPTION,
          grace_hours: float = typer.Option(24.0, "--grace-hours",
                                            help="Hours the user's older tokens keep working (0: stop now)."),
          database_url: str = DB_OPTION) -> None:
    """Rotate a user's token: print a new one valid --days days; the older ones stop after --grace-hours.

    Example: `handoff users token cora --days 90` (then give cora the new token; the old one works 24 h more)."""
    engine = make_engine(database_url or default_database_url())
    upgrade(engine)
    try:
        with make_sessionmaker(engine)() as session:
            text, expires, shortened = rotate_token(session, name, days=days, grace_hours=grace_hours)
            audit.record(session, "cli", "user.token", "user", name, token_days=days, older_cut=shortened,
                         grace_hours=grace_hours)
            session.commit()
    except ValueError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    Console(stderr=True).print(f"New token for {name!r}, valid until {expires:%Y-%m-%d %H:%M} UTC; {shortened} older "
                               f"token(s) stop within {grace_hours:g} h. Store it now; it is not shown again:")
    print(text)
