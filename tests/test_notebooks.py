"""The committed notebooks: paired with their .py copies, one parameters cell, no outputs."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def cells(nb):
    return [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in nb.cells]


def test_there_are_numbered_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_and_py_copy_agree(path):
    py = path.with_suffix(".py")
    assert py.exists(), f"{py.name} missing: run `make sync`"
    a = cells(nbformat.read(path, as_version=4))
    b = cells(jupytext.read(py))
    assert len(a) == len(b), f"{path.name} and {py.name} hold different numbers of cells"
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        assert x == y, f"cell {i} differs between {path.name} and {py.name}: run `make sync`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_on_top_with_comments(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    assert tagged == [first_code], "exactly one parameters cell, the first code cell"
    for line in nb.cells[first_code].source.splitlines():
        assert "#" in line, f"parameter without a comment documenting it: {line}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_have_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            assert not c.outputs and c.execution_count is None, f"{path.name} has outputs"


def test_pair_check_fails_on_drift():
    """The pairing test is real: change a .py cell and the comparison sees it."""
    src = NOTEBOOKS[0]
    nb = nbformat.read(src, as_version=4)
    py = jupytext.reads(src.with_suffix(".py").read_text().replace("tz = ", "tz_changed = ", 1),
                        fmt="py:percent")
    assert cells(nb) != cells(py)
