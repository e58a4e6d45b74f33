"""The fast isochrone polygons against the slow single-buffer construction they replace."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geodata.drive import street_index, street_reach
from geodata.street_area import nested_areas, reference_area


def demo_reach(demo_region_dir, lonlat=(-80.0, 40.44)):
    from geodata.region import load_region

    return street_reach(street_index(load_region(demo_region_dir).streets), lonlat)


@pytest.mark.parametrize("buffer_m", [40.0, 100.0])
def test_nested_areas_match_the_reference_within_a_quarter_percent(demo_region_dir, buffer_m):
    reach = demo_reach(demo_region_dir)
    limits_s = [60.0, 150.0, 240.0]
    fast = nested_areas(reach, limits_s, buffer_m)
    assert [a.area for a in nested_areas(reach, limits_s, buffer_m, threads=1)] == [a.area for a in fast]
    for limit, area in zip(limits_s, fast):
        slow = reference_area(reach, limit, buffer_m)
        assert slow.area > 0 and area.is_valid
        assert abs(area.area / slow.area - 1) < 0.0025, limit
        # the same shape, not just the same size: what differs is the rounding of buffer ends
        assert shapely.symmetric_difference(area, slow).area / slow.area < 0.0025, limit
        # the tolerance tells apart a buffer 1 % wider
        assert reference_area(reach, limit, buffer_m * 1.01).area / slow.area - 1 > 0.005, limit
    assert fast[0].area < fast[1].area < fast[2].area
    # nested within 1 % of the buffer (different chords of rounded ends, GEOS' offset-curve simplification)
    slack_m = 0.01 * buffer_m
    assert fast[2].buffer(slack_m).contains(fast[1]) and fast[1].buffer(slack_m).contains(fast[0])
    assert not fast[1].buffer(slack_m).contains(fast[2])


def test_nothing_reached_gives_an_empty_area(demo_region_dir):
    reach = demo_reach(demo_region_dir)
    reach.at_s[:] = np.inf
    assert all(area.is_empty for area in nested_areas(reach, [60.0, 120.0], 40.0))
