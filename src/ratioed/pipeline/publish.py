"""Publish a build's outputs as one set, one build at a time.

A build writes every output -- ``data/processed/``, ``reports/`` and its own state (executed
notebooks, manifest) -- into a *stage*, ``build/stage-<pid>/``, seeded with a copy of the
published set so notebooks that are not re-run keep their outputs. When every notebook and the
export succeeded, :func:`publish` swaps the three staged folders in for the published ones:

1. each staged folder is brought onto its target's filesystem (copied beside it when ``build/``
   lies on another one), so every swap is a ``rename``;
2. a *journal* (``build/publish.json``) records each swap (staged folder, target, the staged
   folder's inode) before the first one;
3. the folders are swapped with ``renameat2(RENAME_EXCHANGE)`` while SIGINT/SIGTERM/SIGHUP are
   held back; an error undoes the swaps already made and is reported in one line;
4. the journal is removed, then the stage (which now holds the previous set).

A build killed between two swaps (SIGKILL cannot be held back) leaves the journal: the next
build, or ``ratioed clean``, finishes that publish first (:func:`recover`), so the published
folders always end up as one build's whole set. The manifest, written last into the stage, also
records the hash of every published file, and a build says "up to date" only when the files on
disk still match it (:func:`published_files`).

The lock (:func:`build_lock`) is an ``flock`` on the project folder itself, which ``make clean``
cannot delete: two builds, or a build and a clean, never run in one checkout at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import importlib
import json
import os
import shutil
import signal
import sys
from pathlib import Path

from .. import paths
from ..errors import InputError
from ..inputs.files import sha256_file

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class PublishError(InputError):
    """The outputs could not be published (a folder not writable, a full disk...): the previous
    set is left in place, whole."""

    def __init__(self, path: object, err: OSError):
        reason = err.strerror or type(err).__name__
        super().__init__(path, f"cannot publish the build here: {reason}; the previous report "
                         "is left as it was (the new one is kept in build/failed/)")


def _journal() -> Path:
    return paths.BUILD_DIR / "publish.json"


def _holder_file() -> Path:
    return paths.BUILD_DIR / "builder.pid"


@contextlib.contextmanager
def build_lock(wait: bool = True):
    """Hold the checkout's build lock for the duration of the block.

    The lock is an ``flock`` on the project folder itself, so no ``make clean`` can remove it
    while a build runs. A second build prints who holds it and waits (``wait=False``: raises
    :class:`BlockingIOError`). The kernel releases it when the process ends, so a killed build
    never leaves a stale lock. Inside the block, a publish a killed build left half done is
    finished first (:func:`recover`) and stale stages are removed.
    """
    fd = os.open(paths.PROJ_ROOT, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise
            try:
                holder = _holder_file().read_text().strip() or "another process"
            except OSError:
                holder = "another process"
            print(f"another build is running in this checkout ({holder}); waiting for it to "
                  "finish", file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            _holder_file().write_text(f"pid {os.getpid()}\n")
        recover()
        remove_stale_stages()
        yield
    finally:
        os.close(fd)  # releases the lock


def _targets(stage: Path) -> list[tuple[Path, Path]]:
    """The published folders a build replaces, each with where it sits inside a stage."""
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


def remove_stale_stages() -> None:
    """Remove the stages and half-copied folders of builds that were killed (call holding the
    lock: no other build is running, and :func:`recover` has finished any publish)."""
    for old in paths.BUILD_DIR.glob("stage-*"):
        if old != stage_path():
            shutil.rmtree(old, ignore_errors=True)
    for _, published in _targets(paths.BUILD_DIR):
        for old in published.parent.glob(f"{published.name}.incoming-*"):
            shutil.rmtree(old, ignore_errors=True)


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


def published_files(root: Path) -> dict[str, str]:
    """sha256 of every file of the set published under ``root`` (its ``data/processed`` and
    ``reports``), by path relative to ``root``. The manifest keeps this so a build trusts a
    published set only when its files are the ones that build wrote."""
    out = {}
    for folder in ("data/processed", "reports"):
        for p in sorted((root / folder).rglob("*")):
            if p.is_file():
                out[p.relative_to(root).as_posix()] = sha256_file(p)
    return out


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders atomically (Linux renameat2); else two renames (a tiny window)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is not None:
        if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # a real failure
            raise OSError(err, os.strerror(err), str(b))
    tmp = b.with_name(b.name + ".swap")
    os.rename(b, tmp)
    try:
        os.rename(a, b)
    except OSError:
        os.rename(tmp, b)
        raise
    os.rename(tmp, a)


def _swap(staged: Path, published: Path) -> None:
    """Put ``staged`` where ``published`` is; the previous folder ends up at ``staged``. The
    same call undoes it (a first publish, with nothing at ``published`` before: moved back)."""
    if not published.exists():
        os.rename(staged, published)
    elif not staged.exists():
        os.rename(published, staged)
    else:
        _exchange(staged, published)


def _on_target_fs(staged: Path, published: Path) -> Path:
    """``staged``, or a copy of it beside ``published`` when the two lie on different
    filesystems (a rename cannot cross them)."""
    parent = published.parent
    parent.mkdir(parents=True, exist_ok=True)
    if os.stat(staged).st_dev == os.stat(parent).st_dev:
        return staged
    copy = parent / f"{published.name}.incoming-{os.getpid()}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(staged, copy, symlinks=True)
    return copy


def publish(stage: Path) -> None:
    """Swap the stage's folders in for the published ones (see the module's docs); on any OS
    error, undo the swaps made and raise :class:`PublishError`."""
    moves = []
    try:
        for staged, published in _targets(stage):
            ready = _on_target_fs(staged, published)
            moves.append((ready, published, os.stat(ready).st_ino))
    except OSError as err:
        _remove_copies(moves, stage)
        raise PublishError(err.filename or stage, err) from None
    from ..inputs.files import write_text_atomic

    write_text_atomic(_journal(), json.dumps(
        {"stage": str(stage), "moves": [[str(a), str(b), ino] for a, b, ino in moves]}) + "\n")
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        done = []
        try:
            for ready, published, _ in moves:
                _swap(ready, published)
                done.append((ready, published))
        except OSError as err:
            for ready, published in reversed(done):
                _swap(ready, published)
            _journal().unlink()
            _remove_copies(moves, stage)
            raise PublishError(err.filename or published, err) from None
        _journal().unlink()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    _remove_copies(moves, stage)
    shutil.rmtree(stage, ignore_errors=True)


def _remove_copies(moves, stage: Path) -> None:
    for ready, _, *_ in moves:
        if not ready.is_relative_to(stage):
            shutil.rmtree(ready, ignore_errors=True)


def recover() -> str | None:
    """Finish a publish that a killed build left half done (its journal is still there): swap
    in every staged folder not yet swapped, so the published set is that build's whole set; if
    that fails, swap back the ones already in place (the previous build's whole set). Call
    holding the lock. Returns what was done, or None when there was nothing to do."""
    try:
        journal = json.loads(_journal().read_text())
        moves = [(Path(a), Path(b), int(ino)) for a, b, ino in journal["moves"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        _journal().unlink(missing_ok=True)  # unreadable: nothing can be finished from it
        return None

    def swapped(published: Path, ino: int) -> bool:
        try:
            return os.stat(published).st_ino == ino
        except OSError:
            return False

    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        try:
            for ready, published, ino in moves:
                if not swapped(published, ino):
                    _swap(ready, published)
            outcome = "finished the publish of a build that was killed while publishing"
        except OSError:
            for ready, published, ino in reversed(moves):
                if swapped(published, ino):
                    _swap(ready, published)
            outcome = "undid the half-done publish of a build that was killed while publishing"
        _journal().unlink()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
    print(f"ratioed: {outcome}", file=sys.stderr)
    return outcome


def discard(stage: Path) -> Path | None:
    """Keep a failed build's stage as ``build/failed/`` (replacing the previous one)."""
    if not stage.exists():
        return None
    if paths.FAILED_DIR.exists():
        shutil.rmtree(paths.FAILED_DIR, ignore_errors=True)
    os.rename(stage, paths.FAILED_DIR)
    return paths.FAILED_DIR
