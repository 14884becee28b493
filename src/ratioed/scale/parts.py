"""Parquet parts, one table split in pieces: found and read for :mod:`ratioed.scale.engines`.

A path is a Parquet file, a folder (every ``*.parquet`` below it) or a glob, local or an fsspec
URL (``s3://bucket/posts/``, ``gs://...``; needs ``s3fs`` / ``gcsfs``) (:func:`find_parts`).
Only five columns are read: ``id``, ``created_at`` and the three counts, under the archive's
names or ratioed's (:data:`SOURCE_NAMES`, :func:`part_columns`), and validated by the loader's
rules (:func:`read_part`); :func:`part_accounts` reads the ``account`` and ``kind`` columns
alone, for choosing the account.
"""

from __future__ import annotations

import glob
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..story import COUNTS

# canonical name -> the names a part may use for it (archive's first)
SOURCE_NAMES = {"id": ("id",), "created_at": ("created_at",),
                "replies": ("replies_count", "replies"), "retruths": ("reblogs_count", "retruths"),
                "likes": ("favourites_count", "likes")}


def find_parts(path: str | Path | list) -> tuple[object, list[str]]:
    """Resolve a file, folder or glob (or a list of them) to ``(filesystem, [part, ...])``.

    ``filesystem`` is None for local paths, else the fsspec filesystem of the URL's protocol.
    Parts are sorted by name. Raises :class:`InputError` when nothing matches.
    """
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    if not paths:
        raise InputError("(no path)", "no path given: pass a Parquet file, folder or glob")
    fs, parts = None, []
    for p in map(str, paths):
        this_fs, found = _find_remote(p) if "://" in p else (None, _find_local(p))
        if parts and (this_fs is None) != (fs is None):
            raise InputError(p, "mixes local and remote paths; give parts from one place")
        fs = this_fs or fs
        parts.extend(found)
    return fs, sorted(dict.fromkeys(parts))


def _find_local(p: str) -> list[str]:
    path = Path(p).expanduser()
    if glob.has_magic(p):
        found = [f for f in glob.glob(str(path), recursive=True) if Path(f).is_file()]
    elif path.is_dir():
        found = [str(f) for f in path.rglob("*.parquet") if f.is_file()]
    elif path.is_file():
        found = [str(path)]
    else:
        raise InputError(p, "no such file or folder")
    if not found:
        raise InputError(p, "matches no Parquet part" + (" (*.parquet)" if path.is_dir() else ""))
    return found


def _find_remote(url: str) -> tuple[object, list[str]]:
    import fsspec

    protocol = url.split("://", 1)[0]
    try:
        fs = fsspec.filesystem(protocol)
    except ImportError as err:
        package = {"s3": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "abfs": "adlfs"}.get(protocol)
        raise InputError(url, f"reading {protocol}:// needs the "
                              f"{package or 'fsspec filesystem'} package, which is not installed",
                         hint=f"pip install {package}" if package else str(err)) from None
    except ValueError:
        raise InputError(url, f"unknown protocol {protocol}://") from None
    try:
        if glob.has_magic(url):
            found = [f for f in fs.glob(url) if fs.isfile(f)]
        elif fs.isdir(url):
            found = [f for f in fs.find(url) if f.endswith(".parquet")]
        elif fs.exists(url):
            found = [url]
        else:
            raise InputError(url, "no such file or folder")
    except (OSError, PermissionError) as err:
        raise InputError(url, f"cannot list: {err}") from None
    if not found:
        raise InputError(url, "matches no Parquet part")
    return fs, [fs.unstrip_protocol(f) if "://" not in f else f for f in found]


def part_columns(part: str, fs=None) -> dict[str, str]:
    """The part's column for each needed field (``{canonical: name in the part}``).

    Reads only the Parquet footer. A missing column is an :class:`InputError` naming the part
    and the field (as the archive names it).
    """
    try:
        names = set(part_schema(part, fs).names)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(part, f"not a readable Parquet file: {err}",
                         hint="for JSON or CSV captures run `ratioed load SRC... --out "
                              "posts.parquet` and flag that") from None
    out = {}
    for canon, options in SOURCE_NAMES.items():
        present = [o for o in options if o in names]
        if not present:
            raise InputError(part, "missing required column", field=options[0])
        out[canon] = present[0]
    return out


def _local(part: str, fs) -> str:
    return fs._strip_protocol(part) if fs is not None else part


_SCHEMAS: dict = {}  # (local part, mtime, size) -> schema: a run reads each footer once


def part_schema(part: str, fs=None) -> pa.Schema:
    """The part's Arrow schema, from its footer (remembered for a local file that has not
    changed since)."""
    if fs is not None:
        return pq.read_schema(_local(part, fs), filesystem=fs)
    import os

    st = os.stat(part)
    key = (part, st.st_mtime_ns, st.st_size, st.st_ino)
    if key not in _SCHEMAS:
        if len(_SCHEMAS) > 10_000:
            _SCHEMAS.clear()
        _SCHEMAS[key] = pq.read_schema(part)
    return _SCHEMAS[key]


def part_names(part: str, fs=None) -> list[str]:
    """Every column name of the part, from its footer."""
    return part_schema(part, fs).names


def read_part(part: str, fs=None, columns: dict[str, str] | None = None,
              account: str | None = None, threads: bool = True) -> pd.DataFrame:
    """One part's ``id``, ``created_at`` and counts, validated by the loader's rules.

    Returns canonical columns: ``id`` (string), ``created_at`` (UTC), counts (int64).
    ``account``: keep only that account's rows when the part has an ``account`` column (one
    without is the archive's, one account). Rows of kind ``boost`` (another account's post,
    from the platform's API layout via ``ratioed load --out``) are never read. ``threads``:
    False decodes the columns on this thread only (a Dask worker with one thread, beside other
    workers on the same cores: Arrow's pool would oversubscribe them).
    """
    import pyarrow.compute as pc

    from ..inputs.layouts import _counter
    from ..inputs.validate import _counts, _ids, _times

    columns = columns or part_columns(part, fs)
    try:
        names = set(part_schema(part, fs).names)
        extra = [c for c in ("account", "kind") if c in names]
        table = pq.read_table(_local(part, fs),
                              columns=list(dict.fromkeys([*columns.values(), *extra])),
                              filesystem=fs, use_threads=threads)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(part, f"unreadable Parquet: {err}") from None
    keep = None
    if "kind" in extra:
        keep = pc.fill_null(pc.not_equal(pc.cast(table.column("kind"), pa.string()), "boost"), True)
    if account is not None and "account" in extra:
        mine = pc.fill_null(pc.equal(pc.cast(table.column("account"), pa.string()), account), False)
        keep = mine if keep is None else pc.and_(keep, mine)
    if keep is not None:
        table = table.filter(keep)
    locate = _counter("row {}")
    col = {canon: table.column(name).combine_chunks() if table.num_rows else
           pa.array([], table.schema.field(name).type) for canon, name in columns.items()}
    out = pa.table({
        "id": _ids(col["id"], part, locate),
        "created_at": _times(col["created_at"], part, locate, *now_bound())[0],
        **{c: _counts(col[c], part, locate, columns[c]) for c in COUNTS}})
    return out.to_pandas(use_threads=threads)


def part_accounts(parts: list[str], fs=None) -> pd.DataFrame:
    """Every row's ``account`` and ``kind`` over the parts, read from those columns alone; a
    part without ``account`` is the archive's one account (:data:`ratioed.inputs.load.STORY_ACCOUNT`),
    one without ``kind`` holds original posts."""
    import numpy as np

    from ..inputs.load import STORY_ACCOUNT

    frames = []
    for p in parts:
        names = set(part_names(p, fs))
        cols = [c for c in ("account", "kind") if c in names]
        if cols:
            t = pq.read_table(_local(p, fs), columns=cols, filesystem=fs).to_pandas()
            n = len(t)
        else:  # neither column: the row count from the footer, no data read
            t, n = {}, pq.read_metadata(_local(p, fs), filesystem=fs).num_rows
        # a missing column is one value repeated: numpy's fill, not a scalar broadcast by
        # pandas into an Arrow string column (0.3 s for 4M rows, paid by every engine)
        frames.append(pd.DataFrame({
            "account": (t["account"].astype(object).fillna(STORY_ACCOUNT).to_numpy()
                        if "account" in t else np.full(n, STORY_ACCOUNT, dtype=object)),
            "kind": (t["kind"].astype(object).to_numpy() if "kind" in t
                     else np.full(n, "original", dtype=object))}))
    return pd.concat(frames, ignore_index=True)


def now_bound():
    """The latest plausible creation time for parts with no capture time: the time of reading
    (plus the loader's allowance for clock differences), as the loader does."""
    from ..inputs.validate import CLOCK_SKEW

    return pd.Timestamp.now(tz="UTC") + CLOCK_SKEW, "now"

