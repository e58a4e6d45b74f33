"""How many case managers an hour needs: Erlang B, Erlang C and Erlang A (with abandonment).

A warm hand-off is a customer in a queue: officers arrive at rate ``lam`` (hand-offs per hour),
a case manager spends ``handoff_minutes`` on each intake, and an officer waits only so long
(``patience_minutes``, exponential) before booking the person instead. Three textbook models:

- **Erlang B** (M/M/c/c, loss): an officer who finds every case manager busy leaves at once;
- **Erlang C** (M/M/c, infinite patience): officers wait; the standard is "``service_level`` of
  hand-offs start within ``target_minutes``";
- **Erlang A** (M/M/c+M, Palm's model): officers wait but abandon at rate 1/patience; the standard
  is "at most ``max_loss`` of officers give up".

The staffing need of an hour is the smallest number of case managers (at least one) that meets
the chosen standard; the *served fraction* is the share of that hour's hand-offs completed.
See docs/coverage.md for formulas and references.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MODELS = ("erlang_a", "erlang_b", "erlang_c")


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c with ``servers`` and offered ``load`` (erlangs = lam/mu)."""
    blocking = 1.0
    for c in range(1, servers + 1):
        blocking = load * blocking / (c + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in M/M/c (1.0 when the queue is unstable, load >= servers)."""
    if load <= 0:
        return 0.0
    if load >= servers:
        return 1.0
    blocking = erlang_b(servers, load)
    return servers * blocking / (servers - load * (1.0 - blocking))


def erlang_c_wait_exceeds(servers: int, lam: float, mu: float, minutes: float) -> float:
    """P(wait > ``minutes``) in M/M/c; ``lam``, ``mu`` per hour."""
    load = lam / mu
    if load >= servers:
        return 1.0
    return erlang_c(servers, load) * math.exp(-(servers * mu - lam) * minutes / 60.0)


def erlang_a(servers: int, lam: float, mu: float, theta: float, *, tail: float = 1e-12) -> dict[str, float]:
    """Palm's M/M/c+M queue: ``lam`` arrivals, ``mu`` service and ``theta`` abandonment rates (per hour).

    Solved exactly on the birth-death chain (truncated where the stationary tail is below ``tail``).
    Returns ``p_wait`` (an arrival finds all busy), ``p_abandon`` (share of arrivals who give up),
    ``mean_wait_minutes`` (over all arrivals) and ``mean_queue``.
    """
    if lam <= 0:
        return {"p_wait": 0.0, "p_abandon": 0.0, "mean_wait_minutes": 0.0, "mean_queue": 0.0}
    log_p = [0.0]
    n = 0
    while True:
        n += 1
        death = min(n, servers) * mu + max(n - servers, 0) * theta
        log_p.append(log_p[-1] + math.log(lam) - math.log(death))
        if n > servers and death > lam and log_p[-1] - max(log_p) < math.log(tail):
            break
        if n > servers + 100_000:
            raise ValueError("Erlang A: no abandonment (theta=0) and an unstable queue")
    weights = np.exp(np.array(log_p) - max(log_p))
    prob = weights / weights.sum()
    states = np.arange(len(prob))
    queue = np.maximum(states - servers, 0)
    mean_queue = float((prob * queue).sum())
    return {
        "p_wait": float(prob[servers:].sum()),
        "p_abandon": theta * mean_queue / lam,
        "mean_wait_minutes": 60.0 * mean_queue / lam,
        "mean_queue": mean_queue,
    }


@dataclass(frozen=True)
class StaffingStandard:
    """The response-time standard for warm hand-offs (minutes, fractions)."""

    model: str = "erlang_a"
    handoff_minutes: float = 45.0  # case-manager time per intake
    patience_minutes: float = 20.0  # mean time an officer waits before booking instead
    target_minutes: float = 15.0  # Erlang C: hand-offs should start within this
    service_level: float = 0.8  # Erlang C: share that must start within target
    max_loss: float = 0.1  # Erlang A/B: largest share of officers lost
    max_staff: int = 6  # most case managers on duty in one hour
    on_call_response_minutes: float = 40.0  # an on-call case manager's time to arrive

    @property
    def mu(self) -> float:
        """Intakes per hour per case manager."""
        return 60.0 / self.handoff_minutes

    @property
    def theta(self) -> float:
        """Officer abandonment rate per hour."""
        return 60.0 / self.patience_minutes


def served_fraction(servers: int, lam: float, standard: StaffingStandard) -> float:
    """Share of an hour's hand-offs that a case manager completes with ``servers`` on duty."""
    if lam <= 0 or servers <= 0:
        return 0.0 if servers <= 0 else 1.0
    if standard.model == "erlang_b":
        return 1.0 - erlang_b(servers, lam / standard.mu)
    if standard.model == "erlang_c":
        return 1.0 - erlang_c_wait_exceeds(servers, lam, standard.mu, standard.patience_minutes)
    return 1.0 - erlang_a(servers, lam, standard.mu, standard.theta)["p_abandon"]


def meets_standard(servers: int, lam: float, standard: StaffingStandard) -> bool:
    """Whether ``servers`` case managers meet the standard for ``lam`` hand-offs per hour."""
    if lam <= 0:
        return servers >= 1
    if standard.model == "erlang_c":
        late = erlang_c_wait_exceeds(servers, lam, standard.mu, standard.target_minutes)
        return lam / standard.mu < servers and late <= 1.0 - standard.service_level
    return 1.0 - served_fraction(servers, lam, standard) <= standard.max_loss


def staff_needed(lam: float, standard: StaffingStandard) -> int:
    """Smallest number of case managers (at least 1) meeting the standard; ``max_staff + 1`` when none does."""
    for servers in range(1, standard.max_staff + 1):
        if meets_standard(servers, lam, standard):
            return servers
    return standard.max_staff + 1


def load_thresholds(standard: StaffingStandard) -> np.ndarray:
    """``t[c-1]`` = the largest hand-off rate (per hour) that ``c`` case managers can take to standard.

    Lets cost-sharing evaluate staffing for a million coalitions at once with ``searchsorted``:
    ``staff_needed(lam) == 1 + searchsorted(t, lam, side="left")``.
    """
    limits = []
    for servers in range(1, standard.max_staff + 1):
        low, high = 0.0, 1.0
        while meets_standard(servers, high, standard):
            high *= 2.0
        for _ in range(60):
            mid = 0.5 * (low + high)
            low, high = (mid, high) if meets_standard(servers, mid, standard) else (low, mid)
        limits.append(low)
    return np.maximum.accumulate(np.array(limits))
