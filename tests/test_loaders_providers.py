"""Providers, wait lists and sites: every column validated, errors name file, row and field."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
import shapely

from geodata.errors import DataError
from geodata.providers import load_providers, load_sites, load_wait_lists

HEADER = (
    "provider_id,name,service,subtype,capacity,occupied,monthly_turnover,eligibility,open_hours,"
    "appointment_times,municipality,lon,lat"
)
ELIGIBILITY = '"{""gender"":[""female""],""min_age"":18,""max_age"":null,""insurance"":[""medicaid""],""pets"":false}"'


def provider_row(
    pid="p1",
    service="housing",
    capacity="10",
    occupied="4",
    eligibility=ELIGIBILITY,
    hours="Mo-Fr 08:00-17:00",
    appointments="",
):
    return (
        f"{pid},Safe Harbor,{service},shelter,{capacity},{occupied},1.5,{eligibility},{hours},{appointments},"
        "Pittsburgh,-79.99,40.44"
    )


def write(tmp_path, rows, header=HEADER, name="providers.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_providers_load_with_types(tmp_path):
    rows = [
        provider_row(),
        provider_row(
            "c1",
            "clinic",
            appointments="2024-03-04T09:30;2024-03-04T09:00",
            eligibility="",
            hours='"Mo,We 09:00-12:00,13:00-16:00; Sa off"',
        ),
    ]
    providers = load_providers(write(tmp_path, rows), crs="EPSG:4326")
    assert list(providers["provider_id"]) == ["p1", "c1"]
    assert providers["capacity"].tolist() == [10, 10] and providers["occupied"].tolist() == [4, 4]
    assert providers["eligibility"].iloc[0]["gender"] == ["female"] and providers["eligibility"].iloc[1] == {}
    assert providers["appointment_times"].iloc[1] == [datetime(2024, 3, 4, 9, 0), datetime(2024, 3, 4, 9, 30)]
    assert providers.geometry.iloc[0].equals(shapely.Point(-79.99, 40.44))
    assert providers.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    "kwargs, field, words",
    [
        ({"occupied": "11"}, "occupied", "exceeds capacity"),
        ({"capacity": "-1", "occupied": "0"}, "capacity", ">= 0"),
        ({"capacity": "ten"}, "capacity", "not a number"),
        ({"service": "shelter"}, "service", "housing|treatment|clinic"),
        ({"eligibility": '"{""gender"": [female]}"'}, "eligibility", "not valid JSON"),
        ({"eligibility": '"[1, 2]"'}, "eligibility", "JSON object"),
        ({"eligibility": '"{""min_age"": 30, ""max_age"": 20}"'}, "eligibility.min_age", "max_age"),
        ({"eligibility": '"{""pets"": ""yes""}"'}, "eligibility.pets", "true, false"),
        ({"hours": "whenever"}, "open_hours", "opening hours"),
        ({"appointments": "2024-03-04T09:30;next tuesday"}, "appointment_times", "ISO date-time"),
    ],
)
def test_bad_provider_cell_names_row_and_field(tmp_path, kwargs, field, words):
    path = write(tmp_path, [provider_row("ok"), provider_row("bad", **kwargs)])
    with pytest.raises(DataError) as caught:
        load_providers(path, crs="EPSG:4326")
    error = caught.value
    assert (error.file, error.row, error.field) == (path, 2, field)
    assert words in error.message


def test_duplicate_provider_and_missing_column(tmp_path):
    with pytest.raises(DataError) as caught:
        load_providers(write(tmp_path, [provider_row("p1"), provider_row("p1")]), crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (2, "provider_id")
    with pytest.raises(DataError) as caught:
        load_providers(write(tmp_path, ["p1,x,housing"], header="provider_id,name,service"), crs="EPSG:4326")
    assert caught.value.field == "capacity"


def test_providers_from_geojson(tmp_path):
    props = {
        "provider_id": "t1",
        "name": "Recovery",
        "service": "treatment",
        "subtype": "outpatient",
        "capacity": 20,
        "occupied": 20,
        "monthly_turnover": 3.0,
        "eligibility": '{"moud": true}',
        "open_hours": "24/7",
        "appointment_times": "",
        "municipality": "Millvale",
    }
    path = tmp_path / "providers.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": props,
                        "geometry": {"type": "Point", "coordinates": [-79.97, 40.48]},
                    }
                ],
            }
        )
    )
    providers = load_providers(path, crs="EPSG:4326")
    assert providers["eligibility"].iloc[0] == {"moud": True} and providers["capacity"].iloc[0] == 20
    assert (providers["lon"].iloc[0], providers["lat"].iloc[0]) == (-79.97, 40.48)


WAIT_HEADER = "list_id,provider_id,person_id,lead,priority,added,status,attributes"


def test_wait_lists(tmp_path):
    rows = [
        'p1,p1,c-001,0,1,2024-01-05,waiting,"{""gender"": ""female"", ""age"": 41}"',
        ",p2,c-002,1,2.5,2024-02-01,placed,",
    ]
    waits = load_wait_lists(write(tmp_path, rows, WAIT_HEADER, "wait_lists.csv"), crs="EPSG:4326")
    assert list(waits["list_id"]) == ["p1", "p2"]
    assert waits["lead"].tolist() == [False, True] and waits["priority"].tolist() == [1.0, 2.5]
    assert waits["added"].iloc[1] == pd.Timestamp("2024-02-01")
    assert waits["attributes"].iloc[0] == {"gender": "female", "age": 41}


@pytest.mark.parametrize(
    "row, field",
    [
        ("p1,p1,c-2,0,1,2024-01-05,sleeping,", "status"),
        ("p1,p1,c-2,0,1,05/01/2024x,waiting,", "added"),
        ("p1,p1,c-2,maybe,1,2024-01-05,waiting,", "lead"),
        ("p1,p1,c-2,0,,2024-01-05,waiting,", "priority"),
        ("p1,p1,c-1,0,3,2024-01-05,waiting,", "person_id"),
        ('p1,p1,c-2,0,1,2024-01-05,waiting,"{bad"', "attributes"),
    ],
)
def test_bad_wait_list_row(tmp_path, row, field):
    path = write(tmp_path, ["p1,p1,c-1,0,1,2024-01-05,waiting,", row], WAIT_HEADER, "wait_lists.csv")
    with pytest.raises(DataError) as caught:
        load_wait_lists(path, crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (2, field)


def test_sites_csv_and_bad_cost(tmp_path):
    header = "site_id,name,municipality,cost,existing,lon,lat"
    sites = load_sites(
        write(
            tmp_path,
            ["s1,Hub,Pittsburgh,250000,true,-80.0,40.44", "s2,Annex,Etna,90000,0,-79.95,40.5"],
            header,
            "sites.csv",
        ),
        crs="EPSG:4326",
    )
    assert sites["existing"].tolist() == [True, False] and sites["cost"].tolist() == [250000.0, 90000.0]
    with pytest.raises(DataError) as caught:
        load_sites(write(tmp_path, ["s1,Hub,Pittsburgh,-3,true,-80.0,40.44"], header, "sites.csv"), crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (1, "cost")
