"""MADE-UP X/Twitter and Bluesky files for tests: no tweet, post or account here is real.

One invented timeline of the account ``alice_x`` (on Bluesky ``alice.example.com``), written
in every layout the loader reads for these platforms: X API v2 pages (and JSON Lines of pages
or of twarc2-style flattened tweets), X v1.1 statuses, tweet exports as CSV (UTF-8 and cp1252,
ISO and spreadsheet times), Bluesky getAuthorFeed pages and getPosts responses. The shapes
follow the platforms' documented responses; the values are invented so that a hand
computation (beside each post) says which are ratioed under the story's definition (``both``:
replies > likes and replies > reposts, strict ``>`` on the raw counts).

Each post: ``n`` (its hour after :data:`START`), counts (replies, reposts, likes), kind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ratioed.inputs.platforms import TWITTER_EPOCH_MS, int_to_tid

START = pd.Timestamp("2023-06-01 12:00", tz="UTC")
ME, ME_ID, OTHER, OTHER_ID = "alice_x", "1001", "bob_x", "1002"
ME_DID, OTHER_DID = "did:plc:aliceexample0000000000", "did:plc:bobexample000000000000"
ME_HANDLE, OTHER_HANDLE = "alice.example.com", "bob.example.com"

# n, replies, reposts, likes, kind, note (hand computation under `both`)
POSTS = [
    (1, 10, 2, 5, "original", "RATIOED: 10 > 5 and 10 > 2"),
    (2, 1, 5, 50, "original", "not"),
    (3, 900, 0, 1, "boost", "a retweet/repost of bob's post: never scored"),
    (4, 7, 1, 3, "reply", "RATIOED (a reply to bob)"),
    (5, 996, 10, 1000, "original", "not: 0.996 replies per like (strict >)"),
    (6, 50, 1, 50, "original", "not: replies = likes (strict >)"),
    (7, 3, 1, 2, "original", "RATIOED: a reply to her own post 1 (a thread, not a reply)"),
    (8, 20, 5, 10, "quote", "RATIOED: quotes bob's post"),
]
RATIOED_HOURS = {1, 4, 7, 8}
BOOST_HOURS = {3}
REPLY_HOURS = {4}


def when(n: int) -> pd.Timestamp:
    return START + pd.Timedelta(hours=n, milliseconds=123)


def x_id(n: int) -> str:
    """A snowflake for post ``n``: ``(ms - epoch) << 22`` plus a sequence."""
    return str(((int(when(n).value // 1_000_000) - TWITTER_EPOCH_MS) << 22) + n)


def bsky_tid(n: int) -> int:
    """A TID for post ``n``: microseconds << 10 plus a clock id."""
    return (int(when(n).value // 1000) << 10) + n


def bsky_rkey(n: int) -> str:
    return int_to_tid(bsky_tid(n))


def expected(platform: str) -> pd.DataFrame:
    """What the loader must give: id, created_at (UTC), replies, retruths, likes, kind."""
    rows = []
    for n, r, s, k, kind, _ in POSTS:
        pid = x_id(n) if platform == "x" else str(bsky_tid(n))
        rows.append({"n": n, "id": pid, "created_at": when(n), "replies": r, "retruths": s,
                     "likes": k, "kind": kind})
    return pd.DataFrame(rows)


def ids(platform: str, hours) -> set[str]:
    e = expected(platform)
    return set(e.loc[e["n"].isin(hours), "id"])


# --------------------------------------------------------------------------- X API v2


def v2_tweet(n, r, s, k, kind, note) -> dict:
    tid = x_id(n)
    tw = {"id": tid, "text": f"made-up tweet {n}: {note}", "author_id": ME_ID,
          "created_at": when(n).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
          "edit_history_tweet_ids": [tid], "conversation_id": tid, "lang": "en",
          "public_metrics": {"retweet_count": s, "reply_count": r, "like_count": k,
                             "quote_count": 0, "bookmark_count": 0, "impression_count": 99}}
    if kind == "boost":
        tw["text"] = f"RT @{OTHER}: bob's made-up tweet"
        tw["referenced_tweets"] = [{"type": "retweeted", "id": "1234567890123456789"}]
    elif kind == "reply":
        tw["referenced_tweets"] = [{"type": "replied_to", "id": "1234567890123456780"}]
        tw["in_reply_to_user_id"] = OTHER_ID
    elif kind == "quote":
        tw["referenced_tweets"] = [{"type": "quoted", "id": "1234567890123456781"}]
    if n == 7:  # her own thread
        tw["referenced_tweets"] = [{"type": "replied_to", "id": x_id(1)}]
        tw["in_reply_to_user_id"] = ME_ID
    if n == 2:
        tw["attachments"] = {"media_keys": ["3_1"]}
    return tw


def v2_pages(per_page: int = 3) -> list[dict]:
    tweets = [v2_tweet(*p) for p in reversed(POSTS)]  # newest first, as the API pages
    pages = []
    for k in range(0, len(tweets), per_page):
        chunk = tweets[k:k + per_page]
        pages.append({"data": chunk,
                      "includes": {"users": [{"id": ME_ID, "name": "Alice (made up)",
                                              "username": ME},
                                             {"id": OTHER_ID, "name": "Bob", "username": OTHER}],
                                   "media": [{"media_key": "3_1", "type": "photo",
                                              "url": "https://pbs.example/media/1.jpg"}]},
                      "meta": {"result_count": len(chunk), "newest_id": chunk[0]["id"],
                               "oldest_id": chunk[-1]["id"]}})
    return pages


def write_v2(folder: Path, form: str = "page") -> Path:
    """``page`` (one pretty-printed page of all), ``pages`` (JSON Lines, a page a line),
    ``tweets`` (JSON Lines of twarc2-style flattened tweets, author inline)."""
    folder.mkdir(parents=True, exist_ok=True)
    if form == "page":
        out = folder / "x-v2-page.json"
        out.write_text(json.dumps(v2_pages(per_page=100)[0], indent=2))
    elif form == "pages":
        out = folder / "x-v2-pages.jsonl"
        out.write_text("".join(json.dumps(p) + "\n" for p in v2_pages()))
    else:
        out = folder / "x-v2-tweets.jsonl"
        out.write_text("".join(json.dumps({**t, "author": {"id": ME_ID, "username": ME}}) + "\n"
                               for t in (v2_tweet(*p) for p in POSTS)))
    return out


# --------------------------------------------------------------------------- X v1.1


def v1_status(n, r, s, k, kind, note) -> dict:
    tid = x_id(n)
    st = {"created_at": when(n).strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": int(tid),
          "id_str": tid, "full_text": f"made-up tweet {n}: {note}", "truncated": False,
          "in_reply_to_status_id": None, "in_reply_to_status_id_str": None,
          "in_reply_to_user_id": None, "in_reply_to_user_id_str": None,
          "user": {"id": int(ME_ID), "id_str": ME_ID, "screen_name": ME, "name": "Alice"},
          "is_quote_status": kind == "quote", "retweet_count": s, "favorite_count": k,
          "reply_count": r, "quote_count": 0, "favorited": False, "retweeted": False,
          "lang": "en", "entities": {"hashtags": [], "urls": []}}
    if kind == "boost":
        st["full_text"] = f"RT @{OTHER}: bob's made-up tweet"
        st["retweeted_status"] = {"id_str": "1234567890123456789", "full_text": "bob's",
                                  "user": {"id_str": OTHER_ID, "screen_name": OTHER},
                                  "retweet_count": s, "favorite_count": 77777}
    elif kind == "reply" or n == 7:
        to, uid = ("1234567890123456780", OTHER_ID) if kind == "reply" else (x_id(1), ME_ID)
        st.update({"in_reply_to_status_id": int(to), "in_reply_to_status_id_str": to,
                   "in_reply_to_user_id": int(uid), "in_reply_to_user_id_str": uid})
    return st


def write_v1(folder: Path, jsonl: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    items = [v1_status(*p) for p in reversed(POSTS)]
    out = folder / ("x-v1.jsonl" if jsonl else "x-v1.json")
    out.write_text("".join(json.dumps(s) + "\n" for s in items) if jsonl
                   else json.dumps(items, indent=1))
    return out


# --------------------------------------------------------------------------- CSV exports


def write_csv(folder: Path, style: str = "iso") -> Path:
    """``iso``: ``tweet_id, created_at (ISO Z), text, reply_count, retweet_count,
    like_count, username``; ``sheet``: a spreadsheet's export, cp1252, status URLs instead of
    ids, ``6/1/23 13:00`` times without a zone, ``Replies, Retweets, Favorites``, a text with a
    newline inside its quotes and a curly apostrophe, and ``Is Retweet``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, r, s, k, kind, note in POSTS:
        text = f"made-up tweet {n}: {note}"
        if kind == "boost":
            text = f"RT @{OTHER}: bob's made-up tweet"
        elif kind == "reply":
            text = f"@{OTHER} made-up reply"
        t = when(n)
        if style == "iso":
            rows.append([x_id(n), t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", text, r, s, k, ME,
                         OTHER if kind == "reply" else ""])
        else:
            url = f"https://twitter.com/{ME}/status/{x_id(n)}"
            sheet_time = f"{t.month}/{t.day}/{t.year % 100} {t.hour}:{t.minute:02d}"
            if n == 1:
                text = "Alice\u2019s made-up tweet,\nwith a line break"
            rows.append([url, sheet_time, text, r, s, k, "TRUE" if kind == "boost" else "FALSE",
                         OTHER if kind == "reply" else ""])
    import csv
    import io
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    if style == "iso":
        w.writerow(["tweet_id", "created_at", "text", "reply_count", "retweet_count",
                    "like_count", "username", "in_reply_to_screen_name"])
    else:
        w.writerow(["Tweet permalink", "Date", "Tweet text", "Replies", "Retweets", "Favorites",
                    "Is Retweet", "In Reply To Screen Name"])
    w.writerows(rows)
    out = folder / f"tweets-{style}.csv"
    out.write_bytes(buf.getvalue().encode("utf-8" if style == "iso" else "cp1252"))
    return out


# --------------------------------------------------------------------------- Bluesky


def _author(did: str, handle: str) -> dict:
    return {"did": did, "handle": handle, "displayName": "made up", "labels": [],
            "createdAt": "2023-05-01T00:00:00.000Z"}


def bsky_post(n, r, s, k, kind, note, did=ME_DID, handle=ME_HANDLE) -> dict:
    rkey = bsky_rkey(n)
    created = when(n).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    post = {"uri": f"at://{did}/app.bsky.feed.post/{rkey}", "cid": f"bafyreimadeup{n}",
            "author": _author(did, handle),
            "record": {"$type": "app.bsky.feed.post", "createdAt": created, "langs": ["en"],
                       "text": f"made-up post {n}: {note}"},
            "replyCount": r, "repostCount": s, "likeCount": k, "quoteCount": 0,
            "indexedAt": created, "labels": []}
    if kind == "quote":
        post["embed"] = {"$type": "app.bsky.embed.record#view", "record": {
            "$type": "app.bsky.embed.record#viewRecord",
            "uri": f"at://{OTHER_DID}/app.bsky.feed.post/3jzfcijpj2z2a"}}
    if n == 2:
        post["embed"] = {"$type": "app.bsky.embed.images#view", "images": [
            {"thumb": "https://cdn.example/thumb/1.jpg", "fullsize": "https://cdn.example/full/1.jpg",
             "alt": ""}]}
    return post


def feed_items() -> list[dict]:
    items = []
    for p in reversed(POSTS):
        n, kind = p[0], p[4]
        if kind == "boost":  # bob's post, reposted by alice: the item's post is bob's
            post = bsky_post(*p, did=OTHER_DID, handle=OTHER_HANDLE)
            items.append({"post": post, "reason": {
                "$type": "app.bsky.feed.defs#reasonRepost",
                "by": _author(ME_DID, ME_HANDLE), "indexedAt": when(n).isoformat()}})
            continue
        item = {"post": bsky_post(*p)}
        parent = (f"at://{OTHER_DID}/app.bsky.feed.post/3jzfcijpj2z2b" if kind == "reply" else
                  f"at://{ME_DID}/app.bsky.feed.post/{bsky_rkey(1)}" if n == 7 else None)
        if parent:
            pdid = parent[5:].split("/")[0]
            ref = {"uri": parent, "cid": "bafyreiparent"}
            item["post"]["record"]["reply"] = {"root": ref, "parent": ref}
            item["reply"] = {"root": {"$type": "app.bsky.feed.defs#postView", "uri": parent,
                                      "author": _author(pdid, "x.example.com")},
                             "parent": {"$type": "app.bsky.feed.defs#postView", "uri": parent,
                                        "author": _author(pdid, "x.example.com")}}
        items.append(item)
    return items


def write_bluesky(folder: Path, form: str = "feed") -> Path:
    """``feed`` (one getAuthorFeed page), ``pages`` (JSON Lines, a page a line), ``items``
    (JSON Lines of feed items), ``posts`` (a getPosts response: no reposts)."""
    folder.mkdir(parents=True, exist_ok=True)
    items = feed_items()
    if form == "feed":
        out = folder / "bsky-feed.json"
        out.write_text(json.dumps({"feed": items, "cursor": "2023-06-01T12:00:00.000Z"},
                                  indent=2))
    elif form == "pages":
        out = folder / "bsky-pages.jsonl"
        out.write_text("".join(json.dumps({"feed": items[k:k + 3], "cursor": str(k)}) + "\n"
                               for k in range(0, len(items), 3)))
    elif form == "items":
        out = folder / "bsky-items.jsonl"
        out.write_text("".join(json.dumps(i) + "\n" for i in items))
    else:
        out = folder / "bsky-posts.json"
        out.write_text(json.dumps({"posts": [i["post"] for i in items if "reason" not in i]}))
    return out
