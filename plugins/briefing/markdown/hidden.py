"""What a reader does not see when a page loads, for the rule that a page links the first
mention a reader sees: an unselected content tab, a closed ``details``, a table header, a
figure caption, and the lists Material's annotations hide in tooltips.

Only the tree and the page's stashed raw HTML are read: the rules follow the markup that
pymdownx and Material produce, not the browser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.util import HTML_PLACEHOLDER_RE

OUT_OF_SIGHT = frozenset(["th", "thead", "figcaption"])
"""Places a reader sees but does not read as the text: a link there is not "the first
mention" (a column's name, a caption under a picture)."""


def out_of_sight(el: etree.Element) -> list[etree.Element]:
    """The parts of ``el`` that a reader does not see on load: all but the
    ``summary`` of a closed ``details``, and the panels of a content tab set
    (pymdownx.tabbed, either style, and pymdownx.blocks.tab) other than the checked
    tab's."""
    if el.tag == "details" and "open" not in el.attrib:
        return [child for child in el if child.tag != "summary"]
    if el.tag != "div" or "tabbed-set" not in (el.get("class") or "").split():
        return []
    inputs = [child for child in el if child.tag == "input"]
    checked = next((i for i, box in enumerate(inputs) if "checked" in box.attrib), 0)
    classes = (el.get("class") or "").split()
    panels = [child for child in el if "tabbed-content" in (child.get("class") or "").split()]
    if "tabbed-alternate" in classes and panels:  # one box of blocks, one per tab
        panels = list(panels[0])
    return [panel for i, panel in enumerate(panels) if i != checked]


_ANNOTATION_MARKER = re.compile(r"\((\d+)\)")
_CODE_COMMENT = re.compile(r'<span class="(?:c|c1|cm)">([^<]*)</span>')
"""A comment in Pygments' HTML: where Material looks for a code block's markers."""


def _markers(el: etree.Element, stash: list[str]) -> set[int]:
    """The annotation markers, ``(1)``, that Material finds in ``el``: anywhere in the
    text of a block with the class ``annotate``; in the comments of a code block (a
    paragraph holding only a stashed block of highlighted code). A code block counts
    whether or not the theme has ``content.code.annotate`` (the extension cannot know):
    at worst a later mention in sight is linked."""
    if "annotate" in (el.get("class") or "").split():
        text = "".join(el.itertext())
    else:
        code = HTML_PLACEHOLDER_RE.fullmatch((el.text or "").strip()) if el.tag == "p" else None
        if code is None or len(el) or int(code.group(1)) >= len(stash):
            return set()
        html = stash[int(code.group(1))]
        if 'class="highlight' not in html:
            return set()
        text = " ".join(_CODE_COMMENT.findall(html))
    return {int(n) for n in _ANNOTATION_MARKER.findall(text)}


def _skipped(el: etree.Element) -> bool:
    """A paragraph Material passes over on its way from a block's markers to their list:
    one without elements or stashed raw HTML."""
    return el.tag == "p" and not len(el) and "\x02" not in (el.text or "")


def annotation_lists(el: etree.Element, stash: list[str]) -> list[etree.Element]:
    """The lists among ``el``'s children that Material's annotations hide on load: an
    ``ol`` right after a block with markers (paragraphs without elements between, as
    Material skips them), one of whose items a marker names. Material moves those items
    into tooltips that open from the markers, and hides the list."""
    if el.find("ol") is None:  # no list among the children, none to hide (most blocks)
        return []
    children = list(el)
    # The first child at or after each index that Material does not skip, found in one
    # pass from the end: a run of marked paragraphs before a list is read once, not once
    # for each of them.
    beyond = [len(children)] * (len(children) + 1)
    for i in range(len(children) - 1, -1, -1):
        beyond[i] = beyond[i + 1] if _skipped(children[i]) else i
    items: dict[int, int] = {}  # a list's items, counted once however many blocks name it
    found = []
    for i, child in enumerate(children):
        markers = _markers(child, stash)
        if not markers:
            continue
        after = beyond[i + 1]
        if after < len(children) and children[after].tag == "ol":
            if after not in items:
                items[after] = sum(1 for item in children[after] if item.tag == "li")
            if any(1 <= n <= items[after] for n in markers):
                found.append(children[after])
    return found


def hidden_parts(root: etree.Element, stash: list[str]) -> set[int]:
    """The ids of the elements under ``root`` hidden on load, by :func:`out_of_sight`
    and :func:`annotation_lists` (the elements inside them are hidden too)."""
    hidden: set[int] = set()
    for el in root.iter():
        hidden.update(map(id, out_of_sight(el)))
        hidden.update(map(id, annotation_lists(el, stash)))
    return hidden
