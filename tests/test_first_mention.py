"""What a reader sees of the mentions: the first linked mention of a page is one in
sight when the page loads, and "Mentioned in" shows titles and sentences as the pages
show them (escaped once, inline code kept as its text)."""

from __future__ import annotations

import textwrap
from typing import Any

import markdown
import pytest
from bs4 import BeautifulSoup
from test_markdown import make_briefing

from briefing.core.context import PageRef, RenderContext, Source
from briefing.markdown.extension import BriefingExtension
from briefing.markdown.linker import Linker
from conftest import project_copy, run_build, write

EXTENSIONS = [
    "pymdownx.tabbed",
    "pymdownx.details",
    "pymdownx.blocks.tab",
    "pymdownx.blocks.caption",
    "admonition",
    "tables",
    "md_in_html",
    "attr_list",
    "pymdownx.highlight",
    "pymdownx.superfences",
]


def linked(text: str, configs: dict[str, Any] | None = None) -> list[str]:
    """The text around each mention link on the page (its paragraph or cell)."""
    context = RenderContext()
    linker = Linker(make_briefing(None, text), context, "first")
    md = markdown.Markdown(
        extensions=[*EXTENSIONS, BriefingExtension(linker)],
        extension_configs=configs or {"pymdownx.tabbed": {"alternate_style": True}},
    )
    text = textwrap.dedent(text).lstrip("\n")
    context.begin(PageRef("index.md", "Page", Source("docs/index.md", 1, text)))
    soup = BeautifulSoup(md.convert(text), "html.parser")
    paragraphs = [a.parent for a in soup.select("a.bf-mention")]
    assert None not in paragraphs
    return [p.get_text(" ", strip=True) for p in paragraphs if p is not None]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An unselected tab (alternate style), then the text below: the text.
        (
            """
            === "One"
                Nothing here.
            === "Two"
                Kling in the second tab.

            Kling below the tabs.
            """,
            ["Kling below the tabs."],
        ),
        # The selected tab is in sight, even when it is not the first.
        (
            """
            === "One"
                Kling in the first tab.
            ===+ "Two"
                Kling in the selected tab.

            Kling below the tabs.
            """,
            ["Kling in the selected tab."],
        ),
        # The first tab is selected by default.
        (
            """
            === "One"
                Kling in the first tab.
            === "Two"
                Kling in the second tab.
            """,
            ["Kling in the first tab."],
        ),
        # A closed details hides its body; an open one does not.
        (
            """
            ??? note "Folded"
                Kling folded away.

            ???+ note "Open"
                Kling in the open one.
            """,
            ["Kling in the open one."],
        ),
        (
            """
            ??? note "Folded"
                Kling folded away.

            Kling after it.
            """,
            ["Kling after it."],
        ),
        # Raw details through md_in_html, closed and open.
        (
            """
            <details markdown="1"><summary>More</summary>
            Kling hidden.
            </details>

            <details open markdown="1"><summary>More</summary>
            Kling shown.
            </details>
            """,
            ["Kling shown."],
        ),
        # A table header is not where the first mention goes; its cells are.
        (
            """
            | Kling | Other |
            |-------|-------|
            | Kling cell | x |
            """,
            ["Kling cell"],
        ),
        # Nor a figure caption (md_in_html, pymdownx.blocks.caption).
        (
            """
            <figure markdown="span">
              ![Chart](chart.png)
              <figcaption>Kling in a caption</figcaption>
            </figure>

            ![Chart](chart.png)

            /// figure-caption
            Kling in a numbered caption
            ///

            Kling in the text.
            """,
            ["Kling in the text."],
        ),
        # Nor the list of Material's annotations, which it moves into tooltips and
        # hides: after a block with the class annotate, after a code block whose
        # comments hold markers (empty paragraphs between, as Material skips them).
        (
            """
            A sentence with an annotation (1).
            { .annotate }

            1.  Kling in a content annotation.

            ``` python
            x = 1  # (1)!
            ```

            1.  Kling in a code annotation.

            Kling in the text.
            """,
            ["Kling in the text."],
        ),
        # A list after a block without the class, or whose markers name no item of
        # it, is an ordinary list.
        (
            """
            A sentence with a number (1).

            1.  Kling in an ordinary list.

            Another (3).
            { .annotate }

            1.  Kling in a list the markers do not name.
            """,
            ["Kling in an ordinary list."],
        ),
        # Content tabs as blocks (pymdownx.blocks.tab).
        (
            """
            /// tab | One
            Nothing.
            ///

            /// tab | Two
            Kling in a block tab.
            ///

            Kling after.
            """,
            ["Kling after."],
        ),
        # Every mention out of sight: the first of them is linked.
        (
            """
            === "One"
                Nothing.
            === "Two"
                Kling in the second tab.
            === "Three"
                Kling in the third tab.
            """,
            ["Kling in the second tab."],
        ),
        # An [[id]] link out of sight does not stand for the visible mention.
        (
            """
            ??? note "Folded"
                [[kling]] explicitly.

            Kling in the text.
            """,
            ["Kling explicitly.", "Kling in the text."],
        ),
        # An [[id]] link in sight does.
        (
            """
            Kling first, then [[kling]].
            """,
            ["Kling first, then Kling ."],
        ),
    ],
)
def test_the_first_link_is_one_a_reader_sees(text: str, expected: list[str]) -> None:
    assert linked(text) == expected


def test_the_classic_tab_style_too() -> None:
    text = """
        === "One"
            Nothing.
        === "Two"
            Kling in the second tab.

        Kling below.
        """
    assert linked(text, {"pymdownx.tabbed": {"alternate_style": False}}) == ["Kling below."]


SUMMARY = "Full-text search: R&amp;D, AT&T and <b>tags</b> as text."


@pytest.fixture(scope="module")
def titled_site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    project = project_copy(tmp_path_factory.mktemp("titled") / "site", "material")
    config = (project / "mkdocs.yml").read_text("utf-8")
    config = config.replace(
        "  - old-page.md\n",
        '  - old-page.md\n  - "Q&A": qa.md\n  - "Tips &amp; tricks": tips.md\n  - heading.md\n',
    )
    (project / "mkdocs.yml").write_text(config, "utf-8")
    article = project / "briefing_src/articles/features.md"
    text = article.read_text("utf-8")
    article.write_text(text.replace("title: Everything Material makes", 'title: "R&amp;D & more"'))
    write(
        project,
        {
            "briefing_src/entities/search.yml": f"""
            name: search
            type: product
            summary: "{SUMMARY}"
            """,
            "docs/qa.md": """
            # Questions

            With the default settings, if you used `$` for inline math, the search box
            `x & y` still works.
            """,
            "docs/tips.md": """
            # Tips

            The plugin, with `a<b` and **bold** words.
            """,
            "docs/heading.md": """
            # Rock &amp; roll

            Another plugin page, hidden:

            ??? note "Folded"
                The search folded away.
            """,
        },
    )
    result = run_build(project)
    assert result.ok, result.messages
    return result


def mentioned_in(result: Any, entity: str) -> dict[str, list[str]]:
    """Page title -> the sentences quoted, as a reader reads them."""
    section = result.html(f"glossary/{entity}/index.html").select_one("section.bf-mentioned-in")
    return {
        li.a.get_text(): [q.get_text() for q in li.select("blockquote")]
        for li in section.select("li")
    }


def test_mentioned_in_titles_and_quotes_read_as_on_their_pages(titled_site: Any) -> None:
    search = mentioned_in(titled_site, "search")
    # A nav title with "&" (the nav prints it as written) reads "Q&A", once.
    assert search["Q&A"] == [
        "With the default settings, if you used $ for inline math, the search box x & y "
        "still works."
    ]
    plugin = mentioned_in(titled_site, "plugin")
    # "&amp;" in a nav title or a heading is HTML to MkDocs: the nav shows "&".
    assert plugin["Tips & tricks"] == ["The plugin, with a<b and bold words."]
    assert "Rock & roll" in plugin
    # A mention out of sight still counts for "Mentioned in".
    assert search["Rock & roll"] == ["The search folded away."]
    page = titled_site.html("glossary/search/index.html")
    raw = str(page.select_one("section.bf-mentioned-in"))
    assert "&amp;amp;" not in raw and "x &amp; y" in raw
    # An article's title, likewise: as the theme shows it in the window's title.
    assert "R&D & more" in search
    article = titled_site.html("articles/features/index.html").title.get_text()
    assert article.startswith("R&D & more - "), article
    # The nav shows the same titles.
    nav = titled_site.html("index.html").select(".md-nav--primary .md-nav__link")
    shown = {a.get_text(" ", strip=True) for a in nav}
    assert {"Q&A", "Tips & tricks", "Rock & roll"} <= shown, shown


def test_a_page_whose_only_mention_is_hidden_links_it(titled_site: Any) -> None:
    page = titled_site.html("heading/index.html").select_one("article")
    assert [a.get_text() for a in page.select("a.bf-mention")] == ["plugin", "search"]
    assert page.select_one("details a.bf-mention[data-entity=search]") is not None


def test_tooltips_show_the_summary_as_written(titled_site: Any) -> None:
    """Material's tooltips show a title as HTML (content.tooltips): what they show of
    each title Briefing writes is the summary, character for character."""
    article = titled_site.html("articles/features/index.html").select_one("article")
    titles = [
        a["title"]
        for a in article.select("a.bf-mention[data-entity=search], .bf-in-article a[title]")
        if "search" in a.get("href", "")
    ]
    assert len(titles) >= 2, titles  # the first mention, and "In this article"
    for title in titles:
        assert BeautifulSoup(title, "html.parser").get_text() == SUMMARY, title
