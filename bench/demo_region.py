"""Benchmark: build the demo region (small and county scale) and load it back through the real loaders.

Prints build seconds, what the generator reports, a digest of the files (rerun with the same
seed: it must not change), the seconds each real loader takes and whether it reads the counts
the generator reported. Baselines measured in the same run: loading the region back (build
time as a ratio of load time), and writing ``stop_times.txt`` row by row with Python's ``csv``
module (the generator's Arrow writer as a speed-up over it). When ../shared/data is present,
the real PRT feed's sizes are printed beside the county's.

    nice -n 10 .venv/bin/python bench/demo_region.py [--scale small|county|both] [--seed 7] [--no-load]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pyarrow.csv as pa_csv

from geodata.demo import write_demo_region
from geodata.demo.gtfs_writer import _arrow_csv
from geodata.region import load_region

REPO = Path(__file__).resolve().parent.parent
PRT = Path(os.environ.get("HANDOFF_SHARED_DATA", REPO.parent / "shared" / "data")) / "gtfs_prt_2023_partial"


def digest(folder: Path) -> str:
    """SHA-256 over every file's name and bytes, in name order (first 16 hex digits)."""
    h = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def load_back(folder: Path, counts: dict) -> float:
    """Load every part through the real loaders; print seconds and count checks; total seconds."""
    region = load_region(folder)
    checks = {
        "municipalities": lambda v: len(v) == counts["municipalities"],
        "police_zones": lambda v: len(v) == counts["police_zones"],
        "population": lambda v: int(v["population"].sum()) == counts["population"],
        "encounters": lambda v: len(v) == counts["encounters"],
        "providers": lambda v: v["service"].value_counts().to_dict() == counts["providers"],
        "wait_lists": lambda v: len(v) == counts["wait_list_entries"],
        "sites": lambda v: len(v) == counts["sites"],
        "streets": lambda g: (len(g), len(g.edges)) == (counts["street_nodes"], counts["street_edges"]),
        "transit": lambda f: (
            (len(f[0].stops), len(f[0].trips), len(f[0].stop_times))
            == (counts["stops"], counts["trips"], counts["stop_times"])
        ),
    }
    total = 0.0
    for part, check in checks.items():
        t = time.perf_counter()
        value = getattr(region, part)
        dt = time.perf_counter() - t
        total += dt
        print(f"    load {part:<15} {dt:7.2f} s   counts {'match' if check(value) else 'MISMATCH'}")
    return total


def stop_times_writers(folder: Path) -> tuple[float, float]:
    """Seconds to write the feed's stop_times table: Arrow writer vs Python rows through ``csv.writer``."""
    with zipfile.ZipFile(folder / "gtfs.zip") as z:
        table = pa_csv.read_csv(
            z.open("stop_times.txt"), convert_options=pa_csv.ConvertOptions(strings_can_be_null=False)
        )
    t = time.perf_counter()
    _arrow_csv(table)
    fast = time.perf_counter() - t
    t = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in zip(*(table.column(c).to_pylist() for c in table.column_names)):
        writer.writerow(row)
    out.getvalue().encode("utf-8")
    slow = time.perf_counter() - t
    return fast, slow


def run(scale: str, seed: int, load: bool) -> None:
    with tempfile.TemporaryDirectory(prefix=f"handoff-demo-{scale}-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        counts = write_demo_region(folder, scale=scale, seed=seed)
        build = time.perf_counter() - t
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(f"\n== {scale} (seed {seed}): built in {build:.2f} s, {size:.1f} MB, digest {digest(folder)}")
        for key, value in counts.items():
            print(f"    {key:<20} {value:,}" if isinstance(value, int) else f"    {key:<20} {value}")
        if load:
            total = load_back(folder, counts)
            print(f"    build / load-back time: {build / total:.2f}")
        fast, slow = stop_times_writers(folder)
        print(
            f"    stop_times.txt ({counts['stop_times']:,} rows): Arrow writer {fast:.2f} s, "
            f"csv.writer per row {slow:.2f} s, speed-up x{slow / fast:.1f}"
        )
        if scale == "county" and PRT.is_dir():
            import pandas as pd

            real = {n: len(pd.read_csv(PRT / f"{n}.txt", dtype=str)) for n in ("stops", "routes", "trips")}
            print(f"    real PRT feed (Oct 2023, all service days): {real}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "county", "both"], default="both")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-load", action="store_true", help="skip loading back through the real loaders")
    args = parser.parse_args(argv)
    for scale in ["small", "county"] if args.scale == "both" else [args.scale]:
        run(scale, args.seed, not args.no_load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
