"""The ``briefing`` command."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import yaml

from ..core.diagnostics import Diagnostics
from ..core.files import write_atomically
from ..core.model import ENTITY_TYPES, json_schemas
from .check import check_project
from .scaffold import ScaffoldError, new_article, new_entity

MAX_SHOWN = 1000
"""Problems ``check`` prints; a flood of them is counted, not printed."""


@click.group()
@click.version_option(package_name="briefing")
def main() -> None:
    """Briefing: annotated briefings with a cross-linked glossary."""


config_option = click.option(
    "-f",
    "--config-file",
    default="mkdocs.yml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The project's MkDocs configuration.",
)


@main.command()
@config_option
@click.option(
    "--format",
    "style",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="text: path:line:col: error: message. github: GitHub Actions annotations.",
)
@click.option(
    "--summary",
    is_flag=True,
    help="Print, as Markdown, what the change does against --base (for a PR job summary).",
)
@click.option("--base", default="origin/main", show_default=True, help="Base git revision.")
def check(config_file: str, style: str, summary: bool, base: str) -> None:
    """Report every problem a strict build would fail on (the build runs into a temporary
    folder; site/ is not touched, the book is not laid out). Exit 1 on any. Suggestions
    (editorial rules at level info) follow as note: lines; they leave the status alone."""
    if summary:
        from .summary import SummaryError, summarize

        try:
            click.echo(summarize(config_file, base), nl=False)
        except SummaryError as exc:
            raise click.ClickException(str(exc)) from exc
        return
    problems = check_project(config_file)
    # The problems first, then the suggestions (notes: they fail nothing).
    shown = sorted(problems.failures) + sorted(d for d in problems if not d.fails)
    for problem in shown[:MAX_SHOWN]:
        click.echo(problem.format("github" if style == "github" else "text"))
    if len(shown) > MAX_SHOWN:
        click.echo(f"and {len(shown) - MAX_SHOWN:,} more problems", err=True)
    # A warning fails `mkdocs build --strict` too: check fails on the same inputs.
    errors = len(problems.errors)
    warnings = len(problems.failures) - errors
    notes = len(problems) - errors - warnings
    counts = [f"{errors:,} error{'s' if errors != 1 else ''}"] if errors else []
    if warnings:
        counts.append(f"{warnings:,} warning{'s' if warnings != 1 else ''}")
    if notes:
        counts.append(f"{notes:,} note{'s' if notes != 1 else ''}")
    if errors or warnings:
        click.echo(", ".join(counts), err=True)
        sys.exit(1)
    click.echo(", ".join(["no problems found", *counts]), err=True)


@main.command()
@config_option
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(dir_okay=False),
    help="Where to write the book. Default: briefing.pdf, or with --site the site's "
    "own briefing.pdf (the plugin's pdf_name), where its Download PDF link points.",
)
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None, help="Paper size.")
@click.option(
    "--site",
    "site_dir",
    type=click.Path(exists=True, file_okay=False),
    help="Make the book from this finished site folder (built by the plugin, by plain "
    "MkDocs or by Zensical from an export) instead of building the site first.",
)
def pdf(config_file: str, output: str | None, paper: str | None, site_dir: str | None) -> None:
    """Write the PDF book. It is made from the site's own pages: the site is built into
    a temporary folder first (your site/ is not touched), or, with --site, read from a
    finished site folder, whichever host built it."""
    import logging
    import os
    import shutil
    import tempfile

    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort

    from ..book.pdf import PROGRESS_LOGGER

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger(PROGRESS_LOGGER).setLevel(logging.INFO)  # what the book is doing
    if site_dir is not None:
        config, plugin = _briefing_config(config_file)
        out = Path(output or Path(site_dir) / plugin.config.pdf_name)
        _book_from_site(config, plugin, Path(site_dir), out, paper)
        click.echo(f"wrote {out}", err=True)
        return
    output = output or "briefing.pdf"
    os.environ["BRIEFING_PDF"] = "1"
    with tempfile.TemporaryDirectory(prefix="briefing-pdf-") as tmp:
        site = Path(tmp) / "site"
        config, plugin = _briefing_config(config_file, site_dir=str(site), strict=True)
        plugin.config.pdf = True
        if paper:
            plugin.config.paper = paper
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        except Abort as exc:
            raise click.ClickException(f"the build failed: {exc}") from exc
        finally:
            config.plugins.on_shutdown()
        shutil.copyfile(site / plugin.config.pdf_name, output)
    click.echo(f"wrote {output}", err=True)


def _briefing_config(config_file: str, **overrides: Any) -> tuple[Any, Any]:
    """mkdocs.yml, loaded, and its briefing plugin (a ClickException without one)."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import ConfigurationError

    try:
        config = load_config(config_file, **overrides)
    except (ConfigurationError, OSError) as exc:
        raise click.ClickException(f"{config_file}: {exc}") from exc
    plugin = config.plugins.get("briefing")
    if plugin is None:
        raise click.ClickException(f"{config_file} does not use the briefing plugin")
    return config, plugin


def built_page(site: Path) -> Callable[[str], tuple[str, str] | None]:
    """Where a finished site holds the page of a source file (``glossary/kling.md``):
    its file and URL, with directory URLs (``glossary/kling/index.html``, MkDocs' and
    Zensical's default) or without (``glossary/kling.html``); None if it has neither."""

    def built(uri: str) -> tuple[str, str] | None:
        stem = uri.removesuffix(".md")
        folder, _, name = stem.rpartition("/")
        if name == "index":
            dest = f"{folder}/index.html" if folder else "index.html"
            url = f"{folder}/" if folder else ""
            return (dest, url) if (site / dest).is_file() else None
        for dest, url in ((f"{stem}/index.html", f"{stem}/"), (f"{stem}.html", f"{stem}.html")):
            if (site / dest).is_file():
                return dest, url
        return None

    return built


def _book_from_site(config: Any, plugin: Any, site: Path, out: Path, paper: str | None) -> None:
    """The book from a finished site folder: which pages and in what order from the
    sources (mkdocs.yml's briefing options), their text from the site's HTML."""
    from dataclasses import replace

    from ..book.sitebook import make_book, missing_pages
    from ..core.rules import NO_RULES
    from ..hosts.config import build_options
    from ..hosts.mkdocsbuild import site_settings
    from ..site.build import BuildError, BuildSession

    try:
        options = build_options(plugin.config, config.config_file_path)
    except BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    # The editorial rules judged the content when the site was built (or by check): the
    # book of a finished site is made of what it shows, whatever they found.
    options = replace(options, paper=paper or options.paper, rules=NO_RULES)
    root = Path(config.config_file_path).resolve().parent
    session = BuildSession(root, options, site_settings(config))
    session.load()
    session.generate()
    built = built_page(site)
    missing_pages(session, built, site)
    _fail_on(session.problems.since(0))
    reported = len(session.problems.items)
    out.parent.mkdir(parents=True, exist_ok=True)
    made = make_book(session, site, out, built)
    _fail_on(session.problems.since(reported))
    click.echo(f"{out.name}: {made.result.pages} pages in {made.seconds:.1f} s", err=True)


def _fail_on(problems: Diagnostics) -> None:
    """Print the problems; exit 1 if there are any (as a strict build does)."""
    for problem in problems.sorted():
        click.echo(problem.format())
    if problems:
        count = len(problems)
        raise click.ClickException(f"{count} problem{'s' if count != 1 else ''}")


def _csp_sources(values: tuple[str, ...]) -> dict[str, str]:
    """``--source DIRECTIVE=SOURCES`` options as the plugin's ``csp_sources``."""
    from ..site.csp import check_sources

    extra: dict[str, str] = {}
    for value in values:
        directive, sep, sources = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{value!r}: write DIRECTIVE=SOURCES", param_hint="--source")
        extra[directive.strip()] = f"{extra.get(directive.strip(), '')} {sources}".strip()
    problems = check_sources(dict(extra))
    if problems:
        raise click.BadParameter("; ".join(problems), param_hint="--source")
    return extra


source_option = click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="DIRECTIVE=SOURCES",
    help="Sources to add to a directive of the policy, as the plugin's csp_sources, "
    "e.g. --source img-src=https: (repeatable).",
)


@main.command()
@click.argument("site_dir", type=click.Path(exists=True, file_okay=False))
@source_option
def csp(site_dir: str, sources: tuple[str, ...]) -> None:
    """Give every HTML page of a finished site Briefing's Content-Security-Policy, as
    the MkDocs plugin does to the pages it builds: for a site built by Zensical, by
    plain MkDocs from an export, or any host. Pages are rewritten in place (running it
    again gives the same pages). Lists, at path:line:col, the inline code in a page's
    content (<article>) that the policy stops from running: a script, an event handler
    (onclick=), a javascript: URL; exit 1 if there is any. The theme's, outside the
    content, is allowed by hash."""
    from ..site.csp import apply_to_site

    count, problems = apply_to_site(Path(site_dir), _csp_sources(sources))
    click.echo(f"{count} page{'s' if count != 1 else ''} given the policy", err=True)
    _fail_on(problems)


@main.command(context_settings={"ignore_unknown_options": True})
@click.option(
    "--site",
    "site_dir",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The published site folder, replaced only when every step succeeded.",
)
@click.option(
    "--built",
    type=click.Path(file_okay=False),
    help="Where COMMAND writes the site, for a host that cannot be told (Zensical "
    "reads site_dir from its configuration): copied into the staging folder after it "
    "succeeded. Without it, COMMAND must name {staging}.",
)
@click.option("--csp", "add_csp", is_flag=True, help="Give the staged pages the policy.")
@source_option
@click.option(
    "--pdf",
    "add_pdf",
    is_flag=True,
    help="Add the PDF book, made from the staged site (needs -f mkdocs.yml with the plugin).",
)
@config_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def publish(
    site_dir: str,
    built: str | None,
    add_csp: bool,
    sources: tuple[str, ...],
    add_pdf: bool,
    config_file: str,
    command: tuple[str, ...],
) -> None:
    """Run a build COMMAND into a staging folder, then the steps asked for (--csp,
    --pdf) over it, and replace the site folder only if all succeeded: on any failure
    the previous site stays exactly as it was, as the MkDocs plugin does.

    \b
      briefing publish --csp -- mkdocs build -d {staging}
      briefing publish --built build --csp --pdf -- zensical build
    """
    import subprocess

    from ..site.csp import apply_to_site
    from ..site.staging import Staging

    extra = _csp_sources(sources)
    if built is None and not any("{staging}" in arg for arg in command):
        raise click.UsageError("COMMAND must write into {staging}, or give --built DIR")
    if built is not None and Path(built).resolve() == Path(site_dir).resolve():
        raise click.UsageError("--built must not be the site folder it protects")
    staging = Staging(site_dir)
    try:
        args = [arg.replace("{staging}", staging.folder) for arg in command]
        try:
            code = subprocess.run(args, check=False).returncode
        except OSError as exc:
            raise click.ClickException(f"{command[0]}: {exc}") from exc
        if code != 0:
            raise click.ClickException(f"the build failed (exit status {code})")
        if built is not None:
            if not Path(built).is_dir():
                raise click.ClickException(f"the build wrote no {built}/")
            shutil.copytree(built, staging.folder, dirs_exist_ok=True)
        if not any(Path(staging.folder).iterdir()):
            raise click.ClickException("the build wrote nothing")
        if add_csp:
            count, problems = apply_to_site(Path(staging.folder), extra, shown_as=site_dir)
            click.echo(f"{count} page{'s' if count != 1 else ''} given the policy", err=True)
            _fail_on(problems)
        if add_pdf:
            config, plugin = _briefing_config(config_file)
            out = Path(staging.folder) / plugin.config.pdf_name
            _book_from_site(config, plugin, Path(staging.folder), out, None)
    except click.ClickException as exc:
        staging.discard()
        raise click.ClickException(f"{exc.format_message()}; {site_dir}/ left as it was") from exc
    except BaseException:
        staging.discard()
        raise
    staging.publish(strict=False)
    click.echo(f"published {site_dir}/", err=True)


def _project(config_file: str) -> tuple[Path, str]:
    """The project folder and its sources folder, from mkdocs.yml's briefing options."""
    path = Path(config_file).resolve()
    src = "briefing_src"
    try:
        loaded = yaml.load(path.read_text("utf-8"), Loader=_LenientLoader) or {}
    except (OSError, yaml.YAMLError):
        loaded = {}
    for plugin in loaded.get("plugins") or []:
        if isinstance(plugin, dict) and isinstance(plugin.get("briefing"), dict):
            src = str(plugin["briefing"].get("src", src))
    return path.parent, src


class _LenientLoader(yaml.SafeLoader):
    """mkdocs.yml may hold tags such as !ENV; read them as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    return node.value if isinstance(node, yaml.ScalarNode) else None


_LenientLoader.add_multi_constructor("", _any_tag)


@main.group()
def new() -> None:
    """Write a new, valid source file (never overwrites one)."""


@new.command("entity")
@config_option
@click.argument("entity_id")
@click.option("--name", required=True, help="Display name, e.g. Kling.")
@click.option("--type", "kind", required=True, type=click.Choice(ENTITY_TYPES))
@click.option("--summary", help="One plain sentence (a placeholder otherwise).")
def new_entity_command(
    config_file: str, entity_id: str, name: str, kind: str, summary: str | None
) -> None:
    """briefing_src/entities/ENTITY_ID.yml"""
    root, src = _project(config_file)
    try:
        path = new_entity(root, src, entity_id, name, kind, summary)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(path.relative_to(root).as_posix())


@new.command("article")
@config_option
@click.argument("slug")
@click.option("--title", required=True)
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD (default: today).")
def new_article_command(config_file: str, slug: str, title: str, date: dt.datetime | None) -> None:
    """briefing_src/articles/SLUG.md"""
    root, src = _project(config_file)
    try:
        path = new_article(root, src, slug, title, date.date() if date else None)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(path.relative_to(root).as_posix())


@main.command("suggest-entities")
@config_option
@click.option(
    "--min-articles",
    default=3,
    show_default=True,
    type=click.IntRange(1),
    help="List names used in at least this many articles.",
)
def suggest_entities(config_file: str, min_articles: int) -> None:
    """List names the articles use that have no entity, most widely used first, each
    with the `briefing new entity` command that starts one (choose its TYPE)."""
    from ..core.editorial import suggestions
    from ..core.sources import load_briefing

    root, src = _project(config_file)
    briefing, _ = load_briefing(root, src)
    lines = suggestions(briefing, min_articles)
    for line in lines:
        click.echo(line)
    count = len(lines) // 2
    click.echo(f"{count} name{'s' if count != 1 else ''} without an entity", err=True)


@main.command()
@click.option("--dir", "folder", default="schemas", show_default=True, type=click.Path())
@click.option("--check", is_flag=True, help="Exit 1 if the files differ from the models.")
def schemas(folder: str, check: bool) -> None:
    """Write the JSON Schemas of the file formats (for editors), from the loader's models,
    and of the data download (briefing.json)."""
    from ..site.opendata import DATA_SCHEMA, data_schema

    stale: list[str] = []
    for name, schema in {**json_schemas(), DATA_SCHEMA: data_schema()}.items():
        path = Path(folder) / name
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        current = path.read_text("utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.as_posix())
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
    if check and stale:
        raise click.ClickException("out of date: " + ", ".join(stale) + " (run: briefing schemas)")
    for written in stale:
        click.echo(f"wrote {written}", err=True)


@main.command()
@config_option
@click.option(
    "--threshold",
    default=80.0,
    show_default=True,
    type=click.FloatRange(0, 100),
    help="Lowest similarity (%) at which a quote is rewritten.",
)
@click.option("--yes", is_flag=True, help="Write the changes without asking.")
@click.option("--dry-run", is_flag=True, help="Show the changes, write nothing.")
def heal(config_file: str, threshold: float, yes: bool, dry_run: bool) -> None:
    """Re-anchor annotations whose quote no longer matches the article's text.

    Shows the diff of every rewrite first. Weak or ambiguous matches are listed and
    left for a person. Without --yes, asks before writing (and writes nothing when
    there is no one to ask)."""
    from .heal import heal_project

    root = Path(config_file).resolve().parent
    report = heal_project(config_file, threshold)
    for proposal in report.proposals:
        where = proposal.annotation.position
        if proposal.new is None:
            click.echo(f"{where}: left for a person: {proposal.reason}: “{proposal.old}”")
        else:
            click.echo(
                f"{where}: {proposal.score:.0f}% match: “{proposal.old}” -> “{proposal.new}”"
            )
    for diff in report.diffs.values():
        click.echo(diff, nl=False)
    if not report.texts:
        click.echo("nothing to heal", err=True)
        return
    if dry_run:
        return
    if not yes:
        if not sys.stdin.isatty():
            click.echo("not written: run with --yes to write these changes", err=True)
            return
        if not click.confirm("Write these changes?"):
            return
    for rel, text in report.texts.items():
        write_atomically(root / rel, text)  # the file whole, or as it was
        click.echo(f"wrote {rel}", err=True)


@main.command("import-annotations")
@config_option
@click.argument("export", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be added, write nothing.")
def import_annotations_command(config_file: str, export: str, dry_run: bool) -> None:
    """Add Web Annotations (JSON-LD, e.g. annotations.jsonld) or a Hypothesis export
    (JSON) to the articles' sidecar files.

    Each annotation must target one of the briefing's article pages and anchor exactly
    as a hand-written one; what does not is reported, with the closest passage, and not
    written. Existing files only get new items: nothing is overwritten, an annotation
    already there is skipped. Exit 1 when anything was not imported."""
    from .importer import import_annotations, write_and_check

    report = import_annotations(config_file, export)
    for line in report.skipped[:MAX_SHOWN]:
        click.echo(f"skipped: {line}", err=True)
    if len(report.skipped) > MAX_SHOWN:
        click.echo(f"and {len(report.skipped) - MAX_SHOWN:,} more skipped", err=True)
    for rel, entries in report.written.items():
        verb = "would add" if dry_run else "adding"
        click.echo(f"{rel}: {verb} {len(entries)} annotation{'s' if len(entries) != 1 else ''}")
    problems = list(report.problems.sorted())
    if dry_run:
        for rel, text in report.texts.items():
            click.echo(f"--- {rel}\n{text}", nl=False)
    else:
        problems += write_and_check(config_file, report).sorted()
    for problem in problems[:MAX_SHOWN]:
        click.echo(problem.format())
    if len(problems) > MAX_SHOWN:
        click.echo(f"and {len(problems) - MAX_SHOWN:,} more problems", err=True)
    failures = [p for p in problems if p.fails]  # notes (suggestions) fail nothing
    if failures:
        count = len(failures)
        click.echo(f"{count} problem{'s' if count != 1 else ''}", err=True)
        sys.exit(1)


@main.command("export")
@config_option
@click.argument("folder", type=click.Path(file_okay=False))
def export_command(config_file: str, folder: str) -> None:
    """Write the briefing as a plugin-free project into FOLDER: docs/ with every generated
    page as Markdown (cross-page parts filled in), the sources, mkdocs.yml and
    zensical.toml. `mkdocs build` and `zensical build` in FOLDER both make the site.
    FOLDER's docs/, briefing_src/ and briefing_figures/ are replaced, only when the
    project has no problem (as `briefing check` finds them); else nothing is written."""
    from ..hosts.export import export_project, unsafe_target

    problem = unsafe_target(Path(config_file), Path(folder))
    if problem:
        raise click.ClickException(problem)
    try:
        result = export_project(config_file, Path(folder))
    except OSError as exc:
        raise click.ClickException(f"nothing exported: {exc}") from exc
    for item in result.problems.sorted()[:MAX_SHOWN]:
        click.echo(item.format(), err=True)
    if result.pages == 0:
        raise click.ClickException(
            "nothing exported: the export publishes only what `mkdocs build --strict` "
            "would; fix what `briefing check` reports first"
        )
    click.echo(f"exported {result.pages} pages to {folder}", err=True)
