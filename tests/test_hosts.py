"""The shipped briefing built three ways: by the MkDocs plugin, and by ``briefing export``
built with plain MkDocs (no Briefing plugin) and with Zensical 0.0.73 (in
``.venv-zensical``, made by ``scripts/test``). Article pages must carry the same links,
highlights, notes and mention counts; entity pages the same "Mentioned in" lists. The
Zensical site is then read in Chromium: search by alias (``可灵`` included), notes,
no request to another origin."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from playwright.sync_api import Browser
from test_browser import Reader, reader_for

from briefing.core.sources import load_briefing
from briefing.hosts.export import export_project, unsafe_target
from briefing.hosts.markdown import makeExtension
from conftest import ROOT, BuildResult, attr, copy_shipped, one, run_build

ZENSICAL = ROOT / ".venv-zensical/bin/zensical"
BRIEFING = load_briefing(ROOT, "briefing_src")[0]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``briefing export`` of a copy of the shipped briefing, once per session."""
    project = copy_shipped(tmp_path_factory.mktemp("export-source") / "briefing")
    out = tmp_path_factory.mktemp("export") / "plain"
    result = export_project(project / "mkdocs.yml", out)
    assert [p.format() for p in result.problems] == []
    return out


@pytest.fixture(scope="module")
def export_mkdocs(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The export built by plain MkDocs with Material: no Briefing plugin."""
    folder = tmp_path_factory.mktemp("export-mkdocs") / "plain"
    shutil.copytree(exported, folder)
    result = run_build(folder)
    assert result.ok, result.messages
    return result


@pytest.fixture(scope="module")
def export_zensical(exported: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export built by Zensical 0.0.73; returns its site folder."""
    folder = tmp_path_factory.mktemp("export-zensical") / "plain"
    shutil.copytree(exported, folder)
    done = subprocess.run(
        [str(ZENSICAL), "build", "--clean"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr.upper().replace("WARNING: LOCATION", ""), done.stderr
    return folder / "site"


def soup(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text("utf-8"), "html.parser")


def content(page: BeautifulSoup) -> Tag:
    found = page.select_one("article.md-content__inner") or page.select_one("article")
    assert found is not None
    return found


def target(url: str, href: str) -> str:
    """Where a link leads, as a site path (hosts may write ``../..`` or ``../../``)."""
    path = urlsplit(urljoin(f"http://site/{url}", href))
    return path.path.rstrip("/") + (f"#{path.fragment}" if path.fragment else "")


def article_view(site: Path, url: str) -> dict[str, Any]:
    """What an article page says, host markup aside."""
    main = content(soup(site, url))
    return {
        "mentions": [
            (target(url, attr(a, "href")), a.get_text(), a.get("title"))
            for a in main.select("a.bf-mention")
        ],
        "counts": Counter(
            el["data-entity"] for el in main.select(".bf-mention, .bf-mention-repeat")
        ),
        "highlights": [(m["class"], m["data-annotation"], m.get_text()) for m in main("mark")],
        "markers": [(a["id"], a["href"], a.get_text()) for a in main.select("a.bf-marker")],
        "notes": [
            (li["id"], li.get("value"), " ".join(li.get_text().split()))
            for li in main.select("li.bf-annotation")
        ],
        "links": sorted(
            target(url, attr(a, "href"))
            for a in main.select("a[href]")
            if not attr(a, "href").startswith(("http:", "https:", "mailto:"))
            and "headerlink" not in a.get_attribute_list("class")
            and not a.find_parent(class_="md-content__button")
        ),
        "in_article": [a.get_text() for a in main.select(".bf-in-article a")],
        "meta": " ".join(one(main, ".bf-article-meta").get_text().split()),
    }


def mentioned_in(site: Path, url: str) -> list[tuple[str, str, list[str]]]:
    section = content(soup(site, url)).select_one(".bf-mentioned-in")
    assert section is not None
    return [
        (
            one(li, "a").get_text(),
            target(url, attr(one(li, "a"), "href")),
            [" ".join(q.get_text().split()) for q in li.select("blockquote")],
        )
        for li in section.select("li")
    ]


ARTICLES = [f"articles/{a.slug}/" for a in BRIEFING.articles]
ENTITIES = [f"glossary/{e}/" for e in sorted(BRIEFING.entities)]


def without_annotate(view: dict[str, Any]) -> dict[str, Any]:
    """The plugin build names the repository (GITHUB_REPOSITORY): "Annotate this
    article" in the dateline and its links. The export has no repository to name."""
    view = dict(view)
    view["meta"] = view["meta"].replace(" · Annotate this article", "")
    view["links"] = [link for link in view["links"] if "example/briefing" not in link]
    return view


@pytest.mark.parametrize("url", ARTICLES)
def test_articles_match_the_plugin_build(
    url: str, shipped_pdf: BuildResult, export_mkdocs: BuildResult, export_zensical: Path
) -> None:
    plugin = without_annotate(article_view(shipped_pdf.site, url))
    assert plugin["highlights"] and plugin["notes"] and plugin["mentions"]
    assert article_view(export_mkdocs.site, url) == plugin
    assert article_view(export_zensical, url) == plugin


def test_entity_pages_list_the_same_mentions(
    shipped_pdf: BuildResult, export_mkdocs: BuildResult, export_zensical: Path
) -> None:
    for url in ENTITIES:
        plugin = mentioned_in(shipped_pdf.site, url)
        assert mentioned_in(export_mkdocs.site, url) == plugin, url
        assert mentioned_in(export_zensical, url) == plugin, url
    assert mentioned_in(shipped_pdf.site, "glossary/kling/")


def test_figures_and_lists_reach_both_hosts(
    export_mkdocs: BuildResult, export_zensical: Path
) -> None:
    for site in (export_mkdocs.site, export_zensical):
        kling = content(soup(site, "glossary/kling"))
        figure = kling.select_one(".bf-neighbours svg")
        assert figure is not None and figure.find_all("a", href=True), "the figure and its links"
        assert "bf-figure-slot" not in str(kling)
        hrefs = {
            target("glossary/kling/", attr(a, "href")) for a in figure.find_all("a", href=True)
        }
        assert "/glossary/kuaishou" in hrefs
        figure = content(soup(site, "map")).select_one("svg.bf-map")
        assert figure is not None
        assert len(figure.find_all("a", href=True)) == len(BRIEFING.entities)
        assert content(soup(site, "timeline")).select_one("svg")
        glossary = content(soup(site, "glossary"))
        assert len(glossary.select("li > a")) >= len(BRIEFING.entities)
        assert (site / "briefing.json").is_file() and (site / "entities.csv").is_file()


def test_export_is_plugin_free(exported: Path) -> None:
    text = (exported / "mkdocs.yml").read_text("utf-8")
    # Paths in the extension's options start from mkdocs.yml's folder, wherever MkDocs runs.
    assert "project: !relative '$config_dir'" in text
    config = yaml.safe_load(text.replace("!relative '$config_dir'", "config-dir"))
    assert config["plugins"] == [{"search": {"separator": r"[\s\u200b\-]+"}}]
    names = [next(iter(e)) if isinstance(e, dict) else e for e in config["markdown_extensions"]]
    assert "briefing.hosts.markdown" in names
    toml = tomllib.loads((exported / "zensical.toml").read_text("utf-8"))["project"]
    assert toml["nav"] == config["nav"]
    assert "briefing.hosts.markdown" in toml["markdown_extensions"]
    kling = (exported / "docs/glossary/kling.md").read_text("utf-8")
    assert "template:" not in kling  # Briefing's theme templates need its Python
    assert "Mentioned in" in kling and "](../glossary/kuaishou.md)" in kling
    assert "\u200b可灵\u200b" in kling  # Zensical's search splits on the zero-width space


def test_export_refuses_the_project_itself(tmp_path: Path) -> None:
    project = copy_shipped(tmp_path / "briefing")
    assert unsafe_target(project / "mkdocs.yml", project)
    assert unsafe_target(project / "mkdocs.yml", tmp_path)
    assert unsafe_target(project / "mkdocs.yml", tmp_path / "out") is None


def test_extension_by_name_links_relative_to_the_page() -> None:
    """Outside a host the extension knows no page and leaves Briefing's docs-absolute
    links; under Zensical (its rendering context) they are relative to the page."""
    import markdown

    class Page:
        path = "notes/deep/page.md"
        title = "A page"

    class Context(markdown.preprocessors.Preprocessor):
        page = Page()

        def run(self, lines: list[str]) -> list[str]:
            return lines

    md = markdown.Markdown(extensions=[makeExtension(project=str(ROOT))])
    md.preprocessors.register(Context(md), "rendering_context", 0)
    html = md.convert("Kuaishou made [[kling]].")
    assert 'href="../../glossary/kling.md"' in html
    assert 'href="../../glossary/kuaishou.md"' in html
    bare = markdown.Markdown(extensions=[makeExtension(project=str(ROOT))])
    assert 'href="/glossary/kling.md"' in bare.convert("[[kling]]")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def zensical_url(export_zensical: Path) -> Iterator[str]:
    handler = functools.partial(_Handler, directory=str(export_zensical))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def zensical_reader(browser: Browser, zensical_url: str) -> Iterator[Reader]:
    yield from reader_for(browser, zensical_url, viewport={"width": 1280, "height": 900})


def search(reader: Reader, query: str) -> list[str]:
    """The result links Zensical's search shows for ``query``, in order."""
    page = reader.open()
    page.locator(".md-search__button").click()
    page.keyboard.type(query)
    results = page.get_by_role("listbox", name="Search results").get_by_role("option")
    results.first.wait_for()
    return [str(results.nth(i).get_attribute("href")) for i in range(results.count())]


@pytest.mark.browser
@pytest.mark.parametrize("query", ["可灵", "Kling AI", "Kling"])
def test_zensical_search_finds_an_entity_by_any_alias(zensical_reader: Reader, query: str) -> None:
    hits = search(zensical_reader, query)
    # Zensical ranks by its own rules (it has no `search: boost`): Kling's page among the
    # first results; for the Chinese name, which only the glossary page has as a word,
    # the first.
    assert any("glossary/kling/" in hit for hit in hits[:5]), hits
    if query == "可灵":
        assert "glossary/kling/" in hits[0], hits
        zensical_reader.shot("zensical-search-kling-cjk")


@pytest.mark.browser
def test_zensical_search_finds_chinese_names_of_others(zensical_reader: Reader) -> None:
    # Among the first results: articles that quote the Chinese name in running text (the
    # 2026 video article does) may rank above the glossary page (no `search: boost`).
    hits = search(zensical_reader, "快手")
    assert any("glossary/kuaishou/" in hit for hit in hits[:3]), hits


@pytest.mark.browser
def test_zensical_note_opens_and_the_site_stays_on_its_origin(zensical_reader: Reader) -> None:
    page = zensical_reader.open("articles/kling-waic-demo/")
    marker = page.locator("a.bf-marker").first
    note = page.locator("#" + str(marker.get_attribute("id")).replace("bf-ref-", "bf-pop-"))
    marker.click()
    note.wait_for(state="visible")
    assert note.get_attribute("role") == "dialog"
    zensical_reader.shot("zensical-note-open")
    page.keyboard.press("Escape")
    note.wait_for(state="hidden")
    for path in ("", "glossary/kling/", "map/", "timeline/", "glossary/"):
        zensical_reader.open(path)
    assert zensical_reader.foreign == []
    assert zensical_reader.failed == []
    assert zensical_reader.errors == []
