"""Join the book's parts, each a tagged PDF laid out on its own, into one tagged PDF.

Typst lays out the front matter, every group of articles and every appendix as separate
documents (in parallel, and cached across builds); this module writes their pages, in
order, into one file, and what spans the whole book: one structure tree (the parts'
trees under one ``Document`` element, their parent-tree keys renumbered and their
element ids made unique), the links between places of the book (a part writes a link to
another place as a ``bf:NAME`` address and tells where its own anchors are; they become
named destinations), one outline, the page numbers (stamped as pagination artifacts,
digit by digit, from a ten-page document of the digits 0-9: ``pagenumbers``) and the
document's metadata.

The join streams: each part is opened with pikepdf (qpdf), its objects renumbered and
written out (``pdfwrite``), and closed before the next, so its memory does not grow with
the book (a pikepdf document of the whole book held 215 MB at 471 pages and grew with
every page).
What is kept across parts is small: a number and a few offsets per object, the page
references, the parent-tree entries and the anchors.

A part comes from Typst, through the book's cache; the join takes nothing active from it
whatever the cache holds: an object naming an action other than a link (JavaScript,
launch, forms, embedded files, additional actions ...), an annotation other than a link,
or a link to a scheme other than http, https, mailto and the book's own places stops the
join with a ``JoinError`` naming the part's file. The catalog, outline and name trees of a
part are never copied (the book writes its own).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from .pagenumbers import Digits, stamp, write_digits
from .pdfwrite import (
    JoinError,
    Writer,
    opened,
    pdf_string,
    renumber,
    unparse,
    write_object,
    write_outline,
)

LINK_SCHEME = "bf:"
"""How a part writes a link to an anchor of the book (in any part)."""


LINK_SCHEMES = ("http:", "https:", "mailto:")
"""The schemes of the book's links to the outside (``bf:`` places are its own)."""


@dataclass(frozen=True)
class JoinPart:
    pdf: Path
    anchors: Sequence[Sequence[Any]] = ()
    """The part's anchors as ``(name, page, x, y)``: page from 1, points from the top left
    of the page."""


def _dest(page: int, x: float | None, y: float | None) -> bytes:
    if x is None or y is None:
        return b"[%d 0 R /XYZ null null null]" % page
    return b"[%d 0 R /XYZ %.2f %.2f 0]" % (page, x, y)


@dataclass
class _Page:
    number: int  # the page object's number in the book
    height: float


def join(
    parts: Iterable[JoinPart],
    out: Path,
    digits: Digits | None,
    info: Mapping[str, str],
    language: str,
) -> int:
    """Write the parts as one PDF to ``out``; returns its number of pages. Page ``i``
    (1-based) gets the number ``i`` stamped at the foot, except the cover. A join that
    fails (``JoinError``) leaves no ``out``, rather than part of a book."""
    try:
        return _join(list(parts), out, digits, info, language)
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _join(
    parts: list[JoinPart],
    out: Path,
    digits: Digits | None,
    info: Mapping[str, str],
    language: str,
) -> int:
    with out.open("wb") as file:
        writer = Writer(file)
        catalog, pages_root, tree_root, document = (writer.reserve() for _ in range(4))
        forms = write_digits(writer, digits) if digits is not None else None
        book = _Book(writer, pages_root, document)
        for part_no, part in enumerate(parts, 1):
            book.add(part, part_no, forms, digits)
        book.finish()
        metadata = book.metadata
        kids = b" ".join(b"%d 0 R" % page.number for page in book.pages)
        writer.write(
            pages_root,
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(book.pages)),
        )
        writer.write(
            document,
            b"<< /Type /StructElem /S /Document /P %d 0 R /K [%s] >>"
            % (tree_root, b" ".join(book.kids)),
        )
        parent_tree = writer.reserve()
        writer.write(parent_tree, b"<< /Nums [%s] >>" % b" ".join(book.nums))
        extra = b""
        if book.role_map:
            extra += b" /RoleMap << %s >>" % b" ".join(
                bytes(Name(k).unparse()) + b" " + v for k, v in sorted(book.role_map.items())
            )
        if book.ids:
            ids = writer.reserve()
            writer.write(
                ids,
                b"<< /Names [%s] >>"
                % b" ".join(pdf_string(n) + b" %d 0 R" % r for n, r in sorted(book.ids.items())),
            )
            extra += b" /IDTree %d 0 R" % ids
        writer.write(
            tree_root,
            b"<< /Type /StructTreeRoot /K [%d 0 R] /ParentTree %d 0 R /ParentTreeNextKey %d%s >>"
            % (document, parent_tree, book.next_key, extra),
        )
        dests = writer.reserve()
        writer.write(
            dests,
            b"<< /Names [%s] >>"
            % b" ".join(pdf_string(n) + b" " + d for n, d in sorted(book.dests.items())),
        )
        outline = write_outline(writer, book.outline)
        entries = [
            b"/Type /Catalog",
            b"/Pages %d 0 R" % pages_root,
            b"/StructTreeRoot %d 0 R" % tree_root,
            b"/MarkInfo << /Marked true >>",
            b"/ViewerPreferences << /DisplayDocTitle true >>",
            b"/Lang " + pdf_string(language),
            b"/Names << /Dests %d 0 R >>" % dests,
        ]
        if outline:
            entries.append(b"/Outlines %d 0 R /PageMode /UseOutlines" % outline)
        if metadata:
            entries.append(b"/Metadata %d 0 R" % metadata)
        writer.write(catalog, b"<< " + b" ".join(entries) + b" >>")
        info_ref = writer.reserve()
        writer.write(
            info_ref,
            b"<< %s >>"
            % b" ".join(
                bytes(Name("/" + k).unparse()) + b" " + pdf_string(v) for k, v in info.items()
            ),
        )
        # The parts' names are their contents' keys: the same book, the same ID, wherever
        # the parts were kept.
        digest = hashlib.md5(b"".join(p.pdf.name.encode() for p in parts), usedforsecurity=False)
        writer.close(catalog, info_ref, digest.digest())
    return len(book.pages)


class _Book:
    """What the join keeps across parts."""

    def __init__(self, writer: Writer, pages_root: int, document: int) -> None:
        self.writer = writer
        self.pages_root = pages_root
        self.document = document
        self.pages: list[_Page] = []
        self.kids: list[bytes] = []
        self.nums: list[bytes] = []
        self.next_key = 0
        self.dests: dict[str, bytes] = {}
        self.ids: dict[str, int] = {}
        self.role_map: dict[str, bytes] = {}
        self.outline: list[tuple[int, str, bytes]] = []
        self.linked: dict[str, int] = {}
        """Names links go to, and the index of the first page linking to each."""
        self.metadata = 0

    def add(
        self, part: JoinPart, part_no: int, forms: list[int] | None, digits: Digits | None
    ) -> None:
        with opened(part.pdf) as src:
            self._add(src, part, part_no, forms, digits)

    def _add(
        self,
        src: pikepdf.Pdf,
        part: JoinPart,
        part_no: int,
        forms: list[int] | None,
        digits: Digits | None,
    ) -> None:
        writer = self.writer
        root = src.Root
        skip = _skipped(src, keep_metadata=not self.metadata)
        tree = root.get("/StructTreeRoot")
        documents: list[pikepdf.Object] = []
        if tree is not None:
            documents = list(tree.K) if isinstance(tree.K, Array) else [tree.K]
        offset = self.next_key
        first = len(self.pages)
        numbers: dict[tuple[int, int], int] = {}
        # What the book changes in the part's pages: parent-tree keys, links, numbers.
        for i, page in enumerate(src.pages):
            page_obj = page.obj
            _refuse_active(part.pdf, page_obj.get("/Annots") or [])
            if tree is not None and "/StructParents" in page_obj:
                page_obj.StructParents = offset + int(page_obj.StructParents)
            for annot in page_obj.get("/Annots") or []:
                if tree is not None and "/StructParent" in annot:
                    annot.StructParent = offset + int(annot.StructParent)
                self._relink(annot, first + i)
            if forms is not None and digits is not None and first + i > 0:
                for stand_in, form in stamp(src, page, first + i + 1, forms, digits):
                    numbers[stand_in] = form
                    skip.add(stand_in)
        ids: list[tuple[str, tuple[int, int]]] = []
        if tree is not None and "/IDTree" in tree:  # element ids made unique in the book
            for name, elem in pikepdf.NameTree(tree.IDTree).items():
                elem.ID = String(f"p{part_no} {name}")
                ids.append((f"p{part_no} {name}", elem.objgen))
        # Numbers in the book: the part's page tree is the book's, its Document element
        # the book's, every other object it keeps a new number.
        for node in _page_tree(root):
            numbers[node.objgen] = self.pages_root
        for doc in documents:
            numbers[doc.objgen] = self.document
        for obj in src.objects:
            if obj.objgen not in skip and obj.objgen not in numbers and obj.objgen != (0, 0):
                numbers[obj.objgen] = writer.reserve()
        for page in src.pages:
            self.pages.append(_Page(numbers[page.obj.objgen], float(page.mediabox[3])))
        for name, page_number, x, y in part.anchors:
            if str(name) in self.dests or not 0 < int(page_number) <= len(src.pages):
                continue
            at = self.pages[first + int(page_number) - 1]
            self.dests[str(name)] = _dest(at.number, float(x), at.height - float(y))
        for doc in documents:
            kids = doc.get("/K")
            for kid in kids if isinstance(kids, Array) else [kids] if kids is not None else []:
                self.kids.append(renumber(unparse(kid), numbers))
        if tree is not None:
            for role, standard in (tree.get("/RoleMap") or {}).items():
                self.role_map[str(role)] = renumber(unparse(standard), numbers)
            for key, value in _number_tree(tree.get("/ParentTree")):
                self.nums.append(b"%d %s" % (offset + key, renumber(unparse(value), numbers)))
                self.next_key = max(self.next_key, offset + key + 1)
        self.ids.update((unique, numbers[objgen]) for unique, objgen in ids)
        if not self.metadata and "/Metadata" in root:
            self.metadata = numbers.get(root.Metadata.objgen, 0)
        with src.open_outline() as items:
            where = {page.obj.objgen: first + n for n, page in enumerate(src.pages)}
            self._collect(items.root, where, 0)
        for obj in src.objects:
            number = numbers.get(obj.objgen)
            if number is None or obj.objgen in skip or number in (self.pages_root, self.document):
                continue
            write_object(writer, number, obj, numbers, part.pdf)

    def _relink(self, annot: pikepdf.Object, page: int) -> None:
        """A ``bf:NAME`` link becomes a link to the named destination NAME."""
        action = annot.get("/A")
        if action is None or action.get("/S") != Name.URI:
            return
        uri = str(action.get("/URI", ""))
        if not uri.startswith(LINK_SCHEME):
            return
        name = uri[len(LINK_SCHEME) :]
        del annot["/A"]
        annot.Dest = String(name)
        annot.Contents = String(_describe(name))
        self.linked.setdefault(name, page)

    def finish(self) -> None:
        """A link to a name no part has goes to its own page (it leads nowhere)."""
        for name, page in self.linked.items():
            if name not in self.dests:
                self.dests[name] = _dest(self.pages[page].number, None, None)

    def _collect(
        self, items: Iterable[pikepdf.OutlineItem], where: Mapping[tuple[int, int], int], depth: int
    ) -> None:
        for item in items:
            dest = item.destination
            if isinstance(dest, Array) and len(dest) and dest[0].objgen in where:
                page = self.pages[where[dest[0].objgen]]
                x, y = [*(_number(v) for v in list(dest)[2:4]), None, None][:2]
                self.outline.append((depth, item.title, _dest(page.number, x, y)))
            self._collect(item.children, where, depth + 1)


def _number(value: object) -> float | None:
    """A destination's coordinate (None for PDF's null: keep the viewer's)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _number_tree(node: pikepdf.Object | None) -> Iterator[tuple[int, pikepdf.Object]]:
    if node is None:
        return
    nums: Any = node.get("/Nums") or []
    for i in range(0, len(nums), 2):
        yield int(nums[i]), nums[i + 1]
    for kid in node.get("/Kids") or []:
        yield from _number_tree(kid)


def _page_tree(root: pikepdf.Object) -> list[pikepdf.Object]:
    """The nodes of a part's page tree (not its pages)."""
    nodes: list[pikepdf.Object] = []
    todo = [root.get("/Pages")]
    while todo:
        node = todo.pop()
        if isinstance(node, Dictionary) and node.get("/Type") == Name.Pages:
            nodes.append(node)
            todo.extend(node.get("/Kids") or [])
    return nodes


def _describe(name: str) -> str:
    """What a link of the book goes to, for its annotation's alternative description."""
    if name.startswith("entity-"):
        return "Go to the glossary entry"
    if name.startswith("article-"):
        return "Go to the article"
    if name.startswith("m."):
        return "Go to the mention"
    return "Go to this place in the book"


def _refuse_active(source: Path, annots: Iterable[pikepdf.Object]) -> None:
    """A page's annotations must be links, to the book's places or to http, https and
    mailto addresses, and act on nothing else."""
    for annot in annots:
        if not isinstance(annot, Dictionary) or annot.get("/Subtype") != Name.Link:
            raise JoinError(f"{source}: a page has an annotation that is not a link")
        action = annot.get("/A")
        if action is None:
            continue
        kind = action.get("/S") if isinstance(action, Dictionary) else None
        uri = str(action.get("/URI", "")) if kind == Name.URI else ""
        if kind != Name.GoTo and not uri.lower().startswith((LINK_SCHEME, *LINK_SCHEMES)):
            raise JoinError(f"{source}: a link acts with {kind} {uri[:40]!r}; the book's do not")


def _skipped(src: pikepdf.Pdf, keep_metadata: bool) -> set[tuple[int, int]]:
    """The objects of a part that the book replaces with its own: the catalog, the page
    tree, the structure tree's root and number and name trees, the outline, the name
    trees of destinations and the document information."""
    root = src.Root
    out: set[tuple[int, int]] = {root.objgen}

    def add(obj: pikepdf.Object | None, follow: tuple[str, ...] = ()) -> None:
        if obj is None or not isinstance(obj, (Dictionary, Array)):
            return
        if obj.is_indirect:
            if obj.objgen in out:
                return
            out.add(obj.objgen)
        if isinstance(obj, Dictionary):
            for key in follow:
                value = obj.get(key)
                if isinstance(value, Array):
                    for v in value:
                        add(v, follow)
                else:
                    add(value, follow)

    for node in _page_tree(root):
        out.add(node.objgen)
    if not keep_metadata and "/Metadata" in root:
        out.add(root.Metadata.objgen)
    tree = root.get("/StructTreeRoot")
    if tree is not None:
        out.add(tree.objgen)
        add(tree.get("/ParentTree"), ("/Kids",))
        add(tree.get("/IDTree"), ("/Kids",))
        documents = list(tree.K) if isinstance(tree.K, Array) else [tree.K]
        for doc in documents:
            out.add(doc.objgen)
    add(root.get("/Outlines"), ("/First", "/Next"))
    names = root.get("/Names")
    if names is not None:
        add(names)
        add(names.get("/Dests"), ("/Kids",))
    add(root.get("/PageLabels"), ("/Kids",))
    for key in ("/ViewerPreferences", "/MarkInfo"):
        add(root.get(key))
    if "/Info" in src.trailer:
        add(src.trailer.Info)
    for obj in src.objects:  # the part's own object and cross-reference streams
        if isinstance(obj, pikepdf.Stream) and obj.get("/Type") in (Name.ObjStm, Name.XRef):
            out.add(obj.objgen)
    return out
