"""Numbers as the command line prints them in tables."""

from __future__ import annotations


def cell_text(value) -> str:
    """A value as a reader wants it: ``-`` for missing, thousands separators, at most 3 decimals."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return "-"
    if abs(value) >= 1000 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.2f}"
