"""The DuckDB out-of-core flags agree with the pandas path. All data here is made up."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ratioed import load_posts
from ratioed.outofcore import flag_parquet, sql_flags
from ratioed.ratios import RULES, ratio_flags


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
