"""The MkDocs plugin: a thin layer that wires the core into a build.

``on_config`` loads the briefing and registers the Markdown extension,
``on_files`` adds the generated pages, ``on_page_context`` hands the templates
what the pages recorded, ``on_post_build`` publishes the finished site.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig, _AbsoluteLinksValidation
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Link, Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.templates import TemplateContext

from .check import generated_ref
from .config import BriefingConfig
from .context import PageRef, RenderContext, Source
from .csp import with_csp
from .diagnostics import Diagnostics
from .extension import BriefingExtension, Linker
from .figures import Figures
from .model import Briefing
from .pagemeta import check_heading_title, check_meta, plain_title, safe_meta
from .pages import generate_pages, navigation
from .search import configure_search
from .sources import FileCache, load_briefing
from .staging import Staging
from .view import PageView, page_view
from .yamlsrc import Limits

log = get_plugin_logger(__name__)
_RELATIVE_TO_DOCS = _AbsoluteLinksValidation.levels["relative_to_docs"]
THEME_DIR = Path(__file__).parent / "theme"


class BriefingPlugin(BasePlugin[BriefingConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.is_serve = False
        # Parsed source files by content. MkDocs keeps plugin instances across the
        # rebuilds of `mkdocs serve`, so an edit re-parses only the file it touched.
        self.cache = FileCache()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"

    # 50: before Material's search plugin (0) reads the jieba dictionary setting.
    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.root = Path(config.config_file_path or ".").resolve().parent
        self.context = RenderContext()
        self.logged = 0
        try:
            limits = Limits(**self.config.limits)
        except TypeError as exc:
            raise PluginError(f"briefing: limits: {exc}") from exc
        briefing, problems = load_briefing(
            self.root, self.config.src, limits=limits, cache=self.cache
        )
        self.briefing: Briefing = briefing
        for problem in problems:
            log.warning(problem.format())
        self.linker = Linker(briefing, self.context, self.config.link_mode)
        config.markdown_extensions.append(BriefingExtension(self.linker))  # type: ignore[arg-type]
        config.theme.dirs.append(str(THEME_DIR))
        features = config.theme.get("features")
        if isinstance(features, list) and "content.tooltips" not in features:
            features.append("content.tooltips")  # Material shows entity summaries as tooltips
        config.extra_css.extend(["assets/briefing/kinds.css", "assets/briefing/briefing.css"])
        config.extra_javascript.append("assets/briefing/briefing.js")
        config.watch.append(str(self.root / self.config.src))
        # Generated pages link to "/glossary/<id>.md"; MkDocs makes those relative.
        config.validation.links.absolute_links = _RELATIVE_TO_DOCS
        # The book takes seconds: `mkdocs serve` skips it unless BRIEFING_PDF=1 asks.
        wanted = os.environ.get("BRIEFING_PDF", "")
        self.pdf = self.config.pdf and wanted != "0" and (wanted == "1" or not self.is_serve)
        self.configure_search(config)
        self.stage(config)
        return config

    def configure_search(self, config: MkDocsConfig) -> None:
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is not None:
            self.tmp = getattr(self, "tmp", None) or tempfile.mkdtemp(prefix="briefing-")
            configure_search(search.config, self.briefing, Path(self.tmp))

    def stage(self, config: MkDocsConfig) -> None:
        """Build into a staging folder that ``on_post_build`` publishes on success."""
        self.staging: Staging | None = None
        if not self.is_serve:
            self.staging = Staging(config.site_dir)
            config.site_dir = self.staging.folder

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        self.generated = {page.uri: page for page in generate_pages(self.briefing)}
        for page in self.generated.values():
            existing = files.get_file_from_path(page.uri)
            if existing is not None:
                raise PluginError(
                    f"{config.docs_dir}/{page.uri} collides with the page Briefing generates there"
                )
            files.append(File.generated(config, page.uri, content=page.content))
        if config.nav is None:
            docs = [f.src_uri for f in files.documentation_pages()]
            config.nav = navigation(
                self.briefing,
                [uri for uri in docs if uri not in self.generated],
                self.config.nav_articles,
                self.config.nav_entities,
            )
        self.files = files
        self.urls: dict[str, str] = {}  # source path -> site URL, for the page views
        return files

    def on_nav(
        self, nav: Navigation, /, *, config: MkDocsConfig, files: Files
    ) -> Navigation | None:
        if self.pdf:
            # Added after MkDocs checked the nav: the file appears only after the build.
            nav.items.append(Link("Download PDF", self.config.pdf_name))
        return nav

    def on_pre_page(self, page: Page, /, *, config: MkDocsConfig, files: Files) -> Page | None:
        generated = self.generated.get(page.file.src_uri)
        source = generated.source if generated is not None else self.docs_source(page, config)
        repo = self.repo_url(config)
        # A page made from a whole folder (glossary, timeline) opens the folder instead.
        action = "edit" if Path(source).suffix else "tree"
        page.edit_url = f"{repo}/{action}/{self.config.branch}/{source}" if repo else None
        return page

    def repo_url(self, config: MkDocsConfig) -> str | None:
        if self.config.repo_url:
            return self.config.repo_url.rstrip("/")
        if os.environ.get("GITHUB_REPOSITORY"):
            server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
            return f"{server}/{os.environ['GITHUB_REPOSITORY']}"
        return config.repo_url.rstrip("/") if config.repo_url else None

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        generated = self.generated.get(page.file.src_uri)
        if generated is not None:
            ref = generated_ref(generated, page.title or "")
        else:
            path = self.docs_source(page, config)
            offset = (page.file.content_string.count("\n") - markdown.count("\n")) + 1
            ref = PageRef(page.file.src_uri, page.title or "", Source(path, offset, markdown))
            check_meta(page.meta, path, page.file.content_string, self.context.diagnostics)
        # The theme prints front matter unescaped: summaries, docs pages' descriptions.
        page.meta = safe_meta(page.meta)
        self.context.begin(ref)
        return markdown

    def docs_source(self, page: Page, config: MkDocsConfig) -> str:
        """A hand-written page's source file, relative to the project."""
        docs = Path(config.docs_dir).resolve()
        return (docs / page.file.src_uri).relative_to(self.root).as_posix()

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        # A docs page's title may come from its first heading (known once rendered).
        if page.file.src_uri not in self.generated and "title" not in page.meta:
            path, text = self.docs_source(page, config), page.file.content_string
            if check_heading_title(page.title, path, text, self.context.diagnostics):
                page.meta["title"] = plain_title(page.title or "")
        return html

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        # Problems found while rendering (anchors, [[id]] links); each logged once.
        problems = self.context.diagnostics.items
        for problem in problems[self.logged :]:
            log.warning(problem.format())
        self.logged = len(problems)
        # Every page's Markdown is rendered by now: the mentions are all recorded.
        self.figures = Figures(self.briefing, self.context.page_entities, self.context.mentions)
        return env

    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        def url_of(uri: str) -> str:
            url = self.urls.get(uri)
            if url is None:
                file = self.files.get_file_from_path(uri)
                url = self.urls[uri] = file.url if file is not None else uri
            return url

        view: PageView = page_view(
            self.briefing,
            self.context,
            page.file.src_uri,
            self.generated.get(page.file.src_uri),
            url_of,
            repo=self.repo_url(config),
            branch=self.config.branch,
            figures=self.figures,
            href=lambda uri: get_relative_url(url_of(uri), page.url),
        )
        context["briefing"] = view  # type: ignore[typeddict-unknown-key]
        return context

    # -100: last, after other plugins changed the page, so every inline script is hashed.
    @event_priority(-100)
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        return with_csp(output)

    # -100: last, after every other plugin (the search index) has written its output.
    @event_priority(-100)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.pdf:
            self.write_pdf(config, Path(config.site_dir) / self.config.pdf_name)
        if self.staging is None:
            return
        if self.staging.publish(config.strict):
            config.site_dir = self.staging.site_dir
        else:
            log.warning(f"{self.staging.site_dir} left as it was: the strict build failed")

    def write_pdf(self, config: MkDocsConfig, out: Path) -> None:
        from .pdf import PDF_CACHE, BookMeta, book_pages, git_version, write_book

        def built(uri: str) -> tuple[str, str] | None:
            file = self.files.get_file_from_path(uri)
            return (file.dest_uri, file.url) if file is not None else None

        pages = book_pages(self.generated, built, Path(config.site_dir), self.briefing)
        tags = sorted({t for a in self.briefing.articles for t in a.model.tags})
        version = os.environ.get("GITHUB_SHA", "")[:7] or git_version(self.root)
        meta = BookMeta(
            title=config.site_name,
            subtitle=config.site_description or "",
            author=config.site_author or "",
            keywords=tuple(tags),
            language=config.theme.get("language") or "en",
            version=version,
            paper=self.config.paper,
            current_as_of=self.config.current_as_of
            or max((str(a.date) for a in self.briefing.articles), default=""),
        )
        problems = Diagnostics()
        started = time.perf_counter()
        result = write_book(
            pages,
            Path(config.site_dir),
            out,
            meta,
            {e.id: e.type for e in self.briefing.entities.values()},
            problems,
            cache=self.root / PDF_CACHE,
        )
        for problem in problems:
            log.warning(problem.format())
        for note in sorted(set(result.problems)):  # the layout engine's own remarks
            log.info(f"PDF book: WeasyPrint: {note}")
        seconds = time.perf_counter() - started
        log.info(
            f"PDF book: {out.name}, {result.pages} pages in {seconds:.1f} s "
            f"({result.laid_out} parts laid out, {result.cached} from the cache)"
        )

    def on_build_error(self, *, error: Exception) -> None:
        if getattr(self, "staging", None) is not None:
            self.staging.discard()  # type: ignore[union-attr]
