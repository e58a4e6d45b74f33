"""Compare two capacity-gap reports (e.g. this quarter against last) using only published figures.

Both inputs are report dicts as written to JSON, so the comparison never sees a withheld count:
where either side is withheld the change is withheld too.
"""

from __future__ import annotations

HEADLINE_MEASURES = (
    ("capacity", "capacity (slots)"),
    ("free", "free slots"),
    ("waiting", "wait-list entries"),
    ("wait_days", "expected wait (days)"),
)


def _change(previous, current):
    if isinstance(previous, (int, float)) and isinstance(current, (int, float)):
        return current - previous
    return None


def compare_reports(previous: dict, current: dict) -> dict:
    """Headline and per-municipality wait changes between ``previous`` and ``current`` reports."""
    headline = []
    for service, now in current["headline"].items():
        before = previous.get("headline", {}).get(service, {})
        for key, label in HEADLINE_MEASURES:
            headline.append(
                {
                    "service": service,
                    "measure": label,
                    "previous": before.get(key),
                    "current": now.get(key),
                    "change": _change(before.get(key), now.get(key)),
                }
            )
    before_waits = {
        (r["area"], r["service"]): r["wait_days"] for r in previous.get("measures", {}).get("municipality", [])
    }
    areas = []
    for row in current["measures"].get("municipality", []):
        area_key = (row["area"], row["service"])
        change = _change(before_waits.get(area_key), row["wait_days"])
        if change is not None:
            areas.append(
                {
                    "area": row["area"],
                    "service": row["service"],
                    "previous": before_waits[area_key],
                    "current": row["wait_days"],
                    "change": change,
                }
            )
    areas.sort(key=lambda r: -abs(r["change"]))
    summary = []
    for row in headline:
        if row["measure"] == "expected wait (days)" and row["change"] is not None and abs(row["change"]) >= 1:
            direction = "longer" if row["change"] > 0 else "shorter"
            summary.append(
                f"{row['service'].capitalize()}: expected wait {abs(row['change']):,.0f} days {direction} "
                f"than on {previous.get('as_of', 'the previous snapshot')}."
            )
    if not summary:
        summary.append(
            f"No expected wait changed by a day or more since {previous.get('as_of', 'the previous snapshot')}."
        )
    return {"previous_as_of": previous.get("as_of"), "headline": headline, "areas": areas, "summary": summary}
