"""The annotations as W3C Web Annotations (``annotations.jsonld``): one
AnnotationCollection whose items a Hypothesis-style client can read, and that
``briefing import-annotations`` reads back (:data:`KIND_OF_MOTIVATION`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...core.anchoring import fold_whitespace
from ...core.model import Annotation, Briefing
from .rendered import Anchoring, in_reading_order, note_html, plain_text
from .site import ANNOTATIONS, Site, timestamp

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"

MOTIVATIONS = {
    "context": "commenting",
    "analysis": "commenting",
    "definition": "describing",
    "fact-check": "oa:assessing",  # the W3C context names no "assessing" term: use the IRI
    "correction": "editing",
    "question": "questioning",
    # Not "editing" (a request to change the text, as a correction is): the passage was
    # accurate when published and stays as it is; the note comments on what came after.
    "update": "commenting",
}
"""A kind's Web Annotation motivation. Context, analysis and update share one, so every
annotation also carries its kind as a ``tagging`` body (what the importer reads first)."""
KIND_OF_MOTIVATION = {
    "describing": "definition",
    "oa:assessing": "fact-check",
    "assessing": "fact-check",
    "editing": "correction",
    "questioning": "question",
}
"""A motivation read back -> the kind it stands for (when no ``tagging`` body says)."""
CONTEXT_CHARS = 32
"""Length of a TextQuoteSelector's prefix and suffix (what Hypothesis writes)."""


def text_used(annotations: Iterable[Annotation], anchoring: Anchoring) -> list[str]:
    """The parts of an article's text its selectors quote (each anchored quote with the
    text around it): all the open data takes of the text."""
    used = []
    for annotation in annotations:
        start = anchoring.starts.get(annotation.index)
        if start is not None:
            end = start + len(fold_whitespace(annotation.model.quote)) + CONTEXT_CHARS
            used.append(anchoring.text[max(0, start - CONTEXT_CHARS) : end])
    return used


def selector(annotation: Annotation, anchoring: Anchoring | None) -> dict[str, str]:
    """A TextQuoteSelector: the quote as it stands in the text, with the text around it
    when it is anchored (the annotation's own prefix/suffix otherwise)."""
    model = annotation.model
    exact = fold_whitespace(model.quote)
    out = {"type": "TextQuoteSelector", "exact": exact}
    start = anchoring.starts.get(annotation.index) if anchoring else None
    if anchoring is not None and start is not None:
        prefix = anchoring.text[max(0, start - CONTEXT_CHARS) : start]
        suffix = anchoring.text[start + len(exact) : start + len(exact) + CONTEXT_CHARS]
    else:
        prefix, suffix = fold_whitespace(model.prefix), fold_whitespace(model.suffix)
    if prefix:
        out["prefix"] = prefix
    if suffix:
        out["suffix"] = suffix
    return out


def web_annotation(
    annotation: Annotation, site: Site, briefing: Briefing, anchoring: Anchoring | None
) -> dict[str, Any]:
    model = annotation.model
    motivation = MOTIVATIONS[model.kind]
    html_note = note_html(annotation, site, briefing, anchoring)
    body: list[dict[str, Any]] = [
        {
            "type": "Choice",
            "items": [
                {"type": "TextualBody", "format": "text/html", "value": html_note},
                {"type": "TextualBody", "format": "text/plain", "value": plain_text(html_note)},
                # The note as written: what `briefing import-annotations` reads back.
                {"type": "TextualBody", "format": "text/markdown", "value": model.note},
            ],
        },
        {"type": "TextualBody", "purpose": "tagging", "value": model.kind},
    ]
    if model.verdict:
        body.append({"type": "TextualBody", "purpose": "oa:assessing", "value": model.verdict})
    for entity_id in dict.fromkeys(model.entities):  # each once, should a note name it twice
        if entity_id in briefing.entities:
            body.append(
                {
                    "type": "SpecificResource",
                    "purpose": "identifying",
                    "source": site.entity(entity_id),
                    "label": briefing.entities[entity_id].name,
                }
            )
    for source in model.sources:
        if source.url:
            body.append(
                {
                    "type": "SpecificResource",
                    "purpose": "linking",
                    "source": source.url,
                    "label": source.title,
                }
            )
        else:
            body.append({"type": "TextualBody", "purpose": "linking", "value": source.title})
    out: dict[str, Any] = {
        "id": site.note(annotation),
        "type": "Annotation",
        "motivation": motivation,
        "body": body,
        "target": {
            "source": site.article(annotation.article),
            "selector": selector(annotation, anchoring),
        },
    }
    if model.author:
        out["creator"] = {"type": "Person", "name": model.author}
    if model.date:
        out["created"] = timestamp(model.date)
    return out


def annotation_collection(
    briefing: Briefing, site: Site, anchorings: Mapping[str, Anchoring]
) -> dict[str, Any]:
    """Every annotation as a W3C Web Annotation, in one AnnotationCollection (newest
    article first, each article's notes in the order a reader numbers them)."""
    items = [
        web_annotation(a, site, briefing, anchorings.get(article.slug))
        for article in briefing.articles
        for a in in_reading_order(article, anchorings.get(article.slug))
    ]
    return {
        "@context": ANNO_CONTEXT,
        "id": site.url(ANNOTATIONS),
        "type": "AnnotationCollection",
        "label": f"{site.name}: annotations",
        "total": len(items),
        "first": {"type": "AnnotationPage", "startIndex": 0, "items": items},
    }
