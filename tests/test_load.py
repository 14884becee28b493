"""Loader behaviour on small hand-made inputs. Every record here is made up for the test."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ratioed import InputError, load_archive, load_posts
from ratioed.cli import main

ID18 = "114842356238631061"  # 18 digits: a float would turn it into ...631040


def post(**kw):
    base = {"id": ID18, "created_at": "2025-07-12T21:21:29.285Z", "content": "<p>Hello</p>",
            "url": f"https://example.invalid/{ID18}", "media": [],
            "replies_count": 3, "reblogs_count": 2, "favourites_count": 1}
    base.update(kw)
    return base


def write_json(tmp_path, records, name="made_up.json"):
    p = tmp_path / name
    p.write_text(json.dumps(records))
    return p


def write_jsonl(tmp_path, records, name="made_up.jsonl"):
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in records))
    return p


def test_18_digit_ids_survive_every_layout(tmp_path):
    ids = ["114842356238631061", "999999999999999999", "100000000000000001"]
    recs = [post(id=i) for i in ids]
    csv = tmp_path / "made_up.csv"
    pd.DataFrame(recs).assign(media="").to_csv(csv, index=False)
    pq = tmp_path / "made_up.parquet"
    pd.DataFrame(recs).assign(id=[int(i) for i in ids]).to_parquet(pq)
    for path in (write_json(tmp_path, recs), write_jsonl(tmp_path, recs), csv, pq):
        assert sorted(load_posts(path)["id"]) == sorted(ids), path.name
    # JSON numbers (not strings) are exact too
    raw = tmp_path / "numeric_ids.json"
    raw.write_text("[" + ",".join(json.dumps(post(id=0)).replace('"id": 0', f'"id": {i}')
                                  for i in ids) + "]")
    assert sorted(load_posts(raw)["id"]) == sorted(ids)


def test_float_ids_are_refused(tmp_path):
    pq = tmp_path / "made_up.parquet"
    pd.DataFrame([post()]).assign(id=[1.1484235623863106e17]).to_parquet(pq)
    with pytest.raises(InputError, match="floating-point"):
        load_posts(pq)


def test_html_entities_and_mojibake_are_cleaned(tmp_path):
    recs = [
        post(id="1", content="<p>Iran\u00e2\u0080\u0099s deal &amp; more</p><p>Second<br/>line</p>"),
        post(id="2", content="<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        post(id="3", content="A \u00e2\u0080\u0094 dash, \u201ccurly\u201d quotes kept"),
    ]
    posts = load_posts(write_json(tmp_path, recs)).set_index("id")
    assert posts.loc["1", "content"] == "Iran\u2019s deal & more\n\nSecond\nline"
    assert posts.loc["2", "content"] == "<script>alert(1)</script>"  # text, not a tag
    assert posts.loc["3", "content"] == "A \u2014 dash, \u201ccurly\u201d quotes kept"


def test_kinds(tmp_path):
    recs = [
        post(id="1", content="<p>RT @someone hello</p>", replies_count=0, reblogs_count=0,
             favourites_count=0),
        post(id="2", content="RT: https://truthsocial.com/x/1"),
        post(id="3", content="<p></p>", media=["https://m.invalid/a.jpg", "https://m.invalid/b.jpg"]),
        post(id="4", content="https://example.invalid/story"),
        post(id="5", content="Words"),
        post(id="6", content=""),
    ]
    posts = load_posts(write_json(tmp_path, recs)).set_index("id")
    assert posts["kind"].astype(str).to_dict() == {
        "1": "retruth", "2": "quote", "3": "media_only", "4": "link_only", "5": "original",
        "6": "empty"}
    assert posts.loc["3", "media_count"] == 2


def test_csv_media_is_split_on_semicolon_and_comma(tmp_path):
    csv = tmp_path / "made_up.csv"
    pd.DataFrame([post(id="1", media="https://a.invalid/1.jpg; https://a.invalid/2.jpg"),
                  post(id="2", media="https://a.invalid/3.jpg,https://a.invalid/4.jpg"),
                  post(id="3", media="")]).to_csv(csv, index=False)
    posts = load_posts(csv).set_index("id")
    assert list(posts.loc["1", "media"]) == ["https://a.invalid/1.jpg", "https://a.invalid/2.jpg"]
    assert list(posts.loc["2", "media"]) == ["https://a.invalid/3.jpg", "https://a.invalid/4.jpg"]
    assert posts["media_count"].to_dict() == {"1": 2, "2": 2, "3": 0}


def test_metrics_only_table_loads_without_content(tmp_path):
    csv = tmp_path / "made_up_metrics.csv"
    pd.DataFrame([post()]).drop(columns=["content", "media"]).to_csv(csv, index=False)
    posts = load_posts(csv)
    assert posts["content"].isna().all() and posts["media_count"].eq(0).all()
    assert posts["kind"].astype(str).tolist() == ["unknown"]


def test_times_are_utc_from_any_offset(tmp_path):
    recs = [post(id="1", created_at="2025-07-12T17:21:29.285-04:00"),
            post(id="2", created_at="2026-03-08 12:22:12.252000+00:00"),
            post(id="3", created_at="2025-07-12T21:21:29Z")]
    t = load_posts(write_json(tmp_path, recs)).set_index("id")["created_at"]
    assert str(t.dtype) == "datetime64[us, UTC]"
    assert t["1"] == pd.Timestamp("2025-07-12T21:21:29.285Z")
    assert t["2"] == pd.Timestamp("2026-03-08T12:22:12.252Z")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "records, where, field, problem",
    [
        ([post(id="1"), post(id="2", replies_count=-3)], "record 2", "replies_count", "negative|non-negative"),
        ([post(id="1", favourites_count=1.5)], "record 1", "favourites_count", "non-negative integer"),
        ([post(id="1", reblogs_count="many")], "record 1", "reblogs_count", "non-negative integer"),
        ([post(id="1"), post(id="2"), post(id="3", created_at="yesterday")], "record 3", "created_at", "unparseable time"),
        ([post(id="12a4")], "record 1", "id", "not a string of digits"),
        ([post(id="1"), post(id=None)], "record 2", "id", "missing value"),
    ],
)
def test_bad_values_name_file_record_and_field(tmp_path, records, where, field, problem):
    path = write_json(tmp_path, records)
    with pytest.raises(InputError, match=problem) as info:
        load_posts(path)
    msg = str(info.value)
    assert msg.startswith(str(path)) and where in msg and f"field '{field}'" in msg


def test_bad_line_in_jsonl_is_named(tmp_path):
    p = tmp_path / "made_up.jsonl"
    p.write_text(json.dumps(post(id="1")) + "\n\n" + json.dumps(post(id="2", likes=1))
                 + "\n" + json.dumps(post(id="3", favourites_count=-1)) + "\n")
    with pytest.raises(InputError, match=r"line 4, field 'favourites_count'"):
        load_posts(p)
    p.write_text(json.dumps(post(id="1")) + "\n" + json.dumps(post(id="2"))[:40] + "\n")
    with pytest.raises(InputError, match=r"line 2: malformed or truncated JSON"):
        load_posts(p)


def test_bad_row_in_csv_is_named(tmp_path):
    csv = tmp_path / "made_up.csv"
    pd.DataFrame([post(id="1"), post(id="2"), post(id="3", replies_count="7.5")]).to_csv(
        csv, index=False)
    with pytest.raises(InputError, match=r"row 3, field 'replies_count'.*'7.5'"):
        load_posts(csv)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b'[{"id": "1", "created_at": "2025-07-12T21:21:29Z"', "truncated JSON"),
        (b"hello world\n", "unknown layout"),
        (b"<html><body>404</body></html>", "an HTML page"),  # the README names it
        (b'{"something": 1}\n{"else": 2}\n', "missing required column"),
        (b'[]', "holds no posts"),
    ],
)
def test_bad_files(tmp_path, content, problem):
    p = tmp_path / "made_up.json"
    p.write_bytes(content)
    with pytest.raises(InputError, match=problem) as info:
        load_posts(p)
    assert str(p) in str(info.value)


def test_missing_column_named(tmp_path):
    csv = tmp_path / "made_up.csv"
    pd.DataFrame([post()]).drop(columns=["reblogs_count"]).to_csv(csv, index=False)
    with pytest.raises(InputError, match="missing required column.*reblogs_count"):
        load_posts(csv)


def test_missing_file_and_cli_exit_code(tmp_path, capsys):
    with pytest.raises(InputError, match="file not found"):
        load_posts(tmp_path / "nope.json")
    bad = write_json(tmp_path, [post(replies_count=-1)])
    assert main(["load", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip() == (f"ratioed: error: {bad}, record 1, field 'replies_count': "
                           "count is negative: -1")


def test_duplicates_in_one_capture_keep_higher_counts(tmp_path):
    recs = [post(id="1", replies_count=5), post(id="1", replies_count=9),
            post(id="2"), post(id="2"), post(id="3")]
    archive = load_archive(write_json(tmp_path, recs))
    posts = archive.posts.set_index("id")
    assert len(posts) == 3 and posts.loc["1", "replies"] == 9
    cap = archive.captures[0]
    assert (cap.duplicate_ids, cap.duplicate_ids_differing) == (2, 1)
    assert "2 duplicate-id rows dropped (1 with different counts" in archive.summary()


def test_captures_merge_to_latest_counts_and_keep_history(tmp_path):
    early = write_json(tmp_path, [post(id="1", replies_count=1), post(id="2")], "early.json")
    late = write_jsonl(tmp_path, [post(id="1", replies_count=50)], "late.jsonl")
    a = load_archive([early, late])  # no capture times: order of sources decides
    assert a.posts.set_index("id").loc["1", "replies"] == 50
    assert a.posts.set_index("id").loc["1", "capture"] == "late.jsonl"
    assert a.history.query("id == '1'")["replies"].tolist() == [1, 50]
    b = load_archive([late, early])
    assert b.posts.set_index("id").loc["1", "replies"] == 1
    # a feed's as_of beats source order when every source has a time
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"as_of": "2025-07-20T00:00:00+00:00",
                                "new_posts": [post(id="1", replies_count=7)]}))
    feed2 = tmp_path / "feed2.json"
    feed2.write_text(json.dumps({"as_of": "2025-07-13T00:00:00+00:00",
                                 "new_posts": [post(id="1", replies_count=99)]}))
    c = load_archive([feed, feed2])
    assert c.posts.set_index("id").loc["1", "replies"] == 7


def test_metrics_capture_keeps_text_from_earlier_capture(tmp_path):
    text = write_json(tmp_path, [post(id="1", content="Words", replies_count=1)], "a.json")
    csv = tmp_path / "metrics.csv"
    pd.DataFrame([post(id="1", replies_count=40)]).drop(columns=["content", "media"]).to_csv(
        csv, index=False)
    p = load_posts([text, csv]).set_index("id")
    assert p.loc["1", "replies"] == 40 and p.loc["1", "content"] == "Words"
    assert p.loc["1", "kind"] == "original"


def test_raw_files_are_not_modified(tmp_path):
    path = write_json(tmp_path, [post(content="<p>a &amp; b</p>")])
    before = path.read_bytes(), path.stat().st_mtime_ns
    load_posts(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_mojibake_with_lost_bytes(tmp_path):
    """The archive README's own examples: `Iranâs` for `Iran’s`, a bare `â` for a dash."""
    recs = [post(id="1", content="<p>Iran\u00e2s deal \u00e2 don\u00e2t wait</p>"),
            post(id="2", content="Lunch at the ch\u00e2teau")]
    posts = load_posts(write_json(tmp_path, recs)).set_index("id")
    assert posts.loc["1", "content"] == "Iran\u2019s deal \u2014 don\u2019t wait"
    assert posts.loc["2", "content"] == "Lunch at the ch\u00e2teau"  # a real â is kept


def test_truncated_parquet_and_csv(tmp_path):
    pq = tmp_path / "made_up.parquet"
    pd.DataFrame([post(id=str(i)) for i in range(1, 50)]).to_parquet(pq)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(pq.read_bytes()[: pq.stat().st_size // 2])
    with pytest.raises(InputError, match="unreadable Parquet") as info:
        load_posts(cut)
    assert str(cut) in str(info.value)
    csv = tmp_path / "cut.csv"
    csv.write_text('id,created_at,content,url,media,replies_count,reblogs_count,favourites_count\n'
                   '1,2025-07-12T21:21:29Z,"an unterminated quote,https://x.invalid,,1,2,3\n')
    with pytest.raises(InputError, match="malformed or truncated CSV") as info:
        load_posts(csv)
    assert str(csv) in str(info.value)


def test_counts_lower_in_the_latest_capture_are_counted(tmp_path):
    """Made up: a later capture holds fewer replies than an earlier one. The latest still wins
    (one rule), and the post is counted and named in the summary, never silently."""
    early = write_json(tmp_path, [post(id="1", replies_count=707), post(id="2")], "early.json")
    late = write_json(tmp_path, [post(id="1", replies_count=5), post(id="2")], "late.json")
    archive = load_archive([early, late], ordered_by="order")
    assert archive.posts.set_index("id").loc["1", "replies"] == 5
    fell = archive.counts_fell()
    assert fell["id"].tolist() == ["1"] and fell["peak_replies"].tolist() == [707]
    assert "counts lower in the latest capture than in an earlier one" in archive.summary()
    assert load_archive([late, early], ordered_by="order").counts_fell().empty  # counts grew
