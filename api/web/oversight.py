"""Planner and PCG pages: the latest scenario results with their maps and plots, and the
capacity-gap report on the live state compared with the previous snapshot.

Scenario results are the folders ``handoff scenario run`` (or ``make demo``) wrote under the
service's results folder (``HANDOFF_RESULTS_DIR``, ``handoff serve --results``); snapshots of the
report are saved under its ``snapshots/`` folder. Both are aggregate only."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from api.errors import ApiError, not_found
from api.routers.deps import RegionDep, SessionDep
from api.services.region import RegionContext
from api.services.report import live_report, region_of
from api.web.render import done, page
from api.web.session import Visit, poster, visitor

router = APIRouter(prefix="/console", include_in_schema=False)
planners = visitor("planner")
readers = visitor("planner", "pcg")
pcg_posts = poster("planner", "pcg")
SERVED = {".png": "image/png", ".html": "text/html", ".csv": "text/csv", ".json": "application/json"}
TABLE_ROWS = 15
SNAPSHOTS = "snapshots"


@dataclass
class ResultFolder:
    """One scenario's output folder: its maps (HTML), plots (PNG) and small tables (CSV)."""

    name: str
    written: datetime
    maps: list[str] = field(default_factory=list)
    plots: list[str] = field(default_factory=list)
    tables: dict[str, list[list[str]]] = field(default_factory=dict)


def results_root(request: Request) -> Path | None:
    """The results folder the service shows, or None when it has none."""
    folder = request.app.state.settings.results_dir
    return Path(folder).resolve() if folder is not None and Path(folder).is_dir() else None


def _table(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row for _, row in zip(range(TABLE_ROWS + 1), csv.reader(handle))]


def result_folders(root: Path) -> list[ResultFolder]:
    """Every scenario folder under ``root`` (itself included) with a map or plot, newest first."""
    found = []
    for folder in [root, *sorted(p for p in root.iterdir() if p.is_dir() and p.name != SNAPSHOTS)]:
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in SERVED)
        maps = [p.name for p in files if p.suffix == ".html" and p.name != "report.html"]
        plots = [p.name for p in files if p.suffix == ".png"]
        if not (maps or plots):
            continue
        tables = {p.name: _table(p) for p in files if p.suffix == ".csv"}
        written = datetime.fromtimestamp(max(p.stat().st_mtime for p in files), tz=timezone.utc)
        found.append(ResultFolder("" if folder == root else folder.name, written, maps, plots, tables))
    return sorted(found, key=lambda f: f.written, reverse=True)


@router.get("/results")
def results(request: Request, visit: Visit = Depends(planners)):
    """The scenario results, newest first: plots inline, interactive maps linked, small tables."""
    root = results_root(request)
    return page(request, "results.html", visit, folders=result_folders(root) if root else [], root=root)


@router.get("/results/files/{path:path}")
def result_file(path: str, request: Request, visit: Visit = Depends(readers)):
    """One map, plot or table of the results folder (nothing outside it)."""
    root = results_root(request)
    target = (root / path).resolve() if root else None
    if (
        root is None
        or target is None
        or not target.is_relative_to(root)
        or not target.is_file()
        or target.suffix not in SERVED
    ):
        raise not_found("result file", path, "path.path")
    return FileResponse(target, media_type=SERVED[target.suffix])


def previous_snapshot(root: Path | None) -> tuple[dict | None, str]:
    """The newest saved report (``snapshots/*.json``, else the folder's ``report.json``) and its name."""
    if root is None:
        return None, ""
    candidates = sorted((root / SNAPSHOTS).glob("report-*.json")) if (root / SNAPSHOTS).is_dir() else []
    if not candidates and (root / "report.json").is_file():
        candidates = [root / "report.json"]
    if not candidates:
        return None, ""
    return json.loads(candidates[-1].read_text(encoding="utf-8")), candidates[-1].name


def gap_map_uri(report: dict, region: RegionContext) -> str:
    """The report's map (expected housing wait by municipality, providers) as a PNG data URI."""
    from scenarios.reports import charts
    from scenarios.reports.render import figures

    if region.folder is None:
        return charts.to_data_uri(figures(report)["map"])
    loaded = region_of(Path(region.folder))
    return charts.to_data_uri(figures(report, loaded.municipalities, water=loaded.water)["map"])


@router.get("/report")
def report(
    request: Request, session: Session = SessionDep, region: RegionContext = RegionDep, visit: Visit = Depends(readers)
):
    """The capacity-gap report on the live state, compared with the previous snapshot."""
    previous, previous_name = previous_snapshot(results_root(request))
    figures = live_report(session, region, 45.0, previous=previous)
    return page(
        request,
        "report.html",
        visit,
        r=figures,
        previous_name=previous_name,
        map_uri=gap_map_uri(figures, region),
        can_save=results_root(request) is not None,
    )


@router.post("/report/snapshots")
def save_snapshot(
    request: Request,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    visit: Visit = Depends(pcg_posts),
):
    """Save the live report as a snapshot; the next report is compared with it."""
    root = results_root(request)
    if root is None:
        raise ApiError(
            409,
            "No results folder",
            "The service has no results folder to keep snapshots in; start it with `handoff serve --results DIR`.",
            slug="no-results-folder",
        )
    figures = live_report(session, region, 45.0)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%S")
    (root / SNAPSHOTS).mkdir(exist_ok=True)
    (root / SNAPSHOTS / f"report-{stamp}.json").write_text(json.dumps(figures), encoding="utf-8")
    return done("/console/report", "snapshot")
