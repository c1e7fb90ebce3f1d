"""The timeline: dated entity events and articles on one axis, a lane for the articles
and one for each entity type, written out by ``timeline.svg.j2``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from itertools import pairwise

from ...core.model import ENTITY_TYPES, Briefing
from ..pages import TYPE_LABELS, TimelineEntry, article_uri, entity_uri, timeline
from .svg import ARTICLE_COLOUR, TYPE_COLOURS, Href, templates


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
    return templates().get_template("timeline.svg.j2").render(figure=figure)
