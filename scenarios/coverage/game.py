"""The cohort's cost game: what each group of members would pay to staff its covered hours alone.

For a coalition S, every hour h in the plan where some member of S is covered (base hours cover
everyone, tier hours only their buyers) must be staffed to the standard for S's own demand:
``need(lam_h(S))`` case managers at that hour's pay, plus the facility when on site. Add the
caseload, police overtime and callouts of S's captured hand-offs. Staffing is priced per staff-hour, so ``c(N)`` can differ from the
shift-based schedule by the shift-boundary overhead, which the split table reports separately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scenarios.coverage import sharing
from scenarios.coverage.costs import WEEKS_PER_YEAR, Wages
from scenarios.coverage.staffing import StaffingStandard, load_thresholds, served_fraction, staff_needed


@dataclass
class CoverageGame:
    """Arrays of the game (n members, H hours); money in USD per week."""

    members: list[str]
    demand: np.ndarray  # (n, H) hand-offs per week a member brings in each hour it is covered
    covered: np.ndarray  # (n, H) bool, member covered in that hour (base hours: all members)
    on_site: np.ndarray  # (H,) bool, hour staffed on site (else on call)
    pay: np.ndarray  # (H,) USD per case-manager hour (on-call premium for on-call hours)
    facility: np.ndarray  # (H,) USD per open on-site hour
    captured: np.ndarray  # (n,) hand-offs per week each member's covered hours capture
    variable: np.ndarray  # (n,) USD per week of caseload, overtime and callouts for those hand-offs
    thresholds: np.ndarray  # hand-off rates 1..K case managers can take to standard

    def cost_of(self, members: np.ndarray) -> np.ndarray:
        """Stand-alone weekly cost of each coalition (rows of a bool (k, n) membership matrix)."""
        chosen = members.astype(float)
        lam = chosen @ self.demand
        active = chosen @ self.covered.astype(float) > 0
        need = np.where(active, 1 + np.searchsorted(self.thresholds, lam, side="left"), 0)
        staffing = need @ self.pay + active.astype(float) @ (self.facility * self.on_site)
        return staffing + chosen @ self.variable


def coverage_game(
    members: list[str],
    demand: np.ndarray,
    covered_on: np.ndarray,
    covered_call: np.ndarray,
    *,
    tiers: list[tuple[np.ndarray, np.ndarray]],
    wages: Wages,
    standard: StaffingStandard,
) -> CoverageGame:
    """Build the game from member demand (n, 168), the plan's covered hours and the extra tiers.

    ``tiers`` are ``(hours bool (168,), buyers bool (n,))``: on-site hours bought only by ``buyers``.
    """
    n, hours = demand.shape
    covered = np.zeros((n, hours), dtype=bool)
    covered[:, covered_on | covered_call] = True
    on_site = covered_on.copy()
    for tier_hours, buyers in tiers:
        extra = tier_hours & ~(covered_on | covered_call)
        covered[np.ix_(buyers, extra)] = True
        on_site |= extra
    pay = np.array([wages.hourly_pay(h) if on_site[h] else wages.on_call_hourly for h in range(hours)])
    waits = math.exp(-standard.on_call_response_minutes / standard.patience_minutes)
    served_share = np.zeros(hours)
    cohort = (demand * covered).sum(axis=0)
    for h in np.flatnonzero(covered.any(axis=0)):
        share = served_fraction(staff_needed(cohort[h], standard), cohort[h], standard)
        served_share[h] = share * (1.0 if on_site[h] else waits)
    captured = (demand * covered * served_share).sum(axis=1)
    per_handoff = np.where(on_site, wages.handoff_cost(on_call=False), wages.handoff_cost(on_call=True))
    return CoverageGame(
        members=list(members),
        demand=demand * covered,
        covered=covered,
        on_site=on_site,
        pay=pay,
        facility=np.full(hours, wages.facility_hourly),
        captured=captured,
        variable=(demand * covered * served_share * per_handoff).sum(axis=1),
        thresholds=load_thresholds(standard),
    )


def split_bill(
    game: CoverageGame,
    *,
    methods: tuple[str, ...] = ("proportional", "shapley", "nucleolus"),
    samples: int = 2000,
    seed: int = 0,
) -> tuple[pd.DataFrame, list[str]]:
    """Weekly shares per member under each method, the stand-alone costs, and plain-words notes."""
    n = len(game.members)
    singles = game.cost_of(np.eye(n, dtype=bool))
    total = float(game.cost_of(np.ones((1, n), dtype=bool))[0])
    table = pd.DataFrame(
        {"member": game.members, "captured_per_week": game.captured, "stand_alone_usd_per_week": singles}
    )
    notes: list[str] = []
    costs = sharing.coalition_costs(game.cost_of, n) if n <= sharing.EXACT_SHAPLEY_MAX else None
    if "proportional" in methods:
        table["proportional"] = sharing.proportional(total, game.captured)
    if "shapley" in methods:
        if costs is not None:
            table["shapley"] = sharing.shapley_exact(costs)
        else:
            estimate = sharing.shapley_sampled(game.cost_of, n, samples=samples, seed=seed)
            table["shapley"] = estimate.values
            table["shapley_ci95"] = estimate.half_width
            notes.append(
                f"Shapley shares are estimated from {samples} random join orders (95% interval "
                "in shapley_ci95); exact enumeration is used up to "
                f"{sharing.EXACT_SHAPLEY_MAX} members."
            )
    if "nucleolus" in methods and costs is not None and n <= sharing.NUCLEOLUS_MAX:
        table["nucleolus"] = sharing.nucleolus(costs)
    elif "nucleolus" in methods:
        notes.append(
            f"The nucleolus is computed for up to {sharing.NUCLEOLUS_MAX} members (one LP row per "
            f"group); this cohort has {n}."
        )
    if costs is None:
        notes.append(
            f"With {n} members the {2**n:,} groups are too many to check the core exhaustively; "
            f"it is checked up to {sharing.EXACT_SHAPLEY_MAX} members."
        )
    for method in [m for m in ("proportional", "shapley", "nucleolus") if m in table]:
        if costs is None:
            continue
        check = sharing.core_check(costs, table[method].to_numpy())
        who = ", ".join(game.members[i] for i in range(n) if check.worst_mask >> i & 1)
        if check.in_core:
            notes.append(
                f"{method}: no group of members pays more than it would alone (core check over "
                f"{check.coalitions_checked} groups)."
            )
        else:
            notes.append(
                f"{method}: {who} would together pay ${check.worst_excess:,.0f}/week more than "
                "staffing their own hours alone, so they have reason to leave the cohort."
            )
    notes.insert(0, explain(game, total))
    return table, notes


def explain(game: CoverageGame, total: float) -> str:
    """What the methods mean, in plain words, for the planner."""
    return (
        f"The cohort's covered hours cost ${total:,.0f} a week (${total * WEEKS_PER_YEAR:,.0f} a year) "
        "when priced per staff-hour. "
        "Proportional: each member pays its share of the hand-offs captured. Shapley: each member "
        "pays its average extra cost over every order in which members could have joined, so "
        "shared fixed costs (a case manager on duty, the open facility) are split fairly. "
        "Nucleolus: the split that makes the most unhappy group of members as well off as possible "
        "compared with going alone. A split is in the core when no group would pay less on its own."
    )
