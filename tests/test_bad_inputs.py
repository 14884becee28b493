"""A corpus of inputs generated in code: one real-shaped post, one field changed per case.

Every record here is MADE UP, shaped like the real samples in ../shared/data/truthsocial/ (an
18-digit snowflake id whose time matches ``created_at``, HTML content, media URLs, the archive's
count names). Valid variants must load with exact values; bad ones must give one line naming
the file, the row/line/record and the field. Cases run in every layout where they make sense
(JSON array, JSON Lines, CSV, Parquet, daily feed).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ratioed import InputError, load_archive
from ratioed.cli import main

ROOT = Path(__file__).resolve().parents[1]
WHEN = pd.Timestamp("2025-07-12T21:21:29.285Z")  # made up, like the samples' times
MS = int(WHEN.value // 1_000_000)
ID = str((MS << 16) + 4242)  # a snowflake whose time is WHEN: made up
ID2 = str(((MS - 3_600_000) << 16) + 17)  # an hour earlier: made up
AS_OF = "2025-07-20T00:00:00+00:00"
LAYOUTS = ["json", "jsonl", "csv", "parquet", "feed"]
WHERE = {"json": "record 2", "jsonl": "line 2", "csv": "row 2", "parquet": "row 2",
         "feed": "new_posts record 2"}


def post(**kw) -> dict:
    """A made-up post shaped like the archive's records."""
    base = {"id": ID, "created_at": "2025-07-12T21:21:29.285Z",
            "content": "<p>Made-up text &amp; more</p>", "url": f"https://example.invalid/{ID}",
            "media": ["https://media.example.invalid/a.jpg"],
            "replies_count": 19954, "reblogs_count": 6644, "favourites_count": 18687}
    base.update(kw)
    return base


def other() -> dict:
    return post(id=ID2, created_at="2025-07-12T20:21:29.285Z", content="<p>Earlier</p>", media=[],
                url=f"https://example.invalid/{ID2}", replies_count=1, reblogs_count=2,
                favourites_count=3)


def write(tmp_path: Path, layout: str, records: list[dict], name: str = "made_up") -> Path:
    """The records in one layout (CSV joins media with ','; Parquet keeps Python types)."""
    if layout == "json":
        p = tmp_path / f"{name}.json"
        p.write_text(json.dumps(records))
    elif layout == "jsonl":
        p = tmp_path / f"{name}.jsonl"
        p.write_text("".join(json.dumps(r) + "\n" for r in records))
    elif layout == "feed":
        p = tmp_path / f"{name}_feed.json"
        p.write_text(json.dumps({"as_of": AS_OF, "window_hours": 24, "new_posts": records}))
    elif layout == "csv":
        p = tmp_path / f"{name}.csv"
        rows = [{**r, "media": ",".join(r["media"]) if isinstance(r.get("media"), list)
                 else r.get("media")} for r in records]
        pd.DataFrame(rows, dtype=object).to_csv(p, index=False)  # values written as given
    else:  # a column mixing Python types (3 and "many") is written as text
        p = tmp_path / f"{name}.parquet"
        cols = {k: [r.get(k) for r in records] for k in records[0]}
        for k, v in cols.items():
            if len({type(x) for x in v if x is not None}) > 1:
                cols[k] = [None if x is None else str(x) for x in v]
        pq.write_table(pa.table(cols), p)
    return p


def one_line_error(path, where, field, *problem):
    """Assert the loader refuses ``path`` with one line naming it, ``where`` and ``field``."""
    with pytest.raises(InputError) as info:
        load_archive(path)
    msg = str(info.value)
    assert "\n" not in msg, msg
    assert msg.startswith(str(path)), msg
    if where:
        assert f", {where}" in msg, msg
    if field:
        assert f"field '{field}'" in msg, msg
    for p in problem:
        assert p in msg, msg
    return msg


# ---------------------------------------------------------------- valid variants: exact values


def test_base_post_loads_exactly_in_every_layout(tmp_path):
    for layout in LAYOUTS:
        a = load_archive(write(tmp_path, layout, [other(), post()]))
        p = a.posts.set_index("id")
        assert list(p.index) == [ID, ID2], layout  # newest first
        r = p.loc[ID]
        assert r["created_at"] == WHEN, layout
        assert (r["replies"], r["retruths"], r["likes"]) == (19954, 6644, 18687), layout
        assert r["content"] == "Made-up text & more", layout
        assert list(r["media"]) == ["https://media.example.invalid/a.jpg"], layout
        assert r["url"] == f"https://example.invalid/{ID}" and r["kind"] == "original", layout
        assert a.zoneless_times == 0 and a.id_time_mismatches().empty, layout
        assert a.captures[0].rows == 2


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("created_at, zoneless", [
    ("2025-07-12T17:21:29.285-04:00", 0),
    ("2025-07-12 21:21:29.285000+00:00", 0),
    ("2025-07-12T21:21:29.285", 1),  # no zone: read as UTC and counted
    ("2025-07-12 21:21:29.285", 1),
])
def test_time_forms(tmp_path, layout, created_at, zoneless):
    a = load_archive(write(tmp_path, layout, [post(created_at=created_at)]))
    assert a.posts.loc[0, "created_at"] == WHEN
    assert a.zoneless_times == zoneless
    assert f"times without a time zone (read as UTC): {zoneless} row(s)" in a.summary()


def test_zoneless_counted_in_mixed_file(tmp_path):
    recs = [post(), post(id=ID2, created_at="2025-07-12T20:21:29.285")]
    a = load_archive(write(tmp_path, "json", recs))
    assert a.zoneless_times == 1
    assert a.posts.set_index("id").loc[ID2, "created_at"] == WHEN - pd.Timedelta(hours=1)


@pytest.mark.parametrize("layout", ["json", "jsonl", "parquet", "feed"])
def test_integer_ids_and_counts_as_text(tmp_path, layout):
    a = load_archive(write(tmp_path, layout, [post(id=int(ID), replies_count="19954")]))
    assert a.posts.loc[0, "id"] == ID and a.posts.loc[0, "replies"] == 19954


@pytest.mark.parametrize("layout", ["json", "jsonl", "feed"])
def test_text_that_looks_like_json_is_kept_as_text(tmp_path, layout):
    text = '{"not": "nested"} is what the post says'
    a = load_archive(write(tmp_path, layout, [post(content=text, media=[])]))
    assert a.posts.loc[0, "content"] == text


@pytest.mark.parametrize("layout", ["csv", "parquet"])
def test_headers_in_another_case(tmp_path, layout):
    p = write(tmp_path, layout, [post()])
    if layout == "csv":
        p.write_text(p.read_text().replace("id,created_at", "ID,Created_At", 1))
    else:
        t = pq.read_table(p)
        pq.write_table(t.rename_columns([c.upper() for c in t.column_names]), p)
    assert load_archive(p).posts.loc[0, "id"] == ID


@pytest.mark.parametrize("layout", ["json", "jsonl", "feed"])
def test_json_keys_in_another_case_are_named(tmp_path, layout):
    rec = {k.upper() if k in ("id", "created_at") else k: v for k, v in post().items()}
    p = write(tmp_path, layout, [rec])
    one_line_error(p, None, None, "missing required column(s) id, created_at",
                   "first post has 'ID', 'CREATED_AT'", "rename them in lower case")


@pytest.mark.parametrize("layout", ["json", "jsonl", "csv"])
def test_gzip_and_utf16_copies_are_read(tmp_path, layout):
    plain = write(tmp_path, layout, [post()])
    gz = tmp_path / (plain.name + ".gz")
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    a = load_archive(gz)
    assert a.posts.loc[0, "id"] == ID and a.captures[0].layout == f"{layout} (gzip)"
    assert a.captures[0].label == gz.name
    u16 = tmp_path / ("utf16_" + plain.name)
    u16.write_bytes(plain.read_text().encode("utf-16"))
    b = load_archive(u16)
    assert b.posts.loc[0, "content"] == "Made-up text & more"
    assert b.captures[0].layout == f"{layout} (UTF-16)"


def test_utf8_bom_csv_and_largest_count(tmp_path):
    p = write(tmp_path, "csv", [post(likes=None, favourites_count="9223372036854775807")])
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    assert load_archive(p).posts.loc[0, "likes"] == 2**63 - 1


@pytest.mark.parametrize("layout", LAYOUTS)
def test_id_time_disagreement_is_reported_not_refused(tmp_path, layout):
    late = post(created_at="2025-07-12T22:21:29.285Z")  # an hour after the id's time
    a = load_archive(write(tmp_path, layout, [other(), late]))
    bad = a.id_time_mismatches()
    assert bad["id"].tolist() == [ID]
    assert bad.loc[0, "difference"] == pd.Timedelta(hours=1)
    assert a.captures[0].id_time_mismatches == 1
    assert f"more than a minute away from the time in the post's id: 1 post(s) (e.g. {ID}" \
        in a.summary()


def test_id_time_rule_holds_on_the_real_samples(shared):
    """The rule `int(id) >> 16` = ms since 1970 holds within 0.25 s for every real post."""
    files = sorted(p for p in shared.iterdir() if p.suffix in (".csv", ".json", ".jsonl"))
    a = load_archive(files)
    assert len(a.posts) > 200 and a.id_time_mismatches().empty
    from ratioed.inputs.load import id_times

    gap = (a.posts["created_at"] - id_times(a.posts["id"])).abs().max()
    assert gap < pd.Timedelta(milliseconds=250)


# ---------------------------------------------------------------- bad values, every layout

BAD_VALUES = [
    # (field, value, words in the message)
    ("created_at", "now", "unparseable time"),
    ("created_at", "today", "unparseable time"),
    ("created_at", "yesterday", "unparseable time"),
    ("created_at", "0", "unparseable time"),
    ("created_at", "2025-07-12", "unparseable time"),  # a date is not a time of posting
    ("created_at", "2025-13-45T99:00:00Z", "time"),
    ("created_at", "2021-12-31T23:00:00Z", "before Truth Social began"),
    ("created_at", "0001-01-01T00:00:00Z", "before Truth Social began"),
    ("created_at", "9999-12-31T00:00:00Z", "later than"),
    ("id", "0" + ID, "leading zero"),
    ("id", "12a4", "not a string of digits"),
    ("id", "-5", "not a string of digits"),
    ("id", "99999999999999999999", "too large"),
    ("replies_count", -3, "negative"),
    ("favourites_count", 1.5, "non-negative integer"),
    ("reblogs_count", "many", "non-negative integer"),
    ("reblogs_count", "9999999999999999999", "too large"),
    ("reblogs_count", "1234567890123456789012345", "too large"),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("field, value, problem", BAD_VALUES,
                         ids=[f"{f}={v}" for f, v, _ in BAD_VALUES])
def test_bad_value(tmp_path, layout, field, value, problem):
    p = write(tmp_path, layout, [other(), post(**{field: value})])
    one_line_error(p, WHERE[layout], field, problem)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("field", ["id", "created_at", "replies_count"])
def test_missing_value(tmp_path, layout, field):
    """null in JSON/Parquet, an empty cell in CSV."""
    p = write(tmp_path, layout, [other(), post(**{field: None})])
    one_line_error(p, WHERE[layout], field, "missing")


def test_post_later_than_the_feed_capture_time(tmp_path):
    p = write(tmp_path, "feed", [other(), post(created_at="2025-07-21T00:00:00Z")])
    one_line_error(p, "new_posts record 2", "created_at", "later than the capture time")


# ---------------------------------------------------------------- nested values (JSON)

NESTED = [
    ("content", {"text": "hi"}, "a JSON object"),
    ("content", ["hi"], "a JSON list"),
    ("url", {"href": "x"}, "a JSON object"),
    ("created_at", 1752355289, "a number|unparseable time"),
    ("media", "https://media.example.invalid/a.jpg", "expected a list of URLs"),
    ("media", {"url": "x"}, "a JSON object"),
    ("media", [{"url": "x"}], "expected a list of URLs"),
    ("id", {"id": 1}, "a JSON object"),
    ("replies_count", True, "true/false|non-negative integer: 'true'"),
]


@pytest.mark.parametrize("layout", ["json", "jsonl", "feed"])
@pytest.mark.parametrize("field, value, problem", NESTED, ids=[f"{f}-{v!r}" for f, v, _ in NESTED])
def test_nested_values_refused(tmp_path, layout, field, value, problem):
    p = write(tmp_path, layout, [other(), post(**{field: value})])
    msg = one_line_error(p, WHERE[layout], field)
    assert re.search(problem, msg) or "not a string of digits" in msg, msg


@pytest.mark.parametrize("layout", ["json", "jsonl", "feed"])
def test_duplicate_key_in_one_object(tmp_path, layout):
    p = write(tmp_path, layout, [other(), post()])
    text = p.read_text().replace(f'"id": "{ID}"', f'"id": "{ID}", "id": "{ID2}"')
    p.write_text(text)
    one_line_error(p, WHERE[layout], "id", "appears twice")


# ---------------------------------------------------------------- the feed's own fields


@pytest.mark.parametrize("as_of, problem", [
    ("now", "not an ISO 8601 time"), (0, "not an ISO 8601 time"),
    ("1970-01-01T00:00:00Z", "outside February 2022 to now"),
    ("2025-07-20T00:00:00", "no time zone"), ("2999-01-01T00:00:00Z", "outside"),
    (None, "not an ISO 8601 time"),
])
def test_feed_as_of_must_be_a_real_time(tmp_path, as_of, problem):
    p = tmp_path / "made_up_feed.json"
    p.write_text(json.dumps({"as_of": as_of, "new_posts": [post()]}))
    one_line_error(p, None, "as_of", problem)


@pytest.mark.parametrize("new_posts", [{"id": ID}, "posts", 3])
def test_feed_new_posts_not_a_list(tmp_path, new_posts):
    p = tmp_path / "made_up_feed.json"
    p.write_text(json.dumps({"as_of": AS_OF, "new_posts": new_posts}))
    one_line_error(p, None, "new_posts", "expected a list of post objects")


# ---------------------------------------------------------------- CSV-only problems


def test_csv_repeated_header_row(tmp_path):
    p = write(tmp_path, "csv", [other(), post()])
    lines = p.read_text().splitlines(keepends=True)
    p.write_text(lines[0] + lines[1] + lines[0] + lines[2])
    one_line_error(p, "row 2", "id", "repeated header row")


def test_csv_ragged_row_has_its_number(tmp_path):
    p = write(tmp_path, "csv", [other(), post(), post(id=ID2)])
    lines = p.read_text().splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + ",extra,cells\n"
    p.write_text("".join(lines))
    one_line_error(p, "row 2 (line 3)", None, "10 fields where the header has 8")


def test_csv_latin1_names_row_and_field(tmp_path):
    p = write(tmp_path, "csv", [other(), post(content="Caf\u00e9 au lait")])
    p.write_bytes(p.read_text().encode("latin-1"))
    one_line_error(p, "row 2 (line 3)", "content", "not UTF-8", "Latin-1")


def test_csv_two_headers_equal_but_for_case(tmp_path):
    p = write(tmp_path, "csv", [post()])
    text = p.read_text().splitlines()
    p.write_text(text[0] + ",ID\n" + text[1] + ",1\n")
    one_line_error(p, None, "id", "two columns named")


def test_missing_required_column(tmp_path):
    for layout in LAYOUTS:
        recs = [{k: v for k, v in post().items() if k != "reblogs_count"}]
        one_line_error(write(tmp_path, layout, recs), None, None, "missing required column",
                       "reblogs_count")


# ---------------------------------------------------------------- Parquet column types


@pytest.mark.parametrize("field, array", [
    ("content", pa.array([{"text": "hi"}])),
    ("content", pa.array([["hi"]])),
    ("content", pa.array([b"hi"], pa.binary())),
    ("media", pa.array([[1]], pa.list_(pa.int64()))),
    ("id", pa.array([{"a": 1}])),
    ("created_at", pa.array([[1]])),
    ("replies_count", pa.array(["x"], pa.binary())),
])
def test_parquet_wrong_column_types(tmp_path, field, array):
    t = pa.Table.from_pylist([post()])
    t = t.set_column(t.column_names.index(field), field, array)
    p = tmp_path / "made_up.parquet"
    pq.write_table(t, p)
    one_line_error(p, None, field, "column type")


def test_parquet_uint64_count_too_large(tmp_path):
    t = pa.Table.from_pylist([other(), post()])
    t = t.set_column(t.column_names.index("favourites_count"), "favourites_count",
                     pa.array([3, 2**63], pa.uint64()))
    p = tmp_path / "made_up.parquet"
    pq.write_table(t, p)
    one_line_error(p, "row 2", "favourites_count", "too large")


def test_parquet_negative_integer_id(tmp_path):
    t = pa.Table.from_pylist([other(), post()])
    t = t.set_column(0, "id", pa.array([int(ID2), -5], pa.int64()))
    p = tmp_path / "made_up.parquet"
    pq.write_table(t, p)
    one_line_error(p, "row 2", "id", "not a string of digits")


# ---------------------------------------------------------------- what a file is


@pytest.mark.parametrize("data, problem", [
    (b"PK\x03\x04" + b"\x00" * 40, "a ZIP file"),
    (gzip.compress(b"hello world\n"), "unknown layout"),
    (b"\x1f\x8b\x08\x00garbage", "gzip-compressed file that cannot be decoded"),
    (b"", "empty"),
])
def test_what_a_file_is(tmp_path, data, problem):
    p = tmp_path / "made_up.bin"
    p.write_bytes(data)
    one_line_error(p, None, None, problem)


def test_urls_are_refused_by_the_loader():
    with pytest.raises(InputError, match="is a URL: the loader reads local files"):
        load_archive("https://example.invalid/archive.json")


def test_leading_zero_ids_no_longer_split_one_post_in_two(tmp_path):
    """Two captures, one writing ids with a leading zero: refused, not 2 posts counted."""
    a = write(tmp_path, "json", [post()], "a")
    b = write(tmp_path, "json", [post(id="0" + ID)], "b")
    with pytest.raises(InputError, match="leading zero"):
        load_archive([a, b])


# ---------------------------------------------------------------- the command line

CLI_CASES = [
    ("json", [other(), post(created_at="now")], "record 2, field 'created_at'"),
    ("csv", [other(), post(replies_count=-1)], "row 2, field 'replies_count'"),
    ("jsonl", [other(), post(content={"a": 1})], "line 2, field 'content'"),
    ("feed", [other(), post(id="0" + ID)], "new_posts record 2, field 'id'"),
    ("parquet", [other(), post(reblogs_count="9999999999999999999")], "row 2, field 'reblogs_count'"),
]


@pytest.mark.parametrize("layout, records, where", CLI_CASES)
def test_cli_load_exits_2_with_one_line(tmp_path, capsys, layout, records, where):
    p = write(tmp_path, layout, records)
    assert main(["load", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"ratioed: error: {p}, {where}: ")


def _run(args, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "ratioed", *args], capture_output=True,
                          text=True, env=env, timeout=120, **kw)


def test_cli_subprocess_bad_inputs(tmp_path):
    for layout, records, where in CLI_CASES[:3]:
        p = write(tmp_path, layout, records, name=f"cli_{layout}")
        r = _run(["load", str(p)])
        assert r.returncode == 2, r.stderr
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr
        assert f"{p}, {where}" in r.stderr


def test_cli_out_refuses_inputs_raw_and_missing_folders(tmp_path, capsys):
    p = write(tmp_path, "json", [post()])
    before = p.read_bytes()
    link = tmp_path / "hard.json"
    os.link(p, link)
    sym = tmp_path / "sym.json"
    sym.symlink_to(p)
    from ratioed import paths

    for out, problem in [(str(p), "would overwrite the input"),
                         (str(tmp_path / "." / p.name), "would overwrite the input"),
                         (str(link), "would overwrite the input"),
                         (str(sym), "would overwrite the input"),
                         (str(paths.RAW_DIR / "posts.parquet"), "raw data is never modified"),
                         (str(tmp_path / "no" / "such" / "x.parquet"), "does not exist"),
                         (str(tmp_path), "is a folder")]:
        assert main(["load", str(p), "--out", out]) == 2, out
        err = capsys.readouterr().err
        assert problem in err and err.count("\n") == 1, err
    assert p.read_bytes() == before
    ok = tmp_path / "posts.parquet"
    assert main(["load", str(p), "--out", str(ok)]) == 0
    assert pq.read_table(ok).num_rows == 1


def test_cli_output_into_a_closed_pipe(tmp_path):
    p = write(tmp_path, "json", [post()])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for reader in ("head -1", "true"):  # `true` has left before anything is written
        r = subprocess.run(f"'{sys.executable}' -m ratioed load '{p}' | {reader}", shell=True,
                           capture_output=True, text=True, env=env, timeout=120)
        assert r.stdout.count("\n") == (1 if reader.startswith("head") else 0)
        assert "BrokenPipe" not in r.stderr and "Traceback" not in r.stderr, r.stderr
