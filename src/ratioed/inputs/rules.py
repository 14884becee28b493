"""The analysis rules: what kind each post is, and which posts the analysis keeps.

Kinds come from the cleaned text (:mod:`ratioed.inputs.clean`), the media count and the counts; the
loader classifies once, at the end of loading. Notebooks call :func:`split_analysable` and
:func:`in_window` so the rules live here only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .checks import REPLIES_CHOICES

# Kinds of post. The archive stores re-truths of other accounts as posts whose text starts
# "RT @handle" with all three counts 0; quote re-posts start "RT: <url>" and carry counts.
ORIGINAL = "original"
RETRUTH = "retruth"  # re-truth of another account (counts are 0 in the archive)
QUOTE = "quote"  # "RT: https://..." quote-style re-post, with its own counts
MEDIA_ONLY = "media_only"  # no text, one or more media attachments
LINK_ONLY = "link_only"  # the text is a single URL
EMPTY = "empty"  # no text and no media
UNKNOWN = "unknown"  # metrics-only source (no content column) and some count > 0
# Stated by the platform's API layout (Mastodon Status entities), never guessed from text:
BOOST = "boost"  # ``reblog`` set: another account's post; always left out of the analysis
REPLY = "reply"  # a reply to another account; kept unless the ``replies`` parameter is exclude
KINDS = [ORIGINAL, RETRUTH, QUOTE, MEDIA_ONLY, LINK_ONLY, EMPTY, UNKNOWN, BOOST, REPLY]
BOOST_REASON = "boost of another account's post (its counts are that post's)"
RETRUTH_REASON = "re-truth of another account (all counts 0)"
REPLY_REASON = "reply to another account (replies=exclude)"


def classify(content, media_count, zero_counts) -> pd.Series:
    """Kind of each post (see :data:`KINDS`), from its cleaned text, media count and whether all
    three counts are 0 (Arrow arrays, pandas Series or numpy arrays).

    Where the source had no text (metrics-only tables) a post with all counts 0 is taken to be a
    re-truth of another account -- the archive's only zero-count posts -- and any other post is
    ``unknown``.
    """
    index = content.index if isinstance(content, pd.Series) else None
    text = pa.array(content, type=pa.large_string()) if not isinstance(content, pa.Array) else content
    zero = np.asarray(zero_counts, dtype=bool)
    code = KINDS.index
    if text.null_count == len(text):  # metrics-only: no text anywhere
        codes = np.where(zero, code(RETRUTH), code(UNKNOWN)).astype(np.int8)
    else:
        has_text = as_bool_array(pc.is_valid(text))
        text = pc.fill_null(text, "")
        empty = as_bool_array(pc.equal(text, ""))
        codes = np.select(
            [
                ~has_text & zero,
                ~has_text,
                as_bool_array(pc.starts_with(text, "RT @")),
                as_bool_array(pc.match_substring_regex(text, r"^RT:\s")),
                empty & (np.asarray(media_count) > 0),
                empty,
                as_bool_array(pc.match_substring_regex(text, r"^https?://\S+$")),
            ],
            [code(k) for k in (RETRUTH, UNKNOWN, RETRUTH, QUOTE, MEDIA_ONLY, EMPTY, LINK_ONLY)],
            default=code(ORIGINAL),
        ).astype(np.int8)
    return pd.Series(pd.Categorical.from_codes(codes, categories=KINDS), index=index, name="kind")


def as_bool_array(mask) -> np.ndarray:
    """An Arrow boolean array (or chunked array) as numpy, nulls as False."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def all_counts_zero(posts: pd.DataFrame) -> np.ndarray:
    """True where replies, re-truths and likes are all 0 (how the archive stores re-truths)."""
    return ((posts["replies"] == 0) & (posts["retruths"] == 0) & (posts["likes"] == 0)).to_numpy()


def split_analysable(posts: pd.DataFrame, replies: str = "include"
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split posts into those the analysis uses and those it leaves out, with a ``reason``.

    Left out: re-truths of other accounts with all three counts 0 (their counts belong to the
    other account's post, and the archive stores them as 0) -- a re-truth that does carry counts
    is kept; every boost (kind ``boost``, from the API layout), whatever counts it carries; and,
    when ``replies`` is ``"exclude"``, replies to other accounts (kind ``reply``).
    Returns ``(kept, excluded)``; ``len(kept) + len(excluded) == len(posts)``.
    """
    if replies not in REPLIES_CHOICES:
        raise ValueError(f"replies must be one of {', '.join(REPLIES_CHOICES)}, not {replies!r}")
    kind = posts["kind"].astype(object).to_numpy()
    reason = np.select(
        [(kind == RETRUTH) & all_counts_zero(posts), kind == BOOST,
         (kind == REPLY) & (replies == "exclude")],
        [RETRUTH_REASON, BOOST_REASON, REPLY_REASON], default="")
    out = reason != ""
    excluded = posts.loc[out].copy()
    excluded["reason"] = reason[out]
    return posts.loc[~out].copy(), excluded


def in_window(posts: pd.DataFrame, start: str | None, end: str | None,
              tz: str = "America/New_York") -> pd.Series:
    """Boolean mask of posts created on calendar days ``start``..``end`` (inclusive) in ``tz``.

    ``start``/``end`` are ``YYYY-MM-DD`` strings or None (open-ended).
    """
    local_day = posts["created_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    mask = pd.Series(True, index=posts.index)
    if start:
        mask &= local_day >= pd.Timestamp(start)
    if end:
        mask &= local_day <= pd.Timestamp(end)
    return mask
