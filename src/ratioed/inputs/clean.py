"""Repairing post text: HTML to text, entities, mojibake, line ends (which posts the analysis
keeps is :mod:`ratioed.inputs.rules`).

All functions work on whole columns (pyarrow compute). What needs Python's own parsers -- HTML
outside the archive's own tag shape (lexbor's HTML5 parser, through selectolax), entities other
than the common few (:func:`html.unescape`) and mojibake (an exact Latin-1/cp1252 round trip,
else :func:`ftfy.fix_encoding`) -- runs only on the rows a vectorised test found to need it.
Arrow's regex replacement costs more per row and per match than per byte, so the vectorised
steps are written for few passes over few rows (``python benchmarks/text.py --ab`` times them).
"""

from __future__ import annotations

import html
import re
from itertools import pairwise

import ftfy
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# UTF-8 read as Latin-1 or cp1252. A UTF-8 lead byte (0xC2-0xF4) read that way is one of
# Â..ô, a continuation byte (0x80-0xBF) a C1 control or ¡..¿ (Latin-1) or one of cp1252's
# glyphs for 0x80-0x9F. Mojibake of any script is a lead glyph followed by a continuation
# glyph; "Ã " is "à" whose no-break space became a plain space.
_CP1252_C1 = ("\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d"
              "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178")
_MOJIBAKE = f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_C1}]|\u00c3 "
_ENTITY = r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});"
# A row holds markup when it has a complete tag or a comment; a lone "<" ("x < y") is text.
_MARKUP = r"</?[A-Za-z][^<>]*>|<!--"
# Rows whose only tags are <p>, <br>, <a> and <span> (lower case, attribute values free of
# "<" and ">") -- the HTML Truth Social and Mastodon write -- take the vectorised path, where
# each <p> or </p> is a paragraph break, as in the parser: the text is the parser's
# (tests/test_clean.py checks it). Rows holding anything else go to the parser, and so do
# the few where decoding entities after the tags are gone could differ: an entity cut by a
# tag ("&am<b></b>p;"), white space written as an entity ("&#10;", "&Tab;"), "&&".
_WS = "[ \t\n\f]"  # HTML white space (not the no-break space)
_ATTR = r"""(?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>=`]+))?)"""
_TEXT = (r"[^<&\x00\x01]|&#39;|&#x27;"
         r"|&(?:[A-MO-SU-Za-z0-9][A-Za-z0-9]*)?(?:[^#&A-Za-z0-9<\x00\x01]|$)")
_PLAIN_MARKUP = rf"^(?:{_TEXT}|<(?:p|br|a|span){_ATTR}*\s*/?>|</(?:p|a|span)>)*$"
_BREAK = "\x01"  # marks a paragraph break until the breaks are collapsed
_SKIP = ["script", "style", "template", "noscript", "iframe", "object", "select", "textarea"]
_BLOCKS = ("p, div, li, ul, ol, dl, dt, dd, h1, h2, h3, h4, h5, h6, blockquote, pre, table, tr, "
           "hr, section, article, aside, header, footer, nav, figure, figcaption, address, main")


def clean_content(raw: pa.Array) -> pa.Array:
    """Turn the archive's ``content`` (HTML or text, maybe mojibake) into plain text.

    Takes and returns an Arrow string array (same length and type); missing content stays
    missing. In order:

    1. Line ends: ``\\r\\n`` and ``\\r`` become ``\\n``.
    2. HTML, only in rows holding markup (a complete tag such as ``<p>`` or a comment; a lone
       ``<`` as in ``x < y`` is text): the text a reader sees. Paragraphs and other blocks
       (``<p>``, ``<div>``, ``<li>``, headings ...) are separated by one blank line (``\\n\\n``;
       white space written right after a break goes, as do empty paragraphs), ``<br>`` is one
       newline, every other tag is dropped but keeps its text (a link keeps
       the full URL, hidden ``<span class="invisible">`` parts included), attributes and
       comments are dropped whatever they hold (``<a title="a>b">link</a>`` -> ``link``), as
       is the content of ``<script>``, ``<style>`` and the like. Entities are decoded exactly
       once (``&amp;lt;`` -> ``&lt;``; ``&lt;script&gt;`` is the *text* ``<script>``). Line
       breaks are always newlines, never spaces.
    3. Entities in rows without markup are decoded when the row holds a complete entity
       (``&amp;``, ``&#39;``).
    4. Mojibake: UTF-8 text of any script read as Latin-1 or cp1252 (``ä¸\\xadæ\\x96\\x87`` or
       ``ä¸­æ–‡`` -> ``中文``, ``Iranâ€™s`` -> ``Iran’s``) is decoded back; where continuation
       bytes were lost only ``â`` is left, which is read as ``’`` in an English contraction
       (``Iranâs`` -> ``Iran’s``) and as ``—`` between spaces. Correct text (``château``,
       ``naïve``, ``€``, ``中文``) is left alone. Candidates are rows holding a lead glyph
       (``Â``..``ô``) right before a continuation glyph (a C1 control, ``¡``..``¿`` or one of
       cp1252's glyphs such as ``€ ’ —``); one of them is decoded when the whole row is valid
       UTF-8 once re-encoded as Latin-1 or cp1252, else by ftfy. A correct row that happens to
       pass that test (``ß€`` is the cp1252 reading of ``߀``) cannot be told from mojibake.
    5. Whitespace at either end is trimmed.

    Rows are sorted by a vectorised byte scan, so each repair, and Python itself, sees only
    the rows that need it; rows of the archive's own markup skip the parser (same text).
    """
    has = _bytes_present(raw)
    rows = np.flatnonzero(has)
    if len(rows) == 0:
        return raw
    # work on the rows that need it only, then put them back in one step
    sub, flags = raw.take(pa.array(rows)), has[rows]
    sub = _fix_rows(sub, flags & _CR, _line_ends)
    markup, plain = _markup(sub, flags & _LT)
    amp = (flags & _AMP) != 0
    sub = _html_to_text(sub, plain, markup & ~plain, amp)
    sub = _unescape(sub, amp & ~markup, _ENTITY)
    sub = _unmojibake(sub, flags & _HIGH)
    sub = _fix_rows(sub, _holding(sub, flags & _HIGH, "\u00e2"), _lost_continuation_bytes)
    sub = pc.utf8_trim_whitespace(sub)
    return pc.replace_with_mask(raw, pa.array(has != 0), sub)


_LT, _AMP, _HIGH, _EDGE, _CR = 1, 2, 4, 8, 16
_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True
# the bytes that mark a row as needing a repair; 0xC3 is the first UTF-8 byte of every
# character U+00C0..U+00FF, so of every lead glyph (Â..ô) that mojibake starts with, and of
# the bare "â" that lost bytes leave
_MARK_BYTES = ((ord("<"), _LT), (ord("&"), _AMP), (0xC3, _HIGH), (ord("\r"), _CR))
_SCAN_BLOCK = 1 << 20  # bytes per block of the scan: its temporaries stay in the CPU cache


def _bytes_present(s: pa.Array) -> np.ndarray:
    """Per row, bits for '<', '&', '\r', mojibake lead bytes, and whitespace at either end
    (what :func:`clean_content` may have to change).

    The text bytes are scanned in blocks of whole rows of about :data:`_SCAN_BLOCK` bytes, a
    vectorised compare and a per-row OR (``np.logical_or.reduceat``) per marker byte: the
    block's temporaries are reused and stay in cache, where whole-column temporaries (one
    byte per text byte, per marker) cost more in memory traffic and page faults than the
    compares themselves."""
    s = s if pa.types.is_large_string(s.type) else pc.cast(s, pa.large_string())
    bufs = s.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[s.offset:s.offset + len(s) + 1]
    out = np.zeros(len(s), dtype=np.uint8)
    if bufs[2] is None or offsets[-1] == offsets[0]:
        return out
    data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    ends = offsets - offsets[0]
    rows = np.flatnonzero(ends[1:] > ends[:-1])  # reduceat needs non-empty rows
    starts = ends[:-1][rows]
    # blocks of whole rows: [cuts[i], cuts[i + 1]) in ``rows``
    cuts = np.unique(np.append(np.searchsorted(starts, np.arange(0, ends[-1], _SCAN_BLOCK)),
                               len(rows)))
    hit = np.empty(0, dtype=bool)
    for a, b in pairwise(cuts.tolist()):
        lo, hi = starts[a], ends[rows[b - 1] + 1]
        if hi - lo > len(hit):
            hit = np.empty(hi - lo, dtype=bool)
        block, eq, at = data[lo:hi], hit[:hi - lo], starts[a:b] - lo
        for byte, bit in _MARK_BYTES:
            np.equal(block, byte, out=eq)
            out[rows[a:b][np.logical_or.reduceat(eq, at)]] |= bit
    # whitespace (or a non-ASCII byte, maybe a Unicode space) at either end: trim
    first = data[starts]
    last = data[ends[1:][rows] - 1]
    edge = _SPACE[first] | _SPACE[last] | (first >= 0x80) | (last >= 0x80)
    out[rows[edge]] |= _EDGE
    return out


def _mask(mask: pa.Array) -> np.ndarray:  # rules.as_bool_array would import pandas here
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _holding(s: pa.Array, candidates: np.ndarray, text: str) -> np.ndarray:
    """Which of the ``candidates`` rows hold ``text`` (one regex scan of those rows: RE2 skips
    to a literal's first byte faster than Arrow's match_substring scans)."""
    found = np.zeros(len(s), dtype=bool)
    idx = np.flatnonzero(candidates)
    if len(idx):
        found[idx[_mask(pc.match_substring_regex(s.take(pa.array(idx)), re.escape(text)))]] = True
    return found


def _line_ends(s: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(s, r"\r\n?", "\n")


def _markup(s: pa.Array, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which rows hold markup, and which of those have the archive's plain shape
    (:data:`_PLAIN_MARKUP`); ``candidates`` are the rows holding "<"."""
    markup = np.zeros(len(s), dtype=bool)
    plain = np.zeros(len(s), dtype=bool)
    idx = np.flatnonzero(candidates)
    if len(idx):
        rows = s.take(pa.array(idx))
        is_plain = _mask(pc.match_substring_regex(rows, _PLAIN_MARKUP))
        plain[idx[is_plain]] = True  # a plain row holds "<", so a tag
        other = idx[~is_plain]
        if len(other):
            markup[other] = _mask(pc.match_substring_regex(s.take(pa.array(other)), _MARKUP))
        markup |= plain
    return markup, plain


def _html_to_text(s: pa.Array, plain: np.ndarray, other: np.ndarray,
                  amp: np.ndarray) -> pa.Array:
    """Rows holding markup to text (see :func:`clean_content`, step 2). ``plain`` is True
    where a row's only tags are those of :data:`_PLAIN_MARKUP`, ``other`` where it holds other
    markup, ``amp`` where it holds "&"; other rows are returned as they are.

    Plain rows go through Arrow's regex kernels, three passes: each run of breaks (a ``<p>``
    or ``</p>`` with the white space, tags and further paragraph tags after it, which the
    parser's text would collapse, see :func:`_breaks`) to a blank line, ``<br>`` to a newline,
    other tags dropped; then the entities are decoded (:func:`_unescape`). Other rows go one
    by one through the HTML5 parser (:func:`_parse_html`). Both give the same text for a plain
    row.
    """
    if plain.any():
        t = s.filter(pa.array(plain))
        t = pc.replace_substring_regex(t, _PLAIN_BREAK_RUN, "\n\n")
        t = pc.replace_substring_regex(t, r"<br[^>]*>", "\n")
        t = pc.replace_substring_regex(t, r"<[^>]*>", "")
        t = _unescape(t, amp[plain])
        s = pc.replace_with_mask(s, pa.array(plain), t)
    return _fix_rows(s, other, "", _parse_html)


_BREAK_RUN = re.compile(f"{_BREAK}[{_WS[1:-1]}{_BREAK}]*")
# the same run in a plain row, before its tags are gone: a paragraph tag, then any white
# space and tags (a <br> there is a newline, which the run takes in as well)
_PLAIN_BREAK_RUN = rf"</?p[^>]*>(?:{_WS}|<[^>]*>)*"


def _breaks(text: str) -> str:
    """Each run of break marks, with the HTML white space after it, as one blank line."""
    return _BREAK_RUN.sub("\n\n", text) if _BREAK in text else text


def _parse_html(text: str) -> str:
    """One row of markup through lexbor's HTML5 parser (selectolax): the text of ``<body>``,
    with ``<br>`` as a newline and a blank line between blocks (:func:`_breaks`). Comments
    and the content of ``<script>``, ``<style>`` and the like are dropped; entities are
    decoded by the parser (once)."""
    from selectolax.lexbor import LexborHTMLParser  # only rows with unusual markup get here

    tree = LexborHTMLParser(text.replace(_BREAK, ""))
    body = tree.body
    if body is None:
        return ""
    tree.strip_tags(_SKIP)
    for node in body.css("br"):
        node.replace_with("\n")
    for node in body.css(_BLOCKS):
        node.insert_before(_BREAK)
        node.insert_after(_BREAK)
    return _breaks(body.text(deep=True))


def _fix_rows(s: pa.Array, candidates: np.ndarray, pattern, fix=None) -> pa.Array:
    """Repair only the rows that need it.

    ``candidates`` (non-zero = maybe) comes from a fast byte scan. With ``fix`` None,
    ``pattern`` is a vectorised function applied to the candidate rows; otherwise the candidate
    rows matching the regex ``pattern`` (all of them when it is "") are passed one by one to
    the Python function ``fix`` (usually few rows).
    """
    cand = np.asarray(candidates) != 0
    if not cand.any():
        return s
    idx = pa.array(np.flatnonzero(cand))
    sub = s.take(idx)
    if fix is None:
        return pc.replace_with_mask(s, pa.array(cand), pattern(sub))
    hit = (pc.is_valid(sub) if pattern == "" else
           pc.fill_null(pc.match_substring_regex(sub, pattern), False))
    if not pc.any(hit).as_py():
        return s
    fixed = [fix(text) for text in sub.filter(hit).to_pylist()]  # per-row: the few rows flagged
    need = np.zeros(len(s), dtype=bool)
    need[idx.filter(hit).to_numpy()] = True
    return pc.replace_with_mask(s, pa.array(need), pa.array(fixed, type=s.type))


# the entities most text holds, decoded by literal replacement (&amp; last: decoded once)
_COMMON_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"),
                    ("&#x27;", "'"), ("&nbsp;", "\xa0"), ("&amp;", "&"))


def _none_of(words: list[str]) -> str:
    """A regex matching where the text does not go on with one of ``words`` (a prefix-free
    list of non-empty strings): a character none of them has next, or the end of the text."""
    heads = sorted({w[0] for w in words})
    alts = ["[^" + "".join(re.escape(h) for h in heads) + "]", "$"]
    for h in heads:
        rest = [w[1:] for w in words if w[0] == h]
        if "" not in rest:
            alts.append(re.escape(h) + "(?:" + _none_of(rest) + ")")
    return "|".join(alts)


# an "&" that does not start one of the common entities
_OTHER_AMP = "&(?:" + _none_of([e[1:] for e, _ in _COMMON_ENTITIES]) + ")"


def _unescape(s: pa.Array, candidates: np.ndarray, pattern: str = "") -> pa.Array:
    """:func:`html.unescape` on the ``candidates`` rows that match the regex ``pattern`` (all
    of them when it is ""). Rows whose every "&" starts one of :data:`_COMMON_ENTITIES` (and
    so match :data:`_ENTITY`) are decoded by Arrow's literal replacement, one pass per entity
    they hold, which gives :func:`html.unescape`'s text; the others go one by one to Python."""
    cand = np.asarray(candidates) != 0
    if not cand.any():
        return s
    idx = np.flatnonzero(cand)
    sub = s.take(pa.array(idx))
    other = _mask(pc.match_substring_regex(sub, _OTHER_AMP))
    if (~other).any():
        t = sub.filter(pa.array(~other))
        for entity, char in _COMMON_ENTITIES:
            if pc.any(pc.match_substring_regex(t, re.escape(entity))).as_py():
                t = pc.replace_substring(t, entity, char)
        if not other.any():
            return pc.replace_with_mask(s, pa.array(cand), t)
        sub = pc.replace_with_mask(sub, pa.array(~other), t)
    sub = _fix_rows(sub, other, pattern, html.unescape)
    return pc.replace_with_mask(s, pa.array(cand), sub)


def _lost_continuation_bytes(s: pa.Array) -> pa.Array:
    """Mojibake whose invisible continuation bytes were dropped on a later save: a bare ``â``
    is all that is left of ``’`` or ``—``. Repaired only where the reading is unambiguous in
    English: a contraction (``Iranâs`` -> ``Iran’s``, ``donât`` -> ``don’t``) or a dash between
    spaces (``a â b`` -> ``a — b``). Words that really hold ``â`` (``château``) are left alone.
    """
    s = pc.replace_substring_regex(s, r"([A-Za-z])\x{e2}(s|t|ll|re|ve|d|m)\b", "\\1\u2019\\2")
    return pc.replace_substring_regex(s, r"(\s)\x{e2}(\s)", "\\1\u2014\\2")


def _unmojibake(s: pa.Array, candidates: np.ndarray) -> pa.Array:
    """Undo UTF-8 read as Latin-1 or cp1252, in any script, as often as it was done (twice
    read gives ``Ã¢â‚¬â„¢`` for ``’``), in the ``candidates`` rows holding :data:`_MOJIBAKE`.

    The exact round trip first (cheap, and safe: correct text with the odd accented letter is
    almost never valid UTF-8 once re-encoded); ftfy's heuristics when the row mixes mojibake
    with correct characters, or holds cp1252 mojibake whose undefined bytes (0x81, 0x8D, 0x8F,
    0x90, 0x9D) were kept as C1 controls. A row decoded by the round trip that still holds
    mojibake (found by Arrow's regex kernel, for all such rows at once) takes the round trip
    again, up to three times in all; when it fails again the row stays as it is.
    """
    cand = np.asarray(candidates) != 0
    if not cand.any():
        return s
    idx = pa.array(np.flatnonzero(cand))
    sub = s.take(idx)
    hit = pc.fill_null(pc.match_substring_regex(sub, _MOJIBAKE), False)
    if not pc.any(hit).as_py():
        return s
    texts = sub.filter(hit).to_pylist()  # per-row: the few rows flagged
    again = []
    for i, text in enumerate(texts):
        decoded = _round_trip(text)
        if decoded is None:
            texts[i] = ftfy.fix_encoding(text)
        else:
            texts[i] = decoded
            again.append(i)
    for _ in range(2):  # decoded rows still holding mojibake: read twice, or three times
        if not again:
            break
        still = _mask(pc.match_substring_regex(pa.array([texts[i] for i in again],
                                                        pa.large_string()), _MOJIBAKE))
        decoded_again = []
        for i in (i for i, m in zip(again, still, strict=True) if m):
            decoded = _round_trip(texts[i])
            if decoded is not None:
                texts[i] = decoded
                decoded_again.append(i)
        again = decoded_again
    need = np.zeros(len(s), dtype=bool)
    need[idx.filter(hit).to_numpy()] = True
    return pc.replace_with_mask(s, pa.array(need), pa.array(texts, type=s.type))


def _round_trip(text: str) -> str | None:
    """``text`` re-encoded as Latin-1, else as cp1252, and decoded as UTF-8; None if neither
    gives valid UTF-8."""
    for codec in ("latin-1", "cp1252"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return None

