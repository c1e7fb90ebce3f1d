"""``briefing new``: valid starting files for an entity or an article. Never overwrites."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from ..core.model import ENTITY_TYPES, ID_RE, RESERVED_IDS


class ScaffoldError(Exception):
    pass


def _yaml_string(text: str) -> str:
    """A double-quoted YAML scalar (JSON strings are valid YAML)."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def _check_id(value: str, what: str) -> None:
    if not ID_RE.match(value) or value in RESERVED_IDS:
        raise ScaffoldError(
            f"{what} '{value}' must be lower-case letters, digits and single hyphens"
            + (" (and not reserved)" if value in RESERVED_IDS else "")
        )


def _schema_comment(target: Path, root: Path, schema: str) -> str:
    relative = os.path.relpath(root / "schemas" / schema, target.parent)
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}\n"


def _write_new(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": fails if it exists
            handle.write(text)
    except FileExistsError as exc:
        raise ScaffoldError(f"{path} already exists; nothing was written") from exc
    return path


def new_entity(
    root: Path, src: str, entity_id: str, name: str, kind: str, summary: str | None = None
) -> Path:
    _check_id(entity_id, "entity id")
    if kind not in ENTITY_TYPES:
        raise ScaffoldError(f"type must be one of {', '.join(ENTITY_TYPES)}")
    path = root / src / "entities" / f"{entity_id}.yml"
    text = (
        _schema_comment(path, root, "entity.schema.json")
        + f"name: {_yaml_string(name)}\n"
        + f"type: {kind}\n"
        + f"summary: {_yaml_string(summary or f'One plain sentence that says what {name} is.')}\n"
        + "aliases: []        # other names that count as mentions, Chinese ones included\n"
        + "description: |\n"
        + f"  A few sentences about {name}, in Markdown.\n"
        + "related: []        # ids of related entities\n"
        + 'links: []          # - {title: Official site, url: "https://..."}\n'
        + "dates: []          # - {date: 2024-06-06, event: What happened}\n"
    )
    return _write_new(path, text)


def new_article(root: Path, src: str, slug: str, title: str, date: dt.date | None = None) -> Path:
    _check_id(slug, "article slug")
    path = root / src / "articles" / f"{slug}.md"
    day = (date or dt.date.today()).isoformat()
    text = (
        "---\n"
        f"title: {_yaml_string(title)}\n"
        f"date: {day}\n"
        "summary: One or two plain sentences for the list of articles.\n"
        '# source: {name: Publication, url: "https://...", published: 2024-07}\n'
        "tags: []\n"
        "authors: []\n"
        "annotations: []\n"
        "---\n\n"
        "Write the article here, in your own words.\n"
    )
    return _write_new(path, text)
