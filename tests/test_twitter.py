"""X/Twitter inputs refused with one line naming the file, the record and the source's own
field. Every tweet here is MADE UP (tests/made_up_platforms.py)."""

from __future__ import annotations

import json

import pytest

import made_up_platforms as mu
from ratioed import InputError, load_archive


def refused(path, where, field, words):
    with pytest.raises(InputError) as err:
        load_archive(path)
    e = err.value
    assert str(path) in str(e) and e.where == where and e.field == field, str(e)
    assert words in e.problem, str(e)
    assert "\n" not in str(e)


def test_v2_negative_count(tmp_path):
    page = mu.v2_pages(per_page=100)[0]
    page["data"][1]["public_metrics"]["like_count"] = -1
    p = tmp_path / "p.json"
    p.write_text(json.dumps(page))
    refused(p, "tweet 2", "public_metrics.like_count", "negative")


def test_v2_bad_time_in_a_jsonl_page(tmp_path):
    pages = mu.v2_pages()
    pages[1]["data"][2]["created_at"] = "yesterday"
    p = tmp_path / "p.jsonl"
    p.write_text("".join(json.dumps(x) + "\n" for x in pages))
    refused(p, "line 2, tweet 3", "created_at", "unparseable time")


def test_v2_without_public_metrics(tmp_path):
    page = mu.v2_pages(per_page=100)[0]
    for t in page["data"]:
        del t["public_metrics"]
    p = tmp_path / "p.json"
    p.write_text(json.dumps(page))
    with pytest.raises(InputError, match="public_metrics.reply_count"):
        load_archive(p)


def test_v2_metrics_of_the_wrong_type(tmp_path):
    page = mu.v2_pages(per_page=100)[0]
    page["data"][0]["public_metrics"] = [1, 2]
    p = tmp_path / "p.json"
    p.write_text(json.dumps(page))
    refused(p, "tweet 1", "public_metrics", "a JSON list")


def test_v1_without_reply_count_names_it(tmp_path):
    items = [mu.v1_status(*x) for x in mu.POSTS]
    for st in items:
        del st["reply_count"]
    p = tmp_path / "v1.json"
    p.write_text(json.dumps(items))
    with pytest.raises(InputError, match="reply_count"):
        load_archive(p)


def test_v1_bad_time(tmp_path):
    items = [mu.v1_status(*x) for x in mu.POSTS]
    items[2]["created_at"] = "Wed Oct 99 20:19:24 +0000 2018"
    p = tmp_path / "v1.jsonl"
    p.write_text("".join(json.dumps(s) + "\n" for s in items))
    refused(p, "line 3", "created_at", "unparseable time")


def test_csv_bad_count_names_the_column(tmp_path):
    p = mu.write_csv(tmp_path, "sheet")
    text = p.read_bytes().decode("cp1252").splitlines(keepends=True)
    head, rows = text[0], text[1:]
    # row 4 (the fourth post; row 1 spans two lines): its Favorites cell
    rows[4] = rows[4].replace(",3,FALSE", ",many,FALSE")
    p.write_bytes((head + "".join(rows)).encode("cp1252"))
    refused(p, "row 4", "Favorites", "non-negative integer")


def test_csv_without_id_or_url(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("created_at,text,replies,retweets,likes\n2023-06-01T12:00:00Z,x,1,2,3\n")
    with pytest.raises(InputError, match="without the tweet's id or status URL"):
        load_archive(p)


def test_csv_url_that_is_not_a_status(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("url,created_at,replies,retweets,likes\n"
                 "https://example.com/nope,2023-06-01T12:00:00Z,1,2,3\n")
    refused(p, "row 1", "url", "status URL")


def test_csv_day_first_times(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,date,replies,retweets,likes,username\n"
                 "1664255474417008640,25/06/2023 13:05,1,2,3,alice_x\n"
                 "1664255474417008641,01/06/2023 12:00,1,2,3,alice_x\n")
    times = load_archive(p).posts["created_at"].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert sorted(times) == ["2023-06-01 12:00", "2023-06-25 13:05"]
