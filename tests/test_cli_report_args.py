"""`handoff report capacity-gap` refuses bad --state, --compare and --as-of with one line and exit 2,
before loading the region, and writes nothing (not even an empty SQLite file).

The refusals run on a real region (the small demo region) so that nothing but the bad option can
be what is refused."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from api.db.engine import make_engine
from api.db.migrate import upgrade
from cli import app
from cli.report import check_as_of, read_previous
from rich.console import Console


@pytest.fixture
def report(current_region_dir, tmp_path):
    """Run the report on the demo region with ``options``, writing ``tmp_path/r.html``."""

    def invoke(*options: str):
        out = tmp_path / "r.html"
        args = ["report", "capacity-gap", "--region", str(current_region_dir), "--no-pdf", "--no-marginal"]
        return CliRunner().invoke(app, [*args, "--out", str(out), *options])

    return invoke


def refused(result, tmp_path) -> str:
    """The one error line of a refusal that ended with exit 2, no traceback and no report written."""
    assert result.exit_code == 2, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert not list(tmp_path.glob("r.*"))
    return lines[0]


def test_state_sqlite_file_that_does_not_exist_is_refused_and_not_created(report, tmp_path):
    database = tmp_path / "nodb.db"
    url = f"sqlite:///{database}"
    line = refused(report("--state", url), tmp_path)
    assert not database.exists()
    assert f"no Handoff database at {url}" in line
    assert f"handoff db upgrade --database-url {url}" in line and "--state" in line


@pytest.mark.parametrize("content", ["empty file", "other tables"])
def test_state_database_without_handoff_tables_is_refused(report, tmp_path, content):
    database = tmp_path / "other.db"
    if content == "empty file":
        database.touch()
    else:
        with sqlite3.connect(database) as connection:
            connection.execute("CREATE TABLE notes (text)")
    before = database.read_bytes()
    url = f"sqlite:///{database}"
    line = refused(report("--state", url), tmp_path)
    assert f"no Handoff database at {url}" in line and "no providers table" in line
    assert f"`handoff db upgrade --database-url {url}`" in line
    assert database.read_bytes() == before


def test_state_handoff_database_without_providers_says_to_import_them(report, tmp_path):
    url = f"sqlite:///{tmp_path / 'handoff.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    line = refused(report("--state", url), tmp_path)
    assert "has no providers" in line and "handoff providers import" in line


@pytest.mark.parametrize("state", ["not a url", "sqlite://"])
def test_state_that_is_no_database_url_is_refused(report, tmp_path, state):
    line = refused(report("--state", state), tmp_path)
    assert "--state" in line


def test_compare_with_a_file_that_is_not_a_report_is_refused(report, tmp_path):
    other = tmp_path / "some.geojson"
    other.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    line = refused(report("--compare", str(other)), tmp_path)
    assert str(other) in line and "not a capacity-gap report" in line
    assert "handoff report capacity-gap" in line and ".json" in line


def test_compare_with_a_file_that_is_not_json_is_refused(report, tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("last quarter: fine")
    line = refused(report("--compare", str(other)), tmp_path)
    assert str(other) in line and "not JSON" in line


@pytest.mark.parametrize("as_of", ["yesterday", "2024-02-30", "20240301", "2024-3-1"])
def test_as_of_must_be_an_iso_date(report, tmp_path, as_of):
    line = refused(report("--as-of", as_of), tmp_path)
    assert repr(as_of) in line and "YYYY-MM-DD" in line


def test_good_as_of_and_compare_pass(tmp_path):
    console = Console(file=open(tmp_path / "console.txt", "w"))
    assert check_as_of(console, "2024-03-31") == "2024-03-31"
    assert check_as_of(console, None) is None
    earlier = tmp_path / "last.json"
    earlier.write_text(json.dumps({"kind": "capacity-gap", "as_of": "2024-01-01", "headline": {}}))
    assert read_previous(console, earlier)["as_of"] == "2024-01-01"


def test_report_compared_with_an_earlier_report_of_its_own(current_region_dir, tmp_path):
    first = tmp_path / "first.html"
    args = ["report", "capacity-gap", "--region", str(current_region_dir), "--no-pdf", "--no-marginal"]
    result = CliRunner().invoke(app, [*args, "--as-of", "2024-01-01", "--out", str(first)])
    assert result.exit_code == 0, result.output
    second = tmp_path / "second.html"
    result = CliRunner().invoke(
        app, [*args, "--as-of", "2024-04-01", "--compare", str(first.with_suffix(".json")), "--out", str(second)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(second.with_suffix(".json").read_text())
    assert data["as_of"] == "2024-04-01"
    assert data["comparison"] is not None
    assert any(row["previous"] is not None for row in data["comparison"]["headline"])
