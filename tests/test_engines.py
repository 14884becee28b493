"""Every engine of ``ratioed flag`` (pandas, DuckDB, Dask) gives the same rows and totals.

ALL DATA HERE IS MADE UP: small Parquet parts written by the tests, with ties (replies equal to
likes or re-truths), zero counts, 18- and 19-digit ids, an empty part and parts whose columns
come in a different order or with extra columns. The Dask tests run a real
``distributed.LocalCluster`` with 2 worker processes (started once for the module).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ratioed import InputError, load_posts
from ratioed.analysis.ratios import RULES, add_ratios
from ratioed.cli import main
from ratioed.scale.engines import ENGINES, OUTPUT_COLUMNS, QUIET_CLUSTER, flag
from ratioed.scale.parts import find_parts

BASE_ID = 114_842_356_238_631_061  # 18 digits, the story's post
# hand-made rows: (id, replies, retruths, likes), what each shows
HAND = [
    ("1148423562386310610", 5, 2, 0),  # 19 digits; 0 likes: not over likes, ratio NaN
    ("114842356238631062", 7, 7, 3),  # tie with re-truths: over likes only
    ("114842356238631063", 9, 4, 9),  # tie with likes: over re-truths only
    ("114842356238631064", 0, 0, 0),  # all zero: nothing, both ratios NaN
    ("114842356238631065", 10, 3, 4),  # over both
    ("999999999999999999", 3, 0, 0),  # replies, no likes or re-truths: never ratioed
]


def _part(rng, start: int, n: int) -> pd.DataFrame:
    counts = rng.integers(0, 12, size=(n, 3))  # small counts: many ties and zeros
    ms = rng.integers(1_750_000_000_000, 1_750_000_100_000, size=n)  # shared times: sort ties
    return pd.DataFrame({
        "id": (np.arange(n, dtype=np.int64) + start).astype(str),
        "created_at": pd.to_datetime(ms // 1000 * 1000, unit="ms", utc=True).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ"),
        "replies_count": counts[:, 0], "reblogs_count": counts[:, 1],
        "favourites_count": counts[:, 2]})


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """A made-up table in 5 parts (one empty) plus the same rows as one frame."""
    folder = tmp_path_factory.mktemp("parts")
    rng = np.random.default_rng(13)
    frames = [_part(rng, BASE_ID + 10 + k * 3000, 3000) for k in range(3)]
    hand = pd.DataFrame(HAND, columns=["id", "replies_count", "reblogs_count", "favourites_count"])
    hand.insert(1, "created_at", "2025-07-12T21:21:29.285Z")
    frames.append(hand)
    for k, frame in enumerate(frames):
        if k == 1:  # other column order, an extra column: only the five needed are read
            frame = frame[frame.columns[::-1]].assign(content="<p>made up</p>")
        frame.to_parquet(folder / f"part-{k:03d}.parquet", index=False)
    frames[0].iloc[:0].to_parquet(folder / "part-999-empty.parquet", index=False)
    return folder, pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A real ``dask scheduler`` and ``dask worker --nworkers 2 --nthreads 1``, as separate
    processes (as on a cluster); yields the scheduler's address."""
    import json
    import subprocess
    import sys
    import time
    from pathlib import Path

    pytest.importorskip("distributed")
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    bin_ = Path(sys.executable).parent
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": folder}
    procs = [subprocess.Popen([bin_ / "dask", "scheduler", "--scheduler-file", file, "--port", "0",
                               "--no-dashboard", "--host", "127.0.0.1"], **quiet)]
    try:
        deadline = time.monotonic() + 60
        while not file.exists():
            assert time.monotonic() < deadline and procs[0].poll() is None, "no scheduler"
            time.sleep(0.1)
        procs.append(subprocess.Popen(
            [bin_ / "dask", "worker", "--scheduler-file", file, "--nworkers", "2", "--nthreads",
             "1", "--no-dashboard", "--host", "127.0.0.1", "--local-directory", folder], **quiet))
        address = json.loads(file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):  # only the processes this fixture started
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  **QUIET_CLUSTER) as c:
        yield c


def test_pandas_engine_matches_the_library_loader(parts):
    folder, _ = parts
    files = sorted(str(p) for p in folder.glob("part-00*.parquet"))
    posts = add_ratios(load_posts(files, content=False))
    got = flag(folder, "pandas", "either")
    want = posts.loc[posts["ratioed_either"], "id"]
    assert sorted(got.frame["id"]) == sorted(want)
    assert got.totals == {d: int(posts[f"ratioed_{d}"].sum()) for d in RULES}
    assert got.posts == len(posts) == 9006 and got.parts == 5


def test_hand_made_rows_follow_the_zero_and_tie_rules(parts):
    folder, _ = parts
    frame = flag(folder, "pandas", "either").frame.set_index("id")
    assert "1148423562386310610" in frame.index  # 19 digits, intact
    row = frame.loc["1148423562386310610"]
    assert np.isnan(row["reply_like_ratio"]) and row["reply_retruth_ratio"] == 2.5
    assert {"114842356238631062", "114842356238631063", "114842356238631065"} <= set(frame.index)
    assert "114842356238631064" not in frame.index and "999999999999999999" not in frame.index
    both = set(flag(folder, "pandas", "both").frame["id"])
    assert "114842356238631065" in both
    assert not both & {"114842356238631062", "114842356238631063", "1148423562386310610"}


@pytest.mark.parametrize("definition", ["both", "either"])
def test_every_engine_gives_the_same_rows_order_and_totals(parts, cluster, definition):
    folder, _ = parts
    results = {e: flag(folder, e, definition, scheduler=cluster.scheduler_address)
               for e in ENGINES}
    ref = results["pandas"]
    assert len(ref.frame) > 100 and list(ref.frame.columns) == OUTPUT_COLUMNS
    for engine, res in results.items():
        pd.testing.assert_frame_equal(res.frame, ref.frame, check_exact=True, obj=engine)
        assert (res.totals, res.posts, res.parts) == (ref.totals, ref.posts, ref.parts), engine
    # one order for all: newest first, then the larger id
    key = list(zip(ref.frame["created_at"], ref.frame["id"].str.len(), ref.frame["id"],
                   strict=True))
    assert key == sorted(key, reverse=True)
    assert ref.frame["created_at"].duplicated().any()  # ties in time did occur


def test_dask_reports_partitions_and_workers(parts, cluster, capsys):
    folder, _ = parts
    res = flag(str(folder / "*.parquet"), "dask", scheduler=cluster.scheduler_address,
               log=__import__("sys").stderr)
    assert "dask: 5 partitions on 2 workers" in capsys.readouterr().err
    assert res.notes == ["dask: 5 partitions on 2 workers"]


def test_cli_dask_on_a_running_cluster_prints_what_pandas_prints(parts, cluster, capsys):
    folder, _ = parts
    assert main(["flag", str(folder), "--definition", "either"]) == 0
    pandas_out = capsys.readouterr()
    assert main(["flag", str(folder), "--definition", "either", "--engine", "dask",
                 "--scheduler", cluster.scheduler_address]) == 0
    dask_out = capsys.readouterr()
    assert dask_out.out == pandas_out.out
    assert dask_out.out.splitlines()[0] == ",".join(OUTPUT_COLUMNS)
    assert "1148423562386310610,2025-07-12T21:21:29.285000Z,5,2,0,,2.5" in dask_out.out
    assert dask_out.err.count("dask: 5 partitions on 2 workers") == 1
    totals = [line for line in dask_out.err.splitlines() if "ratioed:" in line]
    assert totals == [line.replace("pandas:", "dask:") for line in pandas_out.err.splitlines()
                      if "ratioed:" in line]


def test_cli_dask_starts_and_closes_its_own_local_cluster(parts, capsys):
    folder, _ = parts
    assert main(["flag", str(folder / "part-003.parquet"), "--engine", "dask"]) == 0
    out = capsys.readouterr()
    assert "dask: 1 partitions on" in out.err
    assert out.out.splitlines()[1:] == ["114842356238631065,2025-07-12T21:21:29.285000Z,10,3,4,"
                                        "2.5,3.3333333333333335"]


def test_remote_filesystem_through_fsspec(parts):
    """fsspec's in-memory filesystem stands in for object storage (s3://, gs://)."""
    fsspec = pytest.importorskip("fsspec")
    folder, _ = parts
    fs = fsspec.filesystem("memory")
    for p in folder.glob("*.parquet"):
        fs.pipe(f"memory://ratioed-test/posts/{p.name}", p.read_bytes())
    try:
        ref = flag(folder, "pandas")
        for engine in ("pandas", "duckdb"):
            got = flag("memory://ratioed-test/posts/", engine)
            pd.testing.assert_frame_equal(got.frame, ref.frame)
            assert got.totals == ref.totals and got.parts == 5
        assert len(find_parts("memory://ratioed-test/posts/part-00[12].parquet")[1]) == 2
    finally:
        fs.rm("memory://ratioed-test", recursive=True)


# --------------------------------------------------------------------------- bad input


def _error_line(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ratioed: error: "), err
    return err[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_path_matching_nothing(tmp_path, capsys, engine):
    (tmp_path / "empty").mkdir()
    for path in (tmp_path / "nope", tmp_path / "empty", tmp_path / "*.parquet"):
        line = _error_line(["flag", str(path), "--engine", engine], capsys)
        assert str(path) in line and ("no such" in line or "matches no Parquet" in line)


@pytest.mark.parametrize("engine", ENGINES)
def test_part_missing_a_column_names_file_and_field(parts, tmp_path, capsys, engine):
    folder, frame = parts
    frame.iloc[:10].to_parquet(tmp_path / "a.parquet")
    frame.iloc[10:20].drop(columns="favourites_count").to_parquet(tmp_path / "b.parquet")
    line = _error_line(["flag", str(tmp_path), "--engine", engine], capsys)
    assert str(tmp_path / "b.parquet") in line and "field 'favourites_count'" in line


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_value_names_file_row_and_field(parts, tmp_path, cluster, engine):
    _, frame = parts
    frame.iloc[:10].to_parquet(tmp_path / "a.parquet")
    bad = frame.iloc[10:20].copy()
    bad.iloc[6, bad.columns.get_loc("reblogs_count")] = -3
    bad.to_parquet(tmp_path / "b.parquet")
    with pytest.raises(InputError) as err:  # raised in a Dask worker, re-raised here
        flag(tmp_path, engine, scheduler=cluster.scheduler_address)
    msg = str(err.value)
    assert msg.startswith(str(tmp_path / "b.parquet") + ", row 7, field 'reblogs_count': ")
    assert "-3" in msg


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_id_stored_as_float_is_refused(parts, tmp_path, engine):
    _, frame = parts
    frame.iloc[:5].assign(id=frame["id"].iloc[:5].astype(float)).to_parquet(tmp_path / "f.parquet")
    with pytest.raises(InputError, match="field 'id'"):
        flag(tmp_path, engine)


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_overlapping_parts_are_refused_not_counted_twice(parts, tmp_path, engine):
    _, frame = parts
    frame.to_parquet(tmp_path / "capture-1.parquet")
    frame.to_parquet(tmp_path / "capture-2.parquet")
    with pytest.raises(InputError, match="appears 2 times in the parts.*ratioed load"):
        flag(tmp_path, engine, "either")


def test_json_capture_points_to_ratioed_load(tmp_path, capsys):
    (tmp_path / "capture.parquet").write_text('[{"id": "1"}]')
    line = _error_line(["flag", str(tmp_path / "capture.parquet")], capsys)
    assert "not a readable Parquet file" in line and "ratioed load" in line


def test_object_storage_without_its_filesystem_is_a_clear_error(capsys):
    try:
        import s3fs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("s3fs is installed")
    line = _error_line(["flag", "s3://bucket/posts/", "--engine", "dask"], capsys)
    assert "s3://bucket/posts/" in line and "s3fs" in line


def test_canonical_column_names_from_ratioed_load_are_accepted(parts, tmp_path):
    folder, frame = parts
    frame.rename(columns={"replies_count": "replies", "reblogs_count": "retruths",
                          "favourites_count": "likes"}).to_parquet(tmp_path / "posts.parquet")
    for engine in ("pandas", "duckdb"):
        assert flag(tmp_path, engine).totals == flag(folder, "pandas").totals


def test_real_week_through_ratioed_load_out_then_every_engine(week, tmp_path, cluster, capsys):
    """Real sample: `ratioed load --out` writes Parquet that `flag` reads with every engine;
    the story's post is the one post ratioed under `both`, as the library's own path says."""
    out = tmp_path / "week.parquet"
    assert main(["load", str(week), "--out", str(out)]) == 0
    capsys.readouterr()
    posts = add_ratios(load_posts(week, content=False))
    for engine in ENGINES:
        res = flag(out, engine, "both", scheduler=cluster.scheduler_address)
        assert res.frame["id"].tolist() == ["114842356238631061"], engine
        assert res.totals == {d: int(posts[f"ratioed_{d}"].sum()) for d in RULES}, engine
        assert res.frame["reply_like_ratio"].iloc[0] == 19_954 / 18_687


def test_cli_bad_part_on_dask_is_one_error_line_without_traceback(parts, tmp_path, cluster,
                                                                   capsys):
    _, frame = parts
    frame.iloc[:10].assign(id=["x1", *frame["id"].iloc[1:10]]).to_parquet(tmp_path / "a.parquet")
    assert main(["flag", str(tmp_path), "--engine", "dask",
                 "--scheduler", cluster.scheduler_address]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["dask: 1 partitions on 2 workers",
                   f"ratioed: error: {tmp_path / 'a.parquet'}, row 1, field 'id': id is not a "
                   "string of digits: 'x1'"]


# --------------------------------------------------------------------------- where the work runs


def test_dask_on_a_real_scheduler_and_workers_prints_what_pandas_prints(parts, scheduler, capsys):
    """`dask scheduler` + `dask worker --nworkers 2 --nthreads 1`: the same bytes as pandas."""
    folder, _ = parts
    assert main(["flag", str(folder), "--definition", "either"]) == 0
    pandas_out = capsys.readouterr()
    assert main(["flag", str(folder), "--definition", "either", "--engine", "dask",
                 "--scheduler", scheduler]) == 0
    dask_out = capsys.readouterr()
    assert dask_out.out == pandas_out.out and len(dask_out.out.splitlines()) > 100
    assert "dask: 5 partitions on 2 workers" in dask_out.err


def test_the_dask_client_reads_no_part(parts, scheduler, monkeypatch):
    """Reading, validation and flags run in the workers: the client only lists the parts and
    reads their footers (column names); its readers of data are made to fail here."""
    import pyarrow.parquet as pq

    import ratioed.scale.parts as parts_module

    folder, _ = parts
    want = flag(folder, "pandas", "both")

    def refuse(*args, **kwargs):
        raise AssertionError("the client read a part")

    monkeypatch.setattr(pq, "read_table", refuse)
    monkeypatch.setattr(parts_module, "read_part", refuse)
    got = flag(folder, "dask", "both", scheduler=scheduler)
    pd.testing.assert_frame_equal(got.frame, want.frame, check_exact=True)
    assert got.totals == want.totals and got.posts == want.posts


def test_a_worker_returns_only_the_flagged_rows_and_counts(parts):
    from ratioed.scale.engines import flag_one_part
    from ratioed.scale.parts import part_columns

    folder, _ = parts
    part = str(folder / "part-000.parquet")
    rows, totals, n = flag_one_part(part, part_columns(part), definition="both")
    assert n == 3000 and list(rows.columns) == OUTPUT_COLUMNS
    assert len(rows) == totals["both"] < n


@pytest.mark.parametrize("field, value", [("id", "0114842356238631064"), ("id", "12 34"),
                                          ("created_at", "2025-07-12"),
                                          ("created_at", "2021-12-31T23:59:59Z"),
                                          # DuckDB's cast reads 24:00 as the next midnight;
                                          # the loader refuses it (and the others)
                                          ("created_at", "2025-07-12T24:00:00.000Z"),
                                          ("created_at", "2025-02-30T21:21:29.285Z"),
                                          ("created_at", "2025-7-12T21:21:29.285Z"),
                                          ("id", "1e17"), ("id", "+114842356238631064"),
                                          ("replies_count", "-4"), ("reblogs_count", "2.5")])
def test_every_engine_gives_the_pandas_engines_error_word_for_word(parts, tmp_path, cluster,
                                                                   field, value):
    """A bad value in an unflagged row of the second part: DuckDB's SQL finds it, the loader's
    code words it; Dask's workers raise it. One message for all three."""
    _, frame = parts
    frame.iloc[:10].to_parquet(tmp_path / "a.parquet")
    bad = frame.iloc[10:20].copy()
    bad[field] = bad[field].astype(str)
    bad.iloc[4, bad.columns.get_loc(field)] = value
    bad.to_parquet(tmp_path / "b.parquet")
    frame.iloc[20:30].assign(id="x").to_parquet(tmp_path / "c.parquet")  # later: not reported
    messages = set()
    for engine in ENGINES:
        with pytest.raises(InputError) as err:
            flag(tmp_path, engine, scheduler=cluster.scheduler_address)
        messages.add(str(err.value))
    assert len(messages) == 1, messages
    assert messages.pop().startswith(f"{tmp_path / 'b.parquet'}, row 5, field '{field}': ")


def test_duckdb_accepts_what_the_loader_accepts(parts, tmp_path):
    """Forms outside the SQL fast path (padded ids, offsets, counts as text) are read by the
    loader's code: DuckDB prints what pandas prints."""
    _, frame = parts
    frame.iloc[:3000].to_parquet(tmp_path / "a.parquet")
    odd = frame.iloc[3000:6000].copy()
    odd["id"] = " " + odd["id"]
    odd["created_at"] = odd["created_at"].str.replace("Z", "+00:00")
    odd["likes_text"] = 0
    odd = odd.drop(columns="likes_text").astype({"replies_count": str})
    odd.to_parquet(tmp_path / "b.parquet")
    want = flag(tmp_path, "pandas", "either")
    got = flag(tmp_path, "duckdb", "either")
    pd.testing.assert_frame_equal(got.frame, want.frame, check_exact=True)
    assert got.totals == want.totals and got.posts == want.posts == 6000


def test_relative_parts_on_workers_with_another_working_folder(parts, tmp_path, scheduler,
                                                               monkeypatch):
    """The workers of `dask worker` run in their own folder: a relative path still reads (by
    its absolute path) and an error still names the part as it was given."""
    folder, frame = parts
    monkeypatch.chdir(folder.parent)
    got = flag(folder.name, "dask", "either", scheduler=scheduler)
    pd.testing.assert_frame_equal(got.frame, flag(folder, "pandas", "either").frame)
    (tmp_path / "rel").mkdir()
    frame.iloc[:10].assign(id=["x1", *frame["id"].iloc[1:10]]).to_parquet(
        tmp_path / "rel" / "a.parquet")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as err:
        flag("rel", "dask", scheduler=scheduler)
    assert str(err.value).startswith("rel/a.parquet, row 1, field 'id': ")
