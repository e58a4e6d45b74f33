"""Shared by `handoff traveltime` commands: points files, matrix files, progress and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from geodata.errors import DataError

console = Console()


def fail(error: Exception) -> None:
    console.print(f"[bold red]error:[/] {error}")
    raise typer.Exit(code=2)


def read_points(path: Path) -> tuple[list[str], np.ndarray]:
    """Read a points CSV with columns ``id,lon,lat`` (degrees): ids and an (n, 2) lon/lat array."""
    if not path.is_file():
        raise DataError(path, "file not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ("id", "lon", "lat"):
        if column not in frame.columns:
            raise DataError(path, "missing column; a points file has columns id,lon,lat", field=column)
    ids = frame["id"].str.strip()
    empty = np.flatnonzero((ids == "").to_numpy())
    if empty.size:
        raise DataError(path, "empty id", row=int(empty[0]) + 1, field="id")
    dup = np.flatnonzero(ids.duplicated().to_numpy())
    if dup.size:
        raise DataError(path, f"duplicate id {ids.iloc[dup[0]]!r}", row=int(dup[0]) + 1, field="id")
    lonlat = np.empty((len(frame), 2))
    for k, (column, bound) in enumerate((("lon", 180.0), ("lat", 90.0))):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values) | (np.abs(values) > bound))
        if bad.size:
            raise DataError(
                path, f"not a {column} in degrees: {frame[column].iloc[bad[0]]!r}", row=int(bad[0]) + 1, field=column
            )
        lonlat[:, k] = values
    return ids.tolist(), lonlat


def write_matrix(
    minutes: np.ndarray, origin_ids: list[str], destination_ids: list[str], out: Path, *, layout: str
) -> None:
    """Write a minutes matrix as parquet: long (origin_id, destination_id, minutes) or wide."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if layout == "wide":
        frame = pd.DataFrame(minutes, columns=destination_ids)
        frame.insert(0, "origin_id", origin_ids)
    else:
        frame = pd.DataFrame(
            {
                "origin_id": np.repeat(np.asarray(origin_ids, dtype=object), len(destination_ids)),
                "destination_id": np.tile(np.asarray(destination_ids, dtype=object), len(origin_ids)),
                "minutes": minutes.ravel(),
            }
        )
    frame.to_parquet(out, index=False)


def progress_bar(label: str) -> Progress:
    """A rich progress bar for searches: done/total, elapsed."""
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def report_matrix(
    minutes: np.ndarray, origin_ids: list[str], destination_ids: list[str], out: Path, *, from_cache: bool
) -> None:
    """Print a matrix summary: size, median minutes, unreachable pairs and points reaching nothing."""
    unreachable = int(np.isnan(minutes).sum())
    finite = minutes[np.isfinite(minutes)]
    median = f"{np.median(finite):.1f}" if finite.size else "-"
    source = "from cache" if from_cache else "computed"
    console.print(
        f"{minutes.shape[0]:,} x {minutes.shape[1]:,} matrix ({source}): median {median} min, "
        f"[{'yellow' if unreachable else 'green'}]{unreachable:,} unreachable pairs[/] -> {out}"
    )
    if minutes.size == 0:
        return
    for label, ids, isolated in (
        ("origins", origin_ids, np.isnan(minutes).all(axis=1)),
        ("destinations", destination_ids, np.isnan(minutes).all(axis=0)),
    ):
        if isolated.any():
            names = ", ".join(str(ids[k]) for k in np.flatnonzero(isolated)[:5])
            console.print(
                f"[yellow]{int(isolated.sum()):,} {label} reach nothing[/] (e.g. {names}): far from "
                "every street, off the largest connected street network, or beyond --max-minutes"
            )
