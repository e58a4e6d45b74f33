"""After an error answer the keep-alive connection either stays usable or the answer says
``Connection: close``: a client retrying a POST can always tell whether it was processed."""

from __future__ import annotations

import http.client
import threading

import pytest
import uvicorn

from tests.api.helpers import make_users
from tests.api.server import free_port


@pytest.fixture
def live(database_url):
    """The app served by uvicorn (h11, as in production) in this process, with a route that fails."""
    from api.app import create_app

    app = create_app(database_url)

    @app.get("/v1/test-failure", include_in_schema=False)
    def failure():
        raise RuntimeError("a bug")

    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="critical", http="h11")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    started = threading.Event()
    original = server.startup

    async def startup(sockets=None):
        await original(sockets)
        started.set()

    server.startup = startup
    thread.start()
    assert started.wait(60)
    tokens = make_users(app.state.sessions)
    yield config.port, tokens
    server.should_exit = True
    thread.join(30)


def exchange(connection: http.client.HTTPConnection, method: str, path: str, token: str, body: bytes | None = None):
    """One request on ``connection``; returns (status, Connection header, body)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, (response.getheader("connection") or "").lower(), response.read()


BAD = [
    ("GET", "/v1/test-failure", None, 500),
    ("GET", "/v1/providers/H%001", None, 422),
    ("PUT", "/v1/providers/NOPE/capacity", b'{"capacity": "\xff"}', 400),
    ("PUT", "/v1/providers/NOPE/capacity", b"[" * 50_000 + b"]" * 50_000, 400),
    ("GET", "/v1/audit?since=0001-01-01T00:00:00%2B14:00", None, 422),
    ("PUT", "/v1/wait-lists/H1", b"x" * 1_200_000, 413),
    ("GET", "/v1/providers/NOPE", None, 404),
]


@pytest.mark.parametrize("method, path, body, status", BAD, ids=[f"{b[3]}-{i}" for i, b in enumerate(BAD)])
def test_error_answers_keep_the_connection_or_say_close(live, method, path, body, status):
    port, tokens = live
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    got, closing, text = exchange(connection, method, path, tokens["admin"], body)
    assert got == status and b'"status"' in text, text[:300]
    if closing != "close":
        again, _, listing = exchange(connection, "GET", "/v1/providers", tokens["admin"])
        assert again == 200 and b'"items"' in listing
    connection.close()
