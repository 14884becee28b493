"""A publish is one step: a kill at any swap, a folder that refuses the swap, and a ``build/`` on
another filesystem each leave one build's whole set, and the next build never calls a mixed
set "up to date". Faults are injected into a real build of the committed week (made-up edits
to the notebooks make each build differ). Slow: builds start a Jupyter kernel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ratioed.pipeline.build import copy_project
from ratioed.pipeline.publish import published_files

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

# the build, with publish._swap replaced by one that fails at its Nth call: SIGKILL (which no
# handler can hold back) just before that swap, or an OSError as a read-only folder gives
FAULTY_BUILD = r"""
import errno, os, signal, sys
from ratioed.pipeline import publish
at, how = int(os.environ["FAULT_AT"]), os.environ["FAULT"]
calls, real = [0], publish._swap
def swap(staged, published):
    calls[0] += 1
    if calls[0] == at:
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise PermissionError(errno.EACCES, "Permission denied", str(published))
    real(staged, published)
publish._swap = swap
from ratioed.cli import main
sys.exit(main(["report", *sys.argv[1:]]))
"""


def _env(project: Path) -> dict:
    return {**os.environ, "RATIOED_ROOT": str(project)}


def build(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ratioed", "report", *args], cwd=project,
                          env={**_env(project), **env}, capture_output=True, text=True,
                          timeout=600)


def faulty_build(project: Path, source: Path, at: int, how: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", FAULTY_BUILD, str(source)], cwd=project,
                          env={**_env(project), "FAULT_AT": str(at), "FAULT": how},
                          capture_output=True, text=True, timeout=600)


def whole_set(project: Path) -> dict[str, str]:
    """The published files, checked to be exactly those the published manifest vouches for."""
    manifest = json.loads((project / "build/state/manifest.json").read_text())
    files = published_files(project)
    assert files == manifest["files"], "the published files are not one build's set"
    return files


def edit(project: Path, i: int) -> None:
    """A made-up edit to notebook 02: its tables (and so the page) change, so a build differs."""
    nb = project / "notebooks/02-ratios.py"
    nb.write_text(nb.read_text() + f"\n# %%\nprint('made-up edit {i}')\n")


@pytest.fixture
def project(week, tmp_path):
    project = copy_project(tmp_path / "p", ROOT)
    assert build(project, str(week)).returncode == 0
    return project


@pytest.mark.parametrize("at", [1, 2, 3])
def test_a_kill_at_any_swap_is_finished_by_the_next_build(project, week, at):
    before = whole_set(project)
    edit(project, at)
    res = faulty_build(project, week, at, "kill")
    assert res.returncode == -9, res.stderr
    assert (project / "build/publish.json").exists()  # the journal says a publish was cut short
    res = build(project, str(week))
    assert res.returncode == 0, res.stderr
    assert "finished the publish of a build that was killed" in res.stderr
    assert "is up to date" in res.stdout + res.stderr  # the killed build's set, now whole
    after = whole_set(project)
    assert after != before and "made-up edit" in (project / "reports/index.html").read_text()
    assert not list((project / "build").glob("stage-*")), "a killed build's stage was kept"
    assert not list(project.glob("*.incoming-*")) and not (project / "build/publish.json").exists()


@pytest.mark.parametrize("at", [2, 3])
def test_a_folder_that_refuses_the_swap_leaves_the_previous_set(project, week, at):
    before = whole_set(project)
    edit(project, at)
    res = faulty_build(project, week, at, "refuse")
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert "cannot publish the build here: Permission denied" in lines[-1]
    assert "Traceback" not in res.stderr
    assert whole_set(project) == before  # the swaps made were undone
    assert not (project / "build/publish.json").exists()
    assert (project / "build/failed/reports/index.html").exists()  # the new set, to inspect
    res = build(project, str(week))  # nothing stuck: the next build publishes
    assert res.returncode == 0, res.stderr
    assert whole_set(project) != before


def test_a_build_folder_on_another_filesystem_publishes_whole(week, tmp_path):
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second filesystem (/dev/shm) to put build/ on")
    project = copy_project(tmp_path / "p", ROOT)
    elsewhere = Path(shm / f"ratioed-test-{os.getpid()}")
    elsewhere.mkdir()
    try:
        (project / "build").symlink_to(elsewhere)
        for i in range(2):  # the first publish, then a swap over an existing set
            if i:
                edit(project, i)
            res = build(project, str(week))
            assert res.returncode == 0, res.stderr
            whole_set(project)
            assert not list(project.glob("*.incoming-*")) and not list(
                (project / "data").glob("*.incoming-*"))
        assert "made-up edit 1" in (project / "reports/index.html").read_text()
        edit(project, 2)  # a kill while publishing across filesystems: finished next time
        res = faulty_build(project, week, 2, "kill")
        assert res.returncode == -9 and list(project.glob("*.incoming-*"))
        assert build(project, str(week)).returncode == 0
        whole_set(project)
        assert "made-up edit 2" in (project / "reports/index.html").read_text()
        assert not list(project.glob("*.incoming-*"))
    finally:
        shutil.rmtree(elsewhere, ignore_errors=True)


def test_a_mixed_set_is_never_up_to_date(project, week):
    """Files published apart from their manifest (an old page beside new data, or a figure
    deleted by hand) make the next build re-run, not say "up to date"."""
    whole_set(project)
    (project / "reports/figures/fig1-likes-vs-replies.png").unlink()
    res = build(project, str(week))
    assert res.returncode == 0, res.stderr
    assert "up to date" not in res.stdout + res.stderr
    whole_set(project)
    numbers = project / "data/processed/numbers.json"
    numbers.write_text(numbers.read_text().replace("107", "108"))
    res = build(project, str(week))
    assert "up to date" not in res.stdout + res.stderr
    whole_set(project)


def test_stale_stages_go_and_the_lock_survives_make_clean(project, week):
    """A killed build's stage is removed by the next build; the lock is on the project folder
    (nothing in build/), so `make clean` cannot remove it from under a running build."""
    stale = project / "build/stage-999999999"
    (stale / "reports").mkdir(parents=True)
    edit(project, 9)
    assert build(project, str(week)).returncode == 0
    assert not stale.exists()
    assert not (project / "build/build.lock").exists()
    import fcntl

    fd = os.open(project, os.O_RDONLY)
    try:  # a build (or `make clean`) holds this lock while it runs
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = subprocess.run(["flock", "-n", str(project), "true"], capture_output=True)
        assert res.returncode == 1  # `make clean`'s flock sees the build's lock
    finally:
        os.close(fd)


def test_a_missing_story_notebook_stops_the_build(project, week):
    (project / "notebooks/03-claims.py").unlink()
    res = build(project, str(week))
    assert res.returncode == 2, res.stderr
    assert "notebooks/03-claims.py: missing, while notebooks/03-claims.ipynb exists" in res.stderr
    (project / "notebooks/03-claims.ipynb").unlink()
    res = build(project, str(week))
    assert res.returncode == 2 and "the story's notebook(s) 03 are missing" in res.stderr


def test_an_ipynb_edit_with_no_pairs_record_is_not_overwritten(project, week):
    """After `make clean` (no record of the last sync), outside git, a notebook saved from
    Jupyter alone differs from its .py: the later-written file wins, so the .py is brought in
    line with the edit; when the two were written at the same time, the build asks. (In a git
    checkout, the file that differs from the last commit wins.)"""
    import nbformat

    ipynb, py = project / "notebooks/02-ratios.ipynb", project / "notebooks/02-ratios.py"
    nb = nbformat.read(ipynb, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A made-up note saved from Jupyter."))
    nbformat.write(nb, ipynb)
    (project / "build/pairs.json").unlink()
    t = py.stat().st_mtime_ns
    os.utime(ipynb, ns=(t, t))  # the same time: nobody can tell which was edited
    res = build(project, str(week))
    assert res.returncode == 2, res.stderr
    assert "differ, and which was edited is unknown" in res.stderr
    assert "A made-up note saved from Jupyter." in ipynb.read_text()
    os.utime(ipynb, ns=(t + 10**9, t + 10**9))  # saved after the .py: the edit is kept
    res = build(project, str(week))
    assert res.returncode == 0, res.stderr
    assert "synced notebooks/02-ratios.py from its .ipynb" in res.stderr
    assert "A made-up note saved from Jupyter." in py.read_text()


def test_an_edited_observation_is_named_in_the_change_line(project, week):
    obs = project / "data/raw/observations.csv"
    obs.write_text(obs.read_text().replace(",36000,", ",37000,"))
    res = build(project, str(week))
    assert res.returncode == 0, res.stderr
    line = res.stdout + res.stderr
    assert "no change since the last build" not in line
    assert "claims.C2.numbers.observed.replies 36000 \u2192 37000" in line
