"""Load every layout of the Truth Social archive into one canonical table of posts.

Local files only (URLs are downloaded by the caller: :mod:`ratioed.inputs.download`). Layouts, read by
:mod:`ratioed.inputs.layouts` and recognised by content (gzip-compressed and UTF-16 copies too):

* archive JSON array ``[{...}, ...]`` (``media`` a list);
* archive CSV (``media`` joined with ``"; "``);
* Parquet (the archive's own, or any table with the same columns);
* JSON Lines captures (one post object per line);
* the daily feed JSON ``{"as_of": ..., "new_posts": [...]}`` -- ``as_of`` is the capture time;
* metrics-only tables of any of these layouts (no ``content``/``media`` columns);
* the platform's own API layout (Truth Social's API is Mastodon's): pages of Mastodon Status
  entities, as JSON arrays or JSON Lines, possibly several accounts (:func:`select_account`);
* other platforms, each in its own module: X/Twitter API v2 pages, v1.1 statuses and tweet
  exports as CSV (:mod:`ratioed.inputs.twitter`), Bluesky getAuthorFeed/getPosts responses
  (:mod:`ratioed.inputs.bluesky`). One platform per file and per load: a file or a list of
  sources mixing platforms is refused.

Canonical columns (:data:`POST_COLUMNS`):

============  ==========================================================================
id            post id, string of digits (18-digit snowflakes never pass through a float)
created_at    creation time, tz-aware UTC (microsecond resolution)
content       plain text (HTML stripped, entities unescaped, mojibake repaired); <NA> when
              the source has no content column
url           link to the post; <NA> when the source has none
media         list of media URLs (Arrow list<string>); empty list when none or unknown
media_count   number of media URLs (int64)
replies       replies, non-negative int64        (archive: ``replies_count``)
retruths      re-truths (shares), int64 >= 0      (archive: ``reblogs_count``)
likes         likes, int64 >= 0                   (archive: ``favourites_count``)
kind          original / retruth / quote / media_only / link_only / empty / unknown; from
              the platform's API layout also boost / reply (:data:`ratioed.inputs.rules.KINDS`)
account       the author's ``acct`` (API layout, or an ``account`` column);
              :data:`STORY_ACCOUNT` for the archive's flat layouts, which name none
capture       label of the capture (source file) the counts come from
captured_at   that capture's time, tz-aware UTC; NaT when the source does not say
platform      truthsocial / mastodon / x / bluesky (categorical; :mod:`ratioed.inputs.platforms`):
              the page's words follow it (re-truths, boosts, retweets, reposts)
============  ==========================================================================

Several captures of the same posts merge into one row per post holding the *latest* capture's
counts. Which capture is latest: when every source carries a capture time (the feed's
``as_of``, or ``retrieved_at`` in a download's provenance record beside the file), the latest
time wins; otherwise the order of the sources wins -- the last source listed is the latest.
The per-capture counts stay available as :attr:`Archive.history`.

Input rules (README "Bad input"): see :mod:`ratioed.inputs.validate`, which checks every column;
this module reads, merges and classifies.
"""

from __future__ import annotations

import json
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from .. import story
from ..errors import InputError
from . import layouts, platforms
from .files import is_url, sha256_file
from .rules import BOOST, KINDS, QUOTE, REPLY, all_counts_zero, classify
from .validate import (  # noqa: F401 -- public names kept importable from ratioed.inputs.load
    ID_TIME_TOLERANCE,
    REQUIRED_FIELDS,
    _has_duplicates,
    _id_time_gaps,
    canonicalise,
    id_time_check,
    id_times,
    unchecked_id_times,
)

POST_COLUMNS = ["id", "created_at", "content", "url", "media", "media_count",
                "replies", "retruths", "likes", "kind", "account", "capture", "captured_at",
                "platform"]
STORY_ACCOUNT = story.ACCOUNT  # the archive's one account: its flat layouts name no account
HISTORY_COLUMNS = ["id", "capture", "captured_at", "capture_rank", "replies", "retruths", "likes"]
_KIND_TEXT = pa.array(KINDS, pa.string())


@dataclass
class Capture:
    """One source file as loaded: where it came from and what it held."""

    label: str  # file name, made unique when two sources share one
    path: str
    layout: str  # json / csv / parquet / jsonl / feed (+ " (gzip)" / " (UTF-16)" when wrapped)
    captured_at: pd.Timestamp | None  # capture time when the source states it, else None
    rows: int = 0  # rows read
    duplicate_ids: int = 0  # extra rows for an id already in this capture (dropped)
    duplicate_ids_differing: int = 0  # ...of which had different counts (higher counts kept)
    sha256: str = ""
    bytes: int = 0
    first_post: pd.Timestamp | None = None
    last_post: pd.Timestamp | None = None
    rank: int = 0  # 0 = earliest capture
    zoneless_times: int = 0  # created_at values written without a zone (read as UTC)
    id_time_mismatches: int = 0  # posts whose created_at is > 1 minute from their id's time
    platform: str = platforms.TRUTHSOCIAL  # truthsocial, mastodon, x or bluesky


@dataclass
class Archive:
    """The result of loading: merged posts, per-capture history and what was done to get there."""

    posts: pd.DataFrame  # one row per post (POST_COLUMNS), newest first
    history: pd.DataFrame  # one row per (post, capture) (HISTORY_COLUMNS)
    captures: list[Capture] = field(default_factory=list)

    @property
    def captures_table(self) -> pd.DataFrame:
        """The captures as a table, earliest first (``captured_at`` NaT when not stated)."""
        table = pd.DataFrame([c.__dict__ for c in sorted(self.captures, key=lambda c: c.rank)])
        table["captured_at"] = pd.to_datetime(table["captured_at"], utc=True)
        return table

    @property
    def zoneless_times(self) -> int:
        """Rows, over all captures, whose creation time was written without a zone (read as UTC)."""
        return sum(c.zoneless_times for c in self.captures)

    def counts_fell(self) -> pd.DataFrame:
        """Posts whose latest capture (the one whose counts win) has a lower reply, re-truth
        or like count than an earlier capture: ``id``, the latest counts and the earlier peak
        (``peak_replies`` ...). Counts only grow on the platform, so each is a capture to doubt;
        they are counted and shown, and the latest capture still wins (the rule stays one)."""
        counts = ["replies", "retruths", "likes"]
        h = self.history
        if h.empty or h["capture_rank"].nunique() < 2:
            return pd.DataFrame(columns=["id", *counts, *(f"peak_{c}" for c in counts)])
        latest = h.drop_duplicates("id", keep="last").set_index("id")[counts]
        peak = h.groupby("id", sort=False)[counts].max().loc[latest.index]
        fell = (latest.to_numpy() < peak.to_numpy()).any(axis=1)
        out = latest[fell].join(peak[fell].add_prefix("peak_"))
        return out.reset_index()

    def id_time_mismatches(self) -> pd.DataFrame:
        """The merged posts whose ``created_at`` differs from their id's time by more than a
        minute (see :func:`id_times`): ``id, created_at, id_time, difference`` (largest first)."""
        return id_time_check(self.posts)

    def summary(self) -> str:
        """A few lines saying what was read, merged, dropped, assumed and found doubtful."""
        lines = []
        for c in sorted(self.captures, key=lambda c: c.rank):
            when = c.captured_at.isoformat() if c.captured_at is not None else "capture time unknown"
            lines.append(f"{c.label} ({c.layout}, {when}): {c.rows:,} rows")
            if c.duplicate_ids:
                lines.append(f"  {c.duplicate_ids:,} duplicate-id rows dropped "
                             f"({c.duplicate_ids_differing:,} with different counts: higher kept)")
        lines.append(f"{len(self.posts):,} posts after merging {len(self.captures)} capture(s)")
        found = accounts_table(self.posts)
        if len(found) > 1 or found["boosts"].sum() or found["replies"].sum():
            lines.append("accounts: " + "; ".join(
                f"@{r.account}: {r.posts:,} post(s), {r.boosts:,} boost(s) of other accounts' "
                f"posts (excluded from the analysis), {r.replies:,} repl(ies) to others"
                for r in found.itertuples()))  # per-row: one line per account
        fell = self.counts_fell()
        if len(fell):
            lines.append(f"counts lower in the latest capture than in an earlier one (the latest "
                         f"kept): {len(fell):,} post(s), e.g. {fell['id'].iloc[0]}")
        lines.append(f"times without a time zone (read as UTC): {self.zoneless_times:,} row(s)")
        bad = self.id_time_mismatches()
        line = (f"created_at more than a minute away from the time in the post's id: "
                f"{len(bad):,} post(s)")
        if len(bad):
            ex = bad.head(3)
            line += " (e.g. " + "; ".join(
                f"{r.id}: {r.created_at:%Y-%m-%d %H:%M:%S}Z vs id "
                + (f"{r.id_time:%Y-%m-%d %H:%M:%S}Z" if pd.notna(r.id_time) else "after 2262")
                for r in ex.itertuples()) + ")"  # per-row: three examples
        unchecked = unchecked_id_times(self.posts)
        if unchecked:
            line += (f"; {unchecked:,} post(s) not checked: their ids carry no time of theirs "
                     "(statuses from other servers, whose ids say when this server received "
                     "them, or tweets older than November 2010)")
        lines.append(line)
        return "\n".join(lines)


# --------------------------------------------------------------------------- public API


def load_posts(sources, *, ordered_by: str = "auto", content: bool = True) -> pd.DataFrame:
    """Load one or more sources and return the canonical posts table (see module docs)."""
    return load_archive(sources, ordered_by=ordered_by, content=content).posts


def load_archive(sources, *, ordered_by: str = "auto", content: bool = True) -> Archive:
    """Load, validate, clean and merge one or more local files.

    ``ordered_by``: ``"auto"`` (capture times when all sources have one, else source order),
    ``"order"`` (source order only) or ``"time"`` (capture times; error if one lacks it).
    ``content=False`` reads only ids, times and counts (what the ratios need), as if every
    source were metrics-only: faster and far smaller for big archives.
    URLs are refused: download them first (:func:`ratioed.inputs.download.download`; the CLI and the
    build do it). Raises :class:`InputError` for any bad input.
    """
    if isinstance(sources, (str, Path)):
        sources = [sources]
    sources = [str(s) for s in sources]
    if not sources:
        raise InputError("(no source)", "no source given: pass a path")
    frames, captures, texts = [], [], []
    labels: set[str] = set()
    for src in sources:
        if is_url(src):
            raise InputError(src, "is a URL: the loader reads local files",
                             hint="download it first with `ratioed download URL`; "
                                  "`ratioed load` and `make report` download URLs themselves")
        frame, cap, text = _read(Path(src).expanduser(), content)
        label = cap.label
        n = 2
        while label in labels:
            label, n = f"{cap.label}#{n}", n + 1
        cap.label = label
        labels.add(label)
        frames.append(frame)
        captures.append(cap)
        texts.append(text)
    found = {c.platform for c in captures}
    if len(found) > 1:
        raise InputError(", ".join(c.label for c in captures),
                         "sources from different platforms (" + "; ".join(
                             f"{platforms.NAMES.get(c.platform, c.platform)}: {c.label}"
                             for c in captures) + "): they are not captures of the same posts",
                         hint="load each platform's files on their own")
    _rank_captures(captures, ordered_by)
    for frame, cap in zip(frames, captures, strict=True):
        frame["capture"] = pd.Series(pd.Categorical.from_codes(
            np.zeros(len(frame), dtype=np.int8), categories=[cap.label]), index=frame.index)
        frame["capture_rank"] = np.full(len(frame), cap.rank, dtype=np.int64)
        # one value repeated, made tz-aware once (tz_localize of the column: 0.4 s at 10M)
        when = (pd.NaT if cap.captured_at is None else pd.Timestamp(np.datetime64(
            cap.captured_at.tz_localize(None).to_datetime64(), "us")).tz_localize("UTC"))
        frame["captured_at"] = pd.Series(when, index=frame.index, dtype="datetime64[us, UTC]")
    return _merge(frames, captures, texts[0] if len(texts) == 1 else None)


def read_source(path: Path | str, content: bool = True) -> tuple[pd.DataFrame, Capture]:
    """Read one local file into canonical columns (before merging, not yet classified) and
    describe it."""
    frame, cap, _ = _read(Path(path), content)
    return frame, cap


def _read(path: Path, content: bool, hashed: Path | None = None):
    """(frame, capture, Arrow text of the kept rows or None) for one local file. ``hashed``:
    the file whose sha256 the capture records (the user's gzip or UTF-16 file, not its plain
    copy); default ``path``."""
    try:
        if not path.exists():
            raise InputError(path, "file not found",
                             hint="check the path; to download the public archive run `make download`")
        if path.is_dir():
            raise InputError(path, "is a folder, not a data file")
        size = path.stat().st_size
        if size == 0:
            raise InputError(path, "file is empty (0 bytes)")
        layout = layouts.sniff(path)
        if layout in ("gzip", "utf16"):
            with tempfile.TemporaryDirectory(prefix="ratioed-") as tmp:
                plain = layouts.unwrap(path, layout, Path(tmp))
                try:
                    frame, cap, text = _read(plain, content, hashed=path)
                except InputError as err:  # name the file the user gave, not the copy
                    how = "as gunzipped" if layout == "gzip" else "read as UTF-16"
                    raise InputError(f"{path} ({how})",
                                     err.problem, where=err.where, field=err.field,
                                     hint=err.hint) from None
            cap.label, cap.path = _label(path), str(path)
            cap.layout += " (gzip)" if layout == "gzip" else " (UTF-16)"
            cap.bytes = size
            if cap.captured_at is None:
                cap.captured_at = layouts.provenance_time(path)
            return frame, cap, text
        wanted = [*REQUIRED_FIELDS, "account", *(["url", "content", "media"] if content else [])]
        with ThreadPoolExecutor(max_workers=1) as pool:  # hash on the other core while parsing
            digest = pool.submit(sha256_file, hashed or path)
            table, locate, captured_at = layouts.READERS[layout](path, wanted)
            if captured_at is None:
                captured_at = layouts.provenance_time(path)
            meta = table.schema.metadata or {}
            platform = meta.get(b"ratioed.platform", b"").decode() or \
                platforms.LAYOUT_PLATFORM.get(layout, platforms.TRUTHSOCIAL)
            try:
                frame, text, zoneless, key = canonicalise(table, path, locate,
                                                          captured_at=captured_at,
                                                          platform=platform)
            except InputError as err:
                if err.problem.startswith("missing required column") and layout in (
                        "json", "jsonl", "feed"):
                    _case_hint(path, layout, err)
                if b"ratioed.fields" in meta:
                    raise _source_names(err, json.loads(meta[b"ratioed.fields"])) from None
                raise
            note = meta.get(b"ratioed.note", b"").decode()
            cap = Capture(label=_label(path), path=str(path),
                          layout=f"{layout} ({note})" if note else layout,
                          captured_at=captured_at,
                          rows=table.num_rows, sha256=digest.result(), bytes=size,
                          zoneless_times=zoneless, platform=platform)
            frame["platform"] = pd.Series(pd.Categorical.from_codes(
                np.zeros(len(frame), dtype=np.int8), categories=[platform]), index=frame.index)
    except PermissionError:
        raise InputError(path, "permission denied: cannot read the file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a data file") from None
    frame, cap.duplicate_ids, cap.duplicate_ids_differing, kept = _dedupe_within(frame, key)
    if kept is not None and text is not None:
        text = text.take(pa.array(kept))
    if len(frame):
        cap.first_post, cap.last_post = frame["created_at"].min(), frame["created_at"].max()
        gap = _id_time_gaps(frame, key if kept is None else key[kept])
        cap.id_time_mismatches = int((np.abs(gap) > ID_TIME_TOLERANCE // pd.Timedelta(milliseconds=1)).sum())
    return frame, cap, text


def _source_names(err: InputError, fields: dict[str, str]) -> InputError:
    """``err`` naming the source's own field (``public_metrics.like_count``, a CSV's
    ``Likes``) for the archive's name the validator used (``favourites_count``)."""
    field = fields.get(err.field, err.field) if err.field else None
    problem = err.problem
    if problem.startswith("missing required column"):
        for canon, own in fields.items():
            problem = re.sub(rf"\b{canon}\b", own, problem)
    return InputError(err.source, problem, where=err.where, field=field, hint=err.hint)


def _label(path: Path) -> str:
    """A capture's label: the file's name, its bytes that are not UTF-8 written as ``\\xff``
    (a name is any bytes; a label is text, kept in tables and printed)."""
    return path.name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _case_hint(path: Path, layout: str, err: InputError) -> None:
    """A JSON file whose keys differ from the archive's only in case (``ID``): say so."""
    keys = layouts.first_keys(path, layout)
    near = [k for k in keys if k.lower() in REQUIRED_FIELDS and k not in REQUIRED_FIELDS]
    if near:
        raise InputError(path, f"{err.problem}; JSON keys are matched exactly and the first post "
                               f"has {', '.join(map(repr, near))}",
                         hint="rename them in lower case: " + ", ".join(k.lower() for k in near)
                         ) from None


# --------------------------------------------------------------------------- merging


def _dedupe_within(frame: pd.DataFrame, key: np.ndarray):
    """Keep one row per id inside one capture: the one with the higher counts. Returns
    ``(frame, rows dropped, ids whose rows differed in counts, positions kept or None)``."""
    if not _has_duplicates(key):
        return frame, 0, 0, None
    dup = pd.Series(key).duplicated(keep=False).to_numpy()
    total = (frame["replies"] + frame["retruths"] + frame["likes"]).to_numpy()
    order = np.lexsort((frame["replies"].to_numpy(), total))
    keep = np.sort(pd.Series(key[order]).drop_duplicates(keep="last").index.to_numpy())
    keep = np.sort(order[keep])
    kept = frame.iloc[keep]
    extra = len(frame) - len(kept)
    dups = frame.loc[dup, ["id", "replies", "retruths", "likes"]]
    differing = int(dups.drop_duplicates().shape[0] - dups["id"].nunique())
    return kept.reset_index(drop=True), extra, max(differing, 0), keep


def _rank_captures(captures: list[Capture], ordered_by: str) -> None:
    times = [c.captured_at for c in captures]
    if ordered_by not in ("auto", "order", "time"):
        raise ValueError("ordered_by must be 'auto', 'order' or 'time'")
    if ordered_by == "time" and any(t is None for t in times):
        missing = [c.label for c in captures if c.captured_at is None]
        raise InputError(", ".join(missing), "no capture time: cannot order captures by time")
    by_time = ordered_by == "time" or (ordered_by == "auto" and all(t is not None for t in times))
    order = sorted(range(len(captures)), key=lambda i: (times[i], i)) if by_time else range(len(captures))
    for rank, i in enumerate(order):
        captures[i].rank = rank


def _merge(frames: list[pd.DataFrame], captures: list[Capture], text: pa.Array | None) -> Archive:
    """Merge captures (the latest capture's counts win) and classify every post, once.
    ``text``: the cleaned Arrow text of a single capture (saves a pandas-to-Arrow copy)."""
    if len(frames) == 1:  # one capture: nothing to merge, no sorting of ids
        posts = frames[0]
        history = posts[HISTORY_COLUMNS]
    else:
        labels = [c.label for c in captures]
        for f in frames:
            f["capture"] = f["capture"].cat.set_categories(labels)
        rows = pd.concat(frames, ignore_index=True)
        history = rows[HISTORY_COLUMNS].sort_values(["id", "capture_rank"], kind="stable")
        history = history.reset_index(drop=True)
        rows = rows.sort_values("capture_rank", kind="stable")
        posts = rows.drop_duplicates("id", keep="last").set_index("id", drop=False)
        # text, url and media: from the latest capture that has text (metrics-only have none)
        missing = posts["content"].isna()
        if missing.any() and rows["content"].notna().any():
            known = rows.loc[rows["content"].notna()].drop_duplicates("id", keep="last")
            known = known.set_index("id")
            ids = posts.index[missing].intersection(known.index)
            for col in ("content", "media", "media_count"):
                posts.loc[ids, col] = known.loc[ids, col]
            no_url = posts.index[posts["url"].isna()].intersection(known.index)
            posts.loc[no_url, "url"] = known.loc[no_url, "url"]
        posts = posts.reset_index(drop=True)
    kind = classify(text if text is not None else posts["content"],
                    posts["media_count"].to_numpy(), all_counts_zero(posts))
    if posts["status_kind"].notna().any():  # the API's own word: boost, reply or quote
        stated = posts["status_kind"].to_numpy()
        kind = kind.to_numpy().astype(object)
        for k in (BOOST, REPLY, QUOTE):
            kind[stated == k] = k
        kind = pd.Series(pd.Categorical(kind, categories=KINDS))
    # kind as text (pandas' str) and account as objects, built without a Python object per
    # row: the labels are taken by code in Arrow, and the flat layouts' one account repeated
    posts["kind"] = pa.chunked_array([_KIND_TEXT.take(kind.cat.codes.to_numpy())]).to_pandas().array
    account = posts["account"]
    if account.isna().all():
        account = np.empty(len(posts), dtype=object)
        account.fill(STORY_ACCOUNT)  # five times faster than np.full for objects
    else:
        account = account.fillna(STORY_ACCOUNT).astype(object).to_numpy()
    posts["account"] = pd.Series(account, index=posts.index, dtype=object, copy=False)
    if not posts["created_at"].is_monotonic_decreasing:
        posts = posts.sort_values("created_at", ascending=False, kind="stable")
    posts = posts[POST_COLUMNS].reset_index(drop=True)
    return Archive(posts=posts, history=history, captures=captures)


# --------------------------------------------------------------------------- accounts


def accounts_table(posts: pd.DataFrame) -> pd.DataFrame:
    """Posts per account (``account``, ``posts``, ``boosts``, ``replies``), most posts first;
    boosts and replies to others are counted under the account that posted them."""
    kind = posts["kind"].astype(object)
    table = pd.DataFrame({"account": posts["account"].astype(object),
                          "boosts": (kind == BOOST).to_numpy(), "replies": (kind == REPLY).to_numpy()})
    out = table.groupby("account", sort=False).agg(
        posts=("boosts", "size"), boosts=("boosts", "sum"), replies=("replies", "sum"))
    out = out.reset_index().sort_values(["posts", "account"], ascending=[False, True])
    return out.reset_index(drop=True).astype({"posts": "int64", "boosts": "int64",
                                              "replies": "int64"})


def _listed(table: pd.DataFrame) -> str:
    return "; ".join(f"@{r.account}: {r.posts:,} post(s)"
                     for r in table.itertuples())  # per-row: one entry per account


def select_account(posts: pd.DataFrame, account: str | None, source: str = "the input"
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The posts of one account, and the table of every account found (:func:`accounts_table`).

    ``account`` is matched, ignoring case and a leading ``@``, on the ``acct`` (``bob`` or
    ``bob@example.social``) or the username (``acct`` before any ``@``). ``None`` or ``""``
    keeps the only account there is; several accounts and no ``account`` is an
    :class:`InputError` listing each with its post count, as is a name matching none or more
    than one of them."""
    found = accounts_table(posts)
    if not account:
        if len(found) > 1:
            raise InputError(source, f"holds posts of {len(found)} accounts ({_listed(found)}): "
                                     "choose one", field="account",
                             hint="set ACCOUNT=name (make report), --account name (ratioed "
                                  "flag) or `account:` in the parameter set")
        return posts, found
    want = account.strip().lstrip("@").lower()
    acct = found["account"].str.lower()
    match = found.loc[(acct == want) | (acct.str.split("@").str[0] == want), "account"].tolist()
    if len(match) != 1:
        problem = (f"no account matches {account!r}" if not match else
                   f"{account!r} matches {len(match)} accounts ({', '.join(match)}): give the "
                   "full acct (user@domain)")
        raise InputError(source, f"{problem}; accounts found: {_listed(found)}", field="account",
                         hint="the name given by ACCOUNT (make report), --account (ratioed "
                              "flag) or `account:` in the parameter set")
    return posts.loc[posts["account"] == match[0]].copy(), found
