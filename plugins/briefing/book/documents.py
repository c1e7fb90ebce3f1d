"""Every part of the book as a Typst document of its own (``part_source``).

Each part starts with the book's metadata and page design (``typst_templates/book.typ``)
and then holds the cover and contents, a group of articles, the glossary with its index
of pages, the entity map or the timeline; the articles' and entries' text is the Typst
markup ``pages`` wrote.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..markdown.extension import KIND_LABELS
from ..site import THEME_DIR
from .layout import PICTURES_ON
from .meta import BookMeta
from .typeset import escape, label_name, literal

PAPER_SIZES = {"a4": "a4", "letter": "us-letter"}
"""The book's paper sizes, as Typst names them."""


@functools.cache
def _kinds() -> str:
    """The annotation kinds' colours as a Typst dictionary, read from the site's
    ``kinds.css`` (light scheme), so that the book and the site agree."""
    css = (THEME_DIR / "assets/briefing/kinds.css").read_text("utf-8")
    light = css.split("}", 1)[0]
    colours = dict(re.findall(r"--bf-([a-z-]+):\s*(#[0-9a-fA-F]{6})", light))
    entries = [
        f'"{kind}": (fg: rgb("{colours[kind]}"), bg: rgb("{colours[kind + "-bg"]}"))'
        for kind in [*KIND_LABELS, "article"]
        if kind in colours and kind + "-bg" in colours
    ]
    return "(" + ", ".join(entries) + ")"


@functools.cache
def _preamble() -> str:
    return (Path(__file__).parent / "typst_templates/book.typ").read_text("utf-8")


def _head(meta: BookMeta, running: str, flipped: bool = False, broken: Iterable[str] = ()) -> str:
    """What every part starts with: the book's metadata and page design (``broken``:
    the pictures of the part it prints as their alternative text)."""
    keywords = "".join(f"{literal(k)}, " for k in meta.keywords)
    lang = meta.language.split("-")[0].lower()
    lang = lang if re.fullmatch(r"[a-z]{2,3}", lang) else "en"
    return (
        f"#let meta = (title: {literal(meta.title)}, author: {literal(meta.author)}, "
        f"subtitle: {literal(meta.subtitle)}, keywords: ({keywords}), lang: {literal(lang)})\n"
        f"#let paper = {literal(PAPER_SIZES.get(meta.paper, 'a4'))}\n"
        f"#let kinds = {_kinds()}\n"
        f"#let running = {literal(running)}\n"
        f"{PICTURES_ON}\n#let broken = ({''.join(literal(k) + ', ' for k in broken)})\n"
        + _preamble()
        + ("\n#set page(flipped: true)\n" if flipped else "\n")
    )


def _link(name: str, body: str) -> str:
    return f"#link({literal('bf:' + label_name(name))})[{body}]"


def _front(meta: BookMeta, contents: list[dict[str, Any]], total_pages: int) -> str:
    """The cover, the contents (with the page of every part) and how to read the book."""
    built = meta.date.strftime("%-d %B %Y")
    version = f" · version {meta.version}" if meta.version else ""
    author = f"#linebreak(){escape(meta.author)}" if meta.author else ""
    subtitle = (
        f"#block(width: 140mm, text(size: 14pt)[{escape(meta.subtitle)}])" if meta.subtitle else ""
    )
    cover = (
        "#page(fill: navy, margin: (top: 70mm, x: 24mm, bottom: 20mm), header: none)[\n"
        "#set text(fill: white)\n#set par(justify: false)\n"
        '#text(font: sans, size: 10pt, weight: 700, tracking: 0.2em, fill: rgb("#b9c3f5"))'
        "[ANNOTATED BRIEFING]\n\n"
        "#block(above: 6mm, below: 8mm, text(font: sans, size: 30pt, weight: 700)"
        f"[{escape(meta.title)}])\n\n{subtitle}\n\n"
        "#block(above: 10mm, text(font: sans, size: 11pt, weight: 700)"
        f"[Current as of {escape(meta.current_as_of_text)}])\n\n"
        '#block(above: 40mm, text(font: sans, size: 9pt, fill: rgb("#d5dbf7"))'
        f"[Built {escape(built + version)} · {total_pages} pages{author}])\n]\n"
    )
    lines = []
    for entry in contents:
        title = escape(entry["title"])
        row = _link(entry["anchor"], f"{title} #box(width: 1fr, repeat[.#h(2pt)]) {entry['page']}")
        weight = ", weight: 700" if entry.get("part") else ""
        above = "5mm" if entry.get("part") else "2.5mm"
        lines.append(f"#block(above: {above}, below: 0pt, text(font: sans{weight})[{row}])")
    chips = " ".join(f"#bfkind({literal(k)})[{escape(v)}]" for k, v in KIND_LABELS.items())
    return (
        cover
        + '#bfa("contents")\n'
        + "#heading(level: 1, outlined: false, bookmarked: false)[Contents]\n"
        + "\n".join(lines)
        + "\n\n#v(14mm)\n#text(size: 9pt)[\n"
        "#heading(level: 2, outlined: false, bookmarked: false)[How to read this book]\n\n"
        "Highlighted passages carry an editor\\'s note, printed as a footnote on the same "
        "page; its label says what kind of note it is:\n\n"
        f"{chips}\n\n"
        "Names that are #bfname[underlined with dots] are entries of the glossary at the "
        "end, which also lists the pages that mention each one. Web addresses are printed "
        "after their link the first time it appears in an article.\n]\n"
    )


def _articles(articles: list[dict[str, Any]]) -> str:
    return "\n\n".join(
        f"#bfarticle({literal(a['title'])}, {literal(label_name('article-' + a['key']))}, "
        f"{literal(label_name('start.' + a['key']))})\n\n{a['typ']}"
        for a in articles
    )


INDEX_PAGES = 40
"""Pages the glossary's index lists for one entity; past that it says how many more
(at 1,000 articles an entity such as China is on some 1,800 pages: a list of that
length helps no reader, and its links made the glossary the book's largest part)."""


def _glossary(groups: list[tuple[str, list[Any]]], index: Mapping[str, list[Any]]) -> str:
    out = ['#bfparttitle("Glossary", "glossary")']
    for plural, members in groups:
        out.append(f"#heading(level: 2, outlined: false, bookmarked: false)[{escape(plural)}]")
        for entity in members:
            pages = index.get(entity["key"])
            if pages:
                numbers = ", ".join(
                    _link(anchor, f"#bfpagenumber[{number}]")
                    for number, anchor in pages[:INDEX_PAGES]
                )
                line = f"Mentioned on page{'s' if len(pages) > 1 else ''} {numbers}"
                more = len(pages) - INDEX_PAGES
                line += f", and on {more:,} more pages." if more > 0 else "."
            else:
                line = "Not mentioned in the articles."
            anchor = literal(label_name("entity-" + entity["key"]))
            out.append(
                f"#bfentry({literal(entity['name'])}, {anchor})"
                f"\n\n{entity['typ']}\n\n#bfindex[{line}]"
            )
    return "\n\n".join(out)


MAP_INTRO = (
    "Who is connected to whom: a line joins two entities when one lists the other as "
    "related (dark) or when the same article mentions both (light, thicker for more "
    "articles). Colour is the kind of entity, size how often the articles mention it; "
    "each entity's glossary entry lists its related entities."
)


def part_source(meta: BookMeta, part: str, broken: Iterable[str] = (), **context: Any) -> str:
    """One part of the book ("front", "articles", "glossary", "map" or "timeline") as a
    Typst document of its own; the pictures of ``broken`` it shows print as their
    alternative text."""
    running, flipped = "", False
    if part == "front":
        body = _front(meta, context["contents"], context["total_pages"])
    elif part == "articles":
        body, running = _articles(context["articles"]), "Articles"
    elif part == "glossary":
        body, running = _glossary(context["groups"], context["index"]), "Glossary"
    elif part == "map":
        body = (
            '#bfparttitle("Entity map", "map")\n\n'
            f"#text(size: 8.5pt)[{escape(MAP_INTRO)}\n\n{context['entity_map']}]"
        )
        running, flipped = "Entity map", True
    else:
        body = '#bfparttitle("Timeline", "timeline")\n\n' + context["timeline"]
        running = "Timeline"
    shown = sorted(key for key in broken if literal(key) in body)
    return _head(meta, running, flipped, shown) + body + "\n\n#bfwhere()\n"
