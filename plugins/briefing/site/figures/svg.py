"""What every figure's SVG shares: how it links to pages, the entity types' colours and
the Jinja templates (``figure_templates/``, autoescaped) that write the markup.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import jinja2

from ..pages import TYPE_LABELS
from ..templatecache import own_templates

Href = Callable[[str], str]
"""Page ``src_uri`` (``glossary/kling.md``) -> a URL relative to the page drawing it."""

TYPE_COLOURS = {
    # Light scheme and the PDF; the site's dark scheme overrides them in briefing.css.
    "company": "#2563eb",
    "product": "#0e7490",
    "person": "#be185d",
    "organization": "#7c3aed",
    "government": "#b91c1c",
    "policy": "#b45309",
    "event": "#15803d",
    "place": "#4d7c0f",
    "concept": "#57534e",
}
ARTICLE_COLOUR = "#374151"


@cache
def templates() -> jinja2.Environment:
    """The figures' templates, with the type names and colours they look up."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("briefing.site", "figure_templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=own_templates(),
    )
    env.globals["type_label"] = lambda t: TYPE_LABELS[t][0]
    env.globals["type_plural"] = lambda t: TYPE_LABELS[t][1]
    env.globals["colour"] = TYPE_COLOURS.__getitem__
    return env
