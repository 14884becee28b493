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
# Each figure is saved in `reports/figures/` as PNG and SVG (with real text, for a graphics
# desk), beside a CSV of the numbers it draws, so a graphics desk or fact-checker can redraw or
# check it without Python. Every caption, legend and axis label that names a parameter is
# written from it.

# %% tags=["parameters"]
from typing import Optional  # papermill reads `Optional[str]`, not `str | None`

highlight_id: str = "114842356238631061"  # the post to highlight and label (a string)
tz: str = "America/New_York"  # time zone for dates on the time axis
observations: Optional[str] = None  # CSV of reporters' readings; None means data/raw/observations.csv
definition: str = "both"  # the definition of "ratioed" this build uses (figure 3 highlights it)
trailing_window: str = "30D"  # the baseline window drawn in figure 2
start: Optional[str] = None  # first day kept by notebook 1 (named in figure 1's caption)
end: Optional[str] = None  # last day kept by notebook 1

# %%
import pandas as pd
from IPython.display import Markdown, display

from ratioed import paths
from ratioed.inputs.files import read_parquet
from ratioed.inputs.observations import read_observations
from ratioed.present import figures, labels
from ratioed.present.record import platform, source_line

figures.style()
ratios = read_parquet(paths.RATIOS_PARQUET)
history = read_parquet(paths.HISTORY_PARQUET)
span = labels.window(trailing_window)
source = source_line(tz)  # the input, its publisher and URL, drawn into every figure
where = platform()  # the input's platform: its words for shares (re-truths, retweets, ...)
display(Markdown(f"**{labels.amount(len(ratios), 'post')}** to draw ({labels.date_range(start, end)})."))

# %% [markdown]
# ## Figure 1. Replies against likes
# Posts above the dashed line drew more replies than likes.

# %% tags=["key-figure"]
figures.save_figure(
    figures.likes_vs_replies(ratios, highlight_id, tz), "fig1-likes-vs-replies", source=source,
    narrow=figures.likes_vs_replies(ratios, highlight_id, tz, narrow=True),
    caption=f"Figure 1. Replies against likes, one dot per post ({labels.date_range(start, end)}); "
            + ("the dashed line is replies = likes, the diamond is post "
               f"{highlight_id}." if (ratios["id"] == highlight_id).any() else
               f"the dashed line is replies = likes; post {highlight_id} is not in these data."))

# %% [markdown]
# ## Figure 2. Replies per like over time

# %%
figures.save_figure(
    figures.ratio_over_time(ratios, highlight_id, tz, trailing_window),
    "fig2-reply-like-ratio-over-time", source=source,
    narrow=figures.ratio_over_time(ratios, highlight_id, tz, trailing_window, narrow=True),
    caption=f"Figure 2. Each dot is a post; the line is the median of the account's posts in "
            f"the previous {span}. Dates in {tz}.")

# %% [markdown]
# ## Figure 3. How many posts each definition of "ratioed" flags

# %%
counts = pd.read_csv(paths.TABLES_DIR / "definitions.csv", dtype={"flagged_ids": str})
figures.save_figure(
    figures.definition_counts(counts, definition), "fig3-definitions", source=source,
    narrow=figures.definition_counts(counts, definition, narrow=True),
    caption=f"Figure 3. Posts flagged by each definition; hatched: the definition this build "
            f"uses, {labels.definition(definition, where)}.")

# %% [markdown]
# ## Figure 4. The highlighted post, capture by capture
# The archive's counts at each capture, and the reporters' readings. Counts only grow, so a
# later reading should be higher on every count.

# %%
obs = read_observations(observations or paths.OBSERVATIONS_CSV)
captures = history.loc[history["id"] == highlight_id].assign(
    reading=lambda d: "archive: " + d["capture"].astype(str) + pd.Series(
        [f" ({labels.day(t, tz)})" if pd.notna(t) else "" for t in d["captured_at"]],
        index=d.index, dtype=object))
readings = pd.concat([
    captures[["reading", "replies", "retruths", "likes"]],
    obs.loc[obs["post_id"] == highlight_id].assign(
        # the reading's time of day in tz, its zone named (13 Jul 2025 10:45 EDT)
        reading=lambda d: d["source"] + pd.Series(
            [f" reading, {labels.moment(t, tz, short=True)}" for t in d["observed_at"]],
            index=d.index, dtype=object)
    )[["reading", "replies", "retruths", "likes"]],
], ignore_index=True)
if len(captures):  # a reading alone would draw another account's post (or one not loaded)
    display(figures.save_figure(
        figures.highlight_captures(readings, platform=where), "fig4-highlight-readings", source=source,
        narrow=figures.highlight_captures(readings, narrow=True, platform=where),
        caption=f"Figure 4. Post {highlight_id}: replies, {labels.shares(where)} and likes in each capture "
                f"of the archive and in each reporter's reading."))
else:
    figures.drop_figure("fig4-highlight-readings")  # not the previous build's figure 4
    display(Markdown(f"Post {highlight_id} is not in the input: no figure 4."))
