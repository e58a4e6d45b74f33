"""JSON I/O: instance and result dicts, validated by pydantic models that also give the JSON Schemas.

Format reference: docs/formats.md. Errors are :class:`matcher.types.InstanceError` naming the record.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from matcher.types import (
    Instance,
    InstanceError,
    Need,
    Participant,
    Placement,
    Provider,
    Result,
    UnmetNeed,
    WaitListEntry,
    WaitPosition,
    Window,
    validate_instance,
)

Service = Literal["housing", "treatment", "clinic"]
ModelT = TypeVar("ModelT", bound=BaseModel)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WindowModel(_Model):
    days: list[Day] = Field(default_factory=list, description="days of the week; empty = any day")
    start: str = Field("00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local time HH:MM, inclusive")
    end: str = Field("24:00", pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", description="local time HH:MM, exclusive")


class NeedModel(_Model):
    service: Service
    urgency: int = Field(1, ge=1, le=5, description="1 routine .. 5 urgent")
    subtype: str | None = Field(None, description="required provider subtype, if any")
    windows: list[WindowModel] = Field(
        default_factory=list, description="when the participant can go: appointments only inside one"
    )
    declined: list[str] = Field(default_factory=list, description="provider ids declined for this need")


class ParticipantModel(_Model):
    participant_id: str = Field(min_length=1, description="pseudonymous id")
    needs: list[NeedModel | Service]
    max_transit_minutes: float = Field(45.0, ge=0, description="minutes, one way")
    attributes: dict = Field(
        default_factory=dict, description="gender, age, insurance, moud, pets, language, referral_reason"
    )
    preferences: list[str] = Field(default_factory=list, description="provider ids, best first")
    lon: float | None = None
    lat: float | None = None


class ProviderModel(_Model):
    provider_id: str = Field(min_length=1)
    service: Service
    capacity: int
    name: str = ""
    subtype: str = ""
    occupied: int = 0
    lead_slots: int = Field(0, description="LEAD-funded set-aside seats within capacity")
    lead_occupied: int = 0
    monthly_turnover: float = Field(0.0, description="seats freed per month")
    intake_days: float = Field(0.0, description="days from placement to start")
    eligibility: dict = Field(
        default_factory=dict, description="gender, min_age, max_age, insurance, pets, moud, language"
    )
    open_hours: str = ""
    appointment_times: list[str] = Field(default_factory=list, description="ISO datetimes, one person each")
    list_id: str = Field("", description="shared wait list id; empty = own list")
    lon: float | None = None
    lat: float | None = None
    by_appointment: bool | None = Field(
        None, description="clinic sees people only at listed times (default: when it lists any); false = walk-in"
    )


class WaitListEntryModel(_Model):
    list_id: str = Field("", description="list id (or give provider_id)")
    provider_id: str = Field("", description="provider whose list this is, when list_id is empty")
    person_id: str = Field(min_length=1)
    priority: float = Field(description="lower is ahead; ties allowed")
    lead: bool = False
    lead_priority: float | None = Field(None, description="order for set-aside seats; default priority")
    added: str = ""
    status: Literal["waiting", "placed", "removed"] = "waiting"
    attributes: dict = Field(default_factory=dict)
    declined: list[str] = Field(default_factory=list, description="provider ids this person declined: no claim there")


class TravelModel(_Model):
    participant_id: str
    provider_id: str
    minutes: float | None = Field(description="transit minutes; null = unreachable")


class ProviderTravelModel(_Model):
    from_provider_id: str
    to_provider_id: str
    minutes: float | None


class ArriveByModel(_Model):
    participant_id: str
    provider_id: str
    appointment: str
    minutes: float | None = Field(description="arrive-by transit minutes; null = cannot be on time")


class InstanceModel(_Model):
    """A placement round (docs/formats.md)."""

    as_of: str = Field("2026-01-01", description="ISO date of the round")
    region: str | None = Field(None, description="region folder to compute travel minutes from (CLI)")
    participants: list[ParticipantModel]
    providers: list[ProviderModel]
    wait_list: list[WaitListEntryModel] = Field(default_factory=list)
    travel_minutes: list[TravelModel] = Field(default_factory=list)
    provider_travel_minutes: list[ProviderTravelModel] = Field(default_factory=list)
    arrive_by_minutes: list[ArriveByModel] = Field(default_factory=list)


class PlacementModel(_Model):
    participant_id: str
    provider_id: str
    service: Service
    category: Literal["general", "set-aside"] = "general"
    transit_minutes: float | None = None
    appointment: str | None = None
    expected_start: str | None = None
    explanation: str = ""


class WaitPositionModel(_Model):
    participant_id: str
    provider_id: str
    service: Service
    position: int
    ahead: int
    estimated_start: str | None = None
    explanation: str = ""


class UnmetNeedModel(_Model):
    participant_id: str
    service: Service
    urgency: int = 1
    explanation: str = ""


class ResultModel(_Model):
    """The outcome of a round (docs/formats.md)."""

    placements: list[PlacementModel] = Field(default_factory=list)
    wait_positions: list[WaitPositionModel] = Field(default_factory=list)
    unmet: list[UnmetNeedModel] = Field(default_factory=list)
    mode: Literal["coverage", "preference"] = "coverage"
    method: str = "cp-sat"
    status: str = "UNKNOWN"
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    needs_met: int = 0
    urgency_met: int = 0


def _name_record(data: dict, loc: tuple) -> str:
    """Turn a pydantic location into a record name such as ``participants[3] ('P4'), field 'needs'``."""
    if len(loc) >= 2 and isinstance(loc[1], int):
        items = data.get(loc[0]) if isinstance(data, dict) else None
        record = f"{loc[0]}[{loc[1]}]"
        if isinstance(items, list) and loc[1] < len(items) and isinstance(items[loc[1]], dict):
            item = items[loc[1]]
            ident = item.get("participant_id") or item.get("provider_id") or item.get("person_id")
            if ident:
                record += f" ({ident!r})"
        rest = ".".join(str(x) for x in loc[2:])
        return record + (f", field '{rest}'" if rest else "")
    return ".".join(str(x) for x in loc) or "instance"


def _parse(model: type[ModelT], data: dict) -> ModelT:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InstanceError(_name_record(data, tuple(err["loc"])), err["msg"]) from None


def _minutes(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def need_of(n: NeedModel) -> Need:
    """A :class:`Need` from its parsed JSON."""
    return Need(
        service=n.service,
        urgency=n.urgency,
        subtype=n.subtype,
        declined=tuple(n.declined),
        windows=tuple(Window(days=tuple(w.days), start=w.start, end=w.end) for w in n.windows),
    )


def instance_from_dict(data: dict) -> Instance:
    """Build and validate an :class:`Instance` from its JSON dict (docs/formats.md)."""
    m = _parse(InstanceModel, data)
    providers = [Provider(**{**s.model_dump(), "appointment_times": tuple(s.appointment_times)}) for s in m.providers]
    for s in providers:
        if s.by_appointment and s.service != "clinic":
            raise InstanceError(
                f"provider '{s.provider_id}'", "only a clinic books appointment times", "by_appointment"
            )
    list_of = {s.provider_id: s.wait_list for s in providers}
    entries = []
    for i, e in enumerate(m.wait_list):
        list_id = e.list_id or list_of.get(e.provider_id, e.provider_id)
        if not list_id:
            raise InstanceError(f"wait_list[{i}] ({e.person_id!r})", "needs a list_id or provider_id", "list_id")
        fields = e.model_dump(exclude={"provider_id", "list_id", "declined"})
        entries.append(WaitListEntry(list_id=list_id, declined=tuple(e.declined), **fields))
    participants = [
        Participant(
            participant_id=p.participant_id,
            needs=tuple(Need(n) if isinstance(n, str) else need_of(n) for n in p.needs),
            max_transit_minutes=p.max_transit_minutes,
            attributes=p.attributes,
            preferences=tuple(p.preferences),
            lon=p.lon,
            lat=p.lat,
        )
        for p in m.participants
    ]
    instance = Instance(
        participants=participants,
        providers=providers,
        wait_list=entries,
        travel_minutes={(t.participant_id, t.provider_id): _minutes(t.minutes) for t in m.travel_minutes},
        provider_travel_minutes={
            (t.from_provider_id, t.to_provider_id): _minutes(t.minutes) for t in m.provider_travel_minutes
        },
        arrive_by_minutes={
            (t.participant_id, t.provider_id, t.appointment): _minutes(t.minutes) for t in m.arrive_by_minutes
        },
        as_of=m.as_of,
        region=m.region,
    )
    return validate_instance(instance)


def need_dict(n: Need) -> dict:
    """The JSON dict of a need (inverse of :func:`need_of`)."""
    return {
        "service": n.service,
        "urgency": n.urgency,
        "subtype": n.subtype,
        "declined": list(n.declined),
        "windows": [{"days": list(w.days), "start": w.start, "end": w.end} for w in n.windows],
    }


def instance_to_dict(instance: Instance) -> dict:
    """The JSON dict of an instance (inverse of :func:`instance_from_dict`)."""
    return {
        "as_of": instance.as_of,
        "region": instance.region,
        "participants": [
            {**asdict(p), "needs": [need_dict(n) for n in p.needs], "preferences": list(p.preferences)}
            for p in instance.participants
        ],
        "providers": [{**asdict(s), "appointment_times": list(s.appointment_times)} for s in instance.providers],
        "wait_list": [{**asdict(e), "declined": list(e.declined)} for e in instance.wait_list],
        "travel_minutes": [
            {"participant_id": p, "provider_id": s, "minutes": _minutes(v)}
            for (p, s), v in instance.travel_minutes.items()
        ],
        "provider_travel_minutes": [
            {"from_provider_id": a, "to_provider_id": b, "minutes": _minutes(v)}
            for (a, b), v in instance.provider_travel_minutes.items()
        ],
        "arrive_by_minutes": [
            {"participant_id": p, "provider_id": s, "appointment": t, "minutes": _minutes(v)}
            for (p, s, t), v in instance.arrive_by_minutes.items()
        ],
    }


def result_to_dict(result: Result) -> dict:
    """The JSON dict of a result."""
    return asdict(result)


def result_from_dict(data: dict) -> Result:
    """Build a :class:`Result` from its JSON dict; raises :class:`InstanceError` naming the record."""
    m = _parse(ResultModel, data)
    fields = m.model_dump(exclude={"placements", "wait_positions", "unmet"})
    return Result(
        placements=[Placement(**x.model_dump()) for x in m.placements],
        wait_positions=[WaitPosition(**x.model_dump()) for x in m.wait_positions],
        unmet=[UnmetNeed(**x.model_dump()) for x in m.unmet],
        **fields,
    )


def json_schema(kind: str) -> dict:
    """JSON Schema of ``instance`` or ``result`` files."""
    models: dict[str, type[BaseModel]] = {"instance": InstanceModel, "result": ResultModel}
    if kind not in models:
        raise ValueError(f"schema kind must be 'instance' or 'result', got {kind!r}")
    return models[kind].model_json_schema()
