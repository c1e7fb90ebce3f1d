"""The Atom feed (``feed.xml``): the articles and their annotations, newest first.

Built as an element tree and serialised by ElementTree, with the characters XML 1.0
forbids removed from every text (:func:`~.site.xml_text`).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as etree
from collections.abc import Iterable, Mapping

from ...core.anchoring import fold_whitespace
from ...core.model import VERDICT_LABELS, Briefing
from ...markdown.extension import KIND_LABELS
from .rendered import Anchoring, in_reading_order, note_html, plain_text
from .site import FEED, Site, timestamp, xml_text

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
        sub(el, "updated", timestamp(day))
        sub(el, "published", timestamp(day))
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
        for annotation in in_reading_order(article, anchorings.get(article.slug)):
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
    sub(feed, "updated", timestamp(dt.date.fromisoformat(newest)))
    sub(feed, "link", rel="self", type="application/atom+xml", href=site.url(FEED))
    sub(feed, "link", rel="alternate", type="text/html", href=site.base)
    sub(sub(feed, "author"), "name", site.author or site.name)
    sub(feed, "generator", "Briefing")
    for *_, el in entries:
        feed.append(el)
    return etree.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"
