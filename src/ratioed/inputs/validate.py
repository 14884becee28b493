"""Validation of the archive's columns: each source's Arrow table becomes canonical columns,
or an :class:`InputError` naming the file, the row/line/record and the field.

Input rules (each refused with file, row/line/record and field; README "Bad input"): ids are
canonical digit strings (no leading zero, at most 2**64 - 1); times are ISO 8601 with a time of
day, from February 2022 to the capture time (or now) plus a minute -- times without a zone are
read as UTC and counted (:attr:`ratioed.inputs.load.Capture.zoneless_times`); counts are whole numbers
from 0 to 2**63 - 1; text fields hold text, never a JSON object or list. Every post's
``created_at`` is checked against the time in its id (:func:`id_time_check`) and disagreements
are reported.

Checks run on whole Arrow columns with cheap kernels; the detail of an error (which row, what
value, why) is only worked out once a check has failed. Also here: the time in a post's id
(:func:`id_times`) and ids as 64-bit integers (duplicates, id times).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from . import platforms
from .checks import as_account
from .clean import clean_content
from .layouts import _MEDIA_TYPE, ISO_TIME, TRUTH_SOCIAL_START, ZONE_SUFFIX, _brief
from .rules import as_bool_array

COUNT_FIELDS = {"replies_count": "replies", "reblogs_count": "retruths", "favourites_count": "likes"}
REQUIRED_FIELDS = ["id", "created_at", *COUNT_FIELDS]
ID_TIME_TOLERANCE = pd.Timedelta(minutes=1)  # created_at vs the time in the id (see id_times)
CLOCK_SKEW = pd.Timedelta(minutes=1)  # a post may be this much later than its capture time
_MAX_ID = 2**64 - 1  # ids are 64-bit snowflakes
_MAX_COUNT = "9223372036854775807"  # 2**63 - 1, the largest int64


def _id_ms(ids, key: np.ndarray | None = None, platform: str = platforms.TRUTHSOCIAL
           ) -> np.ndarray:
    """Milliseconds since the epoch encoded in each id (int64); ``key``: ids already as uint64;
    ``platform``: whose ids (:func:`ratioed.inputs.platforms.id_ms`)."""
    key = _id_keys(pd.Series(ids)) if key is None else key
    if key.dtype == object:  # not reachable for validated ids (they fit 64 bits)
        key = np.array([int(k) for k in key], dtype=np.uint64)
    return platforms.id_ms(key, platform)


# the last millisecond pandas' times hold (April 2262): a larger id time (ids near 2**64 encode
# years past 10000) could be neither converted nor printed, so it is NaT (no time), never a crash
_MAX_ID_MS = pd.Timestamp.max.value // 1_000_000


def _id_datetimes(ms: np.ndarray) -> pd.DatetimeIndex:
    """Milliseconds since 1970 as UTC times; past April 2262, NaT."""
    return pd.to_datetime(pd.Series(ms).where(ms <= _MAX_ID_MS), unit="ms", utc=True)


def id_times(ids, platform: str = platforms.TRUTHSOCIAL) -> pd.Series:
    """The creation time encoded in each post id: on Truth Social and Mastodon (snowflakes)
    ``int(id) >> 16`` is milliseconds since the Unix epoch; other platforms: see
    :mod:`ratioed.inputs.platforms`. UTC, millisecond resolution; NaT for an id whose time
    would lie past April 2262."""
    return pd.Series(_id_datetimes(_id_ms(ids, platform=platform)).to_numpy(),
                     index=getattr(ids, "index", None))


def _platform_groups(posts: pd.DataFrame):
    """``(platform, positions or None for all rows)`` for each platform in ``posts`` (a table
    without a ``platform`` column is Truth Social's)."""
    col = posts.get("platform")
    if col is None or not len(col):
        return [(platforms.TRUTHSOCIAL, None)]
    values = col.astype(object).to_numpy() if not isinstance(col.dtype, pd.CategoricalDtype) \
        else None
    if values is None:  # categorical (the loader's): its categories are the platforms
        cats = list(col.cat.categories)
        if len(cats) == 1:  # one platform (every file the loader reads)
            return [(cats[0], None)]
        codes = col.cat.codes.to_numpy()
        used = np.unique(codes)
        if len(used) == 1:
            return [(cats[used[0]] if used[0] >= 0 else platforms.TRUTHSOCIAL, None)]
        return [(cats[c] if c >= 0 else platforms.TRUTHSOCIAL, np.flatnonzero(codes == c))
                for c in used]
    found = pd.unique(values)
    if len(found) == 1:
        return [(found[0] if isinstance(found[0], str) else platforms.TRUTHSOCIAL, None)]
    return [(p if isinstance(p, str) else platforms.TRUTHSOCIAL,
             np.flatnonzero(values == p) if isinstance(p, str) else np.flatnonzero(pd.isna(values)))
            for p in found]


def _id_time_gaps(posts: pd.DataFrame, key: np.ndarray | None = None) -> np.ndarray:
    """``created_at`` minus the id's time, in ms (int64), vectorised, on each post's platform;
    0 where the id carries no time of the post (:func:`unchecked_id_times`)."""
    created = posts["created_at"].dt.tz_convert(None).to_numpy()  # UTC, no copy per value
    created = created.astype("datetime64[ms]").view(np.int64)  # a new array: subtract in place
    key = _id_keys(posts["id"]) if key is None else key
    if key.dtype == object:
        key = np.array([int(k) for k in key], dtype=np.uint64)
    account = posts.get("account")
    for platform, rows in _platform_groups(posts):
        k = key if rows is None else key[rows]
        ms = platforms.id_ms(k, platform)
        checked = platforms.id_checked(
            k, platform, None if account is None else
            (account if rows is None else account.iloc[rows]))
        if rows is None:
            created -= ms
            if checked is not None:
                created[~checked] = 0
        else:
            gap = created[rows] - ms
            if checked is not None:
                gap[~checked] = 0
            created[rows] = gap
    return created


def unchecked_id_times(posts: pd.DataFrame) -> int:
    """Posts whose id carries no time of their own, so their time is not checked against it:
    remote statuses in a Mastodon or Truth Social dump (their local id says when this server
    received them), tweets older than X's snowflake ids."""
    account = posts.get("account")
    n = 0
    for platform, rows in _platform_groups(posts):
        if platform not in (platforms.X, platforms.MASTODON, platforms.TRUTHSOCIAL):
            continue
        if platform != platforms.X and account is None:
            continue
        ids = posts["id"] if rows is None else posts["id"].iloc[rows]
        acc = None if account is None else (account if rows is None else account.iloc[rows])
        checked = platforms.id_checked(_id_keys(ids), platform, acc)
        if checked is not None:
            n += int((~checked).sum())
    return n


def id_time_check(posts: pd.DataFrame, tolerance: pd.Timedelta = ID_TIME_TOLERANCE) -> pd.DataFrame:
    """Posts whose ``created_at`` is more than ``tolerance`` from the time in their id:
    ``id, created_at, id_time, difference`` (``created_at - id_time``), largest gap first.
    On the real samples every post is within 0.25 s of its id's time. Ids that carry no time
    of the post (remote Mastodon statuses, pre-snowflake tweets) are not checked."""
    gap = _id_time_gaps(posts)
    far = np.flatnonzero(np.abs(gap) > tolerance // pd.Timedelta(milliseconds=1))
    far = far[np.argsort(-np.abs(gap[far]), kind="stable")]
    ids = posts["id"].to_numpy()[far]
    id_ms = np.zeros(len(far), dtype=np.int64)
    for platform, rows in _platform_groups(posts.iloc[far]):
        sel = slice(None) if rows is None else rows
        id_ms[sel] = _id_ms(pd.Series(ids[sel]), platform=platform)
    return pd.DataFrame({
        "id": ids, "created_at": posts["created_at"].iloc[far].to_numpy(),
        "id_time": _id_datetimes(id_ms).to_numpy(),
        "difference": pd.to_timedelta(gap[far], unit="ms"),
    })


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


def canonicalise(table: pa.Table, path, locate, captured_at: pd.Timestamp | None = None,
                 platform: str = platforms.TRUTHSOCIAL):
    """Validate an Arrow table with the archive's column names; return ``(frame, text,
    zoneless, key)``: canonical columns (``kind`` not yet set), the cleaned text as Arrow, how
    many creation times had no zone, and the ids as uint64 (numpy; see :func:`_ids_keyed`).

    Every check runs on whole columns (Arrow compute); the first bad value is reported with
    ``locate(i)`` (its row/line/record) and the field name. Creation times must lie between
    February 2022 (or ``platform``'s own start: :data:`ratioed.inputs.platforms.STARTS`) and
    the capture time (or, when the source states none, now), plus a minute.
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
    ids, key = _ids_keyed(col("id"), path, locate)
    upper = (captured_at if captured_at is not None else pd.Timestamp.now(tz="UTC")) + CLOCK_SKEW
    created, zoneless = _times(col("created_at"), path, locate, upper,
                               "the capture time" if captured_at is not None else "now",
                               platforms.STARTS.get(platform, platforms.STARTS[platforms.TRUTHSOCIAL]))
    counts = {canon: _counts(col(field), path, locate, field)
              for field, canon in COUNT_FIELDS.items()}
    text = col("content")
    # large_string: a big archive's text can pass 2 GB, the limit of Arrow's plain strings
    text = (clean_content(pc.cast(text, pa.large_string()).combine_chunks()) if text is not None
            else pa.nulls(n, pa.large_string()))
    # text columns as large_string, which pandas' str holds (it would cast plain strings)
    big = pa.large_string()
    url = col("url")
    url = pc.cast(url, big) if url is not None else pa.nulls(n, big)
    media = _media(col("media"), n, path)
    if isinstance(media, pa.ChunkedArray):
        media = media.combine_chunks()
    account = col("account")
    account = (_accounts(pc.utf8_trim_whitespace(pc.cast(account, big)), path, locate)
               if account is not None else pa.nulls(n, big))
    status_kind = col("status_kind")
    status_kind = pc.cast(status_kind, big) if status_kind is not None else pa.nulls(n, big)
    out = pa.table({"id": pc.cast(ids, big), "created_at": created, "content": text, "url": url,
                    "media": media, "media_count": pc.cast(pc.list_value_length(media), pa.int64()),
                    **counts, "account": account, "status_kind": status_kind})
    frame = out.to_pandas(types_mapper={_MEDIA_TYPE: pd.ArrowDtype(_MEDIA_TYPE)}.get)
    return frame, text, zoneless, key


def _accounts(arr, path, locate):
    """Account names as given, each a handle (``name`` or ``name@domain``, the rule of
    :func:`ratioed.inputs.checks.as_account`); any other text (markup, spaces, a URL) is
    refused with its row: it is printed on the page. Checked once per distinct name."""
    for name in pc.unique(arr).to_pylist():  # per-name: accounts are few
        if name is None or name == "":
            continue
        try:
            as_account(name)
        except ValueError:
            bad = as_bool_array(pc.equal(arr, name))
            _raise_first(arr, bad, path, locate, "account",
                         "not an account handle (letters, digits, '_', '.', '-', and "
                         "@domain for another server)")
    return arr


def _raise_first(arr: pa.Array, bad, path, locate, field_name: str, problem: str, show=None):
    bad = np.asarray(bad, dtype=bool)
    i = int(np.flatnonzero(bad)[0])
    value = arr[i].as_py()
    if value is None or value == "":
        problem = "missing value"  # an empty CSV cell
    elif show and len(str(value)) <= 40:  # (int() refuses over 4,300 digits)
        value = show(value)
    count = int(bad.sum())
    more = f" ({count - 1:,} more row(s) like it)" if count > 1 else ""
    shown = "" if problem == "missing value" else f": {_brief(value)}"
    raise InputError(path, f"{problem}{shown}{more}", where=locate(i), field=field_name)


def _digits(s: pa.Array, max_len: int) -> np.ndarray:
    """True where a string is 1..max_len ASCII digits."""
    ok = pc.and_(pc.utf8_is_digit(s), pc.less_equal(pc.utf8_length(s), max_len))
    ok = pc.and_(ok, pc.equal(pc.utf8_length(pc.utf8_trim(s, "0123456789")), 0))  # ASCII only
    return as_bool_array(ok)


def _canonical_key(arr) -> pa.Array | None:
    """The ids as uint64 (Arrow) when every one is a canonical id written as text -- what real
    files hold -- else None. Three whole-column kernels prove it: the uint64 cast succeeds (at
    most 2**64 - 1), ASCII digits only (no sign, space or ``0x``), none starts with 0."""
    t = arr.type
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)) or arr.null_count or not len(arr):
        return None
    try:
        key = pc.cast(arr, pa.uint64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if pc.all(pc.ascii_is_decimal(arr)).as_py() and not pc.any(pc.starts_with(arr, "0")).as_py():
        return key
    return None


def _ids_keyed(arr, path, locate) -> tuple[pa.Array, np.ndarray]:
    """:func:`_ids`, and the ids as uint64 (numpy): one cast, reused for duplicates and for
    the time in each id. Canonical text ids come back as given (string or large_string)."""
    key = _canonical_key(arr)
    if key is not None:
        return arr, key.to_numpy()
    ids = _checked_ids(arr, path, locate)  # refuses a bad id; what it returns fits 64 bits
    key = pc.cast(arr if pa.types.is_integer(arr.type) else ids, pa.uint64())
    return ids, key.to_numpy()


def _ids(arr: pa.Array, path, locate) -> pa.Array:
    """Post ids as canonical strings of digits: no sign, no leading zero (``0123`` and ``123``
    would be two posts), at most 2**64 - 1. Floats are refused: they cannot hold 18-digit ids.
    Canonical text ids pass three cheap kernels (:func:`_canonical_key`); anything else takes
    the checks that name the first bad row and say why."""
    return pc.cast(_ids_keyed(arr, path, locate)[0], pa.string())


def _checked_ids(arr: pa.Array, path, locate) -> pa.Array:
    """:func:`_ids` by the full checks: the first bad id is named with its row, and why."""
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


_TS_START = (TRUTH_SOCIAL_START, "Truth Social began (February 2022)")


def _times(arr, path, locate, upper: pd.Timestamp, upper_name: str,
           start: tuple[pd.Timestamp, str] = _TS_START) -> tuple[pa.Array, int]:
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
        _time_bounds(out, arr, path, locate, upper, upper_name, start)
        return out, zoneless
    try:  # every value ISO 8601 with Z or an offset, none padded, all in bounds: done
        out = pc.cast(arr, utc)
        if _within(out, upper, start[0]):
            return out, 0
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
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
    _time_bounds(out, s, path, locate, upper, upper_name, start)
    return out, zoneless


def _within(t, upper: pd.Timestamp, earliest: pd.Timestamp = TRUTH_SOCIAL_START) -> bool:
    """Whether every time lies from February 2022 to ``upper`` (no missing values)."""
    if t.null_count:
        return False
    if len(t) == 0:  # no times (an empty part): nothing to bound
        return True
    lo, hi = pc.min_max(t).values()
    return (lo.as_py() >= earliest.to_pydatetime()
            and hi.as_py() <= upper.to_pydatetime())


def _time_bounds(t: pa.Array, shown, path, locate, upper: pd.Timestamp, upper_name: str,
                 start: tuple[pd.Timestamp, str] = _TS_START) -> None:
    if len(t) == t.null_count:  # no times (an empty part): nothing to bound
        return
    lo, hi = pc.min_max(t).values()
    earliest, began = start
    if lo.as_py() < earliest.to_pydatetime():
        _raise_first(shown, as_bool_array(pc.less(t, pa.scalar(earliest, t.type))),
                     path, locate, "created_at", f"before {began}: not a plausible post time")
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
        if pa.types.is_signed_integer(t) and (pc.min(arr).as_py() or 0) < 0:
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
    if (pa.types.is_string(t) or pa.types.is_large_string(t)) and len(arr):
        # digits as text (JSON via DuckDB, CSV): the int64 cast proves the value fits, ASCII
        # digits rule out a sign, space or 0x, and 19 characters at most keeps refusing the
        # over-long zero-padded forms the checks below refuse; else those checks say why
        try:
            out = pc.cast(arr, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            out = None
        if (out is not None and pc.all(pc.ascii_is_decimal(arr)).as_py()
                and pc.max(pc.binary_length(arr)).as_py() <= 19):
            return out
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
    if len(key) < 2 or (key[1:] < key[:-1]).all() or (key[1:] > key[:-1]).all():
        return False  # strictly ordered (the archive: newest first): no repeat, no sort
    ordered = np.sort(key, kind="stable")
    return bool((ordered[1:] == ordered[:-1]).any())
