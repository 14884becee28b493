"""An adversarial review of the README's promises, as a careless or hostile user would test them.

Every input here is MADE UP, generated in code: one field of an otherwise plausible post is
changed. The real committed evidence is used only where the promise is about it (a sample
declared complete).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import made_up_statuses as made_up  # noqa: E402
from ratioed.analysis.completeness import Completeness  # noqa: E402
from ratioed.cli import main  # noqa: E402
from ratioed.present import figures  # noqa: E402
from ratioed.present.record import download_record  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "data" / "raw" / "metrics_2025-07-11_2025-07-19.csv"

# a made-up post in the archive's CSV layout (the id's time is its created_at)
HEADER = "id,created_at,url,replies_count,reblogs_count,favourites_count\n"
ROW = "114882071199726147,2025-07-19T21:41:31.544Z,https://example.invalid/1,707,2521,8286\n"
RECORD = {"id": "114882071199726147", "created_at": "2025-07-19T21:41:31.544Z",
          "replies_count": 1, "reblogs_count": 2, "favourites_count": 3, "content": "made up"}


def _statuses_with_bad_time() -> str:
    good = made_up.status(1, made_up.ALICE, 3, 1, 1)
    bad = {**made_up.status(2, made_up.ALICE, 3, 1, 1), "created_at": "soon"}
    return json.dumps([good, bad])


# name -> (bytes written, what the one-line error must name)
BAD = {
    "word-time.csv": ((HEADER + ROW.replace("2025-07-19T21:41:31.544Z", "tomorrow")).encode(),
                      ["row 1", "'created_at'", "tomorrow"]),
    "nested.json": (json.dumps([{**RECORD, "content": {"a": 1}}]).encode(),
                    ["record 1", "'content'", "JSON object"]),
    "huge.csv": ((HEADER + ROW.replace(",707,", ",99999999999999999999999,")).encode(),
                 ["row 1", "'replies_count'", "too large"]),
    "leading-zero.csv": ((HEADER + "0" + ROW).encode(), ["row 1", "'id'", "leading zero"]),
    "negative.csv.gz": (gzip.compress((HEADER + ROW.replace("8286", "-1")).encode()),
                        ["row 1", "'favourites_count'", "negative"]),
    "utf16.csv": ((HEADER + ROW.replace("707", "x7")).encode("utf-16"),
                  ["(read as UTF-16), row 1", "'replies_count'", "x7"]),
    "ragged.csv": ((HEADER + ROW + ROW.rsplit(",", 1)[0] + "\n").encode(),
                   ["row 2", "5 fields where the header has 6"]),
    "duplicate-key.json": (('[{"id": "114882071199726147", "id": "114880074981803996", '
                            '"created_at": "2025-07-19T21:41:31.544Z", "replies_count": 1, '
                            '"reblogs_count": 2, "favourites_count": 3}]').encode(),
                           ["record 1", "'id'", "twice"]),
    "empty.csv": (b"", ["empty"]),
    "empty.parquet": (b"", ["empty"]),
    "statuses.json": (_statuses_with_bad_time().encode(), ["status 2", "'created_at'", "soon"]),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_gives_one_line_naming_file_record_and_field(tmp_path, capsys, name):
    data, expected = BAD[name]
    path = tmp_path / name
    path.write_bytes(data)
    assert main(["load", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("ratioed: error: ") and name in err
    for part in expected:
        assert part in err, (part, err)


def test_a_folder_as_input_is_named(tmp_path, capsys):
    assert main(["load", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


def test_bad_observation_time_names_row_and_field(tmp_path):
    from ratioed.errors import InputError
    from ratioed.inputs.observations import read_observations

    path = tmp_path / "observations.csv"  # made up: a reading whose time is a word
    path.write_text("post_id,observed_at,replies,retruths,likes,source,note\n"
                    "114842356238631061,yesterday,1,1,1,Made up,\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"observed_at") as err:
        read_observations(path)
    assert "observations.csv" in str(err.value)


# ------------------------------------------------------------------ a sample passed off as whole


def _source(path: Path) -> dict:
    return {"source": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "download_record": download_record(path)}


def test_declaring_the_committed_sample_complete_does_not_make_it_whole():
    """The committed week's record says ``"whole_file": false``; DECLARED_COMPLETE=true on it
    used to mark C6 ("not happened again") *supported* over the week. A declaration stands in
    for a missing record, never against one."""
    posts = pd.read_csv(EVIDENCE, usecols=["created_at"])["created_at"]
    times = pd.to_datetime(posts, utc=True)
    comp = Completeness.from_provenance(times, False, [_source(EVIDENCE)], declared_complete=True)
    assert comp.whole_files is None and not comp.declared
    since = pd.Timestamp("2025-07-12 21:21", tz="UTC")
    failed = comp.failures(since)
    assert len(failed) == 1 and "record says it is a sample" in failed[0]
    assert "declare it with declared_complete=True" not in failed[0]  # already declared


def test_a_copy_with_no_record_can_still_be_declared(tmp_path):
    copy = tmp_path / "made-up-copy.csv"
    copy.write_text(HEADER + ROW, encoding="utf-8")
    times = pd.Series(pd.to_datetime(["2025-07-19T21:41:31Z"], utc=True))
    comp = Completeness.from_provenance(times, False, [_source(copy)], declared_complete=True)
    assert comp.declared and comp.whole_files.startswith("declared complete by the build")


@pytest.mark.parametrize("record", [
    {"url": "javascript:alert(1)", "retrieved_at": "2025-07-20T00:00:00Z"},
    {"url": "https://example.invalid/archive.csv"},  # no retrieval time
    {"url": "/home/someone/archive.csv", "retrieved_at": "2025-07-20T00:00:00Z"},
])
def test_a_hand_made_sidecar_is_not_a_download_record(tmp_path, record):
    """A made-up file with a made-up ``.provenance.json`` claiming a URL: unless it has what
    ``make download`` writes (an http(s) URL and a retrieval time), it shows nothing."""
    fake = tmp_path / "made-up.csv"
    fake.write_text(HEADER + ROW, encoding="utf-8")
    sha = hashlib.sha256(fake.read_bytes()).hexdigest()
    Path(str(fake) + ".provenance.json").write_text(json.dumps({**record, "sha256": sha}))
    times = pd.Series(pd.to_datetime(["2025-07-19T21:41:31Z"], utc=True))
    comp = Completeness.from_provenance(times, False, [_source(fake)])
    assert comp.whole_files is None
    assert "no http(s) URL and retrieval time" in comp.whole_files_problem


# ------------------------------------------------------------------ the report page


def test_drop_figure_removes_a_previous_builds_figure(tmp_path):
    for ext in ("png", "svg", "csv"):
        (tmp_path / f"fig4-highlight-readings.{ext}").write_text("made up")
    (tmp_path / "fig1-likes-vs-replies.png").write_text("made up")
    assert figures.drop_figure("fig4-highlight-readings", tmp_path) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["fig1-likes-vs-replies.png"]
    assert figures.drop_figure("fig4-highlight-readings", tmp_path) == 0


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_another_accounts_report_carries_nothing_of_the_story(tmp_path):
    """Build the story's week, then a made-up account whose posts hold Chinese mojibake, Arabic
    and formula-like text, in the same scratch project. The second page must not link the
    first build's figure 4 (the Newsweek reading of Trump's post) nor draw a "diamond" for a
    post it does not hold; CSV cells starting with a formula character are defused; scripts
    survive."""
    from ratioed.pipeline.build import copy_project

    project = copy_project(tmp_path / "p", ROOT)
    venv = Path(sys.executable).parents[1]
    env = {**os.environ, "RATIOED_ROOT": str(project),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    carol = {"id": "9", "username": "carol", "acct": "carol", "display_name": "Carol (made up)"}
    texts = ["<p>" + "中文测试".encode().decode("latin-1") + "</p>", "<p>مرحبا بالعالم</p>",
             '=HYPERLINK("http://evil.example","click")', "+SUM(1,2)", "@cmd", "-2+3"]
    statuses = [made_up.status(i * 5, carol, 10 + i, 1, 5 + i, text=t)
                for i, t in enumerate(texts)]
    statuses += [made_up.status(200 + i, carol, 1, 5, 9, text="filler") for i in range(12)]
    dump = project / "carol.json"
    dump.write_text(json.dumps(statuses), encoding="utf-8")

    def make(*args):
        run = subprocess.run(["make", "report", f"VENV={venv}", *args], cwd=project, env=env,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
    make()
    assert (project / "reports" / "figures" / "fig4-highlight-readings.csv").exists()
    make(f"SOURCE={dump.name}")
    html = (project / "reports" / "index.html").read_text(encoding="utf-8")
    assert "fig4" not in html and "Newsweek" not in html and "Trump" not in html
    assert "the diamond is post 114842356238631061" not in html
    assert not list((project / "reports" / "figures").glob("fig4-*"))
    assert str(project) not in html and str(ROOT) not in html
    assert "中文测试" in html and "مرحبا بالعالم" in html
    top = pd.read_csv(project / "reports" / "tables" / "top_posts_by_reply_like_ratio.csv",
                      dtype=str, keep_default_na=False)
    text = set(top["text"])
    assert {"'=HYPERLINK(\"http://evil.example\",\"click\")", "'+SUM(1,2)", "'@cmd",
            "'-2+3", "中文测试", "مرحبا بالعالم"} <= text


def test_an_unknown_account_names_the_make_variable(tmp_path):
    """ACCOUNT=nobody on a made-up page: the error names the Make variable to change."""
    from ratioed.errors import InputError
    from ratioed.inputs.load import load_posts, select_account

    page = tmp_path / "page.json"
    page.write_text(json.dumps([made_up.status(1, made_up.ALICE, 3, 1, 1)]), encoding="utf-8")
    with pytest.raises(InputError) as err:
        select_account(load_posts(page), "nobody", page.name)
    message = str(err.value)
    assert "no account matches 'nobody'" in message and "@alice: 1 post(s)" in message
    assert "ACCOUNT" in message and "--account" in message


def test_the_largest_id_is_counted_not_a_crash(tmp_path, capsys):
    """A made-up post whose id is 2**64 - 1 (accepted: ids go up to it) encodes a time past
    the year 10000: the id-time check lists it (id time NaT) instead of failing to print it."""
    from ratioed.inputs.load import id_times, load_archive

    path = tmp_path / "largest-id.csv"
    path.write_text(HEADER + ROW.replace("114882071199726147", str(2**64 - 1)), encoding="utf-8")
    assert main(["load", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"1 post(s) (e.g. {2**64 - 1}: 2025-07-19 21:41:31Z vs id after 2262)" in out
    bad = load_archive([path]).id_time_mismatches()
    assert len(bad) == 1 and pd.isna(bad["id_time"].iloc[0])
    assert pd.isna(id_times(pd.Series([str(2**64 - 1)])).iloc[0])


@pytest.mark.parametrize("content, named", [
    (b"<!DOCTYPE html>\n<html><body>Not found</body></html>", "an HTML page"),
    (b"<html lang='en'><head><meta id='x', name='y'></head></html>", "an HTML page"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "an old Excel workbook (.xls)"),
])
def test_pages_and_workbooks_are_named(tmp_path, capsys, content, named):
    """The README: 'A ZIP or Excel file, an HTML page or an empty file is named as such.'
    Made-up bytes: an error page saved as the data (with a first line holding 'id' and a comma,
    which once passed for a CSV header) and the start of an old Excel file."""
    path = tmp_path / "archive.csv"
    path.write_bytes(content)
    assert main(["load", str(path)]) == 2
    assert named in capsys.readouterr().err


def test_a_reading_before_the_post_existed_is_refused(tmp_path):
    """A made-up reading of the story's post dated 2021: the id says the post was written on
    12 July 2025, so the reading cannot be of it (it was accepted, and compared in C2)."""
    from ratioed.errors import InputError
    from ratioed.inputs.observations import read_observations

    path = tmp_path / "observations.csv"
    path.write_text("post_id,observed_at,replies,retruths,likes,source,note\n"
                    "114842356238631061,2021-07-13T10:45:00-04:00,1,1,1,Made up,\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1, field 'observed_at': before the post was "
                                         r"written \(2025-07-12 21:21 UTC"):
        read_observations(path)
