"""A disk cache for travel-time matrices (parquet) and slow-to-load inputs (pickle), keyed by a sha256 of inputs.

``key_parts`` values are hashed by content: a :class:`pathlib.Path` by the bytes of the file
(every file, recursively, for a folder), numpy arrays and pandas objects by their values, other
values through their JSON form. Changing any input file or parameter changes the key, so the
matrix is recomputed; an unchanged key reuses the stored file. Plain strings are hashed as
text, never read as paths: pass ``Path`` objects for files.

:class:`MatrixCache` is the travel service's cache: matrices in memory (least recently used out
first, bounded by :attr:`CachePolicy.memory_cells`), and on disk only when the policy says so
(``disk``, for matrices of at least ``disk_min_cells`` cells), so a request for a few points
pays neither a file write nor a file read.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

log = logging.getLogger(__name__)

ENV_CACHE_DIR = "HANDOFF_CACHE_DIR"
FORMAT_VERSION = 1


def default_cache_dir() -> Path:
    """``$HANDOFF_CACHE_DIR`` when set, else ``~/.cache/handoff``."""
    env = os.environ.get(ENV_CACHE_DIR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "handoff"


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, or of a folder's relative file names and bytes (recursive)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Path):
        return {"file": file_digest(value)}
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        return {
            "array": hashlib.sha256(array.tobytes()).hexdigest(),
            "shape": list(array.shape),
            "dtype": str(array.dtype),
        }
    if isinstance(value, (pd.DataFrame, pd.Series)):
        hashed = pd.util.hash_pandas_object(value, index=True).to_numpy()
        columns = list(map(str, value.columns)) if isinstance(value, pd.DataFrame) else [str(value.name)]
        return {"frame": hashlib.sha256(hashed.tobytes()).hexdigest(), "columns": columns}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot hash a {type(value).__name__} in a cache key; use a Path, array, frame or JSON value")


def cache_key(kind: str, key_parts: Mapping[str, Any]) -> str:
    """The sha256 hex key of a matrix ``kind`` and its ``key_parts`` (see the module docstring)."""
    text = json.dumps(
        {"kind": kind, "version": FORMAT_VERSION, "parts": _canonical(key_parts)},
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def cache_path(kind: str, key_parts: Mapping[str, Any], *, cache_dir: str | Path | None = None) -> Path:
    """Where :func:`cached_matrix` stores the matrix for these inputs."""
    return _file(kind, cache_key(kind, key_parts), cache_dir)


def _file(kind: str, key: str, cache_dir: str | Path | None) -> Path:
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"{kind}-{key}.parquet"


def _read(path: Path) -> np.ndarray | None:
    """The matrix stored at ``path``, or ``None`` when the file is damaged or not ours."""
    try:
        table = pq.read_table(path)
        shape = tuple(json.loads(table.schema.metadata[b"handoff.shape"]))
        if not table.num_columns:
            return np.empty(shape)
        return np.column_stack([c.to_numpy(zero_copy_only=False) for c in table.columns]).reshape(shape)
    except (pa.ArrowException, OSError, KeyError, TypeError, ValueError):
        return None


def cached_matrix(
    kind: str,
    key_parts: Mapping[str, Any],
    compute: Callable[[], np.ndarray],
    *,
    cache_dir: str | Path | None = None,
) -> np.ndarray:
    """Return the 2-D float matrix for ``kind`` and ``key_parts``: from the cache, or ``compute()``.

    A computed matrix is written atomically to ``cache_dir`` (default :func:`default_cache_dir`)
    as parquet, one float64 column per matrix column; NaN (unreachable) is kept. A damaged cache
    file is recomputed and replaced.
    """
    return _stored(kind, cache_path(kind, key_parts, cache_dir=cache_dir), compute)


def _stored(kind: str, path: Path, compute: Callable[[], np.ndarray]) -> np.ndarray:
    """The matrix stored at ``path``, or ``compute()`` written there atomically."""
    if path.is_file():
        stored = _read(path)
        if stored is not None:
            return stored
        log.warning("unreadable cache file %s: recomputing it", path)
    matrix = np.asarray(compute(), dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"{kind}: compute() must return a 2-D matrix, got shape {matrix.shape}")
    table = pa.table({f"c{j}": matrix[:, j] for j in range(matrix.shape[1])})
    meta = {b"handoff.kind": kind.encode(), b"handoff.shape": json.dumps(list(matrix.shape)).encode()}
    table = table.replace_schema_metadata(meta)
    _write_atomically(path, lambda tmp: pq.write_table(table, tmp))
    return matrix


def cached_object(
    kind: str,
    key_parts: Mapping[str, Any],
    compute: Callable[[], Any],
    *,
    cache_dir: str | Path | None = None,
) -> Any:
    """Return the object for ``kind`` and ``key_parts``: unpickled from the cache, or ``compute()``.

    For objects that take long to build from their files and are quick to unpickle: the street
    graph (about 1.8 s CPU from the Pittsburgh CSVs, 0.1 s from the cache). A computed object is
    written atomically to ``cache_dir`` (default :func:`default_cache_dir`); a damaged file is
    rebuilt. The cache folder is trusted like the code (unpickling runs what the file says).
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    path = folder / f"{kind}-{cache_key(kind, key_parts)}.pickle"
    if path.is_file():
        collecting = gc.isenabled()
        gc.disable()  # unpickling a graph makes many small objects: collections only slow it down
        try:
            return pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            log.warning("unreadable cache file %s: rebuilding it", path)
        finally:
            if collecting:
                gc.enable()
    value = compute()
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    _write_atomically(path, lambda tmp: Path(tmp).write_bytes(data))
    return value


def _write_atomically(path: Path, write: Callable[[str], object]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    os.close(handle)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass(frozen=True)
class CachePolicy:
    """Where :class:`MatrixCache` keeps matrices.

    ``memory_cells``: matrix cells (8 bytes each) kept in memory, least recently used dropped
    first (0: none); ``disk``: also keep matrices as parquet files in the cache folder, but only
    those of at least ``disk_min_cells`` cells (smaller ones are quicker to recompute on a built
    network than to write and read).
    """

    memory_cells: int = 4_000_000
    disk: bool = True
    disk_min_cells: int = 1_000

    def __post_init__(self) -> None:
        if self.memory_cells < 0 or self.disk_min_cells < 0:
            raise ValueError("memory_cells and disk_min_cells must not be negative")

    @classmethod
    def on_disk(cls) -> "CachePolicy":
        """Every matrix also on disk, however small (a command's run: the next run reads it back)."""
        return cls(disk_min_cells=0)

    @classmethod
    def in_memory(cls, memory_cells: int = 4_000_000) -> "CachePolicy":
        """Memory only: no matrix is written to or read from disk."""
        return cls(memory_cells=memory_cells, disk=False)


class MatrixCache:
    """Matrices by ``kind`` and key parts, in memory and (per ``policy``) on disk; thread-safe.

    ``cache_dir``: the disk folder (default :func:`default_cache_dir`, read when a file is written).
    Matrices are returned as copies, so a caller may change its own.
    """

    def __init__(self, policy: CachePolicy = CachePolicy(), *, cache_dir: str | Path | None = None):
        self.policy = policy
        self.cache_dir = cache_dir
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cells = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._memory)

    def matrix(
        self, kind: str, key_parts: Mapping[str, Any], compute: Callable[[], np.ndarray], *, cells: int
    ) -> tuple[np.ndarray, bool]:
        """The matrix of ``kind`` and ``key_parts`` (``cells`` = rows x columns it will have), from
        memory, disk or ``compute()``, and whether it came from a cache."""
        key = cache_key(kind, key_parts)
        with self._lock:
            kept = self._memory.get(key)
            if kept is not None:
                self._memory.move_to_end(key)
                return kept.copy(), True
        calls: list[bool] = []

        def counted() -> np.ndarray:
            calls.append(True)
            return compute()

        if self.policy.disk and cells >= self.policy.disk_min_cells:
            matrix = _stored(kind, _file(kind, key, self.cache_dir), counted)
        else:
            matrix = np.asarray(counted(), dtype=float)
        self._keep(key, matrix)
        return matrix.copy(), not calls

    def _keep(self, key: str, matrix: np.ndarray) -> None:
        """Keep ``matrix`` in memory, dropping the least recently used beyond the budget."""
        if matrix.size > self.policy.memory_cells:
            return
        with self._lock:
            if key in self._memory:
                return
            self._memory[key] = matrix.copy()
            self._cells += matrix.size
            while self._cells > self.policy.memory_cells:
                _, dropped = self._memory.popitem(last=False)
                self._cells -= dropped.size
