"""Per-build state shared by the Markdown extension and whoever drives it.

The MkDocs plugin (or ``briefing check``, or a test) creates one
:class:`RenderContext` per build, says which page is being rendered, and reads
back what the extension recorded: who mentions whom, the anchoring of each
article's annotations, and diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostics, Position, line_col


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

    def end(self) -> None:
        """The page is rendered: Markdown converted from now on (a blog's excerpts, a
        plugin's own pass) is a secondary pass, placed by MkDocs' relpath processor."""
        self.page = None

    def record(self, entity: str, sentence: str, term: str = "") -> None:
        if self.page is None:
            return
        entities = self.page_entities.setdefault(self.page.uri, [])
        if entity not in entities:
            entities.append(entity)
        seen = self._seen.setdefault(self.page.uri, set())
        if (entity, sentence) not in seen:
            seen.add((entity, sentence))
            self.mentions.setdefault(entity, []).append(
                Mention(self.page.uri, self.page.title, sentence, term)
            )
