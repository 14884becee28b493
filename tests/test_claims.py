"""Every branch of every check in ratioed.analysis.claims, on small hand-made (MADE-UP) Evidence frames,
then the verdicts on the made-up 30,000-post archive (tests/made_up_archive.py) and on made-up
samples with holes and windows.

None of the posts here is real except the highlighted post's id, time and capture counts.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from made_up_archive import (
    HIGHLIGHT_AT,
    HIGHLIGHT_ID,
    canonical,
    made_up_archive,
    without,
    write_archive,
)
from ratioed import load_archive
from ratioed.analysis.claims import (
    CHECKS,
    CONTRADICTED,
    LEDGER_DEFINITION,
    MEASURED,
    NOT_CHECKABLE,
    SUPPORTED,
    Evidence,
    claims_file,
    evaluate,
    later_flagged,
    read_claims,
)
from ratioed.analysis.completeness import Completeness, declared_flag, download_records
from ratioed.analysis.coverage import ACCOUNT_START
from ratioed.analysis.ratios import STORY_DEFINITION, add_ratios, unusualness
from ratioed.errors import InputError
from ratioed.paths import CLAIMS_GENERIC_YAML, CLAIMS_YAML
from ratioed.present.record import provenance

H = HIGHLIGHT_ID
OBSERVED_AT = "2025-07-13T10:45:00-04:00"


# --------------------------------------------------------------------------- made-up frames


def post(pid: str, when: str, replies: int, retruths: int, likes: int) -> dict:
    return {"id": pid, "created_at": pd.Timestamp(when, tz="UTC"), "replies": replies,
            "retruths": retruths, "likes": likes, "capture": "made-up.csv"}


def background(until: str = "2025-10-30") -> list[dict]:
    """A made-up ordinary post (never ratioed) every 30 days from 10 Feb 2022: no long silence."""
    times = pd.date_range("2022-02-10", until, freq="30D", tz="UTC")
    return [post(f"9{i:05d}", str(t.tz_localize(None)), 10, 50, 100) for i, t in enumerate(times)]


def frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["id", "created_at", "replies", "retruths", "likes", "capture"])
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    df = df.astype({"replies": "int64", "retruths": "int64", "likes": "int64"})
    return add_ratios(df.sort_values("created_at", kind="stable").reset_index(drop=True))


def highlight(replies=19954, retruths=6644, likes=18687) -> dict:
    return post(H, str(HIGHLIGHT_AT.tz_localize(None)), replies, retruths, likes)


def obs(replies=36000, retruths=11000, likes=32000, when=OBSERVED_AT, pid=H) -> pd.DataFrame:
    return pd.DataFrame([{"post_id": pid, "observed_at": pd.Timestamp(when), "replies": replies,
                          "retruths": retruths, "likes": likes, "source": "made up"}])


NO_OBS = obs().iloc[0:0]


def evidence(rows, observations=NO_OBS, complete=True, windowed=False, extra_times=()):
    posts = frame(rows)
    times = pd.concat([posts["created_at"], pd.Series(pd.to_datetime(list(extra_times), utc=True),
                                                      dtype="datetime64[ns, UTC]")],
                      ignore_index=True)
    comp = Completeness(times, windowed, "download record: made up" if complete else None,
                        "made-up.csv has no download record")
    return Evidence(posts=posts, observations=observations, completeness=comp, highlight_id=H)


def verdict(name, ev, **args):
    return CHECKS[name](ev, **args)


# --------------------------------------------------------------------------- completeness


def test_complete_when_all_conditions_hold():
    ev = evidence(background() + [highlight()])
    assert ev.completeness.failures(ACCOUNT_START) == []
    table = ev.completeness.conditions(ACCOUNT_START)
    assert table["holds"].all() and table["detail"].iloc[2].startswith("no silence longer than 90")
    assert ev.completeness.describe(ACCOUNT_START).startswith("complete (download record")


def test_each_failed_condition_is_named():
    rows = [r for r in background() if not "2023-01-01" < str(r["created_at"]) < "2024-06-01"]
    ev = evidence(rows + [highlight()], complete=False, windowed=True)
    failed = ev.completeness.failures(ACCOUNT_START)
    assert failed[0] == "a date window was applied"
    assert failed[1].startswith("the provenance does not show whole published files: "
                                "made-up.csv has no download record")
    assert "longer than 90 days" in failed[2] and "Dec 2022" in failed[2]
    assert ev.completeness.describe(ACCOUNT_START).startswith("not shown to be complete: a date")


def test_late_start_is_a_silence_from_the_account_start():
    rows = [r for r in background() if str(r["created_at"]) > "2024"]
    failed = evidence(rows).completeness.failures(ACCOUNT_START)
    assert len(failed) == 1 and "from 01 Feb 2022 to" in failed[0]


def test_no_posts_and_span_after_last_post():
    comp = Completeness(pd.Series([], dtype="datetime64[ns, UTC]"), False, "made up")
    assert comp.last_post is None
    assert comp.failures(ACCOUNT_START) == ["there are no posts"]
    comp = evidence(background("2024-01-01")).completeness
    failed = comp.failures(pd.Timestamp("2025-01-01", tz="UTC"))
    assert failed and "after the last post" in failed[0]


def test_a_silence_under_the_threshold_is_accepted():
    """The made-up account is quiet for 80 days (under 90): still complete."""
    rows = [r for r in background() if not "2022-03-01" < str(r["created_at"]) < "2022-05-01"]
    assert evidence(rows).completeness.failures(ACCOUNT_START) == []


def entry(path):
    """A provenance entry for ``path`` as ratioed.present.record.provenance writes it."""
    from ratioed.inputs.files import sha256_file
    from ratioed.present.record import download_record
    return {"source": str(path), "sha256": sha256_file(path), "download_record": download_record(path)}


def test_download_records(tmp_path):
    f = write_archive(made_up_archive(n_posts=200), tmp_path / "a.csv")
    good = entry(f)
    records, problems = download_records([good])
    assert problems == [] and records[0]["url"] == "https://example.invalid/truth_archive.csv"
    assert download_records([]) == ([], ["no source is listed in the provenance"])
    other = write_archive(made_up_archive(n_posts=200), tmp_path / "b.csv", record=False)
    _, problems = download_records([entry(other)])
    assert problems == ["b.csv has no download record beside it (b.csv.provenance.json)"]
    _, problems = download_records([{**good, "sha256": "0" * 64}])
    assert "describes other bytes" in problems[0]
    (tmp_path / "a.csv.provenance.json").write_text("{not json")
    _, problems = download_records([entry(f)])
    assert problems == ["a.csv: its download record is unreadable (JSONDecodeError)"]
    (tmp_path / "a.csv.provenance.json").write_text(json.dumps({"sha256": good["sha256"]}))
    assert "unreadable (no url or sha256)" in download_records([entry(f)])[1][0]


def test_every_source_needs_a_record(tmp_path):
    """A downloaded snapshot plus a backfill without a record: not whole published files."""
    a = write_archive(made_up_archive(n_posts=200), tmp_path / "a.csv")
    b = write_archive(made_up_archive(n_posts=100), tmp_path / "b.csv", record=False)
    sources = [entry(p) for p in (a, b)]
    records, problems = download_records(sources)
    assert [r["file"] for r in records] == ["a.csv"] and len(problems) == 1
    comp = Completeness.from_provenance(pd.Series(pd.to_datetime(["2025-01-01"], utc=True)),
                                        False, sources)
    assert comp.whole_files is None and comp.whole_files_problem.startswith("b.csv has no")


@pytest.mark.parametrize("value,expected", [
    (True, True), (False, False), ("True", True), ("false", False), ("False", False),
    ("yes", True), ("0", False), ("", False), (None, False)])
def test_declared_flag_reads_make_strings(value, expected):
    assert declared_flag(value) is expected


def test_declared_flag_refuses_anything_else():
    with pytest.raises(InputError, match="declared_complete.*'maybe' is not true or false"):
        declared_flag("maybe")


def test_from_provenance_record_declaration_or_neither(tmp_path):
    times = pd.Series(pd.to_datetime(["2025-01-01"], utc=True))
    f = write_archive(made_up_archive(n_posts=200), tmp_path / "a.csv")
    src = [entry(f)]
    comp = Completeness.from_provenance(times, False, src)
    assert comp.whole_files.startswith("download record: a.csv downloaded from https://")
    bare = [{"source": str(tmp_path / "x.csv"), "sha256": "x"}]
    declared = Completeness.from_provenance(times, False, bare, declared_complete=True)
    assert declared.whole_files.startswith("declared complete by the build") and declared.declared
    assert "x.csv has no download record" in declared.whole_files_problem
    assert not comp.declared
    neither = Completeness.from_provenance(times, False, bare)
    assert neither.whole_files is None and "x.csv has no download record" in neither.whole_files_problem


# --------------------------------------------------------------------------- C1 highlight_ratioed


def test_highlight_ratioed_supported_contradicted_absent():
    status, text, nums = verdict("highlight_ratioed", evidence([highlight()]))
    assert status == SUPPORTED and nums == {"replies": 19954, "retruths": 6644, "likes": 18687,
                                            "capture": "made-up.csv"}
    # the time in the evidence's zone (America/New_York by default), the zone named
    assert text == (f"Post {H} (12 July 2025, 17:21 EDT) had 19,954 replies, 6,644 re-truths and "
                    "18,687 likes when the archive captured it: more replies than likes and than "
                    "re-truths.")
    # ratioed under "likes" (replies > likes) but not under the story's "both": contradicted
    status, text, nums = verdict("highlight_ratioed", evidence([highlight(retruths=30000)]))
    assert status == CONTRADICTED and nums["retruths"] == 30000
    assert "19,954 replies, 30,000 re-truths and 18,687 likes" in text
    assert text.endswith("captured it: not more replies than likes and than re-truths.")
    status, text, nums = verdict("highlight_ratioed", evidence(background()))
    assert status == NOT_CHECKABLE and nums == {}
    assert text == f"Post {H} is not in the input (posts from 10 Feb 2022 to 22 Oct 2025)."


def test_highlight_ratioed_singular_counts_and_a_zone_without_letters():
    """Made-up counts of one each; a zone whose abbreviation is not letters (Asia/Dubai, "+04")
    is named by its tz name instead; UTC is named UTC."""
    ev = evidence([post(H, "2025-07-12 21:21", 1, 1, 1)])
    status, text, _ = verdict("highlight_ratioed", dataclasses.replace(ev, tz="Asia/Dubai"))
    assert status == CONTRADICTED  # a three-way tie is not ratioed
    assert text.startswith(f"Post {H} (13 July 2025, 01:21 Asia/Dubai) had 1 reply, 1 re-truth "
                           "and 1 like when")
    text = verdict("highlight_ratioed", dataclasses.replace(ev, tz="UTC"))[1]
    assert text.startswith(f"Post {H} (12 July 2025, 21:21 UTC) had")


def test_empty_input_says_no_posts():
    status, text, _ = verdict("highlight_ratioed", evidence([]))
    assert status == NOT_CHECKABLE and text == f"Post {H} is not in the input (no posts)."
    status, text, nums = verdict("only_one", evidence([]))
    assert status == NOT_CHECKABLE and nums["failed_conditions"] == ["there are no posts"]


def test_highlight_tie_is_not_ratioed():
    assert verdict("highlight_ratioed", evidence([highlight(likes=19954)]))[0] == CONTRADICTED


def test_ledger_uses_the_story_definition():
    assert LEDGER_DEFINITION == STORY_DEFINITION == "both"
    assert "definition" not in Evidence.__dataclass_fields__  # no way to mix definitions


# --------------------------------------------------------------------------- C2 observation_agrees


def test_observation_supported_and_higher():
    status, text, nums = verdict("observation_agrees", evidence([highlight()], obs()),
                                 observed_at=OBSERVED_AT)
    assert status == SUPPORTED
    assert nums["observed"] == {"replies": 36000, "retruths": 11000, "likes": 32000}
    assert nums["archive"] == {"replies": 19954, "retruths": 6644, "likes": 18687}
    assert nums["observed_ratioed"] and nums["archive_ratioed"]
    assert (nums["post"], nums["observed_at"], nums["observed_source"]) == (
        H, "2025-07-13T10:45:00-04:00", "made up")
    assert (nums["observed_reply_like_ratio"], nums["archive_reply_like_ratio"]) == (1.125, 1.068)
    assert text == ("made up's reading at 13 July 2025, 10:45 EDT: 36,000 replies, 11,000 "
                    "re-truths, 32,000 likes (1.12 replies per like); the archive's capture: "
                    "19,954 replies, 6,644 re-truths, 18,687 likes (1.07 replies per like). Both "
                    "show more replies than likes and than re-truths, and the reading is higher "
                    "on every count, as a later look should be.")


def test_observation_absent_for_post_or_time():
    ev = evidence([highlight()], obs(pid="1"))
    assert verdict("observation_agrees", ev) == (
        NOT_CHECKABLE, f"No reporter's reading of post {H} is on file.", {})
    status, text, nums = verdict("observation_agrees", evidence([highlight()], obs()),
                                 observed_at="2025-07-14T00:00:00Z")
    assert (status, text, nums) == (
        NOT_CHECKABLE, f"No reporter's reading of post {H} is on file.", {})


def test_observation_without_the_post_in_the_input():
    status, text, nums = verdict("observation_agrees", evidence(background(), obs()))
    assert status == NOT_CHECKABLE and nums == {}
    assert text == f"Post {H} is not in the input (posts from 10 Feb 2022 to 22 Oct 2025)."


def test_observation_lower_than_the_archive():
    status, text, nums = verdict("observation_agrees",
                                 evidence([highlight()], obs(18000, 6000, 17000)))
    assert status == SUPPORTED and nums["observed_ratioed"] and nums["archive_ratioed"]
    assert "18,000 replies, 6,000 re-truths, 17,000 likes (1.06 replies per like)" in text
    assert text.endswith("Both show more replies than likes and than re-truths; some count in "
                         "the reading is below the capture's: check the times.")
    assert "higher on every count" not in text


def test_observation_on_a_tie_is_not_ratioed():
    status, text, nums = verdict("observation_agrees", evidence([highlight()], obs(32000, 11000, 32000)))
    assert status == CONTRADICTED and nums["observed_ratioed"] is False
    assert nums["archive_ratioed"] is True and nums["observed_reply_like_ratio"] == 1.0
    assert "32,000 replies, 11,000 re-truths, 32,000 likes (1.00 replies per like)" in text
    assert ("The capture shows more replies than likes and than re-truths; the reading does "
            "not, and the reading is higher on every count") in text


def test_observation_with_archive_not_ratioed_and_zero_likes():
    ev = evidence([highlight(likes=0, retruths=0)], obs())
    status, text, nums = verdict("observation_agrees", ev)
    assert status == CONTRADICTED and nums["archive_ratioed"] is False
    assert nums["observed_ratioed"] is True
    assert nums["archive_reply_like_ratio"] is None
    # no ratio is printed for the capture with no likes
    assert "the archive's capture: 19,954 replies, 0 re-truths, 0 likes. The reading" in text
    assert ("The reading shows more replies than likes and than re-truths; the capture does "
            "not, and the reading is higher on every count") in text


def test_observation_where_neither_is_ratioed():
    """Made-up: both the reading and the capture have more likes than replies."""
    ev = evidence([highlight(replies=100)], obs(replies=200))
    status, text, nums = verdict("observation_agrees", ev)
    assert status == CONTRADICTED
    assert (nums["observed_ratioed"], nums["archive_ratioed"]) == (False, False)
    assert ("Neither shows more replies than likes and than re-truths, and the reading is "
            "higher on every count") in text


# --------------------------------------------------------------------------- C3 post_count_since


def test_post_count_supported_by_count_whatever_the_coverage():
    ev = evidence([highlight()], complete=False, windowed=True,
                  extra_times=pd.date_range("2023-01-01", periods=1001, freq="h"))
    status, text, nums = verdict("post_count_since", ev, since="2022-01-01", more_than=1000)
    assert status == SUPPORTED and nums == {"posts": 1002, "since": "2022-01-01",
                                            "threshold": 1000}
    assert text == "The input holds 1,002 posts since 1 January 2022, more than 1,000."


def test_post_count_since_accepts_a_time_with_a_zone():
    ev = evidence(background())
    nums = verdict("post_count_since", ev, since="2025-01-01T00:00:00-05:00", more_than=5)[2]
    assert nums["posts"] == sum(str(r["created_at"]) >= "2025-01-01 05:00" for r in background())


def test_post_count_contradicted_on_complete_input():
    status, text, nums = verdict("post_count_since", evidence(background()), more_than=1000)
    assert status == CONTRADICTED and nums == {"posts": 46, "since": "2022-01-01",
                                               "threshold": 1000, "failed_conditions": []}
    assert len(background()) == 46
    assert text == "The input holds only 46 posts since 1 January 2022, and it is the whole archive."


@pytest.mark.parametrize("complete,windowed,named", [
    (False, False, "does not show whole published files"),
    (True, True, "a date window was applied"),
])
def test_post_count_not_checkable_names_the_condition(complete, windowed, named):
    """The sentence says the whole archive cannot be checked (the conditions are shown above the
    table); the failed condition itself is named in the numbers."""
    status, text, nums = verdict("post_count_since", evidence(background(), complete=complete,
                                                              windowed=windowed))
    assert status == NOT_CHECKABLE and nums["posts"] == 46
    assert len(nums["failed_conditions"]) == 1 and named in nums["failed_conditions"][0]
    assert text == ("The input holds only 46 posts since 1 January 2022; the whole archive "
                    "cannot be checked on these data (see above the table).")


def test_post_count_of_one_post_is_singular():
    """Made-up: a single post since the date, the threshold 5."""
    status, text, nums = verdict("post_count_since", evidence(background()), since="2025-10-01",
                                 more_than=5)
    assert status == CONTRADICTED and nums["posts"] == 1
    assert text == "The input holds only 1 post since 1 October 2025, and it is the whole archive."


# --------------------------------------------------------------------------- C4 only_one


def test_only_one_supported_on_complete_input():
    status, text, nums = verdict("only_one", evidence(background() + [highlight()]))
    assert status == SUPPORTED and nums == {"flagged": 1, "ids": [H], "posts": 47,
                                            "failed_conditions": []}
    assert text == (f"1 of 47 posts has more replies than likes and than re-truths: {H}, the "
                    "highlighted post, in the whole archive.")


def test_second_ratioed_post_contradicts_whatever_the_coverage():
    rows = [highlight(), post("2", "2023-05-01", 500, 100, 100)]
    status, text, nums = verdict("only_one", evidence(rows, complete=False, windowed=True))
    assert status == CONTRADICTED and nums["flagged"] == 2 and nums["ids"] == ["2", H]
    assert len(nums["failed_conditions"]) == 3  # the window, the files and a silence
    assert text == (f"2 of 2 posts have more replies than likes and than re-truths: 2, {H}. A "
                    "second such post contradicts the claim whatever the coverage.")


def test_only_one_zero_or_another_post_on_complete_input():
    status, text, nums = verdict("only_one", evidence(background()))
    assert status == CONTRADICTED and nums["flagged"] == 0 and nums["failed_conditions"] == []
    assert text == ("None of the 46 posts here has more replies than likes and than re-truths, "
                    "not even the highlighted post.")
    rows = background() + [post("2", "2023-05-01", 500, 100, 100)]
    status, text, nums = verdict("only_one", evidence(rows))
    assert status == CONTRADICTED and nums["ids"] == ["2"]
    assert text == ("1 of 47 posts has more replies than likes and than re-truths: 2, not the "
                    "highlighted post, in the whole archive.")


@pytest.mark.parametrize("complete,windowed", [(False, False), (True, True)])
def test_only_one_not_checkable_on_incomplete_input(complete, windowed):
    rows = background() + [highlight()]
    status, text, nums = verdict("only_one", evidence(rows, complete=complete, windowed=windowed))
    assert status == NOT_CHECKABLE and nums["ids"] == [H]
    assert nums["failed_conditions"] == (["a date window was applied"] if windowed else [
        "the provenance does not show whole published files: made-up.csv has no download record "
        "(for a complete copy fetched elsewhere, declare it with declared_complete=True)"])
    assert text == (f"1 of 47 posts has more replies than likes and than re-truths: {H}; the "
                    "whole archive cannot be checked on these data (see above the table).")


def test_only_one_lists_at_most_five_ids():
    rows = [post(str(i), f"2023-0{i}-01", 500, 100, 100) for i in range(1, 8)]
    text = verdict("only_one", evidence(rows))[1]
    assert text.startswith("7 of 7 posts have more replies than likes and than re-truths: "
                           "1, 2, 3, 4, 5 and 2 more. A second such post")


# --------------------------------------------------------------------------- C5 first_time


def test_first_time_all_branches():
    status, text, nums = verdict("first_time", evidence(background()))  # absent
    assert status == NOT_CHECKABLE and nums == {} and text.startswith(f"Post {H} is not in the input")
    earlier = background() + [highlight(), post("2", "2023-05-01", 500, 100, 100)]
    status, text, nums = verdict("first_time", evidence(earlier, complete=False))
    assert status == CONTRADICTED and nums["ids"] == ["2"]  # whatever the coverage
    assert nums["earlier_flagged"] == 1 and len(nums["failed_conditions"]) == 1
    assert text == "1 earlier post has more replies than likes and than re-truths: 2."
    status, text, nums = verdict("first_time", evidence(background() + [highlight()]))
    assert status == SUPPORTED and nums == {"earlier_flagged": 0, "ids": [],
                                            "failed_conditions": []}
    assert text == ("None of the 42 posts before 12 July 2025 has more replies than likes and "
                    "than re-truths, back to the account's first post.")
    status, text, nums = verdict("first_time", evidence(background() + [highlight()],
                                                        complete=False))
    assert status == NOT_CHECKABLE and nums["earlier_flagged"] == 0
    assert text == ("None of the 42 posts before 12 July 2025 has more replies than likes and "
                    "than re-truths; the whole archive cannot be checked on these data (see "
                    "above the table).")
    assert nums["failed_conditions"][0].startswith("the provenance does not show")


def test_first_time_two_earlier_posts_are_plural():
    rows = background() + [highlight(), post("2", "2023-05-01", 500, 100, 100),
                           post("3", "2024-05-01", 500, 100, 100)]
    status, text, nums = verdict("first_time", evidence(rows))
    assert status == CONTRADICTED and nums["earlier_flagged"] == 2
    assert text == "2 earlier posts have more replies than likes and than re-truths: 2, 3."


def test_first_time_ignores_later_ratioed_posts_and_later_holes():
    rows = [r for r in background() if str(r["created_at"]) < "2025-07-12"]
    rows += [highlight(), post("2", "2025-07-20", 500, 100, 100)]
    assert verdict("first_time", evidence(rows))[0] == SUPPORTED


# --------------------------------------------------------------------------- C6 not_again


def test_not_again_all_branches():
    status, text, nums = verdict("not_again", evidence(background()))  # absent
    assert status == NOT_CHECKABLE and nums == {} and text.startswith(f"Post {H} is not in the input")
    later = background() + [highlight(), post("2", "2025-09-01", 500, 100, 100)]
    status, text, nums = verdict("not_again", evidence(later, complete=False, windowed=True))
    assert status == CONTRADICTED and nums["ids"] == ["2"] and nums["later_flagged"] == 1
    assert len(nums["failed_conditions"]) == 2  # whatever the coverage
    assert text == "1 later post has more replies than likes and than re-truths: 2."
    status, text, nums = verdict("not_again", evidence(background() + [highlight()]))
    assert status == SUPPORTED and nums == {"later_flagged": 0, "ids": [], "failed_conditions": [],
                                            "last_post": "2025-10-22T00:00:00+00:00"}
    # the last post, at midnight UTC on 22 October, is on 21 October in New York
    assert text == ("None of the 4 posts from 12 July 2025 to the last one in the input "
                    "(21 October 2025) has more replies than likes and than re-truths.")
    status, text, nums = verdict("not_again", evidence(background() + [highlight()],
                                                       windowed=True))
    assert status == NOT_CHECKABLE and nums["failed_conditions"] == ["a date window was applied"]
    assert text == ("None of the 4 posts from 12 July 2025 to the last one in the input "
                    "(21 October 2025) has more replies than likes and than re-truths; the whole "
                    "archive cannot be checked on these data (see above the table).")


def test_not_again_two_later_posts_are_plural():
    rows = background() + [highlight(), post("2", "2025-08-01", 500, 100, 100),
                           post("3", "2025-09-01", 500, 100, 100)]
    status, text, nums = verdict("not_again", evidence(rows))
    assert status == CONTRADICTED and nums["later_flagged"] == 2 and nums["ids"] == ["2", "3"]
    assert text == "2 later posts have more replies than likes and than re-truths: 2, 3."


def test_not_again_hole_after_the_highlight():
    rows = [r for r in background() if not "2025-07-13" < str(r["created_at"]) < "2025-10-29"]
    rows += [highlight(), post("3", "2025-10-30", 10, 50, 100)]
    status, text, nums = verdict("not_again", evidence(rows))
    assert status == NOT_CHECKABLE and len(nums["failed_conditions"]) == 1
    assert "longer than 90 days" in nums["failed_conditions"][0]  # named in the numbers only
    assert text == ("The one post from 12 July 2025 to the last one in the input "
                    "(29 October 2025) does not have more replies than likes and than re-truths; the whole "
                    "archive cannot be checked on these data (see above the table).")


def test_later_flagged_uses_the_chosen_definition():
    rows = [highlight(), post("2", "2025-08-01", 60, 50, 100), post("3", "2025-06-01", 500, 1, 1)]
    posts = frame(rows)
    assert later_flagged(posts, HIGHLIGHT_AT, "both")["id"].tolist() == []
    assert later_flagged(posts, HIGHLIGHT_AT, "retruths")["id"].tolist() == ["2"]


# --------------------------------------------------------------------------- generic ledger
# G1-G4 (data/claims-generic.yaml): MEASURED, never a verdict. All frames here are made up.


def with_baseline(rows: list[dict]) -> pd.DataFrame:
    """A made-up frame as notebook 02 writes ratios.parquet: ratios plus the account's baseline."""
    posts = frame(rows)
    return posts.join(unusualness(posts))


def on(posts: pd.DataFrame) -> Evidence:
    """Made-up Evidence around ``posts`` as given (order kept, no observation)."""
    return Evidence(posts=posts, observations=NO_OBS,
                    completeness=Completeness(posts["created_at"], False, "made up"),
                    highlight_id=H)


def quiet_month() -> list[dict]:
    """20 made-up daily posts from 1 Mar 2024, each 10 replies per 100 likes (ratio 0.1)."""
    return [post(f"b{i}", str(pd.Timestamp("2024-03-01") + pd.Timedelta(days=i)), 10, 50, 100)
            for i in range(20)]


STORY_RULE = "the story's definition (replies > likes and replies > re-truths)"


def test_posts_analysed_counts_the_posts_and_names_the_span():
    """Made-up data: the background posts and the highlighted one; then no post at all."""
    rows = background() + [highlight()]
    status, text, nums = verdict("posts_analysed", evidence(rows))
    assert status == MEASURED and nums == {"posts": len(rows)} == {"posts": 47}
    assert text == "47 posts analysed (posts from 10 Feb 2022 to 22 Oct 2025)"
    assert verdict("posts_analysed", evidence([])) == (MEASURED, "0 posts analysed (no posts)",
                                                       {"posts": 0})


def test_ratioed_per_definition_counts_each_rule():
    """Made-up posts, one per case: ratioed under all four, by likes only, by re-truths only,
    0 likes and 0 re-truths (never ratioed), a three-way tie (never) and an ordinary post."""
    rows = [highlight(), post("L", "2024-01-01", 150, 200, 100), post("T", "2024-02-01", 150, 100, 200),
            post("Z", "2024-03-01", 500, 0, 0), post("Q", "2024-04-01", 100, 100, 100),
            post("N", "2024-05-01", 10, 50, 100)]
    ev = evidence(rows)
    status, text, nums = verdict("ratioed_per_definition", ev)
    assert status == MEASURED
    assert nums == {"both": 1, "either": 3, "likes": 2, "retruths": 2}
    assert nums["both"] == int(ev.flags().sum())  # the ledger's definition, counted the same way
    assert text == ("posts ratioed under each definition, of 6: "
                    "both (replies > likes and replies > re-truths): 1; "
                    "either (replies > likes or replies > re-truths): 3; "
                    "likes (replies > likes): 2; retruths (replies > re-truths): 2")
    status, text, nums = verdict("ratioed_per_definition", evidence([]))
    assert nums == dict.fromkeys(("both", "either", "likes", "retruths"), 0)
    assert text.startswith("posts ratioed under each definition, of 0: both (")


@pytest.mark.parametrize("check", ["first_ratioed", "most_ratioed"])
def test_no_ratioed_post_is_measured_as_none(check):
    """Made-up: ordinary posts only (and one ratioed under likes alone), then an empty input."""
    rows = background("2022-12-31") + [post("L", "2022-06-01", 150, 200, 100)]
    status, text, nums = verdict(check, evidence(rows))
    assert (status, nums) == (MEASURED, {"id": None})
    assert text == f"no post is ratioed under {STORY_RULE} (posts from 10 Feb 2022 to 07 Dec 2022)"
    assert verdict(check, evidence([])) == (
        MEASURED, f"no post is ratioed under {STORY_RULE} (no posts)", {"id": None})


def made_up_account() -> pd.DataFrame:
    """A made-up month of quiet posts, a ratioed post R after them (300 replies per 100 likes,
    30 times their 0.1) and a later ratioed post "late" (9 per like) alone in its 30 days."""
    rows = quiet_month() + [post("R", "2024-03-21 12:00", 300, 50, 100),
                            post("late", "2024-06-01 08:30", 900, 50, 100)]
    return with_baseline(rows)


def test_first_ratioed_is_the_oldest_with_its_baseline():
    """Made-up frame given newest first: the check still reports the oldest ratioed post, R."""
    status, text, nums = verdict("first_ratioed", on(made_up_account().iloc[::-1]))
    assert status == MEASURED
    assert text == ("post R (21 March 2024, 08:00 EDT): 300 replies, 50 re-truths, 100 likes; "
                    "30.0 times the median replies per like (0.10) of the account's 20 earlier "
                    "posts in the baseline window, higher than 100% of them")
    assert nums == {"id": "R", "created_at": "2024-03-21T12:00:00+00:00", "replies": 300,
                    "retruths": 50, "likes": 100, "reply_like_ratio": 3.0,
                    "ratio_multiple": pytest.approx(30.0), "trailing_percentile": 100.0}


def test_most_ratioed_without_a_baseline():
    """Made-up: the later post has the most replies per like (9 > 3) but no earlier post in
    its 30-day window, so it gets no baseline and its multiple and percentile are None."""
    status, text, nums = verdict("most_ratioed", on(made_up_account()))
    assert status == MEASURED
    assert text == (f"post late (1 June 2024, 04:30 EDT), the most replies per like among the 2 "
                    f"ratioed under {STORY_RULE}: 900 replies, 50 re-truths, 100 likes; "
                    "no baseline (too few earlier posts in the window)")
    assert nums == {"id": "late", "created_at": "2024-06-01T08:30:00+00:00", "replies": 900,
                    "retruths": 50, "likes": 100, "reply_like_ratio": 9.0,
                    "ratio_multiple": None, "trailing_percentile": None}


def test_most_ratioed_breaks_ties_by_replies_then_time():
    """Made-up, in time order: A and B tie at 3 replies per like (B has more replies), C ties
    B exactly, D is lower and Z has 0 likes (never ratioed under the story's definition, so
    never 'infinitely' ratioed). B wins; the frame carries no baseline columns at all."""
    rows = [post("A", "2024-01-01", 300, 50, 100), post("B", "2024-02-01", 600, 50, 200),
            post("C", "2024-03-01", 600, 50, 200), post("D", "2024-04-01", 400, 50, 200),
            post("Z", "2024-05-01", 5000, 50, 0)]
    status, text, nums = verdict("most_ratioed", evidence(rows))
    assert status == MEASURED and nums["id"] == "B" and nums["reply_like_ratio"] == 3.0
    assert "the most replies per like among the 4 ratioed" in text
    assert text.endswith("600 replies, 50 re-truths, 200 likes; no baseline (too few earlier "
                         "posts in the window)")
    assert nums["ratio_multiple"] is None and nums["trailing_percentile"] is None


@pytest.mark.parametrize("blank,expected", [
    ("trailing_percentile", "30.0 times the median replies per like (0.10) of the account's 20 "
                            "earlier posts in the baseline window"),
    ("trailing_median", "no baseline (too few earlier posts in the window)"),
    ("ratio_multiple", "no baseline (too few earlier posts in the window)"),
])
def test_unusual_with_part_of_the_baseline_missing(blank, expected):
    """Made-up: one baseline column of R blanked (NaN); the sentence says only what it has."""
    posts = made_up_account()
    posts.loc[posts["id"] == "R", blank] = float("nan")
    status, text, nums = verdict("first_ratioed", on(posts))
    assert status == MEASURED and text.endswith(f"100 likes; {expected}")
    if blank != "trailing_median":  # the numbers carry the multiple and percentile only
        assert nums[blank] is None


def test_generic_ledger_file_and_evaluation():
    """The generic ledger as shipped, evaluated on the made-up account: every entry MEASURED."""
    claims = read_claims(CLAIMS_GENERIC_YAML)
    assert [(c["id"], c["check"]) for c in claims] == [
        ("G1", "posts_analysed"), ("G2", "ratioed_per_definition"), ("G3", "first_ratioed"),
        ("G4", "most_ratioed")]
    out = evaluate(claims, on(made_up_account())).set_index("id")
    assert (out["status"] == MEASURED).all()
    numbers = {k: json.loads(v) for k, v in out["numbers"].items()}
    assert numbers["G1"] == {"posts": 22}
    assert numbers["G2"] == {"both": 2, "either": 2, "likes": 2, "retruths": 2}
    assert (numbers["G3"]["id"], numbers["G4"]["id"]) == ("R", "late")


# --------------------------------------------------------------------------- claims file


def test_read_claims_and_evaluate():
    claims = read_claims(CLAIMS_YAML)
    assert [c["id"] for c in claims] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    out = evaluate(claims, evidence(background() + [highlight()], obs()))
    assert out.set_index("id")["status"].to_dict() == {
        "C1": SUPPORTED, "C2": SUPPORTED, "C3": CONTRADICTED, "C4": SUPPORTED,
        "C5": SUPPORTED, "C6": SUPPORTED}
    assert json.loads(out.set_index("id").loc["C4", "numbers"])["ids"] == [H]


@pytest.mark.parametrize("text,problem", [
    ("- id: C1\n  claim: x\n  check: nope\n", "claim 1, field 'check': unknown check 'nope'"),
    ("- just a string\n", "unknown check 'just a string'"),
    ("id: C1\n", "expected a list of claims"),
    ("- claim: a: b\n", "not valid YAML"),
    ("", "expected a list of claims"),  # an empty file
    ("- id: C1\n  claim: x\n", "claim 1, field 'check': unknown check None"),
    ("- id: G1\n  claim: x\n  check: posts_analysed\n- id: G2\n  claim: y\n  check: Posts_analysed\n",
     "claim 2, field 'check': unknown check 'Posts_analysed'; known: posts_analysed, "),
])
def test_read_claims_refuses_bad_files(tmp_path, text, problem):
    path = tmp_path / "claims.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=problem):
        read_claims(path)


@pytest.mark.parametrize("account,ledger", [
    (None, CLAIMS_YAML), ("", CLAIMS_YAML), ("realDonaldTrump", CLAIMS_YAML),
    ("@REALDONALDTRUMP", CLAIMS_YAML), ("someoneElse", CLAIMS_GENERIC_YAML),
    ("@realDonaldTrump2", CLAIMS_GENERIC_YAML)])
def test_claims_file_the_story_s_ledger_for_the_story_s_account_only(account, ledger):
    """The account names here are made up, except the story's own handle."""
    assert claims_file(account) == ledger


BAD_ARGS = [
    pytest.param("- claim: x\n  check: posts_analysed\n", id="claim-without-an-id"),
    pytest.param("- id: C3\n  claim: more than 5 posts since 2022.\n  check: post_count_since\n"
                 "  args:\n    since: '2022-01-01'\n    more_tahn: 5\n", id="misspelled-argument"),
    pytest.param("- id: C3\n  claim: x\n  check: post_count_since\n  args: [since]\n",
                 id="args-not-a-mapping"),
]


@pytest.mark.parametrize("text", BAD_ARGS)
def test_a_malformed_claim_is_an_input_error(tmp_path, text):
    """Made-up claims files and made-up posts (47 of them, so 'more than 5' would hold)."""
    path = tmp_path / "claims.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match="claim 1"):  # refused when read, before any check runs
        read_claims(path)


# --------------------------------------------------------------------------- made-up archive


@pytest.fixture(scope="module")
def claims():
    return read_claims(CLAIMS_YAML)


def archive_verdicts(archive: pd.DataFrame, claims, complete=True, windowed=False) -> dict:
    posts = add_ratios(canonical(archive))
    times = posts["created_at"]
    posts = posts.loc[(posts[["replies", "retruths", "likes"]] > 0).any(axis=1)]
    comp = Completeness(times, windowed, "download record: made up" if complete else None)
    ev = Evidence(posts=posts, observations=obs(), completeness=comp, highlight_id=H)
    return evaluate(claims, ev).set_index("id")["status"].to_dict()


def test_made_up_archive_is_what_it_says():
    a = made_up_archive()
    assert len(a) == 30_000 and a["id"].is_unique
    posts = add_ratios(canonical(a))
    assert posts["ratioed_both"].sum() == 1 and posts["ratioed_retruths"].sum() == 13
    assert Completeness(posts["created_at"], False, "made up").failures(ACCOUNT_START) == []


def test_made_up_archive_one_ratioed(claims):
    assert archive_verdicts(made_up_archive(), claims) == {
        "C1": SUPPORTED, "C2": SUPPORTED, "C3": SUPPORTED, "C4": SUPPORTED, "C5": SUPPORTED,
        "C6": SUPPORTED}


def test_made_up_archive_several_ratioed(claims):
    v = archive_verdicts(made_up_archive(["2023-03-01 12:00", "2025-09-01 12:00"]), claims)
    assert (v["C4"], v["C5"], v["C6"]) == (CONTRADICTED, CONTRADICTED, CONTRADICTED)
    v = archive_verdicts(made_up_archive(["2025-09-01 12:00"]), claims)
    assert (v["C4"], v["C5"], v["C6"]) == (CONTRADICTED, SUPPORTED, CONTRADICTED)


def test_made_up_archive_zero_ratioed(claims):
    v = archive_verdicts(made_up_archive(highlight=False), claims)
    assert v == {"C1": NOT_CHECKABLE, "C2": NOT_CHECKABLE, "C3": SUPPORTED, "C4": CONTRADICTED,
                 "C5": NOT_CHECKABLE, "C6": NOT_CHECKABLE}


@pytest.mark.parametrize("start,end", [
    ("2022-06-01", "2025-06-01"),  # a multi-year hole before the highlight
    ("2022-02-15", "2022-09-30"),  # the spring quiet spell stretched past 90 days
    ("2024-01-01", "2024-04-15"),  # a scraper outage of 105 days
])
def test_a_hole_never_supports_a_universal_claim_it_spans(claims, start, end):
    v = archive_verdicts(without(made_up_archive(), start, end), claims)
    assert v["C4"] == v["C5"] == NOT_CHECKABLE
    assert v["C6"] == SUPPORTED  # its span (since the highlight) has no hole


def test_a_hole_after_the_highlight_blocks_not_again(claims):
    v = archive_verdicts(without(made_up_archive(), "2025-07-13", "2025-10-30"), claims)
    assert v["C6"] == NOT_CHECKABLE and v["C5"] == SUPPORTED


def test_a_small_sample_with_a_multi_year_hole(claims):
    """The issue's case: a few early-2022 posts and a few from years later."""
    a = made_up_archive()
    sample = pd.concat([a.head(40), a.loc[a["created_at"] > "2025-07-01"].head(60)])
    v = archive_verdicts(sample, claims)
    assert SUPPORTED not in (v["C4"], v["C5"]) and v["C3"] == NOT_CHECKABLE


@pytest.mark.parametrize("complete,windowed", [(True, True), (False, False)])
def test_window_or_no_provenance_never_supports(claims, complete, windowed):
    v = archive_verdicts(made_up_archive(), claims, complete=complete, windowed=windowed)
    assert v["C4"] == v["C5"] == v["C6"] == NOT_CHECKABLE


def test_through_the_loader_and_provenance(tmp_path, claims):
    """The made-up archive written as a CSV with a download record, loaded as the build loads
    it: the provenance shows a whole published file; without the record it does not."""
    a = made_up_archive(n_posts=3000)
    for record in (True, False):
        path = write_archive(a, tmp_path / f"archive_{record}.csv", record=record)
        archive = load_archive([path], content=False)
        sources = provenance(archive, {})["sources"]
        comp = Completeness.from_provenance(archive.posts["created_at"], False, sources)
        assert (comp.whole_files is not None) is record
        assert (comp.failures(ACCOUNT_START) == []) is record


# --------------------------------------------------------------------------- through the build


@pytest.mark.slow
def test_build_on_made_up_complete_archive_with_an_early_highlight(tmp_path):
    """`ratioed report` on the made-up archive (with a made-up download record beside it), the
    highlight moved to an early made-up ratioed post: the later ratioed posts are exactly the
    rows of since_highlight.csv, while the story's claims stay judged on the story's post."""
    import os
    import subprocess
    import sys

    from ratioed.pipeline.build import copy_project

    root = paths_root()
    project = copy_project(tmp_path / "p", root)
    archive = made_up_archive(["2023-03-01 12:00", "2025-09-01 12:00"])
    early = archive.loc[archive["created_at"] == pd.Timestamp("2023-03-01 12:00", tz="UTC"), "id"]
    later = archive.loc[archive["created_at"] == pd.Timestamp("2025-09-01 12:00", tz="UTC"), "id"]
    source = write_archive(archive, tmp_path / "truth_archive_made_up.csv")
    env = {**os.environ, "RATIOED_ROOT": str(project)}
    res = subprocess.run([sys.executable, "-m", "ratioed", "report", str(source), "--set",
                          f"highlight_id={early.iloc[0]}"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    tables = project / "reports" / "tables"
    since = pd.read_csv(tables / "since_highlight.csv", dtype={"id": str})
    assert since["id"].tolist() == [H, later.iloc[0]]
    verdicts = pd.read_csv(tables / "claims.csv", dtype=str).set_index("id")
    assert verdicts["status"].to_dict() == {
        "C1": SUPPORTED, "C2": SUPPORTED,  # pinned to the story's post (in the made-up archive)
        "C3": SUPPORTED, "C4": CONTRADICTED,
        "C5": CONTRADICTED, "C6": CONTRADICTED}  # the made-up 2023 and 2025 ratioed posts
    assert verdicts.loc["C5", "evidence"] == (
        f"1 earlier post has more replies than likes and than re-truths: {early.iloc[0]}.")
    assert verdicts.loc["C6", "evidence"] == (
        f"1 later post has more replies than likes and than re-truths: {later.iloc[0]}.")
    c4 = json.loads(verdicts.loc["C4", "numbers"])
    assert c4["flagged"] == 3 and set(c4["ids"]) == {H, early.iloc[0], later.iloc[0]}
    assert verdicts.loc["C4", "evidence"] == (
        f"3 of {c4['posts']:,} posts have more replies than likes and than re-truths: "
        f"{', '.join(c4['ids'])}. A second such post contradicts the claim whatever the coverage.")
    assert verdicts.loc["C1", "evidence"].startswith(f"Post {H} (12 July 2025, 17:21 EDT) had ")
    coverage = pd.read_csv(tables / "coverage.csv")
    assert coverage.loc[coverage["kind"] == "silence", "hours"].round().tolist() == [73 * 24 + 1]
    monthly = pd.read_csv(tables / "since_highlight_monthly.csv")
    assert monthly["ratioed_both"].sum() == 2 and monthly["month"].iloc[0].startswith("2023-03")


def paths_root():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


@settings(max_examples=60, deadline=None)
@given(start_day=st.integers(0, 1330), length=st.integers(91, 1400))
def test_any_hole_over_90_days_before_the_highlight_blocks_support(start_day, length):
    """Property: cut any stretch longer than 90 days out of a complete made-up input, anywhere
    before the highlighted post: "only one" and "the first time" are never supported."""
    lo = ACCOUNT_START + pd.Timedelta(days=start_day)
    hi = min(lo + pd.Timedelta(days=length), HIGHLIGHT_AT - pd.Timedelta(days=1))
    if hi - lo <= pd.Timedelta(days=90):
        return
    rows = [r for r in background() if not lo <= r["created_at"] <= hi] + [highlight()]
    ev = evidence(rows)
    assert verdict("only_one", ev)[0] == NOT_CHECKABLE
    assert verdict("first_time", ev)[0] == NOT_CHECKABLE


def test_a_claim_pinned_to_a_post_ignores_the_highlight():
    """HIGHLIGHT moves the highlighted post, never the story's claims (made-up frames)."""
    from ratioed.analysis.claims import evaluate

    ev = evidence(background("2025-06-01") + [post(H, "2025-07-12 21:21", 20000, 6000, 18000)])
    other = ev.posts.loc[ev.posts["id"] != H, "id"].iloc[0]
    moved = dataclasses.replace(ev, highlight_id=other)
    claims = [{"id": "C1", "claim": "made up", "check": "highlight_ratioed", "args": {"post": H}},
              {"id": "X", "claim": "made up", "check": "highlight_ratioed"}]
    out = evaluate(claims, moved).set_index("id")
    assert out.loc["C1", "status"] == SUPPORTED and H in out.loc["C1", "evidence"]
    assert out.loc["X", "status"] == CONTRADICTED and other in out.loc["X", "evidence"]


# --------------------------------------------------------------------------- branch coverage

INNER_RUN = "RATIOED_CLAIMS_COVERAGE_INNER"  # set in the measured run so it does not recurse


@pytest.mark.skipif(bool(os.environ.get(INNER_RUN)),
                    reason="inside the coverage run this test starts")
def test_unit_tests_reach_every_branch_of_claims(tmp_path):
    """The unit tests of this file (``-m "not slow"``, made-up data only) reach every line and
    branch of ratioed.analysis.claims: the issue's measurement, run in a subprocess."""
    here = Path(__file__).resolve()
    env = {**os.environ, INNER_RUN: "1", "COVERAGE_FILE": str(tmp_path / ".coverage")}
    run = [sys.executable, "-m", "coverage", "run", "--branch",
           "--source=ratioed.analysis.claims", "-m", "pytest", "-q", "-m", "not slow",
           "-p", "no:cacheprovider", str(here)]
    res = subprocess.run(run, cwd=here.parents[1], env=env, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    report = tmp_path / "coverage.json"
    subprocess.run([sys.executable, "-m", "coverage", "json", "-o", str(report)],
                   cwd=here.parents[1], env=env, capture_output=True, check=True, timeout=60)
    files = json.loads(report.read_text())["files"]
    (name, measured), = files.items()
    assert name.replace("\\", "/").endswith("ratioed/analysis/claims.py")
    summary = measured["summary"]
    assert summary["num_branches"] > 0 and summary["num_statements"] > 0
    assert (summary["missing_lines"], summary["missing_branches"]) == (0, 0), (
        f"claims.py {summary['percent_covered_display']}%: lines {measured['missing_lines']}, "
        f"branches {measured.get('missing_branches')} not reached by the unit tests")
    assert summary["percent_covered"] == 100.0
