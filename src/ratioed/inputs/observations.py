"""The reporters' observations file: readings of a post's counts, by hand, validated like a source.

Columns (a CSV with a header, UTF-8): ``post_id`` (digits, no leading zero), ``observed_at``
(ISO 8601 with a time of day and a zone or offset: when the reporter read the counts, not
before the post's time as its id encodes it),
``replies``, ``retruths``, ``likes`` (whole numbers >= 0, as printed -- rounded readings are
fine), ``source`` (who read them, 1 to 40 characters: it labels a figure) and ``note`` (free text, may be empty). Column
names are matched ignoring case; other columns are refused so a typo is not silently ignored.
Any bad value is an :class:`~ratioed.errors.InputError` naming the file, the row (data rows,
1-based, header not counted) and the field.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..story import COUNTS
from .layouts import _no_field_limit
from .validate import ID_TIME_TOLERANCE, id_times

COLUMNS = ["post_id", "observed_at", "replies", "retruths", "likes", "source", "note"]
MAX_SOURCE = 40  # characters: the label is drawn in figure 4
NOT_OBSERVATIONS = "not an observations CSV: expected columns " + ",".join(COLUMNS)
_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$"


def read_observations(path: Path | str) -> pd.DataFrame:
    """Read and validate the observations file. Returns one row per reading with columns
    :data:`COLUMNS`: ``post_id`` text, ``observed_at`` tz-aware UTC, counts int64, ``source``
    and ``note`` text (``note`` empty string when blank). A file with only a header gives an
    empty table."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "observations file not found",
                         hint="give the reporters' readings as a CSV, see data/raw/observations.csv")
    if path.is_dir():
        raise InputError(path, "is a folder, not an observations file")
    if not path.is_file():  # a device (/dev/zero), a pipe: it could be read for ever
        raise InputError(path, "not a regular file: " + NOT_OBSERVATIONS)
    try:
        data = path.read_bytes()
    except PermissionError:
        raise InputError(path, "permission denied: cannot read the file") from None
    except OSError as err:
        raise InputError(path, f"cannot be read ({err.strerror or type(err).__name__})") from None
    if b"\x00" in data:  # binary data, or /proc/self/environ: never echoed
        raise InputError(path, NOT_OBSERVATIONS + " (it holds NUL bytes: binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise InputError(path, "not UTF-8 text (Latin-1 or Windows-1252?); save it as UTF-8",
                         where=f"line {line}") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        with _no_field_limit():
            rows = list(reader)
    except csv.Error as err:
        raise InputError(path, f"malformed CSV: {err}", where=f"line {reader.line_num}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError(path, "empty: expected a header " + ",".join(COLUMNS))
    header = [h.strip().lower() for h in rows[0]]
    if len(set(header) & set(COLUMNS)) < len(COLUMNS) // 2:
        # not this file's header at all: say what is expected, never what the file holds
        raise InputError(path, NOT_OBSERVATIONS, where="line 1")
    missing = [c for c in COLUMNS if c not in header]
    extra = [h for h in header if h not in COLUMNS]
    dup = sorted({h for h in header if header.count(h) > 1})
    if missing or extra or dup:
        problems = ([f"missing column(s) {', '.join(missing)}"] if missing else []) + \
                   ([f"unknown column(s) {', '.join(h[:40] if h.isprintable() else repr(h[:40]) for h in extra)}"]
                    if extra else []) + \
                   ([f"repeated column(s) {', '.join(dup)}"] if dup else [])
        raise InputError(path, "; ".join(problems) + f" (expected {','.join(COLUMNS)})",
                         where="line 1")
    out = {c: [] for c in COLUMNS}
    for n, row in enumerate(rows[1:], 1):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        where = f"row {n}"
        if len(row) != len(header):
            raise InputError(path, f"{len(row)} fields where the header has {len(header)}",
                             where=where)
        rec = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        if rec["post_id"].lower() == "post_id":
            raise InputError(path, "a repeated header row", where=where, field="post_id")
        pid = rec["post_id"]
        if not (pid.isascii() and pid.isdigit()) or (len(pid) > 1 and pid[0] == "0") or len(pid) > 20:
            raise InputError(path, f"not a post id (digits, no leading zero): {pid[:40]!r}",
                             where=where, field="post_id")
        t = rec["observed_at"]
        if not re.match(_TIME, t):
            raise InputError(path, f"not an ISO 8601 time with a time of day and a zone "
                                   f"(like 2025-07-13T10:45:00-04:00): {t[:40]!r}",
                             where=where, field="observed_at")
        try:
            when = pd.Timestamp(t).tz_convert("UTC")
        except (ValueError, TypeError):
            raise InputError(path, f"not a real time: {t[:40]!r}", where=where,
                             field="observed_at") from None
        if when > pd.Timestamp.now(tz="UTC") + pd.Timedelta(minutes=1):
            raise InputError(path, f"in the future: {t[:40]!r}", where=where, field="observed_at")
        posted = id_times(pd.Series([pid])).iloc[0]  # the post's creation time, from its id
        if pd.notna(posted) and when < posted - ID_TIME_TOLERANCE:
            raise InputError(path, f"before the post was written ({posted:%Y-%m-%d %H:%M} UTC, "
                                   f"from its id): {t[:40]!r}", where=where, field="observed_at")
        for c in COUNTS:
            v = rec[c]
            if not (v.isascii() and v.isdigit()):
                problem = ("negative" if v.startswith("-") and v[1:].isdigit() else
                           "not a whole number >= 0 (write 36000, not 36,000 or 36k)")
                raise InputError(path, f"count is {problem}: {v[:40]!r}", where=where, field=c)
            if len(v) > 18:
                raise InputError(path, f"count is too large: {v[:40]!r}", where=where, field=c)
        if not rec["source"]:
            raise InputError(path, "empty: say who read the counts", where=where, field="source")
        if len(rec["source"]) > MAX_SOURCE:
            raise InputError(path, f"longer than {MAX_SOURCE} characters (it labels a figure; "
                                   f"put details in 'note'): {rec['source'][:50]!r}...",
                             where=where, field="source")
        for c in COLUMNS:
            out[c].append(when if c == "observed_at" else int(rec[c]) if c in COUNTS else rec[c])
    obs = pd.DataFrame(out, columns=COLUMNS)
    obs["observed_at"] = pd.to_datetime(obs["observed_at"], utc=True)
    for c in COUNTS:
        obs[c] = obs[c].astype("int64")
    return obs
