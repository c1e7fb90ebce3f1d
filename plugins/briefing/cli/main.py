"""The ``briefing`` command."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
import yaml

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
    folder; site/ is not touched, the book is not laid out). Exit 1 on any."""
    if summary:
        from .summary import SummaryError, summarize

        try:
            click.echo(summarize(config_file, base), nl=False)
        except SummaryError as exc:
            raise click.ClickException(str(exc)) from exc
        return
    problems = check_project(config_file)
    shown = problems.sorted()
    for problem in shown[:MAX_SHOWN]:
        click.echo(problem.format("github" if style == "github" else "text"))
    if len(shown) > MAX_SHOWN:
        click.echo(f"and {len(shown) - MAX_SHOWN:,} more problems", err=True)
    # A warning fails `mkdocs build --strict` too: check fails on the same inputs.
    errors = len(problems.errors)
    warnings = len(problems) - errors
    if problems:
        counts = [f"{errors:,} error{'s' if errors != 1 else ''}"] if errors else []
        if warnings:
            counts.append(f"{warnings:,} warning{'s' if warnings != 1 else ''}")
        click.echo(", ".join(counts), err=True)
        sys.exit(1)
    click.echo("no problems found", err=True)


@main.command()
@config_option
@click.option(
    "-o",
    "--output",
    default="briefing.pdf",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the book.",
)
@click.option("--paper", type=click.Choice(["a4", "letter"]), default=None, help="Paper size.")
def pdf(config_file: str, output: str, paper: str | None) -> None:
    """Write the PDF book. It is made from the site's own pages: the site is built into
    a temporary folder first (your site/ is not touched)."""
    import logging
    import os
    import shutil
    import tempfile

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    from ..book.pdf import PROGRESS_LOGGER

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logging.getLogger(PROGRESS_LOGGER).setLevel(logging.INFO)  # what the book is doing
    os.environ["BRIEFING_PDF"] = "1"
    with tempfile.TemporaryDirectory(prefix="briefing-pdf-") as tmp:
        site = Path(tmp) / "site"
        try:
            config = load_config(config_file, site_dir=str(site), strict=True)
        except (ConfigurationError, OSError) as exc:
            raise click.ClickException(f"{config_file}: {exc}") from exc
        plugin = config.plugins.get("briefing")
        if plugin is None:
            raise click.ClickException(f"{config_file} does not use the briefing plugin")
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
        (root / rel).write_text(text, encoding="utf-8")
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
    for line in report.skipped:
        click.echo(f"skipped: {line}", err=True)
    for rel, entries in report.written.items():
        verb = "would add" if dry_run else "adding"
        click.echo(f"{rel}: {verb} {len(entries)} annotation{'s' if len(entries) != 1 else ''}")
    problems = list(report.problems.sorted())
    if dry_run:
        for rel, text in report.texts.items():
            click.echo(f"--- {rel}\n{text}", nl=False)
    else:
        problems += write_and_check(config_file, report).sorted()
    for problem in problems:
        click.echo(problem.format())
    if problems:
        count = len(problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''}", err=True)
        sys.exit(1)
