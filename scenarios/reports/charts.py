"""The report's map and charts as matplotlib figures, inlined as PNG data URIs (no internet needed)."""

from __future__ import annotations

import base64
import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter  # noqa: E402

from geodata.basemap import data_extent, draw_basemap, street_segments  # noqa: E402

SERVICE_COLOURS = {"housing": "#1b9e77", "treatment": "#d95f02", "clinic": "#7570b3"}
DPI = 110


def to_data_uri(fig) -> str:
    """Render a matplotlib figure to a ``data:image/png;base64,...`` URI and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def gap_map(municipalities, providers, wait_by_area: dict[str, float], *, title: str, streets=None, water=None):
    """Municipalities shaded by expected wait (days, pooled over services) with providers as dots.

    ``municipalities`` is a GeoDataFrame with ``name``; ``providers`` has ``lon``, ``lat``,
    ``service``, ``capacity``; ``streets`` the region's street graph and ``water`` its water
    polygons for the basemap (optional; both are drawn over the shading, under the providers).
    Areas with withheld or no figures are hatched grey; the view is fitted to the providers.
    """
    fig, ax = plt.subplots(figsize=(7.0, 6.0))
    if municipalities is not None and len(municipalities):
        shaded = municipalities.assign(wait=[wait_by_area.get(str(n), np.nan) for n in municipalities["name"]])
        finite = shaded["wait"].replace([np.inf], np.nan)
        vmax = max(float(np.nanmax(finite)) if finite.notna().any() else 1.0, 1.0)
        shaded.assign(wait=finite).plot(
            ax=ax,
            column="wait",
            cmap="OrRd",
            vmin=0,
            vmax=vmax,
            edgecolor="#555555",
            linewidth=0.5,
            zorder=-2,
            legend=True,
            legend_kwds={"label": "expected wait for housing (days)", "shrink": 0.6},
            missing_kwds={"color": "#eeeeee", "hatch": "//", "edgecolor": "#999999", "label": "withheld or no list"},
        )
    for service, colour in SERVICE_COLOURS.items():
        rows = providers[providers["service"] == service]
        if len(rows):
            ax.scatter(
                rows["lon"],
                rows["lat"],
                s=12 + 2.5 * np.sqrt(rows["capacity"].clip(lower=0)),
                c=colour,
                edgecolors="white",
                linewidths=0.6,
                label=f"{service} ({len(rows)})",
                zorder=3,
            )
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    if len(providers):
        extent = data_extent(providers["lon"], providers["lat"], pad=0.06)
        segments = street_segments(streets, extent) if streets is not None else None
        draw_basemap(ax, extent, segments=segments, water=water)
    else:
        ax.set_aspect(1 / math.cos(math.radians(40.4)))
    ax.legend(loc="lower left", fontsize=8, title="providers", title_fontsize=8, framealpha=0.9)
    return fig


def capacity_chart(headline: dict[str, dict]):
    """Bars per service: capacity, free slots and wait-list entries (withheld counts left out)."""
    services = list(headline)
    fig, ax = plt.subplots(figsize=(7.0, 3.4))
    width = 0.26
    x = np.arange(len(services))
    series = (
        ("capacity", "capacity (slots)", "#bbbbbb"),
        ("free", "free slots now", "#4daf4a"),
        ("waiting", "wait-list entries", "#e41a1c"),
    )
    for i, (key, label, colour) in enumerate(series):
        values = [headline[s].get(key) for s in services]
        ax.bar(x + (i - 1) * width, [v if v is not None else 0 for v in values], width, label=label, color=colour)
        for xi, v in zip(x, values):
            ax.annotate(
                "withheld" if v is None else f"{v:,.0f}",
                (xi + (i - 1) * width, v or 0),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    ax.set_xticks(x, services)
    ax.set_ylabel("slots / people")
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _ranked_bars(labels: list[str], values: list[float], services: list[str], *, xlabel: str, empty: str):
    """Horizontal bars, one per label, coloured by service; a note instead when there are none."""
    fig, ax = plt.subplots(figsize=(7.0, 0.35 * max(len(labels), 3) + 1.0))
    if labels:
        ax.barh(labels, values, color=[SERVICE_COLOURS.get(s, "#888888") for s in services])
    else:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def wait_chart(rows: list[dict], *, top: int = 12):
    """Horizontal bars: expected wait (days) for the longest-waiting (area, service) pairs."""
    usable = sorted((r for r in rows if isinstance(r.get("wait_days"), (int, float))), key=lambda r: -r["wait_days"])
    usable = usable[:top][::-1]
    return _ranked_bars(
        [f"{r['area']} - {r['service']}" for r in usable],
        [r["wait_days"] for r in usable],
        [r["service"] for r in usable],
        empty="no published waits",
        xlabel="expected wait for someone joining the list today (days)",
    )


def marginal_chart(rows: list[dict], *, top: int = 10):
    """Horizontal bars: needs met per $100k of added seats, best first."""
    usable = [r for r in rows if r.get("value_per_100k") is not None][:top][::-1]
    return _ranked_bars(
        [f"{r['name']} ({r['service']})" for r in usable],
        [r["value_per_100k"] for r in usable],
        [r["service"] for r in usable],
        empty="no seat adds a placement now",
        xlabel="more needs met per $100,000 a year of added seats",
    )


RATIO_TICKS = (0.05, 0.1, 0.2, 0.25, 0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 4, 5, 10, 20)


def ratio_ticks(low: float, high: float, *, most: int = 8) -> list[float]:
    """Labelled ratios for a log axis from ``low`` to ``high``: every :data:`RATIO_TICKS` value in
    the range (always 1), thinned to at most ``most`` by keeping every other one around 1."""
    ticks = [t for t in RATIO_TICKS if low <= t <= high] or [1]
    while len(ticks) > most:
        one = ticks.index(1) if 1 in ticks else 0
        ticks = [t for k, t in enumerate(ticks) if (k - one) % 2 == 0]
    return ticks


def ratio_chart(rows: list[dict], *, title: str):
    """Forest plot of risk ratios with 95 % confidence intervals against the reference group (log scale)."""
    usable = [r for r in rows if r.get("ratio") is not None]
    fig, ax = plt.subplots(figsize=(7.0, 0.38 * max(len(usable), 2) + 1.1))
    for i, r in enumerate(usable):
        ax.plot([r["ratio_low"], r["ratio_high"]], [i, i], color="#444444", linewidth=1.5)
        ax.plot([r["ratio"]], [i], "o", color="#d95f02" if not r["reference"] else "#888888")
    ax.axvline(1.0, color="#999999", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(usable)), [r["group"] + (" (reference)" if r["reference"] else "") for r in usable])
    if usable:
        ax.set_xscale("log")
        low = min(r["ratio_low"] for r in usable) / 1.15
        high = max(r["ratio_high"] for r in usable) * 1.15
        ax.set_xlim(low, high)
        ax.xaxis.set_major_locator(FixedLocator(ratio_ticks(low, high)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("ratio to the reference group (95 % CI)")
    ax.spines[["top", "right"]].set_visible(False)
    return fig
