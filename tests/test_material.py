"""Briefing in a Material site that uses every extension Material documents: with the
plugin, every page is the same as without it, apart from the added links.

The fixture ``material`` enables attr_list, abbr, def_list, footnotes, md_in_html,
toc, tables, admonition and the pymdownx set (details, superfences with mermaid,
tabbed, emoji with Material's icons, snippets with auto-appended abbreviations,
highlight, inlinehilite, keys, mark, caret, tilde, critic, arithmatex, tasklist),
uses buttons, grids, code annotations and Material's blog, and names entities after
the features (button, tabs, icon, search, plugin, CSP, Material). Each feature is
used in a docs page and in an article; the article's plain twin is the same text as
an ordinary page.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from briefing.core.diagnostics import Diagnostics
from briefing.devtools import lookalike
from briefing.devtools.parity import (
    canonical,
    compare_sites,
    content,
    differences,
    mention_problems,
)
from briefing.hosts.themesources import GOOGLE_ANALYTICS, theme_sources
from briefing.site.csp import check_sources, policy
from briefing.site.pagemeta import check_meta, safe_meta
from conftest import BuildResult, attr, configure, one, project_copy, run_build, write

# What Briefing adds to an article's content by design: annotation highlights and
# markers, and the list of notes (its heading, legend and list).
ARTICLE_ADDITIONS = "a.bf-marker, h2#annotations, p.bf-legend, ol.bf-annotation-list"


def plain_and_briefed(root: Path, fixture: str) -> tuple[Path, Path]:
    """Two copies of a fixture site: without Briefing (no plugin, no sources), and as
    it is."""
    briefed = project_copy(root / "briefing", fixture)
    plain = project_copy(root / "plain", fixture)
    config = (plain / "mkdocs.yml").read_text("utf-8")
    config = re.sub(r"  - briefing:\n(      .*\n)*", "", config)
    (plain / "mkdocs.yml").write_text(config, "utf-8")
    return plain, briefed


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, BuildResult]:
    plain, briefed = plain_and_briefed(tmp_path_factory.mktemp("material"), "material")
    # The article as an ordinary page at the same address: its body, its title.
    article = (plain / "briefing_src/articles/features.md").read_text("utf-8")
    body = article.split("\n---\n", 1)[1]
    twin = plain / "docs/articles/features.md"
    twin.parent.mkdir(parents=True)
    twin.write_text("---\ntitle: Everything Material makes\n---\n" + body, "utf-8")
    shutil.rmtree(plain / "briefing_src")
    results = run_build(plain), run_build(briefed)
    for result in results:
        assert result.ok, result.messages
    return results


def test_every_page_is_the_same_apart_from_the_links(
    sites: tuple[BuildResult, BuildResult],
) -> None:
    plain, briefed = sites
    pages = sorted(p.relative_to(plain.site).as_posix() for p in plain.site.rglob("*.html"))
    # Docs pages, blog posts, the blog's index, archive and category pages, the redirect.
    assert {
        "index.html",
        "guide/setup/index.html",
        "blog/index.html",
        "blog/archive/2024/index.html",
        "blog/category/search/index.html",
        "blog/2024/05/01/the-search-plugin-arrives/index.html",
        "old-page/index.html",
    } <= set(pages)
    found = compare_sites(plain.site, briefed.site)
    found.pop("articles/features/index.html", None)  # Briefing's own layout: below
    assert found == {}, "\n\n".join(f"{page}:\n{diff}" for page, diff in found.items())
    # Each page's rendered Markdown, the article's included (with its notes taken out).
    contents = sorted((plain.project / "contents").rglob("*.html"))
    assert len(contents) >= 8
    for page in contents:
        rel = page.relative_to(plain.project)
        twin = briefed.project / rel
        cut = ARTICLE_ADDITIONS if rel.as_posix().startswith("contents/articles/") else ""
        html = twin.read_text("utf-8")
        if cut:  # the highlights go, their words stay
            html = re.sub(r'<mark class="bf-hl[^"]*"[^>]*>(.*?)</mark>', r"\1", html, flags=re.S)
        assert differences(page.read_text("utf-8"), html, cut) is None, rel


def test_the_comparison_sees_a_change_of_text_or_markup() -> None:
    page = '<div class="md-content"><p>The <a class="bf-mention" href="x">search</a> box</p></div>'
    assert (
        differences(page.replace('<a class="bf-mention" href="x">search</a>', "search"), page)
        is None
    )
    assert differences(page.replace("box", "boxes"), page) is not None
    assert differences(page.replace("<p>", '<p class="x">'), page) is not None
    same = '<div class="md-content"><td style="text-align: left;">a  b</td></div>'
    assert canonical(content(same)) == canonical(
        content(same.replace(": left;", ":left").replace("  ", "\n"))
    )


def test_mentions_stay_out_of_controls_titles_and_identifiers(
    sites: tuple[BuildResult, BuildResult],
) -> None:
    _, briefed = sites
    assert mention_problems(briefed.site) == []
    index = briefed.html("index.html")
    linked = {a["data-entity"] for a in index.select("article a.bf-mention")}
    assert {"search", "plugin", "button", "icon", "tabs", "material"} <= linked
    # CSP is an abbreviation on the page: it keeps its <abbr> and is never a mention.
    assert "csp" not in linked and not index.select("abbr .bf-mention, .bf-mention abbr")
    assert [a.get_text() for a in index.select("article abbr")][:1] == ["CSP"]
    # Words joined into identifiers are left alone.
    identifiers = index.select_one("p#identifiers")
    assert identifiers is not None and identifiers.select(".bf-mention, .bf-mention-repeat") == []
    # Attribute lists still apply: buttons keep their classes, no braces are left.
    assert index.select("a.md-button.md-button--primary")
    assert not re.search(r"\{\s*[.#:]", one(index, "article").get_text())


def test_material_markup_survives(sites: tuple[BuildResult, BuildResult]) -> None:
    _, briefed = sites
    for page in ["index.html", "articles/features/index.html"]:
        soup = briefed.html(page)
        article = one(soup, "article")
        # Content tabs work: the radio inputs keep their group name and state.
        inputs = article.select(".tabbed-set > input")
        assert inputs and all(i.get("name") for i in inputs), page
        assert inputs[0].has_attr("checked")
        # Icons are inline SVG, table columns keep their alignment.
        assert article.select("span.twemoji svg path[d]"), page
        assert one(article, "svg")["viewbox"]
        # (as Python-Markdown writes them: the filter never writes a style again)
        assert [th.get("style") for th in article.select("th")][:3] == [
            "text-align: left;",
            "text-align: center;",
            "text-align: right;",
        ]
        assert article.select("details summary") and article.select("abbr[title]"), page
    # The blog's excerpts end at <!-- more -->: the index shows no text after the cut.
    index = one(briefed.html("blog/index.html"), "div.md-content").get_text()
    assert "The search plugin is here" in index and "After the cut" not in index


def test_excerpts_link_relative_and_first_mention_per_page(
    sites: tuple[BuildResult, BuildResult],
) -> None:
    _, briefed = sites
    index = one(briefed.html("blog/index.html"), "div.md-content")
    linked = [a["data-entity"] for a in index.select("a.bf-mention")]
    assert linked and len(linked) == len(set(linked)), linked  # first mention of the page
    for a in index.select("a.bf-mention"):
        assert attr(a, "href").startswith("../glossary/"), a["href"]
    # "Mentioned in" credits the post, never the blog's index.
    glossary = one(briefed.html("glossary/plugin/index.html"), "article")
    mentioned = {attr(a, "href") for a in glossary.select("a[href]")}
    assert any("blog/2024/05/01/the-search-plugin-arrives/" in h for h in mentioned), mentioned
    assert not any(h.rstrip("/").endswith("blog") for h in mentioned), mentioned


def test_the_site_keeps_its_own_settings(sites: tuple[BuildResult, BuildResult]) -> None:
    _, briefed = sites
    index = briefed.html("index.html")
    # The theme's features and the search settings are the site's: Briefing adds none
    # (no Chinese names here, so no search dictionary or separator either).
    configs = [json.loads(one(r.html("index.html"), "#__config").get_text()) for r in sites]
    assert configs[0]["features"] == configs[1]["features"]
    searches = [
        json.loads((r.site / "search/search_index.json").read_text("utf-8"))["config"]
        for r in sites
    ]
    assert searches[0] == searches[1]
    # Edit links of hand-written pages: the site's repo_url and edit_uri.
    edit = one(index, "a[rel=edit]")
    assert edit["href"] == "https://github.com/example/fixture/edit/develop/docs/index.md"
    # Briefing's pages: the branch of the site's edit_uri.
    article = one(briefed.html("articles/features/index.html"), "a[rel=edit]")
    assert attr(article, "href").startswith("https://github.com/example/fixture/edit/develop/")
    # The CSP is extended as configured, and by what the site's settings load: the
    # theme's web fonts, Mermaid (a `mermaid` fence) and the repository's facts.
    csp = attr(one(index, 'meta[http-equiv="Content-Security-Policy"]'), "content")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["img-src"] == ["'self'", "data:", "https:"]
    assert directives["style-src"] == ["'self'", "'unsafe-inline'", "https://fonts.googleapis.com"]
    assert directives["font-src"] == ["'self'", "data:", "https://fonts.gstatic.com"]
    assert directives["connect-src"] == ["'self'", "https://api.github.com"]
    assert "https://unpkg.com/mermaid@11/dist/mermaid.min.js" in directives["script-src"]
    assert not any(s.endswith("unpkg.com") for s in directives["script-src"])  # that script
    # The site's own nav, then Briefing's sections.
    nav = [
        a.get_text(" ", strip=True)
        for a in index.select(".md-nav--primary > .md-nav__list > li > :is(a, label)")
    ]
    for section in ["Setup", "Blog", "Articles", "Glossary", "Map", "Timeline"]:
        assert any(section in item for item in nav), (section, nav)
    # A redirect to a page of the same site is kept.
    redirect = (briefed.site / "old-page/index.html").read_text("utf-8")
    assert "../guide/setup/" in redirect and 'http-equiv="refresh"' in redirect


def test_chinese_search_is_a_documented_choice(project: Path) -> None:
    """The basic briefing has Chinese names: by default they go into the search's jieba
    dictionary and the zero-width space into its separator; ``cjk_search: false``
    leaves the search as the site configured it."""
    configure(project, {"cjk_search": "false"})
    result = run_build(project)
    assert result.ok, result.messages
    index = json.loads((result.site / "search/search_index.json").read_text("utf-8"))
    assert index["config"]["separator"] == "[\\s\\-]+"  # Material's own for English


def test_trusted_docs_pass_as_written(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "site", "material")
    (project / "docs/embed.md").write_text(
        '# Embed\n\n<iframe src="https://example.org/player"></iframe>\n\n'
        '<p style="color: teal">Teal text.</p>\n\nThe search, in Markdown.\n',
        "utf-8",
    )
    config = (project / "mkdocs.yml").read_text("utf-8")
    for trusted in (False, True):
        text = config.replace(
            "      pdf: false\n", f"      pdf: false\n      trusted_docs: {str(trusted).lower()}\n"
        )
        (project / "mkdocs.yml").write_text(text, "utf-8")
        result = run_build(project)
        assert result.ok, result.messages
        page = one(result.html("embed/index.html"), "article")
        assert bool(page.select("iframe")) is trusted
        assert bool(page.select('p[style="color: teal"]')) is trusted
        assert page.select("a.bf-mention")  # trusted or not, mentions are linked


def test_blog_authors_are_text(tmp_path: Path) -> None:
    """Material's blog prints the authors of docs/blog/.authors.yml (a contributor's
    file) as HTML outside the page's content: they are escaped, an unsafe link dropped
    with an error at its line."""
    project = project_copy(tmp_path / "site", "material")
    write(
        project,
        {
            "docs/blog/.authors.yml": """
            authors:
              eve:
                name: "Eve<script>alert('name')</script>"
                description: <img src=x onerror=alert(2)>
                avatar: 'https://example.org/a.png" onerror="alert(3)'
                url: javascript:alert(4)
            """
        },
    )
    post = project / "docs/blog/posts/first.md"
    post.write_text(post.read_text("utf-8").replace("---\n", "---\nauthors: [eve]\n", 1))
    result = run_build(project)
    assert not result.ok
    assert (
        "briefing: docs/blog/.authors.yml:6:10: error: unsafe URL 'javascript:alert(4)' of "
        "the blog's author 'eve' dropped: only http, https, mailto and relative links"
    ) in result.messages
    result = run_build(project, strict=False)
    for page in ["blog/index.html", "blog/2024/05/01/the-search-plugin-arrives/index.html"]:
        soup = result.html(page)
        # The name is the avatar's alternative text, as text.
        assert soup.select("img[alt=\"Eve<script>alert('name')</script>\"]"), page
        assert soup.select("script:-soup-contains('alert')") == []
        assert not [el for el in soup.find_all(True) if "onerror" in el.attrs]
        assert not soup.select('a[href^="javascript:"]')


def test_the_book_prints_material_emoji_and_fetches_nothing(tmp_path: Path) -> None:
    """pymdownx.emoji draws ``:smile:`` as an image from a CDN (twemoji): the book prints
    the emoji it stands for (its alternative text) in the colour emoji font, and its
    icons (inline SVG) as pictures; the strict build with the book passes."""
    from pypdf import PdfReader

    project = project_copy(tmp_path / "site", "material")
    config = (project / "mkdocs.yml").read_text("utf-8")
    (project / "mkdocs.yml").write_text(config.replace("pdf: false", "pdf: true"), "utf-8")
    result = run_build(project, pdf=True)
    assert result.ok, result.messages
    page = result.html("articles/features/index.html").select_one("article img.twemoji")
    assert page is not None and attr(page, "src").startswith("https://")  # the site's own image
    text = " ".join(p.extract_text() for p in PdfReader(result.site / "briefing.pdf").pages)
    assert "and \U0001f604." in text, text


@pytest.mark.parametrize(
    ("location", "allowed"),
    [
        ("../guide/setup/", True),
        ("other.html#part", True),
        ("https://example.org/", False),
        ("//example.org/", False),
        ("/\\example.org/", False),
        ("/absolute/", False),
        ("javascript:alert(1)", False),
        (None, False),
    ],
)
def test_a_redirect_may_only_go_to_a_relative_page(location: str | None, allowed: bool) -> None:
    meta = {"template": "redirect.html", "location": location}
    diags = Diagnostics()
    check_meta(meta, "docs/old.md", "---\ntemplate: redirect.html\n---\n", diags)
    assert (not diags.errors) is allowed, diags.items
    assert ("template" in safe_meta(meta)) is allowed


def test_csp_sources_extend_known_directives_only() -> None:
    assert check_sources({"img-src": "https:", "connect-src": "https://a.example 'self'"}) == []
    assert check_sources({"img-src": "https:; script-src *"})  # no second directive
    assert check_sources({"script-src": "'unsafe-hashes' \"x"})
    assert check_sources({"made-up-src": "https:"})
    page = "<html><head></head><body></body></html>"
    extended = policy(page, {"img-src": "https:", "media-src": "https:"})
    assert "img-src 'self' data: https:" in extended
    assert "media-src 'self' https:" in extended  # extended, it keeps the site's own
    assert "media-src" not in policy(page)


SITE_SETTINGS = {
    "material defaults": (
        "theme: material\n",
        {"style-src": "https://fonts.googleapis.com", "font-src": "https://fonts.gstatic.com"},
    ),
    "no web fonts": ("theme: {name: material, font: false}\n", {}),
    "fonts kept on the site": ("theme: material\nplugins: [privacy]\n", {}),
    "another theme": ("theme: mkdocs\nrepo_url: https://github.com/o/r\n", {}),
    "github": (
        "theme: {name: material, font: false}\nrepo_url: https://github.com/o/r\n",
        {"connect-src": "https://api.github.com"},
    ),
    "gitlab": (
        "theme: {name: material, font: false}\nrepo_url: https://gitlab.example.org/o/r\n",
        {"connect-src": "https://gitlab.example.org"},
    ),
    "google analytics": (
        "theme: {name: material, font: false}\nextra: {analytics: {provider: google}}\n",
        GOOGLE_ANALYTICS,
    ),
    "mermaid": (
        "theme: {name: material, font: false}\nmarkdown_extensions:\n  - pymdownx.superfences:"
        "\n      custom_fences: [{name: mermaid, class: mermaid}]\n",
        {"script-src": "https://unpkg.com/mermaid@11/dist/mermaid.min.js"},
    ),
    "scripts and styles by URL": (
        "theme: {name: material, font: false}\n"
        "extra_javascript: [js/own.js, 'https://cdn.example.org/katex.js?v=1', "
        "'https://cdn.example.org/a,b.js']\n"
        "extra_css: ['https://cdn.example.org/katex.css', css/own.css]\n"
        "extra: {polyfills: ['https://polyfill.example.net/v3/polyfill.min.js']}\n",
        {
            # The script itself (a path matches as a path); one whose URL holds a
            # separator of the policy, by its origin.
            "script-src": "https://cdn.example.org/katex.js https://cdn.example.org "
            "https://polyfill.example.net/v3/polyfill.min.js",
            "style-src": "https://cdn.example.org/katex.css",
        },
    ),
}


@pytest.mark.parametrize("case", SITE_SETTINGS)
def test_the_policy_allows_what_the_sites_own_settings_load(tmp_path: Path, case: str) -> None:
    """A site's own settings keep loading what they load from other origins (SECURITY.md):
    the policy's sources for them come from mkdocs.yml alone."""
    from mkdocs.config import load_config

    settings, expected = SITE_SETTINGS[case]
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: S\n" + settings, "utf-8")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    assert theme_sources(config) == expected
    assert check_sources(dict(expected)) == []


# ------------------------------------------------------ in a reader's browser (issue 21)


@pytest.fixture(scope="module")
def themed(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, BuildResult]:
    """The ``themed`` fixture: a site with theme overrides (a banner, its own footer with
    a light/dark toggle through ``javascript:toggleScheme();`` and an ``onclick``,
    inline scripts in its templates), its own script and stylesheet, and trusted docs
    pages with inline scripts and handlers; built strictly with and without Briefing."""
    plain, briefed = plain_and_briefed(tmp_path_factory.mktemp("themed"), "themed")
    shutil.rmtree(plain / "briefing_src")
    results = run_build(plain), run_build(briefed)
    for result in results:
        assert result.ok, result.messages  # the strict build passes with Briefing too
    return results


@pytest.mark.browser
@pytest.mark.parametrize(
    ("fixture", "address", "skip"),
    [
        # The article's layout is Briefing's own (source box, notes): compared as HTML above.
        ("sites", "https://example.org/fixture/", {"articles/features/index.html"}),
        ("themed", "https://example.org/themed/", set()),
    ],
)
def test_every_page_looks_and_works_the_same_in_a_browser(
    request: pytest.FixtureRequest, browser: Browser, fixture: str, address: str, skip: set[str]
) -> None:
    """Every page of both builds in Chromium, served at the site's own address: no new
    console error or CSP violation, the same computed styles on every element that is
    not Briefing's, the same ``__config``."""
    plain, briefed = request.getfixturevalue(fixture)
    found = lookalike.compare_sites(browser, plain.site, briefed.site, address, frozenset(skip))
    assert len(lookalike.pages_of(plain.site, frozenset(skip))) >= 3
    assert found == {}, "\n".join(
        f"{page}:\n  " + "\n  ".join(lines) for page, lines in found.items()
    )


@pytest.mark.browser
def test_a_targeted_footnote_looks_the_same(
    browser: Browser, sites: tuple[BuildResult, BuildResult]
) -> None:
    """A list item the address points at (a footnote, after its reference is followed)
    keeps the site's style; only Briefing's notes are highlighted when targeted (the
    comparison of every page opens none at a fragment)."""
    plain, briefed = sites
    context = lookalike.new_context(browser)
    host = lookalike.Host(context, "https://example.org/fixture/")
    page = context.new_page()
    read = """(id) => { const s = getComputedStyle(document.getElementById(id));
        return [s.backgroundColor, s.borderRadius, s.color].join(" | "); }"""

    def style(site: Path, address: str, target: str) -> str:
        host.folder = site
        page.goto("about:blank")  # the same address with a fragment would not reload
        page.goto(host.address + address + "#" + target, wait_until="load")
        page.evaluate(lookalike.SETTLE)
        assert page.evaluate("document.querySelector(':target')?.id") == target
        return str(page.evaluate(read, target))

    try:
        assert style(briefed.site, "", "fn:1") == style(plain.site, "", "fn:1")
        note = style(briefed.site, "articles/features/", "bf-note-1")
        assert not note.startswith("rgba(0, 0, 0, 0)")  # Briefing's own note: highlighted
    finally:
        context.close()


@pytest.mark.browser
def test_the_sites_own_scripts_work_with_briefings_policy(
    browser: Browser, themed: tuple[BuildResult, BuildResult]
) -> None:
    """The theme's javascript: URL and handler, its inline scripts, the site's own
    script and a trusted page's inline script and handlers all run under the policy."""
    _, briefed = themed
    index = briefed.html("index.html")
    csp = attr(one(index, 'meta[http-equiv="Content-Security-Policy"]'), "content")
    assert "'unsafe-hashes'" in csp and "'unsafe-inline'" not in csp.split(";")[1]
    context = lookalike.new_context(browser)
    host = lookalike.Host(context, "https://example.org/themed/")
    host.folder = briefed.site
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    scheme = "document.body.getAttribute('data-md-color-scheme')"

    def open_page(path: str) -> None:
        page.goto(host.address + path, wait_until="load")
        page.evaluate(lookalike.SETTLE)  # Material has set the palette it remembers

    def becomes(expression: str, value: str) -> bool:
        for _ in range(40):
            if page.evaluate(expression) == value:
                return True
            page.wait_for_timeout(50)
        return False

    try:
        open_page("")
        assert page.evaluate(scheme) == "default"
        page.click("#scheme-toggle")  # href="javascript:toggleScheme();"
        assert becomes(scheme, "slate")
        page.click("#scheme-button")  # onclick="toggleScheme()"
        assert becomes(scheme, "default")
        rows = page.eval_on_selector_all("#sortable td", "cells => cells.map(c => c.textContent)")
        assert rows == ["Aardvark", "Moose", "Zebra"]  # the page's own script sorted them
        assert page.evaluate("document.body.dataset.siteScript") == "ran"  # extra_javascript
        assert page.evaluate("document.documentElement.dataset.themeScript") == "ran"
        assert page.locator(".md-banner a", has_text="new release").is_visible()

        open_page("guide/tools/")
        assert page.evaluate("document.getElementById('picker').dataset.ready") == "yes"
        page.eval_on_selector(
            "#picker", "el => { el.value = '#ff0000'; el.dispatchEvent(new Event('input')); }"
        )
        background = "getComputedStyle(document.getElementById('swatch')).backgroundColor"
        assert becomes(background, "rgb(255, 0, 0)")  # oninput ran
        page.click("#void-link")  # href="javascript:void(0)" with an onclick
        assert becomes("document.getElementById('void-link').dataset.clicked", "yes")

        # A page of contributors' content: the theme's comments partial (inside the
        # <article>) runs its inline script, which stands as written in the template.
        open_page("articles/search-arrives/")
        assert page.evaluate("document.getElementById('site-comments').dataset.ready") == "yes"
        page.click("#scheme-toggle")
        assert becomes(scheme, "slate")
    finally:
        context.close()
    assert errors == []
