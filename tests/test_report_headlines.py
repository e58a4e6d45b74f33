"""The report's headline rules: findings from big enough groups whose interval excludes parity,
largest effect first, ties named; the longest wait over every published cell; tied marginal seats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scenarios.reports import equity
from scenarios.reports.privacy import table_interval
from scenarios.reports.report import longest_wait_sentences, marginal_sentences


def rates(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    table = pd.DataFrame(
        [(g, c, n - c, n) for g, c, n in rows], columns=["group", equity.ELIGIBLE, equity.OTHER, "Total"]
    ).set_index("group")
    return equity.rate_table(table.astype(float), equity.ELIGIBLE, label="eligible")


def test_small_groups_never_make_a_finding_and_larger_effects_come_first():
    table = rates([("Black", 990, 3960), ("White", 1080, 2700), ("Asian", 24, 32), ("Other", 80, 140)])
    findings = equity.summary_findings({"Eligible": table})
    assert not any("Asian" in f for f in findings), "a group of 32 is below the minimum size"
    assert findings[0].startswith("Eligible: Other") and "White" in findings[1]
    assert "25 %" in findings[1] or "40 %" in findings[1]  # both rates are stated
    ratios = [float(f.split(" times")[0].rsplit(" ", 1)[1]) for f in findings]
    assert [abs(np.log(r)) for r in ratios] == sorted((abs(np.log(r)) for r in ratios), reverse=True)


def test_groups_with_equal_ratios_are_named_together_as_a_tie():
    table = rates([("Big", 500, 2000), ("A", 100, 200), ("B", 200, 400)])
    findings = equity.summary_findings({"Eligible": table})
    assert len(findings) == 1 and "A and B" in findings[0] and "(a tie)" in findings[0]


def test_no_finding_when_the_interval_includes_parity():
    table = rates([("Big", 500, 2000), ("A", 27, 100)])
    assert equity.summary_findings({"Eligible": table}) == []


def test_longest_wait_is_over_every_level_and_says_when_it_cannot_be_located():
    report = {
        "privacy": {"threshold": 11},
        "measures": {
            "municipality": [
                {"area": "Town", "service": "clinic", "wait_days": 1.0, "waiting": 12.0},
                {"area": "City", "service": "housing", "wait_days": None, "waiting": None},
            ],
            "county": [{"area": "All", "service": "housing", "wait_days": 18.2, "waiting": 300.0}],
        },
    }
    (sentence,) = longest_wait_sentences(report)
    assert "housing region-wide: about 18 days" in sentence
    assert "1 municipalities' housing figures are withheld" in sentence and "cannot be located" in sentence


def test_tied_marginal_providers_are_named_as_a_tie():
    rows = [{"name": n, "service": "treatment", "value_per_100k": 16.67} for n in "ABCDE"]
    (sentence,) = marginal_sentences({"providers": rows + [{"name": "Z", "service": "housing", "value_per_100k": 5.0}]})
    assert "any of 5 providers, tied" in sentence and "A, B, C and 2 more" in sentence


def test_unknown_gender_is_counted_with_the_largest_group_so_female_is_published():
    micro = pd.DataFrame(
        {
            "gender": ["Male", "Male", "Female", "Female", "Unknown"],
            "eligible": [True, False] * 2 + [True],
            "count": [900, 4200, 400, 1300, 4],
        }
    )
    folded, note = equity.fold_unknown(micro, "gender", 11)
    assert set(folded["gender"]) == {"Male or unknown", "Female"} and "fewer than 11" in note
    assert folded.groupby("gender")["count"].sum().to_dict() == {"Female": 1700, "Male or unknown": 5104}
    race = pd.DataFrame({"race": ["Black", "Other", "Unknown"], "eligible": [True] * 3, "count": [3000, 80, 5]})
    assert set(equity.fold_unknown(race, "race", 11)[0]["race"]) == {"Black", "Other or unknown"}


@pytest.mark.shared_data
@pytest.mark.slow
def test_pittsburgh_report_withholds_fewer_cells_than_the_earlier_rule_and_publishes_gender(pittsburgh_region_dir):
    from geodata.region import load_region
    from scenarios.reports import access
    from scenarios.reports.report import ReportOptions, build_equity, build_report

    region = load_region(pittsburgh_region_dir)
    encounters = region.encounters
    within, how = access.reach_within(region, encounters, region.providers, minutes=45)
    eligible = equity.diversion_eligible(encounters["offences"])
    counts = {}
    for method in ("greedy", "optimal"):
        section = build_equity(region, encounters, eligible, within, 11, 45, method)
        report = build_report(
            region, options=ReportOptions(marginal=False, suppression=method), equity_fn=lambda *_, s=section: (s, how)
        )
        counts[method] = report["privacy"]
        if method == "optimal":
            gender = {r["group"]: r["n"] for r in section["dimensions"]["gender"]["eligible"]}
            for dim in ("race", "gender", "age_band", "police_zone"):  # the reader's own LP attack
                data = section["tables"][f"arrests:{dim}"]
                table = pd.DataFrame(data["data"], index=data["index"], columns=data["columns"], dtype=float)
                for row in table.index[:-1]:
                    for column in table.columns[:-1]:
                        if np.isnan(table.loc[row, column]):
                            low, high = table_interval(table, row, column)
                            assert high - low >= 10, f"{dim} {row}/{column} pinned to [{low}, {high}]"
    print(
        f"\nwithheld cells on the Pittsburgh report: earlier rule {counts['greedy']['withheld']} of "
        f"{counts['greedy']['published_cells']}, now {counts['optimal']['withheld']} of "
        f"{counts['optimal']['published_cells']}"
    )
    assert counts["optimal"]["withheld"] < counts["greedy"]["withheld"]
    truth = encounters["gender"].str.upper().value_counts()
    assert gender["Female"] == truth["F"] and gender["Male or unknown"] == truth["M"] + truth.get("U", 0)
