"""GTFS loader: formats, calendars, times past midnight, interpolation and malformed feeds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from gtfs_factory import write_feed

from geodata.errors import DataError
from geodata.gtfs import load_gtfs

STOPS = "stop_id,stop_name,stop_lat,stop_lon\nA,A,40.40,-80.00\nB,B,40.41,-80.01\nC,C,40.42,-80.02\n"
ROUTES = "route_id,route_type\nR,3\n"
TRIPS = "route_id,service_id,trip_id\nR,WK,T1\nR,WK,T2\n"
TIMES = (
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
    "T1,07:00:00,07:00:00,A,1,0\nT1,,,B,2,300\nT1,07:10:00,07:11:00,C,3,1000\n"
    "T2,23:50:00,23:50:00,A,1,0\nT2,24:05:30,24:06:00,B,2,300\nT2,25:00:00,25:00:00,C,3,1000\n"
)


def _feed(tmp_path, **overrides):
    tables = {"stops.txt": STOPS, "routes.txt": ROUTES, "trips.txt": TRIPS, "stop_times.txt": TIMES}
    tables.update({f"{k}.txt": v for k, v in overrides.items()})
    return tables


def test_zip_and_folder_load_the_same_tables(tmp_path):
    tables = _feed(tmp_path)
    folder = load_gtfs(write_feed(tmp_path / "dir", tables))
    zipped = load_gtfs(write_feed(tmp_path / "zip", tables, as_zip=True))
    assert folder.stop_times[["trip_id", "arrival_s", "departure_s"]].equals(
        zipped.stop_times[["trip_id", "arrival_s", "departure_s"]]
    )
    assert len(zipped.frequencies) == 0 and list(zipped.transfers.columns)[:3] == [
        "from_stop_id",
        "to_stop_id",
        "transfer_type",
    ]


def test_times_past_midnight_and_blank_times_interpolated_by_distance(tmp_path):
    feed = load_gtfs(write_feed(tmp_path, _feed(tmp_path)))
    st = feed.stop_times.set_index(["trip_id", "stop_id"])
    assert st.loc[("T2", "B"), "arrival_s"] == 24 * 3600 + 5 * 60 + 30
    assert st.loc[("T2", "C"), "departure_s"] == 25 * 3600
    # B lies 300 m of 1000 m between A (07:00:00) and C (07:10:00): 07:03:00
    assert st.loc[("T1", "B"), "arrival_s"] == 7 * 3600 + 180


def test_calendar_and_calendar_dates_exceptions(tmp_path):
    dates = "service_id,date,exception_type\nWK,20240306,2\nSAT,20240306,1\nWK,20240309,1\n"
    tables = _feed(tmp_path, calendar_dates=dates)
    tables["calendar.txt"] = (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20240101,20240630\nSAT,0,0,0,0,0,1,0,20240101,20240630\n"
    )
    feed = load_gtfs(write_feed(tmp_path, tables))
    assert feed.service_ids_on("2024-03-05") == {"WK"}
    assert feed.service_ids_on(dt.date(2024, 3, 6)) == {"SAT"}
    assert feed.service_ids_on("20240309") == {"WK", "SAT"}
    assert feed.service_ids_on("2024-07-01") == set()
    assert feed.service_dates() == (dt.date(2024, 1, 1), dt.date(2024, 6, 30))


def test_missing_stop_id_column_names_file_and_field(tmp_path):
    tables = _feed(tmp_path, stops=STOPS.replace("stop_id,", "id,", 1))
    with pytest.raises(DataError) as err:
        load_gtfs(write_feed(tmp_path, tables, as_zip=True))
    assert err.value.file == "gtfs.zip/stops.txt" and err.value.field == "stop_id"
    assert "gtfs.zip/stops.txt" in str(err.value)


def test_stop_time_with_unknown_trip_names_file_row_and_field(tmp_path):
    tables = _feed(tmp_path, stop_times=TIMES + "T9,08:00:00,08:00:00,A,1,0\n")
    with pytest.raises(DataError) as err:
        load_gtfs(write_feed(tmp_path, tables, as_zip=True))
    assert (err.value.file, err.value.row, err.value.field) == ("gtfs.zip/stop_times.txt", 7, "trip_id")
    assert "T9" in err.value.message


@pytest.mark.parametrize(
    "table,text,row,field",
    [
        ("stop_times", TIMES.replace("07:10:00,07:11:00", "07:1O:00,07:11:00"), 3, "arrival_time"),
        ("stop_times", TIMES.replace("T1,07:10:00,07:11:00,C,3", "T1,06:10:00,06:11:00,C,3"), 3, "arrival_time"),
        ("stop_times", TIMES.replace("B,2,300", "Z,2,300", 1), 2, "stop_id"),
        ("stops", STOPS.replace("40.41", "north"), 2, "stop_lat"),
        ("trips", TRIPS.replace("R,WK,T2", "X,WK,T2"), 2, "route_id"),
        ("frequencies", "trip_id,start_time,end_time,headway_secs\nT1,07:00:00,08:00:00,0\n", 1, "headway_secs"),
        ("calendar_dates", "service_id,date,exception_type\nWK,2024-03-06,2\n", 1, "date"),
    ],
)
def test_malformed_rows_name_file_row_and_field(tmp_path, table, text, row, field):
    with pytest.raises(DataError) as err:
        load_gtfs(write_feed(tmp_path, _feed(tmp_path, **{table: text})))
    assert (err.value.file, err.value.row, err.value.field) == (f"{tmp_path.name}/{table}.txt", row, field)


def test_missing_required_file_and_missing_feed(tmp_path):
    folder = write_feed(tmp_path / "f", _feed(tmp_path))
    (folder / "trips.txt").unlink()
    with pytest.raises(DataError, match="trips.txt: required GTFS file is missing"):
        load_gtfs(folder)
    with pytest.raises(DataError, match="not found"):
        load_gtfs(tmp_path / "nowhere.zip")


@pytest.mark.shared_data
def test_graphhopper_sample_feed_edge_cases(shared_data):
    feed = load_gtfs(shared_data / "gtfs_sample_graphhopper" / "sample-feed")
    assert set(feed.stops["location_type"]) == {0, 4}
    assert len(feed.frequencies) == 11 and set(feed.frequencies["exact_times"]) == {0}
    assert feed.transfers["min_transfer_time"].tolist() == [660, 0, 1200]
    assert "FULLW" not in feed.service_ids_on("2007-06-04")
    assert feed.service_ids_on("2007-06-09") == {"FULLW", "WE", "SAT"}


@pytest.mark.shared_data
def test_beaver_county_feed_loads_with_calendar_dates_only(shared_data):
    feed = load_gtfs(shared_data / "gtfs_bcta_beaver_2019")
    assert len(feed.calendar) == 0 and len(feed.stop_times) == 11357
    assert (np.diff(feed.stop_times.groupby("trip_id")["departure_s"].apply(list).iloc[0]) >= 0).all()
    assert feed.service_ids_on("2018-09-05")
