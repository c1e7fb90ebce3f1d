"""Editorial warnings: every row of cases/editorial.yml, through the loader that the
build and ``briefing check`` share; and ``briefing suggest-entities``."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

from briefing.cli import main
from briefing.core.sources import load_briefing
from conftest import FIXTURES, configure, run_build, write

CASES = yaml.safe_load((Path(__file__).parent / "cases" / "editorial.yml").read_text("utf-8"))
BASE = {"entities/kling.yml": "name: Kling\ntype: product\nsummary: A video model.\n"}


def write_sources(root: Path, files: dict[str, str]) -> None:
    for rel, text in {**BASE, **files}.items():
        path = root / "briefing_src" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c["rule"] for c in CASES])
def test_editorial_warning(tmp_path: Path, case: dict) -> None:
    write_sources(tmp_path, case["files"])
    _, diagnostics = load_briefing(tmp_path)
    assert not diagnostics.errors, [d.format() for d in diagnostics]
    lines = sorted(d.format() for d in diagnostics)
    assert len(lines) == len(case["expect"]), lines
    for line, expected in zip(lines, sorted(case["expect"]), strict=True):
        assert line.startswith(expected), (expected, lines)


THREE = {
    f"briefing_src/articles/{slug}.md": f"""
        ---
        title: {slug.upper()}
        date: 2024-07-0{i}
        ---
        The lab was funded by High-Flyer. {"High-Flyer grew. " * i}Ask the Open Source Initiative.
    """
    for i, slug in enumerate(["a", "b", "c"], start=1)
}


NOTES = [
    "briefing_src/articles/a.md:5:23: note: 'High-Flyer' is named in 3 articles but has no"
    " entity (add one, or an alias; `briefing suggest-entities` lists them all) [unnamed_entity]",
    "briefing_src/articles/a.md:5:60: note: 'Open Source Initiative' is named in 3 articles"
    " but has no entity (add one, or an alias; `briefing suggest-entities` lists them all)"
    " [unnamed_entity]",
]


def set_rules(project: Path, rules: str) -> None:
    """The fixture's mkdocs.yml, its briefing plugin given an ``editorial:`` option (a
    YAML flow mapping)."""
    shutil.copy(FIXTURES / "basic/mkdocs.yml", project / "mkdocs.yml")
    configure(project, {"editorial": rules})


def test_suggestions_are_notes_that_fail_nothing(project: Path) -> None:
    # Names without an entity are suggestions (level info by default): check prints them
    # as notes and exits 0; a build under serve logs them at INFO and succeeds; a build
    # that deploys the site (`mkdocs build`) does not look for them, and succeeds.
    write(project, THREE)
    result = CliRunner().invoke(main, ["check", "-f", str(project / "mkdocs.yml")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == NOTES
    assert "no problems found, 2 notes" in result.stderr
    github = CliRunner().invoke(
        main, ["check", "-f", str(project / "mkdocs.yml"), "--format", "github"]
    )
    assert github.exit_code == 0
    assert github.stdout.startswith("::notice file=briefing_src/articles/a.md,line=5,col=23::")
    logged, logger = _Info(), logging.getLogger("mkdocs")
    level = logger.level
    logger.addHandler(logged)
    logger.setLevel(logging.INFO)
    try:
        served = run_build(project, command="serve")
        shown = [m.removeprefix("briefing: ") for m in logged.messages if "[unnamed_" in m]
        logged.messages.clear()
        deployed = run_build(project)
    finally:
        logger.removeHandler(logged)
        logger.setLevel(level)
    assert served.ok and served.messages == [], served.messages
    assert shown == NOTES
    assert deployed.ok and deployed.messages == [], deployed.messages
    assert [m for m in logged.messages if "[unnamed_" in m] == []
    assert "[unnamed_" not in (project / "site/index.html").read_text(encoding="utf-8")


class _Info(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.INFO:
            self.messages.append(record.getMessage())


@pytest.mark.parametrize(
    ("level", "check_fails", "strict_ok"),
    [("error", True, False), ("warning", True, False), ("info", False, True), ("off", False, True)],
)
def test_a_rule_level_decides_what_fails(
    project: Path, level: str, check_fails: bool, strict_ok: bool
) -> None:
    """error and warning fail check and the strict build (check fails on what the strict
    build fails on), never a plain build; info fails nothing; off is silent."""
    write(project, THREE)
    set_rules(project, f"{{unnamed_entity: {level}}}")
    result = CliRunner().invoke(main, ["check", "-f", str(project / "mkdocs.yml")])
    assert result.exit_code == (1 if check_fails else 0), result.output
    shown = {"error": "error", "warning": "warning", "info": "note"}.get(level)
    expected = [line.replace(": note: ", f": {shown}: ") for line in NOTES] if shown else []
    assert result.stdout.splitlines() == expected
    strict = run_build(project)
    assert strict.ok is strict_ok, strict.messages
    assert [m.removeprefix("briefing: ") for m in strict.messages if "[unnamed_" in m] == (
        expected if level in ("error", "warning") else []
    )
    assert run_build(project, strict=False).ok


def test_a_rule_has_its_thresholds(project: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(project, THREE)
    config = str(project / "mkdocs.yml")
    set_rules(project, "{unnamed_entity: {level: error, min_articles: 4}, source_url: off}")
    result = CliRunner().invoke(main, ["check", "-f", config])
    assert result.exit_code == 0 and result.stdout == "", result.output
    set_rules(project, "{source_url: {level: error, kinds: [analysis]}}")
    result = CliRunner().invoke(main, ["check", "-f", config])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "briefing_src/articles/kling-launch.md:16:12: error: an analysis needs a source with a"
        " URL that readers can check (the official text, the original report) [source_url]"
    )
    set_rules(project, "{unnamed_entity: loud}")
    result = CliRunner().invoke(main, ["check", "-f", config])
    assert result.exit_code == 1  # MkDocs logs why, as for any invalid option
    assert "unnamed_entity': level must be one of error, warning, info, off, not 'loud'" in (
        caplog.text
    )


def test_pdf_from_a_site_is_made_whatever_the_rules_find(project: Path) -> None:
    """`briefing pdf --site` never fails on the editorial rules' findings (it stopped on a
    name in three articles without an entity): they judged the content when the site was
    built; the book is made of what the site shows."""
    write(project, THREE)
    set_rules(project, "{unnamed_entity: warning}")
    assert run_build(project, strict=False).ok
    config = str(project / "mkdocs.yml")
    result = CliRunner().invoke(main, ["pdf", "-f", config, "--site", str(project / "site")])
    assert result.exit_code == 0, result.output
    assert "High-Flyer" not in result.output
    book = PdfReader(project / "site" / "briefing.pdf")
    assert "High-Flyer" in " ".join(page.extract_text() for page in book.pages)


def test_suggest_entities_ranks_names_and_its_commands_make_valid_entities(
    project: Path,
) -> None:
    write(project, THREE)
    config = str(project / "mkdocs.yml")
    result = CliRunner().invoke(main, ["suggest-entities", "-f", config])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        "# High-Flyer: 3 articles, 9 uses (a, b, c); first at briefing_src/articles/a.md:5:23",
        "briefing new entity high-flyer --name High-Flyer --type TYPE",
        "# Open Source Initiative: 3 articles, 3 uses (a, b, c);"
        " first at briefing_src/articles/a.md:5:60",
        "briefing new entity open-source-initiative --name 'Open Source Initiative' --type TYPE",
    ]
    assert "2 names without an entity" in result.stderr
    fewer = CliRunner().invoke(main, ["suggest-entities", "-f", config, "--min-articles", "4"])
    assert fewer.stdout == ""
    for command in lines[1::2]:
        args = command.split(" ", 1)[1].replace("TYPE", "organization")
        name = args.split("--name ")[1].split(" --type")[0].strip("'")
        argv = [*args.split(" --name ")[0].split(), "--name", name, "--type", "organization"]
        made = CliRunner().invoke(main, [*argv[:2], "-f", config, *argv[2:]])
        assert made.exit_code == 0, made.output
    after = CliRunner().invoke(main, ["suggest-entities", "-f", config])
    assert after.stdout == ""
    check = CliRunner().invoke(main, ["check", "-f", config])
    assert check.exit_code == 0 and check.stdout == "", check.output
    assert check.stderr == "no problems found\n"


def test_the_name_scan_runs_once_per_changed_article(tmp_path: Path) -> None:
    """Under `mkdocs serve` the loader keeps its cache: a rebuild scans only the articles
    whose text changed (and all of them when an entity's names change), and finds the
    same warnings as a load without the cache."""
    from textwrap import dedent

    from briefing.core.sources import FileCache

    write_sources(
        tmp_path, {k.removeprefix("briefing_src/"): dedent(v).lstrip() for k, v in THREE.items()}
    )
    cache = FileCache()

    def load() -> list[str]:
        found = [d.format() for d in load_briefing(tmp_path, cache=cache)[1]]
        assert found == [d.format() for d in load_briefing(tmp_path)[1]]
        return found

    first = load()
    assert cache.prose.scanned == 3 and len(first) == 2
    assert load() == first and cache.prose.scanned == 0
    article = tmp_path / "briefing_src/articles/b.md"
    article.write_text(article.read_text("utf-8").replace("Ask the", "Ask, then, the"), "utf-8")
    assert load() == first and cache.prose.scanned == 1
    (tmp_path / "briefing_src/entities/high-flyer.yml").write_text(
        "name: High-Flyer\ntype: company\nsummary: A fund.\n", "utf-8"
    )
    assert len(load()) == 1 and cache.prose.scanned == 3
