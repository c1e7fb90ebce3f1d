"""The site's HTML, as the book prints it, turned into Typst markup.

The book takes the pages MkDocs wrote; :mod:`pages` rearranges them for paper (notes as
footnotes, links into the book) and this module writes what is left as Typst source for
the functions of ``typst_templates/book.typ``. Every piece of text is escaped: a
contributor's words are always text to Typst, never markup or code (every ASCII
punctuation character is written with a backslash, which Typst reads as that character
and nothing else). Links inside the book are written as ``bf:NAME`` addresses and places
a link can go to as ``#bfa("NAME")`` anchors; the join (``pdfjoin``) turns the one into
the other across the parts, which are laid out separately.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from bs4 import Comment, Tag
from bs4.element import NavigableString

from ..core import contract

_ESCAPES = str.maketrans(
    {
        **{ch: "\\" + ch for ch in string.punctuation},
        **{chr(c): " " for c in range(32)},
        "\x7f": " ",
    }
)
_SPACE = re.compile(r"\s+")
IMAGE_TYPES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"})
"""What Typst reads as a picture; any other file is printed as its alternative text."""
EMOJI_CLASSES = frozenset({"twemoji", "emojione", "gemoji", "emoji"})
"""Classes of the pictures pymdownx.emoji makes for an emoji (``:smile:``), whose
alternative text is the emoji itself: the book prints that character, in its colour
emoji font, and fetches nothing."""
MAX_URL = 8000
"""The longest address Typst links (``URL is too long`` past it)."""

BLOCK_TAGS = frozenset(
    "address article aside blockquote details dd div dl dt fieldset figcaption figure footer"
    " form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td"
    " tfoot th thead tr ul legend".split()
)
SKIP_TAGS = frozenset("script style template head title noscript button select textarea".split())
DECORATIONS = {
    "del": "strike",
    "s": "strike",
    "strike": "strike",
    "ins": "underline",
    "u": "underline",
}
"""Elements drawn with a line through or under their text, and Typst's function for it."""
HIDDEN = frozenset({contract.TAGS})
"""Classes of the site's blocks that the book leaves out (the tags are for the web)."""
CLASS_BLOCKS = {
    # class of a block in the site -> the book's function for it (typst_templates/book.typ)
    contract.DATELINE: "bfdateline",
    contract.LEDE: "bflede",
    contract.SOURCE: "bfsource",
    contract.IN_ARTICLE: "bfinarticle",
    contract.ENTITY_TYPE: "bfentitytype",
    contract.ALIASES: "bfaliases",
    contract.SUMMARY: "bfsummary",
    "admonition": "bfadmonition",
    contract.MAP_KEY: "bfkey",
    "entry-index": "bfindex",
}
CLASS_INLINES = {
    contract.SOURCE_LABEL: "bfsourcelabel",
    contract.ALIAS: "bfalias",
    contract.TYPE: "bftype",
    contract.DATE: "bfdate",
    contract.CHIP: "bfchip",
    "fn-meta": "bfmuted",
    "fn-verdict": "bfverdict",
    contract.KEY_ITEM: "bfkeyitem",
    "admonition-title": "strong",
}


def escape(text: str) -> str:
    """Text as Typst markup that shows exactly that text (whitespace folded)."""
    return _SPACE.sub(" ", text).translate(_ESCAPES)


def literal(text: str) -> str:
    """A Typst string literal holding ``text``."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return '"' + "".join(ch if ord(ch) >= 32 else " " for ch in out) + '"'


def label_name(name: str) -> str:
    """An anchor's name as the book uses it: what the site wrote, safe for a PDF name."""
    return re.sub(r"[^A-Za-z0-9_.:-]", lambda m: f"_{ord(m.group()):x}_", name)


def classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return [str(v) for v in value] if isinstance(value, list) else str(value or "").split()


@dataclass
class Typeset:
    """Turns one part's HTML into Typst, remembering the pictures it uses (site paths) and
    the addresses it would not fetch."""

    level: int = 1
    """The level of the last heading written: a tagged PDF may not skip levels."""
    images: set[str] = field(default_factory=set)
    blocked: list[str] = field(default_factory=list)
    svgs: dict[str, str] = field(default_factory=dict)
    """The inline SVG pictures it shows, by the key ``#bfsvg`` is given."""
    printed: list[str] = field(default_factory=list)
    """What it prints that is not the page's text: the addresses shown after links, and
    the pictures' alternative texts (printed when a picture cannot be)."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    """What the book cannot print as the site shows it, as (text to find in the source,
    message): it prints it another way, and the build reports it."""
    kind: str = "context"
    """The annotation kind of the footnote being written."""
    decorated: int = 0
    """How many struck or underlined elements the text being written is inside."""

    # ----------------------------------------------------------------------- blocks

    def blocks(self, node: Tag) -> str:
        """The children of ``node`` as blocks: runs of inline content become paragraphs."""
        out: list[str] = []
        run: list[str] = []

        def flush() -> None:
            text = "".join(run).strip()
            if text:
                out.append(text)
            run.clear()

        for child in node.children:
            if isinstance(child, Tag) and child.name in BLOCK_TAGS:
                flush()
                block = self.block(child)
                if block.strip():
                    out.append(block)
            else:
                run.append(self.inline(child))
        flush()
        return "\n\n".join(out)

    def block(self, tag: Tag) -> str:
        name = tag.name
        cls = classes(tag)
        if HIDDEN & set(cls):
            return ""
        anchor = self.anchor_of(tag)
        for c in cls:
            if c in CLASS_BLOCKS:
                return f"{anchor}#{CLASS_BLOCKS[c]}[{self.blocks(tag)}]"
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            if not _title(tag).strip():  # PDF/UA-1: "heading title is empty"
                self.refused.append((EMPTY_HEADING, EMPTY_HEADING_MESSAGE))
                return anchor + self.inline_children(tag).strip()
            return anchor + self.heading(int(name[1]), self.inline_children(tag))
        if name == "p":
            return anchor + self.inline_children(tag).strip()
        if contract.ENTITY_LIST in cls:  # a run-in list on paper: "A · B · C"
            items = [self.inline_children(li).strip() for li in tag.find_all("li", recursive=False)]
            return anchor + " #bfmuted[·] ".join(items)
        if name in ("ul", "ol"):
            items = [f"[{self.blocks(li)}]" for li in tag.find_all("li", recursive=False)]
            if not items:
                return ""
            if name == "ol":
                start = str(tag.get("start") or "1")
                start = start if start.isdigit() and len(start) < 7 else "1"
                return f"{anchor}#enum(start: {start}, {', '.join(items)})"
            return f"{anchor}#list({', '.join(items)})"
        if name == "pre":
            return f"{anchor}#raw(block: true, {literal(tag.get_text())})"
        if name == "blockquote":
            return f"{anchor}#quote(block: true)[{self.blocks(tag)}]"
        if name == "hr":
            return "#line(length: 100%, stroke: 0.4pt + luma(180))"
        if name == "table":
            return anchor + self.table(tag)
        if name == "dl":
            parts = []
            for child in tag.find_all(["dt", "dd"], recursive=False):
                body = self.blocks(child)
                parts.append(
                    f"#strong[{body}]" if child.name == "dt" else f"#pad(left: 1.2em)[{body}]"
                )
            return anchor + "\n\n".join(parts)
        if name == "figure":
            return anchor + f"#bffigure[{self.blocks(tag)}]"
        if name in ("figcaption",):
            return f"#bfcaption[{self.blocks(tag)}]"
        if name in ("summary", "legend", "dt"):
            return f"{anchor}#strong[{self.inline_children(tag)}]"
        return anchor + self.blocks(tag)  # div, section, aside, details, li, td, ...

    def heading(self, level: int, body: str) -> str:
        """A heading of the page's content: never bookmarked, never more than one level
        below the one before it."""
        level = max(2, min(level, self.level + 1))
        self.level = level
        return f"#heading(level: {level}, outlined: false, bookmarked: false)[{body}]"

    def table(self, tag: Tag) -> str:
        rows = [tr for tr in tag.find_all("tr") if tr.find_parent("table") is tag]
        if not rows:
            return self.blocks(tag)
        columns = 1
        cells: list[str] = []
        header: list[str] = []
        for tr in rows:
            width = 0
            in_head = tr.find_parent("thead") is not None
            for cell in tr.find_all(["td", "th"], recursive=False):
                span = _span(cell.get("colspan"))
                rows_span = _span(cell.get("rowspan"))
                width += span
                body = self.blocks(cell)
                if cell.name == "th":
                    body = f"#strong[{body}]"
                args = []
                if span > 1:
                    args.append(f"colspan: {span}")
                if rows_span > 1:
                    args.append(f"rowspan: {rows_span}")
                text = f"table.cell({', '.join(args)})[{body}]" if args else f"[{body}]"
                (header if in_head else cells).append(text)
            columns = max(columns, width)
        head = f"table.header({', '.join(header)}), " if header else ""
        return f"#bftable(columns: {columns}, {head}{', '.join(cells)})"

    # ----------------------------------------------------------------------- inline

    def inline_children(self, tag: Tag) -> str:
        return "".join(self.inline(child) for child in tag.children)

    def inline(self, node: object) -> str:
        if isinstance(node, Comment):
            return ""
        if isinstance(node, NavigableString):
            return escape(str(node))
        if not isinstance(node, Tag) or node.name in SKIP_TAGS:
            return ""
        name = node.name
        cls = classes(node)
        anchor = self.anchor_of(node)
        if name in BLOCK_TAGS:  # a block inside inline content: kept, as inline text
            return anchor + " " + self.blocks(node).replace("\n\n", " ") + " "
        if name == "svg":
            return anchor + self.svg(node)
        if name == "img":
            return anchor + self.image(node)
        if name == "br":
            return "#linebreak()"
        if name == "input":  # a task list's box; content tabs' radio buttons are the site's
            if str(node.get("type", "")).lower() != "checkbox":
                return ""
            return "\\[x\\] " if node.has_attr("checked") else "\\[ \\] "
        if name == "span" and "footnote" in cls:
            return self.footnote(node)
        decoration = DECORATIONS.get(name)
        self.decorated += decoration is not None
        try:
            body = self.inline_children(node)
        finally:
            self.decorated -= decoration is not None
        if name == "a":
            return anchor + self.link(node, body)
        if name == "mark":
            kind = contract.kind_of(cls)
            return (
                f"{anchor}#bfhl({literal(kind)})[{body}]" if kind else f"{anchor}#highlight[{body}]"
            )
        if contract.MENTION_REPEAT in cls:
            return anchor + self.name(body)
        for c in cls:
            if c in CLASS_INLINES:
                return f"{anchor}#{CLASS_INLINES[c]}[{body}]"
            if c == "chip" or c == "fn-kind":
                return f"{anchor}#bfkind({literal(self.kind)})[{body}]"
        if name in ("strong", "b"):
            return f"{anchor}#strong[{body}]"
        if name in ("em", "i", "cite", "dfn", "var"):
            return f"{anchor}#emph[{body}]"
        if name in ("code", "kbd", "samp", "tt"):
            return f"{anchor}#raw({literal(node.get_text())})"
        if name in ("sup",):
            return f"{anchor}#super[{body}]"
        if name in ("sub",):
            return f"{anchor}#sub[{body}]"
        if decoration is not None:  # one line a passage: PDF/UA-1 allows no two together
            return f"{anchor}#{decoration}[{body}]" if not self.decorated else anchor + body
        if name == "small":
            return f"{anchor}#text(size: 0.85em)[{body}]"
        return anchor + body

    def name(self, body: str) -> str:
        """An entity's name: dotted underline, never hyphenated; only the latter inside a
        struck or underlined passage (a tagged PDF may not combine two such lines)."""
        return f"#text(hyphenate: false)[{body}]" if self.decorated else f"#bfname[{body}]"

    def footnote(self, node: Tag) -> str:
        kind = contract.kind_of(classes(node), "context")
        self.kind = kind
        body = self.inline_children(node).strip()
        return f"#bfnote({literal(kind)})[{body}]"

    def link(self, node: Tag, body: str) -> str:
        href = str(node.get("href") or "")
        if href.startswith("#"):
            target = f"#link({literal('bf:' + label_name(href[1:]))})"
            if contract.MENTION in classes(node):
                return f"{target}[{self.name(body)}]"
            return f"{target}[{body}]"
        scheme = urlsplit(href).scheme.lower()
        if scheme not in ("http", "https", "mailto"):
            return body
        if len(href) > MAX_URL:
            message = (
                f"the PDF book cannot link an address of {len(href):,} characters (Typst "
                f"links up to {MAX_URL:,}); it prints the link's text only"
            )
            self.refused.append((href[:200], message))
            return body
        shown = ""
        if "show-url" in classes(node):
            shown = f"#bfurl[{escape(' (' + href + ')')}]"
            self.printed.append(href)
        return f"#link({literal(href)})[{body}]{shown}"

    def anchor_of(self, tag: Tag) -> str:
        ident = tag.get("id")
        return f"#bfa({literal(label_name(str(ident)))})" if ident else ""

    # ----------------------------------------------------------------------- pictures

    def svg(self, node: Tag) -> str:
        title = node.find("title", recursive=False)
        alt = title.get_text(" ", strip=True) if title is not None else ""
        alt = alt or str(node.get("aria-label") or "") or "Decoration"
        self.printed.append(alt)
        node.attrs.setdefault("xmlns", "http://www.w3.org/2000/svg")
        cls = set(classes(node))
        wide = "true" if {contract.MAP_FIGURE, contract.TIMELINE_FIGURE} & cls else "false"
        # The entity map fills its landscape page with the title, the intro and the key.
        tall = "118mm" if contract.MAP_FIGURE in cls and contract.EGO not in cls else "none"
        svg = str(node)
        key = svg_key(svg)
        self.svgs[key] = svg
        return (
            f"#bfsvg({literal(svg)}, {literal(alt)}, wide: {wide}, tall: {tall}, "
            f"key: {literal(key)})"
        )

    def image(self, node: Tag) -> str:
        src = str(node.get("src") or "")
        alt = str(node.get("alt") or "").strip() or "Picture"
        self.printed.append(alt)
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            if EMOJI_CLASSES & set(classes(node)) and 0 < len(alt) <= 16:
                return escape(alt)  # :smile: as an image from a CDN: the emoji itself
            if parts.scheme != "data":
                self.blocked.append(src)
            return f"#bfmuted[{escape('[' + alt + ']')}]"
        path = unquote(parts.path).lstrip("/")
        suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
        if suffix not in IMAGE_TYPES or ".." in path.split("/"):
            return f"#bfmuted[{escape('[' + alt + ']')}]"
        self.images.add(path)
        return f"#bfimg({literal('/' + path)}, {literal(alt)})"


EMPTY_HEADING = ""
"""What ``refused`` names for a heading without text (no text to look for: the source's
such headings are found by their shape)."""
EMPTY_HEADING_MESSAGE = (
    "heading without text: the PDF book (PDF/UA-1) needs every heading to have words; "
    "write them or remove the heading (the book prints what it holds as a paragraph)"
)


def _title(heading: Tag) -> str:
    """A heading's text as Typst takes its title: a picture in it (an icon's SVG, whose
    ``<title>`` the book adds) and a comment give none."""
    return "".join(
        str(text)
        for text in heading.find_all(string=True)
        if not isinstance(text, Comment) and text.find_parent("svg") is None
    )


def svg_key(svg: str) -> str:
    """The name the book gives an inline SVG picture (its digest)."""
    return "svg:" + hashlib.sha256(svg.encode()).hexdigest()[:16]


def _span(value: object) -> int:
    text = str(value or "1")
    return max(1, min(int(text), 100)) if text.isdigit() and len(text) < 4 else 1
