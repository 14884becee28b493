"""Tables for the report: a DataFrame as an accessible, escaped HTML table (:func:`show_table`).

Kept apart from :mod:`ratioed.present.figures` so the notebooks that only show tables (loading, ratios,
claims) do not import matplotlib and seaborn.
"""

from __future__ import annotations

import html

import pandas as pd

from .. import paths
from . import labels

ID_COLUMNS = {"id", "post_id", "key"}  # post ids: never broken mid-number


def show_table(df: pd.DataFrame, caption: str | None = None, csv=None,
               headings: dict | None = None, digits: dict | None = None, precision: int = 2,
               source: str | None = None, empty: str = "No rows.", platform: str | None = None):
    """A table for the report: a caption, header cells (``<th scope="col">``) with readable
    headings (:data:`ratioed.present.labels.COLUMN_LABELS`, or ``headings``), display rounding (floats
    to ``precision`` decimals, or ``digits[column]``; thousands separators; blanks for missing
    values; the CSV keeps full precision), a relative link to ``csv`` when given, and every cell
    HTML-escaped (post text is untrusted input and must never become markup).

    Wrapped in a focusable, labelled region that scrolls sideways on a narrow screen. Ids
    (:data:`ID_COLUMNS`) and numbers never break inside. ``source``: the source line, shown
    under the table (:func:`ratioed.present.record.source_line`). ``platform``: whose words
    the headings use for shares ("Re-truths", "Retweets"; :func:`ratioed.present.labels.column`). A table without rows is
    not drawn as a header alone: its caption, then ``empty``.
    """
    from IPython.display import HTML

    e = html.escape
    digits = digits or {}

    def cell(value, col):
        if isinstance(value, pd.Timestamp):
            return "" if pd.isna(value) else f"{value:%Y-%m-%d %H:%M %Z}".strip()
        if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
            return ""
        return labels.number(value, digits.get(col, precision))

    foot = f'<p class="source">{e(source)}</p>' if source else ""
    if df.empty:
        link = ""
        if csv is not None:
            href = paths.report_href(csv)
            link = f' <a class="file" href="{e(href)}">{e(href.rsplit("/", 1)[-1])}</a>'
        cap = f"<strong>{e(caption)}</strong> " if caption else ""
        return HTML(f'<div class="table-empty"><p>{cap}{e(empty)}{link}</p>{foot}</div>')
    cols = list(df.columns)
    numeric = {c for c in cols if pd.api.types.is_numeric_dtype(df[c])
               and not pd.api.types.is_bool_dtype(df[c])}
    head = "".join(f'<th scope="col"{" class=num" if c in numeric else ""}>'
                   f"{e(labels.column(c, headings, platform))}</th>" for c in cols)
    rows = df.itertuples(index=False)  # per-row: a display table (tens of rows), escaped cell by cell
    kind = {c: " class=num" if c in numeric else " class=id" if c in ID_COLUMNS else ""
            for c in cols}
    body = "".join("<tr>" + "".join(
        f'<td{kind[c]}>{e(cell(v, c))}</td>'
        for c, v in zip(cols, row, strict=True)) + "</tr>" for row in rows)
    link = ""
    if csv is not None:
        href = paths.report_href(csv)
        link = f' <a class="file" href="{e(href)}">{e(href.rsplit("/", 1)[-1])}</a>'
    cap = f"<caption>{e(caption or '')}{link}</caption>" if (caption or link) else ""
    label = f' aria-label="{e(caption)}"' if caption else ""
    return HTML(f'<div class="table-scroll" role="region" tabindex="0"{label}>'
                f'<table class="ratioed-table">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>{foot}")
