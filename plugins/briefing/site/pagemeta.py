"""A page's front matter, made safe for the theme.

Material prints front-matter values into the page unescaped: ``description`` and
``author`` into ``<meta>`` attributes, ``title`` and ``subtitle`` into the
navigation, ``status`` into a class, ``location`` into a script (of the template
``redirect.html``, which a contributor's page may use only to send readers to
another page of the same site: a relative ``location``). Docs pages are
written by contributors, and generated pages carry the summaries, so every string
of the front matter is HTML-escaped before a template sees it. A title with ``<``
or ``>`` is an error (as for article titles and entity names), and so is a
``location`` that is not a safe URL (it is dropped).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..core.diagnostics import Diagnostics, Position
from ..core.model import has_markup, url_is_safe

REDIRECT = "redirect.html"
TITLE_ERROR = "'title': must not contain '<' or '>' (the theme prints names and titles as HTML)"


def _escape(value: Any) -> Any:
    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, list):
        return [_escape(v) for v in value]
    if isinstance(value, dict):
        return {_escape(k): _escape(v) for k, v in value.items()}
    return value


def key_position(path: str, text: str, key: str) -> Position:
    """Where ``key:`` stands in the front matter of ``text`` (line 1 is the ``---``)."""
    for number, line in enumerate(text.splitlines()[1:], 2):
        if line.rstrip() in ("---", "..."):
            break
        found = re.match(rf"{re.escape(key)}\s*:\s*", line)
        if found:
            return Position(path, number, found.end() + 1)
    return Position(path)


def _bad_location(value: Any) -> bool:
    return (
        not isinstance(value, str) or not url_is_safe(value) or any(c in value for c in "\"'<>\\")
    )


def _same_site(location: Any) -> bool:
    """A relative URL (``../new-page/``, ``other.html#part``): no scheme, no host."""
    if not isinstance(location, str) or not location or _bad_location(location):
        return False
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc and not location.startswith(("/", "\\"))


def check_meta(meta: Mapping[str, Any], path: str, text: str, diags: Diagnostics) -> None:
    """Report what may not stand in a contributor's front matter."""
    title = meta.get("title")
    if isinstance(title, str) and has_markup(title):
        diags.error(key_position(path, text, "title"), TITLE_ERROR)
    elif "title" in meta and not isinstance(title, str):
        diags.error(key_position(path, text, "title"), "'title': must be text")
    if meta.get("template") == REDIRECT and not _same_site(meta.get("location")):
        diags.error(
            key_position(path, text, "template"),
            f"'template': a page may be a redirect ({REDIRECT}) only to a relative "
            "'location' of the same site: elsewhere, it would send readers away from the "
            "site's own address",
        )
    elif "template" in meta and own_template(meta["template"]):
        diags.error(
            key_position(path, text, "template"),
            f"'template': {meta['template']!r} is one of Briefing's own page templates, "
            "for the pages it generates; a docs page uses the theme's",
        )
    if "location" in meta and _bad_location(meta["location"]):
        diags.error(
            key_position(path, text, "location"),
            f"'location': URL {meta['location']!r} must be http, https, mailto or relative",
        )


def safe_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The front matter with every string HTML-escaped and a bad ``location`` dropped.
    A title is left as it is unless it holds ``<`` or ``>`` or is not text (errors): without them it
    cannot make markup, and MkDocs, the theme and Briefing print it in many places,
    some of which escape it themselves."""
    out = {k: _escape(v) for k, v in meta.items()}
    title = meta.get("title")
    if isinstance(title, str):
        out["title"] = plain_title(title)
    if "location" in meta and _bad_location(meta["location"]):
        del out["location"]
    if meta.get("template") == REDIRECT and not _same_site(meta.get("location")):
        del out["template"]
    return out


def own_template(value: object) -> bool:
    """A template a docs page may not name: Briefing's (``briefing/...``), or not a name."""
    return not isinstance(value, str) or value.lstrip("./").startswith("briefing/")


def plain_title(title: str) -> str:
    """The title, or, when it holds markup (an error), the title with its angle brackets
    made harmless: the navigation's tooltips read titles back as HTML."""
    if not has_markup(title):
        return title
    return html.escape(html.unescape(title).replace("<", "\u2039").replace(">", "\u203a"))


def heading_position(path: str, text: str) -> Position:
    """Where the first ``# `` heading of ``text`` stands."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("# "):
            return Position(path, number, 3)
    return Position(path)


def check_heading_title(title: str | None, path: str, text: str, diags: Diagnostics) -> bool:
    """A page's title taken from its first heading: an error when it holds markup."""
    if title is None or not has_markup(title):
        return False
    diags.error(heading_position(path, text), TITLE_ERROR)
    return True
