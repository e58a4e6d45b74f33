"""Benchmark: the referral endpoint (the officer's hand-off answer) against the real server on PostgreSQL.

The server is `handoff serve --workers 2` on the generated small demo region (its street network,
so every answer routes on streets: drive minutes from the officer to 3 facilities and from 6 case
managers to the scene), seeded by bench/api.py (1,000 providers, 2,000 consenting participants;
the load generator and server start are bench/server_load.py's). In the same run, with the same
32 concurrent clients (closed loop, aiohttp): baseline GET /healthz, placement
requests (POST /v1/placement-requests) and referrals (POST /v1/referrals by 32 officers at random
points of the cohort), taking turns in 4 rounds so that load from other jobs on the shared machine
falls on all three. Prints p50/p95/p99 (ms), throughput, the server's CPU milliseconds per request
(server and desk processes, psutil) and the ratio of the referral p95 to the placement p95
(target: within 2x). Afterwards every referral's audit row is counted.

Run: ``nice -n 10 .venv/bin/python bench/referrals.py [--workers 2] [--referrals 2000]``
(needs PostgreSQL at HANDOFF_TEST_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.auth import add_user  # noqa: E402
from api.db.engine import make_engine, make_sessionmaker  # noqa: E402
from api.db.frontdoor import CaseManager, Facility, FrontDoor  # noqa: E402
from api.db.models import AuditEntry  # noqa: E402
from bench.api import seed  # noqa: E402
from bench.record import machine_line  # noqa: E402
from bench.server_load import CLIENTS, drive, scratch_schema, serving, summary  # noqa: E402

ALWAYS = [{"days": "daily", "start": 0, "length": 24}]
ROUNDS = 4


def server_cpu(process) -> float:
    """CPU seconds (user + system) used so far by the server and every process it started."""
    import psutil

    root = psutil.Process(process.pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def wait_idle(process, *, quiet_s: float = 0.2, every_s: float = 3.0, most_s: float = 600.0) -> float:
    """Wait until the server's processes use under ``quiet_s`` CPU seconds in ``every_s`` seconds
    (background builds finished: the street index, transit tables); returns seconds waited."""
    started = time.perf_counter()
    before = server_cpu(process)
    while time.perf_counter() - started < most_s:
        time.sleep(every_s)
        now = server_cpu(process)
        if now - before < quiet_s:
            break
        before = now
    return time.perf_counter() - started


def seed_front_door(url: str, region_dir: Path, rng: random.Random) -> tuple[str, list[str], list[tuple[float, float]]]:
    """The first cohort's front door (always covered), 3 facilities at candidate sites, 6 case
    managers and 32 officers; returns the cohort, the officers' tokens and roadside points."""
    from geodata.region import load_region

    region = load_region(region_dir)
    cohort = next(iter(region.cohorts))
    sites = [(float(p.x), float(p.y)) for p in region.sites.geometry.iloc[:3]]
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        session.add(
            FrontDoor(
                cohort=cohort,
                timezone="America/New_York",
                phone="412-555-0142",
                instructions="",
                on_site_hours=list(range(168)),
                on_call_hours=[],
                hours_source="configured",
                intake_deadline_days=14,
                callout_minutes=15.0,
            )
        )
        for k, (lon, lat) in enumerate(sites):
            session.add(Facility(id=f"F{k}", name=f"Facility {k}", cohort=cohort, lon=lon, lat=lat, hours=[]))
        session.flush()
        for k in range(6):
            session.add(
                CaseManager(
                    id=f"CM{k}",
                    name=f"Case manager {k}",
                    cohort=cohort,
                    facility_id=f"F{k % 3}",
                    languages=["english"],
                    shifts=ALWAYS,
                    caseload_limit=25,
                    caseload_target=15,
                    active=True,
                )
            )
        tokens = [
            add_user(session, f"officer{k}", "officer", department=f"Zone {k % 6 + 1}")[1] for k in range(CLIENTS)
        ]
        session.commit()
    engine.dispose()
    points = region.encounters.geometry.dropna()
    points = points[~points.is_empty]
    roadside = [
        (round(float(p.x), 6), round(float(p.y), 6)) for p in points.sample(500, random_state=rng.randint(0, 999))
    ]
    return cohort, tokens, roadside


def take_turns(base: str, process, kinds: dict[str, list]) -> dict[str, dict]:
    """Run the loads ``kinds`` (name -> jobs) in ROUNDS turns with the same clients; print each
    load's latency line with its server CPU milliseconds per request, and return its figures."""
    found: dict[str, tuple[list[float], float, float, Counter]] = {name: ([], 0.0, 0.0, Counter()) for name in kinds}
    for r in range(ROUNDS):
        for name, jobs in kinds.items():
            chunk = jobs[r * len(jobs) // ROUNDS : (r + 1) * len(jobs) // ROUNDS]
            cpu = server_cpu(process)
            latencies, seconds, statuses = asyncio.run(drive(base, chunk))
            done = found[name]
            found[name] = (
                done[0] + latencies,
                done[1] + seconds,
                done[2] + server_cpu(process) - cpu,
                done[3] + statuses,
            )
    rows = {}
    for name, (latencies, seconds, cpu, statuses) in found.items():
        rows[name] = summary(name, latencies, seconds)
        print(f"{'':<28} server CPU {1000 * cpu / len(latencies):.1f} ms per request; statuses {dict(statuses)}")
    return rows


def audited_referrals(url: str) -> int:
    """Audit rows of created referrals in the database at ``url``."""
    engine = make_engine(url)
    with engine.connect() as connection:
        audited = connection.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "referral.create")
        )
    engine.dispose()
    return int(audited or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--referrals", type=int, default=2000)
    parser.add_argument("--placements", type=int, default=2000)
    args = parser.parse_args()
    from geodata.demo import write_demo_region

    print(machine_line(args.workers))
    rng = random.Random(11)
    region_dir = Path(tempfile.mkdtemp(prefix="handoff-bench-region-"))
    write_demo_region(region_dir, scale="small", seed=7)
    port = 19000 + rng.randint(0, 999)
    os.environ["HANDOFF_REGION_DIR"] = str(region_dir)
    with scratch_schema() as url:
        coordinators, people = seed(url, 1000, args.placements, rng)
        cohort, officers, roadside = seed_front_door(url, region_dir, rng)
        # the server loads the region too: slow on a busy machine
        with serving(url, port, args.workers, deadline_s=600) as process:
            base = f"http://127.0.0.1:{port}"
            print(
                f"server: handoff serve --workers {args.workers} on the small demo region (street network); "
                f"{CLIENTS} concurrent clients (aiohttp)"
            )
            referral = lambda i: {  # noqa: E731
                "route": "arrest-diversion",
                "offence": "retail theft",
                "cohort": cohort,
                "consent": True,
                "lon": roadside[i % len(roadside)][0],
                "lat": roadside[i % len(roadside)][1],
            }
            warm = [("POST", "/v1/referrals", referral(i), officers[i % CLIENTS]) for i in range(CLIENTS)]
            placements = [
                ("POST", "/v1/placement-requests", {"participant_id": pid}, coordinators[i % CLIENTS])
                for i, pid in enumerate(people)
            ]
            # Warm both paths before measuring: the first answers wait for the street index and the compiled
            # route search (referrals) and for the region's transit table (placements).
            asyncio.run(drive(base, warm))
            asyncio.run(drive(base, placements[:CLIENTS]))
            placements = placements[CLIENTS:]
            print(f"server idle after warm-up: {wait_idle(process):.0f} s")
            health = [("GET", "/healthz", None, officers[0])] * 2000
            referrals = [("POST", "/v1/referrals", referral(i), officers[i % CLIENTS]) for i in range(args.referrals)]
            alone = summary("POST referral, 1 client", *asyncio.run(drive(base, referrals[:200], 1))[:2])
            # The machine is shared: the three loads take turns in ROUNDS chunks, so a burst of other
            # work falls on all of them; server CPU seconds per request are counted for each.
            base_h, placed, referred = take_turns(
                base,
                process,
                {
                    "baseline GET /healthz": health,
                    f"POST placement, {CLIENTS} clients": placements,
                    f"POST referral, {CLIENTS} clients": referrals[200:],
                },
            ).values()
            ratio = referred["p95"] / placed["p95"]
            print(
                f"ratios: p95 referral / p95 placement = {ratio:.2f}x "
                f"(target <= 2x: {'met' if ratio <= 2 else 'not met'}); "
                f"p95 referral / p95 healthz = {referred['p95'] / base_h['p95']:.1f}x; "
                f"one client p50 {alone['p50']:.1f} ms"
            )
            print(
                f"audit rows referral.create: {audited_referrals(url)} for {len(warm) + len(referrals)} "
                f"referrals sent; load average at the end {os.getloadavg()[0]:.1f}"
            )


if __name__ == "__main__":
    start_time = time.perf_counter()
    main()
    print(f"bench took {time.perf_counter() - start_time:.0f} s")
