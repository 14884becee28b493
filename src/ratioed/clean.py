"""Cleaning post text and classifying posts; the rules for which posts the analysis keeps.

All functions work on whole columns (pyarrow compute / pandas string methods). The two repairs
that need Python's own parsers -- HTML entities (:func:`html.unescape`) and mojibake
(:func:`ftfy.fix_encoding`) -- run only on the rows a vectorised test found to need them.
"""

from __future__ import annotations

import html

import ftfy
import numpy as np
import pandas as pd

# Kinds of post. The archive stores re-truths of other accounts as posts whose text starts
# "RT @handle" with all three counts 0; quote re-posts start "RT: <url>" and carry counts.
ORIGINAL = "original"
RETRUTH = "retruth"  # re-truth of another account (counts are 0 in the archive)
QUOTE = "quote"  # "RT: https://..." quote-style re-post, with its own counts
MEDIA_ONLY = "media_only"  # no text, one or more media attachments
LINK_ONLY = "link_only"  # the text is a single URL
EMPTY = "empty"  # no text and no media
UNKNOWN = "unknown"  # metrics-only source (no content column) and some count > 0
KINDS = [ORIGINAL, RETRUTH, QUOTE, MEDIA_ONLY, LINK_ONLY, EMPTY, UNKNOWN]

_TAG = r"<[^>]*>"
_ENTITY = r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});"
# UTF-8 decoded as Latin-1/cp1252: a lead byte Â/Ã/â followed by a continuation byte's glyph.
_MOJIBAKE = (
    "[\u00c2\u00c3\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def clean_content(raw: pd.Series) -> pd.Series:
    """Turn the archive's ``content`` (HTML or text, maybe mojibake) into plain text.

    Paragraph ends and ``<br>`` become newlines, every other tag is removed, then HTML entities
    are unescaped (so ``&lt;script&gt;`` becomes the *text* ``<script>``, never a tag), then
    mojibake is repaired (``Iranâ\\x80\\x99s`` -> ``Iran’s``; curly quotes are kept). Missing
    content stays missing (``<NA>``); surrounding whitespace is trimmed.
    """
    s = raw.astype("str") if raw.dtype != "str" else raw
    s = s.str.replace(r"</p>\s*<p[^>]*>", "\n\n", regex=True)
    s = s.str.replace(r"<br\s*/?>", "\n", regex=True, case=False)
    s = s.str.replace(_TAG, "", regex=True)
    s = _fix_rows(s, _ENTITY, html.unescape)
    s = _fix_rows(s, _MOJIBAKE, ftfy.fix_encoding)
    return s.str.strip()


def _fix_rows(s: pd.Series, pattern: str, fix) -> pd.Series:
    """Apply the Python function ``fix`` only where ``pattern`` matches (usually few rows)."""
    need = s.str.contains(pattern, regex=True, na=False).to_numpy(dtype=bool)
    if not need.any():
        return s
    s = s.copy()
    s.iloc[np.flatnonzero(need)] = [fix(text) for text in s.to_numpy()[need]]  # per-row: subset
    return s


def classify(content: pd.Series, media_count: pd.Series, zero_counts: pd.Series) -> pd.Series:
    """Kind of each post (see :data:`KINDS`), from its cleaned text, media and counts.

    Where the source had no text (metrics-only tables) a post with all counts 0 is taken to be a
    re-truth of another account -- the archive's only zero-count posts -- and any other post is
    ``unknown``.
    """
    text = content.fillna("")
    has_text = content.notna().to_numpy()
    kind = np.select(
        [
            ~has_text & zero_counts.to_numpy(),
            ~has_text,
            text.str.startswith("RT @").to_numpy(dtype=bool),
            text.str.match(r"RT:\s").to_numpy(dtype=bool),
            (text == "").to_numpy(dtype=bool) & (media_count.to_numpy() > 0),
            (text == "").to_numpy(dtype=bool),
            text.str.fullmatch(r"https?://\S+").to_numpy(dtype=bool),
        ],
        [RETRUTH, UNKNOWN, RETRUTH, QUOTE, MEDIA_ONLY, EMPTY, LINK_ONLY],
        default=ORIGINAL,
    )
    return pd.Series(pd.Categorical(kind, categories=KINDS), index=content.index, name="kind")


def split_analysable(posts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split posts into those the analysis uses and those it leaves out, with a ``reason``.

    Left out: re-truths of other accounts with all three counts 0 (their counts belong to the
    other account's post, and the archive stores them as 0). A re-truth that does carry counts is
    kept. Returns ``(kept, excluded)``; ``len(kept) + len(excluded) == len(posts)``.
    """
    zero = (posts["replies"] == 0) & (posts["retruths"] == 0) & (posts["likes"] == 0)
    out = (posts["kind"] == RETRUTH) & zero
    excluded = posts.loc[out].copy()
    excluded["reason"] = "re-truth of another account (all counts 0)"
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
