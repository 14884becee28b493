"""`make report` end to end: the notebooks run on the real samples and the report keeps its
contract (self-contained, no code, no warnings, provenance, tables, figures, escaped content).

Builds run in a temporary copy of the project (RATIOED_ROOT), so the repository's own reports/
are not touched. Slow: each build starts a Jupyter kernel.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ratioed
from ratioed.pipeline.build import copy_project

ROOT = Path(__file__).resolve().parents[1]
HIGHLIGHT = "114842356238631061"
pytestmark = pytest.mark.slow


def make_project(tmp: Path) -> Path:
    return copy_project(tmp, ROOT)


def run_build(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RATIOED_ROOT": str(project)}
    return subprocess.run([sys.executable, "-m", "ratioed", "report", *args], cwd=project,
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(week, tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("project"))
    source = week
    first = run_build(project, str(source))
    assert first.returncode == 0, first.stderr
    second = run_build(project, str(source))
    return project, source, first, second


def test_report_contract(built):
    project, source, first, _ = built
    html = (project / "reports" / "index.html").read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "loads something from the network"
    imgs = re.findall(r"<img [^>]*src=\"([^\"]{0,40})", html)
    assert len(imgs) == 4 and all(s.startswith("data:image/png;base64,") for s in imgs)
    body = html[html.index("<body"):]
    for bad in ("Traceback", "Warning", "jp-InputArea-editor", "hl-ipython3", "In&nbsp;[",
                "application/vnd.jupyter.stderr"):
        assert bad not in body, bad
    # provenance last, in a <details> (issue 14): source, its sha256, rows, post range,
    # parameters, version, commit
    assert html.index("1. Load the archive") < html.index("<details")
    prov = html[html.index("<details"):]
    import hashlib
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    for needle in (source.name, digest[:16], "107", "11 July 2025", "19 July 2025", "definition",
                   "highlight_id", f"ratioed {ratioed.__version__}", "Git commit"):
        assert needle in prov, needle
    assert "running notebooks/01-load.ipynb" in first.stderr
    assert "Executing:" not in first.stderr  # progress bars only on a terminal, not in logs


def test_tables(built, week):
    project = built[0]
    ratioed = pd.read_csv(project / "reports/tables/ratioed_posts.csv", dtype={"id": str})
    assert ratioed["id"].tolist() == [HIGHLIGHT]
    row = ratioed.iloc[0]
    assert (row["replies"], row["retruths"], row["likes"]) == (19954, 6644, 18687)
    assert row["reply_like_ratio"] == pytest.approx(19954 / 18687)
    claims = pd.read_csv(project / "reports/tables/claims.csv", dtype=str).set_index("id")
    assert {"claim", "status", "evidence"} <= set(claims.columns)
    assert claims["status"].to_dict() == {
        "C1": "supported", "C2": "supported",
        "C3": "not checkable with these data",  # 107 posts from one week
        "C4": "not checkable with these data", "C5": "not checkable with these data",
        "C6": "not checkable with these data"}
    assert "36,000 replies" in claims.loc["C2", "evidence"]
    defs = pd.read_csv(project / "reports/tables/definitions.csv").set_index("definition")
    assert defs["posts_flagged"].to_dict() == {"both": 1, "either": 3, "likes": 1, "retruths": 3}
    numbers = json.loads((project / "data/processed/numbers.json").read_text())
    assert numbers["load"]["posts_loaded"] == 107 and numbers["load"]["retruths_excluded"] == 1


def test_every_figure_has_png_svg_and_csv(built):
    figs = built[0] / "reports" / "figures"
    names = sorted({p.stem for p in figs.iterdir()} - {p.stem for p in figs.glob("*-narrow.png")})
    assert names == ["fig1-likes-vs-replies", "fig2-reply-like-ratio-over-time",
                     "fig3-definitions", "fig4-highlight-readings"]
    for n in names:
        for ext in ("png", "svg", "csv", "narrow.png"):  # the narrow layout: beside its CSV
            assert (figs / f"{n}{'-' if ext == 'narrow.png' else '.'}{ext}").stat().st_size > 100
    readings = pd.read_csv(figs / "fig4-highlight-readings.csv")
    assert readings["replies"].tolist() == [19954, 36000]


def test_rebuild_with_nothing_changed_runs_no_notebook(built):
    second = built[3]
    assert second.returncode == 0
    assert "is up to date" in second.stderr and "running" not in second.stderr


def test_failing_cell_keeps_last_report(built, tmp_path):
    project = make_project(tmp_path / "p")
    source = built[1]
    assert run_build(project, str(source)).returncode == 0
    good = (project / "reports/index.html").read_bytes()
    nb = project / "notebooks" / "02-ratios.py"  # the .py copy is the source
    assert "add_ratios(posts)" in nb.read_text()
    nb.write_text(nb.read_text().replace("add_ratios(posts)", "add_ratios(postz)", 1))
    res = run_build(project, str(source))
    assert res.returncode == 1
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("make report")]
    assert len(lines) == 1
    assert re.search(r"notebooks/02-ratios.ipynb, cell \d+ of \d+ \(`[^`]*add_ratios\(postz\)",
                     lines[0]), lines[0]
    assert "NameError: name 'postz' is not defined" in lines[0]
    assert (project / "reports/index.html").read_bytes() == good
    assert "postz" in (project / "build/failed/build/state/executed/02-ratios.ipynb").read_text()


def test_post_content_never_becomes_html(tmp_path):
    """Made-up posts: one carries script and markup in its text; the report shows it as text."""
    project = make_project(tmp_path / "p")
    posts = [{"id": str(114800000000000000 + i), "created_at": f"2025-07-{10 + i // 10:02d}T1{i % 10}:00:00Z",
              "content": f"<p>Ordinary made-up post {i}</p>", "url": "https://example.invalid",
              "media": [], "replies_count": 100 + i, "reblogs_count": 500, "favourites_count": 2000}
             for i in range(30)]
    posts[5].update(content='<p>&lt;script&gt;alert("x")&lt;/script&gt; <img src=x onerror=alert(2)>'
                            '&lt;b&gt;bold&lt;/b&gt;</p>', replies_count=5000, favourites_count=1000)
    src = tmp_path / "made_up_posts.json"
    src.write_text(json.dumps(posts))
    res = run_build(project, str(src), "--set", f"highlight_id={posts[5]['id']}")
    assert res.returncode == 0, res.stderr
    html = (project / "reports/index.html").read_text()
    assert "<script" not in html.lower() and "<b>bold" not in html and "onerror" not in html
    assert "&lt;script&gt;alert" in html  # shown, as text, in the top-posts table


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_make_does_nothing_when_nothing_changed(built, tmp_path):
    project = make_project(tmp_path / "p")
    venv = Path(sys.prefix)
    args = ["make", "report", f"VENV={venv}", f"SOURCE={built[1]}"]
    env = {**os.environ, "RATIOED_ROOT": str(project)}
    first = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "ratioed report" not in again.stdout  # no recipe ran
    assert "ratioed report" in first.stdout  # (the check above can fail)
    # deterministic outputs: a second, independent build gives byte-identical figures/tables
    for sub in ("reports/figures", "reports/tables"):
        ours = sorted((project / sub).iterdir())
        assert [p.name for p in ours] == sorted(p.name for p in (built[0] / sub).iterdir())
        for p in ours:
            assert p.read_bytes() == (built[0] / sub / p.name).read_bytes(), p.name
    (project / "notebooks/04-figures.ipynb").touch()  # edit one notebook: only it re-runs
    third = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert third.returncode == 0, third.stderr
    ran = re.findall(r"running (notebooks/\S+)", third.stderr)
    assert ran == [], "touching a file without changing it re-runs nothing"
    nb = project / "notebooks/04-figures.ipynb"
    nb.write_text(nb.read_text().replace("Figures", "Figures, redrawn", 1))
    fourth = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert re.findall(r"running (notebooks/\S+)", fourth.stderr) == ["notebooks/04-figures.ipynb"]


def test_readme_number_map_points_at_real_files_and_keys(built):
    """Every row of the README's 'Where each number of the story lives' table resolves."""
    project = built[0]
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Where each number of the story lives", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| `([^`]+)` \| `([^`]+)` \|$", section, flags=re.M)
    assert len(rows) >= 8
    for label, file, key in rows:
        path = project / file
        assert path.exists(), f"{label}: {file} missing"
        if file.endswith(".json"):
            value = json.loads(path.read_text())
            for part in key.split("."):
                assert part in value, f"{label}: {file} has no key {key}"
                value = value[part]
        else:
            table = pd.read_csv(path, dtype=str)
            if key.startswith("id="):
                row_id, column = key[3:].split(":")
                assert row_id in set(table["id"]) and column in table.columns, f"{label}: {key}"
            else:
                assert key in table.columns, f"{label}: {file} has no column {key}"


def test_editing_claims_reruns_only_the_claims_notebook(built, tmp_path):
    project = make_project(tmp_path / "p")
    source = built[1]
    assert run_build(project, str(source)).returncode == 0
    claims = project / "data" / "claims.yaml"
    claims.write_text(claims.read_text().replace("Only one post", "Just one post"))
    res = run_build(project, str(source))
    assert res.returncode == 0, res.stderr
    assert re.findall(r"running (notebooks/\S+)", res.stderr) == ["notebooks/03-claims.ipynb"]
    verdicts = pd.read_csv(project / "reports/tables/claims.csv", dtype=str).set_index("id")
    assert verdicts.loc["C4", "claim"].startswith("Just one post")
