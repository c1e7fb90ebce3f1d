"""The book's page numbers: a ten-page document of the digits 0-9, laid out by Typst like
any part (``digits_source``), whose pages the join (``pdfjoin``) writes once as forms and
stamps at the foot of every page but the cover, digit by digit, as pagination artifacts.

Stamped this way, the numbers need no second layout of the parts once the book's page
count is known, and every page shares the same ten forms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from ..core.contract import WHERE
from .pdfwrite import Writer, opened, write_object
from .typeset import literal

MM = 72 / 25.4
DIGIT_BOX = (6 * MM, 6 * MM)
"""Size of each page of the digits document: one digit, at the left edge."""
NUMBER_BASELINE = 10 * MM
"""Bottom of the number's box above the page's bottom edge (the middle of the margin)."""


NUMBER_FONT = ("Noto Sans CJK SC", 8.0)
"""Family and size (pt) of the page numbers."""


def digits_source() -> str:
    """Ten pages, the digits 0-9, each at the left edge of its page: the join sets every
    page number from them."""
    width, height = (f"{v:.2f}pt" for v in DIGIT_BOX)
    family, size = NUMBER_FONT
    pages = "\n#pagebreak()\n".join(f"#align(horizon)[{n}]" for n in range(10))
    return (
        f"#set page(width: {width}, height: {height}, margin: 0pt)\n"
        f'#set text(font: {literal(family)}, size: {size}pt, fill: rgb("#5b5b5b"))\n'
        f"#set par(justify: false)\n{pages}\n#metadata(())<{WHERE}>\n"
    )


@dataclass(frozen=True)
class Digits:
    """The digits document (page ``d`` draws the digit ``d``) and each digit's advance
    width in points, to set a page number digit by digit, centred."""

    pdf: Path
    advances: tuple[float, ...]


def write_digits(writer: Writer, digits: Digits) -> list[int]:
    """The ten digit forms, written into the book; returns their numbers."""
    with opened(digits.pdf) as src:
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
            write_object(writer, number, obj, numbers, digits.pdf)
        return [numbers[form.objgen] for form in forms]


def stamp(
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
