"""A basemap drawn from the region's own files, for every matplotlib map Handoff writes.

No tiles are fetched: the background is the region's street graph (major roads darker), its
municipal lines, and water where the street file carries it (bridges of an OSM file mark the
river crossings). The view is fitted to where the data is (:func:`data_extent`), not to the
county, and point labels are moved apart so none hides another or a marker
(:func:`place_labels`, adjustText).
"""

from __future__ import annotations

import numpy as np

MAJOR = {"motorway", "trunk", "primary", "secondary", "motorway_link", "trunk_link", "primary_link"}


def data_extent(lon, lat, *, pad: float = 0.08, trim: float = 0.002) -> tuple[float, float, float, float]:
    """(min_lon, max_lon, min_lat, max_lat) around the points, ignoring the outer ``trim`` share on
    each side (strays), padded by ``pad`` of the span; never narrower than about 1 km."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    keep = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[keep], lat[keep]
    if not lon.size:
        raise ValueError("no located points to fit a map to")
    x0, x1 = np.quantile(lon, [trim, 1 - trim]) if lon.size > 50 else (lon.min(), lon.max())
    y0, y1 = np.quantile(lat, [trim, 1 - trim]) if lat.size > 50 else (lat.min(), lat.max())
    dx, dy = max(x1 - x0, 0.012), max(y1 - y0, 0.009)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - dx * (0.5 + pad), cx + dx * (0.5 + pad), cy - dy * (0.5 + pad), cy + dy * (0.5 + pad)


def street_segments(graph, extent) -> tuple[np.ndarray, np.ndarray]:
    """(major, minor) street segments inside ``extent`` as (n, 2, 2) lon/lat arrays (straight node to node)."""
    x0, x1, y0, y1 = extent
    major: list[tuple] = []
    minor: list[tuple] = []
    nodes = graph.nodes
    for u, v, data in graph.edges(data=True):
        a, b = nodes[u], nodes[v]
        if not (x0 <= a["x"] <= x1 and y0 <= a["y"] <= y1) and not (x0 <= b["x"] <= x1 and y0 <= b["y"] <= y1):
            continue
        kind = data.get("highway")
        kind = kind[0] if isinstance(kind, list) else kind
        (major if kind in MAJOR else minor).append(((a["x"], a["y"]), (b["x"], b["y"])))
    return np.array(major).reshape(-1, 2, 2), np.array(minor).reshape(-1, 2, 2)


def draw_basemap(ax, extent, *, segments=None, municipalities=None, boundary=None) -> None:
    """Streets (``segments`` from :func:`street_segments`, major darker), municipal lines and the
    region's outline under the data; the view is set to ``extent``."""
    from matplotlib.collections import LineCollection

    if segments is not None:
        major, minor = segments
        ax.add_collection(LineCollection(minor, colors="#d9d9d9", linewidths=0.35, zorder=0))
        ax.add_collection(LineCollection(major, colors="#a6a6a6", linewidths=0.9, zorder=0))
    if municipalities is not None and len(municipalities):
        municipalities.boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.6, linestyle="--", zorder=1)
    if boundary is not None and len(boundary):
        boundary.boundary.plot(ax=ax, color="#555555", linewidth=1.0, zorder=1)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1 / np.cos(np.radians((extent[2] + extent[3]) / 2)))


def place_labels(ax, xs, ys, texts, *, avoid=None, **style) -> list:
    """Write ``texts`` at (xs, ys), moved apart so that no two overlap and none covers a marker.

    ``avoid`` is (x, y) arrays of other markers to keep clear of. Returns the text artists.
    """
    from adjustText import adjust_text

    style = {"fontsize": 8, "weight": "bold", "zorder": 7, **style}
    artists = [ax.text(x, y, text, **style) for x, y, text in zip(xs, ys, texts)]
    if len(artists) > 0:
        target_x = (
            np.concatenate([np.asarray(xs, float), np.asarray(avoid[0], float)]) if avoid else np.asarray(xs, float)
        )
        target_y = (
            np.concatenate([np.asarray(ys, float), np.asarray(avoid[1], float)]) if avoid else np.asarray(ys, float)
        )
        adjust_text(
            artists,
            x=target_x,
            y=target_y,
            ax=ax,
            expand=(1.3, 1.5),
            arrowprops={"arrowstyle": "-", "color": "#444444", "lw": 0.6},
        )
    return artists


def labels_overlap(ax, artists) -> int:
    """How many pairs of the text artists' boxes overlap on the drawn figure (0 means none)."""
    renderer = ax.figure.canvas.get_renderer()
    boxes = [a.get_window_extent(renderer) for a in artists]
    return sum(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes)))
