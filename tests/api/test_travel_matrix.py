"""The batch's transit minutes in one step equal each participant's minutes worked out on their own."""

from __future__ import annotations

import numpy as np

from api.services.region import RegionContext, TransitTable
from geodata import straight_line


def _points(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.c_[-79.99 + rng.uniform(-0.2, 0.2, n), 40.44 + rng.uniform(-0.12, 0.12, n)]


def test_straight_line_matrix_rows_are_the_single_point_minutes():
    rng = np.random.default_rng(3)
    people, providers = _points(rng, 32), _points(rng, 300)
    ids = [f"P{i}" for i in range(300)]
    region = RegionContext()
    matrix = region.travel_matrix(people, providers[:, 0], providers[:, 1], ids)
    assert matrix.shape == (32, 300)
    for row, (lon, lat) in zip(matrix, people):
        assert np.array_equal(row, region.travel_minutes(lon, lat, providers[:, 0], providers[:, 1], ids))


def test_transit_table_lookup_many_matches_a_loop_over_points_and_providers():
    rng = np.random.default_rng(5)
    origins, people = _points(rng, 40), _points(rng, 12)
    ids = [f"P{i}" for i in range(25)]
    column = {pid: c for c, pid in enumerate(ids) if c % 4}  # every fourth provider has no column
    table = TransitTable(origins, column, rng.uniform(5, 90, (40, 25)))
    fallback = rng.uniform(10, 60, (12, 25))
    got = table.lookup_many(people, ids, fallback)
    for i, (lon, lat) in enumerate(people):
        walk = [
            float(straight_line.straight_line_minutes(np.array([[lon, lat]]), o, straight_line.WALK)[0, 0])
            for o in origins
        ]
        nearest = int(np.argmin(walk))
        for j, pid in enumerate(ids):
            want = walk[nearest] + table.minutes[nearest, column[pid]] if pid in column else fallback[i, j]
            assert got[i, j] == want, (i, pid)
        assert np.array_equal(table.lookup(lon, lat, ids, fallback[i]), got[i])
