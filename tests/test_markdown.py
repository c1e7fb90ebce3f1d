"""The Markdown extension through plain Python-Markdown (no MkDocs)."""

from __future__ import annotations

import datetime as dt

import markdown
import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown.extensions import Extension

from briefing.core.context import PageRef, RenderContext, Source
from briefing.core.diagnostics import Position
from briefing.core.model import (
    Annotation,
    AnnotationModel,
    Article,
    ArticleModel,
    Briefing,
    Entity,
    EntityModel,
    EntityType,
)
from briefing.markdown.extension import BriefingExtension
from briefing.markdown.linker import Linker
from conftest import attr, one

ENTITIES: dict[str, tuple[str, EntityType, list[str]]] = {
    "kling": ("Kling", "product", ["可灵", "Kling AI"]),
    "kuaishou": ("Kuaishou", "company", ["快手"]),
    "sora": ("Sora", "product", []),
    "chip-embargo": ("US chip embargo", "policy", ["chip embargo"]),
}


def make_briefing(annotations: list[dict] | None = None, body: str = "") -> Briefing:
    entities = {
        eid: Entity(
            eid,
            f"briefing_src/entities/{eid}.yml",
            EntityModel(name=name, type=kind, summary=f"Summary of {name}.", aliases=aliases),
            Position(f"briefing_src/entities/{eid}.yml"),
        )
        for eid, (name, kind, aliases) in ENTITIES.items()
    }
    models = [AnnotationModel(**a) for a in annotations or []]
    article = Article(
        "a",
        "briefing_src/articles/a.md",
        ArticleModel(title="A", date=dt.date(2024, 7, 1)),
        body,
        5,
        tuple(
            Annotation(m, "a", Position("briefing_src/articles/a.md", 6 + i, 12), i)
            for i, m in enumerate(models)
        ),
    )
    return Briefing("/tmp", "briefing_src", entities, (article,))


def render(
    text: str,
    *,
    mode: str = "first",
    uri: str = "index.md",
    entity: str | None = None,
    article: str | None = None,
    annotations: list[dict] | None = None,
) -> tuple[BeautifulSoup, RenderContext]:
    ctx = RenderContext()
    linker = Linker(make_briefing(annotations, text), ctx, mode)
    md = markdown.Markdown(
        extensions=[BriefingExtension(linker), "toc", "md_in_html", "fenced_code"]
    )
    ctx.begin(
        PageRef(uri, "Page", Source("docs/index.md", 1, text), article=article, entity=entity)
    )
    return BeautifulSoup(md.convert(text), "html.parser"), ctx


def links(soup: BeautifulSoup) -> list[tuple[str, str]]:
    return [(a.get_text(), attr(a, "data-entity")) for a in soup.select("a.bf-mention")]


def test_first_mention_is_a_link_with_summary_tooltip() -> None:
    soup, _ = render("Kling and Kling again, then Kling AI.")
    assert links(soup) == [("Kling", "kling")]
    repeats = [(s.get_text(), s["data-entity"]) for s in soup.select("span.bf-mention-repeat")]
    assert repeats == [("Kling", "kling"), ("Kling AI", "kling")]
    a = one(soup, "a.bf-mention")
    assert a["href"] == "/glossary/kling.md"
    assert a["title"] == "Summary of Kling."


def test_all_mode_links_every_mention() -> None:
    soup, _ = render("Kling and Kling again, then Kling AI.", mode="all")
    assert links(soup) == [("Kling", "kling"), ("Kling", "kling"), ("Kling AI", "kling")]


@pytest.mark.parametrize(
    "text",
    [
        "`Kling` in code",
        "```\nKling in a fence\n```",
        "    Kling in an indented block",
        "<kbd>Kling</kbd> keys",
        "# Kling heading",
        "### Kling small heading",
        "[Kling site](https://example.org/) link",
        '<div class="no-autolink" markdown>\nKling opted out\n</div>',
    ],
)
def test_never_linked_inside_excluded_elements(text: str) -> None:
    soup, ctx = render(text)
    assert links(soup) == []
    assert "kling" not in ctx.mentions


def test_an_entity_page_never_links_to_itself() -> None:
    soup, ctx = render("Kling, made by Kuaishou.", uri="glossary/kling.md", entity="kling")
    assert links(soup) == [("Kuaishou", "kuaishou")]
    assert "kling" not in ctx.mentions


def test_explicit_links() -> None:
    soup, ctx = render("See [[kling]] and [[kuaishou|its maker]]; later Kling and Kuaishou.")
    assert links(soup) == [("Kling", "kling"), ("its maker", "kuaishou")]
    assert not ctx.diagnostics


def test_explicit_link_in_a_heading() -> None:
    soup, _ = render("## About [[sora]]")
    assert one(soup, "h2 a.bf-mention")["href"] == "/glossary/sora.md"


def test_unknown_explicit_id_is_an_error_with_position() -> None:
    soup, ctx = render("First line.\n\nSee [[klingg]] here.")
    assert [d.format() for d in ctx.diagnostics] == [
        "docs/index.md:3:5: error: unknown entity 'klingg' in [[...]] link (did you mean 'kling'?)"
    ]
    assert one(soup, ".bf-unknown").get_text() == "klingg"


def test_mentions_are_recorded_with_their_sentence() -> None:
    _, ctx = render("Intro. The **chip embargo** bites. Kuaishou (快手) shrugs.\n\n- Sora too")
    sentences = {e: [m.sentence for m in ms] for e, ms in ctx.mentions.items()}
    assert sentences == {
        "chip-embargo": ["The chip embargo bites."],
        "kuaishou": ["Kuaishou (快手) shrugs."],
        "sora": ["Sora too"],
    }
    assert ctx.page_entities["index.md"] == ["chip-embargo", "kuaishou", "sora"]


def test_cjk_mention_inside_chinese_prose() -> None:
    soup, _ = render("据快手称，可灵已开放。")
    assert links(soup) == [("快手", "kuaishou"), ("可灵", "kling")]
    assert soup.get_text() == "据快手称，可灵已开放。"


# ------------------------------------------------------------------ annotations

BODY = "Kuaishou showed **Kling** to the public. Later, Kling is public again.\n\nSora waits."


def test_annotation_highlight_marker_note_and_list() -> None:
    soup, ctx = render(
        BODY,
        uri="articles/a.md",
        article="a",
        annotations=[
            {"quote": "Sora waits", "kind": "question", "note": "Until when? See [[sora]]."},
            {
                "quote": "showed Kling to the public",
                "kind": "fact-check",
                "note": "True.",
                "sources": [{"title": "Wire", "url": "https://example.org/"}],
            },
        ],
    )
    assert not ctx.diagnostics
    marks = soup.select("mark.bf-hl")
    # The second annotation comes first in the text, so it is number 1; its quote spans
    # the bold "Kling", and "Sora" in the other one became a link: one mark per piece.
    assert [(m.get_text(), m["data-annotation"]) for m in marks] == [
        ("showed ", "1"),
        ("Kling", "1"),
        (" to the public", "1"),
        ("Sora", "2"),
        (" waits", "2"),
    ]
    assert one(soup, "strong mark").get_text() == "Kling"
    marker = one(soup, "a.bf-marker")
    assert marker.get_text() == "1"
    assert marker["id"] == "bf-ref-2" and marker["href"] == "#bf-note-2"
    assert marker["aria-label"] == "Annotation 1: Fact-check"
    # Each note is in the page once, in the list; the popover is made by briefing.js.
    assert not soup.select("[popover]")
    items = soup.select("ol.bf-annotation-list > li")
    assert [(li["id"], li["value"]) for li in items] == [("bf-note-2", "1"), ("bf-note-1", "2")]
    assert one(items[0], "a.bf-quote")["href"] == "#bf-ref-2"
    assert one(items[0], ".bf-sources a")["href"] == "https://example.org/"
    assert one(items[1], ".bf-note a.bf-mention")["data-entity"] == "sora"
    assert soup.select_one("h2#annotations")
    assert [c.get_text() for c in soup.select(".bf-legend .bf-chip")] == ["Fact-check", "Question"]
    assert ctx.annotations["a"][0].anchored


def test_prefix_and_suffix_choose_an_occurrence() -> None:
    soup, ctx = render(
        BODY,
        uri="articles/a.md",
        article="a",
        annotations=[
            {"quote": "Kling is public", "prefix": "Later,", "kind": "context", "note": "x"}
        ],
    )
    assert not ctx.diagnostics
    # "Kling" is a (repeated) mention, so the highlight is in two pieces.
    assert "".join(m.get_text() for m in soup.select("mark")) == "Kling is public"
    assert one(soup, "span.bf-mention-repeat mark").get_text() == "Kling"


def test_unanchored_annotation_is_an_error_and_still_listed() -> None:
    soup, ctx = render(
        BODY,
        uri="articles/a.md",
        article="a",
        annotations=[
            {"quote": "Kuaishou showed Kling to everyone", "kind": "correction", "note": "x"}
        ],
    )
    assert [d.format() for d in ctx.diagnostics] == [
        "briefing_src/articles/a.md:6:12: error: quote not found in the article's text; "
        'closest passage (85% similar): "Kuaishou showed Kling to the"'
    ]
    assert soup.select_one(".bf-unanchored")
    assert not soup.select("mark")
    assert soup.select("ol.bf-annotation-list > li")


def test_ambiguous_quote_is_an_error_listing_where() -> None:
    _, ctx = render(
        "Kling is public. And Kling is public.",
        uri="articles/a.md",
        article="a",
        annotations=[{"quote": "Kling is public", "kind": "context", "note": "x"}],
    )
    (problem,) = ctx.diagnostics
    assert "found 2 times; add a 'prefix' or 'suffix' to choose one: 1: " in problem.message
    assert "[Kling is public]. And" in problem.message


# ------------------------------------------------------------------ properties

pieces = st.sampled_from(
    [
        "Kling",
        "Kling AI",
        "可灵",
        "快手",
        "Kuaishou",
        "Sora",
        "Soraya",
        "chip embargo",
        "CHIP EMBARGO",
        "the",
        "model",
        " ",
        " ",
        "\n",
        "\n\n",
        "**",
        "*",
        "`",
        ".",
        ",",
        "# ",
        "- ",
        "[link](http://x.org/)",
        "<kbd>Sora</kbd>",
        "```\nKling\n```\n",
        "> ",
        "据",
        "称",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(pieces, max_size=40).map("".join), st.sampled_from(["first", "all"]))
def test_linking_never_changes_the_visible_text(text: str, mode: str) -> None:
    plain = BeautifulSoup(
        markdown.Markdown(extensions=["toc", "md_in_html", "fenced_code"]).convert(text),
        "html.parser",
    )
    linked, _ = render(text, mode=mode)
    # What a reader sees: the text with HTML's whitespace folding.
    assert linked.get_text().split() == plain.get_text().split()
    for a in linked.select("a.bf-mention:not(.bf-explicit)"):
        assert not a.find_parent(["code", "pre", "kbd", "h1", "h2", "h3", "h4", "h5", "h6", "a"])


def test_raw_html_in_headings_is_sanitised_in_the_table_of_contents_too() -> None:
    """Python-Markdown runs the postprocessors again for each heading's toc entry; a
    clean page and a page whose raw HTML needs the allow-list, one after the other
    with one Markdown, each get what they need."""
    ctx = RenderContext()
    linker = Linker(make_briefing(), ctx, "first")
    md = markdown.Markdown(extensions=[BriefingExtension(linker), "toc", "md_in_html"])
    for text, hostile in [
        ("## Clean <kbd>Ctrl</kbd>\n\nText.", False),
        ("## Hostile <img src=x onerror=alert(1)>\n\n<b onclick=alert(2)>b</b>", True),
        ("## Clean again <kbd>Esc</kbd>\n\nText.", False),
    ]:
        md.reset()
        ctx.begin(PageRef("index.md", "Page", Source("docs/index.md", 1, text)))
        html = md.convert(text)
        toc = md.toc + str(md.toc_tokens)  # type: ignore[attr-defined]  # set by the toc extension
        assert "onerror" not in toc and "onerror" not in html and "onclick" not in html
        assert ("<kbd>" in toc) is not hostile


@pytest.mark.parametrize("toc_first", [False, True], ids=["briefing-then-toc", "toc-then-briefing"])
@pytest.mark.parametrize("toc", [{}, {"permalink": True}, {"anchorlink": True}])
def test_a_note_on_a_heading_leaves_its_id_and_contents_entry_alone(
    toc: dict, toc_first: bool
) -> None:
    """A heading's marker is not part of its name: the id (its permanent link) and the
    table of contents entry are the ones it has without notes, the marker stays in the
    heading right after its highlight, and Material's search leaves the number out.
    Whichever extension is listed first (MkDocs lists the site's toc first, a host
    configured by hand may not)."""
    text = "# A\n\n## What it means\n\nThe passage about Kling.\n\n## What it means\n\nEnd.\n"
    ctx = RenderContext()
    notes = [
        {"quote": "What it means", "kind": "context", "note": "One.", "suffix": " The passage"},
        {"quote": "it means", "kind": "question", "note": "Two.", "suffix": " The passage"},
    ]
    linker = Linker(make_briefing(notes, text), ctx, "first")
    extensions: list[markdown.Extension | str] = [BriefingExtension(linker), "toc"]
    md = markdown.Markdown(
        extensions=extensions[::-1] if toc_first else extensions, extension_configs={"toc": toc}
    )
    ctx.begin(
        PageRef("articles/a.md", "A", Source("briefing_src/articles/a.md", 1, text), article="a")
    )
    soup = BeautifulSoup(md.convert(text), "html.parser")
    tokens = md.toc_tokens  # type: ignore[attr-defined]  # set by the toc extension
    names = [(t["id"], t["name"]) for t in tokens[0]["children"]]
    assert names == [
        ("what-it-means", "What it means"),
        ("what-it-means_1", "What it means"),
        ("annotations", "Annotations"),
    ]
    assert not ctx.diagnostics
    first = soup.select("h2")[0]
    assert first["id"] == "what-it-means"
    markers = first.select("a.bf-marker")
    assert [m.get_text() for m in markers] == ["1", "2"]
    assert all(m.has_attr("data-search-exclude") for m in markers)
    assert first.get_text().startswith("What it means12")
    assert markers[0].find_previous_sibling("mark") is not None


def test_autolinks_are_not_counted_as_nested_html() -> None:
    """Forty ``<https://...>`` and ``<name@host>`` autolinks on a page are links, not forty
    open tags; 31 nested ``<div>`` are still an error at the line of the 31st."""
    autolinks = "\n\n".join(
        f"See <https://example.org/{n}> or <desk{n}@example.org>." for n in range(40)
    )
    soup, ctx = render(autolinks)
    assert not ctx.diagnostics
    assert len(soup.select('a[href^="https://example.org/"]')) == 40
    deep = "\n".join(["<div>"] * 31 + ["text"] + ["</div>"] * 31)
    _, ctx = render(f"# T\n\n{deep}\n")
    assert [d.format() for d in ctx.diagnostics] == [
        "docs/index.md:33:1: error: HTML nested more than 30 deep"
    ]


def test_a_long_list_of_links_is_no_bracket_flood() -> None:
    # Each list item's text is parsed on its own: the timeline of a 1,000-article
    # briefing (1,015 linked items) was reported as "1,015 '[' in one paragraph" and
    # shown with its brackets replaced. One paragraph of as many still is a flood.
    items = "\n".join(f"- [Event {i}](#e{i}): on a date" for i in range(1200))
    soup, ctx = render(f"Timeline.\n\n{items}\n")
    assert list(ctx.diagnostics) == []
    assert len(soup.select("li a[href^='#e']")) == 1200
    lines = "\n".join(f"[Event {i}](#e{i}) on a date" for i in range(1200))
    soup, ctx = render(f"Timeline.\n\n{lines}\n")
    assert [d.format() for d in ctx.diagnostics] == [
        "docs/index.md:3:1: error: 1,200 '[' in one paragraph, more than the limit of 1,000"
    ]
    # A single item is counted whole: its continuation lines too.
    long_item = "- " + "[x] " * 600 + "\n  " + "[y] " * 600
    _, ctx = render(f"List.\n\n{long_item}\n")
    assert [d.format() for d in ctx.diagnostics] == [
        "docs/index.md:3:1: error: 1,200 '[' in one paragraph, more than the limit of 1,000"
    ]


def test_a_note_is_rendered_once_for_its_article_and_its_entities_pages() -> None:
    """The article's page renders the note; the entity's page grafts the same tree where
    its Markdown has the note's slot; a page that shows it once more than the briefing
    says (a plugin rendering a page again) renders it again, alike."""
    note = "A <b>bold</b> claim about [[klingg]] and [[kuaishou]]."
    annotation = {"quote": "opened Kling", "kind": "context", "note": note, "entities": ["kling"]}
    ctx = RenderContext()
    briefing = make_briefing([annotation], "Kuaishou opened Kling to the public.")
    linker = Linker(briefing, ctx)

    def page(text: str, uri: str, **where: str) -> BeautifulSoup:
        extensions: list[str | Extension] = [BriefingExtension(linker), "toc", "md_in_html", "abbr"]
        md = markdown.Markdown(extensions=extensions)
        ctx.begin(PageRef(uri, "Page", Source(f"docs/{uri}", 1, text), **where))  # type: ignore[arg-type]
        html = md.convert(text)
        ctx.end()
        return BeautifulSoup(html, "html.parser")

    article = page(briefing.articles[0].body, "articles/a.md", article="a")
    shown = one(article, ".bf-note").decode_contents()
    assert "<b>bold</b>" in shown and 'data-entity="kuaishou"' in shown
    # A description (before the list) may hold a paragraph that reads like a slot.
    # The site's abbreviations may mark part of a slot up ("a" in "a-1").
    entry = (
        "bf-note-slot a-1\n\n## Annotations about Kling\n\n- On A\n\n    bf-note-slot a-1\n\n"
        "*[a]: an abbreviation\n"
    )
    for time in range(2):  # the second time, more than the briefing says: rendered again
        glossary = page(entry, "glossary/kling.md", entity="kling")
        item = one(glossary, "li")
        assert "".join(str(c) for c in item.contents[2:]).strip() == shown.strip()
        assert glossary.find_all("p")[0].get_text() == "bf-note-slot a-1"
        assert glossary.find_all("p")[0].abbr is not None
        if time == 0:
            assert linker.rendered_notes == {}  # its last page took the tree itself
    assert [d.format() for d in ctx.diagnostics] == [
        "briefing_src/articles/a.md:6:38: error: unknown entity 'klingg' in [[...]] link"
        " (did you mean 'kling'?)"
    ]
