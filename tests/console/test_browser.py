"""The console in a real browser (Playwright driving Debian's Chromium, 375 px wide): each role's
task end to end, asserting on what the page shows; no request may leave for another host.
A failing test leaves a screenshot under test-results/ (pytest-playwright, --screenshot)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.console.browser import PARTICIPANT, Site, chromium_or_skip, keep_offline, screenshot, seed, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(current_region_dir, tmp_path_factory):
    """The console on a fresh SQLite file with the demo region's providers, users of every role, the
    demo's siting scenario in its results folder, served on a free port in this process."""
    chromium_or_skip()
    from rich.console import Console

    from api.app import create_app
    from api.ready import serving_in_thread
    from api.settings import Settings
    from api.services.seed import load_region_into_db
    from scenarios.siting.scenario import demo_spec, run
    from tests.api.helpers import make_users
    from tests.api.server import free_port

    folder = tmp_path_factory.mktemp("console")
    run(
        demo_spec(current_region_dir),
        base_dir=folder,
        out_dir=folder / "results" / "siting",
        console=Console(quiet=True),
    )
    app = create_app(
        f"sqlite:///{folder / 'handoff.db'}", current_region_dir, settings=Settings(results_dir=str(folder / "results"))
    )
    with serving_in_thread(app, free_port()) as url:
        with app.state.sessions() as session:
            load_region_into_db(session, current_region_dir)
            session.commit()
        console = Site(url, app, make_users(app.state.sessions))
        seed(console)
        yield console


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where the tests' screenshots go: ``HANDOFF_SCREENSHOTS`` (docs/console to refresh the docs)."""
    return Path(os.environ.get("HANDOFF_SCREENSHOTS", tmp_path))


def test_coordinator_requests_confirms_one_and_declines_another(page, site, shots):
    blocked = keep_offline(page)
    sign_in(page, site, "coord_central")
    expect(page.get_by_role("heading", name="Participants of Central")).to_be_visible()
    screenshot(page, "coordinator-participants", shots)
    page.get_by_role("link", name=re.compile(PARTICIPANT)).click()
    page.get_by_role("button", name="Request placements").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Placements requested"))
    expect(page.locator(".status.held")).to_have_count(2)
    screenshot(page, "coordinator-answer", shots)
    page.get_by_role("button", name="Confirm housing").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Placement confirmed"))
    page.locator("summary", has_text="Decline treatment").click()  # opens the <details>
    page.get_by_label("Reason").select_option("Too far to travel")
    page.get_by_role("button", name="Decline treatment").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Placement declined"))
    expect(page.locator("section.card", has_text="Housing at").locator(".status")).to_have_text("confirmed")
    declined = page.locator("section.card", has_text="Treatment at")
    expect(declined.locator(".status")).to_have_text("declined")
    expect(declined).to_contain_text("Too far to travel")
    statuses = {
        p["service"]: (p["status"], p["reason"])
        for p in site.api("GET", "/v1/placements", who="coord_central", params={"participant_id": PARTICIPANT}).json()
    }
    assert statuses == {"housing": ("confirmed", ""), "treatment": ("declined", "Too far to travel")}
    assert blocked == []


def test_provider_changes_capacity_and_uploads_a_wait_list(page, site, shots, tmp_path):
    blocked = keep_offline(page)
    sign_in(page, site, "riverside")
    expect(page.get_by_role("heading", name="Riverside housing")).to_be_visible()
    page.get_by_label("Capacity", exact=True).fill("6")
    page.get_by_label("Occupied", exact=True).fill("2")
    page.get_by_role("button", name="Save capacity").click()
    expect(page.get_by_role("status")).to_have_text("Capacity saved.")
    taken = site.api("GET", "/v1/providers/CON-H").json()
    expect(page.locator("#free-seats")).to_have_text(str(6 - 2 - taken["held"] - taken["confirmed"]))
    sheet = tmp_path / "wait-list.csv"
    sheet.write_text("person_id,lead,added\nW-101,no,2026-01-05\nW-102,yes,2026-01-09\n", encoding="utf-8")
    page.get_by_label("CSV or Excel file, ahead first").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and replace").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Wait list replaced"))
    expect(page.locator("ol.waitlist > li strong")).to_have_text(["W-101", "W-102"])
    page.get_by_role("button", name="Move W-102 up").click()
    expect(page.locator("ol.waitlist > li strong")).to_have_text(["W-102", "W-101"])
    screenshot(page, "provider", shots)
    entries = site.api("GET", f"/v1/wait-lists/{taken['list_id']}").json()["entries"]
    assert [e["person_id"] for e in entries] == ["W-102", "W-101"] and site.api("GET", "/v1/providers/CON-H").json()[
        "capacity"
    ] == 6
    assert blocked == []


def test_planner_opens_a_siting_map_and_sees_its_markers(page, site, shots):
    blocked = keep_offline(page)
    sign_in(page, site, "planner")
    expect(page.get_by_role("heading", name="siting")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("siting map"))).to_be_visible()
    screenshot(page, "planner-results", shots)
    page.get_by_role("link", name="Open the map siting_map.html").click()
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.locator(".open-site")).to_have_count(3)  # the p = 3 answer's open sites, shown first
    title = page.locator(".map-title").bounding_box()
    assert title["width"] > 250 and title["height"] < 80, f"the map's title wraps word by word: {title}"
    assert page.locator("path.leaflet-interactive").count() > 20  # demand cells and candidate sites
    page.get_by_label("p-median, 1 site").check()
    expect(page.locator(".open-site")).to_have_count(4)
    screenshot(page, "planner-siting-map", shots)
    assert blocked == []


def test_pcg_opens_the_report_and_compares_with_a_snapshot(page, site, shots):
    blocked = keep_offline(page)
    page.set_default_timeout(240_000)  # the first report reads the region and its transit reach (~15 CPU s)
    sign_in(page, site, "pcg")
    expect(page.get_by_role("heading", name="Capacity-gap report")).to_be_visible()
    expect(page.locator("table").first.locator("tbody th")).to_have_text(["housing", "treatment", "clinic"])
    expect(page.get_by_text("No earlier snapshot to compare with yet.")).to_be_visible()
    page.get_by_role("button", name="Save this report as a snapshot").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Snapshot saved"))
    expect(page.get_by_role("heading", name="Compared with the previous snapshot")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Previous: report-.*\.json"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("expected housing wait"))).to_be_visible()
    screenshot(page, "pcg-report", shots)
    assert blocked == []


def test_officer_files_a_referral_and_sees_the_answer(page, site, shots):
    blocked = keep_offline(page)
    sign_in(page, site, "officer_z1")
    expect(page.get_by_role("heading", name="Refer to LEAD")).to_be_visible()
    page.get_by_label("Route").select_option("social-contact")
    housing = site.api("GET", "/v1/providers/CON-H").json()
    page.get_by_label("Latitude").fill(str(housing["lat"]))
    page.get_by_label("Longitude").fill(str(housing["lon"]))
    page.get_by_label("Municipality").select_option(site.app.state.region.cohorts["Central"][0])
    page.get_by_label("The person agrees to be referred").check()
    screenshot(page, "officer-referral", shots)
    page.get_by_role("button", name="Refer and get the hand-off").click()
    expect(page.get_by_role("heading", name="LEAD is available now")).to_be_visible()
    expect(page.locator("section.answer")).to_contain_text(re.compile("Central LEAD office|Case manager Dana"))
    expect(page.get_by_role("link", name="Call 412-555-0142")).to_be_visible()
    screenshot(page, "officer-answer", shots)
    page.get_by_role("link", name="My referrals").first.click()
    card = page.locator("section.card").first
    expect(card).to_contain_text("Social contact")
    expect(card.locator("dd").first).to_have_text("not yet")
    assert blocked == []


MAIN_PAGES = [
    ("sign-in", None, "/console/sign-in"),
    ("referral", "officer_z1", "/console/referrals/new"),
    ("participants", "coord_central", "/console/participants"),
    ("participant", "coord_central", f"/console/participants/{PARTICIPANT}"),
    ("provider", "riverside", "/console/provider"),
    ("results", "planner", "/console/results"),
    ("report", "pcg", "/console/report"),
    ("intake", "coord_central", "/console/intake"),
]


def test_main_pages_have_no_serious_accessibility_violations(page, site, shots):
    from axe_playwright_python.sync_playwright import Axe

    blocked = keep_offline(page)
    page.set_default_timeout(240_000)
    axe, serious = Axe(), {}
    for name, who, path in MAIN_PAGES:
        if who:
            sign_in(page, site, who)
        page.goto(site.url + path)
        expect(page.locator("main h1")).to_be_visible()
        violations = axe.run(page).response["violations"]
        serious[name] = [(v["id"], v["help"]) for v in violations if v["impact"] in ("serious", "critical")]
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, f"{name} scrolls sideways at 375 px"
        screenshot(page, f"page-{name}", shots)
    assert serious == {name: [] for name, _, _ in MAIN_PAGES}
    assert blocked == []


def test_api_docs_render_without_internet(page, site):
    blocked = keep_offline(page)
    page.goto(site.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Handoff placement service", timeout=60_000)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    page.goto(site.url + "/redoc")
    expect(page.get_by_role("heading", name=re.compile("Handoff placement service"))).to_be_visible(timeout=60_000)
    assert blocked == []
