"""The travel service: the one service-day rule, the one fallback, version-keyed cache, tables, coverage."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from gtfs_factory import random_feed, write_feed

import geodata
from geodata import straight_line
from geodata import transit as transit_engine
from geodata.cache import CachePolicy
from geodata.gtfs import load_gtfs
from geodata.region import load_region
from geodata.service_day import ServiceDayError, service_day, typical_weekday
from geodata.travel import TravelRequest, TravelService
from geodata.travel_tables import arrive_by_minutes, provider_minutes

WEEKDAY_CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20240101,20241231\n"
)
ONE_TRIP = {
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,A,40.44,-80.00\nB,B,40.45,-79.98\n",
    "routes.txt": "route_id,route_short_name,route_type\nR,1,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR,WK,t1\nR,WK,t2\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "t1,08:00:00,08:00:00,A,1\nt1,08:10:00,08:10:00,B,2\n"
        "t2,08:00:00,08:00:00,A,1\nt2,08:10:00,08:10:00,B,2\n"
    ),
}


def _feed(tmp_path, calendar: str, dates: str | None = None):
    tables = {**ONE_TRIP, "calendar.txt": calendar.replace("SAT,", "WK,")}
    if dates:
        tables["calendar_dates.txt"] = "service_id,date,exception_type\n" + dates
    return load_gtfs(write_feed(tmp_path / "feed", tables))


def _region(tmp_path, seed: int = 3):
    """A region folder with only a random GTFS feed (walking is the straight line x 1.3)."""
    random_feed(tmp_path / "gtfs", seed)
    (tmp_path / "region.toml").write_text('name = "test"\n[files]\ntransit = "gtfs"\n')
    return load_region(tmp_path)


def test_typical_weekday_skips_a_holiday_without_service(tmp_path):
    feed = _feed(tmp_path, WEEKDAY_CALENDAR, "WK,20240101,2\n")  # New Year's Day: no service
    day = typical_weekday([feed])
    assert day == dt.date(2024, 1, 2) and day.weekday() < 5


def test_typical_day_of_a_weekend_only_feed_is_a_day_with_service(tmp_path):
    calendar = (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "SAT,0,0,0,0,0,1,0,20240101,20241231\n"
    )
    day = typical_weekday([_feed(tmp_path, calendar)])
    assert day == dt.date(2024, 1, 6) and day.weekday() == 5


def test_asked_dates_outside_the_feed_or_without_service_are_refused(tmp_path):
    feed = _feed(tmp_path, WEEKDAY_CALENDAR)
    assert service_day([feed], "2024-03-06") == dt.date(2024, 3, 6)
    with pytest.raises(ServiceDayError, match=r"do not cover 2026-03-04.*2024-01-01\.\.2024-12-31"):
        service_day([feed], "2026-03-04")
    with pytest.raises(ServiceDayError, match="no transit trip runs on 2024-03-10 .Sunday"):
        service_day([feed], dt.date(2024, 3, 10))
    assert service_day([feed], None) == dt.date(2024, 1, 1)


def test_request_fields_are_checked_by_name():
    with pytest.raises(geodata.DataError, match="depart"):
        TravelRequest(depart="9-7")
    with pytest.raises(geodata.DataError, match="percentiles"):
        TravelRequest(percentiles=(150,))
    with pytest.raises(geodata.DataError, match="max_walk_minutes"):
        TravelRequest(max_walk_minutes=0)


def test_transit_minutes_are_the_engines_on_the_chosen_day(tmp_path):
    region = _region(tmp_path)
    service = TravelService.from_region(region, cache_dir=tmp_path / "cache")
    stops = region.transit[0].stops[["stop_lon", "stop_lat"]].to_numpy()[:6]
    request = TravelRequest(depart="07:00-08:00", percentiles=(50, 90))
    result = service.transit(stops[:3], stops[3:], request)
    expected = transit_engine.transit_matrix(
        region.transit, None, stops[:3], stops[3:], date=result.day, depart="07:00-08:00", percentiles=(50, 90)
    )
    assert result.day == typical_weekday(region.transit) and not result.estimated
    for q in (50, 90):
        np.testing.assert_array_equal(result[q], expected[q])
    assert str(result.day) in result.method and "median" in result.method


POLICIES = pytest.mark.parametrize(
    "policy", [CachePolicy.on_disk(), CachePolicy.in_memory()], ids=["disk cache", "memory cache"]
)


@POLICIES
def test_a_cached_matrix_is_recomputed_when_the_engine_version_changes(tmp_path, monkeypatch, policy):
    region = _region(tmp_path)
    make = lambda: TravelService.from_region(region, cache_dir=tmp_path / "cache", cache=policy)  # noqa: E731
    service = make()
    calls = []
    real = transit_engine.transit_matrix
    monkeypatch.setattr(transit_engine, "transit_matrix", lambda *a, **k: calls.append(1) or real(*a, **k))
    stops = region.transit[0].stops[["stop_lon", "stop_lat"]].to_numpy()[:4]
    request = TravelRequest(depart="07:00-07:30")
    first = service.transit(stops[:2], stops[2:], request)
    again = (make() if policy.disk else service).transit(stops[:2], stops[2:], request)  # disk: a new service
    assert len(calls) == 1 and again.from_cache and not first.from_cache
    assert bool(list((tmp_path / "cache").glob("transit-*.parquet"))) == policy.disk
    monkeypatch.setattr(transit_engine, "ENGINE_VERSION", transit_engine.ENGINE_VERSION + "-next")
    bumped = service.transit(stops[:2], stops[2:], request)
    assert len(calls) == 2 and not bumped.from_cache
    np.testing.assert_array_equal(bumped[50], first[50])


@POLICIES
def test_a_cached_drive_matrix_is_recomputed_when_the_drive_model_changes(
    demo_region_dir, tmp_path, monkeypatch, policy
):
    from geodata import drive as drive_engine

    region = load_region(demo_region_dir)
    make = lambda: TravelService(region, cache_dir=tmp_path / "cache", cache=policy)  # noqa: E731
    service = make()
    points = np.array([[-80.0, 40.44], [-79.99, 40.45]])
    calls = []
    real = drive_engine.drive_matrix
    monkeypatch.setattr(drive_engine, "drive_matrix", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = service.drive(points, points)
    assert (make() if policy.disk else service).drive(points, points).from_cache and len(calls) == 1
    assert bool(list((tmp_path / "cache").glob("drive-*.parquet"))) == policy.disk
    monkeypatch.setattr(drive_engine, "MODEL_VERSION", drive_engine.MODEL_VERSION + 1)
    bumped = service.drive(points, points)
    assert not bumped.from_cache and len(calls) == 2
    np.testing.assert_array_equal(bumped[0], first[0])


def test_the_drive_network_is_indexed_once_and_small_matrices_stay_in_memory(demo_region_dir, tmp_path, monkeypatch):
    from geodata import drive as drive_engine

    builds = []
    real = drive_engine.street_index
    monkeypatch.setattr(drive_engine, "street_index", lambda *a, **k: builds.append(1) or real(*a, **k))
    service = TravelService.from_region(
        demo_region_dir, cache_dir=tmp_path / "cache", cache=CachePolicy(disk_min_cells=4)
    )
    rng = np.random.default_rng(1)
    points = np.array([-80.0, 40.44]) + rng.uniform(-0.02, 0.02, (3, 2))
    small = service.drive(points[:1], points[1:])  # 2 cells: memory only
    assert not list((tmp_path / "cache").glob("*.parquet"))
    large = service.drive(points[1:], points[1:])  # 4 cells: also on disk
    assert len(list((tmp_path / "cache").glob("drive-*.parquet"))) == 1
    assert len(builds) == 1 and not small.from_cache and not large.from_cache
    np.testing.assert_array_equal(
        small[0], drive_engine.drive_matrix(real(service.drive_network.graph), points[:1], points[1:])
    )
    small[0][:] = -1  # a caller's copy: the cached matrix is unchanged
    assert service.drive(points[:1], points[1:])[0].min() > 0


def test_pairs_off_the_streets_get_the_straight_line_estimate_when_asked(demo_region_dir, tmp_path):
    service = TravelService.from_region(demo_region_dir, cache=CachePolicy.in_memory())
    town, far = np.array([[-80.0, 40.44]]), np.array([[-80.0, 40.44], [-81.5, 40.44]])  # 127 km west: no street
    plain = service.drive(town, far)[0]
    filled = service.drive(town, far, estimate_unreachable=True)
    assert np.isnan(plain[0, 1]) and np.isfinite(plain[0, 0]) and filled[0][0, 0] == plain[0, 0]
    assert filled[0][0, 1] == straight_line.straight_line_minutes(town, far[1:], straight_line.DRIVE)[0, 0]
    assert "1 pair(s) off the street network" in filled.notes[0]
    with pytest.raises(ValueError, match="max_minutes"):
        service.drive(town, far, estimate_unreachable=True, max_minutes=10)


def test_the_timetable_and_transfers_of_a_day_are_built_once_for_every_request(tmp_path, monkeypatch):
    region = _region(tmp_path, seed=4)
    service = TravelService.from_region(region, cache=CachePolicy.in_memory())
    stops = region.transit[0].stops[["stop_lon", "stop_lat"]].to_numpy()
    day = service.service_day(TravelRequest())
    expected = [
        transit_engine.transit_matrix(region.transit, None, rows, stops[4:], date=day, depart="07:00-08:00")[50]
        for rows in (stops[:2], stops[2:4])
    ]
    builds = []
    real = transit_engine.prepare_stops
    monkeypatch.setattr(transit_engine, "prepare_stops", lambda *a, **k: builds.append(k["date"]) or real(*a, **k))
    request = TravelRequest(depart="07:00-08:00")
    first = service.transit(stops[:2], stops[4:], request)
    second = service.transit(stops[2:4], stops[4:], request)  # other origins: a new search, the same timetable
    assert builds == [day] and not second.from_cache
    np.testing.assert_array_equal(first[50], expected[0])
    np.testing.assert_array_equal(second[50], expected[1])
    service.transit(stops[:2], stops[4:], TravelRequest(depart="09:00-10:00"))  # another window: its own
    assert builds == [day, day]


def test_without_a_feed_every_caller_gets_the_one_straight_line_estimate(tmp_path):
    (tmp_path / "region.toml").write_text('name = "bare"\n')
    service = TravelService.from_region(tmp_path, cache_dir=tmp_path / "cache")
    a, b = np.array([[-80.0, 40.44]]), np.array([[-80.0, 40.53]])  # 10.0 km due north
    result = service.transit(a, b)
    km = straight_line.great_circle_km(a, b)[0, 0]
    assert km == pytest.approx(10.0, abs=0.01) and result.estimated
    assert result[50][0, 0] == pytest.approx(8.0 + km * 1.3 / 18.0 * 60.0)
    assert service.drive(a, b)[0][0, 0] == pytest.approx(km * 1.3 / 35.0 * 60.0)
    assert "18 km/h" in result.method


def test_arrive_by_table_matches_the_engines_arrive_by_search(tmp_path):
    region = _region(tmp_path, seed=5)
    service = TravelService.from_region(region, cache_dir=tmp_path / "cache")
    stops = region.transit[0].stops[["stop_lon", "stop_lat"]].to_numpy()
    people = {"p1": tuple(stops[0]), "p2": tuple(stops[1])}
    clinics = {
        "c1": (tuple(stops[5]), ["2024-03-06T09:30", "2024-03-06T10:00"]),
        "c2": (tuple(stops[8]), ["2024-03-06T09:30", "2024-03-07T08:30"]),
    }
    table = arrive_by_minutes(service, people, clinics)
    assert len(table) == 2 * 4
    for (person, clinic, when), minutes in table.items():
        engine = transit_engine.transit_matrix(
            region.transit,
            None,
            np.array([people[person]]),
            np.array([clinics[clinic][0]]),
            date=when[:10],
            arrive_by=when[11:],
        )[50][0, 0]
        assert minutes == (None if np.isnan(engine) else round(float(engine), 2)), (person, clinic, when)
    assert any(v is not None for v in table.values())
    with pytest.raises(ServiceDayError, match="do not cover"):
        arrive_by_minutes(service, people, {"c1": (tuple(stops[5]), ["2031-01-08T09:30"])})


def test_provider_table_pairs_housing_with_the_other_providers(tmp_path):
    region = _region(tmp_path)
    service = TravelService.from_region(region, cache_dir=tmp_path / "cache")
    stops = region.transit[0].stops[["stop_lon", "stop_lat"]].to_numpy()
    housing = {"h1": tuple(stops[0])}
    others = {"h1": tuple(stops[0]), "t1": tuple(stops[4]), "c1": tuple(stops[7])}
    table = provider_minutes(service, housing, others)
    assert set(table) == {("h1", "t1"), ("h1", "c1")}
    matrix = service.transit(np.array([stops[0]]), np.array([stops[4], stops[7]]))[50]
    assert [table[("h1", "t1")], table[("h1", "c1")]] == [geodata.minutes_value(m) for m in matrix[0]]


def test_feed_coverage_counts_people_and_encounters_near_a_served_stop(demo_region_dir, tmp_path):
    from geodata.coverage import feed_coverage, served_stops
    from geodata.walk import WalkNetwork

    service = TravelService.from_region(demo_region_dir, cache_dir=tmp_path / "cache")
    request = TravelRequest(max_walk_minutes=10)
    coverage = feed_coverage(service, request)
    assert coverage.day == service.service_day(request) and coverage.served_stops > 0
    assert 0 < coverage.population_share < 1 and 0 < coverage.encounter_share <= 1
    # independently: the people of areas whose point has a served stop within 10 minutes' walk
    areas = service.region.population
    where = areas.geometry.representative_point()
    stops = served_stops(service, coverage.day)
    walk = WalkNetwork(service.region.streets).legs(np.c_[where.x, where.y], stops, max_seconds=600).dense()
    near = np.isfinite(walk).any(axis=1)
    assert coverage.population_share == pytest.approx(areas["population"][near].sum() / areas["population"].sum())
    wider = feed_coverage(service, TravelRequest(max_walk_minutes=20))
    assert wider.population_share >= coverage.population_share
    assert "walk" in coverage.describe() and f"{coverage.population_share:.0%}" in coverage.describe()


def test_cached_feed_coverage_is_the_computed_one_and_is_read_back(demo_region_dir, tmp_path, monkeypatch):
    from geodata import coverage as module

    service = TravelService.from_region(demo_region_dir, cache_dir=tmp_path / "cache")
    request = TravelRequest(max_walk_minutes=10)
    computed = module.feed_coverage(service, request)
    assert module.feed_coverage(service, request, cache=True) == computed
    assert len(list((tmp_path / "cache").glob("feed-coverage-*.pickle"))) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("the cached coverage was computed again")

    monkeypatch.setattr(module, "_coverage", refuse)
    assert module.feed_coverage(service, request, cache=True) == computed
    with pytest.raises(AssertionError, match="computed again"):  # another walk is another key
        module.feed_coverage(service, TravelRequest(max_walk_minutes=20), cache=True)
