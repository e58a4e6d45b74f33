"""What captured hand-offs are worth: diversions, avoided jail-days and justice-system costs.

Defaults and their sources are in docs/coverage.md; every figure is a scenario key under
``value:`` so a planner can replace it with local numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from scenarios.coverage.costs import WEEKS_PER_YEAR


@dataclass(frozen=True)
class ValueAssumptions:
    """Per-diversion outcomes (per year after referral) and unit costs (USD)."""

    jail_day_cost: float = 77.40  # Allegheny County Jail per inmate-day (Pitt IOP, 2016)
    jail_days_avoided: float = 41.0  # per participant per year (Collins et al. 2019)
    booking_cost: float = 0.0  # per avoided booking (arrest processing): set a local figure
    court_cost: float = 0.0  # per avoided prosecution: set a local figure
    bookings_avoided: float = 1.4  # per participant per year (Collins et al. 2019)


def value_of(
    handoffs_per_week: float, cost_per_week: float, assumptions: ValueAssumptions, *, engagement_rate: float
) -> dict[str, float]:
    """Yearly diversions, avoided jail-days and costs, cost per diversion and net cost (USD/year).

    ``engagement_rate`` is the share of hand-offs that become participants (``wages.engagement_rate``,
    the same share that fills caseloads).
    """
    diversions = handoffs_per_week * WEEKS_PER_YEAR
    engaged = diversions * engagement_rate
    jail_days = engaged * assumptions.jail_days_avoided
    avoided = jail_days * assumptions.jail_day_cost + engaged * assumptions.bookings_avoided * (
        assumptions.booking_cost + assumptions.court_cost
    )
    cost = cost_per_week * WEEKS_PER_YEAR
    return {
        "diversions_per_year": diversions,
        "engaged_per_year": engaged,
        "jail_days_avoided_per_year": jail_days,
        "justice_cost_avoided_usd_per_year": avoided,
        "program_cost_usd_per_year": cost,
        "cost_per_diversion_usd": cost / diversions if diversions > 0 else float("nan"),
        "net_cost_usd_per_year": cost - avoided,
    }
