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
# For every post: replies per like, replies per re-truth (retweet, boost, repost), and whether it is "ratioed" under each
# definition a reader may ask about. A ratio with a zero denominator is undefined (left blank),
# and a comparison with a zero count never counts as ratioed. Then: how unusual each post is
# against the account's own recent posts (the window is the parameter `trailing_window`).

# %% tags=["parameters"]
definition: str = "both"  # the definition of "ratioed" for the tables: both | either | likes | retruths (ratioed.analysis.ratios.DEFINITIONS)
highlight_id: str = "114842356238631061"  # the post the story is about (a string: 18-digit ids must not become numbers)
tz: str = "America/New_York"  # time zone for the local times shown
trailing_window: str = "30D"  # the account's "recent behaviour": posts in this long a window before each post

# %%
import pandas as pd
from IPython.display import Markdown, display

from ratioed import paths
from ratioed.analysis.ratios import DEFINITIONS, add_ratios, unusualness
from ratioed.inputs.files import read_parquet, write_csv_atomic, write_parquet_atomic
from ratioed.present import labels
from ratioed.present.record import platform, record_numbers, source_line
from ratioed.present.tables import show_table

posts = read_parquet(paths.POSTS_PARQUET)
span = labels.window(trailing_window)
headings = {"id": "Post id", "created_local": f"Posted ({tz})", "trailing_median": f"Median of the previous {span}",
            "trailing_percentile": f"Higher than % of posts in the previous {span}"}
source = source_line(tz)  # under every table: the input, its publisher and URL, its capture
where = platform()  # the input's platform: its words for shares (re-truths, retweets, ...)
display(Markdown(f"Notebook 1 saved **{labels.amount(len(posts), 'post')}** with counts to analyse."))

# %% [markdown]
# ## Ratios, flags and the account's typical level

# %%
ratios = add_ratios(posts).join(unusualness(posts, window=trailing_window))
undefined = int(ratios["reply_like_ratio"].isna().sum())
assert definition in DEFINITIONS, f"unknown definition {definition!r}"
display(Markdown(
    f"Replies per like is defined for **{labels.amount(len(ratios) - undefined, 'post')}** and undefined for "
    f"{undefined:,} (0 likes). The typical level of a post is the median ratio of the "
    f"account's posts in the previous {span}."))

# %% [markdown]
# ## How many posts each definition flags

# %%
counts = pd.DataFrame({
    "definition": list(DEFINITIONS),
    "rule": [r.replace("re-truths", labels.shares(where)) for r in DEFINITIONS.values()],
    "posts_flagged": [int(ratios[f"ratioed_{d}"].sum()) for d in DEFINITIONS],
    "flagged_ids": [" ".join(ratios.loc[ratios[f"ratioed_{d}"], "id"]) for d in DEFINITIONS],
    "story_definition": [d == definition for d in DEFINITIONS],
})
counts["posts_checked"] = len(ratios)
write_csv_atomic(counts, paths.TABLES_DIR / "definitions.csv")
display(show_table(counts[["definition", "rule", "posts_flagged", "flagged_ids"]],
                   caption=f"Posts flagged by each definition of \u201cratioed\u201d, of "
                           f"{labels.amount(len(ratios), 'post')} (this build uses \u201c{definition}\u201d)",
                   csv=paths.TABLES_DIR / "definitions.csv", source=source, platform=where))

# %% [markdown]
# ## The ratioed posts, under the definition used

# %%
columns = ["id", "created_at", "created_local", "replies", "retruths", "likes",
           "reply_like_ratio", "reply_retruth_ratio", "trailing_median", "ratio_multiple",
           "trailing_percentile", "url"]
ratios["created_local"] = labels.local_times(ratios["created_at"], tz)
ratioed_posts = ratios.loc[ratios[f"ratioed_{definition}"], columns].sort_values("created_at")
write_csv_atomic(ratioed_posts, paths.RATIOED_POSTS_CSV)
display(show_table(ratioed_posts.drop(columns=["url", "created_at"]),
                   caption=labels.of_total(len(ratioed_posts), len(ratios), "post", "meets",
                                           "meet") + f" {labels.definition(definition, where)}",
                   csv=paths.RATIOED_POSTS_CSV, headings=headings, source=source, platform=where,
                   digits={"trailing_percentile": 0, "ratio_multiple": 1}))

# %% [markdown]
# ## Top posts by replies per like

# %%
top = ratios.dropna(subset=["reply_like_ratio"]).nlargest(10, "reply_like_ratio")
top = top.assign(text=top["content"].fillna("(no text in this source)").str.slice(0, 90))
top_cols = ["id", "created_local", "replies", "retruths", "likes", "reply_like_ratio",
            "ratio_multiple", "text"]
top_csv = paths.TABLES_DIR / "top_posts_by_reply_like_ratio.csv"
write_csv_atomic(top[top_cols], top_csv)
display(show_table(top[top_cols], caption=f"The {len(top)} posts with most replies per like",
                   csv=top_csv, headings=headings, digits={"ratio_multiple": 1},
                   source=source, platform=where))

# %%
write_parquet_atomic(ratios, paths.RATIOS_PARQUET)
hl = ratios.loc[ratios["id"] == highlight_id]
record_numbers("ratios", {
    "definition": definition,
    "trailing_window": trailing_window,
    "tz": tz,
    "posts_checked": len(ratios),
    "flagged": {d: int(ratios[f"ratioed_{d}"].sum()) for d in DEFINITIONS},
    "highlight": ({"id": highlight_id, "created_at": hl.iloc[0]["created_at"].isoformat(),
                   **{c: int(hl.iloc[0][c]) for c in ("replies", "retruths", "likes")},
                   **{c: (round(float(hl.iloc[0][c]), 4) if pd.notna(hl.iloc[0][c]) else None)
                      for c in ("reply_like_ratio", "reply_retruth_ratio", "trailing_median",
                                "ratio_multiple", "trailing_percentile")},
                   "trailing_posts": (int(hl.iloc[0]["trailing_posts"])
                                      if pd.notna(hl.iloc[0]["trailing_posts"]) else None),
                   "ratioed": {d: bool(hl.iloc[0][f"ratioed_{d}"]) for d in DEFINITIONS}}
                  if len(hl) else None),
})
if len(hl):
    h = hl.iloc[0]
    base = (f"**{h['ratio_multiple']:.1f} times** the median of the account's "
            f"{labels.amount(int(h['trailing_posts']), 'post')} in the previous {span} "
            f"({h['trailing_median']:.2f}), higher than {h['trailing_percentile']:.0f}% of them"
            if pd.notna(h["ratio_multiple"]) else
            f"too few posts in the previous {span} for a baseline")
    display(Markdown(f"The highlighted post, {highlight_id}, drew **{h['reply_like_ratio']:.2f} "
                     f"replies per like**: {base}."))
else:
    display(Markdown(f"The highlighted post, {highlight_id}, is not in these data."))
