"""Disk cache: hits reuse the stored parquet or pickle, any input or parameter change recomputes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geodata.cache import CachePolicy, MatrixCache, cache_path, cached_matrix, cached_object, default_cache_dir


class Counter:
    """A compute function that counts its calls and returns a matrix with a NaN."""

    def __init__(self, value=1.0):
        self.calls = 0
        self.value = value

    def __call__(self):
        self.calls += 1
        return np.array([[self.value, np.nan, 3.0], [4.0, 5.0, 6.0]])


@pytest.fixture
def inputs(tmp_path):
    streets = tmp_path / "streets.osm"
    streets.write_text("<osm/>")
    origins = tmp_path / "origins.csv"
    origins.write_text("id,lon,lat\na,-80,40.4\n")
    return streets, origins


def test_hit_reuses_without_computing(tmp_path, inputs):
    streets, origins = inputs
    compute = Counter()
    parts = {"streets": streets, "origins": origins, "max_minutes": 30.0}
    first = cached_matrix("drive", parts, compute, cache_dir=tmp_path / "cache")
    second = cached_matrix("drive", dict(reversed(parts.items())), compute, cache_dir=tmp_path / "cache")
    assert compute.calls == 1
    assert np.array_equal(first, second, equal_nan=True) and second.shape == (2, 3) and np.isnan(second[0, 1])
    assert cache_path("drive", parts, cache_dir=tmp_path / "cache").is_file()


def test_parameter_change_recomputes(tmp_path, inputs):
    streets, origins = inputs
    compute = Counter()
    for minutes in (30.0, 45.0, 30.0):
        cached_matrix("drive", {"streets": streets, "max_minutes": minutes}, compute, cache_dir=tmp_path)
    assert compute.calls == 2
    cached_matrix("transit", {"streets": streets, "max_minutes": 30.0}, compute, cache_dir=tmp_path)
    assert compute.calls == 3


def test_input_file_change_recomputes(tmp_path, inputs):
    streets, origins = inputs
    parts = {"streets": streets, "origins": origins}
    cached_matrix("drive", parts, Counter(1.0), cache_dir=tmp_path)
    origins.write_text("id,lon,lat\na,-80,40.5\n")  # same path, new content
    changed = Counter(9.0)
    result = cached_matrix("drive", parts, changed, cache_dir=tmp_path)
    assert changed.calls == 1 and result[0, 0] == 9.0


def test_folder_inputs_hash_their_files(tmp_path):
    region = tmp_path / "region"
    region.mkdir()
    (region / "nodes.csv").write_text("osmid,lat,lon\n")
    compute = Counter()
    cached_matrix("drive", {"streets": region}, compute, cache_dir=tmp_path / "c")
    (region / "nodes.csv").write_text("osmid,lat,lon\n1,40,-80\n")
    cached_matrix("drive", {"streets": region}, compute, cache_dir=tmp_path / "c")
    assert compute.calls == 2


def test_arrays_and_frames_are_hashed_by_value(tmp_path):
    compute = Counter()
    xy = np.array([[-80.0, 40.4], [-79.9, 40.5]])
    frame = pd.DataFrame({"id": ["a", "b"], "lon": xy[:, 0]})
    cached_matrix("drive", {"xy": xy, "ids": frame}, compute, cache_dir=tmp_path)
    cached_matrix("drive", {"xy": xy.copy(), "ids": frame.copy()}, compute, cache_dir=tmp_path)
    assert compute.calls == 1
    cached_matrix("drive", {"xy": xy + 1e-9, "ids": frame}, compute, cache_dir=tmp_path)
    assert compute.calls == 2


def test_default_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDOFF_CACHE_DIR", str(tmp_path / "env-cache"))
    assert default_cache_dir() == tmp_path / "env-cache"
    cached_matrix("drive", {"k": 1}, Counter())
    assert len(list((tmp_path / "env-cache").glob("drive-*.parquet"))) == 1
    monkeypatch.delenv("HANDOFF_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "handoff"


def test_bad_key_and_bad_matrix(tmp_path):
    with pytest.raises(TypeError, match="cannot hash"):
        cached_matrix("drive", {"k": object()}, Counter(), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="2-D"):
        cached_matrix("drive", {"k": 2}, lambda: np.zeros(3), cache_dir=tmp_path)
    assert not list(tmp_path.glob("*.parquet")) and not list(tmp_path.glob(".*tmp"))


def test_empty_matrix_round_trip(tmp_path):
    compute = lambda: np.empty((4, 0))  # noqa: E731
    assert cached_matrix("drive", {"k": 3}, compute, cache_dir=tmp_path).shape == (4, 0)
    assert cached_matrix("drive", {"k": 3}, compute, cache_dir=tmp_path).shape == (4, 0)


def test_damaged_cache_file_is_recomputed(tmp_path):
    parts = {"k": 4}
    cached_matrix("drive", parts, Counter(), cache_dir=tmp_path)
    path = cache_path("drive", parts, cache_dir=tmp_path)
    path.write_bytes(b"not parquet at all")
    compute = Counter(7.0)
    assert cached_matrix("drive", parts, compute, cache_dir=tmp_path)[0, 0] == 7.0 and compute.calls == 1
    again = Counter()
    assert cached_matrix("drive", parts, again, cache_dir=tmp_path)[0, 0] == 7.0 and again.calls == 0


def test_memory_cache_drops_the_least_recently_used_beyond_its_cell_budget(tmp_path):
    cache = MatrixCache(CachePolicy(memory_cells=12, disk=False), cache_dir=tmp_path)
    compute = Counter()  # 2 x 3 = 6 cells: two matrices fit
    for key in ("a", "b", "a", "c"):  # "c" drops "b", the least recently used
        cache.matrix("drive", {"k": key}, compute, cells=6)
    assert compute.calls == 3 and len(cache) == 2
    _, hit_a = cache.matrix("drive", {"k": "a"}, compute, cells=6)
    _, hit_b = cache.matrix("drive", {"k": "b"}, compute, cells=6)
    assert hit_a and not hit_b and compute.calls == 4 and not list(tmp_path.iterdir())


def test_disk_holds_only_matrices_of_at_least_the_policys_cells(tmp_path):
    cache = MatrixCache(CachePolicy(disk_min_cells=7), cache_dir=tmp_path)
    cache.matrix("drive", {"k": 1}, Counter(), cells=6)
    assert not list(tmp_path.iterdir())
    cache.matrix("drive", {"k": 2}, Counter(), cells=7)
    assert cache_path("drive", {"k": 2}, cache_dir=tmp_path).is_file()
    fresh = Counter()
    matrix, hit = MatrixCache(CachePolicy(disk_min_cells=7), cache_dir=tmp_path).matrix(
        "drive", {"k": 2}, fresh, cells=7
    )
    assert hit and fresh.calls == 0 and np.array_equal(matrix, Counter()(), equal_nan=True)


def test_objects_are_pickled_once_and_rebuilt_when_an_input_changes(tmp_path, inputs):
    streets, _ = inputs
    calls = []

    def build():
        calls.append(1)
        return {"nodes": [1, 2, 3], "source": streets.read_text()}

    first = cached_object("streets", {"files": streets}, build, cache_dir=tmp_path)
    again = cached_object("streets", {"files": streets}, build, cache_dir=tmp_path)
    assert first == again and len(calls) == 1
    streets.write_text("<osm version='0.6'/>")
    changed = cached_object("streets", {"files": streets}, build, cache_dir=tmp_path)
    assert changed["source"] == "<osm version='0.6'/>" and len(calls) == 2


def test_a_damaged_object_file_is_rebuilt(tmp_path):
    cached_object("streets", {"k": 1}, lambda: [1, 2], cache_dir=tmp_path)
    (damaged,) = tmp_path.glob("streets-*.pickle")
    damaged.write_bytes(b"not a pickle")
    assert cached_object("streets", {"k": 1}, lambda: [3], cache_dir=tmp_path) == [3]
    assert cached_object("streets", {"k": 1}, lambda: [4], cache_dir=tmp_path) == [3]


def test_a_region_reads_its_street_graph_from_the_cache_the_second_time(tmp_path, monkeypatch, demo_region_dir):
    import networkx as nx

    from geodata import load_region, streets

    monkeypatch.setenv("HANDOFF_CACHE_DIR", str(tmp_path / "cache"))
    loaded = load_region(demo_region_dir).streets

    def refuse(*args, **kwargs):
        raise AssertionError("the street files were read again")

    monkeypatch.setattr(streets, "load_street_graph", refuse)
    cached = load_region(demo_region_dir).streets
    assert nx.utils.graphs_equal(loaded, cached) and cached.graph == loaded.graph
    assert list(cached.edges(keys=True, data=True)) == list(loaded.edges(keys=True, data=True))
