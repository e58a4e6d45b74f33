"""A typer app whose commands are imported only when they run (click's lazily loading group).

Each :class:`LazyCommand` names a command, where it lives (``"module:attribute"``: a
``typer.Typer`` becomes a command group, a function a single command) and its one-line help.
The group's own ``--help`` lists those lines without importing anything; ``handoff NAME ...``
(including ``handoff NAME --help``) imports that one module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:  # typer ships its own copy of click; these are the types its groups are called with
    from typer._click import Command, Context, HelpFormatter
else:
    Command = Context = HelpFormatter = Any

LISTING = "handoff.listing"


@dataclass(frozen=True)
class LazyCommand:
    """One row of the command table: ``name``, ``target`` (``"module:attribute"``) and ``help``."""

    name: str
    target: str
    help: str

    def load(self) -> Command:
        """Import the target and turn it into a click command named :attr:`name`."""
        module_name, _, attribute = self.target.partition(":")
        found: Any = getattr(importlib.import_module(module_name), attribute)
        if isinstance(found, typer.Typer):
            command: Command = typer.main.get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(self.name)(found)
            command = typer.main.get_command(single)
        command.name = self.name
        return command


class LazyGroup(TyperGroup):
    """A typer group that imports each command of :attr:`table` the first time it is asked for."""

    table: ClassVar[dict[str, LazyCommand]] = {}

    def list_commands(self, ctx: Context) -> list[str]:
        """Commands in table order."""
        return list(self.table)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The command, imported now; while the group's help is written, a stand-in with its help."""
        row = self.table.get(cmd_name)
        if row is None:
            return None
        if ctx.meta.get(LISTING):
            return TyperCommand(row.name, help=row.help, short_help=row.help)
        if cmd_name not in self.commands:
            self.commands[cmd_name] = row.load()
        return self.commands[cmd_name]

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        """The command named by ``args[0]``; an unknown name fails suggesting the closest names."""
        if args and args[0] not in self.table and not args[0].startswith("-") and not ctx.resilient_parsing:
            matches = get_close_matches(args[0], list(self.table))
            hint = f" Did you mean {', '.join(map(repr, matches))}?" if matches else " See 'handoff --help'."
            ctx.fail(f"No such command {args[0]!r}.{hint}")
        return super().resolve_command(ctx, args)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        """The group's help, listing each command's table help without importing it."""
        ctx.meta[LISTING] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta[LISTING] = False


def lazy_app(commands: tuple[LazyCommand, ...], *, name: str, help: str) -> typer.Typer:
    """A typer app (``app()`` runs it; ``typer.testing.CliRunner`` invokes it) over ``commands``."""
    group = type("HandoffGroup", (LazyGroup,), {"table": {row.name: row for row in commands}})
    app = typer.Typer(name=name, help=help, cls=group, no_args_is_help=True, pretty_exceptions_enable=False)

    @app.callback()
    def root() -> None:
        """The command table."""

    return app
