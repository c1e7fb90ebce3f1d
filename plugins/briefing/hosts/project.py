"""A MkDocs project as its build sees it: what ``briefing check``, the export and the
CLI's reports start from.

:func:`analyze_project` runs the real build (``mkdocs build``, into a temporary folder
that is then thrown away), so one code path decides: Briefing's loader, the Markdown
extension, the docs vetting and the page checks report through the build session
(:mod:`briefing.site.build`) exactly as in ``mkdocs build --strict``, and MkDocs' own
validation (links to missing pages, and to missing anchors when ``validation:`` makes
them warnings), the nav, the theme and other plugins warn as they do in the build. The
PDF book is not laid out; the problems only the book finds (what Typst would refuse: a
character no book font has, a heading without words, a picture it cannot read ...) are
found by reading the pages and writing them for Typst as the book does
(:func:`briefing.book.pdf.book_check`). The export reads from the same run every page's
mentions before it writes one.

MkDocs' own warnings carry no position: each is given the file it names (a link
warning, the line and column of the link in that file), and the message as MkDocs
worded it.
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files

from ..core.context import RenderContext
from ..core.diagnostics import Diagnostic, Diagnostics, Position, position_in_file
from ..core.files import docs_folder_problems
from ..core.model import Briefing
from ..core.review import ReviewStatus
from ..core.yamlsrc import Limits
from ..site import THEME_DIR
from ..site.build import REPORTED, BuildSession
from ..site.opendata import RESERVED
from .docsfiles import vet_docs
from .plugin import BriefingPlugin


@dataclass
class Analysis:
    """A project's briefing, what its pages recorded when rendered, and its problems."""

    briefing: Briefing | None
    context: RenderContext
    problems: Diagnostics
    review: ReviewStatus | None = None
    """What is due for review (None: the briefing keeps no review period)."""
    limits: Limits = field(default_factory=Limits)
    """The plugin's ``limits:`` (what the loader accepts), for the CLI's writers."""
    session: BuildSession | None = None
    """The build that was run (None: it could not start)."""


class _Records(logging.Handler):
    """MkDocs' warnings and errors, as the strict build counts them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def analyze_project(config_file: str | Path = "mkdocs.yml", glyphs: bool = False) -> Analysis:
    """Build a project into a temporary folder, as the build does (``glyphs``: with the
    PDF book's glyph check, without laying the book out); what the pages recorded and
    every problem."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError, MkDocsException

    path = Path(config_file).resolve()
    problems = Diagnostics()
    context = RenderContext()
    if not path.is_file():
        problems.error(_rel_position(path), "configuration file not found")
        return Analysis(None, context, problems)
    logger = logging.getLogger("mkdocs")
    records = _Records()
    level = logger.level
    logger.addHandler(records)
    logger.setLevel(min(logger.getEffectiveLevel(), logging.WARNING))
    try:
        with tempfile.TemporaryDirectory(prefix="briefing-check-") as out:
            try:
                # Not strict: the build goes on to its end, and every problem is counted.
                config = load_config(str(path), site_dir=str(Path(out) / "site"), strict=False)
            except ConfigurationError as exc:
                problems.error(_rel_position(path), f"invalid configuration: {exc}")
                return Analysis(None, context, problems)
            root = path.parent
            folder_problems = docs_folder_problems(root, config.docs_dir)
            if folder_problems:
                problems.extend(folder_problems)  # the build stops on them in on_config
                return Analysis(None, context, problems)
            plugin = config.plugins.get("briefing")
            if not isinstance(plugin, BriefingPlugin):
                plugin = None
            if plugin is not None:
                plugin.checking = "glyphs" if glyphs else "no book"
            config.plugins.on_startup(command="build", dirty=False)
            failure: str | None = None
            try:
                build(config)
            except Abort as exc:  # MkDocs logged why (an error record)
                failure = str(exc)
            except MkDocsException as exc:  # a PluginError: the build stops with it
                problems.error(_rel_position(path), str(exc))
            finally:
                config.plugins.on_shutdown()
                if plugin is not None:  # MkDocs keeps one plugin object per process
                    plugin.checking = None
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    session = plugin.session if plugin is not None else None
    if session is not None:
        problems.extend(session.problems.items)
    for record in records.records:
        if getattr(record, REPORTED, False):
            continue  # Briefing's own problems are in the session's, as they are
        message = record.getMessage()
        if record.name.startswith("mkdocs.plugins.briefing"):
            message = message.removeprefix("briefing: ")
        problems.add(_positioned(record, message, root, config, session))
    if failure is not None and not problems:
        problems.error(_rel_position(path), failure)
    if session is None:
        return Analysis(None, context, problems)
    return Analysis(
        session.briefing,
        session.context,
        problems,
        review=session.review,
        limits=session.options.limits,
        session=session,
    )


def docs_files(
    config: MkDocsConfig, root: Path, session: BuildSession, problems: Diagnostics
) -> Files:
    """The docs files the build would publish: MkDocs' own list (dot folders and
    ``exclude_docs`` left out), vetted as the plugin vets it (what it refuses is left
    out, and reported into ``problems``)."""
    from mkdocs.structure.files import get_files

    folder_problems = docs_folder_problems(root, config.docs_dir)
    if folder_problems:
        problems.extend(folder_problems)
        return Files([])
    files = get_files(config)
    problems.extend(
        vet_docs(
            files,
            config,
            root,
            generated={*session.generated, *RESERVED},
            theme_dirs=[*config.theme.dirs, str(THEME_DIR)],
            static_types=session.options.static_types,
        )
    )
    return files


_DOC_LINK = re.compile(
    r"Doc file '(?P<file>[^']*)' contains (?:a|an unrecognized relative|an absolute) link"
    r"(?: to)? '(?P<link>[^']*)'"
)


def _positioned(
    record: logging.LogRecord,
    message: str,
    root: Path,
    config: MkDocsConfig,
    session: BuildSession | None,
) -> Diagnostic:
    """One of MkDocs' own warnings, at the file it names (a link: at the link)."""
    severity = "error" if record.levelno >= logging.ERROR else "warning"
    found = _DOC_LINK.match(message)
    position = Position(Path(config.config_file_path).relative_to(root).as_posix())
    if found is not None:
        position = _link_position(found["file"], found["link"], root, config, session)
    return Diagnostic(position, message, severity)  # type: ignore[arg-type]


def _link_position(
    uri: str, link: str, root: Path, config: MkDocsConfig, session: BuildSession | None
) -> Position:
    """A link MkDocs warns about, in the file it came from (a generated page's source)."""
    generated = session.generated.get(uri) if session is not None else None
    if generated is not None:
        return position_in_file(root, generated.source, link)
    docs = Path(config.docs_dir) / uri
    if not docs.is_relative_to(root):
        return Position(uri)
    return position_in_file(root, docs.relative_to(root).as_posix(), link)


def _rel_position(path: Path) -> Position:
    try:
        shown = path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        shown = str(path)
    return Position(shown)
