"""Eligible-offence matching, hour of week, and the demand table."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from scenarios.coverage.demand import (
    DemandOptions,
    assign_areas,
    by_day_and_hour,
    demand_table,
    eligible_mask,
    hour_of_week,
    offence_label,
)
from scenarios.coverage.spec import parse_offences

DEFAULTS = DemandOptions().offences


@pytest.mark.parametrize(
    "text,label",
    [
        ("3929 Retail Theft.", "retail theft"),
        ("3929(a)(1) Retail Theft; takes possession of, carries away", "retail theft"),
        ("13(a)(16) Possession of Controlled Substance", "possession of a controlled substance"),
        ("13(a)(32) Paraphernalia - Use or Possession", "paraphernalia"),
        ("5902(a)(1) Prostitution", "prostitution"),
        ("5505 Public Drunkenness", "public intoxication"),
        ("3503.B1I DEF. TRESPASS ACTUAL COMMUNICATION", "trespass (simple, defiant, criminal)"),
        ("3503(b.1) Criminal Trespass - Simple Trespasser", "trespass (simple, defiant, criminal)"),
        ("5503(a)(4) DISORDERLY CONDUCT - HAZARDOUS/PHYS. OFF", "disorderly conduct"),
        ("13(a)(30) Possession w/ Intent to Del. Controlled Substance", None),
        ("13(a)(31)(i) Marijuana - Possess Small Amt for Personal Use", None),
        ("5902(b) Promoting Prostitution", None),
        ("5902(e) Patronizing a Prostitute", None),
        ("39290 Not a real code", None),
        ("3921 Theft by Unlawful Taking or Disposition.", None),
    ],
)
def test_real_wprdc_offence_strings(text, label):
    assert offence_label(text, DEFAULTS) == label


def encounters(rows):
    return pd.DataFrame({"time": pd.to_datetime([r[0] for r in rows]), "offences": [r[1] for r in rows]})


def test_all_versus_any_offence_matching():
    table = encounters(
        [
            ("2024-01-01 10:00", ["3929 Retail Theft."]),
            ("2024-01-01 11:00", ["3929 Retail Theft.", "2701 Simple Assault"]),
            ("2024-01-01 12:00", ["2701 Simple Assault"]),
            ("2024-01-01 13:00", []),
        ]
    )
    assert eligible_mask(table, DemandOptions()).tolist() == [True, False, False, False]
    assert eligible_mask(table, DemandOptions(match="any")).tolist() == [True, True, False, False]


def test_hour_of_week_starts_monday_midnight():
    times = pd.Series(pd.to_datetime(["2024-01-01 00:30", "2024-01-07 23:59", "2024-01-03 08:00"]))
    assert hour_of_week(times).tolist() == [0, 167, 2 * 24 + 8]


def test_demand_table_rates_eligibility_growth_and_seasonality():
    rows = (
        [("2024-01-01 08:10", ["5505 Public Drunkenness"])] * 4
        + [("2024-01-29 08:20", ["5505 Public Drunkenness"])] * 2
        + [("2024-01-02 09:00", ["2701 Simple Assault"])]
    )
    table = encounters(rows)
    area = pd.Series(["A"] * 4 + ["B"] * 2 + ["A"])
    plain = demand_table(table, area, DemandOptions(eligibility_rate=0.5), weeks=4.0, areas=["A", "B", "C"])
    assert plain.shape == (3, 168)
    assert plain.loc["A", 8] == pytest.approx(4 * 0.5 / 4.0)
    assert plain.loc["B", 8] == pytest.approx(2 * 0.5 / 4.0)
    assert plain.loc["C"].sum() == 0.0 and plain.loc["A", 9] == 0.0
    grown = demand_table(
        table, area, DemandOptions(eligibility_rate=0.5, growth_per_year=0.1, years_ahead=2), weeks=4.0
    )
    assert grown.loc["A", 8] == pytest.approx(plain.loc["A", 8] * 1.21)
    seasonal = demand_table(
        table, area, DemandOptions(eligibility_rate=0.5, seasonality={1: 0.8, 7: 1.2}, plan_months=(7,)), weeks=4.0
    )
    assert seasonal.loc["A", 8] == pytest.approx(plain.loc["A", 8] * 1.2 / 0.8)
    assert by_day_and_hour(plain).loc["Mo", "08"] == pytest.approx(plain[8].sum())


def test_point_in_polygon_assignment():
    areas = gpd.GeoDataFrame({"name": ["West", "East"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=4326)
    points = gpd.GeoDataFrame(geometry=[Point(0.5, 0.5), Point(1.5, 0.2), Point(5, 5), Point()], crs=4326)
    assert assign_areas(points, areas).tolist() == ["West", "East", None, None]


def test_offence_list_from_names_and_codes():
    chosen = parse_offences(["retail theft", "2701"])
    assert offence_label("3929 Retail Theft.", chosen) == "retail theft"
    assert offence_label("2701 Simple Assault", chosen) == "2701"
    assert offence_label("5505 Public Drunkenness", chosen) is None
