"""WPRDC arrest and incident-blotter loader: formats, bad timestamps, missing and outside locations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geodata.encounters import load_encounters
from geodata.errors import DataError

ARREST_HEADER = (
    "_id,PK,CCR,AGE,GENDER,RACE,ARRESTTIME,ARRESTLOCATION,OFFENSES,INCIDENTLOCATION,"
    "INCIDENTNEIGHBORHOOD,INCIDENTZONE,INCIDENTTRACT,COUNCIL_DISTRICT,PUBLIC_WORKS_DIVISION,X,Y"
)


def arrest_row(
    pk,
    time="2016-08-24T12:20:00",
    x="-79.99",
    y="40.44",
    age="34",
    offences="3929 Retail Theft. / 13(a)(16) Possession of Controlled Substance",
):
    return f'1,{pk},16000,{age},M,B,{time},"Zone 2",{offences},"600 Block 1ST AV",Hill District,2,305,6,3,{x},{y}'


def write(tmp_path, rows, header=ARREST_HEADER, name="arrests.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_arrests_load_in_contract_columns(tmp_path):
    path = write(tmp_path, [arrest_row(1), arrest_row(2, x="0", y="0", age="999"), arrest_row(3, x="", y="")])
    encounters = load_encounters(path, crs="EPSG:4326")
    assert list(encounters.columns) == [
        "encounter_id",
        "time",
        "offences",
        "zone",
        "tract",
        "neighborhood",
        "age",
        "gender",
        "race",
        "geometry",
    ]
    assert list(encounters["encounter_id"]) == ["1", "2", "3"]
    assert encounters["time"].iloc[0] == pd.Timestamp("2016-08-24 12:20:00")
    assert encounters["offences"].iloc[0] == ["3929 Retail Theft.", "13(a)(16) Possession of Controlled Substance"]
    assert encounters["zone"].iloc[0] == "2" and encounters["neighborhood"].iloc[0] == "Hill District"
    assert encounters["age"].iloc[0] == 34.0 and np.isnan(encounters["age"].iloc[1])
    assert (encounters.geometry.x.iloc[0], encounters.geometry.y.iloc[0]) == (-79.99, 40.44)
    assert encounters.geometry.is_empty.tolist() == [False, True, True]


@pytest.mark.parametrize("bad", ["2016-13-40T12:00:00", "yesterday", ""])
def test_bad_timestamp_names_file_row_and_field(tmp_path, bad):
    path = write(tmp_path, [arrest_row(1), arrest_row(2), arrest_row(3, time=bad)])
    with pytest.raises(DataError) as caught:
        load_encounters(path, crs="EPSG:4326")
    error = caught.value
    assert (error.file, error.row, error.field) == (path, 3, "ARRESTTIME")
    assert "CSV line 4" in str(error) and str(path) in str(error)


def test_garbage_coordinate_and_projected_coordinate_are_rejected(tmp_path):
    path = write(tmp_path, [arrest_row(1), arrest_row(2, x="west")])
    with pytest.raises(DataError) as caught:
        load_encounters(path, crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (2, "X")
    path = write(tmp_path, [arrest_row(1, y="4476000")])
    with pytest.raises(DataError) as caught:
        load_encounters(path, crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (1, "Y")


def test_outside_bounds_error_drop_or_blank(tmp_path):
    path = write(tmp_path, [arrest_row(1), arrest_row(2, x="-75.78", y="39.99"), arrest_row(3, x="0", y="0")])
    bounds = [-80.4, 40.2, -79.6, 40.7]
    with pytest.raises(DataError) as caught:
        load_encounters(path, crs="EPSG:4326", bounds=bounds)
    assert (caught.value.row, caught.value.field) == (2, "X")
    assert "outside" in caught.value.message
    dropped = load_encounters(path, crs="EPSG:4326", bounds=bounds, outside="drop")
    assert list(dropped["encounter_id"]) == ["1", "3"] and dropped.attrs["outside"] == 1
    blank = load_encounters(path, crs="EPSG:4326", bounds=bounds, outside="blank")
    assert len(blank) == 3 and blank.geometry.is_empty.tolist() == [False, True, True]


def test_incident_blotter_format(tmp_path):
    header = (
        "_id,PK,CCR,HIERARCHY,INCIDENTTIME,INCIDENTLOCATION,CLEAREDFLAG,INCIDENTNEIGHBORHOOD,INCIDENTZONE,"
        "INCIDENTHIERARCHYDESC,OFFENSES,INCIDENTTRACT,COUNCIL_DISTRICT,PUBLIC_WORKS_DIVISION,X,Y"
    )
    rows = [
        '1,77,23,29,2023-11-06T10:00:00,"1500 Block Garfield",N,Central North Side,1,RUNAWAYS,029 Missing Juvenile,'
        "2503,6,1,-80.012,40.457",
        '2,78,24,27,2023-10-28T05:00:00,"7200 Block",N,Homewood North,5,HIT AND RUN,3745 Accidents,1302,9,2,NaN,NaN',
    ]
    encounters = load_encounters(write(tmp_path, rows, header=header, name="blotter.csv"), crs="EPSG:4326")
    assert list(encounters["zone"]) == ["1", "5"]
    assert encounters["time"].iloc[1] == pd.Timestamp("2023-10-28 05:00:00")
    assert encounters["age"].isna().all() and (encounters["gender"] == "").all()
    assert encounters.geometry.is_empty.tolist() == [False, True]


def test_unknown_format_names_the_time_field(tmp_path):
    path = write(tmp_path, ["1,2,3"], header="PK,WHEN,X")
    with pytest.raises(DataError) as caught:
        load_encounters(path, crs="EPSG:4326")
    assert caught.value.field == "ARRESTTIME"


@pytest.mark.shared_data
def test_real_arrests_and_blotter(shared_data):
    path = shared_data / "pgh_police_arrests_2016_2017" / "ArrestData.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    encounters = load_encounters(path, crs="EPSG:4326")
    assert len(encounters) == len(raw) == 6880
    x = pd.to_numeric(raw["X"], errors="coerce").fillna(0)
    assert encounters.geometry.is_empty.sum() == int((x == 0).sum())
    assert set(encounters["zone"]) == {"1", "2", "3", "4", "5", "6", "OSC"}
    assert encounters["time"].min() >= pd.Timestamp("2014-01-01")
    blotter = load_encounters(shared_data / "pgh_police_incident_blotter_2023" / "Incidents.csv", crs="EPSG:4326")
    assert len(blotter) == 1714
    assert blotter["time"].between(pd.Timestamp("2023-10-28"), pd.Timestamp("2023-11-20")).all()
