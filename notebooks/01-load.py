# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Load the archive
#
# Reads every source (several sources are several captures of the same posts, merged so each
# post keeps its latest counts), leaves out what the analysis cannot use, applies the date
# window, and saves the posts for the next notebooks. Every exclusion is counted.

# %% tags=["parameters"]
from typing import Optional  # papermill reads `Optional[str]`, not `str | None`

sources: list[str] = []  # archive files; several are captures of the same posts (the last listed is the latest, unless every file states its capture time); empty: the story's committed week (the build always passes its parameter set's)
start: Optional[str] = None  # first day kept, "YYYY-MM-DD" in `tz`; None keeps everything from the first post
end: Optional[str] = None  # last day kept (inclusive), "YYYY-MM-DD" in `tz`; None keeps everything to the last post
tz: str = "America/New_York"  # time zone that decides which calendar day a post belongs to
account: Optional[str] = None  # the account analysed (acct or username, any case); None keeps the only account there is
replies: str = "include"  # include | exclude: replies to other accounts (kind "reply", from the platform's API layout)

# %%
import json

import pandas as pd
from IPython.display import display

from ratioed import load_archive, paths, story
from ratioed.inputs.files import write_csv_atomic, write_parquet_atomic, write_text_atomic
from ratioed.inputs.load import select_account
from ratioed.inputs.platforms import NAMES, platform_of
from ratioed.inputs.rules import (
    BOOST_REASON,
    REPLY_REASON,
    RETRUTH_REASON,
    in_window,
    split_analysable,
)
from ratioed.present import labels
from ratioed.present.record import provenance, record_numbers
from ratioed.present.tables import show_table

# %% [markdown]
# ## Sources
# Each file is read, validated (ids, times, counts) and cleaned (HTML, entities, mojibake).

# %%
sources = sources or [str(paths.PROJ_ROOT / story.EVIDENCE)]  # empty: the story's committed week
archive = load_archive(sources)
rows_read = sum(c.rows for c in archive.captures)
print(f"Read {labels.amount(len(archive.captures), 'source')}, {labels.amount(rows_read, 'row')}: "
      f"{labels.amount(len(archive.posts), 'post')} after merging captures")
source = labels.source_line(provenance(archive, {})["sources"], tz)  # under every table
display(show_table(archive.captures_table[["label", "layout", "captured_at", "rows",
                                           "duplicate_ids", "zoneless_times", "first_post",
                                           "last_post"]], caption="The sources read",
                   source=source))

# %% [markdown]
# ## Data quality
# Times written without a time zone are read as UTC; they are counted here, never assumed
# silently. Every post id also encodes its creation time (`int(id) >> 16` is milliseconds since
# 1970, UTC): a `created_at` more than a minute away from it means the file's times cannot be
# trusted as they stand. On the real samples every post is within a quarter of a second. Counts
# only grow, so a post whose latest capture is lower than an earlier one is counted too.

# %%
id_time = archive.id_time_mismatches()
print(f"Times without a zone (read as UTC): {archive.zoneless_times:,} of "
      f"{rows_read:,} rows. Posts whose created_at is more than a "
      f"minute from the time in their id: {len(id_time):,} of {len(archive.posts):,}.")
if len(id_time):
    display(show_table(id_time.head(10), caption="Posts whose time disagrees with their id",
                       source=source))
fell = archive.counts_fell()  # counts only grow: a lower later capture is one to doubt
print(f"Posts whose latest capture has a lower count than an earlier capture (the latest is "
      f"kept): {len(fell):,}.")

# %% [markdown]
# ## The account
# The archive's own layouts hold one account's posts; a dump from the platform's API may hold
# several. The analysis is about one account: the parameter `account` chooses it, and a file
# with several accounts and no choice is refused with the list below.

# %%
posts_all, accounts = select_account(archive.posts, account, ", ".join(map(str, sources)) or "the input")
the_account = posts_all["account"].iloc[0] if len(posts_all) else (account or "")
other_accounts = len(archive.posts) - len(posts_all)
display(show_table(accounts, caption="Accounts in the input", source=source))
print(f"Account analysed: @{the_account}, {labels.amount(len(posts_all), 'post')}; posts of other accounts "
      f"left out: {other_accounts:,}")

# %% [markdown]
# ## Leave out what is another account's post
# The archive stores re-truths of other accounts' posts with all three counts at 0; the
# platforms' APIs mark a boost, retweet or repost by nesting the shared post. Either way the engagement belongs to
# the other account, so they cannot be ratioed, whatever counts they carry. Replies to other
# accounts are kept, marked `reply`, unless the parameter `replies` is `exclude`.

# %%
kept, excluded = split_analysable(posts_all, replies)
reasons = excluded["reason"].value_counts()
print(f"Left out: {labels.amount(len(excluded), 'post')} ("
      + (", ".join(f"{n:,} {r}" for r, n in reasons.items()) or "none") + f"); {len(kept):,} kept. "
      f"Replies to other accounts: {int((posts_all['kind'] == 'reply').sum()):,} ({replies}d).")

# %% [markdown]
# ## Date window
# Days are calendar days in the parameter `tz`.

# %%
inside = in_window(kept, start, end, tz)
outside = kept.loc[~inside].assign(reason=f"outside the window {start or '…'} to {end or '…'} ({tz})")
posts = kept.loc[inside]
print(f"Keep posts from {start or 'the first post'} to {end or 'the last post'}: "
      f"{labels.amount(len(outside), 'post')} excluded, {len(posts):,} kept")

# %% [markdown]
# ## Checks the later notebooks rely on

# %%
assert posts["id"].is_unique, "post ids must be unique after merging"
assert (posts[["replies", "retruths", "likes"]] >= 0).all().all(), "counts must be non-negative"
assert len(posts_all) == len(posts) + len(excluded) + len(outside), "every post accounted for"
assert len(archive.posts) == len(posts_all) + other_accounts, "every account accounted for"
assert (posts["kind"] != "boost").all(), "no boost is scored for the booster"
if len(posts):
    local = posts["created_at"].dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()
    assert start is None or local.min() >= pd.Timestamp(start)
    assert end is None or local.max() <= pd.Timestamp(end)
print(f"{labels.amount(len(posts), 'post')}, ids unique, counts non-negative, all inside the window")

# %%
history = archive.history.loc[archive.history["id"].isin(posts["id"])]
write_parquet_atomic(posts, paths.POSTS_PARQUET)
write_parquet_atomic(history, paths.HISTORY_PARQUET)
write_parquet_atomic(posts_all[["id", "created_at"]], paths.PROCESSED_DIR / "all_posts.parquet")
excluded_all = pd.concat([excluded, outside])[["id", "created_at", "account", "kind", "replies",
                                               "retruths", "likes", "reason"]]
write_csv_atomic(excluded_all, paths.EXCLUDED_CSV)
params = {"sources": sources, "start": start, "end": end, "tz": tz, "account": the_account,
          "replies": replies}
write_text_atomic(paths.PROVENANCE_JSON, json.dumps(provenance(archive, params), indent=2) + "\n")
platform = platform_of(posts_all.get("platform"))  # one platform per load: its words on the page
record_numbers("load", {
    "account": the_account, "platform": platform, "platform_name": NAMES[platform], "accounts_in_input": len(accounts),
    "other_accounts_excluded": other_accounts, "posts_loaded": len(posts_all),
    "retruths_excluded": int((excluded["reason"] == RETRUTH_REASON).sum()),
    "boosts_excluded": int((excluded["reason"] == BOOST_REASON).sum()),
    "replies_excluded": int((excluded["reason"] == REPLY_REASON).sum()),
    "replies_kept": int((posts["kind"] == "reply").sum()),
    "outside_window": len(outside), "posts_analysed": len(posts),
    "captures": len(archive.captures), "zoneless_times": archive.zoneless_times,
    "id_time_mismatches": len(id_time),
    "counts_fell": len(fell),  # latest capture lower than an earlier one
    "first_post": posts["created_at"].min(), "last_post": posts["created_at"].max(),
})
print(f"Saved {labels.amount(len(posts), 'post')} and {labels.amount(len(history), 'capture row')}; "
      f"{len(excluded_all):,} exclusions listed in {paths.EXCLUDED_CSV.name}")
