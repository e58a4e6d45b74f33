"""The front-door section of the PCG report: same suppression as every other count, hours missed,
time to intake and caseloads against the standard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scenarios.reports.privacy import TOTAL
from scenarios.reports.referrals import referral_section


def referrals(seed: int = 3, n: int = 160) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "route": rng.choice(["arrest-diversion", "social-contact", "community"], n, p=[0.6, 0.3, 0.1]),
            "municipality": rng.choice(["Pittsburgh", "Millvale", "Etna"], n, p=[0.8, 0.15, 0.05]),
            "zone": rng.choice(["Zone 1", "Zone 2", ""], n),
            "race": rng.choice(["Black", "White", "Asian"], n, p=[0.55, 0.4, 0.05]),
            "outside_hours": rng.random(n) < 0.3,
            "intake_days": np.where(rng.random(n) < 0.7, rng.uniform(0, 20, n), np.nan),
        }
    )


def test_small_cells_are_withheld_with_their_complements():
    section = referral_section(referrals(), None, threshold=11)
    assert section["withheld"] > 0
    tables = [(rows, dim) for dim, rows in section["by"].items()] + [(section["hours"], "route")]
    for rows, key in tables:
        columns = [c for c in rows[0] if c != key]
        for row in rows:
            values = [row[c] for c in columns]
            assert all(v is None or v == 0 or v >= 11 for v in values), row
            assert sum(v is None for v in values) != 1, f"a lone withheld cell is the total minus the others: {row}"
        for column in columns:
            values = [row[column] for row in rows]
            assert sum(v is None for v in values) != 1, f"column {column} of {key} gives its withheld cell away"
    etna = next(r for r in section["by"]["municipality"] if r["municipality"] == "Etna")
    assert etna["community"] is None or etna["community"] == 0


def test_outside_share_intake_days_and_caseload_bands():
    frame = referrals(n=200)
    i = np.arange(200)
    frame["route"] = np.array(["arrest-diversion", "arrest-diversion", "social-contact", "community"])[i % 4]
    frame["outside_hours"] = (i // 4) % 4 == 0  # a quarter of each route: no small cell in that table
    section = referral_section(frame, pd.DataFrame({"caseload": [3, 12, 15, 16, 25, 27], "limit": [25] * 6}), 11)
    assert section["outside_share"] == pytest.approx(frame["outside_hours"].mean(), abs=1e-3)
    assert {r["route"] for r in section["hours"]} >= {"arrest-diversion", TOTAL}
    done = frame["intake_days"].dropna()
    assert section["intake"]["intakes"] == len(done)
    assert section["intake"]["median_days"] == pytest.approx(round(float(done.median()), 1))
    bands = {b["band"]: b["case_managers"] for b in section["caseloads"]["bands"]}
    assert bands == {"under 12": 1, "12-15 (standard)": 2, "16-25": 2, "over 25": 1}
    assert section["caseloads"]["over_own_limit"] == 1


def test_few_intakes_withhold_the_time_to_intake():
    frame = referrals(n=30)
    frame["intake_days"] = np.where(np.arange(30) < 5, 3.0, np.nan)
    assert referral_section(frame, None, 11)["intake"]["median_days"] is None
    assert referral_section(None, None, 11) is None


def test_report_renders_the_front_door_section(demo_region_dir, tmp_path):
    from geodata.region import load_region
    from scenarios.reports.render import render_html
    from scenarios.reports.report import ReportOptions, build_report, to_json

    region = load_region(demo_region_dir)
    report = build_report(
        region,
        options=ReportOptions(marginal=False),
        referrals=referrals(),
        caseloads=pd.DataFrame({"caseload": [14, 9], "limit": [25, 25]}),
    )
    assert report["referrals"]["outside_share"] is not None
    assert '"referrals"' in to_json(report)
    html = render_html(report, tmp_path / "report.html", municipalities=region.municipalities).read_text()
    assert "The front door" in html and "Caseloads against the standard" in html
