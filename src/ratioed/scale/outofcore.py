"""The same definitions of "ratioed", run out of core by DuckDB over Parquet.

For archives that no longer fit in memory (every post of many accounts), the flags of
:data:`ratioed.analysis.ratios.RULES` are turned into SQL and DuckDB streams the Parquet file within a
memory limit. Only the flagged rows come back.

* :func:`flag_parquet`: one file the loader has already accepted once (no validation); flagged
  ids per definition. ``benchmarks/RESULTS.md`` compares it with the pandas path.
* :func:`flag_parts`: the ``duckdb`` engine of ``ratioed flag`` (:mod:`ratioed.scale.engines`):
  Parquet parts, every row checked in SQL as the loader checks it, the flagged rows of one
  definition and the totals of all. ``benchmarks/ENGINES.md`` compares it with the other engines.
"""

from __future__ import annotations

from ..analysis.ratios import RULES
from ..inputs.validate import COUNT_FIELDS as COLUMNS  # archive column -> the name the rules use


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


# The loader's checks (ratioed.inputs.validate), as SQL over every row: ids digits, times parseable,
# counts non-negative integers. Field name as the part names it -> (check, problem).
def _checks(columns: dict[str, str]) -> dict[str, tuple[str, str]]:
    def q(name):
        return '"' + name.replace('"', '""') + '"'

    out = {columns["id"]: (f"regexp_full_match(trim({q(columns['id'])}::VARCHAR), '[0-9]{{1,20}}')",
                           "id is not a string of digits"),
           columns["created_at"]: (f"TRY_CAST({q(columns['created_at'])} AS TIMESTAMPTZ) IS NOT NULL",
                                   "unparseable time")}
    for canon in ("replies", "retruths", "likes"):
        c = q(columns[canon])
        out[columns[canon]] = (f"(TRY_CAST({c} AS BIGINT) >= 0 AND "
                               f"TRY_CAST({c} AS DOUBLE) = TRY_CAST({c} AS BIGINT))",
                               "count is not a non-negative integer")
    return out


def flag_parts(parts: list[str], columns: dict[str, str], definition: str, *, fs=None,
               memory_limit: str = "1GB", threads: int = 2):
    """Flag Parquet ``parts`` (one table in pieces) in DuckDB: validate, count, select.

    ``columns`` maps ``id``, ``created_at``, ``replies``, ``retruths``, ``likes`` to the parts'
    column names. One scan validates every row and keeps the rows flagged under any definition
    of :data:`RULES` (and bad rows); totals and the rows of ``definition`` come from those. Returns
    ``(arrow table of id (string), created_at (as stored), replies, retruths, likes; totals;
    rows read)``. A bad value raises :class:`ratioed.errors.InputError` naming the part, the
    row (1-based) and the field.
    """
    import duckdb

    from ..errors import InputError

    flags = sql_flags()
    checks = _checks(columns)
    ok = " AND ".join(f"coalesce({check}, false)" for check, _ in checks.values())
    files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in parts) + "]"
    con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads})
    try:
        con.execute("SET TimeZone = 'UTC'")
        if fs is not None:
            con.register_filesystem(fs)
        src = f"read_parquet({files}, filename = true, file_row_number = true)"
        typed = ", ".join(f'TRY_CAST("{columns[c]}" AS BIGINT) AS {c}'
                          for c in ("replies", "retruths", "likes"))
        con.execute(f"CREATE TEMP VIEW raw AS SELECT * FROM {src}")
        con.execute(f'CREATE TEMP VIEW posts AS SELECT trim("{columns["id"]}"::VARCHAR) AS id, '
                    f'"{columns["created_at"]}" AS created_at, {typed}, ({ok}) AS ok FROM raw')
        # one scan: keep the rows that are bad or flagged under any definition (few)
        named = ", ".join(f"{expr} AS flag_{d}" for d, expr in flags.items())
        con.execute(f"CREATE TEMP TABLE hits AS SELECT * FROM (SELECT *, {named} FROM posts) "
                    f"WHERE NOT ok OR " + " OR ".join(f"flag_{d}" for d in flags))
        rows = con.sql(f"SELECT count(*) FROM read_parquet({files})").fetchall()[0][0]  # footers
        counts = ", ".join(f"count_if(flag_{d})" for d in flags)
        bad, *flagged = con.sql(f"SELECT count_if(NOT ok), {counts} FROM hits").fetchall()[0]
        if bad:
            when = " ".join(f"WHEN NOT coalesce({check}, false) THEN '{name}'"
                            for name, (check, _) in checks.items())
            part, row, field = con.sql(
                f"SELECT filename, file_row_number + 1, CASE {when} END FROM raw "
                f"WHERE NOT ({ok}) ORDER BY filename, file_row_number LIMIT 1").fetchall()[0]
            value = con.sql(f'SELECT "{field}"::VARCHAR FROM raw WHERE filename = $part AND '
                            f'file_row_number = $row',
                            params={"part": part, "row": row - 1}).fetchall()[0][0]
            more = f" ({bad - 1:,} more row(s) like it)" if bad > 1 else ""
            problem = dict(checks.items())[field][1]
            raise InputError(part, f"{problem}: {value!r}{more}", where=f"row {row}", field=field)
        table = con.sql(f"SELECT id, created_at, replies, retruths, likes FROM hits "
                        f"WHERE flag_{definition}").to_arrow_table()
        return table, dict(zip(flags, map(int, flagged), strict=True)), int(rows)
    finally:
        con.close()
