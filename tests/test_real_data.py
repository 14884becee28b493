"""Loading and flagging the real archive samples in ../shared/data/truthsocial/.

Expected values below were read off the files by hand (a spreadsheet pass over the CSV), not
produced by running this package.
"""

from __future__ import annotations

import json

import pytest

from ratioed import load_archive, load_posts
from ratioed.analysis.ratios import DEFINITIONS, is_ratioed
from ratioed.inputs.rules import split_analysable

HIGHLIGHT = "114842356238631061"  # 12 July 2025 21:21:29 UTC, 19,954 replies / 6,644 / 18,687


def test_csv_json_jsonl_layouts_hold_the_same_posts(shared):
    csv = load_posts(shared / "archive_2025-10-25_2025-10-31.csv")
    js = load_posts(shared / "archive_2025-10-25_2025-10-31.json")
    jl = load_posts(shared / "backfill_2025-10-25_2025-10-31.jsonl")
    assert len(csv) == len(js) == len(jl) == 140
    for col in ["id", "created_at", "content", "url", "media", "media_count", "kind"]:
        assert csv[col].equals(js[col]), col
        assert jl[col].equals(js[col]), col
    for col in ["replies", "retruths", "likes"]:
        assert csv[col].equals(js[col]), col
    # media counts as in the JSON file itself
    raw = {r["id"]: len(r["media"]) for r in json.loads(
        (shared / "archive_2025-10-25_2025-10-31.json").read_text())}
    assert csv.set_index("id")["media_count"].to_dict() == raw


def test_merging_archive_with_later_backfill_takes_later_counts(shared):
    arch = shared / "archive_2025-10-25_2025-10-31.json"
    back = shared / "backfill_2025-10-25_2025-10-31.jsonl"
    merged = load_archive([arch, back])
    assert len(merged.posts) == 140
    later = {}
    for line in back.read_text().splitlines():
        r = json.loads(line)
        later[r["id"]] = (r["replies_count"], r["reblogs_count"], r["favourites_count"])
    got = merged.posts.set_index("id")[["replies", "retruths", "likes"]]
    assert {i: tuple(map(int, v)) for i, v in got.iterrows()} == later
    # 63 posts differ between the two captures (the samples' README)
    h = merged.history.pivot(index="id", columns="capture", values="replies")
    wide = merged.history.pivot_table(index="id", columns="capture",
                                      values=["replies", "retruths", "likes"])
    differing = (wide.xs(arch.name, axis=1, level=1) != wide.xs(back.name, axis=1, level=1))
    assert int(differing.any(axis=1).sum()) == 63
    assert len(h) == 140


def test_three_captures_the_third_covers_a_subset(shared):
    files = [shared / "archive_2025-10-25_2025-10-31.json",
             shared / "backfill_2025-10-25_2025-10-31.jsonl",
             shared / "backfill_2025-10-26_2025-10-30.jsonl"]
    merged = load_archive(files)
    assert len(merged.posts) == 140 and len(merged.history) == 140 + 140 + 86
    by_capture = merged.posts["capture"].astype(str).value_counts().to_dict()
    assert by_capture == {files[2].name: 86, files[1].name: 54}


def test_feed_capture_time_is_read(shared):
    a = load_archive(shared / "feed_2026-03-08.json")
    assert a.captures[0].layout == "feed"
    assert a.captures[0].captured_at.isoformat() == "2026-03-08T17:39:40.812290+00:00"
    assert len(a.posts) == 4 and a.posts["captured_at"].notna().all()
    assert a.posts["created_at"].max().isoformat() == "2026-03-08T12:22:12.252000+00:00"


def test_archive_retruths_are_excluded_and_counted(shared):
    posts = load_posts(shared / "archive_2025-10-25_2025-10-31.json")
    kept, excluded = split_analysable(posts)
    # by hand: 10 posts start "RT @", one of which (a re-truth of his own post) has 2 likes
    assert len(excluded) == 9 and len(kept) == 131
    assert excluded["content"].str.startswith("RT @").all()


# by reading metrics_2025-07-11_2025-07-19.csv: rows where replies exceed likes and/or re-truths
EXPECTED_FLAGS = {
    "both": {HIGHLIGHT},
    "likes": {HIGHLIGHT},
    "retruths": {HIGHLIGHT, "114842941355477197", "114840552173805537"},
    "either": {HIGHLIGHT, "114842941355477197", "114840552173805537"},
}


@pytest.mark.parametrize("definition", list(DEFINITIONS))
def test_july_window_flags_per_definition(week, definition):
    posts = load_posts(week)
    assert len(posts) == 107
    kept, excluded = split_analysable(posts)
    assert excluded["id"].tolist() == ["114877155422684149"]  # the one all-zero row
    flagged = set(kept.loc[is_ratioed(kept, definition), "id"])
    assert flagged == EXPECTED_FLAGS[definition]


def test_highlighted_post_counts(week):
    posts = load_posts(week).set_index("id")
    row = posts.loc[HIGHLIGHT]
    assert (row["replies"], row["retruths"], row["likes"]) == (19954, 6644, 18687)
    assert row["created_at"].isoformat() == "2025-07-12T21:21:29.285000+00:00"
