"""Folium maps that work without internet: Leaflet from the installed XStatic-Leaflet package,
inlined as ``data:`` URIs, and nothing else loaded from another host.

Folium links Leaflet, jQuery, Bootstrap and Leaflet.awesome-markers from CDNs by default. A map
made offline keeps Leaflet only (inlined with its images), so it opens from a file or from the
console on a machine with no network. ``folium.Icon`` (awesome markers) needs the CDN scripts and
is refused; use ``folium.DivIcon``, ``folium.CircleMarker`` or the default ``folium.Marker``. Map
tiles come from a tile server, so maps are made with ``tiles=None`` and draw their own basemap.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

import folium
from xstatic.pkg import leaflet

from geodata.basemap import WATER_COLOUR

LEAFLET = Path(leaflet.BASE_DIR)
REFERENCE = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["']|"""
    r"""\b(?:tileLayer|fetch|import)\(\s*["'])((?:https?:)?//[^"')\s>]+)""",
    re.IGNORECASE,
)


def data_uri(content: bytes, media_type: str) -> str:
    """``content`` as a base64 ``data:`` URI of ``media_type``."""
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def _image(name: str) -> str:
    return data_uri((LEAFLET / "images" / name).read_bytes(), "image/png")


@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(scripts, style sheets) as folium ``default_js``/``default_css`` pairs of ``data:`` URIs:
    Leaflet, the default marker's images (and an attribution prefix without a link), and Leaflet's
    CSS with its images inlined."""
    css = (LEAFLET / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"url\(images/([\w.-]+\.png)\)", lambda m: f"url({_image(m.group(1))})", css)
    icon, retina, shadow = (_image(name) for name in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"))
    marker = (
        f"L.Icon.Default.mergeOptions({{imagePath: '', iconUrl: '{icon}', iconRetinaUrl: '{retina}', "
        f"shadowUrl: '{shadow}'}});"
        "L.Control.Attribution.mergeOptions({prefix: 'Leaflet'});"
    )  # the name, without a link to its site
    scripts = [
        ("leaflet", data_uri((LEAFLET / "leaflet.js").read_bytes(), "text/javascript")),
        ("leaflet_default_icon", data_uri(marker.encode("utf-8"), "text/javascript")),
    ]
    return scripts, [("leaflet_css", data_uri(css.encode("utf-8"), "text/css"))]


def external_references(html: str) -> list[str]:
    """Every address on another host that ``html`` would load or link to (src/href/action
    attributes, CSS ``url()`` and ``@import``, tile layers and ``fetch``); empty when offline."""
    return sorted(set(REFERENCE.findall(html)))


def offline_map(location: list[float], zoom_start: int = 12, **options) -> folium.Map:
    """A ``folium.Map`` without tiles whose scripts and styles are inlined from installed packages."""
    fmap = folium.Map(location=location, zoom_start=zoom_start, tiles=None, **options)
    fmap.default_js, fmap.default_css = leaflet_assets()
    return fmap


def add_water(fmap: folium.Map, water) -> None:
    """Draw ``water`` (a GeoDataFrame of river and lake polygons, e.g. ``Region.water``; ``None``
    or empty: nothing) on ``fmap`` as its own layer, the region's own basemap in place of tiles."""
    if water is None or not len(water):
        return
    style = {"color": WATER_COLOUR, "weight": 0, "fillColor": WATER_COLOUR, "fillOpacity": 0.8}
    folium.GeoJson(water[["geometry"]].to_json(), name="water", style_function=lambda _: style).add_to(fmap)


def save_offline(fmap: folium.Map, path: str | Path) -> Path:
    """Write ``fmap`` (made by :func:`offline_map`) to ``path`` and return it; ``ValueError`` naming
    the addresses when anything in it (an awesome-markers icon, a plugin, a tile layer) would load
    from another host."""
    html = fmap.get_root().render()
    found = external_references(html)
    if found or "L.AwesomeMarkers" in html:
        raise ValueError(
            f"the map would load from another host ({', '.join(found) or 'awesome markers'}); "
            "use folium.DivIcon or CircleMarker and no tile layer"
        )
    path = Path(path)
    path.write_text(html, encoding="utf-8")
    return path
