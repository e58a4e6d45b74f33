"""From chosen options to a :class:`Result`: placements, unmet needs and wait-list positions, each
with an explanation a coordinator can read. Shared by the solver, the baselines and ``place_one``.

A county-scale round leaves over a hundred thousand needs unmet, each explained provider by
provider; from :data:`PARALLEL_FROM` participants on, with ``workers`` above 1, the participants
are split into that many contiguous ranges and all but the first are explained in forked processes
(which read the round they inherit, so nothing is sent to them), the first in this one. The
pieces join in participant order: the result is the same as one process writes.
"""

from __future__ import annotations

import math
import multiprocessing
from bisect import bisect_left
from collections import defaultdict
from typing import Any
from datetime import timedelta

from matcher.next_steps import unmet_explanation
from matcher.prep import BACK, Prepared, claims_ahead, content_key, day_of
from matcher.types import Placement, Result, UnmetNeed, WaitPosition, collection_paused

DAYS_PER_MONTH = 30.44
WAIT_POSITIONS_PER_NEED = 3
PARALLEL_FROM = 10_000  # participants: smaller rounds are explained in this process


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _people(n: int) -> str:
    return f"{n} eligible {'person is' if n == 1 else 'people are'}"


class _Round:
    """Who got what in one round, with the counts explanations need."""

    def __init__(self, prep: Prepared, chosen: list[int]):
        self.prep = prep
        self.chosen = [prep.options[i] for i in chosen]
        self.placed_need = {(o.p, o.need): o for o in self.chosen}
        self.used: defaultdict[tuple[int, str], int] = defaultdict(int)
        self.housing = {}
        for o in self.chosen:
            self.used[(o.s, o.category)] += 1
            if prep.providers[o.s].service == "housing":
                self.housing[o.p] = o
        self._ranks: dict[Any, list] = {}
        self._reach: dict[int, dict[str, list]] = {}
        self._attributes_key: dict[int, str] = {}
        self.index = {s.provider_id: si for si, s in enumerate(prep.providers)}
        self.participant_id = [person.participant_id for person in prep.participants]
        self.service_of = [provider.service for provider in prep.providers]
        self.label = [provider.label for provider in prep.providers]
        self.wait_list = [provider.wait_list for provider in prep.providers]
        self.has_rules = [bool(provider.eligibility) for provider in prep.providers]
        seats, used, count = prep.seats, self.used, range(len(prep.providers))
        general = [seats[(si, "general")] - used.get((si, "general"), 0) for si in count]
        set_aside = [seats[(si, "set-aside")] - used.get((si, "set-aside"), 0) for si in count]
        self.free = [g + a for g, a in zip(general, set_aside)]  # seats left after this round
        self.left_general = [max(g, 0) for g in general]
        self.of_service: defaultdict[str, list[int]] = defaultdict(list)
        for si, provider in enumerate(prep.providers):
            self.of_service[provider.service].append(si)
        self.wanting = defaultdict(list)
        for (p, need), wanted in prep.wants.items():
            for s, _rank in wanted:
                self.wanting[s].append((p, need))

    def _sorted_ranks(self, s: int, category: str, unplaced_only: bool) -> list[float]:
        key = (s, category, unplaced_only)
        if key not in self._ranks:
            listed = self.prep.mine.get((self.wait_list[s], category)) or {}
            participant_id, placed = self.participant_id, self.placed_need
            self._ranks[key] = sorted(
                listed.get(participant_id[q], BACK)
                for q, need in self.wanting[s]
                if not unplaced_only or (q, need) not in placed
            )
        return self._ranks[key]

    def ahead(self, p: int, s: int, category: str, *, unplaced_only: bool) -> int:
        """Eligible people strictly ahead of ``p`` at provider ``s`` who want it (fixed + participants)."""
        prep = self.prep
        pool = (self.wait_list[s], category)
        listed = prep.mine.get(pool)
        mine = listed.get(self.participant_id[p], BACK) if listed else BACK
        count = claims_ahead(prep, pool, prep.group_at(pool, mine))
        wanting = self._ranks.get((s, category, unplaced_only))
        if wanting is None:
            wanting = self._sorted_ranks(s, category, unplaced_only)
        return count + bisect_left(wanting, mine)

    def reachable(self, p: int, service: str) -> list[tuple[int, float]]:
        """(provider index, transit minutes) of the providers of ``service`` participant ``p`` has a route to."""
        if p not in self._reach:
            service_of, by_service = self.service_of, defaultdict(list)
            for reach in self.prep.reachable.get(self.prep.participants[p].participant_id, []):
                by_service[service_of[reach[0]]].append(reach)
            self._reach[p] = by_service
        return self._reach[p].get(service, [])

    def eligible(self, p: int, si: int) -> tuple[bool | None, str]:
        """Whether participant ``p`` meets provider index ``si``'s eligibility rules, and why not
        (:func:`matcher.prep.rule_check`, once per distinct pair of attributes and rules)."""
        if not self.has_rules[si]:
            return True, ""
        attributes = self.prep.participants[p].attributes
        key = self._attributes_key.get(p)
        if key is None:
            key = self._attributes_key[p] = content_key(attributes)
        return self.prep.eligible(attributes, key, si)

    def blocked(self, p: int, si: int) -> str:
        """Why a provider the participant wants and can reach did not place them."""
        return _blocked_reason(self, p, si)

    def full(self, p: int, si: int) -> bool:
        """Whether provider index ``si``, wanted and in reach, did not place participant ``p`` for
        having no seat left after this round (not for want of an appointment time)."""
        s = self.prep.providers[si]
        return self.free[si] <= 0 and not (s.books_times and not self.prep.times.get((p, si)))

    def minutes(self, o) -> float:
        """Transit minutes of a placement: from the housing placement when there is one."""
        prep = self.prep
        housing = self.housing.get(o.p)
        if housing is not None and housing is not o:
            key = (prep.providers[housing.s].provider_id, prep.providers[o.s].provider_id)
            value = prep.instance.provider_travel_minutes.get(key)
            if value is not None and not math.isnan(value):
                return float(value)
        return o.minutes


def _placement(r: _Round, o) -> Placement:
    prep = r.prep
    p, s = prep.participants[o.p], prep.providers[o.s]
    start = day_of(prep.instance.as_of) + timedelta(days=math.ceil(o.days))
    minutes = r.minutes(o)
    ahead = r.ahead(o.p, o.s, o.category, unplaced_only=False)
    seat = "a LEAD set-aside seat" if o.category == "set-aside" else "a seat"
    if ahead == 0:
        before = "nobody eligible is ahead of you on its list"
    elif ahead == 1:
        before = "the 1 eligible person ahead of you on its list is placed or keeps a seat first"
    else:
        before = f"the {ahead} eligible people ahead of you on its list are placed or keep their seats first"
    text = (
        f"{s.label} has {seat} for you: you are eligible, it is {minutes:.0f} min by transit "
        f"(your limit {p.max_transit_minutes:.0f}), and {before}"
    )
    if o.appointment:
        text += f"; appointment {o.appointment.replace('T', ' ')[:16]}, reachable on time"
    text += f"; expected start {start.isoformat()}."
    return Placement(
        p.participant_id,
        s.provider_id,
        s.service,
        o.category,
        round(minutes, 1),
        o.appointment,
        start.isoformat(),
        text,
    )


def _blocked_reason(r: _Round, p: int, si: int) -> str:
    """Why a provider the participant wants and can reach did not place them."""
    prep, s = r.prep, r.prep.providers[si]
    if s.books_times and not prep.times.get((p, si)):
        return "it has no free appointment time (every listed appointment time is taken or past)"
    n = r.ahead(p, si, "general", unplaced_only=False)
    if r.free[si] <= 0:
        return f"it is full ({_people(n)} ahead of you on its list)"
    if n:
        return f"{_people(n)} ahead of you on {r.label[si]}'s list"
    return "it has no seat or appointment that fits with your other placements"


def _wait_positions(r: _Round, p: int, need: int) -> list[WaitPosition]:
    prep = r.prep
    person = prep.participants[p]
    as_of = day_of(prep.instance.as_of)
    candidates = []
    for si, _rank in prep.wants.get((p, need), []):
        s = prep.providers[si]
        ahead = r.ahead(p, si, "general", unplaced_only=True)
        before_you = ahead + 1 - r.left_general[si]
        if before_you <= 0:
            start = as_of
        elif s.monthly_turnover > 0:
            start = as_of + timedelta(days=math.ceil(before_you / s.monthly_turnover * DAYS_PER_MONTH))
        else:
            start = None
        candidates.append((start is None, start or as_of, ahead, before_you, si))
    candidates.sort(key=lambda c: c[:3])
    rows = []
    for _none, start, ahead, before_you, si in candidates[:WAIT_POSITIONS_PER_NEED]:
        s = prep.providers[si]
        if before_you <= 0:
            why, start = "a seat is free now but did not fit this round's other placements", as_of
        elif s.monthly_turnover > 0:
            why = f"about {s.monthly_turnover:g} seat{'' if s.monthly_turnover == 1 else 's'} free up a month"
        else:
            why, start = "it reports no turnover, so no date can be estimated", None
        place = (
            "at the back of the list" if prep.rank(s.wait_list, "general", p) == BACK else "by your place on the list"
        )
        text = f"{_ordinal(ahead + 1)} in line at {s.label} ({place}); {why}" + (
            f"; estimated start {start.isoformat()}." if start else "."
        )
        rows.append(
            WaitPosition(
                person.participant_id,
                s.provider_id,
                s.service,
                ahead + 1,
                ahead,
                start.isoformat() if start else None,
                text,
            )
        )
    return rows


def build_result(
    prep: Prepared,
    chosen: list[int],
    *,
    mode: str,
    method: str,
    status: str,
    objective=None,
    bound=None,
    gap=None,
    seconds: float = 0.0,
    workers: int = 1,
) -> Result:
    """Assemble a :class:`Result` with explanations for the chosen option indices; ``workers``
    processes explain the unmet needs of a round of :data:`PARALLEL_FROM` participants or more
    (where the platform forks; the same result as one). The cyclic garbage collector is paused
    meanwhile (in the forked processes too): it would walk the round's millions of objects."""
    with collection_paused():
        r = _Round(prep, chosen)
        result = Result(
            mode=mode,
            method=method,
            status=status,
            objective=objective,
            bound=bound,
            gap=gap,
            seconds=round(seconds, 4),
        )
        result.placements = [_placement(r, o) for o in r.chosen]
        for needs_met, urgency_met, unmet, waits in _explained(r, workers):
            result.needs_met += needs_met
            result.urgency_met += urgency_met
            result.unmet += unmet
            result.wait_positions += waits
    return result


Explained = tuple[int, int, list[UnmetNeed], list[WaitPosition]]  # needs met, urgency met, unmet, waits


def _explain(r: _Round, participants: range) -> Explained:
    """Needs met and urgency met among ``participants`` (indices), and their unmet needs with
    explanations and wait positions, in participant order."""
    prep = r.prep
    needs_met = urgency_met = 0
    unmet: list[UnmetNeed] = []
    waits: list[WaitPosition] = []
    for p in participants:
        person = prep.participants[p]
        for need, want in enumerate(person.needs):
            if (p, need) in r.placed_need:
                needs_met += 1
                urgency_met += want.urgency
                continue
            positions = _wait_positions(r, p, need)
            unmet.append(
                UnmetNeed(person.participant_id, want.service, want.urgency, unmet_explanation(r, p, need, positions))
            )
            waits += positions
    return needs_met, urgency_met, unmet, waits


_inherited: list[_Round] = []  # the round a forked explaining process reads: set before the fork


def _explain_inherited(first: int, last: int) -> Explained:
    """:func:`_explain` of participants ``first`` to ``last - 1`` of the inherited round (in a forked process)."""
    return _explain(_inherited[0], range(first, last))


def _explained(r: _Round, workers: int) -> list[Explained]:
    """The round's explanations in participant order, in ``workers`` processes when it is large."""
    count = len(r.prep.participants)
    if workers < 2 or count < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return [_explain(r, range(count))]
    cuts = [count * k // workers for k in range(workers + 1)]
    _inherited.append(r)
    try:
        with multiprocessing.get_context("fork").Pool(workers - 1) as pool:
            forked = [pool.apply_async(_explain_inherited, (a, b)) for a, b in zip(cuts[1:-1], cuts[2:])]
            here = _explain(r, range(cuts[0], cuts[1]))
            return [here] + [job.get() for job in forked]
    finally:
        _inherited.clear()
