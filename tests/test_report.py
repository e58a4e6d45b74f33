"""The capacity-gap report on the demo region (and on Pittsburgh's real arrests when present)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geodata.region import load_region
from scenarios.reports import equity, measures
from scenarios.reports.marginal import marginal_values
from scenarios.reports.privacy import PSEUDONYM, TOTAL, table_interval
from scenarios.reports.render import find_chromium, render_html, write_pdf
from scenarios.reports.report import ReportOptions, build_report, to_json


@pytest.fixture(scope="module")
def demo_report(demo_region_dir, tmp_path_factory):
    region = load_region(demo_region_dir)
    report = build_report(
        region, options=ReportOptions(as_of="2026-10-01", marginal_time_limit=2.0), marginal_fn=marginal_values
    )
    out = tmp_path_factory.mktemp("report")
    html = render_html(report, out / "report.html", municipalities=region.municipalities)
    return region, report, html


def published_tables(report: dict):
    """Every count table the report publishes, rebuilt from its JSON as a reader would see it."""
    for name, table in (report["equity"] or {}).get("tables", {}).items():
        yield name, pd.DataFrame(np.array(table["data"], dtype=float), index=table["index"], columns=table["columns"])


def test_report_counts_match_the_wait_lists(demo_report):
    region, report, _ = demo_report
    waiting = region.wait_lists[region.wait_lists["status"] == "waiting"]
    services = dict(zip(region.providers["provider_id"].astype(str), region.providers["service"]))
    for service, figures in report["headline"].items():
        true = int(sum(services[str(p)] == service for p in waiting["provider_id"]))
        assert figures["waiting"] is None and 0 < true < 11 or figures["waiting"] == true
        assert figures["capacity"] == int(
            region.providers.loc[region.providers["service"] == service, "capacity"].sum()
        )


def test_expected_wait_follows_the_fluid_queue_model():
    days = measures.expected_wait_days([10, 3, 10], [2, 5, 0], [4.0, 1.0, 0.0])
    assert days[0] == pytest.approx((10 - 2 + 1) / 4.0 * measures.DAYS_PER_MONTH)
    assert days[1] == 0.0
    assert np.isinf(days[2])


def test_no_small_count_can_be_recomputed_from_the_published_totals(demo_report):
    region, report, _ = demo_report
    encounters = region.encounters
    published = dict(published_tables(report))["arrests:race"]
    race = equity.group_columns(encounters)["race"]
    for merged in (g for g in published.index if g.endswith(" or unknown")):  # unknowns counted with a host
        race = race.where(~race.isin([merged.removesuffix(" or unknown"), "Unknown"]), merged)
    truth = pd.crosstab(
        race, np.where(equity.diversion_eligible(encounters["offences"]), equity.ELIGIBLE, equity.OTHER)
    )
    small = 0
    for group in truth.index:
        for status in truth.columns:
            value = truth.loc[group, status]
            if 0 < value < 11:
                small += 1
                assert np.isnan(published.loc[group, status]), f"{group}/{status}={value} is published"
                low, high = table_interval(published, group, status)
                assert high - low >= 10, f"{group}/{status}={value} recoverable within [{low}, {high}]"
            elif not np.isnan(published.loc[group, status]):
                assert published.loc[group, status] == value
    assert small > 0, "the demo region should have small cells to protect"


def test_report_json_has_no_pseudonymous_ids(demo_report, demo_region_dir):
    region, report, html = demo_report
    text = to_json(report)
    assert not PSEUDONYM.search(text) and not PSEUDONYM.search(html.read_text())
    people = set(region.wait_lists["person_id"].astype(str))
    assert not any(person in text for person in people if len(person) > 3)
    assert json.loads(text)["kind"] == "capacity-gap"


def test_html_is_self_contained_with_a_summary_first(demo_report):
    _, report, html = demo_report
    text = html.read_text()
    assert "http://" not in text and "https://" not in text and "<script" not in text
    assert text.index('id="summary"') < text.index('id="gap"') < text.index('id="equity"')
    assert report["summary"] and report["summary"][0].split(":")[0].lower() in report["headline"]


@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed (apt-get install -y chromium)")
def test_html_renders_its_map_and_charts_in_headless_chromium(demo_report):
    from PIL import Image

    _, _, html = demo_report
    with tempfile.TemporaryDirectory() as profile:
        shot = Path(profile) / "shot.png"
        done = subprocess.run(
            [
                find_chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--window-size=1280,2000",
                f"--screenshot={shot}",
                html.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 20, "the screenshot is blank"
    assert (pixels < 128).mean() > 0.01, "no map or chart drawn on the first screens"


def test_pdf_without_a_browser_has_the_tables_text_and_section_pages(demo_report, tmp_path):
    from pypdf import PdfReader

    region, report, html = demo_report
    pdf, engine = write_pdf(
        html, tmp_path / "report.pdf", report, municipalities=region.municipalities, engine="weasyprint"
    )
    assert engine == "weasyprint"
    pages = [page.extract_text() for page in PdfReader(pdf).pages]

    def page_of(text: str) -> int:
        found = [i for i, page in enumerate(pages) if text in page.replace("\n", " ")]
        assert found, f"{text!r} is on no page of the PDF"
        return found[0]

    first = page_of("In brief")
    assert page_of(report["summary"][0][:40]) == first and page_of(report["privacy"]["sentence"][:30]) == first
    sections = [
        page_of(title)
        for title in ("Where demand exceeds capacity", "Where one more slot helps most", "Method and privacy")
    ]
    assert first < sections[0] < sections[1] < sections[2], "each section starts on a new page"
    table_page = pages[page_of("By municipality")]
    assert "utilisation" in table_page and "expected wait" in table_page  # the table's header row is text
    some_area = report["measures"]["municipality"][0]["area"]
    assert any(some_area in page for page in pages[sections[0] : sections[1]])
    assert len(PdfReader(pdf).pages[first].images) >= 1, "the first page carries the map"


@pytest.mark.slow
def test_comparison_of_two_snapshots_reports_the_change(demo_report):
    region, before, _ = demo_report
    more = region.providers.copy()
    more["capacity"] = more["capacity"] + 5
    after = build_report(
        region,
        options=ReportOptions(as_of="2027-01-01", marginal=False),
        providers=more,
        previous=json.loads(to_json(before)),
    )
    assert after["comparison"]["previous_as_of"] == before["as_of"]
    rows = [r for r in after["comparison"]["headline"] if r["measure"] == "capacity (slots)"]
    assert rows
    for row in rows:
        providers = int((region.providers["service"] == row["service"]).sum())
        assert row["change"] == 5 * providers


@pytest.mark.slow
@pytest.mark.shared_data
def test_pittsburgh_equity_section_from_the_real_arrests(pittsburgh_region_dir):
    region = load_region(pittsburgh_region_dir)
    report = build_report(region, options=ReportOptions(marginal=False))
    arrests = report["equity"]["tables"]["arrests:race"]
    total = arrests["data"][arrests["index"].index(TOTAL)][arrests["columns"].index(TOTAL)]
    assert total == len(region.encounters)
    assert report["equity"]["dimensions"]["race"]["eligible"], "no equity rows for race"
