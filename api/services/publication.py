"""One publication layer for every figure the planner and pcg roles read about people.

The aggregate endpoints (``GET /v1/providers`` for planners, ``/v1/reports/capacity``,
``/v1/reports/capacity-gap``, ``/v1/referrals/outcomes``) publish counts of people: slots held and
confirmed through Handoff, wait-list entries and referrals. All of them are cells of ONE :class:`~scenarios.reports.privacy.Publication`
over the live state, protected together, so the cells withheld are chosen over the union of what
every endpoint publishes and no combination of responses recovers a withheld count:

- microcells (people, >= 0): per provider the slots held and the slots confirmed, and the
  waiting entries by provider x LEAD x placeable now (the report's wait tables,
  :func:`scenarios.reports.report.waiting_publication`); referrals by route x hours x
  municipality x zone x race x intake done x department x officer x handed off x engaged
  (:func:`api.services.outcomes.referral_frame`);
- cells: per provider held, confirmed and in use (held + confirmed: ``free`` is capacity minus
  occupied minus in use); per service the same and waiting; the capacity-gap report's waiting,
  LEAD waiting and LEAD unmet tables per area level x service (with margins) and in use per
  (level, area, service), from which its ``free``, ``utilisation`` and ``wait_days`` derive; the
  referral outcomes per department and in all (officers see their department's row of it); the
  report's front-door tables (referrals by route against municipality, police zone and race, by
  route and hours, intakes done; :func:`scenarios.reports.referrals.add_referral_tables`).

Each officer knows their own referrals exactly (they made them): every officer is an *insider*
of the suppression (:mod:`scenarios.reports.suppression`), so no count they do not know whole
can be narrowed to a small remainder by their own records plus everything published.

Capacity and ``occupied`` (slots filled outside Handoff) are the providers' own figures and are
published exactly. The report's equity section counts encounters and its decline section declined placements,
microdata no other cell sums, and they are protected by the report itself. The protected publication is kept while the state is unchanged.
"""

from __future__ import annotations

import threading
from typing import Any
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db.models import Provider
from api.services.region import RegionContext
from api.capacity_tables import capacity_state
from api.services.outcomes import add_outcome_cells, referral_frame
from api.services.providers import slot_counts
from scenarios.reports import measures
from scenarios.reports.privacy import THRESHOLD, Cell, Publication
from scenarios.reports.referrals import add_referral_tables, published_section, referral_microcells
from scenarios.reports.report import waiting_publication

GAP = "gap:"
REFINED_BY = ("department", "officer", "handed_off", "engaged")
_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


@dataclass
class Figures:
    """The protected publication of the live state, its cells by (table, row, column)."""

    publication: Publication
    referrals: pd.DataFrame
    index: dict[tuple[str, str, str], Cell] = field(default_factory=dict)

    def rows(self, table: str) -> list[str]:
        """The row labels of ``table``, in order."""
        return list(dict.fromkeys(c.row for c in self.publication.cells if c.table == table))

    def count(self, table: str, row: str, column: str) -> int | None:
        """The published count of cell ``table``/``row``/``column`` (people), None when withheld."""
        cell = self.index[(table, str(row), str(column))]
        return None if cell.suppressed else int(round(cell.value))

    def free(self, table: str, row: str, capacity: int, occupied: int) -> int | None:
        """Free slots of a provider or group: ``capacity - occupied - in use``, None when in use is withheld."""
        in_use = self.count(table, row, "in_use")
        return None if in_use is None else capacity - occupied - in_use

    def withheld(self) -> dict[str, int]:
        """How many cells the union withholds and why (no values)."""
        cells = self.publication.cells
        return {
            "threshold": self.publication.threshold,
            "published_cells": len(cells),
            "withheld": sum(c.suppressed for c in cells),
            "primary": sum(c.primary for c in cells),
            "complementary": sum(c.suppressed and not c.primary for c in cells),
        }


def _region_areas(region: RegionContext):
    """Police zones and cohorts of the service's region, as the capacity-gap report assigns them."""
    if region.folder is None:
        return None, None
    from api.services.report import region_of

    loaded = region_of(Path(region.folder))
    return loaded.police_zones, loaded.cohorts


def live_figures(session: Session, region: RegionContext) -> Figures:
    """The union publication of the live state in ``session``, protected (cached while unchanged)."""
    active = session.scalar(select(func.count()).select_from(Provider).where(Provider.archived.is_(False)))
    providers, wait_lists = capacity_state(session) if active else ({"provider_id": []}, None)
    ids = [str(i) for i in providers["provider_id"]]
    taken = slot_counts(session, ids)
    held = np.array([taken[i].held if i in taken else 0 for i in ids], dtype=float)
    confirmed = np.array([taken[i].confirmed if i in taken else 0 for i in ids], dtype=float)
    if ids:
        zones, cohorts = _region_areas(region)
        areas = measures.provider_areas(providers, police_zones=zones, cohorts=cohorts)
        entries = measures.wait_list_entries(wait_lists, providers)
        table = measures.provider_table(providers, entries, areas)
    else:
        entries = table = pd.DataFrame({"service": [], **{level: [] for level in measures.LEVELS}})
    referrals = referral_frame(session)
    key = repr(
        (region.folder, ids, held.tolist(), confirmed.tolist(), table.to_json(), entries.to_json(), referrals.to_json())
    )
    with _cache_lock:
        if _cache.get("key") == key:
            return _cache["figures"]
    figures = _protect(table, entries, held, confirmed, referrals)
    with _cache_lock:
        _cache.update(key=key, figures=figures)
    return figures


def _protect(
    table: pd.DataFrame, entries: pd.DataFrame, held: np.ndarray, confirmed: np.ndarray, referrals: pd.DataFrame
) -> Figures:
    ids = [str(i) for i in table.index]
    if ids:
        waiting, micro = waiting_publication(entries, table, THRESHOLD)
    else:
        waiting, micro = Publication(np.zeros(0)), None
    n_wait, n = waiting.micro.size, len(ids)
    referred = referral_microcells(referrals, extra=REFINED_BY)
    first = n_wait + 2 * n
    counts_of_people = [waiting.micro, held, confirmed, referred["count"].to_numpy(dtype=float)]
    publication = Publication(np.concatenate(counts_of_people), threshold=THRESHOLD)
    add_outcome_cells(publication, referred, offset=first)
    add_referral_tables(publication, referred, offset=first, prefix=GAP)
    officers = referred["officer"].to_numpy(dtype=object)
    insiders = [first + np.flatnonzero(officers == name) for name in sorted(set(officers))]
    for cell in waiting.cells:
        publication.add_cell(GAP + cell.table, cell.row, cell.column, cell.members)
    held_at = {pid: n_wait + i for i, pid in enumerate(ids)}
    confirmed_at = {pid: n_wait + n + i for i, pid in enumerate(ids)}

    def counts(name: str, label: str, members: list[str]) -> None:
        publication.add_cell(name, label, "held", [held_at[p] for p in members])
        publication.add_cell(name, label, "confirmed", [confirmed_at[p] for p in members])
        publication.add_cell(name, label, "in_use", [held_at[p] for p in members] + [confirmed_at[p] for p in members])

    for pid in ids:
        counts("provider", pid, [pid])
    for service in sorted(set(table["service"])):
        members = [p for p in ids if table.loc[p, "service"] == service]
        counts("service", service, members)
        publication.add_cell(
            "service",
            service,
            "waiting",
            [] if micro is None else np.flatnonzero(micro["service"].to_numpy() == service),
        )
    for level in measures.LEVELS:
        for (area, service), group in table.groupby([level, "service"]):
            members = [str(p) for p in group.index]
            publication.add_cell(
                f"{GAP}in_use:{level}",
                area,
                service,
                [held_at[p] for p in members] + [confirmed_at[p] for p in members],
            )
    publication.protect(insiders=insiders)
    return Figures(publication, referrals, {(c.table, c.row, c.column): c for c in publication.cells})


def publish_gap_report(report: dict, figures: Figures, caseloads: pd.DataFrame | None) -> dict:
    """The capacity-gap report's people counts replaced by the union's (in place; returns ``report``).

    Waiting, LEAD waiting and LEAD unmet come from the union's wait tables; ``free`` and
    ``utilisation`` are withheld with the area's in-use cell, ``wait_days`` with either. The
    front-door section is the union's referral tables, with the ``caseloads`` (staff) bands."""
    from scenarios.reports.report import COUNT_FIELDS, combined_privacy, privacy_sentence, summary_sentences

    for level, records in report["measures"].items():
        for record in records:
            area, service = str(record["area"]), record["service"]
            for name, table in COUNT_FIELDS.items():
                record[name] = figures.count(f"{GAP}{table}:{level}", area, service)
            if figures.count(f"{GAP}in_use:{level}", area, service) is None:
                record["free"] = record["utilisation"] = None
            if record["waiting"] is None or record["free"] is None:
                record["wait_days"] = None
    for service, headline in report["headline"].items():
        waiting = figures.count(f"{GAP}waiting:county", "All", service)
        free_shown = figures.count("service", service, "in_use") is not None
        headline.update(
            waiting=waiting,
            lead_unmet=figures.count(f"{GAP}unmet:county", "All", service),
            free=headline["free"] if free_shown else None,
        )
        if waiting is None or not free_shown:
            headline.update(wait_days=None, wait_label="withheld")
        headline["waiting_label"] = "withheld" if waiting is None else f"{waiting:,}"
    report["referrals"] = published_section(figures.publication, figures.referrals, caseloads, prefix=GAP)
    report["privacy"] = combined_privacy(figures.withheld(), report.get("equity"))
    report["privacy"]["sentence"] = privacy_sentence(report["privacy"])
    report["summary"] = summary_sentences(report)
    return report
