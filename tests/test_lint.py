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


def test_no_import_cycle_between_library_modules():
    """The layering a newcomer can see: the package's modules import each other without a cycle
    (read from the source, so a lazy import inside a function counts too)."""
    import ast

    mods = {p.stem: p for p in SRC.glob("*.py") if p.stem not in ("__init__", "__main__")}
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, p in mods.items():
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module.split(".")[0]] if node.module else [a.name for a in node.names]
                graph[m] |= {n for n in names if n in mods}
    done: set[str] = set()

    def visit(m: str, path: list[str]) -> None:
        assert m not in path, "import cycle: " + " -> ".join(path[path.index(m):] + [m])
        if m in done:
            return
        for n in sorted(graph[m]):
            visit(n, path + [m])
        done.add(m)

    for m in sorted(graph):
        visit(m, [])
    assert "build" not in {n for m in graph for n in graph[m] if m != "cli"}, "only cli imports build"
