"""How a build splits the stale notebooks into lanes (:func:`ratioed.pipeline.execute.lanes`): chains of
notebooks that read each other's outputs, run side by side in kernels of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ratioed.errors import InputError
from ratioed.pipeline import execute, staleness

NBS = [Path(f"notebooks/{n}.ipynb") for n in ("01-load", "02-ratios", "03-claims", "04-figures")]


def names(plan):
    return [[nb.stem[:2] for nb in lane] for lane in plan]


def test_the_project_notebooks_read_what_the_lanes_assume():
    # the claims and figures notebooks read only the loading and ratios notebooks' outputs
    assert staleness.READS_FROM == {"01": [], "02": ["01"], "03": ["01", "02"],
                                    "04": ["01", "02"]}


def test_a_clean_build_runs_claims_and_figures_side_by_side():
    assert names(execute.lanes(NBS, most=2)) == [["01", "02", "03"], ["04"]]


def test_one_lane_when_asked_or_when_one_notebook_is_stale():
    assert names(execute.lanes(NBS, most=1)) == [["01", "02", "03", "04"]]
    assert names(execute.lanes(NBS[3:], most=2)) == [["04"]]
    assert names(execute.lanes(NBS[1:], most=2)) == [["02", "03"], ["04"]]
    assert names(execute.lanes(NBS[2:], most=2)) == [["03"], ["04"]]


def test_a_notebook_not_in_reads_from_reads_every_one_before_it():
    """A notebook added without a READS_FROM entry is assumed to read all earlier outputs: it
    waits for every earlier notebook, whichever lane it lands in, and its fingerprint covers
    theirs (a missing entry is slower, never wrong)."""
    extra = Path("notebooks/05-made-up-extra.ipynb")
    assert staleness.reads_from(extra, NBS) == NBS
    assert staleness.reads_from(NBS[3], NBS[:3]) == NBS[:2]
    plan = execute.lanes([*NBS, extra], most=2)
    assert names(plan) == [["01", "02", "03", "05"], ["04"]]


@pytest.mark.parametrize("name,value", [
    ("RATIOED_LANES", "abc"), ("RATIOED_LANES", "0"), ("RATIOED_LANES", "1.5"),
    ("RATIOED_CELL_TIMEOUT", "-1"), ("RATIOED_CELL_TIMEOUT", "nan"),
    ("RATIOED_CELL_TIMEOUT", "90.5"),  # nbclient takes whole seconds: a traceback, once
    ("RATIOED_KERNEL_TIMEOUT", "inf"), ("RATIOED_KERNEL_TIMEOUT", "ten"),
    ("RATIOED_KERNEL_TIMEOUT", "٣")])  # a digit, not an ASCII one
def test_a_bad_setting_is_refused_naming_it(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError) as err:
        execute.settings()
    assert name in str(err.value) and repr(value) in str(err.value)


def test_settings_default_when_unset_and_lanes_never_exceed_the_cores(monkeypatch):
    for name in execute.SETTINGS:
        monkeypatch.delenv(name, raising=False)
    assert execute.settings() == {"RATIOED_LANES": 2, "RATIOED_CELL_TIMEOUT": 600,
                                  "RATIOED_KERNEL_TIMEOUT": 60}
    monkeypatch.setenv("RATIOED_CELL_TIMEOUT", " 90 ")
    assert execute.setting("RATIOED_CELL_TIMEOUT") == 90
    monkeypatch.setenv("RATIOED_LANES", "64")
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert execute.max_lanes() == 2
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert execute.max_lanes() == 1
    assert names(execute.lanes(NBS)) == [["01", "02", "03", "04"]]


def test_two_notebooks_recording_numbers_at_once_lose_nothing(tmp_path):
    """Two processes (two kernels' notebooks) recording sections into numbers.json at once:
    every section survives (without the lock, 239 of 300 did in one trial)."""
    code = ("import sys\nfrom ratioed.present.record import record_numbers\n"
            "for i in range(150):\n    record_numbers(f'{sys.argv[1]}-{i}', {'i': i})\n")
    env = {**os.environ, "RATIOED_ROOT": str(tmp_path)}
    env.pop("RATIOED_STAGE", None)
    procs = [subprocess.Popen([sys.executable, "-c", code, who], env=env, cwd=tmp_path)
             for who in ("claims", "figures")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    numbers = json.loads((tmp_path / "data/processed/numbers.json").read_text())
    assert len(numbers) == 300


@pytest.mark.slow
def test_a_kernel_client_is_ready_without_the_idle_wait_and_works(tmp_path, monkeypatch):
    """The build's kernels hand out clients whose wait_for_ready skips jupyter_client's 0.2 s of
    listening for IOPub silence: such a client runs code and reads its output like any other,
    and a kernel that dies before it answers is reported, not waited on."""
    from jupyter_client.utils import run_sync

    from ratioed import paths

    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    km = execute.start_kernel(tmp_path / "stage", [], lane=7)
    try:
        kc = km.client()
        assert type(kc).__name__ == "ReadyKernelClient"
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        msg_id = kc.execute("print(6 * 7)")
        out = []
        while True:
            msg = run_sync(kc.iopub_channel.get_msg)(timeout=30)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        assert "".join(out) == "42\n"
        kc.stop_channels()
    finally:
        execute.stop_kernel(km)
    assert not list((tmp_path / "build").glob("kernel-*"))

    dead = execute.start_kernel(tmp_path / "stage", [], lane=8)
    try:
        execute.kill_kernel(dead)
        kc = dead.client()
        kc.start_channels()
        with pytest.raises(RuntimeError, match="died"):
            run_sync(kc.wait_for_ready)(timeout=30)
        kc.stop_channels()
    finally:
        execute.stop_kernel(dead)
