"""Bluesky layouts: ``app.bsky.feed.getAuthorFeed`` and ``app.bsky.feed.getPosts`` responses.

Recognised by :func:`ratioed.inputs.layouts.sniff` (layout ``bluesky``): a page
``{"feed": [{"post": ..., "reply": ..., "reason": ...}], "cursor": ...}`` or
``{"posts": [...]}``, saved whole or one page per line (JSON Lines), or feed items or post
views one per line, or a JSON array of either.

Each post view gives the archive's fields: ``id`` is the post's record key (a TID, the last
part of ``post.uri``) as its 64-bit number in digits (:func:`ratioed.inputs.platforms.tid_to_int`),
``created_at`` is ``post.record.createdAt``, ``replies_count``/``reblogs_count``/
``favourites_count`` are ``replyCount``/``repostCount``/``likeCount`` (``quoteCount`` is not
used by any definition), ``content`` is ``post.record.text``, ``url`` the post's bsky.app
address (it names the record key), ``media`` the images' ``fullsize`` URLs, ``account`` the
author's handle. ``status_kind``:

* ``boost`` -- a feed item whose ``reason`` is ``app.bsky.feed.defs#reasonRepost``: another
  account's post, reposted; never scored (left out and counted), under the reposter's handle
  (``reason.by.handle``);
* ``reply`` -- ``reply`` (or the record's ``reply``) points to another account's post; a reply
  to one's own post is a thread and stays a post;
* ``quote`` -- the post embeds another post (``app.bsky.embed.record``).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from . import layouts
from .layouts import check_type, located_items, other_platform, platform_table
from .platforms import BLUESKY, tid_to_int
from .rules import BOOST, QUOTE, REPLY

REPOST = "app.bsky.feed.defs#reasonRepost"
FIELDS = {"id": "post.uri", "created_at": "post.record.createdAt",
          "replies_count": "post.replyCount", "reblogs_count": "post.repostCount",
          "favourites_count": "post.likeCount", "content": "post.record.text",
          "account": "post.author.handle"}
_AT_URI = re.compile(r"^at://([^/]+)/app\.bsky\.feed\.post/([^/?#]+)$")


def _items(path: Path):
    """``(where, item)`` for every feed item or post view, in file order."""
    out = []
    for here, unit in located_items(path):
        if isinstance(unit, dict) and ("feed" in unit or "posts" in unit):
            key = "feed" if "feed" in unit else "posts"
            check_type(path, unit, key, list, here or "the page", key, "a list")
            for i, item in enumerate(unit.get(key) or [], 1):
                label = "item" if key == "feed" else "post"
                out.append((f"{here}, {label} {i}" if here else f"{key} {label} {i}", item))
        else:
            out.append((here or "the post", unit))
    return out


def _did_of(uri) -> str | None:
    m = _AT_URI.match(uri) if isinstance(uri, str) else None
    return m.group(1) if m else (uri[5:].split("/", 1)[0] if isinstance(uri, str)
                                 and uri.startswith("at://") else None)


def _record(path: Path, where: str, item) -> dict:
    if not isinstance(item, dict):
        raise InputError(path, f"is {layouts._kind(item)}, not a feed item or post object",
                         where=where)
    other_platform(path, item, ("bluesky",), "Bluesky posts", where)
    post = item if "post" not in item else check_type(path, item, "post", dict, where, "post",
                                                      "a post view")
    if post is None:
        raise InputError(path, "missing: a feed item needs its post", where=where, field="post")
    uri = check_type(path, post, "uri", str, where, "post.uri", "an at:// URI")
    m = _AT_URI.match(uri) if uri else None
    if m is None:
        raise InputError(path, "missing" if uri is None else
                         f"not a post's at:// URI (at://did/app.bsky.feed.post/key): "
                         f"{layouts._brief(uri)}", where=where, field="post.uri")
    did, rkey = m.groups()
    tid = tid_to_int(rkey)
    if tid is None:
        raise InputError(path, f"the record key {layouts._brief(rkey)} is not a TID (13 "
                               "characters of 2-7 and a-z): the post has no id to key it by",
                         where=where, field="post.uri")
    author = check_type(path, post, "author", dict, where, "post.author", "an object") or {}
    handle = check_type(path, author, "handle", str, where, "post.author.handle", "text")
    record = check_type(path, post, "record", dict, where, "post.record", "an object") or {}
    reason = check_type(path, item, "reason", dict, where, "reason", "an object or null")
    kind, account = None, handle
    rid, created = str(tid), record.get("createdAt")
    if reason is not None and reason.get("$type") == REPOST:
        kind = BOOST
        by = check_type(path, reason, "by", dict, where, "reason.by", "the reposter") or {}
        account = by.get("handle") if isinstance(by.get("handle"), str) else handle
        rm = _AT_URI.match(reason.get("uri") or "") or re.match(
            r"^at://[^/]+/app\.bsky\.feed\.repost/([^/?#]+)$", reason.get("uri") or "")
        rep_tid = tid_to_int(rm.groups()[-1]) if rm else None
        if rep_tid is not None and isinstance(reason.get("indexedAt"), str):
            rid, created = str(rep_tid), reason["indexedAt"]  # the repost's own record
    else:
        reply = item.get("reply") if isinstance(item.get("reply"), dict) else None
        parent = reply.get("parent") if reply else None
        parent_did = None
        if isinstance(parent, dict):
            pa_author = parent.get("author")
            parent_did = (pa_author.get("did") if isinstance(pa_author, dict) else None) or \
                _did_of(parent.get("uri"))
        rec_reply = record.get("reply") if isinstance(record.get("reply"), dict) else None
        if parent_did is None and rec_reply and isinstance(rec_reply.get("parent"), dict):
            parent_did = _did_of(rec_reply["parent"].get("uri"))
        if (reply or rec_reply) and parent_did != did:
            kind = REPLY  # to another account (or to a post no longer there)
    embed = post.get("embed") if isinstance(post.get("embed"), dict) else {}
    etype = embed.get("$type", "")
    media_view = embed.get("media") if isinstance(embed.get("media"), dict) else embed
    images = media_view.get("images") if isinstance(media_view.get("images"), list) else []
    media = [im.get("fullsize") for im in images
             if isinstance(im, dict) and isinstance(im.get("fullsize"), str)]
    if kind is None and etype.startswith(("app.bsky.embed.record#", "app.bsky.embed.recordWithMedia#")):
        kind = QUOTE
    return {"id": rid, "created_at": created, "content": record.get("text"),
            "url": f"https://bsky.app/profile/{handle or did}/post/{rkey}", "media": media,
            "replies_count": post.get("replyCount"), "reblogs_count": post.get("repostCount"),
            "favourites_count": post.get("likeCount"), "account": account, "status_kind": kind}


def read_bluesky(path: Path, wanted: list[str]):
    items = _items(path)
    where = [w for w, _ in items]
    locate = where.__getitem__
    records = [_record(path, w, it) for w, it in items]
    if not records:
        raise InputError(path, "holds no posts (an empty feed)")
    return platform_table(path, records, wanted, locate, BLUESKY, FIELDS), locate, None
