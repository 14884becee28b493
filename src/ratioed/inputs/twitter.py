"""X/Twitter layouts: API v2 JSON, v1.1 status JSON, and tweet exports as CSV.

Recognised by :func:`ratioed.inputs.layouts.sniff` (layouts ``x_v2``, ``x_v1``, ``x_csv``);
each reader returns the archive's fields (the contract of :mod:`ratioed.inputs.layouts`):
``replies_count`` from the reply count, ``reblogs_count`` from the retweet count,
``favourites_count`` from the like (favorite) count, plus ``account`` (the screen name) and
``status_kind``: ``boost`` for a retweet of another account's tweet (its counts are that
tweet's: never scored, left out and counted), ``reply`` for a reply to another account,
``quote`` for a quote tweet. A quote count is not read: no definition uses it.

* **API v2** (``GET /2/users/:id/tweets``, ``/2/tweets``, search): a page
  ``{"data": [...], "includes": {"users": [...], "media": [...]}, "meta": {...}}``, saved whole
  or one page per line (JSON Lines, as twarc2 writes), or tweets one per line (twarc2's
  flattened form, whose ``author`` is inline). Fields: ``id``, ``created_at``, ``text``,
  ``author_id``, ``public_metrics.{reply_count, retweet_count, like_count}``,
  ``referenced_tweets`` (``retweeted``, ``replied_to``, ``quoted``), ``in_reply_to_user_id``;
  the account's name from ``includes.users``.
* **v1.1** statuses (``statuses/user_timeline``, ``statuses/lookup``, search's
  ``{"statuses": [...]}``): ``id_str``, ``created_at`` (``Wed Oct 10 20:19:24 +0000 2018``),
  ``full_text``/``text``, ``retweet_count``, ``favorite_count``, ``reply_count`` (only some
  products return it: without it a file cannot be scored and is refused, naming the field),
  ``retweeted_status`` (a retweet), ``in_reply_to_status_id_str``, ``user.screen_name``.
* **CSV exports** (spreadsheets, analytics exports, scrapers): the columns are found by their
  usual names, ignoring case, spaces and underscores (:data:`CSV_COLUMNS`); the tweet's id, or
  its status URL (``https://x.com/name/status/123``), which also gives the account's name.
  Times: ISO 8601, v1.1's form, ``2017-06-29 12:58 +0000``, ``... UTC``, or spreadsheet style
  without a zone (``6/29/17 12:58``, ``06-29-2017 12:58:00``: month first, unless a day past
  12 shows the file writes the day first) -- a time without a zone is read as UTC and
  counted (``zoneless_times``). Text in UTF-8, or cp1252/Latin-1 when it is not UTF-8 (the
  capture's layout says ``x_csv (cp1252)``); mojibake is repaired as in every layout
  (:mod:`ratioed.inputs.clean`); quoted fields may hold newlines.

The id/time check for X (``(id >> 22) + 1288834974657`` ms) is in
:mod:`ratioed.inputs.platforms`.
"""

from __future__ import annotations

import io
import json
import re
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import InputError
from . import layouts
from .layouts import check_type, json_units, located_items, other_platform, platform_table
from .platforms import X
from .rules import BOOST, QUOTE, REPLY

# The source's names of the fields, for messages (v2 / v1.1).
V2_FIELDS = {"replies_count": "public_metrics.reply_count",
             "reblogs_count": "public_metrics.retweet_count",
             "favourites_count": "public_metrics.like_count", "content": "text"}
V1_FIELDS = {"id": "id_str", "replies_count": "reply_count", "reblogs_count": "retweet_count",
             "favourites_count": "favorite_count", "content": "full_text",
             "account": "user.screen_name"}


def _username(v) -> str | None:
    return v.strip().lstrip("@") if isinstance(v, str) and v.strip() else None


def status_url(account: str | None, tweet_id) -> str | None:
    return f"https://x.com/{account}/status/{tweet_id}" if account and tweet_id else None


# --------------------------------------------------------------------------- API v2


def _v2_tweets(path: Path):
    """``(where, tweet, users, media)`` for every tweet of a v2 file, in file order; ``users``
    maps author ids to usernames, ``media`` media keys to URLs (from the page's ``includes``)."""
    out = []
    for here, item in located_items(path):
        if not isinstance(item, dict):
            raise InputError(path, f"is {layouts._kind(item)}, expected a page of tweets "
                                   "or a tweet object", where=here)
        if "data" in item:  # a page
            check_type(path, item, "data", (list, dict), here or "the page", "data",
                       "a list of tweets")
            data = item.get("data") or []
            tweets = data if isinstance(data, list) else [data]
            inc = check_type(path, item, "includes", dict, here or "the page", "includes",
                             "an object") or {}
            users, media = _includes(path, inc, here or "the page")
            for t, tweet in enumerate(tweets, 1):
                where = f"{here}, tweet {t}" if here else f"tweet {t}"
                out.append((where, tweet, users, media))
        else:  # a tweet (twarc2's flattened lines, or an array of tweets)
            out.append((here or "the tweet", item, {}, {}))
    return out


def _includes(path: Path, inc: dict, where: str):
    users, media = {}, {}
    for u in check_type(path, inc, "users", list, where, "includes.users", "a list") or []:
        if isinstance(u, dict) and u.get("id") is not None:
            users[str(u["id"])] = _username(u.get("username"))
    for m in check_type(path, inc, "media", list, where, "includes.media", "a list") or []:
        if isinstance(m, dict) and m.get("media_key") is not None:
            url = m.get("url") or m.get("preview_image_url")
            if isinstance(url, str):
                media[str(m["media_key"])] = url
    return users, media


def _v2_record(path: Path, where: str, tw, users: dict, media: dict) -> dict:
    if not isinstance(tw, dict):
        raise InputError(path, f"is {layouts._kind(tw)}, not a tweet object", where=where)
    other_platform(path, tw, ("x_v2",), "X API v2 tweets", where)
    tid = check_type(path, tw, "id", (str, int), where, "id", "the tweet's id (digits)")
    author = check_type(path, tw, "author_id", (str, int), where, "author_id", "digits")
    metrics = check_type(path, tw, "public_metrics", dict, where, "public_metrics",
                         "an object of counts") or {}
    inline = check_type(path, tw, "author", dict, where, "author", "a user object") or {}
    account = users.get(str(author)) or _username(inline.get("username")) or (
        str(author) if author is not None else None)
    kind = None
    refs = check_type(path, tw, "referenced_tweets", list, where, "referenced_tweets",
                      "a list of {type, id}") or []
    types = set()
    for ref in refs:
        if not isinstance(ref, dict) or not isinstance(ref.get("type"), str):
            raise InputError(path, "an item that is not {type, id}", where=where,
                             field="referenced_tweets")
        types.add(ref["type"])
    if "retweeted" in types:
        kind = BOOST
    elif "replied_to" in types and (tw.get("in_reply_to_user_id") is None
                                    or str(tw.get("in_reply_to_user_id")) != str(author)):
        kind = REPLY  # to another account (a thread of one's own stays a post)
    elif "quoted" in types:
        kind = QUOTE
    att = check_type(path, tw, "attachments", dict, where, "attachments", "an object") or {}
    keys = att.get("media_keys") if isinstance(att.get("media_keys"), list) else []
    return {"id": tid, "created_at": tw.get("created_at"), "content": tw.get("text"),
            "url": status_url(account, tid), "media": [media[k] for k in keys if k in media],
            "replies_count": metrics.get("reply_count"),
            "reblogs_count": metrics.get("retweet_count"),
            "favourites_count": metrics.get("like_count"),
            "account": account, "status_kind": kind}


def read_v2(path: Path, wanted: list[str]):
    tweets = _v2_tweets(path)
    where = [w for w, *_ in tweets]
    records = [_v2_record(path, *t) for t in tweets]
    locate = where.__getitem__
    if not records:
        raise InputError(path, "holds no tweets (an empty page: 'data' absent or empty)")
    fields = {**V2_FIELDS, "account": "includes.users.username"}
    return platform_table(path, records, wanted, locate, X, fields), locate, None


# --------------------------------------------------------------------------- v1.1


def v1_time(value):
    """v1.1's ``Wed Oct 10 20:19:24 +0000 2018`` as ISO 8601; anything else as given (the
    validator then accepts ISO 8601 or names the row)."""
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %z %Y").isoformat()
        except ValueError:
            return value
    return value


def _v1_record(path: Path, where: str, st) -> dict:
    if not isinstance(st, dict):
        raise InputError(path, f"is {layouts._kind(st)}, not a status object", where=where)
    other_platform(path, st, ("x_v1",), "X v1.1 statuses", where)
    user = check_type(path, st, "user", dict, where, "user", "a user object") or {}
    account = _username(check_type(path, user, "screen_name", str, where, "user.screen_name",
                                    "text"))
    tid = check_type(path, st, "id_str", str, where, "id_str", "digits as text")
    if tid is None:
        tid = check_type(path, st, "id", int, where, "id", "an integer")
    rt = check_type(path, st, "retweeted_status", dict, where, "retweeted_status",
                    "the retweeted status or null")
    reply_to = st.get("in_reply_to_status_id_str") or st.get("in_reply_to_status_id")
    own = user.get("id_str") or user.get("id")
    reply_user = st.get("in_reply_to_user_id_str") or st.get("in_reply_to_user_id")
    kind = None
    if rt is not None or st.get("retweeted_status_id_str"):
        kind = BOOST
    elif reply_to is not None and (own is None or str(reply_user) != str(own)):
        kind = REPLY
    elif st.get("is_quote_status") is True or isinstance(st.get("quoted_status"), dict):
        kind = QUOTE
    ext = st.get("extended_tweet") if isinstance(st.get("extended_tweet"), dict) else {}
    text = st.get("full_text", ext.get("full_text", st.get("text")))
    ents = st.get("extended_entities") or st.get("entities") or {}
    media = ents.get("media") if isinstance(ents, dict) else None
    urls = [m.get("media_url_https") or m.get("media_url") for m in media or []
            if isinstance(m, dict)]
    return {"id": tid, "created_at": v1_time(st.get("created_at")), "content": text,
            "url": status_url(account, tid), "media": [u for u in urls if isinstance(u, str)],
            "replies_count": st.get("reply_count"), "reblogs_count": st.get("retweet_count"),
            "favourites_count": st.get("favorite_count"), "account": account,
            "status_kind": kind}


def read_v1(path: Path, wanted: list[str]):
    statuses = []
    for kind, n, value in json_units(path):
        prefix = f"line {n}" if kind else None
        if isinstance(value, dict) and isinstance(value.get("statuses"), list):
            value = value["statuses"]  # search/tweets: {"statuses": [...], ...}
        if isinstance(value, list):
            statuses += [(f"{prefix}, status {i}" if prefix else f"status {i}", st)
                         for i, st in enumerate(value, 1)]
        else:
            statuses.append((prefix or "the status", value))
    where = [w for w, _ in statuses]
    locate = where.__getitem__
    records = [_v1_record(path, w, st) for w, st in statuses]
    if not records:
        raise InputError(path, "holds no statuses")
    return platform_table(path, records, wanted, locate, X, V1_FIELDS), locate, None


# --------------------------------------------------------------------------- CSV exports

# Canonical field: the usual column names (lower case, spaces, '_' and '-' removed), in order
# of preference.
CSV_COLUMNS = {
    "id": ("id", "idstr", "tweetid", "tweetidstr", "statusid"),
    "url": ("url", "tweeturl", "statusurl", "tweetpermalink", "permalink", "link", "tweetlink"),
    "created_at": ("createdat", "date", "datetime", "time", "timestamp", "tweetdate",
                   "tweetcreatedat", "postedat"),
    "replies_count": ("replies", "replycount", "repliescount", "numreplies"),
    "reblogs_count": ("retweets", "retweetcount", "retweetscount", "numretweets"),
    "favourites_count": ("likes", "likecount", "likescount", "favorites", "favoritecount",
                         "favoritescount", "favourites", "favouritecount", "favouritescount",
                         "numlikes"),
    "content": ("text", "fulltext", "tweettext", "tweet", "content", "rawcontent"),
    "account": ("username", "screenname", "userscreenname", "userusername", "handle",
                "account", "author", "user"),
    "is_retweet": ("isretweet", "retweet", "isrt"),
    "reply_to": ("inreplytoscreenname", "inreplytousername"),
    "is_reply": ("isreply",),
}
_STATUS_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([A-Za-z0-9_]+)/"
                         r"status(?:es)?/(\d+)")
_TRUE = {"true", "1", "yes", "y", "t"}


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name.strip().lower())


def _decode(path: Path) -> tuple[str, str | None]:
    """The file's text and the encoding note: UTF-8 (a byte-order mark is fine), else
    cp1252 (bytes cp1252 leaves undefined read as Latin-1)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    text = "".join(
        chunk.decode("cp1252", errors="strict") if k % 2 == 0 else chunk.decode("latin-1")
        for k, chunk in enumerate(re.split(rb"([\x81\x8d\x8f\x90\x9d])", data)))
    return text, "cp1252"


_MDY = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?"
                  r"(?:\s*([AaPp])\.?[Mm]\.?)?$")


def _spreadsheet_times(col: pa.ChunkedArray) -> pa.Array:
    """Times as written by spreadsheets and scrapers, made ISO 8601: ``6/29/17 12:58`` and
    ``06-29-2017 12:58:00`` (month first, unless a first number past 12 shows day first),
    ``... PM``, ``... UTC``/``GMT`` (Z), ``2017-06-29 12:58 +0000``, v1.1's form. ISO 8601 and
    anything unrecognised pass unchanged (the validator names what it refuses)."""
    values = col.to_pylist()
    parsed = [_MDY.match(v.strip()) if isinstance(v, str) else None for v in values]
    day_first = any(m and int(m.group(1)) > 12 for m in parsed) and not any(
        m and int(m.group(2)) > 12 for m in parsed)
    out = []
    for v, m in zip(values, parsed, strict=True):
        if m:
            a, b, y, hh, mm, ss, ampm = m.groups()
            month, day = (int(b), int(a)) if day_first else (int(a), int(b))
            year = int(y) + (2000 if len(y) == 2 else 0)
            hour = int(hh)
            if ampm:
                hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
            out.append(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{mm}:{ss or '00'}")
        elif isinstance(v, str):
            s = v.strip()
            s = re.sub(r"\s+(UTC|GMT|Z)$", "Z", s)
            s = re.sub(r"(\d)\s+([+-]\d{2}:?\d{2})$", r"\1\2", s)
            out.append(v1_time(s))
        else:
            out.append(v)
    return pa.array(out, pa.string())


def read_tweet_csv(path: Path, wanted: list[str]):
    text, note = _decode(path)
    locate = layouts._counter("row {}")
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False,
                                                 auto_dict_encode=False),
            read_options=pacsv.ReadOptions(block_size=max(1 << 20, len(text) * 2)))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        with layouts._no_field_limit():
            raise layouts._csv_rows_problem(path, err, text) from None
    names = table.column_names
    by_norm: dict[str, str] = {}
    for n in names:
        by_norm.setdefault(_norm(n), n)
    cols: dict[str, str] = {}
    for canon, options in CSV_COLUMNS.items():
        for o in options:
            if o in by_norm and by_norm[o] not in cols.values():
                cols[canon] = by_norm[o]
                break
    n = table.num_rows

    def text_col(canon):
        name = cols.get(canon)
        if name is None:
            return None
        c = table.column(name)
        return pc.cast(c, pa.string()) if c.type != pa.string() else c

    ids, accounts = text_col("id"), text_col("account")
    urls = text_col("url")
    if urls is not None and (ids is None or accounts is None):
        found = [(_STATUS_URL.match(u.strip()) if isinstance(u, str) else None)
                 for u in urls.to_pylist()]
        if ids is None:
            bad = next((i for i, m in enumerate(found) if m is None), None)
            if bad is not None:
                raise InputError(path, "not a tweet's status URL (https://x.com/name/status/"
                                       f"123) and no id column: {layouts._brief(urls[bad].as_py())}",
                                 where=locate(bad), field=cols["url"])
            ids = pa.array([m.group(2) for m in found], pa.string())
        if accounts is None:
            accounts = pa.array([m.group(1) if m else None for m in found], pa.string())
    if ids is None:
        raise InputError(path, "a tweet export without the tweet's id or status URL (a column "
                               "named id, tweet_id, id_str, url, permalink ...); columns present: "
                               + ", ".join(names))
    if urls is None:
        urls = pa.array([status_url(a, i) for a, i in zip(
            accounts.to_pylist() if accounts is not None else [None] * n, ids.to_pylist(),
            strict=True)], pa.string())
    if accounts is not None:
        accounts = pc.utf8_ltrim(pc.utf8_trim_whitespace(accounts), "@")
        accounts = pc.if_else(pc.equal(accounts, ""), pa.scalar(None, pa.string()), accounts)
    content = text_col("content")
    kind = _csv_kinds(table, cols, content, accounts, n)
    created = text_col("created_at")
    data = {"id": ids, "url": urls,
            "created_at": _spreadsheet_times(created) if created is not None else None,
            "content": content,
            **{f: text_col(f) for f in ("replies_count", "reblogs_count", "favourites_count")},
            "account": accounts, "status_kind": kind}
    data = {k: (pa.nulls(n, pa.string()) if v is None else v) for k, v in data.items()
            if k in wanted or k in layouts.STATUS_COLUMNS}
    out = pa.table(data)
    fields = {canon: cols[canon] for canon in cols}
    if "id" not in cols and "url" in cols:
        fields["id"] = cols["url"]
    meta = {b"ratioed.platform": X.encode(), b"ratioed.fields": json.dumps(fields).encode()}
    if note:
        meta[b"ratioed.note"] = note.encode()
    return out.replace_schema_metadata(meta), locate, None


def _csv_kinds(table, cols, content, accounts, n) -> pa.Array:
    """``boost`` (a retweet: an is-retweet flag, or text starting ``RT @``), ``reply`` (to
    another account), or null, per row."""
    kinds = [None] * n

    def flags(canon):
        name = cols.get(canon)
        if name is None:
            return None
        return [str(v).strip().lower() in _TRUE if v is not None else False
                for v in table.column(name).to_pylist()]

    rt, is_reply = flags("is_retweet"), flags("is_reply")
    texts = content.to_pylist() if content is not None else [None] * n
    reply_to = (table.column(cols["reply_to"]).to_pylist() if "reply_to" in cols else None)
    acc = accounts.to_pylist() if accounts is not None else [None] * n
    for i in range(n):  # per-row: tweet exports are small (one account's tweets)
        t = texts[i]
        if (rt and rt[i]) or (isinstance(t, str) and t.startswith("RT @")):
            kinds[i] = BOOST
        elif reply_to is not None and isinstance(reply_to[i], str) and reply_to[i].strip():
            if not acc[i] or reply_to[i].strip().lstrip("@").lower() != acc[i].lower():
                kinds[i] = REPLY
        elif is_reply and is_reply[i]:
            kinds[i] = REPLY
    return pa.array(kinds, pa.string())
