"""The capacity-gap report's reach and area rows: arrests without a location have no reach, the
whole region gets its reach share, a cohort without providers is shown, wait lists are entries."""

from __future__ import annotations

import numpy as np
import pytest

from geodata.region import load_region
from scenarios.reports import access, equity
from scenarios.reports.privacy import TOTAL
from scenarios.reports.report import ReportOptions, build_equity, build_report, pooled_rate


def grand_total(table: dict, column: str = TOTAL) -> float:
    """The grand-total cell (or a column's total) of a published table's JSON."""
    return table["data"][table["index"].index(TOTAL)][table["columns"].index(column)]


@pytest.fixture(scope="module")
def region_without_some_locations(demo_region_dir):
    """The demo region with every fifth diversion-eligible arrest's location blanked."""
    region = load_region(demo_region_dir)
    encounters = region.encounters.copy()
    eligible = equity.diversion_eligible(encounters["offences"])
    blanked = np.flatnonzero(eligible)[::5]
    encounters.loc[encounters.index[blanked], "geometry"] = None
    return region, encounters, eligible, blanked


def test_arrests_without_a_location_count_as_arrests_but_not_in_reach(region_without_some_locations):
    region, encounters, eligible, blanked = region_without_some_locations
    assert blanked.size >= 11, "the demo region has too few eligible arrests for this test"
    within, _ = access.reach_within(region, encounters, region.providers, minutes=45)
    section = build_equity(region, encounters, eligible, within, 11, 45)
    located = access.has_location(encounters)
    assert grand_total(section["tables"]["arrests:race"], equity.ELIGIBLE) == eligible.sum()
    for service in within.columns:
        table = section["tables"][f"access:race:{service}"]
        assert grand_total(table) == (eligible & located).sum(), "an arrest without a location counted in reach"
        assert grand_total(table, equity.WITHIN) == (within[service].to_numpy() & eligible & located).sum()
    assert any("without a location" in note for note in section["notes"])


def test_whole_region_reach_is_the_pooled_cohort_rows_and_an_empty_cohort_is_shown(demo_region_dir):
    region = load_region(demo_region_dir)
    region.manifest.cohorts["No Providers Cohort"] = ["Nowhere Borough"]
    report = build_report(region, options=ReportOptions(as_of="2026-10-01", marginal=False))
    cohort_access = report["equity"]["dimensions"]["cohort"]["access"]
    for row in report["measures"]["county"]:
        assert row["within_share"] == pooled_rate(cohort_access[row["service"]])
    assert any(row["within_share"] is not None for row in report["measures"]["county"]), "no region-wide reach"
    empty = [row for row in report["measures"]["cohort"] if row["area"] == "No Providers Cohort"]
    assert {row["service"] for row in empty} == {row["service"] for row in report["measures"]["county"]}
    assert all(row["providers"] == 0 and row["capacity"] == 0 and row["waiting"] == 0 for row in empty)
    assert all("wait-list entries" in s for s in report["summary"][: len(report["headline"])])
