"""A Content-Security-Policy for every page: scripts only from the site itself and
the theme's own inline scripts (by hash), so that markup which slipped past the
sanitiser still could not run."""

from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S | re.I)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
_SCRIPT_TYPES = frozenset(
    {"", "module", "text/javascript", "application/javascript", "application/ecmascript"}
)
_HEAD = re.compile(r"<head[^>]*>", re.I)
_ARTICLE_START = re.compile(r"<article\b", re.I)
_ARTICLE_END = re.compile(r"</article\s*>", re.I)


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


def policy(html: str, extra: dict[str, str] | None = None) -> str:
    """The policy for a page; its inline scripts are allowed by hash, those of the theme
    only: a script in the content (which slipped past the sanitiser) is not. ``extra``
    adds sources to directives (checked by :func:`check_sources`)."""
    start, end = _content(html)
    hashes = sorted(
        {
            "'sha256-"
            + base64.b64encode(hashlib.sha256(m.group(2).encode("utf-8")).digest()).decode()
            + "'"
            for m in _INLINE_SCRIPT.finditer(html)
            if not start <= m.start() < end and is_script(m.group(1))
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


def with_csp(html: str, extra: dict[str, str] | None = None) -> str:
    """The page with a CSP <meta> as the first thing in its <head>."""
    head = _HEAD.search(html)
    if head is None:
        return html
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html, extra)}">'
    return html[: head.end()] + meta + html[head.end() :]
