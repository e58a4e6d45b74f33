"""A disk cache for travel-time matrices (parquet) and slow-to-load inputs (pickle), keyed by a sha256 of inputs and parameters.

``key_parts`` values are hashed by content: a :class:`pathlib.Path` by the bytes of the file
(every file, recursively, for a folder), numpy arrays and pandas objects by their values, other
values through their JSON form. Changing any input file or parameter changes the key, so the
matrix is recomputed; an unchanged key reuses the stored file. Plain strings are hashed as
text, never read as paths: pass ``Path`` objects for files.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Mapping
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
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return folder / f"{kind}-{cache_key(kind, key_parts)}.parquet"


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
    path = cache_path(kind, key_parts, cache_dir=cache_dir)
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
