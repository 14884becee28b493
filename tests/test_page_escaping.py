"""No value from the data becomes markup on the published page.

The page's template is rendered, through the report's real nbconvert exporter, with a made-up
hostile value in every field it prints (the account, a claim's evidence, a source's name, a
data-quality value, a change, a file name...): each is shown as text, and the export's body
check refuses markup that reaches the page another way (a notebook's HTML output). Fast: no
kernel, no browser.
"""

from __future__ import annotations

import nbformat
import pytest

from ratioed.pipeline import export

# made-up hostile values, as a reviewer used them against the published page
REFRESH = '<meta http-equiv="refresh" content="0;url=https://evil.invalid/">'
STYLE = "<style>table.claims{display:none}h1.title::after{content:'VERIFIED: NOT RATIOED'}</style>"
FORM = '<form action="https://evil.invalid/"><input name=q></form>'
LINK = '<a href="https://evil.invalid/">read more</a>'
BASE = '<base href="https://evil.invalid/">'
HOSTILE = [REFRESH, STYLE, FORM, LINK, BASE, '"><img src=x onerror=alert(1)>', "{{ 7*7 }}"]


def _page(value: str) -> dict:
    """Everything the template prints, each text field holding ``value``."""
    highlight = {"day": value, "replies": value, "retruths": 1, "likes": 2, "ratioed_story": True,
                 "reply_like_ratio": value, "ratio_multiple": 2.0, "trailing_median": 0.5,
                 "trailing_posts": 3}
    return {
        "title": value,
        "lede": {"posts": value, "story_definition": value, "story_words": value,
                 "story_flagged": 1, "definition": value, "definition_words": value,
                 "definition_flagged": 1, "window": value, "first_post": value,
                 "last_post": value, "highlight": highlight,
                 "observed": {"replies": 3, "likes": 2, "retruths": 1}, "account": value,
                 "story_account": False, "author": value},
        "key_figure": {"png": "iVBORw0KGgo=", "alt": value, "caption": value,
                       "files": {value: value}, "width": value},
        "claims": [{"id": value, "claim": value, "status": value, "evidence": value}],
        "methods_toc": [{"href": value, "title": value}],
        "files": [{"group": value, "href": value, "name": value, "format": value,
                   "bytes": value}],
        "provenance": {"sources": [{"source": value, "sha256": value, "rows": value,
                                    "first_post": value, "last_post": value,
                                    "captured": value}],
                       "parameters": [(value, value, value)], "quality": [(value, value)],
                       "software": [(value, value)]},
        "changes": {"summary": value, "rows": [{"kind": value, "key": value, "before": value,
                                                "after": value}], "total": 1, "more": False},
    }


def _render(page: dict, nb=None) -> str:
    nb = nb or nbformat.v4.new_notebook()
    body, _ = export._exporter().from_notebook_node(nb, resources={"ratioed": page})
    return body


@pytest.mark.parametrize("value", HOSTILE)
def test_every_printed_value_is_text_not_markup(value):
    page = _render(_page(value))
    body = page[page.index("<body"):]
    if "<" in value:
        assert value not in body  # nowhere raw
        assert value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")[:20] in body
    else:  # template code in the data is text, never run
        assert value in body and "49" not in body
    export.check_body(page)  # and the body holds only what the report makes


def test_the_content_security_policy_forbids_forms_and_base():
    page = _render(_page("x"))
    import re

    csp = re.search(r"<meta[^>]*Content-Security-Policy[^>]*>", page).group(0)
    for directive in ("default-src 'none'", "form-action 'none'", "base-uri 'none'"):
        assert directive in csp


@pytest.mark.parametrize("markup", [REFRESH, STYLE, FORM, LINK, BASE,
                                    '<div style="display:none">x</div>',
                                    '<span onmouseover="x()">x</span>',
                                    '<img src="https://evil.invalid/pixel.png" alt="">',
                                    '<iframe src="x"></iframe>'])
def test_markup_from_a_notebook_output_fails_the_export(markup):
    """An HTML output nbconvert passes through raw (a table made without escaping) that
    carries markup the report does not make: the export refuses the page."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": markup})]
    nb.cells.append(cell)
    with pytest.raises(export.ExportError, match="the report does not make"):
        export.check_body(_render(_page("x"), nb))


def test_the_reports_own_markup_passes_the_check():
    """Tables, links to the files beside the page, anchors and embedded PNGs are allowed."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": (
        '<div class="table-scroll" role="region" tabindex="0"><table><caption>c '
        '<a class="file" href="tables/claims.csv">claims.csv</a></caption><thead><tr>'
        '<th scope="col">a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table></div>')})]
    nb.cells += [cell, nbformat.v4.new_markdown_cell("**bold** and [a link](#claims)")]
    export.check_body(_render(_page("x"), nb))
