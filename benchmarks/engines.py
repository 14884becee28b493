"""Engines benchmark: `ratioed flag` on 10M made-up posts in Parquet parts, per engine.

    python benchmarks/engines.py            # about 2-4 minutes on 2 cores; part of `make bench`
    python benchmarks/engines.py --posts 2000000 --parts 4    # smaller, for a quick look

Writes benchmarks/ENGINES.md and benchmarks/engines.json. The parts (seeded, made up by
benchmarks/synth.py with every archive column, text included, so that reading only the five
columns the rules need is part of what is measured) are cached under benchmarks/data/.

Each engine runs in a fresh process. Wall time is the `ratioed.scale.engines.flag` call; peak memory
is the high-water resident set (VmHWM from /proc/<pid>/status) of the process running the
engine and, for Dask, of every worker process (read by ``client.run`` before the cluster
closes). The Dask runs use a LocalCluster of 1 and of 2 single-threaded worker processes; a
first call on one part warms the workers (imports), then the call on all parts is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))

from run import child, machine  # noqa: E402  (benchmarks/run.py: fresh-process measurement)

BILLION = 1_000_000_000

RESULT = """
import hashlib
from ratioed.inputs.files import csv_text
def digest(res):
    return {'seconds': None, 'posts': res.posts, 'parts': res.parts, 'totals': res.totals,
            'rows': len(res.frame),
            'csv_sha256': hashlib.sha256(csv_text(res.frame).encode()).hexdigest()}
"""

SINGLE = RESULT + """
from ratioed.scale.engines import flag
t = time.perf_counter()
res = flag(@PATH@, @ENGINE@, 'either')
seconds = time.perf_counter() - t
out = digest(res); out['seconds'] = seconds
"""

DASK = RESULT + """
import dask
from distributed import Client, LocalCluster
from ratioed.scale.engines import QUIET_CLUSTER, flag

def vmhwm_mb():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM'):
            return int(line.split()[1]) / 1024

if __name__ == '__main__':
    t = time.perf_counter()
    cluster = LocalCluster(n_workers=@WORKERS@, threads_per_worker=1, processes=True,
                           **QUIET_CLUSTER)
    start = time.perf_counter() - t
    times = []
    # first call on one part: the workers import pandas, pyarrow, dask.dataframe; then all parts
    for path in (@FIRST@, @PATH@):
        t = time.perf_counter()
        res = flag(path, 'dask', 'either', scheduler=cluster.scheduler_address)
        times.append(time.perf_counter() - t)
    with Client(cluster) as client:
        workers_mb = sorted(client.run(vmhwm_mb).values())
    cluster.close()
    out = digest(res)
    out.update(seconds=times[1], cold_seconds=times[0], cluster_start_seconds=start,
               workers=@WORKERS@, workers_peak_mb=workers_mb, notes=res.notes)
"""


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
    parser.add_argument("--posts", type=int, default=10_000_000)
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite ENGINES.md from engines.json, measuring nothing")
    args = parser.parse_args()
    if args.report_only:
        (HERE / "ENGINES.md").write_text(report(json.loads((HERE / "engines.json").read_text())))
        return
    t0 = time.perf_counter()
    load_before = os.getloadavg()
    folder = make_parts(args.posts, args.parts)
    size_mb = sum(f.stat().st_size for f in folder.glob("*.parquet")) / 2**20
    needed_mb = needed_columns_mb(folder)
    first = str(sorted(folder.glob("*.parquet"))[0])
    runs = {}
    for engine in ("pandas", "duckdb"):
        runs[engine] = child(fill(SINGLE, PATH=str(folder), ENGINE=engine))
        print(f"{engine}: {runs[engine]['seconds']:.2f} s, {runs[engine]['peak_mb']:,.0f} MB",
              flush=True)
    for workers in (1, 2):
        r = child(fill(DASK, PATH=str(folder), FIRST=first, WORKERS=workers))
        r["client_peak_mb"] = r.pop("peak_mb")
        r["peak_mb"] = max([r["client_peak_mb"], *r["workers_peak_mb"]])
        runs[f"dask-{workers}"] = r
        print(f"dask, {workers} worker(s): {r['seconds']:.2f} s (warm workers; {r['cold_seconds']:.2f} s "
              f"for one part on cold ones); largest process {r['peak_mb']:,.0f} MB", flush=True)
    ref = runs["pandas"]
    identical = all((r["totals"], r["csv_sha256"], r["posts"]) ==
                    (ref["totals"], ref["csv_sha256"], ref["posts"]) for r in runs.values())
    results = {"written": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": machine(), "posts": args.posts, "parts": args.parts,
               "parquet_mb": size_mb, "needed_mb": needed_mb, "load_before": load_before, "load_after": os.getloadavg(),
               "runs": runs, "identical": identical,
               "benchmark_seconds": time.perf_counter() - t0}
    (HERE / "engines.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "ENGINES.md").write_text(report(results))
    print(f"identical output: {identical}; wrote {HERE / 'ENGINES.md'} "
          f"({results['benchmark_seconds']:.0f} s)")


def report(r: dict) -> str:
    runs, n = r["runs"], r["posts"]
    d1, d2 = runs["dask-1"], runs["dask-2"]
    rate1 = n / d1["seconds"]  # posts per worker-second, 1 worker
    rate2 = n / (d2["seconds"] * 2)
    lines = [
        "# Engines: `ratioed flag` on pandas, DuckDB and Dask",
        "",
        f"Written by `python benchmarks/engines.py` on {r['written']}. Machine: {r['machine']}.",
        f"Load average {r['load_before'][0]:.1f} before and {r['load_after'][0]:.1f} after (the "
        "machine is shared: times are indicative).",
        "",
        f"Data: {n:,} made-up posts (`benchmarks/synth.py`, seeded; each part a shuffled copy of one "
        f"generated table with its own ids) in {r['parts']} Parquet parts "
        f"({r['parquet_mb']:,.0f} MB with text; the engines read 5 of the 8 columns). "
        "Definition `either` (the one that flags most posts). Each engine in a fresh process.",
        "",
        "| engine | workers | seconds | posts/s | largest process, MB | flagged (both / either / likes / retruths) |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, x in runs.items():
        t = x["totals"]
        workers = x.get("workers", "(in process)")
        lines.append(f"| {name} | {workers} | {x['seconds']:.2f} | {n / x['seconds']:,.0f} | "
                     f"{x['peak_mb']:,.0f} | {t['both']:,} / {t['either']:,} / {t['likes']:,} / "
                     f"{t['retruths']:,} |")
    lines += [
        "",
        f"Same output from every engine (totals, rows read and the sha256 of the printed CSV): "
        f"**{r['identical']}**.",
        "",
        "Dask details (the timed call runs on a cluster whose workers have already run one call, "
        "on one part: that first call pays for the workers' imports):",
        "",
        "| workers | cluster start s | first call (1 part) s | timed call (all parts) s | client MB | each worker MB |",
        "| ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for x in (d1, d2):
        lines.append(f"| {x['workers']} | {x['cluster_start_seconds']:.1f} | "
                     f"{x['cold_seconds']:.2f} | {x['seconds']:.2f} | {x['client_peak_mb']:,.0f} | "
                     f"{', '.join(f'{m:,.0f}' for m in x['workers_peak_mb'])} |")
    speedup = d1["seconds"] / d2["seconds"]
    fastest = min(runs, key=lambda k: runs[k]["seconds"])
    smallest = min(runs, key=lambda k: runs[k]["peak_mb"])
    lines += [
        "",
        "## Scaling and sizing a cluster",
        "",
        f"- 1 → 2 workers: {d1['seconds']:.2f} s → {d2['seconds']:.2f} s, a speed-up of "
        f"**{speedup:.2f}×** (2× would be perfect; this machine has exactly 2 cores, shared "
        "with other jobs, and the client and scheduler share them with the workers).",
        f"- Throughput: **{rate1:,.0f} posts per worker-second** with 1 worker, "
        f"**{rate2:,.0f}** per worker-second with 2.",
        f"- A billion posts: {BILLION / rate1 / 3600:,.2f} worker-hours at the 1-worker rate, "
        f"{BILLION / rate2 / 3600:,.2f} at the (contended) 2-worker rate; so about "
        f"{BILLION / rate1 / 16 / 60:,.0f}–{BILLION / rate2 / 16 / 60:,.0f} minutes on 16 "
        f"workers or {BILLION / rate1 / 64 / 60:,.0f}–{BILLION / rate2 / 64 / 60:,.0f} on 64, "
        "if reading keeps up, plus a minute for starting the cluster.",
        f"- Memory per worker: about {max(d2['workers_peak_mb']):,.0f} MB here for parts of "
        f"{n // r['parts']:,} posts; it grows with the part size (one part is one partition), "
        "not with the number of posts, so a billion posts in parts of this size need no more "
        "per worker. Only the flagged rows come back to the client.",
        "- On a real cluster reading object storage, network throughput usually sets the pace: "
        f"the five columns read are {r['needed_mb']:,.0f} MB compressed here "
        f"({r['needed_mb'] * 2**20 / n:,.1f} bytes per post), so about "
        f"{r['needed_mb'] * 2**20 / n * BILLION / 2**30:,.0f} GiB per billion posts (the text, "
        "most of each file, is not read). Measure one part's read time from the bucket before "
        "trusting the figures above.",
        "",
        "## Reading the numbers",
        "",
        f"- Fastest here: **{fastest}**; smallest largest-process: **{smallest}**. The load "
        "average above says how much the other users of this machine took: with 2 cores shared "
        "by several jobs, 2 Dask workers cannot get 2 cores, and the scaling row understates "
        "what a cluster with a core per worker gives. Each worker runs exactly the pandas "
        "engine's code on its parts, so on dedicated cores a worker should process about as "
        f"many posts per second as the pandas engine does here ({n / runs['pandas']['seconds']:,.0f}"
        "), less the cost of shipping tasks and the flagged rows.",
        "- DuckDB checks every row in SQL as the loader does (ids all digits by regular "
        "expression, times parsed, counts non-negative integers) before flagging; on one part "
        "the id and time checks alone took about half its time. `benchmarks/RESULTS.md`'s "
        "out-of-core row "
        "(`flag_parquet`, no checks, one file) is the unchecked speed.",
        "- The pandas engine reads part after part in this process: its memory is one part plus "
        "the flagged rows, not the whole table. Dask adds worker start-up (seconds) and a "
        "scheduler; it pays off when the parts no longer fit one machine's cores, disk or "
        "network, not before.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
