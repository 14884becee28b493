"""Every platform's layouts load with exact values and the same definitions flag the same posts.
Every file here is MADE UP (tests/made_up_platforms.py, tests/made_up_statuses.py)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import made_up_platforms as mu
import made_up_statuses
from ratioed import InputError, load_archive
from ratioed.analysis.ratios import add_ratios
from ratioed.inputs.layouts import sniff
from ratioed.inputs.platforms import id_ms, int_to_tid, tid_to_int
from ratioed.inputs.rules import BOOST_REASON, split_analysable

WRITERS = {
    "x_v2 page": (lambda d: mu.write_v2(d, "page"), "x", "x_v2"),
    "x_v2 pages jsonl": (lambda d: mu.write_v2(d, "pages"), "x", "x_v2"),
    "x_v2 tweets jsonl": (lambda d: mu.write_v2(d, "tweets"), "x", "x_v2"),
    "x_v1 array": (lambda d: mu.write_v1(d), "x", "x_v1"),
    "x_v1 jsonl": (lambda d: mu.write_v1(d, jsonl=True), "x", "x_v1"),
    "x_csv iso": (lambda d: mu.write_csv(d, "iso"), "x", "x_csv"),
    "x_csv sheet cp1252": (lambda d: mu.write_csv(d, "sheet"), "x", "x_csv"),
    "bluesky feed": (lambda d: mu.write_bluesky(d, "feed"), "bluesky", "bluesky"),
    "bluesky pages jsonl": (lambda d: mu.write_bluesky(d, "pages"), "bluesky", "bluesky"),
    "bluesky items jsonl": (lambda d: mu.write_bluesky(d, "items"), "bluesky", "bluesky"),
}


@pytest.fixture(params=list(WRITERS))
def case(request, tmp_path):
    write, platform, layout = WRITERS[request.param]
    return request.param, write(tmp_path), platform, layout


def test_sniffed_by_content(case):
    _, path, _, layout = case
    assert sniff(path) == layout


def test_loads_exact_values(case):
    name, path, platform, layout = case
    a = load_archive(path)
    posts = a.posts.set_index("id")
    want = mu.expected(platform).set_index("id")
    sheet = "sheet" in name
    assert set(posts.index) == set(want.index)
    assert a.captures[0].platform == platform and set(posts["platform"]) == {platform}
    assert a.captures[0].layout.startswith(layout)
    if layout == "x_csv":  # an export does not say a tweet quotes another
        want["kind"] = want["kind"].replace("quote", "original")
    for c in ("replies", "retruths", "likes", "kind"):
        assert posts.loc[want.index, c].tolist() == want[c].tolist(), (name, c)
    times = posts.loc[want.index, "created_at"]
    assert str(times.dt.tz) == "UTC"
    if sheet:  # minutes only, no zone: read as UTC and counted
        assert (times == want["created_at"].dt.floor("min")).all()
        assert a.zoneless_times == len(want)
        assert "cp1252" in a.captures[0].layout
        first = posts.loc[mu.x_id(1), "content"]
        assert first == "Alice\u2019s made-up tweet,\nwith a line break"
    else:  # v1.1 writes whole seconds
        exact = want["created_at"].dt.floor("s") if layout == "x_v1" else want["created_at"]
        assert (times == exact).all()
        assert a.zoneless_times == 0
    assert a.id_time_mismatches().empty
    assert set(posts["account"]) == {mu.ME if platform == "x" else mu.ME_HANDLE}


def test_same_definitions_flag_the_same_posts(case):
    _, path, platform, _ = case
    kept, excluded = split_analysable(load_archive(path).posts)
    assert set(excluded["id"]) == mu.ids(platform, mu.BOOST_HOURS)
    assert set(excluded["reason"]) == {BOOST_REASON}
    r = add_ratios(kept)
    assert set(r.loc[r["ratioed_both"], "id"]) == mu.ids(platform, mu.RATIOED_HOURS)
    # strict >: 996 replies to 1000 likes and 50 to 50 are not ratioed
    assert not r.loc[r["id"].isin(mu.ids(platform, {5, 6})), "ratioed_both"].any()


def test_replies_excluded_on_request(case):
    _, path, platform, _ = case
    kept, excluded = split_analysable(load_archive(path).posts, "exclude")
    assert set(excluded["id"]) == mu.ids(platform, mu.BOOST_HOURS | mu.REPLY_HOURS)


def test_urls_and_media(tmp_path):
    posts = load_archive(mu.write_v2(tmp_path, "page")).posts.set_index("id")
    assert posts.loc[mu.x_id(1), "url"] == f"https://x.com/{mu.ME}/status/{mu.x_id(1)}"
    assert list(posts.loc[mu.x_id(2), "media"]) == ["https://pbs.example/media/1.jpg"]
    b = load_archive(mu.write_bluesky(tmp_path, "feed")).posts.set_index("id")
    pid = str(mu.bsky_tid(2))
    assert b.loc[pid, "url"] == f"https://bsky.app/profile/{mu.ME_HANDLE}/post/{mu.bsky_rkey(2)}"
    assert list(b.loc[pid, "media"]) == ["https://cdn.example/full/1.jpg"]


def test_get_posts_has_no_reposts(tmp_path):
    a = load_archive(mu.write_bluesky(tmp_path, "posts"))
    assert set(a.posts["id"]) == mu.ids("bluesky", {1, 2, 4, 5, 6, 7, 8})
    assert set(a.posts.loc[a.posts["kind"] == "reply", "id"]) == mu.ids("bluesky", {4})


# ---------------------------------------------------------------- id/time checks


def test_id_time_rules():
    t = pd.Timestamp("2023-06-01 12:00:00.123", tz="UTC")
    import numpy as np
    key = np.array([int(mu.x_id(0))], dtype=np.uint64)
    assert id_ms(key, "x")[0] == (mu.when(0).value // 1_000_000)
    assert id_ms(np.array([mu.bsky_tid(0)], dtype=np.uint64), "bluesky")[0] == t.value // 1_000_000
    assert tid_to_int(int_to_tid(mu.bsky_tid(3))) == mu.bsky_tid(3)
    assert tid_to_int("3jzfcijpj2z2a") is not None and tid_to_int("not-a-tid") is None
    assert tid_to_int("zzzzzzzzzzzzz") is None  # the top bit must be 0


def test_a_wrong_time_is_reported_on_x(tmp_path):
    tweets = mu.v2_pages(per_page=100)[0]
    tweets["data"][0]["created_at"] = "2023-06-05T00:00:00Z"
    p = tmp_path / "x.json"
    p.write_text(json.dumps(tweets))
    a = load_archive(p)
    assert a.id_time_mismatches()["id"].tolist() == [tweets["data"][0]["id"]]


def test_remote_mastodon_statuses_are_not_checked(tmp_path):
    """A status fetched from another server carries this server's id (when it was received):
    its time is not checked, and the summary says how many were left unchecked."""
    items = made_up_statuses.statuses()
    for st in items:
        if "@" in st["account"]["acct"]:  # bob@example.social: received a day later
            recv = (pd.Timestamp(st["created_at"]) + pd.Timedelta(days=1)).value // 1_000_000
            st["id"] = str((recv << 16) + 7)
    p = tmp_path / "timeline.json"
    p.write_text(json.dumps(items))
    a = load_archive(p)
    assert a.id_time_mismatches().empty
    assert "4 post(s) not checked" in a.summary()
    # a local status with a wrong time is still reported
    local = next(s for s in items if s["account"]["acct"] == "alice" and s["reblog"] is None)
    local["created_at"] = "2025-03-09T00:00:00.000Z"
    p.write_text(json.dumps(items))
    assert load_archive(p).id_time_mismatches()["id"].tolist() == [local["id"]]


def test_statuses_platform_from_their_server(tmp_path):
    made_up_statuses.write_pages(tmp_path / "m")
    a = load_archive(sorted((tmp_path / "m").iterdir()))
    assert set(a.posts["platform"]) == {"mastodon"}
    items = made_up_statuses.statuses()
    for st in items:
        st["url"] = st["url"].replace("example.social", "truthsocial.com")
    p = tmp_path / "ts.json"
    p.write_text(json.dumps(items))
    assert set(load_archive(p).posts["platform"]) == {"truthsocial"}


def test_tweets_before_truth_social_load(tmp_path):
    p = tmp_path / "old.csv"
    p.write_text("id,created_at,text,replies,retweets,likes,username\n"
                 "880412538625810432,6/29/17 12:58,old tweet,5,2,1,alice_x\n")
    a = load_archive(p)
    assert a.posts["created_at"].iloc[0] == pd.Timestamp("2017-06-29 12:58", tz="UTC")
    assert a.zoneless_times == 1


# ---------------------------------------------------------------- mixing, refusals


def test_a_file_mixing_platforms_is_refused(tmp_path):
    lines = [json.dumps(mu.v2_tweet(*mu.POSTS[0])),
             json.dumps(mu.feed_items()[0])]
    p = tmp_path / "mixed.jsonl"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        load_archive(p)
    assert err.value.where == "line 2" and "Bluesky post" in str(err.value)
    assert "one platform per file" in str(err.value)


def test_a_tweet_inside_mastodon_statuses_is_refused(tmp_path):
    items = made_up_statuses.statuses()[:2] + [mu.v1_status(*mu.POSTS[0])]
    p = tmp_path / "mixed.json"
    p.write_text(json.dumps(items))
    with pytest.raises(InputError) as err:
        load_archive(p)
    assert err.value.where == "status 3" and "X v1.1 status" in str(err.value)


def test_sources_of_two_platforms_are_refused(tmp_path):
    with pytest.raises(InputError, match="different platforms"):
        load_archive([mu.write_v2(tmp_path, "page"), mu.write_bluesky(tmp_path, "feed")])
