"""Load every layout of the Truth Social archive into one canonical table of posts.

Layouts, recognised by content (and extension where content is ambiguous):

* archive JSON array ``[{...}, ...]`` (``media`` a list);
* archive CSV (``media`` joined with ``"; "``);
* Parquet (the archive's own, or any table with the same columns);
* JSON Lines captures (one post object per line);
* the daily feed JSON ``{"as_of": ..., "new_posts": [...]}`` -- ``as_of`` is the capture time;
* metrics-only tables of any of these layouts (no ``content``/``media`` columns).

Canonical columns (:data:`POST_COLUMNS`):

============  ==========================================================================
id            post id, string of digits (18-digit snowflakes never pass through a float)
created_at    creation time, tz-aware UTC (microsecond resolution)
content       plain text (HTML stripped, entities unescaped, mojibake repaired); <NA> when
              the source has no content column
url           link to the post; <NA> when the source has none
media         list of media URLs (Arrow list<string>); empty list when none or unknown
media_count   number of media URLs (int64)
replies       replies, non-negative int64        (archive: ``replies_count``)
retruths      re-truths (shares), int64 >= 0      (archive: ``reblogs_count``)
likes         likes, int64 >= 0                   (archive: ``favourites_count``)
kind          original / retruth / quote / media_only / link_only / empty / unknown
capture       label of the capture (source file) the counts come from
captured_at   that capture's time, tz-aware UTC; NaT when the source does not say
============  ==========================================================================

Several captures of the same posts merge into one row per post holding the *latest* capture's
counts. Which capture is latest: when every source carries a capture time (the feed's
``as_of``, or ``retrieved_at`` in a download's provenance record beside the file), the latest
time wins; otherwise the order of the sources wins -- the last source listed is the latest.
The per-capture counts stay available as :attr:`Archive.history`.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .clean import clean_content
from .errors import InputError
from .files import sha256_file
from .rules import all_counts_zero, as_bool_array, classify

COUNT_FIELDS = {"replies_count": "replies", "reblogs_count": "retruths", "favourites_count": "likes"}
REQUIRED_FIELDS = ["id", "created_at", *COUNT_FIELDS]
POST_COLUMNS = ["id", "created_at", "content", "url", "media", "media_count",
                "replies", "retruths", "likes", "kind", "capture", "captured_at"]
HISTORY_COLUMNS = ["id", "capture", "captured_at", "capture_rank", "replies", "retruths", "likes"]
_MEDIA_TYPE = pa.list_(pa.string())


@dataclass
class Capture:
    """One source file as loaded: where it came from and what it held."""

    label: str  # file name, made unique when two sources share one
    path: str
    layout: str  # json / csv / parquet / jsonl / feed
    captured_at: pd.Timestamp | None  # capture time when the source states it, else None
    rows: int = 0  # rows read
    duplicate_ids: int = 0  # extra rows for an id already in this capture (dropped)
    duplicate_ids_differing: int = 0  # ...of which had different counts (higher counts kept)
    sha256: str = ""
    bytes: int = 0
    first_post: pd.Timestamp | None = None
    last_post: pd.Timestamp | None = None
    rank: int = 0  # 0 = earliest capture


@dataclass
class Archive:
    """The result of loading: merged posts, per-capture history and what was done to get there."""

    posts: pd.DataFrame  # one row per post (POST_COLUMNS), newest first
    history: pd.DataFrame  # one row per (post, capture) (HISTORY_COLUMNS)
    captures: list[Capture] = field(default_factory=list)

    @property
    def captures_table(self) -> pd.DataFrame:
        """The captures as a table, earliest first (``captured_at`` NaT when not stated)."""
        table = pd.DataFrame([c.__dict__ for c in sorted(self.captures, key=lambda c: c.rank)])
        table["captured_at"] = pd.to_datetime(table["captured_at"], utc=True)
        return table

    def summary(self) -> str:
        """A few lines saying what was read, merged and dropped."""
        lines = []
        for c in sorted(self.captures, key=lambda c: c.rank):
            when = c.captured_at.isoformat() if c.captured_at is not None else "capture time unknown"
            lines.append(f"{c.label} ({c.layout}, {when}): {c.rows:,} rows")
            if c.duplicate_ids:
                lines.append(f"  {c.duplicate_ids:,} duplicate-id rows dropped "
                             f"({c.duplicate_ids_differing:,} with different counts: higher kept)")
        lines.append(f"{len(self.posts):,} posts after merging {len(self.captures)} capture(s)")
        return "\n".join(lines)


# --------------------------------------------------------------------------- public API


def load_posts(sources, *, ordered_by: str = "auto", content: bool = True) -> pd.DataFrame:
    """Load one or more sources and return the canonical posts table (see module docs)."""
    return load_archive(sources, ordered_by=ordered_by, content=content).posts


def load_archive(sources, *, ordered_by: str = "auto", content: bool = True) -> Archive:
    """Load, validate, clean and merge one or more sources (paths or http(s) URLs).

    ``ordered_by``: ``"auto"`` (capture times when all sources have one, else source order),
    ``"order"`` (source order only) or ``"time"`` (capture times; error if one lacks it).
    ``content=False`` reads only ids, times and counts (what the ratios need), as if every
    source were metrics-only: faster and far smaller for big archives.
    Raises :class:`InputError` for any bad input.
    """
    if isinstance(sources, (str, Path)):
        sources = [sources]
    sources = [str(s) for s in sources]
    if not sources:
        raise InputError("(no source)", "no source given: pass a path or URL")
    frames, captures = [], []
    labels: set[str] = set()
    for src in sources:
        path = _resolve(src)
        frame, cap = read_source(path, content=content)
        label = cap.label
        n = 2
        while label in labels:
            label, n = f"{cap.label}#{n}", n + 1
        cap.label = label
        labels.add(label)
        frames.append(frame)
        captures.append(cap)
    _rank_captures(captures, ordered_by)
    for frame, cap in zip(frames, captures, strict=True):
        frame["capture"] = pd.Series(pd.Categorical.from_codes(
            np.zeros(len(frame), dtype=np.int8), categories=[cap.label]), index=frame.index)
        frame["capture_rank"] = np.full(len(frame), cap.rank, dtype=np.int64)
        frame["captured_at"] = pd.Series(
            np.full(len(frame), np.datetime64("NaT") if cap.captured_at is None
                    else cap.captured_at.tz_localize(None).to_datetime64(), dtype="datetime64[us]"),
            index=frame.index).dt.tz_localize("UTC")
    return _merge(frames, captures)


def read_source(path: Path | str, content: bool = True) -> tuple[pd.DataFrame, Capture]:
    """Read one local file into canonical columns (before merging) and describe it."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found",
                         hint="check the path; to download the public archive run `make download`")
    if path.is_dir():
        raise InputError(path, "is a folder, not a data file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(path, "file is empty (0 bytes)")
    layout = _sniff(path)
    reader = {"json": _read_json_array, "feed": _read_feed, "jsonl": _read_jsonl,
              "csv": _read_csv, "parquet": _read_parquet}[layout]
    wanted = [*REQUIRED_FIELDS, *(["url", "content", "media"] if content else [])]
    with ThreadPoolExecutor(max_workers=1) as pool:  # hash on the other core while parsing
        digest = pool.submit(sha256_file, path)
        table, locate, captured_at = reader(path, wanted)
        frame = canonicalise(table, path, locate)
        cap = Capture(label=path.name, path=str(path), layout=layout, captured_at=captured_at,
                      rows=table.num_rows, sha256=digest.result(), bytes=size)
    if cap.captured_at is None:
        cap.captured_at = _provenance_time(path)
    frame, cap.duplicate_ids, cap.duplicate_ids_differing = _dedupe_within(frame)
    if len(frame):
        cap.first_post, cap.last_post = frame["created_at"].min(), frame["created_at"].max()
    return frame, cap


# --------------------------------------------------------------------------- layouts
#
# Each reader returns (Arrow table of the archive's columns, locate, capture time), where
# locate(i) names the i-th row (0-based) as the file's reader would: "line 12", "row 3".


def _resolve(src: str) -> Path:
    if src.startswith(("http://", "https://")):
        from .download import download  # network only when asked for a URL

        return download(src)
    return Path(src).expanduser()


def _sniff(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] == b"PAR1":
        return "parquet"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise InputError(path, "file is empty (only whitespace)")
    suffix = path.suffix.lower()
    if text[:1] == b"[":
        return "json"
    if text[:1] == b"{":
        if suffix in (".jsonl", ".ndjson"):
            return "jsonl"
        first_line = text.split(b"\n", 1)[0].strip()
        try:
            obj = orjson.loads(first_line)
        except orjson.JSONDecodeError:
            return "feed"  # a pretty-printed object: the feed layout
        return "feed" if isinstance(obj, dict) and "new_posts" in obj else "jsonl"
    if suffix == ".parquet":
        raise InputError(path, "not a Parquet file (no PAR1 magic bytes); truncated download?")
    first_line = text.split(b"\n", 1)[0]
    if b"id" in first_line and b"," in first_line:
        return "csv"
    raise InputError(path, "unknown layout: expected archive JSON/JSON Lines/CSV/Parquet or a "
                           "daily feed file")


def _counter(fmt: str):
    return lambda i: fmt.format(i + 1)


def _duckdb_json(path: Path, fmt: str, wanted: list[str]) -> pa.Table | None:
    """Read a JSON array or JSON Lines file with DuckDB (C++, multi-threaded): every field as
    text (JSON numbers keep their digits), media as a list. None when DuckDB refuses the file;
    the caller then parses it with orjson to say exactly where it is wrong."""
    import duckdb

    columns = {f: ("VARCHAR[]" if f == "media" else "VARCHAR") for f in wanted}
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    con = duckdb.connect(config={"threads": max(1, os.cpu_count() or 1)})
    try:
        return con.sql(f"SELECT * FROM read_json(?, format='{fmt}', columns={spec}, "
                       "maximum_object_size=1073741824)", params=[str(path)]).to_arrow_table()
    except duckdb.Error:
        return None
    finally:
        con.close()


def _json_error(path: Path, err: orjson.JSONDecodeError, *, line: int | None = None) -> InputError:
    line = line or getattr(err, "lineno", None)
    return InputError(path, f"malformed or truncated JSON: {err.msg}",
                      where=f"line {line}" if line else None)


def _records_table(path: Path, records, wanted: list[str], locate) -> pa.Table:
    """Columns from parsed JSON records (the slow, exact path: messy or malformed files)."""
    if not isinstance(records, list):
        raise InputError(path, "expected a JSON array of post objects")
    bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)  # per-row: fallback
    if bad is not None:
        raise InputError(path, "is not a JSON object", where=locate(bad))
    cols = {}
    for f in wanted:
        values = [r.get(f) for r in records]  # per-row: the exact fallback for messy JSON
        if f == "media":
            values = [v if v is None or isinstance(v, list) else str(v) for v in values]
            try:
                cols[f] = pa.array(values, type=_MEDIA_TYPE)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                cols[f] = pa.array([None if v is None else orjson.dumps(v).decode()
                                    if not isinstance(v, str) else v for v in values], pa.string())
        else:
            cols[f] = pa.array([v if v is None or isinstance(v, str) else orjson.dumps(v).decode()
                                for v in values], type=pa.string())
    return pa.table(cols)


def _read_json_array(path: Path, wanted: list[str]):
    locate = _counter("record {}")
    table = _duckdb_json(path, "array", wanted)
    if table is None:
        try:
            records = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as err:
            raise _json_error(path, err) from None
        table = _records_table(path, records, wanted, locate)
    return table, locate, None


def _read_feed(path: Path, wanted: list[str]):
    try:
        obj = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as err:
        raise _json_error(path, err) from None
    if not isinstance(obj, dict) or "new_posts" not in obj:
        raise InputError(path, "unknown layout: a JSON object without 'new_posts'")
    as_of = obj.get("as_of")
    captured = None
    if as_of is not None:
        try:
            captured = pd.Timestamp(as_of)
            captured = captured.tz_localize("UTC") if captured.tz is None else captured.tz_convert("UTC")
        except (ValueError, TypeError):
            raise InputError(path, f"unparseable capture time {as_of!r}", field="as_of") from None
    locate = _counter("new_posts record {}")
    return _records_table(path, obj["new_posts"], wanted, locate), locate, captured


def _jsonl_lines(path: Path) -> np.ndarray:
    """1-based numbers of the non-blank lines (the rows of a JSON Lines file)."""
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    filled = np.flatnonzero(~np.isin(data, np.array([9, 10, 13, 32], dtype=np.uint8)))
    return np.unique(np.searchsorted(ends, filled)) + 1


def _read_jsonl(path: Path, wanted: list[str]):
    def locate(i: int) -> str:  # only called on error: find the physical line
        return f"line {_jsonl_lines(path)[i]}"

    table = _duckdb_json(path, "newline_delimited", wanted)
    if table is None:
        lines = path.read_bytes().split(b"\n")
        records = []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError as err:
                raise _json_error(path, err, line=n) from None
        table = _records_table(path, records, wanted, locate)
    return table, locate, None


def _read_csv(path: Path, wanted: list[str]):
    try:
        names = pacsv.open_csv(path).schema.names
    except Exception as err:  # noqa: BLE001 - pyarrow raises several types for bad CSV
        raise InputError(path, f"malformed or truncated CSV: {err}") from None
    present = [n for n in names if n in wanted]
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in present}, include_columns=present,
                strings_can_be_null=False, quoted_strings_can_be_null=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
        )
    except pa.ArrowInvalid as err:
        raise InputError(path, f"malformed or truncated CSV: {err}") from None
    return table, _counter("row {}"), None


def _read_parquet(path: Path, wanted: list[str]):
    try:
        schema = pq.read_schema(path)
        present = [c for c in schema.names if c in wanted]
        table = pq.read_table(path, columns=present)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(path, f"unreadable Parquet: {err}") from None
    return table, _counter("row {}"), None


def _provenance_time(path: Path) -> pd.Timestamp | None:
    """Retrieval time from the provenance record beside a downloaded file, if there is one."""
    record = path.with_name(path.name + ".provenance.json")
    if not record.exists():
        return None
    try:
        return pd.Timestamp(json.loads(record.read_text())["retrieved_at"]).tz_convert("UTC")
    except (ValueError, KeyError, TypeError):
        return None


# --------------------------------------------------------------------------- validation


def canonicalise(table: pa.Table, path, locate) -> pd.DataFrame:
    """Validate an Arrow table with the archive's column names; return canonical columns.

    Every check runs on whole columns (Arrow compute); the first bad value is reported with
    ``locate(i)`` (its row/line/record) and the field name.
    """
    present = [c for c in table.column_names if table.column(c).null_count < table.num_rows]
    missing = [c for c in REQUIRED_FIELDS if c not in present]
    if table.num_rows == 0:
        raise InputError(path, "holds no posts")
    if missing:
        raise InputError(path, f"missing required column(s) {', '.join(missing)} (absent or "
                               f"empty in every row); columns present: {', '.join(present) or 'none'}")

    def col(name):  # chunked as read (no copy); combined only where a kernel needs it
        return table.column(name) if name in present else None

    n = table.num_rows
    ids = _ids(col("id"), path, locate)
    created = _times(col("created_at"), path, locate)
    counts = {canon: _counts(col(field), path, locate, field)
              for field, canon in COUNT_FIELDS.items()}
    text = col("content")
    # large_string: a big archive's text can pass 2 GB, the limit of Arrow's plain strings
    text = (clean_content(pc.cast(text, pa.large_string()).combine_chunks()) if text is not None
            else pa.nulls(n, pa.large_string()))
    url = col("url")
    url = pc.cast(url, pa.string()) if url is not None else pa.nulls(n, pa.string())
    media = _media(col("media"), n, path)
    if isinstance(media, pa.ChunkedArray):
        media = media.combine_chunks()
    out = pa.table({"id": ids, "created_at": created, "content": text, "url": url,
                    "media": media, "media_count": pc.cast(pc.list_value_length(media), pa.int64()),
                    **counts})
    frame = out.to_pandas(types_mapper={_MEDIA_TYPE: pd.ArrowDtype(_MEDIA_TYPE)}.get)
    media_count = out.column("media_count").to_numpy()
    frame["kind"] = classify(text, media_count, all_counts_zero(frame)).array
    return frame


def _raise_first(arr: pa.Array, bad, path, locate, field_name: str, problem: str, show=None):
    bad = np.asarray(bad, dtype=bool)
    i = int(np.flatnonzero(bad)[0])
    value = arr[i].as_py()
    value = show(value) if show else value
    count = int(bad.sum())
    more = f" ({count - 1:,} more row(s) like it)" if count > 1 else ""
    raise InputError(path, f"{problem}: {value!r}{more}", where=locate(i), field=field_name)


def _digits(s: pa.Array, max_len: int) -> np.ndarray:
    """True where a string is 1..max_len ASCII digits."""
    ok = pc.and_(pc.utf8_is_digit(s), pc.less_equal(pc.utf8_length(s), max_len))
    ok = pc.and_(ok, pc.equal(pc.utf8_length(pc.utf8_trim(s, "0123456789")), 0))  # ASCII only
    return as_bool_array(ok)


def _ids(arr: pa.Array, path, locate) -> pa.Array:
    """Post ids as strings of digits. Floats are refused: they cannot hold 18-digit ids."""
    t = arr.type
    if pa.types.is_floating(t):
        raise InputError(path, "ids are stored as floating-point numbers, which cannot hold "
                               "18-digit ids exactly; store them as strings or integers",
                         field="id")
    if pa.types.is_integer(t):
        bad = ~as_bool_array(pc.greater_equal(arr, 0))
        if bad.any():
            _raise_first(arr, bad, path, locate, "id", "id is not a string of digits")
        return pc.cast(arr, pa.string())
    s = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    bad = ~_digits(s, 20)
    if bad.any():
        _raise_first(arr, bad, path, locate, "id", "id is not a string of digits")
    return s


def _times(arr: pa.Array, path, locate) -> pa.Array:
    """Creation times as tz-aware UTC, parsed by Arrow (ISO 8601, 'Z' or offsets, naive = UTC)."""
    utc = pa.timestamp("us", tz="UTC")
    if arr.null_count:
        _raise_first(arr, as_bool_array(pc.is_null(arr)), path, locate, "created_at", "missing creation time")
    if pa.types.is_timestamp(arr.type):
        if arr.type.tz is None:
            arr = pc.assume_timezone(arr, "UTC")
        return pc.cast(arr, utc)
    s = pc.cast(arr, pa.string())
    try:
        return pc.cast(s, utc)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:
        return pc.assume_timezone(pc.cast(s, pa.timestamp("us")), "UTC")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # mixed forms Arrow refuses as a whole, or a bad value: pandas locates it (error path)
    values = pd.Series(s.to_pandas())
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
    if parsed.isna().any():
        _raise_first(s, parsed.isna().to_numpy(), path, locate, "created_at", "unparseable time")
    return pa.array(parsed.astype("datetime64[us, UTC]"))


def _counts(arr: pa.Array, path, locate, field_name: str) -> pa.Array:
    """Counts as non-negative int64; anything else is an error naming the row."""
    t = arr.type
    if pa.types.is_boolean(t):
        raise InputError(path, "count is true/false, not a number", field=field_name)
    if arr.null_count:
        _raise_first(arr, as_bool_array(pc.is_null(arr)), path, locate, field_name, "missing count")
    if pa.types.is_integer(t):
        bad = ~as_bool_array(pc.greater_equal(arr, 0))
        if bad.any():
            _raise_first(arr, bad, path, locate, field_name, "count is negative")
        return pc.cast(arr, pa.int64())
    if pa.types.is_floating(t):
        v = arr.to_numpy(zero_copy_only=False)
        bad = ~np.isfinite(v) | (v != np.floor(v)) | (v < 0)
        if bad.any():
            _raise_first(arr, bad, path, locate, field_name, "count is not a non-negative integer")
        return pa.array(v.astype(np.int64))
    s = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    bad = ~_digits(s, 18)
    if bad.any():
        negative = as_bool_array(pc.match_substring_regex(s, r"^-[0-9]{1,18}$")) & bad
        if negative.any() and np.flatnonzero(bad)[0] == np.flatnonzero(negative)[0]:
            _raise_first(s, bad, path, locate, field_name, "count is negative", show=int)
        _raise_first(s, bad, path, locate, field_name, "count is not a non-negative integer")
    return pc.cast(s, pa.int64())


def _media(arr: pa.Array | None, n: int, path) -> pa.Array:
    """Media URLs as an Arrow list<string>; CSV's joined text is split; missing = empty list."""
    empty = pa.scalar([], type=_MEDIA_TYPE)
    if arr is None:  # n empty lists, built from offsets (no Python objects)
        return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, dtype=np.int32)),
                                        pa.array([], type=pa.string()))
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        try:
            arr = pc.cast(arr, _MEDIA_TYPE)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
            raise InputError(path, f"media is not a list of URLs: {err}", field="media") from None
        return pc.if_else(pc.is_null(arr), empty, arr)
    text = pc.utf8_trim_whitespace(pc.fill_null(pc.cast(arr, pa.string()), ""))
    # The archive's README says "; "; real CSVs also join with ",". URLs never hold either
    # right before "http", so split there.
    text = pc.replace_substring_regex(text, r"\s*[;,]\s*(https?://)", "\x1f\\1")
    return pc.if_else(pc.equal(text, ""), empty, pc.split_pattern(text, "\x1f"))


# --------------------------------------------------------------------------- merging


def _dedupe_within(frame: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Keep one row per id inside one capture: the one with the higher counts."""
    key = _id_keys(frame["id"])
    if not _has_duplicates(key):
        return frame, 0, 0
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    total = (frame["replies"] + frame["retruths"] + frame["likes"]).to_numpy()
    order = np.lexsort((frame["replies"].to_numpy(), total))
    keep = np.sort(pd.Series(key[order]).drop_duplicates(keep="last").index.to_numpy())
    keep = np.sort(order[keep])
    kept = frame.iloc[keep]
    extra = len(frame) - len(kept)
    dups = frame.loc[dup, ["id", "replies", "retruths", "likes"]]
    differing = int(dups.drop_duplicates().shape[0] - dups["id"].nunique())
    return kept.reset_index(drop=True), extra, max(differing, 0)


def _id_keys(ids: pd.Series) -> np.ndarray:
    """Ids as unsigned 64-bit integers where they fit (all real ids do), else as strings."""
    arr = pa.array(ids)
    try:
        return pc.cast(arr, pa.uint64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return ids.to_numpy(dtype=object)


def _has_duplicates(key: np.ndarray) -> bool:
    """Whether any id repeats. The archive is nearly sorted by time (ids are time-ordered), so a
    stable sort (timsort: linear on sorted runs) and a neighbour comparison beat hashing."""
    if key.dtype == object:
        return bool(pd.Series(key).duplicated().any())
    ordered = np.sort(key, kind="stable")
    return bool((ordered[1:] == ordered[:-1]).any())


def _rank_captures(captures: list[Capture], ordered_by: str) -> None:
    times = [c.captured_at for c in captures]
    if ordered_by not in ("auto", "order", "time"):
        raise ValueError("ordered_by must be 'auto', 'order' or 'time'")
    if ordered_by == "time" and any(t is None for t in times):
        missing = [c.label for c in captures if c.captured_at is None]
        raise InputError(", ".join(missing), "no capture time: cannot order captures by time")
    by_time = ordered_by == "time" or (ordered_by == "auto" and all(t is not None for t in times))
    order = sorted(range(len(captures)), key=lambda i: (times[i], i)) if by_time else range(len(captures))
    for rank, i in enumerate(order):
        captures[i].rank = rank


def _merge(frames: list[pd.DataFrame], captures: list[Capture]) -> Archive:
    if len(frames) == 1:  # one capture: nothing to merge, no sorting of ids
        posts = frames[0]
        history = posts[HISTORY_COLUMNS]
    else:
        labels = [c.label for c in captures]
        for f in frames:
            f["capture"] = f["capture"].cat.set_categories(labels)
        rows = pd.concat(frames, ignore_index=True)
        history = rows[HISTORY_COLUMNS].sort_values(["id", "capture_rank"], kind="stable")
        history = history.reset_index(drop=True)
        rows = rows.sort_values("capture_rank", kind="stable")
        posts = rows.drop_duplicates("id", keep="last").set_index("id", drop=False)
        # text, url and media: from the latest capture that has text (metrics-only have none)
        missing = posts["content"].isna()
        if missing.any() and rows["content"].notna().any():
            known = rows.loc[rows["content"].notna()].drop_duplicates("id", keep="last")
            known = known.set_index("id")
            ids = posts.index[missing].intersection(known.index)
            for col in ("content", "media", "media_count"):
                posts.loc[ids, col] = known.loc[ids, col]
            no_url = posts.index[posts["url"].isna()].intersection(known.index)
            posts.loc[no_url, "url"] = known.loc[no_url, "url"]
        if posts["content"].notna().any():
            posts["kind"] = classify(posts["content"], posts["media_count"].to_numpy(),
                                     all_counts_zero(posts)).to_numpy()
        posts = posts.reset_index(drop=True)
    if not posts["created_at"].is_monotonic_decreasing:
        posts = posts.sort_values("created_at", ascending=False, kind="stable")
    posts = posts[POST_COLUMNS].reset_index(drop=True)
    return Archive(posts=posts, history=history, captures=captures)
