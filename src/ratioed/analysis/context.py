"""The same person elsewhere: the context table a ``CONTEXT`` build adds (``context.csv``).

One row per input: the build's own (its platform, the posts analysed) first, then each file the
``context`` parameter names (the same person on another platform, loaded on its own, shares of
other accounts' posts left out as in notebook 1). Each row: the platform, the account, the posts,
their first and last day, and the posts ratioed under the story's definition with their counts,
in the platform's words ("10 replies, 2 retweets, 5 likes"). The story's claims never read it.
"""

from __future__ import annotations

import pandas as pd

from ..inputs.platforms import NAMES, platform_of, share_words
from .ratios import STORY_DEFINITION, is_ratioed

COLUMNS = ["platform", "account", "source", "posts", "first_post", "last_post", "ratioed_posts",
           "ratioed"]
MOST_LISTED = 20  # ratioed posts named in a row; the rest are counted ("and 3 more")


def _day(t, tz: str) -> str:
    return "" if pd.isna(t) else f"{t.tz_convert(tz):%Y-%m-%d}"


def platform_row(posts: pd.DataFrame, source: str, tz: str) -> dict:
    """One input's row: ``posts`` are its analysable posts (``id``, ``created_at``, ``account``,
    ``platform``, ``replies``, ``retruths``, ``likes``)."""
    platform = platform_of(posts.get("platform"))
    one, many = share_words(platform)
    flagged = posts.loc[is_ratioed(posts, STORY_DEFINITION)].sort_values(["created_at", "id"])
    named = [f"{r.id} ({_day(r.created_at, tz)}): {int(r.replies):,} replies, "
             f"{int(r.retruths):,} {one if int(r.retruths) == 1 else many}, {int(r.likes):,} likes"
             for r in flagged.head(MOST_LISTED).itertuples()]  # per-row: at most 20, in words
    if len(flagged) > MOST_LISTED:
        named.append(f"and {len(flagged) - MOST_LISTED:,} more")
    accounts = sorted({str(a) for a in posts.get("account", pd.Series(dtype=str)).dropna()})
    return {"platform": NAMES.get(platform, platform), "account": ", ".join(accounts),
            "source": source, "posts": len(posts),
            "first_post": _day(posts["created_at"].min(), tz) if len(posts) else "",
            "last_post": _day(posts["created_at"].max(), tz) if len(posts) else "",
            "ratioed_posts": len(flagged), "ratioed": "; ".join(named)}


def context_table(rows: list[dict]) -> pd.DataFrame:
    """The context table from :func:`platform_row`'s rows, in :data:`COLUMNS`' order."""
    return pd.DataFrame(rows, columns=COLUMNS).astype({"posts": "int64", "ratioed_posts": "int64"})
