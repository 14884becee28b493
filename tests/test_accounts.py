"""Any account on Truth Social or Mastodon: the platform's API layout, boosts, replies, the
account parameter, and a report about another account. Every status here is MADE UP
(tests/made_up_statuses.py says how, and which posts a hand computation flags)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import made_up_statuses as made_up
from ratioed import InputError, load_archive, paths, story
from ratioed.analysis.claims import CHECKS, MEASURED, claims_file, read_claims
from ratioed.analysis.ratios import add_ratios
from ratioed.cli import main
from ratioed.errors import ParameterError
from ratioed.inputs.checks import REPLIES_CHOICES
from ratioed.inputs.load import STORY_ACCOUNT, select_account
from ratioed.inputs.rules import BOOST_REASON, KINDS, REPLY_REASON, split_analysable
from ratioed.pipeline.params import load_params
from ratioed.present import labels
from ratioed.scale.engines import flag

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["pages", "jsonl"])
def dump(request, tmp_path):
    return made_up.write_pages(tmp_path / "dump", jsonl=request.param == "jsonl")


def flagged(files, account, definition="both", replies="include") -> set[str]:
    posts, _ = select_account(load_archive(files).posts, account)
    kept, _ = split_analysable(posts, replies)
    r = add_ratios(kept)
    return set(r.loc[r[f"ratioed_{definition}"], "id"])


@pytest.mark.parametrize("account", ["alice", "bob@example.social"])
def test_flags_exactly_the_hand_computed_posts_per_account(dump, account):
    assert flagged(dump, account) == made_up.ids(made_up.RATIOED_BOTH[account])
    assert flagged(dump, account, "likes") == made_up.ids(made_up.RATIOED_LIKES[account])
    assert flagged(dump, account, replies="exclude") == \
        made_up.ids(made_up.RATIOED_BOTH_NO_REPLIES[account])


def test_api_layout_maps_to_canonical_columns(dump):
    archive = load_archive(dump)
    posts = archive.posts.set_index("id")
    assert len(posts) == len(made_up.statuses()) == sum(c.rows for c in archive.captures)
    assert {c.layout for c in archive.captures} == {"statuses"}
    media = posts.loc[posts["media_count"] > 0]
    assert len(media) == 1 and list(media["media"].iloc[0]) == [
        f"https://media.example.social/{media.index[0]}/{k}.jpg" for k in (0, 1)]
    assert media["kind"].iloc[0] == "media_only"
    assert posts.loc[next(iter(made_up.ids({2}))), "content"] == "Bob: ratioed & then some"
    assert set(posts["account"]) == {"alice", "bob@example.social"}
    for acct, hours in made_up.BOOSTS.items():
        assert set(posts.index[(posts["kind"] == "boost") & (posts["account"] == acct)]) == \
            made_up.ids(hours)
    assert set(posts.index[posts["kind"] == "reply"]) == made_up.ids(made_up.REPLIES["alice"])
    own_thread = next(iter(made_up.ids({7})))  # a reply to oneself stays a post
    assert posts.loc[own_thread, "kind"] == "original"


def test_boosts_are_never_scored_whatever_their_counts(dump):
    posts = load_archive(dump).posts
    kept, excluded = split_analysable(posts)
    boosts = made_up.ids(made_up.BOOSTS["alice"] | made_up.BOOSTS["bob@example.social"])
    assert set(excluded["id"]) == boosts and set(excluded["reason"]) == {BOOST_REASON}
    assert boosts.isdisjoint(kept["id"])
    # the wrapper claims 5000 replies and the nested copy 99999: neither reaches the booster
    assert excluded["replies"].max() >= 1000 and kept["replies"].max() == 40
    assert "1 boost(s) of other accounts' posts" in load_archive(dump).summary()


def test_replies_can_be_left_out_and_are_counted(dump):
    posts, _ = select_account(load_archive(dump).posts, "alice")
    kept, excluded = split_analysable(posts, "exclude")
    assert set(excluded.loc[excluded["reason"] == REPLY_REASON, "id"]) == made_up.ids({6})
    assert len(kept) + len(excluded) == len(posts)
    with pytest.raises(ValueError, match="include, exclude"):
        split_analysable(posts, "sometimes")


def test_several_accounts_without_account_are_refused_with_the_list(dump):
    posts = load_archive(dump).posts
    with pytest.raises(InputError) as err:
        select_account(posts, None, "dump")
    msg = str(err.value)
    assert "2 accounts" in msg and "@alice: 6 post(s)" in msg
    assert "@bob@example.social: 4 post(s)" in msg and "ACCOUNT=" in msg
    with pytest.raises(InputError, match="no account matches 'carol'.*@alice: 6"):
        select_account(posts, "carol", "dump")


@pytest.mark.parametrize("name", ["alice", "ALICE", "@Alice", "bob", "BOB@Example.Social"])
def test_account_matches_acct_or_username_ignoring_case(dump, name):
    posts, found = select_account(load_archive(dump).posts, name)
    assert posts["account"].nunique() == 1 and len(found) == 2
    assert posts["account"].iloc[0].split("@")[0] == name.lstrip("@").split("@")[0].lower()


def test_a_username_on_two_servers_needs_the_full_acct(tmp_path):
    """Made up: two accounts named bob on two servers."""
    other = {**made_up.BOB, "id": "3", "acct": "bob@other.example"}
    statuses = [made_up.status(1, made_up.BOB, 1, 1, 1, text="a"),
                made_up.status(2, other, 1, 1, 1, text="b")]
    src = tmp_path / "two_bobs.json"
    src.write_text(json.dumps(statuses))
    posts = load_archive(src).posts
    with pytest.raises(InputError, match="matches 2 accounts"):
        select_account(posts, "bob")
    assert len(select_account(posts, "bob@other.example")[0]) == 1


def test_the_archives_flat_layouts_are_one_account_unchanged(tmp_path):
    """Made up: the archive's flat layout names no account; it is the story's."""
    recs = [{"id": "114842356238631061", "created_at": "2025-07-12T21:21:29.285Z",
             "content": "<p>RT @someone hi</p>", "url": "https://example.invalid/1", "media": [],
             "replies_count": 0, "reblogs_count": 0, "favourites_count": 0}]
    src = tmp_path / "made_up.json"
    src.write_text(json.dumps(recs))
    posts = load_archive(src).posts
    assert list(posts["account"]) == [STORY_ACCOUNT] and list(posts["kind"]) == ["retruth"]
    selected, found = select_account(posts, None)
    assert len(selected) == 1 and list(found["account"]) == [STORY_ACCOUNT]
    assert len(select_account(posts, "realdonaldtrump")[0]) == 1


@pytest.mark.parametrize("change, field", [
    (lambda s: s.update(account={"id": "1", "username": "x"}), "account.acct"),
    (lambda s: s.update(account="alice"), "account"),
    (lambda s: s.update(reblog="yes"), "reblog"),
    (lambda s: s.update(media_attachments=[{"type": "image"}]), "media_attachments.url"),
    (lambda s: s.update(media_attachments={"url": "x"}), "media_attachments"),
    (lambda s: s.update(favourites_count="many"), "favourites_count"),
])
def test_bad_statuses_name_the_status_and_the_field(tmp_path, change, field):
    statuses = made_up.statuses()
    change(statuses[2])
    src = tmp_path / "bad_page.json"
    src.write_text(json.dumps(statuses))
    with pytest.raises(InputError) as err:
        load_archive(src)
    assert err.value.field == field and ("status 3" in str(err.value) or field == "favourites_count")


def test_a_flat_text_mentioning_account_is_not_the_api_layout(tmp_path):
    """Made up: the archive's layout with text quoting an API object."""
    recs = [{"id": "114842356238631061", "created_at": "2025-07-12T21:21:29.285Z",
             "content": 'see "account": {"acct": "x"}', "url": "u", "media": [],
             "replies_count": 1, "reblogs_count": 1, "favourites_count": 1}]
    src = tmp_path / "made_up.json"
    src.write_text(json.dumps(recs))
    archive = load_archive(src)
    assert archive.captures[0].layout == "json"
    assert list(archive.posts["account"]) == [STORY_ACCOUNT]


def test_flag_selects_an_account_in_api_dumps_and_parquet(dump, tmp_path, capsys):
    result = flag([str(p) for p in dump], account="Bob")
    assert set(result.frame["id"]) == made_up.ids(made_up.RATIOED_BOTH["bob@example.social"])
    with pytest.raises(InputError, match="2 accounts"):
        flag([str(p) for p in dump])
    out = tmp_path / "merged.parquet"
    assert main(["load", *map(str, dump), "--out", str(out)]) == 0
    assert "boost of another account" in capsys.readouterr().out
    for account in ("alice", "bob@example.social"):
        result = flag(str(out), account=account)
        assert set(result.frame["id"]) == made_up.ids(made_up.RATIOED_BOTH[account])
    assert main(["flag", str(out)]) == 2
    assert "@alice: 6 post(s)" in capsys.readouterr().err
    assert main(["flag", str(out), "--account", "alice", "--definition", "likes"]) == 0
    printed = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out), dtype={"id": str})
    assert set(printed["id"]) == made_up.ids(made_up.RATIOED_LIKES["alice"])


def test_parameters_account_and_replies():
    p = load_params(overrides={"account": "@Alice", "replies": "EXCLUDE"}, check_files=False)
    assert p["account"] == "Alice" and p["replies"] == "exclude"
    assert load_params(check_files=False)["account"] is None
    with pytest.raises(ParameterError, match="REPLIES='some'"):
        load_params(overrides={"replies": "some"}, check_files=False)
    with pytest.raises(ParameterError, match="ACCOUNT='a b; rm'"):
        load_params(overrides={"account": "a b; rm"}, check_files=False)
    assert REPLIES_CHOICES == ("include", "exclude") and {"boost", "reply"} <= set(KINDS)


def test_titles_and_ledgers_follow_the_account():
    assert labels.title(None) == labels.title("realdonaldtrump") == story.TITLE
    assert "@bob@example.social" in labels.title("bob@example.social")
    assert "Trump" not in labels.title("alice") and labels.author("alice") == "@alice"
    assert claims_file(None) == claims_file("@realDonaldTrump") == paths.CLAIMS_YAML
    assert claims_file("alice") == paths.CLAIMS_GENERIC_YAML
    generic = read_claims(paths.CLAIMS_GENERIC_YAML)
    assert {c["check"] for c in generic} <= set(CHECKS)
    text = paths.CLAIMS_GENERIC_YAML.read_text()
    assert "Trump" not in text and "Bondi" not in text and "his " not in text


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_make_report_for_another_account(tmp_path):
    """A full `make report ACCOUNT=bob` in a scratch project on the made-up API pages."""
    from ratioed.pipeline.build import copy_project

    project = copy_project(tmp_path / "p", ROOT)
    pages = made_up.write_pages(project / "dumps")
    venv = Path(sys.executable).parents[1]
    env = {**os.environ, "RATIOED_ROOT": str(project),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    source = " ".join(str(p.relative_to(project)) for p in pages)
    run = subprocess.run(["make", "report", f"VENV={venv}", f"SOURCE={source}"], cwd=project,
                         env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 2 and "@alice: 6 post(s)" in run.stderr  # several accounts
    run = subprocess.run(["make", "report", f"VENV={venv}", f"SOURCE={source}", "ACCOUNT=BOB"],
                         cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    html = (project / "reports" / "index.html").read_text()
    assert "Was @bob@example.social \u201cratioed\u201d?" in html
    assert "<title>Was @bob@example.social" in html
    assert "Trump" not in html and "Bondi" not in html
    numbers = json.loads((project / "data" / "processed" / "numbers.json").read_text())
    load = numbers["load"]
    assert load["account"] == "bob@example.social" and load["other_accounts_excluded"] == 6
    assert load["boosts_excluded"] == 1 and load["posts_analysed"] == 3
    claims = pd.read_csv(project / "reports" / "tables" / "claims.csv", dtype=str)
    assert list(claims["id"]) == ["G1", "G2", "G3", "G4"] and set(claims["status"]) == {MEASURED}
    first = json.loads(claims.loc[claims["id"] == "G3", "numbers"].iloc[0])
    assert first["id"] == next(iter(made_up.ids(made_up.RATIOED_BOTH["bob@example.social"])))
    excluded = pd.read_csv(project / "data" / "processed" / "excluded.csv", dtype=str)
    assert list(excluded["reason"]) == [BOOST_REASON]
    assert list(excluded["id"]) == sorted(made_up.ids({9}))


def test_a_gzip_compressed_page_is_read_as_the_api_layout(tmp_path):
    import gzip

    page = made_up.write_pages(tmp_path / "dump")[1]
    packed = tmp_path / "page.json.gz"
    packed.write_bytes(gzip.compress(page.read_bytes()))
    archive = load_archive(packed)
    assert archive.captures[0].layout == "statuses (gzip)"
    assert archive.posts.equals(load_archive(page).posts.assign(capture=archive.posts["capture"]))
