"""One reader per published layout of the archive, recognised by content (and extension where
content is ambiguous): archive JSON array, daily feed JSON, JSON Lines, CSV, Parquet.

Each reader is ``reader(path, wanted) -> (table, locate, captured_at)``: an Arrow table of the
archive's columns (names in lower case), ``locate(i)`` naming the i-th row (0-based) as the
file's reader would (``line 12``, ``row 3``, ``record 5``), and the capture time the file states
(the feed's ``as_of``) or None. Readers refuse what they alone can see (a duplicate key inside
one JSON object, a JSON object or list where text belongs, a ragged or non-UTF-8 CSV row, a
repeated CSV header); the values themselves are validated by :mod:`ratioed.validate`.

Fast paths (DuckDB for JSON, Arrow for CSV/Parquet) read the whole file at C++ speed; when
they refuse a file, or see a value that may be nested JSON, an exact Python path re-reads it
to say precisely where and what is wrong.
"""

from __future__ import annotations

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

from .errors import InputError
from .files import read_sidecar

_MEDIA_TYPE = pa.list_(pa.string())
TRUTH_SOCIAL_START = pd.Timestamp("2022-02-01", tz="UTC")  # the platform's first posts: Feb 2022
# An ISO 8601 time with a time of day: what a post's or a capture's time must look like.
ISO_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$"
ZONE_SUFFIX = r"(Z|[+-]\d{2}(:?\d{2})?)$"
_TEXT_FIELDS = ("content", "url")


def sniff(path: Path) -> str:
    """The layout of ``path``: json, feed, jsonl, csv, parquet -- or gzip/utf16 (an archive in
    a wrapper that :func:`unwrap` removes). Anything else is an :class:`InputError` saying what
    the file is."""
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) > 3 and head[1] == 0 and head[0] != 0
                                                  and head[3] == 0):
        return "utf16"
    if head[:4] == b"PK\x03\x04":
        raise InputError(path, "a ZIP file (an Excel workbook is one), not an archive file",
                         hint="unzip it, or export the sheet as CSV (UTF-8)")
    if head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the OLE2 container of .xls files
        raise InputError(path, "an old Excel workbook (.xls), not an archive file",
                         hint="export the sheet as CSV (UTF-8)")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        raise InputError(path, "file is empty (only whitespace)")
    if text[:1] == b"<" and re.match(rb"<(!doctype\s+html|html|head|body|!--)", text, re.I):
        raise InputError(path, "an HTML page, not an archive file (an error or sign-in page "
                               "saved instead of the data?)")
    suffix = path.suffix.lower()
    if text[:1] in (b"[", b"{") and _STATUS_MARK.search(_head(path)):
        return "statuses"  # the platform's own API layout (Mastodon Status entities)
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
    first_line = text.split(b"\n", 1)[0].lower()
    if b"id" in first_line and b"," in first_line:
        return "csv"
    raise InputError(path, "unknown layout: expected archive JSON/JSON Lines/CSV/Parquet or a "
                           "daily feed file (first bytes: " + repr(head[:40]) + ")")


# A key "account" holding an object: the Mastodon API's Status entity, never the archive's
# flat layout (whose text escapes any quote it holds, hence the look-behind).
_STATUS_MARK = re.compile(rb'(?<!\\)"account"\s*:\s*\{')


def _head(path: Path, size: int = 1 << 16) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(size)


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


def _kind(v) -> str:
    return ("a JSON object" if isinstance(v, dict) else "a JSON list" if isinstance(v, list)
            else "true/false" if isinstance(v, bool) else "a number"
            if isinstance(v, (int, float)) else "text" if isinstance(v, str) else type(v).__name__)


# --------------------------------------------------------------------------- JSON


def _pairs(pairs):
    """json object hook: a dict, marking a key given twice (JSON parsers keep the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj["\x00duplicate"] = next(k for k, _ in pairs if k in seen or seen.add(k))
    return obj


def _loads(path: Path, data: bytes, line: int | None = None):
    try:
        return json.loads(data, object_pairs_hook=_pairs)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = line or getattr(err, "lineno", None)
        msg = getattr(err, "msg", str(err))
        raise InputError(path, f"malformed or truncated JSON: {msg}",
                         where=f"line {where}" if where else None) from None


def _duckdb_json(path: Path, fmt: str, wanted: list[str]) -> pa.Table | None:
    """Read a JSON array or JSON Lines file with DuckDB (C++, multi-threaded): every field as
    text (JSON numbers keep their digits), media as a list. None when DuckDB refuses the file or
    a text value may be a JSON object or list; the exact path then reads it."""
    import duckdb

    columns = {f: ("VARCHAR[]" if f == "media" else "VARCHAR") for f in wanted}
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    con = duckdb.connect(config={"threads": max(1, os.cpu_count() or 1)})
    try:
        table = con.sql(f"SELECT * FROM read_json(?, format='{fmt}', columns={spec}, "
                        "maximum_object_size=1073741824)", params=[str(path)]).to_arrow_table()
    except duckdb.Error:
        return None
    finally:
        con.close()
    # DuckDB writes a nested value asked for as text as its JSON: "{..." or "[...". Rare in
    # real text, so such a file takes the exact path, which tells text from nesting.
    for f in (*_TEXT_FIELDS, "media"):
        if f not in table.column_names:
            continue
        col = table.column(f)
        if f == "media":
            col = pc.list_flatten(col)
        if len(col) and (pc.any(pc.starts_with(col, "{")).as_py()
                         or pc.any(pc.starts_with(col, "[")).as_py()):
            return None
    return table


def _records_table(path: Path, records, wanted: list[str], locate, field=None) -> pa.Table:
    """Columns from parsed JSON records (the exact path: messy or malformed files), refusing
    a value of the wrong JSON type with its record and field."""
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
                raise InputError(path, f"is {_kind(values[bad])}, expected a list of URLs "
                                       f"(text): {values[bad]!r:.80}", where=locate(bad), field=f)
            cols[f] = pa.array(values, type=_MEDIA_TYPE)
            continue
        if f in _TEXT_FIELDS or f == "created_at":
            ok = (str,)
        elif f == "id":
            ok = (str, int)
        else:  # counts: text or numbers; their values are checked later
            ok = (str, int, float)
        bad = next((i for i, v in enumerate(values) if v is not None and (
            not isinstance(v, ok) or isinstance(v, bool))), None)
        if bad is not None:
            expected = "text" if ok == (str,) else "digits or a number"
            raise InputError(path, f"is {_kind(values[bad])}, expected {expected}: "
                                   f"{values[bad]!r:.80}", where=locate(bad), field=f)
        cols[f] = pa.array([v if v is None or isinstance(v, str) else repr(v) for v in values],
                           type=pa.string())
    return pa.table(cols)


def read_json_array(path: Path, wanted: list[str]):
    locate = _counter("record {}")
    table = _duckdb_json(path, "array", wanted)
    if table is None:
        table = _records_table(path, _loads(path, path.read_bytes()), wanted, locate)
    return table, locate, None


def read_feed(path: Path, wanted: list[str]):
    obj = _loads(path, path.read_bytes())
    if not isinstance(obj, dict) or "new_posts" not in obj:
        raise InputError(path, "unknown layout: a JSON object without 'new_posts'")
    if "\x00duplicate" in obj:
        raise InputError(path, "the key appears twice in the feed object", field=obj["\x00duplicate"])
    captured = capture_time(obj.get("as_of"), path, "as_of") if "as_of" in obj else None
    locate = _counter("new_posts record {}")
    return _records_table(path, obj["new_posts"], wanted, locate, "new_posts"), locate, captured


def capture_time(value, path, field: str) -> pd.Timestamp:
    """A capture time stated in a file: ISO 8601 text with a time of day and a zone, from
    February 2022 to now. Words ("now"), numbers (0) and zone-less times are refused."""
    if not isinstance(value, str) or not re.match(ISO_TIME, value.strip()):
        raise InputError(path, f"capture time {value!r} is not an ISO 8601 time such as "
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
                records.append(_loads(path, line, line=n))
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
    return InputError(path, f"malformed or truncated CSV: {first}")


def read_csv(path: Path, wanted: list[str]):
    try:
        names = pacsv.open_csv(path).schema.names
    except Exception as err:  # noqa: BLE001 - pyarrow raises several types for bad CSV
        raise _csv_problem(path, err) from None
    lower = _lower_names(path, names)
    present = [n for n in names if lower[n] in wanted]
    try:
        table = pacsv.read_csv(
            path,
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
        schema = pq.read_schema(path)
        lower = _lower_names(path, schema.names)
        present = [c for c in schema.names if lower[c] in wanted]
        table = pq.read_table(path, columns=present)
    except (pa.ArrowInvalid, OSError) as err:
        raise InputError(path, f"unreadable Parquet: {err}") from None
    return table.rename_columns([lower[n] for n in table.column_names]), _counter("row {}"), None


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
STATUS_BOOST = "boost"  # ``reblog`` set: another account's post, boosted
STATUS_REPLY = "reply"  # ``in_reply_to_id`` set, replying to another account
STATUS_COLUMNS = ("account", "status_kind")  # what the API reader adds to the archive's columns


def _status_field(path, locate, i, obj, key, types, field, required=True):
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None and not required:
        return None
    if value is None or not isinstance(value, types) or isinstance(value, bool):
        what = "missing" if value is None else f"is {_kind(value)}"
        raise InputError(path, f"{what}: a Mastodon Status needs it"
                         + ("" if value is None else f" ({value!r:.60})"),
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
    author = _status_field(path, locate, i, acc, "id", (str, int), "account.id")
    if not acct:
        raise InputError(path, "missing value", where=locate(i), field="account.acct")
    boosted = st.get("reblog")
    if boosted is not None and not isinstance(boosted, dict):
        raise InputError(path, f"is {_kind(boosted)}, expected the boosted Status or null",
                         where=locate(i), field="reblog")
    reply_to = st.get("in_reply_to_id")
    kind = None
    if boosted is not None:
        kind = STATUS_BOOST
    elif reply_to is not None and str(st.get("in_reply_to_account_id")) != str(author):
        kind = STATUS_REPLY  # a reply to someone else (a thread of one's own stays a post)
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
            raise InputError(path, f"an attachment without a URL: {m!r:.80}", where=locate(i),
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
        statuses = _loads(path, data)
        if not isinstance(statuses, list):
            raise InputError(path, f"is {_kind(statuses)}, expected a list of Status objects")
    else:
        lines = [n for n, line in enumerate(data.split(b"\n"), 1) if line.strip()]
        statuses = [_loads(path, data.split(b"\n")[n - 1], line=n) for n in lines]

        def locate(i: int) -> str:
            return f"line {lines[i]}"
    records = [_flatten_status(path, locate, i, st) for i, st in enumerate(statuses)]
    table = _records_table(path, records, [w for w in wanted if w not in STATUS_COLUMNS], locate)
    for name in STATUS_COLUMNS:
        table = table.append_column(name, pa.array([r[name] for r in records], pa.string()))
    return table, locate, None


READERS = {"json": read_json_array, "feed": read_feed, "jsonl": read_jsonl, "csv": read_csv,
           "parquet": read_parquet,
           "statuses": read_statuses}


def provenance_time(path: Path) -> pd.Timestamp | None:
    """Retrieval time from the provenance record beside a downloaded file, if there is one."""
    try:
        record = read_sidecar(path)
        return None if record is None else pd.Timestamp(record["retrieved_at"]).tz_convert("UTC")
    except (OSError, ValueError, KeyError, TypeError):
        return None
