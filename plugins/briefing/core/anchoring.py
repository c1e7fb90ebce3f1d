"""Anchoring annotation quotes in an article's rendered text, and highlighting them.

The article is first rendered by Python-Markdown; a :class:`TextIndex` then
reads the tree's text as a reader sees it (markup ignored, whitespace folded)
and remembers which ``.text``/``.tail`` slot each character came from, so a
quote may span ``**bold**`` or a link and still be wrapped in ``<mark>``
pieces that keep the tree valid.
"""

from __future__ import annotations

import bisect
import itertools
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Sequence
from dataclasses import dataclass

_WS = re.compile(r"\s+")
_LONG_WS = re.compile(r"\s{2,}")
# Python-Markdown's placeholders for stashed raw HTML: invisible to readers.
_STASH = re.compile("\x02wzxhzdk:\\d+\x03")
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "br",
    ]
)
SKIP_TAGS = frozenset({"script", "style", "template"})


def fold_whitespace(text: str) -> str:
    """Every run of whitespace one space, none at either end (``str.split`` knows the
    same whitespace as the regex ``\\s``, and is several times faster than its ``sub``)."""
    return " ".join(text.split())


@dataclass
class _Slot:
    """One ``.text`` or ``.tail`` of the tree, with the visible runs it holds."""

    element: etree.Element
    attr: str  # "text" or "tail"
    parent: etree.Element | None
    runs: list[tuple[int, int, int]]  # (offset in the slot's string, length, offset in plain)


class TextIndex:
    """The visible text of a tree, folded, with a way back to the tree."""

    def __init__(
        self, root: etree.Element, skip: Callable[[etree.Element], bool] | None = None
    ) -> None:
        self.root = root
        self.skip = skip or (lambda el: False)
        self.slots: list[_Slot] = []
        self.searches = 0
        """How many unfound quotes had their closest passage searched (see closest())."""
        raw: list[str] = []
        self._length = 0

        def add(el: etree.Element, attr: str, parent: etree.Element | None) -> None:
            value = getattr(el, attr)
            if not value:
                return
            if "\x02" not in value:  # no raw HTML's placeholder: one run (most slots)
                raw.append(value)
                self.slots.append(_Slot(el, attr, parent, [(0, len(value), self._length)]))
                self._length += len(value)
                return
            runs = []
            position = 0
            for piece in _STASH.split(value):
                if piece:
                    runs.append((position, len(piece), self._length))
                    raw.append(piece)
                    self._length += len(piece)
                position += len(piece)
                stash = _STASH.match(value, position)
                if stash:
                    position = stash.end()
            self.slots.append(_Slot(el, attr, parent, runs))

        def separator() -> None:
            raw.append(" ")
            self._length += 1

        def walk(el: etree.Element, parent: etree.Element | None) -> None:
            if el.tag in SKIP_TAGS or self.skip(el):
                return
            block = el.tag in BLOCK_TAGS
            if block:
                separator()
            add(el, "text", parent)
            for child in el:
                walk(child, el)
                add(child, "tail", el)
            if block:
                separator()

        walk(root, None)
        text = "".join(raw)
        # Fold whitespace: every run becomes one space, leading and trailing ones go.
        # Offsets shift only after runs longer than one character, so remember where
        # each unshifted stretch starts in the folded and in the raw text.
        lead = len(text) - len(text.lstrip())
        self._folded_starts: list[int] = [0]
        self._raw_starts: list[int] = [lead]
        shift = lead
        for run in _LONG_WS.finditer(text, lead):
            shift += run.end() - run.start() - 1
            self._folded_starts.append(run.end() - shift)
            self._raw_starts.append(run.end())
        self.text = fold_whitespace(text)

    def _raw(self, position: int) -> int:
        k = bisect.bisect_right(self._folded_starts, position) - 1
        return self._raw_starts[k] + (position - self._folded_starts[k])

    def raw_range(self, start: int, end: int) -> tuple[int, int]:
        """Folded [start, end) -> raw [start, end)."""
        return self._raw(start), self._raw(end - 1) + 1

    def find_all(self, needle: str) -> list[int]:
        return find_all(self.text, needle)


def find_all(text: str, needle: str) -> list[int]:
    """Every start of ``needle`` in ``text``, overlapping ones included."""
    starts = []
    i = text.find(needle)
    while i != -1:
        starts.append(i)
        i = text.find(needle, i + 1)
    return starts


def replace_slot(
    el: etree.Element,
    attr: str,
    parent: etree.Element | None,
    lead: str | None,
    pieces: list[etree.Element],
) -> None:
    """Set ``el.text`` (or ``el.tail``) to ``lead`` and put ``pieces`` right after it,
    each piece carrying the text that follows it in its ``tail``."""
    setattr(el, attr, lead)
    if attr == "text":
        target, at = el, 0
    else:
        assert parent is not None
        target, at = parent, list(parent).index(el) + 1
    for i, piece in enumerate(pieces):
        target.insert(at + i, piece)


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int


@dataclass(frozen=True)
class AnchorProblem:
    message: str


def locate(
    index: TextIndex, quote: str, prefix: str = "", suffix: str = ""
) -> Anchor | AnchorProblem:
    """Find the one place ``quote`` stands, using ``prefix``/``suffix`` to choose."""
    return locate_in_text(index.text, quote, prefix, suffix, index)


def locate_in_text(
    text: str, quote: str, prefix: str = "", suffix: str = "", index: TextIndex | None = None
) -> Anchor | AnchorProblem:
    """:func:`locate` in an article's folded text, as a :class:`TextIndex` reads it."""
    needle = fold_whitespace(quote)
    if not needle:
        return AnchorProblem("empty quote")
    starts = find_all(text, needle)
    if not starts:
        return AnchorProblem(
            f"quote not found in the article's text; {closest_passage(text, needle, index)}"
        )
    chosen = chosen_starts(text, needle, starts, prefix, suffix)
    if len(chosen) == 1:
        return Anchor(chosen[0], chosen[0] + len(needle))
    places = "; ".join(
        f"{n}: {_context(text, s, s + len(needle))}" for n, s in enumerate(starts[:MAX_PLACES], 1)
    )
    if len(starts) > MAX_PLACES:
        places += f"; and {len(starts) - MAX_PLACES:,} more"
    if not chosen:
        return AnchorProblem(
            f"quote found {len(starts)} times but none has the given prefix/suffix: {places}"
        )
    return AnchorProblem(
        f"quote found {len(chosen)} times; add a 'prefix' or 'suffix' to choose one: {places}"
    )


def chosen_starts(
    text: str, needle: str, starts: Sequence[int], prefix: str, suffix: str
) -> list[int]:
    """The ``starts`` of ``needle`` in the folded ``text`` that ``prefix`` and ``suffix``
    (whitespace folded) stand before and after."""
    before = fold_whitespace(prefix)
    after = fold_whitespace(suffix)
    # Only the few characters next to each place are compared (the text's whitespace is
    # folded): a whole-text slice per place made a short quote quadratic.
    return [
        s
        for s in starts
        if (not before or text[max(0, s - len(before) - 2) : s].rstrip().endswith(before))
        and (
            not after
            or text[s + len(needle) : s + len(needle) + len(after) + 2].lstrip().startswith(after)
        )
    ]


MAX_PLACES = 10
"""How many places of an ambiguous quote its error lists."""
MAX_SEARCHES = 20
"""How many unfound quotes of one article get their closest passage searched."""


def closest_passage(text: str, needle: str, index: TextIndex | None = None) -> str:
    """Describe the passage of the article's text most like ``needle``; with ``index``,
    at most :data:`MAX_SEARCHES` searches per article (each reads the whole text)."""
    if not text.strip():
        return "the article has no text"
    if index is not None:
        index.searches += 1
        if index.searches > MAX_SEARCHES:
            return f"closest passage not searched (more than {MAX_SEARCHES} unfound quotes here)"
    found = best_candidate(text, needle)
    if found is None:
        return "no similar passage"
    start, end, score = found
    return f'closest passage ({score:.0f}% similar): "{text[start:end]}"'


def best_candidate(text: str, needle: str) -> tuple[int, int, float] | None:
    """The span of ``text`` most similar to ``needle`` and its score (0-100).

    rapidfuzz's partial alignment finds the region; its window has the needle's length,
    so the span's ends are then moved to nearby word boundaries (words inserted or
    removed by an edit) to maximise the full similarity."""
    from rapidfuzz import fuzz  # only for a quote not found as written (its import: 10 ms)

    alignment = fuzz.partial_ratio_alignment(needle, text)
    if alignment is None or alignment.score == 0:
        return None
    bounds = [0] + [m.end() for m in _WS.finditer(text)]
    ends = [m.start() for m in _WS.finditer(text)] + [len(text)]
    i = bisect.bisect_right(bounds, alignment.dest_start) - 1
    j = bisect.bisect_left(ends, alignment.dest_end)
    best: tuple[float, int, int] = (-1.0, 0, 0)
    for a in bounds[max(0, i - 3) : i + 4]:
        for b in ends[max(0, j - 3) : j + 4]:
            if b <= a:
                continue
            score = fuzz.ratio(needle, text[a:b])
            if score > best[0]:
                best = (score, a, b)
    score, start, end = best
    if score < 0:
        return None
    return start, end, score


def _context(text: str, start: int, end: int, width: int = 30) -> str:
    left = text[max(0, start - width) : start].lstrip()
    right = text[end : end + width].rstrip()
    return f'"…{left}[{text[start:end]}]{right}…"'


# --------------------------------------------------------------------------- highlighting


@dataclass(frozen=True)
class Span:
    """A highlighted range of folded text, for one or more annotations."""

    start: int
    end: int
    number: int
    kind: str


def highlight(
    index: TextIndex,
    spans: Sequence[Span],
    make_mark: Callable[[list[Span]], etree.Element],
    make_marker: Callable[[Span], etree.Element],
) -> dict[int, etree.Element]:
    """Wrap each span's text in marks (one per text slot it crosses) and put a marker
    after its last piece. Returns the first mark element of each annotation number."""
    raw_spans = [(index.raw_range(s.start, s.end), s) for s in spans]
    firsts: dict[int, etree.Element] = {}
    last_piece: dict[int, tuple[_Slot, int]] = {}
    # Which raw ranges touch which slot.
    plan: list[tuple[_Slot, list[tuple[int, int, list[Span]]]]] = []
    for slot in index.slots:
        cuts: set[int] = set()
        for offset, length, plain in slot.runs:
            for (r_start, r_end), _span in raw_spans:
                lo, hi = max(r_start, plain), min(r_end, plain + length)
                if lo < hi:
                    cuts.update((offset + lo - plain, offset + hi - plain))
        if not cuts:
            continue
        pieces: list[tuple[int, int, list[Span]]] = []
        points = sorted(cuts)
        for a, b in itertools.pairwise(points):
            covering = [
                span for (r_start, r_end), span in raw_spans if _covers(slot, a, b, r_start, r_end)
            ]
            if covering:
                pieces.append((a, b, covering))
        plan.append((slot, pieces))
        for n, (_a, _b, covering) in enumerate(pieces):
            for span in covering:
                last_piece[span.number] = (slot, n)
    markers: list[etree.Element] = []
    for slot, pieces in plan:
        _rewrite(slot, pieces, make_mark, make_marker, firsts, last_piece, markers)
    _lift_out_of_links(index.root, markers)
    return firsts


INTERACTIVE = frozenset({"a", "button"})


def _lift_out_of_links(root: etree.Element, markers: list[etree.Element]) -> None:
    """A marker is a button: it may not sit inside a link (a quote ending in a linked
    name). Move it to just after the outermost enclosing link."""
    parents = {child: parent for parent in root.iter() for child in parent}
    for marker in markers:
        outer = None
        node = parents.get(marker)
        while node is not None:
            if node.tag in INTERACTIVE:
                outer = node
            node = parents.get(node)
        if outer is None:
            continue
        parent = parents[marker]
        siblings = list(parent)
        at = siblings.index(marker)
        if marker.tail:  # keep the text that followed the marker where it was
            if at > 0:
                siblings[at - 1].tail = (siblings[at - 1].tail or "") + marker.tail
            else:
                parent.text = (parent.text or "") + marker.tail
        parent.remove(marker)
        grand = parents[outer]
        marker.tail = outer.tail
        outer.tail = None
        grand.insert(list(grand).index(outer) + 1, marker)
        parents[marker] = grand


def _covers(slot: _Slot, a: int, b: int, r_start: int, r_end: int) -> bool:
    for offset, length, plain in slot.runs:
        if offset <= a and b <= offset + length:
            p_start = plain + (a - offset)
            return r_start <= p_start and p_start + (b - a) <= r_end
    return False


def _rewrite(
    slot: _Slot,
    pieces: list[tuple[int, int, list[Span]]],
    make_mark: Callable[[list[Span]], etree.Element],
    make_marker: Callable[[Span], etree.Element],
    firsts: dict[int, etree.Element],
    last_piece: dict[int, tuple[_Slot, int]],
    markers: list[etree.Element],
) -> None:
    value: str = getattr(slot.element, slot.attr)
    new: list[etree.Element] = []
    position = 0
    lead = None
    for n, (a, b, covering) in enumerate(pieces):
        gap = value[position:a]
        if new:
            new[-1].tail = (new[-1].tail or "") + gap
        else:
            lead = gap
        mark = make_mark(covering)
        mark.text = value[a:b]
        new.append(mark)
        for span in covering:
            firsts.setdefault(span.number, mark)
        for span in covering:
            if last_piece.get(span.number) == (slot, n):
                marker = make_marker(span)
                new.append(marker)
                markers.append(marker)
        position = b
    rest = value[position:]
    new[-1].tail = (new[-1].tail or "") + rest
    replace_slot(slot.element, slot.attr, slot.parent, lead, new)
