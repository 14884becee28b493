"""The DuckDB out-of-core flags agree with the pandas path. All data here is made up."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ratioed import load_posts
from ratioed.analysis.ratios import RULES, ratio_flags
from ratioed.scale.outofcore import flag_parquet, sql_flags


def test_sql_is_generated_from_the_same_rules():
    sql = sql_flags()
    assert set(sql) == set(RULES)
    assert sql["both"] == "((replies > likes AND likes > 0) AND (replies > retruths AND retruths > 0))"
    assert sql["either"] == "((replies > likes AND likes > 0) OR (replies > retruths AND retruths > 0))"


def test_duckdb_flags_equal_pandas_flags(tmp_path):
    rng = np.random.default_rng(7)
    n = 20_000
    counts = rng.integers(0, 50, size=(n, 3))  # small counts: many ties and zeros
    ids = (np.arange(n, dtype=np.int64) + 114_800_000_000_000_000).astype(str)
    frame = pd.DataFrame({"id": ids, "created_at": "2025-07-12T21:21:29Z",
                          "replies_count": counts[:, 0], "reblogs_count": counts[:, 1],
                          "favourites_count": counts[:, 2]})
    path = tmp_path / "made_up.parquet"
    frame.to_parquet(path)
    posts = load_posts(path, content=False)
    flags = ratio_flags(posts["replies"], posts["retruths"], posts["likes"])
    duck = flag_parquet(path)
    for definition in RULES:
        assert sorted(duck["ids"][definition]) == sorted(posts.loc[flags[definition], "id"])
        assert duck["counts"][definition] == int(flags[definition].sum()) > 0


def test_flag_parts_checks_every_row_as_the_loader_does(tmp_path):
    """A bad time in an unflagged row of the second part is found, with its file, row, field."""
    import pytest

    from ratioed.errors import InputError
    from ratioed.scale.outofcore import flag_parts

    good = pd.DataFrame({"id": ["114842356238631061", "114842356238631062"],
                         "created_at": ["2025-07-12T21:21:29.285Z"] * 2,
                         "replies_count": [5, 0], "reblogs_count": [1, 1],
                         "favourites_count": [2, 3]})
    good.to_parquet(tmp_path / "a.parquet")
    bad = good.assign(id=["114842356238631063", "114842356238631064"],
                      created_at=["2025-07-12T21:21:29Z", "yesterday"])
    bad.to_parquet(tmp_path / "b.parquet")
    columns = {"id": "id", "created_at": "created_at", "replies": "replies_count",
               "retruths": "reblogs_count", "likes": "favourites_count"}
    parts = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    with pytest.raises(InputError) as err:
        flag_parts(parts, columns, "both")
    assert str(err.value) == (f"{parts[1]}, row 2, field 'created_at': unparseable time, expected "
                              "ISO 8601 with a time of day such as 2025-07-12T21:21:29Z: "
                              "'yesterday'")  # the loader's words
    good.to_parquet(tmp_path / "b.parquet")  # now the same rows twice: counted, not merged
    table, totals, rows = flag_parts(parts, columns, "both")
    assert rows == 4 and totals == {"both": 2, "either": 2, "likes": 2, "retruths": 2}
    assert table.column("id").to_pylist() == ["114842356238631061"] * 2


def test_flag_parts_gives_the_loaders_error_and_accepts_what_it_accepts(tmp_path):
    """The SQL checks are the loader's fast path: a value they do not accept sends its part to
    the loader's code, which refuses it with the pandas engine's exact error (file, row, field,
    words) or accepts it (padded ids, time offsets, counts as text): the same flags either way."""
    import pytest

    from ratioed.errors import InputError
    from ratioed.scale.outofcore import flag_parts
    from ratioed.scale.parts import read_part

    columns = {"id": "id", "created_at": "created_at", "replies": "replies_count",
               "retruths": "reblogs_count", "likes": "favourites_count"}
    good = pd.DataFrame({"id": ["114842356238631061", "114842356238631062", "114842356238631063"],
                         "created_at": ["2025-07-12T21:21:29.285Z"] * 3,
                         "replies_count": [5, 0, 9], "reblogs_count": [1, 1, 2],
                         "favourites_count": [2, 3, 4]})
    good.to_parquet(tmp_path / "a.parquet")
    a = str(tmp_path / "a.parquet")
    bad = {"id": ["0114842356238631064", "18446744073709551616", "12a", "-5", "1e3"],
           "created_at": ["2025-07-12", "2021-01-01T00:00:00Z", "2999-01-01T00:00:00Z",
                          "2025-13-12T21:21:29.285Z", "now"],
           "replies_count": ["-1", "1.5", "x", "99999999999999999999"]}
    for field, values in bad.items():
        for value in values:
            b = good.assign(id=["114842356238631064", "114842356238631065", "114842356238631066"])
            b[field] = b[field].astype(str)
            b.loc[1, field] = value
            b.to_parquet(tmp_path / "b.parquet")
            with pytest.raises(InputError) as want:
                read_part(str(tmp_path / "b.parquet"), None, columns)
            with pytest.raises(InputError) as got:
                flag_parts([a, str(tmp_path / "b.parquet")], columns, "either")
            assert str(got.value) == str(want.value), (field, value)
            assert "row 2" in str(got.value) and f"'{field}'" in str(got.value)
    lenient = good.assign(id=[" 114842356238631064", "114842356238631065 ", "114842356238631066"],
                          created_at=["2025-07-12T21:21:29+00:00", "2025-07-12 21:21",
                                      "2025-07-12T23:21:29.285+02:00"],
                          replies_count=["5", "0", " 9"])
    lenient.to_parquet(tmp_path / "b.parquet")
    table, totals, rows = flag_parts([a, str(tmp_path / "b.parquet")], columns, "either")
    assert rows == 6 and totals["either"] == 4
    assert sorted(table.column("id").to_pylist()) == ["114842356238631061", "114842356238631063",
                                                      "114842356238631064", "114842356238631066"]
    times = dict(zip(table.column("id").to_pylist(), table.column("created_at").to_pylist(),
                     strict=True))
    assert times["114842356238631066"] == times["114842356238631061"]  # +02:00, as UTC
