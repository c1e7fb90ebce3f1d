"""A heading's words are its name: annotation markers stand aside while it is named.

A note on a heading puts its numbered marker inside the ``<h2>``. Python-Markdown's
toc (treeprocessor 5) reads the heading's text for its slug (the heading's id, that
is its permanent link) and for its entry in the table of contents, which MkDocs and
Material show; with the marker in it, "What it means" with note 2 would be
``#what-it-means2`` and "What it means2" in the contents. So the markers are lifted
out of headings just before toc runs (5.05) and put back right after it (see
:func:`register`), each where it stood. toc's own footnote rule (it leaves out
``<sup id="fnref...">``) is the same idea for footnote references.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
from markdown.treeprocessors import Treeprocessor

from ..core import contract

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


@dataclass
class _Lifted:
    parent: etree.Element
    before: etree.Element | None  # the sibling the marker followed, or None if first
    marker: etree.Element
    text: str | None  # ``before.tail`` (or ``parent.text``) as it was


class _Aside:
    """The markers lifted out of the page's headings, between the two processors."""

    def __init__(self) -> None:
        self.lifted: list[_Lifted] = []


def _is_marker(el: etree.Element) -> bool:
    return el.tag == "a" and contract.MARKER in (el.get("class") or "").split()


class LiftMarkers(Treeprocessor):
    def __init__(self, md: markdown.Markdown, aside: _Aside) -> None:
        super().__init__(md)
        self.aside = aside

    def run(self, root: etree.Element) -> None:
        self.aside.lifted = []
        for heading in root.iter():
            if heading.tag not in HEADINGS:
                continue
            for parent in list(heading.iter()):
                for index, child in reversed(list(enumerate(parent))):
                    if _is_marker(child):
                        self._lift(parent, index, child)

    def _lift(self, parent: etree.Element, index: int, marker: etree.Element) -> None:
        before = parent[index - 1] if index else None
        tail = marker.tail or ""
        if before is not None:
            text = before.tail
            if tail:
                before.tail = (text or "") + tail
        else:
            text = parent.text
            if tail:
                parent.text = (text or "") + tail
        parent.remove(marker)
        self.aside.lifted.append(_Lifted(parent, before, marker, text))


class PutMarkersBack(Treeprocessor):
    def __init__(self, md: markdown.Markdown, aside: _Aside) -> None:
        super().__init__(md)
        self.aside = aside

    def run(self, root: etree.Element) -> None:
        lifted, self.aside.lifted = self.aside.lifted, []
        if not lifted:
            return
        parents = {child: parent for parent in root.iter() for child in parent}
        # In the reverse of lifting: each marker goes back next to the element it followed
        # (wherever toc moved that element: its anchorlink option wraps a heading's content).
        for item in reversed(lifted):
            parent = item.parent
            if item.before is not None:
                parent = parents.get(item.before, parent)
                item.before.tail = item.text
                parent.insert(list(parent).index(item.before) + 1, item.marker)
            else:
                parent.text = item.text
                parent.insert(0, item.marker)
            parents[item.marker] = parent


def register(md: markdown.Markdown) -> None:
    """Lift the markers before toc (5); put them back right after it, before MkDocs'
    anchor list (also 5), pymdownx.tabbed's tab slugs (4) and every later processor.

    Processors of one priority run in the order they were registered. When toc is
    already registered (MkDocs' order: its own extensions first, then the site's, then
    Briefing's, and its anchor list last, when a page is rendered), the markers go back
    at toc's priority, right after it, so that MkDocs' anchor list holds their ids: a
    note's link back to its passage in a heading is not a link to a missing anchor
    (``validation: anchors: warn`` made a strict build fail). Otherwise (toc listed
    after Briefing's extension) they go back just after 5."""
    aside = _Aside()
    back = 5 if "toc" in md.treeprocessors else 4.95
    md.treeprocessors.register(LiftMarkers(md, aside), "briefing_markers_out", 5.05)
    md.treeprocessors.register(PutMarkersBack(md, aside), "briefing_markers_in", back)
