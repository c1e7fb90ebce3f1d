"""The entity graph the maps draw: one node per entity (with how often the articles
mention it), an edge for every ``related`` pair and for the strongest co-mentions; and
the same edges as text, for the list under the map.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

from ...core.model import Briefing
from ..pages import TYPE_LABELS, article_uri


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str
    summary: str
    mentions: int = 0
    """Sentences that mention the entity, over all articles."""
    articles: int = 0
    """Articles that mention the entity."""

    @property
    def type_label(self) -> str:
        return TYPE_LABELS[self.type][0]

    def describe(self) -> str:
        """The node's text alternative."""
        counted = (
            f"{self.mentions} mention{'s' if self.mentions != 1 else ''} "
            f"in {self.articles} article{'s' if self.articles != 1 else ''}"
            if self.articles
            else "not mentioned in the articles"
        )
        return f"{self.name} ({self.type_label}): {self.summary} {counted}."


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    """Entity ids, ``a < b``."""
    related: bool
    """Listed in ``related`` (by either side); otherwise only mentioned together."""
    weight: int
    """Articles that mention both."""


@dataclass(frozen=True)
class EntityGraph:
    nodes: tuple[Node, ...]
    """Sorted by id."""
    edges: tuple[Edge, ...]
    """Every ``related`` pair, then the strongest co-mentions; sorted by (a, b)."""

    @cached_property
    def by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    @cached_property
    def _incident(self) -> dict[str, list[Edge]]:
        out: dict[str, list[Edge]] = {}
        for e in self.edges:
            out.setdefault(e.a, []).append(e)
            out.setdefault(e.b, []).append(e)
        return out

    def neighbours(self, entity_id: str) -> list[tuple[Edge, str]]:
        return [(e, e.b if e.a == entity_id else e.a) for e in self._incident.get(entity_id, [])]


def entity_graph(
    briefing: Briefing,
    page_entities: Mapping[str, Sequence[str]],
    mentions: Mapping[str, Sequence[object]] | None = None,
    co_mentions_per_entity: int = 3,
) -> EntityGraph:
    """Entities and their relations: every ``related`` pair, and co-mentions (entities
    named in the same article, weighted by the number of such articles). Each entity
    keeps its ``co_mentions_per_entity`` strongest co-mentions, so a big briefing gives
    a map, not a hairball; a pair mentioned together once only counts when the
    briefing has few articles."""
    articles = {article_uri(a.slug) for a in briefing.articles}
    known = briefing.entities
    per_entity: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for uri, ids in page_entities.items():
        if uri not in articles:
            continue
        present = sorted({i for i in ids if i in known})
        per_entity.update(present)
        pairs.update(combinations(present, 2))
    sentences: Counter[str] = Counter()
    for entity_id, items in (mentions or {}).items():
        sentences[entity_id] = sum(1 for m in items if getattr(m, "page", None) in articles)
    nodes = tuple(
        Node(
            e.id,
            e.name,
            e.type,
            e.summary,
            max(sentences[e.id], per_entity[e.id]),
            per_entity[e.id],
        )
        for e in sorted(known.values(), key=lambda e: e.id)
    )
    related: set[tuple[str, str]] = set()
    for e in known.values():
        for other in e.model.related:
            if other in known and other != e.id:
                related.add((min(e.id, other), max(e.id, other)))
    least = 1 if len(articles) < 50 else 2
    strongest: dict[str, list[tuple[int, tuple[str, str]]]] = {}
    for pair, weight in pairs.items():
        if pair in related or weight < least:
            continue
        for end in pair:
            strongest.setdefault(end, []).append((-weight, pair))
    chosen: set[tuple[str, str]] = set()
    for ranked in strongest.values():
        chosen.update(pair for _, pair in heapq.nsmallest(co_mentions_per_entity, ranked))
    edges = [Edge(a, b, True, pairs.get((a, b), 0)) for a, b in related]
    edges.extend(Edge(a, b, False, pairs[(a, b)]) for a, b in chosen)
    edges.sort(key=lambda e: (e.a, e.b))
    return EntityGraph(nodes, tuple(edges))


def relation_list(
    graph: EntityGraph,
) -> tuple[list[tuple[Node, Node]], list[tuple[Node, Node, int]]]:
    """The map's edges as text: related pairs, then co-mentions with their counts."""
    by_id = graph.by_id
    related = [(by_id[e.a], by_id[e.b]) for e in graph.edges if e.related]
    related.sort(key=lambda p: (p[0].name.casefold(), p[1].name.casefold()))
    together = [(by_id[e.a], by_id[e.b], e.weight) for e in graph.edges if not e.related]
    together.sort(key=lambda t: (-t[2], t[0].name.casefold(), t[1].name.casefold()))
    return related, together
