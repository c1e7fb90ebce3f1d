"""Which page the host is rendering, read from the host's own processors.

Python-Markdown does not say which page it renders; each host leaves that on a processor
of its own. This is the only module of the Markdown layer that knows those processors by
name (the layer may not import ``briefing.hosts``): when a host renames one, the change
is here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import markdown

from ..core.context import PageRef, RenderContext

if TYPE_CHECKING:
    from mkdocs.structure.files import File

MKDOCS_RELPATH = "relpath"
"""MkDocs' treeprocessor that turns a page's links to Markdown files into URLs. Its
``file`` is the page's: ``src_uri`` the source, ``url`` the page the HTML lands on
(Material's blog points it at the index or archive page for each excerpt)."""
ZENSICAL_RENDERING_CONTEXT = "rendering_context"
"""The preprocessor Zensical registers on every page's Markdown. Its ``page.path`` is
the source."""


def placement(md: markdown.Markdown, ctx: RenderContext) -> tuple[PageRef | None, str, bool]:
    """Which page's Markdown this pass renders, where its HTML lands, and whether it is
    a secondary pass (Markdown rendered again after its page, by another plugin).

    MkDocs' relpath processor knows both: its file's ``src_uri`` is the source, its
    ``url`` the page the HTML goes to (Material's blog points it at the index or
    archive page for each excerpt). A secondary pass without one is left alone."""
    file = _relpath_file(md)
    if ctx.page is not None:
        return ctx.page, file.url if file is not None else ctx.page.uri, False
    if file is None:
        return None, "", True
    return ctx.pages.get(file.src_uri), file.url, True


def _relpath_file(md: markdown.Markdown) -> File | None:
    """The file MkDocs' relpath processor (if this Markdown has one) resolves links for."""
    if MKDOCS_RELPATH not in md.treeprocessors:
        return None
    return getattr(md.treeprocessors[MKDOCS_RELPATH], "file", None)


def source_path(md: markdown.Markdown) -> str | None:
    """The docs-relative path of the Markdown file being rendered, from whichever host
    runs this Markdown: MkDocs' relpath processor, or the rendering context Zensical
    registers on every page's Markdown (a preprocessor named ``rendering_context``
    holding ``page.path``). None outside a host (tests, ``briefing check``)."""
    file = _relpath_file(md)
    if file is not None:
        return str(file.src_uri)
    if ZENSICAL_RENDERING_CONTEXT in md.preprocessors:
        page = getattr(md.preprocessors[ZENSICAL_RENDERING_CONTEXT], "page", None)
        path = getattr(page, "path", None)
        if isinstance(path, str):
            return path.replace("\\", "/")
    return None
