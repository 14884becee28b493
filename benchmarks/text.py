"""Text-cleaning benchmark: `python benchmarks/text.py` (not part of `make test` or `make bench`).

Measures, on the seeded made-up archives of benchmarks/synth.py (EVERYTHING IN THEM IS MADE UP):

1. ``load_posts`` on the 32k and 1M JSON archives (median of runs, fresh process each), the
   numbers ``make bench`` reports in RESULTS.md section 1 -- text repair must not slow them
   by more than 10%;
2. :func:`ratioed.clean.clean_content` alone on the 1M archive's ``content`` column (rows/s and
   MB/s), and on two made-up worst cases: every row markup the vectorised path cannot take
   (so every row goes through the HTML parser), and every row mojibake in a non-Latin script.

    python benchmarks/text.py               # everything (about 2 minutes on 2 cores)
    python benchmarks/text.py --only clean  # load | clean
"""

from __future__ import annotations

import argparse
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
from ratioed.clean import clean_content

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


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("load", "clean"))
    args = ap.parse_args()
    if args.only in (None, "load"):
        bench_load()
    if args.only in (None, "clean"):
        bench_clean()
