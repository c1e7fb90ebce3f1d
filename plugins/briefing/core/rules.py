"""The editorial rules a newsroom can tune: each rule's level and its thresholds.

A rule's level says what its findings do:

* ``error``: reported as errors; ``briefing check`` and ``mkdocs build --strict`` fail;
* ``warning``: reported as warnings; they fail the strict build, and so ``briefing
  check`` (which fails on what the strict build fails on), not a plain build;
* ``info``: suggestions, logged at INFO by ``mkdocs serve`` (the strict build does
  not count them) and printed by ``briefing check`` as ``note:`` lines that leave its
  exit status alone; a build that publishes the site (``mkdocs build``, ``gh-deploy``)
  skips them (:meth:`EditorialRules.without_suggestions`);
* ``off``: the rule does not run.

The hosts read the levels from the plugin's ``editorial`` option
(:mod:`briefing.hosts.config`); the rules themselves are in :mod:`.editorial` and
:mod:`.review`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from dataclasses import dataclass
from typing import Literal

from .diagnostics import Diagnostic, Position, Severity

Level = Literal["error", "warning", "info", "off"]
LEVELS: tuple[str, ...] = typing.get_args(Level)

RULES = {
    "source_date": "an article dated before the source it rests on was published",
    "source_url": "a note of a checked kind (fact-check, correction, update) that cites "
    "no source with a URL",
    "unnamed_entity": "a name used in several articles that no entity claims (a suggestion)",
    "review_due": "an entity or note not reviewed within review_period days before the "
    "briefing's current_as_of date",
    "current_as_of": "current_as_of later than the newest review the briefing records",
}
"""Every editorial rule, by the name its option has, with what it reports."""


@dataclass(frozen=True)
class EditorialRules:
    """The levels and thresholds of the editorial rules (defaults: the plugin's)."""

    source_date: Level = "warning"
    source_url: Level = "warning"
    source_url_kinds: tuple[str, ...] = ("fact-check", "correction", "update")
    """The annotation kinds that must cite a source with a URL."""
    unnamed_entity: Level = "info"
    min_articles: int = 3
    """A name used in this many articles without an entity is reported."""
    review_due: Level = "warning"
    review_period: int | None = None
    """Days: an item whose last review is older than this before ``as_of`` is due.
    None: the briefing keeps no review period (nothing is due)."""
    current_as_of: Level = "warning"
    as_of: dt.date | None = None
    """The date the briefing says it is current as of (the plugin's ``current_as_of``):
    None when not set (then the newest article's date counts for ``review_due``)."""
    as_of_position: Position | None = None
    """Where ``current_as_of`` is set (mkdocs.yml's line)."""

    def finding(self, rule: str, position: Position, message: str) -> Diagnostic | None:
        """A finding of ``rule`` at its level, named so an editor knows which option to
        tune; None when the rule is off."""
        level: Level = getattr(self, rule)
        if level == "off":
            return None
        severity: Severity = level
        return Diagnostic(position, f"{message} [{rule}]", severity)

    def without_suggestions(self) -> EditorialRules:
        """These rules with every rule at ``info`` turned off: for a build that deploys
        the site (``mkdocs build``, ``gh-deploy``), where suggestions change nothing and
        nobody reads them. ``briefing check`` and ``mkdocs serve``, where an editor
        works, keep them."""
        off = {rule: "off" for rule in RULES if getattr(self, rule) == "info"}
        return dataclasses.replace(self, **off)  # type: ignore[arg-type]


NO_RULES = EditorialRules(
    source_date="off", source_url="off", unnamed_entity="off", review_due="off", current_as_of="off"
)
"""Every rule off: for a step that reads the sources but does not judge them."""
