"""Freshness: when a person last checked each entity and note against its sources.

An entity or a note records it as ``reviewed: YYYY-MM-DD``. A note that records no
review counts as reviewed on its ``date`` (whoever wrote it checked it against its
sources that day); an entity that records none was never reviewed. With a review period
(the plugin's ``review_period``, in days), an item whose last review is older than the
period before the date the briefing is current as of is *due*: the ``review_due`` rule
reports it at its place in the sources, and the ``review/`` page lists it. The rule
``current_as_of`` holds the briefing's "current as of" date to its reviews: a date later
than the newest review in the briefing claims more than anyone checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from .diagnostics import Diagnostic
from .model import Annotation, Briefing, Entity
from .rules import EditorialRules


def last_reviewed(item: Entity | Annotation) -> dt.date | None:
    """When a person last checked the item against its sources, as far as it records."""
    if isinstance(item, Annotation):
        return item.reviewed or item.model.date
    return item.reviewed


def current_as_of(briefing: Briefing, rules: EditorialRules) -> dt.date | None:
    """The date the briefing is current as of: the plugin's ``current_as_of``, else the
    newest article's date (as the book's cover says)."""
    if rules.as_of is not None:
        return rules.as_of
    return max((a.date for a in briefing.articles), default=None)


@dataclass(frozen=True)
class Due:
    """An entity or a note not reviewed within the review period."""

    item: Entity | Annotation
    last: dt.date | None
    """Its last review; None: never."""


@dataclass(frozen=True)
class ReviewStatus:
    """What the ``review/`` page shows."""

    period: int
    as_of: dt.date
    cutoff: dt.date
    """Items last reviewed before this day are due."""
    due: tuple[Due, ...]
    """Never reviewed first, then the oldest review first."""


def review_status(briefing: Briefing, rules: EditorialRules) -> ReviewStatus | None:
    """What is due for review; None when the briefing keeps no review period (or has
    no date to count from)."""
    as_of = current_as_of(briefing, rules)
    if rules.review_period is None or as_of is None:
        return None
    cutoff = as_of - dt.timedelta(days=rules.review_period)
    due = [
        Due(item, last)
        for item in _items(briefing)
        if (last := last_reviewed(item)) is None or last < cutoff
    ]
    due.sort(key=lambda d: (d.last is not None, d.last or dt.date.min))
    return ReviewStatus(rules.review_period, as_of, cutoff, tuple(due))


def _items(briefing: Briefing) -> Iterator[Entity | Annotation]:
    yield from sorted(briefing.entities.values(), key=lambda e: e.id)
    for article in sorted(briefing.articles, key=lambda a: a.path):
        yield from article.annotations


def review_findings(briefing: Briefing, rules: EditorialRules) -> list[Diagnostic | None]:
    """The findings of ``review_due`` and ``current_as_of``, at their rules' levels."""
    found: list[Diagnostic | None] = []
    status = review_status(briefing, rules) if rules.review_due != "off" else None
    for due in status.due if status else ():
        assert status is not None
        what = "entity" if isinstance(due.item, Entity) else "note"
        if due.last is not None:
            since = (
                f"last reviewed {due.last.isoformat()}, more than {status.period} days "
                f"before {status.as_of.isoformat()} (current as of)"
            )
        else:
            since = "it records no review" + ("" if what == "entity" else " and no date")
        found.append(
            rules.finding(
                "review_due",
                due.item.position,
                f"{what} due for review: {since}; check it against its sources and set "
                "'reviewed: YYYY-MM-DD'",
            )
        )
    if rules.current_as_of != "off" and rules.as_of is not None and rules.as_of_position:
        reviews = [d for item in _items(briefing) if (d := last_reviewed(item)) is not None]
        newest = max(reviews, default=None)
        if newest is not None and rules.as_of > newest:
            found.append(
                rules.finding(
                    "current_as_of",
                    rules.as_of_position,
                    f"current_as_of is {rules.as_of.isoformat()}, later than the newest "
                    f"review in the briefing ({newest.isoformat()}): the briefing is current "
                    "only as far as someone checked it; review what changed, or give the "
                    "date of the last review",
                )
            )
    return found
