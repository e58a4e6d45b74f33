"""`handoff demo`: the main job end to end on the generated demo region (what `make demo` runs)."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def demo(
    out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for the demo region and every output."),
    seed: int = typer.Option(7, "--seed", help="Seed of the generated region; the same seed gives the same files."),
) -> None:
    """Generate the demo region and run every part of Handoff on it, printing what each step found."""
    console = Console()
    out.mkdir(parents=True, exist_ok=True)
    console.rule("[bold]Handoff demo")
