"""Writing derived files atomically, and hashing inputs.

Every derived file is written to a temporary file in the same folder and moved into place with
``os.replace``, so a crash never leaves a half-written file and readers see either the old or the
new version. When the new bytes equal the file already there, the file is left untouched (its
modification time too), so Make does not rebuild what depends on it.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

import pandas as pd


def write_bytes_atomic(path: Path | str, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically; return False when the file already held ``data``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_text_atomic(path: Path | str, text: str) -> bool:
    """Write UTF-8 text atomically (see :func:`write_bytes_atomic`)."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_csv_atomic(df: pd.DataFrame, path: Path | str, **kwargs) -> bool:
    """Write a DataFrame as UTF-8 CSV (no index, ``\\n`` line ends) atomically."""
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    return write_text_atomic(path, df.to_csv(**kwargs))


def write_parquet_atomic(df: pd.DataFrame, path: Path | str) -> bool:
    """Write a DataFrame as Parquet (pyarrow, zstd) atomically."""
    buf = io.BytesIO()
    df.to_parquet(buf, engine="pyarrow", compression="zstd", index=False)
    return write_bytes_atomic(path, buf.getvalue())


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
