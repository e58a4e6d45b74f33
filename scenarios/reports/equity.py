"""Equity: arrests, diversion eligibility and access to services by race, gender, age band and area.

The unit is an encounter record (an arrest in the WPRDC format). For each group we publish the
arrests, the diversion-eligible arrests (offences on the program's list) and, for the eligible,
whether a provider of each service is within ``T`` transit minutes of where the encounter
happened. Rates are compared with a reference group (the largest) as risk ratios with 95 %
confidence intervals by the Katz log method:

    RR = (a / n1) / (c / n2),  se(log RR) = sqrt(1/a - 1/n1 + 1/c - 1/n2),
    CI = exp(log RR +- 1.96 se)

with 0.5 added to every count when a count is zero (Haldane). Every count goes through the
report's :class:`~scenarios.reports.privacy.Publication`; a rate or ratio whose counts are
withheld is withheld too.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scenarios.reports.privacy import Publication

RACES = {
    "B": "Black",
    "W": "White",
    "H": "Hispanic",
    "A": "Asian",
    "I": "American Indian",
    "O": "Other",
    "U": "Unknown",
}
GENDERS = {"M": "Male", "F": "Female", "U": "Unknown"}
AGE_BANDS = (
    (0, 18, "under 18"),
    (18, 25, "18-24"),
    (25, 35, "25-34"),
    (35, 45, "35-44"),
    (45, 55, "45-54"),
    (55, 65, "55-64"),
    (65, 200, "65+"),
)
GROUP_DIMENSIONS = ("race", "gender", "age_band")
ELIGIBLE, OTHER = "Diversion-eligible", "Other arrests"
WITHIN, BEYOND = "Within reach", "Beyond reach"
Z95 = 1.959964
UNKNOWN_LABELS = ("Unknown", "unknown")
MIN_GROUP = 100  # records: a group smaller than this is never a headline finding
# Pennsylvania statute codes (the leading token of each WPRDC offence) of LEAD-style diversion
# offences: drug possession, small-amount marijuana, paraphernalia, retail theft, prostitution,
# public drunkenness, trespass, disorderly conduct.
DIVERSION_CODES = ("13(a)(16)", "13(a)(31)", "13(a)(32)", "3929", "5902", "5505", "3503", "5503")
# Offences that exclude diversion whatever else is charged: violence, weapons, dealing, burglary.
EXCLUDING_CODES = (
    "2501",
    "2502",
    "2702",
    "2901",
    "3121",
    "3123",
    "3124",
    "3125",
    "3126",
    "3301",
    "3502",
    "3701",
    "6105",
    "6106",
    "13(a)(30)",
)


def age_band(age: pd.Series) -> pd.Series:
    """Age in years to a band label (``"unknown"`` when missing)."""
    labels = pd.Series("unknown", index=age.index, dtype=object)
    for low, high, label in AGE_BANDS:
        labels[(age >= low) & (age < high)] = label
    return labels


def band_order() -> list[str]:
    """Age-band labels youngest first, ``unknown`` last."""
    return [label for _, _, label in AGE_BANDS] + ["unknown"]


def diversion_eligible(offences: pd.Series, *, codes=DIVERSION_CODES, excluding=EXCLUDING_CODES) -> np.ndarray:
    """True for records with a diversion offence and no excluding offence (``offences``: lists of text)."""

    def statute(offence: str) -> str:
        token = str(offence).strip().split(" ", 1)[0]
        return token.rstrip(".").upper().replace("A", "a") if token.startswith("13(") else token.rstrip(".")

    def matches(code: str, prefixes) -> bool:
        return any(code == p or code.startswith(p + "(") or code.startswith(p + ".") for p in prefixes)

    kinds: dict[str, tuple[bool, bool]] = {}  # offence text -> (diversion, excluding): records repeat offences

    def kind(offence: str) -> tuple[bool, bool]:
        if offence not in kinds:
            code = statute(offence)
            kinds[offence] = (matches(code, codes), matches(code, excluding))
        return kinds[offence]

    out = []
    for record in offences:
        record_kinds = [kind(o) for o in (record if isinstance(record, (list, tuple)) else [])]
        out.append(any(d for d, _ in record_kinds) and not any(e for _, e in record_kinds))
    return np.array(out, dtype=bool)


def group_columns(encounters: pd.DataFrame) -> pd.DataFrame:
    """Readable ``race``, ``gender`` and ``age_band`` labels for each encounter."""
    race = encounters["race"].fillna("U").astype(str).str.strip().str.upper()
    gender = encounters["gender"].fillna("U").astype(str).str.strip().str.upper()
    return pd.DataFrame(
        {
            "race": race.map(RACES).fillna("Other"),
            "gender": gender.map(GENDERS).fillna("Unknown"),
            "age_band": age_band(pd.to_numeric(encounters["age"], errors="coerce")),
        },
        index=encounters.index,
    )


def equity_microdata(
    groups: pd.DataFrame,
    areas: pd.DataFrame,
    eligible: np.ndarray,
    within: pd.DataFrame | None,
    located: np.ndarray | None = None,
) -> pd.DataFrame:
    """Counts per distinct (group, area, eligibility, location known, reach per service)
    combination: the microcells.

    ``within`` has one boolean column per service (reach within T minutes), or is ``None``;
    ``located`` whether each encounter has a location (all when ``None``): only located ones
    count in the access tables (:func:`in_reach_figures`).
    """
    frame = pd.concat([groups.reset_index(drop=True), areas.reset_index(drop=True)], axis=1)
    frame["eligible"] = np.asarray(eligible, dtype=bool)
    frame["located"] = np.ones(len(frame), dtype=bool) if located is None else np.asarray(located, dtype=bool)
    flags = []
    if within is not None:
        for service in within.columns:
            frame[f"within:{service}"] = within[service].to_numpy(dtype=bool) & frame["eligible"].to_numpy()
            flags.append(f"within:{service}")
    keys = list(frame.columns)
    return frame.groupby(keys, dropna=False).size().rename("count").reset_index()


def in_reach_figures(micro: pd.DataFrame) -> np.ndarray:
    """The microcells the access tables count: diversion-eligible encounters with a location (an
    encounter recorded without one has no reach, neither within nor beyond)."""
    eligible = micro["eligible"].to_numpy(bool)
    return eligible & micro["located"].to_numpy(bool) if "located" in micro else eligible


def fold_unknown(micro: pd.DataFrame, dim: str, threshold: int) -> tuple[pd.DataFrame, str | None]:
    """Count a small "unknown" group with another so it never forces a large group's row out.

    Withholding a small row of a table with published totals forces a second row out (else the
    small one is the total minus the rest), and the next smallest is often a large group (all
    women, to hide 4 records of unknown gender). So when any count of the unknown row (arrests,
    eligible, other, within or beyond reach) is under ``threshold``, its records are counted with
    ``Other`` when the dimension has that group, else with the largest group, and the row is
    relabelled (``"Male or unknown"``). Returns the microdata and a note (``None`` when unchanged).
    """
    labels = micro[dim].astype(str)
    unknown = labels.isin(UNKNOWN_LABELS)
    if not unknown.any():
        return micro, None
    rows = micro[unknown]
    reached = rows[in_reach_figures(rows)]
    counts = [
        rows["count"].sum(),
        rows.loc[rows["eligible"], "count"].sum(),
        rows.loc[~rows["eligible"], "count"].sum(),
    ]
    for flag in (c for c in micro.columns if c.startswith("within:")):
        counts += [reached.loc[reached[flag], "count"].sum(), reached.loc[~reached[flag], "count"].sum()]
    if not any(0 < c < threshold for c in counts):
        return micro, None
    sizes = micro[~unknown].groupby(dim)["count"].sum()
    if sizes.empty:
        return micro, None
    host = "Other" if "Other" in sizes.index else str(sizes.idxmax())
    merged = f"{host} or unknown"
    out = micro.copy()
    out[dim] = np.where(unknown | (labels == host), merged, labels)
    name = dim.replace("_", " ")
    return out, (
        f"Records of unknown {name} (fewer than {threshold} in some count) are counted with {host}, shown as "
        f'"{merged}", so that no other group\'s figures have to be withheld to protect them.'
    )


def register_tables(
    publication: Publication,
    micro: pd.DataFrame,
    dimensions: list[str],
    services: list[str],
    *,
    orders: dict[str, list[str]],
) -> None:
    """Add the arrests table and one access table per service for each dimension of ``micro``.

    ``publication.micro`` must be ``micro["count"]``. Tables are named ``arrests:<dim>`` (eligible
    vs other arrests) and ``access:<dim>:<service>`` (eligible arrests within vs beyond reach).
    """
    status = np.where(micro["eligible"], ELIGIBLE, OTHER)
    for dim in dimensions:
        rows = micro[dim].astype(str).to_numpy()
        present = set(rows)
        wanted = orders.get(dim, sorted(present))
        order = [label for g in wanted for label in (g, f"{g} or unknown") if label in present]
        order += sorted(present - set(order))
        publication.add_table(f"arrests:{dim}", rows, status, row_order=order, column_order=[ELIGIBLE, OTHER])
        for service in services:
            reach = np.where(micro[f"within:{service}"], WITHIN, BEYOND)
            publication.add_table(
                f"access:{dim}:{service}",
                rows,
                reach,
                mask=in_reach_figures(micro),
                row_order=order,
                column_order=[WITHIN, BEYOND],
            )


def katz_ratio(a: float, n1: float, c: float, n2: float) -> tuple[float, float, float]:
    """Risk ratio (a/n1)/(c/n2) and its 95 % Katz log confidence interval (low, high)."""
    if min(n1, n2) <= 0:
        return math.nan, math.nan, math.nan
    if a == 0 or c == 0 or a == n1 or c == n2:
        a, n1, c, n2 = a + 0.5, n1 + 1.0, c + 0.5, n2 + 1.0
    ratio = (a / n1) / (c / n2)
    se = math.sqrt(max(1 / a - 1 / n1 + 1 / c - 1 / n2, 0.0))
    return ratio, ratio * math.exp(-Z95 * se), ratio * math.exp(Z95 * se)


def rate_table(published: pd.DataFrame, numerator: str, *, label: str) -> pd.DataFrame:
    """Rates ``numerator / Total`` per group of a published table, with Katz ratios to the largest group.

    Groups whose counts are withheld (NaN) get NaN rates and ratios. Columns: ``group``, ``n``,
    ``count``, ``rate``, ``ratio``, ``ratio_low``, ``ratio_high``, ``reference`` (bool).
    """
    body = published.drop(index="Total", errors="ignore")
    n = body["Total"]
    count = body[numerator]
    usable = n.notna() & count.notna() & (n > 0)
    reference = n[usable].idxmax() if usable.any() else None
    rows = []
    for group in body.index:
        ratio = low = high = math.nan
        if usable[group] and reference is not None:
            ratio, low, high = katz_ratio(count[group], n[group], count[reference], n[reference])
        rows.append(
            {
                "group": group,
                "n": n[group],
                "count": count[group],
                "rate": count[group] / n[group] if usable[group] else math.nan,
                "ratio": ratio,
                "ratio_low": low,
                "ratio_high": high,
                "reference": group == reference,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["measure"] = label
    return out


FINDING_RULE = (
    f"Findings name only groups of at least {MIN_GROUP} records whose 95 % interval excludes parity "
    "(a ratio of 1), largest effect first (furthest from 1 on a log scale); equal effects are named "
    "together as a tie; groups holding records of unknown category are never findings."
)


def summary_findings(tables: dict[str, pd.DataFrame], *, min_group: int = MIN_GROUP) -> list[str]:
    """Plain-language sentences by :data:`FINDING_RULE`: groups of ``min_group``+ records whose CI excludes 1.

    Each sentence states both rates, the ratio and its interval; ratios equal to two decimals in
    the same table are one sentence naming every tied group.
    """
    findings: dict[tuple[str, float], list] = {}
    for title, table in tables.items():
        ref = table[table["reference"]]
        if ref.empty:
            continue
        ref_row = ref.iloc[0]
        big = (table["n"].fillna(0) >= min_group) & ~table["group"].astype(str).str.contains("unknown", case=False)
        significant = table[big & ~table["reference"] & ((table["ratio_low"] > 1) | (table["ratio_high"] < 1))]
        for _, row in significant.iterrows():
            findings.setdefault((title, round(float(row["ratio"]), 2)), []).append(row)
    sentences = []
    for (title, ratio), rows in findings.items():
        ref_row = tables[title][tables[title]["reference"]].iloc[0]
        groups = " and ".join(str(r["group"]) for r in rows)
        rates = ", ".join(f"{r['group']} {100 * r['rate']:.0f} %" for r in rows)
        tie = " (a tie)" if len(rows) > 1 else ""
        first = rows[0]
        sentences.append(
            (
                abs(math.log(ratio)) if ratio > 0 else math.inf,
                f"{title}: {groups} {ratio:.2f} times the rate of {ref_row['group']}{tie} "
                f"({rates} vs {100 * ref_row['rate']:.0f} %; 95 % CI {first['ratio_low']:.2f}-"
                f"{first['ratio_high']:.2f}; {ref_row['group']} is the largest group).",
            )
        )
    return [text for _, text in sorted(sentences, key=lambda t: -t[0])]
