"""Sweeps on a real LocalCluster of 2 worker processes: exactly-once results, a worker killed
mid-sweep, results equal to running the scenarios one by one, the context computed once, retries.

The siting kind is used (it evaluates fastest on the small demo region). This module is also a
scenario kind of its own (``prepare``/``evaluate`` below) whose tasks fail on purpose, to test
retries on the real cluster.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
import dask
from distributed import Client, get_task_stream

from scenarios.registry import KINDS
from scenarios.sweep import expand, load_sweep, run_in_process, run_sweep
from scenarios.sweep.runner import QUIET_CLUSTER, batches, local_cluster

EXAMPLES = Path(__file__).resolve().parent.parent / "scenarios" / "sweep" / "examples"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    """A client of the sweeps' LocalCluster with two single-threaded worker processes (one per core)."""
    with local_cluster(2) as cluster, Client(cluster) as connected:
        yield connected


def _housekeeping() -> dict:
    return {key: dask.config.get(key) for key in QUIET_CLUSTER}


def test_workers_run_single_threaded_with_the_quiet_housekeeping_intervals(client):
    """The LocalCluster's workers (other processes) got the sweep configuration, not Dask's defaults."""
    workers = client.scheduler_info()["workers"]
    assert [w["nthreads"] for w in workers.values()] == [1, 1]
    assert list(client.run(_housekeeping).values()) == [QUIET_CLUSTER, QUIET_CLUSTER]


@pytest.fixture(scope="module")
def sweep(demo_region_dir):
    """The example siting sweep (p = 1..5 x 4 draws of the demand mix = 20 tasks) on the demo region."""
    return load_sweep(EXAMPLES / "sweep-siting.yaml", region=demo_region_dir)


@pytest.fixture(scope="module")
def reference(sweep):
    """The same 20 scenarios run one by one in this process, without Dask."""
    table = run_in_process(sweep)
    assert (table["status"] == "ok").all(), table["error"].tolist()
    return table


def _count_region_loads() -> None:
    """On a worker: make every ``load_region`` / ``load_siting_data`` of our packages count its calls."""
    import geodata.region
    import scenarios.siting.scenario  # noqa: F401 - imports the modules whose names get wrapped
    import scenarios.siting.travel

    originals = {geodata.region.load_region, scenarios.siting.travel.load_siting_data}
    calls: list[str] = []

    def counting(function):
        def wrapper(*args, **kwargs):
            calls.append(function.__name__)
            return function(*args, **kwargs)

        return wrapper

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith(("geodata", "scenarios")):
            for name, value in list(vars(module).items()):
                if callable(value) and value in originals:
                    setattr(module, name, counting(value))
    geodata.region.handoff_test_load_calls = calls


def _region_loads() -> list[str]:
    import geodata.region

    return list(geodata.region.handoff_test_load_calls)


def _prepare_on_worker(scenario: dict, base_dir: str) -> None:
    import scenarios.siting.scenario

    scenarios.siting.scenario.prepare(scenario, base_dir=Path(base_dir))


def test_two_workers_give_each_result_once_equal_to_in_process_and_prepare_once(client, sweep, reference, monkeypatch):
    pids = client.run(os.getpid)
    assert len(pids) == 2 and len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    module = sys.modules[KINDS["siting"]]
    prepared = []
    real_prepare = module.prepare
    monkeypatch.setattr(module, "prepare", lambda spec, **kw: prepared.append(spec) or real_prepare(spec, **kw))
    client.run(_count_region_loads)

    with get_task_stream(client=client) as stream:
        results = run_sweep(sweep, client=client, progress=False)

    assert len(prepared) == 1
    assert client.run(_region_loads) == {address: [] for address in pids}
    sweep_runs = [record for record in stream.data if str(record["key"]).startswith("handoff-sweep-")]
    # 20 scenarios in batches: 4 Dask tasks per worker, dealt round-robin, each scenario in one batch
    dealt = batches(expand(sweep), 2)
    assert len(sweep_runs) == len(dealt) == 8 and sorted(len(b) for b in dealt) == [2] * 4 + [3] * 4
    assert sorted(task.task_id for b in dealt for task in b) == sorted(task.task_id for task in expand(sweep))
    assert len({record["key"] for record in sweep_runs}) == 8
    assert {record["worker"] for record in sweep_runs} == set(pids)
    assert results["task_id"].tolist() == [task.task_id for task in expand(sweep)]
    pd.testing.assert_frame_equal(results, reference, check_exact=True)
    assert results["param.p"].tolist() == [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4 + [5] * 4
    assert results["sites"].str.count(";").add(1).tolist() == results["param.p"].tolist()
    # same draw (same demand mix) at every p: an optimal p-median never gets worse with more sites
    assert (results["optimal"] == 1).all()
    by_draw = results.pivot(index="draw", columns="param.p", values="objective")
    assert (by_draw.diff(axis=1).iloc[:, 1:] <= 1e-9).all().all()

    # positive control: the counter does see a region load on a worker
    worker = next(iter(pids))
    client.run(_prepare_on_worker, sweep.scenario, str(sweep.scenario_path.parent), workers=[worker])
    assert "load_siting_data" in client.run(_region_loads)[worker]


def test_a_worker_killed_mid_sweep_still_gives_every_result_once(client, sweep, reference):
    killed = []

    def kill_a_busy_worker() -> None:
        processing = client.processing()
        busy = [address for address, keys in processing.items() if keys]
        assert busy, "no worker had tasks left to lose"
        pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        killed.append((busy[0], pid, list(processing[busy[0]])))

    results = run_sweep(sweep, client=client, progress=False, first_done=kill_a_busy_worker)

    assert len(killed) == 1 and killed[0][2], killed
    assert results["task_id"].is_unique and len(results) == 20
    pd.testing.assert_frame_equal(results, reference, check_exact=True)
    client.wait_for_workers(2)
    assert killed[0][1] not in client.run(os.getpid).values()


def test_same_sweep_on_an_existing_scheduler_address_gives_the_same_table(client, demo_region_dir, reference):
    again = load_sweep(EXAMPLES / "sweep-siting.yaml", region=demo_region_dir)
    results = run_sweep(again, scheduler=client.scheduler.address, progress=False)
    pd.testing.assert_frame_equal(results, reference, check_exact=True)


# --- a scenario kind whose tasks fail on purpose (imported by name on the workers) ---------------


def prepare(spec: dict, *, base_dir: Path) -> dict:
    """Context of the failing kind: the folder where each attempt leaves a mark."""
    return {"marks": str(Path(base_dir) / "marks")}


def evaluate(spec: dict, *, base_dir: Path, seed: int, context: dict) -> dict[str, float]:
    """Mark this attempt; ``flaky`` tasks fail on their first attempt, ``broken`` ones always."""
    marks = Path(context["marks"])
    attempt = 0
    while True:
        try:
            os.close(os.open(marks / f"{spec['tag']}.{spec['mode']}.{attempt}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            break
        except FileExistsError:
            attempt += 1
    if spec["mode"] == "broken":
        raise ValueError(f"scenario {spec['tag']} is broken")
    if spec["mode"] == "flaky" and attempt == 0:
        raise RuntimeError(f"scenario {spec['tag']} failed on its first attempt")
    return {"value": float(spec["tag"] * 10 + seed % 7)}


def test_failed_tasks_are_retried_and_a_task_that_keeps_failing_is_reported(client, tmp_path, monkeypatch):
    monkeypatch.setitem(KINDS, "failing", __name__)
    (tmp_path / "marks").mkdir()
    (tmp_path / "base.yaml").write_text(yaml.safe_dump({"kind": "failing", "mode": "fine", "tag": 0}))
    (tmp_path / "sweep.yaml").write_text(
        yaml.safe_dump(
            {
                "kind": "sweep",
                "scenario": "base.yaml",
                "seed": 5,
                "retries": 2,
                "grid": {"tag": [1, 2, 3, 4], "mode": ["fine", "flaky", "broken"]},
            }
        )
    )
    spec = load_sweep(tmp_path / "sweep.yaml")

    results = run_sweep(spec, client=client, progress=False).set_index(["param.tag", "param.mode"])

    attempts: dict[tuple[int, str], int] = {}
    for mark in (tmp_path / "marks").iterdir():
        tag, mode, _ = mark.name.split(".")
        attempts[int(tag), mode] = attempts.get((int(tag), mode), 0) + 1
    # fine: once; flaky: fails, then one retry succeeds; broken: the first try and both retries
    assert attempts == {
        (tag, mode): n for tag in (1, 2, 3, 4) for mode, n in (("fine", 1), ("flaky", 2), ("broken", 3))
    }
    for tag in (1, 2, 3, 4):
        assert results.loc[(tag, "fine"), "status"] == results.loc[(tag, "flaky"), "status"] == "ok"
        assert results.loc[(tag, "broken"), "status"] == "failed"
        assert results.loc[(tag, "broken"), "error"] == f"ValueError: scenario {tag} is broken"
        seed = results.loc[(tag, "flaky"), "seed"]
        assert results.loc[(tag, "flaky"), "value"] == tag * 10 + seed % 7
