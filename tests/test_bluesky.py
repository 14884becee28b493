"""Bluesky inputs refused with one line naming the file, the item and the source's own field.
Every post here is MADE UP (tests/made_up_platforms.py)."""

from __future__ import annotations

import json

import pytest

import made_up_platforms as mu
from ratioed import InputError, load_archive


def refused(path, where, field, words):
    with pytest.raises(InputError) as err:
        load_archive(path)
    e = err.value
    assert str(path) in str(e) and e.where == where and e.field == field, str(e)
    assert words in e.problem, str(e)


def write(tmp_path, items):
    p = tmp_path / "feed.json"
    p.write_text(json.dumps({"feed": items, "cursor": "x"}))
    return p


def test_record_key_that_is_not_a_tid(tmp_path):
    items = mu.feed_items()
    items[1]["post"]["uri"] = f"at://{mu.ME_DID}/app.bsky.feed.post/self"
    refused(write(tmp_path, items), "feed item 2", "post.uri", "not a TID")


def test_bad_like_count(tmp_path):
    items = mu.feed_items()
    items[2]["post"]["likeCount"] = "lots"
    refused(write(tmp_path, items), "feed item 3", "post.likeCount", "non-negative integer")


def test_missing_created_at(tmp_path):
    items = mu.feed_items()
    del items[0]["post"]["record"]["createdAt"]
    refused(write(tmp_path, items), "feed item 1", "post.record.createdAt", "missing")


def test_reposts_are_never_scored_whatever_their_counts(tmp_path):
    from ratioed.inputs.rules import split_analysable
    items = mu.feed_items()
    kept, excluded = split_analysable(load_archive(write(tmp_path, items)).posts)
    assert len(excluded) == 1 and excluded["replies"].iloc[0] == 900
    assert excluded["account"].iloc[0] == mu.ME_HANDLE  # counted under the reposter
    assert kept["replies"].max() == 996
