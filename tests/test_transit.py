"""Range-RAPTOR against an independent time-expanded networkx reference, plus GTFS edge cases."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from gtfs_factory import hms, random_feed, write_feed
from transit_bruteforce import TimeExpanded

from geodata.gtfs import load_gtfs
from geodata.transit import NoServiceWarning, parse_window, prepare, run_search, transit_matrix
from geodata.walk import WalkNetwork

DATE = dt.date(2024, 3, 6)  # a Wednesday
SLACK, RIDES, MAX_MIN, WALK_MIN = 60, 3, 120, 10


def _points(feed, n, rng, spread=0.004):
    stops = feed.stops[feed.stops["location_type"] == 0][["stop_lon", "stop_lat"]].to_numpy()
    return stops[rng.choice(len(stops), n)] + rng.normal(0, spread, (n, 2))


def _reference(feed, graph, problem, origins, destinations, *, window, date=DATE, walk_kmh=4.8, rides=RIDES):
    """The time-expanded reference on the same walking legs (street or straight-line)."""
    ids = [key[1] for key in problem.timetable.stop_keys]
    walker = WalkNetwork(graph, walk_kmh=walk_kmh)
    raw = walker.legs(
        problem.timetable.stop_lonlat, problem.timetable.stop_lonlat, max_seconds=WALK_MIN * 60, skip_same_index=True
    ).dense()
    stop_walk = {(ids[a], ids[b]): int(raw[a, b]) for a, b in zip(*np.nonzero(np.isfinite(raw)))}
    egress_dense = problem.egress.dense()
    egress = {
        ids[s]: [(int(j), int(egress_dense[s, j])) for j in np.flatnonzero(np.isfinite(egress_dense[s]))]
        for s in range(len(ids))
    }
    te = TimeExpanded(
        feed, date, stop_walk, walk_ms=walk_kmh / 3.6, slack=SLACK, max_rides=rides, egress=egress, window=window
    )
    access_dense, direct_dense = problem.access.dense(), problem.direct.dense()
    access = {
        i: [(ids[s], int(access_dense[i, s])) for s in np.flatnonzero(np.isfinite(access_dense[i]))]
        for i in range(len(origins))
    }
    direct = {
        i: [(int(j), int(direct_dense[i, j])) for j in np.flatnonzero(np.isfinite(direct_dense[i]))]
        for i in range(len(origins))
    }
    return te, access, direct, egress_dense, direct_dense, ids


def _compare_forward(feed, graph, origins, destinations, window, *, date=DATE, rides=RIDES, max_min=MAX_MIN):
    """RAPTOR (every departure of ``window``) against the reference on 3 random departures per origin."""
    times = parse_window(window, 1)
    problem = prepare(
        [feed],
        graph,
        origins,
        destinations,
        date=date,
        start_s=int(times.min()),
        end_s=int(times.max()) + max_min * 60,
        max_walk_minutes=WALK_MIN,
    )
    cube = run_search(problem, times, percentiles=None, boarding_slack_s=SLACK, max_rides=rides, max_minutes=max_min)
    te, access, direct, *_ = _reference(
        feed,
        graph,
        problem,
        origins,
        destinations,
        date=date,
        rides=rides,
        window=(int(times.min()), int(times.max()) + max_min * 60),
    )
    rng = np.random.default_rng(1)
    checked = reachable = 0
    for i in range(len(origins)):
        for ti in rng.choice(len(times), 3, replace=False):
            ref = te.depart(int(times[ti]), access[i], direct[i], len(destinations), max_min * 60) / 60.0
            np.testing.assert_allclose(cube[i, ti], ref, err_msg=f"origin {i} departing {hms(int(times[ti]))}")
            checked += len(ref)
            reachable += int(np.isfinite(ref).sum())
    return checked, reachable


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_raptor_equals_time_expanded_reference_on_random_feeds(tmp_path, seed):
    feed = load_gtfs(random_feed(tmp_path, seed))
    rng = np.random.default_rng(seed)
    origins, destinations = _points(feed, 6, rng), _points(feed, 8, rng)
    checked, reachable = _compare_forward(feed, None, origins, destinations, "06:50-08:30")
    assert reachable > checked // 4  # the comparison covers real transit trips, not only NaN


def test_trips_after_midnight_from_previous_service_day(tmp_path):
    feed = load_gtfs(random_feed(tmp_path, 5))
    late = feed.stop_times[feed.stop_times["arrival_s"] >= 86400]
    assert len(late), "the random feed has a trip running past 24:00:00"
    stops = feed.stops.set_index("stop_id")
    origin = stops.loc[[late["stop_id"].iloc[0]], ["stop_lon", "stop_lat"]].to_numpy()
    ends = stops.loc[list(late["stop_id"].iloc[1:]), ["stop_lon", "stop_lat"]].to_numpy()
    _, reachable = _compare_forward(feed, None, origin, ends, "00:00-00:06")
    assert reachable > 0


def test_arrive_by_equals_reference_latest_departure(tmp_path):
    feed = load_gtfs(random_feed(tmp_path, 6))
    rng = np.random.default_rng(6)
    origins, destinations = _points(feed, 5, rng), _points(feed, 3, rng)
    deadline = 9 * 3600
    problem = prepare(
        [feed],
        None,
        origins,
        destinations,
        date=DATE,
        start_s=deadline - MAX_MIN * 60,
        end_s=deadline,
        max_walk_minutes=WALK_MIN,
    )
    got = run_search(
        problem,
        np.array([deadline]),
        percentiles=[50],
        reverse=True,
        boarding_slack_s=SLACK,
        max_rides=RIDES,
        max_minutes=MAX_MIN,
    )[0]
    te, access, _, egress_dense, direct_dense, ids = _reference(
        feed, None, problem, origins, destinations, window=(deadline - MAX_MIN * 60, deadline)
    )
    finite = 0
    for j in range(len(destinations)):
        egress_j = [(ids[s], int(egress_dense[s, j])) for s in np.flatnonzero(np.isfinite(egress_dense[:, j]))]
        direct_j = {i: int(direct_dense[i, j]) for i in np.flatnonzero(np.isfinite(direct_dense[:, j]))}
        ref = te.arrive_by(deadline, j, egress_j, access, direct_j, len(origins), MAX_MIN * 60) / 60.0
        np.testing.assert_allclose(np.nan_to_num(got[:, j], nan=np.inf), ref, err_msg=f"destination {j}")
        finite += int(np.isfinite(ref).sum())
    assert finite > 0


def test_percentiles_are_over_the_departure_window(tmp_path):
    feed = load_gtfs(random_feed(tmp_path, 7))
    rng = np.random.default_rng(7)
    origins, destinations = _points(feed, 4, rng), _points(feed, 5, rng)
    kwargs = dict(date=DATE, max_walk_minutes=WALK_MIN, max_rides=RIDES, max_minutes=MAX_MIN)
    result = transit_matrix(feed, None, origins, destinations, depart="07:00-08:00", percentiles=(50, 90), **kwargs)
    problem = prepare(
        [feed], None, origins, destinations, date=DATE, start_s=7 * 3600, end_s=11 * 3600, max_walk_minutes=WALK_MIN
    )
    cube = run_search(problem, parse_window("07:00-08:00", 1), percentiles=None, max_rides=RIDES, max_minutes=MAX_MIN)
    for q in (50, 90):
        with np.errstate(invalid="ignore"):
            expected = np.percentile(cube, q, axis=1)
        expected[~np.isfinite(expected)] = np.nan
        np.testing.assert_allclose(result[q], expected, equal_nan=True)
    assert np.all((result[90] >= result[50]) | np.isnan(result[90]))


def _line_feed(folder, stop_times, *, extra=None):
    stops = (
        "stop_id,stop_name,stop_lat,stop_lon\nA,A,40.40,-80.00\nB,B,40.40,-79.90\nC,C,40.50,-79.90\nD,D,40.50,-79.80\n"
    )
    tables = {
        "stops.txt": stops,
        "routes.txt": "route_id,route_type\nR,3\nQ,3\n",
        "trips.txt": "route_id,service_id,trip_id\nR,WK,T1\nQ,WK,T2\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + stop_times,
    }
    return load_gtfs(write_feed(folder, {**tables, **(extra or {})}))


def test_frequencies_expand_into_trips_every_headway(tmp_path):
    feed = _line_feed(
        tmp_path,
        "T1,08:00:00,08:00:00,A,1\nT1,08:20:00,08:20:00,B,2\n",
        extra={"frequencies.txt": "trip_id,start_time,end_time,headway_secs\nT1,07:00:00,08:00:00,600\n"},
    )
    a, b = feed.stops.set_index("stop_id").loc[["A", "B"], ["stop_lon", "stop_lat"]].to_numpy()
    cube = run_search(
        prepare(feed, None, [a], [b], date=DATE, start_s=6 * 3600, end_s=10 * 3600),
        parse_window("06:55-07:58", 1),
        percentiles=None,
        boarding_slack_s=0,
    )[0, :, 0]
    departures = parse_window("06:55-07:58", 1)
    vehicle = 7 * 3600 + 600 * np.ceil((departures - 7 * 3600).clip(0) / 600)
    expected = np.where(vehicle < 8 * 3600, (vehicle + 1200 - departures) / 60, np.inf)
    np.testing.assert_allclose(cube, expected)


def test_transfers_txt_min_transfer_time_at_a_stop(tmp_path):
    times = "T1,08:00:00,08:00:00,A,1\nT1,08:10:00,08:10:00,B,2\nT2,08:13:00,08:13:00,B,1\nT2,08:30:00,08:30:00,D,2\n"
    origin = [[-80.0, 40.40]]
    dest = [[-79.80, 40.50]]
    free = _line_feed(tmp_path / "free", times)
    kw = dict(date=DATE, depart="07:59", boarding_slack_s=60, max_walk_minutes=5)
    assert transit_matrix(free, None, origin, dest, **kw)[50][0, 0] == pytest.approx(31)
    slow = _line_feed(
        tmp_path / "slow",
        times,
        extra={"transfers.txt": "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nB,B,2,300\n"},
    )
    assert np.isnan(transit_matrix(slow, None, origin, dest, **kw)[50][0, 0])
    banned = _line_feed(
        tmp_path / "banned",
        times,
        extra={"transfers.txt": "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nB,B,3,\n"},
    )
    assert np.isnan(transit_matrix(banned, None, origin, dest, **kw)[50][0, 0])


def test_calendar_dates_exceptions_add_and_remove_service(tmp_path):
    times = "T1,08:00:00,08:00:00,A,1\nT1,08:20:00,08:20:00,B,2\n"
    extra = {"calendar_dates.txt": "service_id,date,exception_type\nWK,20240306,2\nWK,20240309,1\n"}
    feed = _line_feed(tmp_path, times, extra=extra)
    a, b = [[-80.0, 40.40]], [[-79.90, 40.40]]
    kw = dict(depart="07:50", max_walk_minutes=5)
    with pytest.warns(NoServiceWarning):
        assert np.isnan(transit_matrix(feed, None, a, b, date="2024-03-06", **kw)[50][0, 0])
    assert transit_matrix(feed, None, a, b, date="2024-03-09", **kw)[50][0, 0] == pytest.approx(30)
    assert transit_matrix(feed, None, a, b, date="2024-03-07", **kw)[50][0, 0] == pytest.approx(30)


def test_a_date_without_service_gives_all_nan_and_a_clear_warning(tmp_path):
    feed = load_gtfs(random_feed(tmp_path, 8))
    rng = np.random.default_rng(8)
    far = _points(feed, 3, rng) + [0.5, 0.0]
    with pytest.warns(NoServiceWarning, match="no transit trip runs on 2025-06-01.*Service dates"):
        result = transit_matrix(feed, None, _points(feed, 3, rng), far, date="2025-06-01", depart="07:00-07:30")
    assert np.isnan(result[50]).all()


@pytest.mark.shared_data
def test_graphhopper_sample_feed_matches_reference(shared_data):
    feed = load_gtfs(shared_data / "gtfs_sample_graphhopper" / "sample-feed")
    rng = np.random.default_rng(3)
    origins, destinations = _points(feed, 5, rng, 0.001), _points(feed, 6, rng, 0.001)
    _, reachable = _compare_forward(feed, None, origins, destinations, "07:50-08:40", date=dt.date(2007, 6, 5))
    assert reachable > 0


def test_a_transfer_between_two_feeds(tmp_path):
    bus = _line_feed(tmp_path / "bus", "T1,08:00:00,08:00:00,A,1\nT1,08:10:00,08:10:00,B,2\n")
    rail = load_gtfs(
        write_feed(
            tmp_path / "rail",
            {
                "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,Platform,40.4018,-79.90\nZ,Z,40.60,-79.70\n",
                "routes.txt": "route_id,route_type\nL,1\n",
                "trips.txt": "route_id,service_id,trip_id\nL,WK,T1\n",
                "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                "T1,08:16:00,08:16:00,A,1\nT1,08:40:00,08:40:00,Z,2\n",
            },
        )
    )
    walk_s = round(0.0018 * 111_195 * 1.3 / (4.8 / 3.6))  # 200 m north of bus stop B, straight line x 1.3
    assert 10 * 60 + walk_s + 60 <= 16 * 60  # the connection is feasible with the boarding slack
    result = transit_matrix(
        [bus, rail], None, [[-80.0, 40.40]], [[-79.70, 40.60]], date=DATE, depart="07:59", max_walk_minutes=5
    )
    assert result[50][0, 0] == pytest.approx(41)
    alone = transit_matrix(
        [bus], None, [[-80.0, 40.40]], [[-79.70, 40.60]], date=DATE, depart="07:59", max_walk_minutes=5
    )
    assert np.isnan(alone[50][0, 0])
