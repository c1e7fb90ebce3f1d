"""The generated pages: Markdown sources for articles, glossary, entities, timeline.

Pure functions from a :class:`Briefing` to page sources; the MkDocs plugin
turns them into virtual files (``File.generated``), never into files in
``docs/``. Presentation lives in the Jinja templates under
``templates/briefing/pages``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2
from markupsafe import escape

from ..core.context import PageRef, Source
from ..core.contract import ARTICLES as ARTICLES
from ..core.contract import GLOSSARY as GLOSSARY
from ..core.contract import KIND_LABELS, note_slot
from ..core.contract import MAP as MAP
from ..core.contract import TIMELINE as TIMELINE
from ..core.contract import TYPE_LABELS as TYPE_LABELS
from ..core.contract import article_uri as article_uri
from ..core.contract import entity_uri as entity_uri
from ..core.mentions import is_cjk
from ..core.model import Briefing, Entity
from ..core.review import ReviewStatus
from ..core.safety import close_tags
from .templatecache import own_templates

REVIEW = "review/index.md"

_MD_SPECIAL = {ord(c): "\\" + c for c in "\\`*_[]"} | {ord("<"): "&lt;", ord("&"): "&amp;"}


def md_escape(text: str) -> str:
    """Make plain text safe to drop into Markdown: it renders as itself."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def lang_of(text: str) -> str:
    return "zh" if any(is_cjk(c) for c in text) else "en"


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefing.site", "page_templates"),
        autoescape=False,  # these templates write Markdown; values pass md_escape or e
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        bytecode_cache=own_templates(),
    )
    env.filters["md_escape"] = md_escape
    env.filters["close_tags"] = close_tags
    env.filters["yaml_string"] = lambda s: json.dumps(" ".join(str(s).split()), ensure_ascii=False)
    env.filters["lang"] = lang_of
    env.globals["type_label"] = lambda t: TYPE_LABELS[t][0]
    env.globals["type_plural"] = lambda t: TYPE_LABELS[t][1]
    env.globals["kind_label"] = KIND_LABELS.__getitem__
    env.globals["note_slot"] = note_slot
    return env


@dataclass(frozen=True)
class GeneratedPage:
    uri: str
    """Where the page stands in the site, e.g. ``glossary/kling.md``."""
    content: str
    source: str
    """Project-relative source file, for "edit this page"."""
    article: str | None = None
    entity: str | None = None
    autolink: bool = True
    body_line: int = 1
    """Line of the source file where the page's body starts (for diagnostics)."""
    body: str = ""
    body_col: int = 1


def generated_ref(page: GeneratedPage, title: str) -> PageRef:
    """The render context of a generated page: the same for every host and the check."""
    source = Source(page.source, page.body_line, page.body, page.body_col)
    return PageRef(page.uri, title, source, page.article, page.entity, page.autolink)


NAV_ARTICLES = 30
"""Up to this many articles, the navigation lists them all by default (newest first);
beyond, the Articles page alone (which lists them all). Every page carries the
navigation, so a long one costs time on every page. Listing part of them (the newest
ten, before round 8 of docs/about/performance.md) gave most articles no place in it;
Material's own blog keeps its posts out of the navigation altogether."""
NAV_ENTITIES = 150
"""Up to this many entities, the navigation lists them by type by default."""


def navigation(
    briefing: Briefing,
    docs: list[str],
    articles: int = NAV_ARTICLES,
    entities: int = NAV_ENTITIES,
    review: bool = False,
) -> list[Any]:
    """The site's navigation: the hand-written pages (``docs``, Home first), then
    :func:`sections`."""
    ordered = sorted(docs, key=lambda uri: (uri != "index.md", "/" in uri, uri))
    nav: list[Any] = [{"Home": uri} if uri == "index.md" else uri for uri in ordered]
    return nav + sections(briefing, articles, entities, review)


def sections(
    briefing: Briefing,
    articles: int = NAV_ARTICLES,
    entities: int = NAV_ENTITIES,
    review: bool = False,
) -> list[Any]:
    """Briefing's sections of the navigation: the articles, newest first, up to
    ``articles`` of them (beyond, the Articles page alone, which lists them all), the
    glossary by type up to ``entities`` entities, the map, the timeline and
    (``review``: with a review period) the page of what is due for review. Every page
    carries the navigation, so a long one costs time on every page."""
    glossary: list[Any] = [GLOSSARY]
    if len(briefing.entities) <= entities:
        for kind, members in briefing.entities_by_type():
            glossary.append({TYPE_LABELS[kind][1]: [entity_uri(e.id) for e in members]})
    listed = briefing.articles if len(briefing.articles) <= articles else []
    # A section of the index page alone is one link (Material draws a section's
    # folding and its own list on every page).
    return [
        {"Articles": [ARTICLES, *[article_uri(a.slug) for a in listed]] if listed else ARTICLES},
        {"Glossary": glossary if len(glossary) > 1 else GLOSSARY},
        {"Map": MAP},
        {"Timeline": TIMELINE},
        *([{"Due for review": REVIEW}] if review else []),
    ]


def compact_sections(review: bool = False) -> list[Any]:
    """Briefing's sections for a site with its own nav: one entry each. Listing every
    article and entity would grow the site's navigation, rendered on every page, by
    as many entries (and its build time with them)."""
    return [
        {"Articles": ARTICLES},
        {"Glossary": GLOSSARY},
        {"Map": MAP},
        {"Timeline": TIMELINE},
        *([{"Due for review": REVIEW}] if review else []),
    ]


def nav_names(nav: Any) -> set[str]:
    """Every page path a ``nav`` (as written in mkdocs.yml) names."""
    if isinstance(nav, str):
        return {nav}
    if isinstance(nav, list):
        return set().union(*(nav_names(item) for item in nav))
    if isinstance(nav, dict):
        return set().union(*(nav_names(value) for value in nav.values()))
    return set()


def generate_pages(
    briefing: Briefing, *, root: str = "/", cjk_gap: str = "", review: ReviewStatus | None = None
) -> list[GeneratedPage]:
    """Every generated page's Markdown. Links between them start with ``root``: ``/``
    (docs-absolute, which the MkDocs plugin has MkDocs resolve) or ``../`` (relative:
    every generated page stands one folder deep), as the export writes them.
    ``cjk_gap`` goes around CJK aliases: a zero-width space lets a search that splits
    words only on its separator (Zensical's) index ``可灵`` as a word of its own.
    ``review``: what is due for review, for the ``review/`` page (None: no page)."""
    env = _env().overlay()
    env.globals["root"] = root
    env.filters["gap"] = lambda alias: (
        f"{cjk_gap}{escape(alias)}{cjk_gap}" if lang_of(alias) == "zh" else escape(alias)
    )
    pages: list[GeneratedPage] = []
    for article in briefing.articles:
        pages.append(
            GeneratedPage(
                article_uri(article.slug),
                env.get_template("article.md.j2").render(article=article),
                article.path,
                article=article.slug,
                body_line=article.body_line,
                body=article.body,
            )
        )
    entity_template = env.get_template("entity.md.j2")
    for entity in sorted(briefing.entities.values(), key=lambda e: e.id):
        related = [briefing.entities[r] for r in entity.model.related if r in briefing.entities]
        pages.append(
            GeneratedPage(
                entity_uri(entity.id),
                entity_template.render(
                    entity=entity,
                    related=related,
                    annotations=briefing.annotations_about(entity.id),
                ),
                entity.path,
                entity=entity.id,
                body_line=(entity.description_position or entity.position).line,
                body=entity.model.description,
                body_col=(entity.description_position or entity.position).col,
            )
        )
    pages.append(
        GeneratedPage(
            ARTICLES,
            env.get_template("articles.md.j2").render(articles=briefing.articles),
            f"{briefing.src}/articles",
            autolink=False,
        )
    )
    pages.append(
        GeneratedPage(
            GLOSSARY,
            env.get_template("glossary.md.j2").render(
                groups=briefing.entities_by_type(), count=len(briefing.entities)
            ),
            f"{briefing.src}/entities",
            autolink=False,
        )
    )
    pages.append(
        GeneratedPage(
            TIMELINE,
            env.get_template("timeline.md.j2").render(years=timeline(briefing)),
            f"{briefing.src}/entities",
        )
    )
    pages.append(
        GeneratedPage(
            MAP,
            env.get_template("map.md.j2").render(count=len(briefing.entities)),
            f"{briefing.src}/entities",
            autolink=False,
        )
    )
    if review is not None:
        pages.append(review_page(briefing, review, env))
    return pages


def review_page(briefing: Briefing, status: ReviewStatus, env: jinja2.Environment) -> GeneratedPage:
    """``review/``: the entities and notes due for review, with links and dates."""

    def reviewed(day: Any) -> str:
        return f"last reviewed {day.isoformat()}" if day else "never reviewed"

    content = env.get_template("review.md.j2").render(
        status=status,
        entities=[d for d in status.due if isinstance(d.item, Entity)],
        notes=[d for d in status.due if not isinstance(d.item, Entity)],
        articles={a.slug: a for a in briefing.articles},
        reviewed=reviewed,
    )
    return GeneratedPage(REVIEW, content, briefing.src, autolink=False)


@dataclass(frozen=True)
class TimelineEntry:
    date: str
    kind: str  # "article" or "entity"
    ref: str
    title: str
    text: str = ""


def timeline(briefing: Briefing) -> list[tuple[str, list[TimelineEntry]]]:
    entries: list[TimelineEntry] = [
        TimelineEntry(a.date.isoformat(), "article", a.slug, a.title) for a in briefing.articles
    ]
    entries.extend(
        TimelineEntry(item.date, "entity", entity.id, entity.name, item.event)
        for entity in briefing.entities.values()
        for item in entity.model.dates
    )
    entries.sort(key=lambda e: (e.date, e.kind != "entity", e.title.casefold()))
    years: dict[str, list[TimelineEntry]] = {}
    for entry in entries:
        years.setdefault(entry.date[:4], []).append(entry)
    return list(years.items())
