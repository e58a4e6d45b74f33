"""The desk process's socket protocol, in process: a worker's placement requests are placed by the
desk behind the socket, answer exactly as on the worker's own desk, fall back to the worker's desk
when the socket is down, and answer 503 when the desk goes away while a request is in flight."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.desk_server import RemoteDesk, serve_desk
from api.routers.placements import budget
from api.services.desk import Desk
from tests.api.helpers import stored_state_ok


class Loop:
    """An event loop on its own thread, serving a Unix socket until closed."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.task = None

    def serve(self, make_server) -> None:
        """Run ``make_server(started)`` (a coroutine that sets ``started`` once it listens) until closed."""

        async def start() -> None:
            started = asyncio.Event()
            self.task = asyncio.create_task(make_server(started))
            await started.wait()

        asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=30)

    def close(self) -> None:
        """Cancel every task on the loop, wait for them, then stop and close the loop."""

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


@pytest.fixture
def desk_socket(api, tmp_path) -> Iterator[tuple[Desk, Path]]:
    """A second desk on the app's database behind a Unix socket, as the desk process runs it; the
    app sends its placement requests there."""
    state = api.app.state
    desk = Desk(state.sessions, state.lookups, budget(state.settings), state.region)
    desk.start()
    path = tmp_path / "desk.sock"
    loop = Loop()
    loop.serve(lambda started: serve_desk(desk, path, started))
    state.remote_desk = RemoteDesk(path)
    yield desk, path
    loop.close()
    desk.stop()


def test_requests_are_placed_by_the_desk_behind_the_socket(api, desk_socket):
    remote, _ = desk_socket
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    api.participant("LEAD-2")
    first, second = api.request("LEAD-1"), api.request("LEAD-2")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["needs"][0]["placement"]["provider_id"] == "H1"
    assert second.json()["status"] == "waiting" and second.json()["needs"][0]["wait_positions"]
    assert remote.directory.clock is not None, "the desk behind the socket placed them"
    assert api.app.state.desk.directory.clock is None, "the worker's own desk placed nothing"
    shown = api.call("GET", f"/v1/placement-requests/{first.json()['id']}", who="coord_north").json()
    assert shown == first.json(), "the answer relayed from the socket is the stored request"
    stored_state_ok(api)


def test_problems_cross_the_socket_with_their_status_and_field(api, desk_socket):
    """Including the desk's own checks of the bearer token and role."""
    api.participant("LEAD-C", cohort="Central", who="coord_central")
    api.participant("LEAD-2", consent=False)
    cases = {"NOBODY": (404, "not-found"), "LEAD-C": (404, "not-found"), "LEAD-2": (409, "no-consent")}
    for pid, (status, slug) in cases.items():
        response = api.request(pid)
        body = response.json()
        assert (response.status_code, body["type"].rsplit("/", 1)[1]) == (status, slug)
        assert body["errors"][0]["field"] in ("body.participant_id", "header.Authorization")
        assert body["instance"] == "/v1/placement-requests"
    as_provider = api.request("LEAD-2", who="provider_h1")
    assert as_provider.status_code == 403 and "coordinator" in as_provider.json()["detail"]
    unknown = api.client.post(
        "/v1/placement-requests", headers={"Authorization": "Bearer not-a-token"}, json={"participant_id": "LEAD-2"}
    )
    assert unknown.status_code == 401 and unknown.headers["WWW-Authenticate"] == "Bearer"
    assert unknown.json()["errors"][0]["field"] == "header.Authorization"


def test_with_the_socket_down_the_worker_places_on_its_own_desk(api, tmp_path):
    api.app.state.remote_desk = RemoteDesk(tmp_path / "nobody-listens.sock")
    api.provider("H1", capacity=1)
    api.participant("LEAD-1")
    response = api.request("LEAD-1")
    assert response.status_code == 201 and response.json()["needs"][0]["placement"]["provider_id"] == "H1"
    assert api.app.state.desk.directory.clock is not None, "the worker's own desk placed it"
    stored_state_ok(api)


def test_a_request_in_flight_when_the_desk_goes_away_answers_503(api, tmp_path):
    """A desk that reads the request and closes the connection without answering."""
    path = tmp_path / "vanishing.sock"
    received = []

    async def vanishing(started: asyncio.Event) -> None:
        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            received.append(await reader.read(4096))
            writer.close()

        server = await asyncio.start_unix_server(connection, path=str(path))
        started.set()
        async with server:
            await server.serve_forever()

    loop = Loop()
    loop.serve(vanishing)
    api.app.state.remote_desk = RemoteDesk(path)
    try:
        api.participant("LEAD-1")
        response = api.client.post(
            "/v1/placement-requests", headers=api.as_("coord_north"), json={"participant_id": "LEAD-1"}
        )
    finally:
        loop.close()
    assert received and b"LEAD-1" in received[0], "the request reached the desk"
    assert response.status_code == 503
    body = response.json()
    assert body["type"].endswith("/desk-restarted") and "may or may not have been placed" in body["detail"]
    assert response.headers["Retry-After"] == "1"
