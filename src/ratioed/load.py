"""Load every layout of the Truth Social archive into one canonical table of posts.

Local files only (URLs are downloaded by the caller: :mod:`ratioed.download`). Layouts, read by
:mod:`ratioed.layouts` and recognised by content (gzip-compressed and UTF-16 copies too):

* archive JSON array ``[{...}, ...]`` (``media`` a list);
* archive CSV (``media`` joined with ``"; "``);
* Parquet (the archive's own, or any table with the same columns);
* JSON Lines captures (one post object per line);
* the daily feed JSON ``{"as_of": ..., "new_posts": [...]}`` -- ``as_of`` is the capture time;
* metrics-only tables of any of these layouts (no ``content``/``media`` columns);
* the platform's own API layout (Truth Social's API is Mastodon's): pages of Mastodon Status
  entities, as JSON arrays or JSON Lines, possibly several accounts (:func:`select_account`).

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
kind          original / retruth / quote / media_only / link_only / empty / unknown; from
              the platform's API layout also boost / reply (:data:`ratioed.rules.KINDS`)
account       the author's ``acct`` (API layout, or an ``account`` column);
              :data:`STORY_ACCOUNT` for the archive's flat layouts, which name none
capture       label of the capture (source file) the counts come from
captured_at   that capture's time, tz-aware UTC; NaT when the source does not say
============  ==========================================================================

Several captures of the same posts merge into one row per post holding the *latest* capture's
counts. Which capture is latest: when every source carries a capture time (the feed's
``as_of``, or ``retrieved_at`` in a download's provenance record beside the file), the latest
time wins; otherwise the order of the sources wins -- the last source listed is the latest.
The per-capture counts stay available as :attr:`Archive.history`.

Input rules (each refused with file, row/line/record and field; README "Bad input"): ids are
canonical digit strings (no leading zero, at most 2**64 - 1); times are ISO 8601 with a time of
day, from February 2022 to the capture time (or now) plus a minute -- times without a zone are
read as UTC and counted (:attr:`Capture.zoneless_times`); counts are whole numbers from 0 to
2**63 - 1; text fields hold text, never a JSON object or list. Every post's ``created_at`` is
checked against the time in its id (:func:`id_time_check`) and disagreements are reported.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import layouts
from .clean import clean_content
from .errors import InputError
from .files import sha256_file
from .layouts import _MEDIA_TYPE, ISO_TIME, TRUTH_SOCIAL_START, ZONE_SUFFIX
from .rules import BOOST, KINDS, REPLY, all_counts_zero, as_bool_array, classify

COUNT_FIELDS = {"replies_count": "replies", "reblogs_count": "retruths", "favourites_count": "likes"}
REQUIRED_FIELDS = ["id", "created_at", *COUNT_FIELDS]
POST_COLUMNS = ["id", "created_at", "content", "url", "media", "media_count",
                "replies", "retruths", "likes", "kind", "account", "capture", "captured_at"]
STORY_ACCOUNT = "realDonaldTrump"  # the archive's one account: its flat layouts name no account
HISTORY_COLUMNS = ["id", "capture", "captured_at", "capture_rank", "replies", "retruths", "likes"]
ID_TIME_TOLERANCE = pd.Timedelta(minutes=1)  # created_at vs the time in the id (see id_times)
CLOCK_SKEW = pd.Timedelta(minutes=1)  # a post may be this much later than its capture time
_MAX_ID = 2**64 - 1  # ids are 64-bit snowflakes
_MAX_COUNT = "9223372036854775807"  # 2**63 - 1, the largest int64


@dataclass
class Capture:
    """One source file as loaded: where it came from and what it held."""

    label: str  # file name, made unique when two sources share one
    path: str
    layout: str  # json / csv / parquet / jsonl / feed (+ " (gzip)" / " (UTF-16)" when wrapped)
    captured_at: pd.Timestamp | None  # capture time when the source states it, else None
    rows: int = 0  # rows read
    duplicate_ids: int = 0  # extra rows for an id already in this capture (dropped)
    duplicate_ids_differing: int = 0  # ...of which had different counts (higher counts kept)
    sha256: str = ""
    bytes: int = 0
    first_post: pd.Timestamp | None = None
    last_post: pd.Timestamp | None = None
    rank: int = 0  # 0 = earliest capture
    zoneless_times: int = 0  # created_at values written without a zone (read as UTC)
    id_time_mismatches: int = 0  # posts whose created_at is > 1 minute from their id's time


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

    @property
    def zoneless_times(self) -> int:
        """Rows, over all captures, whose creation time was written without a zone (read as UTC)."""
        return sum(c.zoneless_times for c in self.captures)

    def counts_fell(self) -> pd.DataFrame:
        """Posts whose latest capture (the one whose counts win) has a lower reply, re-truth
        or like count than an earlier capture: ``id``, the latest counts and the earlier peak
        (``peak_replies`` ...). Counts only grow on the platform, so each is a capture to doubt;
        they are counted and shown, and the latest capture still wins (the rule stays one)."""
        counts = ["replies", "retruths", "likes"]
        h = self.history
        if h.empty or h["capture_rank"].nunique() < 2:
            return pd.DataFrame(columns=["id", *counts, *(f"peak_{c}" for c in counts)])
        latest = h.drop_duplicates("id", keep="last").set_index("id")[counts]
        peak = h.groupby("id", sort=False)[counts].max().loc[latest.index]
        fell = (latest.to_numpy() < peak.to_numpy()).any(axis=1)
        out = latest[fell].join(peak[fell].add_prefix("peak_"))
        return out.reset_index()

    def id_time_mismatches(self) -> pd.DataFrame:
        """The merged posts whose ``created_at`` differs from their id's time by more than a
        minute (see :func:`id_times`): ``id, created_at, id_time, difference`` (largest first)."""
        return id_time_check(self.posts)

    def summary(self) -> str:
        """A few lines saying what was read, merged, dropped, assumed and found doubtful."""
        lines = []
        for c in sorted(self.captures, key=lambda c: c.rank):
            when = c.captured_at.isoformat() if c.captured_at is not None else "capture time unknown"
            lines.append(f"{c.label} ({c.layout}, {when}): {c.rows:,} rows")
            if c.duplicate_ids:
                lines.append(f"  {c.duplicate_ids:,} duplicate-id rows dropped "
                             f"({c.duplicate_ids_differing:,} with different counts: higher kept)")
        lines.append(f"{len(self.posts):,} posts after merging {len(self.captures)} capture(s)")
        found = accounts_table(self.posts)
        if len(found) > 1 or found["boosts"].sum() or found["replies"].sum():
            lines.append("accounts: " + "; ".join(
                f"@{r.account}: {r.posts:,} post(s), {r.boosts:,} boost(s) of other accounts' "
                f"posts (excluded from the analysis), {r.replies:,} repl(ies) to others"
                for r in found.itertuples()))  # per-row: one line per account
        fell = self.counts_fell()
        if len(fell):
            lines.append(f"counts lower in the latest capture than in an earlier one (the latest "
                         f"kept): {len(fell):,} post(s), e.g. {fell['id'].iloc[0]}")
        lines.append(f"times without a time zone (read as UTC): {self.zoneless_times:,} row(s)")
        bad = self.id_time_mismatches()
        line = (f"created_at more than a minute away from the time in the post's id: "
                f"{len(bad):,} post(s)")
        if len(bad):
            ex = bad.head(3)
            line += " (e.g. " + "; ".join(
                f"{r.id}: {r.created_at:%Y-%m-%d %H:%M:%S}Z vs id "
                + (f"{r.id_time:%Y-%m-%d %H:%M:%S}Z" if pd.notna(r.id_time) else "after 2262")
                for r in ex.itertuples()) + ")"  # per-row: three examples
        lines.append(line)
        return "\n".join(lines)


def _id_ms(ids, key: np.ndarray | None = None) -> np.ndarray:
    """Milliseconds since the epoch encoded in each id (int64); ``key``: ids already as uint64."""
    key = _id_keys(pd.Series(ids)) if key is None else key
    if key.dtype == object:  # not reachable for validated ids (they fit 64 bits)
        key = np.array([int(k) for k in key], dtype=np.uint64)
    return (key >> np.uint64(16)).astype(np.int64)


# the last millisecond pandas' times hold (April 2262): a larger id time (ids near 2**64 encode
# years past 10000) could be neither converted nor printed, so it is NaT (no time), never a crash
_MAX_ID_MS = pd.Timestamp.max.value // 1_000_000


def _id_datetimes(ms: np.ndarray) -> pd.DatetimeIndex:
    """Milliseconds since 1970 as UTC times; past April 2262, NaT."""
    return pd.to_datetime(pd.Series(ms).where(ms <= _MAX_ID_MS), unit="ms", utc=True)


def id_times(ids) -> pd.Series:
    """The creation time encoded in each post id (Truth Social and Mastodon snowflakes):
    ``int(id) >> 16`` is milliseconds since the Unix epoch. UTC, millisecond resolution; NaT
    for an id whose time would lie past April 2262."""
    return pd.Series(_id_datetimes(_id_ms(ids)).to_numpy(), index=getattr(ids, "index", None))


def _id_time_gaps(posts: pd.DataFrame, key: np.ndarray | None = None) -> np.ndarray:
    """``created_at`` minus the id's time, in ms (int64), vectorised."""
    created = posts["created_at"].dt.tz_convert(None).to_numpy()  # UTC, no copy per value
    created = created.astype("datetime64[ms]").view(np.int64)
    return created - _id_ms(posts["id"], key)


def id_time_check(posts: pd.DataFrame, tolerance: pd.Timedelta = ID_TIME_TOLERANCE) -> pd.DataFrame:
    """Posts whose ``created_at`` is more than ``tolerance`` from the time in their id:
    ``id, created_at, id_time, difference`` (``created_at - id_time``), largest gap first.
    On the real samples every post is within 0.25 s of its id's time."""
    gap = _id_time_gaps(posts)
    far = np.flatnonzero(np.abs(gap) > tolerance // pd.Timedelta(milliseconds=1))
    far = far[np.argsort(-np.abs(gap[far]), kind="stable")]
    ids = posts["id"].to_numpy()[far]
    return pd.DataFrame({
        "id": ids, "created_at": posts["created_at"].iloc[far].to_numpy(),
        "id_time": _id_datetimes(_id_ms(ids)).to_numpy(),
        "difference": pd.to_timedelta(gap[far], unit="ms"),
    })


# --------------------------------------------------------------------------- public API


def load_posts(sources, *, ordered_by: str = "auto", content: bool = True) -> pd.DataFrame:
    """Load one or more sources and return the canonical posts table (see module docs)."""
    return load_archive(sources, ordered_by=ordered_by, content=content).posts


def load_archive(sources, *, ordered_by: str = "auto", content: bool = True) -> Archive:
    """Load, validate, clean and merge one or more local files.

    ``ordered_by``: ``"auto"`` (capture times when all sources have one, else source order),
    ``"order"`` (source order only) or ``"time"`` (capture times; error if one lacks it).
    ``content=False`` reads only ids, times and counts (what the ratios need), as if every
    source were metrics-only: faster and far smaller for big archives.
    URLs are refused: download them first (:func:`ratioed.download.download`; the CLI and the
    build do it). Raises :class:`InputError` for any bad input.
    """
    if isinstance(sources, (str, Path)):
        sources = [sources]
    sources = [str(s) for s in sources]
    if not sources:
        raise InputError("(no source)", "no source given: pass a path")
    frames, captures, texts = [], [], []
    labels: set[str] = set()
    for src in sources:
        if src.startswith(("http://", "https://")):
            raise InputError(src, "is a URL: the loader reads local files",
                             hint="download it first with `ratioed download URL`; "
                                  "`ratioed load` and `make report` download URLs themselves")
        frame, cap, text = _read(Path(src).expanduser(), content)
        label = cap.label
        n = 2
        while label in labels:
            label, n = f"{cap.label}#{n}", n + 1
        cap.label = label
        labels.add(label)
        frames.append(frame)
        captures.append(cap)
        texts.append(text)
    _rank_captures(captures, ordered_by)
    for frame, cap in zip(frames, captures, strict=True):
        frame["capture"] = pd.Series(pd.Categorical.from_codes(
            np.zeros(len(frame), dtype=np.int8), categories=[cap.label]), index=frame.index)
        frame["capture_rank"] = np.full(len(frame), cap.rank, dtype=np.int64)
        frame["captured_at"] = pd.Series(
            np.full(len(frame), np.datetime64("NaT") if cap.captured_at is None
                    else cap.captured_at.tz_localize(None).to_datetime64(), dtype="datetime64[us]"),
            index=frame.index).dt.tz_localize("UTC")
    return _merge(frames, captures, texts[0] if len(texts) == 1 else None)


def read_source(path: Path | str, content: bool = True) -> tuple[pd.DataFrame, Capture]:
    """Read one local file into canonical columns (before merging, not yet classified) and
    describe it."""
    frame, cap, _ = _read(Path(path), content)
    return frame, cap


def _read(path: Path, content: bool):
    """(frame, capture, Arrow text of the kept rows or None) for one local file."""
    try:
        if not path.exists():
            raise InputError(path, "file not found",
                             hint="check the path; to download the public archive run `make download`")
        if path.is_dir():
            raise InputError(path, "is a folder, not a data file")
        size = path.stat().st_size
        if size == 0:
            raise InputError(path, "file is empty (0 bytes)")
        layout = layouts.sniff(path)
        if layout in ("gzip", "utf16"):
            with tempfile.TemporaryDirectory(prefix="ratioed-") as tmp:
                plain = layouts.unwrap(path, layout, Path(tmp))
                try:
                    frame, cap, text = _read(plain, content)
                except InputError as err:  # name the file the user gave, not the copy
                    how = "as gunzipped" if layout == "gzip" else "read as UTF-16"
                    raise InputError(f"{path} ({how})",
                                     err.problem, where=err.where, field=err.field,
                                     hint=err.hint) from None
            cap.label, cap.path = path.name, str(path)
            cap.layout += " (gzip)" if layout == "gzip" else " (UTF-16)"
            cap.sha256, cap.bytes = sha256_file(path), size
            if cap.captured_at is None:
                cap.captured_at = layouts.provenance_time(path)
            return frame, cap, text
        wanted = [*REQUIRED_FIELDS, "account", *(["url", "content", "media"] if content else [])]
        with ThreadPoolExecutor(max_workers=1) as pool:  # hash on the other core while parsing
            digest = pool.submit(sha256_file, path)
            table, locate, captured_at = layouts.READERS[layout](path, wanted)
            if captured_at is None:
                captured_at = layouts.provenance_time(path)
            try:
                frame, text, zoneless = canonicalise(table, path, locate, captured_at=captured_at)
            except InputError as err:
                if err.problem.startswith("missing required column") and layout in (
                        "json", "jsonl", "feed"):
                    _case_hint(path, layout, err)
                raise
            cap = Capture(label=path.name, path=str(path), layout=layout, captured_at=captured_at,
                          rows=table.num_rows, sha256=digest.result(), bytes=size,
                          zoneless_times=zoneless)
    except PermissionError:
        raise InputError(path, "permission denied: cannot read the file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a data file") from None
    key = _id_keys(frame["id"])
    frame, cap.duplicate_ids, cap.duplicate_ids_differing, kept = _dedupe_within(frame, key)
    if kept is not None and text is not None:
        text = text.take(pa.array(kept))
    if len(frame):
        cap.first_post, cap.last_post = frame["created_at"].min(), frame["created_at"].max()
        gap = _id_time_gaps(frame, key if kept is None else key[kept])
        cap.id_time_mismatches = int((np.abs(gap) > ID_TIME_TOLERANCE // pd.Timedelta(milliseconds=1)).sum())
    return frame, cap, text


def _case_hint(path: Path, layout: str, err: InputError) -> None:
    """A JSON file whose keys differ from the archive's only in case (``ID``): say so."""
    keys = layouts.first_keys(path, layout)
    near = [k for k in keys if k.lower() in REQUIRED_FIELDS and k not in REQUIRED_FIELDS]
    if near:
        raise InputError(path, f"{err.problem}; JSON keys are matched exactly and the first post "
                               f"has {', '.join(map(repr, near))}",
                         hint="rename them in lower case: " + ", ".join(k.lower() for k in near)
                         ) from None


# --------------------------------------------------------------------------- validation

_EXPECTED = {
    "id": "digits (text or an integer)",
    "created_at": "an ISO 8601 time (text or a timestamp)",
    "content": "text", "url": "text",
    "media": "a list of URLs (or CSV text joined with ';')", "account": "text",
    **{f: "a whole number (an integer or digits as text)" for f in COUNT_FIELDS},
}


def _type_ok(name: str, t: pa.DataType) -> bool:
    if pa.types.is_null(t):
        return True
    text = pa.types.is_string(t) or pa.types.is_large_string(t)
    if name == "id":
        return text or pa.types.is_integer(t) or pa.types.is_floating(t)  # floats refused later
    if name == "created_at":
        return text or pa.types.is_timestamp(t)
    if name in COUNT_FIELDS:
        return text or pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
    if name == "media":
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            v = t.value_type
            return pa.types.is_string(v) or pa.types.is_large_string(v) or pa.types.is_null(v)
        return text
    return text


def canonicalise(table: pa.Table, path, locate, captured_at: pd.Timestamp | None = None):
    """Validate an Arrow table with the archive's column names; return ``(frame, text,
    zoneless)``: canonical columns (``kind`` not yet set), the cleaned text as Arrow, and how
    many creation times had no zone.

    Every check runs on whole columns (Arrow compute); the first bad value is reported with
    ``locate(i)`` (its row/line/record) and the field name. Creation times must lie between
    February 2022 and the capture time (or, when the source states none, now), plus a minute.
    """
    for name in table.column_names:  # dictionary-encoded (categorical) columns: their values
        t = table.schema.field(name).type
        if pa.types.is_dictionary(t):
            table = table.set_column(table.column_names.index(name), name,
                                     pc.cast(table.column(name), t.value_type))
        if name in _EXPECTED and not _type_ok(name, table.schema.field(name).type):
            raise InputError(path, f"column type {table.schema.field(name).type} where "
                                   f"{_EXPECTED[name]} belongs", field=name)
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
    upper = (captured_at if captured_at is not None else pd.Timestamp.now(tz="UTC")) + CLOCK_SKEW
    created, zoneless = _times(col("created_at"), path, locate, upper,
                               "the capture time" if captured_at is not None else "now")
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
    account = col("account")
    account = (pc.utf8_trim_whitespace(pc.cast(account, pa.string())) if account is not None
               else pa.nulls(n, pa.string()))
    status_kind = col("status_kind")
    status_kind = (pc.cast(status_kind, pa.string()) if status_kind is not None
                   else pa.nulls(n, pa.string()))
    out = pa.table({"id": ids, "created_at": created, "content": text, "url": url,
                    "media": media, "media_count": pc.cast(pc.list_value_length(media), pa.int64()),
                    **counts, "account": account, "status_kind": status_kind})
    frame = out.to_pandas(types_mapper={_MEDIA_TYPE: pd.ArrowDtype(_MEDIA_TYPE)}.get)
    return frame, text, zoneless


def _raise_first(arr: pa.Array, bad, path, locate, field_name: str, problem: str, show=None):
    bad = np.asarray(bad, dtype=bool)
    i = int(np.flatnonzero(bad)[0])
    value = arr[i].as_py()
    if value is None or value == "":
        problem = "missing value"  # an empty CSV cell
    else:
        value = show(value) if show else value
    count = int(bad.sum())
    more = f" ({count - 1:,} more row(s) like it)" if count > 1 else ""
    shown = "" if problem == "missing value" else f": {value!r}"
    raise InputError(path, f"{problem}{shown}{more}", where=locate(i), field=field_name)


def _digits(s: pa.Array, max_len: int) -> np.ndarray:
    """True where a string is 1..max_len ASCII digits."""
    ok = pc.and_(pc.utf8_is_digit(s), pc.less_equal(pc.utf8_length(s), max_len))
    ok = pc.and_(ok, pc.equal(pc.utf8_length(pc.utf8_trim(s, "0123456789")), 0))  # ASCII only
    return as_bool_array(ok)


def _ids(arr: pa.Array, path, locate) -> pa.Array:
    """Post ids as canonical strings of digits: no sign, no leading zero (``0123`` and ``123``
    would be two posts), at most 2**64 - 1. Floats are refused: they cannot hold 18-digit ids."""
    t = arr.type
    if pa.types.is_floating(t):
        raise InputError(path, "ids are stored as floating-point numbers, which cannot hold "
                               "18-digit ids exactly; store them as strings or integers",
                         field="id")
    if pa.types.is_integer(t):
        if pa.types.is_signed_integer(t):
            bad = ~as_bool_array(pc.greater_equal(arr, pa.scalar(0, t)))
            if bad.any():
                _raise_first(arr, bad, path, locate, "id", "id is not a string of digits")
        return pc.cast(arr, pa.string())
    s = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    bad = ~_digits(s, 20)
    if bad.any():
        _raise_first(arr, bad, path, locate, "id", "id is not a string of digits")
    zeros = as_bool_array(pc.and_(pc.starts_with(s, "0"), pc.greater(pc.utf8_length(s), 1)))
    if zeros.any():
        _raise_first(s, zeros, path, locate, "id", "id has a leading zero (ids are written "
                     "without one; 0123 and 123 would count as two posts)")
    big = as_bool_array(pc.and_(pc.equal(pc.utf8_length(s), 20), pc.greater(s, str(_MAX_ID))))
    if big.any():
        _raise_first(s, big, path, locate, "id", "id is too large for a 64-bit post id")
    return s


def _times(arr, path, locate, upper: pd.Timestamp, upper_name: str) -> tuple[pa.Array, int]:
    """Creation times as tz-aware UTC and how many were written without a zone (read as UTC).

    Text must be ISO 8601 with a time of day (``2025-07-12T21:21:29.285Z``, ``... +00:00``);
    words (``now``, ``today``), numbers and dates without a time are refused. Times must lie
    from February 2022 (Truth Social's start) to ``upper``.
    """
    utc = pa.timestamp("us", tz="UTC")
    if arr.null_count:
        _raise_first(arr, as_bool_array(pc.is_null(arr)), path, locate, "created_at",
                     "missing creation time")
    n = len(arr)
    if pa.types.is_timestamp(arr.type):
        zoneless = n if arr.type.tz is None else 0
        if arr.type.tz is None:
            arr = pc.assume_timezone(arr, "UTC")
        try:
            out = pc.cast(arr, utc)
        except pa.ArrowInvalid:  # nanoseconds that do not fit microseconds, or out of range
            out = pc.cast(arr, utc, safe=False)
        _time_bounds(out, arr, path, locate, upper, upper_name)
        return out, zoneless
    s = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    out = None
    try:
        out, zoneless = pc.cast(s, utc), 0  # every value has Z or an offset
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if out is None and pc.min(pc.utf8_length(s)).as_py() >= 16:  # has a time of day
        try:
            out, zoneless = pc.assume_timezone(pc.cast(s, pa.timestamp("us")), "UTC"), n
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    if out is None:
        # mixed forms Arrow refuses as a whole, or a bad value (error path): ISO 8601 only
        shaped = as_bool_array(pc.match_substring_regex(s, ISO_TIME))
        if not shaped.all():
            _raise_first(s, ~shaped, path, locate, "created_at",
                         "unparseable time, expected ISO 8601 with a time of day such as "
                         "2025-07-12T21:21:29Z")
        zoned = as_bool_array(pc.match_substring_regex(s, ZONE_SUFFIX))
        zoneless = int((~zoned).sum())
        values = pd.Series(s.to_pandas())
        parsed = pd.to_datetime(values, errors="coerce", utc=True, format="ISO8601")
        if parsed.isna().any():
            _raise_first(s, parsed.isna().to_numpy(), path, locate, "created_at",
                         "not a real time")
        out = pa.array(parsed.astype("datetime64[us, UTC]"))
    _time_bounds(out, s, path, locate, upper, upper_name)
    return out, zoneless


def _time_bounds(t: pa.Array, shown, path, locate, upper: pd.Timestamp, upper_name: str) -> None:
    if len(t) == t.null_count:  # no times (an empty part): nothing to bound
        return
    lo, hi = pc.min_max(t).values()
    if lo.as_py() < TRUTH_SOCIAL_START.to_pydatetime():
        _raise_first(shown, as_bool_array(pc.less(t, pa.scalar(TRUTH_SOCIAL_START, t.type))),
                     path, locate, "created_at",
                     "before Truth Social began (February 2022): not a plausible post time")
    if hi.as_py() > upper.to_pydatetime():
        _raise_first(shown, as_bool_array(pc.greater(t, pa.scalar(upper, t.type))), path, locate,
                     "created_at", f"later than {upper_name} ({upper - CLOCK_SKEW:%Y-%m-%d %H:%M}"
                     " UTC): not a plausible post time")


def _counts(arr: pa.Array, path, locate, field_name: str) -> pa.Array:
    """Counts as non-negative int64; anything else is an error naming the row."""
    t = arr.type
    if pa.types.is_boolean(t):
        raise InputError(path, "count is true/false, not a number", field=field_name)
    if arr.null_count:
        _raise_first(arr, as_bool_array(pc.is_null(arr)), path, locate, field_name, "missing count")
    if pa.types.is_integer(t):
        if pa.types.is_signed_integer(t):
            bad = ~as_bool_array(pc.greater_equal(arr, pa.scalar(0, t)))
            if bad.any():
                _raise_first(arr, bad, path, locate, field_name, "count is negative")
        if pa.types.is_uint64(t):
            big = as_bool_array(pc.greater(arr, pa.scalar(int(_MAX_COUNT), pa.uint64())))
            if big.any():
                _raise_first(arr, big, path, locate, field_name,
                             "count is too large (more than 2**63 - 1)")
        return pc.cast(arr, pa.int64())
    if pa.types.is_floating(t):
        v = arr.to_numpy(zero_copy_only=False)
        bad = ~np.isfinite(v) | (v != np.floor(v)) | (v < 0)
        if bad.any():
            _raise_first(arr, bad, path, locate, field_name, "count is not a non-negative integer")
        big = v >= 2.0**63
        if big.any():
            _raise_first(arr, big, path, locate, field_name, "count is too large (more than 2**63 - 1)")
        return pa.array(v.astype(np.int64))
    s = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    bad = ~_digits(s, 19)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        value = s[first].as_py() or ""
        if value.startswith("-") and value[1:].isdigit():
            _raise_first(s, bad, path, locate, field_name, "count is negative", show=int)
        if value.isascii() and value.isdigit():
            _raise_first(s, bad, path, locate, field_name, "count is too large (more than 2**63 - 1)")
        _raise_first(s, bad, path, locate, field_name, "count is not a non-negative integer")
    big = as_bool_array(pc.and_(pc.equal(pc.utf8_length(s), 19), pc.greater(s, _MAX_COUNT)))
    if big.any():
        _raise_first(s, big, path, locate, field_name, "count is too large (more than 2**63 - 1)")
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


def _dedupe_within(frame: pd.DataFrame, key: np.ndarray):
    """Keep one row per id inside one capture: the one with the higher counts. Returns
    ``(frame, rows dropped, ids whose rows differed in counts, positions kept or None)``."""
    if not _has_duplicates(key):
        return frame, 0, 0, None
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    total = (frame["replies"] + frame["retruths"] + frame["likes"]).to_numpy()
    order = np.lexsort((frame["replies"].to_numpy(), total))
    keep = np.sort(pd.Series(key[order]).drop_duplicates(keep="last").index.to_numpy())
    keep = np.sort(order[keep])
    kept = frame.iloc[keep]
    extra = len(frame) - len(kept)
    dups = frame.loc[dup, ["id", "replies", "retruths", "likes"]]
    differing = int(dups.drop_duplicates().shape[0] - dups["id"].nunique())
    return kept.reset_index(drop=True), extra, max(differing, 0), keep


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


def _merge(frames: list[pd.DataFrame], captures: list[Capture], text: pa.Array | None) -> Archive:
    """Merge captures (the latest capture's counts win) and classify every post, once.
    ``text``: the cleaned Arrow text of a single capture (saves a pandas-to-Arrow copy)."""
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
        posts = posts.reset_index(drop=True)
    kind = classify(text if text is not None else posts["content"],
                    posts["media_count"].to_numpy(), all_counts_zero(posts))
    stated = posts["status_kind"].to_numpy()  # the API's own word: boost or reply
    if pd.notna(stated).any():
        kind = kind.to_numpy().astype(object)
        for k in (BOOST, REPLY):
            kind[stated == k] = k
        kind = pd.Categorical(kind, categories=KINDS)
    posts["kind"] = np.asarray(kind)
    posts["account"] = posts["account"].fillna(STORY_ACCOUNT).astype(object)
    if not posts["created_at"].is_monotonic_decreasing:
        posts = posts.sort_values("created_at", ascending=False, kind="stable")
    posts = posts[POST_COLUMNS].reset_index(drop=True)
    return Archive(posts=posts, history=history, captures=captures)


# --------------------------------------------------------------------------- accounts


def accounts_table(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts per account (``account``, ``posts``, ``boosts``, ``replies``), most posts first;
    boosts and replies to others are counted under the account that posted them."""
    kind = posts["kind"].astype(object)
    table = pd.DataFrame({"account": posts["account"].astype(object),
                          "boosts": (kind == BOOST).to_numpy(), "replies": (kind == REPLY).to_numpy()})
    out = table.groupby("account", sort=False).agg(
        posts=("boosts", "size"), boosts=("boosts", "sum"), replies=("replies", "sum"))
    out = out.reset_index().sort_values(["posts", "account"], ascending=[False, True])
    return out.reset_index(drop=True).astype({"posts": "int64", "boosts": "int64",
                                              "replies": "int64"})


def _listed(table: pd.DataFrame) -> str:
    return "; ".join(f"@{r.account}: {r.posts:,} post(s)"
                     for r in table.itertuples())  # per-row: one entry per account


def select_account(posts: pd.DataFrame, account: str | None, source: str = "the input"
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The posts of one account, and the table of every account found (:func:`accounts_table`).

    ``account`` is matched, ignoring case and a leading ``@``, on the ``acct`` (``bob`` or
    ``bob@example.social``) or the username (``acct`` before any ``@``). ``None`` or ``""``
    keeps the only account there is; several accounts and no ``account`` is an
    :class:`InputError` listing each with its post count, as is a name matching none or more
    than one of them."""
    found = accounts_table(posts)
    if not account:
        if len(found) > 1:
            raise InputError(source, f"holds posts of {len(found)} accounts ({_listed(found)}): "
                                     "choose one", field="account",
                             hint="set ACCOUNT=name (make report), --account name (ratioed "
                                  "flag) or `account:` in the parameter set")
        return posts, found
    want = account.strip().lstrip("@").lower()
    acct = found["account"].str.lower()
    match = found.loc[(acct == want) | (acct.str.split("@").str[0] == want), "account"].tolist()
    if len(match) != 1:
        problem = (f"no account matches {account!r}" if not match else
                   f"{account!r} matches {len(match)} accounts ({', '.join(match)}): give the "
                   "full acct (user@domain)")
        raise InputError(source, f"{problem}; accounts found: {_listed(found)}", field="account",
                         hint="the name given by ACCOUNT (make report), --account (ratioed "
                              "flag) or `account:` in the parameter set")
    return posts.loc[posts["account"] == match[0]].copy(), found
