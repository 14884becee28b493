"""Labels follow the parameters: words for windows, definitions, dates and numbers; figures' alt
text written from the data they draw; and a build with non-default WINDOW, DEFINITION and DAY_TZ
that shows no stale default in the HTML or in the SVGs' text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from ratioed.present import labels

HIGHLIGHT = "114842356238631061"


@pytest.mark.parametrize("window, words", [
    ("30D", "30 days"), ("7D", "7 days"), ("1D", "1 day"), ("12h", "12 hours"),
    ("90min", "90 minutes"), ("2W", "2 weeks"), ("14D", "14 days"), ("not a window", "not a window"),
])
def test_window_in_words(window, words):
    assert labels.window(window) == words


def test_numbers_are_rounded_for_display_only():
    import numpy as np

    assert labels.number(19954) == "19,954"
    assert labels.number(np.int64(19954)) == "19,954"
    assert labels.number(1.067814) == "1.07"
    assert labels.number(8.9602, 1) == "9.0"
    assert labels.number(float("nan")) == ""
    assert labels.number(None) == ""
    assert labels.number(True) == "yes"
    assert labels.number("114842356238631061") == "114842356238631061"  # ids stay text


def test_counts_dates_and_definitions_in_words():
    assert labels.count(1, "post") == "one post"
    assert labels.count(0, "post") == "no posts"
    assert labels.count(1234, "post") == "1,234 posts"
    assert labels.day("2025-07-12T21:21:06+00:00") == "12 July 2025"
    assert labels.day("2025-07-13T02:00:00+00:00", "America/New_York") == "12 July 2025"
    assert labels.moment("2025-07-12T21:21:06+00:00", "America/New_York") == \
        "12 July 2025, 17:21 EDT"
    assert labels.date_range("2025-07-11", "2025-07-19") == "11 to 19 July 2025"
    assert labels.date_range(None, None) == "all dates in the input"
    assert labels.date_range("2025-07-01", None) == "from 1 July 2025"
    assert "more replies than likes or" in labels.definition("either")
    assert set(labels.DEFINITION_WORDS) == set(__import__("ratioed.analysis.ratios").analysis.ratios.DEFINITIONS)


def _posts(n=20, ratioed=(5,)):
    """Made-up posts: replies one tenth of likes, except the posts listed in ``ratioed``."""
    rows = []
    for i in range(n):
        likes = 1000 + 100 * i
        replies = likes + 500 if i in ratioed else likes // 10
        rows.append({"id": str(114800000000000000 + i),
                     "created_at": pd.Timestamp("2025-07-01", tz="UTC") + pd.Timedelta(hours=6 * i),
                     "replies": replies, "retruths": 50, "likes": likes})
    frame = pd.DataFrame(rows)
    frame["reply_like_ratio"] = frame["replies"] / frame["likes"]
    frame["trailing_median"] = 0.1
    return frame


def test_alt_text_is_written_from_the_data():
    import matplotlib

    matplotlib.use("Agg")
    from ratioed.present import figures

    posts = _posts()
    hl = posts.iloc[5]
    fig1 = figures.likes_vs_replies(posts, hl["id"])
    assert fig1.alt.startswith("Scatter of replies against likes, log scales: 20 posts; one above")
    assert f"{hl['replies']:,} replies to {hl['likes']:,} likes" in fig1.alt
    assert "The highlighted post (2 July 2025) is above the line" in fig1.alt
    fig2 = figures.ratio_over_time(posts, hl["id"], "UTC", "7D")
    assert "median of the previous 7 days" in fig2.alt and "30" not in fig2.alt
    counts = pd.DataFrame({"definition": ["both", "either"], "rule": ["a", "b"],
                           "posts_flagged": [1, 3], "story_definition": [True, False]})
    fig3 = figures.definition_counts(counts, "either")
    assert "both (a): 1; either (b): 3" in fig3.alt and "\u201ceither\u201d" in fig3.alt
    none = figures.likes_vs_replies(_posts(ratioed=()), "999")
    assert "; none above the replies = likes line" in none.alt
    assert "Post 999 is not in these data" in none.alt
    for f in (fig1, fig2, fig3, none):
        matplotlib.pyplot.close(f.fig)


@pytest.mark.parametrize("ratio", [1.07, 1.0, 0.93, 1.4, 0.6])
def test_figure_2_label_is_not_struck_through_by_the_replies_equal_likes_line(ratio):
    """The highlighted post's label sits on the far side of the dashed replies = likes line
    (the story's post, at 1.07, had its label struck through by it)."""
    import matplotlib

    matplotlib.use("Agg")
    from ratioed.present import figures

    posts = _posts()
    posts.loc[5, "replies"] = round(posts.loc[5, "likes"] * ratio)
    posts["reply_like_ratio"] = posts["replies"] / posts["likes"]
    fig = figures.ratio_over_time(posts, posts.loc[5, "id"], "UTC", "7D").fig
    fig.canvas.draw()
    ax = fig.axes[0]
    label = next(t for t in ax.texts if t.get_text().endswith(f"{posts.loc[5, 'reply_like_ratio']:.2f}"))
    box = label.get_window_extent()
    line_y = ax.transData.transform((0, 1))[1]  # replies = likes, in pixels
    assert not box.y0 <= line_y <= box.y1, (box, line_y)
    matplotlib.pyplot.close(fig)


def test_svg_keeps_text_as_text(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from ratioed.present import figures

    figures.style()
    out = figures.save_figure(figures.ratio_over_time(_posts(), None, "UTC", "7D"), "f",
                              caption="made-up", folder=tmp_path)
    svg = (tmp_path / "f.svg").read_text()
    assert "median of the previous 7 days" in " ".join(re.findall(r"<text[^>]*>([^<]*)<", svg))
    data, meta = out._repr_mimebundle_()
    assert meta["image/png"]["alt"] == data["text/plain"] != ""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_labels_follow_non_default_parameters(week, tmp_path):
    """`make report WINDOW=7D DEFINITION=either DAY_TZ=UTC`: no stale default anywhere."""
    from ratioed.pipeline.build import copy_project

    project = copy_project(tmp_path / "p")
    args = ["make", "report", f"VENV={sys.prefix}",
            f"SOURCE={week}",
            "WINDOW=7D", "DEFINITION=either", "DAY_TZ=UTC"]
    res = subprocess.run(args, cwd=project, env={**os.environ, "RATIOED_ROOT": str(project)},
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    html = (project / "reports" / "index.html").read_text()
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    svgs = {p.name: " ".join(re.findall(r"<text[^>]*>([^<]*)<", p.read_text()))
            for p in (project / "reports" / "figures").glob("*.svg")}
    assert len(svgs) == 4 and all(svgs.values()), "SVG text must be <text>, not paths"
    for where, body in {"index.html": text, **svgs}.items():
        for stale in ("30 days", "30-day", "30D", "America/New_York"):
            assert stale not in body, f"{stale!r} in {where}"
    assert "median of the previous 7 days" in svgs["fig2-reply-like-ratio-over-time.svg"]
    assert "Date (UTC)" in svgs["fig2-reply-like-ratio-over-time.svg"]
    assert "\u201ceither\u201d, the definition used" in svgs["fig3-definitions.svg"]
    assert "the definition chosen for this build, \u201ceither\u201d" in text
    assert "previous 7 days" in text
    # the ledger stays under the story's definition; the tables follow the chosen one
    ratioed = pd.read_csv(project / "reports/tables/ratioed_posts.csv", dtype={"id": str})
    assert len(ratioed) == 3 and HIGHLIGHT in set(ratioed["id"])
