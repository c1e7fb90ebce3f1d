"""The book's HTML-to-Typst step: a contributor's text is text to Typst, never code.

Each case is laid out by the real Typst compiler and read back from the PDF with pypdf.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import typst
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from briefing.book.typeset import Typeset, escape, label_name, literal

HOSTILE = [
    '#read("/etc/passwd")',
    '#import "@preview/cetz:0.3.0": *',
    "#let x = 1 #x",
    "$x^2 + y$ and $",
    "<label> @ref @kling",
    "// a comment that eats the line",
    "/* a block comment",
    "https://evil.example/x and http://a.b",
    "\\u{41} \\ backslash",
    "= a heading",
    "- a list item",
    "+ an enum item",
    "1. numbered",
    "/ term: description",
    "*bold* _emphasis_ `raw`",
    "~ -- --- ... -? 'single' \"double\"",
    "#{ panic() }",
    "]) #set page(fill: red) [",
    '"); read("x") //',
    "可灵 快手 百度 李彦宏",
]


def laid_out_text(source: str, root: Path) -> str:
    # typst's stubs give root the type of the input, but a source as bytes takes a path root.
    pdf = typst.compile(source.encode(), root=str(root), format="pdf")  # type: ignore[call-overload]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def document(lines: list[str]) -> str:
    body = "\n\n".join(f"#block[{escape(line)}]" for line in lines)
    return '#set text(font: ("DejaVu Sans", "Noto Sans CJK SC"))\n' + body


def folded(text: str) -> str:
    return " ".join(text.split())


def test_hostile_text_is_laid_out_as_the_same_text(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("SECRET CONTENT")
    text = laid_out_text(document([*HOSTILE, '#read("secret.txt")']), tmp_path)
    assert "SECRET CONTENT" not in text
    flat = folded(text)
    for line in HOSTILE:
        assert folded(line) in flat, line


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("#$*_`<>@[]~'\"=-+/\\:.,;(){}|^&%!? abcXYZ019\n")),
            min_size=1,
            max_size=40,
        ),
        min_size=1,
        max_size=20,
    )
)
def test_any_ascii_punctuation_is_text(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    lines = [line for line in lines if line.strip()]
    if not lines:
        return
    root = tmp_path_factory.mktemp("typst")
    flat = folded(laid_out_text(document(lines), root))
    for line in lines:
        assert folded(line) in flat, (line, flat)


def test_string_literals_and_labels_are_inert(tmp_path: Path) -> None:
    value = '"); #panic("x") // \\n \\'
    source = f"#let s = {literal(value)}\n#text(s)"
    assert folded(value.replace("\\n", "\\n")) in folded(laid_out_text(source, tmp_path))
    assert re.fullmatch(r"[A-Za-z0-9_.:-]+", label_name('m.kling.<x>."y" 可灵'))


def test_html_becomes_book_markup_and_nothing_else() -> None:
    html = (
        "<div><p>Text with <strong>bold</strong>, <em>em</em>, <code>#code()</code> and "
        '<a href="javascript:alert(1)">a bad link</a>, <a href="https://ok.example/">a good one</a>'
        ' and <a href="#elsewhere">an inner one</a>.</p>'
        "<ul><li>one</li><li>two <br> lines</li></ul>"
        "<table><tr><th>h</th><td colspan=100000>wide</td></tr></table>"
        '<img src="https://evil.example/x.png" alt="remote"><img src="../x.bmp" alt="bmp">'
        "<script>#panic()</script></div>"
    )
    out = Typeset()
    typ = out.blocks(BeautifulSoup(html, "html.parser"))
    assert "javascript" not in typ and "#panic" not in typ
    assert '#link("https://ok.example/")[a good one]' in typ
    assert '#link("bf:elsewhere")[an inner one]' in typ
    assert '#raw("#code()")' in typ
    assert "colspan: 1," not in typ and "colspan: 100000" not in typ
    assert out.blocked == ["https://evil.example/x.png"]
    assert out.images == set()  # a .bmp is not a picture Typst reads: its alt text is shown


def test_lines_through_and_under_text_never_combine(tmp_path: Path) -> None:
    # Material's critic, caret and tilde marks around a mention: PDF/UA-1 allows no
    # underline inside a strike-through (or the reverse), and Typst refuses such a book.
    from briefing.book.pdf import BookMeta, part_source

    html = (
        '<p><del>struck <a class="bf-mention" href="#entity-kling">Kling</a></del> and '
        '<ins>added <u>twice</u> <span class="bf-mention-repeat">Kling</span></ins> and '
        '<s>gone <ins>back</ins></s> and <a class="bf-mention" href="#entity-kling">Kling</a>.</p>'
    )
    typ = Typeset().blocks(BeautifulSoup(html, "html.parser"))
    assert typ.count("#strike[") == 2 and typ.count("#underline[") == 1
    assert typ.count("#bfname[") == 1  # the mention outside the marks keeps its dots
    article = {"key": "x", "title": "Marks", "typ": typ}
    source = part_source(BookMeta(title="Marks"), "articles", articles=[article])
    pdf = typst.compile(  # type: ignore[call-overload]  # typst's stubs: see laid_out_text
        source.encode(), root=str(tmp_path), format="pdf", pdf_standards=["ua-1"]
    )
    text = folded(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert "struck Kling and added twice Kling and gone back and Kling." in text
