"""The sentence around a mention, as "Mentioned in" quotes it: the text a reader sees of
the mention's block (stashed raw HTML by its text, references decoded), cut at sentence
ends.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from html import unescape
from html.parser import HTMLParser

from markdown.serializers import RE_AMP
from markdown.util import HTML_PLACEHOLDER_RE

from ..core.anchoring import SKIP_TAGS as TEXTLESS

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+|(?<=[。！？])")


class _HtmlText(HTMLParser):
    """The text of a piece of HTML, as a browser shows it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip += tag in TEXTLESS

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in TEXTLESS and self.skip > 0

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The text a browser shows for a piece of HTML (tags gone, references decoded)."""
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def shown_text(el: etree.Element, stash: list[str]) -> str:
    """The text a reader sees of ``el``, as its serialised HTML shows it: stashed raw
    HTML (pymdownx.inlinehilite's code, an entity such as ``&amp;``) by its text, and
    the tree's own text as the serialiser writes it (code spans hold ``&amp;``)."""
    parts: list[str] = []
    for chunk in el.itertext():
        pieces = HTML_PLACEHOLDER_RE.split(chunk)
        for i, piece in enumerate(pieces):
            if i % 2:
                index = int(piece)
                raw = stash[index] if index < len(stash) else ""
                parts.append(HTML_PLACEHOLDER_RE.sub("", html_text(raw)))  # (one inside)
            elif piece:
                parts.append(unescape(RE_AMP.sub("&amp;", piece)))
    return "".join(parts)


def sentence_in(text: str, term: str) -> str:
    """The sentence of ``text`` (a block's text as a reader sees it, its whitespace
    folded) that holds ``term``."""
    offset = text.find(term)
    if offset < 0:
        return text[:200]
    start = 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.end() <= offset:
            start = boundary.end()
        else:
            end = boundary.start()
            break
    else:
        end = len(text)
    sentence = text[start:end].strip()
    if len(sentence) > 300:
        local = max(0, offset - start - 120)
        sentence = "…" + sentence[local : local + 240].strip() + "…"
    return sentence
