"""Ratio rules on small made-up frames, plus property tests on random counts."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ratioed import load_posts
from ratioed.analysis.ratios import DEFINITIONS, add_ratios, is_ratioed, unusualness


def frame(rows):
    return pd.DataFrame(rows, columns=["replies", "retruths", "likes"])


def test_ties_are_not_ratioed():
    f = frame([(10, 5, 10), (10, 10, 5), (10, 10, 10)])
    assert not is_ratioed(f, "both").any()
    assert is_ratioed(f, "either").tolist() == [True, True, False]
    assert is_ratioed(f, "likes").tolist() == [False, True, False]
    assert is_ratioed(f, "retruths").tolist() == [True, False, False]


def test_zero_denominators():
    f = frame([(5, 0, 0), (5, 0, 3), (0, 0, 0), (5, 3, 0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = add_ratios(f)
    # a post with 0 likes and 0 re-truths is not ratioed however many replies it has
    assert r["ratioed_both"].tolist() == [False, False, False, False]
    assert r["ratioed_likes"].tolist() == [False, True, False, False]
    assert r["ratioed_retruths"].tolist() == [False, False, False, True]
    assert r["ratioed_either"].tolist() == [False, True, False, True]
    assert np.isnan(r.loc[0, "reply_like_ratio"]) and np.isnan(r.loc[0, "reply_retruth_ratio"])
    assert r.loc[1, "reply_like_ratio"] == pytest.approx(5 / 3)
    assert not np.isinf(r[["reply_like_ratio", "reply_retruth_ratio"]].to_numpy()).any()
    assert r.to_csv(index=False).splitlines()[1].startswith("5,0,0,,,")


def test_unknown_definition():
    with pytest.raises(ValueError, match="unknown definition 'most'"):
        is_ratioed(frame([(1, 1, 1)]), "most")


def test_unusualness_against_trailing_window():
    # made up: 30 posts a day apart with ratio 0.1, then one with ratio 0.5
    t = pd.date_range("2025-06-01", periods=31, freq="D", tz="UTC")
    likes = np.full(31, 1000)
    replies = np.full(31, 100)
    replies[-1] = 500
    posts = pd.DataFrame({"created_at": t, "replies": replies, "retruths": 10, "likes": likes})
    u = unusualness(posts, window="30D", min_posts=10)
    last = u.iloc[-1]
    assert last["trailing_median"] == pytest.approx(0.1)
    assert last["ratio_multiple"] == pytest.approx(5.0)
    assert last["trailing_percentile"] == pytest.approx(100.0)
    assert last["trailing_posts"] == 30  # [t - 30 days, t): the 30 earlier posts, not itself
    assert u["trailing_median"].iloc[:10].isna().all()  # fewer than 10 earlier posts


counts = st.integers(min_value=0, max_value=10**9)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(counts, counts, counts), min_size=1, max_size=50))
def test_flags_agree_with_definitions(rows):
    f = frame(rows)
    flags = {d: is_ratioed(f, d).tolist() for d in DEFINITIONS}
    for i, (r, s, lk) in enumerate(rows):
        over_l = lk > 0 and r > lk
        over_s = s > 0 and r > s
        assert flags["both"][i] == (over_l and over_s)
        assert flags["either"][i] == (over_l or over_s)
        assert flags["likes"][i] == over_l
        assert flags["retruths"][i] == over_s


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10**19 - 1), min_size=1, max_size=20,
                unique=True))
def test_loading_never_changes_an_id(tmp_path_factory, ids):
    d = tmp_path_factory.mktemp("ids")
    recs = [{"id": str(i), "created_at": "2025-07-12T21:21:29Z", "replies_count": 1,
             "reblogs_count": 1, "favourites_count": 1} for i in ids]
    p = d / "made_up.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    assert sorted(load_posts(p)["id"]) == sorted(str(i) for i in ids)
    num = d / "made_up_numeric.json"  # ids as JSON numbers
    num.write_text("[" + ",".join(json.dumps(r).replace(f'"{r["id"]}"', r["id"])
                                  for r in recs) + "]")
    assert sorted(load_posts(num)["id"]) == sorted(str(i) for i in ids)
