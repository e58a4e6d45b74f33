"""What the server benchmarks (bench/api.py, bench/referrals.py) share: a scratch PostgreSQL schema,
the `handoff serve` process, the closed-loop load generator and its printed latency line.

Both run the real server on PostgreSQL (HANDOFF_TEST_POSTGRES_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test) in a schema of their own, dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, text

from api.ready import wait_until_ready

POSTGRES_URL = os.environ.get("HANDOFF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CLIENTS = 32


@contextmanager
def scratch_schema() -> Iterator[str]:
    """A new PostgreSQL schema for one run; yields the database URL that works in it, drops it after."""
    schema = f"handoff_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def serving(url: str, port: int, workers: int, *, deadline_s: float = 90.0) -> Iterator[subprocess.Popen]:
    """The server (`handoff serve`: ``workers`` uvicorn processes and, for more than one, the
    placement desk process) on ``port``, ready once /readyz answers 200 (within ``deadline_s``
    seconds); stopped when the block ends."""
    env = os.environ | {"HANDOFF_DATABASE_URL": url}
    handoff = Path(sys.executable).with_name("handoff")
    process = subprocess.Popen(
        [str(handoff), "serve", "--port", str(port), "--workers", str(workers)], env=env, stderr=subprocess.DEVNULL
    )
    try:
        if not wait_until_ready(f"http://127.0.0.1:{port}", deadline_s=deadline_s, poll_s=0.2):
            raise SystemExit("server not ready")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


async def drive(
    base: str, jobs: list[tuple[str, str, dict | None, str]], clients: int = CLIENTS
) -> tuple[list[float], float, Counter]:
    """Run (method, path, body, token) jobs with ``clients`` concurrent clients, each sending its next
    request when the last one is answered (aiohttp, one keep-alive connection each); latencies in ms."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    latencies: list[float] = []
    statuses: Counter = Counter()
    connector = aiohttp.TCPConnector(limit=clients)

    async def client(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            method, path, body, token = queue.get_nowait()
            t0 = time.perf_counter()
            headers = {"Authorization": f"Bearer {token}"}
            async with http.request(method, base + path, json=body, headers=headers) as response:
                await response.read()
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[response.status] += 1

    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as http:
        start_time = time.perf_counter()
        await asyncio.gather(*[client(http) for _ in range(clients)])
        return latencies, time.perf_counter() - start_time, statuses


def summary(name: str, latencies: list[float], seconds: float) -> dict:
    """p50/p95/p99 in ms and throughput (requests/s) of one load; printed as one line."""
    q = statistics.quantiles(latencies, n=100)
    row = {"p50": q[49], "p95": q[94], "p99": q[98], "rps": len(latencies) / seconds}
    print(
        f"{name:<28} n={len(latencies):>5}  p50 {row['p50']:7.1f} ms  p95 {row['p95']:7.1f} ms  "
        f"p99 {row['p99']:7.1f} ms  {row['rps']:7.1f} req/s"
    )
    return row
