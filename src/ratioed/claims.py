"""The story's checkable claims, evaluated against the data.

Claims are written in our own words in ``data/claims.yaml``; each names a ``check`` defined
here. A check returns a verdict -- one of :data:`STATUSES` -- and the numbers behind it.

Universal claims ("only one post", "no earlier post") can be *contradicted* by any input that
holds a counter-example, but *supported* only by the full archive: when the input covers only a
window, they are ``not checkable with these data`` and the evidence says so. The input counts as
the full archive when its first post is within Truth Social's first month (before
:data:`FULL_ARCHIVE_STARTS_BEFORE`) and no date window was applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import yaml

from .ratios import DEFINITIONS, STORY_DEFINITION

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NOT_CHECKABLE = "not checkable with these data"
STATUSES = [SUPPORTED, CONTRADICTED, NOT_CHECKABLE]
FULL_ARCHIVE_STARTS_BEFORE = pd.Timestamp("2022-03-01", tz="UTC")  # first post: Feb 2022


@dataclass
class Evidence:
    """Everything a check may look at."""

    posts: pd.DataFrame  # analysable posts with ratios and ratioed_<definition> columns
    history: pd.DataFrame  # per-capture counts (id, capture, captured_at, capture_rank, counts)
    observations: pd.DataFrame  # reporters' readings (post_id, observed_at, counts, source)
    all_created_at: pd.Series  # creation times of every post loaded, before exclusions/window
    windowed: bool  # a date window was applied
    highlight_id: str
    definition: str = STORY_DEFINITION
    tz: str = "America/New_York"  # for times shown in the evidence
    notes: dict = field(default_factory=dict)

    @property
    def full_archive(self) -> bool:
        return (not self.windowed and len(self.all_created_at) > 0
                and self.all_created_at.min() < FULL_ARCHIVE_STARTS_BEFORE)

    @property
    def coverage(self) -> str:
        if self.posts.empty:
            return "no posts"
        lo, hi = self.posts["created_at"].min(), self.posts["created_at"].max()
        return f"posts from {lo:%d %b %Y} to {hi:%d %b %Y}"


def _flag(ev: Evidence) -> pd.Series:
    return ev.posts[f"ratioed_{ev.definition}"]


def _counts(r) -> str:
    return f"{int(r['replies']):,} replies, {int(r['retruths']):,} re-truths, {int(r['likes']):,} likes"


def check_highlight_ratioed(ev: Evidence, **_):
    row = ev.posts.loc[ev.posts["id"] == ev.highlight_id]
    if row.empty:
        return NOT_CHECKABLE, f"post {ev.highlight_id} is not in the input ({ev.coverage})", {}
    r = row.iloc[0]
    ok = bool(r[f"ratioed_{ev.definition}"])
    nums = {"replies": int(r["replies"]), "retruths": int(r["retruths"]), "likes": int(r["likes"])}
    return (SUPPORTED if ok else CONTRADICTED,
            f"post {ev.highlight_id} ({r['created_at']:%d %b %Y %H:%M} UTC), capture "
            f"{r['capture']}: {_counts(r)} ({DEFINITIONS[ev.definition]}: {ok})", nums)


def check_observation_agrees(ev: Evidence, observed_at: str | None = None, **_):
    obs = ev.observations.loc[ev.observations["post_id"] == ev.highlight_id]
    if observed_at is not None:
        obs = obs.loc[obs["observed_at"] == pd.Timestamp(observed_at)]
    if obs.empty:
        return NOT_CHECKABLE, f"no observation of post {ev.highlight_id} in the observation file", {}
    o = obs.iloc[0]
    row = ev.posts.loc[ev.posts["id"] == ev.highlight_id]
    if row.empty:
        return NOT_CHECKABLE, f"post {ev.highlight_id} is not in the input ({ev.coverage})", {}
    a = row.iloc[0]
    obs_ratioed = o["replies"] > o["likes"] > 0 and o["replies"] > o["retruths"] > 0
    arc_ratioed = bool(a["ratioed_both"])
    grew = all(o[c] >= a[c] for c in ("replies", "retruths", "likes"))
    ok = obs_ratioed and arc_ratioed
    nums = {"observed": {c: int(o[c]) for c in ("replies", "retruths", "likes")},
            "archive": {c: int(a[c]) for c in ("replies", "retruths", "likes")},
            "observed_reply_like_ratio": round(o["replies"] / o["likes"], 3),
            "archive_reply_like_ratio": round(float(a["reply_like_ratio"]), 3)}
    text = (f"reading at {o['observed_at'].tz_convert(ev.tz):%d %b %Y %H:%M %Z} ({o['source']}): "
            f"{_counts(o)}; "
            f"archive capture: {_counts(a)}. Both show replies above likes and re-truths: {ok}"
            f" (reply/like {nums['observed_reply_like_ratio']} vs "
            f"{nums['archive_reply_like_ratio']}). "
            + ("The reading is higher on every count, as expected of a later look."
               if grew else "Some count in the reading is below the archive's: check the times."))
    return (SUPPORTED if ok else CONTRADICTED), text, nums


def check_post_count_since(ev: Evidence, since: str = "2022-01-01", more_than: int = 1000, **_):
    n = int((ev.all_created_at >= pd.Timestamp(since, tz="UTC")).sum())
    nums = {"posts": n, "since": since, "threshold": more_than}
    if n > more_than:
        return SUPPORTED, f"{n:,} posts in the input since {since} (more than {more_than:,})", nums
    if ev.full_archive:
        return CONTRADICTED, f"only {n:,} posts in the full archive since {since}", nums
    return NOT_CHECKABLE, (f"the input holds {n:,} posts ({ev.coverage}); the claim is about the "
                           "full archive"), nums


def check_only_one(ev: Evidence, **_):
    flagged = ev.posts.loc[_flag(ev), "id"].tolist()
    nums = {"flagged": len(flagged), "ids": flagged, "posts": len(ev.posts)}
    text = (f"{len(flagged)} of {len(ev.posts):,} posts meet {DEFINITIONS[ev.definition]}"
            + (f": {', '.join(flagged[:5])}" if flagged else ""))
    if len(flagged) > 1:
        return CONTRADICTED, text, nums
    if ev.full_archive and flagged == [ev.highlight_id]:
        return SUPPORTED, text + " (full archive)", nums
    if ev.full_archive:
        return CONTRADICTED, text + " (full archive)", nums
    return NOT_CHECKABLE, text + f" in the input ({ev.coverage}); the claim is about the full archive", nums


def check_first_time(ev: Evidence, **_):
    row = ev.posts.loc[ev.posts["id"] == ev.highlight_id]
    if row.empty:
        return NOT_CHECKABLE, f"post {ev.highlight_id} is not in the input ({ev.coverage})", {}
    when = row.iloc[0]["created_at"]
    earlier = ev.posts.loc[_flag(ev) & (ev.posts["created_at"] < when), "id"].tolist()
    nums = {"earlier_flagged": len(earlier), "ids": earlier}
    if earlier:
        return CONTRADICTED, f"{len(earlier)} earlier post(s) meet the condition: {', '.join(earlier[:5])}", nums
    before = ev.posts.loc[ev.posts["created_at"] < when]
    text = f"no earlier post meets it among {len(before):,} posts before {when:%d %b %Y}"
    if ev.full_archive:
        return SUPPORTED, text + " (full archive, from February 2022)", nums
    return NOT_CHECKABLE, text + f" in the input ({ev.coverage}); the claim is about every earlier post", nums


CHECKS = {
    "highlight_ratioed": check_highlight_ratioed,
    "observation_agrees": check_observation_agrees,
    "post_count_since": check_post_count_since,
    "only_one": check_only_one,
    "first_time": check_first_time,
}


def read_claims(path) -> list[dict]:
    """The claims file: a list of ``{id, claim, check, args?}``."""
    claims = yaml.safe_load(open(path, encoding="utf-8"))
    for c in claims:
        if c.get("check") not in CHECKS:
            raise ValueError(f"{path}: claim {c.get('id')}: unknown check {c.get('check')!r}")
    return claims


def read_observations(path) -> pd.DataFrame:
    """Reporters' readings: ``post_id, observed_at, replies, retruths, likes, source, note``."""
    obs = pd.read_csv(path, dtype={"post_id": str, "source": str, "note": str})
    obs["observed_at"] = pd.to_datetime(obs["observed_at"], format="ISO8601")
    return obs


def evaluate(claims: list[dict], ev: Evidence) -> pd.DataFrame:
    """One row per claim: ``id, claim, status, evidence, numbers`` (numbers as JSON)."""
    import json

    rows = []
    for c in claims:
        status, evidence, numbers = CHECKS[c["check"]](ev, **(c.get("args") or {}))
        rows.append({"id": c["id"], "claim": c["claim"], "status": status, "evidence": evidence,
                     "numbers": json.dumps(numbers, default=str, sort_keys=True)})
    return pd.DataFrame(rows, columns=["id", "claim", "status", "evidence", "numbers"])
