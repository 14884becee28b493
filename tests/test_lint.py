"""No per-row Python in the library: row-wise pandas idioms are not allowed in src/ratioed/.

Exceptions must carry a ``# per-row:`` comment on the same line saying why (used for the few
rows that need Python's HTML/mojibake fixers, and for type checks on parsed JSON objects).
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ratioed"
BANNED = re.compile(r"\.(apply|applymap|iterrows|itertuples|itervalues)\(|\.map\((lambda|str\.|"
                    r"[a-z_]+\))|for \w+ in .*(\.to_numpy\(|\.values|\.tolist\(|\.iloc)")


def test_no_row_wise_python_in_library():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if BANNED.search(line) and "# per-row:" not in line:
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert not offenders, "row-wise Python in the library:\n" + "\n".join(offenders)
