"""Editorial warnings: every row of cases/editorial.yml, through the loader that the
build and ``briefing check`` share; and ``briefing suggest-entities``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from briefing.cli import main
from briefing.core.sources import load_briefing
from conftest import run_build, write

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


def test_check_warns_and_fails_as_the_strict_build_does(project: Path, monkeypatch) -> None:
    # Warnings, not errors: a plain build passes; but a strict build fails on them, so
    # check exits 1 too (one verdict for CI, whichever of the two it runs).
    write(project, THREE)
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["check", "-f", str(project / "mkdocs.yml")])
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines == [
        "briefing_src/articles/a.md:5:23: warning: 'High-Flyer' is named in 3 articles but has no"
        " entity (add one, or an alias; `briefing suggest-entities` lists them all)",
        "briefing_src/articles/a.md:5:60: warning: 'Open Source Initiative' is named in 3 articles"
        " but has no entity (add one, or an alias; `briefing suggest-entities` lists them all)",
    ]
    build = run_build(project)
    assert not build.ok
    warned = [m.removeprefix("briefing: ") for m in build.messages if ": warning: " in m]
    assert sorted(warned) == lines


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
