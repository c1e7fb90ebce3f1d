"""The briefing as open data: W3C Web Annotations, schema.org JSON-LD, an Atom feed,
``briefing.json`` and ``entities.csv``.

Pure functions from a loaded :class:`Briefing` (and what rendering recorded: where each
quote stands in its article's text, which pages mention which entity) to documents, with
no MkDocs import: the plugin writes them at build time, and any other host (an export
for plain MkDocs or Zensical) can call the same functions.

Everything here comes from untrusted files: JSON that goes into a page and XML are made
safe in :mod:`.site`, notes' HTML goes through the site's allow-list in :mod:`.rendered`.

One module a format: :mod:`.annotations` (Web Annotations), :mod:`.schema_org` (the
pages' JSON-LD), :mod:`.feed` (Atom), :mod:`.download` (``briefing.json``, its schema
and ``entities.csv``); what they share is in :mod:`.site` (addresses, the page head,
safe output) and :mod:`.rendered` (what rendering recorded, the notes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ...core.model import Briefing
from .annotations import KIND_OF_MOTIVATION, annotation_collection, text_used
from .download import data_document, data_schema, entities_csv
from .feed import atom_feed
from .rendered import Anchoring, anchorings, mentioned_on
from .schema_org import page_json_ld
from .site import (
    ANNOTATIONS,
    DATA,
    DATA_FILES,
    DATA_SCHEMA,
    ENTITIES_CSV,
    FEED,
    RESERVED,
    Site,
    add_to_head,
    head_links,
    json_file,
    json_ld_script,
    relative_base,
)

__all__ = [
    "DATA_FILES",
    "DATA_SCHEMA",
    "FEED",
    "KIND_OF_MOTIVATION",
    "RESERVED",
    "Anchoring",
    "Site",
    "add_to_head",
    "anchorings",
    "data_schema",
    "head_links",
    "json_ld_script",
    "mentioned_on",
    "open_data",
    "open_data_key",
    "page_json_ld",
    "relative_base",
]


def open_data_key(
    briefing: Briefing,
    site: Site,
    anchorings: Mapping[str, Anchoring],
    mentioned_on: Mapping[str, Iterable[str]],
) -> object:
    """What :func:`open_data` is made of: equal keys make equal files. Of an article it
    takes the front matter and the notes, and of its text only what the selectors
    quote, so an edit of its body away from the quotes changes nothing."""
    return (
        site,
        [
            (a.slug, a.path, a.model.content_key, [n.model.content_key for n in a.annotations])
            for a in briefing.articles
        ],
        sorted((e.id, e.model.content_key) for e in briefing.entities.values()),
        sorted(mentioned_on.items()),
        [
            (slug, a.starts, a.numbers, a.notes, text_used(article.annotations, a))
            for slug, a in sorted(anchorings.items())
            if (article := briefing.article(slug)) is not None
        ],
    )


def open_data(
    briefing: Briefing,
    site: Site,
    anchorings: Mapping[str, Anchoring],
    mentioned_on: Mapping[str, Iterable[str]],
) -> dict[str, str]:
    """The files to publish at the site's root, by name. The feed only when the site
    has an absolute URL."""
    data = data_document(briefing, site, anchorings, mentioned_on)
    files = {
        ANNOTATIONS: json_file(annotation_collection(briefing, site, anchorings)),
        DATA: json_file(data),
        ENTITIES_CSV: entities_csv(data),
        DATA_SCHEMA: json_file(data_schema(), indent=2),
    }
    if site.absolute:
        files[FEED] = atom_feed(briefing, site, anchorings)
    return files
