# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. The story's claims, checked
#
# Each claim is written in our own words in `data/claims.yaml` and checked by code in
# `ratioed.analysis.claims`, always under the story's definition of "ratioed". A claim about the whole
# archive ("only one post", "the first time", "not happened again") can be contradicted by any
# counter-example, but supported only when the input is shown to be the complete published
# archive: no date window, a download record (or an explicit declaration) for every source, and
# no silence longer than 90 days. Otherwise it is *not checkable with these data*, and the
# evidence names the condition that failed.

# %% tags=["parameters"]
from typing import Optional  # papermill reads `Optional[str]`, not `str | None`

definition: str = "both"  # definition for the exploratory tables: both | either | likes | retruths (the claims always use the story's, both)
highlight_id: str = "114842356238631061"  # the post the story is about (a string)
observations: Optional[str] = None  # a string or None: CSV of reporters' readings (post_id, observed_at, counts, source). None means data/raw/observations.csv
start: Optional[str] = None  # "YYYY-MM-DD" or None: the date window notebook 1 applied (a window makes archive-wide claims uncheckable)
end: Optional[str] = None  # "YYYY-MM-DD" or None: see `start`
tz: str = "America/New_York"  # time zone for times quoted in the evidence and tables
account: Optional[str] = None  # the account analysed (notebook 1 chose it); the story's account (or None) gets the story's claims, any other the generic ledger
context: list[str] = []  # files of the same person on other platforms (any layout notebook 1 reads): a context table beside the claims, which it does not change; empty: none
declared_complete: bool = False  # True: declare the sources complete published archive files when they have no download record (the report says so)

# %%
import json
from pathlib import Path

import pandas as pd
from IPython.display import display

from ratioed import load_archive, paths
from ratioed.analysis.claims import (
    LEDGER_DEFINITION,
    MEASURED,
    NOT_CHECKABLE,
    SUPPORTED,
    Evidence,
    claims_file,
    evaluate,
    in_words,
    later_flagged,
    read_claims,
)
from ratioed.analysis.completeness import Completeness, declared_flag
from ratioed.analysis.context import context_table, platform_row
from ratioed.analysis.coverage import ACCOUNT_START, LISTED_SILENCE, coverage_table, monthly_flags
from ratioed.analysis.ratios import DEFINITIONS
from ratioed.inputs.files import read_parquet, write_csv_atomic
from ratioed.inputs.load import select_account
from ratioed.inputs.observations import read_observations
from ratioed.inputs.rules import split_analysable
from ratioed.present import labels
from ratioed.present.record import platform, record_numbers, source_line
from ratioed.present.tables import show_table

ratios = read_parquet(paths.RATIOS_PARQUET)
all_posts = read_parquet(paths.PROCESSED_DIR / "all_posts.parquet")
provenance_record = json.loads(paths.PROVENANCE_JSON.read_text())
sources = provenance_record["sources"]
obs = read_observations(observations or paths.OBSERVATIONS_CSV)
analysed = provenance_record["parameters"].get("account") or account
ledger = claims_file(analysed)
source = source_line(tz)  # under every table: the input, its publisher and URL, its capture
where = platform()  # the input's platform: its words for shares (re-truths, retweets, ...)
claims = read_claims(ledger)
print(f"Account @{analysed or 'realDonaldTrump'}: the ledger is {ledger.name} ("
      + ("the story's claims" if ledger == paths.CLAIMS_YAML else
         "generic: measured from the data, no story's sentence") + ")")
print(f"{len(claims)} claims to check against {len(ratios):,} analysable posts "
      f"({len(all_posts):,} loaded from {labels.amount(len(sources), 'source')}) and "
      f"{labels.amount(len(obs), 'reporter observation')}")

# %% [markdown]
# ## Which definition the claims use
# The claims quote the story, so they are judged under the story's definition whatever
# definition this build chose for its exploratory tables.

# %%
story_rule = in_words(DEFINITIONS[LEDGER_DEFINITION], where)  # in the platform's words
if definition == LEDGER_DEFINITION:
    print(f"The claims and the exploratory tables both use the story's definition: {story_rule}.")
else:
    print(f"The claims are judged under the story's definition ({story_rule}); the exploratory "
          f"tables use {definition} ({in_words(DEFINITIONS[definition], where)}).")

# %% [markdown]
# ## Coverage: where posts may be missing
# Every post loaded, before any exclusion or window: the first and last post, posts per month
# (UTC) and every silence longer than 48 hours. The public archive's scraper has had outages;
# a claim like "only one post" is only as good as this coverage.

# %%
coverage = coverage_table(all_posts["created_at"])
write_csv_atomic(coverage, paths.COVERAGE_CSV)
span = coverage.iloc[0]
months = coverage.loc[coverage["kind"] == "month"]
gaps = coverage.loc[coverage["kind"] == "silence"].sort_values("hours", ascending=False)
if span["posts"]:
    print(f"{labels.amount(span['posts'], 'post')} from {span['start']:%d %b %Y %H:%M} to "
          f"{span['end']:%d %b %Y %H:%M} UTC. Months covered: {len(months)}, without a post: "
          f"{int((months['posts'] == 0).sum())}. Silences longer than "
          f"{LISTED_SILENCE / pd.Timedelta(hours=1):.0f} hours: {len(gaps)}"
          + (f", the longest {gaps['hours'].iloc[0] / 24:,.1f} days" if len(gaps) else ""))
else:
    print("No posts loaded: nothing is covered")

# %%
shown = gaps.head(10).assign(days=gaps["hours"] / 24)  # the ten longest; all in coverage.csv
shown = shown.assign(**{c: shown[c].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M %Z")
                        for c in ("start", "end")})
if len(shown):
    display(show_table(shown[["start", "end", "hours", "days"]], precision=1,
                       caption=f"The {len(shown)} longest silences ({tz})",
                       csv=paths.COVERAGE_CSV, source=source, platform=where))

# %% [markdown]
# ## Is the input the complete archive?
# Three conditions, all needed before a claim about the whole archive can be supported.

# %%
completeness = Completeness.from_provenance(all_posts["created_at"], bool(start or end), sources,
                                            declared_complete=declared_flag(declared_complete))
conditions = completeness.conditions(ACCOUNT_START)
failed = conditions.loc[~conditions["holds"], "detail"].tolist()
display(show_table(conditions, caption="The three conditions", source=source, platform=where))
if completeness.declared:
    print("Whoever ran this build declared the input to be whole published files ("
          f"{completeness.whole_files_problem}): this rests on that declaration, not on a "
          "download record.")
statement = completeness.statement(ACCOUNT_START)  # said once, above the claims
print(statement)
print("The input is shown to be the complete archive" if not failed else
      f"The input is not shown to be the complete archive (conditions failing: {len(failed)}), "
      "so claims about the whole archive can be contradicted by a counter-example but not "
      "supported")

# %% [markdown]
# ## The claims

# %%
evidence = Evidence(posts=ratios, observations=obs, completeness=completeness,
                    highlight_id=highlight_id, tz=tz, platform=where)
verdicts = evaluate(claims, evidence)
write_csv_atomic(verdicts, paths.CLAIMS_CSV)
record_numbers("claims", {
    **{r.id: {"status": r.status, "numbers": json.loads(r.numbers)} for r in verdicts.itertuples()},
    "ledger_definition": LEDGER_DEFINITION, "table_definition": definition,
    "declared_complete": completeness.declared, "complete_archive_failed": failed,
    "completeness_statement": statement,
})
tally = verdicts["status"].value_counts()
print(", ".join(f"{n} {status}" for status, n in tally.items()))
display(show_table(verdicts[["id", "claim", "status", "evidence"]], csv=paths.CLAIMS_CSV,
                   caption="The claims, checked", source=source, platform=where))

# %% [markdown]
# ## The same person elsewhere
# With the parameter `context` (Make's `CONTEXT`): files of the same person on other platforms,
# each loaded on its own, shares of other accounts' posts left out as in notebook 1. Beside this
# input, each one's posts, their days and the posts ratioed under the story's definition, with
# their counts. The claims above are judged on this input alone: the table changes none of them.

# %%
rows = [platform_row(ratios.assign(platform=where, account=analysed or ""),
                     ", ".join(Path(s["source"]).name for s in sources), tz)]
for file in context:
    mine, _ = select_account(load_archive([file]).posts, None, Path(file).name)
    rows.append(platform_row(split_analysable(mine)[0], Path(file).name, tz))
if context:
    table = context_table(rows)
    write_csv_atomic(table, paths.CONTEXT_CSV)
    display(show_table(table, caption="The same person elsewhere: posts and ratioed posts "
                       "per platform, under the story's definition", csv=paths.CONTEXT_CSV,
                       headings={"first_post": "First day", "last_post": "Last day",
                                 "ratioed_posts": "Ratioed", "ratioed": "Which (counts)"},
                       source=f"{source} Context: " + ", ".join(table["source"][1:]) + ".",
                       platform=where))
else:
    paths.CONTEXT_CSV.unlink(missing_ok=True)  # not the previous build's table
    print("No context files (parameter `context`): no context table.")

# %% [markdown]
# ## Since the highlighted post
# Every later post that meets the definition chosen for the tables, and the posts per month
# meeting each definition since then.

# %%
hl = ratios.loc[ratios["id"] == highlight_id]
since_cols = ["id", "created_at", "created_local", "replies", "retruths", "likes",
              "reply_like_ratio", "reply_retruth_ratio", "trailing_median", "ratio_multiple",
              "trailing_percentile", "url"]
flag_cols = [f"ratioed_{d}" for d in DEFINITIONS]
if len(hl):
    when = hl.iloc[0]["created_at"]
    since = later_flagged(ratios, when, definition)
    monthly = monthly_flags(ratios, flag_cols, since=when)
    print(f"After post {highlight_id} ({when.tz_convert(tz):%d %b %Y %H:%M %Z}): "
          f"{labels.amount(int((ratios['created_at'] > when).sum()), 'post')} after it; "
          f"{labels.counted(len(since), 'post', 'meets', 'meet')} '{DEFINITIONS[definition]}'")
else:
    since = ratios.iloc[0:0]
    monthly = monthly_flags(ratios.iloc[0:0], flag_cols)
    print(f"Post {highlight_id} is not in these data: nothing to list after it")
since = since.assign(created_local=labels.local_times(since["created_at"], tz))[since_cols]
write_csv_atomic(since, paths.SINCE_HIGHLIGHT_CSV)
write_csv_atomic(monthly, paths.SINCE_HIGHLIGHT_MONTHLY_CSV)
display(show_table(since.drop(columns=["created_at", "url"]).head(20),
                   caption=f"Posts after the highlighted one meeting “{definition}”",
                   csv=paths.SINCE_HIGHLIGHT_CSV, source=source, platform=where,
                   empty="None." if len(hl) else "The highlighted post is not in these data."))

# %%
display(show_table(monthly.assign(month=monthly["month"].dt.strftime("%Y-%m")), precision=0,
                   caption="Posts per month since the highlighted one, by definition",
                   csv=paths.SINCE_HIGHLIGHT_MONTHLY_CSV, source=source, platform=where,
                   empty="None: no month to count." if len(hl) else
                   "The highlighted post is not in these data."))

# %% [markdown]
# ## Checks this notebook guarantees

# %%
statuses = set(verdicts["status"])
universal = {c["id"] for c in claims if c["check"] in ("only_one", "first_time", "not_again")}
supported_universal = verdicts.loc[verdicts["id"].isin(universal)
                                   & (verdicts["status"] == SUPPORTED)]
assert verdicts["id"].is_unique and len(verdicts) == len(claims), "one verdict per claim"
assert statuses <= {SUPPORTED, "contradicted", NOT_CHECKABLE, MEASURED}, f"unknown verdict in {statuses}"
assert all(json.loads(n)["failed_conditions"] == [] for n in supported_universal["numbers"]), \
    "a universal claim is supported only on a complete input"
assert months["posts"].sum() == len(all_posts.dropna(subset=["created_at"])), \
    "coverage months account for every post"
assert len(since) == 0 or (since["created_at"] > hl.iloc[0]["created_at"]).all(), \
    "since_highlight lists only later posts"
assert ratios.set_index("id").loc[since["id"], f"ratioed_{definition}"].all(), \
    "since_highlight lists only posts meeting the chosen definition"
print(f"One verdict per claim ({len(verdicts)}); archive-wide claims supported: "
      f"{len(supported_universal)}, each on a complete input; coverage accounts for all "
      f"{labels.amount(len(all_posts), 'post')}; later posts listed: {len(since)}, each meeting the chosen "
      "definition")
