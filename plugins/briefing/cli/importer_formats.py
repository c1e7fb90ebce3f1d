"""What ``briefing import-annotations`` reads: W3C Web Annotations and Hypothesis exports.

Accepts one annotation, a list, or an AnnotationCollection (such as the site's own
``annotations.jsonld``), and a Hypothesis export (its API's ``rows``, or a list of them),
and reads each into a :class:`Candidate`: the quote and its selector, the note, kind,
verdict, tags, entities, sources, author and date, with the place in the file it came
from. The export is a stranger's file (SECURITY.md): its nesting is bounded and every
step runs in time linear in its size.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from ..core.diagnostics import Diagnostics, Position
from ..core.yamlsrc import LineStarts

MAX_DEPTH = 30
"""Deepest nesting of an export's JSON (a Hypothesis export is 6 deep), as the loader's
``max_depth`` bounds YAML: deeper is an error, not a RecursionError."""
_ENTITY_PATH = re.compile(r"(?:^|/)glossary/([^/]+?)(?:/(?:index\.html)?|\.html)?$")
_EXACT_KEY = re.compile(r'"exact"\s*:\s*"')


@dataclass
class Candidate:
    """One incoming annotation, read from either format."""

    position: Position
    number: int = 0
    """Its place among the export's annotations (from 1), to name it in messages."""
    source: str = ""
    exact: str = ""
    prefix: str = ""
    suffix: str = ""
    note: str = ""
    motivation: str = ""
    verdict: str | None = None
    tags: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    author: str | None = None
    created: str | None = None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _items(data: Any) -> list[Any]:
    """The annotations of a document in any of the accepted shapes."""
    if isinstance(data, list):
        return [item for entry in data for item in _items(entry)]
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("rows"), list):  # Hypothesis API search result
        return list(data["rows"])
    if isinstance(data.get("annotations"), list):  # Hypothesis's "Export annotations"
        return _items(data["annotations"])
    if "items" in data and data.get("type") != "Choice":
        return _items(data["items"])
    if isinstance(data.get("first"), dict | list):  # AnnotationCollection, pages embedded
        return _items(data["first"]) + _items(
            data.get("next") if isinstance(data.get("next"), dict) else None
        )
    return [data]


def _text_values(body: Any) -> list[tuple[str, str]]:
    """(format, value) of a body's text, a Choice's items included."""
    if isinstance(body, str):
        return [("", body)]
    if not isinstance(body, dict):
        return []
    if body.get("type") == "Choice":
        return [v for item in _as_list(body.get("items")) for v in _text_values(item)]
    value = body.get("value")
    return [(str(body.get("format", "")), value)] if isinstance(value, str) else []


def _note(values: list[tuple[str, str]]) -> str:
    """The note: Markdown as written when there is one, else plain text, else HTML."""
    for wanted in ("text/markdown", "text/plain", ""):
        for fmt, value in values:
            if fmt == wanted and value.strip():
                return value
    for _, value in values:
        if value.strip():
            return value
    return ""


def url_path(url: str) -> str:
    try:
        return unquote(urlsplit(url).path)
    except ValueError:
        return ""


def _read_w3c(item: dict[str, Any], candidate: Candidate) -> None:
    candidate.motivation = str(
        _as_list(item.get("motivation"))[0] if item.get("motivation") else ""
    )
    note_values: list[tuple[str, str]] = []
    if isinstance(item.get("bodyValue"), str):
        note_values.append(("text/plain", item["bodyValue"]))
    for body in _as_list(item.get("body")):
        if not isinstance(body, dict):
            continue
        purpose = str(body.get("purpose", ""))
        if purpose == "tagging" and isinstance(body.get("value"), str):
            candidate.tags.append(body["value"])
        elif purpose in ("oa:assessing", "assessing") and isinstance(body.get("value"), str):
            candidate.verdict = body["value"]
        elif purpose == "identifying" and isinstance(body.get("source"), str):
            found = _ENTITY_PATH.search(url_path(body["source"]))
            if found:
                candidate.entities.append(found.group(1))
        elif purpose == "linking":
            if isinstance(body.get("source"), str):
                label = body.get("label")
                title = label if isinstance(label, str) and label.strip() else body["source"]
                candidate.sources.append({"title": title, "url": body["source"]})
            elif isinstance(body.get("value"), str):
                candidate.sources.append({"title": body["value"]})
        else:
            note_values.extend(_text_values(body))
    candidate.note = _note(note_values)
    creator = item.get("creator")
    if isinstance(creator, list):
        creator = creator[0] if creator else None
    if isinstance(creator, dict):
        name = creator.get("name") or creator.get("nickname")
        candidate.author = name if isinstance(name, str) else None
    elif isinstance(creator, str) and not creator.startswith(("http:", "https:")):
        candidate.author = creator
    if isinstance(item.get("created"), str):
        candidate.created = item["created"]


def _read_hypothesis(item: dict[str, Any], candidate: Candidate) -> None:
    candidate.note = str(item.get("text") or "")
    candidate.tags = [t for t in _as_list(item.get("tags")) if isinstance(t, str)]
    info = item.get("user_info")
    user = item.get("user")
    if isinstance(info, dict) and isinstance(info.get("display_name"), str):
        candidate.author = info["display_name"]
    elif isinstance(user, str):
        candidate.author = user.removeprefix("acct:").split("@")[0] or None
    if isinstance(item.get("created"), str):
        candidate.created = item["created"]


def _too_deep(data: Any) -> bool:
    """Does ``data`` nest lists and objects deeper than :data:`MAX_DEPTH`? (A loop, not
    recursion: the check must not be what overflows.)"""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in children)
    return False


def _exact_places(text: str) -> dict[str, list[int]]:
    """Where each ``"exact": "..."`` value stands in the export, by its decoded value,
    in one pass over the text (a search per annotation was quadratic)."""
    places: dict[str, list[int]] = {}
    at = 0
    while (found := _EXACT_KEY.search(text, at)) is not None:
        try:
            value, at = json.decoder.scanstring(text, found.end())  # type: ignore[attr-defined]
        except ValueError:
            at = found.end()
            continue
        places.setdefault(value, []).append(found.end())
    return places


def read_candidates(text: str, path: str, problems: Diagnostics) -> list[Candidate]:
    """The annotations of an export, each with the place in the file it came from."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.error(Position(path, exc.lineno, exc.colno), f"not valid JSON: {exc.msg}")
        return []
    except RecursionError:
        problems.error(Position(path), f"not imported: nested deeper than {MAX_DEPTH} levels")
        return []
    except ValueError as exc:  # a number of more than 4,300 digits
        problems.error(Position(path), f"not valid JSON: {exc}")
        return []
    if _too_deep(data):
        problems.error(Position(path), f"not imported: nested deeper than {MAX_DEPTH} levels")
        return []
    places = _exact_places(text)
    taken: dict[str, int] = {}
    lines = LineStarts(text)
    out: list[Candidate] = []
    for n, item in enumerate(_items(data), 1):
        if not isinstance(item, dict):
            continue
        target = next(
            (
                t
                for t in _as_list(item.get("target"))
                if isinstance(t, dict) and _quote_selector(t) is not None
            ),
            None,
        )
        selector = _quote_selector(target) if target else None
        exact = selector.get("exact") if selector is not None else None
        position = Position(path)
        if isinstance(exact, str) and taken.get(exact, 0) < len(places.get(exact, [])):
            # The n-th annotation quoting this passage is its n-th "exact" in the file.
            position = Position(path, *lines.where(places[exact][taken.get(exact, 0)]))
            taken[exact] = taken.get(exact, 0) + 1
        candidate = Candidate(position, n)
        if target is None or selector is None:
            problems.error(position, f"annotation {n} has no TextQuoteSelector target: skipped")
            continue
        candidate.source = str(target.get("source") or item.get("uri") or "")
        candidate.exact = str(selector.get("exact", ""))
        candidate.prefix = str(selector.get("prefix", ""))
        candidate.suffix = str(selector.get("suffix", ""))
        if "text" in item or "uri" in item:
            _read_hypothesis(item, candidate)
        else:
            _read_w3c(item, candidate)
        out.append(candidate)
    return out


def _quote_selector(target: dict[str, Any]) -> dict[str, Any] | None:
    for selector in _as_list(target.get("selector")):
        if isinstance(selector, dict) and selector.get("type") == "TextQuoteSelector":
            return selector
    return None
