"""Briefing's Markdown extension by name, for hosts that configure Python-Markdown
extensions by module name and know nothing of MkDocs plugins (Zensical, plain MkDocs or
ProperDocs building an exported project)::

    markdown_extensions:
      - briefing.hosts.markdown:
          src: briefing_src

``makeExtension`` loads the briefing once per process (again only when a source file
changed: the cache is keyed on the files' modification times and sizes), learns which
page it renders from the host (MkDocs' relpath processor or Zensical's rendering
context, see :func:`source_path`), and emits relative links only. The cross-page parts
("Mentioned in", figures) cannot be known page by page: ``briefing export`` writes them
into the pages beforehand, the figures into a folder this extension reads (``figures``).
"""

from __future__ import annotations

import html
import logging
import os
import posixpath
import re
from pathlib import Path
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor

from ..core import contract
from ..core.context import PageRef, Source
from ..core.files import read_no_link, symlink_in
from ..markdown.extension import source_path
from ..markdown.hostpage import MKDOCS_RELPATH, ZENSICAL_RENDERING_CONTEXT
from ..site.build import BuildOptions, BuildSession, Problems
from ..site.pages import generated_ref

log = logging.getLogger("mkdocs.plugins.briefing.markdown")

FIGURE_SLOT = f'<div class="{contract.FIGURE_SLOT}"></div>'
"""Where a page's figure goes: ``briefing export`` writes the slot into the page and the
figure (SVG drawn from the whole briefing) into ``figures/<page>.html``."""


_CACHE: dict[tuple[str, str, str], tuple[tuple[Any, ...], BuildSession]] = {}
"""One session per briefing, for every page a host renders in this process."""


def _stamp(folder: Path) -> tuple[Any, ...]:
    """What changes when any source file does: names, sizes, modification times."""
    found: list[tuple[str, int, int]] = []
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            found.append((path, st.st_mtime_ns, st.st_size))
    return tuple(sorted(found))


def load(project: Path, src: str, link_mode: str) -> BuildSession:
    """The session of ``project/src``'s briefing, loaded, its pages generated (links
    relative); from the cache while no source file changed."""
    key = (str(project), src, link_mode)
    stamp = _stamp(project / src)
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    options = BuildOptions(src=src, link_mode=link_mode)
    session = BuildSession(project, options, problems=Problems(log, limit=None))
    session.load()
    session.generate(root="../")
    _CACHE[key] = (stamp, session)
    return session


class PagePreprocessor(Preprocessor):
    """Tells Briefing which page this Markdown renders, as the host says."""

    def __init__(self, md: markdown.Markdown, session: BuildSession, docs_dir: str) -> None:
        super().__init__(md)
        self.session = session
        self.docs_dir = docs_dir

    def run(self, lines: list[str]) -> list[str]:
        path = source_path(self.md)
        context = self.session.context
        if path is None:
            context.end()
            return lines
        title = _host_title(self.md)
        page = self.session.generated.get(path)
        if page is not None:
            ref = generated_ref(page, title)
        else:
            shown = posixpath.join(self.docs_dir, path)
            ref = PageRef(path, title, Source(shown, 1, "\n".join(lines)))
        context.begin(ref)
        return lines


def host_root(md: markdown.Markdown) -> str:
    """The folder of Zensical's configuration file, which relative paths start from;
    else the working directory. (MkDocs registers its page processors only after the
    extensions: an exported ``mkdocs.yml`` passes ``project: !relative $config_dir``.)"""
    if ZENSICAL_RENDERING_CONTEXT in md.preprocessors:  # Zensical: its config's root_dir
        config = getattr(md.preprocessors[ZENSICAL_RENDERING_CONTEXT], "config", None)
        if isinstance(config, dict) and config.get("root_dir"):
            return str(config["root_dir"])
    return os.getcwd()


def _host_title(md: markdown.Markdown) -> str:
    if ZENSICAL_RENDERING_CONTEXT in md.preprocessors:  # Zensical
        page = getattr(md.preprocessors[ZENSICAL_RENDERING_CONTEXT], "page", None)
        return str(getattr(page, "title", "") or "")
    return ""


class ReportPostprocessor(Postprocessor):
    """Logs what the page's rendering found wrong (an unanchored quote, an unknown id),
    puts the page's figure into its slot and, under MkDocs, turns links to Markdown
    files in raw HTML into URLs."""

    def __init__(self, md: markdown.Markdown, session: BuildSession, figures: Path | None) -> None:
        super().__init__(md)
        self.session = session
        self.figures = figures

    def run(self, text: str) -> str:
        self.session.report_rendered()
        path = source_path(self.md)
        if self.figures is not None and path is not None and FIGURE_SLOT in text:
            # Only generated pages have a figure, from a file named after the page.
            page = self.session.generated.get(path)
            figure = self.figures / (path.removesuffix(".md") + ".html")
            if page is not None and not page.article and figure.is_file():
                # The last slot: the page's own, after any text of its sources that
                # spells one (the figure is Briefing's; a description cannot move it).
                # Read only as a file of the folder, never through a link.
                before, _slot, after = text.rpartition(FIGURE_SLOT)
                text = before + _figure(self.figures, figure) + after
        return _mkdocs_urls(self.md, text)


def _figure(folder: Path, figure: Path) -> str:
    """A figure ``briefing export`` wrote; empty when a symlink stands on its way (it
    could point anywhere: the build machine's ``/proc/self/environ``)."""
    if symlink_in(folder.parent, figure, {}) is not None:
        log.warning(f"{figure}: a symbolic link, not read")
        return ""
    try:
        return read_no_link(figure).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning(f"{figure}: not read: {exc}")
        return ""


_MD_HREF = re.compile(r'\bhref="([^":?#]+\.md(?:#[^"]*)?)"')


def _mkdocs_urls(md: markdown.Markdown, text: str) -> str:
    """Under MkDocs, links to Markdown files in raw HTML (the exported pages' parts and
    figures) become URLs, by MkDocs' own relpath processor, which checks them too.
    Zensical resolves every relative link of a page itself, raw HTML included."""
    if MKDOCS_RELPATH not in md.treeprocessors:  # a Registry, not a Mapping: no .get
        return text
    to_url = getattr(md.treeprocessors[MKDOCS_RELPATH], "path_to_url", None)
    if to_url is None:
        return text
    return _MD_HREF.sub(
        lambda m: f'href="{html.escape(to_url(html.unescape(m[1])), quote=True)}"', text
    )


class HostedBriefingExtension(Extension):
    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "src": ["briefing_src", "The sources folder, relative to the project."],
            "project": ["", "The project folder; by default the host's configuration's."],
            "link_mode": ["first", "Link the 'first' mention of an entity per page, or 'all'."],
            "docs_dir": ["docs", "The docs folder, to name hand-written pages in messages."],
            "figures": ["", "Folder of figures drawn by `briefing export`, if any."],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        project = Path(self.getConfig("project") or host_root(md)).resolve()
        session = load(project, self.getConfig("src"), self.getConfig("link_mode"))
        session.extension.extendMarkdown(md)
        # 40: before everything of Briefing's (its nesting check runs at 35), and after
        # the host's page context is registered (Zensical's is at 0 but already there).
        md.preprocessors.register(
            PagePreprocessor(md, session, self.getConfig("docs_dir")), "briefing_page", 40
        )
        figures = self.getConfig("figures")
        folder = (project / figures) if figures else None
        # 5: after the sanitiser (10): the figures are Briefing's own SVG, built from
        # escaped values, with links the allow-list would drop.
        md.postprocessors.register(ReportPostprocessor(md, session, folder), "briefing_report", 5)


def makeExtension(**kwargs: Any) -> HostedBriefingExtension:
    return HostedBriefingExtension(**kwargs)
