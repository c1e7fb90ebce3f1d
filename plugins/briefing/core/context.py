"""Per-build state shared by the Markdown extension and whoever drives it.

The MkDocs plugin (or ``briefing check``, or a test) creates one
:class:`RenderContext` per build, says which page is being rendered, and reads
back what the extension recorded: who mentions whom, the anchoring of each
article's annotations, and diagnostics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .diagnostics import Diagnostic, Diagnostics, Position, line_col


@dataclass(frozen=True)
class Source:
    """The Markdown being rendered and where it comes from, to give problems a line."""

    path: str
    line: int
    text: str
    col: int = 1
    """Column of the text's first character (YAML values rarely start at column 1)."""

    def position_of(self, needle: str, start: int = 0) -> Position:
        offset = self.text.find(needle, start)
        if offset < 0:
            return Position(self.path, self.line, self.col)
        line, column = line_col(self.text, offset)
        if line == 1:
            column += self.col - 1
        return Position(self.path, self.line + line - 1, column)


@dataclass(frozen=True)
class PageRef:
    uri: str
    """The page's ``src_uri`` in the site, e.g. ``articles/kling-launch.md``."""
    title: str
    source: Source
    article: str | None = None
    """Slug, when the page is an article."""
    entity: str | None = None
    """Id, when the page is an entity's glossary page (it never links to itself)."""
    autolink: bool = True
    """False on pages that already link every entity (the glossary index)."""
    trusted: bool = False
    """True on a hand-written docs page of a site that trusts them (``trusted_docs``):
    its HTML passes as written, neither URLs nor markup are filtered."""


@dataclass(frozen=True)
class Mention:
    page: str
    """``src_uri`` of the mentioning page."""
    title: str
    sentence: str
    term: str = ""
    """The words of the sentence that name the entity."""


@dataclass(frozen=True)
class AnnotationResult:
    """How one annotation fared on its article."""

    index: int
    number: int
    anchored: bool
    start: int = -1
    """Where the quote starts in the article's text (see ``article_text``), if anchored."""


@dataclass(frozen=True)
class PageRecord:
    """What rendering one page recorded in the context: an incremental rebuild that
    does not render the page again puts it back (:meth:`RenderContext.restore`)."""

    ref: PageRef
    entities: tuple[str, ...]
    mentions: tuple[tuple[str, Mention], ...]
    """(entity, mention), in the order the page recorded them."""
    linked_on: tuple[tuple[str, frozenset[str]], ...]
    diagnostics: tuple[Diagnostic, ...]
    annotations: tuple[AnnotationResult, ...] | None = None
    article_text: str | None = None
    notes: tuple[tuple[str, str], ...] = ()


@dataclass
class RenderContext:
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    page: PageRef | None = None
    mentions: dict[str, list[Mention]] = field(default_factory=dict)
    """Entity id -> mentions, in render order."""
    page_entities: dict[str, list[str]] = field(default_factory=dict)
    """Page ``src_uri`` -> entity ids it mentions, in order of first mention."""
    annotations: dict[str, list[AnnotationResult]] = field(default_factory=dict)
    """Article slug -> its annotations' numbers and anchoring."""
    article_text: dict[str, str] = field(default_factory=dict)
    """Article slug -> its text as a reader sees it (what quotes are matched against)."""
    notes: dict[str, str] = field(default_factory=dict)
    """Annotation key -> its note's HTML as its article's page rendered it (before the
    page's sanitiser), entity links to ``/glossary/<id>.md``: the open data reuses it."""
    pages: dict[str, PageRef] = field(default_factory=dict)
    """Page ``src_uri`` -> the page, for Markdown rendered again later, elsewhere."""
    titles: dict[str, str] = field(default_factory=dict)
    """Page ``src_uri`` -> its title once the host knows it for sure (MkDocs knows a
    hand-written page's title from its first heading only after rendering): "Mentioned
    in" prefers it to the title the page began rendering with. HTML, as MkDocs' titles
    are (the theme prints them as they are)."""
    linked_on: dict[str, set[str]] = field(default_factory=dict)
    """Where HTML lands (a page's URL) -> entities already linked there: a later pass
    that adds to the page (the blog's excerpts on its index) links only the others."""
    _seen: dict[str, set[tuple[str, str]]] = field(default_factory=dict, repr=False)
    """Page -> (entity, sentence) already recorded there."""
    records: dict[str, PageRecord] = field(default_factory=dict, repr=False)
    """Page ``src_uri`` -> what its render recorded (kept only when ``keep_records``)."""
    keep_records: bool = False
    _current: tuple[int, list[tuple[str, Mention]], dict[str, frozenset[str]]] = field(
        default=(0, [], {}), repr=False
    )

    def begin(self, page: PageRef) -> None:
        """Start rendering ``page``; forget what an earlier render of it recorded."""
        self.page = page
        self.pages[page.uri] = page
        previous = self.page_entities.pop(page.uri, None)  # only under a re-render
        if previous:
            for entity in previous:
                kept = [m for m in self.mentions.get(entity, []) if m.page != page.uri]
                self.mentions[entity] = kept
            self._seen.pop(page.uri, None)
        if self.keep_records:
            self._current = (len(self.diagnostics.items), [], {})

    def end(self) -> None:
        """The page is rendered: Markdown converted from now on (a blog's excerpts, a
        plugin's own pass) is a secondary pass, placed by MkDocs' relpath processor."""
        if self.keep_records and self.page is not None:
            self.records[self.page.uri] = self._record(self.page)
        self.page = None

    def _record(self, page: PageRef) -> PageRecord:
        first, mentions, linked = self._current
        uri, slug = page.uri, page.article
        annotations = self.annotations.get(slug) if slug is not None else None
        keys = [f"{slug}-{r.index + 1}" for r in annotations or ()]
        return PageRecord(
            ref=page,
            entities=tuple(self.page_entities.get(uri, ())),
            mentions=tuple(mentions),
            linked_on=tuple(linked.items()),
            diagnostics=tuple(self.diagnostics.items[first:]),
            annotations=tuple(annotations) if annotations is not None else None,
            article_text=self.article_text.get(slug) if slug is not None else None,
            notes=tuple((k, self.notes[k]) for k in keys if k in self.notes),
        )

    def recompose(self, order: Iterable[str]) -> None:
        """Make the context again from the records of the pages in ``order`` (the order
        a full build renders them in), as if each was rendered now: an incremental
        rebuild renders a few pages and puts back the others' records."""
        records = [self.records[uri] for uri in order if uri in self.records]
        recorded = {d for r in records for d in r.diagnostics}
        others = [d for d in self.diagnostics.items if d not in recorded]
        self.diagnostics = Diagnostics()
        self.diagnostics.extend(others)
        for table in (
            self.mentions,
            self.page_entities,
            self.annotations,
            self.article_text,
            self.notes,
            self.pages,
            self.linked_on,
            self._seen,
        ):
            table.clear()
        self.records = {}
        for record in records:
            self._restore(record)

    def _restore(self, record: PageRecord) -> None:
        uri, slug = record.ref.uri, record.ref.article
        self.pages[uri] = record.ref
        if record.entities:
            self.page_entities[uri] = list(record.entities)
        seen = self._seen.setdefault(uri, set())
        for entity, mention in record.mentions:
            seen.add((entity, mention.sentence))
            self.mentions.setdefault(entity, []).append(mention)
        for where, linked in record.linked_on:
            self.linked_on[where] = set(linked)
        self.diagnostics.extend(record.diagnostics)
        if slug is not None:
            if record.annotations is not None:
                self.annotations[slug] = list(record.annotations)
            if record.article_text is not None:
                self.article_text[slug] = record.article_text
            self.notes.update(record.notes)
        self.records[uri] = record

    def record(self, entity: str, sentence: str, term: str = "") -> None:
        if self.page is None:
            return
        entities = self.page_entities.setdefault(self.page.uri, [])
        if entity not in entities:
            entities.append(entity)
        seen = self._seen.setdefault(self.page.uri, set())
        if (entity, sentence) not in seen:
            seen.add((entity, sentence))
            mention = Mention(self.page.uri, self.page.title, sentence, term)
            self.mentions.setdefault(entity, []).append(mention)
            if self.keep_records:
                self._current[1].append((entity, mention))

    def set_linked(self, where: str, linked: set[str]) -> None:
        """The entities linked so far where the page's HTML lands (``linked_on``)."""
        self.linked_on[where] = linked
        if self.keep_records and self.page is not None:
            self._current[2][where] = frozenset(linked)
