"""`handoff users`: make API users and their bearer tokens."""
from __future__ import annotations

import typer
from rich.console import Console

from api.auth import ROLES, add_user, revoke_tokens
from api.db.engine import default_database_url, make_engine, make_sessionmaker
from api.db.migrate import upgrade
from api.services import audit

app = typer.Typer(help="Make API users and tokens. A token is printed once and stored only as a hash.",
                  no_args_is_help=True)
DB_OPTION = typer.Option(None, "--database-url", envvar="HANDOFF_DATABASE_URL",
                         help="SQLAlchemy URL; default a SQLite file handoff.db here.")


@app.command("add")
def add(name: str = typer.Argument(..., help="User name, unique (e.g. a coordinator's work login)."),
        role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
        cohort: str = typer.Option(None, "--cohort", help="Coordinators: the cohort whose participants they see."),
        provider: str = typer.Option(None, "--provider", help="Provider users: the provider id they manage."),
        department: str = typer.Option(None, "--department",
                                       help="Officers: their police department (they see its referrals' outcomes)."),
        database_url: str = DB_OPTION) -> None:
    """Add a user with a role and print their bearer token (shown only this once).

    Examples: `handoff users add cora --role coordinator --cohort "North Boroughs"`;
    `handoff users add ofc-ruiz --role officer --department "Pittsburgh Bureau of Police"`."""
    engine = make_engine(database_url or default_database_url())
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            user, token = add_user(session, name, role, cohort=cohort, provider_id=provider,
                                   department=department)
            audit.record(session, "cli", "user.add", "user", name, role=role, cohort=user.cohort,
                         provider_id=user.provider_id, department=user.department)
            session.commit()
    except ValueError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    Console(stderr=True).print(f"User {name!r} ({role}) added. Token (store it now; it is not shown again):")
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
