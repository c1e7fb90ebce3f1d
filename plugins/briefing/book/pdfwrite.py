"""Writing the book's PDF object by object, and copying a part's objects into it.

The join (``pdfjoin``) streams: it writes each object as soon as it has it, through a
``Writer`` that packs objects into compressed object streams and ends the file with a
cross-reference stream, so nothing of a part is held once the part is written. An object
copied from a part (``write_object``) has its references renumbered to the book's
objects, and is refused (``JoinError``) if its syntax names anything active: a part comes
from Typst, through the book's cache, and the book takes nothing active from it whatever
the cache holds. The outline (bookmarks) is written here too, from the parts' entries.
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pikepdf
from pikepdf import Dictionary, String

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


_TOKENS = re.compile(
    rb"\((?:\\.|[^\\)])*\)"  # a literal string (qpdf escapes every parenthesis in it)
    rb"|<[0-9A-Fa-f\s]*>"  # a hex string
    rb"|(?<![\w.#/])(\d+) (\d+) R(?!\w)",  # an indirect reference
    re.S,
)


class Writer:
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


def renumber(text: bytes, numbers: Mapping[tuple[int, int], int]) -> bytes:
    """Object syntax with every reference to a part's object pointing at the book's."""

    def swap(match: re.Match[bytes]) -> bytes:
        if match.group(1) is None:
            return match.group(0)
        number = numbers.get((int(match.group(1)), int(match.group(2))))
        return b"%d 0 R" % number if number is not None else b"null"

    return _TOKENS.sub(swap, text)


def pdf_string(text: str) -> bytes:
    return bytes(String(text).unparse())


def unparse(obj: pikepdf.Object) -> bytes:
    return bytes(obj.unparse(resolved=True))


def write_object(
    writer: Writer,
    number: int,
    obj: pikepdf.Object,
    numbers: Mapping[tuple[int, int], int],
    source: Path,
) -> None:
    """Write an object of the part ``source`` into the book as object ``number``, its
    references renumbered (a stream's data as it is, still compressed); JoinError if its
    syntax names anything active."""
    if not isinstance(obj, pikepdf.Stream):
        body = unparse(obj)
        head = b""
    else:
        raw = obj.read_raw_bytes()
        stream_dict = Dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"})
        stream_dict.Length = len(raw)
        body = head = unparse(stream_dict)
    for found in ACTIVE.finditer(body):
        if found.group(1) is not None:
            name = found.group(1).decode()
            raise JoinError(f"{source}: object {obj.objgen[0]} holds /{name}; the book has none")
    if not head:
        writer.write(number, renumber(body, numbers))
    else:
        writer.write_stream(number, renumber(head, numbers), raw)


@contextlib.contextmanager
def opened(path: Path) -> Iterator[pikepdf.Pdf]:
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


def write_outline(writer: Writer, entries: list[tuple[int, str, bytes]]) -> int:
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
            b"/Title " + pdf_string(item.title),
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
