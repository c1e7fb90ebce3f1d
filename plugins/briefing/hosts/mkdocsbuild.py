"""What the MkDocs plugin does to MkDocs' own objects for a build session: the site's
settings read from its configuration, which then gets Briefing's extension, assets and
link rules; the generated pages and open data added to its files (after the docs files
are vetted), the navigation set; Material's search told of the briefing's Chinese
names; the site built into a staging folder, published when the build succeeded. The
plugin's hooks stay a few lines each.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import html
import posixpath
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig, _AbsoluteLinksValidation
from mkdocs.exceptions import PluginError
from mkdocs.plugins import get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel

from ..core.files import docs_folder_problems
from ..core.sources import FileCache
from ..site import THEME_DIR
from ..site.build import BuildError, BuildSession, Built, Checking, Problems, SiteSettings
from ..site.csp import merge_sources
from ..site.opendata import RESERVED
from ..site.search import configure_search
from ..site.staging import Staging
from .config import BriefingConfig, build_options
from .docsfiles import BUILD_OUTPUTS, blog_authors, vet_docs
from .themesources import theme_sources

log = get_plugin_logger(__name__)
RELATIVE_TO_DOCS = _AbsoluteLinksValidation.levels["relative_to_docs"]


def site_settings(config: MkDocsConfig) -> SiteSettings:
    return SiteSettings(
        name=config.site_name,
        url=config.site_url or "",
        directory_urls=config.use_directory_urls,
        author=config.site_author or "",
        description=config.site_description or "",
        language=config.theme.get("language") or "en",
        repo_url=config.repo_url,
        edit_uri=config.edit_uri,
        docs_dir=config.docs_dir,
        config_file=config.config_file_path or "mkdocs.yml",
        theme_dirs=tuple(config.theme.dirs),
    )


def start(
    config: MkDocsConfig,
    config_options: BriefingConfig,
    problems: Problems,
    cache: FileCache,
    serve: bool,
    checking: Checking | None,
    deploy: bool = False,
) -> BuildSession:
    """The session of a build, its briefing loaded (a PluginError: input it cannot
    start from); the site given the session's Markdown extension, Briefing's theme
    and assets, the sources to watch (``mkdocs serve``) and the link rule the
    generated pages need. ``deploy``: a build that ends its process (``mkdocs build``,
    ``gh-deploy``), which skips the editorial suggestions (rules at ``info``)."""
    config.theme.dirs.append(str(THEME_DIR))
    root = Path(config.config_file_path or ".").resolve().parent
    try:
        options = build_options(config_options, config.config_file_path)
        # What the site's own configuration loads from elsewhere keeps loading; the
        # site's csp_sources come after.
        options = dataclasses.replace(
            options,
            csp_sources=merge_sources(theme_sources(config), options.csp_sources),
            rules=options.rules.without_suggestions() if deploy else options.rules,
        )
        docs_problems = docs_folder_problems(root, config.docs_dir)
        if docs_problems:
            raise BuildError("\n".join(f"briefing: {p.format()}" for p in docs_problems))
        session = BuildSession(
            root,
            options,
            site_settings(config),
            problems=problems,
            cache=cache,
            serve=serve,
            checking=checking,
        )
        session.load()
    except BuildError as exc:
        raise PluginError(str(exc)) from exc
    config.markdown_extensions.append(session.extension)  # type: ignore[arg-type]
    config.extra_css.extend(["assets/briefing/kinds.css", "assets/briefing/briefing.css"])
    config.extra_javascript.append("assets/briefing/briefing.js")
    config.watch.append(str(session.root / session.options.src))
    # Generated pages link to "/glossary/<id>.md"; MkDocs makes those relative.
    config.validation.links.absolute_links = RELATIVE_TO_DOCS
    return session


def stage(config: MkDocsConfig, serve: bool) -> Staging | None:
    """Build into a staging folder that :func:`publish` swaps in (not under serve)."""
    if serve:
        return None
    staging = Staging(config.site_dir)
    config.site_dir = staging.folder
    return staging


def publish(config: MkDocsConfig, session: BuildSession, staging: Staging | None) -> None:
    """Publish the staged site, unless the build failed in strict mode (which stops
    with Briefing's problems, the previous site left as it was)."""
    if config.strict and session.problems.failures:
        if staging is not None:
            staging.discard()
        kept = staging.site_dir if staging is not None else None
        raise PluginError(session.problems.strict_failure(kept))
    if staging is None:
        return
    if staging.publish(config.strict):
        config.site_dir = staging.site_dir
    else:
        log.warning(f"{staging.site_dir} left as it was: the strict build failed")


def search_plugin(config: MkDocsConfig) -> Any:
    """The site's search plugin (Material's or MkDocs' own), if it has one."""
    return config.plugins.get("material/search") or config.plugins.get("search")


def search_alone(config: MkDocsConfig, plugin: Any) -> bool:
    """Does Material's search plugin run alone between ``plugin``'s two page-context
    handlers (``_before_search`` and ``_after_search``)? Only then may the content it
    reads be the lighter one: no other plugin sees it."""
    handlers = config.plugins.events["page_context"]
    own = [i for i, handler in enumerate(handlers) if getattr(handler, "__self__", None) is plugin]
    if len(own) != 2:
        return False
    between = handlers[own[0] + 1 : own[1]]
    return len(between) == 1 and _is_material_search(getattr(between[0], "__self__", None))


def _is_material_search(plugin: object) -> bool:
    kind = type(plugin)
    return kind.__module__ == "material.plugins.search.plugin" and kind.__name__ == "SearchPlugin"


class SearchFolder:
    """The temporary folder of the search's dictionary of Chinese names: made when
    needed, kept across the rebuilds of ``mkdocs serve``, removed at the end."""

    def __init__(self) -> None:
        self.tmp: str | None = None

    def configure(self, config: MkDocsConfig, session: BuildSession) -> None:
        """Give Material's search the briefing's Chinese names (``cjk_search``)."""
        search = search_plugin(config)
        if search is not None and session.options.cjk_search:
            self.tmp = self.tmp or tempfile.mkdtemp(prefix="briefing-")
            changed = configure_search(search.config, session.briefing, Path(self.tmp))
            if changed:
                session.problems.say(
                    f"search: {' and '.join(changed)} set for the Chinese names (cjk_search)"
                )

    def remove(self, kept: bool = False) -> None:
        if self.tmp is not None and not kept:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def add_pages(files: Files, config: MkDocsConfig, session: BuildSession) -> dict[str, File]:
    """Vet the docs files, add the generated pages and the open data files (returned by
    name, empty: filled in once every page is rendered), and set the navigation."""
    root, options = session.root, session.options
    generated = session.generate()
    session.problems.report(
        vet_docs(
            files,
            config,
            root,
            generated=[*generated, *RESERVED],
            theme_dirs=config.theme.dirs,
            static_types=options.static_types,
            written=[*BUILD_OUTPUTS, *([options.pdf_name] if options.pdf else [])],
        )
    )
    if not options.trusted_docs:
        session.problems.report(blog_authors(config, root))
    for page in generated.values():
        files.append(File.generated(config, page.uri, content=page.content))
    data_files = {name: File.generated(config, name, content="") for name in session.data_files}
    for data in data_files.values():
        files.append(data)
    config.nav = session.navigation(config.nav, [f.src_uri for f in files.documentation_pages()])
    # The pages Briefing leaves out of the navigation on purpose are no "omitted files":
    # a site whose validation makes those warnings still passes its strict build.
    for uri in session.unlisted(config.nav):
        file = files.get_file_from_path(uri)
        if file is not None:
            file.inclusion = InclusionLevel.NOT_IN_NAV
    session.locate(built_in(files))
    return data_files


LIVE_RELOAD = "assets/briefing/livereload.js"


def live_reload(server: Any) -> Any:
    """MkDocs' live reload puts its code inline in every page ``mkdocs serve`` sends,
    and the pages' Content-Security-Policy blocks it (it is not the theme's): the
    server is made to load Briefing's copy of that code from the site instead
    (``site/theme/assets/briefing/livereload.js``), with the page's build number in
    data attributes. MkDocs 1.6 has no public way to change what it injects; if its
    private one is gone, pages are served as they are (reload them by hand)."""
    if not callable(getattr(server, "_inject_js_into_html", None)):
        log.warning("live reload: this MkDocs injects its code another way; reload by hand")
        return server
    source = posixpath.join(getattr(server, "mount_path", "/") or "/", LIVE_RELOAD)

    def inject(content: bytes, epoch: int) -> bytes:
        at = content.rfind(b"</body>")
        at = len(content) if at < 0 else at
        tag = (
            f'<script src="{html.escape(source)}" data-epoch="{int(epoch)}" '
            f'data-request="{time.time_ns() // 1_000_000}"></script>'
        )
        return content[:at] + tag.encode() + content[at:]

    server._inject_js_into_html = inject
    return server


def built_in(files: Files) -> Built:
    """Where the build puts the page of a source file: its file and URL."""

    def built(uri: str) -> tuple[str, str] | None:
        file = files.get_file_from_path(uri)
        return (file.dest_uri, file.url) if file is not None else None

    return built


_exit_registered = False


def quick_exit() -> None:
    """At the end of the process of ``mkdocs build`` (or ``gh-deploy``), leave the
    build's objects to the operating system: Python's last cyclic collection, which
    walks and frees every object still alive, took 0.25 s after a 300-article build
    (0.04 s with them frozen). ``gc.freeze()`` runs as an ``atexit`` handler, so a
    process that goes on after the build (tests, ``briefing check``) collects as before
    until it ends."""
    global _exit_registered
    if not _exit_registered:
        _exit_registered = True
        atexit.register(gc.freeze)


def collect_when_idle(delay: float = 0.5) -> None:
    """Under ``mkdocs serve``: the cyclic collector's full collection, ``delay`` seconds
    after a build, while the served page reloads, instead of in the middle of the next
    rebuild, which a writer waits for. The process holds a whole build's objects (the
    incremental states, the parsed files), and a full collection comes once those
    promoted since the last one reach a quarter of them: at 1,000 articles it walked
    them for 160 to 200 ms, in one rebuild out of two. Made right after a build, the
    next rebuild rarely promotes enough for another. Python's rules for the collector
    are unchanged: this only chooses when."""
    timer = threading.Timer(delay, gc.collect)
    timer.daemon = True  # never keeps the server's process alive
    timer.start()


def settle() -> None:
    """In a process that ends with its build (``mkdocs build``, ``gh-deploy``), at startup
    (the modules imported, MkDocs' configuration read) and once the briefing is loaded:
    what is alive then lives to the end of the build, so ``gc.freeze()`` takes it out of
    the cyclic collector's reach, and each full collection later walks only what the
    build made since. Collections took 0.36 to 0.44 s of a 300-article build, 0.22 s with
    the briefing frozen; frozen at startup too, the full collection that loading the
    briefing set off no longer walks every module. :func:`unsettle` ends it with the
    build, so a second build in the same process (``mkdocs serve --clean`` also starts
    as a build) freezes and unfreezes as the first did."""
    gc.freeze()


def settle_page() -> None:
    """In a process that ends with its build, when a page is done (its Markdown
    rendered, or its file written): the page's young objects collected (``gc.collect(1)``,
    cheap while the younger generations hold only this page's), then whatever is still
    alive frozen, as :func:`settle` does for the whole build. The full collections that
    the pages set off then walk what the pages since the last one made, not every page's
    search entries, tables of contents and records: at 1,000 articles the collector took
    0.36 s of the build instead of 0.69 s, with the same peak memory (collecting first
    keeps each page's Markdown, a cycle, from being frozen for good). :func:`unsettle`
    ends it with the build."""
    gc.collect(1)
    settle()


def unsettle() -> None:
    """At the end of a build that froze its objects (:func:`settle`, :func:`settle_page`):
    everything back within the collector's reach, for a process that goes on (the tests,
    ``briefing check``); ``mkdocs build`` then ends without a last collection
    (:func:`quick_exit`)."""
    gc.unfreeze()
