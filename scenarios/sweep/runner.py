"""Run a sweep's tasks on Dask distributed and gather one table of results.

The scenario kind's module (see ``scenarios.registry``) provides two functions for sweeps:
``prepare(spec, *, base_dir) -> context`` computes what every task shares (the region, travel-time
matrices) once, in the client; ``evaluate(spec, *, base_dir, seed, context) -> dict`` runs one
scenario and returns plain numbers. The context is scattered to every worker once (a worker that
joins later, or replaces a dead one, copies it from a peer), never recomputed per task.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dask
import pandas as pd
from distributed import Client, Future, LocalCluster, as_completed
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from scenarios.sweep.spec import SweepSpec, Task, apply_params, expand


def kind_module(kind: str) -> str:
    """The module name of a scenario kind that can be swept (it has ``prepare`` and ``evaluate``)."""
    from scenarios.registry import KINDS

    if kind not in KINDS:
        raise ValueError(f"unknown scenario kind '{kind}'; known kinds: {', '.join(sorted(KINDS))}")
    module = importlib.import_module(KINDS[kind])
    missing = [name for name in ("prepare", "evaluate") if not callable(getattr(module, name, None))]
    if missing:
        raise ValueError(f"scenario kind '{kind}' cannot be swept: {module.__name__} lacks {', '.join(missing)}")
    return module.__name__


def prepare_context(spec: SweepSpec) -> Any:
    """The shared context of every task (region, travel matrices), computed once in this process."""
    module = importlib.import_module(kind_module(spec.kind))
    return module.prepare(spec.scenario, base_dir=spec.scenario_path.parent)


def run_task(module_name: str, scenario: dict[str, Any], base_dir: str, task: Task, context: Any) -> dict[str, Any]:
    """Run one task (on a worker): the base scenario with the task's parameters, evaluated with its seed."""
    evaluate = importlib.import_module(module_name).evaluate
    spec = apply_params(scenario, task.params)
    return evaluate(spec, base_dir=Path(base_dir), seed=task.seed, context=context)


def _row(task: Task, status: str, metrics: dict[str, Any] | None = None, error: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"task_id": task.task_id, "draw": task.draw, "seed": task.seed}
    row.update({f"param.{k}": v for k, v in task.params.items()})
    row.update(metrics or {})
    row.update({"status": status, "error": error})
    return row


BATCHES_PER_WORKER = 4


def _attempt(
    module_name: str, scenario: dict[str, Any], base_dir: str, task: Task, context: Any, retries: int
) -> dict[str, Any]:
    """One task's row: run it, again up to ``retries`` times while it raises; the last error if it never ran."""
    error: Exception | None = None
    for _ in range(retries + 1):
        try:
            return _row(task, "ok", run_task(module_name, scenario, base_dir, task, context))
        except Exception as exc:  # noqa: BLE001 - a failed scenario is a row, the others go on
            error = exc
    return _row(task, "failed", error=f"{type(error).__name__}: {error}")


def run_batch(
    module_name: str, scenario: dict[str, Any], base_dir: str, tasks: list[Task], context: Any, retries: int
) -> list[dict[str, Any]]:
    """Run a batch of tasks one after another (on a worker); one row per task, failures included."""
    return [_attempt(module_name, scenario, base_dir, task, context, retries) for task in tasks]


def batches(tasks: list[Task], n_workers: int, *, per_worker: int = BATCHES_PER_WORKER) -> list[list[Task]]:
    """Tasks dealt round-robin into ``per_worker`` batches per worker (fewer when there are fewer tasks).

    Dealing mixes the grid points, so batches take about as long as each other.
    """
    count = max(1, min(len(tasks), n_workers * per_worker))
    return [tasks[k::count] for k in range(count) if tasks[k::count]]


def submit_tasks(
    client: Client, spec: SweepSpec, tasks: list[Task], context: Any
) -> dict[str, tuple[list[Task], Future]]:
    """Scatter the shared context to every worker once and submit the tasks in batches.

    A Dask task costs a few milliseconds of scheduling and messaging; a batch of scenarios per Dask
    task (:func:`batches`: a few per worker, so a slow batch does not leave a worker idle at the
    end) pays it once. Keys are ``handoff-sweep-NAME-RUN-BATCH`` with a fresh RUN token per call:
    unique, so a batch re-run after its worker dies still yields exactly one row per task, and two
    runs of the same sweep on one scheduler never share futures. A scenario that raises is run
    again ``spec.retries`` times in its batch; a batch whose worker dies is retried as many times.
    """
    module_name = kind_module(spec.kind)
    [shared] = client.scatter([context], broadcast=True, hash=False)
    base_dir = str(spec.scenario_path.parent)
    run = uuid.uuid4().hex[:8]
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    submitted = {}
    for number, batch in enumerate(batches(tasks, n_workers)):
        key = f"handoff-sweep-{spec.name}-{run}-{number}"
        future = client.submit(
            run_batch,
            module_name,
            spec.scenario,
            base_dir,
            batch,
            shared,
            spec.retries,
            key=key,
            retries=spec.retries,
            pure=False,
        )
        submitted[key] = (batch, future)
    return submitted


def collect(
    submitted: dict[str, tuple[list[Task], Future]],
    *,
    progress: bool = True,
    first_done: Callable[[], None] | None = None,
    console: Console | None = None,
) -> pd.DataFrame:
    """Wait for every batch; one row per task in the order of ``expand`` (failed tasks: status 'failed').

    A task that still fails after its retries gets ``status='failed'`` and the exception text in
    ``error``; the others go on. ``first_done`` is called once, after the first batch finishes
    (tests use it to kill a worker mid-sweep).
    """
    rows: dict[str, dict[str, Any]] = {}
    futures = [future for _, future in submitted.values()]
    total = sum(len(batch) for batch, _ in submitted.values())
    failed = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not progress,
    ) as bar:
        tracker = bar.add_task("scenarios", total=total)
        for done, future in enumerate(as_completed(futures)):
            batch, _ = submitted[future.key]
            if batch[0].task_id in rows:
                raise RuntimeError(f"task {batch[0].task_id} reported twice")
            if future.status == "finished":
                answers = future.result()
            else:
                error = f"{type(future.exception()).__name__}: {future.exception()}"
                answers = [_row(task, "failed", error=error) for task in batch]
            for task, row in zip(batch, answers):
                rows[task.task_id] = row
            failed += sum(row["status"] == "failed" for row in answers)
            future.release()
            bar.update(
                tracker, advance=len(batch), description=f"scenarios ({failed} failed)" if failed else "scenarios"
            )
            if first_done is not None and done == 0:
                first_done()
    return pd.DataFrame([rows[task.task_id] for task in dealt_order([batch for batch, _ in submitted.values()])])


def dealt_order(dealt: list[list[Task]]) -> list[Task]:
    """The tasks in their order before :func:`batches` dealt them round-robin."""
    longest = max((len(batch) for batch in dealt), default=0)
    return [batch[j] for j in range(longest) for batch in dealt if j < len(batch)]


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2) -> Iterator[Client]:
    """A client of an existing scheduler (``tcp://host:8786``) or of a new LocalCluster of
    ``n_workers`` single-threaded worker processes."""
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with local_cluster(n_workers) as cluster, Client(cluster) as client:
        yield client


#: Dask's periodic housekeeping, made less frequent for sweeps of 0.1-second scenarios. By default an
#: idle LocalCluster of one worker spends about 5 % of a core on it (event-loop ticks every 20 ms,
#: system and memory monitors, work stealing every 100 ms); with these about 1 % (measured with
#: psutil over the cluster's processes). The statistical profiler, which samples every worker
#: thread's stack every 10 ms and cost a fifth of the worker's CPU (``bench/sweep.py``), is off.
QUIET_CLUSTER = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "2s",
    "distributed.scheduler.work-stealing-interval": "1s",
}


def local_cluster(n_workers: int) -> LocalCluster:
    """A LocalCluster of ``n_workers`` single-threaded worker processes with :data:`QUIET_CLUSTER`'s
    housekeeping intervals (workers inherit the configuration when they start)."""
    with dask.config.set(QUIET_CLUSTER):
        return LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )


def run_sweep(
    spec: SweepSpec,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    client: Client | None = None,
    progress: bool = True,
    first_done: Callable[[], None] | None = None,
    console: Console | None = None,
) -> pd.DataFrame:
    """Run every task of the sweep on Dask; returns one row per task, in the order of ``expand``.

    The context is prepared once here, then scattered. ``client`` reuses a connected client;
    otherwise ``scheduler`` names an existing cluster, else a LocalCluster of ``n_workers`` starts.
    """
    tasks = expand(spec)
    context = prepare_context(spec)
    if client is not None:
        return collect(
            submit_tasks(client, spec, tasks, context), progress=progress, first_done=first_done, console=console
        )
    with dask_client(scheduler, n_workers) as own:
        return collect(
            submit_tasks(own, spec, tasks, context), progress=progress, first_done=first_done, console=console
        )


def run_in_process(spec: SweepSpec, *, context: Any = None) -> pd.DataFrame:
    """The same tasks one by one in this process, without Dask: the reference for a sweep's results.

    ``context`` reuses a context from ``prepare_context``; by default it is prepared here.
    """
    module_name = kind_module(spec.kind)
    context = prepare_context(spec) if context is None else context
    base_dir = str(spec.scenario_path.parent)
    return pd.DataFrame(run_batch(module_name, spec.scenario, base_dir, expand(spec), context, 0))
