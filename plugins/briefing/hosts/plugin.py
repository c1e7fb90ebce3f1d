"""The MkDocs plugin: a thin layer that wires the core into a build.

``on_config`` loads the briefing and registers the Markdown extension,
``on_files`` adds the generated pages, ``on_page_context`` hands the templates
what the pages recorded, ``on_post_build`` publishes the finished site.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mkdocs.config.defaults import MkDocsConfig, _AbsoluteLinksValidation
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Link, Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.templates import TemplateContext

from ..core.context import PageRef, RenderContext, Source
from ..core.diagnostics import Diagnostic, Diagnostics, Position
from ..core.files import docs_folder_problems
from ..core.model import Briefing
from ..core.review import review_status
from ..core.sources import FileCache, load_briefing
from ..core.yamlsrc import Limits
from ..markdown.extension import BriefingExtension, Linker
from ..site import THEME_DIR
from ..site.csp import Authorship, Templates, apply_policy, check_sources
from ..site.figures import Figures
from ..site.opendata import (
    DATA_FILES,
    RESERVED,
    Site,
    add_to_head,
    anchorings,
    head_links,
    json_ld_script,
    mentioned_on,
    open_data,
    page_json_ld,
    relative_base,
)
from ..site.pagemeta import check_heading_title, check_meta, own_template, plain_title, safe_meta
from ..site.pages import compact_sections, generate_pages, generated_ref, nav_names, navigation
from ..site.search import configure_search
from ..site.staging import Staging
from ..site.view import PageView, edit_url, page_view
from .config import BriefingConfig, editorial_rules
from .docsfiles import BUILD_OUTPUTS, blog_authors, vet_docs

if TYPE_CHECKING:
    from ..book.pdf import BookMeta

log = get_plugin_logger(__name__)
_RELATIVE_TO_DOCS = _AbsoluteLinksValidation.levels["relative_to_docs"]


class BriefingPlugin(BasePlugin[BriefingConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.is_serve = False
        # Parsed source files by content. MkDocs keeps plugin instances across the
        # rebuilds of `mkdocs serve`, so an edit re-parses only the file it touched.
        self.cache = FileCache()
        # Set by `briefing check`, which runs the build: "glyphs" (what the book refuses,
        # found without laying it out: ``book_check``) or "no book".
        self.checking: str | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.is_serve = command == "serve"

    # 50: before Material's search plugin (0) reads the jieba dictionary setting.
    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.root = Path(config.config_file_path or ".").resolve().parent
        self.context = RenderContext()
        self.logged = 0
        self.reported: list[Diagnostic] = []  # what Briefing logged: strict fails on all but info
        source_problems = check_sources(self.config.csp_sources)
        if source_problems:
            raise PluginError("briefing: " + "; ".join(source_problems))
        try:
            limits = Limits(**self.config.limits)
        except TypeError as exc:
            raise PluginError(f"briefing: limits: {exc}") from exc
        docs_problems = docs_folder_problems(self.root, config.docs_dir)
        if docs_problems:
            raise PluginError("\n".join(f"briefing: {p.format()}" for p in docs_problems))
        self.rules = editorial_rules(self.config, config.config_file_path)
        briefing, problems = load_briefing(
            self.root, self.config.src, limits=limits, cache=self.cache, rules=self.rules
        )
        self.briefing: Briefing = briefing
        self.review = review_status(briefing, self.rules)  # None: no review period
        self.report(problems)
        self.linker = Linker(briefing, self.context, self.config.link_mode)
        config.markdown_extensions.append(BriefingExtension(self.linker))  # type: ignore[arg-type]
        config.theme.dirs.append(str(THEME_DIR))
        # The site's own templates (overrides, Material's, Briefing's): the policy
        # allows the inline code they hold wherever a page shows it.
        self.templates = Templates(config.theme.dirs)
        config.extra_css.extend(["assets/briefing/kinds.css", "assets/briefing/briefing.css"])
        config.extra_javascript.append("assets/briefing/briefing.js")
        config.watch.append(str(self.root / self.config.src))
        # Generated pages link to "/glossary/<id>.md"; MkDocs makes those relative.
        config.validation.links.absolute_links = _RELATIVE_TO_DOCS
        # The book takes seconds: `mkdocs serve` skips it unless BRIEFING_PDF=1 asks.
        wanted = os.environ.get("BRIEFING_PDF", "")
        self.pdf = self.config.pdf and wanted != "0" and (wanted == "1" or not self.is_serve)
        self.pdf = self.pdf and self.checking is None
        self.configure_search(config)
        self.stage(config)
        self.site = Site(
            config.site_name,
            config.site_url or "",
            config.use_directory_urls,
            config.site_author or "",
        )
        self.feed = self.config.feed is not False and self.site.absolute
        if self.config.feed is not False and not self.site.absolute:
            # Asked for: a warning (strict builds fail). By default: said, not a failure.
            where = Position(Path(config.config_file_path or "mkdocs.yml").name)
            why = (
                "no Atom feed: set site_url to the address the site is published at "
                "(a feed's links must be absolute)"
            )
            if self.config.feed:
                self.report([Diagnostic(where, why, "warning")])
            else:
                log.info(f"{where.path}: {why}")
        return config

    def report(self, problems: Iterable[Diagnostic]) -> None:
        """Log Briefing's problems; each one fails a strict build, whatever the log level
        (``mkdocs build -q`` hides warnings from MkDocs' own strict count), but for the
        suggestions (``info``): logged at INFO, they fail nothing."""
        for problem in problems:
            self.reported.append(problem)
            if len(self.reported) <= MAX_LOGGED:
                if problem.fails:
                    log.warning(problem.format())
                else:
                    log.info(problem.format())
            elif len(self.reported) == MAX_LOGGED + 1:
                log.warning(f"more than {MAX_LOGGED:,} problems; the rest are not shown")

    def configure_search(self, config: MkDocsConfig) -> None:
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is not None and self.config.cjk_search:
            self.tmp = getattr(self, "tmp", None) or tempfile.mkdtemp(prefix="briefing-")
            changed = configure_search(search.config, self.briefing, Path(self.tmp))
            if changed:
                log.info(f"search: {' and '.join(changed)} set for the Chinese names (cjk_search)")

    def stage(self, config: MkDocsConfig) -> None:
        """Build into a staging folder that ``on_post_build`` publishes on success."""
        self.staging: Staging | None = None
        if not self.is_serve:
            self.staging = Staging(config.site_dir)
            config.site_dir = self.staging.folder

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files | None:
        self.generated = {
            page.uri: page for page in generate_pages(self.briefing, review=self.review)
        }
        self.report(
            vet_docs(
                files,
                config,
                self.root,
                generated=[*self.generated, *RESERVED],
                theme_dirs=config.theme.dirs,
                static_types=self.config.static_types,
                written=[*BUILD_OUTPUTS, *([self.config.pdf_name] if self.config.pdf else [])],
            )
        )
        if not self.config.trusted_docs:
            self.report(blog_authors(config, self.root))
        for page in self.generated.values():
            files.append(File.generated(config, page.uri, content=page.content))
        # The open data, at the site's root: filled in on_env, once every page is rendered.
        self.data_files: dict[str, File] = {}
        for name in RESERVED if self.feed else DATA_FILES:
            self.data_files[name] = File.generated(config, name, content="")
            files.append(self.data_files[name])
        if config.nav is None:
            docs = [f.src_uri for f in files.documentation_pages()]
            config.nav = navigation(
                self.briefing,
                [uri for uri in docs if uri not in self.generated],
                self.config.nav_articles,
                self.config.nav_entities,
                review=self.review is not None,
            )
        elif not nav_names(config.nav) & set(self.generated):
            # A site with its own nav gets Briefing's sections at its end, one entry
            # each; naming any generated page in the nav (e.g. glossary/index.md)
            # places them instead.
            config.nav = [*config.nav, *compact_sections(review=self.review is not None)]
        # The pages Briefing leaves out of the navigation on purpose (each section page
        # lists the rest) are no "omitted files": a site whose validation makes those
        # warnings still passes its strict build.
        named = nav_names(config.nav)
        for uri in self.generated.keys() - named:
            file = files.get_file_from_path(uri)
            if file is not None:
                file.inclusion = InclusionLevel.NOT_IN_NAV
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
        if generated is None and config.repo_url:
            return page  # a hand-written page of a site with its own repo_url and edit_uri
        source = generated.source if generated is not None else self.docs_source(page, config)
        repo = self.repo_url(config)
        page.edit_url = edit_url(repo, self.branch(config), source) if repo else None
        return page

    def branch(self, config: MkDocsConfig) -> str:
        """The plugin's ``branch``, else the one the site's ``edit_uri`` names, else main."""
        if self.config.branch:
            return self.config.branch
        found = re.match(r"/?(?:edit|blob|tree)/([^/]+)/", config.edit_uri or "")
        return found.group(1) if found else "main"

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
            source = Source(path, offset, markdown)
            trusted = self.config.trusted_docs
            ref = PageRef(page.file.src_uri, page.title or "", source, trusted=trusted)
            if not trusted:
                check_meta(page.meta, path, page.file.content_string, self.context.diagnostics)
            if "template" in page.meta and own_template(page.meta["template"]):
                del page.meta["template"]  # reported: it would render without its data
        if generated is not None or not ref.trusted:
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
        self.context.end()
        # A docs page's title may come from its first heading (known once rendered).
        if page.file.src_uri not in self.generated and "title" not in page.meta:
            path, text = self.docs_source(page, config), page.file.content_string
            if check_heading_title(page.title, path, text, self.context.diagnostics):
                page.meta["title"] = plain_title(page.title or "")
        if page.file.src_uri not in self.generated:
            # Known for sure once rendered (a title from the first heading); HTML, as
            # MkDocs makes it: "Q &amp; A" from a heading, "Q&A" as the nav names it.
            self.context.titles[page.file.src_uri] = page.title or ""
        return html

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        # Problems found while rendering (anchors, [[id]] links); each logged once.
        problems = self.context.diagnostics.items
        self.report(problems[self.logged :])
        self.logged = len(problems)
        # Every page's Markdown is rendered by now: the mentions are all recorded.
        self.figures = Figures(self.briefing, self.context.page_entities, self.context.mentions)
        outputs = open_data(
            self.briefing, self.site, anchorings(self.context), mentioned_on(self.context)
        )
        for name, file in self.data_files.items():
            file.content_string = outputs[name]
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
            branch=self.branch(config),
            figures=self.figures,
            href=lambda uri: get_relative_url(url_of(uri), page.url),
        )
        context["briefing"] = view  # type: ignore[typeddict-unknown-key]
        return context

    # -100: last, after other plugins changed the page, so every inline script is hashed.
    @event_priority(-100)
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        site = self.site if self.site.absolute else self.site.at(relative_base(page.url))
        head = head_links(site, self.feed)
        data = page_json_ld(page.file.src_uri, self.briefing, site)
        if data is not None and page.file.src_uri in self.generated:
            head += json_ld_script(data)
        output = add_to_head(output, head)
        if not self.config.csp:
            return output
        ref = self.context.pages.get(page.file.src_uri)
        authorship = Authorship(
            # A trusted docs page is the site owner's, like the theme around it.
            owner_page=ref is not None and ref.trusted,
            content=(page.content or "",),
            templates=self.templates,
        )
        output, stopped = apply_policy(output, self.config.csp_sources, authorship)
        if stopped:
            generated = self.generated.get(page.file.src_uri)
            path = generated.source if generated else self.docs_source(page, config)
            self.report(
                Diagnostic(
                    ref.source.position_of(item.code) if ref and item.code else Position(path),
                    f"{item.message} (line {item.line} of {page.file.dest_uri})",
                    "warning",
                )
                for item in stopped
            )
        return output

    def on_post_template(
        self, output_content: str, /, *, template_name: str, config: MkDocsConfig
    ) -> str | None:
        # The 404 page is a template, not a page: it announces the feed too (absolute),
        # and gets the policy every page gets (it holds no content to report).
        if template_name != "404.html":
            return output_content
        output = add_to_head(output_content, head_links(self.site, self.feed))
        if not self.config.csp:
            return output
        return apply_policy(output, self.config.csp_sources, Authorship(owner_page=True))[0]

    # -100: last, after every other plugin (the search index) has written its output.
    @event_priority(-100)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self.pdf:
            self.write_pdf(config, Path(config.site_dir) / self.config.pdf_name)
        elif self.checking == "glyphs" and self.config.pdf:
            self.write_pdf(config, None)
        self.remove_tmp()
        failures = [p for p in self.reported if p.fails]
        if config.strict and failures:
            if self.staging is not None:
                self.staging.discard()
            raise PluginError(strict_failure(failures, self.staging))
        if self.staging is None:
            return
        if self.staging.publish(config.strict):
            config.site_dir = self.staging.site_dir
        else:
            log.warning(f"{self.staging.site_dir} left as it was: the strict build failed")

    def remove_tmp(self) -> None:
        """The temporary folder of the search dictionary (read in on_config)."""
        tmp = getattr(self, "tmp", None)
        if tmp is not None and not self.is_serve:
            shutil.rmtree(tmp, ignore_errors=True)
            self.tmp = None

    def on_shutdown(self) -> None:
        self.is_serve = False
        self.remove_tmp()

    def write_pdf(self, config: MkDocsConfig, out: Path | None) -> None:
        """Write the book to ``out``; None: only check its glyphs and pictures (``briefing
        check``)."""
        from ..book.cache import cache_folder, check_cache
        from ..book.pdf import book_check, book_pages, write_book

        def built(uri: str) -> tuple[str, str] | None:
            file = self.files.get_file_from_path(uri)
            return (file.dest_uri, file.url) if file is not None else None

        pages = book_pages(self.generated, built, Path(config.site_dir), self.briefing)
        meta = book_meta(config, self.config, self.briefing, self.root)
        problems = Diagnostics()
        if out is None:
            book_check(pages, Path(config.site_dir), meta, problems, self.root)
            check_cache(cache_folder(self.root), self.root, problems)
            self.report(problems)
            return
        started = time.perf_counter()
        result = write_book(
            pages,
            Path(config.site_dir),
            out,
            meta,
            {e.id: e.type for e in self.briefing.entities.values()},
            problems,
            cache=cache_folder(self.root),
            root=self.root,
        )
        self.report(problems)
        for note in sorted(set(result.problems)):  # the layout engine's own remarks
            log.info(f"PDF book: Typst: {note}")
        seconds = time.perf_counter() - started
        log.info(
            f"PDF book: {out.name}, {result.pages} pages in {seconds:.1f} s "
            f"({result.laid_out} parts laid out, {result.cached} from the cache)"
        )

    def on_build_error(self, *, error: Exception) -> None:
        if getattr(self, "staging", None) is not None:
            self.staging.discard()  # type: ignore[union-attr]
        self.remove_tmp()


def book_meta(
    config: MkDocsConfig, options: BriefingConfig, briefing: Briefing, root: Path
) -> BookMeta:
    """The book's cover and metadata, from mkdocs.yml and the plugin's options (the
    plugin's own book and ``briefing pdf --site`` alike)."""
    from ..book.pdf import BookMeta, git_version

    tags = sorted({t for a in briefing.articles for t in a.model.tags})
    return BookMeta(
        title=config.site_name,
        subtitle=config.site_description or "",
        author=config.site_author or "",
        keywords=tuple(tags),
        language=config.theme.get("language") or "en",
        version=os.environ.get("GITHUB_SHA", "")[:7] or git_version(root),
        paper=options.paper,
        current_as_of=options.current_as_of
        or max((str(a.date) for a in briefing.articles), default=""),
    )


def strict_failure(problems: list[Diagnostic], staging: Staging | None) -> str:
    """Why a strict build stops; the problems themselves when the log hid them (-q)."""
    count = len(problems)
    text = f"briefing: {count:,} problem{'s' if count != 1 else ''} in strict mode"
    if staging is not None:
        text += f"; {staging.site_dir} left as it was"
    if not log.isEnabledFor(logging.WARNING):
        shown = [p.format() for p in problems[:MAX_SHOWN]]
        if count > MAX_SHOWN:
            shown.append(f"and {count - MAX_SHOWN:,} more")
        text += ":\n" + "\n".join(shown)
    return text


MAX_SHOWN = 50
"""Problems a quiet (-q) strict build prints with its failure."""
MAX_LOGGED = 1000
"""Problems a build logs; a flood of them is counted, not printed."""
