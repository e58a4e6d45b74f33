"""The `make demo` walk-through: the real server on a free port, one placement request end to end.

``run_walkthrough(region_dir, *, database_url, console) -> dict`` loads the region's providers and
wait lists, makes an admin, a coordinator and a provider user, starts uvicorn in a thread, then
over HTTP adds a participant with consent, requests placements, confirms the clinic appointment
(a listed time inside the participant's window), declines the housing (else treatment) hold and
asks again, meets a participant whose need stays unmet and joins a wait list for them
(:mod:`api.walkthrough_day`), reads the audit trail, walks the front door
(:mod:`api.walkthrough_frontdoor`: a roadside referral to a placement) and shuts the server down.
Every exchange is printed, every explanation whole.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.syntax import Syntax

from api.app import create_app
from api.auth import add_user
from api.ready import serving_in_thread
from api.services.seed import load_region_into_db
from api import walkthrough_day as day
from api.walkthrough_frontdoor import WalkContext, front_door_walkthrough

READY_DEADLINE_S = 30.0
ATTRIBUTES = {"gender": "female", "age": 34, "insurance": "medicaid", "moud": True}


def _admits(rules: dict, person: dict) -> bool:
    """Whether a provider's eligibility rules admit ``person`` (gender, age, insurance, moud)."""
    for key in ("gender", "insurance"):
        if rules.get(key) and person[key] not in rules[key]:
            return False
    if rules.get("min_age") is not None and person["age"] < rules["min_age"]:
        return False
    if rules.get("max_age") is not None and person["age"] > rules["max_age"]:
        return False
    return not (rules.get("moud") is False and person["moud"])


def _open_providers(base: str, admin: str) -> set[str]:
    """Providers with more free slots than people waiting, that would take the demo participant."""
    headers = {"Authorization": f"Bearer {admin}"}
    listing = httpx.get(f"{base}/v1/providers", params={"limit": 1000}, headers=headers, timeout=60.0).json()
    open_ids = set()
    for p in listing["items"]:
        if p["free"] > 0 and _admits(p["eligibility"], ATTRIBUTES):
            waiting = httpx.get(f"{base}/v1/wait-lists/{p['list_id']}", headers=headers, timeout=60.0).json()
            if p["free"] > len(waiting["entries"]):
                open_ids.add(p["id"])
    return open_ids


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _meeting_point(app, region_dir: Path, cohort: str | None, limit: float, free: set[str]) -> tuple[float, float]:
    """Where the officer meets the participant: the population point with the most open providers
    (``free``) within ``limit`` transit minutes, or without transit data a point inside ``cohort``'s
    first municipality."""
    table = app.state.region.transit_table()
    if table is not None:
        import numpy as np

        columns = [col for pid, col in table.column.items() if pid in free] or list(table.column.values())
        reachable = (np.nan_to_num(table.minutes[:, columns], nan=np.inf) <= limit).sum(axis=1)
        lon, lat = table.origins[int(np.argmax(reachable))]
        return round(float(lon), 6), round(float(lat), 6)
    from geodata.region import load_region

    region = load_region(region_dir)
    areas = region.municipalities.to_crs("EPSG:4326")
    members = region.cohorts.get(cohort, []) if cohort else []
    chosen = areas[areas["name"].isin(members)] if members else areas
    point = (chosen if len(chosen) else areas).geometry.iloc[0].representative_point()
    return round(point.x, 6), round(point.y, 6)


def _show(console: Console, method: str, path: str, body: dict | None, response: httpx.Response) -> dict:
    console.print(f"[bold cyan]{method} {path}[/bold cyan] -> [bold]{response.status_code}[/bold]")
    if body is not None:
        console.print(Syntax(json.dumps(body, indent=2), "json", theme="ansi_dark", word_wrap=True))
    data = response.json()
    text = json.dumps(data, indent=2)
    lines = text.splitlines()
    console.print(
        Syntax("\n".join(lines[:60]) + ("\n..." if len(lines) > 60 else ""), "json", theme="ansi_dark", word_wrap=True)
    )
    return data


def run_walkthrough(region_dir: Path, *, database_url: str, console: Console) -> dict:
    """Start the API on ``database_url`` for the region in ``region_dir``, request and confirm a
    placement over real HTTP, print the exchange, stop the server; returns what happened."""
    region_dir = Path(region_dir)
    app = create_app(database_url, region_dir)
    port = _free_port()
    with serving_in_thread(app, port, deadline_s=READY_DEADLINE_S):
        with app.state.sessions() as session:
            counts = load_region_into_db(session, region_dir, app.state.region)
            cohort = next(iter(app.state.region.cohorts), "Demo")
            stamp = int(time.time())
            _, coordinator = add_user(session, f"coordinator-{stamp}", "coordinator", cohort=cohort)
            _, admin = add_user(session, f"admin-{stamp}", "admin")
            session.commit()
        console.print(
            f"API on http://127.0.0.1:{port} (docs at /docs); loaded {counts['providers']} providers, "
            f"{counts['wait_list_entries']} wait-list entries; coordinator of cohort {cohort!r}"
        )
        lon, lat = _meeting_point(app, region_dir, cohort, 60.0, _open_providers(f"http://127.0.0.1:{port}", admin))
        participant_id = f"LEAD-DEMO-{stamp}"
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", timeout=60.0, headers={"Authorization": f"Bearer {coordinator}"}
        ) as client:

            def call(method: str, path: str, body: dict | None = None, show: bool = True) -> dict:
                response = client.request(method, path, json=body)
                return _show(console, method, path, body, response) if show else response.json()

            call(
                "POST",
                "/v1/participants",
                {
                    "id": participant_id,
                    "cohort": cohort,
                    "lon": lon,
                    "lat": lat,
                    "max_transit_minutes": 60,
                    "needs": [
                        {"service": "housing", "urgency": 4},
                        {"service": "treatment", "urgency": 3},
                        {"service": "clinic", "windows": [day.WINDOW]},
                    ],
                    "attributes": ATTRIBUTES,
                },
            )
            day.consent(call, participant_id)
            answer = call("POST", "/v1/placement-requests", {"participant_id": participant_id, "hold_minutes": 30})
            day.explain(console, "The first request, need by need:", answer)
            held = [n["placement"] for n in answer.get("needs", []) if n.get("placement")]
            appointment = day.clinic_at_listed_time(call, console, answer)
            confirmed = next((h["id"] for h in held if h["service"] == "clinic" and appointment), None)
            declined = day.decline_and_ask_again(call, console, participant_id, answer)
            unmet = day.unmet_with_next_step(call, console, f"LEAD-DEMO-{stamp}-2", cohort, lon, lat)
            audit = client.get(
                "/v1/audit", params={"record_type": "placement"}, headers={"Authorization": f"Bearer {admin}"}
            ).json()
        console.print(f"Audit log: {audit['page']['total']} placement rows (append-only).")
        front_door = front_door_walkthrough(
            WalkContext(app, f"http://127.0.0.1:{port}", admin, coordinator, cohort, stamp, region_dir, (lon, lat)),
            console,
            _show,
        )
        return {
            "url": f"http://127.0.0.1:{port}",
            "participant_id": participant_id,
            "request_id": answer.get("id"),
            "status": answer.get("status"),
            "held": [h["provider_id"] for h in held],
            "confirmed": confirmed,
            "needs": {n["service"]: n["explanation"] for n in answer.get("needs", [])},
            "audit_rows": audit["page"]["total"],
            "appointment": appointment,
            "declined": declined,
            "unmet": unmet,
            "front_door": front_door,
        }
