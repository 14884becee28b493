"""The story's figures. Each is saved through :func:`save_figure` as PNG and SVG with the CSV of
the numbers it draws beside it (``reports/figures/fig1-likes-vs-replies.{png,svg,csv}``).

Every figure function returns a :class:`Figure`: the matplotlib figure, the numbers it draws and
its alternative text, written from those numbers (what it shows and the number that matters), so
a screen reader learns what a sighted reader sees. Labels that name a parameter (window,
definition, time zone) are generated from it (:mod:`ratioed.present.labels`).

Saving is deterministic: fixed DPI, fixed SVG hash salt, no date or software metadata, so the
same inputs give byte-identical files. SVG text stays text (``svg.fonttype = "none"``), so a
graphics desk can edit it and a test can read it.

Text from the data (a reader's name, a rule, a parameter's words) is drawn as given: mathtext is
off for it (``$x^2$`` is five characters, a stray ``$`` or ``\\`` no error), and a character the
house font lacks (a source named in Chinese) is drawn from a font on the machine that has it (a
fallback: Debian's ``fonts-noto-cjk`` for Chinese, Japanese and Korean), else as a visible box
(matplotlib's Last Resort font) that the figure's caption names. Text the house font draws
keeps it alone, so the figures of ASCII data do not change.

Colours: a dark vermillion and a blue from the Okabe-Ito palette (told apart by readers with any
common colour-vision deficiency), each with at least 4.5:1 contrast on white; the highlighted
mark also differs in size, outline or hatching, never by colour alone.
"""

from __future__ import annotations

import base64
import io
import unicodedata
import warnings
from typing import NamedTuple

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "ratioed"
matplotlib.rcParams["svg.fonttype"] = "none"
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from .. import paths  # noqa: E402
from ..inputs.files import write_bytes_atomic, write_csv_atomic  # noqa: E402
from . import labels  # noqa: E402

DPI = 150
RASTER_ABOVE = 2000  # scatters with more dots are embedded as an image inside the SVG
PLAIN = FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")  # 1,000 not 10^3
HIGHLIGHT_COLOR = "#C04A00"  # dark vermillion: 5.0:1 on white
BASE_COLOR = "#0072B2"  # Okabe-Ito blue: 5.2:1 on white
NEUTRAL_COLOR = "#767676"  # grey: 4.5:1 on white
LAST_RESORT = "Last Resort High-Efficiency"  # matplotlib's: a box naming any character's script


class Figure(NamedTuple):
    """A drawn figure, the numbers it draws (saved as CSV) and its alternative text."""

    fig: object
    data: pd.DataFrame
    alt: str
    undrawn: str = ""  # characters of its labels no font on this machine has (drawn as boxes)


class FigureOutput:
    """What a notebook displays for a saved figure: the PNG, its alternative text, caption and
    the relative links to its files (the report's template renders them as a ``<figure>``)."""

    def __init__(self, png: bytes, width: int, alt: str, caption: str, files: dict[str, str],
                 narrow: bytes = b"", source: str = ""):
        self.png, self.width, self.alt, self.caption, self.files = png, width, alt, caption, files
        self.narrow, self.source = narrow, source

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = {"image/png": base64.b64encode(self.png).decode("ascii"), "text/plain": self.alt}
        meta = {"image/png": {"width": self.width, "alt": self.alt, "caption": self.caption,
                              "files": self.files, "source": self.source}}
        if self.narrow:  # the layout drawn for a phone; the page picks it by media query
            meta["image/png"]["narrow"] = base64.b64encode(self.narrow).decode("ascii")
        return data, meta


NARROW_WIDTH = 3.6  # inches: a phone's ~360 CSS px, drawn at DPI for a sharp image
SOURCE_SIZE = 7  # points: the source line drawn into each figure


def credit(fig, source: str) -> None:
    """Draw the source line along the figure's foot (wrapped to its width), so a chart that
    travels alone keeps its credit; constrained layout makes room for it."""
    import textwrap

    if not source:
        return
    chars = max(30, int(fig.get_figwidth() * 72 / (SOURCE_SIZE * 0.52)))
    fig.supxlabel("\n".join(textwrap.wrap(labels.drawable(source), chars, break_long_words=False,
                                           break_on_hyphens=False)),
                  x=0.01, ha="left", fontsize=SOURCE_SIZE, color="0.3", parse_math=False)


def style() -> None:
    """The house style for every figure."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=1.0)
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": DPI, "svg.hashsalt": "ratioed",
                         "svg.fonttype": "none", "axes.titleweight": "bold",
                         "axes.titlelocation": "left", "figure.constrained_layout.use": True})


def save_figure(figure: Figure, name: str, caption: str = "", folder=None, source: str = "",
                narrow: Figure | None = None) -> FigureOutput:
    """Write ``<name>.png``, ``<name>.svg`` and ``<name>.csv`` (the numbers drawn) atomically,
    close the figure, and return the PNG for display (the notebook shows exactly the file),
    carrying the figure's alternative text, ``caption`` and links to the three files.

    ``source``: the source line, drawn into the figure's foot (PNG and SVG) and kept for the
    page. ``narrow``: the same figure drawn for a phone's width (the function's ``narrow=True``),
    saved as ``<name>-narrow.png`` beside the others and offered to narrow screens."""
    folder = folder or paths.FIGURES_DIR
    fig = figure.fig
    credit(fig, source)
    small = b""
    if narrow is not None:
        credit(narrow.fig, source)
        buf = io.BytesIO()
        with warnings.catch_warnings():  # the phone's fewer date ticks: an odd range falls
            # back to matplotlib's own interval, with a warning that says only that
            warnings.filterwarnings("ignore", message="AutoDateLocator was unable")
            _hide_empty_minor_labels(narrow.fig)
            narrow.fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
        small = buf.getvalue()
        write_bytes_atomic(folder / f"{name}-narrow.png", small)
        plt.close(narrow.fig)
    if figure.undrawn:
        caption = (caption.rstrip(". ") + ". " if caption else "") + _undrawn_note(figure.undrawn)
    _hide_empty_minor_labels(fig)
    png = b""
    for fmt, meta in (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None})):
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)
        write_bytes_atomic(folder / f"{name}.{fmt}", buf.getvalue())
        png = png or buf.getvalue()
        # the layout (constrained) is done once, for the PNG; the SVG keeps it, so both files
        # have the same layout and the SVG is drawn once, without the layout's extra dry run
        fig.set_layout_engine("none")
    write_csv_atomic(figure.data, folder / f"{name}.csv")
    width = int(fig.get_figwidth() * 100)
    plt.close(fig)
    rel = paths.report_href(folder)
    files = {ext.upper(): f"{rel}/{name}.{ext}" for ext in ("png", "svg", "csv")}
    return FigureOutput(png, width, figure.alt, caption, files, small, source)


def _hide_empty_minor_labels(fig) -> None:
    """Switch off the minor tick labels of every axis whose minor labels are all empty (a log
    axis over several decades, a date axis). Nothing drawn changes, but matplotlib would still
    measure each empty label at every layout pass and draw (on figures 1 and 2 that was half
    of the time spent saving them)."""
    for ax in fig.axes:
        for axis, sides in ((ax.xaxis, ("labelbottom", "labeltop")),
                            (ax.yaxis, ("labelleft", "labelright"))):
            locs = axis.get_minorticklocs()
            if len(locs) and not any(axis.get_minor_formatter().format_ticks(locs)):
                axis.set_tick_params(which="minor", **dict.fromkeys(sides, False))


def drop_figure(name: str, folder=None) -> int:
    """Remove ``<name>.png``, ``.svg`` and ``.csv`` when this build draws no such figure, so a
    figure of the previous published set (the build's stage starts as a copy of it) is not
    published, and linked, beside outputs it no longer belongs to. Returns the files removed."""
    folder = folder or paths.FIGURES_DIR
    removed = 0
    for ext in ("png", "svg", "csv", "narrow.png"):
        target = folder / f"{name}{'-' if ext == 'narrow.png' else '.'}{ext}"
        if target.exists():
            target.unlink()
            removed += 1
    return removed


# --------------------------------------------------------------------------- text as given

_COVERAGE: dict[tuple, bool] = {}  # (font file, face, character) -> the face has a glyph for it
_SYSTEM_FONTS_ADDED = False  # fonts fontconfig knows that matplotlib's font cache did not list


def _has(path, index: int, char: str) -> bool:
    key = (str(path), index, char)
    if key not in _COVERAGE:
        try:
            font = font_manager.get_font(font_manager.FontPath(str(path), index))
            _COVERAGE[key] = font.get_char_index(ord(char)) != 0
        except (OSError, RuntimeError, ValueError):  # an unreadable font file: not a candidate
            _COVERAGE[key] = False
    return _COVERAGE[key]


def _family_fonts(prop) -> list:
    """The font files matplotlib draws ``prop`` with: one per family it can find."""
    found = []
    for family in prop.get_family():
        one = prop.copy()
        one.set_family(family)
        try:
            found.append(font_manager.findfont(one, fallback_to_default=False))
        except ValueError:
            continue
    return found or [font_manager.findfont(prop)]


def _lacking(text: str, fonts) -> list[str]:
    """The characters of ``text`` none of ``fonts`` has (line breaks aside), in order."""
    return [c for c in dict.fromkeys(text) if c != "\n"
            and not any(_has(f, getattr(f, "face_index", 0), c) for f in fonts)]


def _add_system_fonts() -> None:
    """Register the fonts fontconfig lists that matplotlib's font cache does not (a font
    installed after the cache was written), once per process; only ever called for a
    character the known fonts lack."""
    global _SYSTEM_FONTS_ADDED
    if _SYSTEM_FONTS_ADDED:
        return
    _SYSTEM_FONTS_ADDED = True
    known = {e.fname for e in font_manager.fontManager.ttflist}
    for path in sorted(set(font_manager.findSystemFonts()) - known):
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue


def _candidates() -> list:
    """The upright fonts matplotlib knows, but its Last Resort font (boxes, not letters)."""
    return [e for e in font_manager.fontManager.ttflist
            if e.style == "normal" and e.name != LAST_RESORT]


def fallback_fonts(text: str) -> list[str]:
    """Families of fonts on this machine that, between them, have the characters of ``text``
    the house font lacks (chosen one at a time, the one with most of those still missing
    first; for Han characters the Simplified Chinese face unless the text has kana or hangul).
    Empty when the house font has them all, or when no font has any of them."""
    missing = _lacking(text, _family_fonts(font_manager.FontProperties()))
    if not missing:
        return []
    entries = _candidates()
    if not any(_has(e.fname, e.index, c) for e in entries for c in missing):
        _add_system_fonts()
        entries = _candidates()
    names = " ".join(unicodedata.name(c, "") for c in text)
    region = "JP" if "KATAKANA" in names or "HIRAGANA" in names else \
        "KR" if "HANGUL" in names else "SC"
    families: list[str] = []
    while missing:
        scored = sorted((-sum(_has(e.fname, e.index, c) for c in missing),
                         region not in e.name.split(), e.name) for e in entries
                        if e.name not in families)
        if not scored or scored[0][0] == 0:
            break
        best = scored[0][2]
        families.append(best)
        covered = [e for e in entries if e.name == best]
        missing = [c for c in missing if not any(_has(e.fname, e.index, c) for e in covered)]
    return families


def _literal(*texts) -> str:
    """Draw each matplotlib Text as given: mathtext off, and a fallback font for the characters
    the house font lacks. A character no font on the machine has is drawn by matplotlib's Last
    Resort font (a box naming its script; the SVG keeps the character). Returns those
    characters, for the caption. ASCII text costs one check and is left as it was."""
    undrawn: dict[str, None] = {}
    for t in texts:
        t.set_parse_math(False)
        s = t.get_text()
        if not s or s.isascii() or not _lacking(s, _family_fonts(t.get_fontproperties())):
            continue
        t.set_fontfamily(list(dict.fromkeys([*t.get_fontfamily(), *fallback_fonts(s)])))
        if lacking := _lacking(s, _family_fonts(t.get_fontproperties())):
            undrawn.update(dict.fromkeys(lacking))
            t.set_fontfamily([*t.get_fontfamily(), LAST_RESORT])
    return "".join(undrawn)


def _axes_text(ax, *tick_axes) -> list:
    """The text of ``ax`` that can come from the data: titles, axis labels, texts and
    annotations, the legend's, and the tick labels of ``tick_axes`` (category axes; the
    numeric axes' tick labels are the formatters' and stay as they are)."""
    texts = [c for c in ax.get_children() if isinstance(c, Text)]
    texts += [ax.xaxis.label, ax.yaxis.label]
    if (legend := ax.get_legend()) is not None:
        texts += [legend.get_title(), *legend.get_texts()]
    for axis in tick_axes:
        axis.get_majorticklabels()  # sets the ticks' text
        texts += [label for tick in axis.get_major_ticks() for label in (tick.label1, tick.label2)]
    return texts


def _undrawn_note(chars: str) -> str:
    """One line for a caption: the characters the figure draws as boxes."""
    shown = ", ".join(f"U+{ord(c):04X}" + (f" {c}" if c.isprintable() and not c.isspace() else "")
                      for c in chars[:8])
    if len(chars) > 8:
        shown += f" and {len(chars) - 8:,} more"
    return ("Characters drawn as boxes (no font for them on the machine that drew this figure): "
            f"{shown}.")


def _one_post(r) -> str:
    return f"{int(r['replies']):,} replies to {int(r['likes']):,} likes"


def _narrow_text(ax) -> None:
    """A phone's type sizes: the title and axis labels a step smaller than the desktop's."""
    ax.title.set_fontsize(10)
    ax.xaxis.label.set_fontsize(8)
    ax.yaxis.label.set_fontsize(8)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width, break_long_words=True)) or str(text)


def likes_vs_replies(posts: pd.DataFrame, highlight_id: str | None, tz: str = "UTC",
                     narrow: bool = False) -> Figure:
    """Scatter of likes (x) against replies (y), log scales, with the replies = likes line; the
    highlighted post's date is its calendar day in ``tz``.

    Posts with 0 likes or 0 replies cannot sit on a log axis; they are left out and counted in
    the figure's note and its alternative text.
    """
    data = posts[["id", "created_at", "replies", "retruths", "likes"]].copy()
    data["highlight"] = data["id"] == highlight_id
    plotted = data.loc[(data["likes"] > 0) & (data["replies"] > 0)]
    fig, ax = plt.subplots(figsize=(NARROW_WIDTH, 4.2) if narrow else (7, 6))
    small = 7.5 if narrow else 9
    ax.scatter(plotted["likes"], plotted["replies"], s=14, alpha=0.55, color=BASE_COLOR,
               linewidths=0, label="a post", rasterized=len(plotted) > RASTER_ABOVE)
    lo = max(1, min(plotted["likes"].min(), plotted["replies"].min()) / 1.5) if len(plotted) else 1
    hi = max(plotted["likes"].max(), plotted["replies"].max()) * 1.5 if len(plotted) else 10
    ax.plot([lo, hi], [lo, hi], color="0.25", lw=1, ls="--", label="replies = likes")
    ax.fill_between([lo, hi], [lo, hi], [hi, hi], color=HIGHLIGHT_COLOR, alpha=0.05, lw=0)
    ax.text(lo * 1.3, hi / 1.6, "more replies than likes", color=HIGHLIGHT_COLOR, fontsize=small)
    hl = plotted.loc[plotted["highlight"]]
    if len(hl):
        r = hl.iloc[0]
        ax.scatter([r["likes"]], [r["replies"]], s=90, marker="D", color=HIGHLIGHT_COLOR,
                   zorder=3, edgecolor="black", linewidths=0.8, label="highlighted post")
        ax.annotate(f"{r['created_at'].tz_convert(tz):%d %b %Y}\n{r['replies']:,} replies\n"
                    f"{r['likes']:,} likes",
                    (r["likes"], r["replies"]), xytext=(-12, 12), textcoords="offset points",
                    ha="right", fontsize=small, color=HIGHLIGHT_COLOR)
    ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), xlabel="Likes (log scale)",
           ylabel="Replies (log scale)",
           title="Replies against likes" if narrow else "Replies against likes, one dot per post")
    ax.xaxis.set_major_formatter(PLAIN)
    ax.yaxis.set_major_formatter(PLAIN)
    left_out = len(data) - len(plotted)
    note = f"{len(plotted):,} posts" + (f"; {left_out:,} with 0 likes or 0 replies not shown"
                                        if left_out else "")
    ax.legend(loc="lower right", fontsize=small - (1 if narrow else 0), title=note,
              title_fontsize=small - 1)
    if narrow:
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(numticks=4))
        _narrow_text(ax)
    return Figure(fig, data, _alt_likes_vs_replies(data, plotted, highlight_id, tz),
                  _literal(*_axes_text(ax)))


def _alt_likes_vs_replies(data, plotted, highlight_id, tz) -> str:
    above = plotted.loc[plotted["replies"] > plotted["likes"]]
    alt = (f"Scatter of replies against likes, log scales: {labels.count(len(plotted), 'post')}"
           f"; {labels.count(len(above)) if len(above) else 'none'} above the replies = likes line")
    if 0 < len(above) <= 3:
        alt += ": " + "; ".join(_one_post(r) for _, r in above.iterrows())  # per-row: <= 3
    hl = data.loc[data["highlight"]]
    if len(hl):
        r = hl.iloc[0]
        side = "above" if r["replies"] > r["likes"] else "on or below"
        alt += (f". The highlighted post ({labels.day(r['created_at'], tz)}) is {side} the line: "
                f"{_one_post(r)}")
    elif highlight_id:
        alt += f". Post {highlight_id} is not in these data"
    if len(data) > len(plotted):
        alt += f". {labels.count(len(data) - len(plotted), 'post')} with 0 likes or 0 replies not shown"
    return alt + "."


def ratio_over_time(posts: pd.DataFrame, highlight_id: str | None, tz: str,
                    window: str, narrow: bool = False) -> Figure:
    """Reply/like ratio of each post over time (dates in ``tz``), with the account's trailing
    median over ``window`` (a pandas offset such as "30D", named in words in the legend)."""
    data = posts[["id", "created_at", "replies", "likes", "reply_like_ratio",
                  "trailing_median"]].copy()
    data["created_local"] = data["created_at"].dt.tz_convert(tz).dt.tz_localize(None)
    data = data.sort_values("created_at")
    span = labels.window(window)
    fig, ax = plt.subplots(figsize=(NARROW_WIDTH, 3.8) if narrow else (9, 4.5))
    ax.scatter(data["created_local"], data["reply_like_ratio"], s=12, alpha=0.6, color=BASE_COLOR,
               linewidths=0, label="reply/like ratio of a post",
               rasterized=len(data) > RASTER_ABOVE)
    ax.plot(data["created_local"], data["trailing_median"], color="0.15", lw=1.5,
            label=(f"median of the previous {labels.drawable(span)}" if narrow else
                   f"typical level: median of the previous {labels.drawable(span)}"))
    ax.axhline(1, color=HIGHLIGHT_COLOR, lw=1, ls="--", label="replies = likes")
    hl = data.loc[data["id"] == highlight_id]
    if len(hl) and pd.notna(hl.iloc[0]["reply_like_ratio"]):
        r = hl.iloc[0]
        ax.scatter([r["created_local"]], [r["reply_like_ratio"]], s=70, marker="D",
                   color=HIGHLIGHT_COLOR, zorder=3, edgecolor="black", linewidths=0.8)
        above = r["reply_like_ratio"] >= 1  # the label sits on the far side of replies = likes
        ax.annotate(f"{r['created_local']:%d %b}: {r['reply_like_ratio']:.2f}",
                    (r["created_local"], r["reply_like_ratio"]), xytext=(8, 5 if above else -5),
                    textcoords="offset points", va="bottom" if above else "top", fontsize=9,
                    color=HIGHLIGHT_COLOR, bbox={"boxstyle": "square,pad=0.15", "fc": "white",
                                                 "ec": "none", "alpha": 0.85})
    ax.set(yscale="log", ylabel="Replies per like (log scale)",
           xlabel=f"Date ({labels.drawable(tz)})",
           title="Replies per like" if narrow else "Replies per like, post by post")
    ax.yaxis.set_major_formatter(PLAIN)
    top = data["reply_like_ratio"].max()
    ax.set_ylim(top=max(1.0, top if top == top else 1.0) * 2.5)
    ax.legend(fontsize=6.5 if narrow else 8, loc="lower left", framealpha=0.9)
    if narrow:
        from matplotlib.dates import DAILY, HOURLY, AutoDateLocator, ConciseDateFormatter

        ax.tick_params(labelsize=7)
        locator = AutoDateLocator(maxticks={DAILY: 6, HOURLY: 6})  # room for "12 Jul" on a phone
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(
            locator, formats=["%Y", "%b %Y", "%-d %b", "%H:%M", "%H:%M", "%S.%f"],
            show_offset=False))
        _narrow_text(ax)
    for label in ax.get_xticklabels() if not narrow else ():  # autofmt_xdate: not with constrained layout
        label.set(rotation=30, ha="right")
    out = data.drop(columns=["created_local"])
    defined = data.dropna(subset=["reply_like_ratio"])
    alt = f"Replies per like for {labels.count(len(defined), 'post')}"
    if len(defined):
        alt += (f", {defined['created_local'].min():%d %B %Y} to "
                f"{defined['created_local'].max():%d %B %Y} ({tz}); "
                f"{labels.count(above) if (above := int((defined['reply_like_ratio'] > 1).sum())) else 'none'}"
                f" above 1 (more "
                f"replies than likes). The line is the median of the previous {span}")
    if len(hl) and pd.notna(hl.iloc[0]["reply_like_ratio"]):
        r = hl.iloc[0]
        alt += f". The highlighted post: {r['reply_like_ratio']:.2f} replies per like"
        if pd.notna(r["trailing_median"]):
            alt += f", against a median of {r['trailing_median']:.2f}"
    return Figure(fig, out, alt + ".", _literal(*_axes_text(ax)))


def definition_counts(counts: pd.DataFrame, definition: str, narrow: bool = False) -> Figure:
    """Bar chart: how many posts each definition of "ratioed" flags; the bar of ``definition``
    (the one this build uses) is highlighted by colour and hatching."""
    fig, ax = plt.subplots(figsize=(NARROW_WIDTH, 2.9) if narrow else (9, 3))
    chosen = [d == definition for d in counts["definition"]]
    names = counts["definition"] if narrow else counts["rule"]  # a phone: the short names
    bars = ax.barh(names.map(labels.drawable), counts["posts_flagged"],
                   color=[HIGHLIGHT_COLOR if c else BASE_COLOR for c in chosen])
    for bar, c in zip(bars, chosen, strict=True):
        if c:
            bar.set(hatch="//", edgecolor="white")
    for y, v in enumerate(counts["posts_flagged"]):
        ax.text(v, y, f" {v:,}", va="center", fontsize=10)
    ax.invert_yaxis()
    ax.set(xlabel=(f"Posts flagged (hatched: \u201c{labels.drawable(definition)}\u201d, the "
                   + ("\n" if narrow else "") + "definition used)"),
           ylabel="", title="Posts flagged, by definition")
    if narrow:
        ax.tick_params(labelsize=7)
        _narrow_text(ax)
        ax.xaxis.label.set_fontsize(7.5)
    ax.set_xlim(0, max(1, counts["posts_flagged"].max()) * 1.2)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.xaxis.set_major_formatter(PLAIN)
    parts = [f"{d} ({r}): {int(n):,}" for d, r, n in
             zip(counts["definition"], counts["rule"], counts["posts_flagged"], strict=True)]
    alt = ("Bar chart of posts flagged by each definition of ratioed: " + "; ".join(parts)
           + f". The definition used, \u201c{definition}\u201d, is highlighted.")
    return Figure(fig, counts, alt, _literal(*_axes_text(ax, ax.yaxis)))


def highlight_captures(readings: pd.DataFrame, narrow: bool = False,
                       platform: str | None = None) -> Figure:
    """Grouped bars: the highlighted post's counts in each capture and in reporters' readings;
    the legend names shares in the ``platform``'s words (re-truths, boosts, retweets, reposts)."""
    shares = labels.shares(platform)
    shown = readings["reading"].map(labels.drawable)
    if narrow:  # a phone: each reading's name on a few short lines
        shown = shown.map(lambda t: _wrap(t, 20))  # per-row: a few readings
    long = readings.assign(reading=shown).rename(columns={"retruths": shares}).melt(
        id_vars=["reading"], value_vars=["replies", shares, "likes"], var_name="count",
        value_name="value")
    fig, ax = plt.subplots(figsize=(NARROW_WIDTH, 3.0 + 0.55 * len(readings)) if narrow
                           else (8, 3.2 + 0.3 * len(readings)))
    sns.barplot(data=long, y="reading", x="value", hue="count", ax=ax,
                palette=[HIGHLIGHT_COLOR, NEUTRAL_COLOR, BASE_COLOR])
    for cont, hatch in zip(ax.containers, ("//", "", ".."), strict=False):
        for bar in cont:
            bar.set(hatch=hatch, edgecolor="white")
        ax.bar_label(cont, labels=[f" {v:,.0f}" for v in cont.datavalues],
                     fontsize=6.5 if narrow else 8)
    ax.set(xlabel="Count", ylabel="",
           title="Reading by reading" if narrow else "The highlighted post, reading by reading")
    ax.set_xlim(0, long["value"].max() * (1.45 if narrow else 1.25) if len(long) else 1)
    if narrow:
        ax.tick_params(labelsize=7)
        _narrow_text(ax)
    ax.xaxis.set_major_locator(MaxNLocator(3 if narrow else 5))
    ax.xaxis.set_major_formatter(PLAIN)
    ax.legend(fontsize=7 if narrow else 8, loc="lower left", bbox_to_anchor=(0, 1.08), ncol=3, frameon=False)
    alt = "The highlighted post's counts, reading by reading: " + "; ".join(
        f"{r['reading']}: {labels.number(r['replies'], 0)} replies, "
        f"{labels.number(r['retruths'], 0)} {shares}, {labels.number(r['likes'], 0)} likes"
        for _, r in readings.iterrows()) + "."  # per-row: a few readings, in words
    return Figure(fig, readings, alt, _literal(*_axes_text(ax, ax.yaxis)))
