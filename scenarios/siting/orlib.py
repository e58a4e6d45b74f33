"""Readers for J. E. Beasley's OR-Library facility location files.

- ``pmedN.txt``: first line ``n m p``, then ``m`` lines ``i j cost`` (undirected edges, 1-based);
  the cost matrix is the all-pairs shortest path on that graph. If an edge appears more than once,
  the last occurrence counts (as OR-Library specifies).
- ``capXX.txt`` and ``capa/capb/capc.txt``: ``m n``, then ``m`` lines ``capacity fixed_cost``
  (capa-c have the word ``capacity`` in place of the number: pass ``capacity=``), then for each
  customer its demand and ``m`` allocation costs (cost of serving all of its demand from each site).
- ``pmedopt.txt`` and ``capopt.txt``: published optimal values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from geodata.errors import DataError


@dataclass
class PMedianInstance:
    """An OR-Library p-median instance: ``cost`` (n x n shortest path lengths) and its ``p``."""

    name: str
    cost: np.ndarray
    p: int


@dataclass
class CapInstance:
    """An OR-Library capacitated facility location instance.

    ``capacity`` and ``fixed_cost`` per site; ``demand`` per customer; ``allocation[i, j]`` is the
    cost of serving all of customer i's demand from site j.
    """

    name: str
    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    allocation: np.ndarray


def _numbers(path: Path, text: str, *, dtype=float) -> np.ndarray:
    try:
        return np.array(text.split(), dtype=dtype)
    except ValueError as exc:
        raise DataError(path, f"expected only numbers: {exc}") from exc


def read_pmed(path: str | Path) -> PMedianInstance:
    """Read ``pmedN.txt`` and build its all-pairs shortest path cost matrix (Dijkstra)."""
    path = Path(path)
    numbers = _numbers(path, path.read_text(), dtype=float)
    if len(numbers) < 3:
        raise DataError(path, "expected a first line 'n m p'", row=1)
    n, m, p = (int(v) for v in numbers[:3])
    edges = numbers[3 : 3 + 3 * m]
    if len(edges) != 3 * m:
        raise DataError(path, f"header announces {m} edges but the file has {len(edges) // 3}")
    edges = edges.reshape(m, 3)
    a, b = edges[:, 0].astype(int) - 1, edges[:, 1].astype(int) - 1
    bad = np.flatnonzero((a < 0) | (a >= n) | (b < 0) | (b >= n))
    if len(bad):
        raise DataError(path, f"edge names a vertex outside 1..{n}", row=int(bad[0]) + 2)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * n + hi
    _, last_from_end = np.unique(key[::-1], return_index=True)
    last = m - 1 - last_from_end
    graph = sp.csr_matrix((edges[last, 2], (lo[last], hi[last])), shape=(n, n))
    cost = shortest_path(graph, method="D", directed=False)
    return PMedianInstance(path.stem, cost, p)


def read_cap(path: str | Path, *, capacity: float | None = None) -> CapInstance:
    """Read ``capXX.txt``; for capa/capb/capc pass the site ``capacity`` to use."""
    path = Path(path)
    text = path.read_text()
    if re.search(r"capacity", text):
        if capacity is None:
            raise DataError(
                path,
                "this file leaves the capacity open ('capacity' in place of a "
                "number); pass capacity=, e.g. 8000 for capa",
            )
        text = text.replace("capacity", repr(float(capacity)))
    numbers = _numbers(path, text)
    m, n = int(numbers[0]), int(numbers[1])
    sites = numbers[2 : 2 + 2 * m].reshape(m, 2)
    body = numbers[2 + 2 * m :]
    if len(body) != n * (m + 1):
        raise DataError(
            path, f"expected {n} customers with a demand and {m} costs each ({n * (m + 1)} numbers), found {len(body)}"
        )
    body = body.reshape(n, m + 1)
    return CapInstance(path.stem, sites[:, 0].copy(), sites[:, 1].copy(), body[:, 0].copy(), body[:, 1:].copy())


def read_optima(path: str | Path) -> dict[str, float | dict[float, float]]:
    """Read ``pmedopt.txt`` or ``capopt.txt``: name -> optimum, or for capa-c
    name -> {capacity: optimum}."""
    path = Path(path)
    optima: dict = {}
    current = None
    for row, line in enumerate(path.read_text().splitlines(), start=1):
        with_capacity = re.match(r"^\s*(\w+)?\s+([\d.]+)\s+\(capacity\s+(\d+)\)", line)
        plain = re.match(r"^\s*(\w+)\s+([\d.]+)\s*$", line)
        if with_capacity:
            current = with_capacity.group(1) or current
            optima.setdefault(current, {})[float(with_capacity.group(3))] = float(with_capacity.group(2))
        elif plain:
            optima[plain.group(1)] = float(plain.group(2))
    if not optima:
        raise DataError(path, "no 'name value' lines found")
    return optima


def pmed_problem(instance: PMedianInstance, *, p: int | None = None, radius: float | None = None):
    """A ``SitingProblem`` for a p-median file: every vertex is a client (weight 1) and a site."""
    from scenarios.siting.problem import SitingProblem

    n = instance.cost.shape[0]
    return SitingProblem(
        instance.cost,
        np.ones(n),
        p=instance.p if p is None else p,
        radius=radius,
        site_names=[f"v{j + 1}" for j in range(n)],
        client_names=[f"v{i + 1}" for i in range(n)],
    )


def cap_problem(instance: CapInstance, *, single_source: bool = False):
    """A fixed-charge capacitated ``SitingProblem``: unit cost = allocation cost / demand."""
    from scenarios.siting.problem import SitingProblem

    demand = instance.demand
    unit = instance.allocation / np.where(demand > 0, demand, 1.0)[:, None]
    return SitingProblem(
        unit,
        demand,
        site_cost=instance.fixed_cost,
        capacity=instance.capacity,
        single_source=single_source,
        site_names=[f"w{j + 1}" for j in range(len(instance.capacity))],
        client_names=[f"c{i + 1}" for i in range(len(demand))],
    )
