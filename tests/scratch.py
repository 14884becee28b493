"""A scratch copy of the project for builds isolated from the repository's outputs (tests and
benchmarks)."""

from __future__ import annotations

from pathlib import Path

from ratioed import paths


def scratch_project(dest: Path, root: Path | None = None) -> Path:
    """Copy what a build reads (notebooks, parameters, claims, observations, Makefile, library
    source for Make's dependencies) to ``dest``, for a build isolated from the repository's
    outputs: run it with ``RATIOED_ROOT=dest``. Used by the tests and the benchmarks."""
    import shutil

    root = Path(root or paths.PROJ_ROOT)
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    for folder in ("notebooks", "params", "src"):
        shutil.copytree(root / folder, dest / folder, ignore=ignore)
    (dest / "data" / "raw").mkdir(parents=True)
    for name in ("claims.yaml", "claims-generic.yaml"):  # the story's ledger and the generic one
        shutil.copy(root / "data" / name, dest / "data" / name)
    for name in ("observations.csv", "metrics_2025-07-11_2025-07-19.csv",
                 "metrics_2025-07-11_2025-07-19.csv.provenance.json"):  # the committed inputs
        shutil.copy(root / "data" / "raw" / name, dest / "data" / "raw")
    shutil.copy(root / "Makefile", dest / "Makefile")
    return dest
