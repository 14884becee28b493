# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Reply ratios and who was "ratioed"
#
# For every post: replies per like, replies per re-truth, and whether it is "ratioed" under each
# definition a reader may ask about. A ratio with a zero denominator is undefined (left blank),
# and a comparison with a zero count never counts as ratioed. Then: how unusual each post is
# against the account's own previous 30 days.

# %% tags=["parameters"]
definition = "both"  # the story's definition of "ratioed": both | either | likes | retruths (see ratioed.ratios.DEFINITIONS)
highlight_id = "114842356238631061"  # the post the story is about (a string: 18-digit ids must not become numbers)
tz = "America/New_York"  # time zone for the local times shown
trailing_window = "30D"  # the account's "recent behaviour": posts in this many days before each post

# %%
import pandas as pd
from IPython.display import display

from ratioed import paths
from ratioed.record import record_numbers
from ratioed.figures import show_table
from ratioed.files import read_parquet, write_csv_atomic, write_parquet_atomic
from ratioed.ratios import DEFINITIONS, add_ratios, unusualness

posts = read_parquet(paths.POSTS_PARQUET)
print(f"{len(posts):,} posts from notebook 1")

# %% [markdown]
# ## Ratios, flags and the account's typical level

# %%
ratios = add_ratios(posts).join(unusualness(posts, window=trailing_window))
undefined = int(ratios["reply_like_ratio"].isna().sum())
print(f"Reply/like ratio undefined (0 likes) for {undefined:,} posts; defined for "
      f"{len(ratios) - undefined:,}")
assert definition in DEFINITIONS, f"unknown definition {definition!r}"

# %% [markdown]
# ## How many posts each definition flags

# %%
counts = pd.DataFrame({
    "definition": list(DEFINITIONS),
    "rule": list(DEFINITIONS.values()),
    "posts_flagged": [int(ratios[f"ratioed_{d}"].sum()) for d in DEFINITIONS],
    "flagged_ids": [" ".join(ratios.loc[ratios[f"ratioed_{d}"], "id"]) for d in DEFINITIONS],
    "story_definition": [d == definition for d in DEFINITIONS],
})
counts["posts_checked"] = len(ratios)
write_csv_atomic(counts, paths.TABLES_DIR / "definitions.csv")
display(show_table(counts[["rule", "posts_flagged", "flagged_ids"]]))

# %% [markdown]
# ## The ratioed posts (the story's definition)

# %%
columns = ["id", "created_at", "created_local", "replies", "retruths", "likes",
           "reply_like_ratio", "reply_retruth_ratio", "trailing_median", "ratio_multiple",
           "trailing_percentile", "url"]
ratios["created_local"] = ratios["created_at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d %H:%M %Z")
ratioed_posts = ratios.loc[ratios[f"ratioed_{definition}"], columns].sort_values("created_at")
write_csv_atomic(ratioed_posts, paths.RATIOED_POSTS_CSV)
print(f"{len(ratioed_posts):,} of {len(ratios):,} posts meet '{DEFINITIONS[definition]}'")
display(show_table(ratioed_posts.drop(columns=["url", "created_at"])))

# %% [markdown]
# ## Top posts by replies per like

# %%
top = ratios.dropna(subset=["reply_like_ratio"]).nlargest(10, "reply_like_ratio")
top = top.assign(text=top["content"].fillna("(no text in this source)").str.slice(0, 90))
top_cols = ["id", "created_local", "replies", "retruths", "likes", "reply_like_ratio",
            "ratio_multiple", "text"]
write_csv_atomic(top[top_cols], paths.TABLES_DIR / "top_posts_by_reply_like_ratio.csv")
display(show_table(top[top_cols]))

# %%
write_parquet_atomic(ratios, paths.RATIOS_PARQUET)
hl = ratios.loc[ratios["id"] == highlight_id]
record_numbers("ratios", {
    "definition": definition,
    "posts_checked": len(ratios),
    "flagged": {d: int(ratios[f"ratioed_{d}"].sum()) for d in DEFINITIONS},
    "highlight": ({**{c: int(hl.iloc[0][c]) for c in ("replies", "retruths", "likes")},
                   **{c: round(float(hl.iloc[0][c]), 4) for c in (
                       "reply_like_ratio", "reply_retruth_ratio", "trailing_median",
                       "ratio_multiple", "trailing_percentile")},
                   "trailing_posts": int(hl.iloc[0]["trailing_posts"])} if len(hl) else None),
})
if len(hl):
    h = hl.iloc[0]
    base = (f"{h['ratio_multiple']:.1f} times the median of the previous {trailing_window} "
            f"({h['trailing_median']:.2f}), higher than {h['trailing_percentile']:.0f}% of them"
            if pd.notna(h["ratio_multiple"]) else "too few earlier posts for a baseline")
    print(f"Highlighted post {highlight_id}: {h['reply_like_ratio']:.2f} replies per like; {base}")
else:
    print(f"Highlighted post {highlight_id} is not in these data")
