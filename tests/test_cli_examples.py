"""Every command's --help shows an example of its use."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli import COMMANDS, app


def leaf_commands() -> list[list[str]]:
    """Every runnable command as its argument path, e.g. ["region", "build"]."""
    paths = []
    for row in COMMANDS:
        command = row.load()
        subcommands = sorted(getattr(command, "commands", {}))
        paths += [[row.name, sub] for sub in subcommands] if subcommands else [[row.name]]
    return paths


@pytest.mark.parametrize("path", leaf_commands(), ids=" ".join)
def test_help_has_an_example(path):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`handoff {' '.join(path)} --help` shows no example"
