"""Material's search plugin and a briefing: Chinese search (jieba gets every CJK name of
the briefing as a word of its own, so "可灵" finds Kling, and the zero-width spaces it
inserts between words separate them in the index), and the page as the search reads
it (:func:`as_search_reads`)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

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


_OWN_TAG = re.compile(
    r'<([a-z]+)((?: [a-z][a-z-]*="[^"<>]*")* class="bf-[^"<>]*"(?: [a-z][a-z-]*="[^"<>]*")*)>'
)
"""A start tag of Briefing's own (a class of the page contract's, ``bf-``), each of its
attributes ``name="value"`` with no quote or angle bracket in the value, as
Python-Markdown's serializer writes them. Never a heading (``h1`` to ``h6``: its id
names a section)."""


def _bare(tag: re.Match[str]) -> str:
    name, attributes = tag.group(1), tag.group(2)
    if ' data-search-exclude="' in attributes:
        return f'<{name} data-search-exclude="">'
    return f"<{name}>"


def as_search_reads(html: str) -> str:
    """A page's content for Material's search plugin, which indexes the same from it as
    from ``html``, in less time: Briefing's own elements (mention links, highlights,
    the list of notes) without the attributes the search never reads.

    Material's parser (``material.plugins.search.plugin.Parser``) reads a tag's
    attributes only for a heading's ``id``, a ``data-search-exclude``, and a class that
    is exactly ``linenodiv`` or ``headerlink``; a ``bf-`` class is neither. Each tag
    changed here is read whole (its values hold no quote or angle bracket) and stays
    where it was, so the text around it and the sections stay the same.
    ``tests/test_payloads.py`` compares the search index built both ways. At 300
    synthetic articles the search reads their pages in 0.56 G fewer instructions
    (3.30 G against 3.86 G), and the build executes 1.4% fewer.
    """
    return _OWN_TAG.sub(_bare, html)
