"""Every command's --help shows an example of its use: each command of the table, each group and
``handoff --help`` itself."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli import COMMANDS, app


def every_command() -> list[list[str]]:
    """Every command as its argument path: the root ([]), groups (["region"]) and runnable
    commands (["region", "build"])."""
    paths: list[list[str]] = [[]]
    for row in COMMANDS:
        command = row.load()
        subcommands = sorted(getattr(command, "commands", {}))
        paths += [[row.name]] + [[row.name, sub] for sub in subcommands]
    return paths


@pytest.mark.parametrize("path", every_command(), ids=lambda path: " ".join(["handoff", *path]))
def test_help_has_an_example(path):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`handoff {' '.join(path)} --help` shows no example"
