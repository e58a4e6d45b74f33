"""Maps of siting answers: an interactive folium HTML map (one layer per answer, working offline:
:mod:`scenarios.leaflet_offline`) and a PNG.

Demand points are pooled cells and areas, never individual encounters; cells with fewer than 11
encounters show "<11" instead of their count.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import folium
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import numpy as np  # noqa: E402

from geodata.basemap import data_extent, draw_basemap, place_labels  # noqa: E402
from scenarios.leaflet_offline import add_water, offline_map, save_offline  # noqa: E402
from scenarios.siting.travel import SitingData  # noqa: E402

PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4", "#b2df8a"]
SMALL_CELL = 11
# the map's title: a box over the map's lower left, above the scale, as wide as the screen allows
TITLE_STYLE = (
    "position:fixed;z-index:1000;left:10px;bottom:56px;max-width:calc(100% - 20px);box-sizing:border-box;"
    "background:rgba(255,255,255,0.92);padding:4px 8px;border-radius:4px;box-shadow:0 0 3px #888;"
    "font:bold 14px/1.3 sans-serif"
)
# an open site: a red disc with a white house, plain HTML (no icon font, nothing loaded)
OPEN_SITE_ICON = (
    "<div style='width:24px;height:24px;border-radius:50%;background:#c0392b;border:2px solid #fff;"
    "box-shadow:0 0 2px #000;color:#fff;font:bold 15px/20px sans-serif;text-align:center'>&#8962;</div>"
)


def _count_text(source: str, count: float) -> str:
    if source == "encounters" and count < SMALL_CELL:
        return "<11 encounters"
    return f"{count:,.0f} {'encounters' if source == 'encounters' else 'people'}"


def folium_map(data: SitingData, answers: list[dict], out_html: Path, *, title: str) -> Path:
    """Write an HTML map: candidate sites, and per answer its open sites and who each serves.

    ``answers``: dicts with ``label``, ``open_sites`` (site row indices), ``assignment`` (site row
    index per demand point, -1 unserved) and ``minutes`` (per point, weighted minutes).
    """
    points, sites = data.points, data.sites
    center = [float(points["lat"].mean()), float(points["lon"].mean())]
    fmap = offline_map(center, zoom_start=12, control_scale=True)
    page = fmap.get_root()
    assert isinstance(page, folium.Figure)  # a map's root is the page it is drawn on
    page.html.add_child(folium.Element(f"<div class='map-title' style='{TITLE_STYLE}'>{escape(title)}</div>"))
    add_water(fmap, data.water)
    if data.municipalities is not None:
        folium.GeoJson(
            data.municipalities[["name", "geometry"]].to_json(),
            name="municipalities",
            style_function=lambda _: {"color": "#555", "weight": 1, "fillOpacity": 0.02},
            tooltip=folium.GeoJsonTooltip(fields=["name"]),
        ).add_to(fmap)
    candidates = folium.FeatureGroup(name="candidate sites")
    for row in sites.itertuples():
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x],
            radius=4,
            color="#333",
            fill=True,
            tooltip=f"{row.site_id} {row.name} ({row.municipality}), USD {row.cost:,.0f}/year",
        ).add_to(candidates)
    candidates.add_to(fmap)
    biggest = max(float(points["count"].max()), 1.0)
    for k, answer in enumerate(answers):
        layer = folium.FeatureGroup(name=answer["label"], show=k == len(answers) - 1)
        colour = {site: PALETTE[n % len(PALETTE)] for n, site in enumerate(answer["open_sites"])}
        for row, site, minutes in zip(points.itertuples(), answer["assignment"], answer["minutes"]):
            served_by = sites.iloc[site]["site_id"] if site >= 0 else "nobody"
            folium.CircleMarker(
                [row.lat, row.lon],
                radius=3 + 9 * np.sqrt(row.count / biggest),
                weight=0,
                fill=True,
                fill_opacity=0.6,
                fill_color=colour.get(site, "#000"),
                tooltip=f"{row.label if row.source == 'population' else 'encounter cell'}: "
                f"{_count_text(row.source, row.count)}; served by {served_by}, {minutes:.1f} min",
            ).add_to(layer)
        for site in answer["open_sites"]:
            row = sites.iloc[site]
            folium.Marker(
                [row.geometry.y, row.geometry.x],
                icon=folium.DivIcon(
                    html=OPEN_SITE_ICON, icon_size=(24, 24), icon_anchor=(12, 12), class_name="open-site"
                ),
                tooltip=f"OPEN: {row['site_id']} {row['name']} ({row['municipality']})",
            ).add_to(layer)
        layer.add_to(fmap)
    if data.streets is not None and len(data.streets[0]):
        folium.PolyLine(
            [[(y, x) for x, y in segment] for segment in data.streets[0]],
            color="#777",
            weight=1.5,
            opacity=0.7,
            name="major streets",
        ).add_to(fmap)
    x0, x1, y0, y1 = data_extent(np.r_[points["lon"], sites.geometry.x], np.r_[points["lat"], sites.geometry.y])
    fmap.fit_bounds([[y0, x0], [y1, x1]])
    folium.LayerControl(collapsed=False).add_to(fmap)
    return save_offline(fmap, out_html)


def png_map(data: SitingData, answers: list[dict], out_png: Path, *, title: str) -> Path:
    """Write a PNG with one panel per answer on the region's streets and municipal lines: demand
    coloured by serving site, open sites as stars labelled with id and name (labels kept apart).
    A site has one colour in every panel; the legend's star is drawn uncoloured, as a shape."""
    points, sites = data.points, data.sites
    extent = data_extent(np.r_[points["lon"], sites.geometry.x], np.r_[points["lat"], sites.geometry.y])
    fig, axes = plt.subplots(1, len(answers), figsize=(6.0 * len(answers), 6.0), squeeze=False)
    sizes = 8 + 120 * points["count"].to_numpy() / max(float(points["count"].max()), 1.0)
    labels = []
    ever_open = dict.fromkeys(site for answer in answers for site in answer["open_sites"])
    colour_of = {site: PALETTE[n % len(PALETTE)] for n, site in enumerate(ever_open)}
    open_site = Line2D([], [], marker="*", markersize=13, linestyle="", mfc="white", mec="black", label="open site")
    for ax, answer in zip(axes[0], answers):
        draw_basemap(ax, extent, segments=data.streets, municipalities=data.municipalities, water=data.water)
        colours = [colour_of.get(site, "#000") for site in answer["assignment"]]
        ax.scatter(points["lon"], points["lat"], s=sizes, c=colours, alpha=0.55, linewidths=0, zorder=2)
        candidates = ax.scatter(
            sites.geometry.x, sites.geometry.y, s=18, c="#333", marker="o", label="candidate site", zorder=3
        )
        opened = sites.iloc[answer["open_sites"]]
        stars = ax.scatter(
            opened.geometry.x,
            opened.geometry.y,
            s=260,
            c=[colour_of[s] for s in answer["open_sites"]],
            marker="*",
            edgecolors="black",
            linewidths=0.8,
            zorder=4,
        )
        texts = [f"{row['site_id']} {row['name']}" for _, row in opened.iterrows()]
        labels.append((ax, opened, texts, [stars, candidates]))
        ax.set_title(answer["label"], fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.legend(handles=[candidates, open_site], loc="lower left", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    for ax, opened, texts, markers in labels:  # once the layout is final, so labels keep their places
        place_labels(
            ax,
            opened.geometry.x,
            opened.geometry.y,
            texts,
            markers=markers,
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    fig.savefig(out_png, dpi=110)
    plt.close(fig)
    return out_png
