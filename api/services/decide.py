"""Deciding placements: a snapshot in, matcher instances built, the matcher called, a decision out.

Pure: no database, no session. The same :class:`api.services.snapshot.Snapshot` is decided in
one of two ways:

- :func:`in_order` (placement requests, one or a batch): ``matcher.place_one`` for each
  participant in arrival order on a single-participant instance of its own candidates' pools
  (what it would be shown alone), each hold taken out of the providers before the next
  participant is placed, so a batch never books a seat twice;
- :func:`together` (a batch round): ``matcher.solve`` (CP-SAT, coverage mode) on every
  participant at once.

Either way the :class:`Decision` carries the instance of the whole snapshot (before any of its
holds), on which :mod:`api.services.placements` checks it with ``matcher.check`` when the pools
are unchanged at write time. Every decision-view instance is built by :func:`decision_instance`:
transit minutes from the snapshot, arrive-by minutes for clinic appointments and
housing-to-provider minutes from the region's travel service (the same tables as ``handoff
match``: :func:`api.services.records.arrive_by`, :meth:`RegionContext.provider_travel_minutes`).
Every answer of the matcher passes :func:`explained` (the region's feed note on explanations
that cite transit minutes, :mod:`api.services.transit_note`) before it leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import matcher

from api.services.records import arrive_by
from api.services.region import RegionContext
from api.services.snapshot import Snapshot
from api.services.transit_note import with_feed_note


@dataclass(frozen=True)
class Decision:
    """The matcher's answers for a snapshot: per participant id its ``results`` and the number of
    ``candidates`` it was chosen from; ``placements`` all together; ``view`` the snapshot's whole
    instance (before any of these holds), the one the placements are checked on."""

    results: dict[str, matcher.Result]
    candidates: dict[str, int]
    placements: matcher.Result
    view: matcher.Instance


def decision_instance(
    region: RegionContext,
    people: list[matcher.Participant],
    providers: list[matcher.Provider],
    waiting: list[matcher.WaitListEntry],
    minutes: dict[tuple[str, str], float | None],
    as_of: str,
) -> matcher.Instance:
    """The decision-view instance of ``people`` over ``providers`` and the ``waiting`` entries of
    their lists, with the transit ``minutes`` (participant, provider) and the region's arrive-by
    and housing-to-provider minutes; ``as_of`` is the round's ISO date."""
    return matcher.Instance(
        participants=people,
        providers=providers,
        wait_list=waiting,
        travel_minutes=minutes,
        arrive_by_minutes=arrive_by(region, people, providers, minutes),
        provider_travel_minutes=region.provider_travel_minutes(providers),
        as_of=as_of,
        region=region.name,
    )


def snapshot_instance(region: RegionContext, snap: Snapshot) -> matcher.Instance:
    """The instance of the whole snapshot: every participant over every provider of its pools."""
    waiting = [e for list_id in sorted(snap.waiting) for e in snap.waiting[list_id]]
    return decision_instance(region, snap.people, list(snap.providers.values()), waiting, snap.minutes, snap.as_of)


def place_one(instance: matcher.Instance, *, validated: bool = False) -> matcher.Result:
    """The matcher's answer for one participant against the decision view (``matcher.place_one``:
    everyone already waiting keeps their place; milliseconds); ``validated``: its providers and
    wait list were checked already (``matcher.make_board``)."""
    if not instance.participants:
        return matcher.Result(status="OPTIMAL", method="none")
    board = matcher.make_board(instance, validated=validated)
    return matcher.place_one(instance, instance.participants[0], board=board)


def solve(instance: matcher.Instance, time_limit_s: float) -> matcher.Result:
    """The matcher's answer for a decision-view round (CP-SAT, one search thread, reproducible),
    within ``time_limit_s`` seconds."""
    if not instance.participants:
        return matcher.Result(status="OPTIMAL", method="none")
    return matcher.solve(instance, mode="coverage", time_limit_s=time_limit_s, seed=0, workers=1)


def explained(region: RegionContext, result: matcher.Result) -> matcher.Result:
    """``result`` with the region's feed note added where its explanations cite transit minutes."""
    return with_feed_note(result, region.feed_warning())


def take_hold(provider: matcher.Provider, placement: matcher.Placement) -> matcher.Provider:
    """The decision-view ``provider`` after ``placement`` took a seat (and its appointment time)."""
    set_aside = placement.category == "set-aside"
    return replace(
        provider,
        occupied=provider.occupied + 1,
        lead_occupied=provider.lead_occupied + set_aside,
        appointment_times=tuple(t for t in provider.appointment_times if t != placement.appointment),
    )


def single_instance(
    region: RegionContext, snap: Snapshot, person: matcher.Participant, current: dict[str, matcher.Provider]
) -> matcher.Instance:
    """The instance ``person`` is placed on alone: the pools of its candidates, with the providers
    as ``current`` has them (the snapshot's records minus the holds placed before it)."""
    lists = snap.pools_of(snap.candidates.get(person.participant_id, set()))
    members = [m for list_id in lists for m in snap.pools[list_id]]
    known = set(members)
    mine = replace(person, preferences=tuple(x for x in person.preferences if x in known))
    minutes = {(person.participant_id, m): snap.minutes.get((person.participant_id, m)) for m in members}
    waiting = [e for list_id in lists for e in snap.waiting.get(list_id, ())]
    return decision_instance(region, [mine], [current[m] for m in members], waiting, minutes, snap.as_of)


def in_order(region: RegionContext, snap: Snapshot) -> Decision:
    """``matcher.place_one`` for each participant of ``snap`` in arrival order, each on its own
    candidates' pools, each hold taken out of the providers before the next is placed. The
    snapshot's providers and wait lists are validated once, not once per participant: a hold
    only takes a seat the matcher found free."""
    view = snapshot_instance(region, snap)
    matcher.validate_state(view)
    current = dict(snap.providers)
    results: dict[str, matcher.Result] = {}
    for person in snap.people:
        result = explained(region, place_one(single_instance(region, snap, person, current), validated=True))
        results[person.participant_id] = result
        for pl in result.placements:
            current[pl.provider_id] = take_hold(current[pl.provider_id], pl)
    return Decision(
        results=results,
        candidates={p.participant_id: len(snap.candidates.get(p.participant_id, ())) for p in snap.people},
        placements=matcher.Result(placements=[pl for r in results.values() for pl in r.placements]),
        view=view,
    )


def together(region: RegionContext, snap: Snapshot, time_limit_s: float) -> Decision:
    """``matcher.solve`` on every participant of ``snap`` at once (a batch round), within
    ``time_limit_s`` seconds; each participant is reported with all the round's candidates."""
    view = snapshot_instance(region, snap)
    result = explained(region, solve(view, time_limit_s))
    chosen = len(set().union(*snap.candidates.values())) if snap.candidates else 0
    return Decision(
        results={p.participant_id: result for p in snap.people},
        candidates={p.participant_id: chosen for p in snap.people},
        placements=result,
        view=view,
    )
