"""The data download: ``briefing.json`` (entities, articles and annotations), the same
entities as ``entities.csv`` for a spreadsheet, and ``briefing.schema.json``, the JSON
Schema both are published with.

A CSV cell that a spreadsheet would read as a formula is written as text (:func:`_cell`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from ...core.model import ANNOTATION_KINDS, ENTITY_TYPES, VERDICTS, Briefing
from ..pages import article_uri
from .annotations import selector
from .rendered import Anchoring, in_reading_order
from .site import DATA_SCHEMA, Site


def data_document(
    briefing: Briefing,
    site: Site,
    anchorings: Mapping[str, Anchoring],
    mentioned_on: Mapping[str, Iterable[str]],
) -> dict[str, Any]:
    """``briefing.json``: entities, articles and annotations. ``mentioned_on`` maps an
    entity id to the ``src_uri`` of each page that mentions it."""
    entities = []
    for entity in sorted(briefing.entities.values(), key=lambda e: e.id):
        pages = sorted({site.url(uri) for uri in mentioned_on.get(entity.id, ())})
        entity_model = entity.model
        entities.append(
            {
                "id": entity.id,
                "name": entity.name,
                "type": entity.type,
                "summary": entity.summary,
                "aliases": list(entity_model.aliases),
                "related": list(entity_model.related),
                "dates": [{"date": d.date, "event": d.event} for d in entity_model.dates],
                "links": [{"title": link.title, "url": link.url} for link in entity_model.links],
                "mentions": len(pages),
                "mentioned_on": pages,
                "url": site.entity(entity.id),
                "reviewed": _iso(entity.reviewed),
            }
        )
    articles = []
    annotations = []
    on_page: dict[str, set[str]] = {}  # page -> the entities it mentions
    for entity_id, pages_of in mentioned_on.items():
        for uri in pages_of:
            on_page.setdefault(uri, set()).add(entity_id)
    for article in briefing.articles:
        anchoring = anchorings.get(article.slug)
        ordered = in_reading_order(article, anchoring)
        source = article.model.source
        articles.append(
            {
                "slug": article.slug,
                "title": article.title,
                "date": article.date.isoformat(),
                "summary": article.model.summary,
                "source": None
                if source is None
                else {"name": source.name, "url": source.url, "published": source.published},
                "tags": list(article.model.tags),
                "authors": list(article.model.authors),
                "entities": sorted(on_page.get(article_uri(article.slug), ())),
                "annotations": [a.key for a in ordered],
                "url": site.article(article.slug),
            }
        )
        for annotation in ordered:
            model = annotation.model
            sel = selector(annotation, anchoring)
            annotations.append(
                {
                    "id": annotation.key,
                    "article": article.slug,
                    "number": anchoring.numbers.get(annotation.index) if anchoring else None,
                    "kind": model.kind,
                    "verdict": model.verdict,
                    "quote": model.quote,
                    "prefix": model.prefix,
                    "suffix": model.suffix,
                    "anchor": {
                        "anchored": bool(anchoring and annotation.index in anchoring.starts),
                        "start": anchoring.starts.get(annotation.index) if anchoring else None,
                        "exact": sel["exact"],
                        "prefix": sel.get("prefix", ""),
                        "suffix": sel.get("suffix", ""),
                    },
                    "note": model.note,
                    "entities": list(model.entities),
                    "sources": [{"title": s.title, "url": s.url} for s in model.sources],
                    "author": model.author,
                    "date": _iso(model.date),
                    "reviewed": _iso(annotation.reviewed),
                    "url": site.note(annotation),
                }
            )
    return {
        "$schema": site.url(DATA_SCHEMA),
        "title": site.name,
        "url": site.base if site.absolute else None,
        "entities": entities,
        "articles": articles,
        "annotations": annotations,
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


ENTITY_COLUMNS = ("id", "name", "type", "summary", "aliases", "related", "mentions", "url")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading =, +, -, @ would start a
    formula, so such a cell gets a leading apostrophe (OWASP's advice)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def entities_csv(data: Mapping[str, Any]) -> str:
    """``entities.csv`` from ``briefing.json``'s entities: lists joined with `` | ``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ENTITY_COLUMNS)
    for entity in data["entities"]:
        row = []
        for column in ENTITY_COLUMNS:
            value = entity[column]
            row.append(_cell(" | ".join(value) if isinstance(value, list) else value))
        writer.writerow(row)
    return out.getvalue()


def _strings() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


REVIEWED = "When a person last checked it against its sources (YYYY-MM-DD), if recorded"


def data_schema() -> dict[str, Any]:
    """The JSON Schema of ``briefing.json`` (and, in its description, of entities.csv)."""
    text = {"type": "string"}
    date = {"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}
    link = _object({"title": text, "url": text})
    entity = _object(
        {
            "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
            "name": text,
            "type": {"enum": list(ENTITY_TYPES)},
            "summary": text,
            "aliases": _strings(),
            "related": _strings(),
            "dates": {"type": "array", "items": _object({"date": date, "event": text})},
            "links": {"type": "array", "items": link},
            "mentions": {
                "type": "integer",
                "minimum": 0,
                "description": "How many pages mention the entity",
            },
            "mentioned_on": {**_strings(), "description": "URLs of the pages that mention it"},
            "url": text,
            "reviewed": {**_nullable(date), "description": REVIEWED},
        }
    )
    source = _object({"name": text, "url": _nullable(text), "published": _nullable(date)})
    article = _object(
        {
            "slug": text,
            "title": text,
            "date": date,
            "summary": text,
            "source": _nullable(source),
            "tags": _strings(),
            "authors": _strings(),
            "entities": {**_strings(), "description": "Ids of the entities the article mentions"},
            "annotations": {**_strings(), "description": "Ids of its annotations, in order"},
            "url": text,
        }
    )
    anchor = _object(
        {
            "anchored": {"type": "boolean"},
            "start": _nullable({"type": "integer", "minimum": 0}),
            "exact": text,
            "prefix": text,
            "suffix": text,
        }
    )
    annotation = _object(
        {
            "id": text,
            "article": text,
            "number": _nullable({"type": "integer", "minimum": 1}),
            "kind": {"enum": list(ANNOTATION_KINDS)},
            "verdict": {"enum": [*VERDICTS, None]},
            "quote": text,
            "prefix": text,
            "suffix": text,
            "anchor": {
                **anchor,
                "description": "Where the quote stands in the article's text as a reader "
                "sees it (a W3C TextQuoteSelector: exact, prefix, suffix; start is the offset)",
            },
            "note": {**text, "description": "Markdown, as written"},
            "entities": _strings(),
            "sources": {"type": "array", "items": _object({"title": text, "url": _nullable(text)})},
            "author": _nullable(text),
            "date": _nullable(date),
            "reviewed": {**_nullable(date), "description": REVIEWED},
            "url": text,
        }
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Briefing data download (briefing.json)",
        "description": "Entities, articles and annotations of a briefing. entities.csv "
        "holds the entities, one a row, with the columns "
        + ", ".join(ENTITY_COLUMNS)
        + " (lists joined with ' | '; a cell that would start a spreadsheet formula "
        "begins with an apostrophe).",
        **_object(
            {
                "$schema": text,
                "title": text,
                "url": _nullable(text),
                "entities": {"type": "array", "items": {"$ref": "#/$defs/Entity"}},
                "articles": {"type": "array", "items": {"$ref": "#/$defs/Article"}},
                "annotations": {"type": "array", "items": {"$ref": "#/$defs/Annotation"}},
            }
        ),
        "$defs": {"Entity": entity, "Article": article, "Annotation": annotation},
    }
