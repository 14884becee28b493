"""Flag the ratioed posts of a table in Parquet parts with one of three engines.

:func:`flag` is the one entry point (the ``ratioed flag`` command calls it; a notebook can switch
engines with a parameter). Every engine runs the same definitions, :data:`ratioed.analysis.ratios.RULES`,
and returns the same :class:`Flagged` result, row for row:

==========  =================================================================================
pandas      in this process, part after part: each part is read, validated and flagged with
            the library's numpy functions (:func:`ratioed.analysis.ratios.add_ratios`). Memory: one
            part plus the flagged rows.
duckdb      SQL generated from the rules and the loader's fast-path checks
            (:mod:`ratioed.scale.outofcore`): one scan of every part at once, streamed by DuckDB
            within a memory limit; a part holding a value the SQL does not accept is judged by
            the loader's own code (the same error, or the same values). Best on one machine.
dask        one task per part (:func:`flag_one_part`) on a ``dask.distributed`` cluster: the
            worker reads, validates and flags its part and sends back only the flagged rows and
            the counts; the client reads no part. ``scheduler=ADDRESS`` joins an existing
            cluster (its workers need this package installed, and local parts must be at the
            same path on them); without it a ``LocalCluster`` with one single-threaded worker
            process per core is started and closed.
==========  =================================================================================

``path``: Parquet parts (a file, a folder or a glob, local or an fsspec URL; found and read by
:mod:`ratioed.scale.parts`). The parts are **one table split in pieces**: each post appears once.
Captures of the same posts (several downloads) are merged by ``ratioed load SRC... --out
merged.parquet`` first; a flagged id found twice is an error.

Validation is the loader's (:mod:`ratioed.inputs.validate`): ids strings of digits (an 18-digit id never
passes through a float), times parsed to UTC, counts non-negative integers; the first bad value
stops the run with the file, row and field. Ratios follow the library's zero rules: NaN where the
denominator is 0, and a comparison against a count of 0 never holds.

Result order (every engine): newest first (``created_at`` descending), then id descending.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..analysis.ratios import DEFINITIONS, RULES, STORY_DEFINITION, add_ratios
from ..errors import InputError
from .parts import COUNTS, find_parts, part_accounts, part_columns, part_names, read_part

ENGINES = ("pandas", "duckdb", "dask")
OUTPUT_COLUMNS = ["id", "created_at", "replies", "retruths", "likes", "reply_like_ratio",
                  "reply_retruth_ratio"]
FLAG_COLUMNS = [f"ratioed_{d}" for d in RULES]
# LocalCluster options: no dashboard, its HTTP endpoint on a free port (not 8787), and no worker
# logs on our stderr (a bad part's InputError is re-raised here; the worker would also log it
# with a traceback)
QUIET_CLUSTER = {"dashboard_address": ":0", "scheduler_kwargs": {"dashboard": False},
                 "silence_logs": 50}


@dataclass
class Flagged:
    """What an engine found.

    ``frame``: the posts ratioed under ``definition`` (:data:`OUTPUT_COLUMNS`; ``id`` strings,
    ``created_at`` UTC, counts int64, ratios float64 with NaN for a 0 denominator), newest first.
    ``totals``: posts flagged under every definition of :data:`RULES`. ``posts``: rows read.
    """

    frame: pd.DataFrame
    totals: dict[str, int]
    posts: int
    parts: int
    engine: str
    definition: str
    notes: list[str] = field(default_factory=list)  # what the engine used, e.g. the cluster

    def summary(self) -> str:
        """What was read and the totals, for stderr (``notes`` are logged as the run starts)."""
        counts = ", ".join(f"{d} {n:,}" for d, n in self.totals.items())
        return "\n".join([f"{self.engine}: {self.posts:,} posts in {self.parts:,} part(s); "
                          f"ratioed: {counts}",
                          f"{len(self.frame):,} posts ratioed ({self.definition}) printed"])


def flag_part(part: pd.DataFrame) -> pd.DataFrame:
    """Ratios and one ``ratioed_<definition>`` flag per rule (:func:`ratioed.analysis.ratios.add_ratios`)."""
    return add_ratios(part)


def _empty_flagged() -> pd.DataFrame:
    """The per-part frame's columns and types, with no rows (Dask's ``meta``)."""
    empty = pa.table({"id": pa.array([], pa.string()),
                      "created_at": pa.array([], pa.timestamp("us", tz="UTC")),
                      **{c: pa.array([], pa.int64()) for c in COUNTS}}).to_pandas()
    return flag_part(empty)


# --------------------------------------------------------------------------- engines


def choose_account(parts: list[str], fs=None, account: str | None = None) -> str | None:
    """The exact ``acct`` to keep (None: the parts hold one account and none was asked for).
    Several accounts and no ``account``, or a name matching none, is an :class:`InputError`
    listing the accounts and their post counts (:func:`ratioed.inputs.load.select_account`)."""
    if not account and not any("account" in part_names(p, fs) for p in parts):
        return None  # one account (the archive's): footers only, no rows read
    from ..inputs.load import select_account

    rows = part_accounts(parts, fs)
    if not account and rows["account"].nunique() <= 1:
        return None
    where = parts[0] if len(parts) == 1 else f"{parts[0]} and {len(parts) - 1} more part(s)"
    chosen, _ = select_account(rows, account, where)
    return chosen["account"].iloc[0] if len(chosen) else None


def flag_statuses(path, definition: str = STORY_DEFINITION, account: str | None = None) -> Flagged:
    """The pandas engine on JSON/CSV files (the platform's API dumps, several pages as
    captures): loaded and validated by :func:`ratioed.inputs.load.load_archive`, one account selected
    (:func:`ratioed.inputs.load.select_account`), boosts left out as the report leaves them out
    (:func:`ratioed.inputs.rules.split_analysable`; replies to others are kept, the report's default)."""
    from ..inputs.load import load_archive, select_account
    from ..inputs.rules import split_analysable

    files = [str(p) for p in (path if isinstance(path, list | tuple) else [path])]
    archive = load_archive(files)
    posts, _ = select_account(archive.posts, account, ", ".join(files))
    kept, excluded = split_analysable(posts)
    part = flag_part(kept[["id", "created_at", *COUNTS]].reset_index(drop=True))
    totals = {d: int(part[f"ratioed_{d}"].sum()) for d in RULES}
    who = posts["account"].iloc[0] if len(posts) else account
    notes = [f"account @{who}: {len(posts):,} posts; left out {len(excluded):,} "
             f"(boosts of other accounts' posts, re-truths with all counts 0)"]
    return Flagged(frame=_finish(part.loc[part[f"ratioed_{definition}"], OUTPUT_COLUMNS]),
                   totals=totals, posts=len(part), parts=len(files), engine="pandas",
                   definition=definition, notes=notes)


def _is_parquet(path) -> bool:
    items = path if isinstance(path, list | tuple) else [path]
    for item in items:
        p = Path(str(item))
        if "://" in str(item) or p.is_dir() or not p.is_file() or p.suffix == ".parquet":
            return True  # folders, globs, remote paths and *.parquet: Parquet parts
        with open(p, "rb") as fh:
            if fh.read(4) != b"PAR1":
                return False
    return True


def flag(path, engine: str = "pandas", definition: str = STORY_DEFINITION, *,
         scheduler: str | None = None, n_workers: int | None = None,
         memory_limit: str = "1GB", log=None, account: str | None = None) -> Flagged:
    """Flag the ratioed posts of the Parquet parts at ``path`` with ``engine``.

    ``engine``: ``pandas``, ``duckdb`` or ``dask`` (see the module docs); ``definition``: a key of
    :data:`ratioed.analysis.ratios.DEFINITIONS` (which posts ``frame`` holds; ``totals`` has them all).
    ``scheduler`` (dask): address of a running scheduler (``tcp://host:8786``); None starts a
    ``LocalCluster`` of ``n_workers`` processes (default: one per core). ``memory_limit``
    (duckdb): DuckDB's limit. ``log``: where progress lines go (a file; None = silent).
    ``account``: keep one account's rows of parts that carry an ``account`` column (matched on
    acct or username, ignoring case); parts holding several accounts need it. JSON or CSV files
    (the platform's API dumps) are read by the loader with the pandas engine
    (:func:`flag_statuses`); other engines need Parquet (``ratioed load ... --out``).
    Raises :class:`InputError` for bad input.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if definition not in DEFINITIONS:
        raise ValueError(f"unknown definition {definition!r}; choose one of "
                         f"{', '.join(DEFINITIONS)}")
    if not _is_parquet(path):
        if engine != "pandas":
            raise InputError(str(path), f"the {engine} engine reads Parquet parts; JSON and CSV "
                                        "files are flagged by the pandas engine",
                             hint="use --engine pandas, or `ratioed load FILES --out x.parquet`")
        return flag_statuses(path, definition, account)
    fs, parts = find_parts(path)
    columns = {p: part_columns(p, fs) for p in parts}  # footers only: a missing column stops here
    chosen = choose_account(parts, fs, account)
    if chosen is not None and engine == "duckdb":
        raise InputError(str(path), "the duckdb engine does not select an account",
                         hint="use --engine pandas or dask with --account")
    if engine == "pandas":
        flagged, totals, posts, notes = _run_pandas(parts, fs, columns, definition, chosen)
    elif engine == "duckdb":
        flagged, totals, posts, notes = _run_duckdb(parts, fs, columns, definition, memory_limit)
    else:
        flagged, totals, posts, notes = _run_dask(parts, fs, columns, definition, scheduler,
                                                  n_workers, log, chosen)
    if chosen is not None:
        notes = [*notes, f"account @{chosen} only"]
    return Flagged(frame=_finish(flagged), totals=totals, posts=posts, parts=len(parts),
                   engine=engine, definition=definition, notes=notes)


def _run_pandas(parts, fs, columns, definition, account=None):
    totals = dict.fromkeys(RULES, 0)
    kept, posts = [], 0
    for p in parts:
        part = flag_part(read_part(p, fs, columns[p], account))
        posts += len(part)
        for d in RULES:
            totals[d] += int(part[f"ratioed_{d}"].sum())
        kept.append(part.loc[part[f"ratioed_{definition}"], OUTPUT_COLUMNS])
    return pd.concat(kept, ignore_index=True), totals, posts, []


def _run_duckdb(parts, fs, columns, definition, memory_limit):
    from .outofcore import flag_parts

    names = {tuple(sorted(columns[p].items())) for p in parts}  # one naming per part
    if len(names) > 1:
        raise InputError(parts[0], "parts name their columns differently (archive names in "
                                   "some, ratioed's in others); the duckdb engine needs one naming")
    table, totals, posts = flag_parts(parts, columns[parts[0]], definition, fs=fs,
                                      memory_limit=memory_limit)
    return flag_part(table.to_pandas())[OUTPUT_COLUMNS], totals, posts, []


def _run_dask(parts, fs, columns, definition, scheduler, n_workers, log, account=None):
    from distributed import Client, LocalCluster, wait

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, **QUIET_CLUSTER)
    try:
        try:
            client = Client(cluster if cluster is not None else scheduler, timeout="10s")
        except OSError as err:
            raise InputError(scheduler, f"cannot reach the Dask scheduler: {err}") from None
        with client:
            try:
                client.wait_for_workers(1, timeout=30)
            except TimeoutError:
                raise InputError(scheduler, "the Dask scheduler has no workers (none joined "
                                            "within 30 s)") from None
            workers = len(client.scheduler_info()["workers"])
            note = f"dask: {len(parts):,} partitions on {workers} workers"
            if log is not None:
                print(note, file=log, flush=True)
            # one task per part, run where a worker is: read, validate, flag; only the flagged
            # rows of `definition` and the part's counts come back (the client reads no part)
            # local parts by absolute path: a worker's working folder is not the client's
            where = [os.path.abspath(p) if fs is None else p for p in parts]
            futures = client.map(flag_one_part, parts, [columns[p] for p in parts], where,
                                 fs=fs, definition=definition, account=account,
                                 key=[f"ratioed-part-{i}-{hash((p, definition, account))}"
                                      for i, p in enumerate(parts)], pure=False)
            wait(futures)
            for f in futures:  # the first bad part in name order, as the pandas engine
                if f.status == "error":
                    f.result()
            results = client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()
    totals = {d: sum(r[1][d] for r in results) for d in RULES}
    picked = pd.concat([r[0] for r in results], ignore_index=True)
    return picked, totals, sum(r[2] for r in results), [note]


def flag_one_part(part: str, columns: dict[str, str], where: str | None = None, fs=None,
                  definition: str = STORY_DEFINITION, account: str | None = None):
    """One part, on a Dask worker: ``(flagged rows of definition, totals, rows read)``.
    ``where``: the part's path as the worker reads it (absolute), when ``part`` (the name errors
    give, as the user wrote it) is relative. Arrow decodes on the worker's one thread (workers
    share the cores)."""
    try:
        read = read_part(where or part, fs, columns, account, threads=False)
    except InputError as err:
        if where is None or err.source != where:
            raise
        raise InputError(part, err.problem, where=err.where, field=err.field,
                         hint=err.hint) from None
    flagged = flag_part(read)
    totals = {d: int(flagged[f"ratioed_{d}"].sum()) for d in RULES}
    return flagged.loc[flagged[f"ratioed_{definition}"], OUTPUT_COLUMNS], totals, len(flagged)


def _finish(flagged: pd.DataFrame) -> pd.DataFrame:
    """One order for every engine (newest first, then id descending); refuse repeated ids."""
    out = flagged[OUTPUT_COLUMNS].reset_index(drop=True)
    out = out.astype({"id": str, "created_at": "datetime64[us, UTC]", "replies": "int64",
                      "retruths": "int64", "likes": "int64", "reply_like_ratio": "float64",
                      "reply_retruth_ratio": "float64"})
    order, key = _newest_first(out)
    out = out.iloc[order].reset_index(drop=True)
    # a repeated id: neighbours once sorted by (time, id), or, when one post has two times,
    # equal keys anywhere (a sort of the integer keys, not a hash of the strings)
    repeated = key is None or (len(key) > 1 and bool((np.diff(np.sort(key)) == 0).any()))
    dup = out["id"].duplicated() if repeated else None
    if dup is not None and dup.any():
        first = out.loc[dup, "id"].iloc[0]
        raise InputError(first, f"post appears {int((out['id'] == first).sum())} times in the "
                                "parts; they must be one table split in pieces",
                         field="id", hint="merge captures of the same posts with `ratioed load "
                                          "SRC... --out merged.parquet`, then flag that")
    return out


def _newest_first(out: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Row order: ``created_at`` descending, then id descending (longer ids first, then by
    digits), and the ids as uint64 (None if they are not all canonical). Validated ids are
    canonical digits within 64 bits, so that is the order of the ids as unsigned integers:
    one numpy lexsort, no string comparisons."""
    import pyarrow.compute as pc

    t = out["created_at"].array.asi8  # microseconds, UTC
    ids = pa.array(out["id"], pa.string())
    try:
        key = pc.cast(ids, pa.uint64())
        canonical = bool(pc.all(pc.equal(ids, pc.cast(key, pa.string()))).as_py() is not False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        canonical = False
    if canonical:
        key = key.to_numpy()
        return np.lexsort((key, t))[::-1], key
    order = pd.DataFrame({"t": out["created_at"], "n": out["id"].str.len(), "id": out["id"]})
    return order.sort_values(["t", "n", "id"], ascending=False,
                             kind="stable").index.to_numpy(), None


def print_csv(result: Flagged, out=None) -> None:
    """Write ``result.frame`` as CSV (times in UTC ISO 8601) to ``out`` (default stdout)."""
    from ..inputs.files import csv_text

    (out or sys.stdout).write(csv_text(result.frame))
