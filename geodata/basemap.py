"""A basemap drawn from the region's own files, for every matplotlib map Handoff writes.

No tiles are fetched: the background is the region's water (its optional ``water`` part: rivers
and lakes, e.g. derived from census tracts by ``geodata.water``), its street graph (major roads
darker) and its municipal lines. The view is fitted to where the data is (:func:`data_extent`), not to the
county, and point labels are moved apart so none hides another or a marker
(:func:`place_labels`).
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
    """(major, minor) street segments with an end inside ``extent`` as (n, 2, 2) lon/lat arrays
    (straight node to node), in the graph's edge order."""
    x0, x1, y0, y1 = extent
    position = {node: i for i, node in enumerate(graph.nodes)}
    xy = np.array([(data["x"], data["y"]) for _, data in graph.nodes(data=True)], dtype=float).reshape(-1, 2)
    ends, is_major = [], []
    for u, v, kind in graph.edges(data="highway"):
        ends.append((position[u], position[v]))
        is_major.append((kind[0] if isinstance(kind, list) else kind) in MAJOR)
    segments = xy[np.array(ends, dtype=np.int64).reshape(-1, 2)]  # (n, 2 ends, lon/lat)
    inside = (segments[..., 0] >= x0) & (segments[..., 0] <= x1) & (segments[..., 1] >= y0) & (segments[..., 1] <= y1)
    keep = inside.any(axis=1)
    major = np.array(is_major, dtype=bool)
    return segments[keep & major], segments[keep & ~major]


def _lines(segments: np.ndarray):
    """One matplotlib path of all ``segments`` ((n, 2, 2) lon/lat): a move and a line each, drawn
    in one pass instead of a path object per segment."""
    from matplotlib.path import Path

    codes = np.tile(np.array([Path.MOVETO, Path.LINETO], dtype=Path.code_type), len(segments))
    return Path(segments.reshape(-1, 2), codes)


WATER_COLOUR = "#a6cbe3"


def draw_basemap(ax, extent, *, segments=None, municipalities=None, boundary=None, water=None) -> None:
    """Water (``water``: polygons, e.g. ``Region.water``) under the streets (``segments`` from
    :func:`street_segments`, major darker), municipal lines and the region's outline, all under
    the data; the view is set to ``extent``."""
    from matplotlib.patches import PathPatch

    labels = ax.get_xlabel(), ax.get_ylabel()  # geopandas labels the axes by the CRS; keep the caller's
    if water is not None and len(water):
        water.plot(ax=ax, color=WATER_COLOUR, edgecolor="none", zorder=-1)
    if segments is not None:
        major, minor = segments
        for lines, colour, width in ((minor, "#d9d9d9", 0.35), (major, "#a6a6a6", 0.9)):
            if len(lines):  # add_artist: the view is set below, so no per-segment data limits
                ax.add_artist(PathPatch(_lines(lines), fill=False, edgecolor=colour, linewidth=width, zorder=0))
    if municipalities is not None and len(municipalities):
        municipalities.boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.6, linestyle="--", zorder=1)
    if boundary is not None and len(boundary):
        boundary.boundary.plot(ax=ax, color="#555555", linewidth=1.0, zorder=1)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1 / np.cos(np.radians((extent[2] + extent[3]) / 2)))


# where a label may go around its point: (dx, dy) directions, tried in this order, then farther out
LABEL_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
LABEL_RINGS = (1.0, 2.0, 3.0, 4.5, 6.0, 8.0, 10.0, 13.0)


def _marker_boxes(ax, markers) -> list:
    """Display boxes of the symbols of scatter ``markers`` (each at its drawn size)."""
    from matplotlib.transforms import Bbox

    boxes = []
    for collection in markers:
        points = ax.transData.transform(np.asarray(collection.get_offsets(), float))
        sizes = np.broadcast_to(collection.get_sizes(), (len(points),))
        half = np.sqrt(sizes) / 2 * ax.figure.dpi / 72  # a scatter size is in points squared
        boxes += [Bbox([[x - r, y - r], [x + r, y + r]]) for (x, y), r in zip(points, half)]
    return boxes


def _text_box(label, renderer):
    """The display box of a label's text (2 px around it), without an annotation's leader line."""
    from matplotlib.text import Text

    if hasattr(label, "update_positions"):  # an annotation: place its text at its offset first
        label.update_positions(renderer)
    return Text.get_window_extent(label, renderer).padded(2.0)


def place_labels(ax, xs, ys, texts, *, markers=(), gap_pt: float = 9.0, **style) -> list:
    """Write ``texts`` beside the points (xs, ys) so that no two labels overlap and none covers a
    marker: each label takes the first free place around its point (right, left, above, below,
    the corners, then farther out, ``gap_pt`` points per step), with a leader line when it is not
    next to its point. ``markers`` are the scatter collections (what ``ax.scatter`` returns) to keep
    clear of, at their drawn size. Call it once the figure's layout is final (after
    ``tight_layout``). Returns the text artists."""
    style = {"fontsize": 8, "weight": "bold", "zorder": 7, **style}
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    taken = _marker_boxes(ax, markers)
    frame = ax.get_window_extent(renderer)
    artists = []
    for x, y, text in zip(xs, ys, texts):
        label = None
        for ring in LABEL_RINGS:
            for dx, dy in LABEL_DIRECTIONS:
                if label is not None:
                    label.remove()
                label = ax.annotate(
                    text,
                    (x, y),
                    xytext=(dx * gap_pt * ring, dy * gap_pt * ring),
                    textcoords="offset points",
                    ha={1: "left", -1: "right", 0: "center"}[dx],
                    va={1: "bottom", -1: "top", 0: "center"}[dy],
                    arrowprops={"arrowstyle": "-", "color": "#444444", "lw": 0.6} if ring > 1 else None,
                    **style,
                )
                box = _text_box(label, renderer)
                inside = frame.containsx(box.x0) and frame.containsx(box.x1) and frame.containsy(box.y0)
                if inside and frame.containsy(box.y1) and not any(box.overlaps(other) for other in taken):
                    break
            else:
                continue
            break
        taken.append(_text_box(label, renderer))
        artists.append(label)
    return artists


def labels_overlap(ax, artists, *, markers=()) -> int:
    """How many pairs of the labels' text boxes overlap on the drawn figure, plus how many
    (label, marker of ``markers``) pairs do (0 means none)."""
    renderer = ax.figure.canvas.get_renderer()
    boxes = [_text_box(a, renderer) for a in artists]
    symbols = _marker_boxes(ax, markers)
    pairs = sum(boxes[i].overlaps(boxes[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes)))
    return pairs + sum(box.overlaps(symbol) for box in boxes for symbol in symbols)
