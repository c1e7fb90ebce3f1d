"""Limits on what one page may ask of Python-Markdown: nesting it would recurse into,
and brackets or unfinished tags it would read in quadratic time. Input beyond a limit is
an error at its line, and is lifted back to the limit so that the page still renders.
"""

from __future__ import annotations

import re

import markdown
from markdown.preprocessors import Preprocessor

from ..core.diagnostics import Position
from .linker import Linker

MAX_NESTING = 30
"""Deepest nesting of lists and block quotes a page may have: Python-Markdown parses
nested blocks recursively, and 300 levels are a RecursionError."""
MAX_BRACKETS = 1000
"""Most ``[`` in one paragraph (a page of [[id]] links has a few dozen)."""
MAX_UNFINISHED = 1000
"""Most tags left unfinished on one page (``<b`` with no ``>`` before the next ``<``):
Python's HTMLParser, which Python-Markdown reads raw HTML with, reads on from each to
the page's end or its next ``>``: 50,000 ``<path `` (300 KB) took minutes."""
_UNFINISHED = re.compile(r"<[A-Za-z][^<>]*+(?=<|\Z)")
_NESTING = re.compile(r"[ \t]*(?:>[ \t]*)*")
_DEEP = re.compile(rf"^[ \t>]{{{MAX_NESTING + 1}}}", re.M)
"""A line that may be nested deeper than the limit: each level of a line's lead takes
at least one of its characters (a ``>``, a tab, or four spaces)."""
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?=[\s/>])[^<>]*>")
"""A tag: its name ends at a space, ``/`` or ``>``, so the autolinks ``<https://...>``
and ``<me@example.org>`` are not tags (30 of them were reported as nested too deep)."""
_CODE_SPAN = re.compile(r"(`+[^`]*`+)")
_LIST_ITEM = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


class NestingPreprocessor(Preprocessor):
    """Input that would make Python-Markdown recurse or go quadratic: nesting beyond
    :data:`MAX_NESTING` is an error at its line, the deeper lines lifted to the limit;
    a paragraph of brackets, likewise. The page still renders (a non-strict build
    shows it)."""

    def __init__(self, linker: Linker, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.linker = linker

    def run(self, lines: list[str]) -> list[str]:
        # Where the source's text starts among these lines: a generated page wraps an
        # article's body in its template, so line 0 is not the body's first line.
        # MkDocs strips the blank lines that open a page's Markdown.
        ctx = self.linker.context
        body = ctx.page.source.text if ctx.page is not None else ""
        self.skipped = len(body) - len(body.lstrip("\n"))
        text = "\n".join(lines)
        at = text.find(body.lstrip("\n"))
        self.first = text.count("\n", 0, at) if at > 0 else 0
        # Each pass reads every line in Python; a page that cannot reach its limit (the
        # counts over the whole page bound those per line and per paragraph, and no
        # pass adds the characters the later ones count) skips it.
        if _DEEP.search(text):
            lines = self.nesting(lines)
            text = "\n".join(lines)
        lines = self.unfinished(lines, text)
        if text.count("<") > MAX_NESTING:
            lines = self.tags(lines)
        if text.count("[") > MAX_BRACKETS:
            lines = self.brackets(lines)
        return lines

    def error(self, number: int, message: str) -> None:
        ctx = self.linker.context
        if ctx.page is not None:
            source = ctx.page.source
            line = source.line + self.skipped + max(number - self.first, 0)
            ctx.diagnostics.error(Position(source.path, line, 1), message)

    def unfinished(self, lines: list[str], text: str) -> list[str]:
        """More than :data:`MAX_UNFINISHED` unfinished tags on a page is an error at the
        first; the ``<`` of each is then shown as ``‹`` (U+2039, as in a title with
        markup): written ``&lt;``, each would be an inline match, and Python-Markdown
        splices every match into its paragraph's text (quadratic again). ``text``:
        the lines joined."""
        if "<" not in text:
            return lines
        count = sum(1 for _ in _UNFINISHED.finditer(text))
        if count <= MAX_UNFINISHED:
            return lines
        first = _UNFINISHED.search(text)
        self.error(
            text.count("\n", 0, first.start() if first else 0),
            f"{count:,} tags left unfinished ('<' and a letter, no '>' before the next "
            f"'<'), more than the limit of {MAX_UNFINISHED:,}",
        )
        return _UNFINISHED.sub(lambda m: "\u2039" + m.group()[1:], text).split("\n")

    def brackets(self, lines: list[str]) -> list[str]:
        """Python-Markdown's link parser looks for the end of every ``[`` (quadratic):
        a paragraph with more than :data:`MAX_BRACKETS` is an error, its brackets shown
        as ``［`` (U+FF3B: written ``&#91;``, each was an inline match, which
        Python-Markdown splices into the paragraph's text: 48,000 took 24 s)."""
        start = 0
        count = 0
        for number, line in enumerate([*lines, ""]):
            # A list item's text is parsed on its own: a list of a thousand links (the
            # timeline of a large briefing) is no flood, so an item starts a new count.
            item = _LIST_ITEM.match(line) is not None
            if line.strip() and not item:
                count += line.count("[")
                continue
            if count > MAX_BRACKETS:
                self.error(
                    start,
                    f"{count:,} '[' in one paragraph, more than the limit of {MAX_BRACKETS:,}",
                )
                for i in range(start, number):
                    lines[i] = lines[i].replace("[", "\uff3b")
            start, count = (number, line.count("[")) if item else (number + 1, 0)
        return lines

    def tags(self, lines: list[str]) -> list[str]:
        """Raw HTML nested beyond :data:`MAX_NESTING` (the PDF's layout recurses per
        element: 250 nested ``<div>`` were a RecursionError) is an error at its line;
        the deeper tags are dropped, their text kept. Code blocks and spans are not
        counted: they show tags, they do not make them."""
        depth = 0
        dropped: dict[str, int] = {}
        reported = False
        fence = ""
        for number, line in enumerate(lines):
            stripped = line.lstrip()
            if fence:
                fence = "" if stripped.startswith(fence) else fence
                continue
            if stripped.startswith(("```", "~~~")):
                fence = stripped[:3]
                continue
            if "<" not in line:
                continue

            def tag(found: re.Match[str], number: int = number) -> str:
                nonlocal depth, reported
                closing, name = found.group(1), found.group(2).lower()
                if name in _VOID or found.group(0).endswith("/>"):
                    return found.group(0)
                if closing:
                    if dropped.get(name):
                        dropped[name] -= 1
                        return ""
                    depth = max(depth - 1, 0)
                    return found.group(0)
                if depth < MAX_NESTING:
                    depth += 1
                    return found.group(0)
                if not reported:
                    self.error(number, f"HTML nested more than {MAX_NESTING} deep")
                    reported = True
                dropped[name] = dropped.get(name, 0) + 1
                return ""

            parts = _CODE_SPAN.split(line)  # odd parts are code spans, left as written
            parts[::2] = [_TAG.sub(tag, part) for part in parts[::2]]
            lines[number] = "".join(parts)
        return lines

    def nesting(self, lines: list[str]) -> list[str]:
        reported = False
        out = []
        for number, line in enumerate(lines):
            lead = _NESTING.match(line)
            prefix = lead.group(0) if lead else ""
            depth = prefix.count(">") + len(prefix.replace(">", "").expandtabs(4)) // 4
            if depth <= MAX_NESTING:
                out.append(line)
                continue
            if not reported:
                self.error(
                    number,
                    f"lists or block quotes nested {depth} deep, more than the limit of "
                    f"{MAX_NESTING}",
                )
                reported = True
            quotes = min(prefix.count(">"), MAX_NESTING)
            indent = (MAX_NESTING - quotes) * 4
            out.append("> " * quotes + " " * indent + line[len(prefix) :])
        return out
