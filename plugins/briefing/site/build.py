"""One build of a briefing's site, whichever host runs it.

A :class:`BuildSession` is everything a build decides and makes between loading the
sources and publishing the site: the briefing (parsed through a file cache that lives as
long as the host keeps it, across the rebuilds of ``mkdocs serve``), the render context
and linker the Markdown extension records into, the generated pages, the navigation,
the figures, the open data, each page's view, head additions and policy, and whether
the book is written or only checked. Every problem goes through one :class:`Problems`
channel, which logs it once and counts what fails a strict build.

Hosts translate their own objects into plain values (:class:`BuildOptions`,
:class:`SiteSettings`) and call the session: the MkDocs plugin hook by hook, the export
and the CLI after a build, the Markdown extension by name page by page. Nothing here
imports MkDocs; the book is made from a session by :mod:`briefing.book.sitebook`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from ..core.context import PageRef, RenderContext, Source
from ..core.diagnostics import Diagnostic, Diagnostics, Position
from ..core.model import Briefing
from ..core.review import ReviewStatus, review_status
from ..core.rules import EditorialRules
from ..core.sources import FileCache, load_briefing
from ..core.yamlsrc import Limits
from ..markdown.extension import BriefingExtension, Linker
from .csp import Authorship, Templates, apply_policy
from .figures import Figures, Href
from .opendata import (
    DATA_FILES,
    RESERVED,
    Site,
    add_to_head,
    anchorings,
    head_links,
    json_ld_script,
    mentioned_on,
    open_data,
    open_data_key,
    page_json_ld,
    relative_base,
)
from .pagemeta import check_heading_title, check_meta, own_template, plain_title, safe_meta
from .pages import (
    NAV_ARTICLES,
    NAV_ENTITIES,
    GeneratedPage,
    compact_sections,
    generate_pages,
    generated_ref,
    nav_names,
)
from .pages import navigation as site_navigation
from .view import PageView, edit_url, page_view

Log = logging.Logger | logging.LoggerAdapter[Any]
Built = Callable[[str], tuple[str, str] | None]
"""Where the site holds the page of a source file: its file and URL, or None."""
Checking = Literal["glyphs", "no book"]

MAX_SHOWN = 50
"""Problems a quiet (-q) strict build prints with its failure."""
MAX_LOGGED = 1000
"""Problems a build logs; a flood of them is counted, not printed."""
REPORTED = "briefing_reported"
"""Set on the log records :class:`Problems` writes: a reader of the log (``briefing
check``) tells them from the host's own warnings, and takes them from the session."""


class BuildError(Exception):
    """Input the build cannot start from (bad options, a docs folder that is a link)."""


class Problems:
    """Every problem a build found, in order, each logged once as it is reported. Each
    one fails a strict build, whatever the log level (``mkdocs build -q`` hides warnings
    from MkDocs' own strict count), but for the suggestions (``info``): logged at INFO,
    they fail nothing. ``limit``: how many are logged (None: all)."""

    def __init__(self, log: Log | None = None, limit: int | None = MAX_LOGGED) -> None:
        self.log = log
        self.limit = limit
        self.items: list[Diagnostic] = []

    def report(self, problems: Iterable[Diagnostic]) -> None:
        for problem in problems:
            self.items.append(problem)
            if self.log is None:
                continue
            marked = {REPORTED: True}
            if self.limit is None or len(self.items) <= self.limit:
                (self.log.warning if problem.fails else self.log.info)(
                    problem.format(), extra=marked
                )
            elif len(self.items) == self.limit + 1:
                more = f"more than {self.limit:,} problems; the rest are not shown"
                self.log.warning(more, extra=marked)

    def say(self, message: str) -> None:
        """Log what the build decided, which is no problem."""
        if self.log is not None:
            self.log.info(message)

    def since(self, start: int) -> Diagnostics:
        """The problems reported after the first ``start``, each once."""
        found = Diagnostics()
        found.extend(self.items[start:])
        return found

    @property
    def failures(self) -> list[Diagnostic]:
        return [p for p in self.items if p.fails]

    def strict_failure(self, kept: str | None) -> str:
        """Why a strict build stops (``kept``: the site folder left as it was); the
        problems themselves when the log hid them (-q)."""
        failures = self.failures
        count = len(failures)
        text = f"briefing: {count:,} problem{'s' if count != 1 else ''} in strict mode"
        if kept is not None:
            text += f"; {kept} left as it was"
        if self.log is None or not self.log.isEnabledFor(logging.WARNING):
            shown = [p.format() for p in failures[:MAX_SHOWN]]
            if count > MAX_SHOWN:
                shown.append(f"and {count - MAX_SHOWN:,} more")
            text += ":\n" + "\n".join(shown)
        return text


@dataclass(frozen=True)
class BuildOptions:
    """Briefing's options (``plugins: - briefing:`` in mkdocs.yml), as plain values;
    see :class:`briefing.hosts.config.BriefingConfig` for each one's meaning."""

    src: str = "briefing_src"
    link_mode: str = "first"
    pdf: bool = True
    repo_url: str | None = None
    branch: str | None = None
    paper: str = "a4"
    pdf_name: str = "briefing.pdf"
    current_as_of: str | None = None
    nav_articles: int = NAV_ARTICLES
    nav_entities: int = NAV_ENTITIES
    static_types: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    feed: bool | None = None
    trusted_docs: bool = False
    csp: bool = True
    csp_sources: dict[str, str] = field(default_factory=dict)
    cjk_search: bool = True
    rules: EditorialRules = field(default_factory=EditorialRules)


@dataclass(frozen=True)
class SiteSettings:
    """What the site's own configuration says that the build needs."""

    name: str = ""
    url: str = ""
    directory_urls: bool = True
    author: str = ""
    description: str = ""
    language: str = "en"
    repo_url: str | None = None
    """The site's own repository: its hand-written pages keep the host's edit links."""
    edit_uri: str | None = None
    docs_dir: str = "docs"
    config_file: str = "mkdocs.yml"
    """The configuration's file name, where a finding about the site is reported."""
    theme_dirs: tuple[str, ...] = ()
    """The theme's folders (overrides, the theme's, Briefing's), for the policy."""


def digest(*parts: object) -> str:
    """A SHA-256 of the parts' ``repr``: what a rebuild compares to tell whether what
    something is made of changed."""
    h = hashlib.sha256()
    for part in parts:
        h.update(repr(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class OpenDataCache:
    """The open data files of the last build, with a digest of what they are made of:
    ``mkdocs serve`` keeps it, so an edit that changes none of it writes them again
    without making them again."""

    key: str = ""
    files: dict[str, str] = field(default_factory=dict)


class BuildSession:
    """One build: made by the host when it starts one (``on_config``), driven through
    its steps, read by whoever reports on it."""

    def __init__(
        self,
        root: Path,
        options: BuildOptions,
        settings: SiteSettings = SiteSettings(),
        *,
        problems: Problems | None = None,
        cache: FileCache | None = None,
        serve: bool = False,
        checking: Checking | None = None,
    ) -> None:
        self.root = root
        self.options = options
        self.settings = settings
        self.problems = problems if problems is not None else Problems()
        self.cache = cache
        self.checking = checking
        self.context = RenderContext()
        self.docs = Path(settings.docs_dir).resolve()
        self.site = Site(settings.name, settings.url, settings.directory_urls, settings.author)
        self.feed = options.feed is not False and self.site.absolute
        # The book takes seconds: `mkdocs serve` skips it unless BRIEFING_PDF=1 asks.
        wanted = os.environ.get("BRIEFING_PDF", "")
        writes = options.pdf and wanted != "0" and (wanted == "1" or not serve)
        self.book: Literal["write", "check"] | None = None
        if writes and checking is None:
            self.book = "write"
        elif checking == "glyphs" and options.pdf:
            self.book = "check"  # what the book refuses, found without laying it out
        self.generated: dict[str, GeneratedPage] = {}
        self.figures: Figures | None = None
        self.built: Built = lambda uri: None
        self.urls: dict[str, str] = {}  # source path -> site URL, for the page views
        self.logged = 0  # the render context's problems reported so far

    def load(self) -> Briefing:
        """Read the sources and report their problems."""
        briefing, problems = load_briefing(
            self.root,
            self.options.src,
            limits=self.options.limits,
            cache=self.cache,
            rules=self.options.rules,
        )
        self.briefing = briefing
        self.review: ReviewStatus | None = review_status(briefing, self.options.rules)
        self.problems.report(problems)
        return briefing

    @cached_property
    def extension(self) -> BriefingExtension:
        """The Markdown extension that renders the pages into the session's context."""
        return BriefingExtension(Linker(self.briefing, self.context, self.options.link_mode))

    @cached_property
    def templates(self) -> Templates:
        """The site's own templates (overrides, the theme's, Briefing's): the policy
        allows the inline code they hold wherever a page shows it."""
        return Templates(self.settings.theme_dirs)

    def announce_feed(self) -> None:
        """Say why a feed asked for (or wanted by default) cannot be written."""
        if self.options.feed is False or self.site.absolute:
            return
        # Asked for: a warning (strict builds fail). By default: said, not a failure.
        where = Position(Path(self.settings.config_file).name)
        why = (
            "no Atom feed: set site_url to the address the site is published at "
            "(a feed's links must be absolute)"
        )
        if self.options.feed:
            self.problems.report([Diagnostic(where, why, "warning")])
        else:
            self.problems.say(f"{where.path}: {why}")

    def pages(self, root: str = "/", cjk_gap: str = "") -> dict[str, GeneratedPage]:
        """Every generated page by source path; links start with ``root`` (``/``, or
        ``../`` for a host that resolves no docs-absolute link), ``cjk_gap`` around CJK
        aliases (see :func:`~briefing.site.pages.generate_pages`)."""
        found = generate_pages(self.briefing, root=root, cjk_gap=cjk_gap, review=self.review)
        return {page.uri: page for page in found}

    def generate(self, root: str = "/") -> dict[str, GeneratedPage]:
        """The build's generated pages (kept for the steps that follow)."""
        self.generated = self.pages(root)
        return self.generated

    @property
    def data_files(self) -> tuple[str, ...]:
        """The open data files at the site's root (the feed only with a site URL)."""
        return RESERVED if self.feed else DATA_FILES

    def navigation(self, nav: Any, docs: Sequence[str]) -> Any:
        """The site's navigation: Briefing's whole one when the site has none (the
        hand-written ``docs`` pages first); else its own, with Briefing's sections at
        its end, one entry each, unless it names a generated page (which places them)."""
        review = self.review is not None
        if nav is None:
            options = self.options
            hand_written = [uri for uri in docs if uri not in self.generated]
            return site_navigation(
                self.briefing,
                hand_written,
                options.nav_articles,
                options.nav_entities,
                review=review,
            )
        if not nav_names(nav) & set(self.generated):
            return [*nav, *compact_sections(review=review)]
        return nav

    def unlisted(self, nav: Any) -> set[str]:
        """The generated pages the navigation leaves out on purpose (each section page
        lists the rest)."""
        return self.generated.keys() - nav_names(nav)

    def locate(self, built: Built) -> None:
        """Tell the session where the site holds each page (the host's file list)."""
        self.built = built
        self.urls = {}

    def url_of(self, uri: str) -> str:
        url = self.urls.get(uri)
        if url is None:
            found = self.built(uri)
            url = self.urls[uri] = found[1] if found is not None else uri
        return url

    def docs_source(self, uri: str) -> str:
        """A hand-written page's source file, relative to the project."""
        return (self.docs / uri).relative_to(self.root).as_posix()

    def source_of(self, uri: str) -> str:
        generated = self.generated.get(uri)
        return generated.source if generated is not None else self.docs_source(uri)

    def branch(self) -> str:
        """The option ``branch``, else the one the site's ``edit_uri`` names, else main."""
        if self.options.branch:
            return self.options.branch
        found = re.match(r"/?(?:edit|blob|tree)/([^/]+)/", self.settings.edit_uri or "")
        return found.group(1) if found else "main"

    def repo_url(self) -> str | None:
        """The option ``repo_url``, else a GitHub Actions run's repository, else the
        site's."""
        if self.options.repo_url:
            return self.options.repo_url.rstrip("/")
        if os.environ.get("GITHUB_REPOSITORY"):
            server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
            return f"{server}/{os.environ['GITHUB_REPOSITORY']}"
        return self.settings.repo_url.rstrip("/") if self.settings.repo_url else None

    def edit_url(self, uri: str, host_url: str | None) -> str | None:
        """A page's "edit this page" link: to its source; a hand-written page of a site
        with its own repo_url keeps the host's (``host_url``, from repo_url + edit_uri)."""
        if uri not in self.generated and self.settings.repo_url:
            return host_url
        repo = self.repo_url()
        return edit_url(repo, self.branch(), self.source_of(uri)) if repo else None

    def begin_page(
        self, uri: str, title: str, markdown: str, text: str, meta: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """Start rendering a page (``markdown``: its body; ``text``: its whole file);
        return its front matter as the theme may print it."""
        generated = self.generated.get(uri)
        if generated is not None:
            ref = generated_ref(generated, title)
        else:
            path = self.docs_source(uri)
            offset = (text.count("\n") - markdown.count("\n")) + 1
            trusted = self.options.trusted_docs
            ref = PageRef(uri, title, Source(path, offset, markdown), trusted=trusted)
            if not trusted:
                check_meta(meta, path, text, self.context.diagnostics)
            if "template" in meta and own_template(meta["template"]):
                del meta["template"]  # reported: it would render without its data
        if generated is not None or not ref.trusted:
            # The theme prints front matter unescaped: summaries, docs pages' descriptions.
            meta = safe_meta(meta)
        self.context.begin(ref)
        return meta

    def end_page(
        self, uri: str, title: str | None, text: str, meta: MutableMapping[str, Any]
    ) -> None:
        """A page is rendered: a docs page's title may come from its first heading
        (known only now); one that holds markup is reported, and made plain in ``meta``."""
        self.context.end()
        if uri in self.generated or "title" in meta:
            return
        if check_heading_title(title, self.docs_source(uri), text, self.context.diagnostics):
            meta["title"] = plain_title(title or "")

    def rendered_title(self, uri: str, title: str) -> None:
        """A docs page's title as the host shows it, known for sure once rendered (a
        title from the first heading); HTML, as MkDocs makes it: "Q &amp; A" from a
        heading, "Q&A" as the nav names it."""
        if uri not in self.generated:
            self.context.titles[uri] = title

    def report_rendered(self) -> None:
        """Report what rendering found (anchors, [[id]] links) since the last call."""
        problems = self.context.diagnostics.items
        self.problems.report(problems[self.logged :])
        self.logged = len(problems)

    def after_render(self, kept: OpenDataCache | None = None) -> dict[str, str]:
        """Every page's Markdown is rendered: report its problems, make the figures
        (the mentions are all recorded); return the open data files' text by name
        (from ``kept`` when what they are made of is unchanged)."""
        self.report_rendered()
        self.figures = Figures(self.briefing, self.context.page_entities, self.context.mentions)
        return self.open_data(kept=kept)

    def open_data(
        self, site: Site | None = None, kept: OpenDataCache | None = None
    ) -> dict[str, str]:
        """The open data files by name, for ``site`` (default: the build's)."""
        context, site = self.context, site if site is not None else self.site
        found, mentions = anchorings(context), mentioned_on(context)
        if kept is None:
            return open_data(self.briefing, site, found, mentions)
        key = digest(self.options, open_data_key(self.briefing, site, found, mentions))
        if kept.key != key:
            kept.key, kept.files = key, open_data(self.briefing, site, found, mentions)
        return dict(kept.files)

    def page_view(
        self,
        uri: str,
        href: Href,
        url_of: Callable[[str], str] | None = None,
        edit_links: bool = True,
    ) -> PageView:
        """What a page's templates show beside its content; ``href``: a link from the
        page to a source path; ``url_of``: a page's URL (default: where the site holds
        it); ``edit_links``: whether it offers the repository's edit and issue links."""
        return page_view(
            self.briefing,
            self.context,
            uri,
            self.generated.get(uri),
            url_of or self.url_of,
            repo=self.repo_url() if edit_links else None,
            branch=self.branch(),
            figures=self.figures,
            href=href,
        )

    def finish_page(self, uri: str, url: str, dest: str, output: str, content: str) -> str:
        """A rendered page (``output``, at ``url``, written to ``dest``) with Briefing's
        head additions and the policy; what the policy stops is reported."""
        site = self.site if self.site.absolute else self.site.at(relative_base(url))
        head = head_links(site, self.feed)
        data = page_json_ld(uri, self.briefing, site)
        if data is not None and uri in self.generated:
            head += json_ld_script(data)
        output = add_to_head(output, head)
        if not self.options.csp:
            return output
        ref = self.context.pages.get(uri)
        authorship = Authorship(
            # A trusted docs page is the site owner's, like the theme around it.
            owner_page=ref is not None and ref.trusted,
            content=(content,),
            templates=self.templates,
        )
        output, stopped = apply_policy(output, self.options.csp_sources, authorship)
        if stopped:
            path = self.source_of(uri)
            self.problems.report(
                Diagnostic(
                    ref.source.position_of(item.code) if ref and item.code else Position(path),
                    f"{item.message} (line {item.line} of {dest})",
                    "warning",
                )
                for item in stopped
            )
        return output

    def finish_template(self, output: str) -> str:
        """A page made from a template alone (404.html): it announces the feed too
        (absolute), and gets the policy every page gets (it holds no content to report)."""
        output = add_to_head(output, head_links(self.site, self.feed))
        if not self.options.csp:
            return output
        return apply_policy(output, self.options.csp_sources, Authorship(owner_page=True))[0]
