"""Seeded synthetic archives shaped like the real one. EVERYTHING HERE IS MADE UP.

Shape taken from ../shared/data/truthsocial/README.md and the real samples: 18-digit
time-ordered snowflake ids (``int(id) >> 16`` = creation time in ms), ISO 8601 times with
milliseconds and ``Z``, HTML content (``<p>``, ``<br/>``, entities), some mojibake, ~8%
re-truths of other accounts (``RT @handle`` with all counts 0), ~15% media-only posts, ~10%
link-only posts, heavy-tailed (log-normal) counts with replies usually well below likes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

WORDS = ("the great america fake news radical left democrats border tariffs deal country "
         "president thank you very much beautiful tremendous election rigged congress senate "
         "economy jobs strong weak crooked witch hunt biden iran’s china trade record").split()
START_MS = 1_644_800_000_000  # Feb 2022
END_MS = 1_772_000_000_000  # early 2026


def _texts(rng, n_templates=4000):
    """A pool of made-up post texts of realistic length, some with HTML, entities, mojibake."""
    out = []
    for _ in range(n_templates):
        k = int(rng.integers(8, 110))
        words = rng.choice(WORDS, size=k)
        text = " ".join(words).capitalize() + "!"
        r = rng.random()
        if r < 0.25:
            text = f"<p>{text}</p><p>DONALD J. TRUMP,<br/>PRESIDENT OF THE UNITED STATES</p>"
        elif r < 0.35:
            text = f"<p>{text.replace(' and ', ' &amp; ')} &amp; more</p>"
        elif r < 0.40:
            # UTF-8 decoded as Latin-1: ’ -> â\x80\x99, — -> â\x80\x94
            text = text.encode("utf-8").decode("latin-1") + " â\x80\x94 Iranâ\x80\x99s"
        out.append(text)
    return np.array(out, dtype=object)


def generate(n: int, seed: int = 2025) -> pa.Table:
    """A made-up archive of ``n`` posts as an Arrow table with the archive's columns."""
    rng = np.random.default_rng(seed)
    ms = np.sort(rng.integers(START_MS, END_MS, size=n))[::-1]
    ids = (ms.astype(np.int64) << 16) + rng.integers(0, 1 << 16, size=n)
    created = pc.strftime(pa.array((ms // 1000).astype("datetime64[s]")), format="%Y-%m-%dT%H:%M:%S")
    frac = pc.utf8_lpad(pc.cast(pa.array(ms % 1000), pa.string()), 3, "0")
    created = pc.binary_join_element_wise(created, frac, ".")
    created = pc.binary_join_element_wise(created, pa.scalar("Z"), "")
    kind = rng.random(n)
    retruth = kind < 0.08
    media_only = (kind >= 0.08) & (kind < 0.23)
    link_only = (kind >= 0.23) & (kind < 0.33)
    pool = _texts(rng)
    big = pa.large_string()  # 10M posts hold more than 2 GB of text
    content = pa.array(pool, type=big).take(pa.array(rng.integers(0, len(pool), size=n)))
    content = pc.if_else(pa.array(retruth), pc.binary_join_element_wise(
        pa.scalar("<p>RT @someone ", big), content, pa.scalar("</p>", big), pa.scalar("", big)),
        content)
    content = pc.if_else(pa.array(media_only), pa.scalar("", big), content)
    content = pc.if_else(pa.array(link_only), pa.scalar("https://example.invalid/a/story", big),
                         content)
    likes = np.round(rng.lognormal(9.3, 1.0, size=n)).astype(np.int64)
    retruths = np.round(likes * rng.lognormal(-1.2, 0.35, size=n)).astype(np.int64)
    replies = np.round(likes * rng.lognormal(-2.3, 0.6, size=n)).astype(np.int64)
    for col in (likes, retruths, replies):
        col[retruth] = 0
    n_media = np.where(media_only, rng.integers(1, 5, size=n),
                       np.where(rng.random(n) < 0.1, 1, 0))
    offsets = np.concatenate([[0], np.cumsum(n_media)]).astype(np.int32)
    media_urls = pc.binary_join_element_wise(
        pa.scalar("https://static.example.invalid/media/"),
        pc.cast(pa.array(np.arange(offsets[-1])), pa.string()), pa.scalar(".jpg"), "")
    media = pa.ListArray.from_arrays(pa.array(offsets), media_urls)
    url = pc.binary_join_element_wise(pa.scalar("https://truthsocial.com/@realDonaldTrump/"),
                                      pc.cast(pa.array(ids), pa.string()), "")
    return pa.table({
        "id": pc.cast(pa.array(ids), pa.string()), "created_at": created, "content": content,
        "url": url, "media": media, "replies_count": replies, "reblogs_count": retruths,
        "favourites_count": likes,
    })


def write_all(table: pa.Table, folder: Path, stem: str, layouts=("json", "csv", "parquet", "jsonl")):
    """Write ``table`` in the archive's layouts; returns ``{layout: path}``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    if "parquet" in layouts:
        out["parquet"] = folder / f"{stem}.parquet"
        pq.write_table(table, out["parquet"], compression="snappy")
    if "csv" in layouts:
        flat = table.set_column(table.column_names.index("media"), "media",
                                pc.binary_join(table.column("media"), "; "))
        out["csv"] = folder / f"{stem}.csv"
        pacsv.write_csv(flat, out["csv"])
    if "json" in layouts or "jsonl" in layouts:
        records = table.to_pylist()
        if "json" in layouts:
            out["json"] = folder / f"{stem}.json"
            out["json"].write_bytes(orjson.dumps(records))
        if "jsonl" in layouts:
            out["jsonl"] = folder / f"{stem}.jsonl"
            with open(out["jsonl"], "wb") as fh:
                for start in range(0, len(records), 100_000):
                    fh.write(b"\n".join(orjson.dumps(r) for r in records[start:start + 100_000]))
                    fh.write(b"\n")
    return out
