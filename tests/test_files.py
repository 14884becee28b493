"""Derived CSVs are safe to open in a spreadsheet (OWASP CSV-injection guidance). Made-up rows."""

from __future__ import annotations

import csv

import pandas as pd

from ratioed.inputs.files import write_csv_atomic


def test_formula_leading_text_is_quoted_numbers_are_not(tmp_path):
    df = pd.DataFrame({
        "content": ["=HYPERLINK(\"http://x.invalid\")", "+1", "-2 degrees", "@SUM(A1)", "\tx",
                    "plain", None, "\ry"],
        "replies": [-1, 0, 1, 2, 3, 4, 5, 6],
        "id": pd.array(["=1", "2", "3", "4", "5", "6", "7", "8"], dtype="string"),
        "when": pd.to_datetime(["2025-07-12T21:21:29Z"] * 8, utc=True),
        "capture": pd.Categorical(["=evil.csv"] * 8),  # a file name is text too
    })
    p = tmp_path / "made_up.csv"
    write_csv_atomic(df, p)
    with open(p, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["content"] for r in rows[:7]] == ["'=HYPERLINK(\"http://x.invalid\")", "'+1",
                                                "'-2 degrees", "'@SUM(A1)", "'\tx", "plain", ""]
    assert len(rows) == 8 and rows[7]["content"] == "'\ry"  # a leading CR: guarded, quoted
    assert rows[0]["replies"] == "-1" and rows[0]["id"] == "'=1" and rows[1]["id"] == "2"
    assert rows[0]["capture"] == "'=evil.csv"
    assert rows[0]["when"] == "2025-07-12T21:21:29.000000Z"
    assert df.loc[0, "content"].startswith("=")  # the caller's frame is not changed


def test_no_cell_can_start_a_row_of_its_own(tmp_path):
    """A CR or LF anywhere in a value (a made-up url "\\r=1+1") never starts a new row: rows end
    in CRLF, so the writer quotes every field holding either, and every reader (Python's csv,
    pandas, a spreadsheet) sees the same rows and no cell starting with a formula."""
    import io

    values = ["\r=1+1", "ok\r=1+1", "ok\n@SUM(A1)", "ok\r\n+1", "\n-1", "plain"]
    p = tmp_path / "made_up.csv"
    write_csv_atomic(pd.DataFrame({"url": values, "n": range(6)}), p)
    raw = p.read_bytes()
    assert raw.count(b"\r\n") >= 7  # header + 6 rows end in CRLF
    with open(p, newline="") as fh:
        rows = list(csv.reader(fh))
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(6)]  # exactly six rows
    assert not any(r[0].startswith(("=", "+", "-", "@")) for r in rows[1:])
    back = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    assert list(back["n"]) == [str(i) for i in range(6)]
    assert back["url"].tolist()[1:] == values[1:5] + ["plain"]
