"""Derived CSVs are safe to open in a spreadsheet (OWASP CSV-injection guidance). Made-up rows."""

from __future__ import annotations

import csv

import pandas as pd

from ratioed.files import write_csv_atomic


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
    assert b"\n'\ry," in p.read_bytes()  # a leading carriage return is quoted too
    assert rows[0]["replies"] == "-1" and rows[0]["id"] == "'=1" and rows[1]["id"] == "2"
    assert rows[0]["capture"] == "'=evil.csv"
    assert rows[0]["when"] == "2025-07-12T21:21:29.000000Z"
    assert df.loc[0, "content"].startswith("=")  # the caller's frame is not changed
