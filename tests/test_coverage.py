"""ratioed.analysis.coverage on hand-made (MADE-UP) creation times, the made-up archive, and the real
one-week sample (whose README says it has no rows between 15 Jul 15:02 and 16 Jul 15:17 UTC)."""

from __future__ import annotations

import pandas as pd
import pytest

from made_up_archive import HIGHLIGHT_AT, canonical, made_up_archive
from ratioed import load_archive
from ratioed.analysis.coverage import (
    COVERAGE_COLUMNS,
    LISTED_SILENCE,
    MAX_SILENCE,
    coverage_table,
    monthly_flags,
    posts_per_month,
    silences,
)
from ratioed.analysis.ratios import add_ratios


def utc(*times: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(times), utc=True, format="ISO8601"))


def test_silences_strictly_longer_than_the_threshold():
    t = utc("2025-01-01 00:00", "2025-01-03 00:00", "2025-01-05 00:01", "2025-01-05 01:00")
    gaps = silences(t)  # 48 h exactly is not listed; 48 h 1 min is
    assert gaps.to_dict("records") == [{"start": t[1], "end": t[2], "hours": pytest.approx(48 + 1 / 60)}]


def test_silences_unsorted_input_and_missing_times():
    t = pd.Series([pd.Timestamp("2025-03-01", tz="UTC"), pd.NaT, pd.Timestamp("2025-01-01", tz="UTC")])
    assert silences(t)["hours"].tolist() == [59 * 24]


def test_silences_count_the_edges_of_a_span():
    t = utc("2025-03-01", "2025-03-02")
    gaps = silences(t, MAX_SILENCE, since="2024-11-01", until="2025-06-15")
    assert gaps["start"].tolist() == [pd.Timestamp("2024-11-01", tz="UTC"),
                                      pd.Timestamp("2025-03-02", tz="UTC")]
    assert silences(t, MAX_SILENCE, since="2024-12-15", until="2025-05-30").empty
    empty = silences(utc(), MAX_SILENCE, since="2024-01-01", until="2024-12-31")
    assert empty["hours"].tolist() == [365 * 24]  # no post in the span: one silence
    assert silences(utc()).empty and silences(utc("2025-01-01")).empty


def test_posts_per_month_includes_empty_months():
    months = posts_per_month(utc("2025-01-31 23:59", "2025-01-01", "2025-04-01 00:00"))
    assert months["posts"].tolist() == [2, 0, 0, 1]
    assert months["month"].iloc[1] == pd.Timestamp("2025-02-01", tz="UTC")
    assert posts_per_month(utc()).empty


def test_coverage_table():
    t = utc("2025-01-01", "2025-01-02", "2025-01-10", "2025-02-03")
    table = coverage_table(t)
    assert list(table.columns) == COVERAGE_COLUMNS
    assert table["kind"].tolist() == ["span", "month", "month", "silence", "silence"]
    span = table.iloc[0]
    assert (span["start"], span["end"], span["posts"]) == (t[0], t[3], 4)
    assert table.loc[table["kind"] == "month", "posts"].tolist() == [3, 1]
    assert table.loc[table["kind"] == "silence", "hours"].tolist() == [192.0, 576.0]
    empty = coverage_table(utc())
    assert empty["kind"].tolist() == ["span"] and empty["posts"].tolist() == [0]


def test_made_up_archive_lists_only_its_spring_quiet_spell():
    table = coverage_table(made_up_archive()["created_at"])
    gaps = table.loc[table["kind"] == "silence"]
    assert len(gaps) == 1 and gaps["hours"].iloc[0] / 24 == pytest.approx(73, abs=1)
    assert gaps["hours"].iloc[0] < MAX_SILENCE / pd.Timedelta(hours=1)
    months = table.loc[table["kind"] == "month"]
    assert months["posts"].sum() == 30_000 and len(months) == 45


def test_monthly_flags_since_a_post():
    posts = add_ratios(canonical(made_up_archive(["2025-09-01 12:00"])))
    monthly = monthly_flags(posts, ["ratioed_both", "ratioed_retruths"], since=HIGHLIGHT_AT)
    assert monthly["month"].iloc[0] == pd.Timestamp("2025-07-01", tz="UTC")
    assert monthly.set_index(monthly["month"].dt.month)["ratioed_both"].to_dict() == {
        7: 0, 8: 0, 9: 1, 10: 0}  # the highlight itself is not "since" it
    assert monthly["posts"].sum() == (posts["created_at"] > HIGHLIGHT_AT).sum()
    none = monthly_flags(posts, ["ratioed_both"], since="2030-01-01")
    assert none.empty and list(none.columns) == ["month", "posts", "ratioed_both"]
    assert monthly_flags(posts, ["ratioed_both"])["posts"].sum() == len(posts)


def test_real_week_shows_its_one_day_gap(week):
    a = load_archive(week, content=False)
    gaps = silences(a.posts["created_at"], pd.Timedelta(hours=20))
    assert len(gaps) == 1
    assert gaps["start"].iloc[0].strftime("%d %H:%M") == "15 15:02"
    assert gaps["end"].iloc[0].strftime("%d %H:%M") == "16 15:17"
    assert silences(a.posts["created_at"], LISTED_SILENCE).empty
