"""The same definitions of "ratioed", run out of core by DuckDB over Parquet.

For archives that no longer fit in memory (every post of many accounts), the flags of
:data:`ratioed.analysis.ratios.RULES` are turned into SQL and DuckDB streams the Parquet file within a
memory limit. Only the flagged rows come back.

* :func:`flag_parquet`: one file the loader has already accepted once (no validation); flagged
  ids per definition. ``benchmarks/RESULTS.md`` compares it with the pandas path.
* :func:`flag_parts`: the ``duckdb`` engine of ``ratioed flag`` (:mod:`ratioed.scale.engines`):
  Parquet parts read by one ``read_parquet([...])`` scan, every row checked in SQL by the
  loader's fast path (a stricter subset of its rules; a part with a value outside it is judged
  by the loader's own code), the flagged rows of one definition and the totals of all.
  ``benchmarks/ENGINES.md`` compares it with the other engines.
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


# The fast path of the loader's checks, as SQL over every row. Each is STRICTER than the loader
# (:mod:`ratioed.inputs.validate`): a value it accepts the loader accepts too, with the same
# value (canonical ids, the archive's ISO times, counts that are whole and non-negative). A row
# it does not accept is not yet an error: its part is read again by the loader's own code
# (:func:`ratioed.scale.parts.read_part`), which either refuses it with the exact error the
# pandas engine gives (file, row, field, problem) or accepts it (whitespace around an id, a time
# with an offset, ...) and that part's rows are flagged from the loader's values.
_SIGNED = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT")
_UNSIGNED = ("UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")
_TEXT = ("VARCHAR",)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fast_checks(columns: dict[str, str], types: dict[str, str],
                 upper: str) -> tuple[str, dict[str, str]]:
    """``(ok, typed)``: the SQL boolean that accepts a row the loader surely accepts, and the
    SQL for each canonical count as BIGINT. ``types``: DuckDB type of each part column."""
    import pandas as pd

    from ..inputs.layouts import TRUTH_SOCIAL_START

    def kind(t):
        t = t.upper()
        if t in _SIGNED:
            return "signed"
        if t in _UNSIGNED:
            return "unsigned"
        if t in ("FLOAT", "DOUBLE"):
            return "float"
        if t in _TEXT:
            return "text"
        if t.startswith("TIMESTAMP"):
            return "time"
        return "other"

    checks, typed = [], {}
    c, k = _q(columns["id"]), kind(types[columns["id"]])
    checks.append({"text": f"TRY_CAST({c} AS UBIGINT)::VARCHAR = {c}",  # canonical digits
                   "signed": f"{c} >= 0", "unsigned": f"{c} IS NOT NULL"}.get(k, "false"))
    c, k = _q(columns["created_at"]), kind(types[columns["created_at"]])
    start = pd.Timestamp(TRUTH_SOCIAL_START).tz_convert("UTC").tz_localize(None)
    end = pd.Timestamp(upper).tz_convert("UTC").tz_localize(None)
    naive = f"BETWEEN TIMESTAMP '{start.isoformat(sep=' ')}' AND TIMESTAMP '{end.isoformat(sep=' ')}'"
    # the archive's shapes only (seconds, milliseconds or microseconds, then Z), each parsed
    # by its own format: `strptime` refuses what the loader refuses (24:00:00, 30 February),
    # where a cast to TIMESTAMPTZ reads 24:00 as the next midnight; other forms (offsets,
    # padding) are the loader's to judge
    shapes = ((24, "____-__-__T__:__:__.___Z", "%Y-%m-%dT%H:%M:%S.%gZ"),
              (20, "____-__-__T__:__:__Z", "%Y-%m-%dT%H:%M:%SZ"),
              (27, "____-__-__T__:__:__.______Z", "%Y-%m-%dT%H:%M:%S.%fZ"))
    checks.append({
        "text": f"CASE length({c}) " + " ".join(
            f"WHEN {n} THEN {c} LIKE '{like}' AND try_strptime({c}, '{fmt}') {naive}"
            for n, like, fmt in shapes) + " ELSE false END",
        "time": f"{c}::TIMESTAMPTZ BETWEEN TIMESTAMPTZ '{TRUTH_SOCIAL_START.isoformat()}' "
                f"AND TIMESTAMPTZ '{upper}'"}.get(k, "false"))
    for canon in ("replies", "retruths", "likes"):
        c, k = _q(columns[canon]), kind(types[columns[canon]])
        checks.append({
            "signed": f"{c} >= 0", "unsigned": f"{c} <= 9223372036854775807",
            "float": f"(isfinite({c}) AND {c} = floor({c}) AND {c} >= 0 "
                     f"AND {c} < 9223372036854775808.0)",
            "text": f"(TRY_CAST({c} AS BIGINT) >= 0 AND TRY_CAST({c} AS BIGINT)::VARCHAR = {c})",
        }.get(k, "false"))
        typed[canon] = f"TRY_CAST({c} AS BIGINT)"
    # one boolean for the row, NULL (a missing value) counted as a failure once
    return "coalesce(" + " AND ".join(f"({x})" for x in checks) + ", false)", typed


def _part_types(part: str, fs, columns: dict[str, str]) -> bool:
    """Whether the part's five columns have types the SQL checks handle (else the loader
    reads the part: a float id, true/false counts, dictionary or null columns)."""
    import pyarrow as pa

    from .parts import part_schema

    schema = part_schema(part, fs)
    text = (pa.types.is_string, pa.types.is_large_string)
    allowed = {"id": (*text, pa.types.is_integer), "created_at": (*text, pa.types.is_timestamp)}
    numbers = (*text, pa.types.is_integer, pa.types.is_floating)
    return all(any(test(schema.field(name).type) for test in allowed.get(canon, numbers))
               for canon, name in columns.items())


def flag_parts(parts: list[str], columns: dict[str, str], definition: str, *, fs=None,
               memory_limit: str = "1GB", threads: int | None = None):
    """Flag Parquet ``parts`` (one table in pieces) in DuckDB: validate, count, select.

    ``columns`` maps ``id``, ``created_at``, ``replies``, ``retruths``, ``likes`` to the parts'
    column names. One scan over every part at once (``read_parquet([...])``, ``threads``
    threads, default one per core) checks every row and keeps the rows flagged under any
    definition of :data:`RULES` or failing the fast checks (few). A part with such a row is
    read by the loader's code (:func:`ratioed.scale.parts.read_part`): a bad value raises its
    :class:`ratioed.errors.InputError` (the first bad part in name order, then the first bad
    row: the pandas engine's error, word for word); values the loader accepts are flagged
    from what it returns. Rows of kind ``boost`` are left out, as the loader leaves them.

    Returns ``(arrow table of id (string), created_at (UTC), replies, retruths, likes; totals;
    rows read)``.
    """
    import os

    import duckdb
    import pyarrow as pa

    from ..inputs.layouts import _counter
    from ..inputs.validate import _times
    from .parts import now_bound, part_names, read_part

    flags = sql_flags()
    upper, upper_name = now_bound()
    files = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in parts) + "]"
    has_kind = any("kind" in part_names(p, fs) for p in parts)
    slow = [p for p in parts if not _part_types(p, fs, columns)]  # the loader reads these
    con = duckdb.connect(config={"memory_limit": memory_limit,
                                 "threads": threads or os.cpu_count() or 1})
    try:
        con.execute("SET TimeZone = 'UTC'")
        # the scan's rows need no order (the result is sorted afterwards): both threads fill
        # the table of hits without waiting for each other
        con.execute("SET preserve_insertion_order = false")
        if fs is not None:
            con.register_filesystem(fs)
        src = f"read_parquet({files}, filename = true, union_by_name = true)"
        types = {row[0]: row[1] for row in con.sql(f"DESCRIBE SELECT * FROM {src}").fetchall()}
        ok, typed = _fast_checks(columns, types, upper.isoformat())
        counts = ", ".join(f"{sql} AS {canon}" for canon, sql in typed.items())
        keep = " WHERE kind::VARCHAR IS DISTINCT FROM 'boost'" if has_kind else ""
        named = ", ".join(f"{expr} AS flag_{d}" for d, expr in flags.items())
        # one scan: the rows flagged under any definition, and the rows to look at again
        con.execute(
            f"CREATE TEMP TABLE hits AS SELECT * FROM (SELECT *, {named} FROM (SELECT filename, "
            f"{_q(columns['id'])} AS id, {_q(columns['created_at'])} AS created_at, {counts}, "
            f"{ok} AS ok FROM {src}{keep})) WHERE NOT ok OR "
            + " OR ".join(f"flag_{d}" for d in flags))
        again = {f for (f,) in con.sql("SELECT DISTINCT filename FROM hits WHERE NOT ok")
                 .fetchall()}
        if again - set(parts):  # DuckDB names a part otherwise: let the loader read them all
            again = set(parts)
        slow = [p for p in parts if p in again or p in slow]
        loaded = []
        for p in slow:  # in name order: the first bad part raises, as in the pandas engine
            loaded.append(pa.Table.from_pandas(read_part(p, fs, columns), preserve_index=False))
        con.execute("CREATE TEMP TABLE slow (filename VARCHAR)")
        if slow:
            con.executemany("INSERT INTO slow VALUES (?)", [[p] for p in slow])
        fast = "filename NOT IN (SELECT filename FROM slow)"
        rows = con.sql(f"SELECT count(*) FROM read_parquet({files})").fetchall()[0][0]
        if has_kind:  # boosts are not read: the rows are those kept
            rows = con.sql(f"SELECT count(*) FROM {src}{keep}").fetchall()[0][0]
        counted = ", ".join(f"coalesce(count_if(flag_{d}), 0)" for d in flags)
        totals = list(con.sql(f"SELECT {counted} FROM hits WHERE {fast}").fetchall()[0])
        table = con.sql(f"SELECT id::VARCHAR AS id, created_at, replies, retruths, likes "
                        f"FROM hits WHERE flag_{definition} AND {fast}").to_arrow_table()
        if loaded:  # the parts the loader read: the same flags, on its values
            con.register("loaded", pa.concat_tables(loaded))
            totals = [a + b for a, b in zip(totals, con.sql(
                f"SELECT {', '.join(f'coalesce(count_if({e}), 0)' for e in flags.values())} "  # per-row: a few definitions
                f"FROM loaded").fetchall()[0], strict=True)]
            extra = con.sql(f"SELECT id, created_at, replies, retruths, likes FROM loaded "
                            f"WHERE {flags[definition]}").to_arrow_table()
    finally:
        con.close()
    # the loader's own time parsing, on the flagged rows only (every row was checked above)
    created = _times(table.column("created_at").combine_chunks(), parts[0], _counter("row {}"),
                     upper, upper_name)[0]
    table = pa.table({"id": table.column("id").cast(pa.string()), "created_at": created,
                      **{c: table.column(c).cast(pa.int64())
                         for c in ("replies", "retruths", "likes")}})
    if loaded:
        table = pa.concat_tables([table, extra.cast(table.schema)])
    return table, dict(zip(flags, map(int, totals), strict=True)), int(rows)
