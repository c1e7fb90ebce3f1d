"""Material's search plugin and a briefing: Chinese search (jieba gets every CJK name of
the briefing as a word of its own, so "可灵" finds Kling, and the zero-width spaces it
inserts between words separate them in the index), and the page as the search reads
it (:func:`as_search_reads`)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from ..core.contract import PREFIX
from ..core.mentions import is_cjk
from ..core.model import Briefing

SEPARATOR = r"[\s\u200b\-]+"


def cjk_names(briefing: Briefing) -> list[str]:
    return sorted(
        {name for e in briefing.entities.values() for name in e.names if any(map(is_cjk, name))}
    )


def configure_search(search_config: Any, briefing: Briefing, folder: Path) -> list[str]:
    """When the briefing has Chinese (CJK) names: set the search plugin's jieba user
    dictionary (written into ``folder``) and separator, each unless the site's
    configuration sets it. Returns the settings it set: a briefing without such names
    leaves the site's search exactly as it is."""
    if not hasattr(search_config, "jieba_dict_user"):
        return []  # not Material's search plugin
    logging.getLogger("jieba").setLevel(logging.WARNING)  # it chats on stderr otherwise
    words = cjk_names(briefing)
    if not words:
        return []
    changed = []
    if not search_config.jieba_dict_user:
        dictionary = folder / "jieba-user.txt"
        dictionary.write_text("".join(f"{w} 100000 nz\n" for w in words), encoding="utf-8")
        search_config.jieba_dict_user = str(dictionary)
        changed.append("jieba_dict_user")
    if not search_config.separator:
        search_config.separator = SEPARATOR
        changed.append("separator")
    return changed


_ATTRIBUTE = r' [a-z][a-z-]*+="[^"<>]*+"'
_ATTRIBUTES = rf'((?:{_ATTRIBUTE})* class="{re.escape(PREFIX)}[^"<>]*+"(?:{_ATTRIBUTE})*)'
"""The attributes of a start tag of Briefing's own (a class of the page contract's,
``bf-``), each ``name="value"`` with no quote or angle bracket in the value, as
Python-Markdown's serializer writes them. (Names and values possessive, and the words
below: a contributor's ``<span>`` with such a class before 16,000 letters and another tag
took 1.2 s, in quadratic time.)"""
_OWN = re.compile(
    # An inline element of its own holding words and no tag (a mention's link, a
    # highlight, a marker), with words or a tag right before it (``\S<``, or one space
    # after a word) and after it: its words can stand without it.
    r"<(?:(?:(?<=\S<)|(?<=[^\s>]\s<))(a|mark|span)" + _ATTRIBUTES + r">(?=\s*+[^\s<])([^<]*+)</\1>"
    r"(?=<|\s*[^\s<])"
    # Any other start tag of its own, never a heading (h1 to h6: its id names a section).
    r"|([a-z]+)" + _ATTRIBUTES + ">)"
)


def _bare(tag: re.Match[str]) -> str:
    if tag.group(1):  # an inline element: its words, or nothing if the search skips them
        return "" if ' data-search-exclude="' in tag.group(2) else tag.group(3)
    name, attributes = tag.group(4), tag.group(5)
    if ' data-search-exclude="' in attributes:
        return f'<{name} data-search-exclude="">'
    return f"<{name}>"


def as_search_reads(html: str) -> str:
    """A page's content for Material's search plugin, which indexes the same from it as
    from ``html``, in less time: Briefing's own elements (mention links, highlights,
    the list of notes) without the attributes the search never reads, and its inline
    elements that hold only words as their words alone.

    Material's parser (``material.plugins.search.plugin.Parser``) reads a tag's
    attributes only for a heading's ``id``, a ``data-search-exclude``, and a class that
    is exactly ``linenodiv`` or ``headerlink``; a ``bf-`` class is neither. Each tag
    changed here is read whole (its values hold no quote or angle bracket). The text
    between two tags is one piece for the parser, which makes each run of whitespace
    that stands alone between tags one space, and drops it after another such run: an
    inline element goes only where the words on both sides of it are not whitespace
    alone (or there are none), so that joining them to its words changes no space. An
    element the search skips (``data-search-exclude``, the markers) goes with its words.
    ``tests/test_payloads.py`` compares the search index built both ways. The build of
    300 synthetic articles executes 47.67 G instructions instead of 49.25 G, the
    rewriting included (docs/about/performance.md, round 15).
    """
    return _OWN.sub(_bare, html)
