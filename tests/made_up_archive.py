"""A MADE-UP archive for tests: no row here is a real post (except that the highlighted post
reuses the story's real id, creation time and capture counts so the checks find it).

:func:`made_up_archive` draws, from a fixed seed, about 30,000 posts from February 2022 to
October 2025 in the archive's metrics layout (``id, created_at, url, replies_count,
reblogs_count, favourites_count``):

* one post on 14 February 2022, then a quiet spell of 73 days (like the real account's spring
  2022), then posts at random times -- on average one every hour or so, so no other silence
  comes near the 90-day threshold;
* ordinary posts have fewer replies than likes and re-truths (never ratioed);
* a few posts (:data:`RETRUTHS_ONLY`) have more replies than re-truths but fewer than likes:
  ratioed under ``retruths`` and ``either``, not under the story's ``both``;
* re-truths of other accounts: every 50th post has all three counts 0;
* the posts given in ``ratioed_at`` (and the highlighted post, unless left out) have more
  replies than likes and re-truths.

Ids are snowflakes built from the creation time (``id >> 16`` = milliseconds since the epoch),
as the real archive's are.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd

HIGHLIGHT_ID = "114842356238631061"  # the story's post (real id, time and capture counts)
HIGHLIGHT_AT = pd.Timestamp(114842356238631061 >> 16, unit="ms", tz="UTC")
HIGHLIGHT_COUNTS = (19954, 6644, 18687)  # replies, re-truths, likes at the archive's capture
FIRST_POST = pd.Timestamp("2022-02-14 17:00", tz="UTC")
QUIET_UNTIL = FIRST_POST + pd.Timedelta(days=73)  # the spring 2022 quiet spell, made up
LAST_POST = pd.Timestamp("2025-10-31 23:00", tz="UTC")
RETRUTHS_ONLY = 12  # posts ratioed under `retruths`/`either` but not under `both`
SEED = 20250712


def _id(t: pd.Timestamp, seq: int) -> str:
    return str((int(t.value // 1_000_000) << 16) + seq % 65536)


def made_up_archive(ratioed_at=(), n_posts: int = 30_000, highlight: bool = True,
                    seed: int = SEED) -> pd.DataFrame:
    """A fresh copy of the made-up archive (see :func:`_archive`)."""
    return _archive(tuple(str(t) for t in ratioed_at), n_posts, highlight, seed).copy()


@functools.lru_cache(maxsize=8)
def _archive(ratioed_at: tuple, n_posts: int, highlight: bool, seed: int) -> pd.DataFrame:
    """The made-up archive (see module docs), oldest first, archive column names.

    ``ratioed_at``: creation times (strings or timestamps, UTC) of extra ratioed posts.
    ``highlight``: include the story's post (ratioed) at its real time.
    ``n_posts``: posts in all (ordinary, ratioed and the highlight).
    """
    rng = np.random.default_rng(seed)
    n_posts -= len(ratioed_at) + int(highlight)
    span = (LAST_POST - QUIET_UNTIL).value
    offsets = np.sort(rng.integers(0, span, n_posts - 1, dtype=np.int64))
    times = [FIRST_POST] + list(pd.to_datetime(QUIET_UNTIL.value + offsets, utc=True).floor("ms"))
    likes = np.round(rng.lognormal(9.8, 0.5, n_posts)).astype(np.int64) + 100
    retruths = np.maximum(likes // 4 + rng.integers(-50, 50, n_posts), 20)
    replies = np.minimum(likes // 10 + rng.integers(0, 200, n_posts), retruths - 1)
    frame = pd.DataFrame({"created_at": times, "replies_count": replies,
                          "reblogs_count": retruths, "favourites_count": likes})
    frame.loc[frame.index % 50 == 49, ["replies_count", "reblogs_count", "favourites_count"]] = 0
    middle = frame.index[(frame.index % 50 != 49)][100::2500][:RETRUTHS_ONLY]
    frame.loc[middle, "replies_count"] = frame.loc[middle, "reblogs_count"] + 10  # < likes
    extra = [pd.Timestamp(t).tz_convert("UTC") if pd.Timestamp(t).tzinfo
             else pd.Timestamp(t, tz="UTC") for t in ratioed_at]
    rows = [{"created_at": t, "replies_count": 30_000, "reblogs_count": 5_000,
             "favourites_count": 20_000} for t in extra]
    frame = pd.concat([frame, pd.DataFrame(rows)], ignore_index=True)
    frame = frame.sort_values("created_at", kind="stable").reset_index(drop=True)
    frame["id"] = [_id(t, i) for i, t in enumerate(frame["created_at"])]
    if highlight:
        r, s, lk = HIGHLIGHT_COUNTS
        frame = pd.concat([frame, pd.DataFrame([{
            "id": HIGHLIGHT_ID, "created_at": HIGHLIGHT_AT, "replies_count": r,
            "reblogs_count": s, "favourites_count": lk}])], ignore_index=True)
        frame = frame.sort_values("created_at", kind="stable").reset_index(drop=True)
    frame["url"] = "https://example.invalid/made-up/" + frame["id"]
    return frame[["id", "created_at", "url", "replies_count", "reblogs_count", "favourites_count"]]


def without(frame: pd.DataFrame, start, end) -> pd.DataFrame:
    """``frame`` with every post from ``start`` to ``end`` (UTC) removed: a made-up hole."""
    t = frame["created_at"]
    return frame.loc[~((t >= pd.Timestamp(start, tz="UTC")) & (t <= pd.Timestamp(end, tz="UTC")))]


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """The archive columns renamed as the library's canonical posts (for hand-built Evidence)."""
    return frame.rename(columns={"replies_count": "replies", "reblogs_count": "retruths",
                                 "favourites_count": "likes"}).assign(capture="made-up.csv")


def write_archive(frame: pd.DataFrame, path: Path, record: bool = True,
                  url: str = "https://example.invalid/truth_archive.csv") -> Path:
    """Write ``frame`` as an archive CSV at ``path`` and, when ``record``, a made-up download
    record beside it in the format ``ratioed.inputs.download`` writes (url, retrieved_at, sha256...)."""
    from ratioed.inputs.files import sha256_file

    out = frame.assign(created_at=frame["created_at"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z")
    out.to_csv(path, index=False)
    if record:
        rec = {"url": url, "file": path.name, "retrieved_at": "2025-11-01T00:00:00Z",
               "sha256": sha256_file(path), "bytes": path.stat().st_size, "rows": len(frame),
               "first_post": frame["created_at"].min().isoformat(),
               "last_post": frame["created_at"].max().isoformat()}
        path.with_name(path.name + ".provenance.json").write_text(json.dumps(rec, indent=2))
    return path
