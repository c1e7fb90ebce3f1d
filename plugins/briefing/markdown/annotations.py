"""Annotations on an article page: each note's quote located in the rendered text and
highlighted, with a numbered marker that opens the note, and the notes listed under
"Annotations" with their kind, verdict, entities, sources and byline.

Locating and cutting the text is :mod:`briefing.core.anchoring`; a note's own Markdown is
rendered by :mod:`briefing.markdown.notes`.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from collections.abc import Callable

import markdown
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from ..core import contract as names
from ..core.anchoring import Anchor, Span, TextIndex, highlight, locate
from ..core.context import AnnotationResult, Source
from ..core.contract import KIND_LABELS, VERDICT_LABELS
from ..core.model import Annotation
from .linker import Linker

NoteRenderer = Callable[[Source, int], tuple[list[etree.Element], str]]
"""A note's Markdown and the number of pages that show it -> its elements for the page,
and its HTML on its own."""


class AnnotationTreeprocessor(Treeprocessor):
    def __init__(self, linker: Linker, md: markdown.Markdown, render_note: NoteRenderer) -> None:
        super().__init__(md)
        self.linker = linker
        self.render_note = render_note

    def run(self, root: etree.Element) -> None:
        ctx = self.linker.context
        page = ctx.page
        if page is None or page.article is None:
            return
        article = self.linker.briefing.article(page.article)
        if article is None:
            return
        index = TextIndex(root)
        # Every article's text (`briefing import-annotations` anchors new notes in it).
        ctx.article_text[article.slug] = index.text
        if not article.annotations:
            return
        anchors: list[tuple[Annotation, Anchor | None]] = []
        for annotation in article.annotations:
            found = locate(
                index, annotation.model.quote, annotation.model.prefix, annotation.model.suffix
            )
            if isinstance(found, Anchor):
                anchors.append((annotation, found))
            else:
                ctx.diagnostics.error(annotation.position, found.message)
                anchors.append((annotation, None))
        # Number in reading order; unanchored ones follow, in file order.
        anchors.sort(key=lambda pair: (pair[1] is None, pair[1].start if pair[1] else 0))
        numbers = {a.index: n for n, (a, _) in enumerate(anchors, 1)}
        by_number = {numbers[a.index]: a for a, _ in anchors}
        spans = [
            Span(anchor.start, anchor.end, numbers[a.index], a.model.kind)
            for a, anchor in anchors
            if anchor is not None
        ]
        highlight(index, spans, self._mark, lambda span: self._marker(by_number[span.number], span))
        ctx.annotations[article.slug] = [
            AnnotationResult(
                a.index, numbers[a.index], anchor is not None, anchor.start if anchor else -1
            )
            for a, anchor in anchors
        ]
        self._append_list(
            root, [(numbers[a.index], a, anchor is not None) for a, anchor in anchors]
        )

    @staticmethod
    def _mark(covering: list[Span]) -> etree.Element:
        mark = etree.Element("mark")
        first = min(covering, key=lambda s: s.number)
        classes = f"{names.HIGHLIGHT} {names.kind_class(first.kind)}" + (
            f" {names.HIGHLIGHT_MULTI}" if len(covering) > 1 else ""
        )
        mark.set("class", classes)
        mark.set("data-annotation", " ".join(str(s.number) for s in covering))
        return mark

    @staticmethod
    def _marker(annotation: Annotation, span: Span) -> etree.Element:
        """A link to the note in the list (footnote-style, without script); briefing.js
        opens the note in a popover next to the marker instead."""
        label = KIND_LABELS[annotation.model.kind]
        marker = etree.Element("a")
        marker.set("class", f"{names.MARKER} {names.kind_class(annotation.model.kind)}")
        marker.set("id", names.ref_id(annotation.index + 1))
        marker.set("href", "#" + names.note_id(annotation.index + 1))
        marker.set("aria-label", f"Annotation {span.number}: {label}")
        marker.set("title", f"{label}: open note {span.number}")
        marker.set("data-search-exclude", "")  # Material's search: "rule34" was "rule" + 3, 4
        marker.text = AtomicString(str(span.number))
        return marker

    def _append_list(self, root: etree.Element, items: list[tuple[int, Annotation, bool]]) -> None:
        heading = etree.SubElement(root, "h2")
        heading.set("id", "annotations")
        heading.text = "Annotations"
        legend = etree.SubElement(root, "p")
        legend.set("class", f"{names.LEGEND} no-autolink")
        legend.set("aria-label", "Annotation kinds")
        for kind, label in KIND_LABELS.items():
            if any(a.model.kind == kind for _, a, _ in items):
                chip = etree.SubElement(legend, "span")
                chip.set("class", f"{names.CHIP} {names.kind_class(kind)}")
                chip.text = label
        ol = etree.SubElement(root, "ol")
        ol.set("class", f"{names.ANNOTATION_LIST} no-autolink")
        for number, annotation, anchored in sorted(items, key=lambda item: item[0]):
            model = annotation.model
            key = annotation.index + 1
            li = etree.SubElement(ol, "li")
            li.set("id", names.note_id(key))
            li.set("value", str(number))
            li.set("class", f"{names.ANNOTATION} {names.kind_class(model.kind)}")
            head = etree.SubElement(li, "p")
            head.set("class", names.ANNOTATION_HEAD)
            chip = etree.SubElement(head, "span")
            chip.set("class", f"{names.CHIP} {names.kind_class(model.kind)}")
            chip.text = KIND_LABELS[model.kind]
            chip.tail = " "
            if model.verdict:
                verdict = etree.SubElement(head, "span")
                verdict.set("class", f"{names.VERDICT} {names.verdict_class(model.verdict)}")
                verdict.text = f"Verdict: {VERDICT_LABELS[model.verdict]}"
                verdict.tail = " "
            if anchored:
                back = etree.SubElement(head, "a")
                back.set("href", "#" + names.ref_id(key))
                back.set("class", names.QUOTE)
                back.set("title", "Show the passage in the text")
                back.text = AtomicString(f"“{' '.join(model.quote.split())}”")
            else:
                missing = etree.SubElement(head, "span")
                missing.set("class", f"{names.QUOTE} {names.UNANCHORED}")
                missing.text = AtomicString(
                    f"“{' '.join(model.quote.split())}” (unanchored: passage not found)"
                )
            body = self._note_body(annotation)
            li.extend(body)

    def _note_body(self, annotation: Annotation) -> list[etree.Element]:
        model = annotation.model
        out: list[etree.Element] = []
        note = etree.Element("div")
        note.set("class", names.NOTE)
        elements, html = self.render_note(
            note_source(annotation), self.linker.note_uses(annotation)
        )
        note.extend(elements)
        self.linker.context.notes[annotation.key] = html  # the open data's copy
        out.append(note)
        meta_items: list[etree.Element] = []
        known = [e for e in model.entities if e in self.linker.briefing.entities]
        if known:
            about = etree.Element("p")
            about.set("class", names.ABOUT)
            about.text = "About: "
            for i, entity_id in enumerate(known):
                name = self.linker.briefing.entities[entity_id].name
                a = self.linker.link(entity_id, name, names.MENTION)
                a.tail = ", " if i < len(known) - 1 else ""
                about.append(a)
            meta_items.append(about)
        if model.sources:
            sources = etree.Element("p")
            sources.set("class", names.SOURCES)
            sources.text = "Sources: "
            for i, source in enumerate(model.sources):
                if source.url:
                    item = etree.SubElement(sources, "a")
                    item.set("href", source.url)
                    item.text = AtomicString(source.title)
                else:
                    item = etree.SubElement(sources, "cite")
                    item.text = AtomicString(source.title)
                item.tail = "; " if i < len(model.sources) - 1 else ""
            meta_items.append(sources)
        byline = " · ".join(
            part for part in (model.author, model.date.isoformat() if model.date else None) if part
        )
        if byline:
            by = etree.Element("p")
            by.set("class", names.BYLINE)
            by.text = byline
            meta_items.append(by)
        out.extend(meta_items)
        return out


def note_source(annotation: Annotation) -> Source:
    where = annotation.note_position or annotation.position
    return Source(where.path, where.line, annotation.model.note, where.col)


class EntityNotesTreeprocessor(Treeprocessor):
    """On a glossary entry, each note about the entity where its page's Markdown has the
    note's slot (:func:`briefing.core.contract.note_slot`): the note as its article's page
    shows it, rendered once for both.

    The slots are the last paragraphs of the entry that read as a slot (the contract's
    name and the note's key), one per note in the order the page lists them: the
    entity's description (a contributor's Markdown) comes before them and cannot move
    them; a paragraph there that reads like a slot stays as it is written."""

    def __init__(self, linker: Linker, md: markdown.Markdown, render_note: NoteRenderer) -> None:
        super().__init__(md)
        self.linker = linker
        self.render_note = render_note

    def run(self, root: etree.Element) -> None:
        page = self.linker.context.page
        if page is None or page.entity is None:
            return
        about = self.linker.briefing.annotations_about(page.entity)
        if not about:
            return
        # Read as text: an extension may have marked part of it up (abbr's <abbr>).
        slots = [
            (parent, child, text)
            for parent in root.iter()
            for child in parent
            if child.tag == "p"
            and (text := "".join(child.itertext()).strip()).startswith(names.NOTE_SLOT)
        ]
        slots = slots[len(slots) - len(about) :] if len(slots) >= len(about) else []
        if [text for _, _, text in slots] != [names.note_slot(a.key) for _, a in about]:
            return
        for (parent, slot, _text), (_, annotation) in zip(slots, about, strict=True):
            elements, _html = self.render_note(
                note_source(annotation), self.linker.note_uses(annotation)
            )
            at = list(parent).index(slot)
            parent.remove(slot)
            for offset, element in enumerate(elements):
                parent.insert(at + offset, element)
