"""The page on a phone and on paper (issue 21).

Fast (no kernel, no browser): the template offers each figure's narrow layout through
``<picture>``/``srcset`` chosen by a media query (no script), the export's body check allows
exactly that (a ``data:image/png`` srcset, never one off the page), and the print stylesheet keeps
the key chart beside the lede and prints each link's target.

Slow (a build and Chromium; skips without them): at 390 px no figure image is more than 2.5 times
wider than it is drawn, and a Chromium PDF has the lede's numbers and the key chart on page 1
and shows the links' targets.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from ratioed import paths
from ratioed.pipeline import export

TEMPLATE = paths.REPORT_TEMPLATE_DIR / "index.html.j2"
PNG = "iVBORw0KGgo="  # made up: the start of a PNG, enough for the markup


def _render(meta: dict) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": PNG, "text/plain": "alt"},
        metadata={"image/png": meta})]))
    page = {"title": "t", "lede": {"highlight": None}, "key_figure": None, "claims": [],
            "methods_toc": [], "files": [], "changes": {"summary": "s", "rows": []},
            "provenance": {"sources": [], "parameters": [], "quality": [], "software": []}}
    body, _ = export._exporter().from_notebook_node(nb, resources={"ratioed": page})
    return body


def test_a_figure_offers_its_narrow_layout_by_media_query():
    body = _render({"alt": "a chart", "width": 700, "caption": "Figure 9.", "narrow": PNG,
                    "source": "Source: made-up.csv (a local file).", "files": {}})
    picture = body[body.index("<picture>"):body.index("</picture>")]
    source = re.search(r"<source [^>]*>", picture).group(0)
    assert 'media="(max-width: 600px)"' in source
    assert f'srcset="data:image/png;base64,{PNG}"' in source
    img = re.search(r"<img [^>]*>", picture).group(0)
    assert picture.index("<source") < picture.index("<img")  # the fallback comes last
    assert f'src="data:image/png;base64,{PNG}"' in img and 'alt="a chart"' in img
    assert '<span class="source">Source: made-up.csv (a local file).</span>' in body
    assert "<script" not in body[body.index("<body"):]
    export.check_body(body)  # the body check allows the picture and its data: srcset


def test_the_body_check_refuses_a_srcset_off_the_page():
    page = ('<html><body><picture><source media="(max-width: 600px)" '
            'srcset="https://evil.invalid/x.png"><img src="data:image/png;base64,AA" alt="">'
            "</picture></body></html>")
    with pytest.raises(export.ExportError, match="srcset"):
        export.check_body(page)


def test_print_stylesheet_keeps_the_key_chart_and_prints_link_targets():
    css = TEMPLATE.read_text(encoding="utf-8")
    printed = css[css.index("@media print"):]
    assert 'a[href]:not([href^="#"])::after { content: " (" attr(href) ")"' in printed
    assert "#key-figure img { max-height:" in printed
    assert "figure, img, tr, picture, caption { break-inside: avoid" in printed
    # ids and numbers never break inside; result lines break between words only
    assert "td.id" in css and "white-space: nowrap" in css
    assert ".jp-OutputArea-output pre { white-space: pre-wrap; overflow-wrap: break-word; " \
        "word-break: normal; }" in css  # no "i|d", "cont|radicted"


# --------------------------------------------------------------------------- in Chromium (slow)

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists()
                                        else None)


@pytest.fixture(scope="module")
def built(week, tmp_path_factory):
    from test_report import make_project, run_build

    project = make_project(tmp_path_factory.mktemp("layout") / "p")
    res = run_build(project, str(week))
    assert res.returncode == 0, res.stderr
    return project / "reports" / "index.html"


@pytest.mark.slow
def test_phone_figures_are_drawn_for_the_phone(built, tmp_path):
    if not CHROMIUM or not shutil.which("chromedriver") and not Path("/usr/bin/chromedriver").exists():
        pytest.skip("needs chromium and chromedriver")
    from test_browser import _driver

    driver = _driver(tmp_path, 390, 844)
    try:
        driver.get(built.as_uri())
        sizes = driver.execute_script(
            "return [...document.querySelectorAll('figure img')].map("
            "i => [i.naturalWidth, i.getBoundingClientRect().width, i.currentSrc.length])")
    finally:
        driver.quit()
    assert len(sizes) >= 4
    for natural, shown, _ in sizes:
        assert shown > 0 and natural / shown <= 2.5, (natural, shown)


@pytest.mark.slow
def test_pdf_page_one_has_the_lede_and_the_key_chart(built, tmp_path):
    if not CHROMIUM or not shutil.which("pdftotext"):
        pytest.skip("needs chromium and pdftotext (poppler-utils)")
    pdf = tmp_path / "report.pdf"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={pdf}", built.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert pdf.exists() and pdf.stat().st_size > 10_000
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
    for needle in ("19,954 replies", "6,644 re-truths", "18,687 likes", "Figure 1.",
                   "(figures/fig1-likes-vs-replies.csv)"):
        assert needle in first, needle
    if shutil.which("pdfimages"):  # the key chart itself is drawn on page 1
        images = subprocess.run(["pdfimages", "-f", "1", "-l", "1", "-list", str(pdf)],
                                capture_output=True, text=True, check=True).stdout
        assert len(images.strip().splitlines()) > 2, images
