"""Hostile sources through the real build: nothing executable reaches a page."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.core.safety import is_clean
from conftest import one, run_build, write

PAYLOAD_ARTICLE = """
    ---
    title: The chip embargo tightens
    date: 2024-10-01
    annotations:
      - quote: New export controls reach further
        kind: context
        note: |
          Note <script>alert('note')</script> and <img src=x onerror="alert('img')">.
          [bad](javascript:alert('md')) <a href="javascript:alert('raw')">raw</a>
    ---

    New export controls reach further. OpenAI is not affected; Kuaishou may be.

    <script>alert('body')</script>
    <iframe src="https://example.org/"></iframe>
    <div onclick="alert('div')" style="position:fixed" class="no-autolink">div</div>
    <svg onload="alert('svg')"><circle r="1"/></svg>

    [a link](javascript:alert('link')) and ![an image](data:image/png;base64,AAAA)
    and <span onmouseover="alert('span')">text</span> <object data="x.swf"></object>

    An attribute list on a paragraph.
    {: onclick="alert('attr')" style="color:red" .fine }

    <div markdown="1" onmouseover="alert('md_in_html')">
    Markdown *inside* a div.
    </div>
"""


def test_no_executable_content_reaches_the_pages(project: Path) -> None:
    write(
        project,
        {
            "briefing_src/articles/embargo.md": PAYLOAD_ARTICLE,
            "briefing_src/entities/sora.yml": """
            name: Sora
            type: product
            summary: "OpenAI's model <b onclick=alert(1)>bold</b>"
            description: |
              Made by [[openai]]. <img src="x" onerror="alert('desc')"> <style>body{}</style>
        """,
        },
    )
    result = run_build(project, strict=False)
    assert result.ok, result.messages
    for page in [
        "articles/embargo/index.html",
        "glossary/sora/index.html",
        "articles/kling-launch/index.html",
        "glossary/index.html",
    ]:
        article = one(result.html(page), "article")
        for icon in article.select("a.md-content__button"):  # Material's own edit icon (SVG)
            icon.decompose()
        # The figures Briefing draws are SVG; nothing else is, and they carry no script.
        for figure in article.select("figure.bf-figure"):
            assert not figure.select("script, foreignObject, iframe, style, object, embed"), page
        found = article.select("script, iframe, object, embed, style, form")
        assert not [el for el in found if not el.find_parent("figure", class_="bf-figure")], page
        # Icons are SVG (Material's emoji): shapes only, nothing that links or loads.
        for svg in [s for s in article.select("svg") if not s.find_parent("figure")]:
            assert not svg.select("script, foreignObject, use, image, a, style"), page
        for el in article.find_all(True):
            for name, value in el.attrs.items():
                assert not name.startswith("on"), (page, el)
                assert name != "style", (page, el)
                if name in ("href", "src"):
                    assert not str(value).lower().startswith(("javascript:", "data:")), (page, el)
    # The text stays; the summary's markup is shown as text in the tooltip, never as HTML.
    body = one(result.html("articles/embargo/index.html"), "article").get_text()
    assert "a link" in body and "div" in body and "Markdown inside a div." in " ".join(body.split())
    embargo = result.html("articles/embargo/index.html")
    assert one(embargo, "p.fine").get_text() == "An attribute list on a paragraph."
    link = one(result.html("articles/kling-launch/index.html"), 'a[data-entity="sora"]')
    # Material's tooltips show a title with innerHTML: escaped once more, it shows as text.
    assert link["title"] == "OpenAI's model &lt;b onclick=alert(1)&gt;bold&lt;/b&gt;"
    warnings = [m for m in result.messages if "unsafe URL" in m]
    assert any("embargo.md:19:10: warning: unsafe URL 'javascript:alert(" in w for w in warnings)
    assert any("embargo.md:19:52: warning: unsafe URL 'data:image/png" in w for w in warnings)
    assert any("embargo.md:9:" in w and "javascript:alert(" in w for w in warnings)  # the note


def test_markup_in_titles_and_names_is_an_error(project: Path) -> None:
    write(
        project,
        {
            "briefing_src/articles/embargo.md": """
            ---
            title: "</title><script>alert(1)</script>"
            date: 2024-10-01
            ---
            Text.
        """,
        },
    )
    result = run_build(project)
    assert not result.ok
    assert any(
        e.endswith(
            "'title': must not contain '<' or '>' (the theme prints names and titles as HTML)"
        )
        and "embargo.md:2:8" in e
        for e in result.errors()
    ), result.errors()


@pytest.mark.parametrize(
    ("piece", "clean"),
    [
        ('<span class="bf-chip bf-kind-context">', True),  # inline raw HTML, one tag a block
        ("</span>", True),
        ("<kbd>", True),
        ("<b>bold</b>", True),
        ("<br>", True),
        ("</script>", False),
        ("<script>", False),
        ('<span onclick="alert(1)">', False),
        ("<img src=x onerror=alert(1)>", False),
        ('<a href="javascript:alert(1)">', False),
        ("<textarea>", False),
        ("<style>", False),
        ('<span class="a"><i>', False),  # two tags: left to the sanitiser
    ],
)
def test_which_raw_html_pieces_are_clean(piece: str, clean: bool) -> None:
    """A page whose every stashed piece of raw HTML is clean skips the sanitiser."""
    assert is_clean(piece) is clean


def test_no_content_clobbers_materials_configuration() -> None:
    """id="__config" would replace Material's configuration object (search breaks)."""
    from briefing.core.safety import sanitize

    cleaned = sanitize('<p id="__config">x</p><a name="__md_scope" id="fine">y</a>')
    assert "__config" not in cleaned and "__md_scope" not in cleaned
    assert 'id="fine"' in cleaned
    # Content tabs' radio inputs keep theirs: without a shared name, two panels show.
    tabs = sanitize('<input type="radio" id="__tabbed_1_2" name="__tabbed_1">')
    assert 'id="__tabbed_1_2"' in tabs and 'name="__tabbed_1"' in tabs
    assert "__tabbed_1x" not in sanitize('<p id="__tabbed_1x">z</p>')
    lines = sanitize('<a id="__codelineno-0-1" name="__codelineno-0-1" href="#x"></a>')
    assert lines.count("__codelineno-0-1") == 2


def test_table_spans_are_capped() -> None:
    from briefing.core.safety import MAX_SPAN, sanitize

    cleaned = sanitize('<table><tr><td colspan="100000" rowspan="-3">a</td></tr></table>')
    assert f'colspan="{MAX_SPAN}"' in cleaned and 'rowspan="1"' in cleaned


@pytest.mark.parametrize("url", ["/\\evil.example/x", "\\\\evil.example", "/\\/evil.example"])
def test_backslash_network_paths_are_unsafe(url: str) -> None:
    from briefing.core.model import url_is_safe

    assert not url_is_safe(url)
