"""The front door in the PCG's report: referrals and diversions, hours missed, intake time, caseloads.

From one row per referral (``route``, ``municipality``, ``zone``, ``race``, ``outside_hours``:
LEAD was not available when it came, ``intake_days``: days from referral to intake, NaN while
pending) the section publishes referrals by route against municipality, police zone and race,
and covered / outside hours by route, all in one :class:`~scenarios.reports.privacy.Publication`
(counts under 11 withheld, with the cells that would give them away across every table). Time to
intake is published as a median and 90th percentile only over at least ``threshold`` intakes.
Caseloads are counted per case manager against the LEAD standard (12-15, never over 25); they
count staff, not people, so no cell is withheld.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scenarios.reports.privacy import TOTAL, Publication

ROUTES = ("arrest-diversion", "social-contact", "community")
HOURS = ("covered", "outside")
DIMENSIONS = ("municipality", "zone", "race")
BANDS = (("under 12", 0, 11), ("12-15 (standard)", 12, 15), ("16-25", 16, 25), ("over 25", 26, 10**9))


MICRO_KEYS = ("route", "hours", *DIMENSIONS, "intake")


def _count(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


def _rows(publication: Publication, table: str, label: str, columns: list[str]) -> list[dict]:
    frame = publication.table(table)
    return [{label: str(row), **{c: _count(frame.loc[row, c]) for c in [*columns, TOTAL]}} for row in frame.index]


def _intake_days(referrals: pd.DataFrame, intakes: int | None, threshold: int) -> dict:
    days = referrals["intake_days"].dropna().to_numpy(dtype=float)
    if len(days) < threshold:
        return {
            "intakes": intakes,
            "median_days": None,
            "p90_days": None,
            "note": f"fewer than {threshold} intakes: withheld",
        }
    return {
        "intakes": intakes,
        "median_days": round(float(np.median(days)), 1),
        "p90_days": round(float(np.percentile(days, 90)), 1),
        "note": "",
    }


def referral_microcells(referrals: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Referrals counted (column ``count``) per combination of :data:`MICRO_KEYS` and the ``extra``
    columns: the microcells of the section's tables (``intake``: intake done; blank places
    ``not recorded``)."""
    frame = referrals.assign(
        hours=np.where(referrals["outside_hours"].astype(bool), "outside", "covered"),
        intake=referrals["intake_days"].notna(),
    )
    for dim in DIMENSIONS:
        frame[dim] = frame[dim].fillna("").astype(str).replace("", "not recorded")
    return frame.groupby([*MICRO_KEYS, *extra]).size().rename("count").reset_index()


def add_referral_tables(publication: Publication, micro: pd.DataFrame, *, offset: int = 0, prefix: str = "") -> None:
    """Register the section's tables in ``publication`` (names starting ``prefix``): referrals by
    route against each of :data:`DIMENSIONS`, by route and hours, and the intakes done; ``micro``
    (from :func:`referral_microcells`) are its microcells ``offset`` onwards."""
    routes = [r for r in ROUTES if r in set(micro["route"])]
    for dim in DIMENSIONS:
        publication.add_table(
            f"{prefix}referrals:{dim}",
            micro[dim],
            micro["route"],
            row_order=sorted(set(micro[dim])),
            column_order=routes,
            offset=offset,
        )
    publication.add_table(
        f"{prefix}hours:route", micro["route"], micro["hours"], row_order=routes, column_order=HOURS, offset=offset
    )
    publication.add_cell(f"{prefix}intake", TOTAL, "intakes", offset + np.flatnonzero(micro["intake"].to_numpy()))


def caseload_bands(caseloads: pd.DataFrame | None) -> dict | None:
    """Case managers per caseload band (columns ``caseload``, ``limit``); None without data."""
    if caseloads is None:
        return None
    loads = caseloads["caseload"].to_numpy(dtype=int)
    bands = [
        {"band": name, "case_managers": int(((loads >= low) & (loads <= high)).sum())} for name, low, high in BANDS
    ]
    over_limit = int((loads > caseloads["limit"].to_numpy(dtype=int)).sum()) if len(loads) else 0
    return {
        "bands": bands,
        "case_managers": int(len(loads)),
        "over_own_limit": over_limit,
        "mean_caseload": round(float(loads.mean()), 1) if len(loads) else None,
        "max_caseload": int(loads.max()) if len(loads) else None,
    }


def referral_section(referrals: pd.DataFrame | None, caseloads: pd.DataFrame | None, threshold: int) -> dict | None:
    """The report's front-door section (see the module docstring); None without referral data."""
    if referrals is None:
        return None
    micro = referral_microcells(referrals)
    publication = Publication(micro["count"].to_numpy(dtype=float), threshold=threshold)
    add_referral_tables(publication, micro)
    publication.protect()
    return published_section(publication, referrals, caseloads)


def published_section(
    publication: Publication, referrals: pd.DataFrame, caseloads: pd.DataFrame | None, *, prefix: str = ""
) -> dict:
    """The front-door section from the protected ``publication`` holding :func:`add_referral_tables`'
    tables (names starting ``prefix``); ``referrals`` give the intake days."""
    threshold = publication.threshold
    routes = [r for r in ROUTES if r in set(referrals["route"])]
    hours = _rows(publication, f"{prefix}hours:route", "route", list(HOURS)) if routes else []
    total = next((r for r in hours if r["route"] == TOTAL), None)
    share = (
        round(total["outside"] / total[TOTAL], 3) if total and total["outside"] is not None and total[TOTAL] else None
    )
    tables = {f"{prefix}referrals:{dim}" for dim in DIMENSIONS} | {f"{prefix}hours:route", f"{prefix}intake"}
    intakes = publication.table(f"{prefix}intake").loc[TOTAL, "intakes"]
    return {
        "threshold": threshold,
        "routes": routes,
        "by": {
            dim: _rows(publication, f"{prefix}referrals:{dim}", dim, routes) if routes else [] for dim in DIMENSIONS
        },
        "hours": hours,
        "outside_share": share,
        "intake": _intake_days(referrals, _count(intakes), threshold),
        "caseloads": caseload_bands(caseloads),
        "withheld": sum(c.suppressed for c in publication.cells if c.table in tables),
        "note": "Referrals to LEAD by route (arrest diversions, social contacts, community referrals); "
        "'outside' counts referrals that came when the cohort's hours had no one to take them: "
        f"demand the covered hours miss. Counts under {threshold} are withheld, with the counts "
        "that would give them away.",
    }
