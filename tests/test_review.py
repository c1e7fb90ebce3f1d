"""Freshness (issue 25): `reviewed` dates, the review period, the `review/` page and the
"current as of" date held to the reviews; through `briefing check` and real builds."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from briefing.cli import main
from conftest import configure, one, run_build


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def _reviewed_fixture(project: Path) -> None:
    """Kling reviewed within the period, Kuaishou before it, the other entities never;
    the fact-check reviewed, the question dated (its date counts), the analysis neither."""
    src = project / "briefing_src"
    _append(src / "entities/kling.yml", "reviewed: 2025-01-15\n")
    _append(src / "entities/kuaishou.yml", "reviewed: 2024-03-01\n")
    _append(src / "articles/kling-launch.annotations.yml", "  date: 2024-08-01\n")
    article = src / "articles/kling-launch.md"
    text = article.read_text("utf-8")
    article.write_text(
        text.replace("    kind: fact-check\n", "    kind: fact-check\n    reviewed: 2025-05-01\n"),
        "utf-8",
    )


def check(project: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", "-f", str(project / "mkdocs.yml")])
    return result.exit_code, result.stdout.splitlines()


def test_what_is_due_for_review_is_a_warning_and_a_page(project: Path) -> None:
    _reviewed_fixture(project)
    configure(project, {"review_period": "365", "current_as_of": "2025-06-30"})
    code, lines = check(project)
    assert code == 1
    due = "due for review: it records no review; check it against its sources and set"
    assert lines == [
        f"briefing_src/articles/kling-launch.md:17:12: warning: note {due.replace('review;', 'review and no date;')} 'reviewed: YYYY-MM-DD' [review_due]",
        f"briefing_src/entities/chip-embargo.yml:1:1: warning: entity {due} 'reviewed: YYYY-MM-DD' [review_due]",
        "briefing_src/entities/kuaishou.yml:1:1: warning: entity due for review: last reviewed"
        " 2024-03-01, more than 365 days before 2025-06-30 (current as of); check it against"
        " its sources and set 'reviewed: YYYY-MM-DD' [review_due]",
        f"briefing_src/entities/openai.yml:1:1: warning: entity {due} 'reviewed: YYYY-MM-DD' [review_due]",
        f"briefing_src/entities/sora.yml:1:1: warning: entity {due} 'reviewed: YYYY-MM-DD' [review_due]",
        "mkdocs.yml:12:7: warning: current_as_of is 2025-06-30, later than the newest review in"
        " the briefing (2025-05-01): the briefing is current only as far as someone checked it;"
        " review what changed, or give the date of the last review [current_as_of]",
    ]
    # The strict build fails on the same warnings; a plain build publishes the page.
    assert not run_build(project).ok
    built = run_build(project, strict=False)
    assert built.ok, built.messages
    page = built.html("review/index.html")
    content = one(page, "article")
    assert "current as of 2025-06-30" in content.get_text()
    assert "These 5 items were last reviewed before 2024-06-30, or never" in content.get_text()
    entities = [
        (a.get_text(), a["href"], li.get_text())
        for li in content.select("#entities + ul li")
        for a in li.select("a")
    ]
    assert entities == [
        ("US chip embargo", "../glossary/chip-embargo/", "US chip embargo: never reviewed"),
        ("OpenAI", "../glossary/openai/", "OpenAI: never reviewed"),
        ("Sora", "../glossary/sora/", "Sora: never reviewed"),
        ("Kuaishou", "../glossary/kuaishou/", "Kuaishou: last reviewed 2024-03-01"),
    ]
    (note,) = content.select("#notes + ul li")
    link = one(note, "a")
    assert link["href"] == "../articles/kling-launch/#bf-note-2"
    assert link.get_text() == "Analysis on “a bold rival to Sora”"
    assert note.get_text().endswith("in Kling reaches the public: never reviewed")
    target = built.html("articles/kling-launch/index.html").select_one("li#bf-note-2")
    assert target is not None
    nav = [a.get_text(" ", strip=True) for a in page.select("nav.md-nav--primary a")]
    assert "Due for review" in nav


def test_a_briefing_reviewed_in_time_has_nothing_due(project: Path) -> None:
    _reviewed_fixture(project)
    src = project / "briefing_src"
    for name in ("chip-embargo", "openai", "sora"):
        _append(src / f"entities/{name}.yml", "reviewed: 2025-06-30\n")
    kuaishou = src / "entities/kuaishou.yml"
    kuaishou.write_text(kuaishou.read_text("utf-8").replace("2024-03-01", "2024-06-30"), "utf-8")
    article = src / "articles/kling-launch.md"
    article.write_text(
        article.read_text("utf-8").replace(
            "    kind: analysis\n", "    kind: analysis\n    reviewed: 2024-07-10\n"
        ),
        "utf-8",
    )
    configure(project, {"review_period": "365", "current_as_of": "2025-06-30"})
    assert check(project) == (0, [])
    built = run_build(project)
    assert built.ok, built.messages
    text = one(built.html("review/index.html"), "article").get_text()
    assert "Nothing is due: everything was reviewed on or after 2024-06-30." in text


def test_without_a_review_period_nothing_is_due_and_there_is_no_page(project: Path) -> None:
    # The shipped default: no period, so no finding and no page; the current_as_of rule
    # still holds the date to the newest review.
    _reviewed_fixture(project)
    configure(project, {"current_as_of": "2025-05-01"})
    assert check(project) == (0, [])
    built = run_build(project)
    assert built.ok, built.messages
    assert not (built.site / "review").exists()
    configure(project, {"editorial": "{current_as_of: info}"})
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("2025-05-01", "2025-05-02"), "utf-8")
    code, lines = check(project)
    assert code == 0
    assert lines == [
        "mkdocs.yml:12:7: note: current_as_of is 2025-05-02, later than the newest review in"
        " the briefing (2025-05-01): the briefing is current only as far as someone checked it;"
        " review what changed, or give the date of the last review [current_as_of]"
    ]
