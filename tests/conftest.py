"""Shared fixtures: the real public data folder (skipped when absent)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("HANDOFF_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data folder of real public data; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real public data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_region_dir(tmp_path_factory) -> Path:
    """A small generated demo region folder (seed 7), written once per test session."""
    from geodata.demo import write_demo_region

    folder = tmp_path_factory.mktemp("demo-region")
    write_demo_region(folder, scale="small", seed=7)
    return folder
