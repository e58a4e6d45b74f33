"""Observation periods: the dense span of an encounter file, set by hand, and every rate divides by it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geodata.period import dense_span, observation_period, parse_period


def _times(days: list[str], per_day: int) -> pd.Series:
    return pd.Series(pd.to_datetime(sorted(d for d in days for _ in range(per_day))))


def test_stray_records_far_before_the_dense_span_are_left_out_and_counted():
    dense = [str(d.date()) for d in pd.date_range("2016-08-03", "2017-03-29")]
    stray = ["2014-11-16", "2015-05-29", "2016-04-12", "2016-07-20"]
    times = pd.concat([_times(dense, 20), _times(stray, 1)], ignore_index=True)
    period, inside = observation_period(times)
    assert (period.start, period.end) == (dt.date(2016, 8, 3), dt.date(2017, 3, 29))
    assert period.left_out == 4 and period.records == 20 * len(dense) and inside.sum() == period.records
    assert period.weeks == pytest.approx(len(dense) / 7)
    assert period.how == "detected" and "34.1 weeks (2016-08-03 to 2017-03-29)" in period.per_week()


def test_a_period_set_by_hand_wins_and_bad_text_says_what_is_expected():
    times = _times([str(d.date()) for d in pd.date_range("2020-01-01", "2020-03-31")], 3)
    period, inside = observation_period(times, period="2020-02-01..2020-02-29")
    assert period.how == "given" and period.records == 29 * 3 and period.left_out == times.size - 87
    assert np.array_equal(inside, ((times >= "2020-02-01") & (times < "2020-03-01")).to_numpy())
    with pytest.raises(ValueError, match="FROM..TO"):
        parse_period("2020-02-01")
    with pytest.raises(ValueError, match="ends before"):
        parse_period("2020-03-01..2020-02-01")
    whole, _ = observation_period(times, period="all")
    assert whole.left_out == 0 and whole.how == "whole"


def test_no_records_no_period():
    assert dense_span(pd.Series([], dtype="datetime64[ns]")) is None


@pytest.mark.shared_data
def test_real_arrest_file_period_and_coverage_rate(pittsburgh_region_dir, shared_data, tmp_path):
    """On ../shared/data: Aug 2016-Mar 2017, 35 stray rows out; zones 1+2 rate = recount / weeks."""
    import csv

    from geodata.region import load_region
    from scenarios.coverage.demand import DEFAULT_OFFENCES, DemandOptions, eligible_mask

    region = load_region(pittsburgh_region_dir)
    period = region.period
    raw = list(csv.DictReader(open(shared_data / "pgh_police_arrests_2016_2017" / "ArrestData.csv")))
    inside = [r for r in raw if "2016-08-01" <= r["ARRESTTIME"][:10] <= "2017-03-29"]
    assert period.text == "2016-08-01..2017-03-29" and period.how == "detected"
    assert (period.records, period.left_out) == (len(inside), len(raw) - len(inside)) == (6845, 35)
    assert len(region.encounters) == 6845
    # The coverage scenario's weekly rate for zones 1 and 2 is the eligible recount over 34.4 weeks.
    from scenarios.coverage.scenario import member_demand, prepare
    from scenarios.coverage.spec import parse_spec

    spec = {
        "kind": "coverage",
        "region": str(pittsburgh_region_dir),
        "area": "police_zone",
        "members": ["1", "2"],
        "demand": {"eligibility_rate": 0.5},
    }
    context = prepare(spec, base_dir=tmp_path)
    cs = parse_spec(spec, base_dir=tmp_path, known_members=context["names"], cohorts=context["cohorts"])
    rate = member_demand(cs, context).to_numpy().sum()
    encounters = region.encounters
    in_zones = encounters["zone"].isin(["1", "2"]).to_numpy()
    eligible = eligible_mask(encounters, DemandOptions(offences=dict(DEFAULT_OFFENCES)))
    assert context["weeks"] == pytest.approx(241 / 7)
    assert rate == pytest.approx(0.5 * (eligible & in_zones).sum() / (241 / 7), rel=1e-9)
    assert 5.0 < rate < 6.0


@pytest.mark.shared_data
def test_members_without_records_get_an_error_naming_them_and_the_files_reach(pittsburgh_region_dir, tmp_path):
    from scenarios.coverage.scenario import run
    from scenarios.errors import ScenarioError

    spec = {"kind": "coverage", "region": str(pittsburgh_region_dir), "cohort": "North Boroughs", "budget": 300000}
    with pytest.raises(ScenarioError) as error:
        run(spec, base_dir=tmp_path, out_dir=tmp_path / "out", console=__import__("rich.console").console.Console())
    text = str(error.value)
    assert "no recorded arrests in Bellevue Borough, Avalon Borough, Ben Avon Borough" in text
    assert "the arrest file covers Pittsburgh only" in text
