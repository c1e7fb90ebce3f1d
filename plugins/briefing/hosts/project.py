"""A MkDocs project's briefing, loaded and rendered as its build would, without
building: what ``briefing check``, the export and the CLI's reports start from.

It loads the sources with the same loader and renders every page's Markdown with the
same extension and the same Markdown settings as ``mkdocs.yml``, so the check and the
build report the same problems in the same words, and the export knows every page's
mentions before it writes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.utils import get_markdown_title
from mkdocs.utils.meta import get_data

from ..core.context import PageRef, RenderContext, Source
from ..core.diagnostics import Diagnostics
from ..core.files import docs_folder_problem
from ..core.model import Briefing
from ..core.sources import load_briefing
from ..core.yamlsrc import Limits
from ..markdown.extension import BriefingExtension, Linker
from ..site import THEME_DIR
from ..site.opendata import RESERVED
from ..site.pagemeta import check_heading_title, check_meta
from ..site.pages import generate_pages, generated_ref, nav_titles, navigation
from .docsfiles import vet_docs


@dataclass
class Analysis:
    """A project's briefing, what its pages recorded when rendered, and its problems."""

    briefing: Briefing | None
    context: RenderContext
    problems: Diagnostics


def analyze_project(config_file: str | Path = "mkdocs.yml") -> Analysis:
    """Load and render a project's briefing, as the build does, without building."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    path = Path(config_file).resolve()
    problems = Diagnostics()
    context = RenderContext()
    if not path.is_file():
        problems.error(_rel_position(path), "configuration file not found")
        return Analysis(None, context, problems)
    try:
        config = load_config(str(path))
    except ConfigurationError as exc:
        problems.error(_rel_position(path), f"invalid configuration: {exc}")
        return Analysis(None, context, problems)
    plugin = config.plugins.get("briefing")
    options: dict[str, Any] = dict(plugin.config) if plugin is not None else {}
    root = path.parent
    briefing, loaded = load_briefing(
        root, options.get("src", "briefing_src"), limits=Limits(**options.get("limits", {}))
    )
    problems.extend(loaded)
    linker = Linker(briefing, context, options.get("link_mode", "first"))
    extensions: list[Any] = [*config.markdown_extensions, BriefingExtension(linker)]

    def render(ref: PageRef, text: str) -> None:
        md = markdown.Markdown(extensions=extensions, extension_configs=config.mdx_configs)
        context.begin(ref)
        md.convert(text)

    for page in generate_pages(briefing):
        body, meta = get_data(page.content)
        render(generated_ref(page, str(meta.get("title", ""))), body)
    docs_files = docs_pages(config, root, briefing, options, problems)
    docs = Path(config.docs_dir)
    # A title the nav gives a page is its title in the build ("Home" for index.md when
    # Briefing makes the nav), and so in the "Mentioned in" lists.
    named = nav_titles(
        config.nav
        if config.nav is not None
        else navigation(briefing, [d.relative_to(docs).as_posix() for d in docs_files])
    )
    for doc in docs_files:
        text = doc.read_text(encoding="utf-8-sig")
        body, meta = get_data(text)
        offset = text.count("\n") - body.count("\n") + 1
        rel = doc.relative_to(root).as_posix() if doc.is_relative_to(root) else str(doc)
        check_meta(meta, rel, text, context.diagnostics)
        if "title" not in meta:
            check_heading_title(get_markdown_title(body), rel, text, context.diagnostics)
        uri = doc.relative_to(docs).as_posix()
        title = named.get(uri) or str(meta.get("title") or get_markdown_title(body) or uri)
        render(PageRef(uri, title, Source(rel, offset, body)), body)
    problems.extend(context.diagnostics)
    return Analysis(briefing, context, problems)


def docs_pages(
    config: MkDocsConfig,
    root: Path,
    briefing: Briefing,
    options: dict[str, Any],
    problems: Diagnostics,
) -> list[Path]:
    """The docs pages the build would render: MkDocs' own list of files (dot folders
    and ``exclude_docs`` left out), vetted as the plugin vets it."""
    from mkdocs.structure.files import get_files

    folder_problem = docs_folder_problem(root, config.docs_dir)
    if folder_problem is not None:
        problems.add(folder_problem)
        return []
    files = get_files(config)
    problems.extend(
        vet_docs(
            files,
            config,
            root,
            generated={*(page.uri for page in generate_pages(briefing)), *RESERVED},
            theme_dirs=[*config.theme.dirs, str(THEME_DIR)],
            static_types=options.get("static_types", []),
        )
    )
    return [
        Path(f.abs_src_path)
        for f in files.documentation_pages()
        if f.abs_src_path is not None and f.generated_by is None
    ]


def _rel_position(path: Path) -> Any:
    from ..core.diagnostics import Position

    try:
        shown = path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        shown = str(path)
    return Position(shown)
