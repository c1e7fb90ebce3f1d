"""The ``briefing`` command."""

from __future__ import annotations

import sys

import click

from .check import check_project


@click.group()
@click.version_option(package_name="briefing")
def main() -> None:
    """Briefing: annotated briefings with a cross-linked glossary."""


@main.command()
@click.option(
    "-f",
    "--config-file",
    default="mkdocs.yml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The project's MkDocs configuration.",
)
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
