"""Provider directories and wait lists from CSV and .xlsx files: validated as the API validates,
errors naming file, row and column, dry runs, all or nothing; the same through the API and the CLI."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.db.models import AuditEntry, Provider, WaitListEntry
from api.services.imports import import_providers, import_wait_lists
from api.services.providers import local_now
from api.services.region import RegionContext
from api.services.tables import ImportRejected, read_table

HEADER = ["id", "name", "service", "capacity", "occupied", "eligibility", "appointment_times", "lon", "lat"]


def _rows(n: int) -> list[list]:
    later = (local_now() + timedelta(days=3)).replace(microsecond=0, second=0)
    return [
        [
            f"P{i:04d}",
            f"Provider {i}",
            "clinic" if i % 3 == 0 else "housing",
            5,
            i % 5,
            '{"min_age": 18}' if i % 2 else "",
            (later + timedelta(minutes=30 * i)).isoformat() if i % 3 == 0 else "",
            -80.0 + i * 1e-4,
            40.44,
        ]
        for i in range(n)
    ]


def _xlsx(header: list, rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(header: list, rows: list[list]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _count(api, model) -> int:
    with api.app.state.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_1000_row_spreadsheet_with_one_bad_row_changes_nothing_and_names_the_row(api):
    rows = _rows(1000)
    rows[516][3] = -2  # spreadsheet row 518 (header is row 1)
    data = _xlsx(HEADER, rows)
    with api.app.state.sessions() as session:
        with pytest.raises(ImportRejected) as err:
            import_providers(session, "test", read_table("directory.xlsx", data), RegionContext())
    assert [(e.file, e.row, e.column) for e in err.value.errors] == [("directory.xlsx", 518, "capacity")]
    assert "directory.xlsx, row 518, column 'capacity'" in str(err.value)
    assert _count(api, Provider) == 0
    refused = api.client.post(
        "/v1/provider-imports", headers=api.as_("admin"), files={"file": ("directory.xlsx", data)}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "file.directory.xlsx.row518.capacity"
    assert _count(api, Provider) == 0
    rows[516][3] = 5
    good = _xlsx(HEADER, rows)
    dry = api.client.post(
        "/v1/provider-imports?dry_run=true", headers=api.as_("admin"), files={"file": ("directory.xlsx", good)}
    )
    assert dry.status_code == 200 and dry.json()["created"] == 1000 and dry.json()["dry_run"]
    assert _count(api, Provider) == 0
    done = api.client.post("/v1/provider-imports", headers=api.as_("admin"), files={"file": ("directory.xlsx", good)})
    assert done.status_code == 200, done.text
    assert done.json()["created"] == 1000 and _count(api, Provider) == 1000
    clinic = api.call("GET", "/v1/providers/P0003").json()
    assert clinic["by_appointment"] and len(clinic["appointment_times"]) == 1


def test_past_times_and_bad_cells_are_refused_the_same_way_as_the_api(api):
    past = (local_now() - timedelta(days=1)).replace(microsecond=0).isoformat()
    rows = _rows(3)
    rows[0][6] = past
    rows[0][0] = "C-OLD"
    rows[0][2] = "clinic"
    rows[1][5] = "not json"
    rows[2][0] = "P0001"
    rows.append(list(rows[2]))  # a duplicate id
    table = read_table("directory.csv", _csv(HEADER, rows))
    with api.app.state.sessions() as session:
        with pytest.raises(ImportRejected) as err:
            import_providers(session, "test", table, RegionContext())
    found = {(e.row, e.column) for e in err.value.errors}
    assert found == {(2, "appointment_times"), (3, "eligibility"), (4, "id"), (5, "id")}, err.value.errors
    assert any("in the past" in e.message for e in err.value.errors)
    body = {
        "id": "C-OLD",
        "name": "n",
        "service": "clinic",
        "capacity": 1,
        "lon": -80.0,
        "lat": 40.44,
        "appointment_times": [past],
    }
    assert api.call("POST", "/v1/providers", json=body).status_code == 422  # the same rule


def test_an_import_updates_capacity_by_the_capacity_rule_and_is_audited(api):
    api.provider("H1", capacity=2)
    api.participant("P1")
    assert api.request("P1").json()["needs"][0]["placement"]["provider_id"] == "H1"
    header = ["id", "name", "service", "capacity", "lon", "lat"]
    shrink = read_table("d.csv", _csv(header, [["H1", "Provider H1", "housing", 0, -80.0, 40.44]]))
    with api.app.state.sessions() as session:
        with pytest.raises(ImportRejected) as err:
            import_providers(session, "test", shrink, RegionContext())
    assert err.value.errors[0].row == 2 and "held" in err.value.errors[0].message
    grow = read_table("d.csv", _csv(header, [["H1", "Provider H1", "housing", 4, -80.0, 40.44]]))
    with api.app.state.sessions() as session:
        summary = import_providers(session, "test", grow, RegionContext())
        session.commit()
    assert (summary.updated, summary.created) == (1, 0)
    assert api.call("GET", "/v1/providers/H1").json()["capacity"] == 4
    with api.app.state.sessions() as session:
        actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.actor == "test")))
    assert {"provider.capacity", "provider.import", "providers.import"} <= actions


def test_wait_lists_import_in_priority_order_all_or_nothing(api):
    api.provider("H1", capacity=1)
    api.provider("H2", capacity=1)
    header = ["provider_id", "person_id", "priority", "gender", "age"]
    rows = [["H1", "W2", 2, "female", 40], ["H1", "W1", 1, "male", 30], ["H2", "W3", "", "", ""]]
    with api.app.state.sessions() as session:
        summary = import_wait_lists(session, "test", read_table("w.csv", _csv(header, rows)), RegionContext())
        session.commit()
    assert (summary.lists, summary.created) == (2, 3)
    listing = api.call("GET", "/v1/wait-lists/H1").json()["entries"]
    assert [e["person_id"] for e in listing] == ["W1", "W2"] and listing[0]["attributes"] == {
        "gender": "male",
        "age": 30,
    }
    bad = rows + [["H9", "W4", "", "", ""], ["H2", "W5", "", "", "abc"]]
    with api.app.state.sessions() as session:
        with pytest.raises(ImportRejected) as err:
            import_wait_lists(session, "test", read_table("w.csv", _csv(header, bad)), RegionContext())
    assert {(e.row, e.column) for e in err.value.errors} == {(6, "age")}
    with api.app.state.sessions() as session:
        with pytest.raises(ImportRejected) as err:
            import_wait_lists(session, "test", read_table("w.csv", _csv(header, bad[:4])), RegionContext())
    assert [(e.row, e.column) for e in err.value.errors] == [(5, "provider_id")]
    assert _count(api, WaitListEntry) == 3


def test_cli_imports_with_dry_run(tmp_path):
    from cli import app

    url = f"sqlite:///{tmp_path / 'h.db'}"
    path = tmp_path / "directory.xlsx"
    path.write_bytes(_xlsx(HEADER, _rows(20)))
    runner = CliRunner()
    dry = runner.invoke(app, ["providers", "import", str(path), "--dry-run", "--database-url", url])
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output and "20" in dry.output
    waits = tmp_path / "waiting.csv"
    waits.write_bytes(_csv(["list_id", "person_id"], [["P0001", "W1"]]))
    refused = runner.invoke(app, ["wait-lists", "import", str(waits), "--database-url", url])
    assert refused.exit_code == 1 and "waiting.csv, row 2, column 'list_id'" in refused.output
    done = runner.invoke(app, ["providers", "import", str(path), "--database-url", url])
    assert done.exit_code == 0, done.output
    assert runner.invoke(app, ["wait-lists", "import", str(waits), "--database-url", url]).exit_code == 0


def test_serve_region_loads_the_region_when_the_database_has_no_provider(current_region_dir, tmp_path):
    import typer
    from rich.console import Console

    from api.db.engine import make_engine, make_sessionmaker
    from api.commands import seed_database
    from geodata.region import load_region

    url = f"sqlite:///{tmp_path / 'h.db'}"
    seed_database(url, current_region_dir, Console(file=io.StringIO()))
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        loaded = session.scalar(select(func.count()).select_from(Provider))
        waiting = session.scalar(select(func.count()).select_from(WaitListEntry))
    region = load_region(current_region_dir)
    assert loaded == len(region.providers) and waiting == int((region.wait_lists["status"] == "waiting").sum())
    seed_database(url, current_region_dir, Console(file=io.StringIO()))  # not twice
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Provider)) == loaded
    engine.dispose()
    stale = tmp_path / "stale"  # a region written long ago: its clinic times are past, refused by row
    from geodata.demo import write_demo_region

    write_demo_region(stale, scale="small", seed=7)
    out = io.StringIO()
    with pytest.raises(typer.Exit):
        seed_database(f"sqlite:///{tmp_path / 'stale.db'}", stale, Console(file=out, width=400))
    assert "providers.csv, row" in out.getvalue() and "column 'appointment_times'" in out.getvalue()
