"""Publish a build's outputs as a whole, one build at a time.

A build writes every output -- ``data/processed/``, ``reports/`` and its own state (executed
notebooks, manifest) -- into a *stage*, ``build/stage-<pid>/``, seeded with a copy of the
published set so notebooks that are not re-run keep their outputs. Only when every notebook and
the export succeeded is the stage swapped in, folder by folder, with an atomic
``renameat2(RENAME_EXCHANGE)`` (two renames where the kernel lacks it), while SIGINT and SIGTERM
are held back. So:

* a failed or interrupted build leaves the previous set intact and consistent (its stage is kept
  in ``build/failed/`` for inspection);
* readers never see a half-new set (``index.html`` and ``claims.csv`` always come from one build);
* a second build in the same checkout waits for the first (:func:`build_lock`) instead of
  writing into the same folders.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import importlib
import os
import shutil
import signal
import sys
from pathlib import Path

from . import paths

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@contextlib.contextmanager
def build_lock(wait: bool = True):
    """Hold the checkout's build lock (``build/build.lock``) for the duration of the block.

    A second build prints who holds the lock and waits for it (``wait=False``: raises
    :class:`BlockingIOError` instead). The lock is released by the kernel when the process ends,
    so a killed build never leaves a stale lock behind.
    """
    paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    fh = open(paths.BUILD_LOCK, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            if not wait:
                raise
            print(f"another build is running in this checkout ({holder}); waiting for it to "
                  "finish", file=sys.stderr, flush=True)
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        yield
    finally:
        fh.close()  # releases the lock


# the published folders a build replaces, and where each sits inside a stage
def _targets(stage: Path) -> list[tuple[Path, Path]]:
    return [(stage / "data" / "processed", paths.PUBLISHED_PROCESSED_DIR),
            (stage / "reports", paths.PUBLISHED_REPORTS_DIR),
            (stage / "build" / "state", paths.PUBLISHED_STATE_DIR)]


def use_outputs(stage: Path | None) -> None:
    """Point :mod:`ratioed.paths`' output constants at ``stage`` (None: the published folders).

    Sets ``RATIOED_STAGE`` (which the notebook kernel inherits) and reloads the module in place,
    so every ``paths.X`` read afterwards, in this process, sees the new folders.
    """
    if stage is None:
        os.environ.pop("RATIOED_STAGE", None)
    else:
        os.environ["RATIOED_STAGE"] = str(stage)
    importlib.reload(paths)


def stage_path() -> Path:
    """Where this build's stage is (or will be): ``build/stage-<pid>``."""
    return paths.BUILD_DIR / f"stage-{os.getpid()}"


def new_stage(seed: bool = True) -> Path:
    """A fresh stage, seeded with a copy of the published outputs when some notebooks are not
    re-run (they keep their outputs); empty but for the folders' ``.gitkeep`` files when every
    notebook re-runs, so no output of an earlier build (a figure this input no longer draws)
    survives into the new set."""
    stage = stage_path()
    if stage.exists():
        shutil.rmtree(stage)
    for staged, published in _targets(stage):
        if seed and published.exists():
            shutil.copytree(published, staged, symlinks=True)
            continue
        staged.mkdir(parents=True)
        if (published / ".gitkeep").exists():
            (staged / ".gitkeep").touch()
    return stage


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders atomically (Linux renameat2); else two renames (a tiny window)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is not None and fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                             _RENAME_EXCHANGE) == 0:
        return
    tmp = b.with_name(b.name + ".swap")
    os.rename(b, tmp)
    os.rename(a, b)
    os.rename(tmp, a)


def publish(stage: Path) -> None:
    """Swap the stage's folders in for the published ones, with SIGINT/SIGTERM held back, then
    remove the stage (which now holds the previous set)."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        for staged, published in _targets(stage):
            published.parent.mkdir(parents=True, exist_ok=True)
            if published.exists():
                _exchange(staged, published)
            else:
                os.rename(staged, published)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    shutil.rmtree(stage, ignore_errors=True)


def discard(stage: Path) -> Path | None:
    """Keep a failed build's stage as ``build/failed/`` (replacing the previous one)."""
    if not stage.exists():
        return None
    if paths.FAILED_DIR.exists():
        shutil.rmtree(paths.FAILED_DIR, ignore_errors=True)
    os.rename(stage, paths.FAILED_DIR)
    return paths.FAILED_DIR
