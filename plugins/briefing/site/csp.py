"""A Content-Security-Policy for every page: scripts only from the site itself and the
inline code the site's owner made (by hash), so that markup which slipped past the
sanitiser still could not run.

Who made what: the theme, its overrides, the templates, ``extra_javascript`` and trusted
docs pages are the site owner's; the content of a page that is not trusted (between
``<article>`` and ``</article>``, and the page's rendered Markdown wherever a template
puts it) is a contributor's. The owner's inline scripts, event handlers and
``javascript:`` URLs are allowed by their hashes (handlers and URLs with
``'unsafe-hashes'``); inline code in a contributor's part runs only if the same text
stands in one of the site's own templates (it is then the owner's code). See
SECURITY.md, "The site's own markup".
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from ..core.diagnostics import Diagnostics, Position, line_col

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*[\s/]src\s*=)([^>]*)>(.*?)</script>", re.S | re.I)
"""A script without a ``src`` attribute (``data-src`` is not one)."""
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
_SCRIPT_TYPES = frozenset(
    {"", "module"}
    | {f"application/{name}" for name in ("ecmascript", "javascript")}
    | {f"application/x-{name}" for name in ("ecmascript", "javascript")}
    | {f"text/{name}" for name in ("ecmascript", "javascript", "jscript", "livescript")}
    | {f"text/x-{name}" for name in ("ecmascript", "javascript")}
    | {f"text/javascript1.{minor}" for minor in range(6)}
)
"""The types a browser runs: the "JavaScript MIME types" of WHATWG's MIME Sniffing
standard (Chromium runs ``text/jscript`` or ``text/javascript1.5``), and modules."""
_HEAD = re.compile(r"<head[^>]*>", re.I)
_ARTICLE_START = re.compile(r"<article[\t\n\f\r />]")
_ARTICLE_END = re.compile(r"</article[\t\n\f\r ]*>")
"""Both read the page lowered (:func:`fold`). A tag's name ends at HTML's whitespace, a
slash or ``>`` (``<article-x>`` is another element)."""


def fold(html: str) -> str:
    """``html`` as a browser reads tag and attribute names, offsets kept: ASCII letters
    in lower case, and each character outside ASCII as one ``?`` (no name a browser
    knows has one: ``on\u212aeydown``, with the Kelvin sign that ``str.lower`` makes a
    ``k``, is no handler). Three times faster than ``str.lower`` on a page that is not
    ASCII, which folds every character by Unicode's tables."""
    return html.encode("ascii", "replace").lower().decode("ascii")


Span = tuple[int, int]


def _scripts(html: str, low: str) -> Iterator[re.Match[str]]:
    """The page's inline scripts (``low``: the page lowered, offsets kept), in linear
    time (the lazy body is never tried past the page's last ``</script>``)."""
    end = low.rfind("</script>")
    return _INLINE_SCRIPT.finditer(html, 0, end + len("</script>") if end >= 0 else 0)


def _article(low: str) -> list[Span]:
    """Where a page's content stands: from the first <article> to the last </article>
    (``low``: the page lowered by :func:`fold`, so its offsets are the page's)."""
    start = _ARTICLE_START.search(low)
    if start is None:
        return []
    at = len(low)
    while (at := low.rfind("</article", 0, at)) >= 0:
        end = _ARTICLE_END.match(low, at)
        if end is not None:
            return [(start.start(), end.end())]
        at += len("</article") - 1  # no `</article>` here: look before it
    return []


def is_script(attributes: str) -> bool:
    """Does a browser run this <script>? Not a data block (``application/ld+json``,
    ``application/json``): those are never executed, so never need allowing."""
    found = _TYPE.search(attributes)
    return (found.group(1).lower() if found else "") in _SCRIPT_TYPES


class Templates:
    """The text of the site's own templates (its theme's folders: overrides, Material,
    Briefing's): inline code that stands there as written is the owner's, wherever a
    page shows it."""

    def __init__(self, dirs: Iterable[str | Path]) -> None:
        texts = []
        for folder in dirs:
            for path in sorted(_template_files(Path(folder))):
                try:
                    texts.append(path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    continue
        self.text = "\0".join(texts)

    def made(self, code: Inline) -> bool:
        """Does ``code`` stand in a template as written (a script's whole text between
        its tags, a handler's or URL's whole attribute, name and value)?"""
        if code.kind == "script":
            return bool(code.code.strip()) and f">{code.code}</script>" in self.text
        return any(f"{code.name}={q}{code.raw}{q}" in self.text for q in "\"'")


def _template_files(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # Material's .icons
        for name in files:
            if name.endswith(".html"):
                yield Path(root, name)


@dataclass(frozen=True)
class Authorship:
    """Who made which parts of a page, as the plugin knows it (``briefing csp``, which
    does not, takes the page's ``<article>`` for the contributors')."""

    owner_page: bool = False
    """The whole page is the owner's: a trusted docs page, a template (404.html)."""
    content: Sequence[str] = ()
    """The page's rendered Markdown: a contributor's, wherever a template prints it."""
    templates: Templates | None = None
    """The site's own templates: code found there as written is the owner's."""
    theme: Collection[str] | None = None
    """For a site another host built (``briefing csp``), whose pages are untrusted
    output: the shapes (:func:`shape`) of the inline code outside the content of every
    page with content. Code outside the content is the owner's only if its shape is
    one of these (:func:`theme_code`)."""

    def contributed(self, html: str, low: str) -> list[Span]:
        """The parts of ``html`` a contributor wrote, sorted and not overlapping
        (``low``: the page lowered by :func:`fold`)."""
        if self.owner_page:
            return []
        spans = _article(low)
        for fragment in self.content:
            at = html.find(fragment) if fragment else -1
            while at >= 0:
                spans.append((at, at + len(fragment)))
                at = html.find(fragment, at + len(fragment))
        merged: list[Span] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged


ARTICLE = Authorship()
"""No knowledge of the page: its <article> is the contributors'."""


@dataclass(frozen=True)
class Inline:
    """Inline code in a page: a script, an event handler or a ``javascript:`` URL, at
    ``offset`` in the page's HTML."""

    offset: int
    kind: Literal["script", "handler", "url"]
    code: str
    """What the browser hashes: a script's text, a handler's value, the URL as its
    parser reads it (scheme in lower case, percent-escapes decoded)."""
    raw: str
    """How the page wrote it (an attribute's value, character references decoded)."""
    tag: str = "script"
    name: str = ""

    @property
    def source(self) -> str:
        return (
            "'sha256-"
            + base64.b64encode(hashlib.sha256(self.code.encode()).digest()).decode()
            + "'"
        )

    @property
    def what(self) -> str:
        if self.kind == "script":
            return f"an inline script <script>{_excerpt(self.code)}"
        label = "an inline event handler" if self.kind == "handler" else "a javascript: URL"
        return f'{label} <{self.tag} {self.name}="{_excerpt(self.raw)}">'


def _excerpt(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data"})
_URL_STRIP = "".join(map(chr, range(0x21)))  # C0 controls and space, around a URL
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def javascript_url(value: str) -> str | None:
    """``value`` as a browser's URL parser reads it if it is a ``javascript:`` URL (what
    Chromium hashes for 'unsafe-hashes': spaces around and tabs or newlines inside
    dropped, the scheme in lower case, percent-escapes decoded), else None."""
    url = _TAB_OR_NEWLINE.sub("", value).strip(_URL_STRIP)
    if url[:11].lower() != "javascript:":
        return None
    return "javascript:" + unquote(url[11:])


_HANDLER_NAME = re.compile(r"=\s*[a-z]+no[\s\"'/]")
"""An attribute named ``on...`` in a lowered page, read backwards (the page reversed):
its ``=``, then the name, then, before it, HTML's whitespace, the quote that closed a
value or the slash of ``<svg/onload=...>``. Read backwards because ``=`` is rare in a
page where spaces are not: the search is tried at each ``=`` only, and each run of
letters is read once from the ``=`` that ends it (linear; five times faster than
trying forwards at every space)."""


def _candidates_end(low: str) -> int:
    """Where the page's last possible inline handler or ``javascript:`` URL ends (just
    past its ``=`` or its ``javascript:``), 0 when it has none: only then is the page
    parsed, and only so far (``low``: the page lowered by :func:`fold`)."""
    url = low.rfind("javascript:")
    end = url + len("javascript:") if url >= 0 else 0
    handler = _HANDLER_NAME.search(low[::-1])  # the first backwards: the last one
    if handler is not None:
        end = max(end, len(low) - handler.start())
    return end


class _Attributes(HTMLParser):
    """Inline event handlers (``onclick=``) and ``javascript:`` URLs, with their offsets."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lines = [0] + [m.end() for m in re.finditer("\n", html)]
        self.found: list[Inline] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, col = self.getpos()
        offset = self.lines[line - 1] + col
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.found.append(Inline(offset, "handler", value, value, tag, name))
            elif name in _URL_ATTRIBUTES and (url := javascript_url(value)) is not None:
                self.found.append(Inline(offset, "url", url, value, tag, name))

    handle_startendtag = handle_starttag


def _attributes(html: str, stop: int) -> list[Inline]:
    """The handlers and ``javascript:`` URLs of the page's tags, read by HTMLParser up to
    the end of the tag that holds ``stop``. The parser reads a
    page fed in pieces as it reads it whole, and holds back what it cannot finish yet (a
    tag, a comment, a script's text): it is fed on until it holds nothing, each piece
    twice as long as the one before (it reads what it held back again at each feed: a
    comment left open before 100,000 ``>`` would otherwise be read 100,000 times). A
    Material site with ``search.share`` has a ``javascript:`` link in its header: its
    pages are read that far, not to their end."""
    parser = _Attributes(html)
    at = 0
    end = stop
    more = 4096
    while True:
        close = html.find(">", end)
        end = len(html) if close < 0 else close + 1
        parser.feed(html[at:end])
        at = end
        if at >= len(html):
            parser.close()
            break
        if not parser.rawdata:
            break
        end = at + more
        more *= 2
    return parser.found


def inline_code(html: str, low: str) -> list[Inline]:
    """Every piece of inline code a browser would run in the page, in page order
    (``low``: the page lowered by :func:`fold`, offsets kept)."""
    found = [
        Inline(m.start(), "script", m.group(2), m.group(2))
        for m in _scripts(html, low)
        if is_script(m.group(1))
    ]
    stop = _candidates_end(low)
    if stop:
        found += _attributes(html, stop)
    return sorted(found, key=lambda code: code.offset)


_STRING = re.compile(r""""[^"\n]*"|'[^'\n]*'""")


def shape(code: Inline) -> str:
    """Inline code with its string literals emptied, with its kind: the theme's code
    differs from page to page only in them (``new URL("../..",location)``)."""
    return f"{code.kind}:{_STRING.sub(chr(34) * 2, code.code)}"


def theme_code(pages: Iterable[str]) -> frozenset[str]:
    """The shapes of the inline code outside the content of every one of ``pages`` that
    has content: the theme's. A site another host built is untrusted output
    (``briefing export`` writes contributors' summaries and descriptions into its
    pages), so code there is taken for the theme's only when every page has it: a
    contributor's text, which reaches a page or a few (its head included, should a host
    print a value unescaped), cannot put it on all of them. A page without content (a
    redirect) is the theme's alone."""
    common: set[str] | None = None
    for html in pages:
        low = fold(html)
        spans = _article(low)
        if not spans:
            continue
        start, end = spans[0]
        found = {shape(code) for code in inline_code(html, low) if not start <= code.offset < end}
        common = found if common is None else common & found
    return frozenset(common or ())


def _judge(html: str, authorship: Authorship) -> tuple[list[Inline], list[Inline]]:
    """The page's inline code: the owner's (allowed by hash) and the rest (blocked)."""
    low = fold(html)
    spans = authorship.contributed(html, low)
    starts = [start for start, _ in spans]
    owned: list[Inline] = []
    stopped: list[Inline] = []
    for code in inline_code(html, low):
        at = bisect.bisect_right(starts, code.offset) - 1
        contributed = at >= 0 and code.offset < spans[at][1]
        templates = authorship.templates
        theme = authorship.theme
        if contributed:
            mine = templates is not None and templates.made(code)
        else:
            mine = theme is None or not spans or shape(code) in theme
        if mine:
            owned.append(code)
        else:
            stopped.append(code)
    return owned, stopped


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


def is_source(text: str) -> bool:
    """Can ``text`` stand in a policy as one source (no separator, no quote)?"""
    return _SOURCE.fullmatch(text) is not None


def merge_sources(*parts: Mapping[str, str]) -> dict[str, str]:
    """Sources per directive (as ``csp_sources`` gives them) from each of ``parts``: each
    source once, in the order first given; a directive with none is left out."""
    merged: dict[str, list[str]] = {}
    for part in parts:
        for directive, value in part.items():
            listed = merged.setdefault(directive, [])
            listed.extend(s for s in value.split() if s not in listed)
    return {directive: " ".join(sources) for directive, sources in merged.items() if sources}


def check_sources(extra: dict[str, object]) -> list[str]:
    """What is wrong with a site's ``csp_sources`` (directive -> sources to add)."""
    problems = []
    for directive, value in extra.items():
        if directive not in DIRECTIVES:
            known = ", ".join(sorted(DIRECTIVES))
            problems.append(f"csp_sources: unknown directive {directive!r} (known: {known})")
        elif not isinstance(value, str) or not all(map(is_source, value.split())):
            problems.append(
                f"csp_sources: {directive}: {value!r} must be sources separated by spaces "
                "(https:, https://example.org, 'unsafe-inline'), without ';' or ','"
            )
    return problems


def _policy(owned: list[Inline], extra: dict[str, str] | None) -> str:
    hashes = sorted({code.source for code in owned})
    if any(code.kind != "script" for code in owned):
        # The owner's handlers and javascript: URLs: CSP allows them by hash only with
        # 'unsafe-hashes' (a script's text is never a handler: contributors' have none).
        hashes.insert(0, "'unsafe-hashes'")
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


def policy(html: str, extra: dict[str, str] | None = None, authorship: Authorship = ARTICLE) -> str:
    """The policy for a page: its owner's inline code is allowed by hash, a
    contributor's is not (it slipped past the sanitiser). ``extra`` adds sources to
    directives (checked by :func:`check_sources`)."""
    return _policy(_judge(html, authorship)[0], extra)


_META = re.compile(r"<meta\s+http-equiv=[\"']?Content-Security-Policy[\"']?[^>]*>", re.I)


@dataclass(frozen=True)
class Blocked:
    """Something in a page that the policy stops from running, ``line``:``col`` (from 1)
    in the page's HTML; ``code`` is its text (to find it in the page's source)."""

    line: int
    col: int
    what: str
    code: str = field(default="", compare=False)

    @property
    def message(self) -> str:
        return f"the Content-Security-Policy blocks {self.what}"


def blocked(html: str, authorship: Authorship = ARTICLE) -> list[Blocked]:
    """What the policy of :func:`policy` stops in this page: inline code in a
    contributor's part of it that no template of the site holds."""
    return [
        Blocked(*line_col(html, code.offset), code.what, code.raw)
        for code in _judge(html, authorship)[1]
    ]


def apply_policy(
    html: str, extra: dict[str, str] | None = None, authorship: Authorship = ARTICLE
) -> tuple[str, list[Blocked]]:
    """The page with its policy (a CSP ``<meta>`` first in its ``<head>``, in place of
    one already there: applying it twice gives the same page), and what that policy
    blocks in it: the one step that the MkDocs plugin runs on each page it renders and
    ``briefing csp`` on each page of a finished site, whichever host built it."""
    html = _META.sub("", html)
    owned, stopped = _judge(html, authorship)
    head = _HEAD.search(html)
    if head is None:
        return html, [Blocked(*line_col(html, c.offset), c.what, c.raw) for c in stopped]
    meta = f'<meta http-equiv="Content-Security-Policy" content="{_policy(owned, extra)}">'
    page = html[: head.end()] + meta + html[head.end() :]
    shift = [c.offset + (len(meta) if c.offset >= head.end() else 0) for c in stopped]
    return page, [
        Blocked(*line_col(page, at), c.what, c.raw) for at, c in zip(shift, stopped, strict=True)
    ]


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
    takes the site for untrusted output: code outside the content is allowed only if
    every page has it (:func:`theme_code`); return
    how many pages, and what the policies block, at ``path:line:col`` in the pages
    (``shown_as`` names the folder in those paths, default: as given)."""
    problems = Diagnostics()
    count = 0
    theme = theme_code(p.read_text(encoding="utf-8") for p in html_pages(site_dir))
    for path in html_pages(site_dir):
        html = path.read_text(encoding="utf-8")
        new, stopped = apply_policy(html, extra, Authorship(theme=theme))
        if new != html:
            path.write_text(new, encoding="utf-8")
        count += 1
        name = Path(shown_as or site_dir, path.relative_to(site_dir)).as_posix()
        for item in stopped:
            problems.warning(Position(name, item.line, item.col), item.message)
    return count, problems
