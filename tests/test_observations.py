"""The reporters' observations file, validated like a source. Every file here is made up,
shaped like data/raw/observations.csv."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from ratioed import paths
from ratioed.errors import InputError
from ratioed.inputs.observations import COLUMNS, read_observations

HEADER = ",".join(COLUMNS)
GOOD = '114842356238631061,2025-07-13T10:45:00-04:00,36000,11000,32000,Newsweek,"rounded, as printed"'


def write(tmp_path, *rows, header=HEADER):
    p = tmp_path / "made_up_observations.csv"
    p.write_text("\n".join([header, *rows]) + "\n")
    return p


def test_the_project_file_reads():
    obs = read_observations(paths.OBSERVATIONS_CSV)
    assert obs.loc[0, "post_id"] == "114842356238631061"
    assert obs.loc[0, "observed_at"] == pd.Timestamp("2025-07-13T14:45:00Z")
    assert obs.loc[0, ["replies", "retruths", "likes"]].tolist() == [36000, 11000, 32000]


def test_exact_values_and_case_insensitive_header(tmp_path):
    obs = read_observations(write(tmp_path, GOOD, "", header=HEADER.upper()))
    assert len(obs) == 1 and str(obs["observed_at"].dt.tz) == "UTC"
    assert obs.loc[0, "note"] == "rounded, as printed" and obs["likes"].dtype == "int64"


def test_header_only_is_an_empty_table(tmp_path):
    assert read_observations(write(tmp_path)).empty


def replace(field, value):
    cells = GOOD.replace('"rounded, as printed"', "note").split(",")
    cells[COLUMNS.index(field)] = value
    return ",".join(cells)


@pytest.mark.parametrize("field, value, problem", [
    ("post_id", "0114842356238631061", "leading zero"),
    ("post_id", "1148423562e17", "not a post id"),
    ("post_id", "", "not a post id"),
    ("observed_at", "now", "not an ISO 8601 time"),
    ("observed_at", "2025-07-13T10:45:00", "not an ISO 8601 time"),  # no zone: ambiguous
    ("observed_at", "2025-07-13", "not an ISO 8601 time"),
    ("observed_at", "2025-02-30T10:45:00Z", "not a real time"),
    ("observed_at", "2999-01-01T00:00:00Z", "in the future"),
    ("replies", "-1", "negative"),
    ("replies", "36k", "not a whole number"),
    ("retruths", "1.5", "not a whole number"),
    ("likes", "", "not a whole number"),
    ("likes", "12345678901234567890", "too large"),
    ("source", "", "say who read the counts"),
    ("source", "N" * 80, "longer than 40 characters"),
])
def test_bad_values_name_file_row_and_field(tmp_path, field, value, problem):
    p = write(tmp_path, GOOD, replace(field, value))
    with pytest.raises(InputError) as info:
        read_observations(p)
    msg = str(info.value)
    assert msg.startswith(f"{p}, row 2, field '{field}': ") and problem in msg, msg
    assert "\n" not in msg


@pytest.mark.parametrize("header, problem", [
    (HEADER.replace(",likes", ""), "missing column(s) likes"),
    (HEADER + ",extra", "unknown column(s) extra"),
    (HEADER.replace("likes", "Likes,likes"), "repeated column(s) likes"),
])
def test_bad_header(tmp_path, header, problem):
    p = write(tmp_path, GOOD, header=header)
    with pytest.raises(InputError, match=re.escape(problem)) as info:
        read_observations(p)
    assert str(info.value).startswith(f"{p}, line 1: ")


def test_other_bad_files(tmp_path):
    with pytest.raises(InputError, match="observations file not found"):
        read_observations(tmp_path / "nope.csv")
    p = write(tmp_path, GOOD, GOOD + ",x")
    with pytest.raises(InputError, match=r"row 2: 8 fields where the header has 7"):
        read_observations(p)
    p = write(tmp_path, GOOD, HEADER)
    with pytest.raises(InputError, match=r"row 2, field 'post_id': a repeated header row"):
        read_observations(p)
    p.write_bytes((HEADER + "\n" + GOOD.replace("Newsweek", "Caf\u00e9")).encode("latin-1"))
    with pytest.raises(InputError, match=r"line 2: not UTF-8"):
        read_observations(p)
    p.write_text("")
    with pytest.raises(InputError, match="empty"):
        read_observations(p)
