"""The coordinator's day in the `make demo` walk-through, over real HTTP: a clinic appointment at a
listed time, a decline and the next request respecting it, and an unmet need with its next step
(joining a wait list on the participant's behalf). Explanations are printed whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from rich.console import Console

Call = Callable[..., dict]
WINDOW = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "17:00"}


def explain(console: Console, title: str, answer: dict) -> None:
    """Every need's outcome and explanation, in full (wrapped, never cut)."""
    console.print(f"[bold]{title}[/bold]")
    for need in answer.get("needs", []):
        placed = need.get("placement")
        where = (
            (
                f"held at {placed['provider_id']}"
                + (f", appointment {placed['appointment']}" if placed.get("appointment") else "")
            )
            if placed
            else "not placed"
        )
        console.print(f"  [cyan]{need['service']}[/cyan] ({where}): {need['explanation']}")
        for wait in need.get("wait_positions", []):
            console.print(f"    wait position: {wait['explanation']}")


def consent(call: Call, participant_id: str) -> None:
    """Record a year's release of information."""
    today = date.today()
    call(
        "POST",
        f"/v1/participants/{participant_id}/consents",
        {
            "scope": "placement",
            "granted_on": today.isoformat(),
            "expires_on": (today + timedelta(days=365)).isoformat(),
        },
    )


def _placement(answer: dict, service: str) -> dict | None:
    return next(
        (n["placement"] for n in answer.get("needs", []) if n["service"] == service and n.get("placement")), None
    )


def clinic_at_listed_time(call: Call, console: Console, answer: dict) -> str | None:
    """Confirm the clinic hold and show that its appointment is one of the clinic's listed times."""
    held = _placement(answer, "clinic")
    if held is None:
        console.print("No clinic appointment was free within reach this time (see the explanation above).")
        return None
    listed = call("GET", f"/v1/providers/{held['provider_id']}", show=False)["appointment_times"]
    call("POST", f"/v1/placements/{held['id']}/confirm")
    at = held["appointment"][:16]
    console.print(
        f"Clinic appointment {at} at {held['provider_id']}: one of its {len(listed)} listed times "
        f"({'yes' if any(t[:16] == at for t in listed) else 'NO'}), inside the window "
        f"{'/'.join(WINDOW['days'])} {WINDOW['start']}-{WINDOW['end']}."
    )
    return held["appointment"]


def decline_and_ask_again(call: Call, console: Console, participant_id: str, answer: dict) -> dict:
    """Decline the housing hold, else the treatment hold ("too far"), and request again: the
    declined provider is not proposed again."""
    held = _placement(answer, "housing") or _placement(answer, "treatment")
    if held is None:
        console.print("No housing or treatment hold to decline in this run.")
        return {}
    call(
        "POST", f"/v1/placements/{held['id']}/decline", {"reason": "65 min each way is too far", "category": "too-far"}
    )
    again = call("POST", "/v1/placement-requests", {"participant_id": participant_id, "hold_minutes": 30})
    explain(console, "After the decline, the next request:", again)
    after = _placement(again, held["service"])
    console.print(
        f"Declined {held['provider_id']}; the next request "
        + (f"holds {after['provider_id']} instead." if after else "does not propose it again.")
        + " Their places on every wait list are unchanged."
    )
    return {"declined": held["provider_id"], "after": after["provider_id"] if after else None}


def unmet_with_next_step(
    call: Call, console: Console, participant_id: str, cohort: str, lon: float, lat: float
) -> dict:
    """A participant with a pet and a short travel limit: the unmet need names every house and
    what would work; the coordinator joins the first wait list offered on their behalf."""
    call(
        "POST",
        "/v1/participants",
        {
            "id": participant_id,
            "cohort": cohort,
            "lon": lon,
            "lat": lat,
            "max_transit_minutes": 20,
            "needs": [{"service": "housing", "urgency": 5}],
            "attributes": {"pets": True, "age": 41, "gender": "male"},
        },
    )
    consent(call, participant_id)
    answer = call("POST", "/v1/placement-requests", {"participant_id": participant_id, "hold_minutes": 30})
    explain(console, "A participant with a pet, urgency 5, 20-minute limit:", answer)
    need = answer["needs"][0]
    joined = None
    if need["wait_positions"]:
        provider = call("GET", f"/v1/providers/{need['wait_positions'][0]['provider_id']}", show=False)
        joined = call("POST", f"/v1/wait-lists/{provider['list_id']}/join", {"participant_id": participant_id})
        console.print(
            f"Joined the wait list of {provider['name']} on their behalf: really "
            f"{joined['position']} in line, estimated start {joined['estimated_start']}."
        )
    return {"explanation": need["explanation"], "joined": joined}
