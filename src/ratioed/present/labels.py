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


def agree(n: int, singular: str, plural: str) -> str:
    """The verb (or any word) that agrees with ``n``: ``agree(1, "meets", "meet")`` -> "meets"."""
    return singular if int(n) == 1 else plural


def counted(n: int, noun: str, singular: str, plural: str, plural_noun: str | None = None) -> str:
    """A count, its noun and a verb that agree: ``counted(1, "post", "meets", "meet")`` -> "one
    post meets"; ``counted(2, ...)`` -> "two posts meet"; ``counted(0, ...)`` -> "no posts
    meet"."""
    return f"{count(n, noun, plural_noun)} {agree(n, singular, plural)}"


def of_total(n: int, total: int, noun: str, singular: str, plural: str) -> str:
    """"One post of 106 meets", "3 posts of 106 meet", "None of the 106 posts meets": a part
    of a whole, the verb agreeing with the part (a sentence's start: capitalised)."""
    n, total = int(n), int(total)
    if n == 0:
        return f"None of the {total:,} {noun if total == 1 else noun + 's'} {singular}"
    words = count(n, noun)
    return f"{words[0].upper()}{words[1:]} of {total:,} {agree(n, singular, plural)}"


def amount(n, noun: str, plural: str | None = None) -> str:
    """A count in digits with its noun in the right number: "19,954 replies", "1 reply"
    (``amount(1, "reply", "replies")``); "" for a missing count."""
    if n is None or (isinstance(n, float) and n != n):
        return ""
    return f"{number(n, 0)} {noun if n == 1 else (plural or noun + 's')}"


def flagged_sentence(flagged: int, posts: int, span: str = "", highlight_only: bool = False,
                     rule: str = "the story\u2019s definition") -> str:
    """The lede's count of ratioed posts, its verb agreeing: "Of the 106 posts with counts in
    this input (11 to 19 July 2025), it is the only one that meets the story's definition." /
    "..., one post meets ..." / "..., 3 posts meet ..." / "..., none meets ...". ``highlight_only``:
    the one post flagged is the highlighted one."""
    flagged, posts = int(flagged), int(posts)
    head = (f"Of the {amount(posts, 'post')} with counts in this input"
            + (f" ({span})" if span else "") + ", ")
    if posts == 1:
        head = "Of the one post with counts in this input" + (f" ({span})" if span else "") + ", "
    if flagged == 0:
        return head + f"none meets {rule}."
    if flagged == 1 and highlight_only:
        return head + f"it is the only one that meets {rule}."
    verb = agree(flagged, "meets", "meet")
    return head + f"{number(flagged, 0)} {agree(flagged, 'post', 'posts')} {verb} {rule}."


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


def definition(key: str, platform: str | None = None) -> str:
    """``"either"`` -> '"either": more replies than likes or more replies than re-truths'."""
    return f"\u201c{key}\u201d: {definition_words(key, platform)}"


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


def zone_name(value, tz: str | None) -> str:
    """How a time of day names its zone: the abbreviation in use (``EDT``, ``BST``) when it is
    letters, else the IANA name (``Asia/Kolkata`` is "+0530" abbreviated); ``UTC`` for UTC."""
    abbr = value.tzname() if getattr(value, "tzinfo", None) is not None else None
    if abbr and abbr.isalpha():
        return abbr
    return tz or abbr or ""


def moment(value, tz: str | None = None, short: bool = False) -> str:
    """An ISO time as "12 July 2025, 17:21 EDT": the time of day in ``tz`` when given, always
    with its zone named. ``short``: "12 Jul 2025 17:21 EDT" (figures and tight tables)."""
    value = _when(value)
    if value is None:
        return ""
    if tz and value.tzinfo is not None:
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo(tz))
    zone = zone_name(value, tz)
    if short:
        return f"{value.day} {value:%b %Y %H:%M}" + (f" {zone}" if zone else "")
    return f"{day(value)}, {value:%H:%M}" + (f" {zone}" if zone else "")


def local_times(times, tz: str, fmt: str = "%Y-%m-%d %H:%M %Z"):
    """UTC times (a tz-aware pandas Series) as text in ``tz`` (``2025-07-12 17:21 EDT``), by
    Arrow in one call (:func:`ratioed.inputs.files.format_times`). Missing times stay missing."""
    from ..inputs.files import format_times

    return format_times(times, tz, fmt)


def day_span(first, last, tz: str | None = None) -> str:
    """Two days as one span, in ``tz``: "11 to 19 July 2025", "30 June to 2 July 2025",
    "31 December 2024 to 2 January 2025", "12 July 2025" (one day); "" when either is missing."""
    a, b = _when(first), _when(last)
    if a is None or b is None:
        return ""
    if tz:
        from zoneinfo import ZoneInfo

        a = a.astimezone(ZoneInfo(tz)) if getattr(a, "tzinfo", None) is not None else a
        b = b.astimezone(ZoneInfo(tz)) if getattr(b, "tzinfo", None) is not None else b
    if (a.year, a.month, a.day) == (b.year, b.month, b.day):
        return day(a)
    if a.year != b.year:
        return f"{day(a)} to {day(b)}"
    if a.month != b.month:
        return f"{a.day} {a:%B} to {day(b)}"
    return f"{a.day} to {day(b)}"


def date_range(start, end) -> str:
    """The date window (calendar days, as given: already in the build's ``tz``) in words:
    "11 to 19 July 2025", "from 1 July 2025", "up to 2 July 2025", "all dates in the input"."""
    if start and end:
        return day_span(str(start), str(end))
    if start:
        return f"from {day(str(start))}"
    if end:
        return f"up to {day(str(end))}"
    return "all dates in the input"


def _retrieved(source: dict, tz: str | None) -> str:
    """When a source's counts were captured, in words: the capture time the file states, else
    when it was downloaded, else the record's own words ("January 2026"), else "not recorded"."""
    rec = source.get("download_record") or {}
    if source.get("captured_at"):
        return f"captured {day(source['captured_at'], tz)}"
    if source.get("retrieved_at") or rec.get("retrieved_at"):
        return f"retrieved {day(source.get('retrieved_at') or rec.get('retrieved_at'), tz)}"
    if rec.get("retrieved"):
        return f"retrieved {str(rec['retrieved']).split(':', 1)[0].strip()}"
    return "capture date not recorded"


def source_credit(source: dict, tz: str | None = None) -> str:
    """One source in words: its file name, who publishes it and its URL when its download
    record says, its posts' days (in ``tz``) and when its counts were captured."""
    rec = source.get("download_record") or {}
    name = str(source.get("source") or "").replace("\\", "/").rsplit("/", 1)[-1] or "the input"
    url = source.get("url") or rec.get("url")
    who = str(rec.get("publisher") or "").split(";", 1)[0].strip()
    where = ", ".join(x for x in (who, url) if x) or "a local file"
    span = day_span(source.get("first_post"), source.get("last_post"), tz)
    return (f"{name} ({where})" + (f", posts of {span}" if span else "")
            + f", counts as captured ({_retrieved(source, tz)})")


def source_line(sources: list[dict], tz: str | None = None, most: int = 3) -> str:
    """The source line under every figure and table, and in each figure's files: "Source:
    <file> (<publisher>, <URL>), posts of 11 to 19 July 2025, counts as captured (retrieved
    January 2026)." ``sources``: the provenance's entries (:func:`ratioed.present.record.provenance`)."""
    if not sources:
        return ""
    shown = [source_credit(s, tz) for s in sources[:most]]
    more = len(sources) - len(shown)
    return ("Source: " if len(sources) == 1 else "Sources: ") + "; ".join(shown) + (
        f"; and {count(more, 'more file')}" if more else "") + "."


def shares(platform: str | None = None, n: int = 2) -> str:
    """The platform's word for shares of a post (:data:`ratioed.inputs.platforms.SHARE_WORDS`):
    "re-truths" on Truth Social, "boosts" on Mastodon, "retweets" on X, "reposts" on Bluesky;
    the singular when ``n`` is 1."""
    from ..inputs.platforms import share_words

    one, many = share_words(platform)
    return one if n == 1 else many


def platform_headings(platform: str | None = None) -> dict:
    """The headings that name the platform's shares ("Retweets", "Replies per retweet")."""
    many = shares(platform)
    return {"retruths": many[0].upper() + many[1:],
            "reply_retruth_ratio": f"Replies per {shares(platform, 1)}"}


def definition_words(key: str, platform: str | None = None) -> str:
    """A definition of "ratioed" in the platform's words: "more replies than likes and more
    replies than retweets" on X."""
    return DEFINITION_WORDS.get(key, key).replace("re-truths", shares(platform))


def column(name: str, overrides: dict | None = None, platform: str | None = None) -> str:
    """A table heading for a machine column name, in the platform's words."""
    if overrides and name in overrides:
        return overrides[name]
    if platform is not None and name in ("retruths", "reply_retruth_ratio"):
        return platform_headings(platform)[name]
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
