"""Domain types of a placement round: participants, providers, wait lists, the instance and results.

Times are minutes (float) for travel, ISO dates / datetimes (naive local time) for calendar values.
``validate_instance`` raises :class:`InstanceError` naming the offending record and field.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

SERVICES = ("housing", "treatment", "clinic")
MODES = ("coverage", "preference")
STATUSES = ("waiting", "placed", "removed")


class InstanceError(ValueError):
    """A malformed or contradictory instance; ``record`` names it (e.g. ``provider 'P7'``)."""

    def __init__(self, record: str, message: str, field: str | None = None):
        self.record = record
        self.field = field
        where = f"{record}, field '{field}'" if field else record
        super().__init__(f"{where}: {message}")


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Window:
    """When a participant can go to an appointment: ``days`` (``mon`` .. ``sun``; empty = any day)
    and local clock times ``start`` <= time < ``end`` ("HH:MM", 24-hour)."""

    days: tuple[str, ...] = ()
    start: str = "00:00"
    end: str = "24:00"

    def admits(self, when: str) -> bool:
        """Whether the ISO local datetime ``when`` falls in this window."""
        moment = datetime.fromisoformat(when)
        clock = moment.strftime("%H:%M")
        return (not self.days or DAYS[moment.weekday()] in self.days) and self.start <= clock < self.end

    @property
    def label(self) -> str:
        """The window in words, e.g. ``mon/wed 09:00-12:00``."""
        return f"{'/'.join(self.days) or 'any day'} {self.start}-{self.end}"


@dataclass(frozen=True)
class Need:
    """One service a participant needs: ``urgency`` is an integer weight 1 (routine) .. 5 (urgent).

    ``windows`` are the times the participant can go: a clinic appointment must fall in one of
    them (none = any time). ``declined`` are provider ids the participant said no to for this need:
    they are not proposed again and the participant does not count as wanting them (no-bump).
    """

    service: str
    urgency: int = 1
    subtype: str | None = None
    windows: tuple[Window, ...] = ()
    declined: tuple[str, ...] = ()

    def fits(self, when: str) -> bool:
        """Whether an appointment at ISO local datetime ``when`` is in one of the need's windows."""
        return not self.windows or any(w.admits(when) for w in self.windows)


@dataclass(frozen=True)
class Participant:
    """A LEAD participant in this round, known by a pseudonymous id.

    ``max_transit_minutes`` is the longest one-way transit trip (minutes) they accept;
    ``attributes`` holds gender, age, insurance, moud, pets, language, referral_reason;
    ``preferences`` optionally ranks provider ids, best first (unlisted providers are then unacceptable).
    """

    participant_id: str
    needs: tuple[Need, ...]
    max_transit_minutes: float = 45.0
    attributes: dict = field(default_factory=dict)
    preferences: tuple[str, ...] = ()
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class Provider:
    """A housing, treatment or clinic provider.

    ``capacity`` seats in all, ``occupied`` of them taken; ``lead_slots`` of the capacity are
    LEAD-funded set-aside seats (``lead_occupied`` taken) with their own order. ``monthly_turnover``
    is seats freed per month; ``intake_days`` days from placement to start; ``appointment_times``
    are ISO datetimes of open clinic appointments (one person each). ``by_appointment`` says the
    clinic sees people only at listed times (default: when it lists any), so a clinic whose times
    are all taken or past has no seat, as opposed to a walk-in clinic (``by_appointment`` false).
    ``list_id`` names the wait list the provider serves from (a shared list when several providers
    name it; default its own id).
    """

    provider_id: str
    service: str
    capacity: int
    name: str = ""
    subtype: str = ""
    occupied: int = 0
    lead_slots: int = 0
    lead_occupied: int = 0
    monthly_turnover: float = 0.0
    intake_days: float = 0.0
    eligibility: dict = field(default_factory=dict)
    open_hours: str = ""
    appointment_times: tuple[str, ...] = ()
    list_id: str = ""
    lon: float | None = None
    lat: float | None = None
    by_appointment: bool | None = None

    def __post_init__(self) -> None:
        if self.by_appointment is None:
            object.__setattr__(self, "by_appointment", bool(self.appointment_times))

    @property
    def books_times(self) -> bool:
        """A clinic that places only into its listed appointment times."""
        return self.service == "clinic" and bool(self.by_appointment)

    @property
    def wait_list(self) -> str:
        """The id of the wait list this provider places from."""
        return self.list_id or self.provider_id

    @property
    def label(self) -> str:
        """Name for explanations (falls back to the id)."""
        return self.name or self.provider_id

    @property
    def free_general(self) -> int:
        """Free seats outside the LEAD set-aside."""
        return (self.capacity - self.lead_slots) - (self.occupied - self.lead_occupied)

    @property
    def free_set_aside(self) -> int:
        """Free LEAD-funded set-aside seats."""
        return self.lead_slots - self.lead_occupied


@dataclass(frozen=True)
class WaitListEntry:
    """One person waiting on one list. Lower ``priority`` is ahead; ties allowed.

    ``lead_priority`` orders LEAD entries for set-aside seats (defaults to ``priority``).
    Entries of people who are not participants of this round are fixed: they keep their place.
    ``declined`` are provider ids this person said no to: they keep their place on the list but
    make no claim on those providers' seats.
    """

    list_id: str
    person_id: str
    priority: float
    lead: bool = False
    lead_priority: float | None = None
    added: str = ""
    status: str = "waiting"
    attributes: dict = field(default_factory=dict)
    declined: tuple[str, ...] = ()


@dataclass
class Instance:
    """A placement round. ``travel_minutes[(participant_id, provider_id)]`` is transit minutes
    (None / NaN unreachable); ``provider_travel_minutes[(housing_id, provider_id)]`` is transit
    minutes from a housing provider to a treatment or clinic provider (bundle coherence);
    ``arrive_by_minutes[(participant_id, provider_id, appointment_time)]`` is the arrive-by travel
    time for a clinic appointment. ``as_of`` is the ISO date of the round."""

    participants: list[Participant]
    providers: list[Provider]
    wait_list: list[WaitListEntry] = field(default_factory=list)
    travel_minutes: dict[tuple[str, str], float | None] = field(default_factory=dict)
    provider_travel_minutes: dict[tuple[str, str], float | None] = field(default_factory=dict)
    arrive_by_minutes: dict[tuple[str, str, str], float | None] = field(default_factory=dict)
    as_of: str = "2026-01-01"
    region: str | None = None

    def provider_by_id(self) -> dict[str, Provider]:
        """Providers keyed by id."""
        return {s.provider_id: s for s in self.providers}

    def participant_by_id(self) -> dict[str, Participant]:
        """Participants keyed by id."""
        return {p.participant_id: p for p in self.participants}


@dataclass(frozen=True)
class Placement:
    """A participant placed at a provider for one service, now."""

    participant_id: str
    provider_id: str
    service: str
    category: str = "general"
    transit_minutes: float | None = None
    appointment: str | None = None
    expected_start: str | None = None
    explanation: str = ""


@dataclass(frozen=True)
class WaitPosition:
    """Where an unplaced participant would stand on a provider's list, and when they could start."""

    participant_id: str
    provider_id: str
    service: str
    position: int
    ahead: int
    estimated_start: str | None = None
    explanation: str = ""


@dataclass(frozen=True)
class UnmetNeed:
    """A need that gets no placement this round, with the reason in plain words."""

    participant_id: str
    service: str
    urgency: int = 1
    explanation: str = ""


@dataclass
class Result:
    """The outcome of a round. ``objective``/``bound`` are the solver's (weighted needs met first,
    then transit minutes and days to start); ``gap`` is relative; ``seconds`` is wall time of
    preparation, model building and search."""

    placements: list[Placement] = field(default_factory=list)
    wait_positions: list[WaitPosition] = field(default_factory=list)
    unmet: list[UnmetNeed] = field(default_factory=list)
    mode: str = "coverage"
    method: str = "cp-sat"
    status: str = "UNKNOWN"
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    needs_met: int = 0
    urgency_met: int = 0


@dataclass(frozen=True)
class Violation:
    """One broken rule found by :func:`matcher.check`: ``kind`` is capacity, eligibility, travel,
    appointment, no-bump, declined, need or unknown."""

    kind: str
    participant_id: str | None
    provider_id: str | None
    message: str


def _finite_nonneg(value, record: str, name: str) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value) or value < 0:
        raise InstanceError(record, f"must be a non-negative number, got {value!r}", name)


def _iso(value: str, record: str, name: str, kind=date) -> None:
    try:
        (datetime if kind is datetime else date).fromisoformat(value)
    except (TypeError, ValueError):
        raise InstanceError(record, f"is not an ISO {kind.__name__}: {value!r}", name) from None


def _validate_provider(s: Provider) -> None:
    rec = f"provider '{s.provider_id}'"
    if s.service not in SERVICES:
        raise InstanceError(rec, f"service {s.service!r} is not one of {', '.join(SERVICES)}", "service")
    for name in ("capacity", "occupied", "lead_slots", "lead_occupied"):
        value = getattr(s, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InstanceError(rec, f"must be a non-negative integer, got {value!r}", name)
    if s.occupied > s.capacity:
        raise InstanceError(rec, f"occupied {s.occupied} exceeds capacity {s.capacity}", "occupied")
    if s.lead_slots > s.capacity:
        raise InstanceError(rec, f"lead_slots {s.lead_slots} exceed capacity {s.capacity}", "lead_slots")
    if s.lead_occupied > min(s.lead_slots, s.occupied):
        raise InstanceError(rec, "lead_occupied exceeds lead_slots or occupied", "lead_occupied")
    if s.free_general < 0:
        raise InstanceError(rec, "more general seats occupied than exist outside the set-aside", "occupied")
    _finite_nonneg(s.monthly_turnover, rec, "monthly_turnover")
    _finite_nonneg(s.intake_days, rec, "intake_days")
    for t in s.appointment_times:
        _iso(t, rec, "appointment_times", datetime)
    if len(set(s.appointment_times)) != len(s.appointment_times):
        raise InstanceError(rec, "an appointment time is listed twice", "appointment_times")


def validate_participant(p: Participant, providers: dict[str, Provider]) -> None:
    """Raise :class:`InstanceError` naming the participant when a need, limit or preference is bad."""
    rec = f"participant '{p.participant_id}'"
    if not p.needs:
        raise InstanceError(rec, "has no needs; list at least one of housing, treatment, clinic", "needs")
    seen = set()
    for need in p.needs:
        if need.service not in SERVICES:
            raise InstanceError(rec, f"need {need.service!r} is not one of {', '.join(SERVICES)}", "needs")
        if need.service in seen:
            raise InstanceError(rec, f"needs {need.service} twice", "needs")
        seen.add(need.service)
        if not isinstance(need.urgency, int) or isinstance(need.urgency, bool) or not 1 <= need.urgency <= 5:
            raise InstanceError(rec, f"urgency must be an integer 1..5, got {need.urgency!r}", "needs")
        for w in need.windows:
            validate_window(w, rec)
    _finite_nonneg(p.max_transit_minutes, rec, "max_transit_minutes")
    for sid in p.preferences:
        if sid not in providers:
            raise InstanceError(rec, f"prefers unknown provider {sid!r}", "preferences")
    if len(set(p.preferences)) != len(p.preferences):
        raise InstanceError(rec, "ranks a provider twice", "preferences")


def _clock(value: str) -> bool:
    hours, _, minutes = value.partition(":")
    return (
        len(value) == 5
        and hours.isdigit()
        and minutes.isdigit()
        and (int(hours) < 24 and int(minutes) < 60 or value == "24:00")
    )


def validate_window(w: Window, record: str) -> None:
    """Raise :class:`InstanceError` naming ``record`` when a window's days or hours are malformed."""
    unknown = [d for d in w.days if d not in DAYS]
    if unknown:
        raise InstanceError(record, f"window day {unknown[0]!r} is not one of {', '.join(DAYS)}", "needs.windows")
    if not (_clock(w.start) and _clock(w.end)) or w.start >= w.end:
        raise InstanceError(
            record, f"window hours {w.start}-{w.end} must be HH:MM with start before end", "needs.windows"
        )


def validate_instance(instance: Instance) -> Instance:
    """Check ids, numbers and references; raise :class:`InstanceError` naming the first bad record."""
    providers: dict[str, Provider] = {}
    for s in instance.providers:
        if s.provider_id in providers:
            raise InstanceError(f"provider '{s.provider_id}'", "duplicate provider id", "provider_id")
        _validate_provider(s)
        providers[s.provider_id] = s
    lists = {s.wait_list for s in instance.providers}
    seen: set[str] = set()
    for p in instance.participants:
        if p.participant_id in seen:
            raise InstanceError(f"participant '{p.participant_id}'", "duplicate participant id", "participant_id")
        seen.add(p.participant_id)
        validate_participant(p, providers)
    entries: set[tuple[str, str]] = set()
    for i, e in enumerate(instance.wait_list):
        rec = f"wait-list entry {i} (list '{e.list_id}', person '{e.person_id}')"
        if e.list_id not in lists:
            raise InstanceError(rec, f"names unknown provider or list {e.list_id!r}", "list_id")
        if e.status not in STATUSES:
            raise InstanceError(rec, f"status {e.status!r} is not one of {', '.join(STATUSES)}", "status")
        if not isinstance(e.priority, (int, float)) or math.isnan(e.priority):
            raise InstanceError(rec, f"priority must be a number, got {e.priority!r}", "priority")
        if (e.list_id, e.person_id) in entries and e.status == "waiting":
            raise InstanceError(rec, "duplicate: this person already waits on this list", "person_id")
        if e.status == "waiting":
            entries.add((e.list_id, e.person_id))
    for key, minutes in instance.travel_minutes.items():
        if key[1] not in providers:
            raise InstanceError(f"travel_minutes {key}", f"names unknown provider {key[1]!r}")
        if minutes is not None and not math.isnan(minutes) and minutes < 0:
            raise InstanceError(f"travel_minutes {key}", f"negative minutes {minutes}")
    for key in instance.provider_travel_minutes:
        if key[0] not in providers or key[1] not in providers:
            raise InstanceError(f"provider_travel_minutes {key}", "names an unknown provider")
    _iso(instance.as_of, "instance", "as_of")
    return instance


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a block that allocates millions of small, acyclic
    objects (options, ranks, reasons, explanations); it would only walk them (about a quarter of
    XL preparation, half of its check)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
