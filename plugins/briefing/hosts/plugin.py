"""The MkDocs plugin: wiring from MkDocs' hooks to a build session
(:mod:`briefing.site.build`), which does the work.

``on_config`` starts the session (the briefing loaded, the Markdown extension registered),
``on_files`` adds the generated pages, the page hooks hand each page to the session,
``on_env`` fills in the open data, ``on_post_build`` writes the book and publishes the
site. Under ``mkdocs serve --dirty`` rebuilds are incremental (:mod:`.incremental`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Link, Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.templates import TemplateContext

from ..core.sources import FileCache
from ..site.build import BuildSession, Checking, Problems
from ..site.search import as_search_reads
from ..site.staging import Staging
from ..site.templatecache import own_templates
from .config import BriefingConfig
from .incremental import Incremental
from .mkdocsbuild import (
    SearchFolder,
    add_pages,
    collect_when_idle,
    live_reload,
    publish,
    quick_exit,
    search_alone,
    settle,
    settle_page,
    stage,
    start,
    unsettle,
)

log = get_plugin_logger(__name__)


class BriefingPlugin(BasePlugin[BriefingConfig]):
    supports_multiple_instances = False
    session: BuildSession | None = None  # the build under way, or the last one
    checking: Checking | None = None  # set by `briefing check`: the book checked, or none
    staging: Staging | None = None

    light_search = True
    """Material's search reads Briefing's elements without their attributes
    (:func:`~briefing.site.search.as_search_reads`); the tests turn it off to compare."""

    def __init__(self) -> None:
        self.search_reads = False  # does Material's search read the lighter content?
        self.full_content: str | None = None  # the page's content while the search reads it
        self.is_serve = False
        self.one_shot = False  # on_startup said `build` or `gh-deploy` (so do check and pdf)
        self.cache = FileCache()  # kept across `mkdocs serve` rebuilds: an edit re-parses one file
        self.search = SearchFolder()
        self.incremental = Incremental(enabled=False)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"
        self.incremental = Incremental(enabled=self.is_serve and dirty)
        self.one_shot = command in ("build", "gh-deploy")  # the process ends with the build
        if self.one_shot:
            quick_exit()
            settle()  # the modules imported, MkDocs' configuration read

    @property
    def running(self) -> BuildSession:
        assert self.session is not None, "on_config starts the session"
        return self.session

    # 50: before Material's search plugin (0) reads the jieba dictionary setting.
    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.session = self.staging = None  # what an earlier build left
        self.search_reads = self.light_search and search_alone(config, self)
        session = self.session = start(
            config,
            self.config,
            Problems(log),
            self.cache,
            self.is_serve,
            self.checking,
            deploy=self.one_shot and self.checking is None,  # `briefing check` reports all
        )
        if self.one_shot:
            settle()  # the briefing loaded
        self.search.configure(config, session)
        session.context.keep_records = self.incremental.enabled
        self.staging = stage(config, self.is_serve)
        session.announce_feed()
        return config

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        self.data_files: dict[str, File] = add_pages(files, config, self.running)
        self.incremental.plan(files, config, self.running)
        return files

    def on_nav(
        self, nav: Navigation, /, *, config: MkDocsConfig, files: Files
    ) -> Navigation | None:
        if self.running.book == "write":
            # Added after MkDocs checked the nav: the file appears only after the build.
            nav.items.append(Link("Download PDF", self.running.options.pdf_name))
        self.incremental.nav = nav
        return nav

    def on_pre_page(self, page: Page, /, *, config: MkDocsConfig, files: Files) -> Page | None:
        page.edit_url = self.running.edit_url(page.file.src_uri, page.edit_url)
        return page

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        uri, text = page.file.src_uri, page.file.content_string
        page.meta = self.running.begin_page(uri, page.title or "", markdown, text, page.meta)
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        self.running.end_page(page.file.src_uri, page.title, page.file.content_string, page.meta)
        self.running.rendered_title(page.file.src_uri, page.title or "")
        if self.one_shot:
            settle_page()
        return html

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        if env.bytecode_cache is None:  # Briefing's theme templates, compiled once a machine
            env.bytecode_cache = own_templates()
        self.incremental.restore(self.running)
        outputs = self.running.after_render(self.incremental.kept)  # every page is rendered
        self.incremental.plan_writing(self.running)
        for name, file in self.data_files.items():
            file.content_string = outputs[name]
        return env

    # 1: just before Material's search (0) reads the page's content.
    @event_priority(1)
    def _before_search(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if self.search_reads and page.content:
            self.full_content = page.content
            page.content = as_search_reads(page.content)
        return context

    # -1: right after it, before any other plugin or the template sees the content.
    @event_priority(-1)
    def _after_search(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if self.full_content is not None:
            page.content, self.full_content = self.full_content, None
        href = lambda uri: get_relative_url(self.running.url_of(uri), page.url)  # noqa: E731
        context["briefing"] = self.running.page_view(page.file.src_uri, href)  # type: ignore[typeddict-unknown-key]
        return context

    on_page_context = CombinedEvent(_before_search, _after_search)

    # -100: last, after other plugins changed the page, so every inline script is hashed.
    @event_priority(-100)
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        uri, dest = page.file.src_uri, page.file.dest_uri
        self.incremental.page_written(uri)
        output = self.running.finish_page(uri, page.url, dest, output, page.content or "")
        if self.one_shot:
            settle_page()
        return output

    def on_post_template(
        self, output_content: str, /, *, template_name: str, config: MkDocsConfig
    ) -> str | None:
        if template_name == "404.html":  # a template, not a page: it gets the head too
            return self.running.finish_template(output_content)
        return output_content

    # -100: last, after every other plugin (the search index) has written its output.
    @event_priority(-100)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.running.book is not None:  # the book's modules (0.2 s) only for a book
            from ..book.sitebook import book_step

            book_step(self.running, Path(config.site_dir))
        self.incremental.finish(config)
        self.search.remove(kept=self.is_serve)
        publish(config, self.running, self.staging)
        if self.is_serve:
            collect_when_idle()
        if self.one_shot:
            unsettle()

    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        return live_reload(server)  # the pages' policy blocks MkDocs' inline code

    def on_shutdown(self) -> None:
        self.is_serve = False
        self.search.remove()

    def on_build_error(self, *, error: Exception) -> None:
        if self.one_shot:
            unsettle()
        if self.staging is not None:
            self.staging.discard()
        self.search.remove(kept=self.is_serve)
        self.incremental.forget()
