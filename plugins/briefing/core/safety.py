"""Untrusted input made harmless: every page's HTML passes an allow-list (nh3), and
links and images in Markdown keep only http, https, mailto and relative URLs.

Everything under ``briefing_src/`` and ``docs/`` comes from pull requests (a site
may declare its ``docs/`` trusted: ``trusted_docs``). The allow-list keeps what the
site itself needs (classes such as ``no-autolink``, tables, images, the annotation
markers and notes) and what Material's usual Markdown extensions make from Markdown
syntax (icons as inline SVG, content tabs, table alignment, progress bars, fancy
lists' numbering, captions, code line anchors, abbreviations, details, comments such as
the blog's ``<!-- more -->``), and drops the rest: scripts, event handlers, styles
other than :data:`STYLES`, frames, forms, SVG that could link or load (``use``,
``image``, ``foreignObject``, ``style``, ``href``), ``javascript:`` and ``data:`` URLs.
What it keeps passes byte for byte: a page whose raw HTML is all kept is not written
again, and a kept ``style`` is never re-serialised.
"""

from __future__ import annotations

import bisect
import functools
import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import nh3

from .model import url_is_safe

TAGS = frozenset(nh3.ALLOWED_TAGS) | {"button", "section", "main", "input", "label"}
TAGS = TAGS - {"map", "area"}
# Material's icons and emoji (pymdownx.emoji with material.extensions.emoji.to_svg) are
# inline SVG drawn with these shapes; none of them can link, load or run anything.
SVG_TAGS = frozenset(
    ["svg", "path", "g", "circle", "ellipse", "rect", "line", "polyline", "polygon"]
)
TAGS = TAGS | SVG_TAGS
_SVG_PAINT = {"fill", "fill-rule", "clip-rule", "fill-opacity", "opacity", "transform"}
_SVG_STROKE = {"stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-opacity"}
_SVG_SHAPE = _SVG_PAINT | _SVG_STROKE
ATTRIBUTES: dict[str, set[str]] = {
    # style: its value is judged declaration by declaration (safe_style)
    "*": {"class", "id", "title", "lang", "dir", "role", "hidden", "style"},
    "a": {"href", "name"},
    # align: Material's image alignment ({ align=left }), pymdownx.emoji's attributes
    "img": {"src", "alt", "width", "height", "loading", "align"},
    "button": {"type"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "time": {"datetime"},
    "details": {"open"},
    # pymdownx.tabbed's tabs are radio inputs grouped by name (id is generic);
    # pymdownx.tasklist's boxes are disabled checkboxes
    "input": {"type", "checked", "disabled", "name"},
    "label": {"for"},
    "code": {"class"},
    "svg": {"xmlns", "viewBox", "width", "height", "fill", "focusable"},
    "path": {"d"} | _SVG_SHAPE,
    "g": _SVG_SHAPE,
    "circle": {"cx", "cy", "r"} | _SVG_SHAPE,
    "ellipse": {"cx", "cy", "rx", "ry"} | _SVG_SHAPE,
    "rect": {"x", "y", "width", "height", "rx", "ry"} | _SVG_SHAPE,
    "line": {"x1", "y1", "x2", "y2"} | _SVG_SHAPE,
    "polyline": {"points"} | _SVG_SHAPE,
    "polygon": {"points"} | _SVG_SHAPE,
}
_KEYWORD = r"[a-z]+(?:-[a-z]+)*"
STYLES = {
    # Python-Markdown's tables align columns: style="text-align: left;"
    "text-align": re.compile(r"left|right|center|justify|start|end", re.I),
    # pymdownx.progressbar draws a bar's fill: style="width:75.00%" (a share of its box)
    "width": re.compile(r"(?:100(?:\.0+)?|\d{1,2}(?:\.\d+)?)%"),
    # pymdownx.fancylists' numbering: style="list-style-type: lower-alpha;" (a keyword;
    # a string there would be text drawn by CSS)
    "list-style-type": re.compile(_KEYWORD, re.I),
}
"""The CSS a ``style`` attribute may hold: what Markdown syntax makes, property by
property, each value to its pattern (no ``url()``, no expressions, no escapes, no
positioning). Colours are not among them: white on white hides text as surely as
``display: none`` (Pygments' ``noclasses`` colours go with them)."""
URL_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = ("href", "src")


def sanitize(html: str) -> str:
    """The HTML with everything outside the allow-list removed."""
    return _cleaner().clean(html)


@functools.cache
def _cleaner() -> nh3.Cleaner:
    """The allow-list as one reusable nh3 cleaner: a call of ``nh3.clean`` with these
    options builds its sanitiser again, which cost more than cleaning a note (90 against
    33 microseconds), and the open data alone cleans every note."""
    return nh3.Cleaner(
        tags=set(TAGS),
        attributes=ATTRIBUTES,
        generic_attribute_prefixes={"data-", "aria-"},
        url_schemes=URL_SCHEMES,
        link_rel=None,
        # Comments run nothing, and the blog plugin cuts excerpts at <!-- more -->.
        strip_comments=False,
        # No filter_style_properties: nh3 would write every kept style again
        # ("text-align: left;" as "text-align:left"); _attribute_filter keeps it as written.
        attribute_filter=_attribute_filter,
    )


_RAW_TEXT = re.compile(
    r"<(script|style|textarea|title|xmp|plaintext|noscript|noembed|noframes|iframe|template)"
    r"(?=[\s/>]|$)",
    re.I,
)
"""Start tags of elements whose content a browser (and the sanitiser's parser) reads as
text to their end tag, or to the end of the page when it never comes; none is allowed."""


_RAW_TEXT_END = re.compile(
    r"</(script|style|textarea|title|xmp|plaintext|noscript|noembed|noframes|iframe|template)"
    r"\s*>",
    re.I,
)


def contain_raw_text(blocks: list[Any]) -> None:
    """Raw HTML pieces (in page order) that open an element read as text to its end
    tag, and that no piece closes, sanitised each on its own before they are put back
    into the page: left open, one would take the rest of the page (other people's
    notes, the page's lists) as its text. (Closed, as inline ``<script>...</script>``
    is, the page's sanitiser removes the element with its content.)"""
    last_end: dict[str, int] = {}  # tag -> the last piece that closes one (linear work)
    end_at: dict[str, int] = {}  # tag -> where its last end tag starts in that piece
    for i, block in enumerate(blocks):
        if isinstance(block, str) and "</" in block:
            for match in _RAW_TEXT_END.finditer(block):
                last_end[match.group(1).lower()] = i
                end_at[match.group(1).lower()] = match.start()
    for i, block in enumerate(blocks):
        if not isinstance(block, str) or "<" not in block:
            continue
        for match in _RAW_TEXT.finditer(block):
            name = match.group(1).lower()
            if last_end.get(name, -1) > i:
                continue  # closed by a later piece
            if last_end.get(name) == i and end_at[name] >= match.end():
                continue  # closed in this piece
            blocks[i] = sanitize(block)
            break


def safe_slugify(slugify: Callable[[str, str], str]) -> Callable[[str, str], str]:
    """``slugify`` (the toc's or the content tabs'), with a leading ``__`` cut to one
    ``_``: a heading ``## __config`` would get ``id="__config"`` (after the sanitiser
    has seen the tree) and replace Material's configuration on its page."""

    def slug(value: str, separator: str) -> str:
        made = slugify(value, separator)
        return "_" + made.lstrip("_") if made.startswith("__") else made

    return slug


def tooltip_text(value: str) -> str:
    """A ``title`` value as Material's tooltips need it: they show an element's title
    with ``innerHTML`` (``content.tooltips``), so a ``<`` in it would be markup. Escaped
    once more, it shows as the same text. (Idempotent on what it made: the sanitiser
    may see a title again.)"""
    return html.escape(value, quote=False) if "<" in value else value


def text_title(text: str) -> str:
    """A plain-text value (an entity's summary) as the ``title`` a browser should hold
    for it: escaped when Material's tooltip would read it as markup or decode one of its
    character references (``R&amp;D``), so it shows as written."""
    reads_as_html = "<" in text or ("&" in text and html.unescape(text) != text)
    return html.escape(text, quote=False) if reads_as_html else text


def tree_title(value: str) -> str | None:
    """For an element tree: the ``title`` to set instead of ``value`` (None: keep it).
    Python-Markdown's serializer leaves character references in attributes as they are,
    so what a browser reads is ``value`` with its references decoded."""
    if "<" not in value and "&" not in value:  # most titles: nothing to decode or escape
        return None
    shown = html.unescape(value)
    if "<" not in shown:  # (a reference in it is one a tree_title already escaped)
        return None
    return html.escape(tooltip_text(shown), quote=False)


_EXTENSION_NAME = re.compile(
    r"__tabbed_\d+(?:_\d+)?"
    r"|__(?:codelineno|span)-(?:\d+|[A-Za-z][\w.:-]*)-\d+"
    r"|__(?:figure|table)-caption_\d+(?:_\d+)*"
)
"""Ids and names Markdown extensions give: pymdownx.tabbed's radio inputs,
pymdownx.highlight's line anchors (``anchor_linenums``) and ``line_spans: __span``
(numbered per page, or named after the block's ``#id``), and pymdownx.blocks.caption's
numbered figures and tables. None can be one of Material's own (``__config``,
``__search``, ``__nav_2``, ``__palette_0``, ...)."""

MAX_SPAN = 100
"""Largest colspan/rowspan kept: a table cell spanning 100,000 columns floods the PDF
step (and no briefing table is that wide)."""


def safe_name(value: str) -> bool:
    """May content give an element this ``id`` or ``name``? DOM clobbering: Material
    names its own elements "__config", "__search", ...; id="__config" in the content
    would replace its configuration. Markdown makes such names in two places only:
    content tabs' radio inputs (pymdownx.tabbed) and code line anchors and spans
    (pymdownx.highlight, as Material sets it up)."""
    return not value.strip().startswith("__") or _EXTENSION_NAME.fullmatch(value) is not None


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    if name == "title":
        return tooltip_text(value)
    if name in ("id", "name"):
        return value if safe_name(value) else None
    if name == "style":
        return safe_style(value)
    if name in ("colspan", "rowspan"):
        try:
            return str(min(max(int(value), 1), MAX_SPAN))
        except ValueError:
            return None
    return value


_DECLARATION = re.compile(r"\s*([A-Za-z-]+)\s*:\s*(.*?)\s*")


def safe_style(value: str) -> str | None:
    """A ``style`` value as a page may keep it: its declarations that :data:`STYLES`
    allows, each exactly as written (all of them: the value itself, byte for byte), or
    None when none is. A piece that is not one plain declaration (a string, a comment, an
    escape, ``url(...)``, ``!important``) is dropped whole: what is kept is only ever
    declarations that match their pattern, so no ``;`` hidden in a string can smuggle
    one through."""
    pieces = value.split(";")
    kept = [piece for piece in pieces if not piece.strip() or _allowed_declaration(piece)]
    if not any(piece.strip() for piece in kept):
        return None
    if len(kept) == len(pieces):
        return value
    return "; ".join(piece.strip() for piece in kept if piece.strip())


def _allowed_declaration(piece: str) -> bool:
    found = _DECLARATION.fullmatch(piece)
    allowed = STYLES.get(found.group(1).lower()) if found else None
    return allowed is not None and found is not None and bool(allowed.fullmatch(found.group(2)))


def unsafe_url(url: str) -> bool:
    return not url_is_safe(url)


_GENERIC = ATTRIBUTES["*"]


def allowed_attribute(tag: str, name: str) -> bool:
    return (
        name in _GENERIC or name in ATTRIBUTES.get(tag, ()) or name.startswith(("data-", "aria-"))
    )


_SVG_NAMES = "|".join(sorted(SVG_TAGS))
_SELF_CLOSED = re.compile(rf"<({_SVG_NAMES})\b([^<>]*)/>")
"""An SVG shape written ``<path .../>``. (Not ``([^<>]*?)\\s*/>``: a lazy body before
``\\s*`` read ``<path`` and a line of spaces in quadratic time.)"""
_LONE_OPEN = re.compile(r"<([a-z][a-z0-9]*)\b[^<>]*>", re.I)
_LONE_CLOSE = re.compile(r"</([a-z][a-z0-9]*)\s*>", re.I)


_VOID_CLOSED = re.compile(
    r"<(area|br|col|hr|img|input|wbr)((?:\s+[^\s\"'<>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'<>=`]+))?)*)\s*/?>",
    re.I,
)
_ATTRIBUTE = re.compile(r"""\s+([^\s"'<>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>=`]+))?""")


def _as_written_by_nh3(tag: re.Match[str]) -> str:
    """A void element's tag as nh3 writes it: no ``/>``, every attribute ``name="value"``
    (pymdownx.tasklist writes ``<input type="checkbox" disabled checked/>``)."""
    attributes = "".join(
        f' {name}="{_unquoted(value)}"' for name, value in _ATTRIBUTE.findall(tag.group(2))
    )
    return f"<{tag.group(1)}{attributes}>"


def _unquoted(value: str) -> str:
    return value[1:-1] if value[:1] in ("'", '"') else value


@functools.lru_cache(maxsize=4096)  # the same tags come back on every generated page
def is_clean(html: str) -> bool:
    """Would the sanitiser leave this piece of HTML as it is (or write the same
    elements another way)? Inline raw HTML reaches
    the stash one tag at a time (``<kbd>``, text, ``</kbd>``): a lone tag is clean when
    the sanitiser keeps it whole (it would only add the closing tag); a closing tag,
    when its element is allowed."""
    if "<" not in html:  # text: character references (smarty's &ldquo;) make no element
        return True
    close = _LONE_CLOSE.fullmatch(html)
    if close:
        return close.group(1).lower() in TAGS
    cleaned = sanitize(html)
    if cleaned == html:
        return True
    html = _VOID_CLOSED.sub(_as_written_by_nh3, html)
    if "<tbody" not in html:  # a table's rows get the <tbody> a browser would add too
        cleaned = cleaned.replace("<tbody>", "").replace("</tbody>", "")
    if "/>" in html:  # an SVG icon's <path/>: the same element, written out in full
        html = _SELF_CLOSED.sub(lambda m: f"<{m[1]}{m[2].rstrip()}></{m[1]}>", html)
    if cleaned == html:
        return True
    lone = _LONE_OPEN.fullmatch(html)
    return lone is not None and cleaned == f"{html}</{lone.group(1).lower()}>"


VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)


class _OpenTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]


_FENCE_LINE = re.compile(r" {0,3}(`{3,}+|~{3,}+)")
_FENCE_END = re.compile(r" {0,3}(`{3,}+|~{3,}+)[ \t]*+\Z")
_TICKS = re.compile(r"`+")


def without_code(markdown_text: str) -> str:
    """``markdown_text`` without its fenced code blocks and code spans, in linear time
    (as regexes, an unclosed fence or a line of backticks took quadratic time). A fence
    is closed by a later line of the same fence (as Python-Markdown's ``fenced_code``
    reads it; a shorter one, of three or more, when there is none); a span, by the next
    run of as many backticks, not after a backslash. An opening with no closing stays
    as text, so what is removed is never more than Python-Markdown reads as code."""
    lines = markdown_text.split("\n")
    closers: dict[str, list[int]] = {}  # a fence -> the lines that consist of it
    for number, line in enumerate(lines):
        if line[:4].lstrip(" ")[:1] in ("`", "~") and (end := _FENCE_END.match(line)):
            closers.setdefault(end.group(1), []).append(number)
    kept: list[str] = []
    number = 0
    while number < len(lines):
        opening = _FENCE_LINE.match(lines[number])
        close = _fence_close(opening.group(1), number, closers) if opening else None
        if close is None:
            kept.append(lines[number])
            number += 1
        else:
            kept.append("")
            number = close + 1
    return _without_spans("\n".join(kept))


def _fence_close(fence: str, opened: int, closers: dict[str, list[int]]) -> int | None:
    for length in range(len(fence), 2, -1):
        lines = closers.get(fence[0] * length, [])
        at = bisect.bisect_right(lines, opened)
        if at < len(lines):
            return lines[at]
    return None


def _without_spans(text: str) -> str:
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(text)]
    by_length: dict[int, list[int]] = {}  # a run's length -> the indexes of such runs
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    out: list[str] = []
    done = 0  # the text before this is in ``out`` or removed
    index = 0
    while index < len(runs):
        start, end = runs[index]
        same = by_length[end - start]
        after = bisect.bisect_right(same, index)
        if (start > 0 and text[start - 1] == "\\") or after == len(same):
            index += 1
            continue
        close = same[after]
        out.append(text[done:start])
        done = runs[close][1]
        index = close + 1
    out.append(text[done:])
    return "".join(out)


def unclosed_tags(markdown_text: str) -> list[str]:
    """The raw HTML elements a piece of Markdown opens and leaves open (code aside),
    outermost first. Python-Markdown would read the rest of the page around it, up to a
    closing tag, as raw HTML: an entity page's related entities and links would show as
    Markdown source."""
    if "<" not in markdown_text:
        return []
    text = without_code(markdown_text)
    parser = _OpenTags()
    parser.feed(text)
    parser.close()
    return parser.stack


def close_tags(markdown_text: str) -> str:
    """``markdown_text`` with the elements it leaves open closed at its end."""
    stack = unclosed_tags(markdown_text)
    if not stack:
        return markdown_text
    return markdown_text + "\n" + "".join(f"</{tag}>" for tag in reversed(stack)) + "\n"
