"""Waiting for a started API server: poll ``/readyz`` until it answers 200 or a deadline passes;
serving an app in a thread of this process (the demo's walk-through, the browser tests)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx


def wait_until_ready(
    base_url: str, *, deadline_s: float, alive: Callable[[], bool] = lambda: True, poll_s: float = 0.1
) -> bool:
    """True once ``base_url``/readyz answers 200; False when ``deadline_s`` seconds pass or ``alive()``
    turns false (the server process exited)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and alive():
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    return False


@contextmanager
def serving_in_thread(app, port: int, *, deadline_s: float = 60.0) -> Iterator[str]:
    """Serve ``app`` (uvicorn) on 127.0.0.1:``port`` in a thread while the block runs; yields the base
    URL once ``/readyz`` answers, and stops the server afterwards (``RuntimeError`` if it never gets ready)."""
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="handoff-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_ready(url, deadline_s=deadline_s, alive=thread.is_alive, poll_s=0.05):
            raise RuntimeError(f"the API server did not become ready within {deadline_s:.0f} s")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
