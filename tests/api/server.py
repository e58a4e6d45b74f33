"""Running the real server in a subprocess for the load and crash tests: uvicorn on
``api.app:app_from_env`` (what `handoff serve` runs with one worker), or `handoff serve --workers N`
(N workers and the placement desk process)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from api.ready import wait_until_ready

READY_DEADLINE_S = 60.0


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server process on ``port``; what it writes to stderr is collected in :attr:`log`."""

    process: subprocess.Popen
    port: int
    log: list[str] = field(default_factory=list)
    written: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stderr:
            with self.written:
                self.log.append(line.decode(errors="replace"))
                self.written.notify_all()
        with self.written:
            self.log.append("")  # end of output
            self.written.notify_all()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for(self, pattern: str, *, after: int = 0, timeout_s: float = 60.0) -> re.Match:
        """The first match of ``pattern`` in a stderr line from line ``after`` on, waiting for it."""

        def found() -> re.Match | None:
            return next((m for m in map(re.compile(pattern).search, self.log[after:]) if m), None)

        with self.written:
            if not self.written.wait_for(lambda: found() or "" in self.log, timeout=timeout_s) or not found():
                raise RuntimeError(f"the server wrote no line matching {pattern!r}: {''.join(self.log)[-2000:]}")
            return found()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush — a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM and wait for a clean exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(
    database_url: str, *, port: int | None = None, env: dict[str, str] | None = None, workers: int | None = None
) -> Server:
    """Start the server on ``database_url`` and poll /readyz until ready (deadline 60 s); with
    ``workers``, through `handoff serve --workers N`."""
    port = port or free_port()
    environment = os.environ | {"HANDOFF_DATABASE_URL": database_url} | (env or {})
    if workers:
        command = [
            str(Path(sys.executable).with_name("handoff")),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "api.app:app_from_env",
            "--port",
            str(port),
            "--timeout-keep-alive",
            "120",
            "--log-level",
            "warning",
        ]
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(process, port)
    if wait_until_ready(server.url, deadline_s=READY_DEADLINE_S, alive=lambda: process.poll() is None):
        return server
    if process.poll() is not None:
        process.wait()
        with server.written:
            server.written.wait_for(lambda: "" in server.log, timeout=10)
        raise RuntimeError(f"server exited: {''.join(server.log)[-2000:]}")
    server.kill()
    raise RuntimeError("server not ready before the deadline")
