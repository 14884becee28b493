"""What the notebooks record beside their outputs: provenance and the story's numbers.

Notebooks import this module (never the build engine), so an analysis kernel loads neither
nbformat nor papermill.
"""

from __future__ import annotations

import json
import subprocess
import sys

from . import __version__, paths
from .files import write_text_atomic


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


def provenance(archive, params: dict) -> dict:
    """What a report was built from: sources (hash, rows, post range, capture time), parameters,
    package version and git commit."""
    caps = []
    for c in sorted(archive.captures, key=lambda c: c.rank):
        caps.append({
            "source": c.path, "layout": c.layout, "sha256": c.sha256, "bytes": c.bytes,
            "rows": c.rows, "first_post": c.first_post.isoformat() if c.first_post is not None else None,
            "last_post": c.last_post.isoformat() if c.last_post is not None else None,
            "captured_at": c.captured_at.isoformat() if c.captured_at is not None else None,
            "capture_rank": c.rank,
        })
    return {"sources": caps, "parameters": params, "package_version": __version__,
            "git_commit": git_commit(), "python": sys.version.split()[0]}


def record_numbers(section: str, numbers: dict) -> dict:
    """Merge ``numbers`` under ``section`` into ``numbers.json`` (every number the story prints)."""
    current = json.loads(paths.NUMBERS_JSON.read_text()) if paths.NUMBERS_JSON.exists() else {}
    current[section] = numbers
    write_text_atomic(paths.NUMBERS_JSON, json.dumps(current, indent=2, sort_keys=True,
                                                      default=str) + "\n")
    return current
