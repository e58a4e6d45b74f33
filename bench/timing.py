"""Timing for the benchmark scripts: wall and CPU seconds of one call, measured together."""

from __future__ import annotations

import time


def timed(call):
    """(result, wall seconds, CPU seconds of this process, all threads) of ``call()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu
