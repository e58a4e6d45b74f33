"""Browser-test helpers: Debian's Chromium for Playwright, a console served in this process on the
demo region, and pages that record (and refuse) every request to another host."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("HANDOFF_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}
PARTICIPANT = "LEAD-C-1"


def chromium_or_skip() -> str:
    """The Chromium executable, or skip the test saying how to get it."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)) and not shutil.which("chromium"):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set HANDOFF_CHROMIUM)")
    return CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")


@dataclass
class Site:
    """The console under test: its base URL, the app, and a token per user."""

    url: str
    app: object
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, method: str, path: str, who: str = "admin", **kwargs) -> httpx.Response:
        """A JSON API call as ``who`` (for set-up and for checking what a page did)."""
        response = httpx.request(
            method, self.url + path, headers={"Authorization": f"Bearer {self.tokens[who]}"}, timeout=60.0, **kwargs
        )
        assert response.status_code < 400, response.text
        return response


def seed(site: Site) -> None:
    """Two providers without rules next to a participant of cohort Central who needs housing and
    treatment and has a release on file; a provider user for the housing one; Central's front door
    (covered around the clock), its facility and a case manager on site."""
    from api.auth import add_user
    from api.walkthrough import ATTRIBUTES

    housing = next(
        p for p in site.api("GET", "/v1/providers", params={"limit": 1000}).json()["items"] if p["service"] == "housing"
    )
    for pid, service in (("CON-H", "housing"), ("CON-T", "treatment")):
        site.api(
            "POST",
            "/v1/providers",
            json={
                "id": pid,
                "name": f"Riverside {service}",
                "service": service,
                "capacity": 3,
                "lon": housing["lon"],
                "lat": housing["lat"],
                "monthly_turnover": 1.0,
            },
        )
    with site.app.state.sessions() as session:
        _, site.tokens["riverside"] = add_user(session, "riverside", "provider", provider_id="CON-H")
        session.commit()
    site.api(
        "POST",
        "/v1/participants",
        who="coord_central",
        json={
            "id": PARTICIPANT,
            "cohort": "Central",
            "lon": housing["lon"],
            "lat": housing["lat"],
            "needs": [{"service": "housing", "urgency": 4}, {"service": "treatment", "urgency": 3}],
            "attributes": ATTRIBUTES,
        },
    )
    today = date.today()
    site.api(
        "POST",
        f"/v1/participants/{PARTICIPANT}/consents",
        who="coord_central",
        json={"granted_on": today.isoformat(), "expires_on": (today + timedelta(days=365)).isoformat()},
    )
    always = [{"days": "daily", "start": 0, "length": 24}]
    site.api(
        "PUT",
        "/v1/cohorts/Central/front-door",
        json={
            "timezone": "America/New_York",
            "phone": "412-555-0142",
            "hours": always,
            "instructions": "Call the LEAD line first.",
        },
    )
    site.api(
        "POST",
        "/v1/facilities",
        json={
            "id": "F-C",
            "name": "Central LEAD office",
            "cohort": "Central",
            "lon": housing["lon"],
            "lat": housing["lat"],
        },
    )
    site.api(
        "POST",
        "/v1/case-managers",
        json={"id": "CM-C", "name": "Case manager Dana", "cohort": "Central", "facility_id": "F-C", "shifts": always},
    )


def sign_in(page, site: Site, who: str) -> None:
    """Sign in through the form as ``who``."""
    page.goto(site.url + "/console/sign-in")
    page.get_by_label("Your access token").fill(site.tokens[who])
    page.get_by_role("button", name="Sign in").click()


def keep_offline(page) -> list[str]:
    """Refuse every request ``page`` makes to another host; returns the list they are recorded in."""
    blocked: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)
    return blocked


def screenshot(page, name: str, folder: Path) -> Path:
    """A full-page PNG of ``page`` as ``folder/name.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
