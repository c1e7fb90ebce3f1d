"""The briefing's pictures, drawn at build time as static SVG: the entity map, a small
map of each entity's neighbours, and the timeline.

Plain functions from the loaded :class:`Briefing` and what the pages recorded while
they rendered (who mentions whom) to SVG text. No MkDocs imports; the SVG markup lives
in Jinja templates under ``figure_templates/`` (autoescaped), the geometry here:
:mod:`.graph` (the entity graph), :mod:`.layout` (where nodes and labels go),
:mod:`.maps` (the entity maps), :mod:`.timeline`, and what their SVG shares in
:mod:`.svg`. :class:`Figures` draws them for one build.

Layout is deterministic: a force-directed layout (Fruchterman-Reingold, numpy) that
starts from positions derived from the entity ids, never from a random state, and
coordinates rounded to tenths, so the same briefing gives byte-identical SVG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

from ...core.model import Briefing
from .graph import EntityGraph, Node, entity_graph, relation_list
from .layout import place_labels
from .maps import ego_svg, map_svg
from .svg import Href
from .timeline import timeline_svg

__all__ = [
    "Figures",
    "Href",
    "Node",
    "ego_svg",
    "entity_graph",
    "map_svg",
    "place_labels",
    "timeline_svg",
]


class Figures:
    """The figures of one build, from what its pages recorded. Made once all pages are
    rendered (the map needs every mention); the graph is computed on first use."""

    def __init__(
        self,
        briefing: Briefing,
        page_entities: Mapping[str, Sequence[str]],
        mentions: Mapping[str, Sequence[object]],
    ) -> None:
        self.briefing = briefing
        self.page_entities = page_entities
        self.mentions = mentions

    @cached_property
    def graph(self) -> EntityGraph:
        return entity_graph(self.briefing, self.page_entities, self.mentions)

    def map(self, href: Href) -> str:
        return map_svg(self.graph, href)

    def ego(self, entity_id: str, href: Href) -> str:
        return ego_svg(self.graph, entity_id, href)

    def timeline(self, href: Href) -> str:
        return timeline_svg(self.briefing, href)

    def relations(self) -> tuple[list[tuple[Node, Node]], list[tuple[Node, Node, int]]]:
        return relation_list(self.graph)
