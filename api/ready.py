"""Waiting for a started API server: poll ``/readyz`` until it answers 200 or a deadline passes."""
from __future__ import annotations

import time
from collections.abc import Callable

import httpx


def wait_until_ready(base_url: str, *, deadline_s: float, alive: Callable[[], bool] = lambda: True,
                     poll_s: float = 0.1) -> bool:
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
