# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Figures
#
# Each figure is saved in `reports/figures/` as PNG and SVG, beside a CSV of the numbers it
# draws, so a graphics desk or fact-checker can redraw or check it without Python.

# %% tags=["parameters"]
highlight_id = "114842356238631061"  # the post to highlight and label (a string)
tz = "America/New_York"  # time zone for dates on the time axis
observations = None  # CSV of reporters readings. None means data/raw/observations.csv

# %%
import pandas as pd
from IPython.display import display

from ratioed import figures, paths
from ratioed.claims import read_observations
from ratioed.files import read_parquet

figures.style()
ratios = read_parquet(paths.RATIOS_PARQUET)
history = read_parquet(paths.HISTORY_PARQUET)
print(f"{len(ratios):,} posts to draw")

# %% [markdown]
# ## Figure 1. Replies against likes
# Posts above the dashed line drew more replies than likes.

# %%
fig, data = figures.likes_vs_replies(ratios, highlight_id)
figures.save_figure(fig, "fig1-likes-vs-replies", data)

# %% [markdown]
# ## Figure 2. Replies per like over time
# Each dot is a post; the line is the median of the account's posts in the 30 days before.

# %%
fig, data = figures.ratio_over_time(ratios, highlight_id, tz)
figures.save_figure(fig, "fig2-reply-like-ratio-over-time", data)

# %% [markdown]
# ## Figure 3. How many posts each definition of "ratioed" flags

# %%
counts = pd.read_csv(paths.TABLES_DIR / "definitions.csv", dtype={"flagged_ids": str})
fig, data = figures.definition_counts(counts)
figures.save_figure(fig, "fig3-definitions", data)

# %% [markdown]
# ## Figure 4. The highlighted post, capture by capture
# The archive's counts at each capture, and the reporter's reading. Counts only grow, so a later
# reading should be higher on every count.

# %%
obs = read_observations(observations or paths.OBSERVATIONS_CSV)
captures = history.loc[history["id"] == highlight_id].assign(
    reading=lambda d: "archive: " + d["capture"].astype(str)
    + d["captured_at"].dt.strftime(" (%d %b %Y)").fillna(""))
readings = pd.concat([
    captures[["reading", "replies", "retruths", "likes"]],
    obs.loc[obs["post_id"] == highlight_id].assign(
        reading=lambda d: d["source"] + d["observed_at"].dt.strftime(" reading, %d %b %H:%M")
    )[["reading", "replies", "retruths", "likes"]],
], ignore_index=True)
if len(readings):
    fig, data = figures.highlight_captures(readings)
    display(figures.save_figure(fig, "fig4-highlight-readings", data))
else:
    print(f"Post {highlight_id} is in neither the input nor the observations: no figure 4")
