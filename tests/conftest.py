"""Shared helpers: fixture projects on disk and real MkDocs builds of them."""

from __future__ import annotations

import logging
import os
import shutil
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from bs4 import BeautifulSoup, Tag
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort
from playwright.sync_api import Browser, sync_playwright

if TYPE_CHECKING:
    from pypdf import DocumentInformation, PdfReader

FIXTURES = Path(__file__).parent / "fixtures"
CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).parent.parent


@dataclass
class BuildResult:
    project: Path
    ok: bool
    messages: list[str] = field(default_factory=list)

    @property
    def site(self) -> Path:
        return self.project / "site"

    def html(self, path: str) -> BeautifulSoup:
        return BeautifulSoup((self.site / path).read_text(encoding="utf-8"), "html.parser")

    def errors(self) -> list[str]:
        return [m for m in self.messages if ": error: " in m]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            self.records.append(record.getMessage())


def run_build(
    project: Path,
    strict: bool = True,
    pdf: bool = False,
    env: dict[str, str] | None = None,
    command: str = "build",
) -> BuildResult:
    """A real ``mkdocs build`` of ``project``, as the command line runs it (the PDF
    book only when asked: it takes seconds), with ``env`` set meanwhile; ``command``:
    the command the plugins are told is running (``serve``: a build as ``mkdocs serve``
    makes, into the site folder)."""
    variables = {"BRIEFING_PDF": "1" if pdf else "0", **(env or {})}
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    collector = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        config = load_config(str(project / "mkdocs.yml"), strict=strict)
        config.plugins.on_startup(command=command, dirty=False)  # type: ignore[arg-type]
        try:
            build(config)
            ok = True
        except Abort:
            ok = False
        finally:
            config.plugins.on_shutdown()
    finally:
        logger.removeHandler(collector)
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
    return BuildResult(project, ok, collector.records)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def project_copy(
    target: Path,
    fixture: str = "basic",
    plugin_options: Mapping[str, str] | None = None,
    extra_config: str = "",
) -> Path:
    """A copy of a fixture briefing at ``target``, its mkdocs.yml changed by
    :func:`configure`."""
    shutil.copytree(FIXTURES / fixture, target)
    configure(target, plugin_options, extra_config)
    return target


def configure(
    project: Path, plugin_options: Mapping[str, str] | None = None, extra_config: str = ""
) -> None:
    """Changes a project's mkdocs.yml in place: ``plugin_options`` (each value YAML as
    written, one line) go first among the briefing plugin's options, in order, and
    ``extra_config`` (top-level YAML) goes before the file's own settings."""
    config = project / "mkdocs.yml"
    text = config.read_text("utf-8")
    if plugin_options:
        assert "  - briefing:\n" in text, f"{config} has no briefing plugin to configure"
        lines = "".join(f"      {name}: {value}\n" for name, value in plugin_options.items())
        text = text.replace("  - briefing:\n", f"  - briefing:\n{lines}")
    config.write_text(extra_config + text, "utf-8")


def one(soup: Tag, selector: str) -> Tag:
    """The first element ``selector`` finds in ``soup``; the test fails, naming the
    selector, when there is none."""
    found = soup.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


def attr(tag: Tag, name: str) -> str:
    """A single-valued attribute of ``tag`` (``href``, ``id``, ``src``...); the test fails
    when it is missing (as ``tag[name]`` would) or is a list (``class``, ``rel``)."""
    value = tag[name]
    assert isinstance(value, str), f"<{tag.name} {name}=...> is a list: {value!r}"
    return value


def metadata(pdf: PdfReader) -> DocumentInformation:
    """A PDF's document information (title, author...); the test fails when it has none."""
    info = pdf.metadata
    assert info is not None, "the PDF has no document information"
    return info


def copy_shipped(target: Path) -> Path:
    """A copy of the briefing shipped in this repository (its sources and mkdocs.yml)."""
    target.mkdir(parents=True)
    for name in ("mkdocs.yml", "docs", "briefing_src"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A copy of the ``basic`` fixture briefing, free to change."""
    yield project_copy(tmp_path / "basic")


@pytest.fixture(scope="session")
def basic_site(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The ``basic`` fixture, built once, strictly."""
    result = run_build(project_copy(tmp_path_factory.mktemp("built") / "basic"))
    assert result.ok, result.messages
    return result


@pytest.fixture(scope="session")
def basic_pdf(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The ``basic`` fixture, built strictly with its PDF book."""
    result = run_build(project_copy(tmp_path_factory.mktemp("built-pdf") / "basic"), pdf=True)
    assert result.ok, result.messages
    return result


@pytest.fixture(scope="session")
def shipped_pdf(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The briefing shipped in this repository, built strictly with its PDF book."""
    target = copy_shipped(tmp_path_factory.mktemp("shipped") / "briefing")
    # As on GitHub Actions, where the repository names itself (edit and annotate links).
    result = run_build(target, pdf=True, env={"GITHUB_REPOSITORY": "example/briefing"})
    assert result.ok, result.messages
    return result


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright, one for the session (Playwright's sync API
    allows one at a time: the browser tests of every module share it)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()
