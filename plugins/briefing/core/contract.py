"""The page contract: the names Briefing's pages are made of, defined once.

The Markdown extension writes these ids, classes and labels; the templates, the
script and the styles find elements by them; the book reads the built pages back by
them; the open data links to them. A name used anywhere else is defined here (the
templates and assets are checked against ``CLASSES`` by ``tests/test_contract.py``),
so a change to the contract is one change here, and shows in review.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

PREFIX: Final = "bf-"
"""Every id and class Briefing adds starts so: the parity tools take them out by it."""

# The layout of the generated pages: docs-relative source paths.
GLOSSARY: Final = "glossary/index.md"
ARTICLES: Final = "articles/index.md"
TIMELINE: Final = "timeline/index.md"
MAP: Final = "map/index.md"


def article_uri(slug: str) -> str:
    return f"articles/{slug}.md"


def entity_uri(entity_id: str) -> str:
    return f"glossary/{entity_id}.md"


def entity_url(entity_id: str) -> str:
    """An entity's page as a docs-absolute path, which MkDocs makes relative."""
    return "/" + entity_uri(entity_id)


# Ids: a marker in the text and its note in the list (numbered from 1).
REF_PREFIX: Final = "bf-ref-"
NOTE_PREFIX: Final = "bf-note-"


def ref_id(number: int | str) -> str:
    return f"{REF_PREFIX}{number}"


def note_id(number: int | str) -> str:
    return f"{NOTE_PREFIX}{number}"


# Classes the extension writes into an article.
MENTION: Final = "bf-mention"
MENTION_REPEAT: Final = "bf-mention-repeat"
EXPLICIT: Final = "bf-explicit"
UNKNOWN: Final = "bf-unknown"
HIGHLIGHT: Final = "bf-hl"
HIGHLIGHT_MULTI: Final = "bf-hl-multi"
MARKER: Final = "bf-marker"
LEGEND: Final = "bf-legend"
CHIP: Final = "bf-chip"
ANNOTATION_LIST: Final = "bf-annotation-list"
ANNOTATION: Final = "bf-annotation"
ANNOTATION_HEAD: Final = "bf-annotation-head"
VERDICT: Final = "bf-verdict"
QUOTE: Final = "bf-quote"
UNANCHORED: Final = "bf-unanchored"
NOTE: Final = "bf-note"
ABOUT: Final = "bf-about"
SOURCES: Final = "bf-sources"
BYLINE: Final = "bf-byline"
FIGURE_SLOT: Final = "bf-figure-slot"
NOTE_SLOT: Final = "bf-note-slot"
"""A paragraph of its own in a glossary entry's Markdown, ``bf-note-slot <key>``, where the
Markdown extension puts the note rendered for its article's page (rendered once)."""


def note_slot(key: str) -> str:
    return f"{NOTE_SLOT} {key}"


# Classes the generated pages' templates write, which the book reads back.
SOURCE: Final = "bf-source"
SOURCE_LABEL: Final = "bf-source-label"
DATELINE: Final = "bf-dateline"
LEDE: Final = "bf-lede"
TAGS: Final = "bf-tags"
IN_ARTICLE: Final = "bf-in-article"
ENTITY_LIST: Final = "bf-entity-list"
ENTITY_TYPE: Final = "bf-entity-type"
TYPE: Final = "bf-type"
ALIAS: Final = "bf-alias"
ALIASES: Final = "bf-aliases"
SUMMARY: Final = "bf-summary"
DATE: Final = "bf-date"
NEIGHBOURS: Final = "bf-neighbours"
MENTIONED_IN: Final = "bf-mentioned-in"
MENTIONED_TITLE: Final = "bf-mentioned-title"
ANNOTATE_ARTICLE: Final = "bf-annotate-article"
ANNOTATE_PASSAGE: Final = "bf-annotate-passage"
FIGURE: Final = "bf-figure"
FIGURE_CAPTION: Final = "bf-figure-caption"
MAP_FIGURE: Final = "bf-map"
TIMELINE_FIGURE: Final = "bf-timeline"
EGO: Final = "bf-ego"
MAP_FILTER: Final = "bf-map-filter"
MAP_KEY: Final = "bf-map-key"
"""The map's type filter, printed as a plain key (its items ``KEY_ITEM``)."""
KEY_ITEM: Final = "bf-key-item"
WHERE: Final = "bf-where"
"""The Typst label the book's layout probes put on their metadata."""

KIND_PREFIX: Final = "bf-kind-"


def kind_class(kind: str) -> str:
    return f"{KIND_PREFIX}{kind}"


def kind_of(classes: Iterable[str], default: str = "") -> str:
    """The annotation kind named by the first kind class among ``classes``."""
    kinds = (name.removeprefix(KIND_PREFIX) for name in classes if name.startswith(KIND_PREFIX))
    return next(kinds, default)


def verdict_class(verdict: str) -> str:
    return f"bf-verdict-{verdict}"


# Labels a reader sees, on the pages, in the book and in the open data.
KIND_LABELS: Final = {
    "context": "Context",
    "fact-check": "Fact-check",
    "definition": "Definition",
    "analysis": "Analysis",
    "correction": "Correction",
    "question": "Question",
    "update": "Update",
}
"""Each annotation kind's label, in the legend's order."""

TYPE_LABELS: Final = {
    "company": ("Company", "Companies"),
    "product": ("Product", "Products"),
    "person": ("Person", "People"),
    "organization": ("Organization", "Organizations"),
    "government": ("Government body", "Governments"),
    "policy": ("Policy", "Policies"),
    "event": ("Event", "Events"),
    "place": ("Place", "Places"),
    "concept": ("Concept", "Concepts"),
}
"""Each entity type's label, singular and plural."""

VERDICT_LABELS: Final = {
    "accurate": "Accurate",
    "mostly-accurate": "Mostly accurate",
    "mixed": "Mixed",
    "misleading": "Misleading",
    "false": "False",
    "unverified": "Unverified",
}


# What the templates, the script, the styles and the book's template may name. A name
# made from a kind or a type (``bf-context``, ``bf-context-bg``, ``bf-of-person``) is
# in ``derived_classes``; an id or class made from a number or a value starts with one
# of ``FAMILIES``. ``tests/test_contract.py`` checks every asset against both.
FAMILIES: Final = (
    "bf-kind-",
    "bf-verdict-",
    "bf-note-",
    "bf-ref-",
    "bf-of-",
    "bf-pop-",
    "bf-type-",
)
CLASSES: Final = frozenset(
    {
        "bf-a",
        "bf-about",
        "bf-alias",
        "bf-aliases",
        "bf-aliases-inline",
        "bf-annotate-article",
        "bf-annotate-copy",
        "bf-annotate-issue",
        "bf-annotate-menu",
        "bf-annotate-open",
        "bf-annotate-passage",
        "bf-annotate-ui",
        "bf-annotate-yaml",
        "bf-annotation",
        "bf-annotation-head",
        "bf-annotation-list",
        "bf-article",
        "bf-article-bg",
        "bf-article-mark",
        "bf-article-meta",
        "bf-axis",
        "bf-axis-line",
        "bf-band",
        "bf-bg",
        "bf-break",
        "bf-byline",
        "bf-centre",
        "bf-chip",
        "bf-chip-article",
        "bf-close",
        "bf-controls",
        "bf-date",
        "bf-dateline",
        "bf-downloads",
        "bf-edge",
        "bf-edge-light",
        "bf-edges",
        "bf-ego",
        "bf-ego-figure",
        "bf-ego-title",
        "bf-entities-title",
        "bf-entity-list",
        "bf-entity-type",
        "bf-fg",
        "bf-figure",
        "bf-figure-caption",
        "bf-flash",
        "bf-focusing",
        "bf-hide-highlights",
        "bf-hl",
        "bf-hl-multi",
        "bf-in-article",
        "bf-key-item",
        "bf-label",
        "bf-label-bg",
        "bf-label-minor",
        "bf-lane-label",
        "bf-lane-rule",
        "bf-lede",
        "bf-legend",
        "bf-link-all",
        "bf-map",
        "bf-map-figure",
        "bf-map-filter",
        "bf-map-key",
        "bf-map-pan",
        "bf-map-title",
        "bf-mark",
        "bf-marker",
        "bf-marks",
        "bf-mention",
        "bf-mention-context",
        "bf-mention-repeat",
        "bf-mentioned-in",
        "bf-mentioned-title",
        "bf-more",
        "bf-near",
        "bf-neighbours",
        "bf-neighbours-title",
        "bf-no-highlights",
        "bf-node",
        "bf-nodes",
        "bf-note",
        "bf-of-article",
        "bf-popover",
        "bf-quote",
        "bf-related",
        "bf-relation-list",
        "bf-relations",
        "bf-repeat-link",
        "bf-source",
        "bf-source-label",
        "bf-sources",
        "bf-summary",
        "bf-swatch",
        "bf-tags",
        "bf-tick",
        "bf-timeline",
        "bf-timeline-figure",
        "bf-timeline-title",
        "bf-together",
        "bf-toggle",
        "bf-type",
        "bf-unanchored",
        "bf-unknown",
        "bf-verdict",
        "bf-where",
        "bf-year",
        "bf-year-label",
        "bf-year-odd",
    }
)


def derived_classes() -> frozenset[str]:
    """The names made from each annotation kind and entity type."""
    names = set()
    for kind in KIND_LABELS:
        names |= {f"bf-{kind}", f"bf-{kind}-bg", kind_class(kind)}
    for entity_type in TYPE_LABELS:
        names |= {f"bf-{entity_type}", f"bf-of-{entity_type}"}
    return frozenset(names)
