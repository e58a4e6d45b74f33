"""The ``handoff`` command line: one table of commands, each imported only when it runs.

``handoff --help`` imports none of the command modules (so none of pandas, OR-Tools, FastAPI...):
it lists the one-line help written in :data:`COMMANDS`. Running ``handoff region build`` or
``handoff region --help`` imports ``cli.region`` and nothing else of the table (click's lazily
loading group: https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands).

Add a command with one row in :data:`COMMANDS`: its name, ``"module:attribute"`` (a
``typer.Typer`` for a group, or a function for a single command) and its one-line help.
"""

from __future__ import annotations

from cli.lazy import LazyCommand, lazy_app

COMMANDS: tuple[LazyCommand, ...] = (
    LazyCommand(
        "demo", "cli.demo:demo", "Run every part of Handoff on the generated demo region (what `make demo` runs)."
    ),
    LazyCommand(
        "region", "cli.region:app", "Regions: build one from your files, generate the demo, show or fetch one."
    ),
    LazyCommand("traveltime", "cli.traveltime:app", "Drive and transit travel-time matrices (minutes) and isochrones."),
    LazyCommand("match", "cli.match:match", "Run a placement round on an instance file and write the result."),
    LazyCommand("check", "cli.match:check", "Check a result file against its instance with the independent checker."),
    LazyCommand("schema", "cli.match:schema", "Print the JSON schema of the instance or result file."),
    LazyCommand("scenario", "cli.scenario:app", "Planners' what-if scenarios (siting, coverage hours) and sweeps."),
    LazyCommand("site", "cli.site:site", "Solve OR-Library facility-location files against published optima."),
    LazyCommand("report", "cli.report:app", "Reports for the Policy Coordination Group (aggregate only)."),
    LazyCommand("serve", "api.commands:serve", "Run the placement API (uvicorn)."),
    LazyCommand("users", "api.commands:users", "Make API users and bearer tokens."),
    LazyCommand("db", "api.commands:db", "Database maintenance (migrations)."),
    LazyCommand(
        "referrals", "api.referral_commands:referrals", "Referrals for planners: export them; adopt coverage hours."
    ),
    LazyCommand(
        "providers", "cli.providers:providers_app", "Import a provider directory (CSV or .xlsx) into the service."
    ),
    LazyCommand("wait-lists", "cli.providers:wait_lists_app", "Import wait lists (CSV or .xlsx) into the service."),
)

app = lazy_app(
    COMMANDS,
    name="handoff",
    help=(
        "Handoff: an optimizer for Law Enforcement Assisted Diversion (LEAD).\n\n"
        "Start with `handoff demo --out DIR` to see every part work on a generated region, "
        "or `handoff region build --help` to assemble a region from your own files.\n\n"
        "Example: `handoff demo --out demo-output`; every command's --help shows examples of its own."
    ),
)


def main() -> None:
    """Entry point of the ``handoff`` console script."""
    app()
