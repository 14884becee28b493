"""The data dictionary of the published tables: ``reports/tables/datapackage.json``.

Every column the notebooks write into ``reports/tables/*.csv`` is described here once
(:data:`COLUMNS`: type, description, unit, time zone), and each table's title and meaning once
(:data:`TABLES`). The build writes the package beside the tables, into the stage, before the
manifest (so it is published with the set it describes and listed in the page's "Files"), from
the header of each CSV actually written: the fields are the file's own columns, in its order.

The package is a Frictionless Data Package (https://specs.frictionlessdata.io/): one resource
per CSV with its schema, size and sha256, the source and the licence. It is written as JSON by
hand, sorted and with no time stamp, so a rebuild from the same inputs writes the same bytes;
``frictionless validate reports/tables/datapackage.json`` checks it against the tables (a test
runs it; the build never imports frictionless). Conventions of every table, stated once:

* times ending in ``Z`` are UTC, ISO 8601 with microseconds (``2025-07-12T21:21:29.285000Z``);
  ``created_local`` is the same instant as text in the build's time zone (``DAY_TZ``);
* an empty cell means "no value" (a ratio with no likes, a baseline of too few posts);
* a text cell that would start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  written with a leading ``'`` so spreadsheets show it as text (the Parquet files hold it exact);
* rows end in CRLF (RFC 4180); UTF-8.

A column the build meets that is not described here is still listed (as text, its description
saying so); ``tests/test_conventions.py`` fails on it, so the dictionary cannot fall behind.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..analysis.claims import CONTRADICTED, MEASURED, NOT_CHECKABLE, SUPPORTED
from ..analysis.definitions import DEFINITIONS
from ..inputs.platforms import NAMES as PLATFORM_NAMES
from ..paths import ARCHIVE_URL
from ..story import HIGHLIGHT_ID

NAME = "datapackage.json"
LOCAL_TZ = "DAY_TZ"  # placeholder for the build's time zone in a column's ``timezone``


@dataclass(frozen=True)
class Column:
    """One column: its Table Schema type, what it means, and its unit and time zone where it has
    them (``timezone=LOCAL_TZ``: the build's ``tz`` parameter)."""

    type: str
    description: str
    unit: str | None = None
    timezone: str | None = None
    constraints: tuple[tuple[str, object], ...] = ()
    extra: tuple[tuple[str, object], ...] = ()

    def field(self, name: str, tz: str) -> dict:
        out: dict = {"name": name, "type": self.type, "description": self.description}
        if self.unit:
            out["unit"] = self.unit
        if self.timezone:
            out["timezone"] = tz if self.timezone == LOCAL_TZ else self.timezone
        if self.constraints:
            out["constraints"] = dict(self.constraints)
        out.update(dict(self.extra))
        return out


_COUNT = (("minimum", 0),)
_UTC_FORMAT = (("format", "%Y-%m-%dT%H:%M:%S.%fZ"),)
POST_ID = Column("string", "the post's id on Truth Social (digits; its page is /@account/<id>); "
                 f"the story's post is {HIGHLIGHT_ID}", constraints=(("pattern", "[1-9][0-9]*"),))

# Every column of the published tables, by name; TABLES overrides a name whose meaning differs.
COLUMNS: dict[str, Column] = {
    "id": POST_ID,
    "created_at": Column("datetime", "when the post was created, UTC (ISO 8601, microseconds)",
                         timezone="UTC", extra=_UTC_FORMAT),
    "created_local": Column("string", "when the post was created, as text in the build's time "
                            "zone (the DAY_TZ parameter, which also decides a post's calendar "
                            "day): YYYY-MM-DD HH:MM and the zone's abbreviation",
                            timezone=LOCAL_TZ),
    "replies": Column("integer", "replies to the post, as the archive captured it (the latest "
                      "capture when several were merged)", unit="replies", constraints=_COUNT),
    "retruths": Column("integer", "re-truths (shares) of the post, as captured",
                       unit="re-truths", constraints=_COUNT),
    "likes": Column("integer", "likes (favourites) of the post, as captured", unit="likes",
                    constraints=_COUNT),
    "reply_like_ratio": Column("number", "replies divided by likes; empty when the post has no "
                               "likes (undefined)", unit="replies per like",
                               constraints=_COUNT),
    "reply_retruth_ratio": Column("number", "replies divided by re-truths; empty when the post "
                                  "has no re-truths (undefined)", unit="replies per re-truth",
                                  constraints=_COUNT),
    "trailing_median": Column("number", "median replies per like of the account's posts in the "
                              "trailing window (the WINDOW parameter, 30 days by default) before "
                              "this post; empty when that window holds too few posts",
                              unit="replies per like", constraints=_COUNT),
    "ratio_multiple": Column("number", "reply_like_ratio divided by trailing_median: how many "
                             "times the account's typical ratio (3.0 = three times); empty "
                             "where either is", unit="multiple of the trailing median",
                             constraints=_COUNT),
    "trailing_percentile": Column("number", "share of the trailing window's posts with a lower "
                                  "reply_like_ratio (ties count half; 100 = above all of "
                                  "them); empty when the window holds too few posts",
                                  unit="percent", constraints=(("minimum", 0),
                                                               ("maximum", 100))),
    "url": Column("string", "the post's page on Truth Social", extra=(("format", "uri"),)),
    "text": Column("string", "the start of the post's text (90 characters), cleaned of markup; "
                   "'(no text in this source)' when the source holds none"),
    "definition": Column("string", "a definition of \"ratioed\" (both is the story's)",
                         constraints=(("enum", list(DEFINITIONS)),)),
    "rule": Column("string", "the definition's rule, in words"),
    "posts_flagged": Column("integer", "posts meeting the definition", unit="posts",
                            constraints=_COUNT),
    "flagged_ids": Column("string", "the ids of those posts, separated by spaces"),
    "story_definition": Column("boolean", "whether this build's tables use this definition "
                               "(the DEFINITION parameter)",
                               extra=(("trueValues", ["True"]), ("falseValues", ["False"]))),
    "posts_checked": Column("integer", "posts with counts that the definitions were checked "
                            "on (after exclusions and the date window)", unit="posts",
                            constraints=_COUNT),
    "month": Column("datetime", "a calendar month (UTC), as the instant it starts",
                    timezone="UTC", extra=_UTC_FORMAT),
    "posts": Column("integer", "posts created in the row's period", unit="posts",
                    constraints=_COUNT),
}
for _d in DEFINITIONS:
    COLUMNS[f"ratioed_{_d}"] = Column(
        "integer", f"posts of the month that meet the definition '{_d}'", unit="posts",
        constraints=_COUNT)


@dataclass(frozen=True)
class Table:
    title: str
    description: str
    columns: dict[str, Column] | None = None  # where a name means something else here


TABLES: dict[str, Table] = {
    "ratioed_posts.csv": Table(
        "Ratioed posts", "Every post meeting the build's definition of \"ratioed\" (the "
        "DEFINITION parameter; the story's: replies above likes and above re-truths), oldest "
        "first, with how unusual its ratio is against the account's recent posts."),
    "top_posts_by_reply_like_ratio.csv": Table(
        "Top posts by replies per like", "The ten posts with the most replies per like, "
        "highest first."),
    "definitions.csv": Table(
        "Definitions of \"ratioed\"", "How many posts each definition of \"ratioed\" flags, "
        "and which."),
    "claims.csv": Table(
        "The story's claims, checked", "Each claim of the story (or, for another account, "
        "each measured entry of the generic ledger), its verdict and the evidence.",
        columns={
            "id": Column("string", "the claim's id in the ledger (data/claims.yaml: C1, C2 ...; "
                         "G1 ... for the generic ledger)"),
            "claim": Column("string", "the claim, in our words"),
            "status": Column("string", "the verdict: supported, contradicted, not checkable "
                             "with these data, or measured (a count, not a claim judged)",
                             constraints=(("enum", [SUPPORTED, CONTRADICTED, NOT_CHECKABLE,
                                                    MEASURED]),)),
            "evidence": Column("string", "the evidence for the verdict, in words: posts, "
                               "counts, readings and the condition that failed, if any; "
                               "times as stated in the text"),
            "numbers": Column("string", "the numbers behind the verdict as a JSON object "
                              "(counts as integers)"),
        }),
    "coverage.csv": Table(
        "Coverage of the input", "Where posts may be missing: the span from first to last "
        "post, the posts per calendar month (UTC) and every silence longer than 48 hours, over "
        "every post loaded (before exclusions and the date window).",
        columns={
            "kind": Column("string", "span (first to last post), month (one calendar month, "
                           "UTC) or silence (a gap longer than 48 hours between two posts)",
                           constraints=(("enum", ["span", "month", "silence"]),)),
            "start": Column("datetime", "span: the first post; month: the month's first "
                            "instant; silence: the post before it (UTC; empty when no posts)",
                            timezone="UTC", extra=_UTC_FORMAT),
            "end": Column("datetime", "span: the last post; month: the next month's first "
                          "instant; silence: the post after it (UTC; empty when no posts)",
                          timezone="UTC", extra=_UTC_FORMAT),
            "hours": Column("number", "span and silence: hours from start to end; empty for "
                            "a month", unit="hours", constraints=_COUNT),
        }),
    "context.csv": Table(
        "The same person elsewhere", "Per input (the build's own first, then each CONTEXT "
        "file): the platform, the account, its posts, their first and last day and the posts "
        "ratioed under the story's definition, with their counts. The claims do not read it.",
        columns={
            "platform": Column("string", "the platform the posts are from",
                               constraints=(("enum", list(PLATFORM_NAMES.values())),)),
            "account": Column("string", "the account whose posts these are (as the file "
                              "names it)"),
            "source": Column("string", "the input file's name"),
            "posts": Column("integer", "posts with counts (shares of other accounts' posts "
                            "left out)", unit="posts", constraints=_COUNT),
            "first_post": Column("date", "the first post's calendar day, in the build's time "
                                 "zone (DAY_TZ)", timezone=LOCAL_TZ),
            "last_post": Column("date", "the last post's calendar day, in the build's time "
                                "zone (DAY_TZ)", timezone=LOCAL_TZ),
            "ratioed_posts": Column("integer", "posts meeting the story's definition (replies "
                                    "above likes and above shares)", unit="posts",
                                    constraints=_COUNT),
            "ratioed": Column("string", "those posts, oldest first: id (day): replies, shares "
                              "in the platform's word, likes; the first 20, then how many more"),
        }),
    "since_highlight.csv": Table(
        "Ratioed since the story's post", "Every post after the highlighted post (the "
        "HIGHLIGHT parameter) that meets the build's definition, oldest first."),
    "since_highlight_monthly.csv": Table(
        "Ratioed per month since the story's post", "Posts per calendar month (UTC) after the "
        "highlighted post, and how many of them meet each definition."),
    "changes.csv": Table(
        "Changes since the last published build", "What this set changes in the one published "
        "before it, one row per change; empty (header only) on a first build.",
        columns={
            "kind": Column("string", "new post, removed post, newly ratioed, no longer "
                           "ratioed, counts changed, verdict changed or number changed"),
            "key": Column("string", "a post id; a claim id (verdict changed); a dotted key of "
                          "data/processed/numbers.json (number changed)"),
            "before": Column("string", "the value before: counts as replies/re-truths/likes, a "
                             "verdict or a number; empty for a new post"),
            "after": Column("string", "the value now, as before; empty for a removed post"),
        }),
}


def column(table: str, name: str) -> Column | None:
    """How ``name`` in ``table`` is described (None: not described)."""
    t = TABLES.get(table)
    if t is not None and t.columns and name in t.columns:
        return t.columns[name]
    return COLUMNS.get(name)


def header(path: Path) -> list[str]:
    """A CSV's column names (its first row)."""
    with open(path, newline="", encoding="utf-8") as f:
        return next(csv.reader(f), [])


def undescribed(tables_dir: Path) -> list[str]:
    """``table: column`` for every column of the CSVs in ``tables_dir`` with no description."""
    return [f"{p.name}: {name}" for p in sorted(tables_dir.glob("*.csv"))
            for name in header(p) if column(p.name, name) is None]


def _resource(path: Path, tz: str) -> dict:
    data = path.read_bytes()
    t = TABLES.get(path.name)
    fields = []
    for name in header(path):
        c = column(path.name, name)
        fields.append(c.field(name, tz) if c is not None else
                      {"name": name, "type": "string",
                       "description": "(not described: add it to ratioed.present.datapackage)"})
    out = {"name": path.stem.lower(), "path": path.name, "profile": "tabular-data-resource",
           "title": t.title if t else path.stem, "format": "csv", "mediatype": "text/csv",
           "encoding": "utf-8", "bytes": len(data),
           "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
           "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"",
                       "doubleQuote": True, "header": True},
           "schema": {"fields": fields, "missingValues": [""]}}
    if t:
        out["description"] = t.description
    return out


def datapackage(tables_dir: Path, params: dict | None = None, version: str | None = None) -> dict:
    """The Data Package describing every CSV in ``tables_dir`` (sorted by name), for a build
    with ``params`` (its time zone names ``created_local``'s; its sources' file names are
    listed, never their folders, so the package does not depend on where the project is)."""
    params = params or {}
    tz = params.get("tz") or "America/New_York"
    sources = [{"title": "Public archive of the account's Truth Social posts and their counts "
                         "(the data belong to its publishers)", "path": ARCHIVE_URL}]
    for s in params.get("sources") or []:
        name = str(s).rstrip("/").rsplit("/", 1)[-1]
        sources.append({"title": f"the file this build analysed: {name} (data/raw/ when it "
                                 "is a download; its provenance record is beside it)"})
    package = {
        "profile": "tabular-data-package",
        "name": "ratioed-tables",
        "title": "ratioed: the tables behind the 'ratioed' Truth Social story",
        "description": (
            "The tables published with the report (reports/index.html). Times ending in Z are "
            "UTC; created_local is in the build's time zone (" + tz + "). An empty cell means "
            "no value. A text cell that would start with =, +, -, @, a tab or a carriage "
            "return is written with a leading ' (spreadsheet formula guard). Counts are as "
            "the archive captured them, not live. Rows end in CRLF."),
        "licenses": [{"name": "MIT", "path": "https://opensource.org/licenses/MIT",
                      "title": "MIT License: the project's code and the tables it derives "
                               "(see LICENSE); the archive's data belong to its publishers"}],
        "sources": sources,
        "resources": [_resource(p, tz) for p in sorted(tables_dir.glob("*.csv"))],
    }
    if version:
        package["version"] = version
    return package


def write_datapackage(tables_dir: Path, params: dict | None = None,
                      version: str | None = None) -> Path:
    """Write ``tables_dir/datapackage.json`` (atomically) and return its path."""
    from ..inputs.files import write_text_atomic

    target = tables_dir / NAME
    text = json.dumps(datapackage(tables_dir, params, version), indent=2, ensure_ascii=False)
    write_text_atomic(target, text + "\n")
    return target
