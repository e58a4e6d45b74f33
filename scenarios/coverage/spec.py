"""Reading and checking a ``kind: coverage`` scenario; every error names its key.

Keys (all but ``region`` and ``cohort``/``members`` are optional)::

    kind: coverage
    region: ../region            # folder with region.toml, relative to the YAML
    cohort: North Boroughs       # a cohort of region.toml, or members: [Bellevue Borough, Avalon Borough]
    area: municipality           # or police_zone
    period: 2016-08-01..2017-03-29   # days the rates divide by (default: the region's period)
    demand: {offences: [retail theft, "3503"], match: all, eligibility_rate: 0.5,
             seasonality: {1: 0.9, 7: 1.1}, plan_months: [7], growth_per_year: 0.02, years_ahead: 1}
    staffing: {model: erlang_a, handoff_minutes: 45, patience_minutes: 20, max_loss: 0.1, max_staff: 6}
    shifts: {every_hours: 1, lengths: [8]}   # or a list of {name, start, length, days, on_call}
    wages: {case_manager_hourly: 27, night_differential: 0.1, ...}
    value: {jail_day_cost: 77.40, ...}
    budget: 900000               # USD/year: most captured hand-offs for this
    target: 0.5                  # or: least cost capturing this share of eligible demand
    budgets: [300000, 600000]    # USD/year: the efficient frontier (default: 6 steps up to the
                                 # dearest compared schedule or the budget), always plus the
                                 # costs of the compared schedules and of the chosen plan
    compare: [weekdays_8_to_midnight, always]
    sharing: {methods: [proportional, shapley, nucleolus], samples: 2000,
              tiers: [{name: nights, days: Mo-Su, start: 0, length: 8, buyers: [Avalon]}]}
    time_limit_s: 10
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from scenarios.coverage.costs import Shift, Wages, generated_shifts, overlapping, parse_days
from scenarios.coverage.demand import DEFAULT_OFFENCES, HOURS_PER_WEEK, DemandOptions, hour_label
from scenarios.coverage.staffing import MODELS, StaffingStandard
from scenarios.coverage.value import ValueAssumptions
from scenarios.errors import ScenarioError

FIXED_SCHEDULES = {
    "weekdays_8_to_midnight": ("8 am-midnight weekdays", [(d, 8, 16) for d in range(5)]),
    "always": ("24/7", [(d, 0, 24) for d in range(7)]),
    "business_hours": ("9 am-5 pm weekdays", [(d, 9, 8) for d in range(5)]),
}
AREAS = ("municipality", "police_zone")
METHODS = ("proportional", "shapley", "nucleolus")
TOP_LEVEL = {
    "kind",
    "name",
    "description",
    "region",
    "cohort",
    "members",
    "area",
    "period",
    "demand",
    "staffing",
    "shifts",
    "wages",
    "value",
    "budget",
    "target",
    "budgets",
    "compare",
    "sharing",
    "time_limit_s",
    "workers",
    "referrals",
    "demand_source",
}  # the last two: scenarios.coverage.referral_demand


@dataclass
class CoverageSpec:
    """A checked coverage scenario."""

    name: str
    region: Path
    members: list[str]
    cohort: str | None
    area: str
    demand: DemandOptions
    standard: StaffingStandard
    shifts: list[Shift]
    wages: Wages
    value: ValueAssumptions
    budget: float | None  # USD/year
    target: float | None  # share of eligible demand, 0-1
    budgets: list[float]  # USD/year
    compare: list[str]
    methods: tuple[str, ...]
    samples: int
    tiers: list[dict[str, Any]] = field(default_factory=list)
    time_limit_s: float = 10.0
    workers: int = 1


def fail(key: str, message: str) -> ScenarioError:
    """The error for a bad key (the file is named by the runner's caller)."""
    return ScenarioError(None, key, message)


def _number(raw: dict, key: str, prefix: str, default, *, low=None, high=None, integer=False):
    value = raw.get(key, default)
    name = f"{prefix}{key}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(name, f"expected a number, got {value!r}")
    if integer and int(value) != value:
        raise fail(name, f"expected a whole number, got {value!r}")
    if low is not None and value < low:
        raise fail(name, f"must be at least {low}, got {value!r}")
    if high is not None and value > high:
        raise fail(name, f"must be at most {high}, got {value!r}")
    return int(value) if integer else float(value)


def _section(spec: dict, key: str) -> dict:
    value = spec.get(key) or {}
    if not isinstance(value, dict):
        raise fail(key, f"expected a mapping of settings, got {value!r}")
    return value


def _known(raw: dict, prefix: str, allowed) -> None:
    for key in raw:
        if key not in allowed:
            raise fail(f"{prefix}{key}", f"unknown setting; expected one of {', '.join(sorted(allowed))}")


def _dataclass_from(cls, raw: dict, prefix: str, limits: dict[str, tuple] | None = None):
    names = {f.name: f for f in fields(cls)}
    _known(raw, prefix, names)
    limits = limits or {}
    values = {}
    for key in raw:
        default = names[key].default
        if isinstance(default, str):
            values[key] = raw[key]
            continue
        low, high = limits.get(key, (0, None))
        values[key] = _number(raw, key, prefix, default, low=low, high=high, integer=isinstance(default, int))
    return cls(**values)


def parse_offences(value) -> dict[str, str]:
    """Offence list: default labels (``"retail theft"``) or statute codes matched as prefixes (``"3929"``)."""
    if value in (None, "default"):
        return dict(DEFAULT_OFFENCES)
    if not isinstance(value, list) or not value:
        raise fail("demand.offences", "expected a list of offence names or PA statute codes")
    chosen = {}
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise fail(f"demand.offences[{i}]", f"expected an offence name or code, got {item!r}")
        label = item.strip().lower()
        chosen[label] = DEFAULT_OFFENCES.get(label, re.escape(item.strip()))
    return chosen


def _demand(raw: dict) -> DemandOptions:
    _known(
        raw,
        "demand.",
        {"offences", "match", "eligibility_rate", "seasonality", "plan_months", "growth_per_year", "years_ahead"},
    )
    if raw.get("match", "all") not in ("all", "any"):
        raise fail("demand.match", "expected all or any")
    seasonality = raw.get("seasonality") or {}
    if not isinstance(seasonality, dict) or any(
        not str(m).isdigit() or int(m) not in range(1, 13) or not isinstance(v, (int, float)) or v <= 0
        for m, v in seasonality.items()
    ):
        raise fail("demand.seasonality", "expected month (1-12) -> positive relative volume")
    months = raw.get("plan_months") or []
    if not isinstance(months, list) or any(m not in range(1, 13) for m in months):
        raise fail("demand.plan_months", "expected a list of months 1-12")
    return DemandOptions(
        offences=parse_offences(raw.get("offences")),
        match=raw.get("match", "all"),
        eligibility_rate=_number(raw, "eligibility_rate", "demand.", 0.5, low=0, high=1),
        seasonality={int(m): float(v) for m, v in seasonality.items()},
        plan_months=tuple(months),
        growth_per_year=_number(raw, "growth_per_year", "demand.", 0.0, low=-0.5, high=1.0),
        years_ahead=_number(raw, "years_ahead", "demand.", 0.0, low=0, high=30),
    )


def _standard(raw: dict) -> StaffingStandard:
    if raw.get("model", "erlang_a") not in MODELS:
        raise fail("staffing.model", f"expected one of {', '.join(MODELS)}")
    limits = {
        "handoff_minutes": (1, 600),
        "patience_minutes": (1, 600),
        "target_minutes": (0, 600),
        "service_level": (0, 0.999),
        "max_loss": (0, 0.999),
        "max_staff": (1, 20),
        "on_call_response_minutes": (0, 600),
    }
    return _dataclass_from(StaffingStandard, raw, "staffing.", limits)


def _shifts(value) -> list[Shift]:
    if value is None:
        value = {"every_hours": 1, "lengths": [8]}
    if isinstance(value, dict):
        _known(value, "shifts.", {"every_hours", "lengths", "on_call_lengths"})
        every = _number(value, "every_hours", "shifts.", 1, low=1, high=24, integer=True)
        lengths = value.get("lengths", [8])
        on_call = value.get("on_call_lengths", [])
        for key, items in (("lengths", lengths), ("on_call_lengths", on_call)):
            if not isinstance(items, list) or any(not isinstance(x, int) or not 1 <= x <= 24 for x in items):
                raise fail(f"shifts.{key}", "expected a list of shift lengths in whole hours, 1-24")
        return generated_shifts(lengths=lengths, every_hours=every) + generated_shifts(
            lengths=on_call, every_hours=every, on_call=True
        )
    if not isinstance(value, list) or not value:
        raise fail("shifts", "expected a list of shifts or {every_hours, lengths}")
    shifts = []
    for i, item in enumerate(value):
        key = f"shifts[{i}]"
        if not isinstance(item, dict):
            raise fail(key, "expected {name, start, length, days}")
        _known(item, f"{key}.", {"name", "start", "length", "days", "on_call"})
        try:
            days = parse_days(item.get("days"))
        except ValueError:
            raise fail(f"{key}.days", f"expected day names like Mo-Fr or Sa,Su, got {item.get('days')!r}") from None
        shifts.append(
            Shift(
                str(item.get("name", f"shift {i + 1}")),
                _number(item, "start", f"{key}.", None, low=0, high=23, integer=True),
                _number(item, "length", f"{key}.", None, low=1, high=24, integer=True),
                days,
                bool(item.get("on_call", False)),
            )
        )
    clash = overlapping(shifts)
    if clash:
        first, second, hour = clash
        raise fail(
            f"shifts[{second}]",
            f"overlaps shifts[{first}] ({shifts[first].name}) at {hour_label(hour)}; "
            "listed shifts must not overlap (use {every_hours, lengths} to let the optimiser choose)",
        )
    return shifts


def _fail_budget(key: str, i: int, value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise fail(f"{key}[{i}]", f"expected a yearly budget in USD (>= 0), got {value!r}")


def _tiers(raw: dict, members: list[str]) -> list[dict[str, Any]]:
    tiers = []
    for i, tier in enumerate(raw.get("tiers") or []):
        key = f"sharing.tiers[{i}]"
        if not isinstance(tier, dict):
            raise fail(key, "expected {name, days, start, length, buyers}")
        _known(tier, f"{key}.", {"name", "days", "start", "length", "buyers"})
        buyers = tier.get("buyers") or []
        for j, buyer in enumerate(buyers):
            if buyer not in members:
                raise fail(f"{key}.buyers[{j}]", f"{buyer!r} is not a member of this cohort ({', '.join(members)})")
        shift = Shift(
            str(tier.get("name", f"tier {i + 1}")),
            _number(tier, "start", f"{key}.", 0, low=0, high=23, integer=True),
            _number(tier, "length", f"{key}.", 24, low=1, high=24, integer=True),
            parse_days(tier.get("days")),
        )
        hours = np.zeros(HOURS_PER_WEEK, dtype=bool)
        for day in shift.days:
            hours[shift.hours_on(day)] = True
        tiers.append({"name": shift.name, "hours": hours, "buyers": np.array([m in buyers for m in members])})
    return tiers


def listing(names: list[str], *, shown: int = 12) -> str:
    """``names`` joined with commas, the first ``shown`` of them and "..." only when some are left out."""
    return ", ".join(names[:shown]) + (f", ... ({len(names)} in all)" if len(names) > shown else "")


def parse_spec(spec: dict, *, base_dir: Path, known_members: list[str], cohorts: dict[str, list[str]]) -> CoverageSpec:
    """Check a scenario dict against the region's member names and cohorts; raise ScenarioError on a bad key."""
    _known(spec, "", TOP_LEVEL)
    if spec.get("area", "municipality") not in AREAS:
        raise fail("area", f"expected one of {', '.join(AREAS)}, got {spec.get('area')!r}")
    cohort = spec.get("cohort")
    if cohort is not None and spec.get("members") is not None:
        raise fail("members", "give either cohort or members, not both")
    if cohort is not None:
        if cohort not in cohorts:
            raise fail("cohort", f"unknown cohort {cohort!r}; the region has {', '.join(cohorts) or 'none'}")
        members = list(cohorts[cohort])
    else:
        listed = spec.get("members")
        if not isinstance(listed, list) or not listed:
            raise fail("members", "name a cohort (cohort: NAME) or list members (members: [A, B])")
        members = [str(m) for m in listed]
    for i, member in enumerate(members):
        if member not in known_members:
            raise fail(
                f"members[{i}]" if cohort is None else "cohort",
                f"unknown {spec.get('area', 'municipality').replace('_', ' ')} {member!r}; "
                f"the region has {listing(sorted(map(str, known_members)))}",
            )
    if len(set(members)) != len(members):
        raise fail("members", "a member is listed twice")
    compare = spec.get("compare", ["weekdays_8_to_midnight", "always"])
    for i, name in enumerate(compare):
        if name not in FIXED_SCHEDULES:
            raise fail(f"compare[{i}]", f"unknown schedule {name!r}; expected one of {', '.join(FIXED_SCHEDULES)}")
    sharing = _section(spec, "sharing")
    _known(sharing, "sharing.", {"method", "methods", "samples", "seed", "tiers"})
    methods = sharing.get("methods", [sharing["method"]] if "method" in sharing else list(METHODS))
    if not isinstance(methods, list):
        raise fail("sharing.methods", f"expected a list of {', '.join(METHODS)}")
    for i, method in enumerate(methods):
        if method not in METHODS:
            raise fail(
                "sharing.method" if "method" in sharing else f"sharing.methods[{i}]",
                f"expected one of {', '.join(METHODS)}, got {method!r}",
            )
    budget = spec.get("budget")
    target = spec.get("target")
    if budget is None and target is None and not compare:
        raise fail(
            "budget",
            "give a budget (USD/year), a target (share of eligible demand) or a fixed schedule to compare with",
        )
    return CoverageSpec(
        name=str(spec.get("name", "coverage")),
        region=(base_dir / str(spec.get("region", "."))).resolve(),
        members=[str(m) for m in members],
        cohort=cohort,
        area=spec.get("area", "municipality"),
        demand=_demand(_section(spec, "demand")),
        standard=_standard(_section(spec, "staffing")),
        shifts=_shifts(spec.get("shifts")),
        wages=_dataclass_from(
            Wages,
            _section(spec, "wages"),
            "wages.",
            {
                "caseload": (1, 25),
                "night_start": (0, 23),
                "night_end": (0, 23),
                "engagement_rate": (0, 1),
                "enrollment_weeks": (0, 520),
                "overtime_multiplier": (1, 5),
            },
        ),
        value=_dataclass_from(ValueAssumptions, _section(spec, "value"), "value."),
        budget=None if budget is None else _number(spec, "budget", "", None, low=0),
        target=None if target is None else _number(spec, "target", "", None, low=0, high=1),
        budgets=[_fail_budget("budgets", i, v) for i, v in enumerate(_list(spec, "budgets"))],
        compare=list(compare),
        methods=tuple(methods),
        samples=_number(sharing, "samples", "sharing.", 2000, low=10, integer=True),
        tiers=_tiers(sharing, [str(m) for m in members]),
        time_limit_s=_number(spec, "time_limit_s", "", 10.0, low=0.1),
        workers=_number(spec, "workers", "", 1, low=1, high=64, integer=True),
    )


def _list(spec: dict, key: str) -> list:
    value = spec.get(key) or []
    if not isinstance(value, list):
        raise fail(key, "expected a list")
    return value
