"""The platforms a post can come from, and what each one's ids say about time.

Every layout is one platform's (:data:`LAYOUT_PLATFORM`; the API layout of Mastodon Status
entities is Truth Social's when its statuses live on truthsocial.com, else Mastodon's). The
loaded table carries it in a ``platform`` column, so the page can use each platform's words
(re-truths on Truth Social, boosts on Mastodon, retweets on X, reposts on Bluesky).

Each platform's ids encode the post's creation time differently (:func:`id_ms`):

* Truth Social and Mastodon: ``id >> 16`` is milliseconds since 1970 -- but only for a
  **local** status. A status fetched from another server (``account.acct`` is
  ``user@domain``) carries a local id that encodes when *this* server received it, so it is not
  checked (:func:`id_checked`) and the load summary says how many were left unchecked.
* X/Twitter: ``(id >> 22) + 1288834974657`` is milliseconds since 1970 (snowflake ids, from
  November 2010; the older, smaller ids carry no time and are not checked).
* Bluesky: the post's record key is a TID, 13 characters of base32-sortable text holding a
  64-bit number whose top bits (``>> 10``) are microseconds since 1970. The loader's ``id`` is
  that number in digits (:func:`tid_to_int`), so ids stay digit strings on every platform; the
  post's ``url`` keeps its record key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRUTHSOCIAL = "truthsocial"
MASTODON = "mastodon"
X = "x"
BLUESKY = "bluesky"
PLATFORMS = (TRUTHSOCIAL, MASTODON, X, BLUESKY)
NAMES = {TRUTHSOCIAL: "Truth Social", MASTODON: "Mastodon", X: "X/Twitter", BLUESKY: "Bluesky"}

# Each platform's own words for a share of another account's post, which the tables' ``retruths``
# column counts (singular, plural): the page, the tables' headings and the figures use them.
SHARE_WORDS = {
    TRUTHSOCIAL: ("re-truth", "re-truths"),
    MASTODON: ("boost", "boosts"),
    X: ("retweet", "retweets"),
    BLUESKY: ("repost", "reposts"),
}


def share_words(platform: str | None) -> tuple[str, str]:
    """The platform's word for a share, singular and plural: ``share_words("x")`` ->
    ``("retweet", "retweets")``. Truth Social's (the story's) when the platform is not known."""
    return SHARE_WORDS.get(str(platform or TRUTHSOCIAL), SHARE_WORDS[TRUTHSOCIAL])


def platform_of(values) -> str:
    """The one platform of a loaded table's ``platform`` column (a load is one platform's);
    Truth Social's when the column is missing or empty."""
    if values is None:
        return TRUTHSOCIAL
    found = [str(v) for v in pd.unique(pd.Series(values).dropna().astype(str))]
    return found[0] if len(found) == 1 and found[0] in PLATFORMS else TRUTHSOCIAL


# A post's time must not be earlier than its platform's first posts (a plausibility bound).
STARTS = {
    TRUTHSOCIAL: (pd.Timestamp("2022-02-01", tz="UTC"), "Truth Social began (February 2022)"),
    MASTODON: (pd.Timestamp("2016-03-01", tz="UTC"), "Mastodon began (March 2016)"),
    X: (pd.Timestamp("2006-03-21", tz="UTC"), "Twitter began (21 March 2006)"),
    BLUESKY: (pd.Timestamp("2022-11-01", tz="UTC"), "Bluesky's first posts (November 2022)"),
}

# Which platform each layout of :mod:`ratioed.inputs.layouts` is (``statuses``: per file).
LAYOUT_PLATFORM = {"json": TRUTHSOCIAL, "feed": TRUTHSOCIAL, "jsonl": TRUTHSOCIAL,
                   "csv": TRUTHSOCIAL, "parquet": TRUTHSOCIAL, "statuses": MASTODON,
                   "x_v2": X, "x_v1": X, "x_csv": X, "bluesky": BLUESKY}

TWITTER_EPOCH_MS = 1288834974657  # X's snowflake epoch (4 November 2010, 01:42:54.657 UTC)
_X_SNOWFLAKE_MIN = 1 << 35  # smaller tweet ids predate snowflakes: no time in them

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
_TID_VALUE = {c: i for i, c in enumerate(_TID_ALPHABET)}


def tid_to_int(rkey: str) -> int | None:
    """A Bluesky TID (13 base32-sortable characters, top bit 0) as its 64-bit number, or None
    when ``rkey`` is not a TID."""
    if not isinstance(rkey, str) or len(rkey) != 13 or rkey[0] not in _TID_ALPHABET[:16]:
        return None
    n = 0
    for c in rkey:
        v = _TID_VALUE.get(c)
        if v is None:
            return None
        n = n << 5 | v
    return n


def int_to_tid(n: int) -> str:
    """The TID text of a 64-bit number (the inverse of :func:`tid_to_int`)."""
    return "".join(_TID_ALPHABET[(n >> (5 * k)) & 31] for k in range(12, -1, -1))


def id_ms(key: np.ndarray, platform: str) -> np.ndarray:
    """Milliseconds since 1970 encoded in each id (uint64 numpy) on ``platform`` (int64)."""
    if platform == X:
        return (key >> np.uint64(22)).view(np.int64) + TWITTER_EPOCH_MS
    if platform == BLUESKY:
        return (key >> np.uint64(10)).view(np.int64) // 1000
    return (key >> np.uint64(16)).view(np.int64)  # < 2**48: the same value as int64


def id_checked(key: np.ndarray, platform: str, account=None) -> np.ndarray | None:
    """Which ids carry their post's creation time (boolean numpy), or None for all of them:
    on X, snowflakes only; on Mastodon and Truth Social, local statuses only (``account``
    without ``@domain``: a remote status's id is when this server received it)."""
    if platform == X:
        return key >= np.uint64(_X_SNOWFLAKE_MIN)
    if platform in (MASTODON, TRUTHSOCIAL) and account is not None:
        acct = account if isinstance(account, pd.Series) else pd.Series(account, dtype="str")
        if acct.isna().all():
            return None
        if acct.dtype != "str":
            acct = acct.astype("str")
        remote = acct.str.contains("@", regex=False).fillna(False).to_numpy(bool)
        return ~remote if remote.any() else None
    return None
