"""One reader per published layout of the archive, recognised by content (and extension where
content is ambiguous): archive JSON array, daily feed JSON, JSON Lines, CSV, Parquet.

Each reader is ``reader(path, wanted) -> (table, locate, captured_at)``: an Arrow table of the
archive's columns (names in lower case), ``locate(i)`` naming the i-th row (0-based) as the
file's reader would (``line 12``, ``row 3``, ``record 5``), and the capture time the file states
(the feed's ``as_of``) or None. Readers refuse what they alone can see (a duplicate key inside
one JSON object, a JSON value of another type where text belongs -- an object, a list, a
number, true/false, a null inside ``media`` --, a ragged or non-UTF-8 CSV row, a repeated CSV
header); the values themselves are validated by :mod:`ratioed.inputs.validate`.

Readers are total: any file gives a table or one :class:`InputError` naming the file, the
record/line/row and the field. JSON nested more than :data:`_MAX_DEPTH` levels (which Python's
json cannot read) is named where it first passes that depth; a number too long for Python's
int is kept as its digits and refused by validation; a lone UTF-16 surrogate escape
(``"\ud800"``: half a character, written by a broken encoder) is refused -- UTF-8 cannot hold
it and replacing it would change the post silently. Files the loader does not open (bzip2, xz,
zstd, UTF-32, ZIP, old Excel, HTML) are named as such; a file of unknown layout is described
("text", "binary data"), never quoted: a message never echoes a file's bytes.

Fast paths (DuckDB for JSON, Arrow for CSV/Parquet) read the whole file at C++ speed; when
they refuse a file, or see a value that may be nested JSON, an exact Python path re-reads it
to say precisely where and what is wrong.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import re
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .. import story
from ..errors import InputError
from .files import read_sidecar
from .rules import BOOST, REPLY

_MEDIA_TYPE = pa.list_(pa.string())
TRUTH_SOCIAL_START = pd.Timestamp(story.PLATFORM_START, tz="UTC")  # the platform's first posts
# An ISO 8601 time with a time of day: what a post's or a capture's time must look like.
ISO_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$"
ZONE_SUFFIX = r"(Z|[+-]\d{2}(:?\d{2})?)$"
_TEXT_FIELDS = ("content", "url", "account")


# Wrappers the loader does not open: named, so the user knows what to do (magic bytes first).
_REFUSED_WRAPPERS = (
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it first: unxz FILE"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", "decompress it first: unzstd FILE"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract the file from it first"),
    (b"Rar!\x1a\x07", "a RAR archive", "extract the file from it first"),
    (b"\xff\xfe\x00\x00", "UTF-32 text", "save it as UTF-8"),
    (b"\x00\x00\xfe\xff", "UTF-32 text", "save it as UTF-8"),
)
_BLANK = b" \t\r\n"
_BLOCK = 1 << 16


def sniff(path: Path) -> str:
    """The layout of ``path``: json, feed, jsonl, csv, parquet, statuses -- or gzip/utf16 (an
    archive in a wrapper that :func:`unwrap` removes). Anything else is an :class:`InputError`
    saying what the file is (what kind of file it looks like; never its bytes).

    JSON layouts are told apart by structure: the keys of the first record (the first element
    of an array, the first non-blank line), found by a structural scan of as many bytes as that
    record takes (:func:`_first_object_keys`), never by a pattern over a fixed prefix."""
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(4096)
        kind = _wrapper(path, head)
        if kind is not None:
            return kind
        text = head[3:] if head[:3] == b"\xef\xbb\xbf" else head
        text = text.lstrip(_BLANK)
        while not text and head:  # blank lines first: read on to the first other byte
            head = fh.read(_BLOCK)
            text = head.lstrip(_BLANK)
        if not text:
            raise InputError(path, "file is empty (only whitespace)")
        if text[:1] == b"<" and re.match(rb"<(!doctype\s+html|html|head|body|!--)", text, re.I):
            raise InputError(path, "an HTML page, not an archive file (an error or sign-in page "
                                   "saved instead of the data?)")
        if text[:1] == b"[":
            keys = _first_object_keys(fh, text, array=True)
            if keys.get("account") == b"{":
                return "statuses"
            return _platform_layout(keys) or "json"
        if text[:1] == b"{":
            if b"\n" not in text:
                text += fh.readline()  # the whole first line (one record of JSON Lines)
            keys = _first_object_keys(None, text.split(b"\n", 1)[0], array=False)
            if keys.get("account") == b"{":
                return "statuses"  # the platform's own API layout (Mastodon Status entities)
            if "\x00open" in keys:  # pretty-printed: the first object's keys, read on
                keys = _first_object_keys(fh, text, array=False)
            other = _platform_layout(keys)
            if other is not None:
                return other
            if suffix in (".jsonl", ".ndjson"):
                return "jsonl"
            if "\x00open" in keys or "new_posts" in keys:
                return "feed"  # an object not closed on its first line: pretty-printed
            return "jsonl"
    if suffix == ".parquet":
        raise InputError(path, "not a Parquet file (no PAR1 magic bytes); truncated download?")
    if b"\x00" not in text:
        try:
            first = next(csv.reader([text.split(b"\n", 1)[0].decode("utf-8")]), [])
        except (UnicodeDecodeError, csv.Error):
            first = []
        if len(first) > 1 and _tweet_csv_header(first):
            return "x_csv"
        if len(first) > 1 and any(c.strip().lower() == "id" for c in first):
            return "csv"
    raise InputError(path, f"unknown layout: {_looks_like(text)}, not archive JSON, JSON "
                           "Lines, CSV (a header naming an 'id' column), Parquet, a daily "
                           "feed file, a Mastodon, X/Twitter or Bluesky API response or a "
                           "tweet export")


def _platform_layout(keys: dict) -> str | None:
    """Another platform's JSON layout from the keys of a file's first object (its first
    element, or first line), each with the first byte of its value: X API v2 (a page with
    ``data``, or a tweet with ``public_metrics``), X v1.1 statuses (``user`` an object, or
    ``id_str``), Bluesky (a page with ``feed`` or ``posts``, a feed item with ``post``, a post
    view with ``uri`` and ``record``); None for the archive's and Mastodon's layouts."""
    if keys.get("data") in (b"[", b"{") or "public_metrics" in keys \
            or "edit_history_tweet_ids" in keys:
        return "x_v2"
    if keys.get("user") == b"{" or "id_str" in keys or keys.get("statuses") == b"[" or (
            "retweet_count" in keys and "favorite_count" in keys):
        return "x_v1"
    if keys.get("feed") == b"[" or keys.get("posts") == b"[" or keys.get("post") == b"{" \
            or ("uri" in keys and keys.get("record") == b"{"):
        return "bluesky"
    return None


def _tweet_csv_header(header: list[str]) -> bool:
    """Whether a CSV header is a tweet export's: a retweet count column (``retweets``,
    ``retweet_count``, ``Retweets`` ...) and none of the archive's own count names."""
    names = {re.sub(r"[^a-z]", "", h.lower()) for h in header}
    if names & {"reblogscount", "favouritescount"}:
        return False
    return bool(names & {"retweets", "retweetcount", "retweetscount", "numretweets"})


def _wrapper(path: Path, head: bytes) -> str | None:
    """gzip, utf16 or parquet from the first bytes; an InputError for wrappers not read."""
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    for magic, what, hint in _REFUSED_WRAPPERS:
        if head.startswith(magic):
            raise InputError(path, f"{what}, not an archive file", hint=hint)
    if head[:3] == b"BZh" and head[3:4] in b"123456789" and len(head) > 4:
        raise InputError(path, "a bzip2-compressed file, not an archive file",
                         hint="decompress it first: bunzip2 FILE")
    if len(head) >= 8 and ((head[0] and not any(head[1:4]) and head[4] and not any(head[5:8]))
                           or (not any(head[:3]) and head[3] and not any(head[4:7]) and head[7])):
        raise InputError(path, "UTF-32 text (four bytes per character), not an archive file",
                         hint="save it as UTF-8")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) > 3 and head[1] == 0 and head[0] != 0
                                                  and head[3] == 0):
        return "utf16"
    if head[:4] == b"PK\x03\x04":
        raise InputError(path, "a ZIP file (an Excel workbook is one), not an archive file",
                         hint="unzip it, or export the sheet as CSV (UTF-8)")
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the OLE2 container of .xls files
        raise InputError(path, "an old Excel workbook (.xls), not an archive file",
                         hint="export the sheet as CSV (UTF-8)")
    return None


def _looks_like(text: bytes) -> str:
    """What a file looks like, in words (its bytes are never shown: it may be any file)."""
    sample = text[:4096]
    if b"\x00" in sample:
        return "binary data (it holds NUL bytes)"
    try:
        decoded = sample.decode("utf-8")
    except UnicodeDecodeError as err:
        if err.start < len(sample) - 4:
            return "binary data, or text that is not UTF-8"
        decoded = sample[:err.start].decode("utf-8")
    controls = sum(1 for ch in decoded if ch < " " and ch not in "\t\r\n")
    if controls > len(decoded) // 100:
        return "binary data (it holds control characters)"
    return "text"


_SNIFF_LIMIT = 1 << 26  # bytes of a first record looked at (64 MB): its keys come first


def _first_object_keys(fh, buf: bytes, array: bool) -> dict:
    """The keys of the first JSON object in ``buf`` (an array's first element when ``array``,
    else the object ``buf`` starts with), each with the first byte of its value (``b"{"`` for
    an object). With ``fh``, reads on, a block at a time, until that object is closed (at most
    :data:`_SNIFF_LIMIT` bytes); a key ``"\x00open"`` says it was not closed in what was read.
    Structural: nothing is decoded but the keys, so a deep, huge or malformed value costs a
    vectorised scan of bounded memory, no recursion."""
    def more() -> bytes:
        return fh.read(_BLOCK * 16) if fh is not None and len(buf) < _SNIFF_LIMIT else b""

    start = 0
    if array:
        while not buf[1:].lstrip(_BLANK) and (extra := more()):
            buf += extra
        start = len(buf) - len(buf[1:].lstrip(_BLANK))
    if buf[start:start + 1] != b"{":
        return {}
    keys: dict = {}
    state, lo, done, eof = (0, 0, 0), start, False, fh is None
    while True:
        hi = len(buf) if eof else max(lo, len(buf) - 64)  # a value's first byte comes along
        scan = _Scan(buf[lo:hi], state)
        closed = np.flatnonzero(scan.depth < 1)
        end = int(closed[0]) if len(closed) else len(scan.a)
        for colon in scan.marks(58, 1, 0, end).tolist():  # per-row: one object's keys
            key = _key_before(buf, lo + colon)
            if key is not None:
                keys.setdefault(key, buf[lo + colon + 1:lo + colon + 65].lstrip(_BLANK)[:1])
        done = len(closed) > 0
        if done or eof:
            break
        state, lo = scan.state, hi
        extra = more()
        buf += extra
        eof = not extra
    if not done:
        keys["\x00open"] = b""
    return keys


class _Scan:
    """A vectorised structural scan of JSON bytes: which bytes lie outside strings, and the
    nesting depth after each byte (Python's json recurses; this does not). ``state``: what the
    bytes before ``buf`` leave (inside a string?, depth, trailing backslashes)."""

    def __init__(self, buf: bytes, state: tuple[int, int, int] = (0, 0, 0)):
        a = np.frombuffer(buf, dtype=np.uint8)
        in_string, depth0, carry = state
        self.buf, self.a, n = buf, a, len(a)
        quote = np.flatnonzero(a == 34)
        back = a == 92
        if len(quote) and back.any():  # a quote after an odd run of backslashes is escaped
            idx = np.arange(n, dtype=np.int64)
            last = np.maximum.accumulate(np.where(back, -1 - carry, idx))
            prev = quote - 1
            run = np.where(prev >= 0, prev - last[np.maximum(prev, 0)], carry)
            quote = quote[run % 2 == 0]
        toggle = np.zeros(n, dtype=np.int8)
        toggle[quote] = 1
        inside = (np.cumsum(toggle, dtype=np.int64) + in_string) & 1
        self.outside = inside == 0
        step = np.zeros(n, dtype=np.int32)
        step[self.outside & ((a == 91) | (a == 123))] = 1
        step[self.outside & ((a == 93) | (a == 125))] = -1
        self.depth = np.cumsum(step, dtype=np.int32) + depth0
        plain = np.flatnonzero(~back)
        tail = n - 1 - int(plain[-1]) if len(plain) else n + carry
        self.state = (int(inside[-1]) if n else in_string,
                      int(self.depth[-1]) if n else depth0, tail)

    def marks(self, byte: int, depth: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Positions of ``byte`` outside strings at ``depth`` in ``[lo, hi)``."""
        hi = len(self.a) if hi is None else hi
        a, out, d = self.a[lo:hi], self.outside[lo:hi], self.depth[lo:hi]
        return np.flatnonzero((a == byte) & out & (d == depth)) + lo



def _key_before(buf: bytes, colon: int) -> str | None:
    """The JSON string right before the ``:`` at ``colon`` (an object's key), decoded."""
    end = colon - 1
    while end > 0 and buf[end] in _BLANK:
        end -= 1
    if end < 1 or buf[end] != 34:
        return None
    i = end
    while True:
        i = buf.rfind(b'"', max(0, end - 4096), i)
        if i < 0:
            return None
        j = i
        while j > 0 and buf[j - 1] == 92:
            j -= 1
        if (i - j) % 2 == 0:
            break
    try:
        key = json.loads(buf[i:end + 1])
    except (ValueError, RecursionError):
        return None
    return key if isinstance(key, str) else None


def unwrap(path: Path, wrapper: str, folder: Path) -> Path:
    """A plain copy of a gzip-compressed or UTF-16 file in ``folder`` (same name), to read."""
    out = folder / (path.name[:-3] if wrapper == "gzip" and path.name.endswith(".gz")
                    else path.name)
    try:
        if wrapper == "gzip":
            with gzip.open(path, "rb") as src, open(out, "wb") as dst:
                while block := src.read(1 << 22):
                    dst.write(block)
        else:
            data = path.read_bytes()
            codec = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-16-le"
            out.write_text(data.decode(codec), encoding="utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as err:
        what = "gzip-compressed" if wrapper == "gzip" else "UTF-16"
        raise InputError(path, f"a {what} file that cannot be decoded ({err})") from None
    return out


def _counter(fmt: str):
    return lambda i: fmt.format(i + 1)


class _LongInt:
    """A JSON integer too long for Python's int (which refuses over 4,300 digits, and whose
    text would flood a message): kept as its digits, checked as a number later."""

    __slots__ = ("digits",)

    def __init__(self, digits: str):
        self.digits = digits

    def __repr__(self) -> str:
        return self.digits

    __str__ = __repr__


def _int(digits: str):
    """json's ``parse_int``: an int, or :class:`_LongInt` past 40 digits (no id or count has
    as many; validation refuses it with its row and field)."""
    return int(digits) if len(digits) <= 40 else _LongInt(digits)


def _kind(v) -> str:
    return ("a JSON object" if isinstance(v, dict) else "a JSON list" if isinstance(v, list)
            else "true/false" if isinstance(v, bool) else "a number"
            if isinstance(v, (int, float, _LongInt)) else "text" if isinstance(v, str)
            else type(v).__name__)


def _brief(v, size: int = 80) -> str:
    """``repr(v)`` cut to ``size`` characters, for a message (never the whole of a huge or
    deep value: a list or object is named by its kind)."""
    if isinstance(v, (dict, list)):
        return _kind(v)
    text = repr(v if not isinstance(v, str) else v[:size])
    return text if len(text) <= size else text[:size - 3] + "..."


def _shown(v, size: int = 80) -> str:
    """``": " + _brief(v)``, or "" for a list or object (its kind is said already)."""
    return "" if isinstance(v, (dict, list)) else ": " + _brief(v, size)


# --------------------------------------------------------------------------- JSON


def _pairs(pairs):
    """json object hook: a dict, marking a key given twice (JSON parsers keep the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj["\x00duplicate"] = next(k for k, _ in pairs if k in seen or seen.add(k))
    return obj


def _loads(path: Path, data: bytes, line: int | None = None, shape: str = "array",
           locate=None):
    """Parse JSON text (the exact path). ``shape`` says where records are, to name the one
    nested too deep for Python's json: ``array`` (a list of records), ``line`` (one record,
    on line ``line``) or ``feed`` (records in ``new_posts``)."""
    try:
        return json.loads(data, object_pairs_hook=_pairs, parse_int=_int)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = line or getattr(err, "lineno", None)
        msg = getattr(err, "msg", str(err))
        raise InputError(path, f"malformed or truncated JSON: {msg}",
                         where=f"line {where}" if where else None) from None
    except RecursionError:
        raise _too_deep(path, data, shape, locate or _counter("record {}"), line) from None


_MAX_DEPTH = 100  # arrays/objects inside one another; a post record nests 3 deep, a status 6


def _too_deep(path: Path, data: bytes, shape: str, locate, line: int | None) -> InputError:
    """The error for JSON nested deeper than Python's json can read, naming the record and the
    field where the nesting first passes :data:`_MAX_DEPTH` (a blockwise structural scan:
    bounded memory, no recursion). Levels 1-3 are followed: for each, where the container
    holding that spot opened, the commas since (its element's index) and the last colon (its
    key)."""
    levels = {lv: [-1, 0, -1] for lv in (1, 2, 3)}  # open, commas since, last colon
    state, block, hit = (0, 0, 0), 1 << 22, None
    for lo in range(0, len(data), block):
        scan = _Scan(data[lo:lo + block], state)
        over = np.flatnonzero(scan.depth > _MAX_DEPTH)
        hi = int(over[0]) if len(over) else len(scan.a)
        for lv, st in levels.items():
            opens = np.union1d(scan.marks(91, lv, 0, hi), scan.marks(123, lv, 0, hi))
            commas, colons = scan.marks(44, lv, 0, hi), scan.marks(58, lv, 0, hi)
            if len(opens):
                o = int(opens[-1])
                after = colons[colons > o]
                st[:] = [lo + o, int((commas > o).sum()), lo + int(after[-1]) if len(after) else -1]
            else:
                st[1] += len(commas)
                if len(colons):
                    st[2] = lo + int(colons[-1])
        if len(over):
            hit = lo + hi
            break
        state = scan.state

    def key(lv):
        opened, _, colon = levels[lv]
        return _key_before(data, colon) if 0 <= opened < colon else None

    where, field = None, None
    if shape == "line":
        where, field = f"line {line}" if line else None, key(1)
    elif shape == "feed":
        field = key(1)
        if field == "new_posts" and levels[2][0] >= 0:
            where, field = locate(levels[2][1]), key(3)
    elif levels[1][0] >= 0:
        where, field = locate(levels[1][1]), key(2)
    problem = (f"JSON nested more than {_MAX_DEPTH} levels deep (lists or objects inside one "
               "another): not a post's value" if hit is not None else
               "JSON nested too deep to read")
    return InputError(path, problem, where=where, field=field)


def _duckdb_json(path: Path, fmt: str, wanted: list[str]) -> pa.Table | None:
    """Read a JSON array or JSON Lines file with DuckDB (C++, multi-threaded): every field as
    text (JSON numbers keep their digits), media as a list. None when DuckDB refuses the file
    (or its name) or a value asked for as text may not have been JSON text; the exact path then
    reads it and checks the JSON type of every value."""
    import duckdb

    columns = {f: ("VARCHAR[]" if f == "media" else "VARCHAR") for f in wanted}
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    con = duckdb.connect(config={"threads": max(1, os.cpu_count() or 1)})
    try:
        table = con.sql(f"SELECT * FROM read_json(?, format='{fmt}', columns={spec}, "
                        "maximum_object_size=1073741824)", params=[str(path)]).to_arrow_table()
    except (duckdb.Error, UnicodeError):  # UnicodeError: a file name that is not UTF-8
        return None
    finally:
        con.close()
    # DuckDB writes any JSON value asked for as text as text: an object or list as its JSON
    # ("{...", "[..."), true/false and numbers as their digits. Text that looks like one of
    # them is rare in real posts, so such a file takes the exact path, which tells text from
    # the other types; so does a media list holding a null.
    for f in (*_TEXT_FIELDS, "media"):
        if f not in table.column_names:
            continue
        col = table.column(f)
        if f == "media":
            col = pc.list_flatten(col)
            if col.null_count:
                return None
        if len(col) and _maybe_not_text(col):
            return None
    return table


# what DuckDB makes of a JSON value that is not text, asked for as text: an object or list,
# true/false, a number (its digits as written, or as DuckDB prints a double)
_NOT_TEXT = r"^(?:[\[{]|(?:true|false)$|-?[0-9][0-9.eE+-]*$|-?(?:inf|nan)$)"
_NOT_TEXT_FIRST = np.zeros(256, dtype=bool)
_NOT_TEXT_FIRST[list(b"[{tf-0123456789in")] = True


def _maybe_not_text(col) -> bool:
    """Whether any value matches :data:`_NOT_TEXT`: the regex runs only on the rows whose
    first byte could start a match (read from Arrow's buffers: one gather per chunk)."""
    for chunk in (col.chunks if isinstance(col, pa.ChunkedArray) else [col]):
        if not len(chunk) or chunk.null_count == len(chunk):
            continue
        bufs = chunk.buffers()
        wide = pa.types.is_large_string(chunk.type)
        offsets = np.frombuffer(bufs[1], dtype=np.int64 if wide else np.int32)
        offsets = offsets[chunk.offset:chunk.offset + len(chunk) + 1]
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else None
        starts = offsets[:-1]
        filled = offsets[1:] > starts
        if data is None or not filled.any():
            continue
        maybe = np.zeros(len(chunk), dtype=bool)
        maybe[filled] = _NOT_TEXT_FIRST[data[starts[filled]]]
        if maybe.any():
            rows = chunk.filter(pa.array(maybe))
            if pc.any(pc.match_substring_regex(rows, _NOT_TEXT)).as_py():
                return True
    return False


def _text_array(path: Path, values: list, typ: pa.DataType, locate, field: str) -> pa.Array:
    """``pa.array(values, typ)``; text holding a lone UTF-16 surrogate (JSON's ``"\\ud800"``,
    half of a character: UTF-8 cannot hold it) is refused with its record and field."""
    try:
        return pa.array(values, type=typ)
    except (UnicodeError, pa.ArrowInvalid):
        for i, v in enumerate(values):  # per-row: the error path, find the value
            for text in (v if isinstance(v, list) else [v]):
                if isinstance(text, str):
                    try:
                        text.encode("utf-8")
                    except UnicodeError as err:
                        code = f"\\u{ord(text[err.start]):04x}"
                        raise InputError(path, f"holds a lone UTF-16 surrogate ({code}, half "
                                               "of a character, written by a broken encoder); "
                                               "the text cannot be read as it is",
                                         where=locate(i), field=field) from None
        raise


def _records_table(path: Path, records, wanted: list[str], locate, field=None) -> pa.Table:
    """Columns from parsed JSON records (the exact path: messy or malformed files), refusing
    a value of the wrong JSON type, or text that is not text, with its record and field."""
    if not isinstance(records, list):
        raise InputError(path, f"is {_kind(records)}, expected a list of post objects",
                         field=field)
    for i, r in enumerate(records):  # per-row: the exact fallback for messy JSON
        if not isinstance(r, dict):
            raise InputError(path, f"is {_kind(r)}, not a JSON object", where=locate(i))
        if "\x00duplicate" in r:
            raise InputError(path, "the key appears twice in one object (which value is meant?)",
                             where=locate(i), field=r["\x00duplicate"])
    cols = {}
    for f in wanted:
        values = [r.get(f) for r in records]  # per-row: the exact fallback for messy JSON
        if f == "media":
            bad = next((i for i, v in enumerate(values) if v is not None and not (
                isinstance(v, list) and all(isinstance(u, str) for u in v))), None)
            if bad is not None:
                v = values[bad]
                if isinstance(v, list):
                    k, u = next((k, u) for k, u in enumerate(v) if not isinstance(u, str))
                    what = f"holds {'null' if u is None else _kind(u)} as its item {k + 1}"
                    shown = "" if u is None else _shown(u)
                else:
                    what, shown = f"is {_kind(v)}", _shown(v)
                raise InputError(path, f"{what}, expected a list of URLs (text){shown}",
                                 where=locate(bad), field=f)
            cols[f] = _text_array(path, values, _MEDIA_TYPE, locate, f)
            continue
        if f in _TEXT_FIELDS or f == "created_at":
            ok = (str,)
        elif f == "id":
            ok = (str, int, _LongInt)
        else:  # counts: text or numbers; their values are checked later
            ok = (str, int, float, _LongInt)
        bad = next((i for i, v in enumerate(values) if v is not None and (
            not isinstance(v, ok) or isinstance(v, bool))), None)
        if bad is not None:
            expected = "text" if ok == (str,) else "digits or a number"
            raise InputError(path, f"is {_kind(values[bad])}, expected {expected}"
                                   f"{_shown(values[bad])}", where=locate(bad), field=f)
        cols[f] = _text_array(path, [v if v is None or isinstance(v, str) else repr(v)
                                     for v in values], pa.string(), locate, f)
    return pa.table(cols)


def read_json_array(path: Path, wanted: list[str]):
    locate = _counter("record {}")
    table = _duckdb_json(path, "array", wanted)
    if table is None:
        table = _records_table(path, _loads(path, path.read_bytes(), locate=locate), wanted,
                               locate)
    return table, locate, None


def read_feed(path: Path, wanted: list[str]):
    locate = _counter("new_posts record {}")
    obj = _loads(path, path.read_bytes(), shape="feed", locate=locate)
    if not isinstance(obj, dict) or "new_posts" not in obj:
        raise InputError(path, "unknown layout: a JSON object without 'new_posts'")
    if "\x00duplicate" in obj:
        raise InputError(path, "the key appears twice in the feed object", field=obj["\x00duplicate"])
    captured = capture_time(obj.get("as_of"), path, "as_of") if "as_of" in obj else None
    return _records_table(path, obj["new_posts"], wanted, locate, "new_posts"), locate, captured


def capture_time(value, path, field: str) -> pd.Timestamp:
    """A capture time stated in a file: ISO 8601 text with a time of day and a zone, from
    February 2022 to now. Words ("now"), numbers (0) and zone-less times are refused."""
    if not isinstance(value, str) or not re.match(ISO_TIME, value.strip()):
        raise InputError(path, f"capture time {_brief(value)} is not an ISO 8601 time such as "
                               "2026-03-08T17:39:40Z", field=field)
    if not re.search(ZONE_SUFFIX, value.strip()):
        raise InputError(path, f"capture time {value!r} has no time zone: add Z or an offset",
                         field=field)
    try:
        t = pd.Timestamp(value.strip()).tz_convert("UTC")
    except (ValueError, TypeError):
        raise InputError(path, f"capture time {value!r} is not a real time", field=field) from None
    now = pd.Timestamp.now(tz="UTC")
    if not TRUTH_SOCIAL_START <= t <= now + pd.Timedelta(minutes=1):
        raise InputError(path, f"capture time {value!r} is outside February 2022 to now",
                         field=field)
    return t


def _jsonl_lines(path: Path) -> np.ndarray:
    """1-based numbers of the non-blank lines (the rows of a JSON Lines file)."""
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    filled = np.flatnonzero(~np.isin(data, np.array([9, 10, 13, 32], dtype=np.uint8)))
    return np.unique(np.searchsorted(ends, filled)) + 1


def read_jsonl(path: Path, wanted: list[str]):
    def locate(i: int) -> str:  # only called on error: find the physical line
        return f"line {_jsonl_lines(path)[i]}"

    table = _duckdb_json(path, "newline_delimited", wanted)
    if table is None:
        records = []
        for n, line in enumerate(path.read_bytes().split(b"\n"), 1):
            if line.strip():
                records.append(_loads(path, line, line=n, shape="line"))
        table = _records_table(path, records, wanted, locate)
    return table, locate, None


# --------------------------------------------------------------------------- tables


def _lower_names(path: Path, names: list[str]) -> dict[str, str]:
    """Map each column name to its lower-case form; two names equal but for case are refused."""
    seen: dict[str, str] = {}
    for n in names:
        key = n.strip().lower()
        if key in seen:
            raise InputError(path, f"two columns named {seen[key]!r} and {n!r} (names are matched "
                                   "ignoring case)", field=key)
        seen[key] = n
    return {v: k for k, v in seen.items()}


def _csv_problem(path: Path, err: Exception) -> InputError:
    """Find the row Arrow refused (error path only): a row with the wrong number of fields, or
    bytes that are not UTF-8, named by row (data rows, 1-based) and line."""
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as fh:
        text = fh.read().lstrip("\ufeff")
    with _no_field_limit():  # a long legal field must not move the blame (csv's 128 KB limit)
        return _csv_rows_problem(path, err, text)


@contextlib.contextmanager
def _no_field_limit():
    """Lift the csv module's field size limit (131,072 characters) for a while: Arrow reads
    fields of any length, so the exact path must too."""
    old = csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_rows_problem(path: Path, err: Exception, text: str) -> InputError:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        if any("\udc80" <= ch <= "\udcff" for h in header for ch in h):
            return InputError(path, "the header is not UTF-8 text (Latin-1 or Windows-1252?); "
                                    "save the file as UTF-8", where="line 1")
        line = reader.line_num
        for n, row in enumerate(reader, 1):
            if row and len(row) != len(header):
                quote = " (an unclosed quote?)" if len(row) < len(header) else ""
                return InputError(path, f"malformed or truncated CSV: {len(row)} fields where the "
                                        f"header has {len(header)}{quote}: {','.join(row)[:80]!r}",
                                  where=f"row {n} (line {line + 1})")
            for name, value in zip(header, row, strict=False):
                if any("\udc80" <= ch <= "\udcff" for ch in value):
                    shown = value.encode("utf-8", "surrogateescape")[:60]
                    return InputError(path, f"not UTF-8 text (Latin-1 or Windows-1252?): {shown!r};"
                                            " save the file as UTF-8",
                                      where=f"row {n} (line {line + 1})", field=name.lower())
            line = reader.line_num
    except csv.Error as cerr:
        return InputError(path, f"malformed or truncated CSV: {cerr}", where=f"line {reader.line_num}")
    first = str(err).splitlines()[0] if str(err) else type(err).__name__
    first = re.sub(r"(got \d+)\s*:.*", r"\1", first)[:120]  # Arrow quotes the row: never echoed
    return InputError(path, f"malformed or truncated CSV: {first}")


def _arrow_source(path: Path):
    """What Arrow opens: the path, or an open file when the name is not UTF-8 (Arrow takes
    names as UTF-8 text)."""
    try:
        str(path).encode("utf-8")
    except UnicodeError:
        return open(path, "rb")  # noqa: SIM115 - Arrow closes it
    return str(path)


def _arrow_csv(path: Path, fn, **kwargs):
    """``fn(source, **kwargs)`` (Arrow's CSV readers); a field longer than Arrow's block (1 MB
    by default) is legal, so on Arrow's "straddling" refusal the block grows until the field
    fits (at most the file's size)."""
    block, size = 1 << 20, max(path.stat().st_size, 1)
    while True:
        try:
            return fn(_arrow_source(path), read_options=pacsv.ReadOptions(block_size=block),
                      **kwargs)
        except pa.ArrowInvalid as err:
            if "straddl" not in str(err) or block > size:
                raise
            block = min(block * 16, 2**31 - 1, size + 1)


def read_csv(path: Path, wanted: list[str]):
    try:
        names = _arrow_csv(path, pacsv.open_csv).schema.names
    except Exception as err:  # noqa: BLE001 - pyarrow raises several types for bad CSV
        raise _csv_problem(path, err) from None
    lower = _lower_names(path, names)
    present = [n for n in names if lower[n] in wanted]
    try:
        table = _arrow_csv(
            path, pacsv.read_csv,
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in present}, include_columns=present,
                strings_can_be_null=False, quoted_strings_can_be_null=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise _csv_problem(path, err) from None
    table = table.rename_columns([lower[n] for n in table.column_names])
    locate = _counter("row {}")
    if "id" in table.column_names and table.num_rows:
        again = pc.equal(pc.utf8_lower(pc.utf8_trim_whitespace(table.column("id"))), "id")
        if pc.any(again).as_py():
            i = int(np.flatnonzero(pc.fill_null(again, False).to_numpy(zero_copy_only=False))[0])
            raise InputError(path, "a repeated header row (files joined with their headers?)",
                             where=locate(i), field="id")
    return table, locate, None


def read_parquet(path: Path, wanted: list[str]):
    try:
        schema = pq.read_schema(_arrow_source(path))
        lower = _lower_names(path, schema.names)
        present = [c for c in schema.names if lower[c] in wanted]
        table = pq.read_table(_arrow_source(path), columns=present)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(path, f"unreadable Parquet: {err}") from None
    table = table.rename_columns([lower[n] for n in table.column_names])
    locate = _counter("row {}")
    for name in table.column_names:  # Parquet's text is not checked as UTF-8 when read
        col = table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            try:
                col.validate(full=True)
            except pa.ArrowInvalid:
                raise _not_utf8(path, col, locate, name) from None
    return table, locate, None


def _not_utf8(path: Path, col, locate, name: str) -> InputError:
    """The first value of ``col`` that is not UTF-8 (the error path), named by its row."""
    raw = pc.cast(col, pa.large_binary() if pa.types.is_large_string(col.type) else pa.binary())
    for i, value in enumerate(raw.to_pylist()):  # per-row: the error path only
        if value is not None:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                return InputError(path, "not UTF-8 text (a broken encoder, or another encoding)",
                                  where=locate(i), field=name)
    return InputError(path, "not UTF-8 text", field=name)


def first_keys(path: Path, layout: str) -> list[str]:
    """The keys of the first post object of a JSON layout (error messages only); [] if none."""
    try:
        if layout == "jsonl":
            with open(path, "rb") as fh:
                line = next((ln for ln in fh if ln.strip()), b"{}")
            first = orjson.loads(line)
        else:
            obj = orjson.loads(path.read_bytes())
            posts = obj.get("new_posts") if isinstance(obj, dict) else obj
            first = posts[0] if isinstance(posts, list) and posts else {}
    except (orjson.JSONDecodeError, OSError):
        return []
    return list(first) if isinstance(first, dict) else []


# --------------------------------------------------------------------------- platform API

# Status kinds the API itself states (the loader sets ``kind`` from them; see rules.KINDS).
STATUS_COLUMNS = ("account", "status_kind")  # what the API reader adds to the archive's columns


def _status_field(path, locate, i, obj, key, types, field, required=True):
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None and not required:
        return None
    if value is None or not isinstance(value, types) or isinstance(value, bool):
        what = "missing" if value is None else f"is {_kind(value)}"
        raise InputError(path, f"{what}: a Mastodon Status needs it"
                         + ("" if value is None else f" ({_brief(value, 60)})"),
                         where=locate(i), field=field)
    return value


def _flatten_status(path: Path, locate, i: int, st) -> dict:
    """One Mastodon Status entity as a flat record with the archive's field names, plus
    ``account`` (the author's ``acct``) and ``status_kind`` (boost, reply or None)."""
    if not isinstance(st, dict):
        raise InputError(path, f"is {_kind(st)}, not a Status object", where=locate(i))
    if "\x00duplicate" in st:
        raise InputError(path, "the key appears twice in one object (which value is meant?)",
                         where=locate(i), field=st["\x00duplicate"])
    acc = _status_field(path, locate, i, st, "account", dict, "account")
    acct = _status_field(path, locate, i, acc, "acct", str, "account.acct").strip()
    author = _status_field(path, locate, i, acc, "id", (str, int, _LongInt), "account.id")
    if not acct:
        raise InputError(path, "missing value", where=locate(i), field="account.acct")
    boosted = st.get("reblog")
    if boosted is not None and not isinstance(boosted, dict):
        raise InputError(path, f"is {_kind(boosted)}, expected the boosted Status or null",
                         where=locate(i), field="reblog")
    reply_to = st.get("in_reply_to_id")
    kind = None
    if boosted is not None:
        kind = BOOST  # ``reblog`` set: another account's post, boosted
    elif reply_to is not None and str(st.get("in_reply_to_account_id")) != str(author):
        kind = REPLY  # a reply to someone else (a thread of one's own stays a post)
    media = st.get("media_attachments")
    if media is None:
        media = []
    if not isinstance(media, list):
        raise InputError(path, f"is {_kind(media)}, expected a list of attachment objects",
                         where=locate(i), field="media_attachments")
    urls = []
    for m in media:
        url = m.get("url") or m.get("remote_url") if isinstance(m, dict) else None
        if not isinstance(url, str):
            raise InputError(path, "an attachment without a URL (text in 'url' or "
                                   f"'remote_url'){_shown(m)}", where=locate(i),
                             field="media_attachments.url")
        urls.append(url)
    flat = {k: st.get(k) for k in ("id", "created_at", "content", "url", "replies_count",
                                   "reblogs_count", "favourites_count")}
    return {**flat, "media": urls, "account": acct, "status_kind": kind}


def read_statuses(path: Path, wanted: list[str]):
    """The platform's API layout: a page of Mastodon Status entities (a JSON array, as
    ``GET /api/v1/accounts/:id/statuses`` returns) or JSON Lines of statuses. Each status is
    flattened to the archive's fields (``media`` = the attachments' URLs), plus ``account`` (the
    author's ``acct``) and ``status_kind``: ``boost`` when ``reblog`` is set (the counts are the
    other account's business; the loader excludes it), ``reply`` when ``in_reply_to_id`` is set
    and ``in_reply_to_account_id`` is not the author's own id. A boost's nested status is never
    read as a post of the booster."""
    data = path.read_bytes()
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"[":
        locate = _counter("status {}")
        statuses = _loads(path, data, locate=locate)
        if not isinstance(statuses, list):
            raise InputError(path, f"is {_kind(statuses)}, expected a list of Status objects")
    else:
        split = data.split(b"\n")
        lines = [n for n, line in enumerate(split, 1) if line.strip()]
        statuses = [_loads(path, split[n - 1], line=n, shape="line") for n in lines]

        def locate(i: int) -> str:
            return f"line {lines[i]}"
    for i, st in enumerate(statuses):
        if not (isinstance(st, dict) and isinstance(st.get("account"), dict)):
            other_platform(path, st, ("statuses", "archive"), "Mastodon statuses", locate(i))
    records = [_flatten_status(path, locate, i, st) for i, st in enumerate(statuses)]
    # Truth Social's API is Mastodon's: its statuses live on truthsocial.com
    on_ts = any(isinstance(r.get("url"), str) and re.match(r"https?://(www\.)?truthsocial\.com/",
                                                           r["url"]) for r in records)
    table = platform_table(path, records, wanted, locate, "truthsocial" if on_ts else "mastodon",
                           {})
    return table, locate, None


def _read_x_v2(path: Path, wanted: list[str]):
    from .twitter import read_v2
    return read_v2(path, wanted)


def _read_x_v1(path: Path, wanted: list[str]):
    from .twitter import read_v1
    return read_v1(path, wanted)


def _read_x_csv(path: Path, wanted: list[str]):
    from .twitter import read_tweet_csv
    return read_tweet_csv(path, wanted)


def _read_bluesky(path: Path, wanted: list[str]):
    from .bluesky import read_bluesky
    return read_bluesky(path, wanted)


# --------------------------------------------------------------------------- other platforms

PLATFORM_WORDS = {"statuses": "a Mastodon Status", "x_v2": "an X API v2 tweet",
                  "x_v1": "an X v1.1 status", "bluesky": "a Bluesky post",
                  "archive": "an archive post"}


def record_layout(obj) -> str | None:
    """The layout one parsed JSON record (an array's element, a line) belongs to, by the same
    rules as :func:`sniff`: statuses, x_v2, x_v1, bluesky, archive (the archive's own post
    objects) or None. A file's readers use it to refuse a record of another platform."""
    if not isinstance(obj, dict):
        return None
    keys = {k: b"{" if isinstance(v, dict) else b"[" if isinstance(v, list) else b"x"
            for k, v in obj.items()}
    if keys.get("account") == b"{":
        return "statuses"
    other = _platform_layout(keys)
    if other is not None:
        return other
    if "replies_count" in keys or "reblogs_count" in keys or "favourites_count" in keys:
        return "archive"
    return None


def other_platform(path: Path, obj, layouts: tuple[str, ...], expected: str, where: str):
    """Refuse ``obj`` (a record at ``where``) when it is recognisably another platform's than
    ``layouts``: a file mixing platforms is read by no one layout."""
    found = record_layout(obj)
    if found is not None and found not in layouts:
        raise InputError(path, f"{PLATFORM_WORDS[found]} in a file of {expected}: a file mixing "
                               "platforms or layouts is not read (one platform per file)",
                         where=where)


def json_units(path: Path) -> list[tuple[str | None, int | None, object]]:
    """The JSON values of a file: ``[(None, None, value)]`` for one JSON document (an array or
    an object, pretty-printed or not), or ``[("line", n, value), ...]`` for JSON Lines (the
    first non-blank line is a whole JSON value and more follow). Keys given twice are marked
    (:func:`_pairs`); malformed JSON is an :class:`InputError` naming the line."""
    data = path.read_bytes()
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    split = data.split(b"\n")
    lines = [n for n, line in enumerate(split, 1) if line.strip()]
    if len(lines) > 1:
        try:
            first = json.loads(split[lines[0] - 1])
        except (ValueError, RecursionError):
            first = None
        if isinstance(first, (dict, list)):
            return [("line", n, _loads(path, split[n - 1], line=n, shape="line")) for n in lines]
    return [(None, None, _loads(path, data))]


def located_items(path: Path):
    """Each element of a file's JSON values with where it is, ``(where, item)``: ``line n`` in
    JSON Lines, ``record r`` in a top-level array, None for one top-level object (the caller
    names it); see :func:`json_units`."""
    for kind, n, value in json_units(path):
        prefix = f"line {n}" if kind else None
        items = value if isinstance(value, list) else [value]
        for r, item in enumerate(items, 1):
            yield prefix or (f"record {r}" if isinstance(value, list) else None), item


def platform_table(path: Path, records: list[dict], wanted: list[str], locate, platform: str,
                   fields: dict[str, str], note: str | None = None) -> pa.Table:
    """The Arrow table a reader hands to validation, from flat records holding the archive's
    field names plus ``account`` and ``status_kind``: the table's metadata says the platform,
    the source's own name of each field (``fields``: errors name it) and a note on how the
    file was read (an encoding)."""
    table = _records_table(path, records, [w for w in wanted if w not in STATUS_COLUMNS], locate)
    for name in STATUS_COLUMNS:
        table = table.append_column(name, _text_array(path, [r.get(name) for r in records],
                                                      pa.string(), locate, name))
    meta = {b"ratioed.platform": platform.encode(), b"ratioed.fields": json.dumps(fields).encode()}
    if note:
        meta[b"ratioed.note"] = note.encode()
    return table.replace_schema_metadata(meta)


def check_type(path: Path, obj, key: str, types, where: str, field: str, what: str):
    """``obj[key]`` when it is absent, null or of ``types``; otherwise an InputError naming
    the record and the source's field (``what``: what belongs there)."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
        raise InputError(path, f"is {_kind(value)}, expected {what}{_shown(value)}",
                         where=where, field=field)
    if isinstance(obj, dict) and "\x00duplicate" in obj:
        raise InputError(path, "the key appears twice in one object (which value is meant?)",
                         where=where, field=obj["\x00duplicate"])
    return value


READERS = {"json": read_json_array, "feed": read_feed, "jsonl": read_jsonl, "csv": read_csv,
           "parquet": read_parquet,
           "statuses": read_statuses,
           # other platforms, each in its own module (imported when such a file is read)
           "x_v2": _read_x_v2, "x_v1": _read_x_v1, "x_csv": _read_x_csv,
           "bluesky": _read_bluesky}


def provenance_time(path: Path) -> pd.Timestamp | None:
    """Retrieval time from the provenance record beside a downloaded file, if there is one."""
    try:
        record = read_sidecar(path)
        return None if record is None else pd.Timestamp(record["retrieved_at"]).tz_convert("UTC")
    except (OSError, ValueError, KeyError, TypeError, OverflowError, RecursionError):
        return None
