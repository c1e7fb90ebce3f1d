"""The built shipped briefing, served under /briefing/ as on GitHub Pages, read in
Debian's Chromium through Playwright: search, tooltips, notes, keyboard, phones, dark
mode, accessibility (axe-core) and a crawl of every page. Screenshots of what a
reader sees go to test-artifacts/."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page

from briefing.core.sources import load_briefing
from conftest import ROOT, BuildResult

pytestmark = pytest.mark.browser

AXE = ROOT / ".cache/npm/node_modules/axe-core/axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
ARTICLE = "articles/kling-waic-demo/"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site under /briefing/ only, like a GitHub Pages project site."""

    def translate_path(self, path: str) -> str:
        parts = urlsplit(path).path
        if not parts.startswith("/briefing/"):
            return str(Path(self.directory) / "__nothing_here__")
        return super().translate_path(parts.removeprefix("/briefing"))

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(shipped_pdf: BuildResult) -> Iterator[str]:
    handler = functools.partial(_Handler, directory=str(shipped_pdf.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/briefing/"
    server.shutdown()


class Reader:
    """A page plus everything it logged and requested."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.failed: list[str] = []
        origin = urlsplit(base_url).netloc
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "request",
            lambda r: (
                self.foreign.append(r.url)
                if urlsplit(r.url).scheme in ("http", "https") and urlsplit(r.url).netloc != origin
                else None
            ),
        )
        page.on(
            "response",
            lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )

    def open(self, path: str = "") -> Page:
        self.page.goto(urljoin(self.base_url, path))
        self.page.wait_for_load_state("networkidle")
        return self.page

    def shot(self, name: str, full_page: bool = False) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def wait_until(page: Page, predicate: str, arg: object = None, timeout: float = 10.0) -> None:
    """Poll ``predicate`` (a JS expression or function) until it is truthy. Playwright's
    own wait_for_function compiles the predicate with eval inside the page, which the
    site's Content-Security-Policy refuses; page.evaluate goes through the debugger."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {predicate}")
        page.wait_for_timeout(50)


def attribute(locator: Locator, name: str) -> str:
    """An attribute the element must have; the test fails when it has none."""
    value = locator.get_attribute(name)
    assert value is not None, f"{locator} has no {name!r}"
    return value


def reader_for(browser: Browser, base_url: str, **options: object) -> Iterator[Reader]:
    context = browser.new_context(**options)  # type: ignore[arg-type]  # its keywords, passed on
    page = context.new_page()
    yield Reader(page, base_url)
    context.close()


@pytest.fixture
def reader(browser: Browser, base_url: str) -> Iterator[Reader]:
    yield from reader_for(browser, base_url, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(browser: Browser, base_url: str) -> Iterator[Reader]:
    yield from reader_for(
        browser,
        base_url,
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


# ------------------------------------------------------------------ search


@pytest.mark.parametrize(
    "query, expected",
    [
        ("Kling", "glossary/kling/"),
        ("Kling AI", "glossary/kling/"),
        ("可灵", "glossary/kling/"),
        ("快手", "glossary/kuaishou/"),
        ("Robin Li", "glossary/robin-li/"),
        ("李彦宏", "glossary/robin-li/"),
        ("chip embargo", "glossary/us-export-controls/"),
    ],
)
def test_search_finds_the_entity_page_first(reader: Reader, query: str, expected: str) -> None:
    page = reader.open()
    page.locator("label.md-search__icon, input.md-search__input").first.click()
    field = page.locator("input.md-search__input")
    field.fill(query)
    field.press("End")  # Material searches on key events; typed Chinese comes from an IME
    wait_until(
        page,
        """(expected) => {
            const first = document.querySelector('.md-search-result__item > a');
            return first && new URL(first.href).pathname.endsWith('/briefing/' + expected);
        }""",
        expected,
    )


def test_search_finds_annotation_notes(reader: Reader) -> None:
    page = reader.open()
    # "ICARO" is written only in a note (the Qu Dongqi correction), never in an article's text.
    page.locator("input.md-search__input").fill("ICARO")
    page.locator("input.md-search__input").press("End")
    wait_until(
        page,
        """() => [...document.querySelectorAll('.md-search-result__item > a')]
            .some(a => a.href.includes('articles/kling-waic-demo/'))""",
    )


# ------------------------------------------------------------------ mentions and notes


def test_entity_tooltip_on_hover_and_on_keyboard_focus(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    link = page.locator("article a.bf-mention").first
    briefing, _ = load_briefing(ROOT)
    summary = briefing.entities[str(link.get_attribute("data-entity"))].summary
    link.hover()
    tooltip = page.locator(".md-tooltip2--active[role=tooltip]")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text().strip() == summary
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    for _ in range(80):  # the keyboard only: Tab until the first entity link has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('article a.bf-mention')"):
            break
    else:
        pytest.fail("no entity link reached with Tab")
    # Material shows the tooltip (and links it by aria-describedby) a moment after focus.
    wait_until(page, "document.activeElement.getAttribute('aria-describedby')")
    focused = page.evaluate("document.activeElement.getAttribute('aria-describedby')")
    tip = page.locator(f"#{focused}")
    tip.wait_for(state="visible")
    entity = page.evaluate("document.activeElement.dataset.entity")
    assert tip.inner_text().strip() == briefing.entities[entity].summary
    reader.shot("tooltip-keyboard")


def test_note_opens_by_click_and_keyboard_and_escape_returns_focus(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    marker = page.locator("a.bf-marker").first
    assert attribute(marker, "aria-label").startswith("Annotation 1: ")
    target = str(marker.get_attribute("id")).replace("bf-ref-", "bf-pop-")
    note = page.locator(f"#{target}")
    assert not note.is_visible()
    assert marker.get_attribute("aria-expanded") == "false"
    marker.click()
    note.wait_for(state="visible")
    assert note.get_attribute("role") == "dialog"
    assert attribute(note, "aria-label").startswith("Annotation 1")
    assert marker.get_attribute("aria-expanded") == "true"
    assert urlsplit(page.url).fragment == ""  # opened in place, not followed as a link
    reader.shot("note-open")
    marker.click()  # a second click closes it
    note.wait_for(state="hidden")
    marker.click()
    note.wait_for(state="visible")
    page.keyboard.press("Escape")
    note.wait_for(state="hidden")
    # Keyboard: Tab to the marker, Enter opens, Escape closes and focus stays on it.
    marker.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('bf-marker')")
    page.keyboard.press("Enter")
    note.wait_for(state="visible")
    page.keyboard.press("Tab")  # into the note: its close button
    assert page.evaluate(f"document.getElementById('{target}').contains(document.activeElement)")
    page.keyboard.press("Escape")
    note.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == marker.get_attribute("id")
    page.keyboard.press(" ")  # a button opens with Space too
    note.wait_for(state="visible")


def test_without_script_a_marker_leads_to_its_note(browser: Browser, base_url: str) -> None:
    for reader in reader_for(
        browser, base_url, viewport={"width": 1280, "height": 900}, java_script_enabled=False
    ):
        page = reader.open(ARTICLE)
        marker = page.locator("a.bf-marker").first
        key = str(marker.get_attribute("id")).removeprefix("bf-ref-")
        marker.click()
        wait_until(page, "location.hash.length > 1")
        assert page.evaluate("location.hash") == f"#bf-note-{key}"
        note = page.locator(f"#bf-note-{key}")
        assert note.is_visible() and note.evaluate("e => e.getBoundingClientRect().top") < 900
        assert not page.locator(".bf-popover").count()
        # and back to the passage
        note.locator("a.bf-quote").click()
        wait_until(page, f"location.hash === '#bf-ref-{key}'")


def test_annotation_list_links_back_to_the_passage(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    back = page.locator("ol.bf-annotation-list a.bf-quote").first
    href = attribute(back, "href")
    back.click()
    wait_until(page, "location.hash.length > 1")
    assert page.evaluate("location.hash") == href
    marker = page.locator(href)
    assert marker.is_visible() and marker.evaluate("e => e.getBoundingClientRect().top") < 900
    assert page.locator("mark.bf-flash").count() == 1
    # And the marker's note leads to the list.
    item = page.locator(f"#bf-note-{href.removeprefix('#bf-ref-')}")
    assert item.count() == 1


def test_kind_legend_and_colours(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    chips = page.locator(".bf-legend .bf-chip")
    labels = chips.all_inner_texts()
    assert set(labels) <= {
        "Context",
        "Fact-check",
        "Definition",
        "Analysis",
        "Correction",
        "Question",
        "Update",
    }
    assert len(labels) >= 4
    colours = {chip.evaluate("e => getComputedStyle(e).backgroundColor") for chip in chips.all()}
    assert len(colours) == len(labels)  # one colour per kind


def test_dark_mode(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    assert page.evaluate("document.body.dataset.mdColorScheme") == "default"
    page.locator("form[data-md-component=palette] label").first.click()
    wait_until(page, "document.body.dataset.mdColorScheme === 'slate'")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    mark = page.locator("mark.bf-hl").first
    assert mark.evaluate("e => getComputedStyle(e).color") != "rgb(0, 0, 0)"
    reader.shot("article-dark")


# ------------------------------------------------------------------ phones


@pytest.mark.parametrize("path", ["", ARTICLE, "glossary/", "glossary/kling/", "timeline/", "map/"])
def test_phone_has_no_horizontal_scrolling(phone: Reader, path: str) -> None:
    page = phone.open(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, (path, width)


def test_phone_map_keeps_a_readable_size_and_pans_in_its_frame(phone: Reader) -> None:
    page = phone.open("map/")
    frame = page.locator(".bf-map-pan")
    frame.scroll_into_view_if_needed()
    assert page.locator("svg.bf-map").evaluate("e => e.getBoundingClientRect().width") >= 600
    assert frame.evaluate("e => e.scrollWidth > e.clientWidth")  # it pans, the page does not
    label = page.locator("svg.bf-map .bf-label").first
    assert label.evaluate("e => e.getBoundingClientRect().height") >= 10  # px on screen
    frame.evaluate("e => { e.scrollLeft = e.scrollWidth / 3; }")
    phone.shot("map-phone")


def test_phone_notes_are_readable(phone: Reader) -> None:
    page = phone.open(ARTICLE)
    phone.shot("article-phone")
    marker = page.locator("a.bf-marker").first
    marker.scroll_into_view_if_needed()
    marker.tap()
    note = page.locator("#" + str(marker.get_attribute("id")).replace("bf-ref-", "bf-pop-"))
    note.wait_for(state="visible")
    box = note.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    size = note.evaluate(
        "e => parseFloat(getComputedStyle(e.querySelector('.bf-note p')).fontSize)"
    )
    assert size >= 12
    phone.shot("note-phone")


# ------------------------------------------------------------------ reader controls


def test_reader_controls_are_remembered_across_pages(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    repeats = page.locator("span.bf-mention-repeat")
    assert repeats.count() > 0 and page.locator("span.bf-mention-repeat a").count() == 0
    page.locator("button[data-control=bf-link-all]").click()
    assert page.locator("span.bf-mention-repeat a").count() == repeats.count()
    page.locator("button[data-control=bf-hide-highlights]").click()
    assert page.locator("a.bf-marker").first.is_hidden()
    other = reader.open("articles/open-source-strategy/")
    assert other.locator("button[data-control=bf-link-all]").get_attribute("aria-pressed") == "true"
    assert other.locator("span.bf-mention-repeat a").count() > 0
    assert other.locator("mark.bf-hl").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    ) in ("rgba(0, 0, 0, 0)", "transparent")
    other.locator("button[data-control=bf-hide-highlights]").click()
    assert other.locator("a.bf-marker").first.is_visible()


# ------------------------------------------------------------------ accessibility


def axe(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
        for v in violations
    )


# reading/: the legend of every kind's colours (Update included), in both schemes.
@pytest.mark.parametrize(
    "path", ["", ARTICLE, "glossary/kling/", "glossary/", "timeline/", "map/", "reading/"]
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(
    browser: Browser, base_url: str, path: str, scheme: str
) -> None:
    for reader in reader_for(
        browser,
        base_url,
        viewport={"width": 1280, "height": 900},
        color_scheme=scheme,
        bypass_csp=True,  # axe is injected as an inline script, which the CSP refuses
    ):
        page = reader.open(path)
        problems = axe(page)
        assert not problems, describe(problems)


def test_markers_and_tooltips_have_names_and_roles(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    for marker in page.locator("a.bf-marker").all():
        assert marker.get_attribute("aria-label")
    link = page.locator("article a.bf-mention").first
    link.hover()
    page.locator(".md-tooltip2--active").wait_for(state="visible")
    described = link.get_attribute("aria-describedby")
    assert described and page.locator(f"#{described}").get_attribute("role") == "tooltip"


# ------------------------------------------------------------------ the whole site


def test_every_page_loads_cleanly_and_stays_on_this_origin(
    reader: Reader, shipped_pdf: BuildResult
) -> None:
    seen: set[str] = set()
    queue = [reader.base_url]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        page = reader.open(url)
        for href in page.eval_on_selector_all(  # SVG links too: their .href is no string
            "a[href]", "els => els.map(e => new URL(e.getAttribute('href'), document.baseURI).href)"
        ):
            target = urlsplit(href)._replace(fragment="").geturl()
            if target.startswith(reader.base_url) and target.endswith("/") and target not in seen:
                queue.append(target)
    pages = [p for p in shipped_pdf.site.rglob("index.html") if p.parent.name != "search"]
    assert len(seen) == len(pages)  # every page is reachable by following links
    assert reader.errors == []
    assert reader.failed == []
    assert reader.foreign == []


def test_pdf_link_works(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    link = page.locator("nav.md-nav--primary a", has_text="Download PDF").first
    href = link.evaluate("e => e.href")
    assert href == urljoin(reader.base_url, "briefing.pdf")
    response = page.request.get(href)
    assert response.status == 200
    assert response.body()[:5] == b"%PDF-"


def test_screenshots(browser: Browser, base_url: str) -> None:
    """What a reader sees, kept as artifacts (looked at during development)."""
    shots: list[tuple[str, str, dict[str, object]]] = [
        ("home", "", {}),
        ("article-desktop-light", ARTICLE, {}),
        ("article-desktop-dark", ARTICLE, {"color_scheme": "dark"}),
        ("article-phone-light", ARTICLE, {"viewport": {"width": 375, "height": 740}}),
        (
            "article-phone-dark",
            ARTICLE,
            {"viewport": {"width": 375, "height": 740}, "color_scheme": "dark"},
        ),
        ("entity", "glossary/kling/", {}),
        ("glossary", "glossary/", {}),
    ]
    for name, path, options in shots:
        options = {"viewport": {"width": 1280, "height": 900}, **options}
        for reader in reader_for(browser, base_url, **options):
            reader.open(path)
            reader.shot(name)
            assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000


def test_annotate_this_passage(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    # This article has no annotations file yet: GitHub's "new file" page, prefilled.
    annotate = urlsplit(str(page.locator("a.bf-annotate-article").get_attribute("href")))
    assert annotate.path == "/example/briefing/new/main/briefing_src/articles"
    assert parse_qs(annotate.query)["filename"] == ["kling-waic-demo.annotations.yml"]
    # Select a passage spanning a highlight and its marker: the marker's number is no text.
    page.evaluate(
        """() => {
            const mark = document.querySelector('mark.bf-hl');
            const marker = document.querySelector('a.bf-marker');
            const range = document.createRange();
            range.setStart(mark.firstChild, 0);
            range.setEndAfter(marker.nextSibling || marker);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }"""
    )
    ui = page.locator(".bf-annotate-ui")
    ui.wait_for(state="visible")
    ui.locator(".bf-annotate-open").click()
    issue = ui.locator(".bf-annotate-issue")
    issue.wait_for(state="visible")
    query = parse_qs(urlsplit(attribute(issue, "href")).query)
    assert urlsplit(attribute(issue, "href")).path == "/example/briefing/issues/new"
    assert query["template"] == ["suggest-annotation.yml"]
    assert query["article"] == ["kling-waic-demo"]
    quote = query["quote"][0]
    assert quote.startswith("turns written prompts") and "1" not in quote
    entry = ui.locator(".bf-annotate-yaml").inner_text()
    assert entry.startswith(f"- quote: {json.dumps(quote)}\n")
    assert "kind: context" in entry and "note: |" in entry
    page.keyboard.press("Escape")
    ui.wait_for(state="hidden")


def test_content_security_policy_stops_injected_scripts(reader: Reader) -> None:
    page = reader.open(ARTICLE)
    csp = attribute(page.locator('meta[http-equiv="Content-Security-Policy"]'), "content")
    assert "script-src 'self' 'sha256-" in csp and "unsafe-inline" not in csp.split(";")[1]
    # The theme's own inline scripts run (search works, no violation so far) ...
    assert reader.errors == []
    # ... and a script that slipped into the page would not.
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__injected = 1'; document.body.append(s); }"""
    )
    assert page.evaluate("window.__injected") is None
    assert any("Content Security Policy" in e for e in reader.errors)


# ------------------------------------------------------------------ figures


def test_entity_map_by_keyboard_and_type_filter(reader: Reader) -> None:
    page = reader.open("map/")
    nodes = page.locator("svg.bf-map a.bf-node")
    briefing, _ = load_briefing(ROOT)
    assert nodes.count() == len(briefing.entities)
    caption = page.locator(".bf-map-figure .bf-figure-caption")
    for _ in range(120):  # the keyboard only: Tab until a node of the map has focus
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('svg.bf-map a.bf-node')"):
            break
    else:
        pytest.fail("no node of the map reached with Tab")
    entity = page.evaluate("document.activeElement.dataset.id")
    assert briefing.entities[entity].summary in caption.inner_text()
    # Its connections stand out, the rest fades.
    assert page.locator(".bf-map-figure.bf-focusing").count() == 1
    faded = page.locator("svg.bf-map a.bf-node:not(.bf-near)").first
    assert float(faded.evaluate("el => getComputedStyle(el).opacity")) < 0.5
    reader.shot("map-keyboard")
    page.keyboard.press("Enter")  # follows the node to the entity's page
    page.wait_for_url(f"**/glossary/{entity}/")
    assert page.locator("figure.bf-ego-figure a.bf-centre").get_attribute("data-id") == entity
    reader.shot("entity-neighbours")
    # The legend filters: unticking a type hides its entities (no script needed).
    page = reader.open("map/")
    companies = page.locator("svg.bf-map a.bf-node.bf-of-company").first
    assert companies.is_visible()
    page.locator('.bf-map-filter input[value="company"]').uncheck()
    assert not companies.is_visible()
    assert page.locator("svg.bf-map a.bf-node.bf-of-product").first.is_visible()
    assert reader.errors == [] and reader.foreign == []


def test_timeline_picture(reader: Reader) -> None:
    page = reader.open("timeline/")
    marks = page.locator("svg.bf-timeline a.bf-mark")
    assert marks.count() == page.locator("article div.no-autolink li").count()
    marks.first.hover()
    assert (
        page.locator(".bf-timeline-figure .bf-figure-caption")
        .inner_text()
        .startswith(str(marks.first.get_attribute("aria-label"))[:7])
    )
    page.locator(".bf-timeline-figure").screenshot(path=str(ARTIFACTS / "timeline-figure.png"))


class _PagesHandler(_Handler):
    """Like GitHub Pages: a missing path gets the site's 404.html, at that path."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def test_404_page_works_under_a_sub_path(browser: Browser, tmp_path: Path) -> None:
    """With site_url set (as the Pages workflow sets it from actions/configure-pages),
    the 404 page, served at any depth, finds its styles and scripts and links home."""
    import shutil

    from conftest import FIXTURES, run_build

    project = tmp_path / "basic"
    shutil.copytree(FIXTURES / "basic", project)
    site = project / "site"
    site.mkdir()
    handler = functools.partial(_PagesHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/briefing/"
    try:
        config = project / "mkdocs.yml"
        config.write_text(f"site_url: {base}\n" + config.read_text("utf-8"), "utf-8")
        assert run_build(project).ok
        for reader in reader_for(browser, base, viewport={"width": 1280, "height": 900}):
            page = reader.open("no/such/page/")
            assert reader.failed == [f"404 {base}no/such/page/"], reader.failed
            assert [e for e in reader.errors if "status of 404" not in e] == []
            position = page.evaluate(
                "getComputedStyle(document.querySelector('.md-header')).position"
            )
            assert position == "sticky"  # Material's stylesheet loaded
            home = page.evaluate("document.querySelector('a.md-header__button.md-logo').href")
            assert home == base
            reader.shot("404-under-sub-path")
    finally:
        server.shutdown()


CLOBBER = """# Names

Zanzibar.

## __config

## __search

## __md_scope {#__md_hash}

=== "__tabbed"

    One.

=== "Two"

    Two.

```python linenums="1"
x = 1
```
"""


def own_errors(reader: Reader) -> list[str]:
    """The page's console errors but those of GitHub's API, which the Material fixture's
    ``repo_url`` makes Material ask for its stars (its ``csp_sources`` allow
    api.github.com, which this machine cannot reach)."""
    return [
        e
        for e in reader.errors
        if "Content Security Policy" not in e and "ERR_NAME_NOT_RESOLVED" not in e
    ]


def test_content_ids_cannot_clobber_materials_globals(browser: Browser, tmp_path: Path) -> None:
    """Headings whose toc slug starts with "__" (Material's toc and permalink settings,
    the Material fixture's extensions) get no id of Material's: its configuration is
    read, and search works on that very page; the content tabs' and code lines' own
    "__" ids survive."""
    import shutil

    from conftest import FIXTURES, run_build

    project = tmp_path / "material"
    shutil.copytree(FIXTURES / "material", project)
    (project / "docs/names.md").write_text(CLOBBER, "utf-8")
    result = run_build(project)
    assert result.ok, result.messages
    html = (result.site / "names/index.html").read_text("utf-8")
    content = html[html.index('<article class="md-content__inner') : html.index("</article>")]
    ids = re.findall(r'\b(?:id|for|name)="(__[^"]*)"', content)
    assert ids and all(re.fullmatch(r"__tabbed_\d+(_\d+)?|__codelineno-\d+-\d+", i) for i in ids), (
        ids
    )
    assert {'id="_config"', 'id="_search"', 'id="_md_scope"'} <= set(
        re.findall(r'id="_[a-z_]+"', content)
    )
    assert "__codelineno-0-1" in ids and "__tabbed_1_1" in ids
    handler = functools.partial(_Handler, directory=str(result.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/briefing/"
    try:
        for reader in reader_for(browser, base, viewport={"width": 1280, "height": 900}):
            page = reader.open("names/")
            # (the fixture's repo_url makes Material ask GitHub for its stars: its
            # csp_sources allow api.github.com, which this machine cannot reach; any
            # script error, or a file of the site's own that fails, would be listed)
            assert own_errors(reader) == [], reader.errors
            page.locator("label.md-search__icon, input.md-search__input").first.click()
            field = page.locator("input.md-search__input")
            field.fill("Zanzibar")
            field.press("End")
            wait_until(
                page,
                """() => [...document.querySelectorAll('.md-search-result__item > a')]
                    .some(a => a.href.endsWith('/briefing/names/'))""",
            )
            assert own_errors(reader) == [], reader.errors
    finally:
        server.shutdown()
