"""A Content-Security-Policy for every page: scripts only from the site itself and
the theme's own inline scripts (by hash), so that markup which slipped past the
sanitiser still could not run."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ..core.diagnostics import Diagnostics, Position, line_col

_INLINE_SCRIPT = re.compile(r"<script(?![^<>]*\bsrc=)([^<>]*)>(.*?)</script>", re.S | re.I)
"""An inline script. Searched only up to the page's last ``</script>`` (see
:func:`_scripts`): past it, every ``<script`` would read to the end of the page, in
quadratic time."""
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
_SCRIPT_TYPES = frozenset(
    {"", "module", "text/javascript", "application/javascript", "application/ecmascript"}
)
_HEAD = re.compile(r"<head[^>]*>", re.I)
_ARTICLE_START = re.compile(r"<article\b", re.I)
_ARTICLE_END = re.compile(r"</article\s*>", re.I)


def _scripts(html: str) -> Iterator[re.Match[str]]:
    """The page's inline scripts, in linear time."""
    end = html.lower().rfind("</script>")
    return _INLINE_SCRIPT.finditer(html, 0, end + len("</script>") if end >= 0 else 0)


def _content(html: str) -> tuple[int, int]:
    """Where the page's content stands: from the first <article> to the last </article>.
    The theme puts no inline script there; anything there came from a contributor."""
    start = _ARTICLE_START.search(html)
    ends = list(_ARTICLE_END.finditer(html))
    if start is None or not ends:
        return (0, 0)
    return (start.start(), ends[-1].end())


def is_script(attributes: str) -> bool:
    """Does a browser run this <script>? Not a data block (``application/ld+json``,
    ``application/json``): those are never executed, so never need allowing."""
    found = _TYPE.search(attributes)
    return (found.group(1).lower() if found else "") in _SCRIPT_TYPES


DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "media-src": "",
    "frame-src": "",
    "manifest-src": "",
}
"""Briefing's strict policy, directive by directive (empty: not set, so default-src
applies); a site adds sources with the plugin's ``csp_sources``."""
_SOURCE = re.compile(r"[^\s;,'\"<>&]+|'(?:self|none|unsafe-inline|unsafe-eval|wasm-unsafe-eval)'")


def check_sources(extra: dict[str, object]) -> list[str]:
    """What is wrong with a site's ``csp_sources`` (directive -> sources to add)."""
    problems = []
    for directive, value in extra.items():
        if directive not in DIRECTIVES:
            known = ", ".join(sorted(DIRECTIVES))
            problems.append(f"csp_sources: unknown directive {directive!r} (known: {known})")
        elif not isinstance(value, str) or not all(
            _SOURCE.fullmatch(source) for source in value.split()
        ):
            problems.append(
                f"csp_sources: {directive}: {value!r} must be sources separated by spaces "
                "(https:, https://example.org, 'unsafe-inline'), without ';' or ','"
            )
    return problems


_STRING = re.compile(r""""[^"\n]*"|'[^'\n]*'""")


def script_shape(script: str) -> str:
    """A script with its string literals emptied: the theme's scripts differ from page
    to page only in them (``new URL("../..",location)``)."""
    return _STRING.sub('""', script)


def _allowed(m: re.Match[str], start: int, end: int, theme: Collection[str] | None) -> bool:
    """Is this inline script one the policy allows by hash: outside the content, and
    (with ``theme``, the shapes of the scripts the theme writes around content) the
    theme's? A page without content (a redirect) is the theme's alone."""
    if start <= m.start() < end or not is_script(m.group(1)):
        return False
    return theme is None or end == 0 or script_shape(m.group(2)) in theme


def policy(
    html: str, extra: dict[str, str] | None = None, theme: Collection[str] | None = None
) -> str:
    """The policy for a page; its inline scripts are allowed by hash, those of the theme
    only: a script in the content (which slipped past the sanitiser) is not, nor, with
    ``theme`` (see :func:`theme_scripts`), one of another shape. ``extra`` adds sources
    to directives (checked by :func:`check_sources`)."""
    start, end = _content(html)
    hashes = sorted(
        {
            "'sha256-"
            + base64.b64encode(hashlib.sha256(m.group(2).encode("utf-8")).digest()).decode()
            + "'"
            for m in _scripts(html)
            if _allowed(m, start, end, theme)
        }
    )
    extra = extra or {}
    parts = []
    for directive, base in DIRECTIVES.items():
        if not base and directive in extra:
            base = "'self'"  # extended, it no longer falls back to default-src
        own = " ".join(hashes) if directive == "script-src" else ""
        sources = " ".join(s for s in (base, own, extra.get(directive, "")) if s)
        if sources:
            parts.append(f"{directive} {sources}")
    return "; ".join(parts)


_META = re.compile(r"<meta\s+http-equiv=[\"']?Content-Security-Policy[\"']?[^>]*>", re.I)
_HANDLER_NAME = re.compile(r"(?<![a-z])on[a-z]+\s*=")
"""(Not inside a word: ``ononon...`` read from each ``on`` to its end was quadratic.)"""


def _suspect(html: str) -> bool:
    """Could the page hold an inline handler or a ``javascript:`` URL? Only then is it
    parsed. (One regex with ``\\s`` before ``on`` and ``re.I`` scans ten times slower
    than this literal prefix on the lowered page.)"""
    low = html.lower()
    if "javascript:" in low:
        return True
    return any(low[m.start() - 1] in " \t\n\r\f\"'/" for m in _HANDLER_NAME.finditer(low, 1))


_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})


@dataclass(frozen=True)
class Blocked:
    """Something in a page that the policy stops from running, ``line``:``col`` (from 1)
    in the page's HTML."""

    line: int
    col: int
    what: str

    @property
    def message(self) -> str:
        return f"the Content-Security-Policy blocks {self.what}"


def _excerpt(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


class _Handlers(HTMLParser):
    """Inline event handlers (``onclick=``) and ``javascript:`` URLs: no hash can allow
    them (the policy has no 'unsafe-hashes'), wherever they stand in the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Blocked] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, col = self.getpos()
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                what = f'an inline event handler <{tag} {name}="{_excerpt(value)}">'
            elif name in _URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                what = f'a javascript: URL <{tag} {name}="{_excerpt(value)}">'
            else:
                continue
            self.found.append(Blocked(line, col + 1, what))

    handle_startendtag = handle_starttag


def blocked(html: str, theme: Collection[str] | None = None) -> list[Blocked]:
    """What the policy of :func:`policy` stops in this page: inline scripts in the
    content (outside it, the theme's are allowed by hash), inline event handlers and
    ``javascript:`` URLs anywhere."""
    start, end = _content(html)
    found = [
        Blocked(*line_col(html, m.start()), f"an inline script <script>{_excerpt(m.group(2))}")
        for m in _scripts(html)
        if is_script(m.group(1)) and not _allowed(m, start, end, theme)
    ]
    if _suspect(html):
        parser = _Handlers()
        parser.feed(html)
        parser.close()
        found += parser.found
    return sorted(found, key=lambda b: (b.line, b.col))


def with_csp(
    html: str, extra: dict[str, str] | None = None, theme: Collection[str] | None = None
) -> str:
    """The page with a CSP <meta> as the first thing in its <head> (in place of one
    already there, so that applying it twice gives the same page)."""
    html = _META.sub("", html)
    head = _HEAD.search(html)
    if head is None:
        return html
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html, extra, theme)}">'
    return html[: head.end()] + meta + html[head.end() :]


def apply_policy(
    html: str, extra: dict[str, str] | None = None, theme: Collection[str] | None = None
) -> tuple[str, list[Blocked]]:
    """The page with its policy, and what that policy blocks in it: the one step that
    the MkDocs plugin runs on each page it renders and ``briefing csp`` on each page of
    a finished site, whichever host built it."""
    page = with_csp(html, extra, theme)
    return page, blocked(page, theme)


def theme_scripts(pages: Iterable[str]) -> set[str]:
    """The shapes of the inline scripts outside the content of every one of ``pages``
    that has content: the theme's. A site another host built is untrusted output
    (``briefing export`` writes contributors' summaries and descriptions into its
    pages), so a script there is taken for the theme's only when every page has it: a
    contributor's text, which reaches a page or a few (its head included, should a host
    print a value unescaped), cannot put one on all of them."""
    common: set[str] | None = None
    for html in pages:
        start, end = _content(html)
        if end == 0:
            continue
        shapes = {
            script_shape(m.group(2))
            for m in _scripts(html)
            if is_script(m.group(1)) and not start <= m.start() < end
        }
        common = shapes if common is None else common & shapes
    return common or set()


def html_pages(site_dir: Path) -> Iterator[Path]:
    """Every HTML page of a finished site, in a stable order."""
    for folder, dirs, files in os.walk(site_dir):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".html", ".htm")):
                yield Path(folder, name)


def apply_to_site(
    site_dir: Path, extra: dict[str, str] | None = None, shown_as: str | None = None
) -> tuple[int, Diagnostics]:
    """Give every HTML page of a finished site its policy (rewriting the files), which
    allows only the theme's scripts (:func:`theme_scripts`); return
    how many pages, and what the policies block, at ``path:line:col`` in the pages
    (``shown_as`` names the folder in those paths, default: as given)."""
    problems = Diagnostics()
    count = 0
    theme = theme_scripts(p.read_text(encoding="utf-8") for p in html_pages(site_dir))
    for path in html_pages(site_dir):
        html = path.read_text(encoding="utf-8")
        new, stopped = apply_policy(html, extra, theme)
        if new != html:
            path.write_text(new, encoding="utf-8")
        count += 1
        name = Path(shown_as or site_dir, path.relative_to(site_dir)).as_posix()
        for item in stopped:
            problems.warning(Position(name, item.line, item.col), item.message)
    return count, problems
