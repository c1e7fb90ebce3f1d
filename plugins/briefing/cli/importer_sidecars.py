"""How ``briefing import-annotations`` writes sidecars: new items after the old ones.

Nothing is ever overwritten: an existing file is read with ruamel.yaml's round-trip mode
to make sure it is a list, and only gets new items, laid out as contributors write them.
A value YAML would not read back as written (a control character, a carriage return, a
lone surrogate) is refused, and each new sidecar is read back by the loader's own YAML
reader before it is written.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from ..core.diagnostics import Diagnostics
from ..core.yamlsrc import Limits, load_yaml

_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
"""What a sidecar may not receive: control characters (a carriage return included),
the line breaks YAML knows besides ``\\n`` (U+0085, U+2028, U+2029: in a note's literal
block each would end the line, and what follows could read as an annotation of its
own), lone surrogates (UTF-8 has no bytes for them), byte-order marks, non-characters."""


def _strings(value: Any, key: str) -> list[tuple[str, str]]:
    """(key, text) of every string in an annotation's value, nested ones included."""
    if isinstance(value, str):
        return [(key, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _strings(v, f"{key}.{k}")]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in _strings(v, f"{key}.{i}")]
    return []


def unwritable(entry: dict[str, Any]) -> str | None:
    """Why ``entry`` cannot be written as YAML that reads back as the same annotation:
    the first character of one of its values that a sidecar may not hold."""
    for key, text in _strings(entry, ""):
        found = _UNWRITABLE.search(text)
        if found is not None:
            char = found.group()
            return (
                f"{key.lstrip('.')!r} holds U+{ord(char):04X} at character {found.start() + 1}"
                " (a control character, a line break other than \\n, a lone surrogate or a"
                " non-character), which a sidecar file cannot hold as it is"
            )
    return None


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def _for_yaml(entry: dict[str, Any]) -> CommentedMap:
    """One annotation laid out as contributors write them: the note as a literal
    block, entities and each source in flow style."""
    out = CommentedMap()
    for key, value in entry.items():
        if key == "note":
            value = LiteralScalarString(value.rstrip("\n") + "\n")
        elif key == "entities":
            value = CommentedSeq(value)
            value.fa.set_flow_style()
        elif key == "sources":
            items = []
            for source in value:
                item = CommentedMap(source)
                item.fa.set_flow_style()
                items.append(item)
            value = CommentedSeq(items)
        out[key] = value
    return out


def read_back(text: str, rel: str, limits: Limits | None = None) -> list[Any]:
    """A sidecar's annotations as the loader's YAML reader reads them (plain values), or
    a ValueError saying why it would refuse them."""
    diags = Diagnostics()
    located = load_yaml(text, rel, diags, limits=limits)
    if located is None or diags.errors:
        raise ValueError(diags.errors[0].message if diags.errors else "not YAML")
    if located.data is None:
        return []
    if not isinstance(located.data, list):
        raise ValueError("the file is not a YAML list of annotations")
    return located.data


def _as_written(entry: dict[str, Any]) -> dict[str, Any]:
    """The annotation as YAML gives it back: the note, a literal block, ends in \\n."""
    return {**entry, "note": entry["note"].rstrip("\n") + "\n"}


def _dump(entries: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    _yaml().dump([_for_yaml(e) for e in entries], out)
    return out.getvalue()


def written_as(entry: dict[str, Any]) -> str | None:
    """Why ``entry``, written as the import writes it, would not read back as the same
    annotation (None: it would)."""
    try:
        back = read_back(_dump([entry]), "new annotation")
    except ValueError as exc:
        return f"written as YAML it would not read back: {exc}"
    if back != [_as_written(entry)]:
        return "written as YAML it would not read back as the same annotation"
    return None


def sidecar_text(
    existing: str | None,
    slug: str,
    entries: list[dict[str, Any]],
    limits: Limits | None = None,
) -> str:
    """The sidecar with ``entries`` appended. An existing file keeps every byte: it is
    read with ruamel.yaml's round-trip loader to make sure it is a block list (or empty),
    and the new items are written after it. The result is read back with the loader's
    YAML reader: the old annotations and then exactly ``entries``, or a ValueError."""
    text = _sidecar_text(existing, slug, entries)
    rel = f"{slug}.annotations.yml"
    before = read_back(existing, rel, limits) if existing else []
    if read_back(text, rel, limits) != [*before, *map(_as_written, entries)]:
        raise ValueError("with the new annotations it would not read back as written")
    return text


def _sidecar_text(existing: str | None, slug: str, entries: list[dict[str, Any]]) -> str:
    yaml = _yaml()
    new = _dump(entries)
    if existing is None or not existing.strip():
        head = f"# Annotations of {slug}.md: a YAML list, see CONTRIBUTING.md\n"
        return (existing or head) + ("" if (existing or head).endswith("\n") else "\n") + new
    data: Any = yaml.load(existing)
    if data is not None and not isinstance(data, list):
        raise ValueError("the file is not a YAML list of annotations")
    if isinstance(data, CommentedSeq) and data.fa.flow_style():
        data.extend(_for_yaml(e) for e in entries)  # a [...] list: add to it in place
        out = io.StringIO()
        yaml.dump(data, out)
        return out.getvalue()
    return existing + ("" if existing.endswith("\n") else "\n") + new
