"""``briefing import-annotations FILE``: Web Annotations into the articles' sidecars.

Reads W3C Web Annotations (one, a list, or an AnnotationCollection, such as the site's
own ``annotations.jsonld``) or a Hypothesis export (its API's ``rows``, or a list of
them) whose targets are the briefing's article pages, and appends each to
``<slug>.annotations.yml``. Nothing is ever overwritten: existing files are edited with
ruamel.yaml's round-trip mode (comments and layout kept) and only get new items; an
annotation already there is skipped. Each new one is validated with the loader's own
model and anchored with the build's own rule before it is written, and the project is
checked again afterwards, exactly as a hand-written one would be. What does not anchor
is reported with the closest passage and not written.

The export is a stranger's file (SECURITY.md): its nesting is bounded, every step runs
in time linear in its size, a value YAML would not read back as written (a control
character, a carriage return, a lone surrogate) is an error naming the annotation, each
new sidecar is read back by the loader's own YAML reader and model before it is
written, and it is written whole or not at all (a temporary file, then a rename).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from ..core.anchoring import (
    MAX_SEARCHES,
    Anchor,
    chosen_starts,
    find_all,
    fold_whitespace,
    locate_in_text,
)
from ..core.diagnostics import Diagnostics, Position
from ..core.files import write_atomically
from ..core.model import ANNOTATION_KINDS, VERDICT_KINDS, VERDICTS, AnnotationModel, Briefing
from ..core.yamlsrc import Limits, LineStarts, load_yaml
from ..site.opendata import KIND_OF_MOTIVATION
from .check import analyze_project

MAX_BYTES = 20_000_000
MAX_DEPTH = 30
"""Deepest nesting of an export's JSON (a Hypothesis export is 6 deep), as the loader's
``max_depth`` bounds YAML: deeper is an error, not a RecursionError."""
KEYS = ("quote", "prefix", "suffix", "kind", "verdict", "note", "entities", "sources")
_ARTICLE_PATH = re.compile(r"(?:^|/)articles/([^/]+?)(?:/(?:index\.html)?|\.html)?$")
_ENTITY_PATH = re.compile(r"(?:^|/)glossary/([^/]+?)(?:/(?:index\.html)?|\.html)?$")
_EXACT_KEY = re.compile(r'"exact"\s*:\s*"')
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNWRITABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
"""What a sidecar may not receive: control characters (a carriage return included),
the line breaks YAML knows besides ``\\n`` (U+0085, U+2028, U+2029: in a note's literal
block each would end the line, and what follows could read as an annotation of its
own), lone surrogates (UTF-8 has no bytes for them), byte-order marks, non-characters."""


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
    kind: str | None = None
    motivation: str = ""
    verdict: str | None = None
    tags: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    sources: list[dict[str, str]] = field(default_factory=list)
    author: str | None = None
    created: str | None = None


@dataclass
class ImportReport:
    written: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Project-relative sidecar path -> the annotations added to it."""
    skipped: list[str] = field(default_factory=list)
    """Annotations already in the briefing, not added again."""
    problems: Diagnostics = field(default_factory=Diagnostics)
    texts: dict[str, str] = field(default_factory=dict)
    """Project-relative sidecar path -> its new text."""


# --------------------------------------------------------------------------- reading


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


def _url_path(url: str) -> str:
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
            found = _ENTITY_PATH.search(_url_path(body["source"]))
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


# --------------------------------------------------------------------------- mapping


def _kind(candidate: Candidate) -> str:
    for tag in candidate.tags:
        if tag in ANNOTATION_KINDS:
            return tag
    return KIND_OF_MOTIVATION.get(candidate.motivation, "context")


def _verdict(candidate: Candidate, kind: str) -> str | None:
    if candidate.verdict:
        return candidate.verdict  # validated below, with "did you mean"
    if kind in VERDICT_KINDS:
        for tag in candidate.tags:
            value = tag.removeprefix("verdict:")
            if value in VERDICTS:
                return value
    return None


def choose_context(text: str, start: int, length: int) -> tuple[str, str] | None:
    """The shortest prefix (or else suffix) of whole words that makes the passage at
    ``start`` the one ``locate`` picks; ("", "") when it is the only one."""
    needle = text[start : start + length]
    if len(find_all(text, needle)) == 1:
        return "", ""
    before = text[:start].split()
    after = text[start + length :].split()
    for n in range(1, 13):
        for prefix, suffix in (
            (" ".join(before[-n:]), ""),
            ("", " ".join(after[:n])),
            (" ".join(before[-n:]), " ".join(after[:n])),
        ):
            found = locate_in_text(text, needle, prefix, suffix)
            if isinstance(found, Anchor) and found.start == start:
                return prefix, suffix
    return None


def _intended(text: str, candidate: Candidate) -> int | str | None:
    """Where the candidate's quote stands: its start, or a problem."""
    needle = fold_whitespace(candidate.exact)
    starts = find_all(text, needle)
    if not starts:
        return None
    if len(starts) == 1:
        return starts[0]
    chosen = chosen_starts(text, needle, starts, candidate.prefix, candidate.suffix)
    if len(chosen) == 1:
        return chosen[0]
    return f"the quote stands {len(starts)} times and its prefix/suffix do not pick one"


def _same(existing: AnnotationModel, new: dict[str, Any]) -> bool:
    return (
        fold_whitespace(existing.quote) == fold_whitespace(new["quote"])
        and existing.kind == new["kind"]
        and fold_whitespace(existing.note) == fold_whitespace(new["note"])
    )


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


def _date(created: str | None) -> dt.date | str | None:
    """The annotation's date from its ``created`` time, or why it is not one."""
    if not created:
        return None
    found = _DATE.match(created)
    try:
        if found is None:
            raise ValueError
        return dt.date.fromisoformat(found.group())
    except ValueError:
        return f"'created': {created[:40]!r} is not a date and time (YYYY-MM-DDThh:mm:ss)"


def _note_text(note: str) -> str:
    """The note as it will be written: Windows line ends (CRLF) become \\n, as
    Markdown reads them; a carriage return on its own stays, and is refused."""
    return note.replace("\r\n", "\n").strip()


def plan_import(
    candidates: list[Candidate],
    briefing: Briefing,
    texts: dict[str, str],
    report: ImportReport,
    limits: Limits | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Article slug -> the new annotations (as YAML mappings) that pass every check."""
    limits = limits or Limits()
    slugs = {a.slug for a in briefing.articles}
    planned: dict[str, list[dict[str, Any]]] = {}
    searches: dict[str, int] = {}
    for candidate in candidates:
        where = candidate.position
        found = _ARTICLE_PATH.search(_url_path(candidate.source))
        slug = found.group(1) if found else None
        if slug is None or slug not in slugs:
            report.problems.error(
                where,
                f"annotation {candidate.number}: target {candidate.source[:200]!r} "
                "is not an article of this briefing",
            )
            continue
        article = briefing.article(slug)
        existing = [a.model for a in article.annotations] if article else []

        def refuse(message: str, at: Candidate = candidate, name: str = str(slug)) -> None:
            report.problems.error(
                at.position, f"{name}: annotation {at.number} not imported: {message}"
            )

        if len(existing) + len(planned.get(slug, [])) >= limits.max_annotations:
            refuse(f"the article would have more than {limits.max_annotations} annotations")
            continue
        quote = fold_whitespace(candidate.exact)
        if len(quote) > limits.max_quote_length:
            refuse(f"the quote is longer than {limits.max_quote_length} characters")
            continue
        text = texts.get(slug, "")
        start = _intended(text, candidate) if quote else None
        if start is None:
            searches[slug] = searches.get(slug, 0) + 1
            if not quote:
                message = "empty quote"
            elif searches[slug] > MAX_SEARCHES:
                message = (
                    "quote not found in the article's text; closest passage not searched "
                    f"(more than {MAX_SEARCHES} unfound quotes here)"
                )
            else:
                located = locate_in_text(text, quote)
                message = located.message if not isinstance(located, Anchor) else "not found"
            refuse(message)
            continue
        if isinstance(start, str):
            refuse(start)
            continue
        context = choose_context(text, start, len(quote))
        if context is None:
            refuse("no prefix or suffix tells this passage apart")
            continue
        kind = _kind(candidate)
        entry: dict[str, Any] = {"quote": quote}
        if context[0]:
            entry["prefix"] = context[0]
        if context[1]:
            entry["suffix"] = context[1]
        entry["kind"] = kind
        verdict = _verdict(candidate, kind)
        if verdict:
            entry["verdict"] = verdict
        entry["note"] = _note_text(candidate.note)
        entities = [e for e in dict.fromkeys(candidate.entities) if e in briefing.entities]
        entities += [t for t in candidate.tags if t in briefing.entities and t not in entities]
        if entities:
            entry["entities"] = entities
        if candidate.sources:
            entry["sources"] = candidate.sources
        if candidate.author:
            entry["author"] = candidate.author
        date = _date(candidate.created)
        if isinstance(date, str):
            refuse(date)
            continue
        if date is not None:
            entry["date"] = date
        problem = unwritable(entry) or written_as(entry)
        if problem is not None:
            refuse(problem)
            continue
        try:
            AnnotationModel.model_validate(entry)
        except ValidationError as exc:
            for err in exc.errors():
                key = ".".join(str(part) for part in err["loc"])
                refuse(f"'{key}': {err['msg']}")
            continue
        if any(_same(m, entry) for m in existing) or any(
            _same(AnnotationModel.model_validate(e), entry) for e in planned.get(slug, [])
        ):
            report.skipped.append(f"{slug}: “{quote}” is already there")
            continue
        planned.setdefault(slug, []).append(entry)
    return planned


# --------------------------------------------------------------------------- writing


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


def import_annotations(config_file: str | Path, export: str | Path) -> ImportReport:
    """Plan the import of ``export`` into the project of ``config_file`` (writes
    nothing: ``report.texts`` holds each sidecar's new text)."""
    report = ImportReport()
    path = Path(export)
    shown = str(export)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        report.problems.error(Position(shown), f"cannot read: {exc.strerror}")
        return report
    if len(raw) > MAX_BYTES:
        report.problems.error(Position(shown), f"larger than {MAX_BYTES} bytes")
        return report
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.problems.error(Position(shown), "not UTF-8")
        return report
    candidates = read_candidates(text, shown, report.problems)
    analysis = analyze_project(config_file)
    if analysis.briefing is None or analysis.problems.errors:
        report.problems.error(
            Position(str(config_file)),
            "the briefing has problems of its own: fix what `briefing check` reports first",
        )
        return report
    briefing = analysis.briefing
    planned = plan_import(
        candidates, briefing, analysis.context.article_text, report, analysis.limits
    )
    root = Path(config_file).resolve().parent
    for slug, entries in planned.items():
        rel = f"{briefing.src}/articles/{slug}.annotations.yml"
        file = root / rel
        try:
            existing = file.read_text("utf-8") if file.exists() else None
            report.texts[rel] = sidecar_text(existing, slug, entries, analysis.limits)
        except (ValueError, OSError) as exc:
            report.problems.error(Position(rel), f"not changed: {exc}")
            continue
        report.written[rel] = entries
    return report


def write_and_check(config_file: str | Path, report: ImportReport) -> Diagnostics:
    """Write the planned sidecars (each whole or not at all), then check the project as
    CI would: the problems found in the files just written."""
    root = Path(config_file).resolve().parent
    for rel, text in report.texts.items():
        write_atomically(root / rel, text)
    problems = Diagnostics()
    for problem in analyze_project(config_file).problems:
        if problem.position.path in report.texts:
            problems.add(problem)
    return problems
