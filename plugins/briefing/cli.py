"""The ``briefing`` command."""

from __future__ import annotations

import sys

import click

from .check import check_project


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
def check(config_file: str, style: str) -> None:
    """Report every problem the build would reject, without building. Exit 1 on any."""
    problems = check_project(config_file)
    for problem in problems.sorted():
        click.echo(problem.format("github" if style == "github" else "text"))
    errors = len(problems.errors)
    if errors:
        click.echo(f"{errors} error{'s' if errors != 1 else ''}", err=True)
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
    from pathlib import Path

    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
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
