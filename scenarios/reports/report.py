"""Assemble the capacity-gap report: measures, marginal values, equity, all through one privacy gate.

The result is a plain JSON-ready dict (see ``docs/reports.md``); :mod:`render` turns it into HTML
and PDF, :mod:`compare` diffs two of them, and the API serves it to the ``pcg`` role.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geodata.feed_note import feed_notes
from scenarios.reports import access, compare, equity, measures
from scenarios.reports.declines import decline_section
from scenarios.reports.privacy import THRESHOLD, Publication, assert_no_pseudonyms
from scenarios.reports.referrals import referral_section

REPORT_KIND = "capacity-gap"
COUNT_FIELDS = {"waiting": "waiting", "lead_waiting": "lead", "lead_unmet": "unmet"}


# Annual cost of one more slot (USD). Sources in docs/reports.md: permanent supportive housing
# ~$18k/unit-year, outpatient treatment with MOUD ~$6k/patient-year, clinic panel slot ~$1.5k/year.
DEFAULT_SLOT_COSTS = {"housing": 18000.0, "treatment": 6000.0, "clinic": 1500.0}


@dataclass
class ReportOptions:
    """Knobs of a capacity-gap report (minutes, USD, people)."""

    transit_minutes: float = 45.0
    threshold: int = THRESHOLD
    as_of: str | None = None
    marginal: bool = True
    marginal_time_limit: float = 60.0  # wall seconds per re-solve; each is proven optimal or the report stops
    horizon_days: float = 30.0
    suppression: str = "optimal"  # or "greedy": the earlier rule (greedy cells, unknowns not folded)
    slot_costs: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SLOT_COSTS))


def _published(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def waiting_publication(entries: pd.DataFrame, table: pd.DataFrame, threshold: int) -> tuple[Publication, pd.DataFrame]:
    """The wait-list counts by area level and service, with the microcells they sum."""
    micro = (
        entries.groupby(["provider_id", "is_lead", "placeable_now"])
        .size()
        .rename("count")
        .reset_index()
        .join(table[["service", *measures.LEVELS]], on="provider_id")
    )
    publication = Publication(micro["count"].to_numpy(dtype=float), threshold=threshold)
    services = [s for s in measures.SERVICES if s in set(table["service"])]
    for level in measures.LEVELS:
        areas = sorted(table[level].unique())
        masks = {
            "waiting": None,
            "lead": micro["is_lead"].to_numpy(),
            "unmet": (micro["is_lead"] & ~micro["placeable_now"]).to_numpy(),
        }
        for name, mask in masks.items():
            publication.add_table(
                f"{name}:{level}", micro[level], micro["service"], mask=mask, row_order=areas, column_order=services
            )
    return publication, micro


def equity_inputs(region, encounters: pd.DataFrame, eligible: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Group labels and area names (municipality, police zone, cohort) of each encounter."""
    groups = equity.group_columns(encounters)
    municipality = measures.point_areas(encounters, region.municipalities)
    zone_column = encounters["zone"] if "zone" in encounters else None
    police_zone = (
        zone_column.fillna(measures.OUTSIDE).astype(str).to_numpy()
        if zone_column is not None
        else measures.point_areas(encounters, region.police_zones)
    )
    areas = pd.DataFrame(
        {
            "municipality": municipality,
            "police_zone": police_zone,
            "cohort": measures.cohort_of(pd.Series(municipality), region.cohorts),
        }
    )
    return groups, areas


def build_equity(
    region,
    encounters,
    eligible: np.ndarray,
    within: pd.DataFrame | None,
    threshold: int,
    transit_minutes: float,
    suppression: str = "optimal",
) -> dict:
    """The equity section: published arrest and access tables by group, rates and Katz ratios."""
    groups, areas = equity_inputs(region, encounters, eligible)
    located = access.has_location(encounters)
    micro = equity.equity_microdata(groups, areas, eligible, within, located)
    services = list(within.columns) if within is not None else []
    dimensions = list(equity.GROUP_DIMENSIONS) + ["municipality", "police_zone", "cohort"]
    orders = {"age_band": equity.band_order()}
    publications, notes = {}, []
    for dim in dimensions:
        # One publication per dimension: tables of different dimensions share only their status
        # margins, and any two such tables extend to a joint table, so protecting each dimension's
        # tables together is exactly as strong as protecting all of them at once (docs/reports.md).
        by_dim = (
            micro.groupby(
                [c for c in micro.columns if c in (dim, "eligible", "located") or c.startswith("within:")], dropna=False
            )["count"]
            .sum()
            .reset_index()
        )
        if dim in equity.GROUP_DIMENSIONS and suppression != "greedy":
            by_dim, note = equity.fold_unknown(by_dim, dim, threshold)
            notes += [note] if note else []
        publication = Publication(by_dim["count"].to_numpy(dtype=float), threshold=threshold)
        equity.register_tables(publication, by_dim, [dim], services, orders=orders)
        publications[dim] = publication.protect(method=suppression)
    if services and (np.asarray(eligible, dtype=bool) & ~located).any():
        notes.append(
            "Diversion-eligible arrests recorded without a location count in the arrest figures but "
            "not in the reach figures (they have no reach, within or beyond)."
        )
    section: dict[str, Any] = {
        "dimensions": {},
        "tables": {},
        "transit_minutes": transit_minutes,
        "notes": notes,
        "finding_rule": equity.FINDING_RULE,
    }
    rate_tables = {}
    for dim in dimensions:
        publication = publications[dim]
        arrests = publication.table(f"arrests:{dim}")
        rates = equity.rate_table(arrests, equity.ELIGIBLE, label="share of arrests diversion-eligible")
        entry: dict[str, Any] = {"eligible": _records(rates), "access": {}}
        section["tables"][f"arrests:{dim}"] = _table_json(arrests)
        if dim in equity.GROUP_DIMENSIONS:
            rate_tables[f"Diversion-eligible share of arrests by {dim.replace('_', ' ')}"] = rates
        for service in services:
            access_table = publication.table(f"access:{dim}:{service}")
            reach = equity.rate_table(access_table, equity.WITHIN, label=f"{service} within {transit_minutes:g} min")
            entry["access"][service] = _records(reach)
            section["tables"][f"access:{dim}:{service}"] = _table_json(access_table)
            if dim in equity.GROUP_DIMENSIONS:
                rate_tables[
                    f"{service.capitalize()} within {transit_minutes:g} transit minutes, by {dim.replace('_', ' ')}"
                ] = reach
        section["dimensions"][dim] = entry
    section["findings"] = equity.summary_findings(rate_tables)
    section["privacy"] = privacy_summary(*publications.values())
    return section


def equity_for(region, providers, options: ReportOptions) -> tuple[dict | None, str]:
    """The equity section and the reach method, from the region's encounters and these providers."""
    encounters = region.encounters
    if encounters is None or not len(encounters):
        return None, "no encounter records"
    eligible = equity.diversion_eligible(encounters["offences"])
    within, reach_method = access.reach_within(region, encounters, providers, minutes=options.transit_minutes)
    return build_equity(
        region, encounters, eligible, within, options.threshold, options.transit_minutes, options.suppression
    ), reach_method


def build_report(
    region,
    *,
    options: ReportOptions | None = None,
    providers=None,
    wait_lists=None,
    previous: dict | None = None,
    marginal_fn=None,
    equity_fn=equity_for,
    declines=None,
    referrals=None,
    caseloads=None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """The capacity-gap report for ``region`` as a JSON-ready dict (aggregate counts only).

    ``providers``/``wait_lists`` override the region's files (e.g. the live state of the API's
    database). ``previous`` is an earlier report dict to compare against. ``marginal_fn(providers,
    wait_lists, options) -> dict`` computes the "where one more slot helps most" section;
    ``equity_fn(region, providers, options) -> (section, reach method)`` the equity section (the
    API passes a cached one: it depends on the encounters and provider locations only).
    ``declines`` (one row per declined placement: service, category) adds the decline reasons;
    ``referrals`` and ``caseloads`` (:mod:`scenarios.reports.referrals`) the front-door section.
    ``progress(message)`` is told each step as it starts. The marginal re-solves run in a thread
    beside the reach and equity steps (CP-SAT searches outside the interpreter lock).
    """
    options = options or ReportOptions()
    say = progress or (lambda message: None)
    say("reading providers and wait lists")
    providers = region.providers if providers is None else providers
    wait_lists = region.wait_lists if wait_lists is None else wait_lists
    if providers is None or wait_lists is None:
        raise ValueError(f"region {region.name} has no providers or wait lists; a capacity-gap report needs both")
    areas = measures.provider_areas(providers, police_zones=region.police_zones, cohorts=region.cohorts)
    entries = measures.wait_list_entries(wait_lists, providers)
    table = measures.provider_table(providers, entries, areas)
    with ThreadPoolExecutor(max_workers=1) as background:
        marginal = (
            background.submit(marginal_fn, providers, wait_lists, options) if options.marginal and marginal_fn else None
        )
        say("withholding small wait-list counts (suppression)")
        publication, _ = waiting_publication(entries, table, options.threshold)
        publication.protect(method=options.suppression)
        say("transit reach and equity tables (arrests by group, suppression)")
        equity_section, reach_method = equity_fn(region, providers, options)
        say("what the transit feeds cover")
        feeds = feed_notes(region)
        if marginal is not None:
            say("where one more slot helps most (re-solving the placement round)")
        marginal_section = marginal.result() if marginal is not None else None
    report = {
        "kind": REPORT_KIND,
        "title": "Capacity-gap report",
        "region": region.name,
        "as_of": options.as_of or dt.date.today().isoformat(),
        "generated_parts": list(region.generated),
        "parameters": {
            **{k: v for k, v in options_json(options).items() if k != "slot_costs"},
            "reach_method": reach_method,
        },
        "feed_coverage": feeds.sentences if feeds is not None else [],
        "feed_warning": feeds.warning if feeds is not None else None,
        "period": region.period.describe() if region.manifest.spec("encounters") and region.period else None,
        "headline": headline_section(table, publication),
        "measures": measures_section(table, publication, share_within_by_area(equity_section), region.cohorts),
        "equity": equity_section,
        "marginal": marginal_section,
        "privacy": combined_privacy(privacy_summary(publication), equity_section),
        "providers_map": [
            {"lon": float(g.x), "lat": float(g.y), "service": str(s), "capacity": int(c)}
            for g, s, c in zip(providers.geometry, providers["service"], providers["capacity"])
        ],
    }
    report["declines"] = decline_section(declines, options.threshold)
    report["referrals"] = referral_section(referrals, caseloads, options.threshold)
    report["summary"] = summary_sentences(report)
    report["privacy"]["sentence"] = privacy_sentence(report["privacy"])
    report["comparison"] = compare.compare_reports(previous, report) if previous is not None else None
    return report


def headline_section(table: pd.DataFrame, publication: Publication) -> dict:
    """Region-wide figures per service; people counts come from the protected publication."""
    waiting = publication.table("waiting:county")
    unmet = publication.table("unmet:county")
    out = {}
    for service, figures in measures.headline(table).items():
        if figures["providers"] == 0:
            continue
        people = _published(waiting.loc["All", service]) if service in waiting.columns else 0.0
        days = figures["wait_days"]
        out[service] = {
            "providers": figures["providers"],
            "capacity": figures["capacity"],
            "free": figures["free"],
            "waiting": people,
            "lead_unmet": _published(unmet.loc["All", service]) if service in unmet else 0.0,
            "monthly_turnover": figures["monthly_turnover"],
            "wait_days": None if people is None or math.isinf(days) else round(days, 1),
            "waiting_label": "withheld" if people is None else f"{people:,.0f}",
            "wait_label": ("withheld" if people is None else "no turnover" if math.isinf(days) else days_text(days)),
        }
    return out


def days_text(days: float) -> str:
    """``"1 day"``, ``"18 days"``: a wait rounded to whole days."""
    whole = round(days)
    return f"{whole:,} day" if whole == 1 else f"{whole:,} days"


def summary_sentences(report: dict) -> list[str]:
    """The plain-language first screen: the worst gaps, LEAD unmet needs, reach and equity findings."""
    sentences = []
    for service, h in report["headline"].items():
        free = (
            f"{h['free']:,} of {h['capacity']:,} slots free"
            if h["free"] is not None
            else f"how many of {h['capacity']:,} slots are free is withheld too"
        )
        if h["waiting"] is None or h["free"] is None:
            waiting = "withheld" if h["waiting"] is None else h["waiting_label"]
            sentences.append(
                f"{service.capitalize()}: {waiting} wait-list entries region-wide; {free} (counts under "
                f"{report['privacy']['threshold']} are protected)."
            )
            continue
        sentences.append(
            f"{service.capitalize()}: {h['waiting_label']} wait-list entries for {h['free']:,} free of "
            f"{h['capacity']:,} slots; someone joining a list today waits about {h['wait_label']}."
        )
    sentences += longest_wait_sentences(report)
    sentences += marginal_sentences(report.get("marginal"))
    if report.get("equity") and report["equity"].get("findings"):
        sentences.append(report["equity"]["findings"][0])
    sentences += [report["feed_warning"]] if report.get("feed_warning") else []
    return sentences


def longest_wait_sentences(report: dict) -> list[str]:
    """The longest expected wait among every published cell (any level), and whether it can be located.

    Cells whose waiting count is withheld publish no wait (it would give the count away), so when
    finer areas of that service are withheld the sentence says where it cannot be located.
    """
    rows = [
        (level, r)
        for level, records in report["measures"].items()
        for r in records
        if isinstance(r.get("wait_days"), (int, float))
    ]
    if not rows:
        return []
    level, top = max(rows, key=lambda lr: (lr[1]["wait_days"], lr[0] == "county"))
    where = "region-wide" if level == "county" else f"in {top['area']} ({level.replace('_', ' ')})"
    text = f"The longest expected wait is for {top['service']} {where}: about {days_text(top['wait_days'])}"
    hidden = sum(
        1
        for r in report["measures"].get("municipality", [])
        if r["service"] == top["service"] and r.get("waiting") is None
    )
    if level != "municipality" and hidden:
        text += (
            f"; {hidden} municipalities' {top['service']} figures are withheld (fewer than "
            f"{report['privacy']['threshold']} waiting), so the wait cannot be located more closely"
        )
    return [text + "."]


def marginal_sentences(marginal: dict | None) -> list[str]:
    """Where one more slot helps most, naming every provider tied at the best value per dollar."""
    if not marginal or not marginal.get("providers"):
        return []
    rows = marginal["providers"]
    best = rows[0]
    tied = [
        r
        for r in rows
        if r["service"] == best["service"]
        and round(r["value_per_100k"] or 0, 2) == round(best["value_per_100k"] or 0, 2)
    ]
    value = f"{best['value_per_100k']:.2f} more needs met per $100,000 a year"
    if len(tied) == 1:
        return [f"One more {best['service']} slot at {best['name']} meets the most needs per dollar ({value})."]
    names = ", ".join(r["name"] for r in tied[:3]) + (f" and {len(tied) - 3} more" if len(tied) > 3 else "")
    return [
        f"One more {best['service']} slot meets the most needs per dollar at any of {len(tied)} providers, "
        f"tied at {value}: {names}."
    ]


def privacy_sentence(privacy: dict) -> str:
    """The first screen's count of what was withheld and why."""
    return (
        f"{privacy['withheld']:,} of {privacy['published_cells']:,} counts are withheld: {privacy['primary']:,} "
        f"because they are under {privacy['threshold']}, {privacy['complementary']:,} so that those cannot be "
        "worked out from totals."
    )


def privacy_summary(*publications: Publication) -> dict:
    """How many cells were withheld and why (no values), over one or more publications."""
    cells = [c for publication in publications for c in publication.cells]
    withheld = [c for c in cells if c.suppressed]
    return {
        "threshold": publications[0].threshold,
        "published_cells": len(cells),
        "withheld": len(withheld),
        "primary": sum(c.primary for c in withheld),
        "complementary": sum(not c.primary for c in withheld),
    }


def combined_privacy(summary: dict, equity_section: dict | None) -> dict:
    """The report's privacy counts: the capacity tables' plus the equity tables'."""
    if not equity_section:
        return summary
    return {
        key: value if key == "threshold" else value + equity_section["privacy"][key] for key, value in summary.items()
    }


def _table_json(frame: pd.DataFrame) -> dict:
    return {
        "index": [str(i) for i in frame.index],
        "columns": [str(c) for c in frame.columns],
        "data": [[_published(v) for v in row] for row in frame.to_numpy(dtype=float)],
    }


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                k: (
                    _published(v)
                    if isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool)
                    else (bool(v) if isinstance(v, (bool, np.bool_)) else v)
                )
                for k, v in row.items()
            }
        )
    return out


def measures_section(
    table: pd.DataFrame, publication: Publication, share_within: dict | None, cohorts: Iterable[str] = ()
) -> dict:
    """Per level, one row per (area, service) with counts taken from the protected publication;
    a cohort of ``cohorts`` (the program's) without any provider gets a row per service too, with
    no capacity: the largest gap of all."""
    section = {}
    for level in measures.LEVELS:
        rows = measures.area_measures(table, level)
        published = {name: publication.table(f"{name}:{level}") for name in COUNT_FIELDS.values()}
        records = []
        for row in rows.to_dict(orient="records"):
            record = {
                "area": row["area"],
                "service": row["service"],
                "providers": int(row["providers"]),
                "capacity": int(row["capacity"]),
                "free": int(row["free"]),
                "utilisation": _published(row["utilisation"]),
                "monthly_turnover": float(row["monthly_turnover"]),
            }
            for field_name, table_name in COUNT_FIELDS.items():
                record[field_name] = _published(published[table_name].loc[str(row["area"]), row["service"]])
            wait = row["wait_days"]
            record["wait_days"] = (
                None if record["waiting"] is None else ("no turnover" if math.isinf(wait) else round(float(wait), 1))
            )
            record["within_share"] = (share_within or {}).get((level, str(row["area"]), row["service"]))
            records.append(record)
        if level == "cohort":
            records += no_provider_rows(
                sorted(set(cohorts) - set(rows["area"])), sorted(set(rows["service"])), share_within
            )
        section[level] = records
    return section


def no_provider_rows(areas: list[str], services: list[str], share_within: dict | None) -> list[dict]:
    """Rows of cohorts without a provider of any service: nothing to count, nobody on a list there."""
    return [
        {
            "area": area,
            "service": service,
            "providers": 0,
            "capacity": 0,
            "free": 0,
            "utilisation": None,
            "monthly_turnover": 0.0,
            "waiting": 0.0,
            "lead_waiting": 0.0,
            "lead_unmet": 0.0,
            "wait_days": None,
            "within_share": (share_within or {}).get(("cohort", area, service)),
        }
        for area in areas
        for service in services
    ]


def share_within_by_area(equity_section: dict | None) -> dict | None:
    """(level, area, service) -> share of diversion-eligible encounters there with the service
    within reach. The whole region's share is the cohort rows' (which cover every encounter, in
    "(none)" those in no cohort) pooled: published counts only, None when one is withheld."""
    if not equity_section:
        return None
    shares = {}
    for level in ("municipality", "police_zone", "cohort"):
        for service, rows in equity_section["dimensions"].get(level, {}).get("access", {}).items():
            for row in rows:
                shares[(level, row["group"], service)] = row["rate"]
            if level == "cohort":
                shares[("county", "All", service)] = pooled_rate(rows)
    return shares


def pooled_rate(rows: list[dict]) -> float | None:
    """The rate of ``rows`` together (sum of counts over sum of n), None when a count or n is withheld."""
    if any(row["n"] is None or row["count"] is None for row in rows):
        return None
    n = sum(row["n"] for row in rows)
    return sum(row["count"] for row in rows) / n if n else None


def to_json(report: dict) -> str:
    """The report as JSON text; refuses text that contains a pseudonymous person id."""
    text = json.dumps(report, indent=1, default=_json_default, allow_nan=False)
    assert_no_pseudonyms(text, where="capacity-gap report JSON")
    return text


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (dt.date, Path)):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def options_json(options: ReportOptions) -> dict:
    """The options as plain JSON values."""
    return asdict(options)
