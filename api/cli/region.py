"""`handoff region ...`: build, generate, show and fetch regions."""
from __future__ import annotations

import typer

app = typer.Typer(
    help="Regions: a folder with a region.toml manifest naming real-format files "
    "(OSM, GTFS, GeoJSON, CSV). Build one from your files, generate the demo, or look at one.",
    no_args_is_help=True,
)
