"""``briefing check``: the same problems as the build, without building."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from briefing.cli import main
from conftest import metadata, run_build, write

BROKEN = {
    "briefing_src/entities/sora.yml": """
        name: Sora
        type: product
        sumary: Typo.
    """,
    "briefing_src/articles/kling-launch.annotations.yml": """
        - quote: not in the article at all
          kind: question
          note: See [[kuaishu]].
    """,
    "docs/index.md": """
        # Home

        About [[klingg]].
    """,
}


def run_check(project: Path, *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", "-f", str(project / "mkdocs.yml"), *args])
    return result.exit_code, result.stdout.splitlines()


def test_clean_fixture_passes(project: Path) -> None:
    code, lines = run_check(project)
    assert (code, lines) == (0, [])


def test_check_and_build_report_the_same_problems(project: Path, monkeypatch) -> None:
    write(project, BROKEN)
    monkeypatch.chdir(project)
    code, lines = run_check(project)
    assert code == 1
    assert lines == sorted(lines)
    assert any(
        line.startswith("briefing_src/entities/sora.yml:3:1: error: unknown key 'sumary'")
        for line in lines
    )
    assert any(
        line.startswith("docs/index.md:3:7: error: unknown entity 'klingg'") for line in lines
    )
    build = run_build(project)
    assert not build.ok
    assert sorted(m.removeprefix("briefing: ") for m in build.errors()) == lines


def test_github_format(project: Path) -> None:
    write(project, BROKEN)
    code, lines = run_check(project, "--format", "github")
    assert code == 1
    assert (
        "::error file=briefing_src/entities/sora.yml,line=3,col=1::unknown key 'sumary'"
        " (did you mean 'summary'?)" in lines
    )


def test_console_script_is_installed(project: Path) -> None:
    briefing = Path(sys.executable).with_name("briefing")
    done = subprocess.run([str(briefing), "check"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "no problems found" in done.stderr


def test_pdf_command_writes_the_book_and_leaves_site_alone(project: Path) -> None:
    out = project / "out" / "book.pdf"
    out.parent.mkdir()
    result = CliRunner().invoke(
        main,
        ["pdf", "-f", str(project / "mkdocs.yml"), "-o", str(out), "--paper", "letter"],
    )
    assert result.exit_code == 0, result.output
    from pypdf import PdfReader

    book = PdfReader(out)
    assert metadata(book).title == "Fixture briefing"
    assert round(float(book.pages[0].mediabox.width)) == 612
    assert not (project / "site").exists()


def test_check_never_writes(project: Path) -> None:
    """Not on a broken project either: every file byte for byte, and nothing new."""
    write(project, BROKEN)
    (project / "briefing_src/entities/laughs.yml").write_text(
        "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
        encoding="utf-8",
    )

    def tree() -> dict[str, bytes]:
        return {
            p.relative_to(project).as_posix(): p.read_bytes()
            for p in sorted(project.rglob("*"))
            if p.is_file()
        }

    before = tree()
    for style in ("text", "github"):
        code, _ = run_check(project, "--format", style)
        assert code == 1
    assert tree() == before
