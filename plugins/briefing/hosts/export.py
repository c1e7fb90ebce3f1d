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
"""

from __future__ import annotations

import json
import posixpath
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2
import yaml
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.utils.meta import get_data

from ..core.diagnostics import Diagnostics
from ..site import THEME_DIR
from ..site.figures import Figures
from ..site.opendata import Site, anchorings, mentioned_on, open_data
from ..site.pages import MAP, TIMELINE, GeneratedPage, generate_pages, navigation
from ..site.search import SEPARATOR
from ..site.view import PageView, page_view
from .markdown import FIGURE_SLOT
from .project import Analysis, analyze_project, docs_pages

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
    """Write the plugin-free project of ``config_file``'s briefing into ``out``."""
    from mkdocs.config import load_config

    analysis = analyze_project(config_file)
    if analysis.briefing is None:
        return Exported(out, 0, analysis.problems)
    config = load_config(str(Path(config_file).resolve()))
    root = Path(config.config_file_path).resolve().parent
    plugin = config.plugins.get("briefing")
    options: dict[str, Any] = dict(plugin.config) if plugin is not None else {}
    docs = out / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    for folder in (out / options.get("src", "briefing_src"), out / FIGURES):
        if folder.exists():
            shutil.rmtree(folder)

    written = _write_generated(analysis, docs, out / FIGURES)
    hand_written = _copy_docs(config, root, analysis, options, docs)
    shutil.copytree(root / options.get("src", "briefing_src"), out / options["src"])
    shutil.copytree(THEME_DIR / "assets" / "briefing", docs / ASSETS)
    site = Site(config.site_name, "", True, config.site_author or "")
    data = open_data(
        analysis.briefing, site, anchorings(analysis.context), mentioned_on(analysis.context)
    )
    for name, text in data.items():
        (docs / name).write_text(text, encoding="utf-8")

    nav = navigation(
        analysis.briefing,
        hand_written,
        options.get("nav_articles", 30),
        options.get("nav_entities", 150),
        review=analysis.review is not None,
    )
    extension = {
        "src": options.get("src", "briefing_src"),
        "link_mode": options.get("link_mode", "first"),
        "figures": FIGURES,
    }
    settings = _settings(config, nav, extension)
    (out / "mkdocs.yml").write_text(_mkdocs_yml(settings), encoding="utf-8")
    (out / "zensical.toml").write_text(_zensical_toml(settings), encoding="utf-8")
    return Exported(out, written + len(hand_written), analysis.problems)


def unsafe_target(config_file: Path, out: Path) -> str | None:
    """Why ``out`` may not receive an export of ``config_file``'s project (its folders
    are replaced), or None."""
    root = config_file.resolve().parent
    target = out.resolve()
    if target == root or root.is_relative_to(target):
        return f"{out}: the export would replace the project's own docs/ and sources"
    if (target / "mkdocs.yml").is_file() and not (target / "zensical.toml").is_file():
        return f"{out}: holds a project that is not an export (mkdocs.yml, no zensical.toml)"
    return None


def _write_generated(analysis: Analysis, docs: Path, figures_dir: Path) -> int:
    briefing = analysis.briefing
    assert briefing is not None
    context = analysis.context
    figures = Figures(briefing, context.page_entities, context.mentions)
    env = _parts_env()
    count = 0
    for page in generate_pages(briefing, root="../", cjk_gap=ZWSP, review=analysis.review):
        body, meta = get_data(page.content)
        meta.pop("template", None)  # the theme's templates need Briefing's Python

        def href(uri: str, folder: str = posixpath.dirname(page.uri)) -> str:
            return posixpath.relpath(uri, folder)

        # Links stay links to Markdown files, relative to the page's file, as in its
        # Markdown: Zensical resolves them in raw HTML too, and under MkDocs the
        # extension has MkDocs resolve them (``briefing.hosts.markdown``).
        view = page_view(
            briefing, context, page.uri, page, lambda uri: uri, figures=figures, href=href
        )
        if view.figure:
            target = figures_dir / (page.uri.removesuffix(".md") + ".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(view.figure, encoding="utf-8")
            view = replace(view, figure=FIGURE_SLOT)
        head, foot = _parts(env, page, view, str(meta.get("title", "")), href)
        if page.uri == TIMELINE and view.figure:
            intro, marker, rest = body.partition('<div class="no-autolink"')
            body = f"{intro}\n{_block(view.figure)}\n\n{marker}{rest}" if marker else body
        text = "---\n" + _yaml(meta) + "---\n\n" + head + body + foot
        target = docs / page.uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        count += 1
    return count


def _parts_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(THEME_DIR)),
        autoescape=False,  # as in the theme: the templates escape with `e`
        undefined=jinja2.StrictUndefined,
    )
    return env


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


def _copy_docs(
    config: MkDocsConfig, root: Path, analysis: Analysis, options: dict[str, Any], docs: Path
) -> list[str]:
    """Copy the hand-written pages and static files (as MkDocs lists and Briefing vets
    them); return the pages' paths."""
    from mkdocs.structure.files import get_files

    assert analysis.briefing is not None
    vetted = {
        p.resolve()
        for p in docs_pages(
            config, root, analysis.briefing, options, Diagnostics(), analysis.review
        )
    }
    pages: list[str] = []
    for file in get_files(config):
        if file.abs_src_path is None:
            continue
        path = Path(file.abs_src_path)
        if file.is_documentation_page() and path.resolve() not in vetted:
            continue
        target = docs / file.src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        if file.is_documentation_page():
            pages.append(file.src_uri)
    return sorted(pages)


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


def _yaml(data: Any) -> str:
    return yaml.safe_dump(_plain(data), allow_unicode=True, sort_keys=False, width=1000)


def _mkdocs_yml(settings: dict[str, Any]) -> str:
    data = dict(settings)
    data["plugins"] = [{"search": {"separator": SEPARATOR}}]
    extensions = data["markdown_extensions"] = list(data["markdown_extensions"])
    extensions[-1] = {EXTENSION: {"project": _CONFIG_DIR, **extensions[-1][EXTENSION]}}
    return (
        "# Written by `briefing export`: the briefing without Briefing's MkDocs plugin.\n"
        "# Build with `mkdocs build` (Material for MkDocs) or `zensical build`\n"
        "# (zensical.toml); both need the `briefing` package for its Markdown extension.\n"
        + _yaml(data).replace(repr(_CONFIG_DIR).strip("'"), "!relative $config_dir")
    )


_CONFIG_DIR = "BRIEFING-CONFIG-DIR"
"""Stands for MkDocs' ``!relative $config_dir`` (the folder of mkdocs.yml) until the
YAML is written: PyYAML's safe dumper writes no custom tags."""


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
    return json.dumps(value, ensure_ascii=False)
