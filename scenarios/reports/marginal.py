"""Where one more slot helps most: the marginal value of a seat at each provider, by re-solving.

The report's placement round looks ``horizon_days`` ahead (30 by default): every person waiting
now (LEAD participants and other community members) is in it, each needing the services of the
lists they are on and taken to reach those providers (wait-list data carries no home locations).
A provider offers its free seats plus the seats its turnover frees within the horizon. The round is
solved under the no-bump rule (the model of ``matcher.solve``), so people on several lists are placed once
and the seat they leave goes to the next person on the other list.

One more seat at provider *s* adds itself plus its own turnover within the horizon (one seat's
share of *s*'s turnover). Its value is how many more needs are met within the horizon when the
round is solved again. A provider that can already seat everyone on its list within the horizon
gains nothing from another seat, so it is valued 0 without a re-solve (an exact screen, checked
against re-solving every provider in the tests). Only the seat's independent part
of the round is solved again (:func:`parts_of`: lists joined by the needs of the people on them),
which gives the same value as re-solving the whole round, and only for its most needs met
(:func:`matcher.most_needs_met`: the round's first objective, without the cost phase or
explanations), starting from the part's answer without the seat. Values are ranked per $100,000 a
year of seat cost.
"""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd

import matcher
from matcher import Instance, MostMet, Need, Participant, Provider, WaitListEntry

DAYS_PER_MONTH = 30.44
METHOD = (
    "Each provider gets one more seat (plus that seat's own turnover over the next {horizon} days) and the "
    "placement round of everyone now waiting is solved again under the no-bump rule. The value is how many "
    "more people start within {horizon} days; cost is one seat-year at the service's typical cost."
)


def _json(value) -> dict:
    if isinstance(value, dict):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return {}
    return json.loads(value)


def horizon_seats(provider: Provider, horizon_days: float) -> int:
    """Seats that open at ``provider`` within the horizon: free now plus turnover (seats)."""
    return provider.capacity - provider.occupied + int(round(provider.monthly_turnover * horizon_days / DAYS_PER_MONTH))


def round_instance(providers: pd.DataFrame, wait_lists: pd.DataFrame, *, as_of: str, horizon_days: float) -> Instance:
    """The report's placement round: everyone waiting now, against the seats opening within the horizon."""
    waiting = wait_lists[wait_lists["status"].astype(str) == "waiting"]
    service_of = dict(zip(providers["provider_id"].astype(str), providers["service"].astype(str)))
    list_of = {str(p): str(l) for p, l in zip(waiting["provider_id"], waiting["list_id"])}
    entries: dict[tuple[str, str], WaitListEntry] = {}
    providers_of_person: dict[str, set[str]] = {}
    attributes: dict[str, dict] = {}
    for row in waiting.itertuples(index=False):
        person, list_id = str(row.person_id), str(row.list_id)
        entries[(list_id, person)] = WaitListEntry(
            list_id=list_id,
            person_id=person,
            priority=float(row.priority),
            lead=bool(int(row.lead)),
            added=str(row.added),
        )
        providers_of_person.setdefault(person, set()).add(str(row.provider_id))
        attributes.setdefault(person, {}).update(_json(row.attributes))
    provider_objects = []
    for r in providers.itertuples(index=False):
        seat = Provider(
            provider_id=str(r.provider_id),
            name=str(r.name),
            service=str(r.service),
            capacity=int(r.capacity),
            occupied=int(r.occupied),
            monthly_turnover=float(r.monthly_turnover),
            eligibility=_json(r.eligibility),
            list_id=list_of.get(str(r.provider_id), str(r.provider_id)),
        )
        provider_objects.append(dataclasses.replace(seat, occupied=0, capacity=horizon_seats(seat, horizon_days)))
    participants: list[Participant] = []
    travel: dict[tuple[str, str], float | None] = {}
    for person, provider_ids in sorted(providers_of_person.items()):
        services = sorted({service_of[p] for p in provider_ids if p in service_of})
        participants.append(
            Participant(
                participant_id=person, needs=tuple(Need(s) for s in services), attributes=attributes.get(person, {})
            )
        )
        travel.update({(person, p): 0.0 for p in provider_ids})
    return Instance(
        participants=participants,
        providers=provider_objects,
        wait_list=list(entries.values()),
        travel_minutes=travel,
        as_of=as_of,
    )


def extra_seats(*, monthly_turnover: float, capacity: int, horizon_days: float) -> int:
    """One more seat plus its own share of the provider's turnover within the horizon (seats)."""
    per_seat = monthly_turnover / capacity if capacity else 0.0
    return 1 + int(round(per_seat * horizon_days / DAYS_PER_MONTH))


def parts_of(instance: Instance) -> dict[str, str]:
    """Provider id -> its independent part of the round: wait lists joined by the needs of people on them.

    A need is one person and one service; it joins every list of that service the person is on.
    No constraint of the round links two parts, so a seat's value can be found by re-solving its
    part alone (needs met add up over parts).
    """
    parent: dict = {}

    def find(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    service_of_list = {s.wait_list: s.service for s in instance.providers}
    for entry in instance.wait_list:
        need = ("need", entry.person_id, service_of_list.get(entry.list_id))
        parent[find(need)] = find(("list", entry.list_id))
    return {s.provider_id: str(find(("list", s.wait_list))) for s in instance.providers}


def part_instance(instance: Instance, part: str, parts: dict[str, str]) -> Instance:
    """The round restricted to one part: its providers, their lists' entries and those people's needs there."""
    providers = [s for s in instance.providers if parts[s.provider_id] == part]
    lists = {s.wait_list for s in providers}
    services = {s.service for s in providers}
    entries = [e for e in instance.wait_list if e.list_id in lists]
    people = {e.person_id for e in entries}
    participants = []
    for person in instance.participants:
        if person.participant_id in people:
            needs = tuple(n for n in person.needs if n.service in services)
            participants.append(dataclasses.replace(person, needs=needs))
    ids = {s.provider_id for s in providers}
    travel = {k: v for k, v in instance.travel_minutes.items() if k[0] in people and k[1] in ids}
    return dataclasses.replace(
        instance, participants=participants, providers=providers, wait_list=entries, travel_minutes=travel
    )


def seat_values(
    instance: Instance, extra: dict[str, int], *, screen: bool = True, time_limit_s: float = 60.0
) -> dict[str, int]:
    """More needs met when provider ``p`` gets ``extra[p]`` more seats in the round (re-solves its part).

    With ``screen``, providers that can already seat everyone on their list are valued 0 unsolved.
    Each part's model is built once (:class:`matcher.MoreSeats`) and solved for its most needs met,
    and each provider's re-solve starts from that answer, which stays feasible with more seats.
    ``time_limit_s`` is wall seconds per solve; a solve not proven optimal raises.
    """
    if not instance.participants:
        return {p: 0 for p in extra}
    listed: dict[str, int] = {}
    for entry in instance.wait_list:
        listed[entry.list_id] = listed.get(entry.list_id, 0) + 1
    seats = {s.provider_id: (s.wait_list, s.capacity - s.occupied) for s in instance.providers}
    todo = [p for p in extra if not screen or listed.get(seats[p][0], 0) > seats[p][1]]
    parts = parts_of(instance)
    rounds = {part: matcher.MoreSeats(part_instance(instance, part, parts)) for part in {parts[p] for p in todo}}

    def met(part: str) -> MostMet:
        return rounds[part].most_needs_met(time_limit_s=time_limit_s)

    def gain(provider_id: str) -> MostMet:
        part = parts[provider_id]
        return rounds[part].most_needs_met(
            provider_id=provider_id, more_seats=extra[provider_id], time_limit_s=time_limit_s, start_from=base[part]
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        base = dict(zip(rounds, pool.map(met, rounds)))
        gains = dict(zip(todo, pool.map(gain, todo)))
    unproven = [r.status for r in [*base.values(), *gains.values()] if r.status != "OPTIMAL"]
    if unproven:
        raise RuntimeError(
            f"{len(unproven)} placement re-solves were not proven optimal within {time_limit_s:g} s "
            "each; raise the marginal time limit (ReportOptions.marginal_time_limit)"
        )
    return {p: gains[p].needs_met - base[parts[p]].needs_met if p in gains else 0 for p in extra}


def marginal_values(providers: pd.DataFrame, wait_lists: pd.DataFrame, options) -> dict:
    """The report's "where one more slot helps most" section: providers and best seat per area, ranked."""
    horizon = options.horizon_days
    instance = round_instance(providers, wait_lists, as_of=options.as_of or "2026-01-01", horizon_days=horizon)
    extra = {
        str(r.provider_id): extra_seats(
            monthly_turnover=float(r.monthly_turnover), capacity=int(r.capacity), horizon_days=horizon
        )
        for r in providers.itertuples(index=False)
    }
    values = seat_values(instance, extra, time_limit_s=options.marginal_time_limit)
    rows: list[dict[str, Any]] = []
    for r in providers.itertuples(index=False):
        cost = float(options.slot_costs.get(str(r.service), 0.0))
        value = float(values[str(r.provider_id)])
        rows.append(
            {
                "name": str(r.name),
                "service": str(r.service),
                "municipality": str(r.municipality),
                "value": value,
                "cost": cost,
                "value_per_100k": value / cost * 100_000 if cost else None,
            }
        )
    rows = [r for r in rows if r["value"] > 0]
    rows.sort(key=lambda r: (-(r["value_per_100k"] or 0), -r["value"], r["name"]))
    best_by_area: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        best_by_area.setdefault((r["municipality"], r["service"]), r)
    areas = [
        {
            "level": "municipality",
            "area": area,
            "service": service,
            "name": r["name"],
            "value": r["value"],
            "value_per_100k": r["value_per_100k"],
        }
        for (area, service), r in best_by_area.items()
    ]
    return {"method": METHOD.format(horizon=f"{horizon:g}"), "providers": rows, "areas": areas}
