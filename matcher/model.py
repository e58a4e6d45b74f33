"""The CP-SAT placement model: capacity, eligibility, travel limit, appointments, bundles, no-bump.

``build_model`` is the whole model in one function; data preparation lives in :mod:`matcher.prep`.
No-bump uses cutoff chains: per provider and seat category, ``cutoff[k]`` is 1 when anyone in rank
group ``>= groups[k]`` is placed there; everyone strictly ahead who wants the provider must then be
placed (coverage) or placed somewhere they like at least as much (preference). Size is linear in the
number of options. Objectives, lexicographic: urgency-weighted needs met, then transit minutes plus
days to start (coverage) or preference ranks (preference); :mod:`matcher.solve` searches it.
``independent_parts`` splits a round into parts that share no constraint.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from matcher.prep import Prepared, claims_ahead


@dataclass
class Built:
    """A built model with its decision variables (``place[i]`` for option ``i``)."""

    model: cp_model.CpModel
    place: list
    weight: int
    urgency: list[int]
    cost: list[int]
    chains: dict = field(default_factory=dict)
    capacity_rows: dict[tuple[int, str], int] = field(default_factory=dict)  # (provider, category) -> row index


def _chain(model: cp_model.CpModel, options, place, name: str):
    """Monotone cutoff booleans over the distinct rank groups of ``options``: (groups, cutoff)."""
    groups = sorted({o.group for o in options})
    cutoff = [model.NewBoolVar(f"{name}_cutoff_g{g}") for g in groups]
    for a, b in zip(cutoff, cutoff[1:]):
        model.AddImplication(b, a)
    where = {g: k for k, g in enumerate(groups)}
    for o in options:
        model.AddImplication(place[o.index], cutoff[where[o.group]])
    return groups, cutoff


def _first_after(groups: list[int], group: int) -> int | None:
    """Index of the first chain group strictly behind ``group`` (None if there is none); ``groups``
    is sorted ascending, as :func:`_chain` returns it."""
    k = bisect_right(groups, group)
    return k if k < len(groups) else None


def build_model(prep: Prepared, *, mode: str = "coverage", max_mean_transit_minutes: float | None = None) -> Built:
    """Build the CP-SAT model of one placement round for ``mode`` "coverage" or "preference";
    ``max_mean_transit_minutes`` optionally caps the mean transit minutes over all placements."""
    model = cp_model.CpModel()
    opts = prep.options
    place = [model.NewBoolVar(f"place_{o.p}_{o.need}_{o.s}_{o.category}_{o.appointment or ''}") for o in opts]

    # each need is met at most once
    for idx in prep.by_need.values():
        model.AddAtMostOne(place[i] for i in idx)

    # seats per provider and category, one person per appointment time
    at_seat: dict[tuple[int, str], list] = defaultdict(list)
    at_time: dict[tuple[int, str], list] = defaultdict(list)
    for o in opts:
        at_seat[(o.s, o.category)].append(o)
        if o.appointment:
            at_time[(o.s, o.appointment)].append(place[o.index])
    seated, capacity_rows = {}, {}
    for key, group in at_seat.items():
        seated[key] = sum(place[o.index] for o in group)
        capacity_rows[key] = model.Add(seated[key] <= prep.seats[key]).Index()
    for slot in at_time.values():
        model.AddAtMostOne(slot)

    # bundle coherence: treatment/clinic must be reachable from the housing placement
    travel = prep.instance.provider_travel_minutes
    housing = defaultdict(list)
    for o in opts:
        if travel and prep.providers[o.s].service == "housing":
            housing[o.p].append(o)

    def housed_far(p: int, s: int) -> list:
        """Housing placements of ``p`` from which provider ``s`` is over their limit."""
        return [place[h.index] for h in housing.get(p, []) if not _reachable(travel, prep, h, p, s)]

    for o in opts:
        if prep.providers[o.s].service != "housing":
            for far in housed_far(o.p, o.s):
                model.AddBoolOr([place[o.index].Not(), far.Not()])

    # no-bump cutoff chains per provider and category
    chains = {key: _chain(model, group, place, f"s{key[0]}_{key[1]}") for key, group in at_seat.items()}

    def met(p: int, need: int, rank: int | None = None):
        return sum(place[i] for i in prep.by_need[(p, need)] if rank is None or opts[i].rank <= rank)

    # clinics with times: a bump needs the person ahead to be able to use the seat taken behind them
    by_slot = defaultdict(list)
    for o in opts:
        if o.appointment:
            by_slot[(o.s, o.category, o.appointment)].append(o)
    slot_chains = {
        key: _chain(model, group, place, f"slot_{key[0]}_{key[1]}_{key[2]}") for key, group in by_slot.items()
    }
    booked = {key: sum(v) for key, v in at_time.items()}

    for (p, need), wanted in prep.wants.items():
        placed_anywhere = met(p, need) if mode == "coverage" else None  # the same for every provider
        for s, rank in wanted:
            is_met = met(p, need, rank) if placed_anywhere is None else placed_anywhere
            content = is_met + sum(housed_far(p, s))
            times = prep.times.get((p, s))
            for cat in ("general", "set-aside"):
                if (s, cat) not in chains:
                    continue
                groups, cutoff = chains[(s, cat)]
                mine = prep.group(prep.providers[s].wait_list, cat, p)
                k = _first_after(groups, mine)
                if times is None:
                    if k is not None:
                        model.Add(content >= cutoff[k])
                    continue
                for t in times:
                    if k is not None:  # someone behind got a seat while a time they can make is free
                        model.Add(content + booked.get((s, t), 0) >= cutoff[k])
                    if (s, cat, t) in slot_chains:  # someone behind got a time they can make
                        slot_groups, slot_cutoff = slot_chains[(s, cat, t)]
                        j = _first_after(slot_groups, mine)
                        if j is not None:
                            model.Add(content >= slot_cutoff[j])

    # fixed entries ahead of the last person placed from a pool keep a claim on its seats
    pool_used: dict[tuple[str, str], tuple[int, list, list]] = {}
    for pool, members in prep.pools.items():
        group = [o for s in members for o in at_seat.get((s, pool[1]), [])]
        if not group:
            continue
        total = sum(seated[(s, pool[1])] for s in members if (s, pool[1]) in seated)
        if not prep.claims.get(pool):
            pool_used[pool] = (total, [], [])
            continue
        groups, cutoff = (
            chains[(members[0], pool[1])]
            if len(members) == 1
            else _chain(model, group, place, f"list_{pool[0]}_{pool[1]}")
        )
        ahead = [claims_ahead(prep, pool, g) for g in groups]
        steps = [a - b for a, b in zip(ahead, [0] + ahead[:-1])]
        model.Add(total + sum(c * z for c, z in zip(steps, cutoff) if c) <= prep.pool_free[pool])
        _suffix_cuts(model, group, place, groups, cutoff, [prep.pool_free[pool] - a for a in ahead])
        pool_used[pool] = (total, groups, cutoff)

    if mode == "preference":
        _stability(model, prep, place, seated, at_time, pool_used, met, housed_far)

    if max_mean_transit_minutes is not None:
        # in thousandths of a minute, each option rounded up and the cap down, so the mean never exceeds it
        cap = math.floor(1000 * max_mean_transit_minutes)
        model.Add(sum((math.ceil(1000 * o.minutes) - cap) * place[o.index] for o in opts) <= 0)

    cost = option_costs(prep, mode)
    urgency = [prep.participants[o.p].needs[o.need].urgency for o in opts]
    return Built(model, place, lexicographic_weight(prep, cost), urgency, cost, chains, capacity_rows)


def option_costs(prep: Prepared, mode: str) -> list[int]:
    """Secondary cost per option: transit minutes plus days to start, rounded (coverage), or the
    preference rank (preference)."""
    if mode == "coverage":
        return [round(o.minutes + o.days) for o in prep.options]
    return [o.rank for o in prep.options]


def lexicographic_weight(prep: Prepared, cost: list[int]) -> int:
    """A weight above any cost total a solution of ``prep`` can reach (each need met at most once),
    so ``urgency * weight - cost`` ranks results by urgency first, then by cost."""
    return 1 + sum(max(cost[i] for i in idx) for idx in prep.by_need.values() if idx)


def _suffix_cuts(model, options, place, groups, cutoff, room) -> None:
    """Tighten the relaxation: people placed from rank group ``groups[k]`` on are at most
    ``room[k] * cutoff[k]`` (suffix sums keep it linear in size)."""
    where = {g: k for k, g in enumerate(groups)}
    by_group = defaultdict(list)
    for o in options:
        by_group[where[o.group]].append(place[o.index])
    behind = 0
    for k in range(len(groups) - 1, -1, -1):
        total = model.NewIntVar(0, len(options), f"from_group_{groups[k]}_{id(options)}_{k}")
        model.Add(total == behind + sum(by_group[k]))
        model.Add(total <= max(room[k], 0) * cutoff[k])
        behind = total


def _reachable(travel, prep: Prepared, housing_option, p: int, s: int) -> bool:
    """Whether provider ``s`` is within participant ``p``'s limit from the housing option."""
    key = (prep.providers[housing_option.s].provider_id, prep.providers[s].provider_id)
    if key not in travel:
        return True
    minutes = travel[key]
    return minutes is not None and minutes == minutes and minutes <= prep.participants[p].max_transit_minutes


def _stability(model, prep: Prepared, place, seated, at_time, pool_used, met, housed_far) -> None:
    """Weak stability: whoever wants a provider more than their placement finds it full for them."""
    opts = prep.options
    full_seat = {}
    for key, expr in seated.items():
        full_seat[key] = model.NewBoolVar(f"full_{key[0]}_{key[1]}")
        model.Add(expr >= prep.seats[key]).OnlyEnforceIf(full_seat[key])
    taken = {key: sum(v) for key, v in at_time.items()}
    for (p, need), wanted in prep.wants.items():
        mine = defaultdict(list)
        for i in prep.by_need[(p, need)]:
            mine[(opts[i].s, opts[i].category)].append(opts[i])
        for s, rank in wanted:
            for cat in ("general", "set-aside"):
                own = mine.get((s, cat))
                if not own:
                    continue
                reasons = [full_seat[(s, cat)]]
                pool = (prep.providers[s].wait_list, cat)
                total, groups, cutoff = pool_used[pool]
                if groups:
                    g = prep.group(pool[0], cat, p)
                    base = claims_ahead(prep, pool, g)
                    ahead = [max(base, claims_ahead(prep, pool, d)) for d in groups]
                    steps = [a - b for a, b in zip(ahead, [base] + ahead[:-1])]
                    full_pool = model.NewBoolVar(f"fullpool_{p}_{need}_{s}_{cat}")
                    model.Add(
                        total + base + sum(c * z for c, z in zip(steps, cutoff) if c) >= prep.pool_free[pool]
                    ).OnlyEnforceIf(full_pool)
                    reasons.append(full_pool)
                times = [o.appointment for o in own if o.appointment]
                if times:
                    all_taken = model.NewBoolVar(f"times_{p}_{need}_{s}_{cat}")
                    for t in times:
                        model.Add(taken[(s, t)] >= 1).OnlyEnforceIf(all_taken)
                    reasons.append(all_taken)
                model.Add(met(p, need, rank) + sum(reasons) + sum(housed_far(p, s)) >= 1)


def independent_parts(prep: Prepared) -> list[list[int]]:
    """Option indices of parts of the round that no constraint of :func:`build_model` (either
    mode) links, largest first; objective terms are per option, so solving the parts one by one
    gives an optimum of the whole.

    Links: a need's options; a seat category's options (capacity, cutoff chain); an appointment
    time's options; a pool's options when it has fixed claims; a participant's options when bundles
    apply. No-bump and stability rows add none: a need that wants a seat category has options there
    (at every appointment time it can make) whenever anyone in a later rank group has one, since
    fixed claims ahead only grow with the rank group; other needs get no row.
    """
    parent: dict = {}

    def find(node):
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    def union(a, b) -> None:
        parent[find(a)] = find(b)

    bundles = bool(prep.instance.provider_travel_minutes)
    for o in prep.options:
        need = ("need", o.p, o.need)
        union(need, ("seat", o.s, o.category))
        pool = (prep.providers[o.s].wait_list, o.category)
        if prep.claims.get(pool):
            union(need, ("pool", *pool))
        if o.appointment:
            union(need, ("time", o.s, o.appointment))
        if bundles:
            union(need, ("person", o.p))
    parts: dict = defaultdict(list)
    for o in prep.options:
        parts[find(("need", o.p, o.need))].append(o.index)
    return sorted(parts.values(), key=len, reverse=True)
