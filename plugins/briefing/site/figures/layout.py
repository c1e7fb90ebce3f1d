"""Where things go on the entity map: a force-directed layout of the nodes, and labels
placed around their marks so that they overlap as little as possible.

The layout is deterministic: Fruchterman-Reingold (numpy) from positions derived from
the entity ids, never from a random state, so the same briefing gives the same map.
"""

from __future__ import annotations

import hashlib
import math
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ...core.model import ENTITY_TYPES
from .graph import EntityGraph

FONT = 12.0
"""Label size in SVG units (the map is drawn 1000 units wide)."""


def _unit(key: str) -> float:
    """A number in [0, 1) from a string, the same on every machine and every run."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") / 2**32


SMALL_MAP = 24
"""Up to this many nodes the layout runs in plain Python: a small briefing's map then
costs less than importing numpy (about 0.08 s, a tenth of a 10-page site's build)."""


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
    anchors = [anchor[node.type] for node in graph.nodes]
    start = [
        (ax + 0.25 * (_unit(node.id) - 0.5), ay + 0.25 * (_unit(node.id + "/y") - 0.5))
        for (ax, ay), node in zip(anchors, graph.nodes, strict=True)
    ]
    # Attraction along the edges only (sparse); repulsion between every pair (dense).
    strength: dict[tuple[int, int], float] = {}
    for edge in graph.edges:
        w = 1.5 if edge.related else min(1.0, 0.35 + 0.15 * edge.weight)
        pair = (index[edge.a], index[edge.b])
        strength[pair] = max(strength.get(pair, 0.0), w)
    k = 1.0 / math.sqrt(n)
    forces = Forces(anchors, strength, k, group_pull * n * k)
    run = _run_small if n <= SMALL_MAP else _run_numpy
    xs, ys = run(start, forces, iterations)
    placed = {}
    x0, y0 = min(xs), min(ys)
    wide, high = (max(xs) - x0) or 1.0, (max(ys) - y0) or 1.0
    for node, x, y in zip(graph.nodes, xs, ys, strict=True):
        placed[node.id] = ((x - x0) / wide, (y - y0) / high)
    return placed


@dataclass(frozen=True)
class Forces:
    """What moves the nodes: their types' anchors, the pull of each linked pair, the
    ideal distance ``k`` and the pull towards the anchors."""

    anchors: list[tuple[float, float]]
    strength: dict[tuple[int, int], float]
    k: float
    pull: float


def _run_small(
    start: list[tuple[float, float]], forces: Forces, iterations: int
) -> tuple[list[float], list[float]]:
    """The layout's iterations in plain Python (float64), for a small map."""
    x = [p[0] for p in start]
    y = [p[1] for p in start]
    n = len(x)
    k, k2, pull = forces.k, forces.k * forces.k, forces.pull
    anchor_x = [a[0] for a in forces.anchors]
    anchor_y = [a[1] for a in forces.anchors]
    temperature = 0.1
    cool = temperature / (iterations + 1)
    for _ in range(iterations):
        move_x = [pull * (anchor_x[i] - x[i]) for i in range(n)]
        move_y = [pull * (anchor_y[i] - y[i]) for i in range(n)]
        for i in range(n):
            xi, yi = x[i], y[i]
            fx = fy = 0.0
            for j in range(n):
                dx = xi - x[j]
                dy = yi - y[j]
                d2 = max(dx * dx + dy * dy, 1e-4)
                fx += dx * k2 / d2  # repulsion k²/d, over d to scale the unit vector
                fy += dy * k2 / d2
            move_x[i] += fx
            move_y[i] += fy
        for (a, b), w in forces.strength.items():
            ex = x[a] - x[b]
            ey = y[a] - y[b]
            attract = w * math.hypot(ex, ey) / k  # d²/k, over d
            move_x[a] -= ex * attract
            move_x[b] += ex * attract
            move_y[a] -= ey * attract
            move_y[b] += ey * attract
        for i in range(n):
            length = max(math.hypot(move_x[i], move_y[i]), 0.01)
            x[i] += move_x[i] * (temperature / length)
            y[i] += move_y[i] * (temperature / length)
        temperature -= cool
    return x, y


def _numpy() -> Any:
    """numpy, imported without the thread pool of its BLAS, which the layout never uses
    (element-wise arithmetic on a few hundred points): starting the pool at import cost
    more CPU than the layout itself (0.12 s against 0.07 s for the import alone, on two
    cores; more on more cores). ``OPENBLAS_NUM_THREADS`` is read when numpy loads its
    BLAS, so it is set for the import only, unless the site's environment sets it, and
    only when nothing imported numpy before."""
    if "numpy" in sys.modules:
        return sys.modules["numpy"]
    given = os.environ.get("OPENBLAS_NUM_THREADS")
    if given is None:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        import numpy
    finally:
        if given is None:
            del os.environ["OPENBLAS_NUM_THREADS"]
    return numpy


def _run_numpy(
    start: list[tuple[float, float]], forces: Forces, iterations: int
) -> tuple[list[float], list[float]]:
    """The same iterations with numpy (float32: half the memory traffic, and the
    positions are rounded anyway), for a larger map; numpy is imported only here."""
    np = _numpy()

    strength = forces.strength
    ends_a = np.array([p[0] for p in strength], dtype=np.intp)
    ends_b = np.array([p[1] for p in strength], dtype=np.intp)
    pull_w = np.array(list(strength.values()), dtype=np.float64)
    k = forces.k
    temperature = 0.1
    cool = temperature / (iterations + 1)
    x = np.array([p[0] for p in start], dtype=np.float32)
    y = np.array([p[1] for p in start], dtype=np.float32)
    pull = np.float32(forces.pull)
    anchor_x = np.array([a[0] for a in forces.anchors], dtype=np.float32)
    anchor_y = np.array([a[1] for a in forces.anchors], dtype=np.float32)
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
    return [float(v) for v in x.astype(np.float64)], [float(v) for v in y.astype(np.float64)]


def _text_width(text: str, size: float = FONT) -> float:
    wide = sum(1 for ch in text if ord(ch) > 0x2E80)
    return size * (0.58 * (len(text) - wide) + 1.0 * wide)


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
