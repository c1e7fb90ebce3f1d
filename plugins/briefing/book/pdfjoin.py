"""Join the book's parts, each a tagged PDF laid out on its own, into one tagged PDF.

WeasyPrint lays out the front matter, every article and every appendix as separate
documents (in parallel, and cached across builds); this module puts their pages in
order with pikepdf (qpdf) and rebuilds what spans the whole book: one structure tree
(the parts' trees under one ``Document`` element, their parent-tree keys renumbered),
one name tree of link destinations (the placeholders a part made for anchors in other
parts left out), one outline, the page numbers (stamped as pagination artifacts, digit by
digit, from a ten-page document of the digits 0-9) and the document's metadata.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

MM = 72 / 25.4
DIGIT_BOX = (6 * MM, 6 * MM)
"""Size of each page of the digits document: one digit, at the left edge."""
NUMBER_BASELINE = 10 * MM
"""Bottom of the number's box above the page's bottom edge (the middle of the margin)."""


@dataclass(frozen=True)
class Digits:
    """The digits document (page ``d`` draws the digit ``d``) and each digit's advance
    width in points, to set a page number digit by digit, centred."""

    pdf: Path
    advances: tuple[float, ...]


@dataclass(frozen=True)
class JoinPart:
    pdf: Path
    placeholders: frozenset[str] = frozenset()
    """Anchors the part only pretended to have (links into other parts)."""


def join(
    parts: Iterable[JoinPart],
    out: Path,
    digits: Digits | None,
    info: Mapping[str, str],
    language: str,
) -> int:
    """Write the parts as one PDF to ``out``; returns its number of pages. Page ``i``
    (1-based) gets the number ``i`` stamped at the foot, except the cover."""
    book = pikepdf.new()
    root = book.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = book.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array())
    )
    root.K = Array([document])
    nums = Array()
    next_key = 0
    dests: dict[str, Array] = {}
    outline: list[tuple[int, str, Array]] = []
    metadata = None
    role_map: dict[str, object] = {}
    for part in parts:
        src = pikepdf.open(part.pdf)
        base = len(book.pages)
        with warnings.catch_warnings():  # named destinations: done below, for the whole book
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            book.pages.extend(src.pages)
        where = {page.obj.objgen: base + i for i, page in enumerate(src.pages)}
        if metadata is None and "/Metadata" in src.Root:
            metadata = book.copy_foreign(src.Root.Metadata)
        tree = src.Root.get("/StructTreeRoot")
        offset = next_key
        if tree is not None:
            for kid in map(book.copy_foreign, tree.K[0].K):
                kid.P = document
                document.K.append(kid)
            for key, value in (tree.get("/RoleMap") or {}).items():
                role_map[key] = value
            part_nums = tree.ParentTree.Nums
            for i in range(0, len(part_nums), 2):
                number = offset + int(part_nums[i])
                nums.append(number)
                nums.append(_copied(book, part_nums[i + 1]))
                next_key = max(next_key, number + 1)
            for page in book.pages[base:]:
                if "/StructParents" in page.obj:
                    page.obj.StructParents = offset + int(page.obj.StructParents)
                for annot in page.obj.get("/Annots") or []:
                    if "/StructParent" in annot:
                        annot.StructParent = offset + int(annot.StructParent)
        if "/Names" in src.Root and "/Dests" in src.Root.Names:
            for name, dest in pikepdf.NameTree(src.Root.Names.Dests).items():
                if name in part.placeholders or name in dests:
                    continue
                dests[name] = _moved(book, dest, where)
        with src.open_outline() as items:
            _collect(book, items.root, where, 0, outline)
    if digits is not None:
        _stamp_numbers(book, digits)
    root.ParentTree = book.make_indirect(Dictionary(Nums=nums))
    root.ParentTreeNextKey = next_key
    if role_map:
        root.RoleMap = Dictionary(role_map)
    if dests:
        names = pikepdf.NameTree.new(book)
        for name in sorted(dests):
            names[name] = dests[name]
        book.Root.Names = Dictionary(Dests=names.obj)
    _write_outline(book, outline)
    book.Root.StructTreeRoot = root
    book.Root.MarkInfo = Dictionary(Marked=True)
    book.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    book.Root.Lang = String(language)
    if metadata is not None:
        book.Root.Metadata = metadata
    for field, text in info.items():
        book.docinfo[Name("/" + field)] = String(text)
    count = len(book.pages)
    book.save(
        out,
        min_version="1.7",
        compress_streams=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return count


def _copied(book: pikepdf.Pdf, value: pikepdf.Object) -> pikepdf.Object:
    """A parent-tree value (a reference, or a direct array of references) copied over."""
    if isinstance(value, Array) and not value.is_indirect:
        return Array([book.copy_foreign(v) for v in value])
    return book.copy_foreign(value)


def _moved(book: pikepdf.Pdf, dest: pikepdf.Object, where: Mapping[tuple[int, int], int]) -> Array:
    """A destination of a part, pointing at the same place in the book."""
    if isinstance(dest, Dictionary):
        dest = dest.D
    page = where[dest[0].objgen]
    return Array([book.pages[page].obj, *list(dest)[1:]])


def _collect(
    book: pikepdf.Pdf,
    items: Iterable[pikepdf.OutlineItem],
    where: Mapping[tuple[int, int], int],
    depth: int,
    out: list[tuple[int, str, Array]],
) -> None:
    for item in items:
        dest = item.destination
        if isinstance(dest, Array) and len(dest) and dest[0].objgen in where:
            out.append((depth, item.title, _moved(book, dest, where)))
        _collect(book, item.children, where, depth + 1, out)


def _write_outline(book: pikepdf.Pdf, entries: list[tuple[int, str, Array]]) -> None:
    with book.open_outline() as outline:
        levels: list[list[pikepdf.OutlineItem]] = [outline.root]
        for depth, title, dest in entries:
            level = min(depth, len(levels) - 1)
            item = pikepdf.OutlineItem(title, dest)
            levels[level].append(item)
            del levels[level + 1 :]
            levels.append(item.children)


def _stamp_numbers(book: pikepdf.Pdf, digits: Digits) -> None:
    """Stamp the number ``i`` at the foot of page ``i``, centred, as a pagination
    artifact, leaving the cover bare. Ten digit forms serve every page of the book."""
    src = pikepdf.open(digits.pdf)
    if len(src.pages) != 10 or len(digits.advances) != 10:
        raise ValueError(f"{digits.pdf}: {len(src.pages)} pages, not the ten digits")
    forms = [book.copy_foreign(page.as_form_xobject()) for page in src.pages]
    before = book.make_stream(b"q\n")
    for i, page in enumerate(book.pages):
        if i == 0:
            continue
        number = [int(d) for d in str(i + 1)]
        box = page.mediabox
        x = (float(box[2]) - float(box[0]) - sum(digits.advances[d] for d in number)) / 2
        draw = []
        for d in number:
            name = page.add_resource(forms[d], Name.XObject, Name(f"/BfDigit{d}"))
            draw.append(f"q 1 0 0 1 {x:.2f} {NUMBER_BASELINE:.2f} cm {name} Do Q")
            x += digits.advances[d]
        after = (
            "Q /Artifact <</Type /Pagination /Subtype /Footer>> BDC " + " ".join(draw) + " EMC\n"
        )
        contents = page.obj.Contents
        kept = list(contents) if isinstance(contents, Array) else [contents]
        page.obj.Contents = Array([before, *kept, book.make_stream(after.encode())])
