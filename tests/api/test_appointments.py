"""Clinics with listed times through the API: never a null appointment, windows honoured, past times drop out."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from api.db.models import Provider
from api.services.providers import local_now
from tests.api.helpers import stored_state_ok


def _next(weekday: int, hour: int) -> datetime:
    """The next local datetime on ``weekday`` (0 = Monday) at ``hour``:00, at least a day ahead."""
    day = local_now().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


def _person(api, pid: str, **need) -> None:
    """A participant needing a clinic (with ``need`` fields such as windows), with consent."""
    api.participant(pid, needs=("clinic",))
    if need:
        changed = api.call(
            "PATCH", f"/v1/participants/{pid}", who="coord_north", json={"needs": [{"service": "clinic", **need}]}
        )
        assert changed.status_code == 200, changed.text


def test_second_person_for_a_one_time_clinic_gets_a_wait_position(api):
    when = _next(2, 10).isoformat()
    clinic = api.provider("C1", service="clinic", capacity=5, appointment_times=[when])
    assert clinic["by_appointment"] is True
    _person(api, "P1")
    _person(api, "P2")
    first = api.request("P1").json()
    assert first["needs"][0]["placement"]["appointment"].startswith(when[:16])
    second = api.request("P2").json()
    need = second["needs"][0]
    assert need["placement"] is None, need
    assert [w["provider_id"] for w in need["wait_positions"]] == ["C1"]
    assert "no free appointment time" in need["explanation"]
    stored_state_ok(api)


def test_a_clinic_whose_only_time_has_passed_places_nobody(api):
    api.provider("C1", service="clinic", capacity=5, appointment_times=[_next(2, 10).isoformat()])
    with api.app.state.sessions() as session:  # the clock passes the time
        session.execute(
            update(Provider)
            .where(Provider.id == "C1")
            .values(
                appointment_times=[(local_now() - timedelta(hours=1)).replace(microsecond=0).isoformat()],
                version=Provider.version + 1,
            )
        )
        session.commit()
    listed = api.call("GET", "/v1/providers/C1").json()
    assert listed["appointment_times"] == [] and listed["by_appointment"] is True
    _person(api, "P1")
    need = api.request("P1").json()["needs"][0]
    assert need["placement"] is None, need
    stored_state_ok(api)


def test_walk_in_clinic_still_places_without_a_time(api):
    clinic = api.provider("C1", service="clinic", capacity=2)
    assert clinic["by_appointment"] is False
    _person(api, "P1")
    placement = api.request("P1").json()["needs"][0]["placement"]
    assert placement["provider_id"] == "C1" and placement["appointment"] is None


def test_preferred_window_chooses_the_appointment(api):
    monday, thursday = _next(0, 9), _next(3, 15)
    api.provider("C1", service="clinic", capacity=5, appointment_times=[monday.isoformat(), thursday.isoformat()])
    _person(api, "P1", windows=[{"days": ["thu"], "start": "14:00", "end": "17:00"}])
    placement = api.request("P1").json()["needs"][0]["placement"]
    assert placement["appointment"].startswith(thursday.isoformat()[:16])
    _person(api, "P2", windows=[{"days": ["sat"]}])
    need = api.request("P2").json()["needs"][0]
    assert need["placement"] is None and "your windows (sat 00:00-24:00)" in need["explanation"]
    stored_state_ok(api)


def test_bad_window_and_by_appointment_are_422(api):
    bad = api.call(
        "POST",
        "/v1/participants",
        who="coord_north",
        json={
            "id": "P9",
            "cohort": "North",
            "lon": -80.0,
            "lat": 40.45,
            "needs": [{"service": "clinic", "windows": [{"start": "12:00", "end": "09:00"}]}],
        },
    )
    assert bad.status_code == 422 and "needs" in bad.json()["errors"][0]["field"]
    house = api.call(
        "POST",
        "/v1/providers",
        json={
            "id": "H9",
            "name": "H",
            "service": "housing",
            "capacity": 1,
            "lon": -80.0,
            "lat": 40.44,
            "by_appointment": True,
        },
    )
    assert house.status_code == 422 and house.json()["errors"][0]["field"] == "body.by_appointment"
