"""The conventions a desk, its readers and reusers expect (issue 25): licence, citation,
changelog, one version, a data dictionary of the published tables, unknown Make variables
refused, a portable nbstripout filter, notebooks committed without outputs (as git stores
them), set-up progress and `make status`."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
VERSION = PROJECT["version"]
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def in_git_checkout() -> bool:
    return shutil.which("git") is not None and subprocess.run(
        ["git", "rev-parse", "--is-inside-work-tree"], cwd=ROOT, capture_output=True).returncode == 0


# --------------------------------------------------------------------------- licence, citation


def test_licence_file_is_the_mit_licence_pyproject_declares():
    text = (ROOT / "LICENSE").read_text()
    assert PROJECT["license"] == "MIT" and text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text


# The Citation File Format 1.2.0's rules for the keys a CITATION.cff can hold (from its schema,
# citation-file-format/schema.json): required keys, types, person/entity authors, dates, enums.
_PERSON = {"type": "object", "minProperties": 1, "additionalProperties": False,
           "properties": {k: {"type": "string", "minLength": 1} for k in (
               "family-names", "given-names", "name-particle", "name-suffix", "affiliation",
               "email", "orcid", "website", "alias", "address", "city", "country")}}
_ENTITY = {"type": "object", "required": ["name"], "additionalProperties": False,
           "properties": {k: {"type": "string", "minLength": 1} for k in (
               "name", "email", "website", "orcid", "address", "city", "country", "alias",
               "location")}}
_AUTHORS = {"type": "array", "minItems": 1, "items": {"anyOf": [_PERSON, _ENTITY]}}
_DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_URL = {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"}
_REFERENCE = {"type": "object", "required": ["authors", "title", "type"],
              "properties": {"authors": _AUTHORS, "title": {"type": "string", "minLength": 1},
                             "type": {"type": "string"}, "url": _URL,
                             "notes": {"type": "string"}}}
CFF_SCHEMA = {
    "type": "object", "required": ["authors", "cff-version", "message", "title"],
    "additionalProperties": False,
    "properties": {
        "cff-version": {"type": "string", "pattern": r"^1\.2\.0$"},
        "message": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "abstract": {"type": "string", "minLength": 1},
        "authors": _AUTHORS,
        "type": {"enum": ["dataset", "software"]},
        "version": {"type": ["string", "number"]},
        "date-released": _DATE,
        "license": {"type": "string"},  # an SPDX identifier
        "keywords": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "repository-code": _URL, "url": _URL, "doi": {"type": "string"},
        "references": {"type": "array", "items": _REFERENCE},
        "identifiers": {"type": "array"}, "contact": _AUTHORS,
        "preferred-citation": _REFERENCE, "commit": {"type": "string"},
        "license-url": _URL, "repository": _URL, "repository-artifact": _URL,
    },
}


def test_citation_file_follows_the_citation_file_format_and_names_this_version():
    import jsonschema

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    cff["date-released"] = str(cff["date-released"])  # YAML reads an unquoted date as a date
    jsonschema.validate(cff, CFF_SCHEMA)
    assert str(cff["version"]) == VERSION, "CITATION.cff's version is pyproject.toml's"
    assert cff["license"] == PROJECT["license"]


def test_the_schema_check_is_real():
    import jsonschema

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    for broken in ({k: v for k, v in cff.items() if k != "authors"},
                   {**cff, "cff-version": "1.1.0"}, {**cff, "authors": [{"nmae": "x"}]},
                   {**cff, "date-released": "4 Dec 2026"}, {**cff, "colour": "red"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, CFF_SCHEMA)


# --------------------------------------------------------------------------- version, changelog


def test_version_is_written_once_and_read_from_the_metadata():
    import ratioed

    assert VERSION == ratioed.__version__ == importlib.metadata.version("ratioed")
    text = (ROOT / "src" / "ratioed" / "__init__.py").read_text()
    assert VERSION not in text, "the version is written in pyproject.toml only"


def test_version_on_the_command_line():
    for cmd in ([sys.executable, "-m", "ratioed", "--version"],):
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and res.stdout.strip() == f"ratioed {VERSION}", res


def test_changelog_lists_this_version_keep_a_changelog_style():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "keepachangelog.com" in text and "## [Unreleased]" in text
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", text, re.M)
    assert versions and versions[0][0] == VERSION, "the newest release is pyproject.toml's"
    section = text.split(f"## [{VERSION}]")[1].split("\n## [")[0]
    assert re.search(r"^### (Added|Changed|Fixed|Removed|Security|Deprecated)$", section, re.M)


# --------------------------------------------------------------------------- data dictionary


def made_up_tables(folder: Path) -> Path:
    """Every published table with the columns the notebooks write, a made-up row each, written
    by the project's CSV writer (UTC times with Z, CRLF, formula guard)."""
    import pandas as pd

    from ratioed.inputs.files import write_csv_atomic

    t = pd.Timestamp("2025-07-12 21:21:29.285", tz="UTC")
    post = {"id": "114842356238631061", "created_at": t, "created_local": "2025-07-12 17:21 EDT",
            "replies": 19954, "retruths": 6644, "likes": 18687, "reply_like_ratio": 1.07,
            "reply_retruth_ratio": 3.0, "trailing_median": float("nan"), "ratio_multiple": 9.0,
            "trailing_percentile": 100.0,
            "url": "https://truthsocial.com/@realDonaldTrump/114842356238631061"}
    tables = {
        "ratioed_posts.csv": [post],
        "since_highlight.csv": [post],
        "top_posts_by_reply_like_ratio.csv": [{**{k: post[k] for k in (
            "id", "created_local", "replies", "retruths", "likes", "reply_like_ratio",
            "ratio_multiple")}, "text": "=HYPERLINK(\"made up\")"}],
        "definitions.csv": [{"definition": "both", "rule": "replies > likes and replies > "
                             "re-truths", "posts_flagged": 1, "flagged_ids": "1 2",
                             "story_definition": True, "posts_checked": 106}],
        "claims.csv": [{"id": "C1", "claim": "made up", "status": "supported",
                        "evidence": "made up", "numbers": json.dumps({"likes": 1})}],
        "coverage.csv": [{"kind": "span", "start": t, "end": t, "posts": 1, "hours": 0.0},
                         {"kind": "month", "start": t, "end": t, "posts": 1,
                          "hours": float("nan")}],
        "since_highlight_monthly.csv": [{"month": t, "posts": 3, "ratioed_both": 0,
                                         "ratioed_either": 1, "ratioed_likes": 0,
                                         "ratioed_retruths": 1}],
        "changes.csv": [{"kind": "counts changed", "key": "1", "before": "1/2/3",
                         "after": "2/2/3"}],
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        write_csv_atomic(pd.DataFrame(rows), folder / name)
    return folder


def validate(package: Path) -> dict:
    """frictionless validate, as a reader would run it (the command line)."""
    exe = Path(sys.executable).parent / "frictionless"
    res = subprocess.run([str(exe), "validate", "--json", str(package)], capture_output=True,
                         text=True, timeout=120)
    report = json.loads(res.stdout)
    assert res.returncode == 0 and report["valid"], res.stdout[-3000:]
    return report


def test_data_dictionary_describes_every_column_and_validates(tmp_path):
    from ratioed.present import datapackage as dp

    tables = made_up_tables(tmp_path / "tables")
    assert dp.undescribed(tables) == []
    path = dp.write_datapackage(tables, {"tz": "Europe/London", "sources": ["/x/y/week.csv"]},
                                VERSION)
    package = json.loads(path.read_text())
    assert {r["path"] for r in package["resources"]} == {p.name for p in tables.glob("*.csv")}
    for r in package["resources"]:
        assert r["description"] and r["hash"].startswith("sha256:")
        for f in r["schema"]["fields"]:
            assert f["description"] and f["type"], (r["path"], f)
            if f["type"] == "datetime":
                assert f["timezone"] == "UTC", (r["path"], f["name"])
            if f["type"] in ("integer", "number") and r["path"] != "definitions.csv":
                assert f.get("unit"), (r["path"], f["name"])
    fields = {f["name"]: f for r in package["resources"] for f in r["schema"]["fields"]}
    assert fields["created_local"]["timezone"] == "Europe/London"
    assert "/x/y" not in path.read_text(), "no folder of this machine in the package"
    assert package["licenses"][0]["name"] == "MIT" and package["version"] == VERSION
    validate(path)
    # the same tables write the same bytes
    before = path.read_bytes()
    dp.write_datapackage(tables, {"tz": "Europe/London", "sources": ["/x/y/week.csv"]}, VERSION)
    assert path.read_bytes() == before


def test_data_dictionary_validation_catches_a_wrong_value_and_a_changed_file(tmp_path):
    from ratioed.present import datapackage as dp

    tables = made_up_tables(tmp_path / "tables")
    path = dp.write_datapackage(tables, {}, VERSION)
    csv = tables / "ratioed_posts.csv"
    csv.write_bytes(csv.read_bytes().replace(b",19954,", b",many,"))
    exe = Path(sys.executable).parent / "frictionless"
    res = subprocess.run([str(exe), "validate", "--json", str(path)], capture_output=True,
                         text=True, timeout=120)
    errors = {e["type"] for t in json.loads(res.stdout)["tasks"] for e in t["errors"]}
    assert res.returncode != 0 and {"type-error", "hash-count"} <= errors, errors


def test_an_undescribed_column_is_named(tmp_path):
    from ratioed.present import datapackage as dp

    tables = made_up_tables(tmp_path / "tables")
    (tables / "claims.csv").write_text("id,claim,shoe_size\r\nC1,x,9\r\n")
    assert dp.undescribed(tables) == ["claims.csv: shoe_size"]


@pytest.mark.slow
def test_a_build_publishes_the_dictionary_with_the_set_and_the_page_links_it(tmp_path):
    """A real build in a copy: the package validates against the tables built, every column is
    described, the page lists it, a rebuild writes the same bytes; `ratioed status` then says
    nothing would run, and names a changed parameter."""
    from ratioed.pipeline.build import copy_project

    project = copy_project(tmp_path / "p", ROOT)
    env = {**os.environ, "RATIOED_ROOT": str(project)}
    env.pop("RATIOED_STAGE", None)

    def ratioed(*args):
        return subprocess.run([sys.executable, "-m", "ratioed", *args], cwd=project, env=env,
                              capture_output=True, text=True, timeout=600)

    res = ratioed("report")
    assert res.returncode == 0, res.stderr[-2000:]
    tables = project / "reports" / "tables"
    package = tables / "datapackage.json"
    validate(package)
    from ratioed.present.datapackage import undescribed

    assert undescribed(tables) == [], "describe these in ratioed.present.datapackage"
    assert 'href="tables/datapackage.json"' in (project / "reports" / "index.html").read_text()
    manifest = json.loads((project / "build" / "state" / "manifest.json").read_text())
    assert "reports/tables/datapackage.json" in manifest["files"], "vouched for by the manifest"
    first = package.read_bytes()
    status = ratioed("status")
    assert status.returncode == 0 and "would do nothing" in status.stdout, status
    assert ratioed("report", "--only", "01-load", "02-ratios", "03-claims",
                   "04-figures").returncode == 0
    assert package.read_bytes() == first, "a rebuild writes the same bytes"
    status = ratioed("report", "--dry-run", "--set", "trailing_window=7D")
    lines = status.stdout.splitlines()
    assert status.returncode == 0 and "would run 3 of 4" in lines[0], status.stdout
    assert any("02-ratios" in ln and "parameter trailing_window changed (30D -> 7D)" in ln
               for ln in lines), status.stdout
    assert not any("01-load" in ln and "would re-run" in ln for ln in lines)
    assert package.read_bytes() == first, "a dry run writes nothing"


# --------------------------------------------------------------------------- make


def make(cwd: Path, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("VENV", "MAKEFLAGS", "MAKELEVEL")}
    env.update(env_extra or {})
    return subprocess.run(["make", "-f", str(ROOT / "Makefile"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@needs_make
@pytest.mark.parametrize("given,named,suggested", [
    ("WINDWO=7D", "WINDWO", "WINDOW"), ("window=7D", "window", "WINDOW"),
    ("DEFINTION=likes", "DEFINTION", "DEFINITION"), ("COLOUR=red", "COLOUR", None),
    ("a;touch`pwned`=1", "a;touch`pwned`", None)])
@pytest.mark.parametrize("target", ["report", "test", "install"])
def test_unknown_make_variable_is_refused_before_any_work(tmp_path, given, named, suggested,
                                                          target):
    res = make(tmp_path, target, given, f"PYTHON={sys.executable}")
    assert res.returncode != 0
    err = res.stderr
    assert f"unknown variable on the command line: {named}" in err, err
    assert ("did you mean " + suggested) in err if suggested else "did you mean" not in err
    assert "Known variables:" in err and "WINDOW" in err and "VENV" in err and "PARAMS" in err
    assert list(tmp_path.iterdir()) == [], "nothing was made"


@needs_make
def test_known_and_makes_own_variables_are_accepted(tmp_path):
    res = make(tmp_path, "-n", "help", "WINDOW=7D", "PARAMS=x.yaml", "VENV=/nowhere",
               "HOOKS=no", "UPGRADE=1", "LAB_ARGS=--port 1", "LAB_VENV=/n", "MAKEFLAGS=",
               f"PYTHON={sys.executable}", "SOURCE=a b.csv", "DAY_TZ=UTC")
    assert res.returncode == 0, res.stderr


@needs_make
def test_make_known_variables_are_the_parameters_and_makes_own():
    from ratioed.pipeline.params import MAKE_VARS

    text = (ROOT / "Makefile").read_text()
    own = re.search(r"^OWN_VARS := (.*)$", text, re.M)[1].split()
    assert {"PYTHON", "VENV", "HOOKS", "UPGRADE", "LAB_ARGS", "LAB_VENV"} <= set(own)
    assert "KNOWN_VARS := $(OWN_VARS) $(PARAM_VARS)" in text
    assert all(v in text.split("PARAM_VARS :=")[1].split("\n\n")[0] for v in MAKE_VARS)


@needs_make
def test_set_up_prints_one_progress_line_per_step(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    for name in ("Makefile", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, project / name)
    res = subprocess.run(["make", "-n", "install", f"PYTHON={sys.executable}"], cwd=project,
                         capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if k != "MAKEFLAGS"})
    steps = re.findall(r"set-up (\d)/(\d)", res.stdout)
    assert [int(a) for a, _ in steps] == [1, 2, 3, 4, 5, 6] and {b for _, b in steps} == {"6"}, \
        res.stdout
    out = res.stdout
    order = [out.index(s) for s in ("set-up 1/6", "-m venv", "set-up 3/6", "uv pip sync",
                                    "set-up 5/6", "ipykernel install", "set-up 6/6")]
    assert order == sorted(order)


@needs_make
def test_make_status_is_a_target_that_starts_no_kernel():
    text = (ROOT / "Makefile").read_text()
    recipe = text.split("\nstatus:")[1].split("\n\n")[0]
    assert "ratioed status --make-vars" in recipe and "report" not in recipe.split("##")[0]


# --------------------------------------------------------------------------- git


def git(repo: Path, *args: str, check: bool = True, env_extra=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org", **(env_extra or {})}
    for k in ("GIT_DIR", "GIT_INDEX_FILE", "MAKEFLAGS"):
        env.pop(k, None)
    res = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                         timeout=120)
    assert not check or res.returncode == 0, res.stderr + res.stdout
    return res


def run_notebook_output(path: Path) -> None:
    """Give a notebook what a papermill run or a Lab session leaves: outputs, counts, language
    info, papermill's records, execution times."""
    nb = json.loads(path.read_text())
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.12.1"}
    nb["metadata"]["papermill"] = {"duration": 1.5, "parameters": {"x": 1}}
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["metadata"]["papermill"] = {"duration": 0.1}
    code["metadata"]["execution"] = {"iopub.execute_input": "2026-12-04T00:00:00Z"}
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["made up\n"]}]
    code["execution_count"] = 7
    path.write_text(json.dumps(nb, indent=1) + "\n")


def assert_clean(text: str) -> None:
    nb = json.loads(text)
    assert "language_info" not in nb["metadata"] and "papermill" not in nb["metadata"]
    for c in nb["cells"]:
        assert not c.get("outputs") and c.get("execution_count") is None
        assert not {"papermill", "execution"} & set(c["metadata"])


@needs_git
@needs_make
def test_the_nbstripout_filter_is_portable_and_strips_run_metadata(tmp_path):
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / ".gitattributes", repo)
    shutil.copy(ROOT / "notebooks" / "01-load.ipynb", repo / "notebooks")
    real_venv = Path(sys.prefix)
    (repo / ".venv").symlink_to(real_venv)
    git(repo, "init", "-q")
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    res = make(repo, "hooks", f"VENV={repo / '.venv'}")
    assert res.returncode == 0, res.stderr
    for key in ("filter.nbstripout.clean", "diff.ipynb.textconv"):
        value = git(repo, "config", key).stdout
        assert not re.search(r"(^|[\s'\"=])/", value), f"{key} names an absolute path: {value}"
    nb = repo / "notebooks" / "01-load.ipynb"
    run_notebook_output(nb)
    git(repo, "add", "-A")
    assert_clean(git(repo, "show", ":notebooks/01-load.ipynb").stdout)
    assert "made up" in nb.read_text(), "the working copy keeps its outputs"
    # the checkout moved elsewhere, .venv rebuilt (a new link to an environment): still works
    moved = tmp_path / "moved"
    repo.rename(moved)
    (moved / ".venv").unlink()
    (moved / ".venv").symlink_to(real_venv)
    run_notebook_output(moved / "notebooks" / "01-load.ipynb")
    (moved / "notebooks" / "01-load.ipynb").write_text(
        (moved / "notebooks" / "01-load.ipynb").read_text().replace("made up", "made up 2"))
    git(moved, "add", "-A")
    assert_clean(git(moved, "show", ":notebooks/01-load.ipynb").stdout)
    # no .venv and no nbstripout on PATH: git add refuses with one line saying what to do
    (moved / ".venv").unlink()
    (moved / "notebooks" / "01-load.ipynb").write_text(
        (moved / "notebooks" / "01-load.ipynb").read_text().replace("made up 2", "made up 3"))
    bare_path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                if not (Path(p) / "nbstripout").exists())
    refused = git(moved, "add", "-A", check=False, env_extra={"PATH": bare_path})
    assert refused.returncode != 0 and "run make install" in refused.stderr, refused.stderr
    assert "made up 3" not in git(moved, "show", ":notebooks/01-load.ipynb").stdout


@pytest.mark.skipif(not in_git_checkout(), reason="not a git checkout")
def test_committed_notebooks_have_no_outputs_as_git_stores_them():
    """Reads the index (what the next commit holds), not the working copy: an analyst's
    notebook with outputs is fine as long as the filter strips them when it is staged."""
    listed = subprocess.run(["git", "ls-files", "-z", "--", "notebooks/*.ipynb"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    paths = [p for p in listed if p]
    assert len(paths) >= 4
    for rel in paths:
        staged = subprocess.run(["git", "show", f":{rel}"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout
        nb = json.loads(staged)
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                assert not c["outputs"] and c["execution_count"] is None, f"{rel} has outputs"
            assert not {"papermill", "execution"} & set(c["metadata"]), rel
        assert not {"papermill", "language_info"} & set(nb["metadata"]), rel


@pytest.mark.skipif(not in_git_checkout(), reason="not a git checkout")
def test_this_checkouts_filter_names_no_absolute_path():
    res = subprocess.run(["git", "config", "filter.nbstripout.clean"], cwd=ROOT,
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip("set-up has not configured the filter here (HOOKS=no)")
    assert not re.search(r"(^|[\s'\"=])/", res.stdout), res.stdout


def test_ci_installs_the_cjk_font_and_runs_the_readmes_commands():
    text = (ROOT / ".ci" / "run").read_text()
    assert "fonts-droid-fallback" in text and "chromium" in text
    assert re.search(r"^make test$", text, re.M) and re.search(r"^make lint$", text, re.M)
