"""Download a snapshot of the public archive: a new dated file under ``data/raw/``, never
overwritten, with a provenance record beside it.

``truth_archive_20260129T101500Z.parquet`` is accompanied by
``truth_archive_20260129T101500Z.parquet.provenance.json`` holding ``url``, ``retrieved_at``
(UTC, ISO 8601), ``sha256``, ``bytes``, ``rows``, ``first_post`` and ``last_post``. The download
itself (streaming, retries, progress bar, hashing) is pooch's.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

from . import paths
from .errors import InputError
from .files import sha256_file, write_text_atomic


def snapshot_name(url: str, when: datetime) -> str:
    """Dated file name for a download: ``<stem>_<YYYYMMDDTHHMMSSZ><suffix>``."""
    name = Path(urlparse(url).path).name or "download"
    stem, dot, suffix = name.partition(".")
    return f"{stem}_{when:%Y%m%dT%H%M%SZ}{dot}{suffix}"


def download(url: str = paths.ARCHIVE_URL, raw_dir: Path | None = None,
             progress: bool = True) -> Path:
    """Fetch ``url`` into a new dated file in ``raw_dir`` and write its provenance record.

    Returns the file's path. Offline or on an HTTP error, raises :class:`InputError` saying how
    to use a local file instead.
    """
    import pooch  # imported here: only the download step needs it

    from .load import read_source

    raw_dir = Path(raw_dir or paths.RAW_DIR)
    raw_dir.mkdir(parents=True, exist_ok=True)
    when = datetime.now(timezone.utc).replace(microsecond=0)
    fname = snapshot_name(url, when)
    try:
        pooch.retrieve(url, known_hash=None, fname=fname, path=raw_dir,
                       progressbar=progress and os.isatty(2))
    except Exception as err:  # noqa: BLE001 - requests/pooch raise many kinds
        raise InputError(url, f"download failed ({type(err).__name__}: {err})",
                         hint="offline? download the file elsewhere and pass its local path, "
                              "e.g. `make report SOURCE=path/to/truth_archive.parquet`") from None
    path = raw_dir / fname
    os.chmod(path, 0o444)  # raw data is immutable
    frame, cap = read_source(path)
    record = {
        "url": url,
        "file": fname,
        "retrieved_at": when.isoformat().replace("+00:00", "Z"),
        "sha256": sha256_file(path),
        "bytes": path.stat().st_size,
        "rows": cap.rows,
        "first_post": cap.first_post.isoformat() if cap.first_post is not None else None,
        "last_post": cap.last_post.isoformat() if cap.last_post is not None else None,
    }
    write_text_atomic(path.with_name(fname + ".provenance.json"),
                      json.dumps(record, indent=2) + "\n")
    return path


def latest_snapshot(raw_dir: Path | None = None, stem: str = "truth_archive") -> Path | None:
    """The newest dated download of the archive in ``raw_dir`` (by the date in its name)."""
    raw_dir = Path(raw_dir or paths.RAW_DIR)
    found = sorted(p for p in raw_dir.glob(f"{stem}_*.*")
                   if not p.name.endswith(".provenance.json"))
    return found[-1] if found else None
