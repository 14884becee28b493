"""Words an editor can publish under any parameter (issue 21).

Fast tests (no kernel): every sentence function, in the singular and the plural, with days and
times in the build's zone; the claims' evidence in plain sentences; the changes a reader sees.
Slow tests (``-m slow``): a small matrix of builds with parameters moved (another highlighted
post, a START/END window, WINDOW/DEFINITION/DAY_TZ) whose page and SVG text are read, and the
story on the whole real archive declared complete.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ratioed.analysis import changes as changes_mod
from ratioed.analysis.claims import (
    CONTRADICTED,
    NOT_CHECKABLE,
    SUPPORTED,
    Evidence,
    check_first_time,
    check_highlight_ratioed,
    check_not_again,
    check_observation_agrees,
    check_only_one,
    check_post_count_since,
)
from ratioed.analysis.completeness import Completeness
from ratioed.analysis.coverage import ACCOUNT_START
from ratioed.pipeline import export
from ratioed.present import labels

ROOT = Path(__file__).resolve().parents[1]
STORY_POST = "114842356238631061"
OTHER_POST = "114882071199726147"  # a real post of the week, not ratioed
ARCHIVE = ROOT.parent / "shared" / "data" / "truthsocial-archive" / \
    "replication_archive_2022-02-14_2026-04-09.csv"
CODE_WORDS = re.compile(r"declared_complete|=True|=False|\(parameter |_conditions|\bnan\b|"
                        r"\bNone\b(?! of)")


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize("n, words", [(0, "no posts meet"), (1, "one post meets"),
                                      (2, "two posts meet"), (1234, "1,234 posts meet")])
def test_a_count_and_its_verb_agree(n, words):
    assert labels.counted(n, "post", "meets", "meet") == words


@pytest.mark.parametrize("n, words", [
    (1, "One post of 106 meets"), (3, "Three posts of 106 meet"),
    (0, "None of the 106 posts meets"), (12, "12 posts of 106 meet")])
def test_part_of_a_whole(n, words):
    assert labels.of_total(n, 106, "post", "meets", "meet") == words


@pytest.mark.parametrize("n, noun, plural, words", [
    (1, "reply", "replies", "1 reply"), (19954, "reply", "replies", "19,954 replies"),
    (1, "re-truth", None, "1 re-truth"), (0, "like", None, "0 likes"), (None, "like", None, "")])
def test_amounts_in_digits_agree(n, noun, plural, words):
    assert labels.amount(n, noun, plural) == words


@pytest.mark.parametrize("flagged, posts, only, end", [
    (0, 106, False, "none meets the story\u2019s definition."),
    (1, 106, True, "it is the only one that meets the story\u2019s definition."),
    (1, 106, False, "1 post meets the story\u2019s definition."),
    (2, 106, False, "2 posts meet the story\u2019s definition."),
])
def test_the_ledes_flagged_sentence(flagged, posts, only, end):
    text = labels.flagged_sentence(flagged, posts, "11 to 19 July 2025", only)
    assert text.startswith("Of the 106 posts with counts in this input (11 to 19 July 2025), ")
    assert text.endswith(end)
    one = labels.flagged_sentence(1, 1, "", True)
    assert one.startswith("Of the one post with counts") and "1 posts" not in one


@pytest.mark.parametrize("first, last, tz, words", [
    ("2025-07-12T04:30:00+00:00", "2025-07-14T03:00:00+00:00", "America/New_York",
     "12 to 13 July 2025"),  # UTC days would say 12 to 14 July
    ("2025-07-12T04:30:00+00:00", "2025-07-14T03:00:00+00:00", "UTC", "12 to 14 July 2025"),
    ("2025-06-30", "2025-07-02", None, "30 June to 2 July 2025"),
    ("2024-12-31", "2025-01-02", None, "31 December 2024 to 2 January 2025"),
    ("2025-07-12", "2025-07-12", None, "12 July 2025"),
    (None, "2025-07-12", None, ""),
])
def test_day_spans_in_the_builds_zone(first, last, tz, words):
    assert labels.day_span(first, last, tz) == words


def test_a_time_of_day_names_its_zone():
    t = "2025-07-13T14:45:00+00:00"
    assert labels.moment(t, "America/New_York") == "13 July 2025, 10:45 EDT"
    assert labels.moment(t, "America/New_York", short=True) == "13 Jul 2025 10:45 EDT"
    assert labels.moment(t, "Europe/London") == "13 July 2025, 15:45 BST"
    assert labels.moment(t, "UTC") == "13 July 2025, 14:45 UTC"
    assert labels.moment(t, "Asia/Kolkata") == "13 July 2025, 20:15 IST"
    assert labels.moment(t, "Asia/Dubai") == "13 July 2025, 18:45 Asia/Dubai"  # not "+04"
    assert labels.moment(pd.Timestamp(t), "America/New_York", short=True).endswith("EDT")


WEEK_SOURCE = {
    "source": "data/raw/metrics_2025-07-11_2025-07-19.csv",
    "first_post": "2025-07-11T19:00:55+00:00", "last_post": "2025-07-19T21:41:31+00:00",
    "captured_at": None, "url": "https://ix.cnn.io/data/truth-social/truth_archive.csv",
    "download_record": {"url": "https://ix.cnn.io/data/truth-social/truth_archive.csv",
                        "publisher": "archive built by the open-source scraper "
                                     "stiles/trump-truth-social-archive; the posts are public",
                        "retrieved": "January 2026: the archive's CSV as published then"}}


def test_source_line_names_archive_publisher_url_and_capture():
    line = labels.source_line([WEEK_SOURCE], "America/New_York")
    assert line == ("Source: metrics_2025-07-11_2025-07-19.csv (archive built by the open-source "
                    "scraper stiles/trump-truth-social-archive, "
                    "https://ix.cnn.io/data/truth-social/truth_archive.csv), posts of 11 to 19 "
                    "July 2025, counts as captured (retrieved January 2026).")
    local = {"source": "/home/someone/copy.csv", "first_post": "2022-02-14T15:54:00+00:00",
             "last_post": "2026-04-09T03:46:00+00:00", "captured_at": "2026-04-09T06:00:00+00:00"}
    line = labels.source_line([local], "America/New_York")
    assert line.startswith("Source: copy.csv (a local file), posts of 14 February 2022 to 8 "
                           "April 2026") and "captured 9 April 2026" in line
    assert "/home/someone" not in line
    many = labels.source_line([local] * 5)
    assert many.startswith("Sources: ") and many.endswith("and two more files.")
    assert labels.source_line([]) == ""


# --------------------------------------------------------------------------- the lede's data


def _numbers(highlight=STORY_POST, observed_post=STORY_POST, flagged=1, tz="America/New_York"):
    hl = {"id": highlight, "created_at": "2025-07-12T21:21:06+00:00", "replies": 19954,
          "retruths": 6644, "likes": 18687, "reply_like_ratio": 1.07, "ratio_multiple": 9.0,
          "trailing_median": 0.12, "trailing_posts": 14, "ratioed": {"both": highlight == STORY_POST}}
    return {"ratios": {"definition": "both", "trailing_window": "30D", "tz": tz,
                       "posts_checked": 106, "flagged": {"both": flagged}, "highlight": hl},
            "load": {"first_post": "2025-07-12T04:30:00+00:00",
                     "last_post": "2025-07-14T03:00:00+00:00", "account": "realDonaldTrump"},
            "claims": {"C2": {"numbers": {
                "post": observed_post, "observed_at": "2025-07-13T14:45:00+00:00",
                "observed_source": "Newsweek",
                "observed": {"replies": 36000, "retruths": 11000, "likes": 32000}}}}}


def test_the_reporters_reading_only_beside_its_own_post():
    story = export.lede(_numbers())
    assert story["observed"]["replies"] == 36000
    assert story["observed"]["when"] == "13 July 2025, 10:45 EDT"
    assert story["observed"]["source"] == "Newsweek"
    other = export.lede(_numbers(highlight=OTHER_POST))
    assert other["observed"] is None


def test_the_ledes_days_are_in_day_tz():
    assert export.lede(_numbers())["span"] == "12 to 13 July 2025"
    assert export.lede(_numbers(tz="UTC"))["span"] == "12 to 14 July 2025"
    lede = export.lede(_numbers(flagged=2))
    assert lede["flagged_sentence"].endswith("2 posts meet the story\u2019s definition.")


# --------------------------------------------------------------------------- evidence


def _posts(ratioed_at=(5,), n=20, start="2025-07-01"):
    rows = []
    for i in range(n):
        likes = 1000 + 100 * i
        rows.append({"id": str(114800000000000000 + i), "capture": "made-up.csv",
                     "created_at": pd.Timestamp(start, tz="UTC") + pd.Timedelta(hours=6 * i),
                     "replies": likes + 500 if i in ratioed_at else likes // 10,
                     "retruths": 50, "likes": likes})
    return pd.DataFrame(rows)


def _evidence(posts, complete=True, highlight=None):
    times = posts["created_at"]
    if complete:  # a post every 60 days from the account's start: no silence over 90 days
        times = pd.concat([pd.Series(pd.date_range(ACCOUNT_START, posts["created_at"].min(),
                                                   freq="60D")), times], ignore_index=True)
    sources = [{"source": "made-up.csv", "sha256": "x", "download_record": None}]
    comp = Completeness.from_provenance(times, False, sources, declared_complete=complete)
    obs = pd.DataFrame({"post_id": [posts["id"].iloc[5]],
                        "observed_at": [pd.Timestamp("2025-07-03T14:45:00+00:00")],
                        "replies": [9000], "retruths": [900], "likes": [3000],
                        "source": ["Newsweek"]})
    return Evidence(posts=posts, observations=obs, completeness=comp,
                    highlight_id=highlight or posts["id"].iloc[5], tz="America/New_York")


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def test_evidence_is_one_or_two_plain_sentences_on_a_complete_input():
    ev = _evidence(_posts())
    texts = {}
    for name, check in (("C1", check_highlight_ratioed), ("C2", check_observation_agrees),
                        ("C3", lambda e: check_post_count_since(e, more_than=10)),
                        ("C4", check_only_one), ("C5", check_first_time),
                        ("C6", check_not_again)):
        status, text, _ = check(ev)
        assert status == SUPPORTED, (name, text)
        assert 1 <= _sentences(text) <= 2, text
        assert not CODE_WORDS.search(text), text
        texts[name] = text
    assert "EDT" in texts["C1"] and "EDT" in texts["C2"]  # times of day in the zone, named
    assert "1 of 20 posts has" in texts["C4"]
    # no 15-word run repeats across three claims (the completeness sentence is said once)
    runs: dict[str, set] = {}
    for name, text in texts.items():
        words = text.split()
        for i in range(len(words) - 14):
            runs.setdefault(" ".join(words[i:i + 15]), set()).add(name)
    assert not [r for r, names in runs.items() if len(names) >= 3]


def test_evidence_on_a_sample_points_to_the_statement_above():
    ev = _evidence(_posts(), complete=False)
    status, text, nums = check_only_one(ev)
    assert status == NOT_CHECKABLE and "see above the table" in text
    assert nums["failed_conditions"]  # the CSV keeps the machine-readable detail
    statement = ev.completeness.statement(ACCOUNT_START)
    assert statement.startswith("These data cannot check claims about the whole archive")
    assert "gap of" in statement and not CODE_WORDS.search(statement)
    complete = _evidence(_posts()).completeness.statement(ACCOUNT_START)
    assert complete.startswith("These data can check claims about the whole archive")
    assert "declared complete" in complete and not CODE_WORDS.search(complete)


def test_grammatical_number_in_counter_examples():
    status, text, _ = check_first_time(_evidence(_posts(ratioed_at=(2, 5))))
    assert status == CONTRADICTED and text.startswith("1 earlier post has ")
    status, text, _ = check_not_again(_evidence(_posts(ratioed_at=(5, 7, 9))))
    assert status == CONTRADICTED and text.startswith("2 later posts have ")
    status, text, _ = check_only_one(_evidence(_posts(ratioed_at=(5, 7))))
    assert status == CONTRADICTED and text.startswith("2 of 20 posts have ")


# --------------------------------------------------------------------------- changes


def _published(root: Path, sources, start=None, end=None, account="realDonaldTrump"):
    (root / "data" / "processed").mkdir(parents=True)
    (root / "data" / "processed" / "provenance.json").write_text(json.dumps({
        "sources": [{"source": s, "sha256": s + "-sha"} for s in sources],
        "parameters": {"start": start, "end": end, "account": account}}))


def test_a_change_of_input_is_one_sentence(tmp_path):
    _published(tmp_path / "a", ["data/raw/week.csv"])
    _published(tmp_path / "b", ["../shared/whole.csv"])
    text = changes_mod.input_change(tmp_path / "a", tmp_path / "b")
    assert text.startswith("The input changed: the input is now whole.csv (it was week.csv).")
    assert "changes.csv only" in text
    _published(tmp_path / "c", ["data/raw/week.csv"], start="2025-07-12", end="2025-07-13")
    text = changes_mod.input_change(tmp_path / "a", tmp_path / "c")
    assert "the date window is now 2025-07-12 to 2025-07-13 (it was all dates)" in text
    assert changes_mod.input_change(tmp_path / "a", tmp_path / "a") is None


def test_the_page_lists_claims_and_headline_numbers_not_posts(tmp_path):
    table = pd.DataFrame(
        [("new post", str(i), "", "1/2/3") for i in range(25)]
        + [("verdict changed", "C4", "not checkable with these data", "supported"),
           ("number changed", "ratios.flagged.both", "1", "2"),
           ("number changed", "claims.C3.numbers.posts", "107", "32433")],
        columns=changes_mod.COLUMNS)
    rows = changes_mod.headline(table)
    assert rows == [{"what": "Claim C4", "before": "not checkable with these data",
                     "after": "supported"},
                    {"what": "Posts meeting the story's definition", "before": "1", "after": "2"}]
    text = changes_mod.page_summary(table)
    assert text.startswith("25 new posts. 1 claim changed verdict and 1 headline number")
    assert "claims.C3" not in text
    assert changes_mod.page_summary(table.iloc[0:0]) == "No change since the last build."
    assert changes_mod.page_summary(None).startswith("First build here")


# --------------------------------------------------------------------------- builds (slow)


def _build(project: Path, *args: str) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, "-m", "ratioed", "report", *args], cwd=project,
                         env={**os.environ, "RATIOED_ROOT": str(project)},
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return run


def _text(markup: str) -> str:
    markup = re.sub(r"<style.*?</style>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def _svg_text(project: Path) -> dict[str, str]:
    return {p.name: " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>",
                                                                 p.read_text()))
            for p in sorted((project / "reports" / "figures").glob("*.svg"))}


def _top(page: str) -> str:
    return _text(page[page.index("<header>"):page.index("</header>")])


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """One scratch project, built once per parameter set (each build ~5 s): the page's and
    the SVGs' text after each."""
    from ratioed.pipeline.build import copy_project

    project = copy_project(tmp_path_factory.mktemp("matrix") / "p", ROOT)
    week = "data/raw/metrics_2025-07-11_2025-07-19.csv"
    cases = {
        "default": [],
        "highlight": ["--set", f"highlight_id={OTHER_POST}"],
        "window": ["--set", "start=2025-07-12", "--set", "end=2025-07-13"],
        "moved": ["--set", "trailing_window=7D", "--set", "definition=either",
                  "--set", "tz=Europe/London"],
    }
    out = {}
    for name, args in cases.items():
        _build(project, week, *args)
        page = (project / "reports" / "index.html").read_text(encoding="utf-8")
        out[name] = {"page": page, "top": _top(page), "svg": _svg_text(project),
                     "claims": pd.read_csv(project / "reports/tables/claims.csv", dtype=str)}
    return out


BAD_AGREEMENT = re.compile(r"\b(?:[Oo]ne|1) posts?\b[^.;:,]{0,40}?\bmeet\b|\b(?:[2-9]|\d\d+|two|"
                           r"three) posts\b[^.;:,]{0,40}?\bmeets\b")


@pytest.mark.slow
@pytest.mark.parametrize("case", ["default", "highlight", "window", "moved"])
def test_matrix_words_agree_and_every_figure_and_table_has_a_source(matrix, case):
    built = matrix[case]
    text = _text(built["page"][built["page"].index("<body"):])
    assert not BAD_AGREEMENT.search(text), BAD_AGREEMENT.search(text).group(0)
    assert not re.search(r"(?<![\d,.])1 (?:posts|replies|sources|rows)\b|\bone posts\b", text)
    # a source line under every figure and table of the notebooks, and in every SVG
    body = built["page"]
    figures = body.count("<figure")
    tables = body.count('class="ratioed-table"') + body.count('class="table-empty"')
    assert body.count('class="source"') >= figures + tables, (figures, tables)
    assert "Source: metrics_2025-07-11_2025-07-19.csv" in built["top"]
    assert "retrieved January 2026" in built["top"]
    for name, svg in built["svg"].items():
        assert "Source: metrics_2025-07-11_2025-07-19.csv" in svg, name
        assert "ix.cnn.io" in svg, name
    # no table drawn as its header row alone
    assert "<tbody></tbody>" not in body


@pytest.mark.slow
def test_matrix_default_reading_is_in_new_york_time(matrix):
    built = matrix["default"]
    assert "Newsweek\u2019s later reading of this post (13 July 2025, 10:45 EDT)" in built["top"]
    fig4 = built["svg"]["fig4-highlight-readings.svg"]
    assert "Newsweek reading, 13 Jul 2025 10:45 EDT" in fig4 and "14:45" not in fig4
    assert "1 post meets" not in built["top"]  # the highlighted post is the only one
    assert "it is the only one that meets the story\u2019s definition" in built["top"]


@pytest.mark.slow
def test_matrix_another_highlight_drops_the_reporters_reading(matrix):
    top = matrix["highlight"]["top"]
    assert "36,000" not in top and "Newsweek" not in top
    assert "1 post meets the story\u2019s definition" in top
    # the claims stay pinned to the story's post
    assert set(matrix["highlight"]["claims"]["id"]) >= {"C1", "C2"}


@pytest.mark.slow
def test_matrix_window_days_are_day_tz_days(matrix):
    top = matrix["window"]["top"]
    assert "(12 to 13 July 2025)" in top and "14 July" not in top


@pytest.mark.slow
def test_matrix_moved_parameters_reach_the_words(matrix):
    built = matrix["moved"]
    text = _text(built["page"])
    assert "previous 7 days" in built["top"] and "30 days" not in built["top"]
    assert "\u201ceither\u201d" in built["top"]
    assert "BST" in text  # times of day named in the London zone
    assert "Date (Europe/London)" in built["svg"]["fig2-reply-like-ratio-over-time.svg"]
    assert "Newsweek reading, 13 Jul 2025 15:45 BST" in built["svg"]["fig4-highlight-readings.svg"]


@pytest.mark.slow
def test_the_story_on_the_whole_archive_declared_complete(tmp_path):
    """Built on the real whole archive with DECLARED_COMPLETE=true: every claim C1-C6 is
    supported, exactly the 12 July 2025 post is ratioed, and the evidence reads as sentences."""
    if not ARCHIVE.exists():
        pytest.skip(f"the whole archive is not at {ARCHIVE} (it sits beside the project, in "
                    "../shared/data/truthsocial-archive/, and is never committed)")
    from ratioed.pipeline.build import copy_project

    project = copy_project(tmp_path / "p", ROOT)
    _build(project, "data/raw/metrics_2025-07-11_2025-07-19.csv")
    _build(project, str(ARCHIVE), "--set", "declared_complete=true")
    claims = pd.read_csv(project / "reports/tables/claims.csv", dtype=str)
    assert dict(zip(claims["id"], claims["status"], strict=True)) == {
        f"C{i}": SUPPORTED for i in range(1, 7)}
    ratioed = pd.read_csv(project / "reports/tables/ratioed_posts.csv", dtype={"id": str})
    assert ratioed["id"].tolist() == [STORY_POST]
    for text in claims["evidence"]:
        assert not CODE_WORDS.search(text), text
    runs: dict[str, set] = {}
    for cid, text in zip(claims["id"], claims["evidence"], strict=True):
        words = text.split()
        for i in range(len(words) - 14):
            runs.setdefault(" ".join(words[i:i + 15]), set()).add(cid)
    assert not [r for r, ids in runs.items() if len(ids) >= 3]
    page = (project / "reports/index.html").read_text(encoding="utf-8")
    top = _top(page)
    assert "The input changed: the input is now replication_archive_2022-02-14_2026-04-09.csv" \
        in top
    assert "<td>new post</td>" not in page
    text = _text(page)
    assert "These data can check claims about the whole archive" in text
    assert "(a local file)" in text
