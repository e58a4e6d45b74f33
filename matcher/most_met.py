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

Asked many times about one round, :class:`MoreSeats` builds the model once: more seats at a
provider change only its capacity rows (``seated <= seats``) as long as they open no seat category
that had none (which would add options) and no fixed claim ties its list (whose rows count the
list's free seats); such a round is a copy of the model with those rows loosened, the same model a
fresh build of the larger round gives. Other rounds are built in full.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from matcher.model import build_model
from matcher.prep import prepare, seat_count
from matcher.search import search
from matcher.types import Instance, validate_instance

# One presolve pass: these rounds are small after presolve, and on the report's Pittsburgh round
# the default three passes cost ~25 % more CPU for the same proven answers (bench/report.py).
PRESOLVE_ITERATIONS = 1
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


class MoreSeats:
    """One round's most-needs-met model, built once, then asked about more seats at one provider.

    ``instance`` is validated and prepared here; each question costs a copy of the model and a
    search (see the module docstring for when the model must be built again).
    """

    def __init__(self, instance: Instance):
        validate_instance(instance)
        self.instance = instance
        self.prep = prepare(instance)
        self.built = build_model(self.prep, mode="coverage")
        self.built.model.Maximize(sum(u * x for u, x in zip(self.built.urgency, self.built.place)))
        self.keys: list[PlacementKey] = [
            (
                self.prep.participants[o.p].participant_id,
                o.need,
                self.prep.providers[o.s].provider_id,
                o.category,
                o.appointment,
            )
            for o in self.prep.options
        ]
        self.index = {s.provider_id: si for si, s in enumerate(self.prep.providers)}

    def most_needs_met(
        self,
        *,
        provider_id: str | None = None,
        more_seats: int = 0,
        time_limit_s: float = 10.0,
        seed: int = 0,
        workers: int = 1,
        start_from: MostMet | None = None,
    ) -> MostMet:
        """The most urgency-weighted needs met with ``more_seats`` more seats (capacity) at
        ``provider_id`` (None: the round as given); arguments as :func:`most_needs_met`."""
        started = time.perf_counter()
        rows = {} if provider_id is None or more_seats == 0 else self._loosened_rows(provider_id, more_seats)
        if rows is None:
            assert provider_id is not None
            return most_needs_met(
                self._with_more_seats(provider_id, more_seats),
                time_limit_s=time_limit_s,
                seed=seed,
                workers=workers,
                start_from=start_from,
            )
        model = self.built.model.clone()  # the built model stays as built: questions may run in threads
        for row, seats in rows.items():
            domain = model.Proto().constraints[row].linear.domain  # (-inf, seats]: no negative index on it
            domain[len(domain) - 1] = seats
        place = [model.get_bool_var_from_proto_index(v.Index()) for v in self.built.place]
        return self._search(model, place, time_limit_s - (time.perf_counter() - started), seed, workers, start_from)

    def reuses_model(self, provider_id: str, more_seats: int) -> bool:
        """Whether the round with ``more_seats`` more seats at ``provider_id`` is answered on a copy
        of the built model (True) or needs a model of its own (False)."""
        return self._loosened_rows(provider_id, more_seats) is not None

    def _with_more_seats(self, provider_id: str, more_seats: int) -> Instance:
        providers = [
            dataclasses.replace(s, capacity=s.capacity + more_seats) if s.provider_id == provider_id else s
            for s in self.instance.providers
        ]
        return dataclasses.replace(self.instance, providers=providers)

    def _loosened_rows(self, provider_id: str, more_seats: int) -> dict[int, int] | None:
        """Capacity row index -> its new seat count, or None when the larger round needs a new model."""
        si = self.index[provider_id]
        provider = self.prep.providers[si]
        if any(self.prep.claims.get((provider.wait_list, cat)) for cat in ("general", "set-aside")):
            return None
        larger = dataclasses.replace(provider, capacity=provider.capacity + more_seats)
        rows = {}
        for cat in ("general", "set-aside"):
            before, after = self.prep.seats[(si, cat)], seat_count(larger, cat)
            if before == 0 and after > 0:
                return None  # a seat category opens: new options
            if (si, cat) in self.built.capacity_rows:
                rows[self.built.capacity_rows[(si, cat)]] = after
        return rows

    def _search(self, model, place, seconds: float, seed: int, workers: int, start_from: MostMet | None) -> MostMet:
        wanted = start_from.placed if start_from is not None else frozenset()
        status, _, chosen = search(
            model,
            place,
            [i for i, key in enumerate(self.keys) if key in wanted],
            seconds=max(seconds, 0.0),
            seed=seed,
            workers=workers,
            presolve_iterations=PRESOLVE_ITERATIONS,
        )
        if chosen is None:
            return MostMet(0, 0, status, frozenset())
        return MostMet(
            needs_met=len(chosen),
            urgency_met=sum(self.built.urgency[i] for i in chosen),
            status=status,
            placed=frozenset(self.keys[i] for i in chosen),
        )


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
    rounds = MoreSeats(instance)
    return rounds.most_needs_met(
        time_limit_s=time_limit_s - (time.perf_counter() - started), seed=seed, workers=workers, start_from=start_from
    )
