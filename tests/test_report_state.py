"""`handoff report capacity-gap --state DB`: the live database state gives the same report tables."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cli import app
from api.db.engine import make_engine
from api.db.migrate import upgrade
from api.services.seed import load_region_into_db
from api.capacity_tables import read_capacity_state
from geodata.region import load_region


def test_state_read_back_matches_the_region_files_it_was_seeded_from(current_region_dir, tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        load_region_into_db(session, current_region_dir)
        session.commit()
    engine.dispose()
    providers, wait_lists = read_capacity_state(url)
    region = load_region(current_region_dir)
    files = region.providers.set_index("provider_id")
    state = providers.set_index("provider_id")
    assert sorted(state.index) == sorted(files.index.astype(str))
    pd.testing.assert_series_equal(
        state["capacity"].sort_index(), files["capacity"].sort_index(), check_names=False, check_dtype=False
    )
    waiting = region.wait_lists[region.wait_lists["status"] == "waiting"]
    assert len(wait_lists[wait_lists["status"] == "waiting"]) == len(waiting)
    assert wait_lists.groupby("provider_id").size().to_dict() == waiting.groupby("provider_id").size().to_dict()

    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "capacity-gap",
            "--region",
            str(current_region_dir),
            "--state",
            url,
            "--out",
            str(out),
            "--no-pdf",
            "--no-marginal",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.is_file() and out.with_suffix(".json").is_file()


def test_report_on_a_folder_without_a_region_says_what_to_do(tmp_path):
    result = CliRunner().invoke(
        app, ["report", "capacity-gap", "--region", str(tmp_path), "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2
    assert "region" in result.output and "handoff region" in result.output
