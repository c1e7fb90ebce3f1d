"""``briefing export DIR``: the briefing as a plugin-free project.

It renders every page once, as the build does (``analyze_project``), so that the
cross-page parts are known, then writes ``DIR``:

- ``docs/``: every generated page as Markdown (the same generator as the MkDocs plugin,
  links relative) with the parts the plugin's theme templates add filled in as HTML
  (an article's dateline and source box and "In this article"; an entity's "Mentioned
  in"; the map's relations), the hand-written pages and static files, Briefing's CSS
  and JavaScript, and the open data;
- ``briefing_src/``: the sources, which the Markdown extension (by name:
  ``briefing.hosts.markdown``) reads for mentions, ``[[id]]`` links and annotations;
- ``briefing_figures/``: the figures (SVG drawn from the whole briefing), which the
  extension puts into their pages' slots after its sanitiser;
- ``mkdocs.yml`` (Material, no plugin but search) and ``zensical.toml``.

Both ``mkdocs build`` and ``zensical build`` in ``DIR`` make the site. Nothing in it
uses MkDocs' plugin system; it needs the ``briefing`` package for its extension.

The export decides as the plugin's build (SECURITY.md): it runs that build first, and
writes nothing when it reports any problem (a docs page the build refuses, an active
file, a symlink), so it publishes only what ``mkdocs build --strict`` would. Every page's
front matter is HTML-escaped as the plugin escapes it before the theme sees it (the
exported site is built by a theme without Briefing), no link is ever followed, and the
project is written into a folder beside the old one and swapped in whole.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.utils.meta import get_data

from ..core.diagnostics import Diagnostics, Position
from ..core.files import copy_tree, read_no_link, symlinks
from ..site import THEME_DIR
from ..site.build import BuildSession
from ..site.opendata import Site
from ..site.pagemeta import safe_meta
from ..site.pages import MAP, TIMELINE, GeneratedPage
from ..site.search import SEPARATOR
from ..site.view import PageView
from .markdown import FIGURE_SLOT
from .project import analyze_project, docs_files

EXTENSION = "briefing.hosts.markdown"
"""The module name hosts load Briefing's Markdown extension by."""
FIGURES = "briefing_figures"
ASSETS = "assets/briefing"
CSS = [f"{ASSETS}/kinds.css", f"{ASSETS}/briefing.css"]
JS = [f"{ASSETS}/briefing.js"]
ZWSP = "\u200b"
ZENSICAL_SEPARATOR = r'[\s\u200b\-_,:!=\[\]()\\"`/]+|\.(?!\d)'
"""Zensical's default search separator and the zero-width space: its search has no
Chinese word splitting, so the export puts one around each CJK alias."""
PARTS = {
    "article": ("article-head.html", "article-foot.html"),
    "entity": (None, "entity-foot.html"),
}


@dataclass(frozen=True)
class Exported:
    folder: Path
    pages: int
    problems: Diagnostics


def export_project(config_file: str | Path, out: Path) -> Exported:
    """Write the plugin-free project of ``config_file``'s briefing into ``out``; nothing
    when the build reports a problem (``pages`` is then 0)."""
    from mkdocs.config import load_config

    analysis = analyze_project(config_file)
    session = analysis.session
    if session is None or analysis.problems:
        return Exported(out, 0, analysis.problems)
    config = load_config(str(Path(config_file).resolve()))
    root, src = session.root, session.options.src
    problems = Diagnostics()
    files = docs_files(config, root, session, problems)
    links = [*symlinks(root / src, root), *symlinks(Path(config.docs_dir), root)]
    for link in links:
        problems.error(Position(link), "symbolic link: the export follows no link")
    if problems:  # the build found none: the project changed since
        return Exported(out, 0, problems)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
    try:
        count = _write(session, config, files, staging)
        for name in ("docs", src, FIGURES, "mkdocs.yml", "zensical.toml"):
            old = out / name
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old)
            elif old.exists() or old.is_symlink():
                old.unlink()
            if (staging / name).exists():
                os.replace(staging / name, old)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Exported(out, count, analysis.problems)


def _write(session: BuildSession, config: MkDocsConfig, files: Files, out: Path) -> int:
    """Write the export into the empty folder ``out``; return how many pages."""
    options = session.options
    docs = out / "docs"
    docs.mkdir()
    written = _write_generated(session, docs, out / FIGURES)
    hand_written = _copy_docs(files, options.trusted_docs, docs)
    copy_tree(session.root / options.src, out / options.src)
    # Briefing's own assets win over a docs file of the same name (the build refuses
    # one, and publishes the theme's).
    shutil.copytree(THEME_DIR / "assets" / "briefing", docs / ASSETS, dirs_exist_ok=True)
    site = Site(config.site_name, "", True, config.site_author or "")
    for name, text in session.open_data(site).items():
        (docs / name).write_text(text, encoding="utf-8")

    nav = session.navigation(None, hand_written)
    extension = {"src": options.src, "link_mode": options.link_mode, "figures": FIGURES}
    settings = _settings(config, nav, extension)
    (out / "mkdocs.yml").write_text(_mkdocs_yml(settings), encoding="utf-8")
    (out / "zensical.toml").write_text(_zensical_toml(settings), encoding="utf-8")
    return written + len(hand_written)


def unsafe_target(config_file: Path, out: Path) -> str | None:
    """Why ``out`` may not receive an export of ``config_file``'s project (its folders
    are replaced), or None."""
    root = config_file.resolve().parent
    target = out.resolve()
    if target == root or root.is_relative_to(target):
        return f"{out}: the export would replace the project's own docs/ and sources"
    # Inside the folders it copies, the export would copy itself: into the sources, a copy
    # of a copy until the name is too long (some 140 levels of the whole briefing); into
    # docs/, a project the next build publishes as pages and refuses as active files.
    for name, folder in _read_folders(config_file, root):
        if target.is_relative_to(folder):
            return f"{out}: inside the project's {name}/, which the export copies"
    if (target / "mkdocs.yml").is_file() and not (target / "zensical.toml").is_file():
        return f"{out}: holds a project that is not an export (mkdocs.yml, no zensical.toml)"
    return None


def _read_folders(config_file: Path, root: Path) -> list[tuple[str, Path]]:
    """The folders of the project the export copies (docs and sources), resolved;
    none when ``config_file`` cannot be loaded (the export then reports why)."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        config = load_config(str(config_file.resolve()))
    except (MkDocsException, OSError, ValueError):
        return []
    plugin = config.plugins.get("briefing")
    src = str(plugin.config.get("src", "briefing_src")) if plugin is not None else "briefing_src"
    docs = Path(config.docs_dir)
    return [(docs.name, docs.resolve()), (src, (root / src).resolve())]


def _write_generated(session: BuildSession, docs: Path, figures_dir: Path) -> int:
    env = _parts_env()
    count = 0
    for page in session.pages(root="../", cjk_gap=ZWSP).values():
        body, meta = get_data(page.content)
        meta.pop("template", None)  # the theme's templates need Briefing's Python

        def href(uri: str, folder: str = posixpath.dirname(page.uri)) -> str:
            return posixpath.relpath(uri, folder)

        # Links stay links to Markdown files, relative to the page's file, as in its
        # Markdown: Zensical resolves them in raw HTML too, and under MkDocs the
        # extension has MkDocs resolve them (``briefing.hosts.markdown``).
        view = session.page_view(page.uri, href, url_of=lambda uri: uri, edit_links=False)
        if view.figure:
            target = figures_dir / (page.uri.removesuffix(".md") + ".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(view.figure, encoding="utf-8")
            view = replace(view, figure=FIGURE_SLOT)
        head, foot = _parts(env, page, view, str(meta.get("title", "")), href)
        if page.uri == TIMELINE and view.figure:
            intro, marker, rest = body.partition('<div class="no-autolink"')
            body = f"{intro}\n{_block(view.figure)}\n\n{marker}{rest}" if marker else body
        text = _front_matter(safe_meta(meta)) + head + body + foot
        target = docs / page.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        count += 1
    return count


def _parts_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(THEME_DIR)),
        autoescape=False,  # as in the theme: the templates escape with `e`
        undefined=jinja2.StrictUndefined,
    )


def _parts(
    env: jinja2.Environment,
    page: GeneratedPage,
    view: PageView,
    title: str,
    href: Callable[[str], str],
) -> tuple[str, str]:
    """The HTML the plugin's theme templates put above and below the page's content,
    from the same templates (``theme/briefing/parts/``), as raw HTML blocks."""
    env.filters["url"] = href
    kind = "article" if page.article else "entity" if page.entity else ""
    names = PARTS.get(kind, (None, "map-foot.html" if page.uri == MAP else None))
    values = {"briefing": view, "page": {"title": title}}
    head, foot = (
        _block(env.get_template(f"briefing/parts/{name}").render(values)) if name else ""
        for name in names
    )
    return (head + "\n\n" if head else ""), ("\n\n" + foot + "\n" if foot else "")


def _block(html: str) -> str:
    """HTML as one raw block of Markdown: no blank or indented line, which would end it
    or turn into a code block."""
    return "\n".join(line.strip() for line in html.splitlines() if line.strip())


def _copy_docs(files: Files, trusted_docs: bool, docs: Path) -> list[str]:
    """Copy the hand-written pages and static files the build publishes (as MkDocs lists
    and Briefing vets them), each page's front matter escaped as the plugin escapes it
    (unless ``trusted_docs``); return the pages' paths."""
    pages: list[str] = []
    for file in files:
        if file.abs_src_path is None or file.generated_by is not None:
            continue
        target = docs / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        data = read_no_link(Path(file.abs_src_path))
        if file.is_documentation_page():
            pages.append(file.src_uri)
            if not trusted_docs:
                body, meta = get_data(data.decode("utf-8-sig"))
                if meta:
                    data = (_front_matter(safe_meta(meta)) + body).encode("utf-8")
        target.write_bytes(data)
    return sorted(pages)


def _front_matter(meta: dict[str, Any]) -> str:
    return "---\n" + _yaml(meta) + "---\n\n"


def _settings(config: MkDocsConfig, nav: list[Any], extension: dict[str, Any]) -> dict[str, Any]:
    theme = config.theme
    theme_settings: dict[str, Any] = {"name": "material"}
    for key in ("language", "font", "features", "palette", "icon", "logo", "favicon"):
        if key in theme and theme[key] not in (None, {}, []):
            theme_settings[key] = theme[key]
    extensions: list[Any] = []
    for name in config.markdown_extensions:
        if not isinstance(name, str):
            continue
        options = config.mdx_configs.get(name)
        extensions.append({name: options} if options else name)
    extensions.append({EXTENSION: extension})
    settings: dict[str, Any] = {
        "site_name": config.site_name,
        "site_description": config.site_description,
        "site_author": config.site_author,
        "site_url": config.site_url or None,
        "copyright": config.copyright,
        "theme": theme_settings,
        "nav": nav,
        # The site's own stylesheets (published from docs/), then Briefing's, in the
        # plugin's order.
        "extra_css": [*(str(css) for css in config.extra_css if str(css) not in CSS), *CSS],
        "extra_javascript": JS,
        "markdown_extensions": extensions,
    }
    return {k: v for k, v in settings.items() if v not in (None, "")}


def _plain(value: Any) -> Any:
    """Config values (MkDocs' own list and dict types) as plain data."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _ConfigDir:
    """Stands for MkDocs' ``!relative $config_dir`` (the folder of mkdocs.yml)."""


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, plus the one tag an exported ``mkdocs.yml`` needs."""


_Dumper.add_representer(
    _ConfigDir, lambda dumper, _value: dumper.represent_scalar("!relative", "$config_dir")
)


def _yaml(data: Any) -> str:
    return yaml.dump(_plain(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


def _mkdocs_yml(settings: dict[str, Any]) -> str:
    data = dict(settings)
    data["plugins"] = [{"search": {"separator": SEPARATOR}}]
    extensions = data["markdown_extensions"] = list(data["markdown_extensions"])
    extensions[-1] = {EXTENSION: {"project": _ConfigDir(), **extensions[-1][EXTENSION]}}
    return (
        "# Written by `briefing export`: the briefing without Briefing's MkDocs plugin.\n"
        "# Build with `mkdocs build` (Material for MkDocs) or `zensical build`\n"
        "# (zensical.toml); both need the `briefing` package for its Markdown extension.\n"
        + _yaml(data)
    )


def _zensical_toml(settings: dict[str, Any]) -> str:
    data = {k: v for k, v in settings.items() if k not in ("theme", "markdown_extensions")}
    lines = [
        "# Written by `briefing export`: build with `zensical build`.",
        "[project]",
        *(f"{_toml_key(k)} = {_toml(v)}" for k, v in data.items()),
        "",
        "[project.theme]",
        'variant = "classic"',
        *(f"{_toml_key(k)} = {_toml(v)}" for k, v in settings["theme"].items() if k != "name"),
        "",
        "[project.plugins.search]",
        f"separator = {_toml(ZENSICAL_SEPARATOR)}",
    ]
    for item in settings["markdown_extensions"]:
        name, options = next(iter(item.items())) if isinstance(item, dict) else (item, {})
        lines += ["", f"[project.markdown_extensions.{_toml_key(name)}]"]
        lines += [f"{_toml_key(k)} = {_toml(v)}" for k, v in (options or {}).items()]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml(value: Any) -> str:
    """A TOML value: JSON's strings, numbers and booleans are TOML's too; lists are
    arrays, mappings inline tables."""
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[\n  " + ",\n  ".join(_toml(v) for v in value) + ",\n]" if value else "[]"
    # JSON escapes every control character TOML forbids in a string but DEL.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
