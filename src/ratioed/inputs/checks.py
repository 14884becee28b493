"""The shared value checks: what a date, a time zone, a definition, a post id, a window or an
account handle must be, turning a raw value into a typed one. The parameters use them all
(:mod:`ratioed.pipeline.params`); the readers use the same handle rule on the data.

Each check takes the raw value (a string from Make or ``--set``; any YAML value from a parameter
file) and returns the typed value, or raises ``ValueError(problem)``; :mod:`ratioed.pipeline.params`
names the parameter in the table :data:`ratioed.pipeline.params.PARAMETERS` and turns the problem into a
one-line :class:`ratioed.errors.ParameterError`. Nothing here imports pandas.
"""

from __future__ import annotations

import re
import shlex
from datetime import date, datetime
from pathlib import Path

_WINDOW = re.compile(r"([1-9][0-9]{0,6})(D|h|min|s)")
_WINDOW_SECONDS = {"D": 86400, "h": 3600, "min": 60, "s": 1}
_MAX_WINDOW_SECONDS = 100 * 366 * 86400  # far inside pandas' Timedelta range (~292 years)
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def _text(value) -> str:
    if isinstance(value, (dict, list, tuple, set)):
        raise ValueError("a single value is needed, not a list or mapping")
    return str(value).strip()


def as_date(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise ValueError("a day is needed, not a time")
    if isinstance(value, date):  # YAML reads an unquoted 2025-07-11 as a date
        return value.isoformat()
    text = _text(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError("not a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as err:
        raise ValueError(f"not a real date ({err})") from None


def as_zone(value) -> str:
    """An IANA zone name that zoneinfo, pandas *and* Arrow can use. zoneinfo also loads the
    system database's ``right/`` (leap-second) and ``posix/`` copies and its ``posixrules`` and
    ``Factory`` files, which Arrow refuses (a notebook would fail on them); every zone name
    proper starts with a capital letter (``America/New_York``, ``UTC``, ``Etc/GMT+5``)."""
    import sys
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    text = _text(value)
    if text.split("/", 1)[0] in ("right", "posix"):
        raise ValueError("not an IANA time zone name that pandas and Arrow can use (the "
                         "right/ and posix/ copies are not; use the name without the prefix)")
    if not re.fullmatch(r"[A-Z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", text) \
            or text in {"posixrules", "Factory"}:
        raise ValueError("not an IANA time zone name")
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("not an IANA time zone name") from None
    pa, pc = sys.modules.get("pyarrow"), sys.modules.get("pyarrow.compute")
    if pa is not None and pc is not None:  # already loaded (a notebook, a test): ask Arrow too
        try:
            pc.day(pa.array([0], pa.timestamp("s", tz=text)))
        except Exception:  # noqa: BLE001 - Arrow raises several kinds for an unknown zone
            raise ValueError("not an IANA time zone name that Arrow can use") from None
    return text


def as_choice(value, choices, problem: str) -> str:
    """``value`` as one of ``choices`` (exactly), else ``ValueError(problem)``."""
    text = _text(value)
    if text not in choices:
        raise ValueError(problem)
    return text


def as_post_id(value) -> str:
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("not a post id (write it as a quoted string of digits)")
    text = _text(value)
    if not re.fullmatch(r"[1-9][0-9]{0,24}", text):
        raise ValueError("not a post id (digits only, no leading zero)")
    return text


def as_window(value) -> str:
    text = _text(value)
    match = _WINDOW.fullmatch(text)
    if not match:
        raise ValueError("not a window length")
    if int(match[1]) * _WINDOW_SECONDS[match[2]] > _MAX_WINDOW_SECONDS:
        raise ValueError("window longer than 100 years")
    return text


def as_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return False
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("not true or false")


def as_account(value) -> str | None:
    if value is None or value == "":
        return None
    text = _text(value).lstrip("@")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+(@[A-Za-z0-9.\-]+)?", text):
        raise ValueError("not an account name (a username such as realDonaldTrump, or "
                         "user@domain)")
    return text


REPLIES_CHOICES = ("include", "exclude")  # whether replies to other accounts are kept (rules)


def as_replies(value) -> str:
    text = _text(value).lower()
    if text not in REPLIES_CHOICES:
        raise ValueError("not include or exclude")
    return text


def as_sha256(value) -> str | None:
    if value is None or value == "":
        return None
    text = _text(value).lower().removeprefix("sha256:")
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise ValueError("not a sha256 (64 hexadecimal digits)")
    return text


def as_optional_path(value) -> str | None:
    if value is None or value == "":
        return None
    return _text(value)


def as_sources(value) -> list[str]:
    """A list from YAML; from Make a string: one existing file name as a whole (spaces, quotes
    and all), else names separated by spaces, quoted as in a shell when they hold spaces."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if isinstance(item, (dict, list, tuple)) or item is None or str(item).strip() == "":
                raise ValueError("each source must be a file name or URL")
            out.append(str(item).strip())
        return out
    if isinstance(value, dict):
        raise ValueError("a list of file names or URLs is needed, not a mapping")
    text = str(value)
    if text.strip() and Path(text).expanduser().is_file():
        return [text]
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as err:  # an unbalanced quote
        raise ValueError(f"cannot split into file names ({err}); put a name with spaces or "
                         "quotes in single quotes: SOURCE=\"'my posts.csv' b.jsonl\"") from None
