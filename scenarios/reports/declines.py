"""Why participants said no: declined placements counted by service and reason, small cells withheld.

One row per decline (``service``, ``category``) comes from the placement service's database; the
section publishes the service x reason table with its margins through the same
:class:`~scenarios.reports.privacy.Publication` suppression as every other count (cells under 11
withheld, and the cells that would give them away). No person-level data is published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scenarios.reports.privacy import TOTAL, Publication

REASONS = ("too-far", "not-suitable", "not-safe", "eligibility", "timing", "chose-other", "other")
TABLE = "declines"


def decline_section(declines: pd.DataFrame | None, threshold: int) -> dict | None:
    """The report's decline section from one row per decline (columns ``service``, ``category``):
    counts by service and reason with totals, withheld (None) where suppression says so; None
    when there is no decline data (a report from the region's files)."""
    if declines is None:
        return None
    services = sorted(declines["service"].unique()) if len(declines) else []
    reasons = [r for r in REASONS if r in set(declines["category"])] + sorted(set(declines["category"]) - set(REASONS))
    cells = [(s, r) for s in services for r in reasons]
    counts = declines.groupby(["service", "category"]).size()
    micro = np.array([float(counts.get((s, r), 0)) for s, r in cells])
    publication = Publication(micro, threshold=threshold)
    publication.add_table(TABLE, [s for s, _ in cells], [r for _, r in cells], row_order=services, column_order=reasons)
    publication.protect()
    rows = []
    if cells:
        table = publication.table(TABLE)
        for service in [*services, TOTAL]:
            rows.append({"service": service, **{r: _count(table.loc[service, r]) for r in [*reasons, TOTAL]}})
    return {
        "threshold": threshold,
        "reasons": reasons,
        "rows": rows,
        "withheld": sum(c.suppressed for c in publication.cells),
        "note": "Declined placements by service and the participant's reason; counts under "
        f"{threshold} are withheld, with the counts that would give them away.",
    }


def _count(value: float) -> int | None:
    return None if np.isnan(value) else int(value)
