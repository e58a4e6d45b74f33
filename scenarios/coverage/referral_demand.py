"""Coverage demand from recorded referrals, alone or on top of the arrest records.

A referrals file is the CSV ``handoff referrals export`` writes (columns ``time``: local wall-clock
time of the referral, ``route``, ``municipality``, ``zone``; others are ignored). Each referral is
one hand-off LEAD was asked for, so it counts 1 (no eligibility rate: the officer already chose
to divert and the person consented), spread over the weeks the file spans. The scenario keys:

    referrals: referrals.csv      # relative to the scenario file
    demand_source: both           # arrests (default), referrals, or both (added together)

With ``both``, arrests are the eligible encounters that ended in an arrest and referrals those
that reached LEAD, so their sum is the demand on the front door.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scenarios.coverage.demand import HOURS_PER_WEEK, hour_of_week, observed_weeks
from scenarios.coverage.spec import fail

SOURCES = ("arrests", "referrals", "both")
REQUIRED = ("time", "route", "municipality", "zone")


def demand_source(spec: dict, base_dir: Path) -> tuple[str, Path | None]:
    """The ``demand_source`` key and the ``referrals`` file it needs (ScenarioError naming the key)."""
    source = spec.get("demand_source", "both" if spec.get("referrals") else "arrests")
    if source not in SOURCES:
        raise fail("demand_source", f"expected one of {', '.join(SOURCES)}, got {source!r}")
    if source == "arrests":
        return source, None
    if not isinstance(spec.get("referrals"), str):
        raise fail("referrals", "name the referrals CSV (written by `handoff referrals export`) to read demand from")
    path = (Path(base_dir) / spec["referrals"]).resolve()
    if not path.is_file():
        raise fail("referrals", f"no file {path}; write one with `handoff referrals export --out {path.name}`")
    return source, path


def read_referrals(path: Path) -> pd.DataFrame:
    """The referrals file as a table with a parsed ``time`` (ScenarioError naming a missing column)."""
    table = pd.read_csv(path, dtype={"municipality": str, "zone": str}, keep_default_na=False)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise fail("referrals", f"{path} lacks the column(s) {', '.join(missing)}; expected {', '.join(REQUIRED)}")
    table["time"] = pd.to_datetime(table["time"], errors="coerce")
    if table["time"].isna().any():
        row = int(table["time"].isna().to_numpy().nonzero()[0][0]) + 2
        raise fail("referrals", f"{path} line {row}: time is not a date and time like 2026-03-01 21:30:00")
    return table


def referral_demand(referrals: pd.DataFrame, area: str, members: list[str]) -> pd.DataFrame:
    """Referrals per week by member (rows) and hour of week (columns 0..167); ``area`` is
    ``municipality`` or ``police_zone`` (the file's ``zone`` column)."""
    column = "zone" if area == "police_zone" else "municipality"
    chosen = referrals[referrals[column].isin(members)]
    weeks = observed_weeks(referrals["time"]) if len(referrals) else 1.0
    frame = pd.DataFrame(
        {"area": chosen[column].to_numpy(), "hour": hour_of_week(chosen["time"]), "weight": 1.0 / weeks}
    )
    table = frame.pivot_table(index="area", columns="hour", values="weight", aggfunc="sum", fill_value=0.0)
    table = table.reindex(index=members, columns=range(HOURS_PER_WEEK), fill_value=0.0)
    table.index.name = "area"
    return table
