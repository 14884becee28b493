"""The environment: the lock and what installs it, the set-up that `make test` and `make report`
run themselves, the committed evidence, outputs stripped at commit time, and Lab's pairing."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from ratioed import paths
from ratioed.pipeline.build import copy_project

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
LAB_LOCK = ROOT / "requirements-lab.lock"
EVIDENCE = ROOT / "data" / "raw" / "metrics_2025-07-11_2025-07-19.csv"
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def parse_lock(path: Path) -> dict[str, dict]:
    """``{name: {"version", "marker", "hashes"}}`` from a `uv pip compile --generate-hashes` file."""
    entries: dict[str, dict] = {}
    current = None
    for line in path.read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9._-]+)==(\S+)\s*(?:;\s*(.*?))?\s*\\?$", line)
        if pin:
            name = canonicalize_name(pin[1])
            assert name not in entries, f"{path.name}: {name} pinned twice (one version for 3.11-3.13)"
            current = entries[name] = {"version": Version(pin[2]), "marker": pin[3], "hashes": []}
        elif (h := re.match(r"^\s+--hash=(sha256:[0-9a-f]{64})", line)) and current is not None:
            current["hashes"].append(h[1])
    return entries


def declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return [Requirement(r) for r in reqs]


# --------------------------------------------------------------------------- the lock


def test_lock_pins_every_declared_dependency_with_hashes_and_floors_match_it():
    lock = parse_lock(LOCK)
    assert len(lock) > 50 and all(e["hashes"] for e in lock.values()), "every pin carries hashes"
    for req in declared("dev"):
        entry = lock.get(canonicalize_name(req.name))
        assert entry, f"{req.name} is declared in pyproject.toml but not locked: run `make lock`"
        assert entry["version"] in req.specifier, f"{req.name} {entry['version']} breaks {req}"
        floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
        assert floors, f"{req}: give a floor (the version the lock installs)"
        # a floor that really works: the locked (tested) version, to the floor's precision
        assert entry["version"].release[:len(floors[0].release)] == floors[0].release, (
            f"{req.name}: floor {floors[0]} but {entry['version']} is what is locked and tested; "
            f"raise the floor to {'.'.join(map(str, entry['version'].release[:2]))}")
    for extra in ("dask", "distributed"):  # dask[distributed] brings its extra's packages
        assert extra in lock


def test_lock_is_valid_for_python_3_11_to_3_13_on_linux():
    lock = parse_lock(LOCK)
    for minor in ("3.11", "3.12", "3.13"):
        env = {"python_version": minor, "python_full_version": minor + ".0",
               "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
               "implementation_name": "cpython", "platform_python_implementation": "CPython",
               "os_name": "posix", "extra": ""}
        active = {n for n, e in lock.items() if not e["marker"] or Marker(e["marker"]).evaluate(env)}
        for req in declared("dev"):
            if req.marker is None or req.marker.evaluate(env):
                assert canonicalize_name(req.name) in active, f"{req.name} missing on {minor}"
    text = LOCK.read_text()
    assert "make lock" in text.splitlines()[1], "the lock says how it is regenerated"


def test_lab_lock_agrees_with_the_build_lock_and_keeps_lab_out_of_the_build():
    build, lab = parse_lock(LOCK), parse_lock(LAB_LOCK)
    differ = {n: (build[n]["version"], lab[n]["version"]) for n in build.keys() & lab.keys()
              if build[n]["version"] != lab[n]["version"]}
    assert not differ, f"Lab's environment pins other versions than the build's: {differ}"
    assert build.keys() <= lab.keys()
    assert "jupyterlab" in lab and "rfc3987-syntax" in lab
    # what made `import nbformat` a second slower (issue 15) stays out of the build environment
    assert not {"jupyterlab", "rfc3987-syntax", "jupyter-events", "jupyter-server"} & build.keys()


def test_lock_file_constant_and_spdx_licence():
    assert paths.LOCK_FILE.name == "requirements.lock" and (ROOT / paths.LOCK_FILE.name).exists()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT", "an SPDX string: the table form prints a deprecation banner"


@pytest.mark.skipif(not (Path(sys.prefix) / ".ratioed-installed").exists(),
                    reason="this interpreter's environment was not set up from the lock (a VENV "
                           "given on the command line is used as it is)")
def test_this_environment_is_exactly_the_lock():
    lock = parse_lock(LOCK)
    env = {"extra": ""}
    wanted = {n: e["version"] for n, e in lock.items()
              if not e["marker"] or Marker(e["marker"]).evaluate(env)}
    have = {canonicalize_name(d.metadata["Name"]): Version(d.version)
            for d in importlib.metadata.distributions()}
    have = {n: v for n, v in have.items() if n not in ("ratioed", "pip")}
    assert have == wanted, {
        "missing or other version": {n: (str(v), str(have.get(n))) for n, v in wanted.items()
                                     if have.get(n) != v},
        "not in the lock": sorted(have.keys() - wanted.keys())}


@pytest.mark.skipif(not (Path(sys.prefix) / ".ratioed-installed").exists(),
                    reason="runs in the environment `make install` sets up (.venv); this one is "
                           "someone else's")
def test_this_environment_is_compiled_to_bytecode():
    """Set-up compiles the installed packages (``uv pip sync --compile-bytecode``). Without it,
    where PYTHONDONTWRITEBYTECODE is set (many containers, this project's CI) Python compiles
    pandas from source at every start: `import pandas` took 3.7 s instead of 0.6 s, in every
    kernel and every build."""
    import pandas
    import pyarrow

    tag = sys.implementation.cache_tag
    for module in (pandas, pyarrow, pytest):
        init = Path(module.__file__)
        assert (init.parent / "__pycache__" / f"__init__.{tag}.pyc").exists(), \
            f"{module.__name__} is not compiled: set-up must run uv pip sync --compile-bytecode"


# --------------------------------------------------------------------------- set-up via make


def make_copy(tmp_path: Path) -> Path:
    """A scratch copy of the project with what set-up reads (pyproject.toml, the locks)."""
    project = copy_project(tmp_path / "p", ROOT)
    for name in ("pyproject.toml", "requirements.lock", "requirements-lab.lock"):
        shutil.copy2(ROOT / name, project / name)
    return project


def make(project: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VENV", "MAKEFLAGS", "MAKELEVEL")}
    return subprocess.run(["make", *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=timeout)


OLD_PYTHONS = ["fake-3.10", "missing"]
if Path("/root/.pyenv/versions/3.10.13/bin/python").exists():  # a real 3.10, where there is one
    OLD_PYTHONS.append("/root/.pyenv/versions/3.10.13/bin/python")


@needs_make
@pytest.mark.parametrize("python", OLD_PYTHONS)
@pytest.mark.parametrize("target", ["test", "report"])
def test_old_or_missing_python_stops_with_one_clear_line(tmp_path, python, target):
    project = make_copy(tmp_path)
    if python == "fake-3.10":  # made up: an interpreter that answers any question with 3.10
        fake = tmp_path / "python3.10"
        fake.write_text("#!/bin/sh\necho 3.10\n")
        fake.chmod(0o755)
        python = str(fake)
    elif python == "missing":
        python = str(tmp_path / "no-such-python")
    res = make(project, target, f"PYTHON={python}")
    assert res.returncode != 0
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("ratioed: error")]
    assert len(errors) == 1, res.stderr
    assert ("is too old: ratioed needs 3.11 or newer" in errors[0]
            or "no Python at" in errors[0]), errors[0]
    assert "No such file or directory" not in res.stderr + res.stdout
    assert not (project / ".venv").exists(), "nothing half-made is left behind"


@needs_make
def test_make_test_and_report_set_up_first_and_again_when_the_lock_changes(tmp_path):
    project = make_copy(tmp_path)
    dry = make(project, "-n", "test", f"PYTHON={sys.executable}")
    steps = dry.stdout
    order = [steps.index(s) for s in ("-m venv .venv", "pip install --quiet --require-hashes",
                                      "uv pip sync", "--require-hashes requirements.lock",
                                      "--no-deps --no-build-isolation -e .", "-m pytest")]
    assert order == sorted(order), steps
    # an environment set up from this lock: nothing but the tests runs
    venv = project / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / ".ratioed-installed").touch()
    assert "uv pip sync" not in make(project, "-n", "test").stdout
    assert "uv pip sync" not in make(project, "-n", "report").stdout
    # a new lock (or pyproject.toml) makes both set the environment up again before running
    later = time.time() + 5
    os.utime(project / "requirements.lock", (later, later))
    for target in ("test", "report"):
        out = make(project, "-n", target).stdout
        assert "uv pip sync" in out and "ipykernel install" in out, (target, out)
    assert "uv pip sync" not in make(project, "-n", "test", f"VENV={venv}").stdout, \
        "a VENV given on the command line is used as it is"


# --------------------------------------------------------------------------- the evidence


def test_committed_evidence_matches_its_provenance_record():
    from ratioed.inputs.load import read_source

    record = json.loads(EVIDENCE.with_name(EVIDENCE.name + ".provenance.json").read_text())
    assert record["sha256"] == hashlib.sha256(EVIDENCE.read_bytes()).hexdigest()
    assert record["bytes"] == EVIDENCE.stat().st_size == 12719
    frame, cap = read_source(EVIDENCE)
    assert record["rows"] == cap.rows == len(frame) == 107
    assert record["first_post"] == cap.first_post.isoformat()
    assert record["last_post"] == cap.last_post.isoformat()
    assert record["url"].startswith("https://ix.cnn.io/data/truth-social/")
    assert record["file"] == EVIDENCE.name and "frozen at capture" in record["counts"]
    assert "retrieved_at" not in record, "no invented capture time (it orders captures)"
    assert "114842356238631061" in set(frame["id"])
    shared = ROOT.parent / "shared/data/truthsocial" / EVIDENCE.name
    if shared.exists():  # beside the project on the newsroom's machines: a byte-for-byte copy
        assert EVIDENCE.read_bytes() == shared.read_bytes()


@needs_git
def test_committed_evidence_is_tracked_not_ignored():
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=ROOT,
                            capture_output=True, text=True)
    if inside.returncode != 0:
        pytest.skip("not a git checkout")
    for p in (EVIDENCE, EVIDENCE.with_name(EVIDENCE.name + ".provenance.json")):
        ignored = subprocess.run(["git", "check-ignore", "-q", str(p)], cwd=ROOT)
        assert ignored.returncode == 1, f"{p.name} is git-ignored"


# --------------------------------------------------------------------------- commit hooks


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_INDEX_FILE", None)
    res = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                         timeout=120)
    assert not check or res.returncode == 0, res.stderr + res.stdout
    return res


def executed(path: Path, value: str, text: str | None = None) -> None:
    """Give the notebook's code cell an output ``value`` (as running it would), and optionally
    a new first markdown cell ``text``."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": value},
                                                  execution_count=1)]
    nb.cells[1].execution_count = 1
    if text is not None:
        nb.cells[0].source = text
    nbformat.write(nb, path)


def made_up_pair(folder: Path) -> Path:
    """A made-up two-cell notebook with its .py copy, the code cell executed (an output)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.jupytext = {"cell_metadata_filter": "tags,-all",  # as the real notebooks carry
                            "notebook_metadata_filter": "kernelspec,-all"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Made up\n\nA test notebook."),
                nbformat.v4.new_code_cell("x = 1\nprint(x)")]
    path = folder / "01-made-up.ipynb"
    nbformat.write(nb, path)
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", str(path)], check=True,
                   capture_output=True)
    executed(path, "1")
    return path


def committed_outputs(repo: Path, rel: str) -> int:
    nb = json.loads(git(repo, "show", f"HEAD:{rel}").stdout)
    return sum(len(c.get("outputs", [])) + (c.get("execution_count") is not None)
               for c in nb["cells"])


@needs_git
@needs_make
@pytest.mark.skipif(shutil.which("pre-commit", path=str(Path(sys.executable).parent)) is None,
                    reason="pre-commit is not installed in this environment")
def test_a_notebook_cannot_gain_outputs_through_git_commit_once_set_up(tmp_path):
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    for name in (".gitattributes", ".pre-commit-config.yaml", "pyproject.toml"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copy(ROOT / "notebooks" / "jupytext.toml", repo / "notebooks")
    (repo / ".venv").symlink_to(Path(sys.prefix))  # the hooks call .venv/bin/*: this environment
    git(repo, "init", "-q")
    nb = made_up_pair(repo / "notebooks")
    rel = "notebooks/01-made-up.ipynb"

    # control, before set-up: git keeps the outputs (so the check below can fail)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", "control")
    assert committed_outputs(repo, rel) == 2

    res = make(repo, "-f", str(ROOT / "Makefile"), "hooks", f"VENV={repo / '.venv'}")
    assert res.returncode == 0 and "strip notebook outputs" in res.stdout, res.stderr
    # after set-up: a re-executed notebook commits clean, through the hooks or around them
    executed(nb, "2", "# Made up\n\nA test notebook, edited.")
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", str(nb)], check=True,
                   capture_output=True)  # as saving from Lab does: the .py copy follows
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "through the pre-commit hooks")
    assert committed_outputs(repo, rel) == 0
    assert "edited" in git(repo, "show", f"HEAD:{rel}").stdout
    assert '"2"' in nb.read_text(), "the analyst's working copy keeps its outputs"
    assert git(repo, "status", "--porcelain").stdout == "", "no phantom change after the commit"
    executed(nb, "3", "# Made up\n\nA test notebook, edited again.")
    git(repo, "commit", "-q", "-a", "--no-verify", "-m", "around the hooks")
    assert committed_outputs(repo, rel) == 0
    assert "edited again" in git(repo, "show", f"HEAD:{rel}").stdout

    # the pre-commit hook refuses a notebook whose .py copy disagrees, and syncs the copy
    assert "edited again" not in (repo / "notebooks/01-made-up.py").read_text()
    executed(nb, "4", "# Made up\n\nA test notebook, edited a third time.")
    git(repo, "add", rel)
    refused = git(repo, "commit", "-q", "-m", "pair out of sync", check=False)
    assert refused.returncode != 0
    assert "third time" in (repo / "notebooks/01-made-up.py").read_text()


# --------------------------------------------------------------------------- Lab


LAB = ROOT / ".venv-lab"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_make
@pytest.mark.slow
@pytest.mark.skipif(not (LAB / ".ratioed-installed").exists(),
                    reason=".venv-lab absent: run `make lab` once to test saving through Lab")
def test_saving_through_a_running_make_lab_updates_the_pair_with_no_header_churn(tmp_path):
    """`make lab` in a scratch copy; notebooks saved through the server's REST contents API,
    as Lab saves them (both the .ipynb and the .py opened as a notebook)."""
    project = make_copy(tmp_path)
    nbdir = project / "notebooks"
    ipynb, py = nbdir / "01-load.ipynb", nbdir / "01-load.py"
    py_before, meta_before = py.read_text(), json.loads(ipynb.read_text())["metadata"]
    header = py_before[:py_before.index("# %%")]
    port, token = free_port(), "made-up-test-token"
    args = f"--no-browser --port={port} --IdentityProvider.token={token} --ServerApp.open_browser=False"
    if os.geteuid() == 0:
        args += " --allow-root"
    venv = ROOT / ".venv"
    cmd = ["make", "lab", f"LAB_VENV={LAB}", f"VENV={venv if venv.exists() else sys.prefix}",
           f"LAB_ARGS={args}"]
    server = subprocess.Popen(cmd, cwd=project, stdout=subprocess.DEVNULL,
                              stderr=open(tmp_path / "lab.log", "w"), start_new_session=True)
    base = f"http://127.0.0.1:{port}/api"

    def call(method, path, body=None):
        req = urllib.request.Request(f"{base}{path}", method=method,
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"token {token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                call("GET", "/status")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "Lab did not start in 180 s"
                time.sleep(0.5)

        # 1. save the .ipynb from Lab: the .py copy follows, its header untouched
        model = call("GET", "/contents/01-load.ipynb?content=1")
        cells = model["content"]["cells"]
        assert cells[0]["cell_type"] == "markdown"
        cells[0]["source"] += "\n\nEdited in Lab (ipynb)."
        call("PUT", "/contents/01-load.ipynb",
             {"type": "notebook", "format": "json", "content": model["content"]})
        py_after = py.read_text()
        assert "# Edited in Lab (ipynb)." in py_after
        assert py_after.startswith(header), "the .py header changed"
        assert py_after.replace("#\n# Edited in Lab (ipynb).\n", "", 1) == py_before, \
            "only the edited lines may change in the .py copy"
        assert json.loads(ipynb.read_text())["metadata"] == meta_before

        # 2. open and save the .py copy as a notebook: the .ipynb follows, no header churn
        model = call("GET", "/contents/01-load.py?content=1&type=notebook")
        model["content"]["cells"][0]["source"] += "\n\nEdited in Lab (py)."
        call("PUT", "/contents/01-load.py",
             {"type": "notebook", "format": "json", "content": model["content"]})
        assert "Edited in Lab (py)." in "".join(
            json.loads(ipynb.read_text())["cells"][0]["source"])
        assert py.read_text().startswith(header)
        assert json.loads(ipynb.read_text())["metadata"] == meta_before

        # 3. an edit of the .py on disk shows when Lab (re)opens the notebook
        py.write_text(py.read_text().replace("Edited in Lab (py).", "Edited on disk."))
        model = call("GET", "/contents/01-load.ipynb?content=1")
        assert "Edited on disk." in model["content"]["cells"][0]["source"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
