"""Cleaning post text and classifying posts; the rules for which posts the analysis keeps.

All functions work on whole columns (pyarrow compute / pandas string methods). The two repairs
that need Python's own parsers -- HTML entities (:func:`html.unescape`) and mojibake (an exact
Latin-1/cp1252 round trip, else :func:`ftfy.fix_encoding`) -- run only on the rows a vectorised
test found to need them.
"""

from __future__ import annotations

import html

import ftfy
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_TAG = r"<[^>]*>"
_ENTITY = r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});"
# UTF-8 decoded as Latin-1/cp1252: a lead byte Â/Ã/â followed by a continuation byte's glyph.
_MOJIBAKE = (
    "[\u00c2\u00c3\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def clean_content(raw: pa.Array) -> pa.Array:
    """Turn the archive's ``content`` (HTML or text, maybe mojibake) into plain text.

    Takes and returns an Arrow string array. Paragraph ends and ``<br>`` become newlines, every
    other tag is removed, then HTML entities are unescaped (so ``&lt;script&gt;`` becomes the
    *text* ``<script>``, never a tag), then mojibake is repaired (``Iranâ\x80\x99s`` ->
    ``Iran’s``; curly quotes are kept). Missing content stays missing; surrounding whitespace
    is trimmed.
    """
    has = _bytes_present(raw)
    rows = np.flatnonzero(has)
    if len(rows) == 0:
        return raw
    # work on the rows that need it only, then put them back in one step
    sub, flags = raw.take(pa.array(rows)), has[rows]
    sub = _fix_rows(sub, flags & _LT, _strip_tags)
    sub = _fix_rows(sub, flags & _AMP, _ENTITY, html.unescape)
    sub = _fix_rows(sub, flags & _HIGH, _MOJIBAKE, _unmojibake)
    sub = _fix_rows(sub, flags & _HIGH, _lost_continuation_bytes)
    sub = pc.utf8_trim_whitespace(sub)
    return pc.replace_with_mask(raw, pa.array(has != 0), sub)


_LT, _AMP, _HIGH, _EDGE = 1, 2, 4, 8
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True
_LUT = np.zeros(256, dtype=np.uint8)
_LUT[ord("<")] = _LT
_LUT[ord("&")] = _AMP
_LUT[0xC3] = _HIGH  # first UTF-8 byte of Â, Ã and â: every mojibake sequence starts with one


def _bytes_present(s: pa.Array) -> np.ndarray:
    """One pass over the text bytes: per row, bits for '<', '&', mojibake lead bytes, and
    whitespace at either end (what :func:`clean_content` may have to change)."""
    s = s if pa.types.is_large_string(s.type) else pc.cast(s, pa.large_string())
    bufs = s.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[s.offset:s.offset + len(s) + 1]
    if bufs[2] is None or offsets[-1] == offsets[0]:
        return np.zeros(len(s), dtype=np.uint8)
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    flags = _LUT[data]
    starts = offsets[:-1] - offsets[0]
    nonempty = offsets[1:] > offsets[:-1]
    out = np.zeros(len(s), dtype=np.uint8)
    if nonempty.any():
        out[nonempty] = np.bitwise_or.reduceat(flags, starts[nonempty])
        # whitespace (or a non-ASCII byte, maybe a Unicode space) at either end: trim
        first = data[starts[nonempty]]
        last = data[offsets[1:][nonempty] - offsets[0] - 1]
        edge = _SPACE[first] | _SPACE[last] | (first >= 0x80) | (last >= 0x80)
        out[np.flatnonzero(nonempty)[edge]] |= _EDGE
    return out


def _strip_tags(s: pa.Array) -> pa.Array:
    """Paragraph breaks and <br> to newlines, then drop every tag (vectorised, Arrow)."""
    s = pc.replace_substring_regex(s, r"</p>\s*<p[^>]*>", "\n\n")
    s = pc.replace_substring_regex(s, r"(?i)<br\s*/?>", "\n")
    return pc.replace_substring_regex(s, _TAG, "")


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _fix_rows(s: pa.Array, candidates: np.ndarray, pattern, fix=None) -> pa.Array:
    """Repair only the rows that need it.

    ``candidates`` (non-zero = maybe) comes from a fast byte scan. With ``fix`` None,
    ``pattern`` is a vectorised function applied to the candidate rows; otherwise the candidate
    rows matching the regex ``pattern`` are passed one by one to the Python function ``fix``
    (usually few rows).
    """
    cand = np.asarray(candidates) != 0
    if not cand.any():
        return s
    idx = pa.array(np.flatnonzero(cand))
    sub = s.take(idx)
    if fix is None:
        return pc.replace_with_mask(s, pa.array(cand), pattern(sub))
    hit = pc.fill_null(pc.match_substring_regex(sub, pattern), False)
    if not _any(hit):
        return s
    fixed = [fix(text) for text in sub.filter(hit).to_pylist()]  # per-row: the few rows flagged
    need = np.zeros(len(s), dtype=bool)
    need[idx.filter(hit).to_numpy()] = True
    return pc.replace_with_mask(s, pa.array(need), pa.array(fixed, type=s.type))


def _lost_continuation_bytes(s: pa.Array) -> pa.Array:
    """Mojibake whose invisible continuation bytes were dropped on a later save: a bare ``â``
    is all that is left of ``’`` or ``—``. Repaired only where the reading is unambiguous in
    English: a contraction (``Iranâs`` -> ``Iran’s``, ``donât`` -> ``don’t``) or a dash between
    spaces (``a â b`` -> ``a — b``). Words that really hold ``â`` (``château``) are left alone.
    """
    s = pc.replace_substring_regex(s, r"([A-Za-z])\x{e2}(s|t|ll|re|ve|d|m)\b", "\\1\u2019\\2")
    return pc.replace_substring_regex(s, r"(\s)\x{e2}(\s)", "\\1\u2014\\2")


def _unmojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1/cp1252. The exact round trip first (cheap); ftfy's heuristics
    when the text mixes mojibake with correct characters."""
    for codec in ("latin-1", "cp1252"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return ftfy.fix_encoding(text)
