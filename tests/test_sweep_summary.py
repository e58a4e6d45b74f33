"""Sweep summaries: grouped by each grid parameter, with how often each site is chosen across draws."""

from __future__ import annotations

import pandas as pd

from scenarios.sweep.output import site_frequency, summary_plot, varying_params, write_results


def results() -> pd.DataFrame:
    rows = []
    for p in (1, 2):
        for draw in range(4):
            sites = "S1" if p == 1 else ("S1; S2" if draw < 3 else "S1; S3")
            rows.append(
                {
                    "task_id": f"{p}-{draw}",
                    "draw": draw,
                    "seed": draw,
                    "param.p": p,
                    "param.demand.population": 0.3 + 0.1 * draw,
                    "objective": 10.0 / p + draw,
                    "sites": sites,
                    "status": "ok",
                    "error": "",
                }
            )
    return pd.DataFrame(rows)


def test_site_shares_per_grid_value_and_draw_parameters_are_not_grid():
    table = results()
    assert varying_params(table, ["p"]) == ["param.p"]
    shares = site_frequency(table, "param.p")
    assert shares.loc["S1"].tolist() == [1.0, 1.0]
    assert shares.loc["S2", 2] == 0.75 and shares.loc["S3", 2] == 0.25 and shares.loc["S2", 1] == 0.0
    assert list(shares.index)[0] == "S1"


def test_summary_files_include_the_site_table(tmp_path):
    files = write_results(results(), tmp_path, name="s", grid=["p"])
    assert [f.name for f in files] == ["s.parquet", "s.png", "s_sites.csv"]
    assert pd.read_csv(files[2], index_col="site").loc["S2", "2"] == 0.75
    summary_plot(results().drop(columns=["sites"]), tmp_path / "plain.png", grid=["p"])
    assert (tmp_path / "plain.png").stat().st_size > 5_000
