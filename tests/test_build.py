"""Real strict MkDocs builds of fixture briefings, asserting on the HTML they produce."""

from __future__ import annotations

import gc
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

from bs4 import Tag

from conftest import BuildResult, attr, configure, one, project_copy, run_build, write

REPO = "https://github.com/example/briefing"


def test_strict_build_passes_without_warnings(basic_site: BuildResult) -> None:
    assert basic_site.ok
    assert basic_site.messages == []


def test_generated_pages_exist_and_docs_is_untouched(basic_site: BuildResult) -> None:
    for page in [
        "index.html",
        "articles/kling-launch/index.html",
        "articles/embargo/index.html",
        "glossary/index.html",
        "glossary/kling/index.html",
        "glossary/chip-embargo/index.html",
        "timeline/index.html",
    ]:
        assert (basic_site.site / page).is_file(), page
    docs = sorted(
        p.relative_to(basic_site.project / "docs").as_posix()
        for p in (basic_site.project / "docs").rglob("*")
    )
    assert docs == ["index.md"]
    assert not list(basic_site.project.glob(".site-*"))


def test_mentions_link_relatively_with_summary_tooltips(basic_site: BuildResult) -> None:
    soup = basic_site.html("articles/kling-launch/index.html")
    content = one(soup, "article.md-content__inner")
    links = {a["data-entity"]: a for a in content.select("a.bf-mention:not(.bf-explicit)")}
    assert links["kling"]["href"] == "../../glossary/kling/"
    assert links["kling"]["title"] == "Kuaishou's text-to-video model."
    # First mention only: "Kling" appears four times in the text, linked once.
    body_links = [
        a
        for a in soup.select("article.md-content__inner > p a.bf-mention")
        if a["data-entity"] == "kling"
    ]
    assert len(body_links) == 1
    # Chinese alias inside Chinese prose, and a lower-case alias.
    assert "chip-embargo" in links
    assert not content.select("pre a, code a, h1 a.bf-mention, h2 a.bf-mention")


def test_no_absolute_or_third_party_resource_urls(basic_site: BuildResult) -> None:
    for page in basic_site.site.rglob("*.html"):
        if page.name == "404.html" and page.parent == basic_site.site:
            continue  # MkDocs writes the 404 page with root-absolute links unless site_url is set
        html = page.read_text("utf-8")
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html, page
        soup = basic_site.html(page.relative_to(basic_site.site).as_posix())
        for tag, name in [("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")]:
            for el in soup.find_all(tag):
                if el.get(name):
                    url = attr(el, name)
                    assert not re.match(r"^(https?:)?//", url), (page, url)
        for a in soup.find_all("a", href=True):
            assert not attr(a, "href").startswith("/"), (page, a["href"])


def test_edit_links_point_at_the_sources(basic_site: BuildResult) -> None:
    expected = {
        "index.html": "docs/index.md",
        "articles/kling-launch/index.html": "briefing_src/articles/kling-launch.md",
        "glossary/kling/index.html": "briefing_src/entities/kling.yml",
    }
    for page, source in expected.items():
        edit = basic_site.html(page).select_one("a[rel=edit]")
        assert edit is not None, page
        assert edit["href"] == f"{REPO}/edit/main/{source}"
    for page in ["glossary/index.html", "timeline/index.html"]:
        edit = one(basic_site.html(page), "a[rel=edit]")
        assert edit["href"] == f"{REPO}/tree/main/briefing_src/entities"


def test_article_page(basic_site: BuildResult) -> None:
    soup = basic_site.html("articles/kling-launch/index.html")
    assert one(soup, "h1").get_text() == "Kling reaches the public"
    source = one(soup, ".bf-source")
    assert one(source, "a")["href"] == "https://example.org/wire"
    assert "published 2024-07" in source.get_text()
    marks = soup.select("mark.bf-hl")
    assert {m["data-annotation"] for m in marks} == {"1", "2", "3"}
    bold = soup.select_one("strong mark.bf-hl")
    assert bold is not None and bold.get_text() == "bold"
    markers = soup.select("a.bf-marker")
    assert [b.get_text() for b in markers] == ["1", "2", "3"]
    items = soup.select("ol.bf-annotation-list > li")
    assert len(items) == 3
    # Linked both ways: marker -> list item (briefing.js opens it as a popover) -> marker.
    for marker in markers:
        key = attr(marker, "id").removeprefix("bf-ref-")
        assert marker["href"] == f"#bf-note-{key}"
        assert one(soup, f"#bf-note-{key} a.bf-quote")["href"] == f"#{marker['id']}"
    # The sidecar's annotation is there too.
    assert any("Which markets?" in li.get_text() for li in items)
    # A note's [[id|text]] link resolves to a relative URL.
    assert one(soup, ".bf-note a.bf-explicit")["href"] == "../../glossary/kuaishou/"
    assert [c.get_text() for c in soup.select(".bf-legend .bf-chip")] == [
        "Fact-check",
        "Analysis",
        "Question",
    ]
    in_article = [a.get_text() for a in soup.select(".bf-in-article a")]
    assert in_article[:3] == ["Kuaishou", "Kling", "OpenAI"]


def test_entity_page(basic_site: BuildResult) -> None:
    soup = basic_site.html("glossary/kling/index.html")
    text = one(soup, "article").get_text(" ")
    assert one(soup, "h1").get_text().startswith("Kling")
    assert [a.get_text() for a in soup.select(".bf-alias")] == ["可灵", "Kling AI"]
    assert "Kuaishou's text-to-video model." in text
    assert one(soup, "a.bf-explicit")["href"] == "../kuaishou/"  # description's [[kuaishou]]
    related = [a.get_text() for a in soup.select("#related + ul > li > a:first-child")]
    assert related == ["Kuaishou", "Sora"]
    assert "2024-06" in one(soup, "#timeline + ul").get_text()
    assert one(soup, "#links + ul a")["href"] == "https://klingai.com/"
    mentioned = soup.select(".bf-mentioned-in li")
    titles = [one(li, "a").get_text() for li in mentioned]
    assert titles == ["Kling reaches the public", "Home"]
    assert one(mentioned[0], "a")["href"] == "../../articles/kling-launch/"
    sentences = mentioned[0].select(".bf-mention-context")
    assert one(sentences[0], "strong").get_text() == "Kling"
    assert sentences[0].get_text().startswith("Kuaishou opened Kling to the public in June")
    about = soup.select("#annotations-about-kling + ul > li")
    assert len(about) == 1 and "Checked against" in about[0].get_text()
    assert one(about[0], "a")["href"] == "../../articles/kling-launch/#bf-note-1"


def test_a_note_reads_the_same_on_its_article_and_its_entities_pages(project: Path) -> None:
    """A note is rendered once, by its own small Markdown, and shown on its article's
    page and on the glossary entry of each entity it is about (once, should it name the
    entity twice); a paragraph of the entity's description that reads like the slot
    the entry's Markdown keeps for the note stays as it is written."""
    write(
        project,
        {
            "briefing_src/articles/kling-launch.annotations.yml": """
        - quote: Kling AI is also sold abroad
          kind: question
          note: |
            Which markets? <b>Raw</b> HTML, and [[kuaishou|the maker]].

            | Market | Since |
            |---|---|
            | Abroad | 2024 |

            1. Two lists

            * for this note's own Markdown (sane_lists), where the page has one
          entities: [kling, sora, kling]
    """
        },
    )
    entity = project / "briefing_src/entities/kling.yml"
    text = entity.read_text("utf-8").replace(
        "  A video generator made by [[kuaishou]].\n",
        "  A video generator made by [[kuaishou]].\n\n  bf-note-slot kling-launch-3\n",
    )
    entity.write_text(text, "utf-8")
    result = run_build(project)
    assert result.ok, result.messages
    article = result.html("articles/kling-launch/index.html")
    note = one(article, "#bf-note-3 .bf-note")  # after the article's own two

    def shown(elements: list[Tag], page: str) -> str:
        """The elements' HTML, their links resolved against the page's URL."""
        for element in elements:
            for a in element.select("a[href]"):
                a["href"] = urljoin(f"https://example.org/{page}/", attr(a, "href"))
        return "".join(str(element) for element in elements)

    in_article = shown([c for c in note.children if isinstance(c, Tag)], "articles/kling-launch")
    assert "<b>Raw</b>" in in_article and "<table>" in in_article and "<ul>" in in_article
    assert 'href="https://example.org/glossary/kuaishou/"' in in_article
    for slug in ("kling", "sora"):
        page = result.html(f"glossary/{slug}/index.html")
        items = page.select(f"#annotations-about-{slug} + ul > li")
        (item,) = [li for li in items if "sold abroad" in li.get_text()]
        head, *body = [child for child in item.children if isinstance(child, Tag)]
        assert "Kling AI is also sold abroad" in head.get_text()
        assert shown(body, f"glossary/{slug}") == in_article
    kling = result.html("glossary/kling/index.html")
    assert "bf-note-slot kling-launch-3" in one(kling, ".md-content").get_text()
    assert len(kling.select("table")) == 1  # the note's, in the list only


def test_glossary_and_timeline(basic_site: BuildResult) -> None:
    soup = basic_site.html("glossary/index.html")
    headings = [h.get_text().strip("¶ ") for h in soup.select("article h2")]
    assert headings == ["Companies", "Products", "Policies"]
    companies = [a.get_text() for a in soup.select("#company + ul > li > a")]
    assert companies == ["Kuaishou", "OpenAI"]
    assert not soup.select("article a.bf-mention")  # the index links every entry already
    timeline = basic_site.html("timeline/index.html")
    dates = [d.get_text() for d in timeline.select(".bf-date")]
    items = timeline.select("article li")
    assert len(items) == len(dates) == 4  # one list item per entry
    assert [one(li, ".bf-date").get_text() for li in items] == dates
    assert dates == sorted(dates) and dates[0] == "2011-03-01"
    assert "2024-10-01" in dates


def test_navigation(basic_site: BuildResult) -> None:
    soup = basic_site.html("index.html")
    nav = one(soup, "nav.md-nav--primary")
    labels = [
        s.get_text(" ", strip=True)
        for s in nav.select(":scope > ul > li > a, :scope > ul > li > label")
    ]
    assert [label.split()[0] for label in labels][:5] == [
        "Home",
        "Articles",
        "Glossary",
        "Map",
        "Timeline",
    ]
    articles = [a.get_text(strip=True) for a in nav.select("a[href*='articles/']")]
    assert articles == ["Articles", "The chip embargo tightens", "Kling reaches the public"]
    index = basic_site.html("articles/index.html")
    listed = [a.get_text() for a in index.select("article li a")]
    assert listed == ["The chip embargo tightens", "Kling reaches the public"]


def test_long_briefings_keep_the_navigation_short(project: Path) -> None:
    # Two articles, more than nav_articles: the navigation names the Articles page
    # alone, not a part of the list (the current article would often be missing).
    configure(project, {"nav_articles": "1", "nav_entities": "2"})
    result = run_build(project)
    assert result.ok, result.messages
    nav = one(result.html("index.html"), "nav.md-nav--primary")
    articles = [a.get_text(strip=True) for a in nav.select("a[href*='articles/']")]
    assert articles == ["Articles"]
    assert not nav.select("a[href*='glossary/kling/']")  # the Glossary page lists them
    assert (result.site / "articles/kling-launch/index.html").is_file()


def test_search_index_finds_aliases_notes_and_chinese(basic_site: BuildResult) -> None:
    index = json.loads((basic_site.site / "search/search_index.json").read_text("utf-8"))
    docs = index["docs"]
    kling = " ".join(d["text"] for d in docs if d["location"].startswith("glossary/kling/"))
    assert "可灵" in kling and "Kling AI" in kling
    # jieba keeps the whole Chinese name one word: zero-width spaces around, none inside.
    assert re.search("(^|[\\s\u200b])可灵([\\s\u200b]|$)", kling)
    notes = " ".join(d["text"] for d in docs if d["location"].startswith("articles/kling-launch/"))
    assert "Which markets?" in notes
    # A marker's number is not a word of the text ("public1" would be one).
    assert "to the public in June" in notes and "public1" not in notes
    assert "\\u200b" in index["config"]["separator"]


def test_broken_sources_fail_strict_build_and_keep_the_site(project: Path) -> None:
    first = run_build(project)
    assert first.ok
    (project / "site" / "marker.txt").write_text("previous build")
    write(
        project,
        {
            "briefing_src/entities/sora.yml": """
            name: Sora
            type: prodcut
            summary: OpenAI's text-to-video model.
            relatd: [openai]
        """,
            "briefing_src/articles/kling-launch.annotations.yml": """
            - quote: Kling AI is sold everywhere
              kind: question
              note: See [[kuaishu]].
        """,
        },
    )
    result = run_build(project)
    assert not result.ok
    # An entity file that fails validation does not also make every [[sora]] an error.
    assert [e.removeprefix("briefing: ") for e in result.errors()] == [
        "briefing_src/entities/sora.yml:2:7: error: 'type' must be one of 'company', 'product', "
        "'person', 'organization', 'government', 'policy', 'event', 'place' or 'concept', "
        "not 'prodcut' (did you mean 'product'?)",
        "briefing_src/entities/sora.yml:4:1: error: unknown key 'relatd' (did you mean 'related'?)",
        "briefing_src/articles/kling-launch.annotations.yml:1:10: error: quote not found in the "
        'article\'s text; closest passage (67% similar): "Kling AI is also sold"',
        "briefing_src/articles/kling-launch.annotations.yml:3:13: error: unknown entity 'kuaishu' "
        "in [[...]] link (did you mean 'kuaishou'?)",
    ]
    assert (project / "site" / "marker.txt").read_text() == "previous build"
    assert not list(project.glob(".site-*"))


def test_non_strict_build_still_lists_unanchored_annotations(project: Path) -> None:
    write(
        project,
        {
            "briefing_src/articles/kling-launch.annotations.yml": """
        - quote: a passage that is not there
          kind: correction
          note: Lost but listed.
    """
        },
    )
    result = run_build(project, strict=False)
    assert result.ok
    soup = result.html("articles/kling-launch/index.html")
    assert "Lost but listed." in one(soup, ".bf-annotation-list").get_text()
    assert soup.select_one(".bf-unanchored")


def test_a_note_on_a_heading_links_back_to_an_anchor_mkdocs_knows(project: Path) -> None:
    """A note's quote links back to its passage (``#bf-ref-N``). On a heading, the marker
    holding that id stands out of the heading while toc names it; MkDocs' list of the
    page's anchors is made right after toc, so with ``validation: anchors: warn`` a
    strict build failed on the shipped briefing's three notes on headings."""
    write(
        project,
        {
            "briefing_src/articles/kling-launch.annotations.yml": """
        - quote: Why Kling matters
          kind: context
          note: A heading's note.
    """
        },
    )
    configure(project, extra_config="validation:\n  anchors: warn\n")
    result = run_build(project)
    assert result.ok, result.messages
    assert result.messages == []
    soup = result.html("articles/kling-launch/index.html")
    heading = one(soup, "h2#why-kling-matters")
    marker = one(heading, "a.bf-marker")
    back = [attr(a, "href") for a in soup.select(".bf-annotation-list a[href^='#bf-ref-']")]
    assert f"#{attr(marker, 'id')}" in back


def test_a_build_freezes_each_page_as_it_is_done_and_unfreezes_at_the_end(
    project: Path,
) -> None:
    """In a process that ends with its build, each page's surviving objects are frozen
    once the page is done (its Markdown, then its file), so the collector's full
    collections walk only what the pages since made (0.36 s of a 1,000-article build
    instead of 0.69 s); the build ends with nothing frozen, for a process that goes on."""
    hook = """
        import gc, json

        seen = []

        def on_page_content(html, page, config, files):
            seen.append(gc.get_freeze_count())

        def on_post_page(output, page, config):
            seen.append(gc.get_freeze_count())

        def on_post_build(config):
            with open(config.config_file_path + ".frozen.json", "w") as out:
                json.dump(seen, out)
        """
    write(project, {"counts.py": hook})
    configure(project, extra_config="hooks: [counts.py]\n")
    result = run_build(project)
    assert result.ok, result.messages
    seen = json.loads((project / "mkdocs.yml.frozen.json").read_text())
    pages = len(list((project / "site").rglob("index.html")))
    assert len(seen) == 2 * pages > 10
    # Frozen objects still go when nothing refers to them: the count falls at times.
    assert seen[-1] > seen[0] and len(set(seen)) > len(seen) / 2, seen
    assert gc.get_freeze_count() == 0


def test_all_mode_links_every_mention(project: Path) -> None:
    configure(project, {"link_mode": "all"})
    result = run_build(project)
    assert result.ok, result.messages
    soup = result.html("articles/kling-launch/index.html")
    kling = [
        a
        for a in soup.select("article.md-content__inner > p a.bf-mention")
        if a["data-entity"] == "kling"
    ]
    assert [a.get_text() for a in kling] == ["Kling", "Kling AI"]


def test_annotate_links_open_the_sidecar_on_github(basic_site: BuildResult) -> None:
    soup = basic_site.html("articles/kling-launch/index.html")
    link = one(soup, "a.bf-annotate-article")
    assert link["href"] == f"{REPO}/edit/main/briefing_src/articles/kling-launch.annotations.yml"
    host = one(soup, ".bf-annotate-passage")
    assert host["data-issue-url"] == f"{REPO}/issues/new"
    assert host["data-article"] == "kling-launch"
    # No sidecar yet: GitHub's "new file" page, named and prefilled.
    link = one(basic_site.html("articles/embargo/index.html"), "a.bf-annotate-article")
    url = urlsplit(attr(link, "href"))
    assert url.path == "/example/briefing/new/main/briefing_src/articles"
    query = parse_qs(url.query)
    assert query["filename"] == ["embargo.annotations.yml"]
    assert query["value"][0].startswith("# Annotations of embargo.md")
    assert "- quote:" in query["value"][0]


def test_rebuilds_reparse_only_the_edited_file(project: Path) -> None:
    """What `mkdocs serve` does on an edit: the same plugin instance builds again."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    from briefing.core.sources import FileCache
    from briefing.hosts.plugin import BriefingPlugin

    config = load_config(str(project / "mkdocs.yml"))
    plugin = config.plugins["briefing"]
    assert isinstance(plugin, BriefingPlugin)
    plugin.cache = FileCache()  # MkDocs may hand out an instance an earlier test used
    config.plugins.on_startup(command="serve", dirty=False)
    build(config)
    assert plugin.cache.parsed == 8  # 5 entities, 2 articles, 1 annotations file
    (project / "briefing_src/articles/kling-launch.annotations.yml").write_text(
        "- quote: Kling AI is also sold abroad\n  kind: context\n  note: Edited.\n"
    )
    config = load_config(str(project / "mkdocs.yml"))
    assert config.plugins["briefing"] is plugin  # MkDocs reuses the instance
    assert isinstance(plugin, BriefingPlugin)  # (mypy took the check above as BasePlugin)
    build(config)
    assert plugin.cache.parsed == 1
    html = (Path(config.site_dir) / "articles/kling-launch/index.html").read_text()
    assert "Edited." in html


def test_limits_are_configurable(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "basic", plugin_options={"limits": "{max_quote_length: 20}"})
    result = run_build(project)
    assert not result.ok
    assert any("longer than the limit of 20" in e for e in result.errors())
    project = project_copy(tmp_path / "typo", plugin_options={"limits": "{max_qoute_length: 20}"})
    result = run_build(project)  # a configuration mistake: a clear error, no traceback
    assert not result.ok
    assert any("limits:" in m and "max_qoute_length" in m for m in result.messages)


def _svg_links(soup: Tag, selector: str) -> list[str]:
    return [attr(a, "href") for a in soup.select(f"{selector} a[href]")]


def test_entity_map_page(basic_site: BuildResult) -> None:
    soup = basic_site.html("map/index.html")
    svg = soup.select_one("figure.bf-map-figure svg.bf-map")
    assert svg is not None and svg["role"] == "group"
    nodes = svg.select("a.bf-node")
    assert sorted(a["data-id"] for a in nodes) == [
        "chip-embargo",
        "kling",
        "kuaishou",
        "openai",
        "sora",
    ]
    for a in nodes:  # each node leads to its entity's built page, relatively
        assert a["href"] == f"../glossary/{a['data-id']}/"
        assert (basic_site.site / "map" / a["href"] / "index.html").resolve().is_file()
        assert one(a, "title").get_text().startswith(one(a, "text").get_text())
    # The relations: kling-kuaishou, kling-sora (related), openai-sora; one line each.
    related = sorted((line["data-a"], line["data-b"]) for line in svg.select("line.bf-related"))
    assert related == [("kling", "kuaishou"), ("kling", "sora"), ("openai", "sora")]
    listed = [li.get_text(" ", strip=True) for li in soup.select(".bf-relations li")]
    assert "Kling — related — Kuaishou" in listed
    assert {one(li, "a")["href"] for li in soup.select(".bf-relations li")} <= {
        f"../glossary/{e}/" for e in ("chip-embargo", "kling", "kuaishou", "openai", "sora")
    }
    assert [i["value"] for i in soup.select(".bf-map-filter input")] == [
        "company",
        "product",
        "policy",
    ]
    nav = [a.get_text(strip=True) for a in soup.select("nav.md-nav--primary > ul > li > a")]
    assert "Map" in nav
    edit = attr(one(soup, "a[rel=edit]"), "href")
    assert edit.endswith("/tree/main/briefing_src/entities")


def test_entity_pages_have_their_small_map(basic_site: BuildResult) -> None:
    soup = basic_site.html("glossary/kling/index.html")
    figure = soup.select_one(".bf-neighbours figure.bf-ego-figure")
    assert figure is not None
    ids = {a["data-id"] for a in figure.select("a.bf-node")}
    assert {"kling", "kuaishou", "sora"} <= ids  # Kling, its related entities...
    assert "chip-embargo" in ids  # ... and what its article also mentions
    assert one(figure, "a.bf-centre")["data-id"] == "kling"
    lines = figure.select("line.bf-edge")
    assert len(lines) == len(ids) - 1  # one line from Kling to each
    assert all("kling" in (line["data-a"], line["data-b"]) for line in lines)
    for href in _svg_links(figure, "svg"):
        assert (basic_site.site / "glossary/kling" / href / "index.html").resolve().is_file()


def test_timeline_picture_above_the_list(basic_site: BuildResult) -> None:
    soup = basic_site.html("timeline/index.html")
    content = one(soup, "article.md-content__inner")
    figure = content.select_one("figure.bf-timeline-figure")
    assert figure is not None
    marks = figure.select("a.bf-mark")
    assert len(marks) == len(content.select("div.no-autolink li")) == 4
    for a in marks:
        assert (basic_site.site / "timeline" / attr(a, "href") / "index.html").resolve().is_file()
    # The picture comes first, the text list stays below it.
    order = [el.name for el in content.find_all(["figure", "ul"], recursive=True)]
    assert order.index("figure") < order.index("ul")


def test_figures_are_byte_identical_across_builds(project: Path, basic_site: BuildResult) -> None:
    again = run_build(project)
    assert again.ok
    for page in ("map/index.html", "timeline/index.html", "glossary/kling/index.html"):
        first = str(basic_site.html(page).select_one("figure.bf-figure"))
        second = str(again.html(page).select_one("figure.bf-figure"))
        assert first == second, page
