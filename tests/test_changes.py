"""What changed since the last build: a later capture that makes a post ratioed is reported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ratioed.pipeline.build import copy_project

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
TARGET = "114882071199726147"  # a real post of the week, made ratioed in a made-up later capture


def build(project: Path, *sources: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ratioed", "report", *sources], cwd=project,
                          env={**os.environ, "RATIOED_ROOT": str(project)},
                          capture_output=True, text=True, timeout=600)


def test_a_later_capture_is_compared_with_the_last_build(week, tmp_path):
    project = copy_project(tmp_path / "p", ROOT)
    first = build(project, str(week))
    assert first.returncode == 0, first.stderr
    assert "first build here: nothing to compare with" in first.stderr
    assert pd.read_csv(project / "reports/tables/changes.csv").empty
    page = (project / "reports/index.html").read_text()
    assert "What changed since the last build" in page and "First build here" in page

    # made up: a later capture of the same week in which one post's replies overtook the rest
    later = pd.read_csv(week, dtype={"id": str})
    row = later["id"] == TARGET
    assert row.sum() == 1
    later.loc[row, "replies_count"] = later.loc[row, ["reblogs_count", "favourites_count"]].max(axis=1) + 10
    capture = tmp_path / "made_up_later_capture.csv"
    later.to_csv(capture, index=False)
    second = build(project, str(week), str(capture))  # the last source listed is the latest
    assert second.returncode == 0, second.stderr
    changes = pd.read_csv(project / "reports/tables/changes.csv", dtype=str, keep_default_na=False)
    kinds = changes.groupby("kind")["key"].apply(list).to_dict()
    assert kinds["newly ratioed"] == [TARGET]
    assert kinds["counts changed"] == [TARGET]
    assert "new post" not in kinds
    assert f"1 newly ratioed: {TARGET}" in second.stderr
    assert "number changed" in kinds  # the flagged count moved from 1 to 2
    page = (project / "reports/index.html").read_text()
    top = page[:page.index('id="claims"')]  # on top: before the claims
    # the page counts post-level changes and names the headline number that moved; the posts
    # themselves are listed in changes.csv only
    # a later capture added is a change of input, said in one sentence
    assert "The input changed: the input is now metrics_2025-07-11_2025-07-19.csv, " \
        "made_up_later_capture.csv" in top
    assert "Post by post: 2 changes in" in top
    assert "Posts meeting the story&#39;s definition" in top or \
        "Posts meeting the story's definition" in top
    assert f"<td>{TARGET}</td>" not in top
