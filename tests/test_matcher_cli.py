"""`handoff match | check | schema` through the real command line."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from cli import app
from matcher import generate_instance, instance_to_dict

runner = CliRunner()


@pytest.fixture()
def instance_file(tmp_path):
    path = tmp_path / "round.json"
    path.write_text(json.dumps(instance_to_dict(generate_instance(40, 12, 120, seed=5, ties=True))))
    return path


def test_match_then_check_is_clean(instance_file, tmp_path):
    out = tmp_path / "result.json"
    ran = runner.invoke(app, ["match", str(instance_file), "-o", str(out), "--time-limit", "10"])
    assert ran.exit_code == 0, ran.output
    assert "checker violations" in ran.output
    result = json.loads(out.read_text())
    assert result["status"] == "OPTIMAL" and result["placements"]
    ran = runner.invoke(app, ["check", str(instance_file), str(out)])
    assert ran.exit_code == 0, ran.output
    assert "no violations" in ran.output


def test_check_exits_1_and_lists_violations(instance_file, tmp_path):
    out = tmp_path / "fcfs.json"
    assert runner.invoke(app, ["match", str(instance_file), "-o", str(out), "--baseline", "fcfs"]).exit_code == 0
    result = json.loads(out.read_text())
    first = result["placements"][0]
    result["placements"] += [dict(first)] * 40
    out.write_text(json.dumps(result))
    ran = runner.invoke(app, ["check", str(instance_file), str(out)])
    assert ran.exit_code == 1
    assert "capacity" in ran.output and "violations" in ran.output


def test_bad_instance_names_the_record(tmp_path):
    data = instance_to_dict(generate_instance(5, 4, 10, seed=1))
    data["providers"][2]["capacity"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    ran = runner.invoke(app, ["match", str(path), "-o", str(tmp_path / "r.json")])
    assert ran.exit_code == 2
    assert "provider 'S2'" in ran.output and "capacity" in ran.output


def test_schema_prints_json_schema():
    for kind in ("instance", "result"):
        ran = runner.invoke(app, ["schema", kind])
        assert ran.exit_code == 0
        assert "properties" in json.loads(ran.output)
    assert runner.invoke(app, ["schema", "nonsense"]).exit_code != 0


@pytest.mark.slow
def test_region_folder_supplies_transit_minutes(demo_region_dir, tmp_path):
    with open(demo_region_dir / "providers.csv") as fh:
        rows = list(csv.DictReader(fh))
    picked = [next(r for r in rows if r["service"] == s) for s in ("housing", "treatment", "clinic")]
    providers = [
        {
            "provider_id": r["provider_id"],
            "name": r["name"],
            "service": r["service"],
            "capacity": 5,
            "lon": float(r["lon"]),
            "lat": float(r["lat"]),
            "appointment_times": [t for t in r["appointment_times"].split(";") if t][:2],
        }
        for r in picked
    ]
    people = [
        {
            "participant_id": f"P{i}",
            "needs": ["housing", "treatment", "clinic"],
            "max_transit_minutes": 90,
            "attributes": {"age": 30, "gender": "female", "insurance": "medicaid"},
            "lon": p["lon"] + 0.01 * (i + 1),
            "lat": p["lat"],
        }
        for i, p in enumerate(providers)
    ]
    path = tmp_path / "region_round.json"
    path.write_text(
        json.dumps(
            {"as_of": "2026-01-05", "region": str(demo_region_dir), "participants": people, "providers": providers}
        )
    )
    out = tmp_path / "region_result.json"
    ran = runner.invoke(app, ["match", str(path), "-o", str(out)])
    assert ran.exit_code == 0, ran.output
    assert "computing transit minutes" in ran.output and "straight-line" not in ran.output
    result = json.loads(out.read_text())
    assert result["placements"], result["unmet"]
    assert all(p["transit_minutes"] > 0 for p in result["placements"])


@pytest.mark.parametrize("extra", [["--mode", "preference"], ["--baseline", "da"]])
def test_match_modes_and_baselines_write_checked_results(instance_file, tmp_path, extra):
    out = tmp_path / "r.json"
    ran = runner.invoke(app, ["match", str(instance_file), "-o", str(out), *extra])
    assert ran.exit_code == 0, ran.output
    assert runner.invoke(app, ["check", str(instance_file), str(out)]).exit_code == 0
    assert json.loads(out.read_text())["mode"] == "preference"
