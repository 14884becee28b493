"""The committed notebooks: paired with their .py copies, one parameters cell, no outputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_numbered_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04"]


def pair_differences(ipynb: Path) -> list[str]:
    """How a notebook and its .py copy differ, cell by cell (empty: they agree)."""
    py = ipynb.with_suffix(".py")
    if not py.exists():
        return [f"{py.name} missing: run `make sync`"]
    a = cells(nbformat.read(ipynb, as_version=4))
    b = cells(jupytext.read(py))
    if len(a) != len(b):
        return [f"{ipynb.name} and {py.name} hold different numbers of cells ({len(a)}, {len(b)})"]
    return [f"cell {i} differs between {ipynb.name} and {py.name}: run `make sync`"
            for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_and_py_copy_agree(path):
    assert pair_differences(path) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_on_top_with_comments(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    assert tagged == [first_code], "exactly one parameters cell, the first code cell"
    for line in nb.cells[first_code].source.splitlines():
        assert "#" in line or not line.strip(), f"parameter without a comment documenting it: {line}"


def test_pair_check_fails_on_drift(tmp_path):
    """The pairing check is real: a .py edited alone, a cell added, a missing copy all fail it."""
    src = NOTEBOOKS[0]
    nb, py = tmp_path / src.name, tmp_path / src.with_suffix(".py").name
    shutil.copy(src, nb)
    shutil.copy(src.with_suffix(".py"), py)
    assert pair_differences(nb) == []
    text = py.read_text()
    line = next(ln for ln in text.splitlines() if ln.startswith("import "))
    py.write_text(text.replace(line, line + "  # edited in the .py only", 1))
    assert len(pair_differences(nb)) == 1 and "differs" in pair_differences(nb)[0]
    py.write_text(text + "\n# %%\nprint('a cell added to the .py')\n")
    assert "different numbers of cells" in pair_differences(nb)[0]
    py.unlink()
    assert "missing" in pair_differences(nb)[0]


@pytest.mark.slow
def test_every_notebook_runs_top_to_bottom_with_its_defaults(tmp_path):
    """What "Run All" in Lab does: each notebook, in order, with no injected parameters, in a
    scratch copy of the project (its default input is the committed week)."""
    import os
    import subprocess
    import sys

    from ratioed.pipeline.build import copy_project

    project = copy_project(tmp_path / "p", Path(__file__).resolve().parents[1])
    env = {**os.environ, "RATIOED_ROOT": str(project)}
    env.pop("RATIOED_STAGE", None)
    for nb in sorted((project / "notebooks").glob("[0-9][0-9]-*.ipynb")):
        res = subprocess.run([sys.executable, "-m", "papermill", "--no-progress-bar", str(nb),
                              str(tmp_path / nb.name), "-k", "python3", "--cwd",
                              str(project / "notebooks")], env=env, capture_output=True,
                             text=True, timeout=600)
        assert res.returncode == 0, f"{nb.name}: {res.stderr[-800:]}"
    assert (project / "reports" / "tables" / "claims.csv").exists()
