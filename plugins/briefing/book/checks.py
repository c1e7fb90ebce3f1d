"""What the book cannot print as the site shows it, reported before any layout.

A character no book font draws, a heading without words, an address too long to link, a
picture the book would fetch from elsewhere or cannot show: each is reported at its place
in its source file, with the same messages in ``briefing check`` (``book_check``, which
reads the pages without laying them out) and in the build (``refusals``, which also says
how the book prints them instead). Pictures that pass these checks but that Typst still
cannot lay out are reported after the layout (``picture_warnings``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from ..core.diagnostics import Diagnostics, Position, line_col, position_in_file
from ..core.pictures import measure
from .fonts import BOOK_FONTS, font_dirs, missing_glyphs
from .layout import probe
from .meta import BookMeta
from .pagecache import transform
from .pages import Book, BookPage
from .typeset import EMPTY_HEADING


def book_check(
    pages: list[BookPage],
    site_dir: Path,
    meta: BookMeta,
    diagnostics: Diagnostics,
    root: Path | None = None,
) -> None:
    """What ``briefing check`` checks of the book, without laying it out: the pages are
    read and written for Typst as for the book, and what the book would refuse is
    reported with the build's messages (``refusals``)."""
    refusals(transform(pages, site_dir), site_dir, meta, diagnostics, root)


def refusals(
    book: Book, site_dir: Path, meta: BookMeta, diagnostics: Diagnostics, root: Path | None
) -> tuple[dict[int, str], frozenset[str]]:
    """Report what the book cannot print as the site shows it, each at its place in its
    source: characters no font has, headings without text, addresses too long to link,
    pictures it would fetch from elsewhere, and pictures it cannot show (measured, then
    tried with Typst, before any layout). Returns how the book prints them instead: the
    characters to write as U+FFFD, and the pictures to print as their alternative text."""
    missing = {ord(ch): "\ufffd" for ch in _check_glyphs(book.texts, meta, diagnostics, root)}
    headings: dict[str, list[Position]] = {}
    for source, needle, message in book.refused:
        if needle == EMPTY_HEADING:
            places = headings.setdefault(source, _empty_headings(root, source))
            where = places.pop(0) if len(places) > 1 else places[0]
        else:
            where = _place(root, source, needle)
        diagnostics.error(where, message)
    for source, url in book.blocked:
        diagnostics.error(
            _place(root, source, url),
            f"the PDF does not fetch {url}; it prints the picture's alternative text",
        )
    return missing, _vet_pictures(book, site_dir, diagnostics, root)


_KINDS = {
    "Cc": "control character",
    "Cf": "format character",
    "Co": "private-use character",
    "Cs": "surrogate",
    "Cn": "unassigned code point",
}


def _glyph_message(ch: str, excerpt: str) -> str:
    code = ord(ch)
    kind = _KINDS.get(unicodedata.category(ch))
    if code == 0xFEFF:
        kind = "byte-order mark (PDF/UA-1 forbids it in text)"
    elif (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
        kind = "noncharacter"
    if kind is None:
        return (
            f'no font for the PDF has the character {ch!r} (U+{code:04X}) in "{excerpt}"; '
            "install a font that covers it (the book uses: " + ", ".join(BOOK_FONTS) + ")"
        )
    return (
        f'the PDF book cannot print the {kind} U+{code:04X} in "{excerpt}" (no font draws '
        "it, and PDF/UA-1 allows no character without a glyph); remove it"
    )


def _check_glyphs(
    texts: list[tuple[str, str]], meta: BookMeta, diagnostics: Diagnostics, root: Path | None
) -> set[str]:
    """Characters the book cannot print, each at its first place in its source file
    (under ``root``, the project); returns them."""
    texts = [*texts, ("mkdocs.yml", f"{meta.title} {meta.subtitle} {meta.author}")]
    missing = missing_glyphs(texts)
    for source, ch, excerpt in missing:
        diagnostics.error(_place(root, source, ch), _glyph_message(ch, excerpt))
    return {ch for _, ch, _ in missing}


def _place(root: Path | None, source: str, needle: str) -> Position:
    return position_in_file(root, source, needle) if root is not None else Position(source)


_EMPTY_HEADING = re.compile(
    r"^[ \t>]*#{1,6}(?:[ \t]+(?:[ \t#]|&nbsp;|<[^>\n]*>)*)?$"
    r"|<h[1-6][^>]*>(?:\s|&nbsp;|<[^>]*>)*</h[1-6]>",
    re.MULTILINE | re.IGNORECASE,
)
"""A heading with no words, as Markdown (``#``, ``## <span></span>``) or HTML writes it."""


def _empty_headings(root: Path | None, source: str) -> list[Position]:
    """Where the source's headings without words are (its first line if none is found)."""
    try:
        text = (root / source).read_text("utf-8-sig") if root is not None else ""
    except (OSError, UnicodeDecodeError):
        text = ""
    found = [Position(source, *line_col(text, m.start())) for m in _EMPTY_HEADING.finditer(text)]
    return found or [Position(source)]


def _vet_pictures(
    book: Book, site_dir: Path, diagnostics: Diagnostics, root: Path | None
) -> frozenset[str]:
    """The pictures the book cannot show (their keys), each reported where it is shown
    first: a file is measured from its header (``core.pictures``), never decoded past
    the limits; what passes, and every inline SVG, is tried with Typst, in a process of
    its own. A missing file is not reported here (MkDocs reports the link to it)."""
    site = site_dir.resolve()
    places: dict[str, tuple[str, str]] = {}
    trial: dict[str, str] = {}
    pixels: dict[str, int] = {}
    broken: set[str] = set()
    found: dict[str, str] = {}
    for key, source, needle, svg in book.pictures:
        if key in places:
            continue
        places[key] = (source, needle)
        if svg:
            trial[key] = svg
            continue
        file = site / key.lstrip("/")
        try:
            exists = file.resolve().is_relative_to(site) and file.is_file()
        except (OSError, ValueError):  # a name longer than the file system allows
            exists = False
        if not exists:
            broken.add(key)
            continue
        measured = measure(file)
        if measured.problem is not None:
            found[key] = measured.problem
        else:
            trial[key.lstrip("/")] = ""
            pixels[key.lstrip("/")] = measured.pixels
    tried = probe(trial, str(site), font_dirs(), pixels)
    found.update((key if key in places else "/" + key, why) for key, why in tried.items())
    for key, reason in found.items():
        source, needle = places[key]
        what = "an inline SVG picture" if key.startswith("svg:") else f"the picture {key[1:]}"
        diagnostics.warning(
            _place(root, source, needle),
            f"the PDF book cannot show {what} ({reason}); it prints its alternative text instead",
        )
    return frozenset(broken | set(found))


def picture_warnings(
    unreadable: Iterable[str], diagnostics: Diagnostics, root: Path | None
) -> None:
    """Pictures of a part that Typst could not lay out though they passed the trial
    (``refusals``): the part was laid out with every picture as its alternative text."""
    for picture in dict.fromkeys(unreadable):
        path, _, reason = picture.partition(": ")
        if not path:  # no picture of the part was to blame
            diagnostics.warning(
                Position("mkdocs.yml"),
                f"the PDF book printed a part's pictures as their alternative text ({reason})",
            )
            continue
        docs = f"docs/{path}"
        where = Position(docs) if root is not None and (root / docs).is_file() else None
        diagnostics.warning(
            where or Position("mkdocs.yml"),
            f"the PDF book cannot show the picture {path} ({reason}); it prints its "
            "alternative text instead",
        )
