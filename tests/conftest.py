"""Shared fixtures. Real samples live beside the project in ../shared/data/truthsocial/."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "truthsocial"


WEEK = ROOT / "data" / "raw" / "metrics_2025-07-11_2025-07-19.csv"


@pytest.fixture(scope="session")
def week() -> Path:
    """The story's week, committed as evidence (real data: 107 posts, 11-19 July 2025)."""
    assert WEEK.exists(), f"{WEEK} is committed evidence and must exist"
    return WEEK


@pytest.fixture
def project_copy(tmp_path) -> Path:
    """A copy of what a build reads, for a build isolated from the project's outputs (run it
    with ``RATIOED_ROOT`` set to this folder): :func:`ratioed.pipeline.build.copy_project`."""
    from ratioed.pipeline.build import copy_project

    return copy_project(tmp_path / "project", ROOT)


@pytest.fixture(scope="session")
def shared() -> Path:
    """The folder of real archive samples; tests using it skip when it is absent."""
    if not (SHARED / "metrics_2025-07-11_2025-07-19.csv").exists():
        pytest.skip(f"real data samples not found at {SHARED} (they sit beside the project, "
                    "in ../shared/data/truthsocial/, on the newsroom's machines only)")
    return SHARED


# The two tiers: `make test-unit` runs what needs no kernel, no browser and no cluster (`-m
# "not slow and not cluster"`); `make test` runs everything. A test that uses a Dask cluster
# (the `cluster` fixture, or the dask engine, which starts its own) is marked here.
def pytest_collection_modifyitems(items):
    for item in items:
        if "cluster" in getattr(item, "fixturenames", ()) or "dask" in item.name:
            item.add_marker(pytest.mark.cluster)
