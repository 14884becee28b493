"""Download a snapshot of the public archive: a new dated file under ``data/raw/``, never
overwritten, with a provenance record beside it.

``truth_archive_20260129T101500Z.parquet`` is accompanied by
``truth_archive_20260129T101500Z.parquet.provenance.json`` holding ``url``, ``retrieved_at``
(UTC, ISO 8601), ``sha256``, ``bytes``, ``rows``, ``first_post`` and ``last_post``. The download
itself (streaming, retries, progress bar, hashing) is pooch's.

A parameter set can pin the snapshot it was written for (``snapshot_sha256``): the pin is given
to pooch as its ``known_hash``, so a download with other bytes is refused and removed; and when
``data/raw/`` already holds a verified snapshot with the pinned hash, nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

from .. import paths
from ..errors import InputError
from .files import sha256_file, sidecar, write_text_atomic


def snapshot_name(url: str, when: datetime) -> str:
    """Dated file name for a download: ``<stem>_<YYYYMMDDTHHMMSSZ><suffix>``."""
    name = Path(urlparse(url).path).name or "download"
    stem, dot, suffix = name.partition(".")
    return f"{stem}_{when:%Y%m%dT%H%M%SZ}{dot}{suffix}"


@contextlib.contextmanager
def _quiet_pooch():
    """Hide pooch's info messages (its "use this value as known_hash" advice is for library
    authors, not for someone running ``make download``); warnings still show."""
    import logging

    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def download(url: str = paths.ARCHIVE_URL, raw_dir: Path | None = None,
             progress: bool = True, known_hash: str | None = None) -> Path:
    """Fetch ``url`` into a new dated file in ``raw_dir`` and write its provenance record.

    ``known_hash`` (a sha256 pin, 64 hex digits) is checked by pooch while downloading; when
    ``raw_dir`` already holds a snapshot recorded with that hash, it is returned instead and
    nothing is fetched. Returns the file's path. Offline, on an HTTP error or a hash other than
    the pin, raises :class:`InputError` saying what to do.
    """
    import pooch  # imported here: only the download step needs it

    from .load import read_source

    raw_dir = Path(raw_dir or paths.RAW_DIR)
    if known_hash:
        known_hash = known_hash.lower().removeprefix("sha256:")
        have = pinned_snapshot(known_hash, raw_dir)
        if have is not None:
            return have
    raw_dir.mkdir(parents=True, exist_ok=True)
    when = datetime.now(timezone.utc).replace(microsecond=0)
    fname = snapshot_name(url, when)
    try:
        with _quiet_pooch():
            pooch.retrieve(url, known_hash=f"sha256:{known_hash}" if known_hash else None,
                           fname=fname, path=raw_dir, progressbar=progress and os.isatty(2))
    except ValueError as err:
        if known_hash and "hash" in str(err).lower():
            (raw_dir / fname).unlink(missing_ok=True)
            raise InputError(url, f"the file served now is not the pinned snapshot (sha256 "
                                  f"{known_hash}); nothing was kept",
                             hint="the archive has changed since the parameter set was "
                                  "written: find the pinned file (the set's provenance names "
                                  "it) and pass it with SOURCE=, or clear the set's "
                                  "snapshot_sha256 to analyse the current archive") from None
        raise InputError(url, f"download failed (ValueError: {err})") from None
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
    write_text_atomic(sidecar(path),
                      json.dumps(record, indent=2) + "\n")
    return path


def pinned_snapshot(sha256: str, raw_dir: Path | None = None, stem: str = "truth_archive"
                    ) -> Path | None:
    """The newest dated download in ``raw_dir`` whose provenance record states ``sha256``
    (the record is trusted here; the build re-hashes the file before using it)."""
    raw_dir = Path(raw_dir or paths.RAW_DIR)
    for record in sorted(raw_dir.glob(f"{stem}_*.provenance.json"), reverse=True):
        try:
            recorded = json.loads(record.read_text()).get("sha256")
        except (OSError, ValueError, AttributeError):
            continue
        data = record.with_name(record.name.removesuffix(".provenance.json"))
        if recorded == sha256 and data.is_file():
            return data
    return None


def latest_snapshot(raw_dir: Path | None = None, stem: str = "truth_archive") -> Path | None:
    """The newest dated download of the archive in ``raw_dir`` (by the date in its name)."""
    raw_dir = Path(raw_dir or paths.RAW_DIR)
    found = sorted(p for p in raw_dir.glob(f"{stem}_*.*")
                   if not p.name.endswith(".provenance.json"))
    return found[-1] if found else None
