"""The ``handoff`` command line. Each command group lives in its own module of this package."""
from __future__ import annotations

import typer

from cli import demo, region, report, scenario, traveltime
from cli import serve, users
from cli import match
from cli import site
from cli import providers

app = typer.Typer(
    name="handoff",
    help=(
        "Handoff: an optimizer for Law Enforcement Assisted Diversion (LEAD).\n\n"
        "Start with `handoff demo --out DIR` to see every part work on a generated region, "
        "or `handoff region build --help` to assemble a region from your own files."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(region.app, name="region")
app.add_typer(scenario.app, name="scenario")
app.add_typer(report.app, name="report")
app.add_typer(traveltime.app, name="traveltime")
app.command("demo")(demo.demo)
app.command("match")(match.match)
app.command("check")(match.check)
app.command("schema")(match.schema)
app.command("serve")(serve.serve)
app.command("site")(site.site)
app.add_typer(users.app, name="users")
app.add_typer(serve.db_app, name="db")
app.add_typer(providers.providers_app, name="providers")
app.add_typer(providers.wait_lists_app, name="wait-lists")


def main() -> None:
    """Entry point of the ``handoff`` console script."""
    app()
