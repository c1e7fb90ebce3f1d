"""Does a site look and work the same in a reader's browser with Briefing added?

    python -m briefing.devtools.lookalike PLAIN_SITE BRIEFED_SITE [--skip PAGE ...]

serves two builds of one site (without and with the plugin), opens every page of the
first, and its twin in the second, in Chromium, and lists what differs: a console error
or a Content-Security-Policy violation that only the second has, the computed style
(colour, background, text decoration, font, display, visibility) of any element that is
not Briefing's, and Material's configuration (``__config``). Elements are matched by
their path in the document once Briefing's additions are taken out: its mention links
and highlights give their children to their parent, its markers and every element with a
``bf-`` class go. Elements only the second build has (Briefing's navigation entries)
are additions, not differences. ``tests/test_material.py`` runs it on two fixture
sites; ``briefing.devtools.parity`` compares the HTML.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from ..core import contract

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route

CHROMIUM = "/usr/bin/chromium"
STYLES = (
    "color",
    "background-color",
    "background-image",
    "text-decoration-line",
    "text-decoration-style",
    "text-decoration-color",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "display",
    "visibility",
)
"""The computed styles compared on every element."""

_SNAPSHOT = """
(styles) => {
  const SKIP = new Set(["SCRIPT", "STYLE", "LINK", "META", "TEMPLATE", "NOSCRIPT"]);
  const WRAPPERS = WRAPPERS_SELECTOR;
  const briefings = (el) =>
    Array.from(el.classList || []).some((name) => name.startsWith("bf-")) ||
    el.matches("h2#annotations");
  const kids = (el) => {
    const out = [];
    for (const child of el.children) {
      if (SKIP.has(child.tagName)) continue;
      if (child.matches(WRAPPERS)) out.push(...kids(child));
      else if (!briefings(child)) out.push(child);
    }
    return out;
  };
  const rows = {};
  const walk = (el, path) => {
    const style = getComputedStyle(el);
    rows[path] = styles.map((name) => style.getPropertyValue(name)).join(" | ");
    kids(el).forEach((child, i) => walk(child, `${path}/${child.tagName.toLowerCase()}[${i}]`));
  };
  walk(document.body, "body");
  const config = document.getElementById("__config");
  return {
    rows,
    config: config ? config.textContent : null,
    violations: window.__bfViolations || [],
  };
}
"""
_SNAPSHOT = _SNAPSHOT.replace(
    "WRAPPERS_SELECTOR",
    json.dumps(f"a.{contract.MENTION}, span.{contract.MENTION_REPEAT}, mark.{contract.HIGHLIGHT}"),
)

SETTLE = """
() => new Promise((resolve) => {
  // The page's scripts mount things after load (code annotations, tooltips): read it
  // once the number of elements has stayed the same for 150 ms (at most 3 s).
  let last = -1, same = 0, rounds = 0;
  const tick = () => {
    const now = document.getElementsByTagName("*").length;
    same = now === last ? same + 1 : 0;
    last = now;
    if (same >= 3 || ++rounds > 60) resolve();
    else setTimeout(tick, 50);
  };
  requestAnimationFrame(tick);
})
"""

_LISTEN = """
window.__bfViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__bfViolations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`.trim());
});
document.addEventListener("DOMContentLoaded", () => {
  // Styles are read once they are final: no transition or animation half-way.
  const still = document.createElement("style");
  still.textContent =
    "*, *::before, *::after { transition: none !important; animation: none !important; }";
  document.head.append(still);
});
"""
"""Run in every page before its own scripts (Playwright's init scripts are not subject to
the page's policy)."""


@dataclass
class View:
    """One page as the browser shows it."""

    rows: dict[str, str]
    config: object
    errors: list[str]
    """Console errors, uncaught exceptions and CSP violations."""


class Host:
    """Serves a built site at its own address (``site_url``, as when it is published),
    from a folder that can change between pages: the browser sees one origin, as a
    reader does, and the policy's 'self' is that origin."""

    def __init__(self, context: BrowserContext, address: str) -> None:
        self.address = address.rstrip("/") + "/"
        self.folder = Path()
        # Nothing leaves the machine: a request to another origin fails the same way
        # in both builds (unless the policy stops it first, which the comparison sees).
        context.route("**/*", lambda route: route.abort())
        context.route(self.address + "**", self.handle)

    def handle(self, route: Route) -> None:
        path = unquote(urlsplit(route.request.url).path)
        rel = path.removeprefix(urlsplit(self.address).path)
        file = self.folder / rel
        if file.is_dir():
            file = file / "index.html"
        if ".." in Path(rel).parts or not file.is_file():
            route.fulfill(status=404, body="not found")
            return
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        route.fulfill(status=200, body=file.read_bytes(), content_type=kind)


def view(page: Page, url: str) -> View:
    """Open ``url`` and read every element's style, the config and the errors."""
    errors: list[str] = []

    def note(text: str) -> None:
        errors.append(text)

    on_console = lambda m: note(m.text) if m.type == "error" else None  # noqa: E731
    on_error = lambda e: note(str(e))  # noqa: E731
    page.on("console", on_console)
    page.on("pageerror", on_error)
    try:
        page.goto(url, wait_until="load")
        page.evaluate(SETTLE)
        found = page.evaluate(_SNAPSHOT, list(STYLES))
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
    errors += [f"CSP violation: {v}" for v in found["violations"]]
    config = json.loads(found["config"]) if found["config"] else None
    return View(found["rows"], config, errors)


def compare(plain: View, briefed: View, limit: int = 8) -> list[str]:
    """How ``briefed`` differs from ``plain`` (empty: only by Briefing's additions)."""
    out = [f"new error: {e}" for e in briefed.errors if e not in plain.errors]
    if plain.config != briefed.config:
        out.append(f"__config differs: {plain.config!r} -> {briefed.config!r}")
    styles: list[str] = []
    for path, style in plain.rows.items():
        other = briefed.rows.get(path)
        if other is None:
            styles.append(f"{path}: missing with Briefing")
        elif other != style:
            changed = [
                f"{name}: {a!r} -> {b!r}"
                for name, a, b in zip(STYLES, style.split(" | "), other.split(" | "), strict=True)
                if a != b
            ]
            styles.append(f"{path}: {'; '.join(changed)}")
    if styles:
        out += styles[:limit]
        if len(styles) > limit:
            out.append(f"and {len(styles) - limit} more elements")
    return out


def pages_of(site: Path, skip: frozenset[str] = frozenset()) -> list[str]:
    """Every HTML page of a built site, as paths relative to it."""
    pages = (p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    return sorted(p for p in pages if p not in skip)


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(_LISTEN)
    return context


def compare_sites(
    browser: Browser,
    plain: Path,
    briefed: Path,
    address: str = "https://site.invalid/",
    skip: frozenset[str] = frozenset(),
) -> dict[str, list[str]]:
    """Page -> how it differs in the browser, for every page of ``plain`` (but ``skip``),
    each site served at ``address`` (its ``site_url``). Each build has a browser context
    of its own, opened on the same pages in the same order: what one build's scripts
    keep (Material caches its repository facts in ``sessionStorage``, its palette in
    ``localStorage``) cannot hide the other's requests, or their errors."""
    found: dict[str, list[str]] = {}
    contexts = [new_context(browser) for _ in (plain, briefed)]
    try:
        hosts = [Host(context, address) for context in contexts]
        for host, folder in zip(hosts, (plain, briefed), strict=True):
            host.folder = folder
        pages = [context.new_page() for context in contexts]
        for rel in pages_of(plain, skip):
            if not (briefed / rel).is_file():
                found[rel] = ["missing with Briefing"]
                continue
            url = hosts[0].address + rel.removesuffix("index.html")
            differences = compare(view(pages[0], url), view(pages[1], url))
            if differences:
                found[rel] = differences
    finally:
        for context in contexts:
            context.close()
    return found


def main(argv: list[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("plain", type=Path, help="the site built without Briefing")
    parser.add_argument("briefed", type=Path, help="the same site built with Briefing")
    parser.add_argument("--skip", nargs="*", default=[], help="pages not to compare")
    parser.add_argument(
        "--site-url", default="https://site.invalid/", help="the site's site_url, if any"
    )
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(argv)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        found = compare_sites(
            browser, args.plain, args.briefed, args.site_url, frozenset(args.skip)
        )
        browser.close()
    pages = len(pages_of(args.plain, frozenset(args.skip)))
    print(f"{pages} pages compared, {len(found)} differ")
    for rel, differences in found.items():
        print(f"--- {rel}")
        for line in differences:
            print(f"  {line}")
    raise SystemExit(1 if found else 0)


if __name__ == "__main__":
    main()
