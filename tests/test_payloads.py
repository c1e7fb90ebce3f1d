"""The payload corpus (cases/payloads.yml) through the real build: every payload in its
place, one build for all of them, then every page, the search index and the PDF are
searched for anything a browser or a PDF reader would execute."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from bs4 import BeautifulSoup

from briefing.core.safety import SVG_TAGS, safe_style
from briefing.hosts import plugin
from briefing.site.search import as_search_reads
from conftest import BuildResult, attr, one, project_copy, run_build

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "cases" / "payloads.yml").read_text("utf-8")
)
LONG_SUMMARY = "word " * 40_000  # one 200 KB line
SITE_URL = "https://example.org/payloads/"


def _front(fields: dict[str, Any], body: str) -> str:
    dumped = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=10**9)
    return f"---\n{dumped}---\n{body}\n"


def _entity(cid: str, **fields: Any) -> str:
    base = {"name": f"Payload {cid}", "type": "concept", "summary": "A payload."}
    return yaml.safe_dump({**base, **fields}, allow_unicode=True, sort_keys=False)


def place(case: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The files that put ``case``'s payload in its place, and the page that shows it."""
    cid, where, payload = case["id"], case["where"], case["payload"]
    article = f"briefing_src/articles/{cid}.md"
    entity = f"briefing_src/entities/{cid}.yml"
    head = {"title": f"Payload {cid}", "date": "2024-01-01"}
    note = {"quote": "Quoted passage", "kind": "context", "note": "A note."}
    fields = {
        "title": ("title", payload),
        "summary": ("summary", payload),
        "tag": ("tags", [payload]),
        "author": ("authors", [payload]),
        "source-name": ("source", {"name": payload}),
        "source-url": ("source", {"name": "Wire", "url": payload}),
    }
    notes = {
        "note": {"note": payload},
        "note-source-url": {"sources": [{"title": "S", "url": payload}]},
        "note-source-title": {"sources": [{"title": payload, "url": "https://example.org/"}]},
        "note-author": {"author": payload},
    }
    entities = {
        "description": {"description": payload},
        "entity-summary": {"summary": payload},
        "name": {"name": payload},
        "alias": {"aliases": [payload]},
        "link-url": {"links": [{"title": "Click", "url": payload}]},
        "link-title": {"links": [{"title": payload, "url": "https://example.org/"}]},
        "related": {"related": [payload]},
    }
    if where == "body":
        return {article: _front(head, payload)}, f"articles/{cid}/index.html"
    if where in fields:
        key, value = fields[where]
        return {article: _front({**head, key: value}, "Text.")}, f"articles/{cid}/index.html"
    if where in notes:
        front = {**head, "annotations": [{**note, **notes[where]}]}
        return {article: _front(front, "Quoted passage here.")}, f"articles/{cid}/index.html"
    if where in entities:
        return {entity: _entity(cid, **entities[where])}, f"glossary/{cid}/index.html"
    if where == "article-file":
        return {
            article: payload.replace("LONG_SUMMARY", LONG_SUMMARY)
        }, f"articles/{cid}/index.html"
    if where == "entity-file":
        return {entity: payload}, f"glossary/{cid}/index.html"
    if where == "docs":
        return {f"docs/{cid}.md": payload}, f"{cid}/index.html"
    if where == "entity-filename":
        return {f"briefing_src/entities/{payload}.yml": _entity(cid)}, ""
    if where == "article-filename":
        return {f"briefing_src/articles/{payload}.md": _front(head, "Text.")}, ""
    raise AssertionError(f"unknown place {where!r}")


def write_corpus(root: Path, cases: list[dict[str, Any]]) -> dict[str, str]:
    """Every case in its place; a docs page mentions every payload entity by name (so
    their summaries become tooltips). Returns each case's page."""
    pages: dict[str, str] = {}
    mentions = ["# Mentions", ""]
    for case in cases:
        files, page = place(case)
        pages[case["id"]] = page
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        if page.startswith("glossary/"):
            mentions.append(f"- Payload {case['id']} here.")
    (root / "docs/mentions.md").write_text("\n".join(mentions) + "\n", encoding="utf-8")
    return pages


# --------------------------------------------------------------------------- the scan

URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")
BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "file:")
CHROME = "a.md-content__button, .md-source-file, .md-feedback"  # the theme's, in <article>


def browser_url(value: str) -> str:
    """A URL as a browser reads its scheme: no whitespace or control characters."""
    return "".join(c for c in value if c.isprintable() and not c.isspace()).lower()


def theme_scripts(site: Path) -> set[str]:
    """How the theme's inline scripts begin, on a clean build."""
    starts: set[str] = set()
    for page in site.rglob("*.html"):
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        for script in soup.find_all("script", src=False):
            starts.add(script.get_text()[:24])
    return starts


def executable(soup: BeautifulSoup, page: str, site: Path, theme: set[str]) -> Iterator[str]:
    """Everything in a built page that would run, load or restyle from content."""
    for script in soup.find_all("script"):
        if script.has_attr("src"):
            src = attr(script, "src")
            local = unquote(src.split("?")[0])
            file = (
                site / local.lstrip("/") if local.startswith("/") else (site / page).parent / local
            )
            if "//" in src or ":" in src.split("/")[0] or not file.resolve().is_file():
                yield f"script from elsewhere: {src}"
        elif script.get("type") == "application/json" and script.get("id") == "__config":
            continue
        elif script.get("type") == "application/ld+json":
            yield from data_block(script.string or "")
        elif script.get_text()[:24] not in theme:
            yield f"inline script not from the theme: {str(script)[:80]}"
    for el in soup.find_all(True):
        for name, value in el.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.startswith("on"):
                yield f"event handler {name} on <{el.name}>"
            if name in URL_ATTRIBUTES and browser_url(text).startswith(BAD_SCHEMES):
                yield f"{name}={text[:60]!r} on <{el.name}>"
            if name == "srcset" and any(
                browser_url(part.strip().split(" ")[0]).startswith(BAD_SCHEMES)
                for part in text.split(",")
            ):
                yield f"srcset={text[:60]!r}"
            if name == "http-equiv" and text.lower() == "refresh":
                yield "meta refresh"
        if el.name in ("base", "iframe", "frame", "object", "embed", "applet", "portal"):
            yield f"<{el.name}>"
    for el in soup.select("body meta, body link, body base"):
        yield f"<{el.name}> in the body"
    content = soup.select_one("article")
    if content is not None:
        for chrome in content.select(CHROME):
            chrome.decompose()
        # Briefing's own figures are SVG drawn from escaped names: no script or style in
        # them (their attributes went through the checks above with the rest).
        for figure in content.select("figure.bf-figure"):
            for el in figure.select("script, style, foreignObject, iframe, object, embed"):
                yield f"<{el.name}> in a figure"
            figure.decompose()
        for el in content.select("script, style, math, form, iframe, object, embed, link"):
            yield f"<{el.name}> in the content"
        # Icons are inline SVG (Material's emoji): shapes only, nothing that links or loads.
        for svg in content.select("svg"):
            for el in svg.find_all(True):
                if el.name not in SVG_TAGS:
                    yield f"<{el.name}> in an <svg> in the content"
        # Only the declarations Markdown syntax writes (alignment, a progress bar's
        # width, a list's numbering), every one of them: nothing to take away.
        for el in content.find_all(style=True):
            if safe_style(str(el["style"])) != el["style"]:
                yield f"style attribute on <{el.name}> in the content: {el['style']!r}"
        # Material's tooltips show titles with innerHTML: they must hold no markup.
        for el in content.find_all(title=True):
            if "<" in str(el["title"]):
                yield f"markup in a tooltip: {el['title'][:60]!r}"


def data_block(text: str) -> Iterator[str]:
    """A JSON-LD block is data: JSON with no '<' a parser could read as a tag, a comment
    or the block's end."""
    if "<" in text:
        yield f"'<' in a JSON-LD block: {text[text.index('<') - 20 : text.index('<') + 20]!r}"
    try:
        json.loads(text)
    except ValueError:
        yield f"a JSON-LD block that is not JSON: {text[:60]!r}"


SEARCH_TAGS = {"p", "code", "pre", "li", "ol", "ul", "sub", "sup"}


def search_markup(site: Path) -> Iterator[str]:
    """Material renders search results' titles and texts as HTML: only its own tags."""
    index = json.loads((site / "search/search_index.json").read_text("utf-8"))
    for doc in index["docs"]:
        for key in ("title", "text"):
            for el in BeautifulSoup(doc[key], "html.parser").find_all(True):
                if el.name not in SEARCH_TAGS or el.attrs:
                    yield f"{doc['location']}: <{el.name} {el.attrs}> in the search {key}"


# --------------------------------------------------------------------------- the build


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, dict[str, str]]:
    """The whole corpus, built once, not strictly (so that the pages of the payloads
    that are errors are published too, and can be searched)."""
    # A review period of one day: the review/ page lists every entity and note (names,
    # quotes and titles of the payloads), searched like every page.
    root = project_copy(
        tmp_path_factory.mktemp("payloads") / "basic",
        plugin_options={"review_period": "1", "editorial": "{review_due: info}"},
    )
    pages = write_corpus(root, CASES)
    result = run_build(root, strict=False)
    assert result.ok, result.messages
    assert (result.site / "review/index.html").is_file()
    return result, pages


@pytest.fixture(scope="module")
def theme(basic_site: BuildResult) -> set[str]:
    return theme_scripts(basic_site.site)


def test_no_page_holds_anything_executable(
    corpus: tuple[BuildResult, dict[str, str]], theme: set[str]
) -> None:
    result, _ = corpus
    found = []
    pages = sorted(result.site.rglob("*.html"))
    assert len(pages) > 60
    for path in pages:
        rel = path.relative_to(result.site).as_posix()
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        found += [f"{rel}: {problem}" for problem in executable(soup, rel, result.site, theme)]
    assert found == []


def test_no_search_result_holds_markup(corpus: tuple[BuildResult, dict[str, str]]) -> None:
    result, _ = corpus
    assert list(search_markup(result.site)) == []


def test_the_payload_markers_never_reach_a_script(
    corpus: tuple[BuildResult, dict[str, str]],
) -> None:
    """No ``alert(`` of a payload stands anywhere a browser would run it: in a script,
    or in any attribute but a tooltip's (escaped) title, a label, the description meta
    and a class (the theme's ``status``)."""
    result, _ = corpus
    for path in result.site.rglob("*.html"):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        for script in soup.find_all("script"):
            if script.get("type") == "application/ld+json":
                continue  # data, never run: see test_json_ld_blocks_hold_payloads_as_data
            assert "alert(" not in script.get_text(), path
        for el in soup.find_all(True):
            for name, value in el.attrs.items():
                if "alert(" in str(value):
                    assert name in ("title", "content", "aria-label", "class"), (path, el)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_payload_becomes(case: dict[str, Any], corpus: tuple[BuildResult, dict[str, str]]) -> None:
    result, pages = corpus
    page = pages[case["id"]]
    if case["becomes"] == "error":
        matching = [m for m in result.messages if case["message"] in m]
        assert matching, (case["message"], result.errors())
        for message in matching:
            assert re.match(r"(briefing: )?[^:]+:\d+:\d+: error: ", message), message
    if "warning" in case:
        assert any(
            ": warning: " in m and case["warning"] in m and f"{case['id']}." in m
            for m in result.messages
        ), (case["warning"], [m for m in result.messages if case["id"] in m])
    if "text" in case:
        soup = result.html(page)
        shown = " ".join(one(soup, "article").get_text(" ").split())
        squeezed = " ".join(one(soup, "article").get_text().split())
        text = " ".join(case["text"].split())
        assert text in shown or text in squeezed, (text, shown[:2000])


def test_the_corpus_fails_a_strict_build_and_keeps_the_site(tmp_path: Path) -> None:
    root = project_copy(tmp_path / "basic")
    assert run_build(root).ok
    before = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    write_corpus(root, [c for c in CASES if c["becomes"] == "error"])
    result = run_build(root)
    assert not result.ok
    after = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    assert after == before


def test_json_ld_blocks_hold_payloads_as_data(
    corpus: tuple[BuildResult, dict[str, str]],
) -> None:
    """The payloads reach the pages' JSON-LD as data: each block ends where it should,
    and reads back as exactly what the contributor wrote."""
    result, pages = corpus
    blocks = 0
    for path in result.site.rglob("*.html"):
        soup = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        for script in soup.find_all("script", type="application/ld+json"):
            assert list(data_block(script.string or "")) == [], path
            blocks += 1
    assert blocks > 40
    for case in CASES:
        if case["where"] not in ("summary", "author", "tag", "source-name"):
            continue
        (script,) = result.html(pages[case["id"]]).find_all("script", type="application/ld+json")
        news = json.loads(script.get_text())["@graph"][0]
        shown = {
            "summary": news.get("description"),
            "author": [a["name"] for a in news["author"]],
            "tag": news.get("keywords"),
        }
        expected = {
            "summary": case["payload"],
            "author": [case["payload"]],
            "tag": [case["payload"]],
        }
        if case["where"] in shown:
            assert shown[case["where"]] == expected[case["where"]], case["id"]


def test_the_open_data_files_hold_payloads_as_data(
    corpus: tuple[BuildResult, dict[str, str]],
) -> None:
    """The feed parses (no character XML forbids), the JSON files parse, and no cell of
    entities.csv starts a spreadsheet formula."""
    import csv

    import feedparser

    from briefing.cli.check import analyze_project
    from briefing.site.opendata import FEED, Site, anchorings, mentioned_on, open_data

    result, _ = corpus
    # The corpus is built without site_url (Material's 404 page would then hold absolute
    # script paths); its feed is made by the same function, with an address.
    analysis = analyze_project(result.project / "mkdocs.yml")
    assert analysis.briefing is not None
    files = open_data(
        analysis.briefing,
        Site("Payloads", SITE_URL),
        anchorings(analysis.context),
        mentioned_on(analysis.context),
    )
    feed = feedparser.parse(files[FEED].encode("utf-8"))
    assert not feed.bozo, feed.get("bozo_exception")
    summaries = {e.link: e.get("summary", "") for e in feed.entries}
    bell = summaries[f"{SITE_URL}articles/feed-control-chars/"]
    assert bell == "Bell, escape and form feed in a summary."
    close = next(e for e in feed.entries if e.link.endswith("/articles/jsonld-close/"))
    assert close.summary == "Ends </script><!-- <script>alert('jsonld-close')</script> here"
    for name in ("annotations.jsonld", "briefing.json"):
        json.loads((result.site / name).read_text("utf-8"))
    text = (result.site / "entities.csv").read_text("utf-8")
    rows = list(csv.reader(text.splitlines()))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    names = {row[0]: row for row in rows}
    assert names["csv-formula"][1] == '\'=HYPERLINK("https://example.org/","open")'
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in names["csv-formula-alias"][4]


def test_titles_escaped_for_tooltips(corpus: tuple[BuildResult, dict[str, str]]) -> None:
    """A summary with markup: shown as text on its page, escaped once more in the
    tooltips that Material fills with innerHTML."""
    result, _ = corpus
    soup = result.html("mentions/index.html")
    link = soup.select_one('a[data-entity="summary-markup"]')
    assert link is not None
    assert link["title"] == "A summary with &lt;b onclick=alert(1)&gt;bold&lt;/b&gt;."
    meta = one(result.html("glossary/summary-quote/index.html"), 'meta[name="description"]')
    assert (
        meta["content"] == "Breaks out \"><script>alert('summary-quote')</script> of the meta tag."
    )


def test_csp_does_not_allow_a_script_in_the_content() -> None:
    from briefing.site.csp import policy

    page = (
        "<html><head><script>theme()</script></head><body>"
        "<article><script>alert(1)</script></article></body></html>"
    )
    assert policy(page).count("'sha256-") == 1


# --------------------------------------------------------------------------- the PDF

PDF_PLACES = {"body", "note", "description", "entity-summary", "alias", "summary", "tag"}
DANGEROUS_KEYS = {
    "/JS",
    "/JavaScript",
    "/Launch",
    "/OpenAction",
    "/AA",
    "/SubmitForm",
    "/ImportData",
    "/GoToR",
    "/GoToE",
    "/RichMedia",
    "/EmbeddedFiles",
    "/AcroForm",
}


def pdf_objects(root: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of every dictionary reachable from ``root``."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                yield str(key), value
                if key != "/Parent":
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)


STRUCTURE_TYPES = tuple(
    f"/{name}"
    for name in (
        "Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private P H "
        "H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote Note "
        "Reference BibEntry Code Link Annot Ruby Warichu Figure Formula Form"
        # PDF 2.0's names (ISO 32000-2, 14.8.4), which Typst uses and role-maps to the above
        " Strong Em Title FENote Sub Aside DocumentFragment RB RT RP WT WP"
    ).split()
)
"""The standard structure types of a tagged PDF (ISO 32000-1 and -2, 14.8.4): the book is
one."""


def test_the_book_holds_no_script_and_fetches_nothing_outside(tmp_path: Path) -> None:
    from pypdf import PdfReader

    root = project_copy(tmp_path / "basic")
    cases = [c for c in CASES if c["where"] in PDF_PLACES and c["becomes"] != "error"]
    outside = {
        "id": "pdf-outside",
        "where": "body",
        "payload": "![secret](../../../../../../../../etc/hostname) and "
        '<img src="file:///etc/hostname"> and [a file](file:///etc/passwd) and '
        "![remote](https://example.org/x.png)",
    }
    write_corpus(root, [*cases, outside])
    result = run_build(root, strict=False, pdf=True)
    assert result.ok, result.messages
    # The fetcher reports whatever it refuses: only the remote image was asked for (the
    # relative path stays in the site, the file: URLs were dropped from the page).
    fetched = [m for m in result.errors() if "the PDF does not fetch" in m]
    assert [m.removeprefix("briefing: ").split(": error: ")[1] for m in fetched] == [
        "the PDF does not fetch https://example.org/x.png; it prints the picture's alternative text"
    ]
    book = PdfReader(result.site / "briefing.pdf")
    assert len(book.pages) > len(cases)
    uris = []
    for key, value in pdf_objects(book.trailer):
        assert key not in DANGEROUS_KEYS, key
        if key == "/S":  # an action's type, a transparency group's, or a structure element's
            assert str(value) in ("/URI", "/GoTo", "/Transparency", *STRUCTURE_TYPES), value
        if key == "/URI":
            uris.append(str(value))
    assert uris and all(u.startswith(("http:", "https:", "mailto:")) for u in uris), uris
    text = " ".join(page.extract_text() for page in book.pages)
    assert "Before after." in " ".join(text.split())  # the words of the payloads stay


LOOKALIKES = """---
title: Lookalikes
date: 2024-06-01
---

## Markup that looks like Briefing's {: .bf-chip #bf-heading }

<p class="bf-note" data-search-exclude="">Unsearchable lookalike words.</p>

<span class="bf-chip" title="a &gt; b">Chip words</span> stay searchable.

<div class="bf-about" data-x="1"><span class="linenodiv">Line words.</span></div>

Kling is named here, <mark class="bf-hl">marked words</mark> and <a class="headerlink" href="#x">link words</a>.

<div><span class="bf-chip">one</span>
   <span class="bf-chip">two</span><span class="bf-chip" data-search-exclude="">gone</span>
   <span class="bf-chip">three</span>  <mark class="bf-hl">four</mark>	five</div>
"""


def test_the_search_indexes_the_same_from_the_lighter_content(
    corpus: tuple[BuildResult, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Material's search reads Briefing's elements without their attributes, and its
    inline elements as their words (``as_search_reads``): the index is the same, byte for
    byte, as from the page's content, on the hostile corpus with an article of markup
    that looks like Briefing's (its classes, with ``data-search-exclude``, on a heading
    with an id, between runs of whitespace)."""
    result, _ = corpus
    indexes = {}
    lightened: list[int] = []

    def counted(html: str) -> str:
        light = as_search_reads(html)
        lightened.append(len(html) - len(light))
        return light

    monkeypatch.setattr(plugin, "as_search_reads", counted)
    for light in (True, False):
        root = tmp_path / f"light-{light}"
        shutil.copytree(result.project, root, ignore=shutil.ignore_patterns("site"))
        (root / "briefing_src/articles/lookalikes.md").write_text(LOOKALIKES, "utf-8")
        monkeypatch.setattr(plugin.BriefingPlugin, "light_search", light)
        built = run_build(root, strict=False)
        assert built.ok, built.messages
        indexes[light] = (built.site / "search/search_index.json").read_bytes()
        if light:
            assert sum(lightened) > 10_000, "the search read the lighter content"
    assert indexes[True] == indexes[False]
    docs = json.loads(indexes[True])["docs"]
    text = " ".join(doc["title"] + " " + doc["text"] for doc in docs)
    assert "Chip words" in text and "marked words" in text and "one two three four" in text
    assert "Unsearchable" not in text


def test_the_search_rewrite_reads_a_contributors_flood_in_one_pass() -> None:
    """A contributor's ``<span class="bf-chip">`` before a file's worth of letters (the
    limit is 1 MB) and another tag: the rewrite keeps the tag, bare, and the letters. Its
    first pattern tried every split of the letters against every end, in quadratic time
    (16,000 letters took 1.2 s; a megabyte would hold the build for hours)."""
    letters = "a" * 1_000_000
    flood = f'x <span class="bf-chip" data-n="1">{letters}<b>y</b></span> z'
    assert as_search_reads(flood) == f"x <span>{letters}<b>y</b></span> z"
    spaces = " " * 1_000_000
    assert as_search_reads(f'x <mark class="bf-hl">{spaces}</mark>y') == f"x <mark>{spaces}</mark>y"
