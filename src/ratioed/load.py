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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .clean import classify, clean_content
from .errors import InputError
from .files import sha256_file

COUNT_FIELDS = {"replies_count": "replies", "reblogs_count": "retruths", "favourites_count": "likes"}
REQUIRED_FIELDS = ["id", "created_at", *COUNT_FIELDS]
OPTIONAL_FIELDS = ["content", "url", "media"]
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
        """The captures as a table, earliest first."""
        return pd.DataFrame([c.__dict__ for c in sorted(self.captures, key=lambda c: c.rank)])

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


def load_posts(sources, *, ordered_by: str = "auto") -> pd.DataFrame:
    """Load one or more sources and return the canonical posts table (see module docs)."""
    return load_archive(sources, ordered_by=ordered_by).posts


def load_archive(sources, *, ordered_by: str = "auto") -> Archive:
    """Load, validate, clean and merge one or more sources (paths or http(s) URLs).

    ``ordered_by``: ``"auto"`` (capture times when all sources have one, else source order),
    ``"order"`` (source order only) or ``"time"`` (capture times; error if one lacks it).
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
        frame, cap = read_source(path)
        label = cap.label
        n = 2
        while label in labels:
            label, n = f"{cap.label}#{n}", n + 1
        cap.label = label
        labels.add(label)
        frame["capture"] = label
        frames.append(frame)
        captures.append(cap)
    _rank_captures(captures, ordered_by)
    for frame, cap in zip(frames, captures):
        frame["capture_rank"] = np.int64(cap.rank)
        frame["captured_at"] = pd.Series(pd.NaT if cap.captured_at is None else cap.captured_at,
                                         index=frame.index, dtype="datetime64[us, UTC]")
    return _merge(frames, captures)


def read_source(path: Path | str) -> tuple[pd.DataFrame, Capture]:
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
    layout, head = _sniff(path)
    reader = {"json": _read_json_array, "feed": _read_feed, "jsonl": _read_jsonl,
              "csv": _read_csv, "parquet": _read_parquet}[layout]
    raw, where, captured_at = reader(path)
    cap = Capture(label=path.name, path=str(path), layout=layout, captured_at=captured_at,
                  rows=len(raw), sha256=sha256_file(path), bytes=size)
    if cap.captured_at is None:
        cap.captured_at = _provenance_time(path)
    frame = canonicalise(raw, path, where)
    frame, cap.duplicate_ids, cap.duplicate_ids_differing = _dedupe_within(frame)
    if len(frame):
        cap.first_post, cap.last_post = frame["created_at"].min(), frame["created_at"].max()
    return frame, cap


# --------------------------------------------------------------------------- layouts


def _resolve(src: str) -> Path:
    if src.startswith(("http://", "https://")):
        from .download import download  # network only when asked for a URL

        return download(src)
    return Path(src).expanduser()


def _sniff(path: Path) -> tuple[str, bytes]:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] == b"PAR1":
        return "parquet", head
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise InputError(path, "file is empty (only whitespace)")
    suffix = path.suffix.lower()
    if text[:1] == b"[":
        return "json", head
    if text[:1] == b"{":
        if suffix in (".jsonl", ".ndjson"):
            return "jsonl", head
        first_line = text.split(b"\n", 1)[0].strip()
        try:
            obj = orjson.loads(first_line)
        except orjson.JSONDecodeError:
            return "feed", head  # a pretty-printed object: the feed layout
        return ("feed" if isinstance(obj, dict) and "new_posts" in obj else "jsonl"), head
    if suffix == ".parquet":
        raise InputError(path, "not a Parquet file (no PAR1 magic bytes); truncated download?")
    first_line = text.split(b"\n", 1)[0]
    if suffix in (".csv", ".txt", "") or b"," in first_line:
        if b"id" in first_line and b"," in first_line:
            return "csv", head
    raise InputError(path, "unknown layout: expected archive JSON/JSON Lines/CSV/Parquet or a "
                           "daily feed file")


def _json_error(path: Path, err: orjson.JSONDecodeError, *, line_offset: int = 0) -> InputError:
    line = getattr(err, "lineno", None)
    where = f"line {line + line_offset}" if line else None
    return InputError(path, f"malformed or truncated JSON: {err.msg}", where=where)


def _records_frame(path: Path, records, where_fmt: str) -> pd.DataFrame:
    if not isinstance(records, list):
        raise InputError(path, "expected a JSON array of post objects")
    try:
        frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
        frame.index = pd.RangeIndex(1, len(frame) + 1)  # record numbers, 1-based
        return frame
    except (TypeError, ValueError, AttributeError):
        bad = next(i for i, r in enumerate(records) if not isinstance(r, dict))
        raise InputError(path, "is not a JSON object", where=where_fmt.format(bad + 1)) from None


def _read_json_array(path: Path):
    try:
        records = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as err:
        raise _json_error(path, err) from None
    return _records_frame(path, records, "record {}"), "record {}", None


def _read_feed(path: Path):
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
    where = "new_posts[{}]"
    frame = _records_frame(path, obj["new_posts"], where)
    return frame, "new_posts record {}", captured


def _read_jsonl(path: Path):
    data = path.read_bytes()
    lines = data.split(b"\n")
    keep = [i for i, line in enumerate(lines) if line.strip()]
    body = [lines[i] for i in keep]
    try:  # fast path: parse all lines in one call
        records = orjson.loads(b"[" + b",".join(body) + b"]")
    except orjson.JSONDecodeError:
        records = None
    if records is None or len(records) != len(body):
        for n, i in enumerate(keep):  # slow path, only to locate the bad line
            try:
                orjson.loads(lines[i])
            except orjson.JSONDecodeError as err:
                raise InputError(path, f"malformed or truncated JSON: {err.msg}",
                                 where=f"line {i + 1}") from None
        raise InputError(path, "malformed JSON Lines (a line holds more than one value)")
    frame = _records_frame(path, records, "line {}")
    frame.index = pd.Index(np.asarray(keep, dtype=np.int64) + 1)  # index = physical line number
    return frame, "line {}", None


def _read_csv(path: Path):
    try:
        names = pacsv.open_csv(path).schema.names
    except Exception as err:  # noqa: BLE001 - pyarrow raises several types for bad CSV
        raise InputError(path, f"malformed CSV: {err}") from None
    types = {n: pa.string() for n in names}
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
        )
    except pa.ArrowInvalid as err:
        raise InputError(path, f"malformed or truncated CSV: {err}") from None
    frame = table.to_pandas()
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame, "row {}", None


def _read_parquet(path: Path):
    try:
        schema = pq.read_schema(path)
        wanted = [c for c in schema.names if c in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)]
        table = pq.read_table(path, columns=wanted or None)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(path, f"unreadable Parquet: {err}") from None
    if "media" in table.column_names:
        media = table.column("media")
        if pa.types.is_list(media.type) or pa.types.is_large_list(media.type):
            try:
                media = pc.cast(media, _MEDIA_TYPE)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
                raise InputError(path, f"media is not a list of URLs: {err}",
                                 field="media") from None
            table = table.set_column(table.column_names.index("media"), "media", media)
    frame = table.to_pandas(types_mapper={_MEDIA_TYPE: pd.ArrowDtype(_MEDIA_TYPE)}.get)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame, "row {}", None


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


def canonicalise(raw: pd.DataFrame, path, where: str) -> pd.DataFrame:
    """Validate a raw table (archive column names) and return canonical columns.

    ``raw``'s index must be the row/line/record number used in error messages (``where`` is a
    format string such as ``"line {}"``).
    """
    missing = [c for c in REQUIRED_FIELDS if c not in raw.columns]
    if missing and len(raw):
        raise InputError(path, f"missing required column(s) {', '.join(missing)}; "
                               f"columns present: {', '.join(map(str, raw.columns))}")
    n = len(raw)
    if n == 0:
        raise InputError(path, "holds no posts")
    out = pd.DataFrame(index=raw.index)
    out["id"] = _ids(raw["id"], path, where)
    out["created_at"] = _times(raw["created_at"], path, where)
    if "content" in raw.columns:
        out["content"] = clean_content(_as_str(raw["content"]))
    else:
        out["content"] = pd.Series(pd.NA, index=raw.index, dtype="str")
    out["url"] = _as_str(raw["url"]) if "url" in raw.columns else pd.Series(
        pd.NA, index=raw.index, dtype="str")
    media = _media(raw["media"] if "media" in raw.columns else None, n)
    out["media"] = pd.Series(pd.arrays.ArrowExtensionArray(media), index=raw.index)
    out["media_count"] = pc.list_value_length(media).to_numpy(zero_copy_only=False).astype(np.int64)
    for field_name, col in COUNT_FIELDS.items():
        out[col] = _counts(raw[field_name], path, where, field_name)
    zero = (out["replies"] == 0) & (out["retruths"] == 0) & (out["likes"] == 0)
    out["kind"] = classify(out["content"], out["media_count"], zero)
    return out


def _as_str(col: pd.Series) -> pd.Series:
    if col.dtype == "str":
        return col
    return col.astype("str")


def _first_bad(bad: np.ndarray, col: pd.Series, path, where: str, field_name: str, problem: str):
    i = int(np.flatnonzero(bad)[0])
    value = col.iloc[i]
    value = value.item() if hasattr(value, "item") else value  # numpy scalar -> plain repr
    count = int(bad.sum())
    more = f" ({count - 1:,} more row(s) like it)" if count > 1 else ""
    raise InputError(path, f"{problem}: {value!r}{more}", where=where.format(col.index[i]),
                     field=field_name)


def _ids(col: pd.Series, path, where: str) -> pd.Series:
    """Post ids as strings of digits. Floats are refused: they cannot hold 18-digit ids."""
    if pd.api.types.is_float_dtype(col.dtype):
        raise InputError(path, "ids are stored as floating-point numbers, which cannot hold "
                               "18-digit ids exactly; store them as strings or integers",
                         field="id")
    if pd.api.types.is_integer_dtype(col.dtype):
        bad = (col < 0).to_numpy()
        if bad.any():
            _first_bad(bad, col, path, where, "id", "id is not a string of digits")
        return col.astype("str")
    if col.dtype == object:  # JSON: ints stay exact Python ints; floats are refused below
        is_float = col.map(type).eq(float).to_numpy()  # per-row: type check only
        if is_float.any():
            _first_bad(is_float, col, path, where, "id",
                       "id is a floating-point number (precision lost)")
    s = col.astype("str").str.strip()
    bad = ~s.str.fullmatch(r"[0-9]{1,20}").fillna(False).to_numpy(dtype=bool) | col.isna().to_numpy()
    if bad.any():
        _first_bad(bad, col, path, where, "id", "id is not a string of digits")
    return s


def _times(col: pd.Series, path, where: str) -> pd.Series:
    """Creation times as tz-aware UTC, parsed by Arrow (ISO 8601, 'Z' or offsets, or naive=UTC)."""
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return col.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    if pd.api.types.is_datetime64_dtype(col.dtype):
        return col.dt.tz_localize("UTC").astype("datetime64[us, UTC]")
    if col.isna().any():
        bad = col.isna().to_numpy()
        _first_bad(bad, col, path, where, "created_at", "missing creation time")
    arr = pa.array(col.astype("str").to_numpy(dtype=object), type=pa.string())
    try:
        parsed = pc.cast(arr, pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        try:
            parsed = pc.cast(pc.cast(arr, pa.timestamp("us")), pa.timestamp("us", tz="UTC"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            parsed = None
    if parsed is None:  # locate the bad value (slow path, only on error)
        ok = pd.to_datetime(col, errors="coerce", utc=True, format="ISO8601").notna().to_numpy()
        if ok.all():  # mixed naive/aware or another form Arrow refuses as a whole
            return pd.to_datetime(col, utc=True, format="ISO8601").astype("datetime64[us, UTC]")
        _first_bad(~ok, col, path, where, "created_at", "unparseable time")
    return pd.Series(parsed.to_pandas().array, index=col.index).astype("datetime64[us, UTC]")


def _counts(col: pd.Series, path, where: str, field_name: str) -> pd.Series:
    """Counts as non-negative int64; anything else is an error naming the row."""
    if pd.api.types.is_bool_dtype(col.dtype):
        raise InputError(path, "count is true/false, not a number", field=field_name)
    if pd.api.types.is_integer_dtype(col.dtype) and not col.isna().any():
        bad = (col < 0).to_numpy()
        if bad.any():
            _first_bad(bad, col, path, where, field_name, "count is negative")
        return col.astype(np.int64)
    if pd.api.types.is_float_dtype(col.dtype):
        v = col.to_numpy(dtype=float)
        bad = ~np.isfinite(v) | (v != np.floor(v)) | (v < 0)
        if bad.any():
            _first_bad(bad, col, path, where, field_name, "count is not a non-negative integer")
        return pd.Series(v.astype(np.int64), index=col.index)
    if col.dtype == object:
        bad = col.map(type).isin([float, bool, list, dict]).to_numpy()  # per-row: type check only
        if bad.any():
            _first_bad(bad, col, path, where, field_name, "count is not a non-negative integer")
    s = col.astype("str").str.strip()
    bad = ~s.str.fullmatch(r"[0-9]{1,18}").fillna(False).to_numpy(dtype=bool) | col.isna().to_numpy()
    if bad.any():
        _first_bad(bad, col, path, where, field_name, "count is not a non-negative integer")
    return s.astype(np.int64)


def _media(col: pd.Series | None, n: int) -> pa.ListArray:
    """Media URLs as an Arrow list<string>; CSV's ``"; "``-joined text is split."""
    if col is None:
        return pa.array([[]] * n, type=_MEDIA_TYPE) if n else pa.array([], type=_MEDIA_TYPE)
    if isinstance(col.dtype, pd.ArrowDtype) and pa.types.is_list(col.dtype.pyarrow_dtype):
        arr = pa.chunked_array([col.array._pa_array.combine_chunks()]).combine_chunks()
        arr = pc.cast(arr, _MEDIA_TYPE)
        return pc.if_else(pc.is_null(arr), pa.scalar([], type=_MEDIA_TYPE), arr)
    if col.dtype == "str" or col.map(type).isin([str, type(None)]).all():  # per-row: type check
        text = pa.array(col.astype("str").fillna("").to_numpy(dtype=object), type=pa.string())
        text = pc.utf8_trim_whitespace(text)
        # The archive's README says "; "; real CSVs also join with ",". URLs never hold either
        # right before "http", so split there.
        text = pc.replace_substring_regex(text, r"\s*[;,]\s*(https?://)", "\x1f\\1")
        split = pc.split_pattern(text, "\x1f")
        return pc.if_else(pc.equal(text, ""), pa.scalar([], type=_MEDIA_TYPE), split)
    values = [list(v) if isinstance(v, (list, tuple, np.ndarray)) else
              ([] if v is None or v != v else [str(v)])
              for v in col.to_numpy(dtype=object)]  # per-row: JSON objects are Python already
    return pa.array(values, type=_MEDIA_TYPE)


# --------------------------------------------------------------------------- merging


def _dedupe_within(frame: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Keep one row per id inside one capture: the one with the higher counts."""
    dup = frame["id"].duplicated(keep=False).to_numpy()
    if not dup.any():
        return frame, 0, 0
    total = frame["replies"] + frame["retruths"] + frame["likes"]
    order = np.lexsort((frame["replies"].to_numpy(), total.to_numpy()))
    ranked = frame.iloc[order]
    kept = ranked.drop_duplicates("id", keep="last").sort_index()
    extra = len(frame) - len(kept)
    dups = frame.loc[dup, ["id", "replies", "retruths", "likes"]]
    differing = int(dups.drop_duplicates().shape[0] - dups["id"].nunique())
    return kept, extra, max(differing, 0)


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
    if len(frames) == 1:
        rows = frames[0]
    else:
        rows = pd.concat(frames, ignore_index=True)
    history = rows[HISTORY_COLUMNS].sort_values(["id", "capture_rank"], kind="stable")
    history = history.reset_index(drop=True)
    if len(frames) == 1:
        posts = rows
    else:
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
            zero = (posts["replies"] == 0) & (posts["retruths"] == 0) & (posts["likes"] == 0)
            posts["kind"] = classify(posts["content"], posts["media_count"], zero)
    posts = posts[POST_COLUMNS].sort_values("created_at", ascending=False, kind="stable")
    return Archive(posts=posts.reset_index(drop=True), history=history, captures=captures)
