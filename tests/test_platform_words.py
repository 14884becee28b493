"""Each platform's own words on the page and in the tables: re-truths on Truth Social, boosts on
Mastodon, retweets on X, reposts on Bluesky (:data:`ratioed.inputs.platforms.SHARE_WORDS`, the
one place they are kept); and the context table a ``CONTEXT`` file adds."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import made_up_platforms as made_up
from ratioed.analysis.claims import in_words
from ratioed.inputs.platforms import SHARE_WORDS, platform_of, share_words
from ratioed.present import labels

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("platform", "one", "many"), [
    ("truthsocial", "re-truth", "re-truths"), ("mastodon", "boost", "boosts"),
    ("x", "retweet", "retweets"), ("bluesky", "repost", "reposts"), (None, "re-truth", "re-truths")])
def test_each_platform_has_its_words(platform, one, many):
    assert share_words(platform) == (one, many)
    assert labels.shares(platform) == many and labels.shares(platform, 1) == one
    assert labels.column("retruths", platform=platform) == many[0].upper() + many[1:]
    assert labels.column("reply_retruth_ratio", platform=platform) == f"Replies per {one}"
    assert labels.definition_words("both", platform) == (
        f"more replies than likes and more replies than {many}")
    assert in_words("2 re-truths; 1 re-truth", platform) == f"2 {many}; 1 {one}"


def test_the_words_are_kept_in_one_place():
    assert set(SHARE_WORDS) == {"truthsocial", "mastodon", "x", "bluesky"}
    assert labels.column("retruths") == "Re-truths"  # no platform said: the story's
    assert platform_of(["x", "x"]) == "x" and platform_of(None) == "truthsocial"


def _project(tmp_path: Path) -> Path:
    from ratioed.pipeline.build import copy_project

    return copy_project(tmp_path / "p", ROOT)


def _make(project: Path, *args: str) -> str:
    venv = Path(sys.prefix)
    run = subprocess.run(["make", "report", f"VENV={venv}", *args], cwd=project,
                         capture_output=True, text=True, timeout=600,
                         env={**__import__("os").environ, "RATIOED_ROOT": str(project)})
    assert run.returncode == 0, run.stdout + run.stderr
    return (project / "reports" / "index.html").read_text(encoding="utf-8")


def _ledes(page: str) -> str:
    return " ".join(re.findall(r'<p class="lede">(.*?)</p>', page, re.S))


def _headings(page: str) -> list[str]:
    return re.findall(r'<th class="num" scope="col">([^<]*)</th>', page)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_an_x_export_is_told_in_retweets(tmp_path):
    """A made-up X CSV built with ACCOUNT=...: the lede and the headings say retweets."""
    project = _project(tmp_path)
    source = made_up.write_csv(tmp_path)
    page = _make(project, f"SOURCE={source}", f"ACCOUNT={made_up.ME}",
                 f"HIGHLIGHT={made_up.x_id(1)}")
    lede = _ledes(page)
    assert "2 retweets" in lede and "more replies than retweets" in lede
    assert "re-truth" not in lede
    assert "Retweets" in _headings(page) and "Replies per retweet" in _headings(page)
    assert "Re-truths" not in _headings(page)
    assert "Retweets of other accounts left out" in page
    assert "Re-truths of other accounts left out" not in page


def test_context_is_checked_before_any_kernel(tmp_path):
    from ratioed.errors import InputError
    from ratioed.pipeline.params import BY_VAR, load_params

    assert BY_VAR["CONTEXT"].name == "context" and BY_VAR["CONTEXT"].default == []
    missing = tmp_path / "nope.csv"
    with pytest.raises(InputError, match=r"file not found: .*nope\.csv \(Make variable CONTEXT\)"):
        load_params(overrides={"context": str(missing)})
    with pytest.raises(InputError, match="CONTEXT"):
        load_params(overrides={"context": "https://example.org/tweets.csv"})
    source = made_up.write_csv(tmp_path)
    assert load_params(overrides={"context": str(source)})["context"] == [str(source.resolve())]


def test_the_context_rows_count_in_the_platforms_words():
    from ratioed.analysis.context import COLUMNS, context_table, platform_row

    posts = made_up.expected("x")
    posts = posts.loc[~posts["kind"].isin(["boost"])].assign(platform="x", account=made_up.ME)
    row = platform_row(posts, "tweets.csv", "UTC")
    table = context_table([row])
    assert list(table.columns) == COLUMNS and row["platform"] == "X/Twitter"
    assert row["posts"] == len(posts) and row["ratioed_posts"] == len(made_up.RATIOED_HOURS)
    assert "10 replies, 2 retweets, 5 likes" in row["ratioed"] and "re-truth" not in row["ratioed"]
    assert row["first_post"] == row["last_post"] == f"{made_up.START:%Y-%m-%d}"
    assert table["posts"].dtype == "int64" and table["ratioed_posts"].dtype == "int64"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_a_context_file_adds_the_context_table(tmp_path):
    """The committed week with a made-up X file as CONTEXT: a context table per platform, the
    claims unchanged."""
    project = _project(tmp_path)
    context = made_up.write_csv(tmp_path)
    page = _make(project, f"CONTEXT={context}")
    table = (project / "reports" / "tables" / "context.csv").read_text(encoding="utf-8")
    lines = table.splitlines()
    assert lines[0] == "platform,account,source,posts,first_post,last_post,ratioed_posts,ratioed"
    assert lines[1].startswith("Truth Social,realDonaldTrump,") and ",106,2025-07-11,2025-07-19,1," in lines[1]
    assert lines[2].startswith("X/Twitter,alice_x,tweets-iso.csv,7,2023-06-01,2023-06-01,4,")
    assert "10 replies, 2 retweets, 5 likes" in lines[2]
    assert "The same person elsewhere" in page and "Context: tweets-iso.csv." in page
    assert 'href="tables/context.csv"' in page
    claims = (project / "reports" / "tables" / "claims.csv").read_text(encoding="utf-8")
    page = _make(project)  # without CONTEXT: no table, the same claims
    assert not (project / "reports" / "tables" / "context.csv").exists()
    assert "The same person elsewhere: posts" not in page
    assert (project / "reports" / "tables" / "claims.csv").read_text(encoding="utf-8") == claims
