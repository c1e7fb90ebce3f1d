"""How ``briefing import-annotations`` turns what it read into sidecar entries.

Each ``Candidate`` read from the export must target one of the briefing's articles and
anchor there exactly as a hand-written annotation would: its quote is found in the
article's text and given the shortest prefix or suffix that makes it the passage the
build picks. Its kind, verdict, entities and date are mapped to the loader's fields,
and the entry is validated with the loader's own model and checked to be writable as
YAML that reads back the same. What fails is reported, with the closest passage, and
not planned; an annotation already there is skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..core.anchoring import (
    MAX_SEARCHES,
    Anchor,
    chosen_starts,
    find_all,
    fold_whitespace,
    locate_in_text,
)
from ..core.diagnostics import Diagnostics
from ..core.model import ANNOTATION_KINDS, VERDICT_KINDS, VERDICTS, AnnotationModel, Briefing
from ..core.yamlsrc import Limits
from ..site.opendata import KIND_OF_MOTIVATION
from .importer_formats import Candidate, url_path
from .importer_sidecars import unwritable, written_as

_ARTICLE_PATH = re.compile(r"(?:^|/)articles/([^/]+?)(?:/(?:index\.html)?|\.html)?$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class ImportReport:
    """What the import adds, skips and refuses, and each changed sidecar's new text."""

    written: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Project-relative sidecar path -> the annotations added to it."""
    skipped: list[str] = field(default_factory=list)
    """Annotations already in the briefing, not added again."""
    problems: Diagnostics = field(default_factory=Diagnostics)
    texts: dict[str, str] = field(default_factory=dict)
    """Project-relative sidecar path -> its new text."""


def _kind(candidate: Candidate) -> str:
    for tag in candidate.tags:
        if tag in ANNOTATION_KINDS:
            return tag
    return KIND_OF_MOTIVATION.get(candidate.motivation, "context")


def _verdict(candidate: Candidate, kind: str) -> str | None:
    if candidate.verdict:
        return candidate.verdict  # validated below, with "did you mean"
    if kind in VERDICT_KINDS:
        for tag in candidate.tags:
            value = tag.removeprefix("verdict:")
            if value in VERDICTS:
                return value
    return None


def choose_context(text: str, start: int, length: int) -> tuple[str, str] | None:
    """The shortest prefix (or else suffix) of whole words that makes the passage at
    ``start`` the one ``locate`` picks; ("", "") when it is the only one."""
    needle = text[start : start + length]
    if len(find_all(text, needle)) == 1:
        return "", ""
    before = text[:start].split()
    after = text[start + length :].split()
    for n in range(1, 13):
        for prefix, suffix in (
            (" ".join(before[-n:]), ""),
            ("", " ".join(after[:n])),
            (" ".join(before[-n:]), " ".join(after[:n])),
        ):
            found = locate_in_text(text, needle, prefix, suffix)
            if isinstance(found, Anchor) and found.start == start:
                return prefix, suffix
    return None


def _intended(text: str, candidate: Candidate) -> int | str | None:
    """Where the candidate's quote stands: its start, or a problem."""
    needle = fold_whitespace(candidate.exact)
    starts = find_all(text, needle)
    if not starts:
        return None
    if len(starts) == 1:
        return starts[0]
    chosen = chosen_starts(text, needle, starts, candidate.prefix, candidate.suffix)
    if len(chosen) == 1:
        return chosen[0]
    return f"the quote stands {len(starts)} times and its prefix/suffix do not pick one"


def _same(existing: AnnotationModel, new: dict[str, Any]) -> bool:
    return (
        fold_whitespace(existing.quote) == fold_whitespace(new["quote"])
        and existing.kind == new["kind"]
        and fold_whitespace(existing.note) == fold_whitespace(new["note"])
    )


def _date(created: str | None) -> dt.date | str | None:
    """The annotation's date from its ``created`` time, or why it is not one."""
    if not created:
        return None
    found = _DATE.match(created)
    try:
        if found is None:
            raise ValueError
        return dt.date.fromisoformat(found.group())
    except ValueError:
        return f"'created': {created[:40]!r} is not a date and time (YYYY-MM-DDThh:mm:ss)"


def _note_text(note: str) -> str:
    """The note as it will be written: Windows line ends (CRLF) become \\n, as
    Markdown reads them; a carriage return on its own stays, and is refused."""
    return note.replace("\r\n", "\n").strip()


def plan_import(
    candidates: list[Candidate],
    briefing: Briefing,
    texts: dict[str, str],
    report: ImportReport,
    limits: Limits | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Article slug -> the new annotations (as YAML mappings) that pass every check."""
    limits = limits or Limits()
    slugs = {a.slug for a in briefing.articles}
    planned: dict[str, list[dict[str, Any]]] = {}
    searches: dict[str, int] = {}
    for candidate in candidates:
        where = candidate.position
        found = _ARTICLE_PATH.search(url_path(candidate.source))
        slug = found.group(1) if found else None
        if slug is None or slug not in slugs:
            report.problems.error(
                where,
                f"annotation {candidate.number}: target {candidate.source[:200]!r} "
                "is not an article of this briefing",
            )
            continue
        article = briefing.article(slug)
        existing = [a.model for a in article.annotations] if article else []

        def refuse(message: str, at: Candidate = candidate, name: str = str(slug)) -> None:
            report.problems.error(
                at.position, f"{name}: annotation {at.number} not imported: {message}"
            )

        if len(existing) + len(planned.get(slug, [])) >= limits.max_annotations:
            refuse(f"the article would have more than {limits.max_annotations} annotations")
            continue
        quote = fold_whitespace(candidate.exact)
        if len(quote) > limits.max_quote_length:
            refuse(f"the quote is longer than {limits.max_quote_length} characters")
            continue
        text = texts.get(slug, "")
        start = _intended(text, candidate) if quote else None
        if start is None:
            searches[slug] = searches.get(slug, 0) + 1
            if not quote:
                message = "empty quote"
            elif searches[slug] > MAX_SEARCHES:
                message = (
                    "quote not found in the article's text; closest passage not searched "
                    f"(more than {MAX_SEARCHES} unfound quotes here)"
                )
            else:
                located = locate_in_text(text, quote)
                message = located.message if not isinstance(located, Anchor) else "not found"
            refuse(message)
            continue
        if isinstance(start, str):
            refuse(start)
            continue
        context = choose_context(text, start, len(quote))
        if context is None:
            refuse("no prefix or suffix tells this passage apart")
            continue
        kind = _kind(candidate)
        entry: dict[str, Any] = {"quote": quote}
        if context[0]:
            entry["prefix"] = context[0]
        if context[1]:
            entry["suffix"] = context[1]
        entry["kind"] = kind
        verdict = _verdict(candidate, kind)
        if verdict:
            entry["verdict"] = verdict
        entry["note"] = _note_text(candidate.note)
        entities = [e for e in dict.fromkeys(candidate.entities) if e in briefing.entities]
        entities += [t for t in candidate.tags if t in briefing.entities and t not in entities]
        if entities:
            entry["entities"] = entities
        if candidate.sources:
            entry["sources"] = candidate.sources
        if candidate.author:
            entry["author"] = candidate.author
        date = _date(candidate.created)
        if isinstance(date, str):
            refuse(date)
            continue
        if date is not None:
            entry["date"] = date
        problem = unwritable(entry) or written_as(entry)
        if problem is not None:
            refuse(problem)
            continue
        try:
            AnnotationModel.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                key = ".".join(str(part) for part in err["loc"])
                refuse(f"'{key}': {err['msg']}")
            continue
        if any(_same(m, entry) for m in existing) or any(
            _same(AnnotationModel.model_validate(e), entry) for e in planned.get(slug, [])
        ):
            report.skipped.append(f"{slug}: “{quote}” is already there")
            continue
        planned.setdefault(slug, []).append(entry)
    return planned
