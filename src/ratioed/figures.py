"""The story's figures. Each is saved through :func:`save_figure` as PNG and SVG with the CSV of
the numbers it draws beside it (``reports/figures/fig1-likes-vs-replies.{png,svg,csv}``).

Saving is deterministic: fixed DPI, fixed SVG hash salt, no date or software metadata, so the
same inputs give byte-identical files.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "ratioed"
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from . import paths  # noqa: E402
from .files import write_bytes_atomic, write_csv_atomic  # noqa: E402

DPI = 150
RASTER_ABOVE = 2000  # scatters with more dots are embedded as an image inside the SVG
PLAIN = FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")  # 1,000 not 10^3
HIGHLIGHT_COLOR = "#d62728"
BASE_COLOR = "#4c72b0"


def style() -> None:
    """The house style for every figure."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.0)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": DPI, "svg.hashsalt": "ratioed",
                         "axes.titleweight": "bold", "axes.titlelocation": "left",
                         "figure.constrained_layout.use": True})


def save_figure(fig, name: str, data: pd.DataFrame, folder=None):
    """Write ``<name>.png``, ``<name>.svg`` and ``<name>.csv`` (the numbers drawn) atomically,
    close the figure, and return the PNG for display (the notebook shows exactly the file)."""
    from IPython.display import Image

    folder = folder or paths.FIGURES_DIR
    png = b""
    for fmt, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)  # layout: constrained (one draw)
        write_bytes_atomic(folder / f"{name}.{fmt}", buf.getvalue())
        png = png or buf.getvalue()
    write_csv_atomic(data, folder / f"{name}.csv")
    plt.close(fig)
    return Image(data=png, format="png", width=fig.get_figwidth() * 100)


def likes_vs_replies(posts: pd.DataFrame, highlight_id: str | None):
    """Scatter of likes (x) against replies (y), log scales, with the replies = likes line.

    Posts with 0 likes or 0 replies cannot sit on a log axis; they are left out and counted in
    the figure's note. Returns ``(fig, data)``.
    """
    data = posts[["id", "created_at", "replies", "retruths", "likes"]].copy()
    data["highlight"] = data["id"] == highlight_id
    plotted = data.loc[(data["likes"] > 0) & (data["replies"] > 0)]
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.scatter(plotted["likes"], plotted["replies"], s=14, alpha=0.45, color=BASE_COLOR,
               linewidths=0, label="a post", rasterized=len(plotted) > RASTER_ABOVE)
    lo = max(1, min(plotted["likes"].min(), plotted["replies"].min()) / 1.5) if len(plotted) else 1
    hi = max(plotted["likes"].max(), plotted["replies"].max()) * 1.5 if len(plotted) else 10
    ax.plot([lo, hi], [lo, hi], color="0.3", lw=1, ls="--", label="replies = likes")
    ax.fill_between([lo, hi], [lo, hi], [hi, hi], color=HIGHLIGHT_COLOR, alpha=0.05, lw=0)
    ax.text(lo * 1.3, hi / 1.6, "more replies than likes", color=HIGHLIGHT_COLOR, fontsize=9)
    hl = plotted.loc[plotted["highlight"]]
    if len(hl):
        r = hl.iloc[0]
        ax.scatter([r["likes"]], [r["replies"]], s=70, color=HIGHLIGHT_COLOR, zorder=3,
                   edgecolor="white", label="highlighted post")
        ax.annotate(f"{r['created_at']:%d %b %Y}\n{r['replies']:,} replies\n{r['likes']:,} likes",
                    (r["likes"], r["replies"]), xytext=(-12, 12), textcoords="offset points",
                    ha="right", fontsize=9, color=HIGHLIGHT_COLOR)
    ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), xlabel="Likes (log scale)",
           ylabel="Replies (log scale)", title="Replies against likes, one dot per post")
    ax.xaxis.set_major_formatter(PLAIN)
    ax.yaxis.set_major_formatter(PLAIN)
    left_out = len(data) - len(plotted)
    note = f"{len(plotted):,} posts" + (f"; {left_out:,} with 0 likes or 0 replies not shown"
                                        if left_out else "")
    ax.legend(loc="lower right", fontsize=9, title=note, title_fontsize=8)
    return fig, data


def ratio_over_time(posts: pd.DataFrame, highlight_id: str | None, tz: str):
    """Reply/like ratio of each post over time, with the account's trailing median."""
    data = posts[["id", "created_at", "replies", "likes", "reply_like_ratio",
                  "trailing_median"]].copy()
    data["created_local"] = data["created_at"].dt.tz_convert(tz).dt.tz_localize(None)
    data = data.sort_values("created_at")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.scatter(data["created_local"], data["reply_like_ratio"], s=12, alpha=0.5, color=BASE_COLOR,
               linewidths=0, label="reply/like ratio of a post",
               rasterized=len(data) > RASTER_ABOVE)
    ax.plot(data["created_local"], data["trailing_median"], color="0.2", lw=1.5,
            label="typical level: median of the previous 30 days")
    ax.axhline(1, color=HIGHLIGHT_COLOR, lw=1, ls="--", label="replies = likes")
    hl = data.loc[data["id"] == highlight_id]
    if len(hl) and pd.notna(hl.iloc[0]["reply_like_ratio"]):
        r = hl.iloc[0]
        ax.scatter([r["created_local"]], [r["reply_like_ratio"]], s=60, color=HIGHLIGHT_COLOR,
                   zorder=3, edgecolor="white")
        ax.annotate(f"{r['created_local']:%d %b}: {r['reply_like_ratio']:.2f}",
                    (r["created_local"], r["reply_like_ratio"]), xytext=(8, -4),
                    textcoords="offset points", fontsize=9, color=HIGHLIGHT_COLOR)
    ax.set(yscale="log", ylabel="Replies per like (log scale)", xlabel=f"Date ({tz})",
           title="Replies per like, post by post")
    ax.yaxis.set_major_formatter(PLAIN)
    top = data["reply_like_ratio"].max()
    ax.set_ylim(top=max(1.0, top if top == top else 1.0) * 2.5)
    ax.legend(fontsize=8, loc="lower left", framealpha=0.9)
    for label in ax.get_xticklabels():  # autofmt_xdate does not mix with constrained layout
        label.set(rotation=30, ha="right")
    return fig, data.drop(columns=["created_local"])


def definition_counts(counts: pd.DataFrame):
    """Bar chart: how many posts each definition of "ratioed" flags."""
    fig, ax = plt.subplots(figsize=(9, 3))
    colors = [HIGHLIGHT_COLOR if s else BASE_COLOR for s in counts["story_definition"]]
    ax.barh(counts["rule"], counts["posts_flagged"], color=colors)
    for y, v in enumerate(counts["posts_flagged"]):
        ax.text(v, y, f" {v:,}", va="center", fontsize=10)
    ax.invert_yaxis()
    ax.set(xlabel="Posts flagged (red: the story's definition)", ylabel="",
           title="Posts flagged, by definition")
    ax.set_xlim(0, max(1, counts["posts_flagged"].max()) * 1.2)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.xaxis.set_major_formatter(PLAIN)
    return fig, counts


def highlight_captures(readings: pd.DataFrame):
    """Grouped bars: the highlighted post's counts in each capture and in reporters' readings."""
    long = readings.melt(id_vars=["reading"], value_vars=["replies", "retruths", "likes"],
                         var_name="count", value_name="value")
    fig, ax = plt.subplots(figsize=(8, 3.2 + 0.3 * len(readings)))
    sns.barplot(data=long, y="reading", x="value", hue="count", ax=ax,
                palette=[HIGHLIGHT_COLOR, "0.6", BASE_COLOR])
    for cont in ax.containers:
        ax.bar_label(cont, labels=[f" {v:,.0f}" for v in cont.datavalues], fontsize=8)
    ax.set(xlabel="Count", ylabel="", title="The highlighted post, reading by reading")
    ax.set_xlim(0, long["value"].max() * 1.25 if len(long) else 1)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(PLAIN)
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.08), ncol=3, frameon=False)
    return fig, readings


def show_table(df: pd.DataFrame, precision: int = 2):
    """A table for the report: no index, blanks for missing values, and every cell HTML-escaped
    (post text is untrusted input and must never become markup)."""
    from IPython.display import HTML

    def fmt(v):
        return f"{v:,.{precision}f}"

    return HTML(df.to_html(index=False, escape=True, na_rep="", border=0, float_format=fmt,
                           classes="ratioed-table"))
