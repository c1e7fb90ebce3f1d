"""The content model: what a contributor may write, and what the loader produces.

The pydantic models below are the single definition of the file formats in
spec section 2. The loader validates with them, and the JSON Schemas for
editors are generated from them. Everything after loading is frozen.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
import typing
from dataclasses import dataclass, field
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from .contract import VERDICT_LABELS as VERDICT_LABELS
from .diagnostics import Position

ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
RESERVED_IDS = frozenset({"index"})
ALLOWED_SCHEMES = ("http", "https", "mailto")
_MD_AMP = "\x02amp\x03"  # how Python-Markdown holds an "&" in the tree

EntityType = Literal[
    "company",
    "product",
    "person",
    "organization",
    "government",
    "policy",
    "event",
    "place",
    "concept",
]
AnnotationKind = Literal[
    "context", "fact-check", "definition", "analysis", "correction", "question", "update"
]
Verdict = Literal["accurate", "mostly-accurate", "mixed", "misleading", "false", "unverified"]
"""A fact-check's finding, from best to worst; ``unverified`` stands outside the scale."""
ENTITY_TYPES: tuple[str, ...] = typing.get_args(EntityType)
ANNOTATION_KINDS: tuple[str, ...] = typing.get_args(AnnotationKind)
VERDICTS: tuple[str, ...] = typing.get_args(Verdict)
VERDICT_KINDS = ("fact-check", "correction")
DATED_KINDS = ("update",)
"""Kinds whose note must say when it was written: an update tells what happened after
the passage was published, so a reader needs the date it speaks of."""


# An allowed scheme, a fragment, or a path that is plainly relative (not "//host"),
# followed by printable ASCII with no character reference and no whitespace.
_PLAINLY_SAFE_URL = re.compile(
    r"(?:https?://|mailto:|#|\.{1,2}/|/(?!/))[A-Za-z0-9._~:/?#\[\]@!$'()*+,;=%-]*\Z",
    re.I,
)


def url_is_safe(url: str) -> bool:
    """http, https, mailto, or a relative reference (no scheme at all), as a browser
    reads it: character references decoded (``javascript&colon;``), whitespace and
    control characters dropped (``java\tscript:``)."""
    if _PLAINLY_SAFE_URL.match(url):  # most URLs: nothing to decode, nothing to drop
        return True
    decoded = html.unescape(url.replace(_MD_AMP, "&"))
    cleaned = "".join(ch for ch in decoded if ch.isprintable() and not ch.isspace())
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return False
    # Browsers read a backslash as a slash: "/\\evil.example" is "//evil.example".
    network_path = cleaned.replace("\\", "/").startswith("//")
    return scheme in ALLOWED_SCHEMES or (scheme == "" and not network_path)


def _check_url(value: str) -> str:
    if not value.strip():
        raise ValueError("URL must not be empty")
    if not url_is_safe(value):
        raise ValueError(f"URL {value!r} must be http, https, mailto or relative")
    return value


def _check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _check_partial_date(value: object) -> str:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD or YYYY-MM), not a date and time")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}", text):
                dt.date.fromisoformat(text + "-01")
                return text
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                dt.date.fromisoformat(text)
                return text
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a real date") from exc
    raise ValueError("must be a date written YYYY-MM-DD or YYYY-MM")


def _check_date(value: object) -> object:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


# Characters a reader cannot see that change what they see: direction overrides,
# embeddings and isolates (a name that reads backwards), zero-width spaces and joiners
# outside words, byte-order marks, control characters.
# (Regex escapes, read alike by Python and by the JSON Schemas' ECMA-262 patterns.)
_HIDDEN_CLASS = (
    r"\x00-\x08\x0b-\x1f\x7f-\x9f"  # control characters
    r"\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"  # zero-width, direction, BOM
)
_HIDDEN = re.compile(f"[{_HIDDEN_CLASS}]")


def _check_visible(value: str) -> str:
    found = _HIDDEN.search(value)
    if found:
        raise ValueError(
            f"must not contain invisible or direction-changing characters "
            f"(U+{ord(found.group()):04X} at character {found.start() + 1})"
        )
    return _check_text(value)


def has_markup(value: str) -> bool:
    """Does a name or title hold ``<`` or ``>``, also written as a character reference
    (the theme prints titles as HTML, and its tooltips show them with innerHTML)?"""
    shown = html.unescape(value)
    return "<" in shown or ">" in shown


_LINE_BREAK_CLASS = r"\t\n\r\u2028\u2029"
_LINE_BREAK = re.compile(f"[{_LINE_BREAK_CLASS}]")


def _check_plain_title(value: str) -> str:
    if has_markup(value):
        raise ValueError("must not contain '<' or '>' (the theme prints names and titles as HTML)")
    return _check_one_line(value)


def _check_one_line(value: str) -> str:
    found = _LINE_BREAK.search(value)
    if found:
        raise ValueError(
            f"must be one line (U+{ord(found.group()):04X} at character {found.start() + 1}): "
            "names and titles go into headings, tooltips, the PDF and CI summaries"
        )
    return _check_visible(value)


PlainTitle = Annotated[
    str,
    AfterValidator(_check_plain_title),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "pattern": f"^[^<>{_HIDDEN_CLASS}{_LINE_BREAK_CLASS}]*$",
        }
    ),
]
OneLine = Annotated[
    str,
    AfterValidator(_check_one_line),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "pattern": f"^[^{_HIDDEN_CLASS}{_LINE_BREAK_CLASS}]*$"}
    ),
]
"""Plain text on one line, nothing hidden: tags (they reach the PDF's keywords)."""
Url = Annotated[
    str,
    AfterValidator(_check_url),
    WithJsonSchema({"type": "string", "pattern": r"^(https?:|mailto:|[^:/?#]*([/?#]|$))"}),
]
Text = Annotated[
    str, AfterValidator(_check_text), WithJsonSchema({"type": "string", "minLength": 1})
]
Name = Annotated[
    str,
    AfterValidator(_check_visible),
    WithJsonSchema({"type": "string", "minLength": 1, "pattern": f"^[^{_HIDDEN_CLASS}]*$"}),
]
PartialDate = Annotated[
    str,
    BeforeValidator(_check_partial_date),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}),
]
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_check_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    @property
    def content_key(self) -> str:
        """What the model holds, as text that a rebuild compares with the last one's: its
        JSON (every field, each of one type), made by pydantic's core about fifteen times
        faster than its ``repr``. The model is frozen, so the text stays true."""
        return self.model_dump_json()


class LinkModel(_Strict):
    """A titled link."""

    title: Text
    url: Url


class SourceRef(_Strict):
    """A source for an annotation's facts: a title, and a URL where there is one."""

    title: Text
    url: Url | None = None


class DateModel(_Strict):
    """A dated event for the timeline."""

    date: PartialDate = Field(description="YYYY-MM-DD or YYYY-MM")
    event: Text


class EntityModel(_Strict):
    """One entity file, briefing_src/entities/<id>.yml."""

    name: PlainTitle = Field(description="Display name, e.g. Kling")
    type: EntityType
    summary: Text = Field(description="One plain sentence: tooltips, search, glossary, PDF")
    aliases: list[Name] = Field(
        default_factory=list, description="Other names that count as mentions"
    )
    description: str = Field(default="", description="Markdown body of the entity's page")
    related: list[str] = Field(default_factory=list, description="Related entity ids")
    links: list[LinkModel] = Field(default_factory=list)
    dates: list[DateModel] = Field(default_factory=list, description="Timeline entries")
    match_case: bool | None = Field(
        default=None, description="Override the smart-case rule for all names of this entity"
    )
    reviewed: IsoDate | None = Field(
        default=None,
        description="YYYY-MM-DD: when a person last checked the entity against its sources",
    )


class ArticleSource(_Strict):
    """Where an article's reported facts come from."""

    name: Text
    url: Url | None = None
    published: PartialDate | None = None


class AnnotationModel(_Strict):
    """A reviewer's note anchored to an exact passage of an article."""

    # What the validators below enforce, for editors that read the JSON Schema.
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"kind": {"enum": list(DATED_KINDS)}}},
                    "then": {"required": ["date"], "not": {"required": ["verdict"]}},
                }
            ]
        }
    )

    quote: Text = Field(description="Exact passage as a reader sees it (markup ignored)")
    prefix: str = Field(default="", description="Text just before, to pick one occurrence")
    suffix: str = Field(default="", description="Text just after, to pick one occurrence")
    kind: AnnotationKind
    note: Text = Field(description="Markdown")
    entities: list[str] = Field(default_factory=list, description="Entity ids the note is about")
    sources: list[SourceRef] = Field(default_factory=list)
    author: str | None = None
    date: IsoDate | None = Field(
        default=None,
        validate_default=True,
        description="YYYY-MM-DD: when the note was written (required on an update)",
    )
    verdict: Verdict | None = Field(
        default=None,
        description="fact-check and correction only: accurate, mostly-accurate, mixed, "
        "misleading, false or unverified",
    )
    reviewed: IsoDate | None = Field(
        default=None,
        description="YYYY-MM-DD: when a person last checked the note against its sources",
    )

    @field_validator("date")
    @classmethod
    def _date_for_updates(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        kind = info.data.get("kind")
        if value is None and kind in DATED_KINDS:
            raise ValueError(
                f"an {kind} note needs 'date' (YYYY-MM-DD): the day it was written, so "
                "a reader knows as of when it speaks"
            )
        return value

    @field_validator("verdict", mode="before")
    @classmethod
    def _bare_false(cls, value: object) -> object:
        # YAML reads a bare `verdict: false` as the boolean; the writer meant the verdict.
        return "false" if value is False else value

    @field_validator("verdict")
    @classmethod
    def _verdict_for_checks(cls, value: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")
        if value is not None and kind in DATED_KINDS:
            raise ValueError(
                f"an {kind} note has no verdict: it reports later events and does not rate "
                "the passage (which was accurate when published)"
            )
        if value is not None and kind is not None and kind not in VERDICT_KINDS:
            raise ValueError(
                f"a verdict belongs on a fact-check or a correction, not on a {kind} note"
            )
        return value


class ArticleModel(_Strict):
    """The YAML front matter of briefing_src/articles/<slug>.md."""

    title: PlainTitle
    date: IsoDate
    summary: str = ""
    source: ArticleSource | None = None
    tags: list[OneLine] = Field(default_factory=list)
    authors: list[Text] = Field(default_factory=list)
    annotations: list[AnnotationModel] = Field(default_factory=list)


# --------------------------------------------------------------------------- loaded values


@dataclass(frozen=True)
class Entity:
    id: str
    path: str
    """Project-relative path of the source file."""
    model: EntityModel
    position: Position
    description_position: Position | None = None
    """Where the text of ``description`` begins."""

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def type(self) -> str:
        return self.model.type

    @property
    def summary(self) -> str:
        return self.model.summary

    @property
    def names(self) -> tuple[str, ...]:
        return (self.model.name, *self.model.aliases)

    @property
    def reviewed(self) -> dt.date | None:
        """When a person last checked the entity against its sources."""
        return self.model.reviewed


@dataclass(frozen=True)
class Annotation:
    model: AnnotationModel
    article: str
    """Slug of the annotated article."""
    position: Position
    """Where the annotation's ``quote`` is written."""
    index: int
    """Order in the article: front matter first, then the sidecar file."""
    note_position: Position | None = None
    """Where the text of ``note`` begins."""

    @property
    def key(self) -> str:
        return f"{self.article}-{self.index + 1}"

    @property
    def reviewed(self) -> dt.date | None:
        """When a person last checked the note against its sources."""
        return self.model.reviewed


@dataclass(frozen=True)
class Article:
    slug: str
    path: str
    model: ArticleModel
    body: str
    body_line: int
    """Line number (1-based) of the body's first line in the source file."""
    annotations: tuple[Annotation, ...] = ()
    sidecar: str | None = None

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def date(self) -> dt.date:
        return self.model.date


@dataclass(frozen=True)
class Briefing:
    root: str
    """Absolute path of the project (the folder that holds mkdocs.yml)."""
    src: str
    """Project-relative folder of the sources, normally ``briefing_src``."""
    entities: dict[str, Entity] = field(default_factory=dict)
    articles: tuple[Article, ...] = ()
    """Newest first."""
    invalid: frozenset[str] = frozenset()
    """Ids of entity files that exist but failed validation (already reported):
    references to them are not reported again as unknown."""

    def article(self, slug: str) -> Article | None:
        return self._by_slug.get(slug)

    @functools.cached_property
    def _by_slug(self) -> dict[str, Article]:
        return {a.slug: a for a in self.articles}

    def annotations_about(self, entity_id: str) -> list[tuple[Article, Annotation]]:
        """The notes that name ``entity_id`` in their ``entities`` (each once, should it
        name the entity twice), in the order its glossary page lists them (the articles'
        order, then each article's)."""
        return self._about.get(entity_id, [])

    @functools.cached_property
    def _about(self) -> dict[str, list[tuple[Article, Annotation]]]:
        about: dict[str, list[tuple[Article, Annotation]]] = {}
        for article in self.articles:
            for annotation in article.annotations:
                for entity_id in dict.fromkeys(annotation.model.entities):  # once each
                    about.setdefault(entity_id, []).append((article, annotation))
        return about

    def entities_by_type(self) -> list[tuple[str, list[Entity]]]:
        groups: list[tuple[str, list[Entity]]] = []
        for kind in ENTITY_TYPES:
            members = sorted(
                (e for e in self.entities.values() if e.type == kind),
                key=lambda e: e.name.casefold(),
            )
            if members:
                groups.append((kind, members))
        return groups


SCHEMA_FILES: dict[str, tuple[type[BaseModel] | None, str]] = {
    "entity.schema.json": (EntityModel, "Briefing entity (briefing_src/entities/<id>.yml)"),
    "article.schema.json": (ArticleModel, "Briefing article front matter"),
    "annotations.schema.json": (
        None,
        "Briefing annotations (briefing_src/articles/<slug>.annotations.yml)",
    ),
}


def json_schemas() -> dict[str, dict[str, object]]:
    """The JSON Schemas of the file formats, from the models the loader validates with."""
    out: dict[str, dict[str, object]] = {}
    for name, (model, title) in SCHEMA_FILES.items():
        if model is None:
            item = AnnotationModel.model_json_schema()
            defs = item.pop("$defs", {})
            schema: dict[str, object] = {"type": "array", "items": {"$ref": "#/$defs/Annotation"}}
            schema["$defs"] = {**defs, "Annotation": item}
        else:
            schema = model.model_json_schema()
        out[name] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
            **{k: v for k, v in schema.items() if k != "title"},
        }
    return out
