"""What a pull request may publish from ``docs/`` (SECURITY.md, "What each file may do").

MkDocs copies every file of ``docs/`` into the site as it is, follows symlinks, and
lets a docs file replace a theme's or a plugin's asset of the same name. The build and
``briefing check`` both pass MkDocs' list of files through :func:`vet_docs` (one code
path decides), which drops, with an error naming the file:

- a symlink, or a file inside a symlinked folder (it may point anywhere: the build
  machine's ``/proc/self/environ``, a secret inside the project, a loop);
- a file whose name holds a character that is markup or control in HTML, Markdown,
  YAML, URLs or CI output;
- a static file of an active type (HTML, SVG, JS, XML, ...): it would run script on
  the site's origin outside the sanitiser and the CSP, unless ``static_types`` opts in;
- a file that would replace a theme or plugin asset (``assets/briefing/briefing.js``);
- a page that collides with a page Briefing generates;
- a page that is not valid UTF-8, or two names that differ only in Unicode
  normalisation;
- a picture larger than the limits of :mod:`briefing.core.pictures` (file size,
  declared width, height and pixels), measured from its header, never decoded.

:func:`blog_authors` makes harmless the one docs file a theme plugin prints as HTML
itself: the authors of Material's blog.
"""

from __future__ import annotations

import html
import os
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel

from ..core.diagnostics import Diagnostics, Position
from ..core.files import bad_name_character, symlink_in
from ..core.model import url_is_safe
from ..core.pictures import MEASURED_TYPES, measure
from ..core.yamlsrc import load_yaml

PASSIVE_TYPES = frozenset(
    {
        # images a browser shows and never runs (SVG is not one of them)
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".bmp",
        # fonts, style sheets (they run no script; a site only loads the ones mkdocs.yml names)
        ".woff", ".woff2", ".ttf", ".otf", ".css",
        # documents and data, served as downloads or plain text
        ".pdf", ".txt", ".csv", ".tsv", ".json", ".zip", ".gz",
        # audio and video
        ".mp3", ".mp4", ".webm", ".ogg", ".oga", ".ogv", ".wav", ".m4a",
    }
)  # fmt: skip
"""Static file types ``docs/`` may publish without opting in."""
PLAIN_NAMES = frozenset({"CNAME"})
"""Files without a type that GitHub Pages itself reads."""


BUILD_OUTPUTS = ("search/search_index.json", "sitemap.xml", "sitemap.xml.gz", "404.html")
"""Files MkDocs, its search plugin and the theme write into the site after the docs
files are copied (or, under ``mkdocs serve``, not at all): a docs file there would be
published in their place, a search index of the contributor's choosing."""


def vet_docs(
    files: Files,
    config: MkDocsConfig,
    root: Path,
    *,
    generated: Collection[str] = (),
    theme_dirs: Sequence[str] = (),
    static_types: Iterable[str] = (),
    written: Collection[str] = BUILD_OUTPUTS,
) -> Diagnostics:
    """Drop from ``files`` every docs file the site may not publish; return the errors.
    ``generated`` are the source paths of the pages Briefing adds; ``written``, the
    files the build writes itself (the search index, the sitemap, the book)."""
    problems = Diagnostics()
    docs = Path(os.path.abspath(config.docs_dir))
    allowed = PASSIVE_TYPES | {t.lower() for t in static_types}
    # Compared case-insensitively: on a case-insensitive file system (macOS, Windows)
    # docs/Glossary.md is written over the generated glossary page, and elsewhere it
    # is a second "Glossary" beside it.
    generated_dest = {
        File(uri, None, config.site_dir, config.use_directory_urls).dest_uri.casefold(): uri
        for uri in generated
    }
    written_dest = {uri.casefold() for uri in written}
    links: dict[Path, Path | None] = {}
    reported: set[Path] = set()
    names: dict[str, str] = {}

    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)

    for file in list(files):
        if file.generated_by is not None or file.abs_src_path is None:
            continue
        path = Path(file.abs_src_path)
        if not path.is_relative_to(docs):
            continue  # a theme's own file
        where = Position(rel(path))
        problem: str | None = None
        link = symlink_in(docs, path, links)
        if link is not None:
            if link not in reported:
                reported.add(link)
                problems.error(
                    Position(rel(link)),
                    "symbolic link: Briefing publishes no linked file or folder "
                    "(it could point outside the project); copy the file in instead",
                )
            files.remove(file)
            continue
        if file.inclusion is InclusionLevel.EXCLUDED:
            continue  # never read nor published (exclude_docs, dot files: docs/.git/config)
        bad = next(
            (c for part in Path(file.src_uri).parts if (c := bad_name_character(part))), None
        )
        if bad is not None:
            problem = (
                f"file name holds {bad!r}, which is markup in HTML, Markdown, "
                "YAML or CI output: use letters, digits, '-', '_' and '.'"
            )
        elif (normal := unicodedata.normalize("NFC", file.src_uri)) in names:
            problem = (
                f"file name differs from {names[normal]} only in Unicode normalisation "
                "(NFC/NFD): rename one"
            )
        elif file.dest_uri.casefold() in written_dest:
            problem = (
                f"would replace the {file.dest_uri} the build writes itself "
                "(readers would get this file instead): rename or move it"
            )
        elif file.dest_uri.casefold() in generated_dest:
            uri = generated_dest[file.dest_uri.casefold()]
            problem = (
                f"collides with the page Briefing generates at {uri} "
                f"({file.url or '/'}): rename or move it"
            )
        elif (theme := _theme_file(file.src_uri, theme_dirs)) is not None:
            problem = (
                f"would replace the theme's or Briefing's own {file.src_uri}: "
                "docs/ cannot shadow plugin or theme assets; rename it"
            )
            files.remove(file)
            files.append(File(file.src_uri, theme, config.site_dir, config.use_directory_urls))
            problems.error(where, problem)
            continue
        elif file.is_documentation_page():
            if line := _not_utf8(path):
                where, problem = Position(where.path, line), "file is not valid UTF-8"
        elif not _allowed_static(file.src_uri, allowed):
            suffix = Path(file.src_uri).suffix.lower() or "(no type)"
            problem = (
                f"docs/ publishes no {suffix} files: an active type (HTML, SVG, JS, XML) "
                "would run script on the site's origin, outside the sanitiser and the "
                "Content-Security-Policy; list the type under static_types in the "
                "briefing plugin's options to publish it anyway"
            )
        elif (picture := _oversized(path)) is not None:
            problem = (
                f"this picture {picture}: a reader's browser and the PDF book would "
                "decode it whole; make it smaller"
            )
        if problem is None:
            names[unicodedata.normalize("NFC", file.src_uri)] = rel(path)
            continue
        problems.error(where, problem)
        files.remove(file)
    return problems


def _allowed_static(src_uri: str, allowed: Collection[str]) -> bool:
    path = Path(src_uri)
    return path.suffix.lower() in allowed or (path.suffix == "" and path.name in PLAIN_NAMES)


def _oversized(path: Path) -> str | None:
    """Why the picture at ``path`` is too large to publish (None: it is not, or it is no
    picture)."""
    if path.suffix.lower() not in MEASURED_TYPES | {".svg"}:
        return None
    found = measure(path)
    return found.problem if found.oversized else None


def _theme_file(src_uri: str, theme_dirs: Sequence[str]) -> str | None:
    for folder in theme_dirs:
        if os.path.isfile(os.path.join(folder, src_uri)):
            return folder
    return None


def _not_utf8(path: Path) -> int:
    """The line of the first byte that is not UTF-8 (0: the file is valid UTF-8)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return 0  # MkDocs reports it
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw[: exc.start].count(b"\n") + 1
    return 0


def blog_authors(config: MkDocsConfig, root: Path) -> Diagnostics:
    """Material's blog reads its authors from a docs file (``.authors.yml`` in the
    blog's folder, which a pull request can change) and its templates print their names,
    descriptions, avatars and links as HTML, unescaped, outside the page's content: each
    such value is escaped here, as a page's front matter is, and a link or avatar with
    a scheme other than http, https, mailto or relative is dropped with an error at its
    line. (Run once the blog plugin has read the file, before any page is rendered.)"""
    problems = Diagnostics()
    for plugin in config.plugins.values():
        authors, options = getattr(plugin, "authors", None), getattr(plugin, "config", None)
        if not isinstance(authors, dict) or not isinstance(options, Config):
            continue  # not Material's blog (a hook is a module among the plugins)
        if "authors_file" not in options:
            continue
        path = Path(config.docs_dir, str(options["authors_file"]).format(blog=options["blog_dir"]))
        rel = os.path.relpath(path, root)
        try:
            located = load_yaml(path.read_text(encoding="utf-8-sig"), rel, Diagnostics())
        except (OSError, UnicodeDecodeError):
            located = None  # Material read it; only the positions are missing
        for key, author in authors.items():
            for field in ("name", "description", "avatar", "url"):
                value = author.get(field)
                if not isinstance(value, str):
                    continue
                if field in ("avatar", "url") and not url_is_safe(value):
                    loc = ("authors", key, field)
                    problems.error(
                        located.text_start(loc) if located else Position(rel),
                        f"unsafe URL {value!r} of the blog's author {key!r} dropped: only "
                        "http, https, mailto and relative links",
                    )
                    author[field] = "" if field == "avatar" else None
                else:
                    author[field] = html.escape(value)
    return problems
