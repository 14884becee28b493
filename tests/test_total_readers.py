"""Readers that are total: every hostile or odd input gives a correct load or one InputError
naming the file, the row/line/record and (where meaningful) the field -- never a traceback
from inside json, pandas or Arrow, and never a file's bytes echoed in a message.

Every input here is MADE UP, generated in code (issue 23, "Readers that are not total").
"""

from __future__ import annotations

import bz2
import json
import lzma
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import made_up_statuses as made_up  # noqa: E402
from ratioed import InputError, load_archive  # noqa: E402
from ratioed.cli import main  # noqa: E402
from ratioed.inputs.observations import read_observations  # noqa: E402

# a made-up post in the archive's layouts (the id's time is its created_at)
RECORD = {"id": "114882071199726147", "created_at": "2025-07-19T21:41:31.544Z",
          "content": "<p>made up</p>", "url": "https://example.invalid/1",
          "media": ["https://media.example.invalid/a.jpg"],
          "replies_count": 1, "reblogs_count": 2, "favourites_count": 3}
RECORD2 = {**RECORD, "id": "114882071199726148"}
HEADER = "id,created_at,content,url,replies_count,reblogs_count,favourites_count\n"
DEEP = "[" * 100_000 + "]" * 100_000  # made up: arrays nested 10^5 deep
DIGITS = "9" * 5000  # made up: a 5,000-digit number
OBS_HEADER = "post_id,observed_at,replies,retruths,likes,source,note\n"


def refused(path: Path, *parts: str) -> str:
    """Loading ``path`` raises one InputError naming the file and every part; its message."""
    with pytest.raises(InputError) as err:
        load_archive([path])
    msg = str(err.value)
    assert "\n" not in msg and path.name in msg, msg
    for part in parts:
        assert part in msg, (part, msg)
    assert len(msg) < 600, msg  # a 5,000-digit value is never printed whole
    return msg


def as_json(tmp_path: Path, records, name="made_up.json") -> Path:
    p = tmp_path / name
    p.write_text("[" + ", ".join(r if isinstance(r, str) else json.dumps(r) for r in records)
                 + "]", encoding="utf-8")
    return p


def as_jsonl(tmp_path: Path, records, name="made_up.jsonl") -> Path:
    p = tmp_path / name
    p.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records),
                 encoding="utf-8")
    return p


def as_feed(tmp_path: Path, records, name="made_up_feed.json") -> Path:
    p = tmp_path / name
    p.write_text('{"as_of": "2025-07-20T00:00:00Z", "new_posts": ['
                 + ", ".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "]}",
                 encoding="utf-8")
    return p


def with_raw(field: str, raw: str, base: dict = RECORD2) -> str:
    """A record's JSON text with ``field`` set to the raw JSON text ``raw``."""
    rest = json.dumps({k: v for k, v in base.items() if k != field})
    return rest[:-1] + f', "{field}": {raw}}}'


WRITERS = {"json": (as_json, "record 2"), "jsonl": (as_jsonl, "line 2"),
           "feed": (as_feed, "new_posts record 2")}


# ------------------------------------------------------------------ 1. deep nesting


@pytest.mark.parametrize("layout", sorted(WRITERS))
@pytest.mark.parametrize("field", ["content", "url", "media"])
def test_deep_nesting_names_file_record_and_field(tmp_path, layout, field):
    write, where = WRITERS[layout]
    path = write(tmp_path, [RECORD, with_raw(field, DEEP)])
    refused(path, where, f"field '{field}'", "nested")


def test_a_file_that_is_only_deep_nesting_is_named(tmp_path):
    path = tmp_path / "made_up.json"
    path.write_text(DEEP)
    refused(path, "record 1", "nested")


def test_deep_nesting_in_a_status_names_status_and_field(tmp_path):
    statuses = made_up.statuses()
    text = json.dumps(statuses[:3])
    text = text.replace('"mentions": []', '"mentions": ' + DEEP, 2)  # statuses 1 and 2
    path = tmp_path / "made_up_statuses.json"
    path.write_text(text)
    refused(path, "status 1", "field 'mentions'", "nested")


def test_deep_nesting_is_one_line_on_the_command_line(tmp_path, capsys):
    path = as_jsonl(tmp_path, [RECORD, with_raw("content", DEEP)])
    assert main(["load", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "line 2" in err and "'content'" in err


# ------------------------------------------------------------------ 2. lone surrogates
# Decision: a lone UTF-16 surrogate escape ("\ud800") is not a character; the text cannot be
# kept as it is (UTF-8 cannot hold it) and replacing it would change the post silently, so it
# is refused, naming the record and the field.


@pytest.mark.parametrize("layout", sorted(WRITERS))
@pytest.mark.parametrize("field", ["content", "url"])
def test_a_lone_surrogate_is_refused_with_record_and_field(tmp_path, layout, field):
    write, where = WRITERS[layout]
    path = write(tmp_path, [RECORD, with_raw(field, '"made up \\ud800 text"')])
    refused(path, where, f"field '{field}'", "surrogate")


def test_a_lone_surrogate_in_a_status_account_is_refused(tmp_path):
    text = json.dumps(made_up.statuses()[:2])
    text = text.replace('"acct": "bob@example.social"', '"acct": "b\\udc00b"', 1)
    path = tmp_path / "made_up_statuses.json"
    path.write_text(text)
    refused(path, "status 1", "'account", "surrogate")


def test_a_surrogate_pair_is_one_character_and_loads(tmp_path):
    path = as_json(tmp_path, [RECORD, with_raw("content", '"smile \\ud83d\\ude00"')])
    posts = load_archive([path]).posts
    assert "smile \U0001f600" in set(posts["content"])


# ------------------------------------------------------------------ 3. 5,000-digit counts


@pytest.mark.parametrize("layout", sorted(WRITERS))
def test_a_5000_digit_count_names_file_record_and_field(tmp_path, layout):
    write, where = WRITERS[layout]
    path = write(tmp_path, [RECORD, with_raw("replies_count", DIGITS)])
    refused(path, where, "field 'replies_count'", "too large")


def test_a_5000_digit_count_beside_nested_text_names_the_count(tmp_path):
    """The exact path (a JSON object in ``content`` sends the file there) reads the count."""
    rec = with_raw("replies_count", DIGITS, {**RECORD2, "content": {"a": 1}})
    path = as_json(tmp_path, [RECORD, rec])
    refused(path, "record 2")


def test_a_5000_digit_count_in_a_status(tmp_path):
    text = json.dumps(made_up.statuses()[:3]).replace('"replies_count": 1000', '"replies_count": '
                                                      + DIGITS, 1)
    path = tmp_path / "made_up_statuses.json"
    path.write_text(text)
    refused(path, "status 2", "field 'replies_count'", "too large")


@pytest.mark.parametrize("value", [DIGITS, "-" + DIGITS])
def test_a_5000_digit_count_in_a_csv(tmp_path, value):
    path = tmp_path / "made_up.csv"
    path.write_text(HEADER + f"114882071199726147,2025-07-19T21:41:31.544Z,a,u,{value},2,3\n")
    refused(path, "row 1", "field 'replies_count'")


def test_a_5000_digit_id_in_json(tmp_path):
    path = as_feed(tmp_path, [RECORD, with_raw("id", DIGITS)])
    refused(path, "new_posts record 2", "field 'id'")


# ------------------------------------------------------------------ 4. layouts by structure


def test_a_status_page_with_a_long_first_status_is_read_as_statuses(tmp_path):
    statuses = made_up.statuses()
    statuses[0]["content"] = "<p>" + "made up words " * 6000 + "</p>"  # > 64 KB
    path = tmp_path / "made_up_statuses.json"
    path.write_text(json.dumps(statuses))
    archive = load_archive([path])
    assert archive.captures[0].layout == "statuses"
    posts = archive.posts
    assert set(posts["account"]) == {"alice", "bob@example.social"}
    assert (posts["kind"] == "boost").sum() == 2


def test_status_lines_with_a_long_first_status_are_read_as_statuses(tmp_path):
    statuses = made_up.statuses()
    statuses[0]["content"] = "<p>" + "made up words " * 6000 + "</p>"
    path = as_jsonl(tmp_path, statuses, "made_up_statuses.json")
    archive = load_archive([path])
    assert archive.captures[0].layout == "statuses"
    assert (archive.posts["kind"] == "boost").sum() == 2


def test_an_account_object_in_the_flat_layout_is_refused(tmp_path):
    """The flat layout's ``account`` is text; an object there (a status after a flat record)
    is named, never printed as its JSON text."""
    path = as_json(tmp_path, [RECORD, {**RECORD2, "account": {"acct": "alice", "id": "1"}}])
    refused(path, "record 2", "field 'account'", "JSON object")


def test_a_jsonl_file_named_json_with_a_long_first_line(tmp_path):
    long = {**RECORD, "content": "<p>" + "made up " * 2000 + "</p>"}
    path = as_jsonl(tmp_path, [long, RECORD2], "made_up_lines.json")
    archive = load_archive([path])
    assert archive.captures[0].layout == "jsonl" and len(archive.posts) == 2


# ------------------------------------------------------------------ 5. wrong JSON types

WRONG_TYPES = [("media", "[1, 2]"), ("media", '["https://media.example.invalid/a.jpg", null]'),
               ("url", "12"), ("content", "true"), ("content", "12.5"), ("account", "5"),
               ("media", '[{"url": "https://media.example.invalid/a.jpg"}]')]


@pytest.mark.parametrize("layout", sorted(WRITERS))
@pytest.mark.parametrize("field, raw", WRONG_TYPES)
def test_a_value_of_the_wrong_json_type_is_refused(tmp_path, layout, field, raw):
    write, where = WRITERS[layout]
    path = write(tmp_path, [RECORD, with_raw(field, raw)])
    refused(path, where, f"field '{field}'", "expected")


def test_text_that_looks_like_a_number_is_still_text(tmp_path):
    path = as_json(tmp_path, [RECORD, {**RECORD2, "content": "12"}])
    posts = load_archive([path]).posts
    assert "12" in set(posts["content"])


@pytest.mark.parametrize("change, field", [
    (lambda s: s.update(url=12), "url"),
    (lambda s: s.update(content=True), "content"),
])
def test_a_status_value_of_the_wrong_type_is_refused(tmp_path, change, field):
    statuses = made_up.statuses()
    change(statuses[1])
    path = tmp_path / "made_up_statuses.json"
    path.write_text(json.dumps(statuses))
    refused(path, "status 2", f"field '{field}'")


# ------------------------------------------------------------------ 6. blank lines first


@pytest.mark.parametrize("blank", ["\n", " \n", "\r\n"])
def test_json_lines_after_thousands_of_blank_lines_load(tmp_path, blank):
    path = tmp_path / "made_up.jsonl"
    path.write_text(blank * 5000 + json.dumps(RECORD) + "\n" + json.dumps(RECORD2) + "\n",
                    newline="")
    assert len(load_archive([path]).posts) == 2


def test_json_lines_after_blank_lines_name_the_right_line(tmp_path):
    path = tmp_path / "made_up.jsonl"
    path.write_text("\n" * 5000 + json.dumps(RECORD) + "\n" + with_raw("url", "12") + "\n")
    refused(path, "line 5002", "field 'url'")


def test_only_blank_lines_is_empty(tmp_path):
    path = tmp_path / "made_up.jsonl"
    path.write_text("\n \n\t\n" * 5000)
    refused(path, "empty")


# ------------------------------------------------------------------ 7. long CSV fields


def _csv_with_long_field(last_row: str) -> str:
    rows = [f"11488207119972614{i},2025-07-19T21:41:31.544Z,a,u,1,2,3\n" for i in range(4)]
    rows[2] = rows[2].replace(",a,", ',"' + "y" * 200_000 + '",')  # a legal 200 KB field
    return HEADER + "".join(rows) + last_row


@pytest.mark.parametrize("last, parts", [
    ("114882071199726149,2025-07-19T21:41:31.544Z,a,u,1,2\n", ["row 5", "6 fields where"]),
    ("114882071199726149,2025-07-19T21:41:31.544Z,a,u,x,2,3\n", ["row 5", "'replies_count'"]),
])
def test_a_long_legal_csv_field_does_not_move_the_blame(tmp_path, last, parts):
    path = tmp_path / "made_up.csv"
    path.write_text(_csv_with_long_field(last))
    msg = refused(path, *parts)
    assert "line 4" not in msg and "field limit" not in msg


def test_a_long_csv_field_before_bytes_that_are_not_utf8(tmp_path):
    path = tmp_path / "made_up.csv"
    path.write_bytes(_csv_with_long_field("").encode()
                     + b"114882071199726149,2025-07-19T21:41:31.544Z,caf\xe9,u,1,2,3\n")
    refused(path, "row 5", "not UTF-8")


def test_a_csv_field_of_several_megabytes_loads(tmp_path):
    path = tmp_path / "made_up.csv"
    path.write_text(_csv_with_long_field("").replace("y" * 200_000, "y" * 3_000_000))
    posts = load_archive([path]).posts
    assert len(posts) == 4 and posts["content"].str.len().max() == 3_000_000


# ------------------------------------------------------------------ 8. what a file is

CSV_BYTES = (HEADER + "114882071199726147,2025-07-19T21:41:31.544Z,a,u,1,2,3\n").encode()


@pytest.mark.parametrize("data, named", [
    (bz2.compress(CSV_BYTES), "bzip2-compressed"),
    (lzma.compress(CSV_BYTES), "xz-compressed"),
    # a zstd frame's magic number and header (made up; no zstd module needed)
    (b"\x28\xb5\x2f\xfd\x24\x00\x01\x00\x00" + CSV_BYTES[:20], "zstd-compressed"),
    (CSV_BYTES.decode().encode("utf-32"), "UTF-32"),
    (CSV_BYTES.decode().encode("utf-32-le"), "UTF-32"),
    (CSV_BYTES.decode().encode("utf-32-be"), "UTF-32"),
])
def test_compressed_and_utf32_files_are_named(tmp_path, data, named):
    path = tmp_path / "made_up.csv"
    path.write_bytes(data)
    refused(path, named)


@pytest.mark.parametrize("data", [
    b"SECRET_TOKEN=made-up-hunter2\nHOME=/made/up\n",
    b"HOME=/made/up\x00SECRET_TOKEN=made-up-hunter2\x00PATH=/bin,id\x00",
    b"\x01\x02\x03made-up-hunter2" + bytes(range(256)),
    b"-----BEGIN MADE UP KEY-----\nmade-up-hunter2\n",
])
def test_an_unknown_file_is_described_never_echoed(tmp_path, data):
    path = tmp_path / "made_up.txt"
    path.write_bytes(data)
    msg = refused(path)
    assert "hunter2" not in msg and "SECRET" not in msg and "HOME" not in msg, msg


def test_a_file_name_that_is_not_utf8_loads(tmp_path):
    name = os.fsdecode(b"made_up_\xff.json")
    path = tmp_path / name
    path.write_text(json.dumps([RECORD, RECORD2]))
    assert len(load_archive([path]).posts) == 2
    csv = tmp_path / os.fsdecode(b"made_up_\xfe.csv")
    csv.write_bytes(CSV_BYTES)
    assert len(load_archive([csv]).posts) == 1


# ------------------------------------------------------------------ 10, 11. observations


def test_an_environment_file_is_not_an_observations_csv(tmp_path):
    path = tmp_path / "environ"  # made up, shaped like /proc/self/environ
    path.write_bytes(b"HOME=/made/up\x00SECRET_TOKEN=made-up-hunter2\x00LANG=C.UTF-8\x00")
    with pytest.raises(InputError) as err:
        read_observations(path)
    msg = str(err.value)
    assert "not an observations CSV: expected columns post_id,observed_at" in msg, msg
    assert "hunter2" not in msg and "HOME" not in msg


def test_another_csv_is_not_an_observations_csv(tmp_path):
    path = tmp_path / "made_up.csv"
    path.write_text("user,password\nmade-up,hunter2\n")
    with pytest.raises(InputError) as err:
        read_observations(path)
    msg = str(err.value)
    assert "not an observations CSV" in msg and "hunter2" not in msg and "password" not in msg


def test_a_typo_in_an_observations_header_is_still_named(tmp_path):
    path = tmp_path / "observations.csv"
    path.write_text(OBS_HEADER.replace("source", "sorce"))
    with pytest.raises(InputError, match="sorce"):
        read_observations(path)


@pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="no /proc")
def test_the_real_environment_is_never_printed():
    with pytest.raises(InputError) as err:
        read_observations("/proc/self/environ")
    msg = str(err.value)
    assert "not an observations CSV" in msg
    for key in ("PATH", "HOME"):
        if os.environ.get(key):
            assert os.environ[key] not in msg


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_not_an_observations_file():
    with pytest.raises(InputError, match="not a regular file"):
        read_observations("/dev/zero")


def test_a_long_observation_source_prints_its_value(tmp_path):
    path = tmp_path / "observations.csv"
    source = "Made-up reporter with a very long name indeed and longer than forty"
    path.write_text(OBS_HEADER + f"114842356238631061,2025-07-13T10:45:00-04:00,1,2,3,{source},\n")
    with pytest.raises(InputError) as err:
        read_observations(path)
    msg = str(err.value)
    assert "Made-up reporter with" in msg and "{rec" not in msg, msg
    assert "row 1" in msg and "'source'" in msg


def test_a_long_observation_cell_is_named_not_a_traceback(tmp_path):
    path = tmp_path / "observations.csv"
    path.write_text(OBS_HEADER + "114842356238631061,2025-07-13T10:45:00-04:00,1,2,3,Made up,"
                    + '"' + "n" * 200_000 + '"\n')
    assert len(read_observations(path)) == 1


# ------------------------------------------------------------------ 12. account handles

NOT_HANDLES = ['<meta http-equiv="refresh" content="0;url=https://example.invalid/">',
               "<style>table{display:none}</style>", "bob smith", "javascript:alert(1)"]


@pytest.mark.parametrize("value", NOT_HANDLES)
def test_an_account_that_is_not_a_handle_is_refused_in_csv(tmp_path, value):
    path = tmp_path / "made_up.csv"
    quoted = '"' + value.replace('"', '""') + '"'
    path.write_text("id,created_at,account,replies_count,reblogs_count,favourites_count\n"
                    "114882071199726147,2025-07-19T21:41:31.544Z,alice,1,2,3\n"
                    f"114882071199726148,2025-07-19T21:41:31.544Z,{quoted},1,2,3\n")
    refused(path, "row 2", "field 'account'", "not an account handle")


@pytest.mark.parametrize("value", NOT_HANDLES)
def test_an_account_that_is_not_a_handle_is_refused_in_a_status(tmp_path, value):
    statuses = made_up.statuses()
    statuses[1] = {**statuses[1], "account": {**made_up.BOB, "acct": value}}
    path = tmp_path / "made_up_statuses.json"
    path.write_text(json.dumps(statuses))
    refused(path, "status 2", "field 'account'", "not an account handle")


def test_handles_with_domains_load(tmp_path):
    path = tmp_path / "made_up.csv"
    path.write_text("id,created_at,account,replies_count,reblogs_count,favourites_count\n"
                    "114882071199726147,2025-07-19T21:41:31.544Z,bob@example.social,1,2,3\n"
                    "114882071199726148,2025-07-19T21:41:31.544Z,al_ice.x-y,1,2,3\n")
    assert set(load_archive([path]).posts["account"]) == {"bob@example.social", "al_ice.x-y"}


def test_a_parquet_file_name_that_is_not_utf8_loads(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / os.fsdecode(b"made_up_\xff.parquet")
    with open(path, "wb") as fh:
        pq.write_table(pa.table({k: [RECORD[k]] for k in ("id", "created_at", "replies_count",
                                                          "reblogs_count", "favourites_count")}),
                       fh)
    assert len(load_archive([path]).posts) == 1


def test_a_status_page_whose_first_status_is_deep_is_still_a_status_page(tmp_path):
    statuses = made_up.statuses()[:2]
    text = json.dumps(statuses).replace('"card": null', '"card": ' + DEEP, 1)
    path = tmp_path / "made_up_statuses.json"
    path.write_text(text)
    refused(path, "status 1", "field 'card'", "nested")


@pytest.mark.parametrize("content", ['he wrote "account": {"acct": "x"} \\',
                                     '\\\\"account": {', "ends in a backslash \\"])
def test_text_that_mentions_an_account_object_is_not_a_status(tmp_path, content):
    """Quotes and backslashes in the text of a flat record: the structural scan is not fooled."""
    path = as_json(tmp_path, [{**RECORD, "content": content}, RECORD2])
    archive = load_archive([path])
    assert archive.captures[0].layout == "json"
    assert content.strip() in set(archive.posts["content"])


def test_parquet_text_that_is_not_utf8_is_named(tmp_path):
    """Parquet's strings are not checked as UTF-8 when read: bytes a broken writer left
    (made up: Latin-1 "café", a CESU-encoded surrogate) are named by row and field."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = pa.array([b"fine", b"caf\xe9", b"\xed\xa0\x80"], pa.binary())
    text = pa.Array.from_buffers(pa.string(), 3, raw.buffers())
    ids = [str(int(RECORD["id"]) + k) for k in range(3)]
    path = tmp_path / "made_up.parquet"
    pq.write_table(pa.table({"id": ids, "created_at": [RECORD["created_at"]] * 3,
                             "content": text, "replies_count": [1] * 3,
                             "reblogs_count": [1] * 3, "favourites_count": [1] * 3}), path)
    refused(path, "row 2", "field 'content'", "not UTF-8")
