"""The briefing's pictures, drawn at build time as static SVG: the entity map, a small
map of each entity's neighbours, and the timeline.

Plain functions from the loaded :class:`Briefing` and what the pages recorded while
they rendered (who mentions whom) to SVG text. No MkDocs imports; the SVG markup lives
in Jinja templates under ``figure_templates/`` (autoescaped), the geometry here.

Layout is deterministic: a force-directed layout (Fruchterman-Reingold, numpy) that
starts from positions derived from the entity ids, never from a random state, and
coordinates rounded to tenths, so the same briefing gives byte-identical SVG.
"""

from __future__ import annotations

import calendar
import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from itertools import combinations, pairwise

import jinja2
import numpy as np

from ..core.model import ENTITY_TYPES, Briefing
from .pages import TYPE_LABELS, TimelineEntry, article_uri, entity_uri, timeline

Href = Callable[[str], str]
"""Page ``src_uri`` (``glossary/kling.md``) -> a URL relative to the page drawing it."""

TYPE_COLOURS = {
    # Light scheme and the PDF; the site's dark scheme overrides them in briefing.css.
    "company": "#2563eb",
    "product": "#0e7490",
    "person": "#be185d",
    "organization": "#7c3aed",
    "government": "#b91c1c",
    "policy": "#b45309",
    "event": "#15803d",
    "place": "#4d7c0f",
    "concept": "#57534e",
}
ARTICLE_COLOUR = "#374151"
FONT = 12.0
"""Label size in SVG units (the map is drawn 1000 units wide)."""


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


# --------------------------------------------------------------------------- layout


def _unit(key: str) -> float:
    """A number in [0, 1) from a string, the same on every machine and every run."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") / 2**32


def spring_layout(
    graph: EntityGraph, iterations: int = 120, group_pull: float = 0.08
) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold positions in the unit square. Each type starts in its own
    sector and is gently pulled towards it, so types cluster and a large map reads as
    regions; linked entities pull together, all others push apart."""
    n = len(graph.nodes)
    if n == 0:
        return {}
    if n == 1:
        return {graph.nodes[0].id: (0.5, 0.5)}
    index = {node.id: i for i, node in enumerate(graph.nodes)}
    types = sorted({node.type for node in graph.nodes}, key=ENTITY_TYPES.index)
    anchor = {
        t: (
            0.5 + 0.3 * math.cos(2 * math.pi * k / len(types)),
            0.5 + 0.3 * math.sin(2 * math.pi * k / len(types)),
        )
        for k, t in enumerate(types)
    }
    if len(types) == 1:
        anchor = {types[0]: (0.5, 0.5)}
    anchors = np.array([anchor[node.type] for node in graph.nodes])
    jitter = np.array([[_unit(node.id) - 0.5, _unit(node.id + "/y") - 0.5] for node in graph.nodes])
    pos = anchors + 0.25 * jitter
    # Attraction along the edges only (sparse); repulsion between every pair (dense,
    # float32: half the memory traffic, and the positions are rounded anyway).
    strength: dict[tuple[int, int], float] = {}
    for edge in graph.edges:
        w = 1.5 if edge.related else min(1.0, 0.35 + 0.15 * edge.weight)
        pair = (index[edge.a], index[edge.b])
        strength[pair] = max(strength.get(pair, 0.0), w)
    ends_a = np.array([p[0] for p in strength], dtype=np.intp)
    ends_b = np.array([p[1] for p in strength], dtype=np.intp)
    pull_w = np.array(list(strength.values()), dtype=np.float64)
    k = 1.0 / math.sqrt(n)
    temperature = 0.1
    cool = temperature / (iterations + 1)
    x = pos[:, 0].astype(np.float32)
    y = pos[:, 1].astype(np.float32)
    pull = np.float32(group_pull * n * k)
    anchor_x = anchors[:, 0].astype(np.float32)
    anchor_y = anchors[:, 1].astype(np.float32)
    k2 = np.float32(k * k)
    for _ in range(iterations):
        dx = np.subtract.outer(x, x)
        dy = np.subtract.outer(y, y)
        d2 = dx * dx
        d2 += dy * dy
        np.maximum(d2, np.float32(1e-4), out=d2)
        np.divide(k2, d2, out=d2)  # repulsion k²/d, over d to scale the unit vector
        move_x = np.einsum("ij,ij->i", dx, d2) + pull * (anchor_x - x)
        move_y = np.einsum("ij,ij->i", dy, d2) + pull * (anchor_y - y)
        if len(pull_w):
            ex = x[ends_a] - x[ends_b]
            ey = y[ends_a] - y[ends_b]
            attract = pull_w * np.hypot(ex, ey) / k  # d²/k, over d
            np.subtract.at(move_x, ends_a, ex * attract)
            np.add.at(move_x, ends_b, ex * attract)
            np.subtract.at(move_y, ends_a, ey * attract)
            np.add.at(move_y, ends_b, ey * attract)
        length = np.maximum(np.hypot(move_x, move_y), 0.01)
        x += (move_x * (temperature / length)).astype(np.float32)
        y += (move_y * (temperature / length)).astype(np.float32)
        temperature -= cool
    pos = np.stack([x, y], axis=1).astype(np.float64)
    pos -= pos.min(axis=0)
    span = pos.max(axis=0)
    span[span == 0] = 1
    pos /= span
    return {node.id: (float(pos[i, 0]), float(pos[i, 1])) for i, node in enumerate(graph.nodes)}


def _text_width(text: str, size: float = FONT) -> float:
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)
    return size * (0.58 * (len(text) - wide) + 1.0 * wide)


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlap(self, other: Box) -> float:
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return w * h if w > 0 and h > 0 else 0.0


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    """Baseline."""
    anchor: str  # start, middle, end
    text: str
    size: float = FONT

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the backdrop that keeps the label legible over lines."""
        w = _text_width(self.text, self.size) + 2
        x0 = {"start": self.x - 1, "end": self.x - w + 1}.get(self.anchor, self.x - w / 2)
        return (
            round(x0, 1),
            round(self.y - self.size * 0.85, 1),
            round(w, 1),
            round(self.size * 1.1, 1),
        )


def place_labels(
    items: Sequence[tuple[str, float, float, float, str]],
    width: float,
    height: float,
    size: float = FONT,
    obstacles: Iterable[Box] = (),
) -> dict[str, Label]:
    """Greedy label placement: for each (id, x, y, radius, text), most important first,
    the first of eight spots around the mark that overlaps nothing placed so far (or
    the one that overlaps least)."""
    placed: list[Box] = list(obstacles)
    cell = 60.0
    grid: dict[tuple[int, int], list[Box]] = {}

    def cells(box: Box) -> Iterable[tuple[int, int]]:
        for gx in range(int(box.x0 // cell), int(box.x1 // cell) + 1):
            for gy in range(int(box.y0 // cell), int(box.y1 // cell) + 1):
                yield gx, gy

    def add(box: Box) -> None:
        for key in cells(box):
            grid.setdefault(key, []).append(box)

    def cost(box: Box) -> float:
        seen: set[int] = set()
        total = 0.0
        for key in cells(box):
            for other in grid.get(key, ()):
                if id(other) not in seen:
                    seen.add(id(other))
                    total += box.overlap(other)
        outside = max(0, -box.x0) + max(0, box.x1 - width) + max(0, -box.y0)
        outside += max(0, box.y1 - height)
        return total + outside * size * 4

    for box in placed:
        add(box)
    labels: dict[str, Label] = {}
    for key, x, y, r, text in items:
        gap, d = r + 2, (r + 2) * 0.7
        spots = [
            (x + gap, y + size * 0.35, "start"),
            (x - gap, y + size * 0.35, "end"),
            (x, y - gap - 2, "middle"),
            (x, y + gap + size, "middle"),
            (x + d, y - d, "start"),
            (x - d, y - d, "end"),
            (x + d, y + d + size * 0.8, "start"),
            (x - d, y + d + size * 0.8, "end"),
        ]
        best: tuple[Label, Box] | None = None
        best_cost = math.inf
        for lx, ly, anchor in spots:
            label = Label(round(lx, 1), round(ly, 1), anchor, text, size)
            bx, by, bw, bh = label.box
            box = Box(bx, by, bx + bw, by + bh)
            c = cost(box)
            if c < best_cost:
                best, best_cost = (label, box), c
            if c == 0:
                break
        assert best is not None
        add(best[1])
        labels[key] = best[0]
    return labels


# --------------------------------------------------------------------------- drawing


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefing.site", "figure_templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["type_label"] = lambda t: TYPE_LABELS[t][0]
    env.globals["type_plural"] = lambda t: TYPE_LABELS[t][1]
    env.globals["colour"] = TYPE_COLOURS.__getitem__
    return env


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
    return _templates().get_template("map.svg.j2").render(figure=figure, graph=graph)


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
        _templates().get_template("ego.svg.j2").render(figure=figure, centre=graph.by_id[entity_id])
    )


# --------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class Mark:
    entry: TimelineEntry
    x: float
    y: float
    colour: str
    type: str
    href: str
    label: str


@dataclass
class TimelineFigure:
    width: float
    height: float
    years: list[tuple[str, float, float]] = field(default_factory=list)
    """(year, x where it starts, x where it ends)."""
    breaks: list[float] = field(default_factory=list)
    """x of the gaps where years with nothing dated are left out."""
    lanes: list[tuple[str, float, float]] = field(default_factory=list)
    """(title, top, bottom)."""
    marks: list[Mark] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    axis_y: float = 0.0


def _fraction(date: str) -> float:
    """Where in its year a date (YYYY, YYYY-MM or YYYY-MM-DD) falls, 0..1; a month
    without a day stands in its middle."""
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 1:
        return 0.5
    year, month = parts[0], parts[1]
    days = calendar.monthrange(year, month)[1]
    day = parts[2] - 0.5 if len(parts) > 2 else days / 2
    return (month - 1 + day / days) / 12


MIN_UNIT = 12.0
"""Narrowest width of a year with nothing but one mark on the timeline."""


def timeline_figure(briefing: Briefing, href: Href, width: float = 760.0) -> TimelineFigure:
    """Dated entity events and articles on one axis. Years that have something get a
    width that grows with how much they hold; runs of empty years shrink to a break,
    so a briefing that reaches back decades still spreads out its busy recent years."""
    years = timeline(briefing)
    figure = TimelineFigure(width, 0)
    if not years:
        return figure
    left, right, gap = 88.0, 8.0, 14.0
    weights = [1.0 + len(entries) / 2.5 for _, entries in years]
    breaks = sum(1 for (a, _), (b, _) in pairwise(years) if int(b) - int(a) > 1)
    # Many far-apart years: the figure widens (it scrolls) rather than give its years a
    # negative width.
    width = figure.width = max(width, left + right + breaks * gap + sum(weights) * MIN_UNIT)
    unit = (width - left - right - breaks * gap) / sum(weights)
    x = left
    spans: dict[str, tuple[float, float]] = {}
    previous: int | None = None
    for (year, _), w in zip(years, weights, strict=True):
        if previous is not None and int(year) - previous > 1:
            figure.breaks.append(round(x + gap / 2, 1))
            x += gap
        spans[year] = (x, x + w * unit)
        figure.years.append((year, round(x, 1), round(x + w * unit, 1)))
        x += w * unit
        previous = int(year)
    entity_types = {e.id: e.type for e in briefing.entities.values()}
    entries = [e for _, es in years for e in es]
    lane_defs = [("Articles", "article", [e for e in entries if e.kind == "article"])]
    for kind in ENTITY_TYPES:
        lane_defs.append(
            (
                TYPE_LABELS[kind][1],
                kind,
                [e for e in entries if e.kind == "entity" and entity_types.get(e.ref) == kind],
            )
        )
    radius, step, top = 5.0, 10.0, 8.0
    for title, kind, members in lane_defs:
        if not members:
            continue
        rows: list[float] = []
        """The rightmost mark of each row so far (entries come in date order)."""
        placed: list[tuple[TimelineEntry, float, int]] = []
        for entry in members:
            start, end = spans[entry.date[:4]]
            mx = start + (end - start) * _fraction(entry.date)
            row = next((i for i, last in enumerate(rows) if mx - last >= 2 * radius + 1), None)
            if row is None:
                row = len(rows)
                rows.append(mx)
            rows[row] = mx
            placed.append((entry, mx, row))
        lane_top = top
        lane_bottom = lane_top + 10 + len(rows) * step
        figure.lanes.append((title, lane_top, lane_bottom))
        for entry, mx, row in placed:
            my = lane_bottom - 10 - row * step
            if entry.kind == "article":
                colour = ARTICLE_COLOUR
                target = href(article_uri(entry.ref))
                label = f"{entry.date}: {entry.title} (article)"
            else:
                colour = TYPE_COLOURS[kind]
                target = href(entity_uri(entry.ref))
                label = f"{entry.date}: {entry.title}, {entry.text}"
            figure.marks.append(
                Mark(entry, round(mx, 1), round(my, 1), colour, kind, target, label)
            )
        top = lane_bottom + 2
    figure.axis_y = top + 2
    figure.height = round(top + 30)
    figure.types = [t for t in ENTITY_TYPES if any(m.type == t for m in figure.marks)]
    return figure


def timeline_svg(briefing: Briefing, href: Href) -> str:
    figure = timeline_figure(briefing, href)
    if not figure.marks:
        return ""
    return _templates().get_template("timeline.svg.j2").render(figure=figure)


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
