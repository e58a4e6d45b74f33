"""Independent checker: re-derives every rule from the raw instance, sharing no code with the solver.

``check(instance, result)`` lists each capacity, eligibility, travel-limit, appointment and no-bump
violation (docs/no-bump.md states the rule). An empty list means the result is admissible.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

from matcher.types import Instance, Result, Violation, collection_paused


def _allowed(attrs: dict, rules: dict, *, unknown_ok: bool) -> bool:
    """Eligibility, written apart from the solver's: an unrecorded attribute counts as ``unknown_ok``."""
    for key, rule in rules.items():
        if rule is None:
            continue
        bound = key[:4] in ("min_", "max_")
        attr = key[4:] if bound else key
        have = attrs.get(attr)
        if isinstance(rule, bool) and not bound:
            if rule is False and have is True:
                return False
            continue
        if not bound and not isinstance(rule, (list, tuple)):
            continue
        if have is None:
            if not unknown_ok:
                return False
            continue
        if bound:
            low = key.startswith("min_")
            if (low and float(have) < float(rule)) or (not low and float(have) > float(rule)):
                return False
        elif str(have).lower() not in [str(v).lower() for v in rule]:
            return False
    return True


def _ok_minutes(value, limit: float) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value <= limit


def _seats(provider, category: str) -> int:
    if category == "set-aside":
        return provider.lead_slots - provider.lead_occupied
    return provider.capacity - provider.lead_slots - (provider.occupied - provider.lead_occupied)


def check(instance: Instance, result: Result) -> list[Violation]:
    """Every rule a result breaks on ``instance``; kinds: unknown, need, declined, eligibility,
    travel, capacity, appointment (a clinic that books listed times needs one of them, free,
    reachable on time and inside the need's windows), no-bump. The cyclic garbage collector is
    paused meanwhile (half of the check's time on XL)."""
    with collection_paused():
        return _check(instance, result)


def _check(instance: Instance, result: Result) -> list[Violation]:
    """:func:`check`, with the collector paused."""
    people = {p.participant_id: p for p in instance.participants}
    sites = {s.provider_id: s for s in instance.providers}
    found: list[Violation] = []

    def bad(kind, pid, sid, message):
        found.append(Violation(kind, pid, sid, message))

    good = []
    seen_need: Counter[tuple[str, str]] = Counter()
    for pl in result.placements:
        person, site = people.get(pl.participant_id), sites.get(pl.provider_id)
        if person is None or site is None:
            bad("unknown", pl.participant_id, pl.provider_id, "placement names an unknown participant or provider")
            continue
        needs = {n.service: n for n in person.needs}
        if site.service != pl.service or pl.service not in needs:
            bad("need", pl.participant_id, pl.provider_id, f"{pl.service} placement does not match a need")
            continue
        seen_need[(pl.participant_id, pl.service)] += 1
        if seen_need[(pl.participant_id, pl.service)] == 2:
            bad("need", pl.participant_id, pl.provider_id, f"{pl.service} need placed more than once")
        want = needs[pl.service]
        if pl.provider_id in want.declined:
            bad(
                "declined",
                pl.participant_id,
                pl.provider_id,
                f"the participant declined {pl.provider_id} for this need",
            )
        if want.subtype and site.subtype != want.subtype:
            bad("eligibility", pl.participant_id, pl.provider_id, f"subtype {site.subtype!r}, needed {want.subtype!r}")
        if not _allowed(person.attributes, site.eligibility, unknown_ok=False):
            bad("eligibility", pl.participant_id, pl.provider_id, "participant does not meet the provider's rules")
        if person.preferences and pl.provider_id not in person.preferences:
            bad("eligibility", pl.participant_id, pl.provider_id, "provider is not among the participant's choices")
        if pl.category not in ("general", "set-aside"):
            bad("capacity", pl.participant_id, pl.provider_id, f"unknown seat category {pl.category!r}")
            continue
        good.append((pl, person, site))

    _travel(instance, good, bad)
    _capacity_and_times(instance, good, bad)
    _no_bump(instance, result.mode, good, bad)
    return found


def _travel(instance: Instance, good, bad) -> None:
    home = instance.travel_minutes
    housed = {pl.participant_id: pl.provider_id for pl, _, site in good if site.service == "housing"}
    for pl, person, site in good:
        limit = person.max_transit_minutes
        minutes = home.get((person.participant_id, site.provider_id))
        if not _ok_minutes(minutes, limit):
            bad("travel", pl.participant_id, pl.provider_id, f"transit {minutes} min is over the limit {limit:g}")
        house = housed.get(person.participant_id)
        if site.service != "housing" and house and (house, site.provider_id) in instance.provider_travel_minutes:
            bundle = instance.provider_travel_minutes[(house, site.provider_id)]
            if not _ok_minutes(bundle, limit):
                bad(
                    "travel",
                    pl.participant_id,
                    pl.provider_id,
                    f"{bundle} min from the housing placement {house}, over the limit {limit:g}",
                )


def _capacity_and_times(instance: Instance, good, bad) -> None:
    count = Counter((site.provider_id, pl.category) for pl, _, site in good)
    sites = {s.provider_id: s for s in instance.providers}
    for (sid, category), n in count.items():
        if n > _seats(sites[sid], category):
            bad("capacity", None, sid, f"{n} placed in {category} seats, only {_seats(sites[sid], category)} free")
    used: Counter[tuple[str, str]] = Counter()
    for pl, person, site in good:
        if site.service != "clinic" or not site.by_appointment:
            if pl.appointment is not None:
                bad("appointment", pl.participant_id, pl.provider_id, "appointment at a provider with no listed times")
            continue
        if pl.appointment is None:
            bad(
                "appointment",
                pl.participant_id,
                pl.provider_id,
                f"no appointment time, but clinic {site.provider_id} sees people only at its listed times "
                f"({len(site.appointment_times)} open)",
            )
            continue
        if pl.appointment not in site.appointment_times:
            bad("appointment", pl.participant_id, pl.provider_id, f"appointment {pl.appointment!r} is not an open time")
            continue
        need = next(n for n in person.needs if n.service == pl.service)
        if not need.fits(pl.appointment):
            bad(
                "appointment",
                pl.participant_id,
                pl.provider_id,
                f"appointment {pl.appointment} is outside the participant's windows",
            )
        used[(site.provider_id, pl.appointment)] += 1
        key = (person.participant_id, site.provider_id, pl.appointment)
        minutes = instance.arrive_by_minutes.get(key, instance.travel_minutes.get(key[:2]))
        if not _ok_minutes(minutes, person.max_transit_minutes):
            bad(
                "appointment",
                pl.participant_id,
                pl.provider_id,
                f"cannot arrive on time for {pl.appointment} ({minutes} min arrive-by)",
            )
    for (sid, when), n in used.items():
        if n > 1:
            bad("appointment", None, sid, f"{n} people booked for the single appointment {when}")


def _no_bump(instance: Instance, mode: str, good, bad) -> None:
    people = {p.participant_id: p for p in instance.participants}
    on_list = defaultdict(list)
    for s in instance.providers:
        on_list[s.list_id or s.provider_id].append(s)
    order: defaultdict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    fixed = defaultdict(list)
    for e in instance.wait_list:
        if e.status != "waiting":
            continue
        lead_key = e.priority if e.lead_priority is None else e.lead_priority
        keys = {"general": e.priority, "set-aside": lead_key}
        for category, key in keys.items():
            if e.person_id in people:
                order[(e.list_id, category)][e.person_id] = key
            elif category == "general" or e.lead:
                if any(
                    _allowed(e.attributes, s.eligibility, unknown_ok=True) and s.provider_id not in e.declined
                    for s in on_list[e.list_id]
                ):
                    fixed[(e.list_id, category)].append(key)
    placed_at = {(pl.participant_id, pl.service): site for pl, _, site in good}

    def rank_of(list_id, category, pid):
        return order[(list_id, category)].get(pid, math.inf)

    def content(person, need, site, than) -> bool:
        """Whether a person is placed for ``need`` somewhere they like at least as much as ``than``."""
        got = placed_at.get((person.participant_id, need))
        if got is None:
            return False
        if mode != "preference" or not person.preferences:
            return True
        return person.preferences.index(got.provider_id) <= person.preferences.index(than.provider_id)

    housed = {pl.participant_id: pl.provider_id for pl, _, site in good if site.service == "housing"}

    def far_from_home(person, site) -> bool:
        """Their housing placement puts ``site`` over their limit (so they no longer want it)."""
        key = (housed.get(person.participant_id), site.provider_id)
        return (
            site.service != "housing"
            and key in instance.provider_travel_minutes
            and not _ok_minutes(instance.provider_travel_minutes[key], person.max_transit_minutes)
        )

    booked = {(site.provider_id, pl.appointment) for pl, _, site in good if pl.appointment}

    def on_time(person, site, when) -> bool:
        home = instance.travel_minutes.get((person.participant_id, site.provider_id))
        return _ok_minutes(
            instance.arrive_by_minutes.get((person.participant_id, site.provider_id, when), home),
            person.max_transit_minutes,
        )

    def wants(person, site, taken_time) -> bool:
        """Whether ``person`` wants ``site`` and could use the seat taken at ``taken_time``: for a
        clinic with times, they can make that time or another time nobody booked."""
        need = next((n for n in person.needs if n.service == site.service), None)
        return (
            need is not None
            and site.provider_id not in need.declined
            and not far_from_home(person, site)
            and (not need.subtype or need.subtype == site.subtype)
            and (not person.preferences or site.provider_id in person.preferences)
            and _allowed(person.attributes, site.eligibility, unknown_ok=False)
            and _ok_minutes(
                instance.travel_minutes.get((person.participant_id, site.provider_id)), person.max_transit_minutes
            )
            and (
                site.service != "clinic"
                or not site.by_appointment
                or (taken_time is not None and need.fits(taken_time) and on_time(person, site, taken_time))
                or any(
                    on_time(person, site, when) and need.fits(when)
                    for when in site.appointment_times
                    if (site.provider_id, when) not in booked
                )
            )
        )

    for pl, person, site in good:
        lst = site.list_id or site.provider_id
        mine = rank_of(lst, pl.category, person.participant_id)
        for other_id, key in order[(lst, pl.category)].items():
            other = people[other_id]
            if other is person or key >= mine:
                continue
            if wants(other, site, pl.appointment) and not content(other, site.service, site, site):
                bad(
                    "no-bump",
                    pl.participant_id,
                    pl.provider_id,
                    f"{other.participant_id} is ahead on list {lst} ({pl.category}), wants {site.provider_id} "
                    "and is left without it",
                )
    pools = defaultdict(list)
    for pl, person, site in good:
        pools[(site.list_id or site.provider_id, pl.category)].append(
            rank_of(site.list_id or site.provider_id, pl.category, person.participant_id)
        )
    for (lst, category), ranks in pools.items():
        cutoff = max(ranks)
        ahead = sum(1 for key in fixed[(lst, category)] if key < cutoff)
        seats = sum(
            max(_seats(s, category), 0)
            if not (s.service == "clinic" and s.by_appointment)
            else min(max(_seats(s, category), 0), len(s.appointment_times))
            for s in on_list[lst]
        )
        if len(ranks) + ahead > seats:
            bad(
                "no-bump",
                None,
                lst,
                f"{len(ranks)} placed from list {lst} ({category}) but {ahead} people "
                f"waiting ahead keep a claim on its {seats} free seats",
            )
