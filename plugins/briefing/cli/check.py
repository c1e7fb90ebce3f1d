"""``briefing check``: everything the build would reject, without building.

It loads the sources with the same loader and renders every page's Markdown
with the same extension and the same Markdown settings as ``mkdocs.yml``, so
the check and the build report the same problems in the same words.
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
from ..hosts.docsfiles import vet_docs
from ..markdown.extension import BriefingExtension, Linker
from ..site import THEME_DIR
from ..site.opendata import RESERVED
from ..site.pagemeta import check_heading_title, check_meta
from ..site.pages import generate_pages, generated_ref


@dataclass
class Analysis:
    """A project's briefing, what its pages recorded when rendered, and its problems."""

    briefing: Briefing | None
    context: RenderContext
    problems: Diagnostics


def check_project(config_file: str | Path = "mkdocs.yml") -> Diagnostics:
    """Load and render a project's briefing; return every problem found."""
    return analyze_project(config_file).problems


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
    for doc in docs_pages(config, root, briefing, options, problems):
        text = doc.read_text(encoding="utf-8-sig")
        body, meta = get_data(text)
        offset = text.count("\n") - body.count("\n") + 1
        rel = doc.relative_to(root).as_posix() if doc.is_relative_to(root) else str(doc)
        docs = Path(config.docs_dir)
        check_meta(meta, rel, text, context.diagnostics)
        if "title" not in meta:
            check_heading_title(get_markdown_title(body), rel, text, context.diagnostics)
        uri = doc.relative_to(docs).as_posix()
        render(PageRef(uri, uri, Source(rel, offset, body)), body)
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
