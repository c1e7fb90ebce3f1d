"""``BriefingExtension``: the Python-Markdown side of Briefing, and the one place that
says what runs when.

* ``[[id]]`` and ``[[id|text]]`` become links to the entity's glossary page
  (:mod:`.linker`);
* entity mentions in the text become links (first mention or all), with the
  entity's summary as tooltip, and are recorded for "Mentioned in" (:mod:`.mentions`,
  :mod:`.hidden` for what "first" means, :mod:`.sentences` for what is quoted);
* on article pages, annotation quotes are highlighted with a numbered marker
  that opens the note, and the notes are listed under "Annotations"
  (:mod:`.annotations`, :mod:`.notes`);
* a contributor's page passes the allow-list (:mod:`.filter`) and the limits on what
  one page may ask of Python-Markdown (:mod:`.limits`).

It changes the element tree, never the Markdown text, so code blocks, links
and headings are left alone by construction. It needs no MkDocs: the plugin,
the ``briefing check`` command and the tests drive it the same way; what it reads
of its host is in :mod:`.hostpage`.
"""

from __future__ import annotations

import functools

import markdown
from markdown.extensions import Extension

from ..core.contract import KIND_LABELS
from ..core.safety import safe_slugify
from . import headings
from .annotations import AnnotationTreeprocessor, EntityNotesTreeprocessor, NoteRenderer
from .filter import (
    AttributeTreeprocessor,
    RawTextPostprocessor,
    SanitizePostprocessor,
    UrlTreeprocessor,
)
from .hostpage import source_path
from .limits import NestingPreprocessor
from .linker import WIKI_RE, EntityHrefTreeprocessor, Linker, WikiLinkProcessor
from .mentions import NO_AUTOLINK, SKIP_TAGS, MentionTreeprocessor
from .notes import note_renderer

# The names other layers and the tests import from this module, which they did before it
# was split by concept; their callers are moving to the modules that define them.
__all__ = [
    "KIND_LABELS",
    "NO_AUTOLINK",
    "SKIP_TAGS",
    "WIKI_RE",
    "BriefingExtension",
    "Linker",
    "source_path",
]


class BriefingExtension(Extension):
    """Register with ``markdown.Markdown(extensions=[BriefingExtension(linker)])``."""

    def __init__(self, linker: Linker, **kwargs: object) -> None:
        self.linker = linker
        super().__init__(**kwargs)

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # `<div class="no-autolink" markdown>` needs md_in_html; the generated pages use it.
        if "markdown_block" not in md.parser.blockprocessors:
            md.registerExtensions(["md_in_html"], {})
        # Ids made from headings and tab titles run after the sanitiser's look at the
        # tree (5.4): toc (5) and pymdownx.tabbed's tab_slugs (4), registered before
        # this extension (MkDocs adds it last), get slugs that cannot start with "__".
        for name in ("toc", "tab_slugs"):
            if name in md.treeprocessors:
                made = md.treeprocessors[name]
                made.slugify = safe_slugify(made.slugify)  # type: ignore[attr-defined]
        # 35: before whitespace is normalised (30) and raw HTML stashed (20).
        md.preprocessors.register(NestingPreprocessor(self.linker, md), "briefing_nesting", 35)
        # 175: before Python-Markdown's reference links (170), which would take "[x]".
        md.inlinePatterns.register(WikiLinkProcessor(self.linker, md), "briefing_wikilink", 175)
        # Treeprocessor priorities, from Python-Markdown's and pymdownx's own
        # registrations (higher runs first):
        #   footnotes 50/19/15, pymdownx.tasklist 25, inline 20, pymdownx.quotes 19.99,
        #   prettify and pymdownx.fancylists 10, pymdownx.magiclink's shortener 9.9,
        #   attr_list 8, abbr 7, pymdownx.smartsymbols 6.1, smarty 6, toc and MkDocs'
        #   anchor list 5, pymdownx.tabbed's tab_slugs 4, MkDocs' title 1, Material's
        #   blog excerpts 1 (relpath) and 0, MkDocs' relpath and unescape 0.
        # 5.6 for mentions:
        # * after attr_list (8), which reads `{ .md-button }` and `{ #id }` at the end
        #   of a text or tail: split first, the braces would end up in a mention's tail
        #   and show as text (and `button` would match inside them);
        # * after abbr (7), so an abbreviation-marked word is an <abbr> we skip (before
        #   it, the word would be a link abbr cannot see into, and lose its <abbr>);
        # * after smarty (6) and smartsymbols (6.1), so a mention's text has the same
        #   typography as without Briefing (a mention is an AtomicString they skip);
        # * after footnotes, tasklist (its checkbox) and the inline patterns, which
        #   build the elements mentions are found in;
        # * before toc and MkDocs' anchor list (5), which must see the "Annotations"
        #   heading below, and before every relpath (1 in blog excerpts, 0 in pages),
        #   which turns the mentions' "/glossary/<id>.md" into relative URLs.
        md.treeprocessors.register(MentionTreeprocessor(self.linker, md), "briefing_mentions", 5.6)
        # 5.7: the notes on a glossary entry, before the mentions (5.6), which record
        # their [[id]] links for "Mentioned in" as they did when the entry's Markdown
        # held the notes' text.
        md.treeprocessors.register(
            EntityNotesTreeprocessor(self.linker, md, self.render_note_for(md)),
            "briefing_entity_notes",
            5.7,
        )
        # 5.5: just after the mentions (the highlights cut around their links), before
        # toc and MkDocs' anchor list (5), so the "Annotations" heading gets an entry.
        md.treeprocessors.register(
            AnnotationTreeprocessor(self.linker, md, self.render_note_for(md)),
            "briefing_annotations",
            5.5,
        )
        # 5.4: the last look over the whole tree, after attr_list (8) has set attributes
        # (`{: href="javascript:..." onclick=... }`) and after the mentions and notes
        # are in it (their titles are summaries, shown by Material as HTML), before
        # toc (5) copies headings and MkDocs rewrites URLs (0). Notes get their own
        # (their small Markdown runs it).
        md.treeprocessors.register(UrlTreeprocessor(self.linker, md), "briefing_urls", 5.4)
        # 5.05 to 5: markers stand out of headings while toc (5) names them.
        headings.register(md)
        # -100: after every treeprocessor (pymdownx.blocks.caption's at 4, MkDocs' at 0)
        # has added or removed its attributes, before the tree is serialised.
        md.treeprocessors.register(
            AttributeTreeprocessor(self.linker, md), "briefing_attributes", -100
        )
        # 1.5: after every Briefing link is in the tree (5.6, 5.5), before MkDocs'
        # relpath, which runs at 1 in Material's blog excerpts and at 0 in pages.
        md.treeprocessors.register(EntityHrefTreeprocessor(md), "briefing_hrefs", 1.5)
        # 10: after raw HTML is put back (30) and entities restored (20): the page's
        # final HTML passes the allow-list, raw HTML of articles and notes included.
        md.postprocessors.register(SanitizePostprocessor(self.linker, md), "briefing_sanitize", 10)
        # 35: before the raw HTML is put back (30), while its pieces are apart.
        md.postprocessors.register(RawTextPostprocessor(self.linker, md), "briefing_rawtext", 35)

    @functools.cached_property
    def _note_markdown(self) -> markdown.Markdown:
        """One Markdown for every note of the build: making one costs more than a note."""
        sub = markdown.Markdown(extensions=["tables", "sane_lists", "attr_list"])
        sub.inlinePatterns.register(WikiLinkProcessor(self.linker, sub), "briefing_wikilink", 175)
        sub.treeprocessors.register(UrlTreeprocessor(self.linker, sub), "briefing_urls", 7)
        return sub

    def render_note_for(self, md: markdown.Markdown) -> NoteRenderer:
        """Notes are rendered to elements by a small Markdown of their own (no mentions,
        no annotations), and grafted into the page's tree."""
        return note_renderer(self.linker, self._note_markdown, md)
