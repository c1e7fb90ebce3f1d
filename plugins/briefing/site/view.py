"""What the theme templates get for a page: plain values, no MkDocs objects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html import unescape
from pathlib import PurePosixPath
from urllib.parse import quote, urlencode

from ..core.context import RenderContext
from ..core.model import Article, Briefing, Entity
from ..core.safety import text_title
from .figures import Figures, Href, Node
from .pages import MAP, TIMELINE, TYPE_LABELS, GeneratedPage, entity_uri


@dataclass(frozen=True)
class EntityLink:
    id: str
    name: str
    summary: str
    """As a tooltip's title wants it (see ``safety.text_title``)."""
    type_label: str
    url: str


@dataclass(frozen=True)
class MentionGroup:
    title: str
    url: str
    sentences: tuple[tuple[str, str, str], ...]
    """Each sentence split around the entity's name: (before, name, after)."""


@dataclass(frozen=True)
class PageView:
    article: Article | None = None
    entity: Entity | None = None
    entities: tuple[EntityLink, ...] = ()
    """On an article: the entities it mentions, in order of first mention."""
    mentioned_in: tuple[MentionGroup, ...] = ()
    """On an entity page: the pages that mention it, with the sentences."""
    unanchored: int = 0
    annotate_url: str | None = None
    """Where a contributor adds an annotation to this article on GitHub: its sidecar
    file, opened in the editor (or created, prefilled, when it does not exist yet)."""
    issue_url: str | None = None
    """The repository's "new issue" address, for "Annotate this passage"."""
    figure: str = ""
    """SVG markup (map, entity's neighbours, timeline), built from escaped values."""
    related: tuple[tuple[Node, Node], ...] = ()
    """On the map: its related pairs."""
    together: tuple[tuple[Node, Node, int], ...] = ()
    """On the map: the co-mentions it draws, with the number of shared articles."""
    links: Mapping[str, str] = field(default_factory=dict)
    """On the map: entity id -> URL of its page, relative to this page."""


SIDECAR_TEMPLATE = """# Annotations of {slug}.md: a YAML list, see CONTRIBUTING.md
- quote: "exact words of the article, as a reader sees them"
  kind: context   # context, fact-check, definition, analysis, correction, question or update
  note: |
    Your note, in your own words.
  sources:
    - {{title: "Where the facts come from", url: "https://..."}}
"""


def edit_url(repo: str, branch: str, source: str) -> str:
    """Where to edit ``source`` on GitHub: its path percent-encoded, so that no file name
    can end the attribute it is printed in (the theme prints it unescaped). A page made
    from a whole folder (glossary, timeline) opens the folder instead."""
    action = "edit" if PurePosixPath(source).suffix else "tree"
    return f"{repo}/{action}/{quote(branch, safe='/')}/{quote(source, safe='/')}"


def annotate_url(repo: str, branch: str, briefing: Briefing, article: Article) -> str:
    if article.sidecar:
        return edit_url(repo, branch, article.sidecar)
    folder = quote(f"{briefing.src}/articles", safe="/")
    query = urlencode(
        {
            "filename": f"{article.slug}.annotations.yml",
            "value": SIDECAR_TEMPLATE.format(slug=article.slug),
        },
        quote_via=quote,
    )
    return f"{repo}/new/{quote(branch, safe='/')}/{folder}?{query}"


def page_view(
    briefing: Briefing,
    context: RenderContext,
    uri: str,
    generated: GeneratedPage | None,
    url_of: Callable[[str], str],
    max_sentences: int = 3,
    repo: str | None = None,
    branch: str = "main",
    figures: Figures | None = None,
    href: Href | None = None,
) -> PageView:
    def link(entity_id: str) -> EntityLink:
        e = briefing.entities[entity_id]
        return EntityLink(
            e.id,
            e.name,
            text_title(e.summary),
            TYPE_LABELS[e.type][0],
            url_of(entity_uri(e.id)),
        )

    if generated is not None and generated.article:
        article = briefing.article(generated.article)
        mentioned = [e for e in context.page_entities.get(uri, []) if e in briefing.entities]
        results = context.annotations.get(generated.article, [])
        return PageView(
            article=article,
            entities=tuple(link(e) for e in mentioned),
            unanchored=sum(1 for r in results if not r.anchored),
            annotate_url=annotate_url(repo, branch, briefing, article)
            if repo and article
            else None,
            issue_url=f"{repo}/issues/new" if repo else None,
        )
    if generated is not None and generated.entity:
        groups: dict[str, list[tuple[str, str, str]]] = {}
        titles: dict[str, str] = {}
        for mention in context.mentions.get(generated.entity, []):
            if mention.page == uri:
                continue
            # As the navigation shows it: MkDocs' titles are HTML ("Q &amp; A" from a
            # heading); the template escapes the text once.
            titles[mention.page] = unescape(context.titles.get(mention.page, mention.title))
            sentences = groups.setdefault(mention.page, [])
            split = mention.sentence.partition(mention.term) if mention.term else ("", "", "")
            if not split[1]:
                split = (mention.sentence, "", "")
            if split not in sentences and len(sentences) < max_sentences:
                sentences.append(split)
        order = sorted(groups, key=lambda page: (not page.startswith("articles/"), titles[page]))
        return PageView(
            entity=briefing.entities[generated.entity],
            figure=figures.ego(generated.entity, href) if figures and href else "",
            mentioned_in=tuple(
                MentionGroup(titles[page], url_of(page), tuple(groups[page])) for page in order
            ),
        )
    if figures is not None and href is not None and uri == MAP:
        related, together = figures.relations()
        return PageView(
            figure=figures.map(href),
            related=tuple(related),
            together=tuple(together),
            links={e: href(entity_uri(e)) for e in briefing.entities},
        )
    if figures is not None and href is not None and uri == TIMELINE:
        return PageView(figure=figures.timeline(href))
    return PageView()
