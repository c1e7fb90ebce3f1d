"""Chinese search with Material's search plugin: jieba gets every CJK name of the
briefing as a word of its own (so "可灵" finds Kling), and the zero-width spaces
it inserts between words separate them in the index."""

from __future__ import annotations

import logging
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
