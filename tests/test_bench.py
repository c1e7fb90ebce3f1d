"""The benchmark runs, and its plain twin really renders the same text."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from briefing.core.sources import load_briefing
from briefing.devtools.bench import build, free_port, main, serve_edit
from briefing.devtools.synthetic import PLAIN, SAME_NAV, generate
from briefing.site.pages import navigation


def test_the_plain_twin_has_the_same_pages_and_notes(tmp_path: Path) -> None:
    generate(tmp_path, articles=3, entities=8)
    briefing, problems = load_briefing(tmp_path / "briefing")
    assert not problems.items
    plain = tmp_path / "plain" / "docs"
    for article in briefing.articles:
        text = (plain / "articles" / f"{article.slug}.md").read_text("utf-8")
        assert "## Annotations" in text
        for annotation in article.annotations:
            assert annotation.model.quote in text
            url = annotation.model.sources[0].url
            assert url is not None and url in text
    assert (plain / "map" / "index.md").exists() and (plain / "glossary" / "index.md").exists()


def test_the_plain_twin_renders_the_notes_each_glossary_entry_shows(tmp_path: Path) -> None:
    """Each entry lists the notes about its entity in full (the plugin grafts them where
    the entry's Markdown has their slots): the plain twin's entry renders the same words,
    and so the baseline does the same work for them."""
    generate(tmp_path, articles=4, entities=8)
    build(tmp_path / "briefing")
    build(tmp_path / "plain")
    briefing, _ = load_briefing(tmp_path / "briefing")
    shown = 0
    for entity in briefing.entities:
        pages = [
            BeautifulSoup(
                (tmp_path / side / "site" / "glossary" / entity / "index.html").read_text("utf-8"),
                "html.parser",
            )
            for side in ("briefing", "plain")
        ]
        articles = [page.find("article") for page in pages]
        texts = [" ".join(a.get_text().split()) for a in articles if a is not None]
        assert len(texts) == 2 and "bf-note-slot" not in texts[1]
        for _, annotation in briefing.annotations_about(entity):
            passage = annotation.model.note.split("]].", 1)[1].split()  # after the link
            words = " ".join(passage)
            assert words in texts[0] and words in texts[1], (entity, words)
            shown += 1
    assert shown >= 8  # every note is about at least one entity


def test_the_benchmark_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--articles", "3", "--entities", "8", "--repeat", "1"])
    out = capsys.readouterr().out
    for pattern in [
        r"build with the plugin:  median \d+\.\d\d s",
        r"plain MkDocs, same pages: median \d+\.\d\d s",
        r"ratio: \d+\.\d\dx",
        r"peak RSS: plugin \d+ MB, plain \d+ MB",
        r"mention matching: \d+\.\d MB of text at \d+\.\d MB/s",
        r"anchoring: 12 annotations in",
        # Issue 24: every ratio side by side with its baseline, in one table.
        r"ratio: \d+\.\d\dx wall, \d+\.\d\dx CPU \(one-entry nav\); "
        r"\d+\.\d\dx wall, \d+\.\d\dx CPU \(same nav\)",
        r"rendered \(plugin\): \d+ pages, \d+\.\d MB of HTML, \d+ nav links a page",
        r"\| 3 articles, CPU, one-entry nav \| \d+\.\d\d s \| \d+\.\d\d s \| \d+\.\d\dx \|",
        r"\| 3 articles, wall, same nav \| \d+\.\d\d s \| \d+\.\d\d s \| \d+\.\d\dx \|",
        r"\| material \(\d+ pages\), CPU \| \d+\.\d\d s \| \d+\.\d\d s \| \d+\.\d\dx \|",
        r"\| themed \(\d+ pages\), CPU \| \d+\.\d\d s \| \d+\.\d\d s \| \d+\.\d\dx \|",
        # A public project's documentation (benchmarks/sites/uv): 80-odd pages.
        r"\| uv \(\d\d+ pages\), CPU \| \d+\.\d\d s \| \d+\.\d\d s \| \d+\.\d\dx \|",
        r"\| serve 3 articles, edit on screen \| \d+\.\d\d s \| \d+\.\d\d s \| \d+\.\d\dx \|",
    ]:
        assert re.search(pattern, out), (pattern, out)
    assert "reported" not in out  # no site's build with Briefing logged an error


def test_the_baselines_differ_only_in_their_navigation(tmp_path: Path) -> None:
    """The issue's baseline has a one-entry nav; the other has the plugin's."""
    generate(tmp_path, articles=3, entities=8)
    plain = tmp_path / "plain"
    issue = yaml.safe_load((plain / PLAIN).read_text("utf-8"))
    same = yaml.safe_load((plain / SAME_NAV).read_text("utf-8"))
    assert issue["nav"] == [{"Home": "index.md"}]
    briefing, _ = load_briefing(tmp_path / "briefing")
    assert same["nav"] == navigation(briefing, ["index.md"])  # the plugin's own
    assert {k: v for k, v in issue.items() if k != "nav"} == {
        k: v for k, v in same.items() if k != "nav"
    }


def test_only_runs_the_parts_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--articles", "3", "--entities", "8", "--repeat", "1", "--only", "serve"])
    out = capsys.readouterr().out
    assert re.search(r"an edit on screen in \d+\.\d s \(plain \d+\.\d s\)", out), out
    assert re.search(r"\| serve 3 articles, rebuild CPU \| \d+\.\d\d s \| \d+\.\d\d s \|", out)
    assert "| serve 3 articles, first build |" in out
    assert re.search(r"\| serve --dirty 3 articles, edit on screen \| \d+\.\d\d s \|", out), out
    # A writer's edits under --dirty: five in a row, their mean and the slowest.
    assert re.search(r"an edit on screen in \d+\.\d s, mean of 5 in a row, slowest \d", out), out
    assert re.search(r"\| serve --dirty 3 articles, slowest edit of 5 \| \d+\.\d\d s \|", out)
    for absent in ["build with the plugin", "real site", "mention matching", "| material"]:
        assert absent not in out, out


def _refused(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_serve_sees_the_edit_then_stops_and_restores(tmp_path: Path) -> None:
    generate(tmp_path, articles=2, entities=4)
    source = tmp_path / "briefing" / "briefing_src" / "articles" / "a00001.md"
    before = source.read_bytes()
    port = free_port()
    first, edits, cpu = serve_edit(
        tmp_path / "briefing", "mkdocs.yml", "articles/a00001/", source, 120, port, edits=2
    )
    assert first > 0 and len(edits) == 2 and min(edits) > 0 and cpu > 0  # rebuilds cost CPU
    assert source.read_bytes() == before
    assert _refused(port)  # the server is gone


def test_serve_gives_up_in_time_and_still_stops(tmp_path: Path) -> None:
    """A page that never shows the edit: an error after the limit, not a hang."""
    generate(tmp_path, articles=2, entities=4)
    source = tmp_path / "plain" / "docs" / "articles" / "a00001.md"
    before = source.read_bytes()
    port = free_port()
    started = time.monotonic()
    with pytest.raises(SystemExit, match="not seen in 3 s"):
        serve_edit(tmp_path / "plain", PLAIN, "no-such-page/", source, 3, port)
    assert time.monotonic() - started < 40
    assert source.read_bytes() == before
    assert _refused(port)


def test_a_build_that_reports_errors_says_so(tmp_path: Path) -> None:
    """A figure of a build that logged errors (it still finishes, not strict) is not
    a figure of the same site: the benchmark prints them beside it."""
    generate(tmp_path, articles=2, entities=4)
    project = tmp_path / "briefing"
    assert build(project).errors == ()
    (project / "docs" / "flood.md").write_text("# Flood\n\n" + "[a] " * 1100 + "\n")
    (problem,) = build(project).errors
    assert "docs/flood.md:3:1: error: 1,100 '[' in one paragraph" in problem
