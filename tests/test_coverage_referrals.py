"""The coverage scenario reads its demand from recorded referrals, alone or with the arrests."""

from __future__ import annotations

import pandas as pd
import pytest

from scenarios.coverage.scenario import demo_spec, member_demand, prepare
from scenarios.coverage.spec import parse_spec
from scenarios.errors import ScenarioError


def write_referrals(path, members):
    # Two weeks of records: Monday 09:xx twice in the first member, Sunday 23:xx once in the second.
    rows = [
        ("2026-03-02 09:10:00", "arrest-diversion", members[0], ""),
        ("2026-03-09 09:50:00", "social-contact", members[0], ""),
        ("2026-03-15 23:30:00", "community", members[1], ""),
        ("2026-03-10 12:00:00", "community", "Somewhere else", ""),
    ]
    pd.DataFrame(rows, columns=["time", "route", "municipality", "zone"]).to_csv(path, index=False)


@pytest.fixture(scope="module")
def spec(demo_region_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("coverage-referrals")
    base = demo_spec(demo_region_dir)
    context = prepare(base, base_dir=folder)
    members = parse_spec(base, base_dir=folder, known_members=context["names"], cohorts=context["cohorts"]).members
    write_referrals(folder / "referrals.csv", members)
    return base, folder, members


def demand(spec_dict, folder):
    context = prepare(spec_dict, base_dir=folder)
    cs = parse_spec(spec_dict, base_dir=folder, known_members=context["names"], cohorts=context["cohorts"])
    return member_demand(cs, context)


def test_referrals_alone_and_added_to_arrests(spec):
    base, folder, members = spec
    weeks = (pd.Timestamp("2026-03-15 23:30") - pd.Timestamp("2026-03-02 09:10")) / pd.Timedelta(days=7)
    only = demand(base | {"referrals": "referrals.csv", "demand_source": "referrals"}, folder)
    assert only.loc[members[0], 9] == pytest.approx(2 / weeks)
    assert only.loc[members[1], 167] == pytest.approx(1 / weeks)
    assert only.to_numpy().sum() == pytest.approx(3 / weeks)  # the record outside the cohort is left out
    arrests = demand(base, folder)
    both = demand(base | {"referrals": "referrals.csv"}, folder)  # both is the default with a file
    assert both.to_numpy() == pytest.approx(arrests.to_numpy() + only.to_numpy())


def test_bad_referral_keys_name_the_key(spec, tmp_path):
    base, folder, _ = spec
    with pytest.raises(ScenarioError, match="referrals"):
        demand(base | {"demand_source": "referrals"}, folder)
    with pytest.raises(ScenarioError, match="demand_source"):
        demand(base | {"referrals": "referrals.csv", "demand_source": "calls"}, folder)
    pd.DataFrame({"time": ["yesterday"], "route": ["community"], "municipality": ["x"], "zone": [""]}).to_csv(
        folder / "bad.csv", index=False
    )
    with pytest.raises(ScenarioError, match="line 2"):
        demand(base | {"referrals": "bad.csv"}, folder)
