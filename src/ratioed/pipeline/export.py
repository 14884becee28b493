"""Export the executed notebooks to ``reports/index.html``, ordered for a reader.

The page (markup in ``templates/report/index.html.j2``; this module only gathers the data):

1. the title and a short lede with the finding and its numbers, written from
   ``data/processed/numbers.json`` (no number is typed into the template);
2. the key chart (the notebook cell tagged ``key-figure``: likes against replies);
3. a table of contents, then the story's claims as a table (``reports/tables/claims.csv``);
4. "How we did it": the notebooks, without code, as the methods section (their headings moved
   two levels down, under the page's own);
5. every file under ``reports/tables`` and ``reports/figures``, linked relatively (the links
   still work when ``reports/`` is zipped and mailed);
6. provenance and data quality, inside a ``<details>`` element (no script).

Rebuilds are byte-identical: cell ids are derived from the notebook and cell position, and the
only time on the page is the source date (``SOURCE_DATE_EPOCH``, else the git commit time, else
none), never the wall clock. Paths are shown relative to the project root (or as a bare file
name when the file lies outside the project's parent folder), never as an absolute path.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from .. import __version__, paths
from .. import story as STORY
from ..inputs.files import restore_formulas, write_text_atomic
from ..present import labels
from ..present.record import git_commit, source_line

SKIP_TAGS = {"ratioed-reset", "parameters", "injected-parameters"}
KEY_FIGURE_TAG = "key-figure"
PARAM_LABELS = {  # parameter -> how the report names it
    "sources": "Input files", "start": "First day kept", "end": "Last day kept",
    "tz": "Time zone for calendar days", "definition": "Definition of \u201cratioed\u201d (tables, figures)",
    "highlight_id": "Highlighted post", "observations": "Reporters\u2019 readings",
    "trailing_window": "Baseline window (\u201chow unusual\u201d)",
    "account": "Account analysed", "replies": "Replies to other accounts",
    "context": "The same person elsewhere (context table)",
}


class ExportError(RuntimeError):
    """The executed notebooks cannot make a report a reader can use (e.g. an image without
    alternative text)."""


# --------------------------------------------------------------------------- small helpers


def shown_path(path: str | os.PathLike | None) -> str:
    """A path as the report shows it: relative to the project root when inside the root or its
    parent folder (``../shared/data/x.csv``), else the bare file name; URLs unchanged."""
    if path is None or path == "":
        return ""
    text = str(path)
    if re.match(r"^[a-z]+://", text):
        return text
    p = Path(text)
    if not p.is_absolute():
        return p.as_posix()
    rel = Path(os.path.relpath(p, paths.PROJ_ROOT))
    return rel.as_posix() if rel.parts[:2] != ("..", "..") else p.name


def source_date() -> str | None:
    """The build's date, reproducibly: ``SOURCE_DATE_EPOCH`` when set, else the time of the
    project's last git commit, else ``None`` (then the page shows no date)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        try:
            epoch = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=paths.PROJ_ROOT,
                                   capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None
    try:
        return datetime.fromtimestamp(int(epoch), timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return None


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def _param_value(key: str, value, platform: str | None = None) -> str:
    if value is None or value == "" or value == []:
        return {"start": "from the first post", "end": "to the last post",
                "observations": shown_path(paths.OBSERVATIONS_CSV),
                "sources": "the latest download", "context": "none"}.get(key, "not set")
    if key in ("sources", "context"):
        return ", ".join(shown_path(s) for s in value)
    if key == "observations":
        return shown_path(value)
    if key == "definition":
        return labels.definition(str(value), platform)
    if key == "trailing_window":
        return f"{labels.window(str(value))} ({value})"
    if key in ("start", "end"):
        return labels.day(str(value))
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


def demote_headings(markdown: str, by: int = 2) -> str:
    """Move Markdown ATX headings ``by`` levels down (``#`` -> ``###``), outside code fences,
    so a notebook's headings nest under the page's own."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and re.match(r"^#{1,6}\s", line):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(6, hashes + by) + line[hashes:]
        out.append(line)
    return "\n".join(out)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --------------------------------------------------------------------------- the page's data


def lede(numbers: dict) -> dict:
    """What the lede says, as data for the template: the highlighted post's counts and ratios,
    how many posts the story's definition flags, the build's definition when it differs, and
    the reporters' later reading. Missing pieces are ``None`` (the template then says less)."""
    ratios = numbers.get("ratios", {})
    load = numbers.get("load", {})
    story = STORY.DEFINITION
    flagged = ratios.get("flagged", {})
    hl = ratios.get("highlight")
    chosen = ratios.get("definition", story)
    where = load.get("platform")  # the input's platform: its words for shares
    out = {
        "posts": ratios.get("posts_checked", load.get("posts_analysed")),
        "platform": where, "share": labels.shares(where, 1), "shares": labels.shares(where),
        "story_definition": story, "story_words": labels.definition_words(story, where),
        "story_flagged": flagged.get(story),
        "definition": chosen, "definition_words": labels.definition_words(chosen, where),
        "definition_flagged": flagged.get(chosen),
        "window": labels.window(ratios.get("trailing_window", "30D")),
        # the posts' calendar days in the build's time zone (the window is in DAY_TZ days)
        "first_post": labels.day(load.get("first_post"), ratios.get("tz")),
        "last_post": labels.day(load.get("last_post"), ratios.get("tz")),
        "span": labels.day_span(load.get("first_post"), load.get("last_post"), ratios.get("tz")),
        "highlight": None, "observed": None,
        "account": labels.handle(load.get("account")),
        "story_account": STORY.is_story_account(load.get("account")),
        "author": labels.author(load.get("account")),
    }
    if hl:
        out["highlight"] = {
            **hl, "day": labels.day(hl.get("created_at"), ratios.get("tz")),
            "ratioed_story": (hl.get("ratioed") or {}).get(story),
            "more_than_likes": hl["replies"] > hl["likes"],
            "more_than_retruths": hl["replies"] > hl["retruths"],
        }
    for _, claim in sorted((numbers.get("claims") or {}).items()):  # the reporters' reading
        nums = (claim.get("numbers") or {}) if isinstance(claim, dict) else {}
        observed = nums.get("observed")
        # only beside the post it is about: a reading of the story's post is not another's
        if (hl and isinstance(observed, dict) and str(nums.get("post")) == str(hl.get("id"))
                and all(isinstance(observed.get(k), int | float)
                        for k in ("replies", "likes", "retruths"))):
            out["observed"] = {**observed, "source": nums.get("observed_source") or "a reporter",
                               "when": labels.moment(nums.get("observed_at"), ratios.get("tz"))}
            break
    if out["posts"] is not None and out["story_flagged"] is not None:
        only = bool(out["highlight"] and out["highlight"]["ratioed_story"])
        out["flagged_sentence"] = labels.flagged_sentence(
            out["story_flagged"], out["posts"], out["span"], only)
    return out


def claims_rows() -> list[dict]:
    """The claims ledger's rows (claim, verdict, evidence) for the report's table."""
    import pandas as pd

    if not paths.CLAIMS_CSV.exists():
        return []
    table = pd.read_csv(paths.CLAIMS_CSV, dtype=str, keep_default_na=False)
    return [{"id": r.get("id", ""), "claim": r["claim"], "status": r["status"],
             "evidence": r["evidence"]} for r in table.to_dict("records")]


def report_files() -> list[dict]:
    """Every file under ``reports/tables`` and ``reports/figures``, with its relative link."""
    files = []
    for folder, kind in ((paths.TABLES_DIR, "Tables"), (paths.FIGURES_DIR, "Figures")):
        if not folder.exists():
            continue
        for f in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
            href = paths.report_href(f)
            files.append({"group": kind, "href": href, "name": f.name,
                          "format": f.suffix.lstrip(".").upper(), "bytes": f.stat().st_size})
    return files


def provenance_rows(params: dict, numbers: dict) -> dict:
    """Sources, parameters, data quality and software, in words, for the ``<details>`` block.
    ``numbers``: ``numbers.json``, as the export has read it."""
    prov = _read_json(paths.PROVENANCE_JSON)
    sources = [{
        "source": shown_path(s.get("source")), "sha256": s.get("sha256", ""),
        "rows": s.get("rows"), "first_post": labels.moment(s.get("first_post")),
        "last_post": labels.moment(s.get("last_post")),
        "captured": (labels.moment(s["captured_at"]) if s.get("captured_at") else
                     f"not stated (order {s.get('capture_rank', 0) + 1} of the sources)"),
    } for s in prov.get("sources", [])]
    load = numbers.get("load", {})
    parameters = [(PARAM_LABELS.get(k, k.replace("_", " ").capitalize()), k,
                   _param_value(k, v, load.get("platform"))) for k, v in params.items()]
    shares = labels.shares(load.get("platform"))  # the platform's words: re-truths, retweets, ...
    shares = shares[0].upper() + shares[1:]
    boosts = "Boosts" if load.get("platform") in (None, "truthsocial", "mastodon") else shares
    quality = [(label, load[key]) for key, label in (
        ("account", "Account analysed"),
        ("accounts_in_input", "Accounts in the input"),
        ("other_accounts_excluded", "Posts of other accounts left out"),
        ("posts_loaded", "Posts read from the input"),
        ("platform_name", "Platform"),
        ("retruths_excluded", f"{shares} of other accounts left out (all counts 0)"),
        ("boosts_excluded", f"{boosts} of other accounts' posts left out (whatever their counts)"),
        ("replies_kept", "Replies to other accounts kept"),
        ("replies_excluded", "Replies to other accounts left out"),
        ("outside_window", "Posts outside the date window"),
        ("posts_analysed", "Posts analysed"),
        ("captures", "Captures (input files) merged")) if key in load]
    for key, value in (prov.get("data_quality") or {}).items():  # filled in by notebook 1
        if not isinstance(value, dict | list):
            quality.append((key.replace("_", " ").capitalize(), value))
    software = [("Package", f"ratioed {prov.get('package_version', __version__)}"),
                ("Git commit", prov.get("git_commit") or git_commit())]
    if prov.get("python"):
        software.append(("Python", prov["python"]))
    date = source_date()
    if date:
        software.append(("Source date (SOURCE_DATE_EPOCH or last commit)", date))
    return {"sources": sources, "parameters": parameters, "quality": quality,
            "software": software}


# --------------------------------------------------------------------------- the notebook


def _image_alt(output) -> str:
    return ((output.get("metadata") or {}).get("image/png") or {}).get("alt", "")


def coalesce_streams(cell) -> list:
    """A code cell's outputs with consecutive print-outs to one stream joined (nbconvert's
    ``CoalesceStreamsPreprocessor``) and print-outs of only white space dropped. How the kernel
    splits a cell's stdout into messages depends on timing; joining them makes the page the
    same bytes on every build."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor

    cell, _ = CoalesceStreamsPreprocessor().preprocess_cell(cell, {}, 0)
    return [o for o in cell.outputs if o.get("output_type") != "stream" or o["text"].strip()]


def report_notebook(executed: list[Path], title: str = STORY.TITLE
                    ) -> tuple[nbformat.NotebookNode, dict | None, list]:
    """The methods section as one notebook (no parameters or reset cells, no code cells
    without output, headings demoted, deterministic cell ids), the key figure's output lifted
    out of it, and the table of contents' entries for the notebooks."""
    report = nbformat.v4.new_notebook()
    report.metadata["title"] = title
    key_figure, toc = None, []
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        stem = path.stem
        title = next((m.group(1).strip() for c in nb.cells if c.cell_type == "markdown"
                      for m in [re.search(r"^#\s+(.+)$", c.source, flags=re.M)] if m), stem)
        anchor = f"methods-{_slug(stem)}"
        toc.append({"href": f"#{anchor}", "title": title})
        cells = [nbformat.v4.new_markdown_cell(f'<span id="{anchor}"></span>')]
        for cell in nb.cells:
            tags = set(cell.metadata.get("tags", []))
            if tags & SKIP_TAGS or (cell.cell_type == "code" and not cell.get("outputs")):
                continue
            if cell.cell_type == "markdown":
                cell.source = demote_headings(cell.source)
            if cell.cell_type == "code":
                cell.outputs = coalesce_streams(cell)
                for out in cell.outputs:
                    if "image/png" in out.get("data", {}) and not _image_alt(out):
                        raise ExportError(f"{path.name}: an image has no alternative text "
                                          "(display figures through ratioed.present.figures.save_figure)")
            if KEY_FIGURE_TAG in tags and key_figure is None:
                png = next((o for o in cell.outputs if "image/png" in o.get("data", {})), None)
                if png is not None:
                    meta = png["metadata"]["image/png"]
                    key_figure = {"png": png["data"]["image/png"], "alt": meta.get("alt", ""),
                                  "caption": meta.get("caption", ""),
                                  "narrow": meta.get("narrow"), "source": meta.get("source"),
                                  "files": meta.get("files", {}), "width": meta.get("width")}
                    cell = nbformat.v4.new_markdown_cell(
                        '<p class="moved"><a href="#key-figure">This figure is shown at the top '
                        "of the report, under the summary.</a></p>")
            cells.append(cell)
        report.cells += cells
    for i, cell in enumerate(report.cells):  # no random ids: byte-identical rebuilds
        cell.id = f"c{i:03d}"
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    return report, key_figure, toc


def changes_section() -> dict:
    """What changed since the last published build, for the top of the page: one sentence when
    the input itself changed (:func:`ratioed.analysis.changes.input_change`), else the one-line
    summary; then the claims' verdicts and headline numbers that changed, before and after.
    Post-level changes are counted here and listed in ``changes.csv`` only."""
    import pandas as pd

    from ..analysis.changes import headline, input_change, page_summary

    if not paths.CHANGES_CSV.exists():
        return {"summary": "Not compared with an earlier build.", "rows": [], "total": 0,
                "posts": 0}
    table = pd.read_csv(paths.CHANGES_CSV, dtype=str, keep_default_na=False)
    for col in table.columns:  # undo the CSV's formula guard for display: the page shows text
        table[col] = restore_formulas(table[col])
    first = not (paths.PUBLISHED_REPORTS_DIR / "index.html").exists()
    changed = None if first else input_change(paths.PROJ_ROOT, paths.OUTPUT_ROOT)
    text = changed or page_summary(None if first and table.empty else table)
    posts = int(table["kind"].isin(["new post", "removed post", "newly ratioed",
                                    "no longer ratioed", "counts changed"]).sum())
    rows = headline(None if first else table)
    return {"summary": text, "rows": rows, "total": len(table), "posts": posts}


def export_report(executed: list[Path], params: dict) -> Path:
    """One nbconvert call: the executed notebooks, without code, into ``reports/index.html``,
    with the lede, key figure, claims, links and provenance around them (see module docs)."""
    numbers = _read_json(paths.NUMBERS_JSON)
    title = labels.title(numbers.get("load", {}).get("account"))  # names another account
    report, key_figure, toc = report_notebook(executed, title)
    page = {
        "title": title, "lede": lede(numbers), "key_figure": key_figure,
        "claims": claims_rows(), "methods_toc": toc, "files": report_files(),
        "provenance": provenance_rows(params, numbers), "changes": changes_section(),
        "source": source_line(numbers.get("ratios", {}).get("tz")),
        "completeness": (numbers.get("claims") or {}).get("completeness_statement"),
    }
    global _WARM
    exporter, _WARM = _WARM or _exporter(), None
    body, _ = exporter.from_notebook_node(report, resources={"ratioed": page})
    if "No description has been provided" in body:
        raise ExportError("an image in the report has no alternative text")
    check_body(body)
    write_text_atomic(paths.REPORT_HTML, body)
    return paths.REPORT_HTML


# what the page's body may hold: the markup our template, show_table, figures and Markdown
# cells make. Anything else (<meta http-equiv=refresh>, <style>, <form>, <base>, <script>,
# an event handler, a style attribute, a link off the page) is a value that became markup.
BODY_TAGS = frozenset(
    "a abbr b blockquote body br caption code col colgroup dd del details div dl dt em figcaption "
    "figure h1 h2 h3 h4 h5 h6 header hr i img ins kbd li main nav ol p pre q s samp section small "
    "span strong sub summary sup table tbody td tfoot th thead tr u ul var"
    # a figure's narrow layout: <picture><source media=... srcset="data:image/png;base64,...">
    " picture source".split())
_URL_ATTRS = frozenset({"href", "src", "action", "formaction", "srcset", "poster", "data",
                        "xlink:href", "background", "cite", "longdesc", "usemap"})
_LOCAL_URL = re.compile(r"(#|data:image/png;base64,|(?![a-z][a-z0-9+.-]*:)(?!//)[^\\\s])", re.I)


def check_body(page: str) -> None:
    """Refuse a page whose ``<body>`` holds markup the report does not make (see
    :data:`BODY_TAGS`): a tag outside the list, an ``on*`` handler or ``style`` attribute, or
    a URL that leaves the page's folder. Raises :class:`ExportError` naming the tag and line."""
    from html.parser import HTMLParser

    class Checker(HTMLParser):
        in_body = False

        def handle_starttag(self, tag, attrs):
            self.in_body = self.in_body or tag == "body"
            if not self.in_body:
                return
            line = self.getpos()[0]
            if tag not in BODY_TAGS:
                raise ExportError(f"the page's body holds a <{tag}> element (line {line}) that "
                                  "the report does not make: a value in the data became markup")
            for name, value in attrs:
                if name.startswith("on") or name == "style" or (
                        name in _URL_ATTRS and value and not _LOCAL_URL.match(value.strip())):
                    raise ExportError(f"the page's body holds <{tag} {name}=...> (line {line}), "
                                      "which the report does not make: a value in the data "
                                      "became markup")

        handle_startendtag = handle_starttag

    Checker(convert_charrefs=True).feed(page)


_WARM = None  # an exporter made ahead by warm(), taken by the next export_report


def _exporter():
    """The report's nbconvert exporter (validating the notebook once, after its preprocessors,
    not after each one: the same page)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="report",
                            extra_template_basedirs=[str(paths.REPORT_TEMPLATE_DIR.parent)],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, optimistic_validation=True)
    exporter.register_filter("num", labels.number)
    exporter.register_filter("count", labels.count)
    exporter.register_filter("amount", labels.amount)
    # autoescape for our page's template only (nbconvert's own templates pass the notebooks'
    # HTML outputs through raw, so their environment has it off)
    exporter.environment.autoescape = lambda name: name == exporter.template_file
    return exporter


def warm() -> None:
    """Make the next export's exporter now and compile its templates (the page's and the
    nbconvert templates it builds on, ten in all: 0.15 s), so the export itself only renders.
    The build calls this while the kernel starts. The filters nbconvert registers per
    notebook are stood in for while compiling; templates look filters up when they render."""
    import jinja2.meta

    global _WARM
    exporter = _exporter()
    env = exporter.environment
    for name in ("highlight_code", "filter_data_type"):
        env.filters.setdefault(name, str)
    todo, seen = [exporter.template.name], set()
    while todo:
        name = todo.pop()
        if name is None or name in seen:
            continue
        seen.add(name)
        env.get_template(name)
        source = env.loader.get_source(env, name)[0]
        todo += jinja2.meta.find_referenced_templates(env.parse(source))
    _WARM = exporter
