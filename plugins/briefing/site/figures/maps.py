"""The entity maps: the whole map (every entity, laid out and labelled) and the small
map on an entity's page (its neighbours on a ring around it), as figures of drawn
nodes and edges that ``map.svg.j2`` and ``ego.svg.j2`` write out. Coordinates are
rounded to tenths, so the same briefing gives byte-identical SVG.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from ...core.model import ENTITY_TYPES
from ..pages import entity_uri
from .graph import Edge, EntityGraph, Node
from .layout import FONT, Box, Label, place_labels, spring_layout
from .svg import Href, templates


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class DrawnNode:
    node: Node
    x: float
    y: float
    r: float
    href: str
    label: Label | None
    minor: bool = False
    """Labelled only on hover and focus (big maps label the most-mentioned nodes)."""
    centre: bool = False
    """The entity whose page shows the map."""


@dataclass(frozen=True)
class DrawnEdge:
    edge: Edge
    x1: float
    y1: float
    x2: float
    y2: float
    types: tuple[str, ...]
    width: float


@dataclass
class MapFigure:
    width: float
    height: float
    nodes: list[DrawnNode] = field(default_factory=list)
    edges: list[DrawnEdge] = field(default_factory=list)
    types: list[tuple[str, int]] = field(default_factory=list)
    """Entity types present, with how many entities each."""


def _radius(node: Node, most: int, small: float = 4.0, big: float = 16.0) -> float:
    if most <= 0:
        return small
    return round(small + (big - small) * math.sqrt(node.mentions / most), 1)


def _edges(
    graph: EntityGraph, drawn: Mapping[str, DrawnNode], scale: float = 1.0
) -> list[DrawnEdge]:
    out = []
    for edge in graph.edges:
        a, b = drawn.get(edge.a), drawn.get(edge.b)
        if a is None or b is None:
            continue
        width = 1.6 if edge.related else min(0.6 + 0.4 * (edge.weight - 1), 2.2)
        out.append(
            DrawnEdge(
                edge,
                a.x,
                a.y,
                b.x,
                b.y,
                tuple(sorted({a.node.type, b.node.type})),
                round(width * scale, 1),
            )
        )
    # Co-mentions under the relations they might hide.
    out.sort(key=lambda d: (d.edge.related, d.edge.a, d.edge.b))
    return out


def map_figure(
    graph: EntityGraph, href: Href, width: float = 1000.0, labelled: int = 60
) -> MapFigure:
    """The whole map: positions, sizes, labels. Beyond ``labelled`` entities only the
    most-mentioned carry a permanent label; the others show theirs on hover and focus."""
    n = len(graph.nodes)
    height = round(width * (0.62 if n <= 80 else 0.8))
    figure = MapFigure(width, height)
    counts = Counter(node.type for node in graph.nodes)
    figure.types = [(t, counts[t]) for t in ENTITY_TYPES if counts[t]]
    if n == 0:
        return figure
    positions = spring_layout(graph, iterations=120 if n <= 200 else 60)
    most = max(node.mentions for node in graph.nodes)
    shrink = 1.0 if n <= 80 else max(0.45, math.sqrt(80 / n))
    margin = 24.0
    order = sorted(graph.nodes, key=lambda nd: (-nd.mentions, nd.name.casefold(), nd.id))
    geometry: dict[str, tuple[float, float, float]] = {}
    for node in graph.nodes:
        px, py = positions[node.id]
        geometry[node.id] = (
            round(margin + px * (width - 2 * margin), 1),
            round(margin + py * (height - 2 * margin), 1),
            round(_radius(node, most) * shrink, 1),
        )
    shown = order if n <= labelled else order[:labelled]
    nodes_as_boxes = [Box(x - r, y - r, x + r, y + r) for x, y, r in geometry.values()]
    labels = place_labels(
        [(nd.id, *geometry[nd.id], _short(nd.name)) for nd in shown],
        width,
        height,
        obstacles=nodes_as_boxes,
    )
    minor = (
        {}
        if n <= labelled
        else place_labels(
            [(nd.id, *geometry[nd.id], _short(nd.name)) for nd in order[labelled:]], width, height
        )
    )
    drawn = {}
    for node in graph.nodes:
        x, y, r = geometry[node.id]
        label = labels.get(node.id) or minor.get(node.id)
        drawn[node.id] = DrawnNode(
            node, x, y, r, href(entity_uri(node.id)), label, node.id not in labels
        )
    # Small marks on top, so a big one never hides a small one.
    figure.nodes = sorted(drawn.values(), key=lambda d: (-d.r, d.node.id))
    figure.edges = _edges(graph, drawn)
    return figure


def map_svg(graph: EntityGraph, href: Href, labelled: int = 60) -> str:
    """The entity map as an inline SVG inside a <figure>, with its legend (which is
    also the type filter) and a caption box that shows the focused node's summary."""
    figure = map_figure(graph, href, labelled=labelled)
    return templates().get_template("map.svg.j2").render(figure=figure, graph=graph)


def ego_figure(graph: EntityGraph, entity_id: str, href: Href, cap: int = 12) -> MapFigure | None:
    """An entity and its direct neighbours (all related ones first, then the strongest
    co-mentions, at most ``cap``) on an ellipse around it."""
    by_id = graph.by_id
    centre = by_id.get(entity_id)
    if centre is None:
        return None
    around = sorted(
        graph.neighbours(entity_id),
        key=lambda en: (not en[0].related, -en[0].weight, by_id[en[1]].name.casefold()),
    )[:cap]
    if not around:
        return None
    # Around the ring by type, then name, so neighbours of a kind sit together.
    around.sort(
        key=lambda en: (ENTITY_TYPES.index(by_id[en[1]].type), by_id[en[1]].name.casefold())
    )
    width, height = 640.0, 300.0
    cx, cy, rx, ry = width / 2, height / 2, 150.0, 105.0
    figure = MapFigure(width, height)
    most = max(by_id[o].mentions for _, o in around)
    most = max(most, centre.mentions)
    drawn: dict[str, DrawnNode] = {}
    r0 = max(_radius(centre, most, 8, 18), 10)
    drawn[centre.id] = DrawnNode(
        centre,
        cx,
        cy,
        r0,
        href(entity_uri(centre.id)),
        Label(cx, round(cy + r0 + FONT + 2, 1), "middle", _short(centre.name, 30)),
        centre=True,
    )
    count = len(around)
    for k, (_, other_id) in enumerate(around):
        other = by_id[other_id]
        angle = -math.pi / 2 + 2 * math.pi * k / count + (math.pi / count if count % 2 == 0 else 0)
        x, y = round(cx + rx * math.cos(angle), 1), round(cy + ry * math.sin(angle), 1)
        r = _radius(other, most, 5, 12)
        cos = math.cos(angle)
        text = _short(other.name, 24)
        if cos > 0.25:
            label = Label(round(x + r + 4, 1), round(y + FONT * 0.35, 1), "start", text)
        elif cos < -0.25:
            label = Label(round(x - r - 4, 1), round(y + FONT * 0.35, 1), "end", text)
        elif math.sin(angle) < 0:
            label = Label(x, round(y - r - 4, 1), "middle", text)
        else:
            label = Label(x, round(y + r + FONT + 2, 1), "middle", text)
        drawn[other.id] = DrawnNode(other, x, y, r, href(entity_uri(other.id)), label)
    sub = EntityGraph(
        tuple(d.node for d in drawn.values()),
        tuple(e for e, other in around),
    )
    figure.nodes = [*list(drawn.values())[1:], drawn[centre.id]]
    figure.edges = _edges(sub, drawn)
    counts = Counter(d.node.type for d in drawn.values())
    figure.types = [(t, counts[t]) for t in ENTITY_TYPES if counts[t]]
    return figure


def ego_svg(graph: EntityGraph, entity_id: str, href: Href) -> str:
    """The small map on an entity's page ("" when it has no neighbours)."""
    figure = ego_figure(graph, entity_id, href)
    if figure is None:
        return ""
    return (
        templates().get_template("ego.svg.j2").render(figure=figure, centre=graph.by_id[entity_id])
    )
