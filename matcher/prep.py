"""Data preparation for the solver, the baselines and the explanations (not used by the checker).

Turns an :class:`Instance` into placement options (participant, provider, seat category, appointment)
with their costs, the wait-list orders as integer rank groups per pool, and the fixed claims of people
who are not in this round. The rule itself is in docs/no-bump.md.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType

from matcher.types import Instance, Need, Participant, Provider, WaitListEntry, collection_paused

BACK = math.inf  # rank of a participant who is not yet on a list: behind everyone waiting
CATEGORIES = ("general", "set-aside")  # seat categories of a provider
NO_RULES = "[]"  # content_key({}): a provider without eligibility rules
ONLY_BACK = ((BACK,), MappingProxyType({BACK: 0}), (0,))  # ranks, groups, ahead of a pool nobody is listed on


def rule_check(attributes: dict, rules: dict) -> tuple[bool | None, str]:
    """Whether ``attributes`` satisfy a provider's eligibility ``rules``.

    Returns (True, "") when eligible, (False, reason) when a rule excludes, (None, reason) when a
    needed attribute is not recorded. List rules allow the listed values; ``min_*``/``max_*`` bound a
    number (``min_age`` applies to ``age``); a rule set to false (``pets``, ``moud``) excludes people
    for whom that attribute is true.
    """
    unknown = ""
    for key, rule in rules.items():
        if rule is None:
            continue
        if key.startswith(("min_", "max_")):
            attr, value = key[4:], attributes.get(key[4:])
            if value is None:
                unknown = unknown or f"their {attr} is not recorded"
                continue
            if key.startswith("min_") and float(value) < float(rule):
                return False, f"it takes {attr} {rule} and over"
            if key.startswith("max_") and float(value) > float(rule):
                return False, f"it takes {attr} up to {rule}"
        elif isinstance(rule, bool):
            if not rule and attributes.get(key) is True:
                return False, f"it does not accept {key}"
        elif isinstance(rule, (list, tuple)):
            value = attributes.get(key)
            if value is None:
                unknown = unknown or f"their {key} is not recorded"
                continue
            allowed = {str(v).lower() for v in rule}
            if str(value).lower() not in allowed:
                return False, f"it takes {key} {'/'.join(map(str, rule))} only"
    return (None, unknown) if unknown else (True, "")


@lru_cache(maxsize=4096)
def day_of(value: str) -> date:
    """The date of an ISO date or datetime string."""
    return datetime.fromisoformat(value).date() if "T" in value or " " in value else date.fromisoformat(value)


def usable(minutes: float | None, limit: float) -> bool:
    """Travel ``minutes`` exist and are within ``limit`` minutes."""
    return minutes is not None and not math.isnan(minutes) and minutes <= limit


@dataclass
class Option:
    """One way to meet a need: a seat of ``category`` at a provider, maybe at an appointment time."""

    index: int
    p: int
    need: int
    s: int
    category: str
    appointment: str | None
    minutes: float
    days: float
    rank: int
    group: int = 0


@dataclass
class Prepared:
    """Indexes for one instance (p = participant index, s = provider index)."""

    instance: Instance
    participants: list[Participant]
    providers: list[Provider]
    options: list[Option] = field(default_factory=list)
    by_need: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    wants: dict[tuple[int, int], list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    seats: dict[tuple[int, str], int] = field(default_factory=dict)
    pools: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    pool_free: dict[tuple[str, str], int] = field(default_factory=dict)
    ranks: dict[tuple[str, str], Sequence[float]] = field(default_factory=dict)
    group_of: dict[tuple[str, str], Mapping[float, int]] = field(default_factory=dict)
    claims: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    mine: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    reachable: dict[str, list[tuple[int, float]]] = field(default_factory=lambda: defaultdict(list))
    ineligible: dict[tuple[int, int], str] = field(default_factory=dict)
    ahead: dict[tuple[str, str], Sequence[int]] = field(default_factory=dict)
    cutoff: dict[tuple[str, str], float] = field(default_factory=dict)
    times: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    rule_keys: list[str] = field(default_factory=list)
    verdicts: dict[tuple[str, str], tuple[bool | None, str]] = field(default_factory=dict)

    def rank(self, list_id: str, category: str, p: int) -> float:
        """Priority of participant index ``p`` on a list for a seat category (BACK if not on it)."""
        listed = self.mine.get((list_id, category))
        return listed.get(self.participants[p].participant_id, BACK) if listed else BACK

    def group(self, list_id: str, category: str, p: int) -> int:
        """Rank group of participant index ``p`` in pool (list, category)."""
        return self.group_at((list_id, category), self.rank(list_id, category, p))

    def group_at(self, pool: tuple[str, str], rank: float) -> int:
        """Rank group of priority ``rank`` (as :meth:`rank` gives it) in ``pool`` (list, category)."""
        known = self.group_of[pool].get(rank)
        return known if known is not None else bisect_left(self.ranks[pool], rank)

    def eligible(self, attributes: dict, attributes_key: str, si: int) -> tuple[bool | None, str]:
        """:func:`rule_check` of ``attributes`` (whose :func:`content_key` is ``attributes_key``)
        against provider index ``si``'s rules, once per distinct pair of contents."""
        rules = self.providers[si].eligibility
        if not rules:
            return True, ""
        key = (attributes_key, self.rule_keys[si])
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = rule_check(attributes, rules)
        return verdict


def content_key(values: dict) -> str:
    """A key equal for dicts of equal content (attributes, eligibility rules)."""
    return repr(sorted(values.items()))


def seat_count(provider: Provider, category: str) -> int:
    """Seats fillable now in ``category``; clinics with listed times also need a free time each."""
    return seat_counts(provider)[category == "set-aside"]


def seat_counts(provider: Provider) -> tuple[int, int]:
    """:func:`seat_count` of the general and the set-aside category, in that order."""
    general, set_aside = provider.free_general, provider.free_set_aside
    if provider.books_times:
        times = len(provider.appointment_times)
        general, set_aside = min(general, times), min(set_aside, times)
    return max(general, 0), max(set_aside, 0)


def _orders(instance: Instance, participant_ids: set[str]):
    """Per (list, category): participant ranks, and ranks of fixed (non-participant) entries."""
    mine: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    fixed: dict[tuple[str, str], list[tuple[float, WaitListEntry]]] = defaultdict(list)
    for e in instance.wait_list:
        if e.status != "waiting":
            continue
        lead_rank = e.priority if e.lead_priority is None else e.lead_priority
        if e.person_id in participant_ids:
            mine[(e.list_id, "general")][e.person_id] = e.priority
            mine[(e.list_id, "set-aside")][e.person_id] = lead_rank
        else:
            fixed[(e.list_id, "general")].append((e.priority, e))
            if e.lead:
                fixed[(e.list_id, "set-aside")].append((lead_rank, e))
    return mine, fixed


def prepare_board(instance: Instance, participants: list[Participant]) -> Prepared:
    """Seats, pools, fixed claims and rank groups; everyone not in ``participants`` is fixed."""
    prep = Prepared(instance, list(participants), list(instance.providers))
    providers, seats = prep.providers, prep.seats
    prep.rule_keys = [content_key(s.eligibility) if s.eligibility else NO_RULES for s in providers]
    mine, fixed = _orders(instance, {p.participant_id for p in participants})
    members: dict[str, list[int]] = defaultdict(list)
    for si, s in enumerate(providers):
        members[s.wait_list].append(si)
        seats[(si, "general")], seats[(si, "set-aside")] = seat_counts(s)
    for (list_id, cat), entries in fixed.items():
        sis = members[list_id]
        open_to_all = [providers[si].provider_id for si in sis if not providers[si].eligibility]
        ruled = [si for si in sis if providers[si].eligibility]
        for rank, e in entries:
            if _can_take_a_seat(prep, e, open_to_all, ruled):
                prep.claims.setdefault((list_id, cat), []).append(rank)
    for list_id, sis in members.items():
        for cat in CATEGORIES:
            prep.pools[(list_id, cat)] = sis
            prep.pool_free[(list_id, cat)] = sum([seats[(si, cat)] for si in sis])
    prep.mine = mine
    _group(prep)
    return prep


def _can_take_a_seat(prep: Prepared, e: WaitListEntry, open_to_all: list[str], ruled: list[int]) -> bool:
    """Whether fixed entry ``e`` claims a seat of its pool: some provider of it that ``e`` did not
    decline takes them, one without eligibility rules (ids ``open_to_all``) or one of the
    providers with rules (indices ``ruled``) whose rules they do not fail."""
    if any(provider_id not in e.declined for provider_id in open_to_all):
        return True
    if not ruled:
        return False
    attributes_key = content_key(e.attributes)
    providers = prep.providers
    return any(
        prep.eligible(e.attributes, attributes_key, si)[0] is not False and providers[si].provider_id not in e.declined
        for si in ruled
    )


def prepare(instance: Instance) -> Prepared:
    """Build options, rank groups and fixed claims for ``instance`` (already validated)."""
    with collection_paused():
        return _prepare(instance)


def _prepare(instance: Instance) -> Prepared:
    prep = prepare_board(instance, instance.participants)
    index = {s.provider_id: si for si, s in enumerate(prep.providers)}
    reachable = prep.reachable
    for (pid, sid), minutes in instance.travel_minutes.items():
        if minutes is not None and minutes == minutes:  # NaN is unreachable
            reachable[pid].append((index[sid], minutes))
    for pi in range(len(prep.participants)):
        add_options(prep, pi)
    return prep


def add_options(prep: Prepared, pi: int) -> None:
    """Wants and placement options of participant index ``pi`` (``prep.reachable`` lists their
    (provider index, finite transit minutes))."""
    instance, p = prep.instance, prep.participants[pi]
    providers, seats, cutoff = prep.providers, prep.seats, prep.cutoff
    as_of = day_of(instance.as_of)
    pref_rank = {sid: r for r, sid in enumerate(p.preferences)}
    attributes_key = content_key(p.attributes)
    limit = p.max_transit_minutes
    by_service = defaultdict(list)
    for si, minutes in sorted(reach for reach in prep.reachable[p.participant_id] if reach[1] <= limit):
        by_service[providers[si].service].append((si, minutes))
    for ni, need in enumerate(p.needs):
        for si, minutes in by_service[need.service]:
            s = providers[si]
            if (need.subtype and s.subtype != need.subtype) or (p.preferences and s.provider_id not in pref_rank):
                continue
            if s.provider_id in need.declined:
                prep.ineligible[(pi, si)] = "you declined it for this need"
                continue
            ok, why = prep.eligible(p.attributes, attributes_key, si)
            if ok is not True:
                prep.ineligible[(pi, si)] = why
                continue
            rank = pref_rank.get(s.provider_id, 0)
            times: list[str | None] = [None]
            if s.books_times:
                fitting, why = open_times(instance, p, need, s, minutes)
                if not fitting and s.appointment_times:
                    prep.ineligible[(pi, si)] = why
                    continue
                prep.times[(pi, si)] = fitting  # none free: wanted, with a wait position, no option
                times = list(fitting)
            prep.wants[(pi, ni)].append((si, rank))
            wait_list = s.wait_list
            for cat in CATEGORIES:
                if seats[(si, cat)] == 0:
                    continue
                pool = (wait_list, cat)
                place = prep.rank(wait_list, cat, pi)  # once: the cutoff and the group both need it
                if place > cutoff[pool]:
                    continue  # the fixed claims ahead take every seat
                group = prep.group_at(pool, place)
                for t in times:
                    days = (day_of(t) - as_of).days if t else s.intake_days
                    opt = Option(
                        len(prep.options), pi, ni, si, cat, t, float(minutes), max(float(days), 0.0), rank, group
                    )
                    prep.options.append(opt)
                    prep.by_need[(pi, ni)].append(opt.index)


def open_times(instance: Instance, p: Participant, need: Need, s: Provider, minutes: float) -> tuple[list[str], str]:
    """The listed times of clinic ``s`` that ``p`` can reach on time (arrive-by minutes, else the
    home ``minutes``) inside the need's windows, and the reason when there is none."""
    if not s.appointment_times:
        return [], "every listed appointment time is taken or past"
    on_time = [
        t
        for t in s.appointment_times
        if usable(instance.arrive_by_minutes.get((p.participant_id, s.provider_id, t), minutes), p.max_transit_minutes)
    ]
    if not on_time:
        return [], "no appointment time you can reach on time"
    fitting = [t for t in on_time if need.fits(t)]
    if not fitting:
        windows = ", ".join(w.label for w in need.windows)
        return [], f"no appointment time you can reach falls in your windows ({windows})"
    return fitting, ""


def _group(prep: Prepared) -> None:
    """Integer rank groups per pool: equal priorities share a group (ties are not 'ahead'); and
    the cutoff, the last rank with fewer fixed claims strictly ahead than the pool's free seats."""
    no_claims: list[int] = []
    for pool, free in prep.pool_free.items():
        claims = prep.claims.get(pool, no_claims)
        listed = prep.mine.get(pool)
        if not claims and not listed:
            prep.cutoff[pool] = BACK if free else -BACK
            prep.ranks[pool], prep.group_of[pool], prep.ahead[pool] = ONLY_BACK
            continue
        claims.sort()
        prep.cutoff[pool] = claims[free - 1] if 0 < free <= len(claims) else (BACK if free else -BACK)
        ordered = sorted(set(claims) | set(listed.values() if listed else ()) | {BACK})
        prep.ranks[pool] = ordered
        prep.group_of[pool] = {r: g for g, r in enumerate(ordered)}
        prep.ahead[pool] = [bisect_left(claims, r) for r in ordered]


def claims_ahead(prep: Prepared, pool: tuple[str, str], group: int) -> int:
    """Number of fixed entries strictly ahead of rank group ``group`` in ``pool``."""
    return prep.ahead[pool][group]


def restrict(prep: Prepared, options: list[int]) -> Prepared:
    """The round cut down to ``options`` (renumbered 0.. in the given order) and the wants of their
    needs; seats, pools, claims and orders are shared with ``prep`` (read-only)."""
    kept = [copy(prep.options[i]) for i in options]  # dataclasses.replace is ten times slower
    by_need: dict[tuple[int, int], list[int]] = defaultdict(list)
    for j, o in enumerate(kept):
        o.index = j
        by_need[(o.p, o.need)].append(j)
    wants = defaultdict(list, {key: prep.wants[key] for key in by_need})
    return replace(prep, options=kept, by_need=by_need, wants=wants)
