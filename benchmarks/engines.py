"""Engines benchmark: `ratioed flag` on made-up posts in Parquet parts, engine against engine.

    python benchmarks/engines.py            # 4M posts in 8 parts and 10M in 20, 3 rounds (~10 min)
    python benchmarks/engines.py --sizes 2000000x4 --rounds 1      # a quick look
    python benchmarks/engines.py --baseline 18d84a0   # also the code of that commit, same rounds

Writes benchmarks/ENGINES.md and benchmarks/engines.json. The parts (seeded, made up by
benchmarks/synth.py with every archive column, text included, so that reading only the five
columns the rules need is part of what is measured) are cached under benchmarks/data/.

The machine is shared, so the engines are measured against each other in the same run:
interleaved (every round runs every engine once, the order rotating from round to round) and
repeated; the tables give medians, with each run's seconds and the load average beside them.

* pandas, duckdb: a fresh process each; wall time of the ``flag`` call (its lazy imports
  included); peak memory is that process' high-water resident set (VmHWM, /proc).
* dask-N: a real cluster started for the measurement: ``dask scheduler`` and ``dask worker
  --nworkers N --nthreads 1`` (OMP/MKL/OpenBLAS threads 1), as on a cluster; a fresh client
  process imports the library in every worker (``client.run``: workers of a cluster are
  long-lived), has every worker flag the first part once (``client.run(flag_one_part, ...)``:
  a worker's first part pays one-time costs, ~0.35 s here, and a task sent through the scheduler
  warms only the worker it lands on), calls ``flag(..., scheduler=ADDRESS)`` once on one part
  (the client's own first call), then the timed call on all parts. Peak memory: VmHWM of the client, the scheduler and every
  worker (``client.run``); the largest of them is reported.
* ``--baseline REV``: the same engines from ``git archive REV src`` (PYTHONPATH, workers
  included), in the same rounds: the before/after table of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))

from run import PY, machine  # noqa: E402  (benchmarks/run.py: the interpreter, the machine)

BILLION = 1_000_000_000
ENGINES = ("pandas", "duckdb", "dask-1", "dask-2")
DEFAULT_SIZES = ("4000000x8", "10000000x20")

CLIENT = """
import hashlib, json, sys, time
from ratioed.inputs.files import csv_text
from ratioed.scale.engines import flag

def vmhwm_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM'):
            return int(line.split()[1]) / 1024

engine, path, first, scheduler = sys.argv[1:5]
WARM = ["pyarrow.parquet", "pyarrow.compute", "ratioed.scale.engines", "ratioed.scale.parts",
        "ratioed.inputs.validate", "ratioed.inputs.layouts"]
out = {}
def warm():
    import importlib
    for name in WARM:
        importlib.import_module(name)

if scheduler:  # warm every worker (imports, then one part flagged by each), then time
    import os
    from distributed import Client
    from ratioed.scale.engines import flag_one_part
    from ratioed.scale.parts import part_columns
    with Client(scheduler) as client:
        client.run(warm)
        # on every worker, not on the one the scheduler picks: a worker's first part pays
        # one-time costs (Arrow's pools, first kernel calls: ~0.35 s here) that a long-lived
        # worker of a cluster has paid before; with one warm worker of two, the other paid
        # them inside the timed call
        client.run(flag_one_part, os.path.abspath(first), part_columns(first))
    t = time.perf_counter()
    flag(first, 'dask', 'either', scheduler=scheduler)
    out['cold_seconds'] = time.perf_counter() - t
t = time.perf_counter()
res = flag(path, 'dask' if scheduler else engine, 'either', scheduler=scheduler or None)
out['seconds'] = time.perf_counter() - t
out.update(posts=res.posts, parts=res.parts, totals=res.totals, rows=len(res.frame),
           csv_sha256=hashlib.sha256(csv_text(res.frame).encode()).hexdigest(), notes=res.notes)
out['client_peak_mb'] = vmhwm_mb()
if scheduler:
    from distributed import Client
    with Client(scheduler) as client:
        out['workers_peak_mb'] = sorted(client.run(vmhwm_mb).values())
        out['scheduler_peak_mb'] = client.run_on_scheduler(vmhwm_mb)
print(json.dumps(out))
"""


def _env(src: Path | None) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if src is not None:  # an older tree of the library, ahead of the installed one
        env["PYTHONPATH"] = str(src)
    return env


def _python(code: str, args: list[str], env: dict) -> dict:
    res = subprocess.run([PY, "-c", code, *args], capture_output=True, text=True, env=env,
                         cwd=ROOT)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


class Cluster:
    """``dask scheduler`` plus ``dask worker --nworkers N --nthreads 1``, as separate processes."""

    def __init__(self, workers: int, env: dict):
        self.dir = Path(tempfile.mkdtemp(prefix="ratioed-dask-"))
        self.file = self.dir / "scheduler.json"
        bin_ = Path(PY).parent
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env,
                 "cwd": self.dir}
        t = time.perf_counter()
        self.scheduler = subprocess.Popen(
            [bin_ / "dask", "scheduler", "--scheduler-file", self.file, "--port", "0",
             "--no-dashboard", "--host", "127.0.0.1"], **quiet)
        while not self.file.exists():
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        self.workers = subprocess.Popen(
            [bin_ / "dask", "worker", "--scheduler-file", self.file, "--nworkers", str(workers),
             "--nthreads", "1", "--no-dashboard", "--memory-limit", "0", "--host", "127.0.0.1",
             "--local-directory", self.dir], **quiet)
        _python(f"from distributed import Client\nimport json\nwith Client({self.address!r}) as c:"
                f"\n    c.wait_for_workers({workers}, timeout=60)\nprint('{{}}')", [], env)
        self.start_seconds = time.perf_counter() - t

    def close(self) -> None:
        for proc in (self.workers, self.scheduler):  # only the processes started here
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def measure(engine: str, folder: Path, src: Path | None) -> dict:
    """One measurement of ``engine`` (``pandas``, ``duckdb``, ``dask-N``) on ``folder``."""
    env = _env(src)
    first = str(sorted(folder.glob("*.parquet"))[0])
    load = os.getloadavg()[0]
    if not engine.startswith("dask"):
        out = _python(CLIENT, [engine, str(folder), first, ""], env)
        out["peak_mb"] = out["client_peak_mb"]
    else:
        cluster = Cluster(int(engine.split("-")[1]), env)
        try:
            out = _python(CLIENT, [engine, str(folder), first, cluster.address], env)
        finally:
            cluster.close()
        out["workers"] = int(engine.split("-")[1])
        out["cluster_start_seconds"] = cluster.start_seconds
        out["peak_mb"] = max(out["client_peak_mb"], out["scheduler_peak_mb"],
                             *out["workers_peak_mb"])
    out["load"] = load
    return out


def baseline_tree(rev: str) -> Path:
    """``git archive REV src`` under benchmarks/data/ (its ``src`` goes on PYTHONPATH)."""
    dest = DATA / f"baseline-{rev}"
    if not (dest / "ratioed").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest), "--strip-components=1"], input=archive,
                       check=True)
    return dest


def fill(code: str, **values) -> str:
    """Put ``repr(value)`` in place of each ``@NAME@`` in ``code``."""
    for name, value in values.items():
        code = code.replace(f"@{name}@", repr(value))
    return code


def make_parts(posts: int, parts: int) -> Path:
    """``parts`` Parquet files of ``posts // parts`` made-up posts each (cached).

    One table of ``posts // parts`` posts is generated (synth.generate, with text); each part is
    a row-shuffled copy of it with its own ids (offset by k * 10**16: synth's ids span less than
    that, so ids stay 18 digits and the parts share none; they are one table: every post once).
    Generating every part separately took 3.5 minutes here; copies take seconds.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    import synth

    folder = DATA / f"engine_parts_{posts}_{parts}"
    files = [folder / f"part-{k:04d}.parquet" for k in range(parts)]
    if all(f.exists() for f in files):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    print(f"generating {posts:,} made-up posts in {parts} parts", flush=True)
    base = synth.generate(posts // parts, seed=2025)
    rng = np.random.default_rng(2025)
    ids = pc.cast(base.column("id"), pa.int64())
    for k, f in enumerate(files):
        table = base.set_column(0, "id", pc.cast(pc.add(ids, k * 10**16), pa.string()))
        table = table.take(pa.array(rng.permutation(table.num_rows)))
        pq.write_table(table, f.with_suffix(".tmp"), compression="snappy")
        f.with_suffix(".tmp").rename(f)
    return folder


def needed_columns_mb(folder: Path) -> float:
    """Compressed size (MB) of the five columns the engines read, from the Parquet footers."""
    import pyarrow.parquet as pq

    wanted = {"id", "created_at", "replies_count", "reblogs_count", "favourites_count"}
    total = 0
    for f in folder.glob("*.parquet"):
        meta = pq.ParquetFile(f).metadata
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            total += sum(group.column(c).total_compressed_size for c in range(group.num_columns)
                         if group.column(c).path_in_schema in wanted)
    return total / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=list(DEFAULT_SIZES),
                        help="POSTSxPARTS, e.g. 4000000x8")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", nargs="*", default=list(ENGINES))
    parser.add_argument("--baseline", help="a git revision: its engines too, in the same rounds")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite ENGINES.md from engines.json, measuring nothing")
    args = parser.parse_args()
    if args.report_only:
        (HERE / "ENGINES.md").write_text(report(json.loads((HERE / "engines.json").read_text())))
        return
    t0 = time.perf_counter()
    old = baseline_tree(args.baseline) if args.baseline else None
    variants = [(e, None) for e in args.engines]
    if old is not None:
        variants += [(f"{e} @{args.baseline}", old) for e in args.engines]
    sizes = {}
    for size in args.sizes:
        posts, parts = map(int, size.split("x"))
        folder = make_parts(posts, parts)
        runs = {name: [] for name, _ in variants}
        for k in range(args.rounds):
            turn = variants[k % len(variants):] + variants[:k % len(variants)]  # rotate
            for name, src in turn:
                r = measure(name.split(" @")[0], folder, src)
                runs[name].append(r)
                print(f"{posts:,}/{parts} round {k + 1}: {name}: {r['seconds']:.2f} s, "
                      f"largest process {r['peak_mb']:,.0f} MB (load {r['load']:.1f})", flush=True)
        summary = {name: summarise(rs) for name, rs in runs.items()}
        ref = summary[variants[0][0]]
        identical = all((r["totals"], r["csv_sha256"], r["posts"]) ==
                        (ref["totals"], ref["csv_sha256"], ref["posts"])
                        for rs in runs.values() for r in rs)
        sizes[size] = {"posts": posts, "parts": parts, "rounds": args.rounds,
                       "parquet_mb": sum(f.stat().st_size for f in folder.glob("*.parquet")) / 2**20,
                       "needed_mb": needed_columns_mb(folder), "runs": summary,
                       "identical": identical, "baseline": args.baseline}
    main_size = sizes[args.sizes[0]]
    results = {"written": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": machine(), "uptime": subprocess.run(["uptime"], capture_output=True,
                                                              text=True).stdout.strip(),
               # benchmarks/run.py puts these in RESULTS.md: the first size, this code's engines
               "posts": main_size["posts"], "parts": main_size["parts"],
               "runs": {e: main_size["runs"][e] for e in args.engines},
               "identical": main_size["identical"], "sizes": sizes,
               "benchmark_seconds": time.perf_counter() - t0}
    (HERE / "engines.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "ENGINES.md").write_text(report(results))
    print(f"identical output: {[s['identical'] for s in sizes.values()]}; wrote "
          f"{HERE / 'ENGINES.md'} ({results['benchmark_seconds']:.0f} s)")


def summarise(rs: list[dict]) -> dict:
    """Medians over the rounds (seconds), the largest peak, every run's seconds and load."""
    out = dict(rs[0])
    out["seconds"] = statistics.median(r["seconds"] for r in rs)
    out["seconds_runs"] = [round(r["seconds"], 3) for r in rs]
    out["loads"] = [round(r["load"], 2) for r in rs]
    for key in ("peak_mb", "client_peak_mb", "scheduler_peak_mb"):
        if key in out:
            out[key] = max(r[key] for r in rs)
    if "workers_peak_mb" in out:
        out["workers_peak_mb"] = [max(m) for m in zip(*(r["workers_peak_mb"] for r in rs),
                                                       strict=True)]
        out["cold_seconds"] = statistics.median(r["cold_seconds"] for r in rs)
        out["cluster_start_seconds"] = statistics.median(r["cluster_start_seconds"] for r in rs)
    out.pop("load", None)
    return out


def report(r: dict) -> str:
    lines = [
        "# Engines: `ratioed flag` on pandas, DuckDB and Dask",
        "",
        f"Written by `python benchmarks/engines.py` on {r['written']}. Machine: {r['machine']}.",
        f"`uptime` at the end: `{r['uptime']}` (the machine is shared with other jobs: the "
        "engines are measured in the same run, interleaved, and each cell is the median of the "
        "rounds; every run's seconds and the 1-minute load average when it started are in "
        "`engines.json`).",
        "",
        "Data: made-up posts (`benchmarks/synth.py`, seeded; each part a shuffled copy of one "
        "generated table with its own ids; ids and times stored as text, as the archive stores "
        "them), all archive columns; the engines read 5 of the 8. Definition `either` (the one "
        "that flags most posts). pandas and DuckDB: a fresh process each, the `flag` call timed. "
        "Dask: a real `dask scheduler` and `dask worker --nworkers N --nthreads 1` started for "
        "each measurement, a fresh client; the timed call runs on workers that have each already "
        "flagged one part (their imports and first-part costs paid, as on a long-lived "
        "cluster).",
    ]
    for size in r["sizes"].values():
        runs, n = size["runs"], size["posts"]
        base = size.get("baseline")
        lines += [
            "",
            f"## {n:,} posts in {size['parts']} parts ({size['parquet_mb']:,.0f} MB; "
            f"{size['rounds']} rounds)",
            "",
            "| engine | seconds (median) | each round | posts/s | largest process, MB | "
            "load avg | flagged (both / either / likes / retruths) |",
            "| --- | ---: | --- | ---: | ---: | --- | --- |",
        ]
        for name, x in runs.items():
            t = x["totals"]
            lines.append(
                f"| {name} | {x['seconds']:.2f} | {', '.join(f'{v:.2f}' for v in x['seconds_runs'])}"
                f" | {n / x['seconds']:,.0f} | {x['peak_mb']:,.0f} | "
                f"{', '.join(f'{v:.1f}' for v in x['loads'])} | {t['both']:,} / {t['either']:,} / "
                f"{t['likes']:,} / {t['retruths']:,} |")
        lines += ["", f"Same output from every engine and run (totals, rows read and the sha256 "
                      f"of the printed CSV): **{size['identical']}**.", ""]
        p, d = runs["pandas"]["seconds"], runs["duckdb"]["seconds"]
        d1, d2 = runs["dask-1"], runs["dask-2"]
        lines += [f"- DuckDB / pandas: **{d / p:.2f}×** (target ≤ 0.5×).",
                  f"- Dask, 2 workers / 1 worker: **{d2['seconds'] / d1['seconds']:.2f}×** "
                  "(target ≤ 0.7×).",
                  f"- Dask memory: client {d2['client_peak_mb']:,.0f} MB, scheduler "
                  f"{d2['scheduler_peak_mb']:,.0f} MB, workers "
                  f"{', '.join(f'{m:,.0f}' for m in d2['workers_peak_mb'])} MB (2 workers); "
                  f"cluster start {d2['cluster_start_seconds']:.1f} s, first call on one part "
                  f"{d2['cold_seconds']:.2f} s."]
        if base:
            lines += ["", f"Before and after (the engines of `{base}`, measured in the same "
                          "rounds):", "",
                      "| engine | before s | after s | after / before | before MB | after MB |",
                      "| --- | ---: | ---: | ---: | ---: | ---: |"]
            for name in ("pandas", "duckdb", "dask-1", "dask-2"):
                old, new = runs.get(f"{name} @{base}"), runs.get(name)
                if old and new:
                    lines.append(f"| {name} | {old['seconds']:.2f} | {new['seconds']:.2f} | "
                                 f"{new['seconds'] / old['seconds']:.2f} | {old['peak_mb']:,.0f} | "
                                 f"{new['peak_mb']:,.0f} |")
    big = max(r["sizes"].values(), key=lambda x: x["posts"])
    runs, n = big["runs"], big["posts"]
    d1, d2 = runs["dask-1"], runs["dask-2"]
    rate1 = n / d1["seconds"]  # posts per worker-second, 1 worker
    rate2 = n / (d2["seconds"] * 2)
    lines += [
        "",
        f"## Scaling and sizing a cluster ({n:,} posts in {big['parts']} parts)",
        "",
        f"- 1 → 2 workers: {d1['seconds']:.2f} s → {d2['seconds']:.2f} s, a speed-up of "
        f"**{d1['seconds'] / d2['seconds']:.2f}×** on this 2-core machine, which the client, "
        "the scheduler and other jobs share with the workers.",
        f"- Throughput: **{rate1:,.0f} posts per worker-second** with 1 worker, "
        f"**{rate2:,.0f}** per worker-second with 2.",
        f"- A billion posts: {BILLION / rate1 / 3600:,.2f} worker-hours at the 1-worker rate, "
        f"{BILLION / rate2 / 3600:,.2f} at the 2-worker rate, if reading keeps up.",
        f"- Memory per worker: at most {max(d2['workers_peak_mb']):,.0f} MB here for parts of "
        f"{n // big['parts']:,} posts; it follows the part size (one task per part), not the "
        "number of posts. Only the flagged rows and the counts come back to the client.",
        f"- Bytes read: the five columns are {big['needed_mb']:,.0f} MB compressed here "
        f"({big['needed_mb'] * 2**20 / n:,.1f} bytes per post), about "
        f"{big['needed_mb'] * 2**20 / n * BILLION / 2**30:,.0f} GiB per billion posts; on object "
        "storage the network usually sets the pace: measure one part's read from the bucket.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
