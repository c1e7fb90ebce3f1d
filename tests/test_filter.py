"""The default filter (``trusted_docs: false``) and what Markdown syntax makes.

One row per feature of an extension that Material's or pymdown-extensions'
documentation shows: its Markdown, rendered by Python-Markdown with the real extension
and, on an untrusted page, with Briefing's extension after it (as MkDocs renders a docs
page), must give the same HTML byte for byte as without Briefing; ``marks`` are pieces
of that HTML the row is about, so a row cannot pass by making nothing. A real build of
a Material site with the common rows checks the same through MkDocs. The attack rows
show the filter still removes what it must.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import markdown
import pymdownx.emoji
import pymdownx.slugs
import pymdownx.superfences
import pytest
from material.extensions import emoji as material_emoji

from briefing.core.context import PageRef, RenderContext, Source
from briefing.core.model import Briefing
from briefing.markdown.extension import BriefingExtension
from briefing.markdown.linker import Linker
from conftest import run_build, write

HIGHLIGHT = {"anchor_linenums": True, "line_spans": "__span", "pygments_lang_class": True}
MATERIAL_EMOJI = {
    "emoji_index": material_emoji.twemoji,
    "emoji_generator": material_emoji.to_svg,
}
MERMAID = {
    "custom_fences": [
        {"name": "mermaid", "class": "mermaid", "format": pymdownx.superfences.fence_code_format}
    ]
}


def row(
    name: str,
    text: str,
    extensions: list[str],
    marks: list[str],
    configs: dict[str, dict[str, Any]] | None = None,
) -> Any:
    return pytest.param(
        textwrap.dedent(text).lstrip("\n"), extensions, configs or {}, marks, id=name
    )


ROWS = [
    # pymdownx.progressbar: the bar's fill is a width style
    row(
        "progressbar",
        '[=75% "75%"]\n\n[=0%]{: .thin}\n',
        ["pymdownx.progressbar", "attr_list"],
        ['style="width:75.00%"', 'style="width:0.00%"', 'class="progress progress-0plus thin"'],
    ),
    # pymdownx.fancylists: the numbering as a style (default) or a class
    row(
        "fancylists-style",
        "a. one\nb. two\n\niv. four\nv. five\n",
        ["pymdownx.fancylists"],
        ['style="list-style-type: lower-alpha;"', 'start="4"'],
        {"pymdownx.fancylists": {"inject_style": True}},
    ),
    row(
        "fancylists-class",
        "a) one\nb) two\n",
        ["pymdownx.fancylists"],
        ['class="fancylists-lower-alpha"'],
        {"pymdownx.fancylists": {"inject_style": False, "inject_class": True}},
    ),
    # pymdownx.blocks.*
    row(
        "blocks-caption",
        """
        ![A chart](chart.png)

        /// figure-caption
        A figure
        ///

        ![Another](b.png)

        /// figure-caption | 3.1
        Numbered by hand
        ///

        | a |
        |---|
        | 1 |

        /// table-caption
        A table
        ///
        """,
        ["pymdownx.blocks.caption", "tables"],
        [
            '<figure id="__figure-caption_1">',
            '<span class="caption-prefix">Figure 1.</span>',
            '<figure id="__figure-caption_3_1">',
            '<figure id="__table-caption_1">',
            '<span class="caption-prefix">Table 1.</span>',
        ],
    ),
    row(
        "blocks-admonition",
        "/// note | Title\nbody\n///\n\n/// warning\nw\n///\n",
        ["pymdownx.blocks.admonition"],
        ['<div class="admonition note">', "admonition-title"],
    ),
    row(
        "blocks-details",
        "/// details | Summary\n    open: true\n    type: warning\nbody\n///\n",
        ["pymdownx.blocks.details"],
        ['<details class="warning" open="open">'],
    ),
    row(
        "blocks-tab",
        "/// tab | One\nA\n///\n\n/// tab | Two\n    select: true\nB\n///\n",
        ["pymdownx.blocks.tab"],
        ['checked="checked"', 'name="__tabbed_1"'],
    ),
    row(
        "blocks-html",
        "/// html | div.note#place\nsome *words*\n///\n",
        ["pymdownx.blocks.html"],
        ['<div class="note" id="place">'],
    ),
    row(
        "blocks-definition",
        "/// define\nApple\n\n- A fruit\n///\n",
        ["pymdownx.blocks.definition"],
        ["<dt>Apple</dt>"],
    ),
    # pymdownx.highlight with superfences: named blocks, line anchors and spans
    row(
        "highlight-anchors",
        '```{.python linenums="1" hl_lines="2"}\na = 1\nb = 2\n```\n',
        ["pymdownx.superfences", "pymdownx.highlight"],
        ['id="__span-0-1"', 'id="__codelineno-0-2" name="__codelineno-0-2"', 'class="hll"'],
        {"pymdownx.highlight": HIGHLIGHT},
    ),
    row(
        "highlight-named",
        '```{.python #example linenums="1"}\na = 1\nb = 2\n```\n',
        ["pymdownx.superfences", "pymdownx.highlight"],
        [
            '<div id="example"',
            'id="__span-example-1"',
            'href="#__codelineno-example-2"',
            'name="__codelineno-example-1"',
        ],
        {"pymdownx.highlight": HIGHLIGHT},
    ),
    row(
        "highlight-title",
        '```python title="setup.py"\nimport os\n```\n',
        ["pymdownx.superfences", "pymdownx.highlight"],
        ['<span class="filename">setup.py</span>'],
        {"pymdownx.highlight": HIGHLIGHT},
    ),
    row(
        "highlight-inline-numbers",
        '```{.python linenums="1"}\na = 1\n```\n',
        ["pymdownx.superfences", "pymdownx.highlight"],
        ['data-linenos="1 "'],
        {"pymdownx.highlight": {"linenums_style": "pymdownx-inline"}},
    ),
    row(
        "inlinehilite",
        "`#!python a = 1` and `:::js var x`\n",
        ["pymdownx.inlinehilite", "pymdownx.highlight"],
        ['<code class="highlight">'],
    ),
    row(
        "superfences-mermaid",
        "```mermaid\ngraph LR\n  A-->B\n```\n",
        ["pymdownx.superfences"],
        ['<pre class="mermaid"><code>graph LR'],
        {"pymdownx.superfences": MERMAID},
    ),
    # pymdownx.emoji: Material's icons, and the generators' own attributes
    row(
        "emoji-material",
        ":smile: :material-check:",
        ["pymdownx.emoji"],
        ['<span class="twemoji">', "<svg"],
        {"pymdownx.emoji": MATERIAL_EMOJI},
    ),
    row(
        "emoji-png-attributes",
        ":smile:",
        ["pymdownx.emoji"],
        ['align="absmiddle"', 'height="20px"'],
        {
            "pymdownx.emoji": {
                "emoji_generator": pymdownx.emoji.to_png,
                "options": {
                    "attributes": {"align": "absmiddle", "height": "20px", "width": "20px"}
                },
            }
        },
    ),
    row(
        "emoji-png-sprite",
        ":smile:",
        ["pymdownx.emoji"],
        ['class="emojione-64-people _1f604"'],
        {"pymdownx.emoji": {"emoji_generator": pymdownx.emoji.to_png_sprite}},
    ),
    row(
        "emoji-alt",
        ":smile:",
        ["pymdownx.emoji"],
        ["😄"],
        {"pymdownx.emoji": {"emoji_generator": pymdownx.emoji.to_alt}},
    ),
    row(
        "arithmatex-generic",
        "$E = mc^2$ and\n\n$$\n\\sum_i x_i\n$$\n",
        ["pymdownx.arithmatex"],
        ['<span class="arithmatex">\\(E = mc^2\\)</span>', '<div class="arithmatex">'],
        {"pymdownx.arithmatex": {"generic": True}},
    ),
    row(
        "critic",
        "{++add++} {--del--} {~~a~>b~~} {==mark==} {>>comment<<}",
        ["pymdownx.critic"],
        ['<ins class="critic">', '<del class="critic">', '<span class="critic comment">'],
    ),
    row(
        "tasklist",
        "- [x] done\n- [ ] todo\n",
        ["pymdownx.tasklist"],
        ['<input type="checkbox" disabled checked/>'],
    ),
    row(
        "tasklist-custom",
        "- [x] done\n- [ ] todo\n",
        ["pymdownx.tasklist"],
        ['<label class="task-list-control"><input type="checkbox" checked/>'],
        {"pymdownx.tasklist": {"custom_checkbox": True, "clickable_checkbox": True}},
    ),
    row(
        "keys",
        '++ctrl+alt+delete++ ++"My key"++',
        ["pymdownx.keys"],
        ['<kbd class="key-control">', '<span class="keys">'],
    ),
    row(
        "tabbed-alternate",
        '=== "One"\n    A\n\n===+ "Two"\n    B\n',
        ["pymdownx.tabbed"],
        ['class="tabbed-set tabbed-alternate"', 'data-tabs="1:2"', 'id="__tabbed_1_2"'],
        {"pymdownx.tabbed": {"alternate_style": True}},
    ),
    row(
        "tabbed-classic",
        '=== "One"\n    A\n\n=== "Two"\n    B\n',
        ["pymdownx.tabbed"],
        ['<label for="__tabbed_1_1">'],
    ),
    row(
        "tabbed-slugs",
        '=== "First tab"\n    A\n\n=== "Second"\n    B\n',
        ["pymdownx.tabbed", "toc"],
        ['id="first-tab"'],
        {
            "pymdownx.tabbed": {
                "alternate_style": True,
                "slugify": pymdownx.slugs.slugify(case="lower"),
            }
        },
    ),
    row(
        "details",
        '??? note "Folded"\n    body\n\n???+ tip\n    open\n',
        ["pymdownx.details"],
        ['<details class="note">', '<details class="tip" open="open">'],
    ),
    row(
        "mark-caret-tilde",
        "==m== ^^i^^ ~~d~~ H~2~O x^2^",
        ["pymdownx.mark", "pymdownx.caret", "pymdownx.tilde"],
        ["<mark>m</mark>", "<sub>2</sub>"],
    ),
    row(
        "smartsymbols",
        '(c) 1/2 --> and "quotes" -- dash',
        ["pymdownx.smartsymbols", "smarty"],
        ["&copy;", "&frac12;", "&ldquo;"],
    ),
    row(
        "magiclink",
        "https://example.org and @facelessuser",
        ["pymdownx.magiclink"],
        ['class="magiclink magiclink-github magiclink-mention"'],
        {"pymdownx.magiclink": {"social_url_shorthand": True}},
    ),
    row(
        "escapeall",
        "a\\ b \\\nline",
        ["pymdownx.escapeall"],
        ["&nbsp;", "<br"],
        {"pymdownx.escapeall": {"hardbreak": True, "nbsp": True}},
    ),
    row(
        "progressbar-stripes",
        '[=45% "45%"]{: .candystripe .candystripe-animate}\n',
        ["pymdownx.progressbar", "attr_list"],
        ['class="progress progress-40plus candystripe candystripe-animate"', "width:45.00%"],
    ),
    row(
        "quotes-callouts",
        "> [!NOTE]\n> A note.\n\n> [!WARNING]- Folded\n> Careful.\n",
        ["pymdownx.quotes"],
        ['<div class="admonition note">', '<details class="warning">'],
        {"pymdownx.quotes": {"callouts": True}},
    ),
    row(
        "bracketspan",
        '[some text]{.red #x data-x=1} and [more]{style="text-align: center"}',
        ["pymdownx.bracketspan", "attr_list"],
        ['<span class="red" data-x="1" id="x">', '<span style="text-align: center">'],
    ),
    row(
        "emoji-with-classes",
        ":octicons-heart-fill-24:{ .heart }",
        ["pymdownx.emoji", "attr_list"],
        ['<span class="twemoji heart">'],
        {"pymdownx.emoji": MATERIAL_EMOJI},
    ),
    row(
        "highlight-table",
        '```{.python linenums="1" hl_lines="1" title="a.py"}\na = 1\nb = 2\n```\n',
        ["pymdownx.superfences", "pymdownx.highlight"],
        ['<table class="highlighttable">', 'id="__codelineno-0-1"'],
        {"pymdownx.highlight": {**HIGHLIGHT, "linenums_style": "table"}},
    ),
    row(
        "grid-cards-and-buttons",
        """
        <div class="grid cards" markdown>

        -   :material-clock-fast:{ .lg .middle } __Set up__

            ---

            [:octicons-arrow-right-24: Start](#start){ .md-button .md-button--primary }

        </div>
        """,
        ["md_in_html", "attr_list", "pymdownx.emoji"],
        ['<span class="twemoji lg middle">', 'class="md-button md-button--primary"', "<hr />"],
        {"pymdownx.emoji": MATERIAL_EMOJI},
    ),
    row(
        "raw-inline-html-and-entities",
        "Press <kbd>Ctrl</kbd>, <mark>this</mark><sup>1</sup>: A &amp; B &copy; &#169;&nbsp;x",
        [],
        ["<kbd>Ctrl</kbd>", "&amp;", "&copy;", "&nbsp;"],
    ),
    # Python-Markdown's own extensions
    row(
        "tables-alignment",
        "|a|b|c|\n|:-|:-:|-:|\n|1|2|3|\n",
        ["tables"],
        ['<th style="text-align: left;">', '<td style="text-align: right;">'],
    ),
    row(
        "footnotes",
        "Text[^1] and more[^n].\n\n[^1]: One.\n[^n]: Two.\n",
        ["footnotes"],
        ['id="fnref:1"', 'class="footnote-backref"', 'href="#fn:n"'],
    ),
    row(
        "abbr",
        "The HTML spec.\n\n*[HTML]: Hyper Text Markup Language\n",
        ["abbr"],
        ['<abbr title="Hyper Text Markup Language">'],
    ),
    row(
        "attr-list",
        """
        ## Title {#custom .c}

        ![Image](https://example.org/a.png){ align=left width=300 loading=lazy }

        [Go](x.md){ .md-button .md-button--primary title="Go there" data-preview }

        Centred.
        { style="text-align: center;" lang=fr }
        """,
        ["attr_list"],
        ['align="left"', "data-preview", 'style="text-align: center;"', 'id="custom"'],
    ),
    row("def-list", "Apple\n:   A fruit\n", ["def_list"], ["<dd>"]),
    row(
        "md-in-html",
        """
        <figure markdown="span">
          ![Image](https://example.org/a.png){ width="300" }
          <figcaption>Caption</figcaption>
        </figure>

        <div class="grid cards" markdown>

        - :material-clock: item

        </div>
        """,
        ["md_in_html", "attr_list", "pymdownx.emoji"],
        ["<figure>", '<div class="grid cards">', "<figcaption>"],
        {"pymdownx.emoji": MATERIAL_EMOJI},
    ),
    row(
        "toc-permalinks",
        "# A\n\n## B & C\n",
        ["toc"],
        ['class="headerlink"', 'title="Permanent link"'],
        {"toc": {"permalink": True}},
    ),
    row(
        "admonition",
        '!!! note "Title"\n    body\n\n!!! info inline end\n    x\n',
        ["admonition"],
        ['<div class="admonition info inline end">'],
    ),
    row("comment", "text\n\n<!-- more -->\n\nmore\n", [], ["<!-- more -->"]),
    row(
        "raw-table-alignment",
        '<table><tr><td style="text-align: left;">x</td></tr></table>\n',
        [],
        ['<td style="text-align: left;">'],
    ),
]


def convert(text: str, extensions: list[str], configs: dict[str, Any], briefed: bool) -> str:
    """``text`` as an untrusted docs page renders it (with Briefing), or without Briefing."""
    context = RenderContext()
    linker = Linker(Briefing("/tmp", "briefing_src", {}, ()), context)
    md = markdown.Markdown(
        extensions=[*extensions, *([BriefingExtension(linker)] if briefed else [])],
        extension_configs=configs,
    )
    context.begin(PageRef("page.md", "Page", Source("docs/page.md", 1, text)))
    return md.convert(text)


@pytest.mark.parametrize(("text", "extensions", "configs", "marks"), ROWS)
def test_markdown_syntax_passes_the_filter_byte_for_byte(
    text: str, extensions: list[str], configs: dict[str, Any], marks: list[str]
) -> None:
    plain = convert(text, extensions, configs, briefed=False)
    for mark in marks:
        assert mark in plain, (mark, plain)
    assert convert(text, extensions, configs, briefed=True) == plain


# What the filter must still take out, and what it keeps of the same element.
ATTACKS = [
    ('<div style="position:fixed;inset:0">x</div>', "<div>x</div>"),
    ('<p style="width:50%; position: fixed">x</p>', '<p style="width:50%">x</p>'),
    ('<p style="width: 1000%">x</p>', "<p>x</p>"),
    ('<p style="background:url(https://example.org/a.png)">x</p>', "<p>x</p>"),
    ('<p style="width:expression(alert(1))">x</p>', "<p>x</p>"),
    ('<p style="list-style-type: &quot;x&quot;">x</p>', "<p>x</p>"),
    ('<p style="text-align: left; color: white">x</p>', '<p style="text-align: left">x</p>'),
    ('<p style="x: &quot;; text-align:left; &quot;">x</p>', '<p style="text-align:left">x</p>'),
    ('<p style="text-align:left !important">x</p>', "<p>x</p>"),
    ('<p style="text-align:\\6c eft">x</p>', "<p>x</p>"),
    ('<p style="text-align:/**/left">x</p>', "<p>x</p>"),
    ('<img src="a.png" align="left" onerror="alert(1)">', '<img src="a.png" align="left">'),
    (
        '<input type="checkbox" disabled checked onclick="alert(1)"/>',
        '<input type="checkbox" disabled="" checked="">',
    ),
    ('<a id="__config" href="#x">x</a>', '<a href="#x">x</a>'),
    ('<span id="__nav_2">x</span>', "<span>x</span>"),
    ('<span id="__palette_0">x</span>', "<span>x</span>"),
    ('<span id="__figure-caption_x">x</span>', "<span>x</span>"),
    ('<span id="__span-a-b">x</span>', "<span>x</span>"),
    ('<script type="math/tex">x</script>', ""),
    ('<svg><use href="#x"></use></svg>', "<svg></svg>"),
]


@pytest.mark.parametrize(("payload", "becomes"), ATTACKS)
def test_the_filter_still_removes_what_it_must(payload: str, becomes: str) -> None:
    html = convert(f"<div>\n{payload}\n</div>\n", [], {}, briefed=True)
    assert html == f"<div>\n{becomes}\n</div>"


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ('Text.\n{ style="width:50%; position:fixed" }\n', 'style="width:50%"', "fixed"),
        ('Text.\n{ style="color: red" }\n', "<p>Text.</p>", "style"),
        ("Text.\n{ #__config }\n", "<p>Text.</p>", "__config"),
        (
            "![x](https://example.org/a.png){ align=left onerror=alert(1) }\n",
            'align="left"',
            "onerror",
        ),
        ("/// html | div[style='position:fixed']\nx\n///\n", "<div>", "position"),
    ],
)
def test_markdown_made_attributes_are_filtered_too(text: str, kept: str, gone: str) -> None:
    html = convert(text, ["attr_list", "pymdownx.blocks.html"], {}, briefed=True)
    assert kept in html and gone not in html, html


# The common rows, through real MkDocs builds of a Material site: without Briefing, and
# with Briefing and its default filter. Every page's rendered Markdown is kept by a hook.
SITE_EXTENSIONS = """
markdown_extensions:
  - abbr
  - admonition
  - attr_list
  - def_list
  - footnotes
  - md_in_html
  - tables
  - toc:
      permalink: true
  - pymdownx.arithmatex:
      generic: true
  - pymdownx.blocks.caption
  - pymdownx.caret
  - pymdownx.critic
  - pymdownx.details
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
  - pymdownx.fancylists:
      inject_style: true
  - pymdownx.highlight:
      anchor_linenums: true
      line_spans: __span
      pygments_lang_class: true
  - pymdownx.inlinehilite
  - pymdownx.keys
  - pymdownx.mark
  - pymdownx.progressbar
  - pymdownx.superfences
  - pymdownx.tabbed:
      alternate_style: true
  - pymdownx.tasklist:
      custom_checkbox: true
  - pymdownx.tilde
"""
SITE_ROWS = {
    "progressbar",
    "fancylists-style",
    "blocks-caption",
    "highlight-anchors",
    "highlight-named",
    "highlight-title",
    "inlinehilite",
    "emoji-material",
    "arithmatex-generic",
    "critic",
    "tasklist-custom",
    "keys",
    "tabbed-alternate",
    "details",
    "mark-caret-tilde",
    "tables-alignment",
    "footnotes",
    "abbr",
    "attr-list",
    "def-list",
    "md-in-html",
    "toc-permalinks",
    "admonition",
    "comment",
}
HOOK = """
from pathlib import Path
from mkdocs.plugins import event_priority

@event_priority(-1000)
def on_page_content(html, /, *, page, config, files):
    out = Path(config.config_file_path).parent / "contents" / (page.file.src_uri + ".html")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return html
"""


def test_a_material_site_renders_the_same_with_the_default_filter(tmp_path: Path) -> None:
    pages = {f"docs/{p.id}.md": p.values[0] for p in ROWS if p.id in SITE_ROWS}
    assert len(pages) == len(SITE_ROWS)
    results = []
    for name, plugin in (("plain", ""), ("briefed", "  - briefing:\n      pdf: false\n")):
        project = tmp_path / name
        write(project, {"mkdocs.yml": "", "docs/index.md": "# Home\n\nThe rows.\n"})
        (project / "mkdocs.yml").write_text(
            "site_name: Filter\ntheme: {name: material, font: false}\nhooks: [hook.py]\n"
            f"plugins:\n  - search\n{plugin}{SITE_EXTENSIONS}",
            "utf-8",
        )
        (project / "hook.py").write_text(HOOK, "utf-8")
        for rel, text in pages.items():
            (project / rel).write_text(text, "utf-8")
        for picture in ("chart.png", "b.png"):  # what the rows link to
            (project / "docs" / picture).write_bytes(b"\x89PNG\r\n\x1a\n")
        (project / "docs/x.md").write_text("# X\n", "utf-8")
        if plugin:
            write(
                project,
                {
                    "briefing_src/entities/kling.yml": """
                    name: Kling
                    type: product
                    summary: A video model.
                    """,
                },
            )
        result = run_build(project)
        assert result.ok, result.messages
        results.append(project / "contents")
    plain, briefed = results
    for rel in pages:
        page = rel.removeprefix("docs/") + ".html"
        assert (briefed / page).read_text("utf-8") == (plain / page).read_text("utf-8"), page
