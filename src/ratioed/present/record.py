"""What the notebooks record beside their outputs: provenance and the story's numbers.

Notebooks import this module (never the build engine), so an analysis kernel loads neither
nbformat nor papermill.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from .. import __version__, paths
from ..inputs.files import read_sidecar, sidecar, write_text_atomic


def git_commit() -> str:
    """The project's git commit (with ``-dirty`` when files differ), or ``unknown``."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=paths.PROJ_ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=paths.PROJ_ROOT, capture_output=True, text=True).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def publishable_path(path: str | Path) -> str:
    """A path fit to publish: relative to the project root when inside it, else the file's name
    alone (never a reporter's home folder)."""
    path = Path(path)
    try:
        return path.resolve().relative_to(paths.PROJ_ROOT).as_posix()
    except ValueError:
        return path.name


def download_record(path: str | Path) -> dict | None:
    """The download record beside a source (``<file>.provenance.json``, written by ``make
    download``) as published in the provenance: ``file``, ``url``, ``sha256``, ``retrieved_at``;
    ``{"file", "error"}`` when it is unreadable; None when there is none."""
    side = sidecar(path)
    try:
        rec = read_sidecar(path)
    except (OSError, ValueError) as err:
        return {"file": publishable_path(side), "error": type(err).__name__}
    if rec is None:
        return None
    return {"file": publishable_path(side), "url": rec.get("url"), "sha256": rec.get("sha256"),
            "retrieved_at": rec.get("retrieved_at"),
            # who publishes the archive, and when a file was retrieved when no time was
            # recorded ("January 2026"), as the record words them: for the source lines
            **{k: str(rec[k])[:200] for k in ("publisher", "retrieved") if rec.get(k)},
            # a record of a sample (``"whole_file": false``) is not a whole published file
            "whole_file": bool(rec.get("whole_file", True))}


def _lock_sha256() -> str | None:
    lock = getattr(paths, "LOCK_FILE", None)
    if lock is None or not Path(lock).exists():
        return None
    return hashlib.sha256(Path(lock).read_bytes()).hexdigest()


def provenance(archive, params: dict) -> dict:
    """What a report was built from, fit to publish: each source (path relative to the project
    or file name, sha256, bytes, rows, post range, capture time, and for a downloaded snapshot
    its URL and retrieval time), the parameters (source paths made publishable), the package
    version, the git commit and the lock file's sha256. Deterministic: no wall-clock time."""
    caps = []
    for c in sorted(archive.captures, key=lambda c: c.rank):
        record = download_record(c.path)
        caps.append({
            "source": publishable_path(c.path), "layout": c.layout, "sha256": c.sha256,
            "bytes": c.bytes, "rows": c.rows,
            "first_post": c.first_post.isoformat() if c.first_post is not None else None,
            "last_post": c.last_post.isoformat() if c.last_post is not None else None,
            "captured_at": c.captured_at.isoformat() if c.captured_at is not None else None,
            "capture_rank": c.rank,
            "url": (record or {}).get("url"), "retrieved_at": (record or {}).get("retrieved_at"),
            "download_record": record,
        })
    shown = dict(params)
    shown["sources"] = [publishable_path(s) for s in params.get("sources") or []]
    if params.get("observations"):
        shown["observations"] = publishable_path(params["observations"])
    return {"sources": caps, "parameters": shown, "package_version": __version__,
            "git_commit": git_commit(), "python": sys.version.split()[0],
            "lock_sha256": _lock_sha256()}


def record_numbers(section: str, numbers: dict) -> dict:
    """Merge ``numbers`` under ``section`` into ``numbers.json`` (every number the story prints).

    Two notebooks running side by side (a build's two kernels) may both record: the read and
    the rewrite happen under an exclusive lock on the file's folder, so neither loses the
    other's section."""
    import fcntl
    import os

    paths.NUMBERS_JSON.parent.mkdir(parents=True, exist_ok=True)
    folder = os.open(paths.NUMBERS_JSON.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        current = json.loads(paths.NUMBERS_JSON.read_text()) if paths.NUMBERS_JSON.exists() \
            else {}
        current[section] = numbers
        write_text_atomic(paths.NUMBERS_JSON, json.dumps(current, indent=2, sort_keys=True,
                                                          default=str) + "\n")
    finally:
        os.close(folder)  # releases the lock
    return current


def platform(path: Path | None = None) -> str:
    """The platform of this build's input, as notebook 1 recorded it in ``numbers.json``
    (:data:`ratioed.inputs.platforms.PLATFORMS`); Truth Social's when none is recorded."""
    path = path or paths.NUMBERS_JSON
    try:
        load = json.loads(Path(path).read_text(encoding="utf-8")).get("load") or {}
    except (OSError, ValueError):
        load = {}
    return str(load.get("platform") or "truthsocial")


def source_line(tz: str | None = None, path: Path | None = None) -> str:
    """The source line of this build's figures and tables (:func:`ratioed.present.labels.source_line`),
    from the provenance notebook 1 wrote (``data/processed/provenance.json``); "" when there is
    none yet."""
    from . import labels

    path = path or paths.PROVENANCE_JSON
    try:
        prov = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return labels.source_line(prov.get("sources") or [], tz)
