"""Incremental placement of one new participant against the current state, in milliseconds.

Everyone already in the state (participants and wait-list entries) keeps their place: they are
treated as fixed entries, so the new participant only takes a seat that nobody ahead of them claims.
Build a :class:`Board` once per state and pass it to :func:`place_one` for each request.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, replace

from matcher.baselines import greedy_fill
from matcher.explain import build_result
from matcher.prep import Prepared, add_options, prepare_board
from matcher.types import Instance, Participant, Result, validate_instance, validate_participant


@dataclass
class Board:
    """Seats, pools and fixed claims of a state, prepared once (everyone in it is fixed)."""

    instance: Instance
    prepared: Prepared
    entries_of: dict
    providers: dict


def validate_state(instance: Instance) -> None:
    """Check the providers and wait list of ``instance`` (``validate_instance`` without its
    participants and travel minutes): what :func:`make_board` checks of a state."""
    validate_instance(replace(instance, participants=[], travel_minutes={}, arrive_by_minutes={}))


def make_board(instance: Instance, *, validated: bool = False) -> Board:
    """Prepare the state ``instance`` for repeated :func:`place_one` calls. ``validated``: the
    caller has checked its providers and wait list already (:func:`validate_state`), as when
    many states are cut from one checked view; they are checked here otherwise."""
    frozen = replace(instance, participants=[])
    if not validated:
        validate_state(frozen)
    entries_of = defaultdict(list)
    for e in instance.wait_list:
        if e.status == "waiting":
            entries_of[e.person_id].append(e)
    return Board(frozen, prepare_board(frozen, []), entries_of, frozen.provider_by_id())


def place_one(instance: Instance, participant: Participant, *, board: Board | None = None) -> Result:
    """Place ``participant`` greedily and safely against the state ``instance``.

    ``instance.travel_minutes`` (and ``arrive_by_minutes``) must hold the participant's minutes.
    Each need takes the best option (preference rank, then transit minutes plus days to start) that
    leaves every seat claimed by someone ahead. The result checks clean with
    ``check(single_participant_instance(instance, participant), result)``.
    """
    start = time.perf_counter()
    board = board or make_board(instance)
    pid = participant.participant_id
    base = board.prepared
    validate_participant(participant, board.providers)
    prep = replace(
        base,
        instance=instance,
        participants=[participant],
        options=[],
        by_need=defaultdict(list),
        wants=defaultdict(list),
        reachable=defaultdict(list),
        ineligible={},
        mine=defaultdict(dict),
    )
    for e in board.entries_of.get(pid, []):
        prep.mine[(e.list_id, "general")][pid] = e.priority
        prep.mine[(e.list_id, "set-aside")][pid] = e.priority if e.lead_priority is None else e.lead_priority
    for si, s in enumerate(prep.providers):
        minutes = instance.travel_minutes.get((pid, s.provider_id))
        if minutes is not None and not math.isnan(minutes):
            prep.reachable[pid].append((si, minutes))
    add_options(prep, 0)
    chosen = greedy_fill(prep, [0])
    return build_result(
        prep, chosen, mode="coverage", method="incremental", status="FEASIBLE", seconds=time.perf_counter() - start
    )


def single_participant_instance(instance: Instance, participant: Participant) -> Instance:
    """The instance ``place_one`` decides on: the state with ``participant`` as the only participant."""
    return replace(instance, participants=[participant])
