"""Labels accept any text: a `$`, a backslash or a name in Chinese or Japanese that reaches a
figure from the data (a source's name, a rule, a parameter's words) is drawn as given, never as
mathtext, without a traceback or a missing-glyph warning.

Every input here is made up, generated in code.
"""

from __future__ import annotations

import html
import logging
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from ratioed.present import figures  # noqa: E402

# made-up labels: mathtext, unbalanced and odd dollars, backslashes, Chinese and Japanese
MATH = ["$x^2$", "50$ and 60$", r"C:\new\table", r"$\notacommand{$ \frac", "a $\\alpha$ b"]
CJK = ["特朗普", "トランプ", "特朗普 reading, 12 Jul 21:30"]
HOSTILE = MATH + CJK


def _posts(n=12):
    """Made-up posts: replies one tenth of likes, post 5 ratioed."""
    rows = [{"id": str(114800000000000000 + i),
             "created_at": pd.Timestamp("2025-07-01", tz="UTC") + pd.Timedelta(hours=6 * i),
             "replies": 1000 + 100 * i + (2000 if i == 5 else -900), "retruths": 50,
             "likes": 1000 + 100 * i} for i in range(n)]
    frame = pd.DataFrame(rows)
    frame["reply_like_ratio"] = frame["replies"] / frame["likes"]
    frame["trailing_median"] = 0.1
    return frame


def _draw_all(labels):
    """Each figure function, with ``labels`` wherever data-derived text reaches a figure."""
    posts = _posts()
    hl = posts.loc[5, "id"]
    n = len(labels)
    counts = pd.DataFrame({"definition": [f"d{i}" for i in range(n)], "rule": labels,
                           "posts_flagged": range(1, n + 1), "story_definition": False})
    readings = pd.DataFrame({"reading": labels, "replies": range(10, 10 + n),
                             "retruths": 3, "likes": range(20, 20 + n)})
    return {
        "fig1": figures.likes_vs_replies(posts, hl, "Asia/Tokyo"),
        # the window's words are the window itself when pandas cannot read it
        "fig2": figures.ratio_over_time(posts, hl, "Asia/Tokyo", " / ".join(labels)),
        "fig3": figures.definition_counts(counts, labels[0]),
        "fig4": figures.highlight_captures(readings),
    }


def _svg_texts(path) -> list[str]:
    """The text elements of an SVG saved with ``svg.fonttype = "none"``, unescaped."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text())]


def _save_all(labels, folder, caplog):
    figures.style()
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        drawn = _draw_all(labels)
        outputs = {name: figures.save_figure(f, name, caption=f"made-up {name}", folder=folder)
                   for name, f in drawn.items()}
    glyphs = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not glyphs, glyphs  # no "Glyph ... missing", no findfont warning, nothing
    return drawn, outputs


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_dollars_and_backslashes_are_drawn_as_given(tmp_path, caplog):
    """Mathtext off for data-derived text: `$x^2$` is five characters, not x squared, and an
    unparseable `$\\notacommand{$` is no ValueError with an empty message."""
    drawn, _ = _save_all(MATH, tmp_path, caplog)
    for name in ("fig2", "fig3", "fig4"):
        texts = _svg_texts(tmp_path / f"{name}.svg")
        for label in MATH:
            assert any(label in t for t in texts), (name, label, texts)
    for name, f in drawn.items():
        literal = [t for t in f.fig.findobj(matplotlib.text.Text)
                   if any(label in t.get_text() for label in MATH)]
        assert literal or name == "fig1"
        for t in literal:
            assert t.get_parse_math() is False and t.get_usetex() is False, (name, t)


def test_chinese_and_japanese_names_draw(tmp_path, caplog):
    """A source named in Chinese or Japanese draws: from a font that has the characters when
    the machine has one, else as matplotlib's Last Resort boxes, named in the caption. Either
    way the SVG keeps the text as given (a browser or a graphics desk draws it)."""
    drawn, outputs = _save_all(CJK, tmp_path, caplog)
    found = figures.fallback_fonts("特朗普トランプ")
    for name in ("fig2", "fig3", "fig4"):
        texts = " ".join(_svg_texts(tmp_path / f"{name}.svg"))
        assert all(label in texts for label in CJK), (name, texts)
        caption = outputs[name].caption
        if found:
            assert caption == f"made-up {name}"
        else:
            assert caption.startswith(f"made-up {name}. Characters drawn as boxes")
            assert "\n" not in caption
            assert "U+7279 特" in caption and "U+30C8 ト" in caption
    assert "特朗普" in drawn["fig4"].alt  # the alternative text keeps the name as given
    tick = next(t for t in drawn["fig4"].fig.axes[0].get_yticklabels()
                if t.get_text() == "特朗普")
    assert tick.get_fontfamily()[0] == "sans-serif" and len(tick.get_fontfamily()) > 1


def test_control_characters_are_drawn_as_a_box(tmp_path, caplog):
    """A control character (no font draws it, no SVG may hold it) is drawn as □, not left to
    a missing-glyph warning or an SVG no program opens."""
    _save_all(["nul\x00 here", "tab\there", "bell\x07"], tmp_path, caplog)
    texts = _svg_texts(tmp_path / "fig4.svg")
    assert {"nul\u25a1 here", "tab\u25a1here", "bell\u25a1"} <= set(texts)
    assert "\x00" not in (tmp_path / "fig4.svg").read_text()


def test_a_lone_surrogate_draws():
    """A lone surrogate in a parameter's words (a data frame cannot hold one) is drawn as □:
    the renderer raised on it."""
    import io

    figures.style()
    counts = pd.DataFrame({"definition": ["both"], "rule": ["replies > likes"],
                           "posts_flagged": [1], "story_definition": [True]})
    fig = figures.definition_counts(counts, "half \ud800 pair").fig
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for fmt in ("png", "svg"):
            fig.savefig(io.BytesIO(), format=fmt)
    assert not caught
    assert "half \u25a1 pair" in fig.axes[0].get_xlabel()


def test_drawable_labels():
    from ratioed.present import labels

    assert labels.drawable("$x^2$ 特朗普 a\\b\nline") == "$x^2$ 特朗普 a\\b\nline"
    assert labels.drawable("a\x00b\rc\ud800") == "a\u25a1b\u25a1c\u25a1"
    assert labels.drawable(None) is None and labels.drawable(3) == 3


@pytest.fixture
def made_up_cjk_font(tmp_path, monkeypatch):
    """A made-up font ("Ratioed Made Up CJK") whose glyphs for the test's kana and hanzi are
    squares, registered with matplotlib for this test only, as the only font that has them."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    chars = sorted({c for c in "".join(CJK) if not c.isascii()})
    names = [".notdef"] + [f"uni{ord(c):04X}" for c in chars]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap({ord(c): n for c, n in zip(chars, names[1:], strict=True)})
    pen = TTGlyphPen(None)
    for x0, y0, x1, y1 in ((100, 0, 900, 800), (200, 100, 800, 700)):
        pen.moveTo((x0, y0)), pen.lineTo((x0, y1)), pen.lineTo((x1, y1)), pen.lineTo((x1, y0))
        pen.closePath()
    square = pen.glyph()
    fb.setupGlyf({n: square for n in names})
    fb.setupHorizontalMetrics({n: (1000, 100) for n in names})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": "Ratioed Made Up CJK", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=880, usWinAscent=880, usWinDescent=120)
    fb.setupPost()
    path = tmp_path / "made-up-cjk.ttf"
    fb.save(str(path))
    def lacks_cjk(entry):  # this machine's own CJK fonts (if any) are set aside for the test
        face = font_manager.get_font(font_manager.FontPath(entry.fname, entry.index))
        return not any(face.get_char_index(ord(c)) for c in chars)

    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [e for e in font_manager.fontManager.ttflist if lacks_cjk(e)])
    font_manager.fontManager.addfont(str(path))
    monkeypatch.setattr(figures, "_COVERAGE", {})
    yield "Ratioed Made Up CJK"
    monkeypatch.undo()  # the font list as it was, then nothing cached from the made-up font
    font_manager.fontManager._findfont_cached.cache_clear()


def test_a_font_with_the_characters_is_used_as_a_fallback(tmp_path, caplog, made_up_cjk_font):
    """Where a font on the machine has the characters, the label falls back to it for them
    (and stays in the house font for the rest): drawn as given, no warning."""
    assert made_up_cjk_font in figures.fallback_fonts("特朗普トランプ")
    (tmp_path / "f").mkdir()
    drawn, outputs = _save_all(CJK, tmp_path / "f", caplog)
    svg = (tmp_path / "f" / "fig4.svg").read_text()
    assert "特朗普 reading, 12 Jul 21:30" in " ".join(_svg_texts(tmp_path / "f" / "fig4.svg"))
    assert made_up_cjk_font in svg  # named in the SVG's font-family list, for other programs
    assert outputs["fig4"].caption == "made-up fig4"
    tick = next(t for t in drawn["fig4"].fig.axes[0].get_yticklabels()
                if t.get_text() == "特朗普")
    assert tick.get_fontfamily()[-1] == made_up_cjk_font


def test_ascii_labels_keep_the_house_font(tmp_path, caplog):
    """Text the house font draws gets no fallback: the default build's figures do not change."""
    drawn, _ = _save_all(["replies > likes", "archive: 1 (12 Jul 2025)"], tmp_path, caplog)
    for f in drawn.values():
        for t in f.fig.findobj(matplotlib.text.Text):
            assert list(t.get_fontfamily()) == ["sans-serif"], t
