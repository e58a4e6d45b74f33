"""No page the service serves references another host: console pages of every role, /docs and
/redoc, and every local asset they link is served (the browser tests also refuse any request
that leaves for another host)."""

from __future__ import annotations

import re

from scenarios.leaflet_offline import external_references

ASSET = re.compile(r'(?:src|href)="(/[^"]+\.(?:css|js|png|ico))"')  # style sheets, scripts, images


def _served(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    for asset in ASSET.findall(response.text):
        assert client.get(asset).status_code == 200, f"{path} links {asset}, which is not served"
    return response.text


def test_no_served_page_references_another_host(console, browser_for):
    pages = {
        "anyone": ["/console/sign-in", "/docs", "/redoc"],
        "coord_north": ["/console/participants", "/console/participants/N-1"],
        "provider_h1": ["/console/provider"],
        "planner": ["/console/results"],
    }
    for who, paths in pages.items():
        client = console.client if who == "anyone" else browser_for(who)
        for path in paths:
            html = _served(client, path)
            assert external_references(html) == [], (path, external_references(html))
            assert "http://" not in html and "https://" not in html, path


def test_html_pages_forbid_loading_from_other_hosts_and_json_is_untouched(console, browser_for):
    for path in ("/console/sign-in", "/docs", "/redoc"):
        policy = console.client.get(path).headers["content-security-policy"]
        assert "default-src 'self'" in policy and "img-src 'self' data: blob:;" in policy
    assert "content-security-policy" not in console.client.get("/healthz").headers
