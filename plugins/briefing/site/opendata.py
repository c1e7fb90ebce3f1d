"""The briefing as open data: W3C Web Annotations, schema.org JSON-LD, an Atom feed,
``briefing.json`` and ``entities.csv``.

Pure functions from a loaded :class:`Briefing` (and what rendering recorded: where each
quote stands in its article's text, which pages mention which entity) to documents, with
no MkDocs import: the plugin writes them at build time, and any other host (an export
for plain MkDocs or Zensical) can call the same functions.

Everything here comes from untrusted files. JSON that goes into a page is written by
:func:`json_ld_script`, which escapes ``<``, ``>`` and ``&`` so that no value can close
the ``<script>`` element or open a comment; XML is built as an element tree and
serialised by ElementTree, with the characters XML 1.0 forbids removed.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import markdown

from ..core.anchoring import BLOCK_TAGS, fold_whitespace
from ..core.context import RenderContext
from ..core.model import (
    ANNOTATION_KINDS,
    ENTITY_TYPES,
    VERDICT_KINDS,
    VERDICT_LABELS,
    VERDICTS,
    Annotation,
    Article,
    Briefing,
    Entity,
)
from ..core.safety import sanitize
from ..markdown.extension import KIND_LABELS, WIKI_RE
from .pages import GLOSSARY, article_uri, entity_uri

FEED = "feed.xml"
ANNOTATIONS = "annotations.jsonld"
DATA = "briefing.json"
ENTITIES_CSV = "entities.csv"
DATA_SCHEMA = "briefing.schema.json"
DATA_FILES = (ANNOTATIONS, DATA, ENTITIES_CSV, DATA_SCHEMA)
RESERVED = (*DATA_FILES, FEED)
"""Every file the open data may write at the site's root: docs/ may not hold one."""
"""The files published at the site's root (the feed only when the site has a URL)."""

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
SCHEMA_ORG = "https://schema.org"

VERDICT_SCALE = {"false": 1, "misleading": 2, "mixed": 3, "mostly-accurate": 4, "accurate": 5}
"""ClaimReview's ratingValue, worst (1) to best (5). ``unverified`` has no place on the
scale: such a note is shown with its label but published as no ClaimReview."""

MOTIVATIONS = {
    "context": "commenting",
    "analysis": "commenting",
    "definition": "describing",
    "fact-check": "oa:assessing",  # the W3C context names no "assessing" term: use the IRI
    "correction": "editing",
    "question": "questioning",
    # Not "editing" (a request to change the text, as a correction is): the passage was
    # accurate when published and stays as it is; the note comments on what came after.
    "update": "commenting",
}
"""A kind's Web Annotation motivation. Context, analysis and update share one, so every
annotation also carries its kind as a ``tagging`` body (what the importer reads first)."""
KIND_OF_MOTIVATION = {
    "describing": "definition",
    "oa:assessing": "fact-check",
    "assessing": "fact-check",
    "editing": "correction",
    "questioning": "question",
}
CONTEXT_CHARS = 32
"""Length of a TextQuoteSelector's prefix and suffix (what Hypothesis writes)."""

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_JSON_IN_HTML = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


# --------------------------------------------------------------------------- addresses


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
        if uri.endswith(".md"):
            stem = uri[: -len(".md")]
            if stem == "index" or stem.endswith("/index"):
                uri = stem[: -len("index")]
            else:
                uri = stem + "/" if self.directory_urls else stem + ".html"
            if not self.directory_urls and (uri == "" or uri.endswith("/")):
                uri += "index.html"
        return self.base + uri

    def article(self, slug: str) -> str:
        return self.url(article_uri(slug))

    def entity(self, entity_id: str) -> str:
        return self.url(entity_uri(entity_id))

    def note(self, annotation: Annotation) -> str:
        return f"{self.article(annotation.article)}#bf-note-{annotation.index + 1}"

    def at(self, base: str) -> Site:
        return Site(self.name, base, self.directory_urls, self.author)


def relative_base(page_url: str) -> str:
    """From a page's URL (``articles/x/``, ``index.html``) back to the site's root."""
    depth = page_url.count("/")
    return "../" * depth


@dataclass(frozen=True)
class Anchoring:
    """What rendering found for one article: its text as a reader sees it, and where
    each annotation's quote starts in it (absent: unanchored)."""

    text: str = ""
    starts: Mapping[int, int] = field(default_factory=dict)
    numbers: Mapping[int, int] = field(default_factory=dict)
    """Annotation index -> the number a reader sees."""
    notes: Mapping[int, str] = field(default_factory=dict)
    """Annotation index -> its note's HTML as the article's page rendered it."""


def anchorings(context: RenderContext) -> dict[str, Anchoring]:
    """What rendering recorded about each article's annotations."""
    return {
        slug: Anchoring(
            context.article_text.get(slug, ""),
            {r.index: r.start for r in results if r.anchored and r.start >= 0},
            {r.index: r.number for r in results},
            {
                r.index: context.notes[key]
                for r in results
                if (key := f"{slug}-{r.index + 1}") in context.notes
            },
        )
        for slug, results in context.annotations.items()
    }


def mentioned_on(context: RenderContext) -> dict[str, list[str]]:
    """Entity id -> the pages (``src_uri``) that mention it."""
    out: dict[str, list[str]] = {}
    for page, entities in sorted(context.page_entities.items()):
        for entity_id in entities:
            out.setdefault(entity_id, []).append(page)
    return out


# --------------------------------------------------------------------------- safe output


def json_text(data: Any) -> str:
    """JSON, deterministic, that no HTML parser can read a tag or a comment in."""
    return json.dumps(data, ensure_ascii=False, indent=None).translate(_JSON_IN_HTML)


def json_ld_script(data: Any) -> str:
    """A ``<script type="application/ld+json">`` data block. Browsers never run it;
    nothing in ``data`` can end it, since ``<`` never appears inside."""
    return f'<script type="application/ld+json">{json_text(data)}</script>'


def json_file(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def xml_text(value: str) -> str:
    return _XML_FORBIDDEN.sub("", value)


# --------------------------------------------------------------------------- notes


def note_markdown(note: str, site: Site, briefing: Briefing) -> str:
    """The note's Markdown with ``[[id]]`` links made plain Markdown links."""

    def link(m: re.Match[str]) -> str:
        entity_id, label = m.group(1).strip(), m.group(2)
        entity = briefing.entities.get(entity_id)
        if entity is None:
            return label or entity_id
        return f"[{label or entity.name}](<{site.entity(entity_id)}>)"

    return re.sub(WIKI_RE, link, note)


def note_html(
    annotation: Annotation, site: Site, briefing: Briefing, anchoring: Anchoring | None
) -> str:
    """The note as sanitised HTML (the site's allow-list), links absolute when the site
    has a URL: the HTML its article's page rendered, else (open data made from the
    sources alone) the note rendered here."""
    rendered = anchoring.notes.get(annotation.index) if anchoring is not None else None
    if rendered is None:
        return _render(note_markdown(annotation.model.note, site, briefing))
    return _published(rendered, site)


_ENTITY_HREF = re.compile(r'href="/glossary/([^"/]+)\.md"')


@functools.lru_cache(maxsize=4096)  # the feed and the collection publish each note
def _published(rendered: str, site: Site) -> str:
    """A note's HTML from its page, entity links made the site's, through the allow-list."""
    linked = _ENTITY_HREF.sub(lambda m: f'href="{_attr(site.entity(m.group(1)))}"', rendered)
    return sanitize(linked)


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


@functools.cache
def _markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=["extra"])


# Bounded: under `mkdocs serve` the module lives across builds. The feed and the
# collection render each note once between them.
@functools.lru_cache(maxsize=4096)
def _render(text: str) -> str:
    return sanitize(_markdown().reset().convert(text))


class _Words(HTMLParser):
    """The text of a piece of HTML: blocks apart, inline markup joining its words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@functools.lru_cache(maxsize=4096)
def plain_text(html_text: str) -> str:
    """The words of a piece of HTML, whitespace folded."""
    parser = _Words()
    parser.feed(html_text)
    parser.close()
    return fold_whitespace("".join(parser.parts))


# --------------------------------------------------------------------------- Web Annotations


def _datetime(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def selector(annotation: Annotation, anchoring: Anchoring | None) -> dict[str, str]:
    """A TextQuoteSelector: the quote as it stands in the text, with the text around it
    when it is anchored (the annotation's own prefix/suffix otherwise)."""
    model = annotation.model
    exact = fold_whitespace(model.quote)
    out = {"type": "TextQuoteSelector", "exact": exact}
    start = anchoring.starts.get(annotation.index) if anchoring else None
    if anchoring is not None and start is not None:
        prefix = anchoring.text[max(0, start - CONTEXT_CHARS) : start]
        suffix = anchoring.text[start + len(exact) : start + len(exact) + CONTEXT_CHARS]
    else:
        prefix, suffix = fold_whitespace(model.prefix), fold_whitespace(model.suffix)
    if prefix:
        out["prefix"] = prefix
    if suffix:
        out["suffix"] = suffix
    return out


def web_annotation(
    annotation: Annotation, site: Site, briefing: Briefing, anchoring: Anchoring | None
) -> dict[str, Any]:
    model = annotation.model
    motivation = MOTIVATIONS[model.kind]
    html_note = note_html(annotation, site, briefing, anchoring)
    body: list[dict[str, Any]] = [
        {
            "type": "Choice",
            "items": [
                {"type": "TextualBody", "format": "text/html", "value": html_note},
                {"type": "TextualBody", "format": "text/plain", "value": plain_text(html_note)},
                # The note as written: what `briefing import-annotations` reads back.
                {"type": "TextualBody", "format": "text/markdown", "value": model.note},
            ],
        },
        {"type": "TextualBody", "purpose": "tagging", "value": model.kind},
    ]
    if model.verdict:
        body.append({"type": "TextualBody", "purpose": "oa:assessing", "value": model.verdict})
    for entity_id in model.entities:
        if entity_id in briefing.entities:
            body.append(
                {
                    "type": "SpecificResource",
                    "purpose": "identifying",
                    "source": site.entity(entity_id),
                    "label": briefing.entities[entity_id].name,
                }
            )
    for source in model.sources:
        if source.url:
            body.append(
                {
                    "type": "SpecificResource",
                    "purpose": "linking",
                    "source": source.url,
                    "label": source.title,
                }
            )
        else:
            body.append({"type": "TextualBody", "purpose": "linking", "value": source.title})
    out: dict[str, Any] = {
        "id": site.note(annotation),
        "type": "Annotation",
        "motivation": motivation,
        "body": body,
        "target": {
            "source": site.article(annotation.article),
            "selector": selector(annotation, anchoring),
        },
    }
    if model.author:
        out["creator"] = {"type": "Person", "name": model.author}
    if model.date:
        out["created"] = _datetime(model.date)
    return out


def annotation_collection(
    briefing: Briefing, site: Site, anchorings: Mapping[str, Anchoring]
) -> dict[str, Any]:
    """Every annotation as a W3C Web Annotation, in one AnnotationCollection (newest
    article first, each article's notes in the order a reader numbers them)."""
    items = [
        web_annotation(a, site, briefing, anchorings.get(article.slug))
        for article in briefing.articles
        for a in _in_reading_order(article, anchorings.get(article.slug))
    ]
    return {
        "@context": ANNO_CONTEXT,
        "id": site.url(ANNOTATIONS),
        "type": "AnnotationCollection",
        "label": f"{site.name}: annotations",
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }


def _in_reading_order(article: Article, anchoring: Anchoring | None) -> list[Annotation]:
    numbers = anchoring.numbers if anchoring else {}
    return sorted(article.annotations, key=lambda a: (numbers.get(a.index, 10**9), a.index))


# --------------------------------------------------------------------------- schema.org


def _organization(site: Site) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "Organization", "name": site.name}
    if site.absolute:
        out["url"] = site.base
    return out


def _thing(entity: Entity, site: Site) -> dict[str, Any]:
    return {"@type": "Thing", "name": entity.name, "url": site.entity(entity.id)}


def is_claim_review(annotation: Annotation) -> bool:
    """Is the note a real fact-check, published as a ClaimReview: a fact-check or a
    correction whose verdict stands on the scale (``unverified`` rates nothing) and that
    cites a source a reader can open? An update never is: it reports later events and
    rates nothing (the passage was accurate when published)."""
    model = annotation.model
    return (
        model.kind in VERDICT_KINDS
        and model.verdict in VERDICT_SCALE
        and any(source.url for source in model.sources)
    )


def claim_review(annotation: Annotation, article: Article, site: Site) -> dict[str, Any]:
    """The schema.org ClaimReview of a note that :func:`is_claim_review`: its verdict
    rates the passage as of the article's publication."""
    model = annotation.model
    assert model.verdict in VERDICT_SCALE
    rating: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": VERDICT_LABELS[model.verdict],
        "ratingValue": VERDICT_SCALE[model.verdict],
        "bestRating": max(VERDICT_SCALE.values()),
        "worstRating": min(VERDICT_SCALE.values()),
    }
    claim: dict[str, Any] = {"@type": "Claim"}
    source = article.model.source
    if source is not None:
        claim["author"] = {"@type": "Organization", "name": source.name}
        appearance: dict[str, Any] = {"@type": "CreativeWork", "name": source.name}
        if source.url:
            appearance["url"] = source.url
        if source.published:
            appearance["datePublished"] = source.published
            claim["datePublished"] = source.published
        claim["appearance"] = appearance
    return {
        "@type": "ClaimReview",
        "url": site.note(annotation),
        "claimReviewed": fold_whitespace(model.quote),
        "reviewRating": rating,
        "itemReviewed": claim,
        "author": _organization(site),
        "datePublished": (model.date or article.date).isoformat(),
    }


def article_json_ld(article: Article, site: Site, briefing: Briefing) -> dict[str, Any]:
    """NewsArticle, and a ClaimReview for every real fact-check (:func:`is_claim_review`)."""
    news: dict[str, Any] = {
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": article.date.isoformat(),
        "url": site.article(article.slug),
        "mainEntityOfPage": site.article(article.slug),
        "publisher": _organization(site),
        "author": [{"@type": "Person", "name": name} for name in article.model.authors]
        or [_organization(site)],
    }
    if article.model.summary:
        news["description"] = article.model.summary
    if article.model.tags:
        news["keywords"] = list(article.model.tags)
    source = article.model.source
    if source is not None and source.url:
        news["isBasedOn"] = source.url
    about = sorted(
        {e for a in article.annotations for e in a.model.entities if e in briefing.entities}
    )
    if about:
        news["about"] = [_thing(briefing.entities[e], site) for e in about]
    reviews = [claim_review(a, article, site) for a in article.annotations if is_claim_review(a)]
    return {"@context": SCHEMA_ORG, "@graph": [news, *reviews]}


def _defined_term(entity: Entity, site: Site, term_set: str) -> dict[str, Any]:
    term: dict[str, Any] = {
        "@type": "DefinedTerm",
        "@id": site.entity(entity.id),
        "name": entity.name,
        "termCode": entity.id,
        "description": entity.summary,
        "url": site.entity(entity.id),
        "inDefinedTermSet": term_set,
    }
    if entity.model.aliases:
        term["alternateName"] = list(entity.model.aliases)
    return term


def glossary_json_ld(briefing: Briefing, site: Site) -> dict[str, Any]:
    """The glossary as a DefinedTermSet of DefinedTerms (aliases as alternate names)."""
    term_set = site.url(GLOSSARY)
    return {
        "@context": SCHEMA_ORG,
        "@type": "DefinedTermSet",
        "@id": term_set,
        "name": f"{site.name}: glossary",
        "url": term_set,
        "hasDefinedTerm": [
            _defined_term(e, site, term_set)
            for e in sorted(briefing.entities.values(), key=lambda e: e.id)
        ],
    }


def entity_json_ld(entity: Entity, site: Site) -> dict[str, Any]:
    return {"@context": SCHEMA_ORG, **_defined_term(entity, site, site.url(GLOSSARY))}


def page_json_ld(uri: str, briefing: Briefing, site: Site) -> dict[str, Any] | None:
    """The JSON-LD of a generated page, by its ``src_uri`` (None: the page has none)."""
    if uri == GLOSSARY:
        return glossary_json_ld(briefing, site)
    if uri.startswith("articles/") and uri.endswith(".md"):
        article = briefing.article(uri[len("articles/") : -len(".md")])
        return article_json_ld(article, site, briefing) if article else None
    if uri.startswith("glossary/") and uri.endswith(".md"):
        entity = briefing.entities.get(uri[len("glossary/") : -len(".md")])
        return entity_json_ld(entity, site) if entity else None
    return None


def head_links(site: Site, feed: bool) -> str:
    """What every page's ``<head>`` gets: the feed's autodiscovery link."""
    if not feed:
        return ""
    title = xml_text(site.name).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
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


# --------------------------------------------------------------------------- the feed

ATOM = "http://www.w3.org/2005/Atom"


def atom_feed(briefing: Briefing, site: Site, anchorings: Mapping[str, Anchoring]) -> str:
    """An Atom feed of the articles and annotations, newest first. ``site`` must be
    absolute: a feed's links are read outside the site."""
    if not site.absolute:
        raise ValueError("an Atom feed needs the site's absolute URL (site_url)")
    entries: list[tuple[str, int, etree.Element]] = []

    def sub(
        parent: etree.Element, tag: str, text: str | None = None, **attrs: str
    ) -> etree.Element:
        el = etree.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = xml_text(text)
        return el

    def entry(
        ident: str,
        title: str,
        day: dt.date,
        summary: str,
        authors: Iterable[str],
        categories: Iterable[str],
    ) -> etree.Element:
        el = etree.Element(f"{{{ATOM}}}entry")
        sub(el, "id", ident)
        sub(el, "title", title, type="text")
        sub(el, "updated", _datetime(day))
        sub(el, "published", _datetime(day))
        sub(el, "link", rel="alternate", type="text/html", href=ident)
        for name in authors:
            sub(sub(el, "author"), "name", name)
        for term in categories:
            sub(el, "category", term=xml_text(term))
        if summary:
            sub(el, "summary", summary, type="text")
        return el

    for article in briefing.articles:
        url = site.article(article.slug)
        entries.append(
            (
                article.date.isoformat(),
                1,
                entry(
                    url,
                    article.title,
                    article.date,
                    article.model.summary,
                    article.model.authors,
                    article.model.tags,
                ),
            )
        )
        for annotation in _in_reading_order(article, anchorings.get(article.slug)):
            model = annotation.model
            label = KIND_LABELS[model.kind]
            if model.verdict:
                label += f" ({VERDICT_LABELS[model.verdict]})"
            day = model.date or article.date
            text = plain_text(note_html(annotation, site, briefing, anchorings.get(article.slug)))
            entries.append(
                (
                    day.isoformat(),
                    0,
                    entry(
                        site.note(annotation),
                        f"{label} on “{fold_whitespace(model.quote)}”, in {article.title}",
                        day,
                        text,
                        [model.author] if model.author else [],
                        [model.kind],
                    ),
                )
            )
    # Newest first; on one day an article before its notes (a stable sort keeps the
    # articles' order and each article's notes in reading order).
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    etree.register_namespace("", ATOM)
    feed = etree.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", site.base)
    sub(feed, "title", site.name, type="text")
    sub(feed, "subtitle", "Articles and annotations", type="text")
    newest = max((e[0] for e in entries), default="1970-01-01")
    sub(feed, "updated", _datetime(dt.date.fromisoformat(newest)))
    sub(feed, "link", rel="self", type="application/atom+xml", href=site.url(FEED))
    sub(feed, "link", rel="alternate", type="text/html", href=site.base)
    sub(sub(feed, "author"), "name", site.author or site.name)
    sub(feed, "generator", "Briefing")
    for *_, el in entries:
        feed.append(el)
    etree.indent(feed)
    return etree.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


# --------------------------------------------------------------------------- the download


def data_document(
    briefing: Briefing,
    site: Site,
    anchorings: Mapping[str, Anchoring],
    mentioned_on: Mapping[str, Iterable[str]],
) -> dict[str, Any]:
    """``briefing.json``: entities, articles and annotations. ``mentioned_on`` maps an
    entity id to the ``src_uri`` of each page that mentions it."""
    entities = []
    for entity in sorted(briefing.entities.values(), key=lambda e: e.id):
        pages = sorted({site.url(uri) for uri in mentioned_on.get(entity.id, ())})
        entity_model = entity.model
        entities.append(
            {
                "id": entity.id,
                "name": entity.name,
                "type": entity.type,
                "summary": entity.summary,
                "aliases": list(entity_model.aliases),
                "related": list(entity_model.related),
                "dates": [{"date": d.date, "event": d.event} for d in entity_model.dates],
                "links": [{"title": link.title, "url": link.url} for link in entity_model.links],
                "mentions": len(pages),
                "mentioned_on": pages,
                "url": site.entity(entity.id),
                "reviewed": _iso(entity.reviewed),
            }
        )
    articles = []
    annotations = []
    for article in briefing.articles:
        anchoring = anchorings.get(article.slug)
        ordered = _in_reading_order(article, anchoring)
        source = article.model.source
        articles.append(
            {
                "slug": article.slug,
                "title": article.title,
                "date": article.date.isoformat(),
                "summary": article.model.summary,
                "source": None
                if source is None
                else {"name": source.name, "url": source.url, "published": source.published},
                "tags": list(article.model.tags),
                "authors": list(article.model.authors),
                "entities": sorted(
                    e for e, pages in mentioned_on.items() if article_uri(article.slug) in pages
                ),
                "annotations": [a.key for a in ordered],
                "url": site.article(article.slug),
            }
        )
        for annotation in ordered:
            model = annotation.model
            sel = selector(annotation, anchoring)
            annotations.append(
                {
                    "id": annotation.key,
                    "article": article.slug,
                    "number": anchoring.numbers.get(annotation.index) if anchoring else None,
                    "kind": model.kind,
                    "verdict": model.verdict,
                    "quote": model.quote,
                    "prefix": model.prefix,
                    "suffix": model.suffix,
                    "anchor": {
                        "anchored": bool(anchoring and annotation.index in anchoring.starts),
                        "start": anchoring.starts.get(annotation.index) if anchoring else None,
                        "exact": sel["exact"],
                        "prefix": sel.get("prefix", ""),
                        "suffix": sel.get("suffix", ""),
                    },
                    "note": model.note,
                    "entities": list(model.entities),
                    "sources": [{"title": s.title, "url": s.url} for s in model.sources],
                    "author": model.author,
                    "date": _iso(model.date),
                    "reviewed": _iso(annotation.reviewed),
                    "url": site.note(annotation),
                }
            )
    return {
        "$schema": site.url(DATA_SCHEMA),
        "title": site.name,
        "url": site.base if site.absolute else None,
        "entities": entities,
        "articles": articles,
        "annotations": annotations,
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


ENTITY_COLUMNS = ("id", "name", "type", "summary", "aliases", "related", "mentions", "url")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading =, +, -, @ would start a
    formula, so such a cell gets a leading apostrophe (OWASP's advice)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def entities_csv(data: Mapping[str, Any]) -> str:
    """``entities.csv`` from ``briefing.json``'s entities: lists joined with `` | ``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ENTITY_COLUMNS)
    for entity in data["entities"]:
        row = []
        for column in ENTITY_COLUMNS:
            value = entity[column]
            row.append(_cell(" | ".join(value) if isinstance(value, list) else value))
        writer.writerow(row)
    return out.getvalue()


def _strings() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


REVIEWED = "When a person last checked it against its sources (YYYY-MM-DD), if recorded"


def data_schema() -> dict[str, Any]:
    """The JSON Schema of ``briefing.json`` (and, in its description, of entities.csv)."""
    text = {"type": "string"}
    date = {"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}
    link = _object({"title": text, "url": text})
    entity = _object(
        {
            "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "name": text,
            "type": {"enum": list(ENTITY_TYPES)},
            "summary": text,
            "aliases": _strings(),
            "related": _strings(),
            "dates": {"type": "array", "items": _object({"date": date, "event": text})},
            "links": {"type": "array", "items": link},
            "mentions": {
                "type": "integer",
                "minimum": 0,
                "description": "How many pages mention the entity",
            },
            "mentioned_on": {**_strings(), "description": "URLs of the pages that mention it"},
            "url": text,
            "reviewed": {**_nullable(date), "description": REVIEWED},
        }
    )
    source = _object({"name": text, "url": _nullable(text), "published": _nullable(date)})
    article = _object(
        {
            "slug": text,
            "title": text,
            "date": date,
            "summary": text,
            "source": _nullable(source),
            "tags": _strings(),
            "authors": _strings(),
            "entities": {**_strings(), "description": "Ids of the entities the article mentions"},
            "annotations": {**_strings(), "description": "Ids of its annotations, in order"},
            "url": text,
        }
    )
    anchor = _object(
        {
            "anchored": {"type": "boolean"},
            "start": _nullable({"type": "integer", "minimum": 0}),
            "exact": text,
            "prefix": text,
            "suffix": text,
        }
    )
    annotation = _object(
        {
            "id": text,
            "article": text,
            "number": _nullable({"type": "integer", "minimum": 1}),
            "kind": {"enum": list(ANNOTATION_KINDS)},
            "verdict": {"enum": [*VERDICTS, None]},
            "quote": text,
            "prefix": text,
            "suffix": text,
            "anchor": {
                **anchor,
                "description": "Where the quote stands in the article's text as a reader "
                "sees it (a W3C TextQuoteSelector: exact, prefix, suffix; start is the offset)",
            },
            "note": {**text, "description": "Markdown, as written"},
            "entities": _strings(),
            "sources": {"type": "array", "items": _object({"title": text, "url": _nullable(text)})},
            "author": _nullable(text),
            "date": _nullable(date),
            "reviewed": {**_nullable(date), "description": REVIEWED},
            "url": text,
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Briefing data download (briefing.json)",
        "description": "Entities, articles and annotations of a briefing. entities.csv "
        "holds the entities, one a row, with the columns "
        + ", ".join(ENTITY_COLUMNS)
        + " (lists joined with ' | '; a cell that would start a spreadsheet formula "
        "begins with an apostrophe).",
        **_object(
            {
                "$schema": text,
                "title": text,
                "url": _nullable(text),
                "entities": {"type": "array", "items": {"$ref": "#/$defs/Entity"}},
                "articles": {"type": "array", "items": {"$ref": "#/$defs/Article"}},
                "annotations": {"type": "array", "items": {"$ref": "#/$defs/Annotation"}},
            }
        ),
        "$defs": {"Entity": entity, "Article": article, "Annotation": annotation},
    }


def open_data(
    briefing: Briefing,
    site: Site,
    anchorings: Mapping[str, Anchoring],
    mentioned_on: Mapping[str, Iterable[str]],
) -> dict[str, str]:
    """The files to publish at the site's root, by name. The feed only when the site
    has an absolute URL."""
    data = data_document(briefing, site, anchorings, mentioned_on)
    files = {
        ANNOTATIONS: json_file(annotation_collection(briefing, site, anchorings)),
        DATA: json_file(data),
        ENTITIES_CSV: entities_csv(data),
        DATA_SCHEMA: json_file(data_schema()),
    }
    if site.absolute:
        files[FEED] = atom_feed(briefing, site, anchorings)
    return files
