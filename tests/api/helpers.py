"""Helpers for the API tests: a client wrapper with a token per role, and the users behind them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta

import matcher
import pytest
from sqlalchemy import text

from api.services.region import RegionContext
from api.services.records import check_view


FULL_RUN = pytest.mark.skipif(
    os.environ.get("HANDOFF_FUZZ_FULL") != "1", reason="a long fuzz run (minutes per store): set HANDOFF_FUZZ_FULL=1"
)


@dataclass
class Api:
    """A running app (in-process) with a token per role and helpers for common set-up."""

    client: object
    app: object
    tokens: dict[str, str] = field(default_factory=dict)

    def as_(self, who: str) -> dict[str, str]:
        """Authorization header of user ``who`` (admin, coord_north, coord_central, provider_h1, planner, pcg,
        officer_z1, officer_z2)."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def call(self, method: str, path: str, who: str = "admin", headers_extra: dict[str, str] | None = None, **kwargs):
        """An HTTP call as ``who`` (with ``headers_extra``); every non-2xx must be problem details, never a 5xx."""
        response = self.client.request(method, path, headers=self.as_(who) | (headers_extra or {}), **kwargs)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
            body = response.json()
            assert body["status"] == response.status_code and body["title"] and body["detail"]
        return response

    def provider(self, pid: str, service: str = "housing", capacity: int = 2, occupied: int = 0, **extra):
        """Create a provider near downtown Pittsburgh."""
        body = {
            "id": pid,
            "name": f"Provider {pid}",
            "service": service,
            "capacity": capacity,
            "occupied": occupied,
            "lon": -80.0,
            "lat": 40.44,
            "monthly_turnover": 1.0,
        } | extra
        response = self.call("POST", "/v1/providers", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def participant(
        self,
        pid: str,
        needs=("housing",),
        cohort: str = "North",
        consent: bool = True,
        who: str = "coord_north",
        **extra,
    ):
        """Create a participant (with an active release of information unless ``consent`` is False)."""
        body = {
            "id": pid,
            "cohort": cohort,
            "lon": -80.0,
            "lat": 40.45,
            "needs": [{"service": s} for s in needs],
        } | extra
        response = self.call("POST", "/v1/participants", who=who, json=body)
        assert response.status_code == 201, response.text
        if consent:
            today = date.today()
            response = self.call(
                "POST",
                f"/v1/participants/{pid}/consents",
                who=who,
                json={
                    "granted_on": (today - timedelta(days=1)).isoformat(),
                    "expires_on": (today + timedelta(days=365)).isoformat(),
                },
            )
            assert response.status_code == 201, response.text
        return response.json()

    def request(self, pid: str, who: str = "coord_north", **extra):
        """POST a placement request and return the response."""
        return self.call("POST", "/v1/placement-requests", who=who, json={"participant_id": pid} | extra)


USERS = {
    "admin": ("admin", {}),
    "coord_north": ("coordinator", {"cohort": "North"}),
    "coord_central": ("coordinator", {"cohort": "Central"}),
    "provider_h1": ("provider", {"provider_id": "H1"}),
    "planner": ("planner", {}),
    "pcg": ("pcg", {}),
    "officer_z1": ("officer", {"department": "Zone 1 Police"}),
    "officer_z2": ("officer", {"department": "Zone 2 Police"}),
}


def make_users(sessions) -> dict[str, str]:
    """One user per role (two coordinators of different cohorts); returns name -> token."""
    from api.auth import add_user

    tokens = {}
    with sessions() as session:
        for name, (role, scope) in USERS.items():
            _, tokens[name] = add_user(session, name, role, **scope)
        session.commit()
    return tokens


def stored_state_ok(api) -> None:
    """The active holds pass the matcher's independent checker, and no provider is over capacity."""
    with api.app.state.sessions() as session:
        instance, result, _ = check_view(session, RegionContext())
        assert matcher.check(instance, result) == []
        for provider in instance.providers:
            assert provider.occupied <= provider.capacity


def waiting_on_a_lock(api: Api) -> bool:
    """Whether some PostgreSQL backend of this database waits for a row lock (what a race test
    polls, as an observable state, before letting the lock's holder commit)."""
    with api.app.state.lookups() as read:
        return bool(read.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")))
