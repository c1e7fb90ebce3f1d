"""What the theme templates get for a page: plain values, no MkDocs objects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .context import RenderContext
from .model import Article, Briefing, Entity
from .pages import TYPE_LABELS, GeneratedPage


@dataclass(frozen=True)
class EntityLink:
    id: str
    name: str
    summary: str
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


def page_view(
    briefing: Briefing,
    context: RenderContext,
    uri: str,
    generated: GeneratedPage | None,
    url_of: Callable[[str], str],
    max_sentences: int = 3,
) -> PageView:
    def link(entity_id: str) -> EntityLink:
        e = briefing.entities[entity_id]
        return EntityLink(
            e.id, e.name, e.summary, TYPE_LABELS[e.type][0], url_of(f"glossary/{e.id}.md")
        )

    if generated is not None and generated.article:
        article = briefing.article(generated.article)
        mentioned = [e for e in context.page_entities.get(uri, []) if e in briefing.entities]
        results = context.annotations.get(generated.article, [])
        return PageView(
            article=article,
            entities=tuple(link(e) for e in mentioned),
            unanchored=sum(1 for r in results if not r.anchored),
        )
    if generated is not None and generated.entity:
        groups: dict[str, list[tuple[str, str, str]]] = {}
        titles: dict[str, str] = {}
        for mention in context.mentions.get(generated.entity, []):
            if mention.page == uri:
                continue
            titles[mention.page] = mention.title
            sentences = groups.setdefault(mention.page, [])
            split = mention.sentence.partition(mention.term) if mention.term else ("", "", "")
            if not split[1]:
                split = (mention.sentence, "", "")
            if split not in sentences and len(sentences) < max_sentences:
                sentences.append(split)
        order = sorted(groups, key=lambda page: (not page.startswith("articles/"), titles[page]))
        return PageView(
            entity=briefing.entities[generated.entity],
            mentioned_in=tuple(
                MentionGroup(titles[page], url_of(page), tuple(groups[page])) for page in order
            ),
        )
    return PageView()
