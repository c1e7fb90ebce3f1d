"""Load and validate ``briefing_src/`` (spec section 2) into a frozen :class:`Briefing`.

Every problem is collected, none stops the load: a contributor sees all of
them in one run, each at ``path:line:col``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, Diagnostics, Position, did_you_mean
from .editorial import ProseCache, editorial_warnings
from .files import linked_folder
from .mentions import Term, is_case_sensitive, same_name
from .model import (
    ID_RE,
    RESERVED_IDS,
    Annotation,
    AnnotationModel,
    Article,
    ArticleModel,
    Briefing,
    Entity,
    EntityModel,
)
from .rules import EditorialRules
from .safety import unclosed_tags
from .yamlsrc import Limits, Located, load_yaml

SIDECAR_SUFFIX = ".annotations.yml"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")

_Parsed = tuple[Any, list[Diagnostic], list[tuple["Located", tuple[str | int, ...]]]]
_Found = tuple[AnnotationModel, Position, Position, Located, tuple[str | int, ...]]
"""A valid annotation as read from its file, before it is numbered in its article."""


class FileCache:
    """Parsed source files, keyed on their path and content: under ``mkdocs serve`` a
    rebuild re-parses only the files that changed. Entries for files that were not
    seen by the last load are dropped, so the cache never outgrows the sources."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], _Parsed] = {}
        self._used: set[tuple[str, str, str]] = set()
        self._limits: object = None
        self.prose = ProseCache()
        """The editorial check's scan of each article, by content."""
        self.parsed = 0
        """How many files the last load had to parse (the rest came from the cache)."""

    def start(self, limits: object = None) -> None:
        """Begin a load. Files parsed under other limits are parsed again (MkDocs keeps
        one plugin instance per process, so one cache sees every project it builds)."""
        if limits != self._limits:
            self._entries = {}
            self._limits = limits
        self._used = set()
        self.parsed = 0

    def get(self, key: tuple[str, str, str]) -> _Parsed | None:
        self._used.add(key)
        return self._entries.get(key)

    def put(self, key: tuple[str, str, str], value: _Parsed) -> None:
        self.parsed += 1
        self._entries[key] = value

    def finish(self) -> None:
        self._entries = {k: v for k, v in self._entries.items() if k in self._used}

    def digests(self) -> dict[str, str]:
        """Each file the last load read (project-relative path) -> its content's SHA-256."""
        return {rel: sha for _kind, rel, sha in self._used}


def load_briefing(
    root: str | os.PathLike[str],
    src: str = "briefing_src",
    *,
    limits: Limits | None = None,
    cache: FileCache | None = None,
    rules: EditorialRules | None = None,
) -> tuple[Briefing, Diagnostics]:
    """Read the sources under ``root/src``; return what is usable and every problem,
    the findings of the editorial ``rules`` (default: their default levels) included."""
    loader = _Loader(Path(root).resolve(), src, limits or Limits(), cache)
    if cache is not None:
        cache.start(loader.limits)
    briefing = loader.load()
    if cache is not None:
        cache.finish()
    # the check and the build alike
    loader.diags.extend(editorial_warnings(briefing, cache.prose if cache else None, rules))
    return briefing, loader.diags


class _Loader:
    def __init__(
        self, root: Path, src: str, limits: Limits, cache: FileCache | None = None
    ) -> None:
        self.invalid_annotations: list[tuple[Located, tuple[str | int, ...]]] = []
        self.root = root
        self._root = str(root)
        self.src = src.strip("/") or "."
        self.limits = limits
        self.diags = Diagnostics()
        self.cache = cache

    def parsed(self, kind: str, rel: str, text: str, parse: Callable[[str, str], Any]) -> Any:
        """``parse()`` of one file's text, from the cache when the text is unchanged; the
        file's problems are reported either way."""
        key = (kind, rel, hashlib.sha256(text.encode("utf-8")).hexdigest())
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is None:
            outer, self.diags = self.diags, Diagnostics()
            outer_invalid, self.invalid_annotations = self.invalid_annotations, []
            try:
                hit = (parse(rel, text), list(self.diags), self.invalid_annotations)
            finally:
                self.diags = outer
                self.invalid_annotations = outer_invalid
            if self.cache is not None:
                self.cache.put(key, hit)
        value, problems, invalid = hit
        self.diags.extend(problems)
        self.invalid_annotations.extend(invalid)
        return value

    # ------------------------------------------------------------------ helpers

    def rel(self, path: Path) -> str:
        # Every path the loader reads is made from the root: cut it off (pathlib's
        # relative_to was a tenth of a rebuild's loading).
        text, root = str(path), self._root
        if text.startswith(root) and text[len(root) : len(root) + 1] == os.sep:
            return text[len(root) + 1 :].replace(os.sep, "/")
        return path.relative_to(self.root).as_posix()

    def listing(self, folder: Path, what: str, keep: tuple[str, ...] = ()) -> list[Path]:
        """The files of ``folder`` the loader may read, sorted. A symlink is an error
        naming it (it could point anywhere on the build machine, or loop); a subfolder
        is a warning (its files would be lost without a word). Dot files are skipped."""
        files = []
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or (path.name in keep and not path.is_symlink()):
                continue
            if path.is_symlink():
                self.diags.error(
                    Position(self.rel(path)),
                    "symbolic link: Briefing reads no linked file or folder "
                    "(it could point outside the project); copy the file in instead",
                )
            elif path.is_dir():
                self.diags.warning(
                    Position(self.rel(path)),
                    f"folder not read: {what} are read from {self.rel(folder)}/ itself, "
                    "not from its subfolders",
                )
            elif path.is_file():
                files.append(path)
        return files

    def read(self, path: Path) -> str | None:
        rel = self.rel(path)
        try:
            size = path.stat().st_size
            if size > self.limits.max_bytes:
                self.diags.error(
                    Position(rel),
                    f"file is {size} bytes, larger than the limit of {self.limits.max_bytes}",
                )
                return None
            raw = path.read_bytes()
        except OSError as exc:
            self.diags.error(Position(rel), f"cannot read file: {exc.strerror}")
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.diags.error(Position(rel, line), "file is not valid UTF-8")
            return None
        # One kind of line end, so every position counts lines as an editor does
        # (a lone CR ends a line there; PyYAML and Markdown would disagree on it).
        return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")

    def validate(
        self, model: type[BaseModel], located: Located, base: tuple[str | int, ...] = ()
    ) -> Any:
        """Validate ``located.data`` (at ``base``) with ``model``; report errors; return the
        model instance or ``None``."""
        data = located.data
        for part in base:
            data = data[part]
        where = "file" if not base else _dotted(base)
        if not isinstance(data, dict):
            got = "empty" if data is None else type(data).__name__
            self.diags.error(located.at(base), f"{where} must be a mapping of keys, not {got}")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                self.report(model, located, base, tuple(err["loc"]), err)
        return None

    def report(
        self,
        model: type[BaseModel],
        located: Located,
        base: tuple[str | int, ...],
        loc: tuple[str | int, ...],
        err: Any,
    ) -> None:
        full = (*base, *loc)
        kind = err["type"]
        key = loc[-1] if loc else ""
        if kind == "extra_forbidden":
            allowed = _fields_at(model, loc[:-1])
            self.diags.error(
                located.key_at(full),
                f"unknown key '{key}'{did_you_mean(str(key), allowed)}",
            )
        elif kind == "missing":
            self.diags.error(located.at(full[:-1]), f"missing required key '{key}'")
        elif kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            value = err.get("input")
            hint = ""
            if isinstance(value, str):
                choices = [c.strip(" '") for c in str(expected).replace(" or ", ", ").split(",")]
                hint = did_you_mean(value, choices)
            self.diags.error(
                located.at(full),
                f"'{_dotted(full)}' must be one of {expected}, not {value!r}{hint}",
            )
        else:
            message = str(err["msg"])
            if message.startswith("Value error, "):
                message = message.removeprefix("Value error, ")
            else:  # pydantic's own wording: "Input should be ..." -> "input should be ..."
                message = message[:1].lower() + message[1:]
            self.diags.error(located.at(full), f"'{_dotted(full)}': {message}")

    # ------------------------------------------------------------------ loading

    def load(self) -> Briefing:
        src_dir = self.root / self.src
        link = linked_folder(self.root, src_dir)
        if link is not None:
            shown = self.rel(link) if link.is_relative_to(self.root) else str(link)
            self.diags.error(
                Position(shown),
                "the sources folder is a symbolic link or lies outside the project: "
                "Briefing reads no linked folder (it could point anywhere)",
            )
            return Briefing(str(self.root), self.src)
        if not src_dir.is_dir():
            self.diags.error(Position(self.src), "sources folder not found")
            return Briefing(str(self.root), self.src)
        for path in self.listing(src_dir, "sources", keep=("entities", "articles")):
            self.diags.warning(
                Position(self.rel(path)),
                "file not read: sources go in entities/ (<id>.yml) and articles/ (<slug>.md)",
            )
        for name in ("entities", "articles"):
            if (src_dir / name).is_symlink():
                return Briefing(str(self.root), self.src)  # reported by the listing
        entities = self.load_entities(src_dir / "entities")
        articles = self.load_articles(src_dir / "articles")
        self.check_references(entities, articles)
        self.check_mentions(entities)
        articles.sort(key=lambda a: (a.date, a.slug), reverse=True)
        invalid = frozenset(self._entity_ids - set(entities))
        return Briefing(str(self.root), self.src, entities, tuple(articles), invalid)

    def load_entities(self, folder: Path) -> dict[str, Entity]:
        entities: dict[str, Entity] = {}
        self._entity_files: dict[str, Located] = {}
        self._entity_ids: set[str] = set()
        if not folder.is_dir():
            return entities
        for path in self.listing(folder, "entities"):
            rel = self.rel(path)
            if path.suffix != ".yml":
                hint = " (rename it to .yml)" if path.suffix == ".yaml" else ""
                self.diags.error(Position(rel), f"entity files must end in .yml{hint}")
                continue
            entity_id = path.stem
            if not self.check_id(entity_id, rel, "entity id (the file name)"):
                continue
            self._entity_ids.add(entity_id)
            text = self.read(path)
            if text is None:
                continue
            located, model = self.parsed("entity", rel, text, self.parse_entity)
            if located is None or model is None:
                continue
            description = located.text_start(("description",))
            self.check_open_tags(model.description, description or Position(rel), "description")
            entities[entity_id] = Entity(entity_id, rel, model, Position(rel), description)
            self._entity_files[entity_id] = located
        return entities

    def parse_entity(self, rel: str, text: str) -> tuple[Located | None, EntityModel | None]:
        located = load_yaml(text, rel, self.diags, limits=self.limits)
        if located is None:
            return None, None
        return located, self.validate(EntityModel, located)

    def check_id(self, value: str, rel: str, what: str) -> bool:
        if not ID_RE.match(value):
            self.diags.error(
                Position(rel),
                f"{what} '{value}' must be lower-case letters, digits and single hyphens",
            )
            return False
        if value in RESERVED_IDS:
            self.diags.error(Position(rel), f"{what} '{value}' is reserved")
            return False
        return True

    def load_articles(self, folder: Path) -> list[Article]:
        articles: list[Article] = []
        self._article_files: dict[str, list[tuple[Located, tuple[str | int, ...]]]] = {}
        if not folder.is_dir():
            return articles
        files = self.listing(folder, "articles")
        slugs = {p.stem for p in files if p.suffix == ".md"}
        sidecars: dict[str, Path] = {}
        for path in files:
            rel = self.rel(path)
            if path.name.endswith(SIDECAR_SUFFIX):
                slug = path.name[: -len(SIDECAR_SUFFIX)]
                if slug not in slugs:
                    self.diags.error(
                        Position(rel),
                        f"annotations file for a missing article '{slug}.md'"
                        f"{did_you_mean(slug, slugs)}",
                    )
                    continue
                sidecars[slug] = path
            elif path.suffix in (".yml", ".yaml"):
                self.diags.error(
                    Position(rel),
                    f"unexpected file: annotation files are named <slug>{SIDECAR_SUFFIX}",
                )
            elif path.suffix != ".md":
                hint = " (rename it to .md)" if path.suffix.lower() in MARKDOWN_SUFFIXES else ""
                self.diags.warning(
                    Position(rel), f"file not read: articles are <slug>.md files{hint}"
                )
        for path in files:
            if path.suffix != ".md":
                continue
            article = self.load_article(path, sidecars.get(path.stem))
            if article is not None:
                articles.append(article)
        return articles

    def load_article(self, path: Path, sidecar: Path | None) -> Article | None:
        rel = self.rel(path)
        slug = path.stem
        if not self.check_id(slug, rel, "article slug (the file name)"):
            return None
        text = self.read(path)
        if text is None:
            return None
        model, body, body_line, found = self.parsed("article", rel, text, self.parse_article)
        sidecar_rel = None
        if sidecar is not None:
            sidecar_rel = self.rel(sidecar)
            side_text = self.read(sidecar)
            if side_text is not None:
                found = found + self.parsed("sidecar", sidecar_rel, side_text, self.parse_sidecar)
        if len(found) > self.limits.max_annotations:
            self.diags.error(
                Position(sidecar_rel or rel),
                f"{len(found)} annotations for one article, more than the limit of "
                f"{self.limits.max_annotations}; the rest are left out",
            )
            found = found[: self.limits.max_annotations]
        annotations = tuple(
            Annotation(annotation, slug, position, i, note)
            for i, (annotation, position, note, _, _) in enumerate(found)
        )
        self._article_files[slug] = [(located, base) for *_, located, base in found]
        if model is None:
            return None
        return Article(slug, rel, model, body, body_line, annotations, sidecar_rel)

    def parse_article(
        self, rel: str, text: str
    ) -> tuple[ArticleModel | None, str, int, list[_Found]]:
        split = split_front_matter(text)
        if split is None:
            self.diags.error(
                Position(rel),
                "missing YAML front matter: the file must start with a '---' line, "
                "then title: and date:, then a closing '---' line",
            )
            return None, "", 1, []
        front, body, body_line = split
        located = load_yaml(front, rel, self.diags, line_offset=1, limits=self.limits)
        if located is None:
            return None, body, body_line, []
        data = located.data
        if not isinstance(data, dict):
            self.validate(ArticleModel, located)
            return None, body, body_line, []
        # Validate annotations one by one, so one bad annotation loses nothing else.
        raw_annotations = data.get("annotations", [])
        header = {k: v for k, v in data.items() if k != "annotations"}
        header_located = dataclasses.replace(located, data=header)
        model = self.validate(ArticleModel, header_located)
        found: list[_Found] = []
        if isinstance(raw_annotations, list):
            for i in range(len(raw_annotations)):
                self.add_annotation(located, ("annotations", i), found)
        else:
            self.diags.error(
                located.at(("annotations",)), "'annotations' must be a list of annotations"
            )
        return model, body, body_line, found

    def parse_sidecar(self, rel: str, text: str) -> list[_Found]:
        found: list[_Found] = []
        side = load_yaml(text, rel, self.diags, limits=self.limits)
        if side is None or side.data is None:
            return found
        if isinstance(side.data, list):
            for i in range(len(side.data)):
                self.add_annotation(side, (i,), found)
        else:
            self.diags.error(
                side.at(()),
                "an annotations file must be a YAML list of annotations ('- quote: ...')",
            )
        return found

    def add_annotation(
        self, located: Located, base: tuple[str | int, ...], found: list[_Found]
    ) -> None:
        model = self.validate(AnnotationModel, located, base)
        if model is None:
            # Its other problems still count: an invalid 'kind' hides no unknown entity.
            self.invalid_annotations.append((located, base))
            return
        position = located.at((*base, "quote"))
        if len(model.quote) > self.limits.max_quote_length:
            self.diags.error(
                position,
                f"quote is {len(model.quote)} characters, longer than the limit of "
                f"{self.limits.max_quote_length}: quote a sentence, not a passage",
            )
            return
        note = located.text_start((*base, "note"))
        self.check_open_tags(model.note, note or located.at((*base, "note")), "note")
        found.append((model, position, note, located, base))

    def check_open_tags(self, text: str, position: Position, what: str) -> None:
        """Raw HTML left open would take in the rest of the page around it."""
        stack = unclosed_tags(text)
        if stack:
            tags = ", ".join(f"<{tag}>" for tag in stack)
            self.diags.error(
                position,
                f"the {what} leaves {tags} open: close it, or it takes in the page around it",
            )

    # ------------------------------------------------------------------ cross-file checks

    def unknown_id(self, position: Position, value: str, known: Iterable[str]) -> None:
        if value in self._entity_ids:
            return  # the entity's own file is broken, and reported
        self.diags.error(position, f"unknown entity '{value}'{did_you_mean(value, known)}")

    def check_references(self, entities: dict[str, Entity], articles: list[Article]) -> None:
        for entity_id, located in self._entity_files.items():
            for i, ref in enumerate(entities[entity_id].model.related):
                if ref not in entities:
                    self.unknown_id(located.at(("related", i)), ref, entities)
                elif ref == entity_id:
                    self.diags.error(
                        located.at(("related", i)), "an entity cannot relate to itself"
                    )
        for article in articles:
            pairs = zip(article.annotations, self._article_files[article.slug], strict=True)
            for annotation, (located, base) in pairs:
                for i, ref in enumerate(annotation.model.entities):
                    if ref not in entities:
                        self.unknown_id(located.at((*base, "entities", i)), ref, entities)
        for located, base in self.invalid_annotations:
            data: Any = located.data
            for part in base:
                data = data[part]
            refs = data.get("entities") if isinstance(data, dict) else None
            for i, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, str) and ref not in entities:
                    self.unknown_id(located.at((*base, "entities", i)), ref, entities)

    def check_mentions(self, entities: dict[str, Entity]) -> None:
        """Two entities may not claim the same mention."""
        claimed: dict[str, list[tuple[Term, Position]]] = {}
        for entity_id, entity in entities.items():
            located = self._entity_files[entity_id]
            seen: set[str] = set()
            places = [("name",)] + [("aliases", i) for i in range(len(entity.model.aliases))]
            for name, place in zip(entity.names, places, strict=True):
                normal = same_name(name)
                if normal in seen:
                    continue
                seen.add(normal)
                term = Term(name, entity_id, is_case_sensitive(name, entity.model.match_case))
                position = located.at(place)
                # Reported against the first claimant only: n entities sharing one
                # alias make n - 1 errors, not n² / 2.
                for other, other_position in claimed.get(term.key, []):
                    if other.entity != entity_id and term.conflicts_with(other):
                        self.diags.error(
                            position,
                            f"mention '{name}' is claimed by two entities: {entity.path} and "
                            f"{other_position.path}:{other_position.line} ('{other.text}')",
                        )
                        break
                claimed.setdefault(term.key, []).append((term, position))


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Split ``---`` front matter from the body: (yaml, body, body's first line)."""
    lines = text.split("\n")  # "\n" only: U+2028 ends no line in an editor
    if lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "".join(f"{line}\n" for line in lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    return None


def _dotted(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """Field names of the (sub-)model found by following ``loc`` from ``model``."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = _unwrap(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """list[X], X | None and Annotated[X, ...] -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (list, typing.Union, types.UnionType) or origin is typing.Annotated:
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0]
            continue
        return annotation
