"""What stretch of time an input covers, and where posts may be missing.

The public archive is built by a scraper that has had outages, and a sample may hold a few
weeks out of years. Before "only one post" or "the first time" can be trusted, a reader must
see the input's coverage: its first and last post, its posts per month, and every *silence*
(a stretch with no post at all) longer than :data:`LISTED_SILENCE`.

All times are UTC; months are calendar months in UTC. A silence is measured between
consecutive creation times; when a span's edges are given (``since``/``until``) the stretch
from the edge to the nearest post counts as a silence too, so an input that starts late shows
the missing start as a silence.

:data:`MAX_SILENCE` is how long a silence may be for an input to still count as complete.
The real account went quiet for about ten weeks in spring 2022 (after its first post in mid
February 2022, hardly anything until late April: some 70-75 days), so a threshold must be above
that to accept the real, complete archive; 90 days is the smallest round number of days above
it with some margin, and a scraper outage or a missing slice of a year (a hole of months or
years, as in a sample) is longer. The account posts many times a day since 2022, so any silence
of more than a few days outside spring 2022 is already listed in the coverage table for a
reader to judge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import story

LISTED_SILENCE = pd.Timedelta(hours=48)  # silences longer than this are listed in the table
MAX_SILENCE = pd.Timedelta(days=90)  # longer than this: the input cannot be called complete
ACCOUNT_START = pd.Timestamp(story.PLATFORM_START, tz="UTC")  # the account's first post
SILENCE_COLUMNS = ["start", "end", "hours"]
COVERAGE_COLUMNS = ["kind", "start", "end", "posts", "hours"]


def _utc(times) -> pd.Series:
    """Creation times as a sorted tz-aware UTC series without missing values."""
    s = pd.to_datetime(pd.Series(times), utc=True).dropna().dt.as_unit("us")
    return s.sort_values(kind="stable").reset_index(drop=True)


def utc_time(when) -> pd.Timestamp:
    """A timestamp in UTC; a time without a zone is taken as UTC."""
    t = pd.Timestamp(when)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def silences(times, longer_than: pd.Timedelta = LISTED_SILENCE, since=None,
             until=None) -> pd.DataFrame:
    """Every stretch without a post longer than ``longer_than``: columns ``start`` (the last
    post before it, or ``since``), ``end`` (the next post, or ``until``) and ``hours`` (float).

    ``since``/``until`` (UTC timestamps or strings) restrict the span looked at and make its
    edges count: the time from ``since`` to the first post after it is a silence if long enough.
    With no post at all inside a given span, the whole span is one silence.
    """
    t = _utc(times)
    since = None if since is None else utc_time(since)
    until = None if until is None else utc_time(until)
    if since is not None:
        t = t.loc[t >= since]
    if until is not None:
        t = t.loc[t <= until]
    stamps = t.to_numpy(dtype="datetime64[ns]")  # UTC, without the zone: fast arithmetic
    if since is not None:
        stamps = np.concatenate([[since.tz_localize(None).to_datetime64()], stamps])
    if until is not None:
        stamps = np.concatenate([stamps, [until.tz_localize(None).to_datetime64()]])
    stamps = stamps.astype("datetime64[ns]")
    gap = stamps[1:] - stamps[:-1]
    long = gap > longer_than.to_timedelta64()
    start = pd.to_datetime(stamps[:-1][long]).tz_localize("UTC").as_unit("us")
    end = pd.to_datetime(stamps[1:][long]).tz_localize("UTC").as_unit("us")
    long = pd.DataFrame({"start": start, "end": end,
                         "hours": gap[long] / np.timedelta64(1, "h")}).astype({"hours": float})
    return long[SILENCE_COLUMNS]


def posts_per_month(times) -> pd.DataFrame:
    """Posts per calendar month (UTC) from the first post's month to the last's, months with
    no post included (a hole shows as 0): columns ``month`` (first day, UTC) and ``posts``."""
    t = _utc(times)
    if t.empty:
        return pd.DataFrame({"month": pd.Series([], dtype="datetime64[us, UTC]"),
                             "posts": pd.Series([], dtype="int64")})
    month = t.dt.tz_localize(None).dt.to_period("M")
    counts = month.value_counts()
    every = pd.period_range(month.min(), month.max(), freq="M")
    return pd.DataFrame({"month": every.to_timestamp().tz_localize("UTC"),
                         "posts": counts.reindex(every, fill_value=0).to_numpy(dtype="int64")})


def coverage_table(times, longer_than: pd.Timedelta = LISTED_SILENCE) -> pd.DataFrame:
    """The coverage of an input as one table (``kind, start, end, posts, hours``):

    * ``span`` -- first and last post, the number of posts and the hours between them;
    * ``month`` -- one row per calendar month (UTC) from the first to the last: its first day,
      the next month's first day, its posts (0 for a month with none);
    * ``silence`` -- every silence longer than ``longer_than`` (48 hours by default): the posts
      around it and its length in hours.

    No posts: one ``span`` row with 0 posts and empty times.
    """
    t = _utc(times)
    if t.empty:
        return pd.DataFrame([{"kind": "span", "start": pd.NaT, "end": pd.NaT, "posts": 0,
                              "hours": float("nan")}], columns=COVERAGE_COLUMNS)
    span = pd.DataFrame([{"kind": "span", "start": t.iloc[0], "end": t.iloc[-1], "posts": len(t),
                          "hours": (t.iloc[-1] - t.iloc[0]) / pd.Timedelta(hours=1)}])
    months = posts_per_month(t)
    month_rows = pd.DataFrame({"kind": "month", "start": months["month"],
                               "end": months["month"] + pd.offsets.MonthBegin(1),
                               "posts": months["posts"], "hours": float("nan")})
    gaps = silences(t, longer_than).assign(kind="silence", posts=0)
    table = pd.concat([span, month_rows, gaps[COVERAGE_COLUMNS]], ignore_index=True)
    for c in ("start", "end"):
        table[c] = pd.to_datetime(table[c], utc=True).dt.as_unit("us")
    table["posts"] = table["posts"].astype("int64")
    table["hours"] = table["hours"].astype(float).round(1)
    return table[COVERAGE_COLUMNS]


def monthly_flags(posts: pd.DataFrame, flag_columns: list[str], since=None) -> pd.DataFrame:
    """Posts per calendar month (UTC) and, for each boolean column in ``flag_columns``, how
    many of them are True; only posts created after ``since`` (strictly) when it is given.
    Months with no post are included, from the first post's month to the last's."""
    p = posts
    if since is not None:
        p = p.loc[p["created_at"] > utc_time(since)]
    months = posts_per_month(p["created_at"])
    if months.empty:
        return months.assign(**{c: pd.Series([], dtype="int64") for c in flag_columns})
    key = p["created_at"].dt.tz_convert("UTC").dt.tz_localize(None).dt.to_period("M")
    every = pd.PeriodIndex(months["month"].dt.tz_localize(None), freq="M")
    for c in flag_columns:
        months[c] = p[c].astype(bool).groupby(key).sum().reindex(every, fill_value=0).to_numpy(
            dtype="int64")
    return months
