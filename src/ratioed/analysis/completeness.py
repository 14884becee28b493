"""Whether the input is shown to be the complete published archive.

Universal claims ("only one", "the first time", "more than N since", "not happened again") can
be *contradicted* by any input holding a counter-example (a second ratioed post, an earlier one,
a later one). Without a counter-example they are *supported* -- or *contradicted as the full
archive* -- only when all of these hold (:class:`Completeness`; the checks are
:mod:`ratioed.analysis.claims`'):

1. **no date window** was applied;
2. **the provenance shows whole published files**: every source has the download record
   ``ratioed.inputs.download`` writes beside it (``<file>.provenance.json``, its sha256 equal to the
   file's, :func:`download_records`), or the build declares the input complete
   (``declared_complete``, read by :func:`declared_flag`; the report states it). A declaration
   never overrides a record that says its file is a sample;
3. **no silence longer than** :data:`ratioed.analysis.coverage.MAX_SILENCE` (90 days) over the span the
   claim is about (from the account's start, :data:`ratioed.analysis.coverage.ACCOUNT_START`, or the
   claim's date, to the highlighted or the last post).

Otherwise the verdict is *not checkable with these data* and the evidence names each condition
that failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .coverage import MAX_SILENCE, silences

SAMPLE_RECORD = "its record says it is a sample of the archive, not a whole published file"


def download_records(sources: list[dict]) -> tuple[list[dict], list[str]]:
    """The download records of ``sources`` (provenance entries, :func:`ratioed.present.record.provenance`:
    ``source``, ``sha256`` and ``download_record``, the ``<file>.provenance.json`` read beside it).

    Returns ``(records, problems)``: one record per source whose download record names a URL and
    the same sha256 as the file loaded; one sentence per source that has none, or whose record is
    unreadable or describes other bytes.
    """
    records, problems = [], []
    if not sources:
        problems.append("no source is listed in the provenance")
    for s in sources:
        name = Path(s["source"]).name
        rec = s.get("download_record")
        if not rec:
            problems.append(f"{name} has no download record beside it ({name}.provenance.json)")
            continue
        if rec.get("error") or not rec.get("url") or not rec.get("sha256"):
            why = rec.get("error") or "no url or sha256"
            problems.append(f"{name}: its download record is unreadable ({why})")
            continue
        if rec.get("whole_file") is False:
            problems.append(f"{name}: {SAMPLE_RECORD}")
            continue
        url, when = str(rec["url"]), rec.get("retrieved_at")
        if not url.lower().startswith(("https://", "http://")) or not when:
            # what ``make download`` writes: the http(s) URL fetched and when; a hand-made
            # sidecar without them shows nothing about where the bytes came from
            problems.append(f"{name}: its download record has no http(s) URL and retrieval "
                            f"time (url {url!r}, retrieved_at {when!r}), unlike the record "
                            "make download writes")
            continue
        if rec["sha256"] != s.get("sha256"):
            problems.append(f"{name}: its download record describes other bytes "
                            "(sha256 differs: the file changed since it was downloaded)")
            continue
        records.append({"file": name, "url": rec["url"], "retrieved_at": rec.get("retrieved_at")})
    return records, problems


def declared_flag(value) -> bool:
    """The ``declared_complete`` parameter as a bool. Make and ``--set`` pass strings, and the
    string ``"False"`` is truthy, so only ``True``/``False`` or ``true/false/yes/no/1/0`` (any
    case) and empty/None (False) are accepted; anything else is an :class:`InputError`."""
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in ("", "false", "no", "0", "none"):
        return False
    if text in ("true", "yes", "1"):
        return True
    raise InputError("parameter declared_complete", f"{value!r} is not true or false")


@dataclass(frozen=True)
class Completeness:
    """What shows that the input is the complete published archive (see the module docs).

    ``times``: creation time of every post loaded, before exclusions and any window.
    ``whole_files``: how the provenance shows whole published files (a sentence), or None.
    ``whole_files_problem``: why it does not, when ``whole_files`` is None (or what the
    declaration stands in for, when ``declared``).
    """

    times: pd.Series
    windowed: bool
    whole_files: str | None
    whole_files_problem: str = "no download record and no declaration"
    max_silence: pd.Timedelta = MAX_SILENCE
    declared: bool = False  # whole files rest on the build's declaration, not on records

    @classmethod
    def from_provenance(cls, times: pd.Series, windowed: bool, sources: list[dict],
                        declared_complete: bool = False) -> Completeness:
        """From the provenance's ``sources`` (download records beside them) or a declaration."""
        records, problems = download_records(sources)
        if not problems:
            how = "; ".join(f"{r['file']} downloaded from {r['url']} at {r['retrieved_at']}"
                            for r in records)
            return cls(times, windowed, f"download record: {how}")
        # a declaration stands in for a missing record, never against one: a source whose own
        # record says it is a sample (the committed week) stays a sample whatever is declared
        samples = [p for p in problems if p.endswith(SAMPLE_RECORD)]
        if declared_complete and samples:
            return cls(times, windowed, None, "declared complete, but " + "; ".join(samples))
        if declared_complete:
            return cls(times, windowed, "declared complete by the build, on the word of "
                       "whoever ran it (no download record shows it)",
                       "; ".join(problems), declared=True)
        return cls(times, windowed, None, "; ".join(problems))

    @property
    def last_post(self) -> pd.Timestamp | None:
        return None if self.times.empty else pd.Timestamp(self.times.max()).tz_convert("UTC")

    def conditions(self, since: pd.Timestamp, until: pd.Timestamp | None = None) -> pd.DataFrame:
        """The three conditions for a claim about ``since`` .. ``until`` (default: the last
        post) as a table: ``condition``, ``holds`` (bool), ``detail`` (a sentence saying how it
        holds, or why not)."""
        window = ("a date window was applied" if self.windowed else "no date window")
        files = (self.whole_files if self.whole_files is not None else
                 "the provenance does not show whole published files: "
                 f"{self.whole_files_problem}" + (
                     "" if self.whole_files_problem.startswith("declared complete, but") else
                     " (for a complete copy fetched elsewhere, declare it with "
                     "declared_complete=True)"))
        until = until if until is not None else self.last_post
        days = self.max_silence.days
        if until is None:
            coverage, covered = "there are no posts", False
        elif since > until:
            coverage, covered = (f"the claim's span starts ({since:%d %b %Y}) after the last "
                                 f"post ({until:%d %b %Y})"), False
        else:
            gaps = silences(self.times, self.max_silence, since=since, until=until)
            covered = gaps.empty
            if covered:
                coverage = (f"no silence longer than {days} days from {since:%d %b %Y} to "
                            f"{until:%d %b %Y}")
            else:
                g = gaps.loc[gaps["hours"].idxmax()]
                some = "a silence" if len(gaps) == 1 else f"{len(gaps)} silences"
                coverage = (f"coverage has {some} longer than {days} days between "
                            f"{since:%d %b %Y} and {until:%d %b %Y}, the longest from "
                            f"{g['start']:%d %b %Y} to {g['end']:%d %b %Y} "
                            f"({g['hours'] / 24:,.0f} days)")
        return pd.DataFrame({
            "condition": ["no date window", "whole published files",
                          f"no silence longer than {days} days"],
            "holds": [not self.windowed, self.whole_files is not None, covered],
            "detail": [window, files, coverage]})

    def failures(self, since: pd.Timestamp, until: pd.Timestamp | None = None) -> list[str]:
        """The conditions that fail for a claim about ``since`` .. ``until`` (default: the last
        post), each as a sentence; an empty list means the input is complete over that span."""
        table = self.conditions(since, until)
        return table.loc[~table["holds"], "detail"].tolist()

    def describe(self, since: pd.Timestamp, until: pd.Timestamp | None = None) -> str:
        """``complete ...`` or ``not complete: <failed conditions>``, for the evidence."""
        failed = self.failures(since, until)
        if failed:
            return "not shown to be complete: " + "; ".join(failed)
        return (f"complete ({self.whole_files}; no window; no silence over "
                f"{self.max_silence.days} days)")

    def statement(self, since: pd.Timestamp, until: pd.Timestamp | None = None) -> str:
        """What these data can check, said once for a reader above the claims: whether claims
        about the whole archive can be judged, and why (or why not), in plain words."""
        until = until if until is not None else self.last_post
        days = self.max_silence.days
        reasons = []
        if self.windowed:
            reasons.append("the build keeps only a window of dates")
        if self.whole_files is None:
            if SAMPLE_RECORD in self.whole_files_problem:
                reasons.append("the input is a sample of the archive, not a whole published "
                               "file (its download record says so)")
            else:
                reasons.append("nothing shows the input is the whole published archive: no "
                               "download record beside it, and the build does not declare it "
                               "complete")
        if until is None:
            reasons.append("there are no posts")
        elif since <= until:
            gaps = silences(self.times, self.max_silence, since=since, until=until)
            if not gaps.empty:
                g = gaps.loc[gaps["hours"].idxmax()]
                reasons.append(f"the posts have a gap of {g['hours'] / 24:,.0f} days, from "
                               f"{_day(g['start'])} to {_day(g['end'])}"
                               + (f" ({len(gaps)} gaps longer than {days} days in all)"
                                  if len(gaps) > 1 else ""))
        if not reasons:
            how = ("declared complete by whoever ran this build (no download record shows it)"
                   if self.declared else "whole published files, each with its download record")
            return (f"These data can check claims about the whole archive: the input is {how}, "
                    f"no date window was applied, and no gap between posts is longer than "
                    f"{days} days from {_day(since)} to {_day(until)}.")
        return ("These data cannot check claims about the whole archive (\u201conly one\u201d, "
                "\u201cthe first time\u201d, \u201cnot again\u201d): " + "; ".join(reasons)
                + ". A counter-example in these data would contradict such a claim, but none "
                "can be supported.")


def _day(t) -> str:
    t = pd.Timestamp(t)
    return f"{t.day} {t:%B %Y}"
