"""The report's export: order for a reader, links to every output file, display rounding,
published paths, accessibility markup and byte-identical rebuilds.

The unit tests use made-up numbers (said where they are); the slow tests build the real one-week
sample twice, in two isolated scratch copies of the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ratioed import paths
from ratioed.pipeline import export
from ratioed.pipeline.build import copy_project

HIGHLIGHT = "114842356238631061"


# --------------------------------------------------------------------------- unit


def test_shown_paths_are_never_absolute(tmp_path):
    root = paths.PROJ_ROOT
    assert export.shown_path(root / "data" / "raw" / "a.csv") == "data/raw/a.csv"
    assert export.shown_path(root.parent / "shared" / "x.csv") == "../shared/x.csv"
    assert export.shown_path("/home/reporter/Downloads/archive.parquet") == "archive.parquet"
    assert export.shown_path("https://ix.cnn.io/data/a.parquet") == "https://ix.cnn.io/data/a.parquet"
    assert export.shown_path(None) == ""


def test_headings_move_down_outside_code_fences():
    md = "# 2. Ratios\ntext\n## Step\n```\n# a comment\n```\n###### deep"
    assert export.demote_headings(md).splitlines() == [
        "### 2. Ratios", "text", "#### Step", "```", "# a comment", "```", "###### deep"]


def test_source_date_comes_from_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1752355266")
    assert export.source_date() == "2025-07-12 21:21 UTC"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")
    assert export.source_date() is None


def test_lede_data_follows_the_numbers():
    """Made-up numbers.json contents: a non-story definition, no observation, no baseline."""
    numbers = {"load": {"posts_analysed": 50, "first_post": "2025-07-01 00:00:00+00:00",
                        "last_post": "2025-07-09 00:00:00+00:00"},
               "ratios": {"definition": "either", "trailing_window": "7D", "posts_checked": 50,
                          "flagged": {"both": 0, "either": 2, "likes": 0, "retruths": 2},
                          "highlight": {"id": "1", "created_at": "2025-07-02T10:00:00+00:00",
                                        "replies": 10, "retruths": 5, "likes": 20,
                                        "reply_like_ratio": 0.5, "ratio_multiple": None,
                                        "ratioed": {"both": False}}}}
    lede = export.lede(numbers)
    assert lede["story_flagged"] == 0 and lede["definition_flagged"] == 2
    assert lede["window"] == "7 days" and lede["first_post"] == "1 July 2025"
    assert lede["highlight"]["day"] == "2 July 2025" and lede["highlight"]["ratioed_story"] is False
    assert lede["observed"] is None
    assert export.lede({})["highlight"] is None  # nothing recorded yet: the template says less
    # an observation with a count missing is not quoted; an empty input's NaT dates are blank
    numbers["claims"] = {"C2": {"numbers": {"observed": {"replies": 5, "likes": None,
                                                         "retruths": 1}}}}
    numbers["load"].update(first_post="NaT", last_post=None)
    lede = export.lede(numbers)
    assert lede["observed"] is None and lede["first_post"] == "" and lede["last_post"] == ""


# --------------------------------------------------------------------------- built report


def _build(project: Path, source: Path, **env_vars: str) -> str:
    env = {**os.environ, "RATIOED_ROOT": str(project), **env_vars}
    env.pop("SOURCE_DATE_EPOCH", None)
    res = subprocess.run([sys.executable, "-m", "ratioed", "report", str(source)], cwd=project,
                         env=env, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    return (project / "reports" / "index.html").read_text()


@pytest.fixture(scope="module")
def two_builds(week, tmp_path_factory):
    source = week
    first = copy_project(tmp_path_factory.mktemp("first"))
    second = copy_project(tmp_path_factory.mktemp("second"))
    # the first runs its notebooks in two kernels side by side, the second in one, in order
    return (first, _build(first, source, RATIOED_LANES="2"),
            second, _build(second, source, RATIOED_LANES="1"))


class _Page(HTMLParser):
    """Collects links, images, headings (in order) and <html lang> of a page."""

    def __init__(self):
        super().__init__()
        self.links, self.images, self.headings, self.lang = [], [], [], None
        self.order: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "img":
            self.images.append(a)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if a.get("id") in ("key-figure", "claims", "methods", "files", "provenance"):
            self.order.append(a["id"])
        if tag == "details":
            self.order.append("details")


def _ran(project: Path) -> dict[str, tuple[str, str]]:
    """When each notebook of the last build started and ended (papermill's record)."""
    out = {}
    for nb in sorted((project / "build/state/executed").glob("*.ipynb")):
        meta = json.loads(nb.read_text())["metadata"]["papermill"]
        out[nb.stem] = (meta["start_time"], meta["end_time"])
    return out


@pytest.mark.slow
def test_two_clean_builds_give_identical_html(two_builds):
    """Byte-identical outputs from two clean builds, one running the claims and figures
    notebooks side by side in two kernels, the other one notebook at a time."""
    first, html1, second, html2 = two_builds
    side, one = _ran(first), _ran(second)
    if (os.cpu_count() or 1) >= 2:  # lanes are capped at the machine's cores
        assert side["04-figures"][0] < side["03-claims"][1], "03 and 04 did not run side by side"
    assert side["04-figures"][0] >= side["02-ratios"][1], "04 started before 02 had finished"
    assert one["04-figures"][0] >= one["03-claims"][1], "RATIOED_LANES=1 ran two at once"
    if html1 != html2:  # show where: the first differing stretch, images elided
        one, two = (re.sub(r"base64,[^\"]*", lambda m: f"B64:{hashlib.sha256(m[0].encode()).hexdigest()[:8]}", h)
                    for h in (html1, html2))
        at = next((i for i, (a, b) in enumerate(zip(one, two, strict=False)) if a != b), min(len(one), len(two)))
        pytest.fail(f"index.html differs at {at}: {one[at - 200:at + 200]!r} vs {two[at - 200:at + 200]!r}")
    # every published file, processed data included (Parquet, numbers, provenance)
    for sub in ("reports", "data/processed"):
        ones = sorted(p.relative_to(first) for p in (first / sub).rglob("*") if p.is_file())
        twos = sorted(p.relative_to(second) for p in (second / sub).rglob("*") if p.is_file())
        assert ones == twos and len(ones) > 5
        for rel in ones:
            assert (first / rel).read_bytes() == (second / rel).read_bytes(), str(rel)


@pytest.mark.slow
def test_every_output_file_is_linked_relatively_and_survives_a_zip(two_builds, tmp_path):
    project, html = two_builds[0], two_builds[1]
    page = _Page()
    page.feed(html)
    reports = project / "reports"
    files = sorted(p.relative_to(reports).as_posix() for sub in ("tables", "figures")
                   for p in (reports / sub).iterdir())
    assert len(files) >= 16
    assert not [f for f in files if f not in page.links], "every table and figure is linked"
    local = [h for h in page.links if not h.startswith("#")]
    assert all(not h.startswith(("/", "file:", "http")) for h in local), local
    anchors = set(re.findall(r'id="([^"]+)"', html))
    assert all(h[1:] in anchors for h in page.links if h.startswith("#")), "contents links resolve"
    # zipped and unzipped elsewhere, every relative link still finds its file
    archive = tmp_path / "reports.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in reports.rglob("*"):
            z.write(p, p.relative_to(reports.parent))
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path / "mail")
    assert all((tmp_path / "mail" / "reports" / h).is_file() for h in local)


@pytest.mark.slow
def test_order_accessibility_and_published_paths(two_builds):
    html = two_builds[1]
    page = _Page()
    page.feed(html)
    assert page.lang == "en"
    assert page.order[:3] == ["key-figure", "claims", "methods"]
    assert page.order[-2:] == ["provenance", "details"], "provenance last, inside <details>"
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), page.headings
    assert len(page.images) == 4
    assert all(len(img.get("alt", "")) > 30 for img in page.images)
    assert "No description has been provided" not in html
    assert page.images[0]["alt"].startswith(
        "Scatter of replies against likes, log scales: 106 posts; one above the replies = likes "
        "line: 19,954 replies to 18,687 likes")
    lede = html[html.index('<p class="lede">'):html.index('id="key-figure"')]
    for needle in ("12 July 2025", "19,954 replies", "6,644 re-truths", "18,687 likes",
                   "1.07 replies per like", "9.0 times", "(0.12)", "106 posts",
                   "only one", "36,000 replies"):
        assert needle in lede, needle
    assert html.count("<caption>") >= 8 and '<th scope="col">' in html
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    for absolute in ("/work/", "/home/", "/tmp/", "/root/", "file://"):
        assert absolute not in text, absolute
    assert "<script" not in text.lower() and "Content-Security-Policy" in text
    assert "cell-id=c000" in text  # deterministic ids, not nbformat's random ones
    # display rounding: ratios to 2 decimals in the page, full precision in the CSV
    assert "1.0678" not in text and ">1.07<" in text
    assert "1.0678" in (two_builds[0] / "reports/tables/ratioed_posts.csv").read_text()
