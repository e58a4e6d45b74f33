"""Scenario sweeps: a grid and Monte Carlo draws over scenario parameters, run on Dask distributed."""

from scenarios.sweep.output import metric_columns, site_frequency, varying_params, write_results
from scenarios.sweep.runner import run_in_process, run_sweep
from scenarios.sweep.spec import SweepError, SweepSpec, Task, apply_params, expand, load_sweep, task_seed

__all__ = [
    "site_frequency",
    "varying_params",
    "SweepError",
    "SweepSpec",
    "Task",
    "apply_params",
    "expand",
    "load_sweep",
    "metric_columns",
    "run_in_process",
    "run_sweep",
    "task_seed",
    "write_results",
]
