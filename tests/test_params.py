"""The parameter model: validation before any kernel, one-line errors naming the Make variable,
safe passing of hostile file names through Make, snapshot verification, and the copies of the
parameter list (Makefile, notebooks, README) checked against the one table."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ratioed import story
from ratioed.errors import InputError, ParameterError
from ratioed.inputs import snapshots as S
from ratioed.pipeline import params as P
from ratioed.pipeline.build import copy_project

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = "metrics_2025-07-11_2025-07-19.csv"
HAS_MAKE = shutil.which("make") is not None
# file names a careless or hostile user might give; each is a copy of the real one-week sample
HOSTILE = ["x`{touch,PWNED}`.csv", "posts(1).csv", "my posts.csv", "$HOME.csv",
           "it's; rm -rf \"x\" #.csv", "a;b|c&d>e.csv", "$(touch PWNED2).csv", "-rf.csv",
           "$(shell touch PWNED3).csv", "tab\there.csv"]


# --------------------------------------------------------------------------- the model


def test_definition_takes_the_definitions_and_the_storys_default():
    from ratioed.analysis.definitions import DEFINITIONS

    assert P.BY_NAME["definition"].default == story.DEFINITION
    assert P.BY_NAME["definition"].accepts == ", ".join(DEFINITIONS)
    with pytest.raises(ParameterError, match="not a definition"):
        P.load_params(overrides={"definition": "most"}, check_files=False)


def test_every_default_passes_its_own_check():
    for p in P.PARAMETERS:
        assert p.check(p.default) == p.default, p.name


def test_default_set_is_the_model_defaults_on_the_committed_evidence():
    """The default set differs from the model's defaults only in building from the committed
    week (pinned), so a fresh clone builds offline."""
    loaded = P.load_params(ROOT / "params" / "default.yaml")
    assert set(loaded) == set(P.PARAM_KEYS)
    evidence = ROOT / "data" / "raw" / "metrics_2025-07-11_2025-07-19.csv"
    assert [Path(s).resolve() for s in loaded.pop("sources")] == [evidence]
    assert loaded.pop("snapshot_sha256") == hashlib.sha256(evidence.read_bytes()).hexdigest()
    expected = P.defaults()
    del expected["sources"], expected["snapshot_sha256"]
    assert loaded == expected


def test_every_named_set_validates():
    for path in sorted((ROOT / "params").glob("*.yaml")):
        loaded = P.load_params(path, check_files=False)
        assert set(loaded) == set(P.PARAM_KEYS), path.name
    week = P.load_params(ROOT / "params" / "july-2025-week.yaml", check_files=False)
    assert (week["start"], week["end"]) == ("2025-07-11", "2025-07-19")
    assert re.fullmatch(r"[0-9a-f]{64}", week["snapshot_sha256"])


@pytest.mark.parametrize("name,value,expected", [
    ("start", "2025-07-11", "2025-07-11"), ("tz", "UTC", "UTC"), ("tz", "Europe/London",
                                                                   "Europe/London"),
    ("definition", "either", "either"), ("highlight_id", "114842356238631061",
                                          "114842356238631061"),
    ("trailing_window", "7D", "7D"), ("trailing_window", "12h", "12h"),
    ("trailing_window", "90min", "90min"), ("declared_complete", "yes", True),
    ("declared_complete", "FALSE", False), ("declared_complete", "1", True),
    ("snapshot_sha256", "sha256:" + "AB" * 32, "ab" * 32),
])
def test_good_values(name, value, expected):
    assert P.load_params(ROOT / "params/default.yaml", {name: value})[name] == expected


@pytest.mark.parametrize("var,value,choices", [
    ("DEFINITION", "most", "both, either, likes, retruths"),
    ("DEFINITION", "Both", "both, either, likes, retruths"),
    ("START", "2025-13-01", "YYYY-MM-DD"), ("START", "07/11/2025", "YYYY-MM-DD"),
    ("START", "today", "YYYY-MM-DD"), ("END", "2025-02-30", "YYYY-MM-DD"),
    ("START", "2025-7-1", "YYYY-MM-DD"),
    ("DAY_TZ", "Mars/Olympus", "IANA"), ("DAY_TZ", "../../../etc/passwd", "IANA"),
    ("DAY_TZ", "localtime", "IANA"), ("DAY_TZ", "EDT", "IANA"), ("DAY_TZ", "", None),
    ("WINDOW", "30 days", "30D"), ("WINDOW", "0D", "30D"), ("WINDOW", "-3D", "30D"),
    ("WINDOW", "1M", "30D"), ("WINDOW", "1W", "30D"), ("WINDOW", "abc", "30D"),
    ("WINDOW", "1.5D", "30D"), ("WINDOW", "9999999D", "30D"),
    ("HIGHLIGHT", "abc", "digits"), ("HIGHLIGHT", "0114842356238631061", "digits"),
    ("HIGHLIGHT", "1e18", "digits"), ("HIGHLIGHT", "-5", "digits"),
    ("DECLARED_COMPLETE", "maybe", "true or false"),
    ("SNAPSHOT_SHA256", "abc123", "64 hexadecimal"),
])
def test_bad_value_names_variable_value_and_choices(var, value, choices):
    param = P.BY_VAR[var]
    if value == "":  # empty means "not set": the default stands
        assert P.load_params(ROOT / "params/default.yaml", {param.name: value})[param.name] \
            == param.default
        return
    with pytest.raises(P.ParameterError) as err:
        P.load_params(ROOT / "params/default.yaml", {param.name: value})
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"{var}={value!r}: ")
    assert "choices: " in msg and choices in msg
    assert isinstance(err.value, InputError)


@pytest.mark.parametrize("window", ["30D", "7D", "2D", "25h", "1500min", "86401s", "36500D"])
def test_accepted_windows_work_in_pandas_rolling(window):
    """What the model accepts, pandas' time-based rolling accepts, as a positive length."""
    import pandas as pd

    assert P.load_params(None, {"trailing_window": window})["trailing_window"] == window
    assert pd.to_timedelta(window) > pd.Timedelta(0)
    times = pd.DatetimeIndex(["2025-07-01", "2025-07-02", "2025-07-12"], tz="UTC")
    rolled = pd.Series([1.0, 2.0, 3.0], index=times).rolling(window, closed="left",
                                                              min_periods=1).median()
    assert len(rolled) == 3 and rolled.iloc[1] == 1.0  # one day later: the first post is in it


def test_end_before_start():
    with pytest.raises(P.ParameterError, match=r"^END='2025-07-01': before START='2025-07-11'"):
        P.load_params(None, {"start": "2025-07-11", "end": "2025-07-01"})


def test_yaml_values_are_typed_and_located(tmp_path):
    f = tmp_path / "set.yaml"
    f.write_text("start: 2025-07-11\nhighlight_id: 114842356238631061\ndeclared_complete: yes\n")
    got = P.load_params(f)
    assert (got["start"], got["highlight_id"], got["declared_complete"]) == \
        ("2025-07-11", "114842356238631061", True)
    for text, needle in [
        ("definition: most\n", "DEFINITION='most' ({}, field 'definition'): not a definition"),
        ("start: 2025-07-11 10:00:00\n", "field 'start'): a day is needed"),
        ("highlight_id: 1.5\n", "field 'highlight_id'): not a post id"),
        ("tz: [UTC]\n", "field 'tz'): a single value is needed"),
        ("sources: [null]\n", "field 'sources'): each source must be"),
        ("colour: red\n", "unknown parameter(s) colour"),
        ("- a\n- b\n", "a parameter file holds `name: value` lines"),
        ("definition: [both\n", "not valid YAML"),
    ]:
        f.write_text(text)
        with pytest.raises(InputError) as err:
            P.load_params(f)
        assert needle.format(f) in str(err.value), (text, str(err.value))
        assert "\n" not in str(err.value)


def test_missing_files_get_the_projects_message(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"^file not found: nope\.csv \(Make variable SOURCE\)$"):
        P.load_params(None, {"sources": "nope.csv"})
    with pytest.raises(InputError, match=r"^file not found: obs\.csv \(Make variable "
                                         r"OBSERVATIONS\)$"):
        P.load_params(None, {"observations": "obs.csv"})
    with pytest.raises(InputError, match=r"^file not found: nope\.yaml \(Make variable PARAMS\)$"):
        P.load_params("nope.yaml")
    (tmp_path / "set.yaml").write_text("sources: [gone.csv]\n")
    with pytest.raises(InputError, match=r"file not found: gone\.csv \(.*set\.yaml, field "
                                         r"'sources'; Make variable SOURCE\)"):
        P.load_params(tmp_path / "set.yaml")
    with pytest.raises(InputError, match="SOURCE='ftp://x/a.csv'.*only http"):
        P.load_params(None, {"sources": "ftp://x/a.csv"})
    with pytest.raises(InputError, match="a folder, not a file"):
        P.load_params(None, {"sources": str(tmp_path)})


def test_source_names_with_spaces_quotes_and_shell_characters(week, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in HOSTILE:
        shutil.copy(week, tmp_path / name)
        # a whole existing name is one source, whatever it holds
        assert P.load_params(None, {"sources": name})["sources"] == [str(tmp_path / name)]
    got = P.load_params(None, {"sources": "'my posts.csv' posts(1).csv \"it's; rm -rf \\\"x\\\" "
                                          "#.csv\""})["sources"]
    assert got == [str(tmp_path / n) for n in ("my posts.csv", "posts(1).csv", HOSTILE[4])]
    with pytest.raises(P.ParameterError, match=r"^SOURCE=.*cannot split into file names"):
        P.load_params(None, {"sources": "it's other.csv"})
    with pytest.raises(InputError, match=r"^file not found: my \(Make variable SOURCE\)"):
        P.load_params(None, {"sources": "my posts2.csv"})
    assert not list(tmp_path.glob("PWNED*"))


def test_yaml_paths_are_relative_to_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the project: the set's relative path still resolves
    got = P.load_params(ROOT / "params" / "default.yaml", {"observations": ""})
    assert got["observations"] is None
    f = tmp_path / "set.yaml"
    f.write_text("observations: data/raw/observations.csv\n")
    assert P.load_params(f)["observations"] == str(P.paths.PROJ_ROOT / "data/raw/observations.csv")


def test_from_make_reads_only_nonempty_variables():
    env = {"PARAMS": "params/x.yaml", "SOURCE": "a b.csv", "START": "", "WINDOW": "7D",
           "UNRELATED": "1"}
    assert P.from_make(env) == ("params/x.yaml", {"sources": "a b.csv", "trailing_window": "7D"})
    assert P.from_make({}) == (None, {})


def test_validation_is_fast_and_imports_no_heavy_library():
    """A bad value fails in milliseconds, in a process that never imports pandas or Jupyter."""
    code = ("import sys, time; t = time.perf_counter()\n"
            "from ratioed.pipeline import params\n"
            "try:\n    params.load_params(None, {'definition': 'most'})\n"
            "except params.ParameterError as e:\n    print(e)\n"
            "print(round(time.perf_counter() - t, 3))\n"
            "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'papermill', "
            "'jupyter_client', 'nbformat') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    lines = out.stdout.splitlines()
    assert lines[0].startswith("DEFINITION='most'"), out.stderr
    assert lines[2] == "[]"
    assert float(lines[1]) < 1.0


# --------------------------------------------------------------------------- snapshots


def _snapshot(tmp_path: Path, week: Path) -> Path:
    path = tmp_path / "truth_archive_20250720T000000Z.csv"
    shutil.copy(week, path)
    record = {"url": "https://example.invalid/made-up", "sha256": S.HashCache(
        tmp_path / "c0.json").sha256(path), "retrieved_at": "2025-07-20T00:00:00Z"}
    path.with_name(path.name + ".provenance.json").write_text(json.dumps(record))
    return path


def test_tampered_snapshot_is_refused_even_with_size_and_mtime_restored(week, tmp_path):
    path = _snapshot(tmp_path, week)
    cache = S.HashCache(tmp_path / "cache.json")
    good = S.verify_sources({"sources": [str(path)], "snapshot_sha256": None}, cache)
    assert cache.hashed == [str(path)]
    cache = S.HashCache(tmp_path / "cache.json")
    assert S.verify_sources({"sources": [str(path)], "snapshot_sha256": None}, cache) == good
    assert cache.hashed == [], "an unchanged file is not hashed again"
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")  # one digit of a count
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    with pytest.raises(InputError) as err:
        S.verify_sources({"sources": [str(path)], "snapshot_sha256": None},
                         S.HashCache(tmp_path / "cache.json"))
    msg = str(err.value)
    actual = S.HashCache(tmp_path / "other.json").sha256(path)
    assert path.name in msg and good[str(path)] in msg and actual in msg
    assert "make download" in msg and "restore" in msg and "\n" not in msg


def test_pin_must_be_among_the_sources(week, tmp_path):
    path = _snapshot(tmp_path, week)
    digest = S.HashCache(tmp_path / "c.json").sha256(path)
    S.verify_sources({"sources": [str(path)], "snapshot_sha256": digest},
                     S.HashCache(tmp_path / "c.json"))
    with pytest.raises(ParameterError) as err:
        S.verify_sources({"sources": [str(path)], "snapshot_sha256": "0" * 64},
                         S.HashCache(tmp_path / "c.json"))
    assert str(err.value).startswith(f"SNAPSHOT_SHA256='{'0' * 64}'")
    assert digest in str(err.value) and "make download" in str(err.value)


@pytest.mark.skipif(not HAS_MAKE, reason="needs GNU make")
def test_pinned_set_without_its_snapshot_stops_in_the_preflight(project, week):
    raw = project / "data" / "raw"
    snap = _snapshot(raw, week)  # a snapshot, but not the pinned one
    pinned = project / "params" / "pinned.yaml"
    pinned.write_text(f"snapshot_sha256: {'ab' * 32}\n")
    res = _make(project, "report", "PARAMS=params/pinned.yaml")
    assert res.returncode == 2 and "running notebooks" not in res.stderr
    assert f"SNAPSHOT_SHA256='{'ab' * 32}': no snapshot in data/raw/ has this sha256" \
        in res.stderr and "make download" in res.stderr
    digest = json.loads(snap.with_name(snap.name + ".provenance.json").read_text())["sha256"]
    pinned.write_text(f"snapshot_sha256: {digest}\n")
    assert _make(project, "build/inputs.stamp", "PARAMS=params/pinned.yaml").returncode == 0
    assert str(snap) in json.loads((project / "build/inputs.stamp").read_text())["inputs"]


def test_corrupt_provenance_record_is_named(week, tmp_path):
    path = _snapshot(tmp_path, week)
    path.with_name(path.name + ".provenance.json").write_text("{not json")
    with pytest.raises(InputError, match=r"provenance\.json: provenance record unreadable"):
        S.verify_sources({"sources": [str(path)], "snapshot_sha256": None},
                         S.HashCache(tmp_path / "c.json"))


# --------------------------------------------------------------------------- the copies


def _parameter_cell(nb_py: Path) -> list[ast.stmt]:
    text = nb_py.read_text()
    cell = text.split('# %% tags=["parameters"]\n', 1)[1].split("\n# %%", 1)[0]
    return ast.parse(cell).body


@pytest.mark.parametrize("nb_py", sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py")),
                         ids=lambda p: p.name)
def test_notebook_parameters_are_known_with_the_models_type_and_default(nb_py):
    body = _parameter_cell(nb_py)
    assert body, f"{nb_py.name}: no parameters cell"
    for stmt in body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "typing":
            continue  # the names papermill needs to read a type (Optional)
        assert isinstance(stmt, (ast.Assign, ast.AnnAssign)), ast.unparse(stmt)
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
        name = target.id
        assert name in P.BY_NAME, f"{nb_py.name}: unknown parameter {name}"
        param = P.BY_NAME[name]
        if isinstance(stmt, ast.AnnAssign):
            assert ast.unparse(stmt.annotation) == param.type, f"{nb_py.name}: {name}"
        assert ast.literal_eval(stmt.value) == param.default, f"{nb_py.name}: {name} default"
        assert param.check(ast.literal_eval(stmt.value)) == param.default


def test_makefile_lists_the_models_variables():
    text = (ROOT / "Makefile").read_text()
    listed = re.search(r"^PARAM_VARS := ((?:.*\\\n)*.*)$", text, flags=re.M)[1]
    assert listed.replace("\\\n", " ").split() == P.MAKE_VARS


def test_readme_parameter_table_is_the_generated_one():
    assert P.markdown_table() in (ROOT / "README.md").read_text()


# --------------------------------------------------------------------------- through Make


def _make(project: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "RATIOED_ROOT": str(project), "PYTHONPATH": str(ROOT / "src")}
    for var in P.MAKE_VARS:  # the caller's environment must not leak parameters in
        env.pop(var, None)
    return subprocess.run(["make", f"VENV={sys.prefix}", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture()
def project(tmp_path, week):
    proj = copy_project(tmp_path / "project", ROOT)
    for name in HOSTILE:
        shutil.copy(week, proj / name)
    return proj


@pytest.mark.skipif(not HAS_MAKE, reason="needs GNU make")
def test_hostile_names_pass_through_make_as_names(project):
    for name in HOSTILE:
        res = _make(project, "build/inputs.stamp", f"SOURCE={name}")
        assert res.returncode == 0, (name, res.stderr)
        stamp = json.loads((project / "build/inputs.stamp").read_text())
        assert stamp["parameters"]["sources"] == [str(project / name)]
        # the report's recipe line holds no parameter value
        dry = _make(project, "-n", "report", f"SOURCE={name}")
        assert dry.returncode == 0, dry.stderr
        assert name not in dry.stdout and "ratioed report --make-vars" in dry.stdout
    several = _make(project, "build/inputs.stamp", "SOURCE='my posts.csv' posts(1).csv")
    assert several.returncode == 0, several.stderr
    assert json.loads((project / "build/inputs.stamp").read_text())["parameters"]["sources"] \
        == [str(project / "my posts.csv"), str(project / "posts(1).csv")]
    assert not list(project.rglob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))


@pytest.mark.skipif(not HAS_MAKE, reason="needs GNU make")
@pytest.mark.parametrize("args,message", [
    (["SOURCE=nope.csv"], "file not found: nope.csv (Make variable SOURCE)"),
    (["SOURCE=gone`{touch,PWNED}`.csv"], "file not found: gone`{touch,PWNED}`.csv (Make variable "
                                         "SOURCE)"),
    (["OBSERVATIONS=missing.csv"], "file not found: missing.csv (Make variable OBSERVATIONS)"),
    (["PARAMS=params/nope.yaml"], "file not found: params/nope.yaml (Make variable PARAMS)"),
    (["DEFINITION=most"], "DEFINITION='most': not a definition"),
    (["DAY_TZ=Mars/Olympus"], "DAY_TZ='Mars/Olympus': not an IANA time zone name"),
    (["START=2025-07-20", "END=2025-07-11"], "END='2025-07-11': before START='2025-07-20'"),
    (["WINDOW=30 days"], "WINDOW='30 days': not a window length"),
])
def test_bad_parameters_stop_before_any_kernel_and_keep_the_report(project, args, message):
    report = project / "reports" / "index.html"
    report.parent.mkdir(exist_ok=True)
    report.write_text("the last good report (made up)")
    t = time.perf_counter()
    res = _make(project, "report", f"SOURCE={HOSTILE[1]}", *args)
    elapsed = time.perf_counter() - t
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("make report:")]
    assert lines == [f"make report: input error: {lines[0].split('error: ', 1)[1]}"]
    assert message in lines[0]
    assert "No rule to make target" not in res.stderr and "Traceback" not in res.stderr
    assert "running notebooks" not in res.stderr and not (project / "build/executed").exists()
    assert report.read_text() == "the last good report (made up)"
    assert not list(project.rglob("PWNED*"))
    assert elapsed < 10  # generous on a loaded machine; typically ~0.2 s


@pytest.mark.skipif(not HAS_MAKE, reason="needs GNU make")
def test_tampered_snapshot_stops_make_before_any_notebook(project, week):
    raw = project / "data" / "raw"
    snap = _snapshot(raw, week)
    full = "PARAMS=params/full-archive.yaml"  # the latest download, verified
    assert _make(project, "build/inputs.stamp", full).returncode == 0
    stamp = json.loads((project / "build/inputs.stamp").read_text())
    assert str(snap) in stamp["inputs"] and stamp["parameters"]["sources"] == []
    os.chmod(snap, 0o644)
    snap.write_bytes(snap.read_bytes().replace(b"19954", b"19955"))
    res = _make(project, "report", full)
    assert res.returncode == 2
    assert f"{snap.relative_to(project)}: sha256 is " in res.stderr
    assert "running notebooks" not in res.stderr


@pytest.mark.skipif(not HAS_MAKE, reason="needs GNU make")
def test_stamp_changes_only_when_an_input_changes(project):
    stamp = project / "build/inputs.stamp"
    assert _make(project, "build/inputs.stamp", "SOURCE=my posts.csv").returncode == 0
    first = stamp.stat().st_mtime_ns
    assert _make(project, "build/inputs.stamp", "SOURCE=my posts.csv").returncode == 0
    assert stamp.stat().st_mtime_ns == first, "nothing changed: stamp untouched"
    src = project / "my posts.csv"
    st = src.stat()
    src.write_bytes(src.read_bytes().replace(b"19954", b"19955"))  # same size
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime
    assert _make(project, "build/inputs.stamp", "SOURCE=my posts.csv").returncode == 0
    assert stamp.stat().st_mtime_ns != first, "content changed: stamp rewritten"
    again = stamp.stat().st_mtime_ns
    assert _make(project, "build/inputs.stamp", "SOURCE=my posts.csv", "WINDOW=7D").returncode == 0
    assert stamp.stat().st_mtime_ns != again, "a parameter changed: stamp rewritten"


@pytest.mark.skipif(not HAS_MAKE, reason="needs GNU make")
def test_make_help_lists_the_variables_from_the_model(project):
    res = _make(project, "help")
    assert res.returncode == 0
    for p in P.PARAMETERS:
        assert re.search(rf"^  {p.var} +{p.name}: ", res.stdout, flags=re.M), p.var


@pytest.mark.slow
@pytest.mark.skipif(not HAS_MAKE, reason="needs GNU make")
def test_report_builds_from_a_hostile_name_and_then_does_nothing(project):
    name = HOSTILE[0]
    first = _make(project, "report", f"SOURCE={name}", timeout=600)
    assert first.returncode == 0, first.stderr
    assert name in (project / "data/processed/provenance.json").read_text()
    again = _make(project, "report", f"SOURCE={name}")
    assert again.returncode == 0 and "ratioed report" not in again.stdout
    assert not list(project.rglob("PWNED*"))


def test_generated_parameter_cell_passes_the_notebook_check(tmp_path):
    """The typed lines `python -m ratioed.pipeline.params cell` prints satisfy the notebook test above."""
    nb = tmp_path / "99-made-up.py"
    nb.write_text('# %% tags=["parameters"]\n' + P.parameter_cell(P.PARAM_KEYS) + "\n# %%\n")
    body = _parameter_cell(nb)
    assert [ast.unparse(s.annotation) for s in body] == [p.type for p in P.PARAMETERS]
    test_notebook_parameters_are_known_with_the_models_type_and_default(nb)


def test_parsed_parameter_files_are_remembered_until_the_file_changes(tmp_path, monkeypatch):
    """The pre-flight skips the YAML parser for an unchanged set, never for a changed one."""
    monkeypatch.setattr(P.paths, "BUILD_DIR", tmp_path / "build")
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text("definition: both\n")
    assert P.load_params(made_up, check_files=False)["definition"] == "both"
    assert (tmp_path / "build" / "params-cache.json").exists()
    st = made_up.stat()
    made_up.write_text("definition: like\n")  # same size, then the same modification time
    os.utime(made_up, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(InputError, match="like"):
        P.load_params(made_up, check_files=False)
    made_up.write_text("definition: either\n")
    assert P.load_params(made_up, check_files=False)["definition"] == "either"
