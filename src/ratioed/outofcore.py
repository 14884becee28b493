"""The same definitions of "ratioed", run out of core by DuckDB over Parquet.

For archives that no longer fit in memory (every post of many accounts), the flags of
:data:`ratioed.ratios.RULES` are turned into SQL and DuckDB streams the Parquet file within a
memory limit. Only the flagged ids come back. Validation and text cleaning stay in the pandas
path (:mod:`ratioed.load`); this path assumes a file the loader has already accepted once.
``benchmarks/RESULTS.md`` compares both paths on 10 million made-up posts (same flags, and the
peak memory of each).
"""

from __future__ import annotations

from .load import COUNT_FIELDS as COLUMNS  # archive column -> the name the rules use
from .ratios import RULES


def sql_flags() -> dict[str, str]:
    """One SQL boolean expression per definition, generated from :data:`RULES`."""
    over = {name: f"(replies > {name} AND {name} > 0)" for name in ("likes", "retruths")}
    return {definition: "(" + f" {how.upper()} ".join(over[t] for t in terms) + ")"
            for definition, (how, terms) in RULES.items()}


def flag_parquet(path, memory_limit: str = "1GB", threads: int = 2) -> dict:
    """Count and list the flagged post ids per definition, streaming ``path`` in DuckDB.

    Returns ``{"counts": {definition: n}, "ids": {definition: [id, ...]}}``; ids as strings.
    """
    import duckdb

    flags = sql_flags()
    select = ", ".join(f"{src}::BIGINT AS {dst}" for src, dst in COLUMNS.items())
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads})
    try:
        source = str(path).replace("'", "''")  # a view cannot take a parameter
        con.execute(f"CREATE TEMP VIEW posts AS SELECT id::VARCHAR AS id, {select} "
                    f"FROM read_parquet('{source}')")
        out = {"counts": {}, "ids": {}}
        for definition, expr in flags.items():
            ids = [row[0] for row in con.execute(f"SELECT id FROM posts WHERE {expr}").fetchall()]
            out["ids"][definition] = ids
            out["counts"][definition] = len(ids)
        return out
    finally:
        con.close()
