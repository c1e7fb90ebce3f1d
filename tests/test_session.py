"""The build session without MkDocs: the fixture briefing loaded, its pages generated
and rendered through plain Python-Markdown, the cross-page parts, the policy, and the
one problem channel every host reads."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import markdown
import pytest
from bs4 import BeautifulSoup

from briefing.core.diagnostics import Diagnostic, Position
from briefing.site.build import (
    REPORTED,
    BuildOptions,
    BuildSession,
    Problems,
    SiteSettings,
)
from briefing.site.opendata import RESERVED
from briefing.site.opendata.site import DATA, FEED

FIXTURE = Path(__file__).parent / "fixtures" / "basic"
DOCS_PAGE = "# Fixture briefing\n\nA small briefing about [[kling]] and [[nobody]].\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


def session_of(project: Path, **settings: Any) -> BuildSession:
    site = SiteSettings(name="Fixture briefing", docs_dir=str(project / "docs"), **settings)
    options = BuildOptions(repo_url="https://github.com/example/briefing")
    session = BuildSession(project, options, site)
    session.load()
    session.generate()
    return session


def render(session: BuildSession, uri: str, text: str) -> str:
    """One page, as a host renders it: begun, converted, ended."""
    meta: dict[str, object] = {}
    session.begin_page(uri, "", text, text, meta)
    html = markdown.Markdown(extensions=[session.extension]).convert(text)
    session.end_page(uri, None, text, meta)
    return html


def test_loads_and_generates_the_fixture_briefing(project: Path) -> None:
    session = session_of(project)
    assert sorted(session.briefing.entities) == [
        "chip-embargo",
        "kling",
        "kuaishou",
        "openai",
        "sora",
    ]
    assert session.problems.items == []  # the fixture is clean
    assert {"articles/kling-launch.md", "articles/embargo.md", "glossary/kling.md"} <= set(
        session.generated
    )
    page = session.generated["glossary/kling.md"]
    assert page.entity == "kling"
    assert page.source == "briefing_src/entities/kling.yml"
    assert "Kuaishou's text-to-video model." in page.content
    # The export's pages link relatively, the build's from the docs root.
    assert "](/glossary/" in session.generated["glossary/index.md"].content
    assert "](../glossary/" in session.pages(root="../")["glossary/index.md"].content


def test_rendering_records_mentions_and_reports_problems_once(project: Path) -> None:
    session = session_of(project)
    html = render(session, "index.md", DOCS_PAGE)
    links = [a["href"] for a in BeautifulSoup(html, "html.parser").select("a")]
    assert "/glossary/kling.md" in links
    outputs = session.after_render()
    [problem] = session.problems.items
    assert problem.severity == "error"
    assert problem.position.path == "docs/index.md"
    assert "nobody" in problem.message
    session.report_rendered()  # nothing new since: nothing reported twice
    assert len(session.problems.items) == 1
    assert set(outputs) >= {DATA} and FEED not in session.data_files
    # The entity's page lists the docs page that mentions it.
    view = session.page_view("glossary/kling.md", href=lambda uri: uri)
    assert view.entity is not None and view.entity.id == "kling"
    assert [group.url for group in view.mentioned_in] == ["index.md"]


def test_navigation_and_edit_links(project: Path) -> None:
    session = session_of(project, edit_uri="edit/trunk/docs/")
    nav = session.navigation(None, ["index.md", "glossary/kling.md"])
    assert nav[0] == {"Home": "index.md"}  # the hand-written pages first
    assert str(nav).count("'glossary/kling.md'") <= 1  # a generated page is not one
    own_nav = [{"Home": "index.md"}]
    assert session.navigation(own_nav, [])[0] == own_nav[0]
    assert len(session.navigation(own_nav, [])) > 1  # Briefing's sections at its end
    placed = [*own_nav, {"Words": "glossary/index.md"}]
    assert session.navigation(placed, []) is placed
    assert "glossary/kling.md" in session.unlisted(placed)
    assert session.edit_url("glossary/kling.md", None) == (
        "https://github.com/example/briefing/edit/trunk/briefing_src/entities/kling.yml"
    )
    assert session.edit_url("index.md", None) == (
        "https://github.com/example/briefing/edit/trunk/docs/index.md"
    )
    # A site with its own repository keeps the host's links on its hand-written pages.
    own = session_of(project, repo_url="https://example.org/repo")
    assert own.edit_url("index.md", "https://example.org/repo/edit/x") == (
        "https://example.org/repo/edit/x"
    )


def test_feed_needs_a_site_url(project: Path) -> None:
    asked = BuildSession(project, BuildOptions(feed=True), SiteSettings(name="F"))
    asked.announce_feed()
    [problem] = asked.problems.items
    assert problem.severity == "warning" and "no Atom feed" in problem.message
    default = BuildSession(project, BuildOptions(), SiteSettings(name="F"))
    default.announce_feed()
    assert default.problems.items == [] and not default.feed
    absolute = BuildSession(project, BuildOptions(), SiteSettings(url="https://x.org/"))
    assert absolute.feed and absolute.data_files == RESERVED


def test_the_book_is_written_checked_or_skipped(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BRIEFING_PDF", raising=False)
    assert BuildSession(project, BuildOptions()).book == "write"
    assert BuildSession(project, BuildOptions(), serve=True).book is None
    assert BuildSession(project, BuildOptions(), checking="glyphs").book == "check"
    assert BuildSession(project, BuildOptions(), checking="no book").book is None
    assert BuildSession(project, BuildOptions(pdf=False)).book is None
    monkeypatch.setenv("BRIEFING_PDF", "1")
    assert BuildSession(project, BuildOptions(), serve=True).book == "write"


def test_a_finished_page_gets_the_policy_and_reports_what_it_stops(project: Path) -> None:
    session = session_of(project)
    render(session, "index.md", DOCS_PAGE)
    script = "<script>alert(1)</script>"  # in the page's content: a contributor's
    page = f"<html><head><title>x</title></head><body><article>{script}</article></body></html>"
    output = session.finish_page("index.md", "", "index.html", page, script)
    assert 'http-equiv="Content-Security-Policy"' in output
    stopped = [p for p in session.problems.items if "index.html" in p.message]
    assert stopped and stopped[0].severity == "warning"
    assert stopped[0].position.path == "docs/index.md"


def test_problems_are_logged_marked_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    problems = Problems(logging.getLogger("test.session"), limit=2)
    found = [Diagnostic(Position("a.yml", i), "bad", "error") for i in range(1, 5)]
    note = Diagnostic(Position("b.md"), "a suggestion", "info")
    with caplog.at_level(logging.INFO, logger="test.session"):
        problems.report([note, *found])
    assert [r.levelname for r in caplog.records] == ["INFO", "WARNING", "WARNING"]
    assert caplog.records[-1].getMessage() == "more than 2 problems; the rest are not shown"
    assert all(getattr(r, REPORTED) for r in caplog.records)
    assert len(problems.items) == 5 and len(problems.failures) == 4
    assert problems.since(4).items == found[3:]
    failure = problems.strict_failure("site")
    assert failure.startswith("briefing: 4 problems in strict mode; site left as it was")
    quiet = Problems()  # nothing logged: the failure lists the problems itself
    quiet.report(found)
    assert quiet.strict_failure(None).splitlines()[1] == found[0].format()
