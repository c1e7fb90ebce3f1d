"""The site as the open data names it: where its pages are (:class:`Site`), the files
published at its root, what every page's ``<head>`` gets, and text made safe for the
document it goes into.

JSON that goes into a page is written by :func:`json_ld_script`, which escapes ``<``,
``>`` and ``&`` so that no value can close the ``<script>`` element or open a comment;
XML text loses the characters XML 1.0 forbids (:func:`xml_text`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from ...core.contract import article_uri, entity_uri, note_id
from ...core.model import Annotation

FEED = "feed.xml"
ANNOTATIONS = "annotations.jsonld"
DATA = "briefing.json"
ENTITIES_CSV = "entities.csv"
DATA_SCHEMA = "briefing.schema.json"
DATA_FILES = (ANNOTATIONS, DATA, ENTITIES_CSV, DATA_SCHEMA)
"""The files published at the site's root whatever the site (the feed joins them only
when the site has a URL)."""
RESERVED = (*DATA_FILES, FEED)
"""Every file the open data may write at the site's root: docs/ may not hold one."""

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_JSON_IN_HTML = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


# --------------------------------------------------------------------------- addresses


@functools.lru_cache(maxsize=65536)
def _site_path(uri: str, directory_urls: bool) -> str:
    """The site path of the page made from ``uri``, or of a file (asked for again and
    again: each page is linked from every record that names it)."""
    if uri.endswith(".md"):
        stem = uri[: -len(".md")]
        if stem == "index" or stem.endswith("/index"):
            uri = stem[: -len("index")]
        else:
            uri = stem + "/" if directory_urls else stem + ".html"
        if not directory_urls and (uri == "" or uri.endswith("/")):
            uri += "index.html"
    return uri


@dataclass(frozen=True)
class Site:
    """Where the site's pages are, as the documents should name them.

    ``base`` is the site's absolute URL (``site_url``, ending in ``/``) or, when the site
    has none, the relative way from the document to the site's root (``""`` for a file
    at the root, ``"../../"`` for an article page): JSON-LD resolves relative IRIs
    against the document's own address."""

    name: str
    base: str = ""
    directory_urls: bool = True
    author: str = ""

    @property
    def absolute(self) -> bool:
        return "://" in self.base

    def url(self, uri: str) -> str:
        """The URL of the page made from ``uri`` (``articles/x.md``), or of a file."""
        return self.base + _site_path(uri, self.directory_urls)

    def article(self, slug: str) -> str:
        return self.url(article_uri(slug))

    def entity(self, entity_id: str) -> str:
        return self.url(entity_uri(entity_id))

    def note(self, annotation: Annotation) -> str:
        return f"{self.article(annotation.article)}#{note_id(annotation.index + 1)}"

    def at(self, base: str) -> Site:
        return Site(self.name, base, self.directory_urls, self.author)


def relative_base(page_url: str) -> str:
    """From a page's URL (``articles/x/``, ``index.html``) back to the site's root."""
    depth = page_url.count("/")
    return "../" * depth


# --------------------------------------------------------------------------- the page head


def head_links(site: Site, feed: bool) -> str:
    """What every page's ``<head>`` gets: the feed's autodiscovery link."""
    if not feed:
        return ""
    title = attribute(xml_text(site.name))
    return (
        f'<link rel="alternate" type="application/atom+xml" title="{title}: articles and '
        f'annotations" href="{site.url(FEED)}">'
    )


def add_to_head(html_page: str, markup: str) -> str:
    """The page with ``markup`` just before its ``</head>``."""
    if not markup:
        return html_page
    at = html_page.find("</head>")
    return html_page if at < 0 else html_page[:at] + markup + html_page[at:]


# --------------------------------------------------------------------------- safe output


def json_text(data: Any) -> str:
    """JSON, deterministic, that no HTML parser can read a tag or a comment in."""
    return json.dumps(data, ensure_ascii=False, indent=None).translate(_JSON_IN_HTML)


def json_ld_script(data: Any) -> str:
    """A ``<script type="application/ld+json">`` data block. Browsers never run it;
    nothing in ``data`` can end it, since ``<`` never appears inside."""
    return f'<script type="application/ld+json">{json_text(data)}</script>'


def json_file(data: Any, indent: int | None = None) -> str:
    """A download's JSON: on one line (Python's C encoder writes it; with ``indent`` its
    pure-Python one takes three times as long), or indented for a file people read."""
    return json.dumps(data, ensure_ascii=False, indent=indent) + "\n"


def xml_text(value: str) -> str:
    return _XML_FORBIDDEN.sub("", value)


def attribute(value: str) -> str:
    """``value`` escaped for a double-quoted HTML attribute."""
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def timestamp(day: dt.date) -> str:
    """A day as an ``xsd:dateTime``, at midnight UTC."""
    return f"{day.isoformat()}T00:00:00Z"
