"""Hostile parameter files, poisoned caches, unusable time zones and file names a terminal
would obey (issue 23). Every input here is generated in code and made up; the only real file
read is the committed evidence (data/raw/metrics_2025-07-11_2025-07-19.csv), never modified."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ratioed import cli
from ratioed import errors as E
from ratioed.errors import FileNotFound, InputError, ParameterError
from ratioed.inputs import snapshots as S
from ratioed.inputs.checks import as_zone
from ratioed.pipeline import params as P

ROOT = Path(__file__).resolve().parents[1]
WEEK = ROOT / "data" / "raw" / "metrics_2025-07-11_2025-07-19.csv"
RAW_CONTROLS = [chr(c) for c in (*range(0x20), 0x7f, *range(0x80, 0xa0))]


def _one_clean_line(message: str) -> None:
    assert "\n" not in message and "Traceback" not in message
    assert not any(c in message for c in RAW_CONTROLS), repr(message)


@pytest.fixture()
def build_dir(tmp_path, monkeypatch) -> Path:
    build = tmp_path / "build"
    monkeypatch.setattr(P.paths, "BUILD_DIR", build)
    return build


def _billion_laughs(levels: int = 9) -> str:
    """The classic made-up YAML bomb: each level is ten aliases of the one before."""
    lines = ['a0: &a0 "lol (made up)"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append(f"sources: *a{levels}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- 1. aliases


def test_billion_laughs_is_refused_before_anything_expands(tmp_path):
    """A 10^9-leaf bomb: refused in a child limited to 1 GB of memory, in well under a second
    of parsing, with one line naming the file and the line of the first anchor."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_billion_laughs())
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from pathlib import Path
        from ratioed.pipeline import params as P
        P.paths.BUILD_DIR = Path({str(tmp_path / "build")!r})
        try:
            P.load_params({str(bomb)!r}, check_files=False)
        except P.InputError as err:
            print(err)
            sys.exit(2)
        """)
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - t
    assert res.returncode == 2, res.stderr[-2000:]
    message = res.stdout.strip()
    _one_clean_line(message)
    assert "bomb.yaml, line 1" in message and "alias" in message, message
    assert elapsed < 10  # the interpreter's start; the refusal itself takes milliseconds
    assert not (tmp_path / "build" / "params-cache.json").exists()


@pytest.mark.parametrize("text,line", [
    ("start: &day null\nend: *day\n", 1),  # accepted silently before: both null
    ("definition: both\ntz: &z UTC\n", 2),  # an anchor alone
    ("base: &b {definition: both}\n<<: *b\n", 1),  # a merge key pulling an anchored mapping
])
def test_yaml_anchors_and_aliases_are_refused_naming_the_line(tmp_path, build_dir, text, line):
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text(text)
    with pytest.raises(InputError) as err:
        P.load_params(made_up, check_files=False)
    message = str(err.value)
    _one_clean_line(message)
    assert f"made_up.yaml, line {line}:" in message and "alias" in message, message
    assert not (build_dir / "params-cache.json").exists()


def test_merge_key_without_alias_is_refused(tmp_path, build_dir):
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text("definition: both\n<<: {definition: either}\n")
    with pytest.raises(InputError, match=r"made_up\.yaml, line 2.*merge"):
        P.load_params(made_up, check_files=False)


# --------------------------------------------------------------------------- 2. repeated keys


@pytest.mark.parametrize("text,line,key", [
    ("definition: both\ntz: UTC\ndefinition: either\n", 3, "definition"),
    ("start: 2025-07-11\nstart: '2025-07-12'\n", 2, "start"),
    ("{end: null, end: null}\n", 1, "end"),
])
def test_repeated_key_is_refused_naming_file_line_and_key(tmp_path, build_dir, text, line, key):
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text(text)
    with pytest.raises(InputError) as err:
        P.load_params(made_up, check_files=False)
    message = str(err.value)
    _one_clean_line(message)
    assert f"made_up.yaml, line {line}, field '{key}':" in message and "repeated" in message


def test_an_invalid_set_is_never_cached(tmp_path, build_dir):
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text("definition: most\n")
    with pytest.raises(ParameterError):
        P.load_params(made_up, check_files=False)
    assert not (build_dir / "params-cache.json").exists()


# --------------------------------------------------------------------------- 3. caches are hints


def test_poisoned_parameter_cache_never_swaps_values(tmp_path, build_dir):
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text("definition: both\nstart: '2025-07-11'\n")
    assert P.load_params(made_up, check_files=False)["definition"] == "both"
    cache = build_dir / "params-cache.json"
    entry = json.loads(cache.read_text())
    entry["value"] = {"definition": "either", "start": "2025-07-01"}  # key and all else kept
    cache.write_text(json.dumps(entry))
    loaded = P.load_params(made_up, check_files=False)
    assert (loaded["definition"], loaded["start"]) == ("both", "2025-07-11")
    # an entry in the old layout, keyed by path and file times only, is not a hit either
    st = made_up.stat()
    key = f"{made_up.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}"
    cache.write_text(json.dumps({"key": key, "value": {"definition": "likes"}}))
    assert P.load_params(made_up, check_files=False)["definition"] == "both"
    for junk in ("", "{", "[]", "null", '{"value": 1}', '"x"'):
        cache.write_text(junk)
        assert P.load_params(made_up, check_files=False)["definition"] == "both", junk


def test_a_cached_set_is_used_only_for_the_same_bytes(tmp_path, build_dir, monkeypatch):
    """The no-op pre-flight still skips the YAML parser; any other content parses again."""
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text("definition: both\n")
    P.load_params(made_up, check_files=False)

    def no_parse(*args):
        raise AssertionError("parsed although the cache holds these bytes")

    with monkeypatch.context() as m:
        m.setattr(P, "_parse_yaml", no_parse)
        assert P.load_params(made_up, check_files=False)["definition"] == "both"
    made_up.write_text("definition: bath\n")
    with pytest.raises(ParameterError, match="bath"):
        P.load_params(made_up, check_files=False)


def _poison(cache_file: Path, path: Path, digest: str) -> None:
    st = path.resolve().stat()
    entries = {str(path.resolve()): [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, digest]}
    cache_file.write_text(json.dumps(entries))


def test_poisoned_hash_cache_never_refuses_the_intact_evidence(tmp_path):
    """The committed week with its provenance record and the default set's pin: a cache entry
    holding a wrong digest is re-checked from the bytes, and corrected."""
    truth = hashlib.sha256(WEEK.read_bytes()).hexdigest()
    cache_file = tmp_path / "sha256-cache.json"
    _poison(cache_file, WEEK, "0" * 64)
    cache = S.HashCache(cache_file)
    assert S.verify_sources({"sources": [str(WEEK)], "snapshot_sha256": truth}, cache) \
        == {str(WEEK): truth}
    assert cache.hashed == [str(WEEK.resolve())]
    assert json.loads(cache_file.read_text())[str(WEEK.resolve())][4] == truth
    again = S.HashCache(cache_file)
    S.verify_sources({"sources": [str(WEEK)], "snapshot_sha256": truth}, again)
    assert again.hashed == [], "the corrected entry is a hit: the no-op build does not re-hash"


def test_poisoned_hash_cache_never_fails_a_pin(tmp_path):
    """A copy without a provenance record, pinned: the pin is checked against the bytes."""
    copy = tmp_path / "made_up_copy.csv"
    copy.write_bytes(WEEK.read_bytes())
    truth = hashlib.sha256(copy.read_bytes()).hexdigest()
    cache_file = tmp_path / "c.json"
    _poison(cache_file, copy, "1" * 64)
    assert S.verify_sources({"sources": [str(copy)], "snapshot_sha256": truth},
                            S.HashCache(cache_file)) == {str(copy): truth}


@pytest.mark.parametrize("junk", [
    "", "{", "[]", "null", "17", '"text"', '{"K": "junk"}', '{"K": [1, 2]}',
    '{"K": [1, 2, 3, 4, 5, 6]}', '{"K": ["a", "b", "c", "d", "e"]}', '{"K": null}'])
def test_a_hash_cache_that_does_not_parse_is_ignored(tmp_path, junk):
    copy = tmp_path / "made_up_copy.csv"
    copy.write_bytes(b"id,replies_count\n1,2\n")
    cache_file = tmp_path / "c.json"
    cache_file.write_text(junk.replace("K", str(copy.resolve())))
    assert S.HashCache(cache_file).sha256(copy) == hashlib.sha256(copy.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- 4. time zones


@pytest.mark.parametrize("zone", ["right/UTC", "posix/UTC", "right/America/New_York",
                                  "posix/Europe/London", "posixrules", "Factory", "localtime"])
def test_zones_arrow_cannot_use_are_refused(zone):
    with pytest.raises(ValueError, match="time zone"):
        as_zone(zone)
    pa = pytest.importorskip("pyarrow")
    import pyarrow.compute as pc

    if zone != "localtime":  # the check agrees with Arrow (zoneinfo loads every one of these)
        with pytest.raises(pa.ArrowInvalid):
            pc.day(pa.array([0], pa.timestamp("s", tz=zone)))


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "America/New_York", "Etc/GMT+5"])
def test_good_zones_pass_and_work_in_pandas_and_arrow(zone):
    assert as_zone(zone) == zone
    pa = pytest.importorskip("pyarrow")
    import pandas as pd
    import pyarrow.compute as pc

    pd.Timestamp(0, tz="UTC").tz_convert(zone)
    pc.day(pa.array([0], pa.timestamp("s", tz=zone)))


def test_day_tz_right_utc_stops_in_the_preflight(build_dir):
    with pytest.raises(ParameterError, match=r"^DAY_TZ='right/UTC': .*time zone"):
        P.load_params(None, {"tz": "right/UTC"}, check_files=False)


# --------------------------------------------------------------------------- 5. printable


def test_printable_escapes_controls_and_undecodable_bytes():
    assert E.printable("plain name.csv") == "plain name.csv"
    assert E.printable("café 東京.csv") == "café 東京.csv"
    assert E.printable("\x1b[31mred\x1b[0m.csv") == "\\x1b[31mred\\x1b[0m.csv"
    assert E.printable("a\tb\nc\rd\x00e\x7ff\x85g\x9bh") == "a\\tb\\nc\\rd\\x00e\\x7ff\\x85g\\x9bh"
    assert E.printable("\u202egnp.exe\u2028") == "\\u202egnp.exe\\u2028"
    name = os.fsdecode(b"\xff\xfe made up.csv")  # not UTF-8: surrogate-escaped bytes
    assert E.printable(Path(name)) == "\\xff\\xfe made up.csv"
    assert E.printable(b"\xffraw") == "\\xffraw"
    assert E.printable("\ud800") == "\\ud800"  # a lone surrogate that is not an escaped byte
    E.printable(name).encode("utf-8")  # never raises


HOSTILE_NAMES = ["\x1b]0;pwned\x07made_up.csv", "\x1b[2J\x1b[Hmade_up.csv", "made\rup.csv",
                 "made\x9bup.csv", os.fsdecode(b"made\xffup.csv"), "made\nup.csv"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_error_messages_print_names_escaped(name):
    for err in (InputError(name, "made-up problem", where="line 1", field=name, hint=name),
                InputError(Path(name), "made-up problem"),
                ParameterError("SOURCE", name, "made-up problem", origin=name, choices=name),
                FileNotFound(name, "SOURCE", origin=name), FileNotFound(Path(name), "SOURCE")):
        message = str(err)
        _one_clean_line(message)
        message.encode("utf-8")
        assert E.printable(name) in message or repr(name)[1:-1] in message


def test_missing_source_with_an_escape_sequence_is_escaped(tmp_path, monkeypatch, build_dir):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFound) as err:
        P.load_params(None, {"sources": "\x1b[31mmade_up.csv"})
    assert str(err.value).startswith("file not found: \\x1b[31mmade_up.csv")


def test_a_long_value_is_shortened_in_the_message():
    err = ParameterError("DEFINITION", "x" * 100_000, "not a definition")
    assert len(str(err)) < 400 and "100000 characters" in str(err)


# --------------------------------------------------------------------------- 6. the command line


def test_cli_non_utf8_source_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"\xffmade_up.csv")
    (tmp_path / name).write_bytes(WEEK.read_bytes())
    for argv in (["load", name], ["flag", name], ["load", str(WEEK), "--out", name + ".parquet"]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        _one_clean_line(err.strip())
        assert err.startswith("ratioed: error: ") and "\\xffmade_up.csv" in err and "UTF-8" in err


def test_cli_non_utf8_name_from_a_real_command_line(tmp_path):
    (tmp_path / os.fsdecode(b"\xff.csv")).write_bytes(WEEK.read_bytes())
    res = subprocess.run([sys.executable, "-m", "ratioed", "flag", b"\xff.parquet"],
                         cwd=tmp_path, capture_output=True, timeout=120)
    assert res.returncode == 2, res.stderr[-2000:]
    assert res.stderr.startswith(b"ratioed: error: \\xff.parquet") and b"Traceback" not in res.stderr


def test_cli_symlink_loop_as_out_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    os.symlink("loop", tmp_path / "loop")
    for out in ("loop/x.parquet", "loop"):
        assert cli.main(["load", str(WEEK), "--out", out]) == 2
        err = capsys.readouterr().err
        _one_clean_line(err.strip())
        assert err.startswith(f"ratioed: error: {out}") and "symbolic link" in err


def test_cli_prints_the_out_name_escaped(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = "\x1b[31mmade_up.parquet"
    assert cli.main(["load", str(WEEK), "--out", out]) == 0
    printed = capsys.readouterr().out
    assert "wrote \\x1b[31mmade_up.parquet" in printed and "\x1b" not in printed


# --------------------------------------------------------------------------- 7. no echo


def test_a_system_pseudo_file_is_refused_without_echoing_it(tmp_path, monkeypatch, build_dir):
    monkeypatch.setenv("RATIOED_MADE_UP_SECRET", "hunter2-made-up")
    for overrides in ({"observations": "/proc/self/environ"}, {"sources": "/proc/self/environ"}):
        with pytest.raises(ParameterError) as err:
            P.load_params(None, overrides)
        assert "hunter2" not in str(err.value) and "not a regular file" in str(err.value)
    with pytest.raises(InputError) as err:
        P.load_params("/proc/self/environ", check_files=False)
    assert "hunter2" not in str(err.value)


def test_yaml_errors_do_not_echo_the_file(tmp_path, build_dir):
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text("definition: both\ntoken: [hunter2-made-up, {\n")
    with pytest.raises(InputError) as err:
        P.load_params(made_up, check_files=False)
    message = str(err.value)
    _one_clean_line(message)
    assert "made_up.yaml, line" in message and "hunter2" not in message, message
    made_up.write_text("hunter2-made-up: 1\n")  # an unknown key is named only when it is a name
    with pytest.raises(InputError, match="unknown parameter"):
        P.load_params(made_up, check_files=False)
    made_up.write_text('"hunter2 made up, a sentence": 1\n')
    with pytest.raises(InputError, match="unknown parameter") as err:
        P.load_params(made_up, check_files=False)
    assert "hunter2" not in str(err.value)


def test_an_oversized_parameter_file_is_refused_unread(tmp_path, build_dir):
    made_up = tmp_path / "made_up.yaml"
    made_up.write_text("# made up\n" * 300_000)
    with pytest.raises(InputError, match=r"made_up\.yaml: .*too large"):
        P.load_params(made_up, check_files=False)


def test_a_provenance_record_is_never_quoted(tmp_path):
    copy = tmp_path / "made_up_copy.csv"
    copy.write_bytes(WEEK.read_bytes())
    for junk in ("hunter2-made-up " * 1000, 12, ["x"], "\x1b[2J" + "0" * 60):
        copy.with_name(copy.name + ".provenance.json").write_text(json.dumps({"sha256": junk}))
        with pytest.raises(InputError) as err:
            S.verify_sources({"sources": [str(copy)], "snapshot_sha256": None},
                             S.HashCache(tmp_path / "c.json"))
        message = str(err.value)
        _one_clean_line(message)
        assert "provenance record unreadable" in message and "hunter2" not in message
        assert "2J" not in message
