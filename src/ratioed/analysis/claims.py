"""The story's checkable claims, evaluated against the data.

Claims are written in our own words in ``data/claims.yaml``; each names a ``check`` defined
here. A check returns a verdict -- :data:`SUPPORTED`, :data:`CONTRADICTED` or
:data:`NOT_CHECKABLE` -- the evidence as a sentence, and the numbers behind it.

**One definition for the ledger.** The story's claims are always judged under the story's
definition of "ratioed" (:data:`ratioed.analysis.ratios.STORY_DEFINITION`, ``both``: replies > likes and
replies > re-truths), whatever definition a build chooses for its exploratory tables: the
claims quote the story, and the story used that definition. Every flag comes from the library's
rule (:func:`ratioed.analysis.ratios.is_ratioed`); no check restates it. The evidence names the
definition, and the report says plainly when the exploratory tables use another one.

**Completeness must be evidenced.** Universal claims ("only one", "the first time", "more than
N since", "not happened again") can be *contradicted* by any input holding a counter-example.
Without one they are *supported* -- or *contradicted as the full archive* -- only when the
input is shown to be the whole published archive (:class:`ratioed.analysis.completeness.Completeness`:
no date window, whole published files, no long silence); otherwise the verdict is *not
checkable with these data* and the evidence names each condition that failed.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from ..errors import InputError
from ..inputs.platforms import share_words
from ..story import COUNTS, is_story_account
from .completeness import Completeness
from .coverage import ACCOUNT_START, utc_time
from .ratios import DEFINITIONS, STORY_DEFINITION, is_ratioed

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NOT_CHECKABLE = "not checkable with these data"
MEASURED = "measured"  # the generic ledger's entries: counted from the data, not a claim judged
LEDGER_DEFINITION = STORY_DEFINITION  # the claims are judged under the story's definition


# --------------------------------------------------------------------------- evidence


@dataclass
class Evidence:
    """Everything a check may look at.

    ``posts``: analysable posts (``id``, ``created_at``, counts, ``capture``,
    ``reply_like_ratio``); ``observations``: reporters' readings (``post_id``, ``observed_at``,
    counts, ``source``); ``completeness``: what shows the input is the whole archive.
    """

    posts: pd.DataFrame
    observations: pd.DataFrame
    completeness: Completeness
    highlight_id: str
    tz: str = "America/New_York"  # for times shown in the evidence
    platform: str = "truthsocial"  # whose words the evidence uses for shares (re-truths, retweets)

    @property
    def coverage(self) -> str:
        if self.posts.empty:
            return "no posts"
        lo, hi = self.posts["created_at"].min(), self.posts["created_at"].max()
        return f"posts from {lo:%d %b %Y} to {hi:%d %b %Y}"

    def flags(self) -> pd.Series:
        """Whether each post is ratioed under the ledger's (the story's) definition."""
        return is_ratioed(self.posts, LEDGER_DEFINITION)

    def highlight(self) -> pd.Series | None:
        row = self.posts.loc[self.posts["id"] == self.highlight_id]
        return None if row.empty else row.iloc[0]


RULE = f"the story's definition ({DEFINITIONS[LEDGER_DEFINITION]})"  # the generic ledger's words
BOTH = "more replies than likes and than re-truths"  # the ledger's definition, for a reader
UNCHECKABLE = "the whole archive cannot be checked on these data (see above the table)"


def _n(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def _has(n: int) -> str:
    return "has" if n == 1 else "have"


def _none_of(n: int, noun: str, where: str) -> str:
    """"None of the 4 posts <where> has", "The one post <where> does not have", "No post
    <where> has": the subject and verb of a sentence saying no post meets a condition."""
    if n == 0:
        return f"No {noun} {where} has"
    if n == 1:
        return f"The one {noun} {where} does not have"
    return f"None of the {_n(n, noun)} {where} has"


def _on(t, tz: str | None = None) -> str:
    """A calendar day in ``tz``: "12 July 2025"."""
    t = pd.Timestamp(t)
    t = t.tz_convert(tz) if tz and t.tzinfo is not None else t
    return f"{t.day} {t:%B %Y}"


def _at(t, tz: str | None = None) -> str:
    """A time of day in ``tz``, its zone named: "12 July 2025, 17:21 EDT"."""
    t = pd.Timestamp(t)
    t = t.tz_convert(tz) if tz and t.tzinfo is not None else t
    zone = t.tzname() or ""
    zone = zone if zone.isalpha() else (tz or zone)
    return f"{t.day} {t:%B %Y}, {t:%H:%M} {zone}".strip()


def _counts(r) -> str:
    return f"{int(r['replies']):,} replies, {int(r['retruths']):,} re-truths, {int(r['likes']):,} likes"


def _counts_and(r) -> str:
    return (f"{_n(int(r['replies']), 'reply', 'replies')}, {_n(int(r['retruths']), 're-truth')} "
            f"and {_n(int(r['likes']), 'like')}")


def _absent(ev: Evidence):
    return NOT_CHECKABLE, f"Post {ev.highlight_id} is not in the input ({ev.coverage}).", {}


def _ids(ids: list[str]) -> str:
    return ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def later_flagged(posts: pd.DataFrame, after: pd.Timestamp, definition: str) -> pd.DataFrame:
    """The posts created strictly after ``after`` that are ratioed under ``definition``, oldest
    first (the library's rule, :func:`ratioed.analysis.ratios.is_ratioed`)."""
    later = posts.loc[(posts["created_at"] > after) & is_ratioed(posts, definition)]
    return later.sort_values("created_at", kind="stable")


def check_highlight_ratioed(ev: Evidence, **_):
    r = ev.highlight()
    if r is None:
        return _absent(ev)
    ok = bool(ev.flags()[ev.posts["id"] == ev.highlight_id].iloc[0])
    nums = {c: int(r[c]) for c in COUNTS}
    nums["capture"] = str(r["capture"])
    return (SUPPORTED if ok else CONTRADICTED,
            f"Post {ev.highlight_id} ({_at(r['created_at'], ev.tz)}) had {_counts_and(r)} when "
            f"the archive captured it: " + (f"{BOTH}." if ok else f"not {BOTH}."), nums)


def check_observation_agrees(ev: Evidence, observed_at: str | None = None, **_):
    obs = ev.observations.loc[ev.observations["post_id"] == ev.highlight_id]
    if observed_at is not None:
        obs = obs.loc[obs["observed_at"] == pd.Timestamp(observed_at)]
    if obs.empty:
        return NOT_CHECKABLE, f"No reporter's reading of post {ev.highlight_id} is on file.", {}
    a = ev.highlight()
    if a is None:
        return _absent(ev)
    o = obs.iloc[0]
    both = pd.DataFrame([{c: int(o[c]) for c in COUNTS}, {c: int(a[c]) for c in COUNTS}])
    obs_ratioed, arc_ratioed = (bool(x) for x in is_ratioed(both, LEDGER_DEFINITION))
    grew = all(o[c] >= a[c] for c in COUNTS)
    ok = obs_ratioed and arc_ratioed
    nums = {"post": ev.highlight_id, "observed_at": o["observed_at"].isoformat(),
            "observed_source": str(o["source"]),
            "observed": {c: int(o[c]) for c in COUNTS},
            "archive": {c: int(a[c]) for c in COUNTS},
            "observed_ratioed": obs_ratioed, "archive_ratioed": arc_ratioed,
            "observed_reply_like_ratio": round(o["replies"] / o["likes"], 3) if o["likes"] else None,
            "archive_reply_like_ratio": round(a["replies"] / a["likes"], 3) if a["likes"] else None}
    ratio = {k: "" if nums[k] is None else f" ({nums[k]:.2f} replies per like)"
             for k in ("observed_reply_like_ratio", "archive_reply_like_ratio")}
    verdict = {(True, True): f"Both show {BOTH}",
               (True, False): f"The reading shows {BOTH}; the capture does not",
               (False, True): f"The capture shows {BOTH}; the reading does not",
               (False, False): f"Neither shows {BOTH}"}[(obs_ratioed, arc_ratioed)]
    text = (f"{o['source']}'s reading at {_at(o['observed_at'], ev.tz)}: {_counts(o)}"
            f"{ratio['observed_reply_like_ratio']}; the archive's capture: {_counts(a)}"
            f"{ratio['archive_reply_like_ratio']}. {verdict}"
            + (", and the reading is higher on every count, as a later look should be."
               if grew else "; some count in the reading is below the capture's: check the times."))
    return (SUPPORTED if ok else CONTRADICTED), text, nums


def check_post_count_since(ev: Evidence, since: str = "2022-01-01", more_than: int = 1000, **_):
    since_t = utc_time(since)
    n = int((ev.completeness.times >= since_t).sum())
    nums = {"posts": n, "since": since, "threshold": more_than}
    if n > more_than:
        return SUPPORTED, (f"The input holds {_n(n, 'post')} since {_on(since_t)}, more than "
                           f"{more_than:,}."), nums
    span_start = max(since_t, ACCOUNT_START)
    failed = ev.completeness.failures(span_start)
    nums["failed_conditions"] = failed
    text = f"The input holds only {_n(n, 'post')} since {_on(since_t)}"
    if not failed:
        return CONTRADICTED, text + ", and it is the whole archive.", nums
    return NOT_CHECKABLE, text + f"; {UNCHECKABLE}.", nums


def check_only_one(ev: Evidence, **_):
    flagged = ev.posts.loc[ev.flags(), "id"].tolist()
    failed = ev.completeness.failures(ACCOUNT_START)
    nums = {"flagged": len(flagged), "ids": flagged, "posts": len(ev.posts),
            "failed_conditions": failed}
    if flagged:
        text = (f"{len(flagged):,} of {_n(len(ev.posts), 'post')} {_has(len(flagged))} {BOTH}: "
                f"{_ids(flagged)}")
    else:
        text = f"{_none_of(len(ev.posts), 'post', 'here')} {BOTH}"
    if len(flagged) > 1:
        return CONTRADICTED, text + ". A second such post contradicts the claim whatever the " \
            "coverage.", nums
    if failed:
        return NOT_CHECKABLE, text + f"; {UNCHECKABLE}.", nums
    if flagged == [ev.highlight_id]:
        return SUPPORTED, text + ", the highlighted post, in the whole archive.", nums
    return CONTRADICTED, text + (", not the highlighted post, in the whole archive." if flagged
                                 else ", not even the highlighted post."), nums


def check_first_time(ev: Evidence, **_):
    r = ev.highlight()
    if r is None:
        return _absent(ev)
    when = r["created_at"]
    earlier = ev.posts.loc[ev.flags() & (ev.posts["created_at"] < when), "id"].tolist()
    failed = ev.completeness.failures(ACCOUNT_START, when)
    nums = {"earlier_flagged": len(earlier), "ids": earlier, "failed_conditions": failed}
    if earlier:
        return CONTRADICTED, (f"{_n(len(earlier), 'earlier post')} {_has(len(earlier))} {BOTH}: "
                              f"{_ids(earlier)}."), nums
    before = int((ev.posts["created_at"] < when).sum())
    text = f"{_none_of(before, 'post', f'before {_on(when, ev.tz)}')} {BOTH}"
    if failed:
        return NOT_CHECKABLE, text + f"; {UNCHECKABLE}.", nums
    return SUPPORTED, text + ", back to the account's first post.", nums


def check_not_again(ev: Evidence, **_):
    r = ev.highlight()
    if r is None:
        return _absent(ev)
    when = r["created_at"]
    later = later_flagged(ev.posts, when, LEDGER_DEFINITION)["id"].tolist()
    last = ev.completeness.last_post
    failed = ev.completeness.failures(when)
    nums = {"later_flagged": len(later), "ids": later, "failed_conditions": failed,
            "last_post": None if last is None else last.isoformat()}
    if later:
        return CONTRADICTED, (f"{_n(len(later), 'later post')} {_has(len(later))} {BOTH}: "
                              f"{_ids(later)}."), nums
    after = int((ev.posts["created_at"] > when).sum())
    span = f"from {_on(when, ev.tz)} to the last one in the input ({_on(last, ev.tz)})"
    text = f"{_none_of(after, 'post', span)} {BOTH}"
    if failed:
        return NOT_CHECKABLE, text + f"; {UNCHECKABLE}.", nums
    return SUPPORTED, text + ".", nums


# --------------------------------------------------------------------------- generic ledger
# For an account other than the story's (data/claims-generic.yaml): what the data show, with
# no story's sentence to judge. Each entry's status is MEASURED: a count, not a claim.


def _unusual(r) -> str:
    """How unusual a post's replies-per-like is against the account's own earlier posts."""
    if pd.isna(r.get("ratio_multiple")) or pd.isna(r.get("trailing_median")):
        return "no baseline (too few earlier posts in the window)"
    pct = r.get("trailing_percentile")
    tail = "" if pd.isna(pct) else f", higher than {float(pct):.0f}% of them"
    return (f"{float(r['ratio_multiple']):,.1f} times the median replies per like "
            f"({float(r['trailing_median']):,.2f}) of the account's "
            f"{_n(int(r['trailing_posts']), 'earlier post')} in the baseline window{tail}")


def _post_numbers(r) -> dict:
    return {"id": str(r["id"]), "created_at": r["created_at"].isoformat(),
            **{c: int(r[c]) for c in COUNTS},
            **{k: (None if pd.isna(r.get(k)) else float(r[k]))
               for k in ("reply_like_ratio", "ratio_multiple", "trailing_percentile")}}


def check_posts_analysed(ev: Evidence, **_):
    n = len(ev.posts)
    return MEASURED, f"{n:,} posts analysed ({ev.coverage})", {"posts": n}


def check_ratioed_per_definition(ev: Evidence, **_):
    counts = {d: int(is_ratioed(ev.posts, d).sum()) for d in DEFINITIONS}
    text = "; ".join(f"{d} ({DEFINITIONS[d]}): {n:,}" for d, n in counts.items())
    return MEASURED, f"posts ratioed under each definition, of {len(ev.posts):,}: {text}", counts


def check_first_ratioed(ev: Evidence, **_):
    flagged = ev.posts.loc[ev.flags()].sort_values("created_at", kind="stable")
    if flagged.empty:
        return MEASURED, f"no post is ratioed under {RULE} ({ev.coverage})", {"id": None}
    r = flagged.iloc[0]
    return MEASURED, (f"post {r['id']} ({_at(r['created_at'], ev.tz)}): {_counts(r)}; "
                      f"{_unusual(r)}"), _post_numbers(r)


def check_most_ratioed(ev: Evidence, **_):
    flagged = ev.posts.loc[ev.flags()]
    if flagged.empty:
        return MEASURED, f"no post is ratioed under {RULE} ({ev.coverage})", {"id": None}
    ratio = flagged["replies"] / flagged["likes"].where(flagged["likes"] > 0)
    order = pd.DataFrame({"r": ratio.fillna(float("inf")), "n": flagged["replies"]})
    r = flagged.loc[order.sort_values(["r", "n"], ascending=False, kind="stable").index[0]]
    return MEASURED, (f"post {r['id']} ({_at(r['created_at'], ev.tz)}), the most replies "
                      f"per like among the {len(flagged):,} ratioed under {RULE}: {_counts(r)}; "
                      f"{_unusual(r)}"), _post_numbers(r)


def claims_file(account: str | None) -> Path:
    """The ledger for ``account``: the story's claims for the story's account (or none said),
    else the generic ledger (:data:`ratioed.paths.CLAIMS_GENERIC_YAML`)."""
    from .. import paths

    return paths.CLAIMS_YAML if is_story_account(account) else paths.CLAIMS_GENERIC_YAML


CHECKS = {
    "posts_analysed": check_posts_analysed,
    "ratioed_per_definition": check_ratioed_per_definition,
    "first_ratioed": check_first_ratioed,
    "most_ratioed": check_most_ratioed,
    "highlight_ratioed": check_highlight_ratioed,
    "observation_agrees": check_observation_agrees,
    "post_count_since": check_post_count_since,
    "only_one": check_only_one,
    "first_time": check_first_time,
    "not_again": check_not_again,
}


def read_claims(path) -> list[dict]:
    """The claims file: a list of ``{id, claim, check, args?}``."""
    try:
        claims = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise InputError(path, f"not valid YAML: {err}") from None
    if not isinstance(claims, list):
        raise InputError(path, "expected a list of claims ({id, claim, check, args?})")
    import inspect

    for n, c in enumerate(claims, start=1):
        if not isinstance(c, dict) or c.get("check") not in CHECKS:
            check = c.get("check") if isinstance(c, dict) else c
            raise InputError(path, f"unknown check {check!r}; known: {', '.join(CHECKS)}",
                             where=f"claim {n}", field="check")
        for key in ("id", "claim"):
            if not isinstance(c.get(key), str) or not c[key].strip():
                raise InputError(path, "missing or not text", where=f"claim {n}", field=key)
        args = c.get("args") or {}
        if not isinstance(args, dict):
            raise InputError(path, "expected a mapping of argument names to values",
                             where=f"claim {n}", field="args")
        known = {"post"} | {name for name, p in inspect.signature(CHECKS[c["check"]]).parameters
                            .items() if p.kind is p.KEYWORD_ONLY or (
                                p.kind is p.POSITIONAL_OR_KEYWORD and name != "ev")}
        unknown = sorted(set(args) - known)
        if unknown:  # a misspelled argument would be swallowed and its default used silently
            raise InputError(path, f"unknown argument(s) {', '.join(map(repr, unknown))} of "
                             f"check {c['check']!r}; known: {', '.join(sorted(known))}",
                             where=f"claim {n}", field="args")
    return claims


def in_words(text: str, platform: str | None) -> str:
    """The checks' sentences (written with Truth Social's "re-truths") in ``platform``'s words
    (:data:`ratioed.inputs.platforms.SHARE_WORDS`): "retweets" on X, "reposts" on Bluesky."""
    one, many = share_words(platform)
    return text.replace("re-truths", many).replace("re-truth", one)


def evaluate(claims: list[dict], ev: Evidence) -> pd.DataFrame:
    """One row per claim: ``id, claim, status, evidence, numbers`` (numbers as JSON).

    A claim whose ``args`` name a ``post`` is judged on that post (the story's claims are about
    the 12 July 2025 post, whichever post a build highlights); the others on the highlighted one.
    """
    rows = []
    for c in claims:
        args = dict(c.get("args") or {})
        # a claim about a named post is judged on that post, whatever HIGHLIGHT says
        on = dataclasses.replace(ev, highlight_id=str(args.pop("post"))) if "post" in args else ev
        status, evidence, numbers = CHECKS[c["check"]](on, **args)
        evidence = in_words(evidence, ev.platform)
        rows.append({"id": c["id"], "claim": c["claim"], "status": status, "evidence": evidence,
                     "numbers": json.dumps(numbers, default=str, sort_keys=True)})
    return pd.DataFrame(rows, columns=["id", "claim", "status", "evidence", "numbers"])
