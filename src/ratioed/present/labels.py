"""Words for parameters and numbers, so every caption, legend, axis label and heading that
names a parameter is generated from it (a 7-day build never says "30 days").

Pure functions of their arguments; no pandas import at module level (the report export uses
them too).
"""

from __future__ import annotations

import math
import numbers as _num
import unicodedata
from datetime import datetime

from .. import story

# the definitions of "ratioed" in words (the rules themselves: ratioed.analysis.ratios.RULES)
DEFINITION_WORDS = {
    "both": "more replies than likes and more replies than re-truths",
    "either": "more replies than likes or more replies than re-truths",
    "likes": "more replies than likes",
    "retruths": "more replies than re-truths",
}

# report headings for the tables' machine column names (CSV keeps the machine names)
COLUMN_LABELS = {
    "id": "Id", "created_local": "Posted", "created_at": "Posted (UTC)",
    "replies": "Replies", "retruths": "Re-truths", "likes": "Likes",
    "reply_like_ratio": "Replies per like", "reply_retruth_ratio": "Replies per re-truth",
    "ratio_multiple": "Times the typical ratio", "trailing_percentile": "Higher than % of earlier posts",
    "trailing_posts": "Earlier posts in the baseline", "text": "Text", "rule": "Rule",
    "definition": "Definition", "posts_flagged": "Posts flagged", "flagged_ids": "Their ids",
    "claim": "Claim", "status": "Verdict", "evidence": "Evidence",
}

_SMALL = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def count(n: int, noun: str | None = None, plural: str | None = None) -> str:
    """``count(1, "post")`` -> "one post"; ``count(1234, "post")`` -> "1,234 posts"."""
    n = int(n)
    words = _SMALL[n] if 0 <= n < len(_SMALL) else f"{n:,}"
    if noun is None:
        return words
    return f"{words} {noun if n == 1 else (plural or noun + 's')}"


def number(value, digits: int = 2) -> str:
    """Display rounding: integers with thousands separators, floats to ``digits`` decimals,
    blank for a missing value (the CSVs keep full precision)."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if isinstance(value, _num.Integral):
        return f"{int(value):,}"
    if isinstance(value, _num.Real):
        value = float(value)
        return "" if math.isnan(value) else f"{value:,.{digits}f}"
    return "" if value is None else str(value)


UNDRAWN = "\u25a1"  # WHITE SQUARE: stands for a character no font draws (a control character)


def drawable(text):
    """Text as a figure can draw it: control characters (a line break aside) and lone
    surrogates, which no font draws and no SVG may hold, become ``UNDRAWN``. Anything that is
    not text is returned as it is."""
    if not isinstance(text, str) or text.isascii() and text.isprintable():
        return text
    return "".join(UNDRAWN if c != "\n" and unicodedata.category(c) in ("Cc", "Cs") else c
                   for c in text)


def window(window: str) -> str:
    """A pandas offset string in words: "30D" -> "30 days", "7D" -> "7 days", "12h" -> "12 hours".

    Anything pandas cannot read as a fixed duration is returned as given.
    """
    import pandas as pd

    try:
        td = pd.Timedelta(str(window))
    except ValueError:
        return str(window)
    seconds = int(td.total_seconds())
    for unit, size in (("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds and seconds % size == 0 and (unit != "week" or str(window).upper().endswith("W")):
            n = seconds // size
            return f"{n:,} {unit}" + ("s" if n != 1 else "")
    return str(window)


def definition(key: str) -> str:
    """``"either"`` -> '"either": more replies than likes or more replies than re-truths'."""
    return f"\u201c{key}\u201d: {DEFINITION_WORDS.get(key, key)}"


def _when(value):
    """A datetime from a datetime or an ISO string; None for blanks, NaT and unreadable text."""
    if value is None or value == "" or str(value) == "NaT":
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace(" ", "T", 1))
        except ValueError:
            return None
    return value


def day(value, tz: str | None = None) -> str:
    """A date or ISO time as "12 July 2025" (no leading zero), the calendar day in ``tz`` when
    given (a post at 02:00 UTC is the previous day in New York)."""
    value = _when(value)
    if value is None:
        return ""
    if tz and getattr(value, "tzinfo", None) is not None:
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo(tz))
    return f"{value.day} {value:%B %Y}"


def moment(value, tz: str | None = None) -> str:
    """An ISO time as "12 July 2025, 21:21 UTC" (in ``tz`` when given)."""
    value = _when(value)
    if value is None:
        return ""
    if tz and value.tzinfo is not None:
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo(tz))
    zone = tz or (value.tzname() if value.tzinfo else "")
    return f"{day(value)}, {value:%H:%M}" + (f" {zone}" if zone else "")


def local_times(times, tz: str, fmt: str = "%Y-%m-%d %H:%M %Z"):
    """UTC times (a tz-aware pandas Series) as text in ``tz`` (``2025-07-12 17:21 EDT``), by
    Arrow in one call (:func:`ratioed.inputs.files.format_times`). Missing times stay missing."""
    from ..inputs.files import format_times

    return format_times(times, tz, fmt)


def date_range(start, end) -> str:
    """The date window in words: "11 July 2025 to 19 July 2025", "from 1 July 2025", "all dates"."""
    if start and end:
        return f"{day(str(start))} to {day(str(end))}"
    if start:
        return f"from {day(str(start))}"
    if end:
        return f"up to {day(str(end))}"
    return "all dates in the input"


def column(name: str, overrides: dict | None = None) -> str:
    """A table heading for a machine column name."""
    if overrides and name in overrides:
        return overrides[name]
    return COLUMN_LABELS.get(name, name.replace("_", " ").capitalize())


# --------------------------------------------------------------------------- the account


def handle(account: str | None) -> str:
    """``@acct`` as the report names an account (the story's when none is said)."""
    return "@" + (account or story.ACCOUNT).lstrip("@")


def title(account: str | None) -> str:
    """The report's title: the story's for its account, else one naming ``@acct``."""
    if story.is_story_account(account):
        return story.TITLE
    return f"Was {handle(account)} \u201cratioed\u201d? Checking the numbers"


def author(account: str | None) -> str:
    """Who wrote the posts, for sentences: "Donald Trump" for the story's account, else
    ``@acct``."""
    return "Donald Trump" if story.is_story_account(account) else handle(account)
