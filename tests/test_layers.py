"""The library's rooms keep to their layers (the contracts in pyproject.toml, run by `make lint`),
and a notebook's kernel loads no build machinery. Fast: no kernel."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD_MACHINERY = ("papermill", "nbconvert", "nbformat", "nbclient", "jupytext", "jinja2",
                   "ratioed.pipeline")


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    res = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "2 kept, 0 broken" in res.stdout


def test_what_the_notebooks_import_loads_no_build_machinery():
    """Every `import` / `from ... import` line of the numbered notebooks' .py copies, run in a
    fresh interpreter: none of papermill, nbconvert, nbformat, nbclient, jupytext, jinja2 or
    ratioed.pipeline is loaded."""
    lines = []
    for nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py")):
        text = nb.read_text()
        lines += re.findall(r"^(?:from ratioed\S* import \([^)]*\)|(?:from \S+ )?import .+)$",
                            text, flags=re.M)
    assert any("ratioed" in line for line in lines)
    code = "\n".join(lines) + "\nimport sys\nprint(sorted(m for m in sys.modules))"
    res = _run(code)
    assert res.returncode == 0, res.stderr
    loaded = set(eval(res.stdout.strip().splitlines()[-1]))  # noqa: S307 -- our own print
    assert not [m for m in loaded if m.split(".")[0] in BUILD_MACHINERY or
                m.startswith("ratioed.pipeline")]


def test_at_most_six_modules_at_the_top():
    top = sorted(p.name for p in (ROOT / "src/ratioed").glob("*.py"))
    rooms = sorted(p.parent.name for p in (ROOT / "src/ratioed").glob("*/__init__.py"))
    assert len(top) <= 6, top
    assert len(rooms) >= 4 and {"inputs", "analysis", "present", "pipeline"} <= set(rooms)
