"""briefing check --summary: a reviewer sees the effect of a change without reading YAML."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from briefing.cli import main
from conftest import write


def git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=project,
        check=True,
        capture_output=True,
    )


def summary(project: Path, base: str = "HEAD") -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["check", "-f", str(project / "mkdocs.yml"), "--summary", "--base", base]
    )
    return result.exit_code, result.output


def test_summary_lists_what_changed(project: Path) -> None:
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-qm", "base")
    code, out = summary(project)
    assert code == 0
    assert "No change to entities, articles, annotations or mentions." in out
    write(
        project,
        {
            "briefing_src/entities/deepseek.yml": """
            name: DeepSeek
            type: company
            summary: A Hangzhou AI lab.
        """,
            "briefing_src/articles/kling-launch.annotations.yml": """
            - quote: Kling AI is also sold abroad
              kind: context
              note: In which markets, the source does not say.
        """,
            "briefing_src/articles/embargo.md": """
            ---
            title: The chip embargo tightens
            date: 2024-10-01
            ---

            New export controls reach further. OpenAI is not affected; Kuaishou may be.
            DeepSeek and DeepSeek again; Sora too.
        """,
        },
    )
    (project / "briefing_src/entities/openai.yml").write_text(
        "name: OpenAI\ntype: company\nsummary: The company behind ChatGPT and Sora.\n"
    )
    code, out = summary(project)
    assert code == 0, out
    assert "The briefing builds without problems." in out
    assert "- added: **DeepSeek** (`deepseek`)" in out
    assert "- changed: **OpenAI** (`openai`)" in out
    assert "- changed: **The chip embargo tightens** (`embargo`)" in out
    assert "- changed: context on `kling-launch`: “Kling AI is also sold abroad”" in out
    assert "| DeepSeek | 0 | 1 | +1 |" in out
    assert "| Sora | " in out


def test_summary_reports_problems_and_removals(project: Path) -> None:
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-qm", "base")
    (project / "briefing_src/entities/sora.yml").unlink()
    (project / "briefing_src/articles/kling-launch.annotations.yml").unlink()
    code, out = summary(project)
    assert code == 0
    assert "- removed: **Sora** (`sora`)" in out
    assert "- removed: question on `kling-launch`: “Kling AI is also sold abroad”" in out
    assert "problem(s)** would fail the build" in out  # [[sora]] is now unknown
    assert "unknown entity 'sora'" in out


def test_summary_needs_a_known_revision(project: Path) -> None:
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-qm", "base")
    code, out = summary(project, "no-such-branch")
    assert code == 1 and "unknown revision 'no-such-branch'" in out


def test_contributed_text_cannot_write_into_the_summary(project: Path) -> None:
    """Names, titles, quotes and messages show as text: no heading, link, table cell or
    "builds without problems" line of a contributor's own."""
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-qm", "base")
    (project / "briefing_src/entities/evil.yml").write_text(
        'name: "Evil | [click](https://evil.example) *x*"\ntype: company\nsummary: S.\n'
    )
    (project / "briefing_src/articles/inject.md").write_text(
        '---\ntitle: "T\\n\\nThe briefing builds without problems.\\n## Fake"\n'
        "date: 2024-01-01\n---\nText about [[x`y]].\n"
    )
    code, out = summary(project)
    assert code == 0
    assert "\nThe briefing builds without problems." not in out
    assert "\n## Fake" not in out
    assert "[click](https://evil.example)" not in out
    assert r"**Evil \| \[click\](https://evil.example) \*x\***" in out
    assert "must be one line (U+000A" in out
