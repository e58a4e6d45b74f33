"""The most needs a placement round can meet, for what-if questions about seats.

:func:`matcher.solve` answers a round in full: urgency-weighted needs met first, then the least
transit and waiting, with a deferred-acceptance warm start and an explanation for every need left
unmet. A what-if such as the capacity-gap report's "one more seat at provider X" needs only the
first objective, solved again for each provider: :func:`most_needs_met` builds the same model
(:func:`matcher.model.build_model`: capacity, eligibility, travel limits, appointments, no-bump),
maximises urgency-weighted needs met alone and returns the placements as keys. A round with more
seats keeps every placement of the smaller round feasible (capacity rows only loosen; the no-bump
rows do not mention seats), so passing the smaller round's answer as ``start_from`` starts the
search at a solution, and the solver is left to find the extra placements and prove the bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from matcher.model import build_model
from matcher.prep import prepare
from matcher.solve import _search
from matcher.types import Instance, validate_instance

PlacementKey = tuple[str, int, str, str, str | None]  # participant id, need index, provider id, category, time


@dataclass(frozen=True)
class MostMet:
    """The first objective of a round: needs met (count), urgency-weighted needs met, proof status.

    ``placed`` holds one key per placement (participant id, need index, provider id, seat
    category, appointment time or None), to start another search from.
    """

    needs_met: int
    urgency_met: int
    status: str
    placed: frozenset[PlacementKey]


def most_needs_met(
    instance: Instance,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int = 1,
    start_from: MostMet | None = None,
) -> MostMet:
    """The most urgency-weighted needs ``instance`` can meet under every rule of :func:`matcher.solve`.

    ``time_limit_s`` is wall seconds for preparation, model and search; ``workers`` search threads;
    ``start_from`` an answer to a round with fewer seats (its placements that are options here
    are the hint). ``status`` is ``"OPTIMAL"`` when the maximum is proven. When every need has
    urgency 1 (as in the report's rounds) ``needs_met`` equals the ``needs_met`` of
    :func:`matcher.solve` proven optimal on the same instance.
    """
    started = time.perf_counter()
    validate_instance(instance)
    prep = prepare(instance)
    built = build_model(prep, mode="coverage")
    keys = [
        (
            prep.participants[o.p].participant_id,
            o.need,
            prep.providers[o.s].provider_id,
            o.category,
            o.appointment,
        )
        for o in prep.options
    ]
    wanted = start_from.placed if start_from is not None else frozenset()
    built.model.Maximize(sum(u * x for u, x in zip(built.urgency, built.place)))
    status, _, chosen = _search(
        built.model,
        built.place,
        [i for i, key in enumerate(keys) if key in wanted],
        seconds=max(time_limit_s - (time.perf_counter() - started), 0.0),
        seed=seed,
        workers=workers,
    )
    if chosen is None:
        return MostMet(0, 0, status, frozenset())
    return MostMet(
        needs_met=len(chosen),
        urgency_met=sum(built.urgency[i] for i in chosen),
        status=status,
        placed=frozenset(keys[i] for i in chosen),
    )
