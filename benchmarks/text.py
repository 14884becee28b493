"""Text-cleaning benchmark: `python benchmarks/text.py` (not part of `make test` or `make bench`).

Measures, on the seeded made-up archives of benchmarks/synth.py (EVERYTHING IN THEM IS MADE UP):

1. ``load_posts`` on the 32k and 1M JSON archives (median of runs, fresh process each), the
   numbers ``make bench`` reports in RESULTS.md section 1 -- text repair must not slow them
   by more than 10%;
2. :func:`ratioed.inputs.clean.clean_content` alone on the 1M archive's ``content`` column (rows/s and
   MB/s), and on two made-up worst cases: every row markup the vectorised path cannot take
   (so every row goes through the HTML parser), and every row mojibake in a non-Latin script.

    python benchmarks/text.py               # everything (about 2 minutes on 2 cores)
    python benchmarks/text.py --only clean  # load | clean

3. ``--ab SRC [SRC ...]``: CPU seconds of ``clean_content`` on the 1M archive's ``content``
   column for several versions of the package (each SRC a ``src`` folder, e.g. one made by
   ``git archive c473855 src | tar -x -C /tmp/old``), one fresh process per run with
   ``PYTHONPATH=SRC``, the versions interleaved (A, B, A, B, ...) so that a busy shared machine
   slows them alike; medians of ``--runs`` runs, and which versions gave the same output::

    python benchmarks/text.py --ab /tmp/old/src /tmp/main/src src --runs 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import child, dataset  # noqa: E402  (the benchmarks' own helpers)


def bench_load() -> None:
    """Wall time (as RESULTS.md) and CPU time of the process (all its threads): on a shared
    machine the CPU time is the steadier of the two for before/after comparisons."""
    for n, runs in ((32_000, 7), (1_000_000, 3)):
        path = dataset(n, ("json",))["json"]
        out = child(f"""
import statistics
from ratioed import load_posts
load_posts({str(path)!r})  # warm imports
wall, cpu = [], []
for _ in range({runs}):
    t, c = time.perf_counter(), time.process_time()
    df = load_posts({str(path)!r})
    wall.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
out = {{'median_s': statistics.median(wall), 'runs': wall, 'cpu_s': statistics.median(cpu),
       'min_s': min(wall)}}
""")
        print(f"load json {n:>10,}: wall median {out['median_s']:.3f} s (min {out['min_s']:.3f}; "
              f"{n / out['median_s']:,.0f} rows/s), CPU median {out['cpu_s']:.3f} s", flush=True)


def bench_clean() -> None:
    path = dataset(1_000_000, ("json",))["json"]
    out = child(f"""
import statistics
import duckdb, pyarrow as pa, pyarrow.compute as pc
from ratioed.inputs.clean import clean_content

def t(fn, k):
    ts = []
    for _ in range(k):
        a = time.perf_counter(); fn(); ts.append(time.perf_counter() - a)
    return statistics.median(ts)

content = duckdb.sql("select content from read_json_auto({str(path)!r})").to_arrow_table()
content = pc.cast(content.column(0), pa.large_string()).combine_chunks()
# made-up worst cases, 100k rows each: markup the fast path refuses (a comment and a quoted
# '>' in an attribute), and Chinese/Russian text as UTF-8 read as Latin-1
hard = pa.array(['<p>Made-up <!-- c --> post <a title="a>b" href="x">link</a> number %d</p>' % i
                 for i in range(100_000)], pa.large_string())
moji = pa.array([('编造的帖子 %d Выдуманный текст' % i).encode().decode('latin-1')
                 for i in range(100_000)], pa.large_string())
out = {{}}
for name, arr, k in (('synth 1M content', content, 3), ('100k parser-only rows', hard, 3),
                     ('100k mojibake rows', moji, 3)):
    s = t(lambda: clean_content(arr), k)
    out[name] = {{'s': s, 'rows': len(arr), 'mb': arr.nbytes / 1e6}}
""")
    for name, r in out.items():
        if name == "peak_mb":
            continue
        print(f"clean_content {name}: {r['s']:.3f} s, {r['rows'] / r['s']:,.0f} rows/s, "
              f"{r['mb'] / r['s']:,.0f} MB/s", flush=True)


AB_RUN = """
import hashlib
import numpy as np, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
from ratioed.inputs.clean import clean_content
# as load.canonicalise hands it over: large_string, one chunk
content = pq.read_table({path!r}, columns=['content']).column(0)
content = pc.cast(content, pa.large_string()).combine_chunks()
clean_content(content.slice(0, 20_000))  # warm: imports, regex compilation
c, w = time.process_time(), time.perf_counter()
res = clean_content(content)
out = {{'cpu_s': time.process_time() - c, 'wall_s': time.perf_counter() - w}}
res = res.cast(pa.large_string())
offsets = np.frombuffer(res.buffers()[1], np.int64)[res.offset:res.offset + len(res) + 1]
h = hashlib.sha256((offsets - offsets[0]).tobytes())
h.update(np.frombuffer(res.buffers()[2], np.uint8)[offsets[0]:offsets[-1]])
h.update(pc.is_null(res).to_numpy(zero_copy_only=False).tobytes())
out['sha256'] = h.hexdigest()[:12]
"""


def bench_ab(sources: list[str], runs: int, data: str | None) -> None:
    """CPU time of clean_content, versions interleaved (one fresh process per run)."""
    path = str(Path(data).resolve()) if data else str(dataset(1_000_000, ("parquet",))["parquet"])
    cpu: dict[str, list[float]] = {s: [] for s in sources}
    digest: dict[str, str] = {}
    for r in range(runs):
        for src in sources:
            env = dict(os.environ, PYTHONPATH=str(Path(src).resolve()))
            out = child(AB_RUN.format(path=path), env=env)
            cpu[src].append(out["cpu_s"])
            digest[src] = out["sha256"]
            print(f"run {r + 1} {src}: CPU {out['cpu_s']:.3f} s (wall {out['wall_s']:.3f} s)",
                  flush=True)
    print(f"\nclean_content, {path}: CPU seconds, median of {runs} interleaved runs")
    base = statistics.median(cpu[sources[0]])
    for src in sources:
        med = statistics.median(cpu[src])
        print(f"  {src}: median {med:.3f} s ({med / base - 1:+.0%} vs first), runs "
              f"{', '.join(f'{x:.2f}' for x in cpu[src])}; output sha256 {digest[src]}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("load", "clean"))
    ap.add_argument("--ab", nargs="+", metavar="SRC",
                    help="compare clean_content of these src folders (CPU time, interleaved)")
    ap.add_argument("--runs", type=int, default=3, help="runs per version with --ab")
    ap.add_argument("--data", help="parquet file with a content column (default: the 1M "
                                   "made-up archive, generated when missing)")
    args = ap.parse_args()
    if args.ab:
        bench_ab(args.ab, args.runs, args.data)
        sys.exit()
    if args.only in (None, "load"):
        bench_load()
    if args.only in (None, "clean"):
        bench_clean()
