"""Where one more slot helps most: the marginal value of a seat at each provider, by re-solving.

The placement round of the report is every LEAD participant waiting on a provider's list now
(community members' entries stay fixed and keep their places, so the no-bump rule holds). Each
participant needs the services of the lists they are on and, lacking home locations in wait-list
data, is taken to reach the providers whose lists they joined. The value of one more seat at
provider *s* is the increase in LEAD needs met when the round is re-solved with *s*'s capacity
plus one (``matcher.solve``). A seat at a provider whose list holds no waiting LEAD participant
cannot change the round, so it is valued 0 without a re-solve (an exact screen, checked against
re-solving every provider in the tests). Values are ranked per $100,000 a year of seat cost.
"""
from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

import matcher
from matcher import Instance, Need, Participant, Provider, WaitListEntry

METHOD = ("Each provider's capacity is raised by one seat and the placement round of LEAD participants "
          "now waiting is solved again (no one is bumped: community members keep their places). The value is "
          "how many more LEAD needs are met; cost is one seat-year at the service's typical cost.")


def _json(value) -> dict:
    if isinstance(value, dict):
        return value
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return {}
    return json.loads(value)


def round_instance(providers: pd.DataFrame, wait_lists: pd.DataFrame, *, as_of: str) -> Instance:
    """The report's placement round: LEAD participants waiting now, against every provider's list."""
    waiting = wait_lists[wait_lists["status"].astype(str) == "waiting"]
    service_of = dict(zip(providers["provider_id"].astype(str), providers["service"].astype(str)))
    list_of = {str(p): str(l) for p, l in zip(waiting["provider_id"], waiting["list_id"])}
    entries, lists_of_person, attributes = [], {}, {}
    for row in waiting.itertuples(index=False):
        person, list_id = str(row.person_id), str(row.list_id)
        entries.append(WaitListEntry(list_id=list_id, person_id=person, priority=float(row.priority),
                                     lead=bool(int(row.lead)), added=str(row.added)))
        if bool(int(row.lead)):
            lists_of_person.setdefault(person, set()).add(str(row.provider_id))
            attributes.setdefault(person, {}).update(_json(row.attributes))
    entries = list({(e.list_id, e.person_id): e for e in entries}.values())
    provider_objects = [
        Provider(provider_id=str(r.provider_id), name=str(r.name), service=str(r.service), capacity=int(r.capacity),
                 occupied=int(r.occupied), monthly_turnover=float(r.monthly_turnover),
                 eligibility=_json(r.eligibility), list_id=list_of.get(str(r.provider_id), str(r.provider_id)))
        for r in providers.itertuples(index=False)]
    participants, travel = [], {}
    for person, provider_ids in sorted(lists_of_person.items()):
        services = sorted({service_of[p] for p in provider_ids if p in service_of})
        if not services:
            continue
        participants.append(Participant(participant_id=person, needs=tuple(Need(s) for s in services),
                                        attributes=attributes.get(person, {})))
        travel.update({(person, p): 0.0 for p in provider_ids})
    return Instance(participants=participants, providers=provider_objects, wait_list=entries,
                    travel_minutes=travel, as_of=as_of)


def with_one_more_seat(instance: Instance, provider_id: str) -> Instance:
    """A copy of ``instance`` with one more seat at ``provider_id``."""
    providers = [dataclasses.replace(s, capacity=s.capacity + 1) if s.provider_id == provider_id else s
                 for s in instance.providers]
    return dataclasses.replace(instance, providers=providers)


def seat_values(instance: Instance, provider_ids: list[str], *, screen: bool = True,
                time_limit_s: float = 5.0) -> dict[str, int]:
    """More LEAD needs met with one more seat at each provider (re-solves; screened when ``screen``)."""
    if not instance.participants:
        return {p: 0 for p in provider_ids}
    base = matcher.solve(instance, time_limit_s=time_limit_s, seed=0).needs_met
    lead_lists = {e.list_id for e in instance.wait_list if e.lead and e.status == "waiting"}
    list_of = {s.provider_id: s.wait_list for s in instance.providers}
    todo = [p for p in provider_ids if not screen or list_of[p] in lead_lists]

    def gain(provider_id: str) -> int:
        return matcher.solve(with_one_more_seat(instance, provider_id), time_limit_s=time_limit_s,
                             seed=0, workers=1).needs_met - base

    with ThreadPoolExecutor(max_workers=2) as pool:
        gains = dict(zip(todo, pool.map(gain, todo)))
    return {p: gains.get(p, 0) for p in provider_ids}


def marginal_values(providers: pd.DataFrame, wait_lists: pd.DataFrame, options) -> dict:
    """The report's "where one more slot helps most" section: providers and best seat per area, ranked."""
    instance = round_instance(providers, wait_lists, as_of=options.as_of or "2026-01-01")
    ids = providers["provider_id"].astype(str).tolist()
    values = seat_values(instance, ids, time_limit_s=options.marginal_time_limit)
    rows = []
    for r in providers.itertuples(index=False):
        cost = float(options.slot_costs.get(str(r.service), 0.0))
        value = float(values[str(r.provider_id)])
        rows.append({"name": str(r.name), "service": str(r.service), "municipality": str(r.municipality),
                     "value": value, "cost": cost, "value_per_100k": value / cost * 100_000 if cost else None})
    rows = [r for r in rows if r["value"] > 0]
    rows.sort(key=lambda r: (-(r["value_per_100k"] or 0), -r["value"], r["name"]))
    best_by_area = {}
    for r in rows:
        best_by_area.setdefault((r["municipality"], r["service"]), r)
    areas = [{"level": "municipality", "area": area, "service": service, "name": r["name"], "value": r["value"],
              "value_per_100k": r["value_per_100k"]} for (area, service), r in best_by_area.items()]
    return {"method": METHOD, "providers": rows, "areas": areas}
