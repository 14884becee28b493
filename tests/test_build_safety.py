"""A build is published as a whole: failures, interrupts and concurrent builds never leave a
half-new or missing report, and staleness follows file contents, not file times.

Each test builds in its own scratch copy of the project (RATIOED_ROOT) from the real one-week
sample. Slow: builds start a Jupyter kernel.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ratioed.pipeline.build import copy_project

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _env(project: Path) -> dict:
    return {**os.environ, "RATIOED_ROOT": str(project)}


def build(project: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ratioed", "report", *args], cwd=project,
                          env=_env(project), capture_output=True, text=True, timeout=timeout)


def _as_in_a_terminal() -> None:
    """In the child: SIGINT as a terminal's foreground command has it. A command started in the
    background by a non-interactive shell (how a CI runner may start the tests) inherits SIGINT
    ignored, and Python then never raises KeyboardInterrupt: a Ctrl-C test would test nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(project: Path, *args: str, **env: str) -> subprocess.Popen:
    """A build started as a terminal would start it (see :func:`_as_in_a_terminal`), in its own
    process group, so a test can send it Ctrl-C (``os.killpg(proc.pid, signal.SIGINT)``)."""
    return subprocess.Popen([sys.executable, "-m", "ratioed", "report", *args], cwd=project,
                            env={**_env(project), **env}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_as_in_a_terminal)


def published(project: Path) -> dict[str, str]:
    """sha256 of every published output file, by path."""
    out = {}
    for folder in ("reports", "data/processed"):
        for p in sorted((project / folder).rglob("*")):
            if p.is_file():
                out[str(p.relative_to(project))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def consistent(project: Path) -> None:
    """The published report and the claims table beside it come from one build."""
    html = (project / "reports/index.html").read_text()
    claims = pd.read_csv(project / "reports/tables/claims.csv", dtype=str)
    for status in claims["status"]:
        assert status in html
    prov = (project / "data/processed/provenance.json").read_text()
    numbers = (project / "data/processed/numbers.json").read_text()
    assert prov and numbers


def test_failure_in_last_notebook_leaves_previous_set_intact(week, tmp_path):
    project = copy_project(tmp_path / "p", ROOT)
    assert build(project, str(week)).returncode == 0
    before = published(project)
    nb = project / "notebooks/04-figures.py"
    nb.write_text(nb.read_text() + "\n# %%\nraise RuntimeError('made-up failure in the last cell')\n")
    # a new definition makes notebooks 01-03 write different tables before 04 fails
    res = build(project, str(week), "--set", "definition=either")
    assert res.returncode == 1, res.stderr
    assert "made-up failure" in res.stderr and "04-figures" in res.stderr
    assert published(project) == before, "a failed build changed published files"
    consistent(project)
    assert (project / "build/failed/reports/tables/definitions.csv").exists()  # kept to inspect


def test_interrupt_at_any_moment_keeps_one_whole_report(week, tmp_path):
    """SIGINT (Ctrl-C) to the whole build at several moments, the last one while the export
    writes the new report: a report is always there, and it is one build's."""
    project = copy_project(tmp_path / "p", ROOT)
    assert build(project, str(week)).returncode == 0
    nb = project / "notebooks/04-figures.py"
    for i, when in enumerate(("export", 1.0, 4.0)):
        nb.write_text(nb.read_text() + f"\n# %%\nprint('edit {i}')\n")  # 04 is stale again
        proc = start(project, str(week))
        if when == "export":  # wait until the stage holds the new figures: export is next
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not list(
                    (project / "build").glob("stage-*/reports/figures/*.png")):
                time.sleep(0.02)
            time.sleep(0.3)
        else:
            time.sleep(when)
        os.killpg(proc.pid, signal.SIGINT)
        proc.communicate(timeout=120)
        assert (project / "reports/index.html").exists(), f"interrupt at {when}: no report"
        consistent(project)
        assert not list((project / "build").glob("stage-*")), "a stage was left behind"


def _kernels_of(project: Path) -> list[int]:
    """The kernel processes still running that a build of ``project`` started."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd, env = (proc / "cmdline").read_bytes(), (proc / "environ").read_bytes()
        except OSError:
            continue
        if b"ipykernel" in cmd and f"RATIOED_ROOT={project}\0".encode() in env + b"\0":
            found.append(int(proc.name))
    return found


def test_a_failure_in_one_lane_stops_the_other_and_is_named(week, tmp_path):
    """Notebook 03 fails while 04 runs beside it in a second kernel: the build stops, names 03,
    leaves no kernel running and no socket folder behind, and publishes nothing."""
    project = copy_project(tmp_path / "p", ROOT)
    nb = project / "notebooks/03-claims.py"
    nb.write_text(nb.read_text() + "\n# %%\nraise RuntimeError('made-up failure in 03')\n")
    res = build(project, str(week))
    assert res.returncode == 1, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert "made-up failure in 03" in last and "03-claims" in last, last
    assert "running notebooks/04-figures.ipynb" in res.stderr  # it had started beside 03
    assert not _kernels_of(project), "a kernel outlived the failed build"
    assert not list((project / "build").glob("kernel-*"))
    assert not (project / "reports/index.html").exists()


@pytest.mark.parametrize("lanes", ["1", "2"])
def test_interrupt_while_notebooks_run_stops_the_build_and_keeps_the_report(week, tmp_path, lanes):
    """Ctrl-C while notebook 03 runs (and 04 beside it, with two lanes): the build stops with
    exit code 130, every kernel is gone and the published set is untouched."""
    project = copy_project(tmp_path / "p", ROOT)
    assert build(project, str(week)).returncode == 0
    before = published(project)
    proc = start(project, str(week), "--set", "definition=either",  # 02, 03 and 04 re-run
                 RATIOED_LANES=lanes)
    wanted = ("03-claims", "04-figures") if lanes == "2" else ("03-claims",)
    seen = ""
    for line in proc.stderr:  # Ctrl-C once 03 (and 04) have started
        seen += line
        if all(f"running notebooks/{n}.ipynb" in seen for n in wanted):
            break
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    seen += proc.communicate(timeout=120)[1]
    assert proc.returncode == 130, seen
    assert "make report: interrupted" in seen
    assert published(project) == before
    consistent(project)
    assert not _kernels_of(project), "a kernel outlived the interrupted build"
    assert not list((project / "build").glob("kernel-*"))
    assert not list((project / "build").glob("stage-*"))


def test_two_builds_at_once_wait_for_each_other(week, tmp_path):
    project = copy_project(tmp_path / "p", ROOT)
    other = tmp_path / "made_up_other_capture.csv"  # made up: the week with one count changed
    other.write_bytes(week.read_bytes().replace(b"19954", b"19990"))
    a = start(project, str(week), "--set", "highlight_id=114842356238631061")
    time.sleep(0.5)
    b = start(project, str(other))
    out_a, out_b = a.communicate(timeout=600), b.communicate(timeout=600)
    assert a.returncode == 0, out_a[1]
    assert b.returncode == 0, out_b[1]
    assert "another build is running" in out_b[1]
    # the published set is the second build's, whole: its source in provenance and report
    prov = (project / "data/processed/provenance.json").read_text()
    assert other.name in prov and week.name not in prov
    consistent(project)


def test_a_source_rewritten_with_same_size_and_time_is_rebuilt(week, tmp_path):
    project = copy_project(tmp_path / "p", ROOT)
    src = tmp_path / "week.csv"
    src.write_bytes(week.read_bytes())
    assert build(project, str(src)).returncode == 0
    st = src.stat()
    text = src.read_bytes()
    # change one count digit for another: same size; then restore the modification time
    i = text.index(b"19954")
    src.write_bytes(text[:i] + b"19953" + text[i + 5:])
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert src.stat().st_size == st.st_size and src.stat().st_mtime_ns == st.st_mtime_ns
    res = build(project, str(src))
    assert res.returncode == 0, res.stderr
    assert "running notebooks/01-load.ipynb" in res.stderr
    assert "19953" in (project / "data/processed/numbers.json").read_text() or \
        "19,953" in (project / "reports/index.html").read_text()


def test_py_copy_is_the_source(week, tmp_path):
    """An edit to a notebook's .py copy alone reaches the report; edits to both copies that
    disagree stop the build with a message."""
    project = copy_project(tmp_path / "p", ROOT)
    assert build(project, str(week)).returncode == 0
    py = project / "notebooks/04-figures.py"
    py.write_text(py.read_text() + '\n# %% [markdown]\n# A made-up closing note from the .py.\n')
    res = build(project, str(week))
    assert res.returncode == 0, res.stderr
    assert "synced notebooks/04-figures.ipynb" in res.stderr
    assert "A made-up closing note from the .py." in (project / "reports/index.html").read_text()
    assert "A made-up closing note" in (project / "notebooks/04-figures.ipynb").read_text()
    before = published(project)
    ipynb = project / "notebooks/04-figures.ipynb"
    py.write_text(py.read_text().replace("made-up closing note", "note edited in the .py"))
    ipynb.write_text(ipynb.read_text().replace("made-up closing note", "note edited in Lab"))
    res = build(project, str(week))
    assert res.returncode == 2
    assert "both edited" in res.stderr
    assert published(project) == before


def test_a_hung_cell_fails_the_build_naming_notebook_and_cell(week, tmp_path):
    project = copy_project(tmp_path / "p", ROOT)
    nb = project / "notebooks/02-ratios.py"
    nb.write_text(nb.read_text() + "\n# %%\nimport time\ntime.sleep(600)  # made-up hang\n")
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "ratioed", "report", str(week)], cwd=project,
                         env={**_env(project), "RATIOED_CELL_TIMEOUT": "5"},
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 1
    assert time.monotonic() - t0 < 200
    line = [ln for ln in res.stderr.splitlines() if ln.startswith("make report")]
    assert len(line) == 1, res.stderr
    assert "notebooks/02-ratios.ipynb" in line[0] and "time.sleep(600)" in line[0]
    assert "RATIOED_CELL_TIMEOUT" in line[0]
    assert not (project / "reports/index.html").exists()  # nothing half-published


def test_bad_input_found_inside_a_notebook_exits_2_with_one_line(week, tmp_path):
    project = copy_project(tmp_path / "p", ROOT)
    bad = tmp_path / "week_with_a_bad_count.csv"  # the real week with one count made negative
    lines = week.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    col = header.index("favourites_count")
    cells = lines[5].rstrip("\n").split(",")
    cells[col] = "-7"
    lines[5] = ",".join(cells) + "\n"
    bad.write_text("".join(lines), encoding="utf-8")
    res = build(project, str(bad))
    assert res.returncode == 2, res.stderr
    line = [ln for ln in res.stderr.splitlines() if ln.startswith("make report")]
    assert len(line) == 1 and "Traceback" not in res.stderr
    assert bad.name in line[0] and "favourites_count" in line[0]


def test_a_build_that_reruns_everything_carries_no_earlier_output(week, tmp_path):
    """An output an earlier build wrote and this one does not (made up: a stray table) is not
    published again once every notebook re-runs; the folders' .gitkeep files stay."""
    project = copy_project(tmp_path / "p", ROOT)
    for folder in ("reports", "data/processed"):
        (project / folder).mkdir(parents=True, exist_ok=True)
        (project / folder / ".gitkeep").touch()
    assert build(project, str(week)).returncode == 0
    stray = project / "reports/tables/from_an_earlier_build.csv"
    stray.write_text("made up,left by an earlier build\n")
    other = tmp_path / "made_up_other_capture.csv"  # a new input: every notebook re-runs
    other.write_bytes(week.read_bytes().replace(b"19954", b"19990"))
    res = build(project, str(other))
    assert res.returncode == 0, res.stderr
    assert sorted(re.findall(r"running (notebooks/\S+)\n", res.stderr)) == [
        f"notebooks/{n}.ipynb" for n in ("01-load", "02-ratios", "03-claims", "04-figures")]
    assert not stray.exists()
    assert (project / "reports/.gitkeep").exists() and (project / "data/processed/.gitkeep").exists()
