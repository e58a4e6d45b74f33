"""The candidate choice (``snapshot.choose_candidates``) against a brute-force reference.

Per need: the ``k`` nearest providers of the service within the participant's limit, the ``k``
nearest of those with a free slot, the :data:`SHOWN_OVER_LIMIT` nearest of the service at any
distance, and every ranked provider; nearest by transit minutes, ties by directory order,
unreachable (NaN) last. The reference sorts each subset on its own, as the rule reads.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from api.services.snapshot import SHOWN_OVER_LIMIT, choose_candidates

SERVICES = ("housing", "treatment", "clinic")


def nearest(indices: list[int], minutes: list[float], count: int) -> list[int]:
    """The ``count`` first of ``indices`` by (minutes, index), NaN after every number."""
    return sorted(indices, key=lambda i: (math.isnan(minutes[i]), minutes[i] if minutes[i] == minutes[i] else 0, i))[
        :count
    ]


def reference(people, services_of, k, ids, service, free, matrix) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for p, row in zip(people, matrix.tolist()):
        chosen = {x for x in p.preferences if x in set(ids)}
        for s in services_of[p.id]:
            of_service = [i for i in range(len(ids)) if service[i] == s]
            within = [i for i in of_service if row[i] <= p.max_transit_minutes]
            for subset, count in ((within, k), ([i for i in within if free[i]], k), (of_service, SHOWN_OVER_LIMIT)):
                chosen.update(ids[i] for i in nearest(subset, row, count))
        out[p.id] = chosen
    return out


@pytest.mark.parametrize("seed", range(40))
def test_candidates_are_the_nearest_of_each_subset(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 40)), int(rng.integers(1, 6))
    ids = [f"P{i:03d}" for i in range(n)]
    service = [str(s) for s in rng.choice(SERVICES, n)]
    free = (rng.random(n) < 0.5).tolist()
    matrix = rng.integers(0, 6, (m, n)).astype(float)  # few distinct minutes: many ties
    matrix[rng.random((m, n)) < 0.2] = np.nan
    people = [
        SimpleNamespace(
            id=f"X{j}",
            preferences=tuple(str(x) for x in rng.choice(ids + ["GONE"], int(rng.integers(0, 3)), replace=False)),
            max_transit_minutes=float(rng.integers(0, 6)),
            lon=0.0,
            lat=0.0,
        )
        for j in range(m)
    ]
    services_of = {p.id: {str(s) for s in rng.choice(SERVICES, int(rng.integers(1, 3)))} for p in people}
    k = int(rng.integers(1, 5))
    region = SimpleNamespace(travel_matrix=lambda *_args: matrix)
    got = choose_candidates(
        region,  # type: ignore[arg-type]
        people,  # type: ignore[arg-type]
        services_of,
        k,
        ids=np.array(ids),
        service=np.array(service),
        free=np.array(free, dtype=bool),
        lons=np.zeros(n),
        lats=np.zeros(n),
    )
    assert got == reference(people, services_of, k, ids, service, free, matrix)
