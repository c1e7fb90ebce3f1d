"""The book's fonts: the files fontconfig finds for them (Typst reads those folders and no
other), the characters they cover, and the widths of their digits.

The book is laid out with the same few fonts on every machine (``BOOK_FONTS``), so what
it can print is known before layout: ``missing_glyphs`` finds the characters none of them
draws (``checks`` reports them).
"""

from __future__ import annotations

import functools
import subprocess
import unicodedata
from collections.abc import Iterable
from pathlib import Path

BOOK_FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Color Emoji", "DejaVu Sans")
"""The fonts the book's template names, in fallback order; every character of the book
must be in one of them (or be one Typst sets without a glyph: ``_needs_no_glyph``)."""


def _font_file(family: str) -> str | None:
    """The font file fontconfig finds for ``family`` (Typst is given its folder)."""
    try:
        done = subprocess.run(
            ["fc-match", "--format=%{file}", family],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path = done.stdout.strip()
    return path if path and Path(path).is_file() else None


@functools.cache
def _font_cmaps(families: tuple[str, ...]) -> list[tuple[str, frozenset[int]]]:
    from fontTools.ttLib import TTFont

    cmaps = []
    for family in families:
        path = _font_file(family)
        if path is None:
            continue
        try:
            font = TTFont(path, fontNumber=0, lazy=True)
            cmaps.append((family, frozenset(font.getBestCmap() or {})))
        except Exception:
            continue
    return cmaps


@functools.cache
def font_dirs() -> tuple[str, ...]:
    """The folders of the book's fonts: Typst reads these and nothing else (the same
    fonts on every machine that has them, and no time spent scanning the rest)."""
    dirs = {str(Path(file).parent) for family in BOOK_FONTS if (file := _font_file(family))}
    return tuple(sorted(dirs))


@functools.cache
def digit_advances(family: str, size: float) -> tuple[float, ...]:
    """The advance width in points of the digits 0-9 of ``family`` at ``size`` points,
    to set the page numbers digit by digit (0.6 em each if the font cannot be read)."""
    from fontTools.ttLib import TTFont

    path = _font_file(family)
    try:
        if path is None:
            raise ValueError(family)
        font = TTFont(path, fontNumber=0, lazy=True)
        cmap, metrics = font.getBestCmap(), font["hmtx"]
        em = font["head"].unitsPerEm
        return tuple(metrics[cmap[ord(d)]][0] / em * size for d in "0123456789")
    except Exception:
        return (0.6 * size,) * 10


def missing_glyphs(texts: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(source, text) pairs -> (source, character, excerpt) for the characters the book
    cannot print: those no book font covers, but for the ones Typst sets without a glyph,
    and U+FEFF, which PDF/UA-1 forbids in text."""
    cmaps = _font_cmaps(BOOK_FONTS)
    covered: set[int] = set()
    for _, cmap in cmaps:
        covered |= cmap
    covered.discard(0xFEFF)
    problems = []
    reported: set[str] = set()
    for source, text in texts:
        for i, ch in enumerate(text):
            if ord(ch) in covered or ch in reported or _needs_no_glyph(ch):
                continue
            reported.add(ch)
            excerpt = " ".join(text[max(0, i - 25) : i + 25].split())
            problems.append((source, ch, excerpt))
    return problems


_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)  # fmt: skip
"""Unicode's default-ignorable code points (DerivedCoreProperties.txt) but U+FEFF:
Typst's shaper sets them invisibly, with no glyph (zero-width joiners, variation
selectors, direction marks, the tags of flag emoji)."""


def _needs_no_glyph(ch: str) -> bool:
    """Whether Typst sets ``ch`` without a glyph of the fonts: spaces and line breaks (a
    C0 control is written as a space), and the default-ignorable characters. Tried on
    every control, format and space character with Typst 0.15: the others (C1 controls
    such as a pasted U+0092, visible format marks such as U+0600, unassigned code points
    and noncharacters, U+FEFF) make it refuse the book under PDF/UA-1."""
    code = ord(ch)
    if unicodedata.category(ch)[0] == "Z" or code < 0x20 or code == 0x7F:
        return True
    return any(low <= code <= high for low, high in _IGNORABLE)
