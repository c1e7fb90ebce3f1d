"""briefing heal: re-anchoring quotes after the article changed, keeping the YAML's layout."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from briefing.cli import main
from briefing.cli.check import check_project
from conftest import write

ARTICLE = "briefing_src/articles/kling-launch.md"
SIDECAR = "briefing_src/articles/kling-launch.annotations.yml"


def edit(project: Path, old: str, new: str, rel: str = ARTICLE) -> None:
    path = project / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def heal(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["heal", "-f", str(project / "mkdocs.yml"), *args])
    return result.exit_code, result.output


def test_heal_rewrites_strong_unambiguous_quotes_and_keeps_layout(project: Path) -> None:
    edit(
        project,
        "Kuaishou opened Kling to the public in June",
        "Kuaishou opened its Kling model to the public in June",
    )
    edit(project, "Kling AI is also sold abroad.", "Kling AI is also on sale abroad.")
    edit(project, "tags: [video]", "tags: [video]  # keep this comment")
    before = (project / ARTICLE).read_text()
    problems = [d.format() for d in check_project(project / "mkdocs.yml")]
    assert len(problems) == 2
    assert (
        'closest passage (88% similar): "Kuaishou opened its Kling model to the public"'
        in problems[0] + problems[1]
    )

    code, out = heal(project, "--dry-run")
    assert code == 0
    assert "-  - quote: Kuaishou opened Kling to the public" in out
    assert "+  - quote: Kuaishou opened its Kling model to the public" in out
    assert (project / ARTICLE).read_text() == before  # dry run writes nothing

    code, out = heal(project)  # no terminal to ask: nothing is written either
    assert "run with --yes" in out and (project / ARTICLE).read_text() == before

    code, out = heal(project, "--yes")
    assert code == 0, out
    after = (project / ARTICLE).read_text()
    assert "tags: [video]  # keep this comment" in after
    # Only the quote line changed, in the article and in the sidecar.
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [
        (
            "  - quote: Kuaishou opened Kling to the public",
            "  - quote: Kuaishou opened its Kling model to the public",
        )
    ]
    assert (project / SIDECAR).read_text().startswith("- quote: Kling AI is also on sale abroad\n")
    assert [d.format() for d in check_project(project / "mkdocs.yml")] == []


def test_weak_and_ambiguous_candidates_are_left_for_a_person(project: Path) -> None:
    write(
        project,
        {
            SIDECAR: """
            - quote: the weather in Shanghai was mild
              kind: question
              note: Weak.
            - quote: Kling AI is sold in Europe
              kind: question
              note: Ambiguous.
        """,
        },
    )
    edit(
        project,
        "Kling AI is also sold abroad.",
        "Kling AI is sold in Asia. Kling AI is sold in Africa.",
    )
    before = (project / SIDECAR).read_text()
    code, out = heal(project, "--yes")
    assert code == 0
    assert "left for a person: weak match" in out
    assert "left for a person: ambiguous" in out
    assert "nothing to heal" in out
    assert (project / SIDECAR).read_text() == before
