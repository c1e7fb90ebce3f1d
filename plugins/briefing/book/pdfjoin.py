"""Join the book's parts, each a tagged PDF laid out on its own, into one tagged PDF.

Typst lays out the front matter, every group of articles and every appendix as separate
documents (in parallel, and cached across builds); this module writes their pages, in
order, into one file, and what spans the whole book: one structure tree (the parts'
trees under one ``Document`` element, their parent-tree keys renumbered and their
element ids made unique), the links between places of the book (a part writes a link to
another place as a ``bf:NAME`` address and tells where its own anchors are; they become
named destinations), one outline, the page numbers (stamped as pagination artifacts,
digit by digit, from a ten-page document of the digits 0-9) and the document's metadata.

The join streams: each part is opened with pikepdf (qpdf), its objects renumbered and
written out, and closed before the next, so its memory does not grow with the book (a
pikepdf document of the whole book held 215 MB at 471 pages and grew with every page).
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

import contextlib
import hashlib
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pikepdf
from pikepdf import Array, Dictionary, Name, String

MM = 72 / 25.4
DIGIT_BOX = (6 * MM, 6 * MM)
"""Size of each page of the digits document: one digit, at the left edge."""
NUMBER_BASELINE = 10 * MM
"""Bottom of the number's box above the page's bottom edge (the middle of the margin)."""
LINK_SCHEME = "bf:"
"""How a part writes a link to an anchor of the book (in any part)."""
PER_OBJECT_STREAM = 200
"""Objects packed in one compressed object stream."""


class JoinError(Exception):
    """A part that cannot be joined: unreadable, or holding something active."""


ACTIVE = re.compile(
    rb"\((?:\\.|[^\\)])*\)"  # a literal string: its text is not looked at
    rb"|/(JS|JavaScript|Launch|OpenAction|AA|SubmitForm|ResetForm|ImportData|GoToR|GoToE"
    rb"|RichMedia|Rendition|Movie|Sound|Hide|Named|SetOCGState|EmbeddedFiles?|AcroForm"
    rb"|XFA)(?![^\s/<>\[\]()%{}])",
    re.S,
)
"""PDF names that run, launch, submit, embed or act on opening: the book has none."""
LINK_SCHEMES = ("http:", "https:", "mailto:")
"""The schemes of the book's links to the outside (``bf:`` places are its own)."""


@dataclass(frozen=True)
class Digits:
    """The digits document (page ``d`` draws the digit ``d``) and each digit's advance
    width in points, to set a page number digit by digit, centred."""

    pdf: Path
    advances: tuple[float, ...]


@dataclass(frozen=True)
class JoinPart:
    pdf: Path
    anchors: Sequence[Sequence[Any]] = ()
    """The part's anchors as ``(name, page, x, y)``: page from 1, points from the top left
    of the page."""


# --------------------------------------------------------------------------- writing

_TOKENS = re.compile(
    rb"\((?:\\.|[^\\)])*\)"  # a literal string (qpdf escapes every parenthesis in it)
    rb"|<[0-9A-Fa-f\s]*>"  # a hex string
    rb"|(?<![\w.#/])(\d+) (\d+) R(?!\w)",  # an indirect reference
    re.S,
)


class _Writer:
    """Writes a PDF object by object: compressed object streams for objects that are
    not streams, and a cross-reference stream."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.count = 0
        self.direct: dict[int, int] = {}  # number -> offset in the file
        self.packed: dict[int, tuple[int, int]] = {}  # number -> (object stream, index)
        self.pending: list[tuple[int, bytes]] = []
        file.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def reserve(self) -> int:
        self.count += 1
        return self.count

    def write(self, number: int, body: bytes) -> None:
        self.pending.append((number, body))
        if len(self.pending) >= PER_OBJECT_STREAM:
            self.flush()

    def write_stream(self, number: int, dictionary: bytes, data: bytes) -> None:
        self.direct[number] = self.file.tell()
        self.file.write(b"%d 0 obj\n%s\nstream\n" % (number, dictionary))
        self.file.write(data)
        self.file.write(b"\nendstream\nendobj\n")

    def flush(self) -> None:
        if not self.pending:
            return
        stream = self.reserve()
        header, bodies, offset = [], [], 0
        for index, (number, body) in enumerate(self.pending):
            header.append(b"%d %d" % (number, offset))
            bodies.append(body)
            offset += len(body) + 1
            self.packed[number] = (stream, index)
        first = b" ".join(header) + b"\n"
        data = zlib.compress(first + b"\n".join(bodies), 6)
        self.write_stream(
            stream,
            b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
            % (len(self.pending), len(first), len(data)),
            data,
        )
        self.pending = []

    def close(self, root: int, info: int, digest: bytes) -> None:
        self.flush()
        xref = self.reserve()
        size = self.count + 1
        rows = [b"\x00\x00\x00\x00\x00\xff\xff"]  # object 0: free
        for number in range(1, size):
            if number in self.direct:
                rows.append(b"\x01" + self.direct[number].to_bytes(4, "big") + b"\x00\x00")
            elif number in self.packed:
                stream, index = self.packed[number]
                rows.append(b"\x02" + stream.to_bytes(4, "big") + index.to_bytes(2, "big"))
            elif number == xref:
                rows.append(b"\x01" + self.file.tell().to_bytes(4, "big") + b"\x00\x00")
            else:
                rows.append(b"\x00\x00\x00\x00\x00\x00\x00")  # reserved, never written
        data = zlib.compress(b"".join(rows), 6)
        ident = digest.hex().encode()
        start = self.file.tell()
        self.file.write(
            b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Info %d 0 R "
            b"/ID [<%s> <%s>] /Filter /FlateDecode /Length %d >>\nstream\n"
            % (xref, size, root, info, ident, ident, len(data))
        )
        self.file.write(data)
        self.file.write(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start)


def _renumber(text: bytes, numbers: Mapping[tuple[int, int], int]) -> bytes:
    """Object syntax with every reference to a part's object pointing at the book's."""

    def swap(match: re.Match[bytes]) -> bytes:
        if match.group(1) is None:
            return match.group(0)
        number = numbers.get((int(match.group(1)), int(match.group(2))))
        return b"%d 0 R" % number if number is not None else b"null"

    return _TOKENS.sub(swap, text)


def _dest(page: int, x: float | None, y: float | None) -> bytes:
    if x is None or y is None:
        return b"[%d 0 R /XYZ null null null]" % page
    return b"[%d 0 R /XYZ %.2f %.2f 0]" % (page, x, y)


def _string(text: str) -> bytes:
    return bytes(String(text).unparse())


# --------------------------------------------------------------------------- the join


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
        writer = _Writer(file)
        catalog, pages_root, tree_root, document = (writer.reserve() for _ in range(4))
        forms = _write_digits(writer, digits) if digits is not None else None
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
                % b" ".join(_string(n) + b" %d 0 R" % r for n, r in sorted(book.ids.items())),
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
            % b" ".join(_string(n) + b" " + d for n, d in sorted(book.dests.items())),
        )
        outline = _write_outline(writer, book.outline)
        entries = [
            b"/Type /Catalog",
            b"/Pages %d 0 R" % pages_root,
            b"/StructTreeRoot %d 0 R" % tree_root,
            b"/MarkInfo << /Marked true >>",
            b"/ViewerPreferences << /DisplayDocTitle true >>",
            b"/Lang " + _string(language),
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
                bytes(Name("/" + k).unparse()) + b" " + _string(v) for k, v in info.items()
            ),
        )
        # The parts' names are their contents' keys: the same book, the same ID, wherever
        # the parts were kept.
        digest = hashlib.md5(b"".join(p.pdf.name.encode() for p in parts), usedforsecurity=False)
        writer.close(catalog, info_ref, digest.digest())
    return len(book.pages)


class _Book:
    """What the join keeps across parts."""

    def __init__(self, writer: _Writer, pages_root: int, document: int) -> None:
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
        with _opened(part.pdf) as src:
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
                for stand_in, form in _stamp(src, page, first + i + 1, forms, digits):
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
                self.kids.append(_renumber(_unparse(kid), numbers))
        if tree is not None:
            for role, standard in (tree.get("/RoleMap") or {}).items():
                self.role_map[str(role)] = _renumber(_unparse(standard), numbers)
            for key, value in _number_tree(tree.get("/ParentTree")):
                self.nums.append(b"%d %s" % (offset + key, _renumber(_unparse(value), numbers)))
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
            _write_object(writer, number, obj, numbers, part.pdf)

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


def _unparse(obj: pikepdf.Object) -> bytes:
    return bytes(obj.unparse(resolved=True))


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


def _write_object(
    writer: _Writer,
    number: int,
    obj: pikepdf.Object,
    numbers: Mapping[tuple[int, int], int],
    source: Path,
) -> None:
    """Write an object of the part ``source`` into the book as object ``number``, its
    references renumbered (a stream's data as it is, still compressed); JoinError if its
    syntax names anything active."""
    if not isinstance(obj, pikepdf.Stream):
        body = _unparse(obj)
        head = b""
    else:
        raw = obj.read_raw_bytes()
        stream_dict = Dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"})
        stream_dict.Length = len(raw)
        body = head = _unparse(stream_dict)
    for found in ACTIVE.finditer(body):
        if found.group(1) is not None:
            name = found.group(1).decode()
            raise JoinError(f"{source}: object {obj.objgen[0]} holds /{name}; the book has none")
    if not head:
        writer.write(number, _renumber(body, numbers))
    else:
        writer.write_stream(number, _renumber(head, numbers), raw)


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


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[pikepdf.Pdf]:
    """A part, open; JoinError if it cannot be read, or its objects are not as a PDF's
    should be."""
    try:
        src = pikepdf.open(path)
    except (pikepdf.PdfError, OSError, ValueError) as error:
        raise JoinError(f"{path} is not a PDF that can be read: {error}") from error
    try:
        yield src
    except (pikepdf.PdfError, ValueError, TypeError, AttributeError) as error:
        raise JoinError(f"{path} cannot be joined: {error}") from error
    finally:
        src.close()


def _write_digits(writer: _Writer, digits: Digits) -> list[int]:
    """The ten digit forms, written into the book; returns their numbers."""
    with _opened(digits.pdf) as src:
        if len(src.pages) != 10 or len(digits.advances) != 10:
            raise ValueError(f"{digits.pdf}: {len(src.pages)} pages, not the ten digits")
        forms = [page.as_form_xobject() for page in src.pages]
        numbers: dict[tuple[int, int], int] = {}
        todo: list[pikepdf.Object] = list(forms)
        seen: list[pikepdf.Object] = []
        while todo:  # what the forms use (their resources, fonts), and nothing else
            obj = todo.pop()
            if obj.is_indirect:
                if obj.objgen in numbers:
                    continue
                numbers[obj.objgen] = writer.reserve()
                seen.append(obj)
            values: Iterable[Any] = ()
            if isinstance(obj, pikepdf.Stream):
                values = obj.stream_dict.values()
            elif isinstance(obj, Dictionary):
                values = obj.values()
            elif isinstance(obj, Array):
                values = list(obj)
            for value in values:
                if isinstance(value, (Dictionary, Array, pikepdf.Stream)):
                    todo.append(value)
        for obj in seen:
            number = numbers[obj.objgen]
            _write_object(writer, number, obj, numbers, digits.pdf)
        return [numbers[form.objgen] for form in forms]


def _stamp(
    src: pikepdf.Pdf, page: pikepdf.Page, number: int, forms: list[int], digits: Digits
) -> list[tuple[tuple[int, int], int]]:
    """Stamp ``number`` at the foot of the page, centred, as a pagination artifact. The
    book's digit forms are reached through stand-in objects of the part, which take the
    forms' numbers and are never written: returns (stand-in, form number) pairs."""
    box = page.mediabox
    digits_of = [int(d) for d in str(number)]
    x = (float(box[2]) - float(box[0]) - sum(digits.advances[d] for d in digits_of)) / 2
    resources = page.obj.get("/Resources")
    if resources is None:
        resources = page.obj.Resources = Dictionary()
    xobjects = resources.get("/XObject")
    if xobjects is None:
        xobjects = resources.XObject = Dictionary()
    stand_ins = []
    for d in sorted(set(digits_of)):
        stand_in = src.make_indirect(Dictionary(BfDigit=d))
        xobjects[Name(f"/BfDigit{d}")] = stand_in
        stand_ins.append((stand_in.objgen, forms[d]))
    draw = []
    for d in digits_of:
        draw.append(f"q 1 0 0 1 {x:.2f} {NUMBER_BASELINE:.2f} cm /BfDigit{d} Do Q")
        x += digits.advances[d]
    marked = "Q /Artifact <</Type /Pagination /Subtype /Footer>> BDC " + " ".join(draw) + " EMC\n"
    contents = page.obj.Contents
    kept = list(contents) if isinstance(contents, Array) else [contents]
    page.obj.Contents = Array([src.make_stream(b"q\n"), *kept, src.make_stream(marked.encode())])
    return stand_ins


@dataclass(eq=False)
class _Item:
    number: int
    depth: int
    title: str = ""
    dest: bytes = b""
    parent: _Item | None = None
    children: list[_Item] = field(default_factory=list)

    def count(self) -> int:
        return sum(1 + child.count() for child in self.children)


def _write_outline(writer: _Writer, entries: list[tuple[int, str, bytes]]) -> int:
    """The outline (bookmarks) from (depth, title, destination) entries; returns the
    outline dictionary's number (0: none)."""
    if not entries:
        return 0
    top = _Item(writer.reserve(), -1)
    items: list[_Item] = []
    stack = [top]
    for depth, title, dest in entries:
        while len(stack) > 1 and stack[-1].depth >= depth:
            stack.pop()
        item = _Item(writer.reserve(), depth, title, dest, stack[-1])
        stack[-1].children.append(item)
        items.append(item)
        stack.append(item)
    for item in items:
        assert item.parent is not None
        siblings = item.parent.children
        i = siblings.index(item)
        fields = [
            b"/Title " + _string(item.title),
            b"/Parent %d 0 R" % item.parent.number,
            b"/Dest " + item.dest,
        ]
        if i > 0:
            fields.append(b"/Prev %d 0 R" % siblings[i - 1].number)
        if i + 1 < len(siblings):
            fields.append(b"/Next %d 0 R" % siblings[i + 1].number)
        if item.children:
            first, last = item.children[0].number, item.children[-1].number
            fields.append(b"/First %d 0 R /Last %d 0 R /Count -%d" % (first, last, item.count()))
        writer.write(item.number, b"<< " + b" ".join(fields) + b" >>")
    first, last = top.children[0].number, top.children[-1].number
    writer.write(
        top.number,
        b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (first, last, len(items)),
    )
    return top.number
