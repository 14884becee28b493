"""Reply ratios, the definitions of "ratioed", and how unusual a post is for the account.

Definitions (all comparisons strict, so ties are *not* ratioed; a comparison against a count of
0 never counts, so a post with 0 likes and 0 re-truths is not ratioed however many replies it has):

==========  ============================================================================
both        replies > likes AND replies > re-truths  (the story's definition, Newsweek's)
either      replies > likes OR replies > re-truths
likes       replies > likes
retruths    replies > re-truths
==========  ============================================================================

Ratios are floats: ``replies / likes`` and ``replies / retruths``. Where the denominator is 0
the ratio is undefined and stored as NaN (an empty cell in CSV): never an infinity, and no
division warning is raised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .definitions import DEFINITIONS, RULES, STORY_DEFINITION  # noqa: F401 (re-exported)

TRAILING_WINDOW = "30D"  # the account's "recent behaviour": its posts in the 30 days before
TRAILING_MIN_POSTS = 10  # fewer earlier posts than this in the window: no baseline (NaN)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` as float64, NaN where ``den`` is 0 (no warning, no infinity)."""
    num, den = np.asarray(num), np.asarray(den)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(num, den, dtype=np.float64)
    out[den == 0] = np.nan
    return out


def reply_like_ratio(posts: pd.DataFrame) -> pd.Series:
    """Replies per like (float); NaN where likes == 0."""
    return pd.Series(_ratio(posts["replies"].to_numpy(), posts["likes"].to_numpy()),
                     index=posts.index, name="reply_like_ratio")




def ratio_flags(replies, retruths, likes) -> dict[str, np.ndarray]:
    """Boolean arrays, one per definition in :data:`RULES`, from three count arrays."""
    r = np.asarray(replies)
    counts = {"likes": np.asarray(likes), "retruths": np.asarray(retruths)}
    over = {name: (r > c) & (c > 0) for name, c in counts.items()}
    flags = {}
    for definition, (how, terms) in RULES.items():
        combine = np.logical_and if how == "and" else np.logical_or
        flag = over[terms[0]]
        for term in terms[1:]:
            flag = combine(flag, over[term])
        flags[definition] = flag
    return flags


def is_ratioed(posts: pd.DataFrame, definition: str = STORY_DEFINITION) -> pd.Series:
    """Whether each post is ratioed under ``definition`` (a key of :data:`DEFINITIONS`)."""
    if definition not in DEFINITIONS:
        raise ValueError(f"unknown definition {definition!r}; choose one of "
                         f"{', '.join(DEFINITIONS)}")
    flags = ratio_flags(posts["replies"].to_numpy(), posts["retruths"].to_numpy(),
                        posts["likes"].to_numpy())
    return pd.Series(flags[definition], index=posts.index, name=f"ratioed_{definition}")


def add_ratios(posts: pd.DataFrame) -> pd.DataFrame:
    """Return a copy with both ratios and one ``ratioed_<definition>`` column per definition."""
    r, s, lk = (posts[c].to_numpy() for c in ("replies", "retruths", "likes"))
    new = {"reply_like_ratio": _ratio(r, lk), "reply_retruth_ratio": _ratio(r, s)}
    new.update({f"ratioed_{name}": flag for name, flag in ratio_flags(r, s, lk).items()})
    # a shallow copy (copy-on-write) plus one concat: no column of `posts` is copied
    return pd.concat([posts.copy(deep=False), pd.DataFrame(new, index=posts.index)], axis=1)


def unusualness(posts: pd.DataFrame, window: str = TRAILING_WINDOW,
                min_posts: int = TRAILING_MIN_POSTS) -> pd.DataFrame:
    """How unusual each post's reply/like ratio is against the account's own recent posts.

    For each post, the baseline is the account's posts created in the ``window`` (default 30
    days) *before* it, not counting itself; posts with an undefined ratio (0 likes) are ignored.

    Returns columns, aligned to ``posts``' index:

    * ``trailing_median`` -- median reply/like ratio of the baseline posts;
    * ``ratio_multiple`` -- the post's ratio divided by that median (3.0 = three times typical);
    * ``trailing_percentile`` -- share of baseline posts with a *lower* ratio, in percent
      (100 = higher than every post in the window; ties count half);
    * ``trailing_posts`` -- how many posts the baseline holds.

    All are NaN where the baseline holds fewer than ``min_posts`` posts.
    """
    ratio = reply_like_ratio(posts)
    frame = pd.DataFrame({"t": posts["created_at"], "ratio": ratio})
    frame = frame.loc[frame["ratio"].notna()].sort_values("t", kind="stable")
    out = pd.DataFrame(index=posts.index, columns=["trailing_median", "ratio_multiple",
                                                   "trailing_percentile", "trailing_posts"],
                       dtype=float)
    if frame.empty:
        return out
    rolling = frame.set_index("t")["ratio"].rolling(window, closed="left", min_periods=1)
    median = rolling.median().to_numpy()
    count = rolling.count().to_numpy()
    # percentile: rank among baseline + itself, computed from a window that includes the post
    incl = frame.set_index("t")["ratio"].rolling(window, closed="both", min_periods=1)
    rank_pct = incl.rank(pct=False, method="average").to_numpy()  # 1-based rank incl. itself
    n_incl = incl.count().to_numpy()
    lower_share = np.where(n_incl > 1, (rank_pct - 1) / np.maximum(n_incl - 1, 1) * 100, np.nan)
    enough = count >= min_posts
    out.loc[frame.index, "trailing_median"] = np.where(enough, median, np.nan)
    out.loc[frame.index, "ratio_multiple"] = np.where(enough, frame["ratio"].to_numpy() / median,
                                                      np.nan)
    out.loc[frame.index, "trailing_percentile"] = np.where(enough, lower_share, np.nan)
    out.loc[frame.index, "trailing_posts"] = count
    return out
