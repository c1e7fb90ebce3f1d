"""Rebuilds that cost what the edit changes, under ``mkdocs serve --dirty``.

MkDocs' dirty build renders a page only when ``page.file.is_modified()`` says so (its
own answer: the source file is newer than the page it wrote), and keeps everything else
of the site folder as it is. Briefing's pages are generated, so MkDocs would render
them all; and its own answer would leave stale every page that shows something of
another page (a glossary entry's "Mentioned in", the navigation). So the plugin answers
instead, in two phases of one build:

* **Rendering the Markdown** (``_populate_page``): a page is rendered again when what
  its Markdown is made from changed: its source (a generated page's Markdown holds its
  article, entity or list), its article's annotations, or anything every page depends on
  (the entities, whose names and summaries every link carries, the configuration, the
  theme). The others get back their state of the last build (content, table of contents,
  title, what the render recorded: mentions, anchored notes, problems), in the order a
  full build renders them, so that everything made from them afterwards is the same.
* **Writing the page** (``_build_page``): a page is written again when it was rendered
  again, or when what its template shows beside its content changed (its view: a
  glossary entry's "Mentioned in", its map, the notes about it), or the navigation that
  every page carries.

Material's search index is put together from each page's entries, and the pages that
are gone (an article renamed or deleted) are removed, so the site folder after any
series of edits is the one a clean build makes (``tests/test_incremental.py``). Only
MkDocs' dirty build asks for this (``mkdocs serve --dirty``); a site whose search is not
Material's, or that has another plugin, is rebuilt whole.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.utils import write_file

from ..core.context import PageRecord
from ..site.build import BuildSession, OpenDataCache, digest
from .mkdocsbuild import search_plugin

log = get_plugin_logger(__name__)


@dataclass
class _State:
    """A page after its Markdown is rendered: what MkDocs' page object holds then."""

    key: str
    markdown: str | None
    meta: dict[str, Any]
    content: str | None
    toc: Any
    title: str | None
    anchors: set[str] | None
    edit_url: str | None
    record: PageRecord | None


def _treedigest(folders: Iterable[str]) -> list[tuple[str, int, int]]:
    """Every file of ``folders`` with its modification time and size."""
    found = []
    for folder in folders:
        for path, _dirs, names in os.walk(folder):
            for name in names:
                try:
                    stat = os.stat(os.path.join(path, name))
                except OSError:
                    continue
                found.append((os.path.join(path, name), stat.st_mtime_ns, stat.st_size))
    return sorted(found)


def _navdigest(nav: Navigation) -> list[Any]:
    def item(node: Any) -> Any:
        children = getattr(node, "children", None) or ()
        return (
            type(node).__name__,
            node.title,
            getattr(node, "url", None),
            [item(c) for c in children],
        )

    return [item(node) for node in nav.items]


class Incremental:
    """Kept by the plugin across the rebuilds of ``mkdocs serve --dirty``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.kept = OpenDataCache() if enabled else None  # the open data of the last build
        self.files = Files([])
        self.nav: Navigation | None = None  # this build's, once MkDocs made it
        self.states: dict[str, _State] = {}
        self.views: dict[str, str] = {}  # page -> digest of its view, last build
        self.shared = ""  # digest of what every page depends on, last build
        self.shared_now = ""  # the same, this build
        self.index: Any = None  # Material's search plugin, this build (None: not there)
        self.nav_key = ""  # digest of the navigation, last build
        self.search: dict[str, list[dict[str, Any]]] = {}  # page -> its search entries
        self.outputs: set[str] = set()  # every file the last build wrote
        self.render: set[str] = set()  # pages whose Markdown is rendered in this build
        self.write: set[str] | None = None  # pages written in this build (None: not known yet)
        self.keys: dict[str, str] = {}
        self.search_seen = 0
        self.active = False

    # Phase 1: which pages' Markdown is rendered again.
    def plan(self, files: Files, config: MkDocsConfig, session: BuildSession) -> None:
        if not self.enabled:
            return
        self.files = files
        # Material's search index is put together page by page; another search plugin's
        # is not, and another plugin may make pages of its own from every page (a blog's
        # index): a site with one is rebuilt whole.
        search = {"search", "material/search"} & set(config.plugins)
        others = set(config.plugins) - {"search", "material/search", "briefing"}
        self.index = _material_search(config)
        self.active = not others and (not search or self.index is not None)
        self.write = None
        self.search_seen = 0
        briefing = session.briefing
        self.shared_now = digest(
            Path(config.config_file_path).read_bytes() if config.config_file_path else b"",
            sorted((e.id, e.model.content_key) for e in briefing.entities.values()),
            # The site's own theme overrides (an installed theme does not change).
            _treedigest([config.theme.custom_dir] if config.theme.custom_dir else []),
        )
        self.keys = {}
        self.render = set()
        digests = session.cache.digests() if session.cache is not None else {}
        for file in files.documentation_pages():
            uri = file.src_uri
            generated = session.generated.get(uri)
            if generated is not None:
                article = briefing.article(generated.article) if generated.article else None
                # An article's page is its file and its annotations' file (the page's
                # Markdown holds the body; the notes come from the files' YAML); a
                # glossary entry's Markdown holds a slot for each note about it, and
                # its page is also those notes, and where they are written (their
                # problems say where).
                files_read = (article.path, article.sidecar) if article else ()
                found: list[Any] = [
                    digests.get(f) or _read(session.root, f) for f in files_read if f
                ]
                if generated.entity:
                    found.extend(
                        (a.key, a.model.content_key, a.position, a.note_position)
                        for _, a in briefing.annotations_about(generated.entity)
                    )
                key = digest(generated.content, found)
            else:
                try:
                    key = digest(file.content_string)
                except (OSError, ValueError):
                    key = ""  # MkDocs reports it when it reads the page
            key = digest(self.shared_now, key)
            self.keys[uri] = key
            state = self.states.get(uri)
            if not self.active or not key or state is None or state.key != key:
                self.render.add(uri)
            file.is_modified = self._modified(uri)  # type: ignore[method-assign]

    def _modified(self, uri: str) -> Any:
        def modified() -> bool:
            if self.write is None:
                return uri in self.render
            return uri in self.write

        return modified

    # Between the phases: the pages not rendered get their state back.
    def restore(self, session: BuildSession) -> None:
        if not self.enabled:
            return
        files, context = self.files, session.context
        order = []
        for file in files.documentation_pages():
            page, uri = file.page, file.src_uri
            if page is None:
                continue
            order.append(uri)
            if uri in self.render:
                self.states[uri] = _State(
                    self.keys[uri],
                    page.markdown,
                    dict(page.meta),
                    page.content,
                    page.toc,
                    page._title_from_render,
                    page.present_anchor_ids,
                    page.edit_url,
                    context.records.get(uri),
                )
                continue
            state = self.states[uri]
            page.markdown, page.meta, page.content = state.markdown, dict(state.meta), state.content
            page.toc, page._title_from_render = state.toc, state.title
            page.present_anchor_ids, page.edit_url = state.anchors, state.edit_url
            if state.record is not None:
                context.records[uri] = state.record
            session.rendered_title(uri, page.title or "")
        for gone in self.states.keys() - set(order):
            del self.states[gone]
        context.recompose(order)

    # Phase 2: which pages are written again.
    def plan_writing(self, session: BuildSession) -> None:
        if not self.enabled:
            return
        files = self.files
        nav_now = digest(_navdigest(self.nav) if self.nav is not None else None)
        everything = not self.active or nav_now != self.nav_key or self.shared_now != self.shared
        self.nav_key, self.shared = nav_now, self.shared_now
        write = set(self.render)
        views = _view_keys(session)
        write.update(uri for uri, key in views.items() if key != self.views.get(uri))
        self.views = views
        self.write = {f.src_uri for f in files.documentation_pages()} if everything else write
        if self.active and len(self.write) < len(self.keys):
            log.info(f"rebuilding {len(self.write)} of {len(self.keys)} pages")

    def forget(self) -> None:
        """A build failed half-way: the next one renders and writes every page."""
        self.states, self.views, self.search, self.shared = {}, {}, {}, ""
        self.kept = OpenDataCache() if self.enabled else None

    # Written pages' search entries; the index and the files of pages now gone.
    def page_written(self, uri: str) -> None:
        if not self.enabled or self.index is None:
            return
        entries = self.index.search_index.entries
        self.search[uri] = entries[self.search_seen :]
        self.search_seen = len(entries)

    def finish(self, config: MkDocsConfig) -> None:
        if not self.enabled:
            return
        files, search = self.files, self.index
        order = [f.src_uri for f in files.documentation_pages()]
        self.search = {uri: self.search[uri] for uri in order if uri in self.search}
        if search is not None:
            index = search.search_index
            index.entries = [e for uri in order for e in self.search.get(uri, ())]
            data = index.generate_search_index(None)
            write_file(
                data.encode("utf-8"), os.path.join(config.site_dir, "search", "search_index.json")
            )
            search.search_index_prev = None
        outputs = {os.path.normpath(f.abs_dest_path) for f in files}
        for gone in sorted(self.outputs - outputs):
            _remove(gone, config.site_dir)
        self.outputs = outputs


def _read(root: Path, path: str) -> bytes:
    try:
        return (root / path).read_bytes()
    except OSError:
        return b""


def _view_keys(session: BuildSession) -> dict[str, str]:
    """For each generated page other than an article, a digest of what its view
    (``page_view``) is made of: an entity's mentions, the titles of the pages they are
    on, and what its small map draws (itself, its edges and the neighbours at their
    ends, from the entity graph the figures are drawn from); the map's whole graph; the
    articles the timeline shows. An article's view is made of its own render and the
    entities only."""
    briefing, context = session.briefing, session.context
    graph = session.figures.graph if session.figures is not None else None
    whole = digest(graph.nodes, graph.edges) if graph is not None else ""
    timeline = digest(sorted((a.slug, a.title, a.date) for a in briefing.articles))
    keys = {}
    for uri, page in session.generated.items():
        if page.article:
            continue
        if page.entity:
            found = context.mentions.get(page.entity, ())
            titles = [context.titles.get(m.page, "") for m in found]
            ego: list[object] = []
            if graph is not None:
                by_id = graph.by_id
                ego = [by_id.get(page.entity)]
                ego += [(edge, by_id.get(other)) for edge, other in graph.neighbours(page.entity)]
            keys[uri] = digest(ego, found, titles)
        else:
            keys[uri] = digest(whole, timeline)
    return keys


def _material_search(config: MkDocsConfig) -> Any:
    search = search_plugin(config)
    return search if hasattr(search, "search_index_prev") else None


def _remove(path: str, site_dir: str) -> None:
    """Remove a page's file that is no longer built, and the folders it leaves empty."""
    try:
        os.remove(path)
    except OSError:
        return
    folder, top = os.path.dirname(path), os.path.normpath(site_dir)
    while folder.startswith(top + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)
