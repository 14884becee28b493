"""What changed since the last published build: the monitoring loop of a data desk.

After ``make download``, ``make report`` answers whether the story needs an update. The build
compares the set it is about to publish with the one published before it (both are whole sets,
see :mod:`ratioed.pipeline.publish`) and writes ``reports/tables/changes.csv``, one row per change:

=================  ===========================================  ==========================
kind               key                                          before / after
=================  ===========================================  ==========================
new post           post id                                      "" / its counts
removed post       post id                                      its counts / ""
newly ratioed      post id (under the build's definition)       counts / counts
no longer ratioed  post id                                      counts / counts
counts changed     post id                                      "r/rt/l" / "r/rt/l"
verdict changed    claim id                                     status / status
number changed     dotted key in ``numbers.json`` (claims too)  value / value
=================  ===========================================  ==========================

Counts are written ``replies/re-truths/likes``. The first build has nothing to compare with: an
empty table (header only) and a summary saying so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..story import COUNTS

COLUMNS = ["kind", "key", "before", "after"]
_COUNTS = list(COUNTS)


def _posts(root: Path, definition: str) -> pd.DataFrame | None:
    path = root / "data" / "processed" / "ratios.parquet"
    if not path.exists():
        return None
    cols = ["id", *_COUNTS, f"ratioed_{definition}"]
    frame = pd.read_parquet(path, columns=cols).set_index("id")
    return frame.rename(columns={f"ratioed_{definition}": "ratioed"})


def _flatten(value, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: json.dumps(value, sort_keys=True, default=str)}


def _numbers(root: Path) -> dict[str, str]:
    path = root / "data" / "processed" / "numbers.json"
    if not path.exists():
        return {}
    numbers = json.loads(path.read_text(encoding="utf-8"))
    for claim in (numbers.get("claims") or {}).values():  # per-row: a few claims; verdicts from claims.csv
        if isinstance(claim, dict):
            claim.pop("status", None)
    return _flatten(numbers)


def _verdicts(root: Path) -> dict[str, str]:
    path = root / "reports" / "tables" / "claims.csv"
    if not path.exists():
        return {}
    claims = pd.read_csv(path, dtype=str, keep_default_na=False)
    return dict(zip(claims["id"], claims["status"], strict=True))


def _counts_text(frame: pd.DataFrame) -> pd.Series:
    """Each post's counts as ``replies/re-truths/likes`` text, by post id."""
    c = frame[_COUNTS].astype("int64").astype(str)
    return c[_COUNTS[0]] + "/" + c[_COUNTS[1]] + "/" + c[_COUNTS[2]]


def compare(before_root: Path, after_root: Path, definition: str) -> pd.DataFrame | None:
    """The changes from the set published under ``before_root`` to the one under
    ``after_root`` (each holding ``data/processed`` and ``reports``); None when there is no
    earlier set to compare with."""
    old, new = _posts(before_root, definition), _posts(after_root, definition)
    if old is None:
        return None
    rows: list[tuple[str, str, str, str]] = []
    new = new if new is not None else old.iloc[0:0]
    was, now = _counts_text(old), _counts_text(new)  # once per frame: 27k new posts on a new input

    def add(kind: str, ids, before=None, after=None) -> None:
        blank = [""] * len(ids)
        rows.extend(zip([kind] * len(ids), ids,
                        blank if before is None else before.loc[ids],
                        blank if after is None else after.loc[ids], strict=True))

    added = new.index.difference(old.index, sort=False)
    add("new post", added, after=now)
    add("removed post", old.index.difference(new.index, sort=False), before=was)
    both = new.index.intersection(old.index, sort=False)
    a, b = old.loc[both, "ratioed"].to_numpy(), new.loc[both, "ratioed"].to_numpy()
    add("newly ratioed", both[~a & b], was, now)
    add("no longer ratioed", both[a & ~b], was, now)
    moved = (old.loc[both, _COUNTS].to_numpy() != new.loc[both, _COUNTS].to_numpy()).any(axis=1)
    add("counts changed", both[moved], was, now)
    add("newly ratioed", added[new.loc[added, "ratioed"].to_numpy()], after=now)  # news too
    va, vb = _verdicts(before_root), _verdicts(after_root)
    for cid in sorted(set(va) | set(vb)):
        if va.get(cid) != vb.get(cid):
            rows.append(("verdict changed", cid, va.get(cid, ""), vb.get(cid, "")))
    na, nb = _numbers(before_root), _numbers(after_root)
    for key in sorted(set(na) | set(nb)):
        if na.get(key) != nb.get(key):
            rows.append(("number changed", key, na.get(key, ""), nb.get(key, "")))
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(changes: pd.DataFrame | None) -> str:
    """One line for the terminal: "3 new posts; 1 newly ratioed: <id>; C4 supported ->
    contradicted" (or that there was nothing to compare with, or no change)."""
    if changes is None:
        return "first build here: nothing to compare with"
    if changes.empty:
        return "no change since the last build"
    parts = []
    n_new = int((changes["kind"] == "new post").sum())
    if n_new:
        parts.append(f"{n_new} new post{'s' if n_new != 1 else ''}")
    for kind in ("newly ratioed", "no longer ratioed"):
        ids = changes.loc[changes["kind"] == kind, "key"].tolist()
        if ids:
            parts.append(f"{len(ids)} {kind}: {', '.join(ids[:3])}{' ...' if len(ids) > 3 else ''}")
    n_counts = int((changes["kind"] == "counts changed").sum())
    if n_counts:
        parts.append(f"counts changed on {n_counts} post{'s' if n_counts != 1 else ''}")
    for _, r in changes.loc[changes["kind"] == "verdict changed"].iterrows():  # per-row: a few claims
        parts.append(f"{r['key']} {r['before'] or 'absent'} \u2192 {r['after'] or 'absent'}")
    nums = changes.loc[changes["kind"] == "number changed"]
    if len(nums):  # named, so an edited input (a reporter's reading) is seen in the line
        named = [f"{r.key} {r.before or 'absent'} \u2192 {r.after or 'absent'}"
                 for r in nums.head(3).itertuples()]  # per-row: three
        parts.append(f"{len(nums)} number{'s' if len(nums) != 1 else ''} changed: "
                     + ", ".join(named) + (" ..." if len(nums) > 3 else ""))
    return "; ".join(parts)


# --------------------------------------------------------------------------- for the page
# What a reader needs on top: whether the input itself changed (another file, another window),
# then the claims' verdicts and the headline numbers, before and after. Post-level rows stay in
# changes.csv: a switch from a week to the whole archive is a change of input, not 27,041 news.

HEADLINE = (  # (label, dotted key in numbers.json)
    ("Posts analysed", "load.posts_analysed"),
    ("Posts meeting the story's definition", "ratios.flagged.both"),
    ("The highlighted post's replies", "ratios.highlight.replies"),
    ("The highlighted post's replies per like", "ratios.highlight.reply_like_ratio"),
)


def _provenance(root: Path) -> dict:
    path = root / "data" / "processed" / "provenance.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _inputs(prov: dict) -> tuple[list[tuple[str, str]], tuple]:
    files = [(Path(str(s.get("source") or "")).name, str(s.get("sha256") or ""))
             for s in prov.get("sources") or []]
    p = prov.get("parameters") or {}
    return files, (p.get("start"), p.get("end"), p.get("account"))


def _window(start, end) -> str:
    if not start and not end:
        return "all dates"
    return f"{start or 'the first post'} to {end or 'the last post'}"


def input_change(before_root: Path, after_root: Path) -> str | None:
    """One sentence when this build's input differs from the last published build's (other
    files, other bytes, another date window or account); None when it is the same input (or
    there is no earlier build)."""
    old, new = _provenance(before_root), _provenance(after_root)
    if not old or not new:
        return None
    (fa, wa), (fb, wb) = _inputs(old), _inputs(new)
    parts = []
    if fa != fb:
        names_a, names_b = [n for n, _ in fa], [n for n, _ in fb]
        if names_a == names_b:
            parts.append(f"the file{'s' if len(names_b) != 1 else ''} {', '.join(names_b)} "
                         "changed since the last build (other bytes)")
        else:
            parts.append(f"the input is now {', '.join(names_b) or 'nothing'} (it was "
                         f"{', '.join(names_a) or 'nothing'})")
    if wa[:2] != wb[:2]:
        parts.append(f"the date window is now {_window(*wb[:2])} (it was {_window(*wa[:2])})")
    if wa[2] != wb[2]:
        # the earlier account is not named: another account's page carries nothing of it
        parts.append(f"the account analysed is now @{wb[2]}")
    if not parts:
        return None
    return ("The input changed: " + "; ".join(parts) + ". The posts differ because the input "
            "does, so the claims and headline numbers are compared below, and the post-by-post "
            "differences are in changes.csv only.")


def headline(changes: pd.DataFrame | None) -> list[dict]:
    """The rows a reader sees: each claim whose verdict changed, then each headline number
    (:data:`HEADLINE`) that changed, ``{"what", "before", "after"}``."""
    if changes is None or changes.empty:
        return []
    rows = [{"what": f"Claim {r.key}", "before": r.before or "absent", "after": r.after or "absent"}
            for r in changes.loc[changes["kind"] == "verdict changed"].itertuples()]  # per-row: a few claims
    nums = changes.loc[changes["kind"] == "number changed"].set_index("key")
    for label, key in HEADLINE:
        if key in nums.index:
            before, after = nums.loc[key, "before"], nums.loc[key, "after"]
            rows.append({"what": label, "before": _shown(before), "after": _shown(after)})
    return rows


def _shown(value: str) -> str:
    try:
        v = json.loads(value)
    except (TypeError, ValueError):
        return str(value)
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def page_summary(changes: pd.DataFrame | None) -> str:
    """The page's sentence for a build of the same input: what changed post by post, counted,
    and whether any claim's verdict or headline number moved (they are listed below it); no
    code names (the terminal's :func:`summary` names the keys)."""
    if changes is None:
        return "First build here: nothing to compare with."
    if changes.empty:
        return "No change since the last build."
    kinds = changes["kind"].value_counts()
    parts = []
    for kind, one, many in (("new post", "new post", "new posts"),
                            ("removed post", "post removed", "posts removed"),
                            ("newly ratioed", "post newly ratioed", "posts newly ratioed"),
                            ("no longer ratioed", "post no longer ratioed",
                             "posts no longer ratioed"),
                            ("counts changed", "post with new counts", "posts with new counts")):
        n = int(kinds.get(kind, 0))
        if n:
            parts.append(f"{n:,} {one if n == 1 else many}")
    verdicts = int(kinds.get("verdict changed", 0))
    keys = set(changes.loc[changes["kind"] == "number changed", "key"])
    moved = sum(key in keys for _, key in HEADLINE)
    said = ("; ".join(parts) + ". ") if parts else "No post changed. "
    if verdicts or moved:
        return said + (f"{verdicts:,} claim{'s' if verdicts != 1 else ''} changed verdict and "
                       f"{moved} headline number{'s' if moved != 1 else ''} changed, below.")
    return said + "No claim's verdict and no headline number changed."
