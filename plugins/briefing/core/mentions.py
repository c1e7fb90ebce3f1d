"""Finding entity mentions in text: one Aho-Corasick pass, whatever the number of names.

Rules (spec section 3):

* smart case: a term with an upper-case letter matches case-sensitively, an
  all-lower-case term matches any case; ``match_case`` overrides;
* Latin-script terms match whole words only; CJK terms match anywhere;
* a Latin-script term that is part of an identifier (``create-social-cards``,
  ``webpack-asset-manifest-plugin``, ``docs/plugin.md``, ``user@example``) is not a
  mention: a joiner (``- _ / . @``) with a word character beyond it counts as part
  of the word, while a sentence's full stop or a dash between spaces does not;
* a space in a term matches any run of whitespace, line breaks included;
* names that differ only in Unicode normalisation (``Café`` composed or decomposed) are
  the same name: ``same_name`` is the one rule, used here and by the loader;
* leftmost, then longest match wins, and matches never overlap.

The automaton runs over a lower-cased copy of the text with whitespace folded,
so one pass finds every candidate; case-sensitive terms and word boundaries are
then checked on the few candidates only.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ahocorasick

if TYPE_CHECKING:
    from .model import Briefing

_WS_RUN = re.compile(r"\s+")
_SPACE_RUN = re.compile(r" {2,}")
# Every whitespace character Python's str.split() knows but the plain space (a
# character class: str.translate with a table is several times slower).
_OTHER_WS = re.compile(
    "[\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000]"
)


def is_cjk(ch: str) -> bool:
    """Han, kana, hangul, and CJK punctuation: scripts written without spaces."""
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x2FDF  # radicals
        or 0x3000 <= code <= 0x312F  # punctuation, kana, bopomofo
        or 0x3190 <= code <= 0x31FF
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0x4E00 <= code <= 0x9FFF  # unified ideographs
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
    )


def is_word_char(ch: str) -> bool:
    """A character that continues a Latin-script word (so ``Sora`` is not in ``Soraya``)."""
    if ch == " ":
        return False
    if ch.isalnum() or ch == "_":
        return not is_cjk(ch)
    return unicodedata.category(ch) == "Mn"


JOINERS = frozenset("-_/.@")
"""Characters that join two words into one identifier."""


def continues_word(text: str, joiner: int, beyond: int) -> bool:
    """Does the word next to ``text[joiner]`` go on through it (a word character there,
    or a joiner with a word character beyond it)? ``beyond`` is ``joiner`` plus or
    minus one: the side away from the term."""
    ch = text[joiner]
    if is_word_char(ch):
        return True
    return ch in JOINERS and 0 <= beyond < len(text) and is_word_char(text[beyond])


def normalize_term(term: str) -> str:
    return _WS_RUN.sub(" ", term.strip())


def same_name(name: str) -> str:
    """The "same name" rule: two names are one when they are equal once whitespace runs are
    one space and Unicode is composed (NFC). Case is the matcher's business (smart case);
    ``Term.key`` folds it."""
    return unicodedata.normalize("NFC", normalize_term(name))


def fold(text: str) -> str:
    """Lower-case ``text`` without changing its length (so offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def is_case_sensitive(term: str, match_case: bool | None = None) -> bool:
    if match_case is not None:
        return match_case
    return any(c.isupper() for c in term)


@dataclass(frozen=True)
class Term:
    text: str
    entity: str
    case_sensitive: bool

    @property
    def key(self) -> str:
        return fold(same_name(self.text))

    def conflicts_with(self, other: Term) -> bool:
        """Would both terms claim the same text?"""
        if self.key != other.key:
            return False
        if self.case_sensitive and other.case_sensitive:
            return same_name(self.text) == same_name(other.text)
        return True


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entity: str
    term: str


class Matcher:
    """All entity names in one automaton. Build once per briefing, use for every text."""

    def __init__(self, terms: Iterable[Term]) -> None:
        groups: dict[str, list[Term]] = {}
        for term in terms:
            if term.key:
                groups.setdefault(term.key, []).append(term)
        self._automaton = ahocorasick.Automaton()
        for key, members in groups.items():
            # The key is composed (NFC); a text may hold the name decomposed.
            for form in dict.fromkeys((key, unicodedata.normalize("NFD", key))):
                left = is_word_char(form[0])
                right = is_word_char(form[-1])
                self._automaton.add_word(form, (len(form), left, right, tuple(members)))
        self._empty = not groups
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Match]:
        """Non-overlapping mentions in ``text``, leftmost then longest first."""
        if self._empty or not text:
            return []
        norm = fold(_OTHER_WS.sub(" ", text))
        starts: list[int] = []
        shifts: list[int] = []
        if "  " in norm:
            norm, starts, shifts = _collapse_spaces(norm)
        size = len(norm)
        candidates: list[tuple[int, int, int, int, Term]] = []
        for last, (length, left, right, members) in self._automaton.iter(norm):
            start = last - length + 1
            end = last + 1
            if left and start > 0 and continues_word(norm, start - 1, start - 2):
                continue
            if right and end < size and continues_word(norm, end, end + 1):
                continue
            o_start = _original(start, starts, shifts)
            o_end = _original(end - 1, starts, shifts) + 1
            original = None
            for term in members:
                if term.case_sensitive:
                    if original is None:
                        original = same_name(text[o_start:o_end])
                    if original != same_name(term.text):
                        continue
                candidates.append((o_start, -(o_end - o_start), o_end, len(candidates), term))
                break
        candidates.sort()
        matches: list[Match] = []
        position = 0
        for o_start, _, o_end, _, term in candidates:
            if o_start >= position:
                matches.append(Match(o_start, o_end, term.entity, term.text))
                position = o_end
        return matches


def _collapse_spaces(norm: str) -> tuple[str, list[int], list[int]]:
    """Fold runs of spaces to one; return the new text and where offsets shift."""
    pieces: list[str] = []
    starts: list[int] = []
    shifts: list[int] = []
    total = 0
    previous = 0
    for run in _SPACE_RUN.finditer(norm):
        pieces.append(norm[previous : run.start() + 1])
        new_position = run.start() - total
        total += len(run.group()) - 1
        starts.append(new_position + 1)
        shifts.append(total)
        previous = run.end()
    pieces.append(norm[previous:])
    return "".join(pieces), starts, shifts


def _original(position: int, starts: list[int], shifts: list[int]) -> int:
    """Map an offset in the collapsed text back to the original text."""
    if not starts:
        return position
    i = bisect.bisect_right(starts, position)
    return position + (shifts[i - 1] if i else 0)


def build_matcher(briefing: Briefing) -> Matcher:
    """One matcher over every entity's name and aliases (the linker's, and the
    editorial check's, which blanks mentions out before looking for unclaimed names)."""
    return Matcher(
        Term(name, entity.id, is_case_sensitive(name, entity.model.match_case))
        for entity in briefing.entities.values()
        for name in entity.names
    )
